//! Cluster facts: the Kubernetes objects of cluster/*.json (nodes, pods, events, namespaces, PVCs, daemonsets).

use super::*;

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
pub struct Resources {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Port {
    pub host_port: Option<u64>,
    pub container_port: Option<u64>,
    pub protocol: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub requests: Resources,
    pub limits: Resources,
    pub ports: Vec<Port>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ContainerStatus {
    pub name: String,
    pub ready: bool,
    pub restart_count: u64,
    /// `waiting` | `running` | `terminated`
    pub state: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i64>,
    pub last_state: Option<String>,
    pub last_reason: Option<String>,
    pub last_exit_code: Option<i64>,
    pub image: Option<String>,
    pub init: bool,
    /// `startedAt` of the current state (running, or terminated).
    pub started_at: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Pod {
    pub namespace: String,
    pub name: String,
    pub uid: Option<String>,
    pub node: Option<String>,
    pub phase: Option<String>,
    /// Pod-level `status.reason` (`Evicted`, `NodeLost`, `OutOfcpu`, ...).
    pub reason: Option<String>,
    /// Pod-level `status.message` ("The node was low on resource: ephemeral-storage. ...").
    pub message: Option<String>,
    /// `metadata.creationTimestamp`.
    pub creation_timestamp: Option<String>,
    /// Seconds from creation_timestamp to collected_at.
    pub age_s: Option<i64>,
    /// Status of the Ready condition is `True`.
    pub ready: bool,
    pub host_network: bool,
    pub dns_policy: Option<String>,
    pub deletion_timestamp: Option<String>,
    /// Seconds from deletion_timestamp to collected_at (negative: still in its grace period).
    pub deletion_age_s: Option<i64>,
    pub finalizers: Vec<String>,
    pub image_pull_secrets: Vec<String>,
    pub owner: Option<String>,
    pub qos_class: Option<String>,
    pub conditions: Vec<Condition>,
    pub containers: Vec<Container>,
    pub statuses: Vec<ContainerStatus>,
    /// The containers (init ones too) whose current or last termination was `OOMKilled`.
    pub oom_killed: Vec<OomKill>,
}

/// A container of a pod killed for exceeding its memory limit, from its status.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OomKill {
    pub container: String,
    /// `true`: terminated now (`state`); `false`: its last termination (`lastState`).
    pub current: bool,
    pub exit_code: Option<i64>,
    pub restart_count: u64,
    /// The container's `resources.limits.memory` in the pod spec, as written (`512Mi`).
    pub memory_limit: Option<String>,
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
    pub finalizers: Vec<String>,
    pub conditions: Vec<Condition>,
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

pub(super) fn strs(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn arr<'v>(v: &'v Value, ptr: &str) -> &'v [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn conditions(v: &Value, ptr: &str) -> Vec<Condition> {
    arr(v, ptr)
        .iter()
        .map(|c| Condition {
            kind: s(c, "/type").unwrap_or_default(),
            status: s(c, "/status").unwrap_or_default(),
            reason: s(c, "/reason"),
            message: s(c, "/message"),
            last_transition: s(c, "/lastTransitionTime"),
        })
        .collect()
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
    let r = cx.reference;
    c.pods = lists
        .get(p::PODS)
        .map(|items| items.iter().map(|v| pod(v, r)).collect());
    c.nodes = lists.get(p::NODES).map(|items| {
        items
            .iter()
            .map(|v| {
                let name = s(v, "/metadata/name").unwrap_or_default();
                let conds = conditions(v, "/status/conditions");
                let pods_on_node = c.pods.as_ref().map(|pods| {
                    pods.iter()
                        .filter(|p| p.node.as_deref() == Some(name.as_str()))
                        .filter(|p| {
                            !matches!(p.phase.as_deref(), Some("Succeeded") | Some("Failed"))
                        })
                        .count() as u64
                });
                ClusterNode {
                    ready: conds
                        .iter()
                        .find(|c| c.kind == "Ready")
                        .map(|c| c.status.clone()),
                    conditions: conds,
                    kubelet_version: s(v, "/status/nodeInfo/kubeletVersion"),
                    capacity_pods: u(v, "/status/capacity/pods"),
                    allocatable_pods: u(v, "/status/allocatable/pods"),
                    pods_on_node,
                    unschedulable: v
                        .pointer("/spec/unschedulable")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    pod_cidr: s(v, "/spec/podCIDR"),
                    os_image: s(v, "/status/nodeInfo/osImage"),
                    kernel_version: s(v, "/status/nodeInfo/kernelVersion"),
                    container_runtime_version: s(v, "/status/nodeInfo/containerRuntimeVersion"),
                    internal_ip: arr(v, "/status/addresses")
                        .iter()
                        .find(|a| a.get("type").and_then(Value::as_str) == Some("InternalIP"))
                        .and_then(|a| s(a, "/address")),
                    name,
                }
            })
            .collect()
    });
    c.events = lists
        .get(p::EVENTS)
        .map(|items| items.iter().map(event).collect());
    c.namespaces = lists.get(p::NAMESPACES).map(|items| {
        items
            .iter()
            .map(|v| {
                let del = s(v, "/metadata/deletionTimestamp");
                Namespace {
                    name: s(v, "/metadata/name").unwrap_or_default(),
                    phase: s(v, "/status/phase"),
                    deletion_age_s: age(r, &del),
                    deletion_timestamp: del,
                    finalizers: strs(v, "/spec/finalizers"),
                    conditions: conditions(v, "/status/conditions"),
                }
            })
            .collect()
    });
    c.pvcs = lists.get(p::PVCS).map(|items| {
        items
            .iter()
            .map(|v| {
                let del = s(v, "/metadata/deletionTimestamp");
                Pvc {
                    namespace: s(v, "/metadata/namespace").unwrap_or_default(),
                    name: s(v, "/metadata/name").unwrap_or_default(),
                    phase: s(v, "/status/phase"),
                    storage_class: s(v, "/spec/storageClassName"),
                    volume_name: s(v, "/spec/volumeName"),
                    requested: s(v, "/spec/resources/requests/storage"),
                    deletion_age_s: age(r, &del),
                    deletion_timestamp: del,
                    finalizers: strs(v, "/metadata/finalizers"),
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

pub(super) fn ports(c: &Value) -> Vec<Port> {
    arr(c, "/ports")
        .iter()
        .map(|p| Port {
            host_port: u(p, "/hostPort"),
            container_port: u(p, "/containerPort"),
            protocol: s(p, "/protocol").unwrap_or_else(|| "TCP".into()),
        })
        .collect()
}

pub(super) fn resources(c: &Value, which: &str) -> Resources {
    Resources {
        cpu: s(c, &format!("/resources/{which}/cpu")),
        memory: s(c, &format!("/resources/{which}/memory")),
    }
}

pub(super) fn state_of(
    st: Option<&Value>,
) -> (Option<String>, Option<String>, Option<String>, Option<i64>) {
    let Some(obj) = st.and_then(Value::as_object) else {
        return (None, None, None, None);
    };
    let Some((name, body)) = obj.iter().next() else {
        return (None, None, None, None);
    };
    (
        Some(name.clone()),
        s(body, "/reason"),
        s(body, "/message"),
        body.get("exitCode").and_then(Value::as_i64),
    )
}

pub(super) fn pod(v: &Value, reference: Option<i64>) -> Pod {
    let del = s(v, "/metadata/deletionTimestamp");
    let created = s(v, "/metadata/creationTimestamp");
    let conds = conditions(v, "/status/conditions");
    let mut statuses = Vec::new();
    for (ptr, init) in [
        ("/status/initContainerStatuses", true),
        ("/status/containerStatuses", false),
    ] {
        for cs in arr(v, ptr) {
            let (state, reason, message, exit_code) = state_of(cs.get("state"));
            let (last_state, last_reason, _, last_exit_code) = state_of(cs.get("lastState"));
            statuses.push(ContainerStatus {
                name: s(cs, "/name").unwrap_or_default(),
                ready: cs.get("ready").and_then(Value::as_bool).unwrap_or(false),
                restart_count: u(cs, "/restartCount").unwrap_or(0),
                state,
                reason,
                message,
                exit_code,
                last_state,
                last_reason,
                last_exit_code,
                image: s(cs, "/image"),
                init,
                started_at: cs
                    .get("state")
                    .and_then(Value::as_object)
                    .and_then(|o| o.values().next())
                    .and_then(|b| s(b, "/startedAt")),
            });
        }
    }
    let containers: Vec<Container> = arr(v, "/spec/containers")
        .iter()
        .chain(arr(v, "/spec/initContainers").iter())
        .map(|c| Container {
            name: s(c, "/name").unwrap_or_default(),
            image: s(c, "/image"),
            requests: resources(c, "requests"),
            limits: resources(c, "limits"),
            ports: ports(c),
        })
        .collect();
    let oom_killed = statuses
        .iter()
        .filter_map(|st| {
            let current = st.reason.as_deref() == Some("OOMKilled");
            (current || st.last_reason.as_deref() == Some("OOMKilled")).then(|| OomKill {
                container: st.name.clone(),
                current,
                exit_code: if current {
                    st.exit_code
                } else {
                    st.last_exit_code
                },
                restart_count: st.restart_count,
                memory_limit: containers
                    .iter()
                    .find(|c| c.name == st.name)
                    .and_then(|c| c.limits.memory.clone()),
            })
        })
        .collect();
    let spec_containers = arr(v, "/spec/containers").len();
    Pod {
        namespace: s(v, "/metadata/namespace").unwrap_or_default(),
        name: s(v, "/metadata/name").unwrap_or_default(),
        uid: s(v, "/metadata/uid"),
        node: s(v, "/spec/nodeName"),
        phase: s(v, "/status/phase"),
        reason: s(v, "/status/reason"),
        message: s(v, "/status/message"),
        age_s: age(reference, &created),
        creation_timestamp: created,
        ready: conds
            .iter()
            .any(|c| c.kind == "Ready" && c.status == "True"),
        host_network: v
            .pointer("/spec/hostNetwork")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        dns_policy: s(v, "/spec/dnsPolicy"),
        deletion_age_s: age(reference, &del),
        deletion_timestamp: del,
        finalizers: strs(v, "/metadata/finalizers"),
        image_pull_secrets: arr(v, "/spec/imagePullSecrets")
            .iter()
            .filter_map(|x| s(x, "/name"))
            .collect(),
        owner: arr(v, "/metadata/ownerReferences").first().map(|o| {
            format!(
                "{}/{}",
                s(o, "/kind").unwrap_or_default(),
                s(o, "/name").unwrap_or_default()
            )
        }),
        qos_class: s(v, "/status/qosClass"),
        conditions: conds,
        containers: containers.into_iter().take(spec_containers).collect(),
        statuses,
        oom_killed,
    }
}

pub(super) fn event(v: &Value) -> Event {
    let kind = s(v, "/involvedObject/kind").or_else(|| s(v, "/regarding/kind"));
    let name = s(v, "/involvedObject/name").or_else(|| s(v, "/regarding/name"));
    Event {
        namespace: s(v, "/metadata/namespace")
            .or_else(|| s(v, "/involvedObject/namespace"))
            .unwrap_or_default(),
        object: format!(
            "{}/{}",
            kind.clone().unwrap_or_default(),
            name.clone().unwrap_or_default()
        ),
        object_kind: kind,
        object_name: name,
        kind: s(v, "/type"),
        reason: s(v, "/reason"),
        message: s(v, "/message").or_else(|| s(v, "/note")),
        count: u(v, "/count")
            .or_else(|| u(v, "/series/count"))
            .unwrap_or(1),
        first: s(v, "/firstTimestamp").or_else(|| s(v, "/eventTime")),
        last: s(v, "/lastTimestamp")
            .or_else(|| s(v, "/series/lastObservedTime"))
            .or_else(|| s(v, "/eventTime")),
        source: s(v, "/source/component")
            .map(|c| match s(v, "/source/host") {
                Some(h) => format!("{c}, {h}"),
                None => c,
            })
            .or_else(|| s(v, "/reportingComponent"))
            .filter(|x| !x.is_empty()),
    }
}
