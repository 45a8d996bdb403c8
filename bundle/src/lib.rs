//! The kdiag bundle format: the contract between `collect` (on a customer node) and `analyze`
//! (at the support desk).
//!
//! This crate holds only what both sides must agree on: the manifest types, the format version,
//! the naming of bundles and the layout paths. It is deliberately small and has no dependencies
//! beyond serde, so the collector stays lean. See docs/bundle-format.md.
//!
//! Besides the contract, a few dependency-free pieces both sides use: the secret redactor
//! ([`redact`]), the civil calendar ([`time`]) and the Kubernetes objects of cluster/*.json
//! ([`k8s`]).

pub mod k8s;
pub mod paths;
pub mod redact;
pub mod time;

use serde::{Deserialize, Serialize};

/// The value of `manifest.json`'s `format` field.
pub const FORMAT: &str = "kdiag-bundle";
/// The manifest format version this crate writes and reads. Bump on incompatible changes.
pub const FORMAT_VERSION: u32 = 1;
/// Path of the manifest, relative to the bundle's top folder.
pub const MANIFEST_PATH: &str = "manifest.json";

/// The whole of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub collector_version: String,
    pub hostname: String,
    /// RFC 3339 UTC, e.g. `2026-11-22T08:30:00Z`.
    pub collected_at: String,
    /// Start of the journal/log window, RFC 3339 UTC.
    pub since: String,
    /// Effective uid of the collector (0 = root).
    pub uid: u32,
    pub args: Vec<String>,
    pub items: Vec<Item>,
}

impl Manifest {
    /// A manifest with no items yet, stamped with this crate's format and version.
    pub fn new(
        collector_version: &str,
        hostname: &str,
        collected_at: &str,
        since: &str,
        uid: u32,
        args: Vec<String>,
    ) -> Manifest {
        Manifest {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            collector_version: collector_version.to_string(),
            hostname: hostname.to_string(),
            collected_at: collected_at.to_string(),
            since: since.to_string(),
            uid,
            args,
            items: Vec::new(),
        }
    }

    /// The item recorded for `path`, if any.
    pub fn item(&self, path: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.path == path)
    }

    /// Counts of items by status.
    pub fn counts(&self) -> StatusCounts {
        let mut c = StatusCounts::default();
        for i in &self.items {
            match i.status {
                Status::Ok => c.ok += 1,
                Status::Failed => c.failed += 1,
                Status::Timeout => c.timeout += 1,
                Status::NotFound => c.not_found += 1,
                Status::PermissionDenied => c.permission_denied += 1,
                Status::Skipped => c.skipped += 1,
            }
        }
        c
    }
}

/// One command or file the collector tried, whatever came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Path inside the bundle, relative to the top folder (`node/journal/kubelet.log`).
    pub path: String,
    /// The command line run, or `file:/etc/docker/daemon.json` for a copied file.
    pub source: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub duration_ms: u64,
    /// Bytes written into the bundle for this item (after redaction and truncation).
    #[serde(default)]
    pub bytes: u64,
    /// Hex sha256 of the bytes written; empty when nothing was written.
    #[serde(default)]
    pub sha256: String,
    /// True when the content was cut to fit a size cap (oldest lines dropped first).
    #[serde(default)]
    pub truncated: bool,
    /// Number of secrets replaced by the redactor.
    #[serde(default)]
    pub redactions: u64,
    /// First 4 KiB of stderr, or the reason the item was not collected.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr: String,
}

/// What came of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Failed,
    Timeout,
    NotFound,
    PermissionDenied,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::NotFound => "not_found",
            Status::PermissionDenied => "permission_denied",
            Status::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    pub ok: usize,
    pub failed: usize,
    pub timeout: usize,
    pub not_found: usize,
    pub permission_denied: usize,
    pub skipped: usize,
}

/// `kdiag-<hostname>-<yyyymmddThhmmssZ>`: the bundle's file stem and top folder name.
/// `hostname` is sanitized to `[A-Za-z0-9._-]` so the name is a safe single path component.
pub fn bundle_name(hostname: &str, utc_compact: &str) -> String {
    let host: String = hostname
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let host = if host.is_empty() || host.chars().all(|c| c == '.') {
        "unknown".to_string()
    } else {
        host
    };
    format!("kdiag-{host}-{utc_compact}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips_the_contract_example() {
        let text = r#"{
          "format": "kdiag-bundle", "format_version": 1,
          "collector_version": "0.1.0",
          "hostname": "node01", "collected_at": "2026-11-22T08:30:00Z", "since": "2026-11-21T08:30:00Z",
          "uid": 0, "args": ["collect", "--since", "24h"],
          "items": [
            { "path": "node/journal/kubelet.log",
              "source": "journalctl -u kubelet --since ... --no-pager -o short-iso",
              "status": "ok",
              "exit_code": 0, "duration_ms": 120, "bytes": 12345, "sha256": "ab",
              "truncated": false, "redactions": 0,
              "stderr": "" },
            { "path": "cluster/pods.json", "source": "kubectl get pods -A -o json",
              "status": "permission_denied" }
          ]
        }"#;
        let m: Manifest = serde_json::from_str(text).unwrap();
        assert_eq!(m.items.len(), 2);
        assert_eq!(m.items[1].status, Status::PermissionDenied);
        assert_eq!(m.items[1].exit_code, None);
        let again: Manifest = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(m, again);
        let c = m.counts();
        assert_eq!((c.ok, c.permission_denied, c.failed), (1, 1, 0));
    }

    #[test]
    fn bundle_name_is_a_safe_component() {
        assert_eq!(
            bundle_name("node01", "20261122T083000Z"),
            "kdiag-node01-20261122T083000Z"
        );
        assert_eq!(bundle_name("../x/y", "T"), "kdiag-.._x_y-T");
        assert_eq!(bundle_name("", "T"), "kdiag-unknown-T");
        assert_eq!(bundle_name("..", "T"), "kdiag-unknown-T");
    }
}
