//! Where read entries go: the byte budget, the warnings, the streaming hand-off of big logs and
//! the foreign-format decision, then the node built from what was kept.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;

use kdiag_bundle::{Manifest, MANIFEST_PATH};

use super::shapes;
use super::sniff::sniff_text;
use super::{common_top, decode_text, file_stem, foreign, keep_tail, Limits};
use super::{prefix, rejoin, unwrap, yaml_fold};
use crate::texts::node::{InputKind, Node, PendingScan, StreamScanner};
use crate::texts::Streamed;

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
    /// The last streamed file, its last chunks maybe still scanning while the next file's first
    /// chunk is read; moved to `streamed` by [`Sink::settle`] once that chunk is handed to the
    /// scan (so that at most one more chunk is in flight than in one file), and before anything
    /// reads `streamed`.
    pending: Option<(String, PendingScan)>,
    /// The foreign format the entries showed (or `--input-format` forced); its adapter decides
    /// which entries are read at all.
    foreign: Option<foreign::Adapter>,
    /// A kdiag path or manifest was seen: this is a kdiag bundle, stop sniffing.
    kdiag: bool,
    /// Entries of a foreign archive that no row maps, not read.
    foreign_skipped: usize,
}

impl<'l> Sink<'l> {
    pub fn new(limits: &'l Limits, scanner: Option<&'l dyn StreamScanner>) -> Self {
        Sink {
            scanner,
            streamed: BTreeMap::new(),
            pending: None,
            limits,
            files: BTreeMap::new(),
            warnings: Vec::new(),
            dropped_warnings: 0,
            skipped_entries: 0,
            total: 0,
            foreign: limits.input_format.map(foreign::Adapter::new),
            kdiag: false,
            foreign_skipped: 0,
        }
    }

    /// Files of a foreign format already cut out of one input (a `kubectl cluster-info dump`
    /// written to stdout): the node is built from them as from that format's archive.
    pub fn hold_foreign(&mut self, f: foreign::Format, files: BTreeMap<String, Vec<u8>>) {
        self.foreign = Some(foreign::Adapter::new(f));
        self.files.extend(files);
    }

