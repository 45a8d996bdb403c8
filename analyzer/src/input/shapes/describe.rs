//! `kubectl describe` outputs read as objects: a node (its Conditions table, also pasted alone or
//! tab-separated, and System Info), a namespace (`Name`, `Labels`, `Annotations`, `Status`, and
//! since kubectl 1.23 a Conditions table) and a pod (`Namespace`, `Node`, `Status`, `Controlled
//! By`, its Conditions and the reasons of its Events). Each carries the annotation
//! `kdiag.io/derived-from`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use super::{Line, DERIVED, DESCRIBED_POD, DESCRIBE_EVENTS};

/// A describe Conditions table: `lines[0]` is its header (`Type  Status ... Reason  Message`),
/// the rows follow (indented or not): a CamelCase type and True, False or Unknown; an indented
/// line that is no row (the rest of a wrapped message) is passed over, a blank or unindented one
/// ends the table. Reason and message are cut at the header's column offsets, or, when kubectl separated
/// the columns with tabs (before 1.6), taken by the header's column under tab-separated fields.
fn conditions_table(lines: &[Line]) -> Option<Vec<Value>> {
    let header = lines.first()?.text.as_str();
    header.trim_start().starts_with("Type").then_some(())?;
    let tabs = header.contains('\t');
    let fields = |t: &str| -> Vec<String> {
        t.split('\t')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect()
    };
    let names = fields(header);
    let at = |w: &str| names.iter().position(|n| n == w);
    let col = |w: &str| header.find(w);
    let (rc, mc) = (col("Reason"), col("Message"));
    let mut conditions = Vec::new();
    for l in &lines[1..] {
        let t = &l.text;
        let w: Vec<&str> = t.split_whitespace().collect();
        // the rule under the header: ASCII dashes, or box-drawing ones (kubectl 1.1)
        if w.first()
            .is_some_and(|f| f.chars().all(|c| c == '-' || c == '\u{2500}'))
        {
            continue;
        }
        let row = !l.cmd
            && w.len() >= 2
            && w[0].starts_with(|c: char| c.is_ascii_uppercase())
            && w[0].chars().all(|c| c.is_ascii_alphanumeric())
            && matches!(w[1], "True" | "False" | "Unknown");
        if !row {
            // a message a terminal wrapped goes on indented; anything else ends the table
            if l.blank()
                || l.cmd
                || !t.starts_with(char::is_whitespace)
                || w.len() < 2 && t.trim().ends_with(':')
            {
                break;
            }
            continue;
        }
        let (reason, message) = if tabs {
            let f = fields(t);
            let get = |i: Option<usize>| i.and_then(|i| f.get(i)).cloned().unwrap_or_default();
            let message =
                at("Message").map_or(String::new(), |i| f.get(i..).unwrap_or(&[]).join(" "));
            (get(at("Reason")), message)
        } else {
            let cut = |a: Option<usize>, b: Option<usize>| -> String {
                let a = a.unwrap_or(t.len()).min(t.len());
                let b = b.unwrap_or(t.len()).clamp(a, t.len());
                t.get(a..b).unwrap_or("").trim().to_string()
            };
            (cut(rc, mc), cut(mc, None))
        };
        conditions.push(json!({"type": w[0], "status": w[1],
            "reason": reason, "message": message}));
    }
    Some(conditions)
}

/// `kubectl describe node`, whole or in part: its Conditions table (found by its header, which
/// only a node's has: `LastHeartbeatTime`), pasted with or without the describe around it, in
/// today's layout or the tab-separated one of kubectl before 1.6; the name from the `Name:` above
/// it in the same describe (else `pasted`), and the System Info versions below it. One node per
/// table (`kubectl describe nodes` prints them all), the first of each name.
pub(super) fn describe_nodes(lines: &[Line]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let headers = lines.iter().enumerate().filter(|(_, l)| {
        !l.cmd && l.text.trim_start().starts_with("Type") && l.text.contains("LastHeartbeatTime")
    });
    for (h, _) in headers {
        if let Some(n) = describe_node(lines, h) {
            let name = n["metadata"]["name"].clone();
            if !out.iter().any(|o| o["metadata"]["name"] == name) {
                out.push(n);
            }
        }
    }
    out
}

