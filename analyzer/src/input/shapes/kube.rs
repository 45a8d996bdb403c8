//! Kubernetes shapes in a paste: objects as YAML or JSON (one, several `---` documents, a List),
//! a fragment that is clearly a container's `resources`, `kubectl get ns` tables and
//! `kubectl describe node`. Each becomes a `{"kind":"List","items":[...]}` at the cluster/ path
//! its kind is collected to. Objects built from a table or a describe carry the annotation
//! `kdiag.io/derived-from`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use kdiag_bundle::paths;
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Line;

const DERIVED: &str = "kdiag.io/derived-from";

fn path_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => paths::PODS,
        "Node" => paths::NODES,
        "Namespace" => paths::NAMESPACES,
        "Event" => paths::EVENTS,
        "PersistentVolumeClaim" => paths::PVCS,
        "PersistentVolume" => paths::PVS,
        "StorageClass" => paths::STORAGECLASSES,
        "Deployment" => paths::DEPLOYMENTS,
        "DaemonSet" => paths::DAEMONSETS,
        "StatefulSet" => paths::STATEFULSETS,
        "ReplicaSet" => paths::REPLICASETS,
        "Service" => paths::SERVICES,
        "Endpoints" => paths::ENDPOINTS,
        _ => return None,
    })
}

pub(super) fn derive(_text: &str, lines: &[Line]) -> Vec<(&'static str, String)> {
    let mut by_path: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    fn add(by_path: &mut BTreeMap<&'static str, Vec<Value>>, v: Value) {
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
        if let Some(p) = path_of(kind) {
            by_path.entry(p).or_default().push(v);
        }
    }
    for o in objects(lines) {
        add(&mut by_path, o);
    }
    if !by_path.contains_key(paths::PODS) {
        if let Some(p) = resources_fragment(lines) {
            add(&mut by_path, p);
        }
    }
    if !by_path.contains_key(paths::NAMESPACES) {
        for n in namespace_table(lines) {
            add(&mut by_path, n);
        }
    }
    if !by_path.contains_key(paths::NODES) {
        if let Some(n) = describe_node(lines) {
            add(&mut by_path, n);
        }
    }
    by_path
        .into_iter()
        .map(|(p, items)| {
            let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
            (p, serde_json::to_string_pretty(&list).unwrap_or_default())
        })
        .collect()
}

/// A parsed value's objects: itself, or a List's items (kind taken from `PodList` when the
/// items carry none).
fn flatten(v: Value, out: &mut Vec<Value>) {
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let Some(items) = v.get("items").and_then(Value::as_array) {
        let item_kind = kind.strip_suffix("List").unwrap_or("").to_string();
        for mut it in items.iter().cloned() {
            if it.get("kind").is_none() && !item_kind.is_empty() {
                if let Some(o) = it.as_object_mut() {
                    o.insert("kind".into(), Value::String(item_kind.clone()));
                }
            }
            flatten(it, out);
        }
    } else if v.get("kind").is_some_and(Value::is_string) && v.get("metadata").is_some() {
        out.push(v);
    }
}

/// Whole objects: JSON from a `{` line, YAML from an `apiVersion:`/`kind:` line to the next
/// prompt or fence (cut before the first line YAML cannot read: prose after the object).
fn objects(lines: &[Line]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        if l.cmd {
            i += 1;
            continue;
        }
        let end = (i..lines.len())
            .find(|&j| lines[j].cmd)
            .unwrap_or(lines.len());
        if l.text.starts_with('{') {
            let body = block(&lines[i..end]);
            let mut de = serde_json::Deserializer::from_str(&body).into_iter::<Value>();
            if let Some(Ok(v)) = de.next() {
                let used = body[..de.byte_offset()].lines().count().max(1);
                flatten(v, &mut out);
                i += used;
                continue;
            }
        } else if l.text.starts_with("apiVersion:") || l.text.starts_with("kind:") {
            let mut body = block(&lines[i..end]);
            for _ in 0..6 {
                match yaml_docs(&body) {
                    Ok(docs) => {
                        for d in docs {
                            flatten(d, &mut out);
                        }
                        break;
                    }
                    Err(Some(line)) if line > 1 => {
                        // past the end: the last line is the one left open
                        let keep = line.min(body.lines().count()) - 1;
                        body = body.lines().take(keep).collect::<Vec<_>>().join("\n");
                    }
                    Err(_) => break,
                }
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

fn block(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every document of a YAML stream; `Err(line)`: where it failed (1-based).
fn yaml_docs(s: &str) -> Result<Vec<Value>, Option<usize>> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(s) {
        let v = Value::deserialize(doc).map_err(|e| e.location().map(|l| l.line()))?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

/// A pasted `resources:` fragment (`requests:`/`limits:` with `memory:`/`cpu:` under them,
/// whatever the indentation): one pod, one container per `resources` block.
fn resources_fragment(lines: &[Line]) -> Option<Value> {
    static QTY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*-?\s*(memory|cpu|ephemeral-storage):\s*['\x22]?([^'\x22\s#]+)['\x22]?\s*$")
            .unwrap()
    });
    static GROUP: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*(requests|limits):\s*$").unwrap());
    let mut containers: Vec<Value> = Vec::new();
    let mut cur: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut group: Option<String> = None;
    let mut flush = |cur: &mut BTreeMap<String, BTreeMap<String, String>>| {
        if !cur.is_empty() {
            let n = containers.len();
            containers
                .push(json!({"name": format!("pasted-{n}"), "resources": std::mem::take(cur)}));
        }
    };
    for l in lines {
        let t = l.text.trim_end();
        if l.cmd || t.trim() == "resources:" {
            flush(&mut cur);
            group = None;
        } else if let Some(c) = GROUP.captures(t) {
            if cur.contains_key(&c[1]) {
                flush(&mut cur);
            }
            group = Some(c[1].to_string());
        } else if let (Some(g), Some(c)) = (&group, QTY.captures(t)) {
            cur.entry(g.clone())
                .or_default()
                .insert(c[1].to_string(), c[2].to_string());
        } else if !t.trim().is_empty() {
            group = None;
        }
    }
    flush(&mut cur);
    (!containers.is_empty()).then(|| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "pasted", "annotations": {DERIVED: "resources-fragment"}},
            "spec": {"containers": containers}})
    })
}

