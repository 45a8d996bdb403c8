//! Findings: what a rule reports about one node (docs/findings.md), their order and their chains.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::model::{Reference, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The rule's condition held.
    Finding,
    /// The rule's inputs were not in the bundle: a note with the reason.
    NotCollected,
    /// The rule failed (bad expression, panic): reported, the run goes on.
    RuleError,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: String,
    pub kind: FindingKind,
    pub severity: Severity,
    pub node: String,
    pub title: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<FindingItem>,
    /// Items beyond the cap, not listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub items_omitted: usize,
    pub evidence: Vec<Evidence>,
    pub why: String,
    pub fix: String,
    pub references: Vec<Reference>,
    pub knowledge: Vec<String>,
    /// Rules of the same node that fired and that this one explains.
    pub explains: Vec<String>,
    /// Rules of the same node that fired and that explain this one.
    pub explained_by: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingItem {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<At>,
}

/// A line of a bundle file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct At {
    pub path: String,
    pub line: u64,
}

/// Lines of one file backing a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Bundle path (`cluster/events.json` for rendered events, `manifest.json` for kubectl stderr).
    pub path: String,
    /// What selected these lines: `match NAME`, `file`, `at`.
    pub label: String,
    /// Number of lines selected in this file (may exceed `lines.len()`).
    pub count: u64,
    /// The first and last few lines, in order.
    pub lines: Vec<EvidenceLine>,
    /// Selected lines not shown.
    pub omitted: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_ts: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_ts: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceLine {
    pub n: u64,
    pub text: String,
}

/// Resolves `explains` / `explained_by` among the findings of each node, then sorts: real findings
/// first, by severity (a root cause ranks with the most severe consequence it explains), root
/// causes before the findings they explain, then node and rule id. A link (cause, explained)
/// listed in `ties` ([`Engine::explain_ties`](super::Engine::explain_ties)) holds only when the
/// explained finding's message or items match its regex (rule field `explains_if`); the other
/// links hold when both rules fired on the node.
pub fn finalize(
    findings: &mut [Finding],
    explains: &BTreeMap<String, Vec<String>>,
    ties: &BTreeMap<(String, String), regex::Regex>,
) {
    let fired: BTreeSet<(String, String)> = findings
        .iter()
        .filter(|f| f.kind == FindingKind::Finding)
        .map(|f| (f.node.clone(), f.rule.clone()))
        .collect();
    // (node, explained rule, cause rule) links that their tie regex refuses.
    let mut untied: BTreeSet<(String, String, String)> = BTreeSet::new();
    for f in findings.iter().filter(|f| f.kind == FindingKind::Finding) {
        for ((by, id), re) in ties {
            if *id != f.rule {
                continue;
            }
            let words =
                std::iter::once(f.message.as_str()).chain(f.items.iter().map(|i| i.text.as_str()));
            if !words.into_iter().any(|w| re.is_match(w)) {
                untied.insert((f.node.clone(), id.clone(), by.clone()));
            }
        }
    }
    let linked = |node: &str, by: &str, id: &str| {
        fired.contains(&(node.to_string(), by.to_string()))
            && fired.contains(&(node.to_string(), id.to_string()))
            && !untied.contains(&(node.to_string(), id.to_string(), by.to_string()))
    };
    for f in findings.iter_mut() {
        f.explains.clear();
        f.explained_by.clear();
        if f.kind != FindingKind::Finding {
            continue;
        }
        if let Some(ex) = explains.get(&f.rule) {
            f.explains = ex
                .iter()
                .filter(|id| **id != f.rule && linked(&f.node, &f.rule, id))
                .cloned()
                .collect();
        }
        f.explained_by = explains
            .iter()
            .filter(|(by, ids)| {
                **by != f.rule && ids.contains(&f.rule) && linked(&f.node, by, &f.rule)
            })
            .map(|(by, _)| by.clone())
            .collect();
    }
    let sev: BTreeMap<(String, String), Severity> = findings
        .iter()
        .filter(|f| f.kind == FindingKind::Finding)
        .map(|f| ((f.node.clone(), f.rule.clone()), f.severity))
        .collect();
    let effective = |f: &Finding| -> Severity {
        f.explains
            .iter()
            .filter_map(|id| sev.get(&(f.node.clone(), id.clone())))
            .copied()
            .chain([f.severity])
            .max()
            .unwrap_or(f.severity)
    };
    findings.sort_by(|a, b| {
        (a.kind)
            .cmp(&b.kind)
            .then(effective(b).cmp(&effective(a)))
            .then(
                a.explained_by
                    .is_empty()
                    .cmp(&b.explained_by.is_empty())
                    .reverse(),
            )
            .then(b.explains.len().cmp(&a.explains.len()))
            .then(b.severity.cmp(&a.severity))
            .then(a.node.cmp(&b.node))
            .then(a.rule.cmp(&b.rule))
    });
}

/// Withholds, on every node where a rule of `withholding` fired, the node's other findings and
/// not-collected notes that rest only on node files (no evidence or note under `cluster/`), and
/// appends to the withholding finding how many were withheld and which.
pub fn withhold_node_findings(
    findings: &mut Vec<Finding>,
    withholding: &BTreeSet<String>,
    lang: super::Lang,
) {
    let nodes: BTreeSet<String> = findings
        .iter()
        .filter(|f| f.kind == FindingKind::Finding && withholding.contains(&f.rule))
        .map(|f| f.node.clone())
        .collect();
    if nodes.is_empty() {
        return;
    }
    let cluster_level = |f: &Finding| match f.kind {
        FindingKind::Finding => f.evidence.iter().any(|e| e.path.starts_with("cluster/")),
        FindingKind::NotCollected => f.message.contains("cluster/"),
        FindingKind::RuleError => true,
    };
    let mut withheld: BTreeMap<String, Vec<String>> = BTreeMap::new();
    findings.retain(|f| {
        let keep = !nodes.contains(&f.node) || withholding.contains(&f.rule) || cluster_level(f);
        if !keep && f.kind == FindingKind::Finding {
            withheld
                .entry(f.node.clone())
                .or_default()
                .push(f.rule.clone());
        }
        keep
    });
    for f in findings.iter_mut() {
        if f.kind != FindingKind::Finding || !withholding.contains(&f.rule) {
            continue;
        }
        if let Some(ids) = withheld.get(&f.node) {
            f.message.push_str(&match lang {
                super::Lang::Zh => {
                    format!("（已略去 {} 条节点级结论：{}）", ids.len(), ids.join("、"))
                }
                super::Lang::En => format!(
                    " ({} node-level finding(s) withheld: {})",
                    ids.len(),
                    ids.join(", ")
                ),
            });
        }
    }
}
