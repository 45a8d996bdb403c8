//! The in-memory form of one input (one node's bundle, or one loose text file).
//! Shared by `input` (which builds it), `facts` (which parses it) and `rules` (which reads it).

use std::collections::BTreeMap;
use std::path::PathBuf;

use kdiag_bundle::Manifest;

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