/// `kubectl get ns` (`NAME STATUS AGE`), also rows of it without the header (`| grep
/// Terminating`): minimal Namespace objects with the status phase.
fn namespace_table(lines: &[Line]) -> Vec<Value> {
    static ROW: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^([a-z0-9][a-z0-9-]{0,62})\s+(Active|Terminating)\s+(\d+[smhdy]\S*|<unknown>)\s*$",
        )
        .unwrap()
    });
    lines
        .iter()
        .filter(|l| !l.cmd)
        .filter_map(|l| ROW.captures(l.text.trim()))
        .map(|c| {
            json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": &c[1], "annotations": {DERIVED: "kubectl-get-table"}},
                "status": {"phase": &c[2]}})
        })
        .collect()
}

/// `kubectl describe node`: its name, the Conditions table (type, status, reason, message by
/// the header's column offsets) and the System Info versions.
fn describe_node(lines: &[Line]) -> Option<Value> {
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
    let header = rest.get(cond_at + 1)?.text.as_str();
    let col = |w: &str| header.find(w);
    let (rc, mc) = (col("Reason"), col("Message"));
    header.trim_start().starts_with("Type").then_some(())?;
    let mut conditions = Vec::new();
    for l in rest[cond_at + 2..].iter() {
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

#[cfg(test)]
mod tests {
    use super::super::{clean, derive};
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

    /// memory-quantity-suspicious__kubernetes-kubernetes-79950.txt (dev): a fenced pod, prose after.
    #[test]
    fn pod_yaml_from_k8s_79950() {
        let t = "```\napiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx\nspec:\n  containers:\n    - name: nginx\n      image: nginx:1.14.2\n      resources:\n        limits:\n          memory: 128m\n```\n\nGave the error:\n```\nMountVolume.SetUp failed\n```\n";
        let p = items(t, paths::PODS);
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0]["spec"]["containers"][0]["resources"]["limits"]["memory"],
            "128m"
        );
        // prose right after the object, no fence
        let t =
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\nThis is what I got: {broken\n";
        assert_eq!(items(t, paths::NAMESPACES)[0]["metadata"]["name"], "a");
        assert!(clean(t).len() == 5);
    }

    #[test]
    fn json_lists_and_documents() {
        let t = "$ kubectl get ns x -o json\n{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Namespace\",\n  \"metadata\": {\"name\": \"x\", \"deletionTimestamp\": \"2018-06-01T00:00:00Z\"},\n  \"status\": {\"phase\": \"Terminating\"}\n}\nand then\n";
        assert_eq!(
            items(t, paths::NAMESPACES)[0]["status"]["phase"],
            "Terminating"
        );
        let t = "apiVersion: v1\nitems:\n- metadata:\n    name: a\n  status: {}\nkind: PodList\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n";
        assert_eq!(items(t, paths::PODS)[0]["kind"], "Pod");
        assert_eq!(items(t, paths::NODES)[0]["metadata"]["name"], "n1");
    }

    /// memory-quantity-suspicious__kubernetes-kubernetes-103761.txt and -49559.txt (dev).
    #[test]
    fn resources_fragments() {
        let t = "The first case(running sucessfully):\nresources:\n    requests:\n        cpu: 0.3\n        memory: 100m\nThe second case(start failed):\nresources:\n    requests:\n        cpu: 0.3\n        memory: 100m\n    limits:\n        cpu: 0.4\n        memory: 200m\n";
        let p = items(t, paths::PODS);
        let c = p[0]["spec"]["containers"].as_array().unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1]["resources"]["limits"]["memory"], "200m");
        let t = "requests:\n        memory: 0.001Mi\n        cpu: 1\n      limits:\n        memory: 0.001Mi\n        cpu: 1\nkubectl describe pod_id\n";
        let p = items(t, paths::PODS);
        assert_eq!(
            p[0]["spec"]["containers"][0]["resources"]["limits"]["memory"],
            "0.001Mi"
        );
        assert!(items("memory: 100m\n", paths::PODS).is_empty());
    }

    /// resource-stuck-terminating__kubernetes-kubernetes-119881.txt (dev): grep'ed rows, no header.
    #[test]
    fn namespace_rows() {
        let t = "```\nkgns|grep -i terminating\nagent-ns       Terminating   12d\n```\n";
        let n = items(t, paths::NAMESPACES);
        assert_eq!(n[0]["metadata"]["name"], "agent-ns");
        assert_eq!(n[0]["status"]["phase"], "Terminating");
        assert_eq!(
            n[0]["metadata"]["annotations"]["kdiag.io/derived-from"],
            "kubectl-get-table"
        );
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
}
