//! `kubectl describe` outputs read as objects: a node (its Conditions table and System Info) and
//! a namespace (`Name`, `Labels`, `Annotations`, `Status`, and since kubectl 1.23 a Conditions
//! table). Each carries the annotation `kdiag.io/derived-from`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use super::{Line, DERIVED};

/// A describe Conditions table: `lines[0]` is its header (`Type  Status ... Reason  Message`),
/// the rows follow (indented) up to a blank or unindented line; type and status are the first two
/// words, reason and message are cut at the header's column offsets.
fn conditions_table(lines: &[Line]) -> Option<Vec<Value>> {
    let header = lines.first()?.text.as_str();
    header.trim_start().starts_with("Type").then_some(())?;
    let col = |w: &str| header.find(w);
    let (rc, mc) = (col("Reason"), col("Message"));
    let mut conditions = Vec::new();
    for l in &lines[1..] {
        let t = &l.text;
        if l.blank() || !t.starts_with(' ') {
            break;
        }
        let w: Vec<&str> = t.split_whitespace().collect();
        if w.len() < 2 || w[0].starts_with("----") {
            continue;
        }
        let cut = |a: Option<usize>, b: Option<usize>| -> String {
            let a = a.unwrap_or(t.len()).min(t.len());
            let b = b.unwrap_or(t.len()).clamp(a, t.len());
            t.get(a..b).unwrap_or("").trim().to_string()
        };
        conditions.push(json!({"type": w[0], "status": w[1],
            "reason": cut(rc, mc), "message": cut(mc, None)}));
    }
    Some(conditions)
}

/// `kubectl describe node`: its name, the Conditions table (type, status, reason, message by
/// the header's column offsets) and the System Info versions.
pub(super) fn describe_node(lines: &[Line]) -> Option<Value> {
    let start = lines
        .iter()
        .position(|l| !l.cmd && l.text.starts_with("Name:") && !l.text.trim_end().ends_with(':'))?;
    let rest = &lines[start..];
    let name = rest[0].text["Name:".len()..].trim().to_string();
    let roles = rest.iter().take(4).any(|l| l.text.starts_with("Roles:"));
    let cond_at = rest
        .iter()
        .position(|l| l.text.starts_with("Conditions:"))?;
    if !roles && !rest.iter().any(|l| l.text.starts_with("System Info:")) {
        return None;
    }
    let conditions = conditions_table(&rest[cond_at + 1..])?;
    let field = |k: &str| {
        rest.iter()
            .find_map(|l| l.text.trim().strip_prefix(k).map(|v| v.trim().to_string()))
            .filter(|v| !v.is_empty())
    };
    let mut info = serde_json::Map::new();
    for (k, j) in [
        ("Kernel Version:", "kernelVersion"),
        ("Container Runtime Version:", "containerRuntimeVersion"),
        ("Kubelet Version:", "kubeletVersion"),
        ("OS Image:", "osImage"),
    ] {
        if let Some(v) = field(k) {
            info.insert(j.into(), Value::String(v));
        }
    }
    (!conditions.is_empty()).then(|| {
        json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "annotations": {DERIVED: "kubectl-describe-node"}},
            "status": {"conditions": conditions, "nodeInfo": info}})
    })
}

