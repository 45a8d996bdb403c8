//! Reading inputs: archives (.tgz/.tar.gz/.tar/.zip), unpacked folders and loose text files,
//! into `model::Node`s.
//!
//! Architecture invariant: nothing here writes to disk. Archives are streamed entry by entry,
//! each entry read once, into memory, under the bounds of [`Limits`]. Hostile entries (absolute
//! paths, `..`, links, devices) are skipped with a warning; a bomb stops with an error.

mod archive;
mod folder;
pub mod sniff;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use kdiag_bundle::{Manifest, MANIFEST_PATH};

use crate::texts::node::{InputKind, Node, StreamScanner};
use crate::texts::Streamed;

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
        Magic::Gzip => archive::read_gzip(path, limits, scanner),
        Magic::Zip => archive::read_zip(path, limits, scanner),
        Magic::Tar => archive::read_tar_file(path, limits, scanner),
        Magic::Other(name) => Err(err(
            path,
            format!(
                "{name}-compressed file: not supported, unpack it or give a .tgz, .tar or .zip"
            ),
        )),
        Magic::None if looks_like_text(&head) => read_loose_file(path, limits, scanner),
        Magic::None => Err(err(
            path,
            "not a bundle (gzip, tar or zip) and not text: binary content",
        )),
    }
}

enum Magic {
    Gzip,
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
        Magic::Other("bzip2")
    } else if head.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        Magic::Other("xz")
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
    limits: &Limits,
    scanner: Option<&dyn StreamScanner>,
) -> Result<Node, InputError> {
    let file = File::open(path).map_err(|e| err(path, format!("cannot open: {e}")))?;
    let mut sink = Sink::new(limits, scanner);
    let name = file_name(path);
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

/// Where read entries go, with the byte budget and the warnings.
pub(crate) struct Sink<'l> {
    pub limits: &'l Limits,
    pub files: BTreeMap<String, Vec<u8>>,
    warnings: Vec<String>,
    dropped_warnings: usize,
    /// Entries not kept because of `max_entries`.
    skipped_entries: usize,
    /// Bytes read so far (for folders and loose files; archives count in their guard).
    pub total: u64,
    /// Scans big logs as they stream (`None`: everything is read into memory).
    scanner: Option<&'l dyn StreamScanner>,
    pub streamed: BTreeMap<String, Streamed>,
}

impl<'l> Sink<'l> {
    pub fn new(limits: &'l Limits, scanner: Option<&'l dyn StreamScanner>) -> Self {
        Sink {
            scanner,
            streamed: BTreeMap::new(),
            limits,
            files: BTreeMap::new(),
            warnings: Vec::new(),
            dropped_warnings: 0,
            skipped_entries: 0,
            total: 0,
        }
    }

    pub fn warn(&mut self, w: String) {
        if self.warnings.len() < self.limits.max_warnings {
            self.warnings.push(w);
        } else {
            self.dropped_warnings += 1;
        }
    }

