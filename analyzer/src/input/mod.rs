//! Reading inputs: archives (.tgz/.tar.gz/.tar/.zip), unpacked folders and loose text files,
//! into `model::Node`s.
//!
//! Architecture invariant: nothing here writes to disk. Archives are streamed entry by entry,
//! each entry read once, into memory, under the bounds of [`Limits`]. Hostile entries (absolute
//! paths, `..`, links, devices) are skipped with a warning; a bomb stops with an error.

mod archive;
pub mod case;
use archive::Compression;
mod folder;
pub mod foreign;
mod frame;
mod members;
mod prefix;
pub(crate) mod rejoin;
pub mod shapes;
mod sink;
pub(crate) mod unwrap;
mod yaml_fold;
pub(crate) use sink::Sink;
pub mod sniff;
mod web;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::texts::node::{Node, StreamScanner};

pub use crate::texts::decode::{decode_text, keep_tail, lines, text_lines, Line};
pub use sniff::sniff_text;

/// Bounds on what one input may make us read.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Total decompressed bytes read from one input (archive headers included). Over it the
    /// input is refused with an error: a real bundle is far smaller (the collector caps its
    /// items at 512 MiB in all). Everything kept is held in memory, so this bounds memory too.
    pub max_total_bytes: u64,
    /// Bytes kept of one file: the newest part (the tail) is kept, cut at a line start.
    pub max_file_bytes: u64,
    /// Longest line kept whole; longer lines are cut (see [`text::lines`]).
    pub max_line_bytes: usize,
    /// Largest decompressed/compressed ratio accepted once `ratio_floor_bytes` were
    /// decompressed (text logs compress 5-50x; a gzip or zip bomb ~1000x).
    pub max_ratio: u64,
    /// Decompressed bytes after which the ratio guard applies.
    pub ratio_floor_bytes: u64,
    /// Most warnings kept per input; the rest are counted.
    pub max_warnings: usize,
    /// Most files kept per input (a real bundle holds a few thousand at most); later entries
    /// are skipped and counted in one warning, so a million tiny entries cannot exhaust memory
    /// in the rules downstream. The manifest is always kept.
    pub max_entries: usize,
    /// `--input-format NAME`: read every bundle input as this foreign format instead of
    /// sniffing it from the entry names.
    pub input_format: Option<foreign::Format>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 2 << 30,
            max_file_bytes: 256 << 20,
            max_line_bytes: 64 << 10,
            max_ratio: 200,
            ratio_floor_bytes: 32 << 20,
            max_warnings: 200,
            max_entries: 50_000,
            input_format: None,
        }
    }
}

