//! Facts: one typed, serializable structure per node, parsed from its files. Rules query it
//! through minijinja expressions (`facts.kubelet.effective.cgroup_driver`). Documented field by
//! field in docs/facts.md.
//!
//! Architecture invariant: `None` means "not collected or not readable", never a guessed default;
//! a file holding an error message instead of data gives `None` plus an entry in `parse_errors`.
//! Facts read from one line keep their provenance in a sibling `*_at` field (`{path, line}`).

mod cluster;
mod cni;
mod derived;
mod host;
mod kernel;
mod kubelet;
mod network;
mod pod;
mod runtime;
pub mod schema;

pub use cluster::*;
pub use cni::*;
pub use derived::*;
pub use host::*;
pub use kernel::*;
pub use kubelet::*;
pub use network::*;
pub use pod::*;
pub use runtime::*;

use std::borrow::Cow;
use std::collections::BTreeMap;

use kdiag_bundle::paths as p;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::input::decode_text;
use crate::parse::{
    self, containerd, df, docker, iptables, kubectl, net, pki, procfs, selinux, sysctl, systemctl,
    timesync,
};
use crate::texts::node::Node;
use crate::units::version::kubelet_version_in;
use crate::units::{panic_text, time};

/// Where a fact was read: a bundle path and a 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// The runtime the kubelet uses and its cgroup driver, derived from the facts above.
    pub runtime: Option<Runtime>,
    pub disks: Option<Vec<Disk>>,
    pub sysctl: Option<BTreeMap<String, String>>,
    pub sysctl_at: Option<BTreeMap<String, At>>,
    pub network: Option<Network>,
    /// /etc/cni/net.d in the kubelet's order (facts/cni.rs).
    pub cni: Option<Cni>,
    pub time: Option<TimeSync>,
    pub certificates: Option<Vec<Certificate>>,
    /// Loaded kernel modules (node/kernel/modules.txt).
    pub kernel: Option<Kernel>,
    /// kube-proxy's mode from its ConfigMap, and the IPVS modules lsmod does not list.
    pub kube_proxy: Option<KubeProxy>,
    /// Conntrack usage (node/proc/conntrack-limits.txt, else sysctl.txt) and `conntrack -S`.
    pub conntrack: Option<Conntrack>,
    /// `xfs_info` of the filesystems holding the runtime's data root.
    pub xfs: Option<Vec<XfsFs>>,
    /// What `iptables-legacy-save` and `iptables-nft-save` showed.
    pub iptables_backends: Option<IptablesBackends>,
    /// etcd's DB size, quota and leader from its loopback metrics (node/etcd/metrics.txt).
    pub etcd: Option<Etcd>,
    /// LVM thin pools with their data and metadata use (node/disk/lvs.txt, from a pasted `lvs`).
    pub thin_pools: Option<Vec<ThinPool>>,
    /// Memory quantities under one MiB in ResourceQuotas and LimitRanges (cluster/resourcequotas.json,
    /// cluster/limitranges.json: from a paste), each naming its object.
    pub memory_policy_mistakes: Option<Vec<PolicyMemoryMistake>>,
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

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NodeInfo {
    pub hostname: Option<String>,
    /// RFC 3339, from the manifest.
    pub collected_at: Option<String>,
    pub collected_at_unix: Option<i64>,
    /// The time object ages and certificate expiry are judged against, unix seconds: the
    /// manifest's collected_at, else the node's clock (`facts.time.clock_utc`: a pasted
    /// `date`, node/host/time.txt), else none (nothing judged that needs it).
    pub reference_unix: Option<i64>,
    /// `collected_at` or `node clock`: where `reference_unix` came from.
    pub reference_from: Option<String>,
    /// Without a reference time: the newest time the cluster's objects record (creationTimestamp,
    /// deletionTimestamp, an event's lastTimestamp, a condition's lastTransitionTime or a node's
    /// lastHeartbeatTime, ...; from cluster/*.json, a bundle's or a paste's). The collection was
    /// at this time or later, so ages measured against it are lower bounds
    /// (`deletion_age_at_least_s`) and a certificate past its notAfter by then was expired.
    pub newest_unix: Option<i64>,
    pub since: Option<String>,
    pub uid: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ManifestItem {
    pub path: String,
    pub status: String,
    pub exit_code: Option<i32>,
    pub stderr: Option<String>,
    pub truncated: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ManifestFacts {
    pub present: bool,
    pub collector_version: Option<String>,
    pub items: Vec<ManifestItem>,
}

/// Reading context: the node, its reference time, and the parse errors met.
struct Cx<'a> {
    node: &'a Node,
    reference: Option<i64>,
    /// [`NodeInfo::newest_unix`]: set only without a reference.
    floor: Option<i64>,
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
        let collected = node
            .manifest
            .as_ref()
            .and_then(|m| time::parse_rfc3339(&m.collected_at));
        // a paste (or a folder without manifest) is dated by the clock it shows, when it does
        let clock = || {
            let t = node.files.get(p::TIME).map(|b| decode_text(b))?;
            timesync::clock_utc(&t).map(|c| c.0)
        };
        let reference = collected
            .map(|t| (t, "collected_at"))
            .or_else(|| clock().map(|t| (t, "node clock")));
        let mut cx = Cx {
            node,
            reference: reference.map(|r| r.0),
            floor: reference
                .is_none()
                .then(|| newest_timestamp(node))
                .flatten(),
            errors: Vec::new(),
        };
        let mut f = Facts {
            node: node_info(&cx, collected, reference.map(|r| r.1)),
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
        f.docker = docker_facts(&mut cx, this_node.as_ref());
        f.containerd = containerd_facts(&mut cx, this_node.as_ref());
        f.packages = cx.text(p::PACKAGES).map(|t| {
            parse::host::packages(&t)
                .into_iter()
                .map(|(name, (version, _))| (name, version))
                .collect()
        });
        f.disks = disks(&mut cx);
        (f.sysctl, f.sysctl_at) = sysctl_facts(&mut cx);
        f.network = network(&mut cx);
        f.cni = cni::cni(&mut cx, f.cluster.as_ref());
        f.time = time_facts(&mut cx);
        f.certificates = certificates(&mut cx);
        f.kernel = kernel::kernel_facts(&mut cx);
        f.kube_proxy = kernel::kube_proxy(&mut cx, f.kernel.as_ref());
        f.conntrack = kernel::conntrack(&mut cx);
        f.xfs = kernel::xfs(&mut cx);
        f.iptables_backends = kernel::iptables_backends(&mut cx);
        f.etcd = kernel::etcd(&mut cx);
        f.thin_pools = kernel::thin_pools(&mut cx);
        f.memory_policy_mistakes = pod::policy_memory_mistakes(&mut cx);
        f.services = services(&mut cx);
        f.service_cidr = service_cidr(&cx);
        f.parse_errors = cx.errors;
        f.runtime = derived::runtime(&f);
        derived::kubelet_filesystems(&mut f);
        f
    }
}

/// See [`NodeInfo::newest_unix`]. Only the cluster's objects are read (held whole, never
/// streamed, so the floor is the same whether the logs were held or streamed).
fn newest_timestamp(node: &Node) -> Option<i64> {
    static OBSERVED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"\b(?:creationTimestamp|deletionTimestamp|lastTransitionTime|lastTimestamp|firstTimestamp|eventTime|lastHeartbeatTime|lastProbeTime|startedAt|finishedAt|startTime|renewTime|acquireTime)"?\s*:\s*"?(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2}))"#).unwrap()
    });
    node.files
        .iter()
        .filter(|(path, _)| path.starts_with("cluster/") && path.ends_with(".json"))
        .flat_map(|(_, bytes)| {
            let t = decode_text(bytes);
            OBSERVED
                .captures_iter(&t)
                .filter_map(|c| time::parse_rfc3339(&c[1]))
                .collect::<Vec<_>>()
        })
        .max()
}

fn node_info(cx: &Cx, collected: Option<i64>, reference_from: Option<&str>) -> NodeInfo {
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
        collected_at_unix: collected,
        reference_unix: cx.reference,
        reference_from: reference_from.map(str::to_string),
        newest_unix: cx.floor,
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
