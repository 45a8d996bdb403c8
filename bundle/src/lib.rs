//! The kdiag bundle format: the contract between `collect` (on a customer node) and `analyze`
//! (at the support desk).
//!
//! This crate holds only what both sides must agree on: the manifest types, the format version,
//! the naming of bundles and the layout paths. It is deliberately small and has no dependencies
//! beyond serde, so the collector stays lean. See docs/bundle-format.md.
//!
//! Besides the contract, a few dependency-free pieces both sides use: the secret redactor
//! ([`redact`]), the civil calendar ([`time`]) and the Kubernetes objects of cluster/*.json
//! ([`k8s`]), and the case archive of `collect --nodes` ([`case`]).

pub mod case;
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

/// `collect` writes its .tgz as independent gzip members of at most this many bytes of the tar
/// stream each (still one valid .tgz for tar, gzip and every other tool), so `analyze` can
/// inflate them on all cores.
pub const GZIP_MEMBER_BYTES: usize = 4 << 20;

/// The gzip header's extra subfield (RFC 1952 FEXTRA, like BGZF's `BC`) that carries each
/// member's total size in bytes (header and trailer included) as a little-endian u32: a reader
/// finds every member boundary by reading headers alone.
pub const GZIP_MEMBER_SUBFIELD: [u8; 2] = *b"KD";

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

impl Manifest {
    /// Reads a manifest leniently: an older or newer `collect`, or a bundle packed by hand, may
    /// lack fields, hold nulls or add fields. Every readable field is kept (a missing or null one
    /// becomes empty or zero), every readable item is kept, and each thing dropped is named in
    /// the warnings. `Err` only when the bytes are not a JSON object at all.
    pub fn from_json_lenient(bytes: &[u8]) -> Result<(Manifest, Vec<String>), String> {
        use serde_json::Value;
        let v: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let Value::Object(o) = v else {
            return Err("not a JSON object".into());
        };
        let mut warnings = Vec::new();
        let mut text = |k: &str| -> String {
            match o.get(k) {
                Some(Value::String(s)) => s.clone(),
                None | Some(Value::Null) => String::new(),
                Some(other) => {
                    warnings.push(format!(
                        "manifest.json: `{k}` is {other}, not a string: ignored"
                    ));
                    String::new()
                }
            }
        };
        let format = text("format");
        let collector_version = text("collector_version");
        let hostname = text("hostname");
        let collected_at = text("collected_at");
        let since = text("since");
        let number = |k: &str| o.get(k).and_then(Value::as_u64).unwrap_or(0);
        let args = o
            .get("args")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let mut items = Vec::new();
        if let Some(list) = o.get("items").and_then(Value::as_array) {
            for (i, it) in list.iter().enumerate() {
                match serde_json::from_value::<Item>(it.clone()) {
                    Ok(item) => items.push(item),
                    Err(e) => warnings.push(format!(
                        "manifest.json: item {i} is unreadable ({e}): dropped"
                    )),
                }
            }
        } else if o.get("items").is_some_and(|x| !x.is_null()) {
            warnings.push("manifest.json: `items` is not a list: no item kept".into());
        }
        for k in ["format", "hostname", "collected_at"] {
            if !o.contains_key(k) {
                warnings.push(format!("manifest.json: no `{k}`"));
            }
        }
        Ok((
            Manifest {
                format,
                format_version: u32::try_from(number("format_version")).unwrap_or(u32::MAX),
                collector_version,
                hostname,
                collected_at,
                since,
                uid: u32::try_from(number("uid")).unwrap_or(u32::MAX),
                args,
                items,
            },
            warnings,
        ))
    }
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
    fn a_manifest_with_missing_null_unknown_and_broken_parts_keeps_the_rest() {
        let raw = br#"{"hostname": "node01", "collected_at": "2026-11-22T08:30:00Z",
            "format_version": null, "new_field": {"x": 1}, "uid": 0,
            "items": [
              {"path": "node/host/uname.txt", "source": "uname -a", "status": "ok"},
              {"path": "node/x", "status": "exploded"},
              {"path": "node/proc/swaps", "source": "file:/proc/swaps", "status": "not_found",
               "stderr": "No such file", "future": true}
            ]}"#;
        let (m, w) = Manifest::from_json_lenient(raw).unwrap();
        assert_eq!(m.hostname, "node01");
        assert_eq!(m.collected_at, "2026-11-22T08:30:00Z");
        assert_eq!(m.format, "");
        assert_eq!(m.items.len(), 2, "{w:?}");
        assert_eq!(m.items[1].stderr, "No such file");
        assert!(
            w.iter().any(|x| x.contains("item 1 is unreadable")),
            "{w:?}"
        );
        assert!(w.iter().any(|x| x.contains("no `format`")), "{w:?}");
        assert!(Manifest::from_json_lenient(b"[1]").is_err());
    }

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