#[derive(Debug)]
pub struct InputError {
    pub path: std::path::PathBuf,
    pub reason: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

impl std::error::Error for InputError {}

fn err(path: &Path, reason: impl Into<String>) -> InputError {
    InputError {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads one PATH given on the command line: an archive, a folder, or a loose text file.
/// The kind is sniffed from the content (gzip, ustar/tar checksum, PK magic), not the name.
/// Every file is read into memory (capped): see [`read_input_with`] for big logs.
pub fn read_input(path: &Path, limits: &Limits) -> Result<Node, InputError> {
    read_input_with(path, limits, None)
}

/// [`read_input`], with big log files handed to `scanner` chunk by chunk as they stream out of
/// the input, instead of being held (they land in [`Node::streamed`], not in `files`).
pub fn read_input_with(
    path: &Path,
    limits: &Limits,
    scanner: Option<&dyn StreamScanner>,
) -> Result<Node, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| err(path, format!("cannot read: {e}")))?;
    if meta.is_dir() {
        let mut sink = Sink::new(limits, scanner);
        let top = folder::read_folder(path, &mut sink).map_err(|r| err(path, r))?;
        return Ok(sink.into_bundle(path, top));
    }
    if !meta.is_file() {
        return Err(err(path, "not a regular file or folder"));
    }
    if meta.len() == 0 {
        return Err(err(path, "empty file: neither a bundle nor text"));
    }
    let mut file = File::open(path).map_err(|e| err(path, format!("cannot open: {e}")))?;
    let mut head = Vec::with_capacity(8192);
    (&mut file)
        .take(8192)
        .read_to_end(&mut head)
        .map_err(|e| err(path, format!("cannot read: {e}")))?;
    drop(file);
    match magic(&head) {
        Magic::Gzip => archive::read_compressed(path, Compression::Gzip, limits, scanner),
        Magic::Xz => archive::read_compressed(path, Compression::Xz, limits, scanner),
        Magic::Bzip2 => archive::read_compressed(path, Compression::Bzip2, limits, scanner),
        Magic::Zip => archive::read_zip(path, limits, scanner),
        Magic::Tar => archive::read_tar_file(path, limits, scanner),
        Magic::Other(name) => Err(err(
            path,
            format!(
                "{name}-compressed file: not supported, unpack it or give a .tgz, .tar.xz, .tar.bz2, .tar or .zip"
            ),
        )),
        Magic::None if looks_like_text(&head) => read_loose_file(path, &head, limits, scanner),
        Magic::None => Err(err(
            path,
            "not a bundle (gzip, tar or zip) and not text: binary content",
        )),
    }
}

enum Magic {
    Gzip,
    Xz,
    Bzip2,
    Zip,
    Tar,
    Other(&'static str),
    None,
}

fn magic(head: &[u8]) -> Magic {
    if head.starts_with(&[0x1f, 0x8b]) {
        Magic::Gzip
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Magic::Zip
    } else if is_tar_header(head) {
        Magic::Tar
    } else if head.starts_with(b"BZh") {
        Magic::Bzip2
    } else if head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        Magic::Xz
    } else if head.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        Magic::Other("zstd")
    } else {
        Magic::None
    }
}

/// A 512-byte tar header: the `ustar` magic, or (old v7 tars) a valid header checksum.
pub(crate) fn is_tar_header(b: &[u8]) -> bool {
    if b.len() < 512 {
        return false;
    }
    if &b[257..262] == b"ustar" {
        return true;
    }
    let field = &b[148..156];
    let digits: String = field
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as char)
        .collect();
    let Ok(want) = u32::from_str_radix(digits.trim(), 8) else {
        return false;
    };
    let sum: u32 = b[..512]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if (148..156).contains(&i) {
                32
            } else {
                c as u32
            }
        })
        .sum();
    want == sum && b[0] != 0
}

/// Text, not binary: no NUL and few control characters in the first bytes.
pub(crate) fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    let ctrl = head
        .iter()
        .filter(|&&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x1b | 0x0c))
        .count();
    ctrl * 20 < head.len()
}

/// A loose text file: kept under its file name, kind sniffed.
fn read_loose_file(
    path: &Path,
    head: &[u8],
    limits: &Limits,
    scanner: Option<&dyn StreamScanner>,
) -> Result<Node, InputError> {
    let file = File::open(path).map_err(|e| err(path, format!("cannot open: {e}")))?;
    let name = file_name(path);
    if foreign::dump::is_stdout_dump(head) {
        // `kubectl cluster-info dump > file`: the cluster's objects and pod logs, read whole
        // (within the per-file cap) and cut into the layout its --output-directory form has.
        let mut sink = Sink::new(limits, None);
        let (data, e) = sink.read_tail(&name, file);
        if let Some(e) = e {
            return Err(err(path, format!("read error: {e}")));
        }
        let (files, problems) = foreign::dump::split(&decode_text(&data));
        for p in problems {
            sink.warn(p);
        }
        sink.hold_foreign(foreign::Format::ClusterInfoDump, files);
        return Ok(sink.into_bundle(path, Some(file_stem(path))));
    }
    let mut sink = Sink::new(limits, scanner);
    let data = match sink.read_entry(&name, true, file) {
        (d, None) => d,
        (_, Some(e)) => return Err(err(path, format!("read error: {e}"))),
    };
    Ok(sink.into_loose(path, &name, data))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".to_string())
}

