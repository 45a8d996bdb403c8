//! Cluster facts: the Kubernetes objects of cluster/*.json (nodes, pods, events, namespaces, PVCs, daemonsets).

use super::*;
use kdiag_bundle::k8s;

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// `lastTransitionTime`.
    pub last_transition: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClusterNode {
    pub name: String,
    /// Status of the Ready condition: `True`, `False`, `Unknown` (absent when there is none).
    pub ready: Option<String>,
    pub conditions: Vec<Condition>,
    pub kubelet_version: Option<String>,
    pub capacity_pods: Option<u64>,
    pub allocatable_pods: Option<u64>,
    /// Non-terminated pods bound to this node (needs pods.json).
    pub pods_on_node: Option<u64>,
    pub unschedulable: bool,
    pub pod_cidr: Option<String>,
    pub internal_ip: Option<String>,
    /// status.nodeInfo: `osImage`, `kernelVersion`, `containerRuntimeVersion` (`docker://18.9.9`).
    pub os_image: Option<String>,
    pub kernel_version: Option<String>,
    pub container_runtime_version: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Event {
    pub namespace: String,
    /// `Pod/name`
    pub object: String,
    pub object_kind: Option<String>,
    pub object_name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub count: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Namespace {
    pub name: String,
    pub phase: Option<String>,
    pub deletion_timestamp: Option<String>,
    pub deletion_age_s: Option<i64>,
    /// Without a collection time: seconds from deletion_timestamp to the newest time the
    /// cluster's objects record (facts.node.newest_unix), a lower bound of the deletion's age.
    pub deletion_age_at_least_s: Option<i64>,
    /// `spec.finalizers` (`kubernetes`), then those of `metadata.finalizers` not already there.
    pub finalizers: Vec<String>,
    pub conditions: Vec<Condition>,
    /// The namespace controller's own conditions say the deletion cannot finish by itself:
    /// `NamespaceDeletionDiscoveryFailure`, `NamespaceDeletionGroupVersionParsingFailure`,
    /// `NamespaceDeletionContentFailure` or `NamespaceFinalizersRemaining` is `True`, or
    /// `NamespaceContentRemaining` is `True` naming more than pods (pods in their grace period
    /// are a deletion going its normal way).
    pub deletion_blocked: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Pvc {
    pub namespace: String,
    pub name: String,
    pub phase: Option<String>,
    pub storage_class: Option<String>,
    pub volume_name: Option<String>,
    pub requested: Option<String>,
    pub deletion_timestamp: Option<String>,
    pub deletion_age_s: Option<i64>,
    /// Without a collection time: seconds from deletion_timestamp to the newest time the
    /// cluster's objects record (facts.node.newest_unix), a lower bound of the deletion's age.
    pub deletion_age_at_least_s: Option<i64>,
    pub finalizers: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DaemonSet {
    pub namespace: String,
    pub name: String,
    pub desired: Option<u64>,
    pub current: Option<u64>,
    pub ready: Option<u64>,
    pub available: Option<u64>,
    pub host_network: bool,
    pub host_ports: Vec<Port>,
    pub node_selector: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cluster {
    pub server_version: Option<String>,
    pub client_version: Option<String>,
    pub nodes: Option<Vec<ClusterNode>>,
    pub pods: Option<Vec<Pod>>,
    /// Pods read from a pasted `kubectl describe pod`: kept apart from `pods`, which is the
    /// cluster's pod list (a describe shows one pod and leaves the others out).
    pub described_pods: Option<Vec<Pod>>,
    pub events: Option<Vec<Event>>,
    pub namespaces: Option<Vec<Namespace>>,
    pub pvcs: Option<Vec<Pvc>>,
    pub daemonsets: Option<Vec<DaemonSet>>,
    /// Item counts of the other lists (deployments, services, ...), when collected.
    pub counts: BTreeMap<String, usize>,
    /// Bundle path -> why there is no list (kubectl's error text, invalid JSON).
    pub not_collected: BTreeMap<String, String>,
}

// ---- cluster/ ----

pub(super) fn s(v: &Value, ptr: &str) -> Option<String> {
    v.pointer(ptr).and_then(|x| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

pub(super) fn u(v: &Value, ptr: &str) -> Option<u64> {
    v.pointer(ptr).and_then(|x| match x {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

pub(super) fn arr<'v>(v: &'v Value, ptr: &str) -> &'v [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn conditions(cs: &[k8s::Condition]) -> Vec<Condition> {
    cs.iter()
        .map(|c| Condition {
            kind: c.type_.clone().unwrap_or_default(),
            status: c.status.clone().unwrap_or_default(),
            reason: c.reason.clone(),
            message: c.message.clone(),
            last_transition: c.last_transition_time.clone(),
        })
        .collect()
}

/// One of the namespace controller's conditions (pkg/controller/namespace/deletion,
/// status_condition_utils.go) that keeps a namespace's deletion from finishing: a discovery, group
/// version or delete failure, finalizers left on its content, or content other than pods left
/// ("Some resources are remaining: pods. has 2 resource instances" is pods still stopping).
fn blocks_deletion(c: &Condition) -> bool {
    if c.status != "True" {
        return false;
    }
    match c.kind.as_str() {
        "NamespaceDeletionDiscoveryFailure"
        | "NamespaceDeletionGroupVersionParsingFailure"
        | "NamespaceDeletionContentFailure"
        | "NamespaceFinalizersRemaining" => true,
        "NamespaceContentRemaining" => {
            let m = c.message.as_deref().unwrap_or_default();
            let list = m.split_once(':').map_or(m, |(_, l)| l);
            // "pods. has 2 resource instances, kafkatopics.kafka.strimzi.io has 1 ..."; no list
            // at all (a describe that cut the message) counts as content left.
            let mut named = list.split(',').map(str::trim).filter(|s| !s.is_empty());
            !named.all(|r| r.starts_with("pods. ") || r.starts_with("pods ")) || m.trim().is_empty()
        }
        _ => false,
    }
}

/// The items of a list typed as `T`, each on its own: an item of an unexpected shape costs only
/// itself (a parse error naming it), never the list.
fn typed<T: serde::de::DeserializeOwned>(cx: &mut Cx, path: &str, items: &[Value]) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        match T::deserialize(v) {
            Ok(t) => out.push(t),
            Err(e) => {
                let name = s(v, "/metadata/name").unwrap_or_else(|| format!("item {i}"));
                cx.error(
                    path,
                    format!("{name}: left out, not a Kubernetes object kdiag can read ({e})"),
                );
            }
        }
    }
    out
}

pub(super) fn age(reference: Option<i64>, ts: &Option<String>) -> Option<i64> {
    Some(reference? - time::parse_rfc3339(ts.as_deref()?)?)
}

pub(super) fn cluster(cx: &mut Cx) -> Option<Cluster> {
    let mut c = Cluster::default();
    let mut any = false;
    if let Some(t) = cx.text(p::CLUSTER_VERSION) {
        let (client, server) = kubectl::version(&t);
        if client.is_none() && server.is_none() {
            c.not_collected.insert(
                p::CLUSTER_VERSION.into(),
                t.lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .chars()
                    .take(300)
                    .collect(),
            );
        }
        c.client_version = client;
        c.server_version = server;
        any = true;
    }
    let mut lists: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for (path, _, _) in p::KUBECTL_LISTS {
        let Some(t) = cx.text(path) else { continue };
        any = true;
        match kubectl::json_list(&t) {
            Ok(items) => {
                lists.insert(path, items);
            }
            Err(why) => {
                c.not_collected.insert(path.to_string(), why);
            }
        }
    }
    if !any {
        return None;
    }
    let (r, floor) = (cx.reference, cx.floor);
    // a pasted `kubectl describe pod` shows one pod, not the cluster's pods: rules that read
    // the pod list as the whole list do not see it
    if let Some(items) = lists.get(p::PODS) {
        let (described, listed): (Vec<_>, Vec<_>) = typed::<k8s::Pod>(cx, p::PODS, items)
            .into_iter()
            .partition(super::pod::is_described);
        let described: Vec<Pod> = described.iter().map(|v| pod(v, r, floor)).collect();
        c.pods = (!listed.is_empty() || described.is_empty())
            .then(|| listed.iter().map(|v| pod(v, r, floor)).collect());
        c.described_pods = (!described.is_empty()).then_some(described);
    }
    c.nodes = lists.get(p::NODES).map(|items| {
        typed::<k8s::Node>(cx, p::NODES, items)
            .into_iter()
            .map(|v| {
                let name = v.metadata.name.clone().unwrap_or_default();
                let conds = conditions(&v.status.conditions);
                let pods_on_node = c.pods.as_ref().map(|pods| {
                    pods.iter()
                        .filter(|p| p.node.as_deref() == Some(name.as_str()))
                        .filter(|p| {
                            !matches!(p.phase.as_deref(), Some("Succeeded") | Some("Failed"))
                        })
                        .count() as u64
                });
                let info = &v.status.node_info;
                ClusterNode {
                    ready: conds
                        .iter()
                        .find(|c| c.kind == "Ready")
                        .map(|c| c.status.clone()),
                    conditions: conds,
                    kubelet_version: info.kubelet_version.clone(),
                    capacity_pods: v.status.capacity.get("pods").and_then(|n| n.parse().ok()),
                    allocatable_pods: v
                        .status
                        .allocatable
                        .get("pods")
                        .and_then(|n| n.parse().ok()),
                    pods_on_node,
                    unschedulable: v.spec.unschedulable.unwrap_or(false),
                    pod_cidr: v.spec.pod_cidr.clone(),
                    os_image: info.os_image.clone(),
                    kernel_version: info.kernel_version.clone(),
                    container_runtime_version: info.container_runtime_version.clone(),
                    internal_ip: v
                        .status
                        .addresses
                        .iter()
                        .find(|a| a.type_.as_deref() == Some("InternalIP"))
                        .and_then(|a| a.address.clone()),
                    name,
                }
            })
            .collect()
    });
    c.events = lists.get(p::EVENTS).map(|items| {
        typed::<k8s::Event>(cx, p::EVENTS, items)
            .iter()
            .map(event)
            .collect()
    });
    c.namespaces = lists.get(p::NAMESPACES).map(|items| {
        typed::<k8s::Namespace>(cx, p::NAMESPACES, items)
            .into_iter()
            .map(|v| {
                let del = v.metadata.deletion_timestamp.clone();
                let conds = conditions(&v.status.conditions);
                let mut finalizers = v.spec.finalizers.clone();
                for f in &v.metadata.finalizers {
                    if !finalizers.contains(f) {
                        finalizers.push(f.clone());
                    }
                }
                Namespace {
                    name: v.metadata.name.clone().unwrap_or_default(),
                    phase: v.status.phase.clone(),
                    deletion_age_s: age(r, &del),
                    deletion_age_at_least_s: age(floor, &del),
                    deletion_timestamp: del,
                    finalizers,
                    deletion_blocked: conds.iter().any(blocks_deletion),
                    conditions: conds,
                }
            })
            .collect()
    });
    c.pvcs = lists.get(p::PVCS).map(|items| {
        typed::<k8s::PersistentVolumeClaim>(cx, p::PVCS, items)
            .into_iter()
            .map(|v| {
                let del = v.metadata.deletion_timestamp.clone();
                Pvc {
                    namespace: v.metadata.namespace.clone().unwrap_or_default(),
                    name: v.metadata.name.clone().unwrap_or_default(),
                    phase: v.status.phase.clone(),
                    storage_class: v.spec.storage_class_name.clone(),
                    volume_name: v.spec.volume_name.clone(),
                    requested: v.spec.resources.requests.get("storage").cloned(),
                    deletion_age_s: age(r, &del),
                    deletion_age_at_least_s: age(floor, &del),
                    deletion_timestamp: del,
                    finalizers: v.metadata.finalizers.clone(),
                }
            })
            .collect()
    });
    c.daemonsets = lists.get(p::DAEMONSETS).map(|items| {
        items
            .iter()
            .map(|v| DaemonSet {
                namespace: s(v, "/metadata/namespace").unwrap_or_default(),
                name: s(v, "/metadata/name").unwrap_or_default(),
                desired: u(v, "/status/desiredNumberScheduled"),
                current: u(v, "/status/currentNumberScheduled"),
                ready: u(v, "/status/numberReady"),
                available: u(v, "/status/numberAvailable"),
                host_network: v
                    .pointer("/spec/template/spec/hostNetwork")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                host_ports: arr(v, "/spec/template/spec/containers")
                    .iter()
                    .flat_map(ports)
                    .filter(|p| p.host_port.is_some())
                    .collect(),
                node_selector: v
                    .pointer("/spec/template/spec/nodeSelector")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    });
    for (path, items) in &lists {
        if ![
            p::PODS,
            p::NODES,
            p::EVENTS,
            p::NAMESPACES,
            p::PVCS,
            p::DAEMONSETS,
        ]
        .contains(path)
        {
            let name = path
                .trim_start_matches("cluster/")
                .trim_end_matches(".json");
            c.counts.insert(name.to_string(), items.len());
        }
    }
    Some(c)
}

pub(super) fn event(v: &k8s::Event) -> Event {
    let (io, re) = (&v.involved_object, &v.regarding);
    let kind = io.kind.clone().or_else(|| re.kind.clone());
    let name = io.name.clone().or_else(|| re.name.clone());
    Event {
        namespace: v
            .metadata
            .namespace
            .clone()
            .or_else(|| io.namespace.clone())
            .unwrap_or_default(),
        object: format!(
            "{}/{}",
            kind.clone().unwrap_or_default(),
            name.clone().unwrap_or_default()
        ),
        object_kind: kind,
        object_name: name,
        kind: v.type_.clone(),
        reason: v.reason.clone(),
        message: v.message.clone().or_else(|| v.note.clone()),
        count: v.count.or(v.series.count).unwrap_or(1),
        first: v.first_timestamp.clone().or_else(|| v.event_time.clone()),
        last: v
            .last_timestamp
            .clone()
            .or_else(|| v.series.last_observed_time.clone())
            .or_else(|| v.event_time.clone()),
        source: v
            .source
            .component
            .clone()
            .map(|c| match &v.source.host {
                Some(h) => format!("{c}, {h}"),
                None => c,
            })
            .or_else(|| v.reporting_component.clone())
            .filter(|x| !x.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_objects_and_an_unreadable_item_costs_only_itself() {
        let mut node = Node::default();
        let pods = r#"{"kind":"List","items":[
          {"metadata":{"name":"bad","namespace":"a"},"status":{"containerStatuses":[{"name":"c","restartCount":"many"}]}},
          {"metadata":{"name":"web","namespace":"a","ownerReferences":[{"kind":"ReplicaSet","name":"web-1"}]},
           "spec":{"nodeName":"n1","containers":[{"name":"app","resources":{"limits":{"memory":"256Mi"}}}],
                   "initContainers":[{"name":"init","resources":{"limits":{"memory":"64Mi"}}}]},
           "status":{"phase":"Running",
             "initContainerStatuses":[{"name":"init","restartCount":0,"state":{"terminated":{"reason":"OOMKilled","exitCode":137}}}],
             "containerStatuses":[{"name":"app","restartCount":4,"state":{"running":{"startedAt":"2026-11-22T08:00:00Z"}},
               "lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}}]}"#;
        node.files.insert(p::PODS.into(), pods.as_bytes().to_vec());
        let f = Facts::from_node(&node);
        let pods = f.cluster.unwrap().pods.unwrap();
        assert_eq!(
            pods.len(),
            1,
            "the unreadable pod is left out, the other kept"
        );
        assert!(f
            .parse_errors
            .iter()
            .any(|e| e.starts_with("cluster/pods.json: bad: left out")));
        let p = &pods[0];
        assert_eq!(p.owner.as_deref(), Some("ReplicaSet/web-1"));
        assert_eq!(
            p.statuses[1].started_at.as_deref(),
            Some("2026-11-22T08:00:00Z")
        );
        let oom: Vec<_> = p
            .oom_killed
            .iter()
            .map(|o| (o.container.as_str(), o.current, o.memory_limit.as_deref()))
            .collect();
        assert_eq!(
            oom,
            [("init", true, Some("64Mi")), ("app", false, Some("256Mi"))]
        );
        assert_eq!(
            p.containers.len(),
            1,
            "containers are the spec's, init ones apart"
        );
    }

    #[test]
    fn a_namespace_deletion_is_blocked_by_the_controllers_failure_conditions() {
        let mut node = Node::default();
        // condition types and messages of pkg/controller/namespace/deletion/status_condition_utils.go
        let cond = |t: &str, s: &str, m: &str| {
            format!(r#"{{"type":"{t}","status":"{s}","message":"{m}"}}"#)
        };
        let ns = |name: &str, conds: &[String], meta_fin: &str| {
            format!(
                r#"{{"metadata":{{"name":"{name}","deletionTimestamp":"2021-01-11T08:41:43Z","finalizers":[{meta_fin}]}},
                    "spec":{{"finalizers":["kubernetes"]}},"status":{{"phase":"Terminating","conditions":[{}]}}}}"#,
                conds.join(",")
            )
        };
        let items = [
            ns(
                "disc",
                &[cond("NamespaceDeletionDiscoveryFailure", "True", "Discovery failed for some groups, 1 failing: x")],
                "",
            ),
            ns(
                "fin",
                &[cond("NamespaceFinalizersRemaining", "True", "Some content in the namespace has finalizers remaining: a.io/f in 1 resource instances")],
                "",
            ),
            ns(
                "crd",
                &[cond("NamespaceContentRemaining", "True", "Some resources are remaining: pods. has 1 resource instances, widgets.example.io has 1 resource instances")],
                "",
            ),
            ns(
                "pods",
                &[cond("NamespaceContentRemaining", "True", "Some resources are remaining: pods. has 2 resource instances")],
                "",
            ),
            ns(
                "done",
                &[
                    cond("NamespaceDeletionDiscoveryFailure", "False", "All resources successfully discovered"),
                    cond("NamespaceContentRemaining", "False", "All content successfully removed"),
                ],
                r#""controller.cattle.io/namespace-auth""#,
            ),
        ];
        let list = format!(r#"{{"kind":"List","items":[{}]}}"#, items.join(","));
        node.files.insert(p::NAMESPACES.into(), list.into_bytes());
        let f = Facts::from_node(&node);
        let nss = f.cluster.unwrap().namespaces.unwrap();
        let blocked: Vec<_> = nss
            .iter()
            .map(|n| (n.name.as_str(), n.deletion_blocked))
            .collect();
        assert_eq!(
            blocked,
            [
                ("disc", true),
                ("fin", true),
                ("crd", true),
                ("pods", false),
                ("done", false)
            ]
        );
        assert_eq!(
            nss[4].finalizers,
            ["kubernetes", "controller.cattle.io/namespace-auth"],
            "spec finalizers, then metadata ones"
        );
    }
}
