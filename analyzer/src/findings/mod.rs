//! The findings document (docs/findings.md): what one run found, per node and per rule, in the
//! shape every renderer reads. Its JSON form is the document itself (`json.rs`).

pub mod case;
pub mod differences;
pub mod json;
pub mod summary;

pub use case::{case_warnings, CaseSummary};
pub use differences::Difference;
pub use summary::FactsSummary;

use serde::Serialize;

use crate::facts::Facts;
use crate::rules::{Finding, FindingKind, Severity};
use crate::texts::node::{InputKind, Node};

/// The value of the document's `format` field.
pub const FORMAT: &str = "kdiag-findings";
/// The findings document version. Bump on incompatible changes.
pub const VERSION: u32 = 1;

/// Everything one `analyze` run found: the findings document.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub format: &'static str,
    pub version: u32,
    /// Language of the texts: `en` or `zh`.
    pub lang: String,
    /// `analyze` version.
    pub analyzer: String,
    pub nodes: Vec<NodeSummary>,
    /// The case archives read (`collect --nodes`): every node asked, and why some have no
    /// bundle. Absent when no case archive was given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<CaseSummary>,
    /// Several bundles in one run: the settings whose value is not the same on every bundle node
    /// (`values` in the order of the bundle nodes of `nodes`). Absent with fewer than two.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    pub findings: Vec<Finding>,
    /// Problems of the run: unreadable inputs, rules skipped, reading warnings (prefixed by node).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeSummary {
    pub name: String,
    pub origin: String,
    /// `bundle` or `loose`.
    pub kind: &'static str,
    /// For a loose file: what it looks like (`kubelet-journal`, `dmesg`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_kind: Option<crate::texts::node::TextKind>,
    /// For a loose file: whether anything in it was read (`input::recognized`, or a rule's pattern
    /// matched a line of it); `false` means nothing knew its text, so its lack of findings says
    /// nothing about the node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recognized: Option<bool>,
    pub has_manifest: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    pub files: usize,
    pub warnings: Vec<String>,
    /// A summary of the node's facts (bundles only): OS, kernel, versions, SELinux, swap, cgroup
    /// drivers, disks, conditions. See docs/findings.md.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts_summary: Option<crate::findings::FactsSummary>,
}

impl NodeSummary {
    /// `facts`: the node's facts, computed once by the pipeline (`None` when they could not be).
    /// `read_by_rules`: a rule's pattern matched one of its lines (`NodeReport::read`).
    pub fn of(
        node: &Node,
        extra_warnings: &[String],
        facts: Option<&Facts>,
        read_by_rules: bool,
    ) -> NodeSummary {
        let (kind, text_kind) = match node.kind {
            InputKind::Bundle => ("bundle", None),
            InputKind::Loose(k) => ("loose", Some(k)),
        };
        NodeSummary {
            name: node.name.clone(),
            origin: node.origin.display().to_string(),
            kind,
            text_kind,
            recognized: text_kind.map(|_| read_by_rules || crate::input::recognized(node)),
            has_manifest: node.manifest.is_some(),
            collected_at: node.manifest.as_ref().map(|m| m.collected_at.clone()),
            files: node.files.len() + node.streamed.len(),
            warnings: node
                .warnings
                .iter()
                .chain(extra_warnings)
                .cloned()
                .collect(),
            facts_summary: facts
                .filter(|_| node.kind == InputKind::Bundle)
                .map(crate::findings::FactsSummary::of),
        }
    }
}

impl Document {
    /// The highest severity among real findings (not notes or rule errors).
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.kind == FindingKind::Finding)
            .map(|f| f.severity)
            .max()
    }
}
