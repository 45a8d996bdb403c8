//! What a finding cites: capped evidence lines, the `{path, line}` values of facts, and the
//! manifest's reason when a rule's inputs were not collected.

use super::finding::{At, Evidence, EvidenceLine};
use crate::texts::node::Node;
use crate::texts::KEEP_LINES;
use crate::units::logtime::line_timestamp;

/// The bundle paths behind a source name (for "not collected" reasons).
pub(super) fn canonical_paths(source: &str) -> Vec<String> {
    use kdiag_bundle::paths as p;
    let v: &[&str] = match source {
        "kubelet" => &[p::JOURNAL_KUBELET, p::MESSAGES],
        "docker" => &[p::JOURNAL_DOCKER, p::MESSAGES],
        "containerd" => &[p::JOURNAL_CONTAINERD, p::MESSAGES],
        "kernel" => &[p::JOURNAL_KERNEL, p::DMESG, p::MESSAGES],
        "messages" => &[p::MESSAGES],
        "events" => &[p::EVENTS],
        "container-logs" => &["cluster/logs/**", "node/pods/**"],
        "iptables" => &[p::IPTABLES_SAVE, p::IPTABLES_LIST],
        "any" | "paste" => &[],
        other => return vec![other.to_string()],
    };
    v.iter().map(|s| s.to_string()).collect()
}

/// Why `path` (or glob) is not in the bundle, from the manifest.
pub(super) fn missing_reason(node: &Node, path: &str) -> String {
    let Some(m) = &node.manifest else {
        return format!("{path} is not in the bundle (no manifest)");
    };
    match manifest_item(m, path) {
        None => match foreign_format(m) {
            // An archive of another tool, read as a bundle: that tool never gathers this.
            Some(format) => {
                format!("{path} is not in this {format} archive (the tool does not gather it)")
            }
            None => format!("{path} is not in the bundle (the collector did not try it)"),
        },
        Some(i) => {
            let status = i.status.as_str().replace('_', " ");
            let stderr = i
                .stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            if stderr.is_empty() {
                format!("{}: `{}` {status}", i.path, i.source)
            } else {
                format!("{}: `{}` {status}: {}", i.path, i.source, stderr.trim())
            }
        }
    }
}

/// The format of another tool's archive, when the manifest is the one analyze built on import
/// (input/foreign: `args` is `read from a <format> by analyze`).
/// Why each wanted path is missing, deduplicated, the first three of them.
/// Files only a paste gives (the collector never gathers them) are not named: their absence from
/// a bundle says nothing.
pub(super) fn reasons_text(node: &Node, wanted: &[String]) -> String {
    use kdiag_bundle::paths as p;
    const PASTE_ONLY: &[&str] = &[p::LVS, p::RESOURCEQUOTAS, p::LIMITRANGES];
    let mut reasons: Vec<String> = Vec::new();
    for w in wanted.iter().filter(|w| !PASTE_ONLY.contains(&w.as_str())) {
        let reason = missing_reason(node, w);
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    let shown = reasons.len().min(3);
    let mut text = reasons[..shown].join("; ");
    if reasons.len() > shown {
        text.push_str(&format!("; and {} more", reasons.len() - shown));
    }
    text
}

/// `Some(reason)` when a rule names files it `requires`, none of them is in the bundle, and
/// one was wanted: the collector tried it and failed, or the archive is another tool's (or has
/// no manifest). A file our collector did not try is one this node has no use for (etcd's
/// metrics on a worker): its absence says nothing.
pub(super) fn requires_missing(
    requires: &[String],
    texts: &crate::texts::Texts<'_>,
    node: &Node,
) -> Option<String> {
    let wanted = |path: &String| match &node.manifest {
        None => true,
        Some(m) => foreign_format(m).is_some() || manifest_item(m, path).is_some(),
    };
    (!requires.is_empty()
        && requires.iter().all(|g| texts.glob(g).is_empty())
        && requires.iter().any(wanted))
    .then(|| reasons_text(node, requires))
}

/// The manifest's item for `path`, or for the first path the glob `path` matches.
fn manifest_item<'m>(m: &'m kdiag_bundle::Manifest, path: &str) -> Option<&'m kdiag_bundle::Item> {
    let re = crate::texts::glob_regex(path);
    m.items
        .iter()
        .find(|i| i.path == path || (path.contains('*') && re.is_match(i.path.as_bytes())))
}

fn foreign_format(m: &kdiag_bundle::Manifest) -> Option<&str> {
    m.args
        .first()?
        .strip_prefix("read from a ")?
        .strip_suffix(" by analyze")
}

pub(super) fn capped_evidence<'b>(
    path: &str,
    label: &str,
    selected: impl Iterator<Item = (u64, &'b [u8])>,
) -> Evidence {
    let mut first = Vec::new();
    let mut last = std::collections::VecDeque::new();
    let mut count = 0u64;
    for (n, l) in selected {
        count += 1;
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if first.len() < KEEP_LINES {
            first.push((n, l));
        } else {
            if last.len() == KEEP_LINES {
                last.pop_front();
            }
            last.push_back((n, l));
        }
    }
    let lines: Vec<EvidenceLine> = first
        .into_iter()
        .chain(last)
        .map(|(n, l)| EvidenceLine {
            n,
            text: String::from_utf8_lossy(l).into_owned(),
        })
        .collect();
    Evidence {
        path: path.to_string(),
        label: label.to_string(),
        count,
        omitted: count - lines.len() as u64,
        first_ts: lines.first().and_then(|l| line_timestamp(&l.text)),
        last_ts: lines.last().and_then(|l| line_timestamp(&l.text)),
        lines,
    }
}

pub(super) fn collect_ats(v: &serde_json::Value, out: &mut Vec<At>) {
    match v {
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_ats(x, out)),
        serde_json::Value::Object(_) => {
            if let Ok(at) = serde_json::from_value::<At>(v.clone()) {
                out.push(at);
            }
        }
        _ => {}
    }
}
