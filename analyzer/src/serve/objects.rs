//! The objects `analyze serve` answers with: the bundle's cluster/*.json lists, loaded once, and
//! its pod logs. With several bundles of one case, each kind comes from the newest bundle that
//! has it (by the manifest's `collected_at`), and pod logs from every bundle.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kdiag_bundle::{paths as p, Status};
use serde_json::Value;

use crate::input::{read_input, Limits};
use crate::parse::kubectl::json_list;
use crate::texts::node::Node;
use crate::units::time::parse_rfc3339;

/// One kind served: its REST resource and where the bundle keeps its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The REST resource (`pods`).
    pub resource: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    /// API group, `""` for the core group; the version is always v1.
    pub group: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// In the `all` category (`kubectl get all`).
    pub in_all: bool,
    /// The bundle file holding the list.
    pub file: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn kind(
    resource: &'static str,
    singular: &'static str,
    kind: &'static str,
    group: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    in_all: bool,
    file: &'static str,
) -> Kind {
    Kind {
        resource,
        singular,
        kind,
        group,
        namespaced,
        short_names,
        in_all,
        file,
    }
}

/// Every kind the bundle format holds. Secrets are never collected, so never served.
pub const KINDS: &[Kind] = &[
    kind("pods", "pod", "Pod", "", true, &["po"], true, p::PODS),
    kind("nodes", "node", "Node", "", false, &["no"], false, p::NODES),
    kind(
        "namespaces",
        "namespace",
        "Namespace",
        "",
        false,
        &["ns"],
        false,
        p::NAMESPACES,
    ),
    kind(
        "events",
        "event",
        "Event",
        "",
        true,
        &["ev"],
        false,
        p::EVENTS,
    ),
    kind(
        "services",
        "service",
        "Service",
        "",
        true,
        &["svc"],
        true,
        p::SERVICES,
    ),
    kind(
        "endpoints",
        "endpoints",
        "Endpoints",
        "",
        true,
        &["ep"],
        false,
        p::ENDPOINTS,
    ),
    kind(
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        "",
        false,
        &["pv"],
        false,
        p::PVS,
    ),
    kind(
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        "",
        true,
        &["pvc"],
        false,
        p::PVCS,
    ),
    kind(
        "configmaps",
        "configmap",
        "ConfigMap",
        "",
        true,
        &["cm"],
        false,
        p::CONFIGMAPS_KUBE_SYSTEM,
    ),
    kind(
        "deployments",
        "deployment",
        "Deployment",
        "apps",
        true,
        &["deploy"],
        true,
        p::DEPLOYMENTS,
    ),
    kind(
        "daemonsets",
        "daemonset",
        "DaemonSet",
        "apps",
        true,
        &["ds"],
        true,
        p::DAEMONSETS,
    ),
    kind(
        "statefulsets",
        "statefulset",
        "StatefulSet",
        "apps",
        true,
        &["sts"],
        true,
        p::STATEFULSETS,
    ),
    kind(
        "replicasets",
        "replicaset",
        "ReplicaSet",
        "apps",
        true,
        &["rs"],
        true,
        p::REPLICASETS,
    ),
    kind(
        "storageclasses",
        "storageclass",
        "StorageClass",
        "storage.k8s.io",
        false,
        &["sc"],
        false,
        p::STORAGECLASSES,
    ),
];

impl Kind {
    /// `v1` or `apps/v1`.
    pub fn group_version(&self) -> String {
        if self.group.is_empty() {
            "v1".to_string()
        } else {
            format!("{}/v1", self.group)
        }
    }
}

/// The kind served under `group` as `resource`.
pub fn find_kind(group: &str, resource: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.group == group && k.resource == resource)
}

