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

use super::describe::{condition_json, describe_namespaces, describe_nodes, describe_pods};
use super::{node_table, Line, DERIVED};

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
        "ResourceQuota" => paths::RESOURCEQUOTAS,
        "LimitRange" => paths::LIMITRANGES,
        _ => return None,
    })
}

pub(super) fn derive(_text: &str, lines: &[Line]) -> Vec<(&'static str, String)> {
    let mut by_path: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    fn add(by_path: &mut BTreeMap<&'static str, Vec<Value>>, v: Value) {
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
        // a kube-system ConfigMap (kube-proxy's config, read by facts.kube_proxy), also when
        // the paste left out its namespace but named it kube-proxy
        let kube_system = kind == "ConfigMap"
            && (v.pointer("/metadata/namespace") == Some(&json!("kube-system"))
                || v.pointer("/metadata/name") == Some(&json!("kube-proxy")));
        if let Some(p) = path_of(kind).or(kube_system.then_some(paths::CONFIGMAPS_KUBE_SYSTEM)) {
            by_path.entry(p).or_default().push(v);
        }
    }
    let objs = objects(lines);
    let templates: Vec<Value> = objs.iter().filter_map(template_pod).collect();
    for o in objs {
        add(&mut by_path, o);
    }
    // quotas and limit ranges described or quoted by an admission error
    for o in super::quota::objects(lines) {
        add(&mut by_path, o);
    }
    // a pasted workload manifest without its pods: the pod its template makes, so rules over pod
    // specs (hostNetwork and dnsPolicy, memory quantities, config references) read it
    if !by_path.contains_key(paths::PODS) {
        for p in templates {
            add(&mut by_path, p);
        }
    }
    if !by_path.contains_key(paths::PODS) {
        if let Some(p) = resources_fragment(lines) {
            add(&mut by_path, p);
        }
    }
    // described pods go with the rest: facts keep them apart from the pod list
    // (facts.cluster.described_pods), since a describe shows one pod, not the cluster's pods
    for p in describe_pods(lines) {
        add(&mut by_path, p);
    }
    if !by_path.contains_key(paths::NAMESPACES) {
        // one object per name: a describe (with its conditions) before a table row
        let mut seen = std::collections::BTreeSet::new();
        for n in describe_namespaces(lines)
            .into_iter()
            .chain(namespace_table(lines))
        {
            if seen.insert(n["metadata"]["name"].as_str().unwrap_or("").to_string()) {
                add(&mut by_path, n);
            }
        }
    }
    // a namespace's status pasted on its own, joined to the namespace it was cut from
    let namespaces = by_path.entry(paths::NAMESPACES).or_default();
    super::ns_status::join(lines, namespaces);
    if namespaces.is_empty() {
        by_path.remove(paths::NAMESPACES);
    }
    if !by_path.contains_key(paths::NODES) {
        for n in describe_nodes(lines) {
            add(&mut by_path, n);
        }
    }
    if !by_path.contains_key(paths::NODES) {
        for n in node_wide_table(lines) {
            add(&mut by_path, n);
        }
    }
    if !by_path.contains_key(paths::NODES) {
        for n in node_table::nodes(lines) {
            add(&mut by_path, n);
        }
    }
    if !by_path.contains_key(paths::NODES) {
        for n in condition_json(lines) {
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

/// The pod a workload's template makes (`spec.template`, a CronJob's
/// `spec.jobTemplate.spec.template`): its spec, namespace and labels, owned by the workload, named
/// `<workload>-template`; no status (it says nothing about a running pod).
fn template_pod(w: &Value) -> Option<Value> {
    let kind = w.get("kind")?.as_str()?;
    let template = match kind {
        "Deployment"
        | "DaemonSet"
        | "StatefulSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => w.pointer("/spec/template")?,
        "CronJob" => w.pointer("/spec/jobTemplate/spec/template")?,
        _ => return None,
    };
    let spec = template.get("spec").filter(|s| s.is_object())?;
    let name = w
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("pasted");
    let mut meta = json!({
        "name": format!("{name}-template"),
        "ownerReferences": [{"kind": kind, "name": name}],
        "annotations": {DERIVED: format!("{kind} template")},
    });
    for k in ["namespace", "labels"] {
        let v = w.pointer(&format!("/metadata/{k}")).cloned();
        let v = template.pointer(&format!("/metadata/{k}")).cloned().or(v);
        if let Some(v) = v {
            meta[k] = v;
        }
    }
    Some(json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}))
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
pub(super) fn objects(lines: &[Line]) -> Vec<Value> {
    let mut out = Vec::new();
    for d in documents(lines) {
        flatten(d, &mut out);
    }
    out
}

/// The JSON values and YAML documents [`objects`] reads, as parsed (a List not yet flattened,
/// kinds without `metadata` such as a KubeletConfiguration kept).
pub(super) fn documents(lines: &[Line]) -> Vec<Value> {
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
        if l.text.trim_start().starts_with('{') {
            let body = block(&lines[i..end]);
            let mut de = serde_json::Deserializer::from_str(&body).into_iter::<Value>();
            if let Some(Ok(v)) = de.next() {
                let used = body[..de.byte_offset()].lines().count().max(1);
                out.push(v);
                i += used;
                continue;
            }
            if let Some(v) = mended_json(&body) {
                out.push(v);
                i = end;
                continue;
            }
        } else if let Some(at) = yaml_start(&l.text) {
            // an object pasted indented (under a Markdown list item, a quote of a log) or as
            // an item of a list (`- apiVersion: v1`): the lines indented at least as deep; a
            // first line that alone slipped right (` kind: X` over `apiVersion: v1`) is
            // read at the column of the key below it
            let col = |t: &str| t.len() - t.trim_start().len();
            let below = lines[i + 1..end]
                .iter()
                .map(|l| l.text.as_str())
                .find(|t| !t.trim().is_empty());
            let indent = match below {
                Some(t) if col(t) < at && YAML_KEY.is_match(t.trim_start()) => col(t),
                _ => at,
            };
            let stop = (i + 1..end)
                .find(|&j| {
                    let t = &lines[j].text;
                    !t.trim().is_empty() && col(t) < indent
                })
                .unwrap_or(end);
            let mut body = lines[i..stop]
                .iter()
                .enumerate()
                .map(|(k, l)| match k {
                    0 => &l.text[at..],
                    _ => l.text.get(indent..).unwrap_or(""),
                })
                .collect::<Vec<_>>()
                .join("\n");
            for _ in 0..6 {
                match yaml_docs(&body) {
                    Ok(docs) => {
                        for d in docs {
                            out.push(d);
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
            i = stop;
            continue;
        }
        i += 1;
    }
    out
}

/// JSON as an issue tracker leaves it when pasted outside a code block, read when it is an
/// object: Markdown takes the backslash of every `\"`, so a string value holding JSON (a
/// `last-applied-configuration` annotation) ends early; and a paste cut short leaves brackets
/// open. Each `"key": "value",` line gets the quotes inside its value escaped again, and the
/// text is closed after its last complete line. `None` when that still does not parse.
pub(super) fn mended_json(body: &str) -> Option<Value> {
    static VALUE_LINE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"^(\s*(?:"[^"]*"\s*:\s*)?")(.*)("\s*,?\s*)$"#).unwrap());
    let mut text = String::new();
    for line in body.lines() {
        match VALUE_LINE.captures(line) {
            Some(c) if c[2].contains('"') && !c[2].contains("\\\"") => {
                text.push_str(&c[1]);
                text.push_str(&c[2].replace('"', "\\\""));
                text.push_str(&c[3]);
            }
            _ => text.push_str(line),
        }
        text.push('\n');
    }
    let first = serde_json::from_str::<Value>(&text);
    match first {
        Ok(v) => return v.is_object().then_some(v),
        Err(e) if !e.is_eof() => {
            // prose after a complete object
            let mut de = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
            return de.next()?.ok().filter(Value::is_object);
        }
        Err(_) => {}
    }
    // cut short: keep the complete lines, close what they left open
    let lines: Vec<&str> = text.lines().collect();
    for keep in (1..=lines.len()).rev().take(8) {
        let mut t = lines[..keep].join("\n");
        let trimmed = t.trim_end().trim_end_matches(',').len();
        t.truncate(trimmed);
        let mut open = Vec::new();
        let (mut in_str, mut esc) = (false, false);
        for ch in t.chars() {
            match (in_str, esc, ch) {
                (true, true, _) => esc = false,
                (true, false, '\\') => esc = true,
                (true, false, '"') => in_str = false,
                (true, false, _) => {}
                (false, _, '"') => in_str = true,
                (false, _, '{') => open.push('}'),
                (false, _, '[') => open.push(']'),
                (false, _, '}' | ']') => {
                    open.pop();
                }
                _ => {}
            }
        }
        if in_str {
            continue;
        }
        t.extend(open.iter().rev());
        if let Ok(v) = serde_json::from_str::<Value>(&t) {
            return v.is_object().then_some(v);
        }
    }
    None
}

/// A YAML mapping key at the start of a (trimmed) line.
static YAML_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9_.-]*:(?:\s|$)").unwrap());

/// Where a YAML object starts on this line: the column of its `apiVersion:` or `kind:` key, at
/// the line's start, after its indentation, or after a list item's `- `.
fn yaml_start(t: &str) -> Option<usize> {
    let body = t.trim_start_matches(' ');
    let mut at = t.len() - body.len();
    let body = match body.strip_prefix("- ") {
        Some(b) => {
            let b2 = b.trim_start_matches(' ');
            at += 2 + b.len() - b2.len();
            b2
        }
        None => body,
    };
    (body.starts_with("apiVersion:") || body.starts_with("kind:")).then_some(at)
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
/// Terminating`), and tables with a LABELS column (kubectl before 1.2 printed `NAME LABELS STATUS
/// AGE`; `--show-labels` puts LABELS last), whose rows are read under their header: minimal
/// Namespace objects with the status phase.
fn namespace_table(lines: &[Line]) -> Vec<Value> {
    static ROW: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^([a-z0-9][a-z0-9-]{0,62})\s+(Active|Terminating)\s+(\d+[smhdy]\S*|<unknown>)\s*$",
        )
        .unwrap()
    });
    let ns = |name: &str, phase: &str| {
        json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "annotations": {DERIVED: "kubectl-get-table"}},
            "status": {"phase": phase}})
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        i += 1;
        if l.cmd {
            continue;
        }
        if let Some(c) = ROW.captures(l.text.trim()) {
            out.push(ns(&c[1], &c[2]));
        } else if labels_header(&l.text) {
            while let Some(r) = lines.get(i).filter(|r| !r.blank()) {
                let w: Vec<&str> = r.text.split_whitespace().collect();
                let phase = w
                    .iter()
                    .skip(1)
                    .find(|t| matches!(**t, "Active" | "Terminating"));
                if let (Some(name), Some(phase)) = (w.first().filter(|n| dns_label(n)), phase) {
                    out.push(ns(name, phase));
                }
                i += 1;
            }
        }
    }
    out
}

