//! The in-memory form of one input (one node's bundle, or one loose text file).
//! Shared by `input` (which builds it), `facts` (which parses it) and `rules` (which reads it).

use std::collections::BTreeMap;
use std::path::PathBuf;

use kdiag_bundle::Manifest;

/// Scans big files as they are read (see [`Node::streamed`]); given to `input::read_input_with`.
pub trait StreamScanner: Send + Sync {
    /// A scan of the file `key` (bundle path, maybe under the bundle's top folder; for a loose
    /// input its file name), or `None` when it is kept in memory instead.
    fn begin(&self, key: &str, loose: bool) -> Option<Box<dyn FileStream>>;
    /// Files this small stay in memory whatever their path.
    fn min_bytes(&self) -> u64;
    /// Bytes per chunk handed to [`FileStream::feed`].
    fn chunk_bytes(&self) -> usize;
}

/// One big file being scanned: line-aligned chunks in order, then `finish`.
pub trait FileStream: Send {
    /// Scans `chunk` (it ends at a line end, or is the file's last part); returns an empty buffer
    /// to fill next. May block while too many chunks are in flight.
    fn feed(&mut self, chunk: Vec<u8>) -> Vec<u8>;
    /// Ends the file without waiting for its last chunks: the reader goes on with the next
    /// file while they are scanned, and waits when it calls the returned [`PendingScan`].
    fn finish(self: Box<Self>, bytes: u64) -> PendingScan;
}

/// What a finished [`FileStream`] gives once its last chunks are scanned (the call blocks until
/// then).
pub type PendingScan = Box<dyn FnOnce() -> crate::texts::Streamed + Send>;

/// One node of a case: a bundle (archive or folder) or a loose text file.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Node name: the manifest's hostname, else the bundle's top folder / file stem.
    pub name: String,
    /// The PATH given on the command line.
    pub origin: PathBuf,
    pub kind: InputKind,
    /// `None` when the bundle had no (readable) manifest.json.
    pub manifest: Option<Manifest>,
    /// Bundle-relative path (`node/journal/kubelet.log`) -> raw bytes, as read (size-capped).
    /// For a loose text file: its file name -> its bytes.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Big log files (journals, messages, dmesg, container logs, a big loose file) scanned while
    /// they streamed out of the input and never held whole: what the rules, facts and timeline
    /// need of them (`texts::Streamed`). Keys are bundle paths, as in `files`; a path is
    /// in one of the two maps, never both.
    pub streamed: BTreeMap<String, crate::texts::Streamed>,
    /// Problems met while reading (skipped entries, truncation, caps), shown in reports.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InputKind {
    #[default]
    Bundle,
    /// A loose text file, with what the sniffer thinks it is.
    Loose(TextKind),
}

/// What a loose text looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextKind {
    KubeletJournal,
    DockerJournal,
    ContainerdJournal,
    Dmesg,
    KubectlDescribe,
    KubectlGet,
    Iptables,
    ContainerLog,
    Unknown,
}