/// What was loaded from the bundles.
#[derive(Debug, Default)]
pub struct Store {
    /// resource -> its objects, only for kinds some bundle has.
    pub objects: BTreeMap<&'static str, Vec<Value>>,
    /// `serverVersion` of cluster/version.json.
    pub version: Option<Value>,
    /// `collected_at` of the newest bundle that gave objects (RFC 3339) and as unix seconds.
    pub collected_at: Option<String>,
    pub collected_unix: Option<i64>,
    /// Per kind that could not be served, why (the manifest item's status and stderr).
    pub not_collected: BTreeMap<&'static str, String>,
    /// `NS/POD/CONTAINER.log` or `.previous.log` -> the log.
    logs: BTreeMap<String, Vec<u8>>,
    /// The same keys -> why the log is not in any bundle (a manifest item that is not ok).
    log_missing: BTreeMap<String, String>,
    /// Problems met while reading, printed at start.
    pub warnings: Vec<String>,
}

fn log_key(ns: &str, pod: &str, container: &str, previous: bool) -> String {
    let suffix = if previous { ".previous.log" } else { ".log" };
    format!("{ns}/{pod}/{container}{suffix}")
}

fn why_not(status: Status, stderr: &str) -> String {
    let stderr = stderr.trim();
    if stderr.is_empty() {
        format!("not collected ({})", status.as_str())
    } else {
        format!("not collected ({}): {stderr}", status.as_str())
    }
}

/// Removes what a read-only viewer must not hand out: a ConfigMap's data.
fn scrub(resource: &str, mut obj: Value) -> Value {
    if resource == "configmaps" {
        if let Some(m) = obj.as_object_mut() {
            m.remove("data");
            m.remove("binaryData");
        }
    }
    obj
}

impl Store {
    /// Reads every PATH; an unreadable one is a warning, none readable an error.
    pub fn load(paths: &[PathBuf]) -> Result<Store, String> {
        let mut nodes = Vec::new();
        let mut store = Store::default();
        for path in paths {
            match read_input(path, &Limits::default()) {
                Ok(n) => nodes.push(n),
                Err(e) => store.warnings.push(e.to_string()),
            }
        }
        if nodes.is_empty() {
            return Err(format!(
                "no bundle could be read: {}",
                store.warnings.join("; ")
            ));
        }
        // newest first; a bundle without a manifest counts as the oldest
        let when = |n: &Node| {
            n.manifest
                .as_ref()
                .and_then(|m| parse_rfc3339(&m.collected_at))
        };
        nodes.sort_by_key(|n| std::cmp::Reverse(when(n)));
        store.take_objects(&nodes);
        // logs: the newest bundle's copy wins; node/pods/ copies fill in
        for n in nodes.iter().rev() {
            store.take_logs(n);
        }
        Ok(store)
    }