/// `kubectl describe ns`: `Name:`, then only `Labels:` and `Annotations:` (their values may go on
/// over indented or wrapped lines, blank lines between keys are kept by some pastes), then
/// `Status: Active|Terminating`, and the Conditions table when kubectl prints one. A pod, PVC or
/// PV describe has other keys before its `Status:` (`Namespace:`, `Finalizers:`, ...), so it is
/// never read as a namespace.
pub(super) fn describe_namespaces(lines: &[Line]) -> Vec<Value> {
    static KEY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([A-Z][A-Za-z ]*):(?:\s+(.*))?$").unwrap());
    static NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^Name:\s+([a-z0-9][a-z0-9-]{0,62})\s*$").unwrap());
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(name) = NAME.captures(l.text.trim_end()).filter(|_| !l.cmd) else {
            continue;
        };
        let mut labels = false;
        let mut status = None;
        for (j, m) in lines.iter().enumerate().skip(i + 1).take(40) {
            let t = m.text.trim_end();
            if m.cmd {
                break;
            }
            if t.is_empty() || t.starts_with(char::is_whitespace) {
                continue;
            }
            match KEY.captures(t) {
                Some(k) if &k[1] == "Labels" => labels = true,
                Some(k) if &k[1] == "Annotations" => {}
                Some(k) if &k[1] == "Status" => {
                    status = k.get(2).map(|v| (j, v.as_str().trim().to_string()));
                    break;
                }
                Some(_) => break,
                // the rest of a long annotation wrapped without indentation
                None => {}
            }
        }
        let Some((at, phase)) = status.filter(|(_, p)| p == "Active" || p == "Terminating") else {
            continue;
        };
        if !labels {
            continue;
        }
        let conditions = lines[at + 1..]
            .iter()
            .position(|m| !m.text.trim().is_empty())
            .map(|k| at + 1 + k)
            .filter(|&k| lines[k].text.starts_with("Conditions:"))
            .and_then(|k| conditions_table(&lines[k + 1..]))
            .unwrap_or_default();
        out.push(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": &name[1], "annotations": {DERIVED: "kubectl-describe-ns"}},
            "status": {"phase": phase, "conditions": conditions}}));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::derive;
    use kdiag_bundle::paths;
    use serde_json::Value;

    fn items(text: &str, path: &str) -> Vec<Value> {
        let d = derive(text);
        let Some((_, body)) = d.iter().find(|(p, _)| *p == path) else {
            return Vec::new();
        };
        let v: Value = serde_json::from_str(body).unwrap();
        v["items"].as_array().unwrap().clone()
    }

    #[test]
    fn describe_node_conditions_and_versions() {
        let t = "Name:               node01\nRoles:              <none>\nConditions:\n  Type             Status  LastHeartbeatTime                 LastTransitionTime                Reason                       Message\n  ----             ------  -----------------                 ------------------                ------                       -------\n  MemoryPressure   Unknown Mon, 10 Jun 2019 10:00:00 +0800   Mon, 10 Jun 2019 10:01:00 +0800   NodeStatusUnknown            Kubelet stopped posting node status.\n  Ready            False   Mon, 10 Jun 2019 10:00:00 +0800   Mon, 10 Jun 2019 10:01:00 +0800   KubeletNotReady              PLEG is not healthy: pleg was last seen active 3m0s ago\nAddresses:\n  InternalIP:  10.0.0.1\nSystem Info:\n Kernel Version:             3.10.0-957.el7.x86_64\n Container Runtime Version:  docker://18.9.0\n Kubelet Version:            v1.14.1\n";
        let n = items(t, paths::NODES);
        let c = n[0]["status"]["conditions"].as_array().unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1]["type"], "Ready");
        assert_eq!(c[1]["status"], "False");
        assert_eq!(c[1]["reason"], "KubeletNotReady");
        assert_eq!(
            c[1]["message"],
            "PLEG is not healthy: pleg was last seen active 3m0s ago"
        );
        assert_eq!(n[0]["status"]["nodeInfo"]["kubeletVersion"], "v1.14.1");
    }

    /// resource-stuck-terminating__success-docker-com-kb000964.txt (dev): the page collapsed the
    /// spaces, left one at each line's end and a blank line before `Status:`.
    #[test]
    fn describe_ns_collapsed() {
        let t = "$ kubectl describe ns skynet\nName: skynet \nLabels: <none> \nAnnotations: kubectl.kubernetes.io/last-applied-configuration={\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"annotations\":{},\"name\":\"skynet\",\"namespace\":\"\"}} \n\nStatus: Terminating \n\nRoot Cause\n";
        let n = items(t, paths::NAMESPACES);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0]["metadata"]["name"], "skynet");
        assert_eq!(n[0]["status"]["phase"], "Terminating");
        assert_eq!(
            n[0]["metadata"]["annotations"]["kdiag.io/derived-from"],
            "kubectl-describe-ns"
        );
    }

    /// kubernetes/kubernetes#106218 (a dev thread): kubectl 1.23's describe ns with Conditions.
    #[test]
    fn describe_ns_conditions() {
        let t = "```\n$ kubectl describe ns example\nName:         example\nLabels:       <none>\nAnnotations:  <none>\nStatus:       Terminating\nConditions:\n  Type                             Status  LastTransitionTime               Reason          Message\n  ----                             ------  ------------------               ------          -------\n  NamespaceDeletionContentFailure  True    Wed, 15 Jan 2014 00:00:00 +0000  example reason  example message\n\nNo resource quota.\n\nNo LimitRange resource.\n```\n";
        let n = items(t, paths::NAMESPACES);
        let c = n[0]["status"]["conditions"].as_array().unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0]["type"], "NamespaceDeletionContentFailure");
        assert_eq!(c[0]["status"], "True");
        assert_eq!(c[0]["reason"], "example reason");
        assert_eq!(c[0]["message"], "example message");
    }

    /// A pod's or a PV's describe has keys other than Labels/Annotations before its Status.
    #[test]
    fn other_describes_are_no_namespace() {
        let pod = "Name:         web-0\nNamespace:    default\nPriority:     0\nLabels:       app=web\nStatus:       Terminating (lasts 3d)\n";
        let pv = "Name:            pvc-1\nLabels:          <none>\nAnnotations:     <none>\nFinalizers:      [kubernetes.io/pv-protection]\nStorageClass:    standard\nStatus:          Terminating\n";
        assert!(items(pod, paths::NAMESPACES).is_empty());
        assert!(items(pv, paths::NAMESPACES).is_empty());
    }
}