    /// Reads `r` to its end keeping the newest `max_file_bytes` (cut at a line start).
    /// On a read error returns what was read so far along with the error.
    pub fn read_tail(&mut self, name: &str, mut r: impl Read) -> (Vec<u8>, Option<io::Error>) {
        let cap = self.limits.max_file_bytes.min(usize::MAX as u64 / 4) as usize;
        let mut data = Vec::new();
        let mut buf = vec![0u8; 64 << 10];
        let mut cut = false;
        let mut error = None;
        loop {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    self.total += n as u64;
                    data.extend_from_slice(&buf[..n]);
                    // Drop the oldest bytes once a quarter of the cap is over it: memory stays
                    // under 1.25 x the cap (not 2x), at the cost of moving the cap's bytes once
                    // per quarter-cap read (4 bytes moved per byte read, memmove speed).
                    if data.len() > cap.saturating_add((cap / 4).max(1 << 20)) {
                        let excess = data.len() - cap;
                        data.drain(..excess);
                        cut = true;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if keep_tail(&mut data, cap) || cut {
            if cut {
                // The ring above cut mid-line: realign on a line start.
                if let Some(nl) = data.iter().position(|&c| c == b'\n') {
                    if nl + 1 < data.len() {
                        data.drain(..=nl);
                    }
                }
            }
            self.warn(format!(
                "{name}: larger than the {} MiB per-file cap, kept its newest {} bytes",
                cap >> 20,
                data.len()
            ));
        }
        (data, error)
    }

    /// Reads one file: into memory (as [`Sink::read_tail`]) when it is small or the scanner
    /// does not want it, else scanned in line-aligned chunks as it streams and recorded in
    /// `streamed` (`None` returned: there are no bytes to insert). `loose`: a loose input.
    pub fn read_entry(
        &mut self,
        key: &str,
        loose: bool,
        mut r: impl Read,
    ) -> (Option<Vec<u8>>, Option<io::Error>) {
        let Some(scanner) = self.scanner else {
            let (d, e) = self.read_tail(key, r);
            return (Some(d), e);
        };
        let min = scanner.min_bytes();
        let mut head = Vec::new();
        let first = (&mut r).take(min.saturating_add(1)).read_to_end(&mut head);
        let small = first.is_err() || (head.len() as u64) <= min;
        let stream = if small {
            None
        } else {
            scanner.begin(key, loose)
        };
        let Some(mut fs) = stream else {
            if let Err(e) = first {
                self.total += head.len() as u64;
                return (Some(head), Some(e));
            }
            let (d, e) = self.read_tail(key, io::Cursor::new(head).chain(r));
            return (Some(d), e);
        };
        let chunk = scanner.chunk_bytes().max(4096);
        let mut data = head;
        let mut bytes = 0u64;
        let mut error = None;
        let mut eof = false;
        self.total += data.len() as u64;
        loop {
            if !eof && data.len() < chunk {
                let before = data.len();
                let want = (chunk - before) as u64;
                match (&mut r).take(want).read_to_end(&mut data) {
                    Ok(n) => eof = (n as u64) < want,
                    Err(e) => {
                        error = Some(e);
                        eof = true;
                    }
                }
                self.total += (data.len() - before) as u64;
                if self.total > self.limits.max_total_bytes && error.is_none() {
                    error = Some(io::Error::other("stopped: the input size limit"));
                    eof = true;
                }
            }
            if data.is_empty() {
                break;
            }
            // Line-aligned chunks; a line longer than a chunk is split (its number stays right).
            let cut = if eof {
                data.len()
            } else {
                memchr::memrchr(b'\n', &data).map_or(data.len(), |i| i + 1)
            };
            let rest = data[cut..].to_vec();
            data.truncate(cut);
            bytes += data.len() as u64;
            data = fs.feed(data);
            data.extend_from_slice(&rest);
            if eof && data.is_empty() {
                break;
            }
        }
        let s = fs.finish(bytes);
        if bytes > self.limits.max_file_bytes {
            self.warn(format!(
                "{key}: larger than the {} MiB per-file cap: scanned whole ({} MiB) as it streamed, never held in memory",
                self.limits.max_file_bytes >> 20,
                bytes >> 20
            ));
        }
        if let Some(e) = &s.error {
            self.warn(format!("{key}: {e}; the rest of the file was scanned"));
        }
        self.insert_streamed(key.to_string(), s);
        (None, error)
    }

    /// Whether a file of `len` bytes at `key` would be streamed rather than held.
    pub fn streams(&self, key: &str, len: u64) -> bool {
        self.scanner
            .is_some_and(|s| len > s.min_bytes() && crate::texts::is_log_path(key))
    }

    fn is_manifest(key: &str) -> bool {
        key == MANIFEST_PATH
            || key
                .split_once('/')
                .is_some_and(|(_, rest)| rest == MANIFEST_PATH)
    }

    pub fn insert_streamed(&mut self, key: String, s: Streamed) {
        if self.files.len() + self.streamed.len() >= self.limits.max_entries
            && !self.streamed.contains_key(&key)
        {
            self.skipped_entries += 1;
            return;
        }
        self.files.remove(&key);
        if self.streamed.insert(key.clone(), s).is_some() {
            self.warn(format!("{key}: appears twice, the later copy is kept"));
        }
    }

    /// Inserts what [`Sink::read_entry`] read (nothing when it was streamed).
    pub fn insert_read(&mut self, key: String, data: Option<Vec<u8>>) {
        if let Some(d) = data {
            self.insert(key, d);
        }
    }

    pub fn insert(&mut self, key: String, data: Vec<u8>) {
        let is_manifest = Self::is_manifest(&key);
        if self.files.len() + self.streamed.len() >= self.limits.max_entries
            && !is_manifest
            && !self.files.contains_key(&key)
        {
            self.skipped_entries += 1;
            return;
        }
        let again = self.streamed.remove(&key).is_some();
        if self.files.insert(key.clone(), data).is_some() || again {
            self.warn(format!("{key}: appears twice, the later copy is kept"));
        }
    }

    fn finish_warnings(&mut self) -> Vec<String> {
        let mut w = std::mem::take(&mut self.warnings);
        if self.skipped_entries > 0 {
            w.push(format!(
                "{} more files past the first {} were skipped (the per-input file count limit)",
                self.skipped_entries, self.limits.max_entries
            ));
        }
        if self.dropped_warnings > 0 {
            w.push(format!("... and {} more warnings", self.dropped_warnings));
        }
        w
    }

    /// Builds a bundle node: strips the common top folder, reads the manifest, names the node.
    pub fn into_bundle(mut self, origin: &Path, top_hint: Option<String>) -> Node {
        let mut files = std::mem::take(&mut self.files);
        let mut top = top_hint;
        if let Some(first) = common_top(files.keys().chain(self.streamed.keys())) {
            files = files
                .into_iter()
                .map(|(k, v)| (k[first.len() + 1..].to_string(), v))
                .collect();
            self.streamed = std::mem::take(&mut self.streamed)
                .into_iter()
                .map(|(k, v)| (k[first.len() + 1..].to_string(), v))
                .collect();
            top = Some(first);
        }
        let manifest = match files.get(MANIFEST_PATH) {
            None => {
                self.warn("no manifest.json: the bundle is read without it (why files are missing is unknown)".into());
                None
            }
            Some(bytes) => match serde_json::from_slice::<Manifest>(bytes) {
                Ok(m) => {
                    if m.format != kdiag_bundle::FORMAT {
                        self.warn(format!(
                            "manifest.json: format is {:?}, not {:?}",
                            m.format,
                            kdiag_bundle::FORMAT
                        ));
                    }
                    if m.format_version > kdiag_bundle::FORMAT_VERSION {
                        self.warn(format!(
                            "manifest.json: format_version {} is newer than this analyzer's {}",
                            m.format_version,
                            kdiag_bundle::FORMAT_VERSION
                        ));
                    }
                    Some(m)
                }
                Err(e) => {
                    self.warn(format!(
                        "manifest.json is unreadable ({e}): read without it"
                    ));
                    None
                }
            },
        };
        if files.is_empty() && self.streamed.is_empty() {
            self.warn("the bundle holds no readable file".into());
        }
        let name = manifest
            .as_ref()
            .map(|m| m.hostname.trim().to_string())
            .filter(|h| !h.is_empty())
            .or(top)
            .unwrap_or_else(|| file_stem(origin));
        Node {
            name,
            origin: origin.to_path_buf(),
            kind: InputKind::Bundle,
            manifest,
            files,
            streamed: std::mem::take(&mut self.streamed),
            warnings: self.finish_warnings(),
        }
    }

    /// A loose input's node; `data` is `None` when the file was streamed.
    pub fn into_loose(mut self, origin: &Path, name: &str, data: Option<Vec<u8>>) -> Node {
        let head: &[u8] = match (&data, self.streamed.get(name)) {
            (Some(d), _) => d,
            (None, Some(s)) => &s.head,
            (None, None) => &[],
        };
        let kind = sniff_text(&decode_text(&head[..head.len().min(256 << 10)]));
        let mut files = BTreeMap::new();
        if let Some(data) = data {
            files.insert(name.to_string(), data);
        }
        Node {
            name: file_stem(Path::new(name)),
            origin: origin.to_path_buf(),
            kind: InputKind::Loose(kind),
            manifest: None,
            files,
            streamed: std::mem::take(&mut self.streamed),
            warnings: self.finish_warnings(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