/// `kdiag-node01-20261122T083000Z.tgz` -> `kdiag-node01-20261122T083000Z`; `kubelet.log` -> `kubelet`.
/// A Markdown fence line (```` ``` ```` or `~~~`, after any indentation): a line of its own.
pub(crate) fn is_fence(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

pub fn file_stem(path: &Path) -> String {
    let name = file_name(path);
    for ext in [".tar.gz", ".tgz", ".tar", ".zip", ".gz"] {
        if name.len() > ext.len() && name.to_ascii_lowercase().ends_with(ext) {
            return name[..name.len() - ext.len()].to_string();
        }
    }
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
        _ => name,
    }
}

/// The single first component every key shares (a bundle's `kdiag-<host>-<ts>/`), unless it is
/// a layout folder itself (`node`, `cluster`).
fn common_top<'k>(keys: impl Iterator<Item = &'k String>) -> Option<String> {
    let mut first: Option<&str> = None;
    for k in keys {
        let (head, _) = k.split_once('/')?;
        match first {
            None => first = Some(head),
            Some(f) if f == head => {}
            Some(_) => return None,
        }
    }
    let f = first?;
    if f == "node" || f == "cluster" {
        return None;
    }
    Some(f.to_string())
}

/// Makes an archive entry name a safe bundle-relative key: `./a//b` -> `a/b`.
/// Refuses absolute paths, drive letters, `..` components and NUL bytes.
pub(crate) fn clean_entry_path(raw: &str) -> Result<Option<String>, &'static str> {
    if raw.contains('\0') {
        return Err("NUL byte in its name");
    }
    let p = raw.replace('\\', "/");
    if p.starts_with('/') {
        return Err("absolute path");
    }
    let b = p.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return Err("absolute path (drive letter)");
    }
    let mut parts = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err("`..` component (path traversal)"),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(parts.join("/")))
}

/// Whether kdiag read anything from a loose file: its lines sniffed as a known kind, an output
/// or object read from it (`shapes`), a line that starts like a log line, or a file big enough to
/// stream (a log). `false` for text none of the readers know: no finding from it is no verdict.
pub fn recognized(node: &crate::texts::node::Node) -> bool {
    let crate::texts::node::InputKind::Loose(kind) = node.kind else {
        return true;
    };
    if kind != crate::texts::node::TextKind::Unknown || !node.streamed.is_empty() {
        return true;
    }
    node.files.iter().any(|(path, bytes)| {
        path.starts_with("node/")
            || path.starts_with("cluster/")
            || String::from_utf8_lossy(bytes).lines().any(rejoin::log_line)
    })
}

/// A snippet of the real-world corpus (testdata/real/snippets/NAME), for unit tests that read
/// real text.
#[cfg(test)]
pub(crate) fn corpus_snippet(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../testdata/real/snippets/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn clean_paths() {
        assert_eq!(
            clean_entry_path("./kdiag-a/node/x").unwrap().as_deref(),
            Some("kdiag-a/node/x")
        );
        assert_eq!(
            clean_entry_path("a//b/./c").unwrap().as_deref(),
            Some("a/b/c")
        );
        assert_eq!(clean_entry_path("./").unwrap(), None);
        assert!(clean_entry_path("../../etc/x").is_err());
        assert!(clean_entry_path("a/../../b").is_err());
        assert!(clean_entry_path("/etc/passwd").is_err());
        assert!(clean_entry_path("C:\\Windows\\x").is_err());
        assert!(clean_entry_path("a\\..\\..\\b").is_err());
    }

    #[test]
    fn stems() {
        assert_eq!(
            file_stem(Path::new("/x/kdiag-n1-20261122T083000Z.tar.gz")),
            "kdiag-n1-20261122T083000Z"
        );
        assert_eq!(file_stem(Path::new("kubelet.log")), "kubelet");
        assert_eq!(file_stem(Path::new("paste")), "paste");
    }

    #[test]
    fn top_folder_detection() {
        let mut f: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        f.insert("kdiag-a/node/x".to_string(), vec![]);
        f.insert("kdiag-a/manifest.json".to_string(), vec![]);
        assert_eq!(common_top(f.keys()).as_deref(), Some("kdiag-a"));
        f.insert("other".to_string(), vec![]);
        assert_eq!(common_top(f.keys()), None);
        let mut g = BTreeMap::new();
        g.insert("node/host/hostname".to_string(), vec![0u8]);
        assert_eq!(common_top(g.keys()), None);
    }
}
