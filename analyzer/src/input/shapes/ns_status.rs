//! A namespace's status pasted on its own, cut out of `kubectl get ns NAME -o json|yaml`: a bare
//! JSON member `"status": { "conditions": [...], "phase": "Terminating" }` (also cut short) or a
//! YAML `status:` block, joined to the namespace the paste names (its `describe ns`, its table
//! row, its object, or the `kubectl get ns NAME` command the status was cut from).
//!
//! Only a namespace's status is read: its phase is `Active` or `Terminating` (no other object's
//! `status.phase` takes those values) or its conditions are the namespace controller's
//! (`Namespace*` types: pkg/controller/namespace/deletion/status_condition_utils.go).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use super::yaml_parts::block_under;
use super::{Line, DERIVED};

/// The namespace a `kubectl get|describe|edit|delete ns NAME` command names (also `ns/NAME`),
/// or OpenShift's `oc` with the same verbs, where a project is a namespace.
static NS_COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:kubectl|oc)\s+(?:get|describe|edit|delete)\s+(?:ns|namespaces?|projects?)(?:/|\s+)([a-z0-9][a-z0-9-]{0,62})\b")
        .unwrap()
});

/// Joins a pasted namespace status to the namespace it belongs to: the one the nearest command
/// before it names, else the only namespace of the paste. A namespace named only by the command
/// is added. Namespaces that already have conditions keep theirs.
pub(super) fn join(lines: &[Line], namespaces: &mut Vec<Value>) {
    let Some((at, status)) = fragment(lines) else {
        return;
    };
    let named = lines[..at]
        .iter()
        .rev()
        .find_map(|l| NS_COMMAND.captures(&l.text).map(|c| c[1].to_string()));
    let i = match named {
        Some(name) => match namespaces
            .iter()
            .position(|n| n["metadata"]["name"] == name.as_str())
        {
            Some(i) => i,
            None => {
                namespaces.push(json!({"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": name, "annotations": {DERIVED: "namespace-status"}},
                    "status": {}}));
                namespaces.len() - 1
            }
        },
        None if namespaces.len() == 1 => 0,
        None => return,
    };
    let ns = &mut namespaces[i];
    if !ns["status"].is_object() {
        ns["status"] = json!({});
    }
    let own = &mut ns["status"];
    let has_conditions = own["conditions"].as_array().is_some_and(|c| !c.is_empty());
    if !has_conditions {
        if let Some(c) = status.get("conditions") {
            own["conditions"] = c.clone();
        }
    }
    if own.get("phase").is_none() {
        if let Some(p) = status.get("phase") {
            own["phase"] = p.clone();
        }
    }
}

/// The most lines a pasted namespace status is read over: the five conditions the namespace
/// controller sets take about forty in JSON.
const STATUS_LINES: usize = 200;

/// The first namespace status of the paste, with the line it starts on.
fn fragment(lines: &[Line]) -> Option<(usize, Value)> {
    for (i, l) in lines.iter().enumerate() {
        let t = l.text.trim();
        if l.cmd {
            continue;
        }
        let status = if let Some(rest) = t.strip_prefix("\"status\":") {
            // JSON: the object after the key, to the next prompt or fence, at most
            // STATUS_LINES lines (a namespace's status is a few conditions; every pod of a
            // `get pods -o json` has a "status" too, and reading each to the paste's end would
            // take time quadratic in its size)
            let end = (i + 1..lines.len().min(i + 1 + STATUS_LINES))
                .find(|&j| lines[j].cmd)
                .unwrap_or(lines.len().min(i + 1 + STATUS_LINES));
            let mut body = rest.trim_start().to_string();
            for m in &lines[i + 1..end] {
                body.push('\n');
                body.push_str(&m.text);
            }
            json_object(&body)
        } else if t == "status:" {
            // YAML: the lines indented under the key
            yaml_status(&block_under(lines, i))
        } else {
            None
        };
        if let Some(s) = status.filter(is_namespace_status) {
            return Some((i, s));
        }
    }
    None
}