/// `kubectl get nodes -o wide` rows: the node's name and what its KERNEL-VERSION and
/// CONTAINER-RUNTIME columns (the last two) and VERSION say, as `status.nodeInfo`; its STATUS is
/// not turned into conditions (a table row has no reason, message or time). OS-IMAGE holds spaces,
/// so the columns are taken from both ends of the row.
fn node_wide_table(lines: &[Line]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let w: Vec<&str> = lines[i].text.split_whitespace().collect();
        i += 1;
        if lines[i - 1].cmd
            || w.first() != Some(&"NAME")
            || !w.ends_with(&["KERNEL-VERSION", "CONTAINER-RUNTIME"])
        {
            continue;
        }
        while let Some(r) = lines.get(i).filter(|r| !r.blank()) {
            let w: Vec<&str> = r.text.split_whitespace().collect();
            i += 1;
            let n = w.len();
            if n < 8 || !node_table::node_name(w[0]) || !w[n - 1].contains("://") {
                continue;
            }
            let mut info = json!({"kernelVersion": w[n - 2], "containerRuntimeVersion": w[n - 1]});
            // VERSION is the 4th or 5th column (kubectl before 1.8 printed no ROLES)
            if let Some(v) = w[2..5].iter().find(|v| node_table::kubelet_version(v)) {
                info["kubeletVersion"] = json!(v);
            }
            out.push(node_table::table_node(w[0], Some(info)));
        }
    }
    out
}

