//! Kubernetes objects as `kubectl get -o json` prints them into cluster/*.json, typed for the
//! fields kdiag reads: pods (the collector picks the containers whose logs it fetches from them)
//! and nodes, events, namespaces, persistent volume claims and services (the analyzer's facts).
//!
//! Lenient on purpose, because a bundle comes from any Kubernetes version and sometimes from a
//! hand: every field is optional (an absent or `null` field is `None`, an empty list or map, or
//! a default struct), and every struct keeps the fields it does not name in `extra`, so an
//! object survives a parse and a write with all its fields. Serialization leaves out what is
//! absent (`None`, empty lists and maps, default structs), so a round trip drops only `null`s
//! and empty values.
//!
//! Typed fields take the JSON type kubectl prints (strings for quantities and timestamps,
//! numbers for counts and ports); a field of another type fails the parse of its document.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The fields a struct does not name, as they were.
pub type Extra = BTreeMap<String, Value>;

/// `null` read as the default (an empty list, map or struct), like an absent field.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// A `kind: List` (or `PodList`, ...) as `kubectl get -o json` prints it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct List<T> {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub items: Vec<T>,
    /// `apiVersion`, `kind`, `metadata`.
    #[serde(flatten)]
    pub extra: Extra,
}

pub type PodList = List<Pod>;
pub type NodeList = List<Node>;
pub type EventList = List<Event>;
pub type NamespaceList = List<Namespace>;
pub type PersistentVolumeClaimList = List<PersistentVolumeClaim>;
pub type ServiceList = List<Service>;

/// `metadata` of any object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Set while the object waits for its finalizers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub finalizers: Vec<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub owner_references: Vec<OwnerReference>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OwnerReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `status.conditions` (pods, nodes, namespaces).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// `Ready`, `MemoryPressure`, `NamespaceDeletionContentFailure`, ...
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `True`, `False`, `Unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

// ---- Pod ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pod {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub metadata: ObjectMeta,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub spec: PodSpec,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub status: PodStatus,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub image_pull_secrets: Vec<LocalObjectReference>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub containers: Vec<Container>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub init_containers: Vec<Container>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalObjectReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `spec.containers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Container {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub resources: ResourceRequirements,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ports: Vec<ContainerPort>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `requests` and `limits` (containers), or a claim's requested `storage`: resource name ->
/// quantity (`100m`, `128Mi`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceRequirements {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub requests: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub limits: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_port: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u64>,
    /// `TCP` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    /// `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// `Evicted`, `NodeLost`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qos_class: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub conditions: Vec<Condition>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub container_statuses: Vec<ContainerStatus>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub init_container_statuses: Vec<ContainerStatus>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One entry of `status.containerStatuses` or `status.initContainerStatuses`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub state: ContainerState,
    /// The state of the previous run (`terminated` after a restart).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub last_state: ContainerState,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A container's `state` or `lastState`: one of `waiting`, `running`, `terminated`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<StateDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<StateDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<StateDetail>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ContainerState {
    /// The state's name and its detail: the first of `waiting`, `running`, `terminated` that is
    /// set (kubectl sets one), or `None` for an empty state.
    pub fn current(&self) -> Option<(&'static str, &StateDetail)> {
        [
            ("waiting", &self.waiting),
            ("running", &self.running),
            ("terminated", &self.terminated),
        ]
        .into_iter()
        .find_map(|(name, d)| d.as_ref().map(|d| (name, d)))
    }
}

/// The body of a `waiting`, `running` or `terminated` state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateDetail {
    /// `CrashLoopBackOff`, `ImagePullBackOff`, `OOMKilled`, `Error`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `terminated` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// `running` and `terminated`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

// ---- Node ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub metadata: ObjectMeta,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub spec: NodeSpec,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub status: NodeStatus,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeSpec {
    /// `kubectl cordon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unschedulable: Option<bool>,
    #[serde(default, rename = "podCIDR", skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub conditions: Vec<Condition>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub node_info: NodeSystemInfo,
    /// Resource name -> quantity (`pods`: `110`).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub capacity: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub allocatable: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<NodeAddress>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSystemInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubelet_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_runtime_version: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeAddress {
    /// `InternalIP`, `ExternalIP`, `Hostname`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

