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
    /// What must agree across the nodes of one cluster ([`PROFILE`]): label -> this node's value.
    pub profile: std::collections::BTreeMap<String, String>,
    /// Where this node differs from the other nodes that have the same setting (from the most
    /// common value; with no most common value, every node differs): filled by [`case_view`].
    pub drift: Vec<Drift>,
}

/// One setting on which a node differs from the rest of the case.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Drift {
    pub what: String,
    /// This node's value.
    pub this: String,
    /// The other nodes' values: `node=value`, in case order.
    pub others: Vec<String>,
}

/// The settings nodes of one cluster are expected to share (node-config-drift): label and JSON
/// pointer into the node's facts. Clock offsets and version skew have rules of their own.
pub const PROFILE: &[(&str, &str)] = &[
    ("kubelet version", "/kubelet/version"),
    ("kernel", "/os/kernel_release"),
    ("OS", "/os/pretty_name"),
    ("docker version", "/docker/version"),
    ("docker cgroup driver", "/docker/cgroup_driver"),
    ("docker storage driver", "/docker/storage_driver"),
    ("containerd version", "/containerd/version"),
    ("containerd SystemdCgroup", "/containerd/systemd_cgroup"),
    ("kubelet cgroup driver", "/kubelet/effective/cgroup_driver"),
    ("kubelet maxPods", "/kubelet/effective/max_pods"),
    ("swap", "/swap/enabled"),
    ("SELinux", "/selinux/mode"),
    ("net.ipv4.ip_forward", "/sysctl/net.ipv4.ip_forward"),
    (
        "net.bridge.bridge-nf-call-iptables",
        "/sysctl/net.bridge.bridge-nf-call-iptables",
    ),
];

fn profile_of(facts: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    PROFILE
        .iter()
        .filter_map(|(label, ptr)| {
            let v = facts.pointer(ptr)?;
            let text = match v {
                serde_json::Value::Null => return None,
                serde_json::Value::String(s) => s.trim().to_string(),
                other => other.to_string(),
            };
            (!text.is_empty()).then(|| (label.to_string(), text))
        })
        .collect()
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
            profile: facts
                .and_then(|f| serde_json::to_value(f).ok())
                .map(|v| profile_of(&v))
                .unwrap_or_default(),
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
            profile: profile_of(facts),
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
    let drift: Vec<Vec<Drift>> = (0..nodes.len()).map(|i| drift_of(&nodes, i)).collect();
    for (n, d) in nodes.iter_mut().zip(drift) {
        n.drift = d;
    }
    nodes
}

/// The settings of [`PROFILE`] on which node `i` differs from the other nodes that have it: its
/// value is not the single most common one (a tie has no most common value).
fn drift_of(nodes: &[CaseNode], i: usize) -> Vec<Drift> {
    let mut out = Vec::new();
    for (label, _) in PROFILE {
        let Some(mine) = nodes[i].profile.get(*label) else {
            continue;
        };
        let values: Vec<(&str, &String)> = nodes
            .iter()
            .filter_map(|n| n.profile.get(*label).map(|v| (n.name.as_str(), v)))
            .collect();
        if values.len() < 2 || values.iter().all(|(_, v)| *v == mine) {
            continue;
        }
        let count = |x: &String| values.iter().filter(|(_, v)| *v == x).count();
        let best = values.iter().map(|(_, v)| count(v)).max().unwrap_or(0);
        let common: Vec<&String> = values
            .iter()
            .map(|(_, v)| *v)
            .filter(|v| count(v) == best)
            .collect();
        let single_common = common.iter().all(|v| *v == common[0]);
        if single_common && common[0] == mine {
            continue;
        }
        out.push(Drift {
            what: label.to_string(),
            this: mine.clone(),
            others: nodes
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .filter_map(|(_, n)| n.profile.get(*label).map(|v| format!("{}={v}", n.name)))
                .collect(),
        });
    }
    out
}
