//! Pod facts: one pod of cluster/pods.json as the rules read it (its containers, their
//! statuses, OOM kills and memory quantities that can only be unit mistakes).

use super::*;
use crate::input::shapes;
use kdiag_bundle::k8s;

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
    /// `spec.dnsPolicy`, `ClusterFirst` (the API server's default) when the spec has none (a
    /// pasted manifest).
    pub dns_policy: String,
    pub deletion_timestamp: Option<String>,
    /// Seconds from deletion_timestamp to collected_at (negative: still in its grace period).
    pub deletion_age_s: Option<i64>,
    /// Without a collection time: seconds from deletion_timestamp to the newest time the
    /// cluster's objects record (facts.node.newest_unix), a lower bound of the deletion's age.
    pub deletion_age_at_least_s: Option<i64>,
    pub finalizers: Vec<String>,
    pub image_pull_secrets: Vec<String>,
    pub owner: Option<String>,
    pub qos_class: Option<String>,
    pub conditions: Vec<Condition>,
    pub containers: Vec<Container>,
    pub statuses: Vec<ContainerStatus>,
    /// The containers (init ones too) whose current or last termination was `OOMKilled`.
    pub oom_killed: Vec<OomKill>,
    /// Memory requests/limits (init containers too) that can only be a unit mistake.
    pub memory_unit_mistakes: Vec<MemoryUnitMistake>,
    /// A pod read from a pasted `kubectl describe pod` (facts.cluster.described_pods): the
    /// reasons of its describe's Events table, in order; empty for `Events: <none>`; undefined
    /// when the paste stops before `Events:`.
    pub described_events: Option<Vec<String>>,
}

/// The annotation `key` of an object's metadata (`metadata.annotations` as a JSON value).
fn annotation<'v>(annotations: Option<&'v Value>, key: &str) -> Option<&'v str> {
    annotations?.get(key)?.as_str()
}

/// A pod read from a pasted `kubectl describe pod`, not from a pod list.
pub(super) fn is_described(v: &k8s::Pod) -> bool {
    annotation(v.metadata.extra.get("annotations"), shapes::DERIVED) == Some(shapes::DESCRIBED_POD)
}

/// A container's memory request or limit that no workload means: milli-bytes (`1024m`, the
/// lowercase `m` written for `M`) or less than one MiB in all (`4`, `512Ki`, `0.001Mi`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MemoryUnitMistake {
    pub container: String,
    /// `requests` | `limits`
    pub field: String,
    /// As written in the spec.
    pub value: String,
    /// What Kubernetes reads it as, in bytes (can be a fraction).
    pub bytes: f64,
}

/// No container runs in less than one MiB (docker refuses limits under 6 MB; runc starts the
/// process and the kernel kills it), and nobody means milli-bytes.
fn memory_unit_mistake(value: &str) -> Option<f64> {
    let bytes = crate::units::quantity::parse_quantity(value)?;
    let milli = value.trim().ends_with('m');
    (bytes > 0.0 && (milli || bytes < 1024.0 * 1024.0)).then_some(bytes)
}

/// A memory quantity in a ResourceQuota's `spec.hard` or a LimitRange's limits that no one
/// means: under one MiB in all (`500m` is half a byte, `2000m` two bytes). Milli-bytes are read
/// by size here, not by their suffix: the API server prints a quota it sums in milli-bytes when
/// a request was fractional (`4402341478400m` for 4.1Gi, kubernetes/kubernetes#21654).
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PolicyMemoryMistake {
    /// `ResourceQuota` | `LimitRange`
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// `hard.requests.memory`, `max.memory` (with the limit's type: `Container max.memory`), ...
    pub field: String,
    pub value: String,
    pub bytes: f64,
    /// Where the object came from when it is no pasted object: `kubectl describe`, an
    /// admission error.
    pub derived_from: Option<String>,
}

fn policy_mistake(value: &str) -> Option<f64> {
    let bytes = crate::units::quantity::parse_quantity(value)?;
    (bytes > 0.0 && bytes < 1024.0 * 1024.0).then_some(bytes)
}

/// The memory quantities of cluster/resourcequotas.json and cluster/limitranges.json that can
/// only be unit mistakes; `None` when neither list is there.
pub(super) fn policy_memory_mistakes(cx: &mut Cx) -> Option<Vec<PolicyMemoryMistake>> {
    let mut out = Vec::new();
    let mut any = false;
    for (path, kind) in [
        (p::RESOURCEQUOTAS, "ResourceQuota"),
        (p::LIMITRANGES, "LimitRange"),
    ] {
        let Some(items) = cx
            .text(path)
            .and_then(|t| parse::kubectl::json_list(&t).ok())
        else {
            continue;
        };
        any = true;
        for o in &items {
            let meta = |k: &str| s(o, &format!("/metadata/{k}"));
            let derived_from =
                annotation(o.pointer("/metadata/annotations"), shapes::DERIVED).map(str::to_string);
            let mut found = |field: String, v: &Value| {
                let Some(value) = v
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_f64().map(|f| f.to_string()))
                else {
                    return;
                };
                let same = |m: &PolicyMemoryMistake| {
                    m.kind == kind && m.name == meta("name") && m.field == field && m.value == value
                };
                if out.iter().any(same) {
                    return;
                }
                if let Some(bytes) = policy_mistake(&value) {
                    out.push(PolicyMemoryMistake {
                        kind: kind.into(),
                        namespace: meta("namespace"),
                        name: meta("name"),
                        field,
                        value,
                        bytes,
                        derived_from: derived_from.clone(),
                    });
                }
            };
            if kind == "ResourceQuota" {
                if let Some(hard) = o.pointer("/spec/hard").and_then(Value::as_object) {
                    for (k, v) in hard {
                        if matches!(k.as_str(), "memory" | "requests.memory" | "limits.memory") {
                            found(format!("hard.{k}"), v);
                        }
                    }
                }
            } else {
                for l in arr(o, "/spec/limits") {
                    let ty = s(l, "/type").unwrap_or_else(|| "Container".into());
                    for k in ["min", "max", "default", "defaultRequest"] {
                        if let Some(v) = l.get(k).and_then(|m| m.get("memory")) {
                            found(format!("{ty} {k}.memory"), v);
                        }
                    }
                }
            }
        }
    }
    any.then_some(out)
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