// ---- Event ----

/// An event in either shape `kubectl get events` prints: core/v1 (`involvedObject`, `message`,
/// `count`, `firstTimestamp`/`lastTimestamp`, `source`) or events.k8s.io/v1 (`regarding`,
/// `note`, `series`, `eventTime`, `reportingComponent`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub metadata: ObjectMeta,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub involved_object: ObjectReference,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub regarding: ObjectReference,
    /// `Normal` or `Warning`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub series: EventSeries,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub source: EventSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_component: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The object an event is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSeries {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_observed_time: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

// ---- Namespace ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Namespace {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub metadata: ObjectMeta,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub spec: NamespaceSpec,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub status: NamespaceStatus,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamespaceSpec {
    /// `kubernetes` while the namespace's content is being deleted.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub finalizers: Vec<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NamespaceStatus {
    /// `Active` or `Terminating`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub conditions: Vec<Condition>,
    #[serde(flatten)]
    pub extra: Extra,
}

// ---- PersistentVolumeClaim ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersistentVolumeClaim {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub metadata: ObjectMeta,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub spec: PersistentVolumeClaimSpec,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub status: PersistentVolumeClaimStatus,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeClaimSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
    /// The bound PersistentVolume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_name: Option<String>,
    /// `requests.storage`: the size asked for.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub resources: ResourceRequirements,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersistentVolumeClaimStatus {
    /// `Pending`, `Bound`, `Lost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

