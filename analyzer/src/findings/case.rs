//! What a case archive (`collect --nodes`) says about the nodes asked: the document's `cases`,
//! and one warning per node that has no bundle or was collected without root, so no report
//! reads a missing node as a healthy one.

use std::path::Path;

use kdiag_bundle::case::CaseManifest;
use serde::Serialize;

/// One case archive of the run.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    /// The case archive as given.
    pub archive: String,
    /// The host `collect --nodes` ran on.
    pub jump_host: String,
    pub started_at: String,
    pub deadline_s: u64,
    /// Nodes asked, and how many bundles came back (and were found in the archive).
    pub asked: usize,
    pub answered: usize,
    pub bundles_read: usize,
    pub nodes: Vec<CaseNodeSummary>,
}

/// One node asked.
#[derive(Debug, Clone, Serialize)]
pub struct CaseNodeSummary {
    pub target: String,
    /// `ok`, `partial`, `failed` or `timeout`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// `root`, `sudo` or `user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ran_as: Option<String>,
    pub seconds: f64,
}

impl CaseSummary {
    pub fn of(archive: &Path, m: &CaseManifest, bundles_read: usize) -> CaseSummary {
        CaseSummary {
            archive: archive.display().to_string(),
            jump_host: m.jump_host.clone(),
            started_at: m.started_at.clone(),
            deadline_s: m.deadline_s,
            asked: m.nodes.len(),
            answered: m.answered(),
            bundles_read,
            nodes: m
                .nodes
                .iter()
                .map(|n| CaseNodeSummary {
                    target: n.target.clone(),
                    status: n.status.as_str(),
                    reason: n.reason.clone(),
                    bundle: n.bundle.clone(),
                    ran_as: n.ran_as.clone(),
                    seconds: n.seconds,
                })
                .collect(),
        }
    }
}

/// A warning per node of the case without a bundle, or collected as a user without root.
pub fn case_warnings(label: &str, m: &CaseManifest) -> Vec<String> {
    let mut out = Vec::new();
    for n in &m.nodes {
        let why = n.reason.as_deref().unwrap_or("no reason recorded");
        if !n.status.answered() {
            out.push(format!(
                "{label}: node {} has no bundle ({}): {why}; nothing below describes it",
                n.target,
                n.status.as_str()
            ));
        } else if n.ran_as.as_deref() == Some("user") {
            out.push(format!(
                "{label}: node {} was collected without root: {why}",
                n.target
            ));
        }
    }
    out
}