fn container_ports(c: &k8s::Container) -> Vec<Port> {
    c.ports
        .iter()
        .map(|p| Port {
            host_port: p.host_port,
            container_port: p.container_port,
            protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
        })
        .collect()
}

fn resources(r: &BTreeMap<String, String>) -> Resources {
    Resources {
        cpu: r.get("cpu").cloned(),
        memory: r.get("memory").cloned(),
    }
}

/// (state name, reason, message, exit code) of a container state.
fn state_of(
    st: &k8s::ContainerState,
) -> (Option<String>, Option<String>, Option<String>, Option<i64>) {
    match st.current() {
        Some((name, d)) => (
            Some(name.to_string()),
            d.reason.clone(),
            d.message.clone(),
            d.exit_code,
        ),
        None => (None, None, None, None),
    }
}

pub(super) fn pod(v: &k8s::Pod, reference: Option<i64>, floor: Option<i64>) -> Pod {
    let m = &v.metadata;
    let del = m.deletion_timestamp.clone();
    let created = m.creation_timestamp.clone();
    let conds = conditions(&v.status.conditions);
    let mut statuses = Vec::new();
    for (list, init) in [
        (&v.status.init_container_statuses, true),
        (&v.status.container_statuses, false),
    ] {
        for cs in list {
            let (state, reason, message, exit_code) = state_of(&cs.state);
            let (last_state, last_reason, _, last_exit_code) = state_of(&cs.last_state);
            statuses.push(ContainerStatus {
                name: cs.name.clone().unwrap_or_default(),
                ready: cs.ready.unwrap_or(false),
                restart_count: cs.restart_count.unwrap_or(0),
                state,
                reason,
                message,
                exit_code,
                last_state,
                last_reason,
                last_exit_code,
                image: cs.image.clone(),
                init,
                started_at: cs.state.current().and_then(|(_, d)| d.started_at.clone()),
            });
        }
    }
    let container = |c: &k8s::Container| Container {
        name: c.name.clone().unwrap_or_default(),
        image: c.image.clone(),
        requests: resources(&c.resources.requests),
        limits: resources(&c.resources.limits),
        ports: container_ports(c),
    };
    let containers: Vec<Container> = v.spec.containers.iter().map(container).collect();
    let init_containers: Vec<Container> = v.spec.init_containers.iter().map(container).collect();
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
                    .chain(&init_containers)
                    .find(|c| c.name == st.name)
                    .and_then(|c| c.limits.memory.clone()),
            })
        })
        .collect();
    let memory_unit_mistakes = containers
        .iter()
        .chain(&init_containers)
        .flat_map(|c| {
            [("requests", &c.requests), ("limits", &c.limits)]
                .into_iter()
                .filter_map(|(field, r)| {
                    let value = r.memory.as_deref()?;
                    memory_unit_mistake(value).map(|bytes| MemoryUnitMistake {
                        container: c.name.clone(),
                        field: field.to_string(),
                        value: value.to_string(),
                        bytes,
                    })
                })
        })
        .collect();
    Pod {
        namespace: m.namespace.clone().unwrap_or_default(),
        name: m.name.clone().unwrap_or_default(),
        uid: m.uid.clone(),
        node: v.spec.node_name.clone(),
        phase: v.status.phase.clone(),
        reason: v.status.reason.clone(),
        message: v.status.message.clone(),
        age_s: age(reference, &created),
        creation_timestamp: created,
        ready: conds
            .iter()
            .any(|c| c.kind == "Ready" && c.status == "True"),
        host_network: v.spec.host_network.unwrap_or(false),
        // the API server's default (SetDefaults_PodSpec) when a pasted manifest leaves it out
        dns_policy: v
            .spec
            .dns_policy
            .clone()
            .unwrap_or_else(|| "ClusterFirst".to_string()),
        deletion_age_s: age(reference, &del),
        deletion_age_at_least_s: age(floor, &del),
        deletion_timestamp: del,
        finalizers: m.finalizers.clone(),
        image_pull_secrets: v
            .spec
            .image_pull_secrets
            .iter()
            .filter_map(|x| x.name.clone())
            .collect(),
        owner: m.owner_references.first().map(|o| {
            format!(
                "{}/{}",
                o.kind.clone().unwrap_or_default(),
                o.name.clone().unwrap_or_default()
            )
        }),
        qos_class: v.status.qos_class.clone(),
        conditions: conds,
        containers,
        statuses,
        oom_killed,
        memory_unit_mistakes,
        described_events: annotation(m.extra.get("annotations"), shapes::DESCRIBE_EVENTS).map(
            |r| {
                r.split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect()
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Milli-bytes at any size, anything else under one MiB; zero (no request) and real sizes pass.
    #[test]
    fn memory_unit_mistakes() {
        for v in [
            "1024m",
            "2000000000m",
            "4",
            "1048575",
            "512Ki",
            "999k",
            "0.001Mi",
            "0.5Mi",
        ] {
            assert!(memory_unit_mistake(v).is_some(), "{v}");
        }
        for v in ["0", "1Mi", "1048576", "128Mi", "1G", "0.5Gi", "64M", "junk"] {
            assert!(memory_unit_mistake(v).is_none(), "{v}");
        }
    }
}