// ---- Service ----

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Service {
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub metadata: ObjectMeta,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "is_default"
    )]
    pub spec: ServiceSpec,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceSpec {
    /// `10.96.0.1` for the `kubernetes` Service; `None` (the string) for a headless one.
    #[serde(default, rename = "clusterIP", skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use std::path::{Path, PathBuf};

    /// `v` without `null`s, empty lists and empty objects (what a round trip may drop), at
    /// any depth.
    fn pruned(v: &Value) -> Option<Value> {
        match v {
            Value::Null => None,
            Value::Array(a) if a.is_empty() => None,
            Value::Object(o) if o.is_empty() => None,
            Value::Array(a) => Some(Value::Array(a.iter().filter_map(pruned).collect())),
            Value::Object(o) => {
                let m: serde_json::Map<String, Value> = o
                    .iter()
                    .filter_map(|(k, v)| pruned(v).map(|v| (k.clone(), v)))
                    .collect();
                (!m.is_empty()).then_some(Value::Object(m))
            }
            x => Some(x.clone()),
        }
    }

    fn scenarios() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/scenarios")
    }

    /// Every testdata/scenarios/*/cluster/`file` that holds a list: parses as `List<T>`, and
    /// writing it back gives the same document (less nulls and empty values). Returns the items.
    fn round_trip_all<T>(file: &str) -> Vec<T>
    where
        T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
    {
        let mut all = Vec::new();
        let mut files = 0;
        for e in std::fs::read_dir(scenarios()).unwrap() {
            let p = e.unwrap().path().join("cluster").join(file);
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            if !text.trim_start().starts_with('{') {
                continue; // kubectl's error text in place of a list: not JSON to type.
            }
            files += 1;
            let raw: Value = serde_json::from_str(&text).unwrap();
            let list: List<T> =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let back = serde_json::to_value(&list).unwrap();
            assert_eq!(pruned(&back), pruned(&raw), "{} changed", p.display());
            let again: List<T> = serde_json::from_value(back).unwrap();
            assert_eq!(again, list, "{}", p.display());
            all.extend(list.items);
        }
        assert!(files > 0, "no {file} in {}", scenarios().display());
        all
    }

    #[test]
    fn scenario_pods_parse_and_round_trip() {
        let pods: Vec<Pod> = round_trip_all("pods.json");
        assert!(pods.len() > 10);
        assert!(pods.iter().all(|p| p.metadata.name.is_some()));
        // Fields not typed here are kept: every pod's spec still has its volumes or containers.
        assert!(pods.iter().any(|p| p.spec.extra.contains_key("volumes")));
        // A restarted container's previous run, typed.
        assert!(pods
            .iter()
            .flat_map(|p| &p.status.container_statuses)
            .filter(|c| c.restart_count.unwrap_or(0) > 0)
            .any(|c| c
                .last_state
                .terminated
                .as_ref()
                .is_some_and(|t| t.exit_code.is_some())));
        assert!(pods
            .iter()
            .flat_map(|p| &p.status.container_statuses)
            .any(|c| c.state.current().map(|(n, _)| n) == Some("waiting")));
    }

    #[test]
    fn scenario_nodes_events_namespaces_pvcs_services_parse_and_round_trip() {
        let nodes: Vec<Node> = round_trip_all("nodes.json");
        assert!(nodes
            .iter()
            .all(|n| n.status.node_info.kubelet_version.is_some()));
        assert!(nodes.iter().all(|n| n
            .status
            .conditions
            .iter()
            .any(|c| c.type_.as_deref() == Some("Ready"))));
        assert!(nodes.iter().any(|n| n.status.capacity.contains_key("pods")));
        let events: Vec<Event> = round_trip_all("events.json");
        assert!(events.iter().all(|e| e.involved_object.kind.is_some()));
        let namespaces: Vec<Namespace> = round_trip_all("namespaces.json");
        assert!(namespaces
            .iter()
            .any(|n| n.metadata.name.as_deref() == Some("kube-system")));
        let _: Vec<PersistentVolumeClaim> = round_trip_all("pvcs.json");
        let services: Vec<Service> = round_trip_all("services.json");
        assert!(services.iter().any(|s| {
            s.metadata.name.as_deref() == Some("kubernetes") && s.spec.cluster_ip.is_some()
        }));
    }

    #[test]
    fn nulls_and_absent_fields_are_defaults_and_unknown_fields_stay() {
        let text = r#"{"kind": "PodList", "items": [
            {"metadata": {"name": "a", "finalizers": null, "labels": {"app": "x"}},
             "status": {"phase": null, "containerStatuses": null, "hostIP": "10.0.0.1"}},
            {"metadata": null, "spec": null, "status": null, "future": [1, {"x": true}]},
            {}
        ]}"#;
        let list: PodList = serde_json::from_str(text).unwrap();
        assert_eq!(list.items.len(), 3);
        let a = &list.items[0];
        assert_eq!(a.metadata.name.as_deref(), Some("a"));
        assert!(a.metadata.finalizers.is_empty());
        assert_eq!(a.status.phase, None);
        assert!(a.status.container_statuses.is_empty());
        assert_eq!(a.metadata.extra["labels"]["app"], "x");
        assert_eq!(a.status.extra["hostIP"], "10.0.0.1");
        assert_eq!(list.items[1].extra["future"][1]["x"], true);
        assert_eq!(list.items[2], Pod::default());
        assert_eq!(list.extra["kind"], "PodList");
        let back = serde_json::to_value(&list).unwrap();
        assert_eq!(back["items"][0]["metadata"]["labels"]["app"], "x");
        assert_eq!(back["items"][1]["future"][1]["x"], true);
        assert_eq!(back["items"][2], serde_json::json!({}));
        // A list with `items: null` (kubectl prints it for nothing found) is empty.
        let empty: NodeList = serde_json::from_str(r#"{"items": null}"#).unwrap();
        assert!(empty.items.is_empty());
    }

    #[test]
    fn current_state_names_the_one_set() {
        let s: ContainerState =
            serde_json::from_str(r#"{"terminated": {"exitCode": 137, "reason": "OOMKilled"}}"#)
                .unwrap();
        let (name, d) = s.current().unwrap();
        assert_eq!(
            (name, d.exit_code, d.reason.as_deref()),
            ("terminated", Some(137), Some("OOMKilled"))
        );
        assert_eq!(ContainerState::default().current(), None);
    }
}