/// The node whose Conditions header is `lines[h]`.
fn describe_node(lines: &[Line], h: usize) -> Option<Value> {
    let conditions = conditions_table(&lines[h..])?;
    let name = lines[..h]
        .iter()
        .rev()
        .take_while(|l| !l.blank())
        .find_map(|l| l.text.strip_prefix("Name:").map(|v| v.trim().to_string()))
        .filter(|n| !n.is_empty() && !n.contains(char::is_whitespace))
        .unwrap_or_else(|| "pasted".to_string());
    // System Info comes after the table and before the next describe
    let end = (h + 1..lines.len())
        .find(|&i| lines[i].text.starts_with("Name:"))
        .unwrap_or(lines.len());
    let rest = &lines[h..end];
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

/// Node conditions pasted as JSON without their Node: `jq .status.conditions` (an array) or
/// single condition objects cut out of `kubectl get node -o json`. A value counts when every
/// element has a string `type` and `status` and one has `lastHeartbeatTime` (only a node's
/// conditions have it). Each value is one observation, so each gives its own node (`pasted`,
/// `pasted-2`, ...): two objects of one node at two times are not merged into one status. Objects
/// that follow each other with nothing but `,` between them are one list (an array whose `[` did
/// not parse, e.g. one cut off at its end), so they stay one node.
pub(super) fn condition_json(lines: &[Line]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    // the line after the last condition value read
    let mut after_last: Option<usize> = None;
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].text.trim_start();
        if lines[i].cmd || !(t.starts_with('[') || t.starts_with('{')) {
            i += 1;
            continue;
        }
        let end = (i..lines.len())
            .find(|&j| lines[j].cmd)
            .unwrap_or(lines.len());
        let body = lines[i..end]
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let mut de = serde_json::Deserializer::from_str(&body).into_iter::<Value>();
        let Some(Ok(v)) = de.next() else {
            i += 1;
            continue;
        };
        let used = body[..de.byte_offset()].lines().count().max(1);
        let items = match v {
            Value::Array(a) => a,
            o @ Value::Object(_) => vec![o],
            _ => Vec::new(),
        };
        let is_condition = |c: &Value| {
            c.get("type").is_some_and(Value::is_string)
                && c.get("status").is_some_and(Value::is_string)
        };
        let adjacent = after_last.is_some_and(|a| {
            a <= i
                && lines[a..i]
                    .iter()
                    .all(|l| !l.cmd && l.text.trim().trim_matches(',').is_empty())
        });
        let conditions = !items.is_empty() && items.iter().all(is_condition);
        if conditions && adjacent {
            if let Some(list) = out
                .last_mut()
                .and_then(|n| n["status"]["conditions"].as_array_mut())
            {
                list.extend(items);
            }
            after_last = Some(i + used);
        } else if conditions && items.iter().any(|c| c.get("lastHeartbeatTime").is_some()) {
            after_last = Some(i + used);
            let name = match out.len() {
                0 => "pasted".to_string(),
                n => format!("pasted-{}", n + 1),
            };
            out.push(json!({"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "annotations": {DERIVED: "node-conditions-json"}},
                "status": {"conditions": items}}));
        }
        i += used;
    }
    out
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