    fn take_objects(&mut self, nodes: &[Node]) {
        let mut newest_used: Option<(i64, String)> = None;
        for k in KINDS {
            let mut why = None;
            for n in nodes {
                let Some(bytes) = n.files.get(k.file) else {
                    if let Some(item) = n.manifest.as_ref().and_then(|m| m.item(k.file)) {
                        why.get_or_insert_with(|| why_not(item.status, &item.stderr));
                    }
                    continue;
                };
                match json_list(&String::from_utf8_lossy(bytes)) {
                    Ok(items) => {
                        let items = items
                            .into_iter()
                            .map(|o| with_type(k, scrub(k.resource, o)))
                            .collect();
                        self.objects.insert(k.resource, items);
                        note(&mut newest_used, n);
                        why = None;
                        break;
                    }
                    Err(e) => {
                        why.get_or_insert_with(|| format!("{}: {e}", k.file));
                    }
                }
            }
            if let Some(w) = why {
                self.not_collected.insert(k.resource, w);
            }
        }
        for n in nodes {
            let Some(bytes) = n.files.get(p::CLUSTER_VERSION) else {
                continue;
            };
            if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
                if let Some(s) = v.get("serverVersion") {
                    self.version = Some(s.clone());
                    note(&mut newest_used, n);
                    break;
                }
            }
        }
        if newest_used.is_none() {
            // no objects: the newest bundle's time still dates the logs
            if let Some(n) = nodes.first() {
                note(&mut newest_used, n);
            }
        }
        if let Some((t, s)) = newest_used {
            self.collected_unix = Some(t);
            self.collected_at = Some(s);
        }
    }

    fn take_logs(&mut self, n: &Node) {
        let cluster = format!("{}/", p::CLUSTER_LOGS_DIR);
        let node_pods = format!("{}/", p::NODE_PODS_DIR);
        for (path, bytes) in &n.files {
            if let Some(rest) = path.strip_prefix(&cluster) {
                // NS/POD/CONTAINER.log, CONTAINER.previous.log
                if rest.split('/').count() == 3 && rest.ends_with(".log") {
                    self.logs.insert(rest.to_string(), bytes.clone());
                }
            } else if let Some(rest) = path.strip_prefix(&node_pods) {
                // NS_POD/CONTAINER.log: a namespace has no `_`, so the first one splits
                let Some((dir, file)) = rest.split_once('/') else {
                    continue;
                };
                let Some((ns, pod)) = dir.split_once('_') else {
                    continue;
                };
                let Some(container) = file.strip_suffix(".log") else {
                    continue;
                };
                if container.contains('/') || container.ends_with(".previous") {
                    continue;
                }
                let key = log_key(ns, pod, container, false);
                self.logs.entry(key).or_insert_with(|| bytes.clone());
            }
        }
        if let Some(m) = &n.manifest {
            for item in &m.items {
                let Some(rest) = item.path.strip_prefix(&cluster) else {
                    continue;
                };
                if item.status != Status::Ok {
                    self.log_missing
                        .insert(rest.to_string(), why_not(item.status, &item.stderr));
                }
            }
        }
    }

    /// The objects of a kind, or `None` when no bundle has the kind.
    pub fn list(&self, k: &Kind) -> Option<&[Value]> {
        self.objects.get(k.resource).map(Vec::as_slice)
    }

    /// One object by namespace (`None` for cluster-scoped kinds) and name.
    pub fn get(&self, k: &Kind, ns: Option<&str>, name: &str) -> Option<&Value> {
        self.list(k)?.iter().find(|o| {
            o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
                && (ns.is_none() || namespace(o) == ns)
        })
    }

    /// A container's log, or why the bundle has none.
    pub fn log(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
    ) -> Result<&[u8], String> {
        let key = log_key(ns, pod, container, previous);
        if let Some(l) = self.logs.get(&key) {
            return Ok(l);
        }
        let which = if previous { "previous log" } else { "log" };
        let head =
            format!("the bundle has no {which} of container {container:?} of pod {ns}/{pod}");
        if let Some(why) = self.log_missing.get(&key) {
            return Err(format!("{head}: {why}"));
        }
        Err(format!(
            "{head}: kdiag collects `kubectl logs` (and --previous) only for pods that are not Ready or have restarted, and kube-system container logs from the node (analyze serve)"
        ))
    }
}

/// Keeps the newest `collected_at` of the bundles objects came from.
fn note(newest: &mut Option<(i64, String)>, n: &Node) {
    let Some(m) = &n.manifest else { return };
    if let Some(t) = parse_rfc3339(&m.collected_at) {
        if newest.as_ref().is_none_or(|(u, _)| t > *u) {
            *newest = Some((t, m.collected_at.clone()));
        }
    }
}

/// An object's namespace.
pub fn namespace(o: &Value) -> Option<&str> {
    o.pointer("/metadata/namespace").and_then(Value::as_str)
}