    /// Decides the format from a folder's own entry names before its files are walked (a
    /// folder is not read in the archive's order: `etc/` sorts before `sos_commands/`).
    pub fn sniff_names<'n>(&mut self, names: impl Iterator<Item = &'n str>) {
        if self.foreign.is_some() {
            return;
        }
        for n in names {
            if let Some(f) = foreign::sniff(n).or_else(|| foreign::sniff(&format!("{n}/x"))) {
                self.foreign = Some(foreign::Adapter::new(f));
                return;
            }
        }
    }

    /// Whether the entry `key` is not to be read at all: this is a foreign archive (decided by
    /// the first entry that is one of its markers) and none of its rows maps `key`. Entries seen
    /// before the decision are kept and sorted out when the node is built.
    pub fn skip(&mut self, key: &str) -> bool {
        if self.foreign.is_none() && !self.kdiag {
            let k = key.strip_prefix("./").unwrap_or(key);
            let kdiag_path =
                |k: &str| k == MANIFEST_PATH || k.starts_with("node/") || k.starts_with("cluster/");
            if kdiag_path(k) || k.split_once('/').is_some_and(|(_, r)| kdiag_path(r)) {
                self.kdiag = true;
            } else if let Some(f) = foreign::sniff(k) {
                self.foreign = Some(foreign::Adapter::new(f));
            }
        }
        let skip = self.foreign.as_ref().is_some_and(|a| !a.wants(key));
        self.foreign_skipped += usize::from(skip);
        skip
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
            // The file before this one has scanned its last chunks while this one's first was
            // read; wait for them now, so that two files' chunks are not in flight together.
            self.settle();
            data.extend_from_slice(&rest);
            if eof && data.is_empty() {
                break;
            }
        }
        let pending = fs.finish(bytes);
        if bytes > self.limits.max_file_bytes {
            self.warn(format!(
                "{key}: larger than the {} MiB per-file cap: scanned whole ({} MiB) as it streamed, never held in memory",
                self.limits.max_file_bytes >> 20,
                bytes >> 20
            ));
        }
        self.settle();
        self.pending = Some((key.to_string(), pending));
        (None, error)
    }

    /// Waits for the pending streamed file's last chunks and records it in `streamed`.
    pub fn settle(&mut self) {
        if let Some((key, pending)) = self.pending.take() {
            let s = pending();
            if let Some(e) = &s.error {
                self.warn(format!("{key}: {e}; the rest of the file was scanned"));
            }
            self.insert_streamed(key, s);
        }
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
        let held = self.files.remove(&key).is_some();
        if self.streamed.insert(key.clone(), s).is_some() || held {
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
        if self.pending.as_ref().is_some_and(|(k, _)| *k == key) {
            self.settle();
        }
        let is_manifest = Self::is_manifest(&key);
        let pending = usize::from(self.pending.is_some());
        if self.files.len() + self.streamed.len() + pending >= self.limits.max_entries
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
    /// A foreign archive's entries are mapped onto the kdiag layout first, with a manifest that
    /// says where each file came from and what the format lacks.
    pub fn into_bundle(mut self, origin: &Path, top_hint: Option<String>) -> Node {
        self.settle();
        if let Some(adapter) = self.foreign.take() {
            return self.into_foreign(adapter, origin, top_hint);
        }
        let (files, top) = self.strip_top(top_hint, |_| true);
        let manifest = match files.get(MANIFEST_PATH) {
            None => {
                self.warn("no manifest.json: the bundle is read without it (why files are missing is unknown)".into());
                None
            }
            Some(bytes) => match Manifest::from_json_lenient(bytes) {
                Ok((m, warnings)) => {
                    for w in warnings {
                        self.warn(w);
                    }
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
        self.bundle_node(origin, top, manifest, files)
    }

    /// The common top folder of every key (held and streamed), stripped when `own` says it is
    /// the archive's own folder; returns the held files and the top folder's name (else `hint`).
    fn strip_top(
        &mut self,
        hint: Option<String>,
        own: impl Fn(&str) -> bool,
    ) -> (BTreeMap<String, Vec<u8>>, Option<String>) {
        let files = std::mem::take(&mut self.files);
        let Some(first) = common_top(files.keys().chain(self.streamed.keys())).filter(|t| own(t))
        else {
            return (files, hint);
        };
        let strip = |k: String| k[first.len() + 1..].to_string();
        let files = files.into_iter().map(|(k, v)| (strip(k), v)).collect();
        self.streamed = std::mem::take(&mut self.streamed)
            .into_iter()
            .map(|(k, v)| (strip(k), v))
            .collect();
        (files, Some(first))
    }

    /// A bundle node named by its manifest's hostname, else its top folder, else the input's
    /// file stem.
    fn bundle_node(
        mut self,
        origin: &Path,
        top: Option<String>,
        manifest: Option<Manifest>,
        files: BTreeMap<String, Vec<u8>>,
    ) -> Node {
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

    fn into_foreign(
        mut self,
        adapter: foreign::Adapter,
        origin: &Path,
        top_hint: Option<String>,
    ) -> Node {
        // The common top folder is the archive's own (sosreport-<host>-<date>/), unless it is
        // one of the format's folders (a tree holding only sos_commands/, a cluster-info dump
        // of one namespace).
        let layout_top = adapter.top_is_layout(self.files.keys().chain(self.streamed.keys()));
        let (files, top) = self.strip_top(top_hint, |t| {
            !layout_top && foreign::sniff(&format!("{t}/x")).is_none()
        });
        let read = files.len();
        let (files, manifest, warnings) = adapter.adapt(files, top.as_deref());
        self.warn(format!(
            "read as a {} (foreign format): {} file(s) of the kdiag layout built from {} entries \
             read; {} entries no rule reads were not read",
            adapter.format().name(),
            files.len(),
            read,
            self.foreign_skipped
        ));
        for w in warnings {
            self.warn(w);
        }
        if files.is_empty() {
            self.warn(format!(
                "nothing in this {} maps onto the kdiag layout",
                adapter.format().name()
            ));
        }
        self.bundle_node(origin, top, Some(manifest), files)
    }

    /// A loose input's node; `data` is `None` when the file was streamed.
    pub fn into_loose(mut self, origin: &Path, name: &str, data: Option<Vec<u8>>) -> Node {
        self.settle();
        let head: &[u8] = match (&data, self.streamed.get(name)) {
            (Some(d), _) => d,
            (None, Some(s)) => &s.head,
            (None, None) => &[],
        };
        // The marks a paste picked up on its way (colours, quote marks, a code block's indent,
        // a tool's prefixes, a web page's tags and entities, a terminal UI's box: `prefix.rs`) come off before anything reads it, and a paste a
        // terminal hard-wrapped is read with its lines joined (`unwrap.rs`): once, for the shape
        // readers and the scan alike.
        let text = decode_text(head);
        let (stripped, unwrapped) = repair(&text);
        let readable = unwrapped
            .as_ref()
            .map(|u| u.compact.as_str())
            .or(stripped.as_deref())
            .unwrap_or(&text);
        let sniff_len = 256 << 10;
        let kind = if head.len() <= sniff_len {
            sniff_text(readable)
        } else {
            let text = decode_text(&head[..sniff_len]);
            let (stripped, unwrapped) = repair(&text);
            sniff_text(
                unwrapped
                    .as_ref()
                    .map(|u| u.compact.as_str())
                    .or(stripped.as_deref())
                    .unwrap_or(&text),
            )
        };
        // Command outputs found in the paste, as the bundle files facts read; the log probes
        // never scan them a second time (texts::source_filter). A paste big enough to stream
        // is searched in its head (the first 256 KiB, kept while it streamed).
        let derived = shapes::derive(readable);
        let read_from: Vec<String> = derived.iter().map(|(p, _)| p.clone()).collect();
        let mut files: BTreeMap<String, Vec<u8>> = derived
            .into_iter()
            .map(|(path, body)| (path, body.into_bytes()))
            .collect();
        // Log lines a terminal or tracker broke, and quoted YAML scalars a YAML writer folded, are
        // scanned whole (line numbers kept), after the repairs above (a hard wrap's pieces left as
        // empty lines). Only a held paste (`head` is then `data`, and `text` is all of it) is
        // scanned repaired; a streamed one is scanned as it streams.
        let joined = match &data {
            Some(_) => {
                let numbered = unwrapped.map(|u| u.numbered);
                // the paste before the joins (its marks taken off), line for line
                let before = stripped.as_deref().unwrap_or(&text);
                let t = numbered.as_deref().unwrap_or(before);
                let r = rejoin::rejoin_over(t, before);
                let repaired = r.as_deref().unwrap_or(t);
                // the lines those repairs emptied (a piece joined to the line before)
                let emptied = rejoin::emptied_lines(repaired, before);
                yaml_fold::unfold_over(repaired, &emptied)
                    .or(r)
                    .or(numbered)
                    .or(stripped)
            }
            None => None,
        };
        // A held paste that was not UTF-8 (GBK from a Chinese Windows desktop, or UTF-8 with a
        // broken byte) is scanned as decoded, so that rules read its non-ASCII words and quote
        // marks, not the replacement characters a per-line UTF-8 reading would give them. GBK
        // never uses a newline byte inside a character, so every line keeps its number.
        let transcoded = match (&data, text) {
            (Some(_), Cow::Owned(t)) => Some(t),
            _ => None,
        };
        // (warned only now: `text` may borrow the streamed head held in `self`)
        if !read_from.is_empty() {
            self.warn(format!("read from the paste: {}", read_from.join(", ")));
        }
        if let Some(data) = data {
            let data = match (joined, transcoded) {
                (Some(joined), _) => {
                    self.warn(
                        "colours, quote marks, indentation, tool prefixes, web page marks, frames and broken log lines of the paste were undone before the scan".into(),
                    );
                    joined.into_bytes()
                }
                (None, Some(t)) => t.into_bytes(),
                (None, None) => data,
            };
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

/// A paste's repairs: its marks taken off (`prefix.rs`), then its hard wrap joined
/// (`unwrap.rs`); `None` for each that found nothing to undo.
fn repair(text: &str) -> (Option<String>, Option<unwrap::Unwrapped>) {
    let stripped = prefix::strip(text);
    let unwrapped = unwrap::unwrap(stripped.as_deref().unwrap_or(text));
    (stripped, unwrapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::node::FileStream;

    /// Streams every file of over 4 bytes; its scan only counts the bytes fed.
    struct Counting;

    struct CountingFile(u64);

    impl StreamScanner for Counting {
        fn begin(&self, _: &str, _: bool) -> Option<Box<dyn FileStream>> {
            Some(Box::new(CountingFile(0)))
        }
        fn min_bytes(&self) -> u64 {
            4
        }
        fn chunk_bytes(&self) -> usize {
            4096
        }
    }

    impl FileStream for CountingFile {
        fn feed(&mut self, chunk: Vec<u8>) -> Vec<u8> {
            self.0 += chunk.len() as u64;
            Vec::new()
        }
        fn finish(self: Box<Self>, bytes: u64) -> PendingScan {
            let fed = self.0;
            Box::new(move || {
                assert_eq!(fed, bytes);
                Streamed {
                    bytes,
                    ..Streamed::default()
                }
            })
        }
    }

    fn stream(sink: &mut Sink<'_>, key: &str, text: &str) {
        let (held, err) = sink.read_entry(key, false, text.as_bytes());
        assert!(held.is_none() && err.is_none(), "{key} streams");
    }

    #[test]
    fn a_pending_streamed_file_is_settled_in_read_order() {
        let limits = Limits::default();
        let mut sink = Sink::new(&limits, Some(&Counting));
        stream(&mut sink, "node/journal/a.log", "one line\n");
        // The last streamed file waits until the next one finishes or the node is built.
        assert!(sink.streamed.is_empty());
        stream(&mut sink, "node/journal/b.log", "two\nlines\n");
        assert_eq!(
            sink.streamed.keys().collect::<Vec<_>>(),
            ["node/journal/a.log"]
        );
        sink.settle();
        assert_eq!(sink.streamed["node/journal/a.log"].bytes, 9);
        assert_eq!(sink.streamed["node/journal/b.log"].bytes, 10);

        // A held copy read after a still pending streamed one replaces it, as when settled.
        stream(&mut sink, "node/journal/c.log", "streamed\n");
        sink.insert("node/journal/c.log".into(), b"held".to_vec());
        assert!(!sink.streamed.contains_key("node/journal/c.log"));
        assert_eq!(sink.files["node/journal/c.log"], b"held");
        // And a streamed copy after a held one replaces that.
        stream(&mut sink, "node/journal/c.log", "streamed again\n");
        sink.settle();
        assert!(!sink.files.contains_key("node/journal/c.log"));
        assert_eq!(sink.streamed["node/journal/c.log"].bytes, 15);
        let warned = sink.finish_warnings();
        assert_eq!(
            warned
                .iter()
                .filter(|w| w.contains("c.log: appears twice"))
                .count(),
            2,
            "{warned:?}"
        );
    }

    #[test]
    fn the_node_holds_the_pending_file() {
        let limits = Limits::default();
        let mut sink = Sink::new(&limits, Some(&Counting));
        stream(&mut sink, "b/node/journal/kubelet.log", "I1122 kubelet\n");
        let node = sink.into_bundle(Path::new("b.tgz"), None);
        assert_eq!(
            node.streamed.keys().collect::<Vec<_>>(),
            ["node/journal/kubelet.log"]
        );
    }
}
