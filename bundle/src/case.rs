//! The case archive `collect --nodes` writes: `kdiag-case-<UTC>.tgz`, one top folder of the same
//! name holding every answering node's bundle as it came back (`kdiag-<host>-<UTC>.tgz`, not
//! unpacked) and `case.json`, this module's [`CaseManifest`]: which nodes were asked, which
//! answered, how long each took and why each failure failed. See docs/bundle-format.md.

use serde::{Deserialize, Serialize};

/// The value of `case.json`'s `format` field.
pub const CASE_FORMAT: &str = "kdiag-case";
/// The case manifest version this crate writes and reads.
pub const CASE_FORMAT_VERSION: u32 = 1;
/// Path of the case manifest, relative to the case archive's top folder.
pub const CASE_MANIFEST_PATH: &str = "case.json";
/// The file-name prefix of case archives (and their top folder).
pub const CASE_PREFIX: &str = "kdiag-case-";

/// `kdiag-case-<yyyymmddThhmmssZ>`: the case archive's file stem and top folder name.
pub fn case_name(utc_compact: &str) -> String {
    format!("{CASE_PREFIX}{utc_compact}")
}

/// The whole of `case.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseManifest {
    pub format: String,
    pub format_version: u32,
    pub collector_version: String,
    /// The host `collect --nodes` ran on.
    pub jump_host: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub finished_at: String,
    /// The deadline of the whole case, in seconds.
    pub deadline_s: u64,
    pub args: Vec<String>,
    /// Every node asked, in the order given.
    pub nodes: Vec<CaseNode>,
}

/// How one node's collection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// The bundle is in the case and collect reported no problem.
    Ok,
    /// The bundle is in the case; collect said some items failed (its exit code 1).
    Partial,
    /// No bundle: SSH refused, the node has no usable folder or binary, collect wrote none.
    Failed,
    /// No bundle: a step did not finish before its timeout or the case deadline.
    Timeout,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Ok => "ok",
            CaseStatus::Partial => "partial",
            CaseStatus::Failed => "failed",
            CaseStatus::Timeout => "timeout",
        }
    }

    /// A bundle came back.
    pub fn answered(self) -> bool {
        matches!(self, CaseStatus::Ok | CaseStatus::Partial)
    }
}

/// One node of the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseNode {
    /// The node as given (`host`, `user@host`, `user@host:port`).
    pub target: String,
    /// The collect options given for this node alone in the nodes file.
    #[serde(default)]
    pub options: Vec<String>,
    pub status: CaseStatus,
    /// Why it failed or what was missing, in one sentence (`None` when ok).
    #[serde(default)]
    pub reason: Option<String>,
    /// The bundle's file name inside the case archive's top folder.
    #[serde(default)]
    pub bundle: Option<String>,
    #[serde(default)]
    pub bytes: Option<u64>,
    /// `uname -m` of the node.
    #[serde(default)]
    pub arch: Option<String>,
    /// How collect ran there: `root` (the login is root), `sudo` (`sudo -n`), `user` (the login
    /// user: sudo was refused, so root-only items are missing from its bundle).
    #[serde(default)]
    pub ran_as: Option<String>,
    /// Wall-clock seconds from connecting to the last step.
    pub seconds: f64,
    /// Each step tried, in order.
    #[serde(default)]
    pub steps: Vec<CaseStep>,
}

/// One step on one node (`probe`, `upload`, `collect`, `fetch`, `cleanup`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseStep {
    pub step: String,
    /// `ok`, `failed`, `timeout` or `skipped`.
    pub status: String,
    pub seconds: f64,
    /// ssh's or the remote command's stderr (redacted), when the step failed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stderr: String,
}

impl CaseManifest {
    pub fn answered(&self) -> usize {
        self.nodes.iter().filter(|n| n.status.answered()).count()
    }

    /// Reads `case.json`; a field of the wrong type is an error (the case is then read as the
    /// bundles it holds, with a warning).
    pub fn from_json(bytes: &[u8]) -> Result<CaseManifest, String> {
        let m: CaseManifest =
            serde_json::from_slice(bytes).map_err(|e| format!("case.json: {e}"))?;
        if m.format != CASE_FORMAT {
            return Err(format!(
                "case.json: format is {:?}, not {CASE_FORMAT}",
                m.format
            ));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_answered() {
        let m = CaseManifest {
            format: CASE_FORMAT.into(),
            format_version: CASE_FORMAT_VERSION,
            collector_version: "0.1.0".into(),
            jump_host: "master01".into(),
            started_at: "2026-12-04T10:00:00Z".into(),
            finished_at: "2026-12-04T10:02:00Z".into(),
            deadline_s: 300,
            args: vec!["collect".into(), "--nodes".into(), "a,b".into()],
            nodes: vec![
                CaseNode {
                    target: "root@a".into(),
                    options: vec![],
                    status: CaseStatus::Ok,
                    reason: None,
                    bundle: Some("kdiag-a-20261204T100010Z.tgz".into()),
                    bytes: Some(1000),
                    arch: Some("x86_64".into()),
                    ran_as: Some("root".into()),
                    seconds: 12.5,
                    steps: vec![],
                },
                CaseNode {
                    target: "b".into(),
                    options: vec!["--no-kubectl".into()],
                    status: CaseStatus::Timeout,
                    reason: Some("did not answer".into()),
                    bundle: None,
                    bytes: None,
                    arch: None,
                    ran_as: None,
                    seconds: 10.0,
                    steps: vec![CaseStep {
                        step: "probe".into(),
                        status: "timeout".into(),
                        seconds: 10.0,
                        stderr: String::new(),
                    }],
                },
            ],
        };
        let json = serde_json::to_vec(&m).unwrap();
        assert!(String::from_utf8_lossy(&json).contains("\"status\":\"timeout\""));
        let back = CaseManifest::from_json(&json).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.answered(), 1);
        assert!(CaseManifest::from_json(br#"{"format":"x"}"#).is_err());
        assert_eq!(case_name("20261204T100000Z"), "kdiag-case-20261204T100000Z");
    }
}
