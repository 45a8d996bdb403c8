//! Facts: one typed, serializable structure per node, parsed from its files. Rules query it
//! through minijinja expressions (`facts.kubelet.effective.cgroup_driver`). Documented field by
//! field in docs/facts.md.
//!
//! Architecture invariant: `None` means "not collected or not readable", never a guessed default;
//! a file holding an error message instead of data gives `None` plus an entry in `parse_errors`.
//! Facts read from one line keep their provenance in a sibling `*_at` field (`{path, line}`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use kdiag_bundle::paths as p;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::input::decode_text;
use crate::model::Node;
use crate::parse::{
    containerd, df, docker, host, iptables, kubectl, kubelet, net, pki, procfs, selinux, sysctl,
    systemctl, time, timesync,
};

/// Where a fact was read: a bundle path and a 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct At {
    pub path: String,
    pub line: usize,
}

fn at(path: &str, line: usize) -> At {
    At {
        path: path.to_string(),
        line,
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Facts {
    pub node: NodeInfo,
    pub os: Option<Os>,
    pub selinux: Option<Selinux>,
    pub swap: Option<Swap>,
    pub memory: Option<Memory>,
    pub cgroups: Option<Cgroups>,
    pub kubelet: Option<Kubelet>,
    pub docker: Option<Docker>,
    pub containerd: Option<Containerd>,
    pub disks: Option<Vec<Disk>>,
    pub sysctl: Option<BTreeMap<String, String>>,
    pub sysctl_at: Option<BTreeMap<String, At>>,
    pub network: Option<Network>,
    pub time: Option<TimeSync>,
    pub certificates: Option<Vec<Certificate>>,
    /// Installed versions of the packages node/host/packages.txt lists (docker-ce, containerd.io,
    /// runc, kubelet, kubeadm, kubectl, kernel, ...): name -> version as the package manager
    /// prints it (`1.18.6-0.x86_64` from rpm, `1.18.6-00` from dpkg).
    pub packages: Option<BTreeMap<String, String>>,
    /// Unit name -> status, for every `node/services/UNIT.status.txt` that parsed.
    pub services: BTreeMap<String, Service>,
    pub cluster: Option<Cluster>,
    /// The cluster's Service IP range(s).
    pub service_cidr: Option<ServiceCidr>,
    pub manifest: ManifestFacts,
    /// `path: why` for files that were present but held no data we could read.
    pub parse_errors: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NodeInfo {
    pub hostname: Option<String>,
    /// RFC 3339, from the manifest.
    pub collected_at: Option<String>,
    pub collected_at_unix: Option<i64>,
    pub since: Option<String>,
    pub uid: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Os {
    pub id: Option<String>,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
    pub kernel_release: Option<String>,
    pub kernel_version: Option<[u32; 3]>,
    pub kernel_3_10: Option<bool>,
    pub arch: Option<String>,
    pub kernel_at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Selinux {
    /// `enforcing` | `permissive` | `disabled` (running mode).
    pub mode: Option<String>,
    pub mode_at: Option<At>,
    /// Mode in /etc/selinux/config (applies at next boot).
    pub config_mode: Option<String>,
    pub config_mode_at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SwapDevice {
    pub filename: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size_kb: u64,
    pub used_kb: u64,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Swap {
    /// Active swaps from /proc/swaps (`None` when /proc/swaps was not collected).
    pub devices: Option<Vec<SwapDevice>>,
    pub total_kb: u64,
    pub enabled: bool,
    /// Which file said so: `node/proc/swaps`, `node/memory/free.txt` or `node/proc/meminfo`.
    pub source: String,
    pub at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Memory {
    pub total_mb: Option<u64>,
    pub swap_total_mb: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Subsystem {
    pub name: String,
    pub hierarchy: u32,
    pub num_cgroups: u64,
    pub enabled: bool,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cgroups {
    /// Rows of /proc/cgroups (`None` when not collected).
    pub subsystems: Option<Vec<Subsystem>>,
    /// Enabled subsystem names.
    pub names: Option<Vec<String>>,
    /// A `pids` row, enabled, in /proc/cgroups.
    pub has_pids: Option<bool>,
    /// num_cgroups of the memory row.
    pub memory_cgroups: Option<u64>,
    /// node/cgroup/controllers (cgroup v2 only; `None` on v1 nodes).
    pub v2_controllers: Option<Vec<String>>,
    /// Controllers with a cgroup v1 mount in /proc/mounts.
    pub mounted_controllers: Option<Vec<String>>,
    /// A cgroup2 mount at /sys/fs/cgroup, or a cgroup.controllers file.
    pub v2: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Kubelet {
    /// `v1.22.2`: from the kubelet journal, else this node in nodes.json, else packages.txt.
    pub version: Option<String>,
    pub version_at: Option<At>,
    /// The flags in force: flag (no dashes) -> value (last occurrence wins).
    pub args: BTreeMap<String, String>,
    pub args_at: BTreeMap<String, At>,
    /// `argv` (cmdline.txt: the running process), `unit` (ExecStart with its variables
    /// expanded), `env-files` (kubeadm-flags.env/sysconfig without a unit), or absent.
    pub args_source: Option<String>,
    /// config.yaml as a map (`None` when not collected or not YAML: see `config_error`).
    pub config: Option<serde_json::Map<String, Value>>,
    pub config_error: Option<String>,
    /// Merged settings: argv/flags > config.yaml > kubelet defaults. See docs/facts.md.
    pub effective: BTreeMap<String, Value>,
    /// Field -> `flag`, `config` or `default`.
    pub effective_source: BTreeMap<String, String>,
    /// Field -> where it was set (absent for defaults).
    pub effective_at: BTreeMap<String, At>,
    /// Fields whose value is the kubelet default (nothing set them).
    pub defaults: Vec<String>,
    /// `effective.eviction_hard` parsed: signal -> `{percent}` (`10%`) or `{quantity}` (`2Gi`
    /// in bytes); thresholds that do not parse are left out.
    pub eviction_hard_thresholds: BTreeMap<String, kubelet::Threshold>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Docker {
    pub version: Option<String>,
    /// daemon.json as parsed (leniently when needed).
    pub daemon_json: Option<Value>,
    /// Why daemon.json is not strict JSON (dockerd refuses to start on it), or why it did not parse.
    pub daemon_json_error: Option<String>,
    /// `systemd` | `cgroupfs`: daemon.json exec-opts, else docker info `Cgroup Driver`.
    pub cgroup_driver: Option<String>,
    pub cgroup_driver_at: Option<At>,
    pub insecure_registries: Vec<String>,
    pub registry_mirrors: Vec<String>,
    pub storage_driver: Option<String>,
    pub root_dir: Option<String>,
    /// docker info's error (`Cannot connect to the Docker daemon ...`).
    pub info_error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Containerd {
    pub version: Option<String>,
    pub systemd_cgroup: Option<bool>,
    pub systemd_cgroup_at: Option<At>,
    pub sandbox_image: Option<String>,
    pub sandbox_image_at: Option<At>,
    pub cri_disabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Disk {
    pub filesystem: String,
    #[serde(rename = "type")]
    pub fstype: Option<String>,
    pub size_kb: Option<u64>,
    pub used_kb: Option<u64>,
    pub avail_kb: Option<u64>,
    pub use_pct: Option<u32>,
    pub inodes_use_pct: Option<u32>,
    pub mount: String,
    pub at: At,
    pub inodes_at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Route {
    pub dest: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub via: Option<String>,
    pub dev: Option<String>,
    pub table: Option<String>,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Network {
    pub routes: Option<Vec<Route>>,
    pub has_default_route: Option<bool>,
    pub nameservers: Option<Vec<String>>,
    pub search: Option<Vec<String>>,
    pub iptables: Option<Iptables>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IptPolicy {
    pub table: String,
    pub chain: String,
    pub policy: String,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IptRule {
    pub table: String,
    pub chain: String,
    pub spec: String,
    pub target: Option<String>,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Iptables {
    pub policies: Vec<IptPolicy>,
    pub rules: Vec<IptRule>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TimeSync {
    pub synchronized: Option<bool>,
    pub source: Option<String>,
    pub at: Option<At>,
    /// The node's clock at collection, unix seconds: `date -u` (else timedatectl's
    /// `Universal time`) in node/host/time.txt.
    pub clock_utc: Option<i64>,
    pub clock_utc_at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Certificate {
    pub file: Option<String>,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// Whole days from collected_at to notAfter (negative once expired); needs collected_at.
    pub days_left: Option<i64>,
    pub expired: Option<bool>,
    pub error: Option<String>,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Service {
    pub found: bool,
    pub active: Option<String>,
    pub sub: Option<String>,
    pub enabled: Option<String>,
    pub since: Option<String>,
    pub at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
    /// `lastTransitionTime`.
    pub last_transition: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Resources {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Port {
    pub host_port: Option<u64>,
    pub container_port: Option<u64>,
    pub protocol: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub requests: Resources,
    pub limits: Resources,
    pub ports: Vec<Port>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Namespace {
    pub name: String,
    pub phase: Option<String>,
    pub deletion_timestamp: Option<String>,
    pub deletion_age_s: Option<i64>,
    pub finalizers: Vec<String>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

/// The Service IP range: kube-apiserver's `--service-cluster-ip-range`, else a guess from the
/// `kubernetes` Service's clusterIP.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServiceCidr {
    /// `["10.96.0.0/12"]`, two for dual-stack (`10.96.0.0/12,fd00::/108`).
    pub cidrs: Vec<String>,
    /// `kube-apiserver` (the static pod manifest) or `kubernetes-service` (the guess).
    pub source: String,
    /// True for the guess: the /12 around default/kubernetes' clusterIP (kubeadm's default
    /// size; the real range may be smaller or larger).
    pub guessed: bool,
    pub at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ManifestItem {
    pub path: String,
    pub status: String,
    pub exit_code: Option<i32>,
    pub stderr: Option<String>,
    pub truncated: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ManifestFacts {
    pub present: bool,
    pub collector_version: Option<String>,
    pub items: Vec<ManifestItem>,
}

/// The message of a caught panic.
pub(crate) fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Reading context: the node, its reference time, and the parse errors met.
struct Cx<'a> {
    node: &'a Node,
    reference: Option<i64>,
    errors: Vec<String>,
}

impl<'a> Cx<'a> {
    fn text(&self, path: &str) -> Option<Cow<'a, str>> {
        self.node.files.get(path).map(|b| decode_text(b))
    }

    fn error(&mut self, path: &str, why: impl AsRef<str>) {
        self.errors.push(format!("{path}: {}", why.as_ref()));
    }
}

impl Facts {
    /// [`Facts::from_node`] that turns a panic of a parser into `Err(why)`: a bad bundle must
    /// cost its facts (a warning), never the run.
    pub fn try_from_node(node: &Node) -> Result<Facts, String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Facts::from_node(node)))
            .map_err(|p| panic_text(&p))
    }

    /// This node in cluster/nodes.json: the one named like its hostname (also when one of the
    /// two is the short name), else the only node of a one-node list.
    pub fn cluster_node(&self) -> Option<&ClusterNode> {
        let nodes = self.cluster.as_ref()?.nodes.as_ref()?;
        let short = |n: &str| n.split('.').next().unwrap_or(n).to_string();
        let named = self.node.hostname.as_deref().and_then(|h| {
            nodes
                .iter()
                .find(|n| n.name == h)
                .or_else(|| nodes.iter().find(|n| short(&n.name) == short(h)))
        });
        named.or_else(|| (nodes.len() == 1).then(|| &nodes[0]))
    }

    pub fn from_node(node: &Node) -> Facts {
        let reference = node
            .manifest
            .as_ref()
            .and_then(|m| time::parse_rfc3339(&m.collected_at));
        let mut cx = Cx {
            node,
            reference,
            errors: Vec::new(),
        };
        let mut f = Facts {
            node: node_info(&cx),
            manifest: manifest(node),
            ..Facts::default()
        };
        f.os = os(&mut cx);
        f.selinux = selinux_facts(&mut cx);
        f.memory = memory(&cx);
        f.swap = swap(&mut cx);
        f.cgroups = cgroups(&mut cx);
        f.cluster = cluster(&mut cx);
        let this_node = f.cluster_node().cloned();
        f.kubelet = kubelet_facts(&mut cx, this_node.as_ref());
        f.docker = docker_facts(&mut cx);
        f.containerd = containerd_facts(&mut cx, this_node.as_ref());
        f.packages = cx.text(p::PACKAGES).map(|t| {
            host::packages(&t)
                .into_iter()
                .map(|(name, (version, _))| (name, version))
                .collect()
        });
        f.disks = disks(&mut cx);
        (f.sysctl, f.sysctl_at) = sysctl_facts(&mut cx);
        f.network = network(&mut cx);
        f.time = time_facts(&mut cx);
        f.certificates = certificates(&mut cx);
        f.services = services(&mut cx);
        f.service_cidr = service_cidr(&cx);
        f.parse_errors = cx.errors;
        f
    }
}

fn node_info(cx: &Cx) -> NodeInfo {
    let m = cx.node.manifest.as_ref();
    let hostname = m
        .map(|m| m.hostname.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| {
            cx.text(p::HOSTNAME)
                .map(|t| t.trim().to_string())
                .filter(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        });
    NodeInfo {
        hostname,
        collected_at: m.map(|m| m.collected_at.clone()).filter(|s| !s.is_empty()),
        collected_at_unix: cx.reference,
        since: m.map(|m| m.since.clone()).filter(|s| !s.is_empty()),
        uid: m.map(|m| m.uid),
    }
}

fn manifest(node: &Node) -> ManifestFacts {
    let Some(m) = &node.manifest else {
        return ManifestFacts::default();
    };
    ManifestFacts {
        present: true,
        collector_version: Some(m.collector_version.clone()),
        items: m
            .items
            .iter()
            .map(|i| ManifestItem {
                path: i.path.clone(),
                status: i.status.as_str().to_string(),
                exit_code: i.exit_code,
                stderr: (!i.stderr.is_empty()).then(|| i.stderr.clone()),
                truncated: i.truncated,
            })
            .collect(),
    }
}

fn os(cx: &mut Cx) -> Option<Os> {
    let mut o = Os::default();
    let mut any = false;
    if let Some(t) = cx.text(p::OS_RELEASE) {
        let kv = host::key_values(&t);
        o.id = kv.get("ID").map(|v| v.0.clone());
        o.version_id = kv.get("VERSION_ID").map(|v| v.0.clone());
        o.pretty_name = kv.get("PRETTY_NAME").map(|v| v.0.clone());
        any |= o.id.is_some() || o.pretty_name.is_some();
    }
    if o.pretty_name.is_none() {
        if let Some(t) = cx.text(p::REDHAT_RELEASE) {
            let l = t.lines().next().unwrap_or("").trim();
            if l.contains("release") {
                o.pretty_name = Some(l.to_string());
                any = true;
            }
        }
    }
    if let Some(t) = cx.text(p::UNAME) {
        match host::uname(&t) {
            Some(u) => {
                o.kernel_at = t
                    .lines()
                    .position(|l| l.starts_with("Linux "))
                    .map(|i| at(p::UNAME, i + 1));
                o.kernel_release = Some(u.kernel_release);
                o.arch = u.arch;
            }
            None => cx.error(p::UNAME, "no `uname -a` line"),
        }
    }
    if o.kernel_release.is_none() {
        if let Some(r) = cx
            .text(p::PROC_VERSION)
            .and_then(|t| host::proc_version(&t))
        {
            o.kernel_release = Some(r);
            o.kernel_at = Some(at(p::PROC_VERSION, 1));
        }
    }
    if let Some(r) = &o.kernel_release {
        o.kernel_version = host::kernel_version(r);
        o.kernel_3_10 = o.kernel_version.map(|v| v[0] == 3 && v[1] == 10);
        any = true;
    }
    any.then_some(o)
}

fn selinux_facts(cx: &mut Cx) -> Option<Selinux> {
    let mut s = Selinux::default();
    if let Some(t) = cx.text(p::GETENFORCE) {
        match selinux::getenforce(&t) {
            Some((m, l)) => {
                s.mode = Some(m);
                s.mode_at = Some(at(p::GETENFORCE, l));
            }
            None => cx.error(p::GETENFORCE, "no SELinux mode"),
        }
    }
    let st = cx.text(p::SESTATUS).and_then(|t| selinux::sestatus(&t));
    if let Some(st) = &st {
        if s.mode.is_none() {
            if let Some((m, l)) = &st.current_mode {
                s.mode = Some(m.clone());
                s.mode_at = Some(at(p::SESTATUS, *l));
            } else if let Some((v, l)) = &st.status {
                if v == "disabled" {
                    s.mode = Some("disabled".into());
                    s.mode_at = Some(at(p::SESTATUS, *l));
                }
            }
        }
    }
    if let Some((m, l)) = cx.text(p::SELINUX_CONFIG).and_then(|t| selinux::config(&t)) {
        s.config_mode = Some(m);
        s.config_mode_at = Some(at(p::SELINUX_CONFIG, l));
    } else if let Some((m, l)) = st.as_ref().and_then(|s| s.config_mode.clone()) {
        s.config_mode = Some(m);
        s.config_mode_at = Some(at(p::SESTATUS, l));
    }
    (s.mode.is_some() || s.config_mode.is_some()).then_some(s)
}

fn memory(cx: &Cx) -> Option<Memory> {
    let free = cx.text(p::FREE).and_then(|t| procfs::free(&t));
    let meminfo = cx.text(p::PROC_MEMINFO);
    let mi = |k: &str| {
        meminfo
            .as_deref()
            .and_then(|t| procfs::meminfo(t, k))
            .map(|(v, _)| v / 1024)
    };
    let m = Memory {
        total_mb: free
            .as_ref()
            .and_then(|f| f.mem_total_mb)
            .or_else(|| mi("MemTotal")),
        swap_total_mb: free
            .as_ref()
            .and_then(|f| f.swap_total_mb)
            .or_else(|| mi("SwapTotal")),
    };
    (m.total_mb.is_some() || m.swap_total_mb.is_some()).then_some(m)
}

fn swap(cx: &mut Cx) -> Option<Swap> {
    if let Some(t) = cx.text(p::PROC_SWAPS) {
        match procfs::swaps(&t) {
            Some(rows) => {
                let total: u64 = rows.iter().map(|r| r.size_kb).sum();
                let first = rows.first().map(|r| at(p::PROC_SWAPS, r.line));
                return Some(Swap {
                    devices: Some(
                        rows.into_iter()
                            .map(|r| SwapDevice {
                                filename: r.filename,
                                kind: r.kind,
                                size_kb: r.size_kb,
                                used_kb: r.used_kb,
                                at: at(p::PROC_SWAPS, r.line),
                            })
                            .collect(),
                    ),
                    total_kb: total,
                    enabled: total > 0,
                    source: p::PROC_SWAPS.into(),
                    at: first,
                });
            }
            None => cx.error(p::PROC_SWAPS, "no /proc/swaps header"),
        }
    }
    if let Some(f) = cx.text(p::FREE).and_then(|t| procfs::free(&t)) {
        if let Some(mb) = f.swap_total_mb {
            return Some(Swap {
                devices: None,
                total_kb: mb * 1024,
                enabled: mb > 0,
                source: p::FREE.into(),
                at: f.swap_line.map(|l| at(p::FREE, l)),
            });
        }
    }
    let (kb, l) = cx
        .text(p::PROC_MEMINFO)
        .and_then(|t| procfs::meminfo(&t, "SwapTotal"))?;
    Some(Swap {
        devices: None,
        total_kb: kb,
        enabled: kb > 0,
        source: p::PROC_MEMINFO.into(),
        at: Some(at(p::PROC_MEMINFO, l)),
    })
}

fn cgroups(cx: &mut Cx) -> Option<Cgroups> {
    let mut c = Cgroups::default();
    if let Some(t) = cx.text(p::PROC_CGROUPS) {
        match procfs::cgroups(&t) {
            Some(rows) => {
                c.names = Some(
                    rows.iter()
                        .filter(|r| r.enabled)
                        .map(|r| r.name.clone())
                        .collect(),
                );
                c.has_pids = Some(rows.iter().any(|r| r.name == "pids" && r.enabled));
                c.memory_cgroups = rows
                    .iter()
                    .find(|r| r.name == "memory")
                    .map(|r| r.num_cgroups);
                c.subsystems = Some(
                    rows.into_iter()
                        .map(|r| Subsystem {
                            name: r.name,
                            hierarchy: r.hierarchy,
                            num_cgroups: r.num_cgroups,
                            enabled: r.enabled,
                            at: at(p::PROC_CGROUPS, r.line),
                        })
                        .collect(),
                );
            }
            None => cx.error(p::PROC_CGROUPS, "no /proc/cgroups rows"),
        }
    }
    if let Some(t) = cx.text(p::CGROUP_CONTROLLERS) {
        c.v2_controllers = procfs::controllers(&t);
        if c.v2_controllers.is_none() && !t.trim().is_empty() {
            cx.error(p::CGROUP_CONTROLLERS, "not a controller list");
        }
    }
    if let Some(t) = cx.text(p::PROC_MOUNTS) {
        if let Some(m) = procfs::mounts(&t) {
            let known = c.names.clone().unwrap_or_default();
            c.mounted_controllers = Some(procfs::mounted_controllers(&m, &known));
            c.v2 = Some(
                m.iter()
                    .any(|m| m.fstype == "cgroup2" && m.mount_point == "/sys/fs/cgroup")
                    || c.v2_controllers.is_some(),
            );
        }
    }
    if c.v2.is_none() && c.v2_controllers.is_some() {
        c.v2 = Some(true);
    }
    (c.subsystems.is_some() || c.v2_controllers.is_some() || c.mounted_controllers.is_some())
        .then_some(c)
}

fn kubelet_facts(cx: &mut Cx, this_node: Option<&ClusterNode>) -> Option<Kubelet> {
    let mut k = Kubelet::default();
    let mut any = false;
    // Flags: the running argv, else the unit's ExecStart expanded, else the env files alone.
    let mut flags: Option<(Vec<kubelet::Flag>, &str)> = None;
    if let Some(t) = cx.text(p::KUBELET_CMDLINE) {
        match kubelet::argv(&t, p::KUBELET_CMDLINE) {
            Some(f) => flags = Some((f, "argv")),
            None => cx.error(p::KUBELET_CMDLINE, "no kubelet argument"),
        }
    }
    let mut vars: BTreeMap<String, (String, String, usize)> = BTreeMap::new();
    for path in [p::KUBELET_KUBEADM_FLAGS, p::KUBELET_SYSCONFIG] {
        if let Some(t) = cx.text(path) {
            any = true;
            for (name, (v, l)) in kubelet::env_file(&t) {
                vars.insert(name, (v, path.to_string(), l));
            }
        }
    }
    if flags.is_none() {
        if let Some(u) = cx.text(p::KUBELET_UNIT).and_then(|t| kubelet::unit(&t)) {
            any = true;
            // systemd applies Environment= first, then EnvironmentFile= (the file wins).
            let mut all: BTreeMap<String, (String, String, usize)> = u
                .env
                .iter()
                .map(|(k, (v, l))| (k.clone(), (v.clone(), p::KUBELET_UNIT.to_string(), *l)))
                .collect();
            all.extend(vars.clone());
            if let Some((exec, line)) = &u.exec_start {
                let words = kubelet::expand_exec_start(exec, p::KUBELET_UNIT, *line, &all);
                flags = Some((kubelet::flags(&words), "unit"));
            }
        }
    }
    if flags.is_none() && !vars.is_empty() {
        let mut words = Vec::new();
        for name in [
            "KUBELET_KUBEADM_ARGS",
            "KUBELET_EXTRA_ARGS",
            "KUBELET_ARGS",
            "KUBELET_OPTS",
        ] {
            if let Some((v, path, l)) = vars.get(name) {
                words.extend(kubelet::var_words(v, path, *l));
            }
        }
        flags = Some((kubelet::flags(&words), "env-files"));
    }
    if let Some((fl, source)) = flags {
        any = true;
        k.args_source = Some(source.to_string());
        for f in fl {
            k.args_at.insert(f.name.clone(), at(&f.path, f.line));
            k.args.insert(f.name, f.value);
        }
    }
    let config_text = cx.text(p::KUBELET_CONFIG);
    if let Some(t) = &config_text {
        any = true;
        match kubelet::config_yaml(t) {
            Ok(m) => k.config = Some(m),
            Err(e) => {
                cx.error(p::KUBELET_CONFIG, &e);
                k.config_error = Some(e);
            }
        }
    }
    for s in kubelet::SPECS {
        if let Some(v) = k.args.get(s.flag) {
            k.effective
                .insert(s.field.into(), kubelet::flag_value(s.kind, v));
            k.effective_source.insert(s.field.into(), "flag".into());
            if let Some(a) = k.args_at.get(s.flag) {
                k.effective_at.insert(s.field.into(), a.clone());
            }
        } else if let Some(v) = s.key.and_then(|key| k.config.as_ref()?.get(key)) {
            k.effective
                .insert(s.field.into(), kubelet::config_value(s.kind, v));
            k.effective_source.insert(s.field.into(), "config".into());
            let line = config_text
                .as_deref()
                .and_then(|t| kubelet::yaml_key_line(t, s.key.unwrap_or("")));
            if let Some(l) = line {
                k.effective_at
                    .insert(s.field.into(), at(p::KUBELET_CONFIG, l));
            }
        } else if let (Some(d), true) = (s.default, k.args_source.is_some() || k.config.is_some()) {
            k.effective.insert(s.field.into(), d());
            k.effective_source.insert(s.field.into(), "default".into());
            k.defaults.push(s.field.into());
        }
    }
    if let Some(Value::Object(m)) = k.effective.get("eviction_hard") {
        k.eviction_hard_thresholds = m
            .iter()
            .filter_map(|(sig, v)| Some((sig.clone(), kubelet::threshold(v.as_str()?)?)))
            .collect();
    }
    // Version: the kubelet's own startup line, else this node in nodes.json, else the package.
    if let Some((n, line)) = cx
        .node
        .streamed
        .get(p::JOURNAL_KUBELET)
        .and_then(|s| s.kubelet_version.as_ref())
    {
        // A big journal: its last version line was kept while it streamed.
        k.version = kubelet_version_in(line);
        k.version_at = Some(at(p::JOURNAL_KUBELET, *n as usize));
    } else if let Some(t) = cx.text(p::JOURNAL_KUBELET) {
        for (i, line) in t.lines().enumerate().collect::<Vec<_>>().into_iter().rev() {
            if let Some(v) = kubelet_version_in(line) {
                k.version = Some(v);
                k.version_at = Some(at(p::JOURNAL_KUBELET, i + 1));
                break;
            }
        }
    }
    if k.version.is_none() {
        k.version = this_node.and_then(|n| n.kubelet_version.clone());
    }
    if k.version.is_none() {
        if let Some(t) = cx.text(p::PACKAGES) {
            if let Some((v, l)) = host::packages(&t).get("kubelet") {
                let v = v.split('-').next().unwrap_or(v);
                k.version = Some(format!("v{v}"));
                k.version_at = Some(at(p::PACKAGES, *l));
            }
        }
    }
    any |= k.version.is_some();
    any.then_some(k)
}

/// `"Kubelet version" kubeletVersion="v1.27.3"` (structured) or `Version: v1.18.19` (older).
pub(crate) fn kubelet_version_in(line: &str) -> Option<String> {
    let v = if let Some(p) = line.find("kubeletVersion=\"") {
        line[p + 16..].split('"').next()?
    } else if line.contains("server.go") {
        line.split("] Version: ")
            .nth(1)?
            .split_whitespace()
            .next()?
    } else {
        return None;
    };
    (v.starts_with('v') && v.len() > 3).then(|| v.to_string())
}

fn docker_facts(cx: &mut Cx) -> Option<Docker> {
    let mut d = Docker::default();
    let mut any = false;
    let dj_text = cx.text(p::DOCKER_DAEMON_JSON);
    if let Some(t) = &dj_text {
        any = true;
        if !t.trim().is_empty() {
            match docker::daemon_json(t) {
                Ok(dj) => {
                    d.daemon_json_error = dj.strict_error;
                    if let Some(drv) = docker::exec_opts_cgroup_driver(&dj.value) {
                        d.cgroup_driver = Some(drv);
                        d.cgroup_driver_at = docker::json_key_line(t, "exec-opts")
                            .map(|l| at(p::DOCKER_DAEMON_JSON, l));
                    }
                    let strs = |k: &str| -> Vec<String> {
                        dj.value
                            .get(k)
                            .and_then(Value::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    d.insecure_registries = strs("insecure-registries");
                    d.registry_mirrors = strs("registry-mirrors");
                    d.storage_driver = dj
                        .value
                        .get("storage-driver")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    d.root_dir = dj
                        .value
                        .get("data-root")
                        .or_else(|| dj.value.get("graph"))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    d.daemon_json = Some(dj.value);
                }
                Err(e) => {
                    cx.error(p::DOCKER_DAEMON_JSON, &e);
                    d.daemon_json_error = Some(e);
                }
            }
        }
    }
    if let Some(t) = cx.text(p::DOCKER_INFO) {
        match docker::info(&t) {
            Some(info) => {
                any = true;
                d.info_error = info.error.clone();
                if d.cgroup_driver.is_none() {
                    if let Some((v, l)) = info.fields.get("Cgroup Driver") {
                        d.cgroup_driver = Some(v.clone());
                        d.cgroup_driver_at = Some(at(p::DOCKER_INFO, *l));
                    }
                }
                for r in info.insecure_registries {
                    if !d.insecure_registries.contains(&r) {
                        d.insecure_registries.push(r);
                    }
                }
                for r in info.registry_mirrors {
                    if !d.registry_mirrors.contains(&r) {
                        d.registry_mirrors.push(r);
                    }
                }
                let field = |k: &str| info.fields.get(k).map(|v| v.0.clone());
                d.storage_driver = d.storage_driver.take().or_else(|| field("Storage Driver"));
                d.root_dir = d.root_dir.take().or_else(|| field("Docker Root Dir"));
                d.version = field("Server Version");
            }
            None => cx.error(p::DOCKER_INFO, "no `docker info` field"),
        }
    }
    if let Some(v) = cx.text(p::DOCKER_VERSION).and_then(|t| docker::version(&t)) {
        d.version = Some(v);
        any = true;
    }
    if d.version.is_none() {
        if let Some(t) = cx.text(p::PACKAGES) {
            let pk = host::packages(&t);
            if let Some((v, _)) = ["docker-ce", "docker", "docker.io", "moby-engine"]
                .iter()
                .find_map(|n| pk.get(*n))
            {
                d.version = Some(v.clone());
                any = true;
            }
        }
    }
    any.then_some(d)
}

fn containerd_facts(cx: &mut Cx, this_node: Option<&ClusterNode>) -> Option<Containerd> {
    let mut c = Containerd::default();
    let mut any = false;
    if let Some(t) = cx.text(p::CONTAINERD_CONFIG) {
        any = true;
        let cfg = containerd::config_toml(&t);
        if let Some((b, l)) = cfg.systemd_cgroup {
            c.systemd_cgroup = Some(b);
            c.systemd_cgroup_at = Some(at(p::CONTAINERD_CONFIG, l));
        }
        if let Some((s, l)) = cfg.sandbox_image {
            c.sandbox_image = Some(s);
            c.sandbox_image_at = Some(at(p::CONTAINERD_CONFIG, l));
        }
        c.cri_disabled = Some(cfg.cri_disabled.is_some());
    }
    if let Some(t) = cx.text(p::CRI_INFO) {
        match serde_json::from_str::<Value>(&t) {
            Ok(v) => {
                any = true;
                let (sys, sandbox) = containerd::cri_info(&v);
                if c.systemd_cgroup.is_none() {
                    c.systemd_cgroup = sys;
                }
                if c.sandbox_image.is_none() {
                    c.sandbox_image = sandbox;
                }
            }
            Err(e) => cx.error(p::CRI_INFO, format!("not JSON ({e})")),
        }
    }
    if let Some(t) = cx.text(p::PACKAGES) {
        let pk = host::packages(&t);
        if let Some((v, _)) = pk.get("containerd.io").or_else(|| pk.get("containerd")) {
            c.version = Some(v.clone());
            any = true;
        }
    }
    // Else the version docker reports for its containerd, else the node's runtime in nodes.json.
    if c.version.is_none() {
        c.version = cx
            .text(p::DOCKER_VERSION)
            .and_then(|t| docker::component_version(&t, "containerd"))
            .or_else(|| {
                this_node
                    .and_then(|n| n.container_runtime_version.as_deref())
                    .and_then(|r| r.strip_prefix("containerd://"))
                    .map(str::to_string)
            });
        any |= c.version.is_some();
    }
    any.then_some(c)
}

fn disks(cx: &mut Cx) -> Option<Vec<Disk>> {
    let t = cx.text(p::DF)?;
    let Some((kind, rows)) = df::df(&t) else {
        cx.error(p::DF, "no df header");
        return None;
    };
    if kind == df::DfKind::Inodes {
        cx.error(p::DF, "holds inode counts, not sizes");
        return None;
    }
    let inodes: BTreeMap<String, (Option<u32>, usize)> = cx
        .text(p::DF_INODES)
        .and_then(|t| df::df(&t))
        .filter(|(k, _)| *k == df::DfKind::Inodes)
        .map(|(_, r)| {
            r.into_iter()
                .map(|r| (r.mount, (r.use_pct, r.line)))
                .collect()
        })
        .unwrap_or_default();
    Some(
        rows.into_iter()
            .map(|r| {
                let ino = inodes.get(&r.mount);
                Disk {
                    filesystem: r.filesystem,
                    fstype: r.fstype,
                    size_kb: r.size,
                    used_kb: r.used,
                    avail_kb: r.avail,
                    use_pct: r.use_pct,
                    inodes_use_pct: ino.and_then(|i| i.0),
                    inodes_at: ino.map(|i| at(p::DF_INODES, i.1)),
                    at: at(p::DF, r.line),
                    mount: r.mount,
                }
            })
            .collect(),
    )
}

type SysctlFacts = (
    Option<BTreeMap<String, String>>,
    Option<BTreeMap<String, At>>,
);

fn sysctl_facts(cx: &mut Cx) -> SysctlFacts {
    let Some(t) = cx.text(p::SYSCTL) else {
        return (None, None);
    };
    let m = sysctl::sysctl(&t);
    if m.is_empty() {
        cx.error(p::SYSCTL, "no `key = value` line");
        return (None, None);
    }
    let ats = m
        .iter()
        .map(|(k, (_, l))| (k.clone(), at(p::SYSCTL, *l)))
        .collect();
    (
        Some(m.into_iter().map(|(k, (v, _))| (k, v)).collect()),
        Some(ats),
    )
}

fn network(cx: &mut Cx) -> Option<Network> {
    let mut n = Network::default();
    if let Some(t) = cx.text(p::IP_ROUTE) {
        match net::routes(&t) {
            Some(r) => {
                n.has_default_route = Some(net::has_default_route(&r));
                n.routes = Some(
                    r.into_iter()
                        .map(|r| Route {
                            dest: r.dest,
                            kind: r.kind,
                            via: r.via,
                            dev: r.dev,
                            table: r.table,
                            at: at(p::IP_ROUTE, r.line),
                        })
                        .collect(),
                );
            }
            None => cx.error(p::IP_ROUTE, "no route line"),
        }
    }
    if let Some(t) = cx.text(p::RESOLV_CONF) {
        let r = net::resolv(&t);
        n.nameservers = Some(r.nameservers.into_iter().map(|x| x.0).collect());
        n.search = Some(r.search);
    }
    let ipt = [p::IPTABLES_SAVE, p::IPTABLES_LIST]
        .iter()
        .find_map(|path| Some((*path, iptables::parse(&cx.text(path)?)?)));
    if let Some((path, ipt)) = ipt {
        n.iptables = Some(Iptables {
            policies: ipt
                .policies
                .into_iter()
                .map(|x| IptPolicy {
                    table: x.table,
                    chain: x.chain,
                    policy: x.policy,
                    at: at(path, x.line),
                })
                .collect(),
            rules: ipt
                .rules
                .into_iter()
                .map(|x| IptRule {
                    table: x.table,
                    chain: x.chain,
                    spec: x.spec,
                    target: x.target,
                    at: at(path, x.line),
                })
                .collect(),
        });
    } else if cx.node.files.contains_key(p::IPTABLES_SAVE) {
        cx.error(p::IPTABLES_SAVE, "no iptables rule or chain");
    }
    (n.routes.is_some() || n.nameservers.is_some() || n.iptables.is_some()).then_some(n)
}

fn time_facts(cx: &mut Cx) -> Option<TimeSync> {
    let t = cx.text(p::TIME)?;
    let s = timesync::time_sync(&t);
    let clock = timesync::clock_utc(&t);
    if s.is_none() && clock.is_none() {
        return None;
    }
    Some(TimeSync {
        synchronized: s.as_ref().map(|s| s.synchronized),
        source: s.as_ref().map(|s| s.source.to_string()),
        at: s.as_ref().map(|s| at(p::TIME, s.line)),
        clock_utc: clock.map(|c| c.0),
        clock_utc_at: clock.map(|c| at(p::TIME, c.1)),
    })
}

fn certificates(cx: &mut Cx) -> Option<Vec<Certificate>> {
    let t = cx.text(p::PKI)?;
    let reference = cx.reference;
    let certs = pki::certs(&t);
    if certs.is_empty() && !t.trim().is_empty() {
        cx.error(p::PKI, "no `file=`/`notAfter=` block");
    }
    Some(
        certs
            .into_iter()
            .map(|c| {
                let days_left = match (c.not_after, reference) {
                    (Some(na), Some(r)) => Some((na - r).div_euclid(86400)),
                    _ => None,
                };
                Certificate {
                    file: c.file,
                    subject: c.subject,
                    issuer: c.issuer,
                    not_before: c.not_before.map(time::iso),
                    not_after: c.not_after.map(time::iso),
                    days_left,
                    expired: match (c.not_after, reference) {
                        (Some(na), Some(r)) => Some(na <= r),
                        _ => None,
                    },
                    error: c.error,
                    at: at(p::PKI, c.not_after_line.unwrap_or(c.line)),
                }
            })
            .collect(),
    )
}

fn services(cx: &mut Cx) -> BTreeMap<String, Service> {
    let prefix = format!("{}/", p::SERVICES_DIR);
    let paths: Vec<String> = cx
        .node
        .files
        .keys()
        .filter(|k| k.starts_with(&prefix) && k.ends_with(".status.txt"))
        .cloned()
        .collect();
    let mut out = BTreeMap::new();
    for path in paths {
        let unit = path[prefix.len()..path.len() - ".status.txt".len()].to_string();
        let Some(t) = cx.text(&path) else { continue };
        match systemctl::status(&t) {
            Some(s) => {
                out.insert(
                    unit,
                    Service {
                        found: s.found,
                        active: s.active,
                        sub: s.sub,
                        enabled: s.enabled,
                        since: s.since,
                        at: s.active_line.map(|l| at(&path, l)),
                    },
                );
            }
            None => cx.error(&path, "no Loaded:/Active: line"),
        }
    }
    out
}

// ---- cluster/ ----

fn s(v: &Value, ptr: &str) -> Option<String> {
    v.pointer(ptr).and_then(|x| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn u(v: &Value, ptr: &str) -> Option<u64> {
    v.pointer(ptr).and_then(|x| match x {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    })
}

fn strs(v: &Value, ptr: &str) -> Vec<String> {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn arr<'v>(v: &'v Value, ptr: &str) -> &'v [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn conditions(v: &Value, ptr: &str) -> Vec<Condition> {
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

/// kube-apiserver's `--service-cluster-ip-range` (the static pod manifest), else the /12 around
/// the clusterIP of the `kubernetes` Service in the default namespace (flagged `guessed`).
fn service_cidr(cx: &Cx) -> Option<ServiceCidr> {
    let path = format!("{}/kube-apiserver.yaml", p::MANIFESTS_DIR);
    if let Some(t) = cx.text(&path) {
        let mut words = t.lines().enumerate().flat_map(|(i, l)| {
            l.split_whitespace()
                .map(|w| {
                    (
                        i,
                        w.trim_matches(|c| matches!(c, '"' | '\'' | ',' | '[' | ']')),
                    )
                })
                .collect::<Vec<_>>()
        });
        while let Some((i, w)) = words.next() {
            let value = match w.strip_prefix("--service-cluster-ip-range") {
                Some(rest) if rest.starts_with('=') => Some(rest[1..].to_string()),
                Some("") => words.next().map(|(_, v)| v.to_string()),
                _ => None,
            };
            let Some(value) = value else { continue };
            let cidrs: Vec<String> = value
                .split(',')
                .map(str::trim)
                .filter(|c| crate::rules::env::parse_cidr(c).is_some())
                .map(String::from)
                .collect();
            if !cidrs.is_empty() {
                return Some(ServiceCidr {
                    cidrs,
                    source: "kube-apiserver".into(),
                    guessed: false,
                    at: Some(at(&path, i + 1)),
                });
            }
        }
    }
    let items = kubectl::json_list(&cx.text(p::SERVICES)?).ok()?;
    let ip: std::net::Ipv4Addr = items
        .iter()
        .find(|v| {
            s(v, "/metadata/namespace").as_deref() == Some("default")
                && s(v, "/metadata/name").as_deref() == Some("kubernetes")
        })
        .and_then(|v| s(v, "/spec/clusterIP"))?
        .parse()
        .ok()?;
    let net = u32::from(ip) & !((1u32 << 20) - 1);
    Some(ServiceCidr {
        cidrs: vec![format!("{}/12", std::net::Ipv4Addr::from(net))],
        source: "kubernetes-service".into(),
        guessed: true,
        at: None,
    })
}

fn age(reference: Option<i64>, ts: &Option<String>) -> Option<i64> {
    Some(reference? - time::parse_rfc3339(ts.as_deref()?)?)
}

fn cluster(cx: &mut Cx) -> Option<Cluster> {
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

fn ports(c: &Value) -> Vec<Port> {
    arr(c, "/ports")
        .iter()
        .map(|p| Port {
            host_port: u(p, "/hostPort"),
            container_port: u(p, "/containerPort"),
            protocol: s(p, "/protocol").unwrap_or_else(|| "TCP".into()),
        })
        .collect()
}

fn resources(c: &Value, which: &str) -> Resources {
    Resources {
        cpu: s(c, &format!("/resources/{which}/cpu")),
        memory: s(c, &format!("/resources/{which}/memory")),
    }
}

fn state_of(st: Option<&Value>) -> (Option<String>, Option<String>, Option<String>, Option<i64>) {
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

fn pod(v: &Value, reference: Option<i64>) -> Pod {
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
        containers: arr(v, "/spec/containers")
            .iter()
            .map(|c| Container {
                name: s(c, "/name").unwrap_or_default(),
                image: s(c, "/image"),
                requests: resources(c, "requests"),
                limits: resources(c, "limits"),
                ports: ports(c),
            })
            .collect(),
        statuses,
    }
}

fn event(v: &Value) -> Event {
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