/// The JSON object `body` starts with; cut short, closed after its last complete line.
fn json_object(body: &str) -> Option<Value> {
    if !body.starts_with('{') {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(body).into_iter::<Value>();
    if let Some(Ok(v)) = de.next() {
        return v.is_object().then_some(v);
    }
    super::kube::mended_json(body)
}

/// A YAML block's mapping, read up to the last line it can read.
fn yaml_status(block: &[&str]) -> Option<Value> {
    let mut keep = block.len();
    while keep > 0 {
        let text = format!("status:\n{}\n", block[..keep].join("\n"));
        if let Ok(v) = serde_yaml::from_str::<Value>(&text) {
            return v.get("status").filter(|s| s.is_object()).cloned();
        }
        keep -= 1;
    }
    None
}

fn is_namespace_status(s: &Value) -> bool {
    let phase = s.get("phase").and_then(Value::as_str);
    let conditions = s.get("conditions").and_then(Value::as_array);
    let controller = conditions.is_some_and(|c| {
        !c.is_empty()
            && c.iter().all(|c| {
                c.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.starts_with("Namespace"))
            })
    });
    matches!(phase, Some("Active" | "Terminating")) && conditions.is_none_or(|c| c.is_empty())
        || controller && phase.is_none_or(|p| p == "Active" || p == "Terminating")
}

#[cfg(test)]
mod tests {
    use kdiag_bundle::paths;

    use super::super::{derive, get};
    use super::*;

    fn namespaces(text: &str) -> Vec<Value> {
        let d = derive(text);
        let list: Value = serde_json::from_str(get(&d, paths::NAMESPACES).unwrap()).unwrap();
        list["items"].as_array().unwrap().clone()
    }

    /// resource-stuck-terminating__chiehting-com-namespace-stuck.txt (dev): `describe namespace
    /// cert-manager`, then the `"status": {` member of its `-o json` cut short after the fourth
    /// condition: the conditions are the described namespace's.
    #[test]
    fn json_status_member_cut_short_joins_the_described_namespace() {
        let t = crate::input::corpus_snippet(
            "resource-stuck-terminating__chiehting-com-namespace-stuck.txt",
        );
        let ns = namespaces(&t);
        assert_eq!(ns.len(), 1);
        assert_eq!(ns[0]["metadata"]["name"], "cert-manager");
        assert_eq!(ns[0]["status"]["phase"], "Terminating");
        let c = ns[0]["status"]["conditions"].as_array().unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c[0]["type"], "NamespaceDeletionDiscoveryFailure");
        assert_eq!(c[0]["status"], "True");
    }

    /// The same status as YAML under the command it was cut from, and no describe: the command
    /// names the namespace. Another object's status (a pod's phase) is no namespace's.
    #[test]
    fn yaml_status_block_under_its_command() {
        let t = "$ kubectl get ns cert-manager -o yaml\nstatus:\n  conditions:\n  - lastTransitionTime: \"2021-08-19T09:14:05Z\"\n    message: 'Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request'\n    reason: DiscoveryFailed\n    status: \"True\"\n    type: NamespaceDeletionDiscoveryFailure\n  phase: Terminating\n";
        let ns = namespaces(t);
        assert_eq!(ns[0]["metadata"]["name"], "cert-manager");
        assert_eq!(ns[0]["status"]["phase"], "Terminating");
        assert_eq!(
            ns[0]["status"]["conditions"][0]["reason"],
            "DiscoveryFailed"
        );
        // OpenShift's client, where a project is a namespace
        let oc = t.replace("kubectl get ns cert-manager", "oc get project cert-manager");
        assert_eq!(namespaces(&oc)[0]["metadata"]["name"], "cert-manager");
        let pod = "$ kubectl get pod web-0 -o yaml\nstatus:\n  phase: Running\n";
        assert_eq!(get(&derive(pod), paths::NAMESPACES), None);
    }
}