/// Items of a `kubectl get -o json` list carry kind and apiVersion; a hand-made one may not.
fn with_type(k: &Kind, mut o: Value) -> Value {
    if let Some(m) = o.as_object_mut() {
        m.entry("kind")
            .or_insert_with(|| Value::String(k.kind.to_string()));
        m.entry("apiVersion")
            .or_insert_with(|| Value::String(k.group_version()));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configmaps_lose_their_data() {
        let cm = json!({"metadata": {"name": "c"}, "data": {"k": "v"}, "binaryData": {}});
        let out = scrub("configmaps", cm);
        assert!(out.get("data").is_none() && out.get("binaryData").is_none());
        let pod = scrub("pods", json!({"data": 1}));
        assert!(pod.get("data").is_some());
    }

    #[test]
    fn every_kind_is_unique() {
        for (i, a) in KINDS.iter().enumerate() {
            for b in &KINDS[i + 1..] {
                assert_ne!(a.resource, b.resource);
                assert_ne!(a.file, b.file);
            }
        }
        assert_eq!(find_kind("apps", "deployments").unwrap().kind, "Deployment");
        assert!(find_kind("", "deployments").is_none());
        assert!(find_kind("", "secrets").is_none());
    }

    fn bundle(dir: &std::path::Path, host: &str, at: &str, files: &[(&str, &str)]) -> PathBuf {
        let top = dir.join(format!("kdiag-{host}"));
        let manifest = json!({"format": "kdiag-bundle", "format_version": 1,
            "collector_version": "0.1.0", "hostname": host, "collected_at": at, "since": at,
            "uid": 0, "args": [], "items": []});
        let all = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .chain([("manifest.json".to_string(), manifest.to_string())]);
        for (p, t) in all {
            let path = top.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, t).unwrap();
        }
        top
    }

    fn list(names: &[&str]) -> String {
        let items: Vec<Value> = names
            .iter()
            .map(|n| json!({"metadata": {"name": n, "namespace": "ns"}}))
            .collect();
        json!({"kind": "List", "apiVersion": "v1", "items": items}).to_string()
    }

    #[test]
    fn several_bundles_newest_objects_every_log() {
        let dir = tempfile::tempdir().unwrap();
        let (pods_old, pods_new, nodes) = (list(&["old"]), list(&["new"]), list(&["n1"]));
        let old = bundle(
            dir.path(),
            "node01",
            "2026-11-22T08:30:00Z",
            &[
                (p::PODS, &pods_old),
                (p::NODES, &nodes),
                ("cluster/logs/ns/old/c.log", "old log\n"),
                ("node/pods/kube-system_proxy/kube-proxy.log", "node copy\n"),
            ],
        );
        let new = bundle(
            dir.path(),
            "node02",
            "2026-11-23T09:00:00Z",
            &[(p::PODS, &pods_new)],
        );
        let s = Store::load(&[old, new]).unwrap();
        let pods = find_kind("", "pods").unwrap();
        let names: Vec<&str> = s
            .list(pods)
            .unwrap()
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["new"]);
        assert_eq!(s.list(pods).unwrap()[0]["kind"], "Pod");
        assert!(s.list(find_kind("", "nodes").unwrap()).is_some());
        assert!(s.list(find_kind("apps", "deployments").unwrap()).is_none());
        assert_eq!(s.collected_at.as_deref(), Some("2026-11-23T09:00:00Z"));
        assert_eq!(s.log("ns", "old", "c", false).unwrap(), b"old log\n");
        assert_eq!(
            s.log("kube-system", "proxy", "kube-proxy", false).unwrap(),
            b"node copy\n"
        );
    }

    #[test]
    fn missing_logs_say_why() {
        let mut s = Store::default();
        s.log_missing.insert(
            "ns/p/c.previous.log".into(),
            why_not(
                Status::Failed,
                "previous terminated container \"c\" not found",
            ),
        );
        let e = s.log("ns", "p", "c", true).unwrap_err();
        assert!(
            e.contains("not collected (failed): previous terminated"),
            "{e}"
        );
        let e = s.log("ns", "p", "c", false).unwrap_err();
        assert!(e.contains("not Ready or have restarted"), "{e}");
    }
}
