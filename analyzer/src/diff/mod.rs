//! `analyze diff OLD NEW`: what changed between two bundles of one node ("it worked last week").
//! Both are analyzed as `analyze` would; the result is the findings that appeared, were cleared
//! or stayed, and the configuration that changed, each change with both values and the bundle
//! path it comes from. Counters that always move (disk use, container restarts) are shown only
//! past thresholds the output states ([`THRESHOLDS`]). An input holding several nodes (a case)
//! is compared by its first node only.

mod render;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::findings::differences::{flatten, AREAS};
use crate::pipeline::{Case, Loaded, Options};
use crate::rules::{FindingKind, Lang, Severity};

pub use render::{render, DiffFormat};

/// Disk use moves by at least this many percentage points to be shown.
pub const DISK_POINTS: i64 = 10;
/// A container restarts at least this many more times to be shown.
pub const RESTARTS: i64 = 5;

/// The thresholds as the output states them.
pub const THRESHOLDS: &str = "disk use changes under 10 percentage points and fewer than 5 new container restarts are not shown";

/// One side of the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub path: String,
    pub node: String,
    pub collected_at: Option<String>,
}

/// A finding as the diff lists it.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRef {
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
}

/// One configuration value that differs. `old`/`new` absent: not there on that side.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub area: String,
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// The bundle path the value is read from.
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub format: &'static str,
    pub old: Side,
    pub new: Side,
    pub appeared: Vec<FindingRef>,
    pub cleared: Vec<FindingRef>,
    pub stayed: Vec<FindingRef>,
    pub changes: Vec<Change>,
    pub thresholds: &'static str,
    pub warnings: Vec<String>,
}

impl Diff {
    /// The worst severity among the findings that appeared (the exit code's ground).
    pub fn worst_appeared(&self) -> Option<Severity> {
        self.appeared
            .iter()
            .map(|f| f.severity)
            .filter(|s| *s >= Severity::Warning)
            .max()
    }
}

/// `analyze diff`: compares, renders to `output` (else stdout) and returns the exit code: the
/// worst severity among the findings that appeared (0, 1 warning, 2 critical), 3 when an input
/// cannot be read, 4 when the output cannot be written.
pub fn run(
    old: PathBuf,
    new: PathBuf,
    format: DiffFormat,
    output: Option<PathBuf>,
    lang: Lang,
) -> i32 {
    let d = match compare(old, new, lang) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("analyze diff: cannot read {e}");
            return 3;
        }
    };
    for w in &d.warnings {
        eprintln!("analyze diff: {w}");
    }
    let text = render(&d, format, lang);
    let written = match &output {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display())),
        None => {
            use std::io::Write;
            std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|e| e.to_string())
        }
    };
    if let Err(e) = written {
        eprintln!("analyze diff: cannot write {e}");
        return 4;
    }
    match d.worst_appeared() {
        Some(Severity::Critical) => 2,
        Some(_) => 1,
        None => 0,
    }
}

/// Analyzes both inputs with the rules loaded once and compares them. `Err` names an input
/// that could not be read.
pub fn compare(old: PathBuf, new: PathBuf, lang: Lang) -> Result<Diff, String> {
    let loaded = Loaded::new(None, lang);
    let run = |p: &PathBuf| -> Result<Case, String> {
        let case = Case::analyze_with(&loaded, &Options::new(vec![p.clone()], lang));
        if case.nodes_read == 0 {
            let why = case.document.warnings.join("; ");
            return Err(format!("{}: {why}", p.display()));
        }
        Ok(case)
    };
    let (a, b) = (run(&old)?, run(&new)?);
    let side = |p: &PathBuf, c: &Case| Side {
        path: p.display().to_string(),
        node: c.document.nodes[0].name.clone(),
        collected_at: c.document.nodes[0].collected_at.clone(),
    };
    let (sa, sb) = (side(&old, &a), side(&new, &b));
    let mut warnings = Vec::new();
    if sa.node != sb.node {
        warnings.push(format!(
            "the two bundles are of different nodes ({} and {}): compared all the same",
            sa.node, sb.node
        ));
    }
    if let (Some(x), Some(y)) = (&sa.collected_at, &sb.collected_at) {
        if x > y {
            warnings.push(format!("OLD ({x}) was collected after NEW ({y})"));
        }
    }
    let findings = |c: &Case| -> BTreeMap<String, FindingRef> {
        c.document
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::Finding)
            .map(|f| {
                (
                    f.rule.clone(),
                    FindingRef {
                        rule: f.rule.clone(),
                        severity: f.severity,
                        title: f.title.clone(),
                        message: f.message.clone(),
                    },
                )
            })
            .collect()
    };
    let (fa, fb) = (findings(&a), findings(&b));
    let appeared = fb
        .iter()
        .filter(|(k, _)| !fa.contains_key(*k))
        .map(|(_, f)| f.clone())
        .collect();
    let cleared = fa
        .iter()
        .filter(|(k, _)| !fb.contains_key(*k))
        .map(|(_, f)| f.clone())
        .collect();
    let stayed = fb
        .iter()
        .filter(|(k, _)| fa.contains_key(*k))
        .map(|(_, f)| f.clone())
        .collect();
    let facts = |c: &Case| {
        c.facts
            .first()
            .cloned()
            .flatten()
            .and_then(|f| serde_json::to_value(f).ok())
            .unwrap_or(Value::Null)
    };
    let changes = changes(&facts(&a), &facts(&b));
    Ok(Diff {
        format: "kdiag-diff",
        old: sa,
        new: sb,
        appeared,
        cleared,
        stayed,
        changes,
        thresholds: THRESHOLDS,
        warnings,
    })
}

fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    for (area, ptr, path) in AREAS {
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        flatten("", old.pointer(ptr), &mut a);
        flatten("", new.pointer(ptr), &mut b);
        push_changes(area, path, &a, &b, &mut out);
    }
    // iptables: each chain's policy and its rule count.
    let chains = |v: &Value| {
        let mut m = BTreeMap::new();
        for p in v
            .pointer("/network/iptables/policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = format!("{}/{} policy", s(p, "table"), s(p, "chain"));
            m.insert(key, s(p, "policy"));
        }
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for r in v
            .pointer("/network/iptables/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            *counts
                .entry(format!("{}/{} rules", s(r, "table"), s(r, "chain")))
                .or_default() += 1;
        }
        m.extend(counts.into_iter().map(|(k, n)| (k, n.to_string())));
        m
    };
    push_changes(
        "iptables",
        "node/network/iptables-save.txt",
        &chains(old),
        &chains(new),
        &mut out,
    );
    // Disks: mounts appearing or going, and use moving by DISK_POINTS or more.
    let disks = |v: &Value| -> BTreeMap<String, i64> {
        v.pointer("/disks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| Some((s(d, "mount"), d.get("use_pct")?.as_i64()?)))
            .collect()
    };
    let (da, db) = (disks(old), disks(new));
    for key in da.keys().chain(db.keys().filter(|k| !da.contains_key(*k))) {
        let (x, y) = (da.get(key), db.get(key));
        let show = match (x, y) {
            (Some(x), Some(y)) => (x - y).abs() >= DISK_POINTS,
            _ => true,
        };
        if show {
            out.push(Change {
                area: "disk use".into(),
                key: key.clone(),
                old: x.map(|p| format!("{p}%")),
                new: y.map(|p| format!("{p}%")),
                path: "node/disk/df.txt".into(),
            });
        }
    }
    // Pods present on both sides whose containers restarted RESTARTS times more or more.
    let restarts = |v: &Value| -> BTreeMap<String, i64> {
        let mut m = BTreeMap::new();
        for p in v
            .pointer("/cluster/pods")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for c in p
                .get("statuses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let key = format!("{}/{} {}", s(p, "namespace"), s(p, "name"), s(c, "name"));
                m.insert(
                    key,
                    c.get("restart_count").and_then(Value::as_i64).unwrap_or(0),
                );
            }
        }
        m
    };
    let (ra, rb) = (restarts(old), restarts(new));
    for (key, y) in &rb {
        if let Some(x) = ra.get(key) {
            if y - x >= RESTARTS {
                out.push(Change {
                    area: "container restarts".into(),
                    key: key.clone(),
                    old: Some(x.to_string()),
                    new: Some(y.to_string()),
                    path: "cluster/pods.json".into(),
                });
            }
        }
    }
    out
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn push_changes(
    area: &str,
    path: &str,
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
    out: &mut Vec<Change>,
) {
    for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
        let (x, y) = (a.get(key), b.get(key));
        if x != y {
            out.push(Change {
                area: area.to_string(),
                key: key.clone(),
                old: x.cloned(),
                new: y.cloned(),
                path: path.to_string(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_list_both_values_and_hide_small_counter_moves() {
        let old = serde_json::json!({
            "sysctl": {"net.ipv4.ip_forward": "0", "vm.swappiness": "30"},
            "disks": [{"mount": "/", "use_pct": 97}, {"mount": "/boot", "use_pct": 40}],
            "cluster": {"pods": [{"namespace": "a", "name": "p", "statuses": [{"name": "c", "restart_count": 3}]}]},
            "kubelet": {"config": {"evictionHard": {"nodefs.available": "1%"}}}
        });
        let new = serde_json::json!({
            "sysctl": {"net.ipv4.ip_forward": "1", "vm.swappiness": "30"},
            "disks": [{"mount": "/", "use_pct": 61}, {"mount": "/boot", "use_pct": 44}],
            "cluster": {"pods": [{"namespace": "a", "name": "p", "statuses": [{"name": "c", "restart_count": 5}]}]},
            "kubelet": {"config": {"evictionHard": {"nodefs.available": "10%"}}}
        });
        let c = changes(&old, &new);
        let keys: Vec<String> = c.iter().map(|x| format!("{} {}", x.area, x.key)).collect();
        assert_eq!(
            keys,
            [
                "kubelet config evictionHard.nodefs.available",
                "sysctl net.ipv4.ip_forward",
                "disk use /"
            ]
        );
        assert_eq!(
            (c[1].old.as_deref(), c[1].new.as_deref()),
            (Some("0"), Some("1"))
        );
        assert_eq!(c[2].path, "node/disk/df.txt");
    }
}