/// A namespace table's header with a LABELS column: NAME first, STATUS, LABELS, and none of the
/// columns of the other kinds whose STATUS can also say Terminating (pods, PVCs, PVs).
fn labels_header(line: &str) -> bool {
    const OTHER: &[&str] = &[
        "READY",
        "RESTARTS",
        "IP",
        "NODE",
        "VOLUME",
        "CAPACITY",
        "CLAIM",
        "STORAGECLASS",
        "ACCESS",
        "MODES",
        "RECLAIM",
        "TYPE",
        "ROLES",
        "VERSION",
    ];
    let w: Vec<&str> = line.split_whitespace().collect();
    w.first() == Some(&"NAME")
        && w.contains(&"STATUS")
        && w.contains(&"LABELS")
        && !w.iter().any(|c| OTHER.contains(c))
}

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::super::clean;
    use kdiag_bundle::paths;

    use super::super::derived_items as items;

    /// Objects pasted indented (under a Markdown list item) or as items of a list, each read at
    /// its own column; prose at the left margin ends the object.
    #[test]
    fn indented_objects_and_list_items() {
        let t = "1. the pod:\n\n    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: web\n    spec:\n      hostNetwork: true\nand then it failed\n";
        let p = items(t, paths::PODS);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0]["spec"]["hostNetwork"], true);
        let t = "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: b\n";
        let names: Vec<_> = items(t, paths::PODS)
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    /// cgroup-driver-mismatch__kubernetes-website-8777.txt (dev): ` kind: KubeletConfiguration`
    /// slipped one column right above `apiVersion:`; the document keeps its kind.
    #[test]
    fn first_key_slipped_right_from_website_8777() {
        let t = crate::input::corpus_snippet("cgroup-driver-mismatch__kubernetes-website-8777.txt");
        let docs = super::documents(&clean(&t));
        assert_eq!(docs[0]["kind"], "KubeletConfiguration", "{docs:?}");
        assert_eq!(docs[0]["cgroupDriver"], "systemd");
    }

    /// resource-stuck-terminating__kubernetes-kubernetes-64002.txt (dev): a namespace pasted
    /// outside a code block (Markdown took the backslashes of its JSON-in-a-string annotations)
    /// and cut off inside `labels`.
    #[test]
    fn json_without_backslashes_and_cut_short_from_k8s_64002() {
        let t = crate::input::corpus_snippet(
            "resource-stuck-terminating__kubernetes-kubernetes-64002.txt",
        );
        let ns = items(&t, paths::NAMESPACES);
        assert_eq!(ns.len(), 1, "{ns:?}");
        let m = &ns[0]["metadata"];
        assert_eq!(m["deletionTimestamp"], "2021-01-11T08:41:43Z");
        assert_eq!(m["finalizers"][0], "controller.cattle.io/namespace-auth");
        assert!(m["annotations"]["objectset.rio.cattle.io/applied"]
            .as_str()
            .is_some_and(|a| a.contains("\"fleet-system\"")));
        // an array or a scalar is no object; text that stays broken is dropped
        assert!(super::mended_json("[1, 2").is_none());
        assert!(super::mended_json("{\"a\": }").is_none());
    }

    /// A workload manifest pasted without its pods gives the pod of its template (owned by it,
    /// no status); pasted pods win over templates.
    #[test]
    fn workload_template_pods() {
        let t = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: backup\n  namespace: ops\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostNetwork: true\n          containers:\n          - name: b\n            image: busybox\n";
        let p = items(t, paths::PODS);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0]["metadata"]["name"], "backup-template");
        assert_eq!(p[0]["metadata"]["namespace"], "ops");
        assert_eq!(p[0]["metadata"]["ownerReferences"][0]["kind"], "CronJob");
        assert_eq!(p[0]["spec"]["hostNetwork"], true);
        assert!(p[0].get("status").is_none());
        let both = format!("{t}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: backup-1\nspec:\n  containers: []\n");
        let p = items(&both, paths::PODS);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0]["metadata"]["name"], "backup-1");
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

    #[test]
    fn node_wide_rows() {
        let t = "$ kubectl get nodes -o wide\nNAME    STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                KERNEL-VERSION          CONTAINER-RUNTIME\nnode1   Ready    <none>   10d   v1.15.3   10.0.0.1      <none>        CentOS Linux 7 (Core)   3.10.0-957.el7.x86_64   docker://18.9.7\n";
        let n = items(t, paths::NODES);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0]["metadata"]["name"], "node1");
        assert_eq!(
            n[0]["status"]["nodeInfo"]["kernelVersion"],
            "3.10.0-957.el7.x86_64"
        );
        assert_eq!(
            n[0]["status"]["nodeInfo"]["containerRuntimeVersion"],
            "docker://18.9.7"
        );
        assert_eq!(n[0]["status"]["nodeInfo"]["kubeletVersion"], "v1.15.3");
        assert!(n[0]["status"].get("conditions").is_none());
        // an EKS node: its name a DNS subdomain with dots, as the narrow table reader allows
        let t = "NAME                          STATUS   ROLES    AGE   VERSION              INTERNAL-IP   EXTERNAL-IP   OS-IMAGE         KERNEL-VERSION                  CONTAINER-RUNTIME\nip-10-0-1-23.ec2.internal     Ready    <none>   3d    v1.18.9-eks-d1db3c   10.0.1.23     <none>        Amazon Linux 2   4.14.203-156.332.amzn2.x86_64   docker://19.3.6\n";
        let n = items(t, paths::NODES);
        assert_eq!(n[0]["metadata"]["name"], "ip-10-0-1-23.ec2.internal");
        assert_eq!(
            n[0]["status"]["nodeInfo"]["kubeletVersion"],
            "v1.18.9-eks-d1db3c"
        );
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

    /// neg-resource-stuck-terminating__hyperhq-hypernetes-32.txt (dev): a LABELS column and an
    /// empty NETWORK cell; kubectl get pods --show-labels is no namespace table.
    #[test]
    fn namespace_tables_with_labels() {
        let t = "``` sh\n# kubectl get ns\nNAME          LABELS    TENANT    NETWORK   STATUS    AGE\ndefault       <none>    default             Active    8h\nkube-system   <none>    default             Active    7h\nns1           <none>    default   net1      Active    15s\n```\n";
        let n = items(t, paths::NAMESPACES);
        let names: Vec<&str> = n
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["default", "kube-system", "ns1"]);
        assert!(n.iter().all(|o| o["status"]["phase"] == "Active"));
        let pods = "NAME      READY   STATUS        RESTARTS   AGE   LABELS\nweb-0     0/1     Terminating   0          3d    app=web\n";
        assert!(items(pods, paths::NAMESPACES).is_empty());
    }
}
