//! The `case` variable: every node of one `analyze` run as rules see it, so a rule can compare a
//! node with the others (clock offsets, versions).

use crate::facts::{Facts, TimeSync};
use crate::texts::node::Node;

/// One node of the case (every PATH of one `analyze` run), as rules see it in the `case`
/// variable: what lets a rule compare this node with the others (docs/rule-format.md).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CaseNode {
    pub name: String,
    pub origin: String,
    pub hostname: Option<String>,
    /// The manifest's `collected_at` (RFC 3339) and as unix seconds.
    pub collected_at: Option<String>,
    pub collected_at_unix: Option<i64>,
    /// The node's clock (`facts.time.clock_utc`: `date -u` in node/host/time.txt), unix seconds.
    pub clock_utc: Option<i64>,
    /// `clock_utc` minus the median `clock_utc` of the case's nodes that have one (with two
    /// nodes, each is half their difference); `clock_skew_s` is its absolute value.
    pub clock_offset_s: Option<f64>,
    pub clock_skew_s: Option<f64>,
    /// `facts.time`.
    pub time: Option<TimeSync>,
    /// True for the node the rule is evaluated on.
    pub this: bool,
}

impl CaseNode {
    /// A node's entry from its facts (`None` when they could not be computed).
    pub fn of(node: &Node, facts: Option<&Facts>) -> CaseNode {
        let time = facts.and_then(|f| f.time.clone());
        CaseNode {
            name: node.name.clone(),
            origin: node.origin.display().to_string(),
            hostname: facts.and_then(|f| f.node.hostname.clone()),
            collected_at: facts.and_then(|f| f.node.collected_at.clone()),
            collected_at_unix: facts.and_then(|f| f.node.collected_at_unix),
            clock_utc: time.as_ref().and_then(|t| t.clock_utc),
            time,
            ..CaseNode::default()
        }
    }

    /// A node's entry from its facts as `Facts` serializes (for [`Engine::evaluate_with_facts`]).
    pub fn of_json(node: &Node, facts: &serde_json::Value) -> CaseNode {
        let str_at = |ptr: &str| {
            facts
                .pointer(ptr)
                .and_then(|v| v.as_str())
                .map(String::from)
        };
        let time: Option<TimeSync> = facts
            .get("time")
            .filter(|t| t.is_object())
            .and_then(|t| serde_json::from_value(t.clone()).ok());
        CaseNode {
            name: node.name.clone(),
            origin: node.origin.display().to_string(),
            hostname: str_at("/node/hostname"),
            collected_at: str_at("/node/collected_at"),
            collected_at_unix: facts
                .pointer("/node/collected_at_unix")
                .and_then(|v| v.as_i64()),
            clock_utc: time.as_ref().and_then(|t| t.clock_utc),
            time,
            ..CaseNode::default()
        }
    }
}

/// The `case` variable: the nodes in the order of the run, with the clock offsets filled in.
pub fn case_view(mut nodes: Vec<CaseNode>) -> Vec<CaseNode> {
    let mut clocks: Vec<i64> = nodes.iter().filter_map(|n| n.clock_utc).collect();
    clocks.sort_unstable();
    let median = match clocks.len() {
        0 => None,
        n if n % 2 == 1 => Some(clocks[n / 2] as f64),
        n => Some((clocks[n / 2 - 1] as f64 + clocks[n / 2] as f64) / 2.0),
    };
    for n in &mut nodes {
        if let (Some(c), Some(m)) = (n.clock_utc, median) {
            n.clock_offset_s = Some(c as f64 - m);
            n.clock_skew_s = Some((c as f64 - m).abs());
        }
    }
    nodes
}