/// `kubectl describe pod`: a `Name:` line whose block (up to the next unindented `Name:`, a
/// prompt or the end) has the top-level keys `Namespace:`, `Node:` and `Status:`, which only a
/// pod's describe has together (a PVC's has no `Node:`, a node's no `Namespace:`). The phase is
/// the first word of `Status:` when it is one (`Terminating (lasts 3d)` is not a phase); `Node:
/// <none>` is no node, `node1/10.0.0.1` is node1. A describe shows no creation time, so the age
/// of a described pod is unknown.
pub(super) fn describe_pods(lines: &[Line]) -> Vec<Value> {
    static KEY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([A-Z][A-Za-z -]*):(?:\s+(.*?))?\s*$").unwrap());
    let mut out: Vec<Value> = Vec::new();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].cmd && lines[i].text.starts_with("Name:"))
        .collect();
    for (k, &i) in starts.iter().enumerate() {
        let end = (i + 1..starts.get(k + 1).copied().unwrap_or(lines.len()))
            .find(|&j| lines[j].cmd)
            .unwrap_or_else(|| starts.get(k + 1).copied().unwrap_or(lines.len()));
        let block = &lines[i..end];
        let mut keys: Vec<(usize, String, String)> = Vec::new();
        for (j, l) in block.iter().enumerate() {
            if let Some(c) = KEY.captures(&l.text) {
                let v = c.get(2).map_or("", |m| m.as_str()).to_string();
                keys.push((j, c[1].to_string(), v));
            }
        }
        let get = |key: &str| keys.iter().find(|(_, k, _)| k == key);
        let (Some(name), Some(ns), Some(node), Some(status)) =
            (get("Name"), get("Namespace"), get("Node"), get("Status"))
        else {
            continue;
        };
        if name.2.is_empty() || name.2.contains(char::is_whitespace) {
            continue;
        }
        let mut meta = json!({"name": name.2, "namespace": ns.2,
            "annotations": {DERIVED: DESCRIBED_POD}});
        let mut spec = json!({});
        if let Some(n) = node
            .2
            .split('/')
            .next()
            .filter(|n| !n.is_empty() && *n != "<none>")
        {
            spec["nodeName"] = json!(n);
        }
        let mut st = json!({});
        let phase = status.2.split_whitespace().next().unwrap_or("");
        if ["Pending", "Running", "Succeeded", "Failed", "Unknown"].contains(&phase) {
            st["phase"] = json!(phase);
        }
        if let Some((_, _, v)) = get("Controlled By") {
            if let Some((kind, owner)) = v.split_once('/') {
                meta["ownerReferences"] = json!([{"kind": kind, "name": owner}]);
            }
        }
        if let Some((j, _, _)) = get("Conditions") {
            st["conditions"] = json!(conditions_table(&block[j + 1..]).unwrap_or_default());
        }
        if let Some((j, _, v)) = get("Events") {
            let reasons: Vec<&str> = if v == "<none>" {
                Vec::new()
            } else {
                // under the header (`Type Reason Age From Message`, before kubectl 1.5
                // `FirstSeen LastSeen Count From ... Reason Message`), one row per event; a row
                // without the Type column gives `?`
                block[j + 1..]
                    .iter()
                    .take_while(|l| !l.blank())
                    .skip(1)
                    .filter_map(|l| {
                        let w: Vec<&str> = l.text.split_whitespace().collect();
                        match w.as_slice() {
                            ["Normal" | "Warning", r, ..] => Some(*r),
                            [f, ..] if f.chars().all(|c| c == '-') => None,
                            [_, ..] => Some("?"),
                            [] => None,
                        }
                    })
                    .collect()
            };
            meta["annotations"][DESCRIBE_EVENTS] = json!(reasons.join(","));
        }
        out.push(json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": spec, "status": st}));
    }
    out
}

#[cfg(test)]
mod tests {
    use kdiag_bundle::paths;
    use serde_json::Value;

    use super::super::derived_items as items;

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

    /// kubernetes-sigs/scheduler-plugins#571 (dev): `oc describe pod` of a pod no scheduler
    /// looked at: Pending, `Node: <none>`, no Conditions, `Events: <none>`.
    #[test]
    fn describe_pod_pending_without_events() {
        let t = crate::input::corpus_snippet(
            "scheduler-not-running__kubernetes-sigs-scheduler-plugins-571.txt",
        );
        let p = items(&t, paths::PODS);
        assert_eq!(p.len(), 1);
        let m = &p[0]["metadata"];
        assert_eq!(m["name"], "pause-df48b984c-72pg2");
        assert_eq!(m["namespace"], "default");
        assert_eq!(
            m["annotations"]["kdiag.io/derived-from"],
            "kubectl-describe-pod"
        );
        assert_eq!(m["annotations"]["kdiag.io/describe-events"], "");
        assert_eq!(m["ownerReferences"][0]["kind"], "ReplicaSet");
        assert_eq!(p[0]["status"]["phase"], "Pending");
        assert!(p[0]["spec"].get("nodeName").is_none());
        assert!(p[0]["status"].get("conditions").is_none());
    }

    /// kubernetes/kubernetes#11453 (dev): kubectl 1.0's tab-separated describe, `Node: /`, an
    /// Events table without the Type column (one row, read as `?`); kadalu/kadalu#216 (dev): a
    /// pod on a node (`kubenode1/63.48.36.32`), cut at `Conditions:`; the pod-unschedulable
    /// fixture: a Conditions table and a FailedScheduling event.
    #[test]
    fn describe_pod_old_layout_and_conditions() {
        let t = crate::input::corpus_snippet("pod-unschedulable__kubernetes-kubernetes-11453.txt");
        let p = items(&t, paths::PODS);
        assert_eq!(p[0]["metadata"]["name"], "mysql");
        assert!(p[0]["spec"].get("nodeName").is_none());
        assert_eq!(
            p[0]["metadata"]["annotations"]["kdiag.io/describe-events"],
            "?"
        );
        let t = crate::input::corpus_snippet("neg-pod-unschedulable__kadalu-kadalu-216.txt");
        let p = items(&t, paths::PODS);
        assert_eq!(p[0]["spec"]["nodeName"], "kubenode1");
        assert_eq!(p[0]["status"]["phase"], "Succeeded");
        // the paste stops at `Conditions:`, before its table and the Events
        assert_eq!(p[0]["status"]["conditions"], serde_json::json!([]));
        assert!(p[0]["metadata"]["annotations"]
            .get("kdiag.io/describe-events")
            .is_none());
        let t = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/rules/pod-unschedulable/pos-describe.txt"
        ))
        .unwrap();
        let p = items(&t, paths::PODS);
        assert_eq!(p[0]["status"]["conditions"][0]["type"], "PodScheduled");
        assert_eq!(p[0]["status"]["conditions"][0]["status"], "False");
        assert_eq!(
            p[0]["metadata"]["annotations"]["kdiag.io/describe-events"],
            "FailedScheduling"
        );
    }

    /// A pod's or a PV's describe has keys other than Labels/Annotations before its Status.
    #[test]
    fn other_describes_are_no_namespace() {
        let pod = "Name:         web-0\nNamespace:    default\nPriority:     0\nLabels:       app=web\nStatus:       Terminating (lasts 3d)\n";
        let pv = "Name:            pvc-1\nLabels:          <none>\nAnnotations:     <none>\nFinalizers:      [kubernetes.io/pv-protection]\nStorageClass:    standard\nStatus:          Terminating\n";
        assert!(items(pod, paths::NAMESPACES).is_empty());
        assert!(items(pv, paths::NAMESPACES).is_empty());
    }

    use crate::input::corpus_snippet as snippet;

    fn ready(n: &Value) -> (&str, &str) {
        let c = n["status"]["conditions"].as_array().unwrap();
        let r = c.iter().find(|c| c["type"] == "Ready").unwrap();
        (r["status"].as_str().unwrap(), r["reason"].as_str().unwrap())
    }

    /// pleg-not-healthy__nds-org-jupyter-et-13.txt (dev): `[...]` cut the describe between Roles
    /// and the table's header, so there is no `Conditions:` line.
    #[test]
    fn describe_node_without_its_conditions_line() {
        let n = items(
            &snippet("pleg-not-healthy__nds-org-jupyter-et-13.txt"),
            paths::NODES,
        );
        assert_eq!(n[0]["metadata"]["name"], "etkhub");
        assert_eq!(ready(&n[0]), ("False", "KubeletNotReady"));
        assert_eq!(
            n[0]["status"]["conditions"][3]["message"],
            "PLEG is not healthy: pleg was last seen active 16h17m50.791825508s ago; threshold is 3m0s"
        );
    }

    /// node-not-ready__vmware-archive-kubernetes-archived-113.txt (dev): kubectl 1.5, columns
    /// separated by tabs, `Role:` instead of `Roles:`.
    #[test]
    fn describe_node_tab_separated() {
        let n = items(
            &snippet("node-not-ready__vmware-archive-kubernetes-archived-113.txt"),
            paths::NODES,
        );
        assert_eq!(n[0]["metadata"]["name"], "node1");
        assert_eq!(ready(&n[0]), ("Unknown", "NodeStatusUnknown"));
        assert_eq!(
            n[0]["status"]["conditions"][0]["message"],
            "Kubelet stopped posting node status."
        );
        // runtime-unresponsive__kubernetes-kubernetes-16601.txt (dev): kubectl 1.1 drew the rule
        // under the header with box-drawing dashes
        let n = items(
            &snippet("runtime-unresponsive__kubernetes-kubernetes-16601.txt"),
            paths::NODES,
        );
        assert_eq!(ready(&n[0]), ("False", "KubeletNotReady"));
    }

    /// neg-node-not-ready__kontena-pharos-host-upgrades-12.txt (dev): the table alone, with a
    /// custom condition whose message is empty; a pod's Conditions table is no node.
    #[test]
    fn a_conditions_table_alone() {
        let n = items(
            &snippet("neg-node-not-ready__kontena-pharos-host-upgrades-12.txt"),
            paths::NODES,
        );
        assert_eq!(n[0]["metadata"]["name"], "pasted");
        assert_eq!(ready(&n[0]), ("True", "KubeletReady"));
        assert_eq!(n[0]["status"]["conditions"].as_array().unwrap().len(), 6);
        let pod = "Conditions:\n  Type              Status\n  Initialized       True \n  Ready             False \n  ContainersReady   False \n  PodScheduled      True \n";
        assert!(items(pod, paths::NODES).is_empty());
    }

    /// `kubectl describe nodes`: one node per describe, each with its own table.
    #[test]
    fn every_node_of_a_describe_nodes() {
        let one = snippet("node-not-ready__vmware-archive-kubernetes-archived-113.txt");
        let two = format!(
            "{}\n{}",
            snippet("neg-node-not-ready__kontena-pharos-host-upgrades-12.txt"),
            one
        );
        let n = items(&two, paths::NODES);
        let names: Vec<&str> = n
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["pasted", "node1"]);
        assert_eq!(ready(&n[1]), ("Unknown", "NodeStatusUnknown"));
    }

    /// node-not-ready__replicatedhq-troubleshoot-622.txt (dev): two condition objects cut out of
    /// `kubectl get nodes -ojson`, healthy then with the kubelet down: two observations.
    #[test]
    fn condition_objects_without_their_node() {
        let n = items(
            &snippet("node-not-ready__replicatedhq-troubleshoot-622.txt"),
            paths::NODES,
        );
        assert_eq!(n.len(), 2);
        assert_eq!(ready(&n[0]), ("True", "KubeletReady"));
        assert_eq!(n[1]["metadata"]["name"], "pasted-2");
        assert_eq!(ready(&n[1]), ("Unknown", "NodeStatusUnknown"));
        // objects that follow each other are one list, even when the array around them is cut
        let cut = "[\n  {\"type\": \"MemoryPressure\", \"status\": \"False\", \"lastHeartbeatTime\": \"2019-01-01T00:00:00Z\"},\n  {\"type\": \"Ready\", \"status\": \"False\", \"lastHeartbeatTime\": \"2019-01-01T00:00:00Z\"},\n  {\"type\": \"NetworkUn\n";
        let n = items(cut, paths::NODES);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0]["status"]["conditions"][1]["status"], "False");
        // a pod's conditions (no heartbeat) and a Node object are not condition lists
        let pod =
            "[\n  {\"type\": \"Ready\", \"status\": \"False\", \"lastTransitionTime\": null}\n]\n";
        assert!(items(pod, paths::NODES).is_empty());
    }
}
