//! What differs between the nodes of one case (several bundles in one run): the document's
//! `differences`, a table a person can scan. Only differences that matter are loud, and they
//! are the rules' (node-config-drift, clock and version skew rules); this table is the rest.
//!
//! The settings are the areas `analyze diff` compares ([`AREAS`]: kubelet flags and config,
//! daemon.json, containerd, versions, packages, swap, SELinux, sysctls), with sysctls limited
//! to [`SYSCTLS`] (a `sysctl -a` differs in hundreds of harmless keys between two machines),
//! plus certificate end dates, the CNI configuration files and how the cluster's node list
//! sees each node.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

/// (area, JSON pointer into the facts, bundle path): settings compared value by value (objects
/// are flattened to `key.sub` keys).
pub const AREAS: &[(&str, &str, &str)] = &[
    ("kernel", "/os/kernel_release", "node/host/uname.txt"),
    ("OS", "/os/pretty_name", "node/host/os-release"),
    (
        "kubelet version",
        "/kubelet/version",
        "node/journal/kubelet.log",
    ),
    ("kubelet flags", "/kubelet/args", "node/kubelet/cmdline.txt"),
    (
        "kubelet config",
        "/kubelet/config",
        "node/kubelet/config.yaml",
    ),
    (
        "daemon.json",
        "/docker/daemon_json",
        "node/docker/daemon.json",
    ),
    (
        "docker version",
        "/docker/version",
        "node/docker/version.txt",
    ),
    (
        "containerd version",
        "/containerd/version",
        "node/containerd/config.toml",
    ),
    (
        "containerd SystemdCgroup",
        "/containerd/systemd_cgroup",
        "node/containerd/config.toml",
    ),
    (
        "containerd sandbox image",
        "/containerd/sandbox_image",
        "node/containerd/config.toml",
    ),
    ("sysctl", "/sysctl", "node/proc/sysctl.txt"),
    ("MTU", "/network/mtu", "node/network/ip-addr.txt"),
    ("packages", "/packages", "node/host/packages.txt"),
    ("swap", "/swap/enabled", "node/proc/swaps"),
    ("SELinux", "/selinux/mode", "node/selinux/getenforce.txt"),
];

/// The sysctls compared across nodes: those the rules and the knowledge base care about.
pub const SYSCTLS: &[&str] = &[
    "net.ipv4.ip_forward",
    "net.bridge.bridge-nf-call-iptables",
    "net.bridge.bridge-nf-call-ip6tables",
    "net.ipv4.conf.all.rp_filter",
    "net.ipv4.tcp_tw_recycle",
    "net.ipv6.conf.all.disable_ipv6",
    "net.netfilter.nf_conntrack_max",
    "net.core.somaxconn",
    "vm.swappiness",
    "vm.overcommit_memory",
    "vm.panic_on_oom",
    "vm.max_map_count",
    "kernel.pid_max",
    "kernel.panic",
    "kernel.panic_on_oops",
    "fs.file-max",
    "fs.inotify.max_user_watches",
    "fs.inotify.max_user_instances",
];

/// One setting whose value is not the same on every node.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub area: String,
    pub key: String,
    /// Where each node's value comes from.
    pub path: String,
    /// One per node of the document's `nodes` that is a bundle, in that order (`None`: the node
    /// has no value: not collected, or not set).
    pub values: Vec<Option<String>>,
}

/// The table: `names` are the bundle nodes, `facts` their facts as JSON (`None`: no facts),
/// `cni` the CNI configuration file names each holds.
pub fn differences(facts: &[Option<Value>], cni: &[Vec<String>]) -> Vec<Difference> {
    let n = facts.len();
    if n < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (area, ptr, path) in AREAS {
        let maps: Vec<BTreeMap<String, String>> = facts
            .iter()
            .map(|f| {
                let mut m = BTreeMap::new();
                flatten("", f.as_ref().and_then(|f| f.pointer(ptr)), &mut m);
                if *area == "sysctl" {
                    m.retain(|k, _| SYSCTLS.contains(&k.as_str()));
                }
                m
            })
            .collect();
        push_rows(area, path, &maps, &mut out);
    }
    // Certificates: each file's end date.
    let certs: Vec<BTreeMap<String, String>> = facts
        .iter()
        .map(|f| {
            let mut m = BTreeMap::new();
            for c in f
                .as_ref()
                .and_then(|f| f.pointer("/certificates"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(file), Some(end)) = (text(c, "file"), text(c, "not_after")) {
                    m.insert(file, end);
                }
            }
            m
        })
        .collect();
    push_rows(
        "certificate ends",
        "node/kubernetes/pki.txt",
        &certs,
        &mut out,
    );
    // CNI configuration files.
    let cni: Vec<BTreeMap<String, String>> = cni
        .iter()
        .map(|files| {
            let mut m = BTreeMap::new();
            if !files.is_empty() {
                m.insert("files".to_string(), files.join(", "));
            }
            m
        })
        .collect();
    push_rows("CNI config", "node/cni/", &cni, &mut out);
    // How the cluster's node list sees each node (any bundle's list: they are the same cluster).
    let listed: BTreeMap<String, String> = facts
        .iter()
        .flatten()
        .filter_map(|f| f.pointer("/cluster/nodes")?.as_array())
        .flatten()
        .filter_map(|node| {
            let name = text(node, "name")?;
            let ready = text(node, "ready").unwrap_or_else(|| "no Ready condition".into());
            Some((name, format!("Ready={ready}")))
        })
        .collect();
    if !listed.is_empty() {
        let seen: Vec<BTreeMap<String, String>> = facts
            .iter()
            .map(|f| {
                let host = f
                    .as_ref()
                    .and_then(|f| f.pointer("/node/hostname")?.as_str());
                let mut m = BTreeMap::new();
                if let Some(h) = host {
                    let v = listed
                        .get(h)
                        .cloned()
                        .unwrap_or_else(|| "not in the node list".into());
                    m.insert("kubectl get nodes".to_string(), v);
                }
                m
            })
            .collect();
        push_rows("cluster", "cluster/nodes.json", &seen, &mut out);
    }
    out
}

/// A row per key whose value is not the same on every node.
fn push_rows(area: &str, path: &str, maps: &[BTreeMap<String, String>], out: &mut Vec<Difference>) {
    let keys: BTreeSet<&String> = maps.iter().flat_map(|m| m.keys()).collect();
    for key in keys {
        let values: Vec<Option<String>> = maps.iter().map(|m| m.get(key).cloned()).collect();
        if values.iter().all(|v| *v == values[0]) {
            continue;
        }
        out.push(Difference {
            area: area.to_string(),
            key: key.clone(),
            path: path.to_string(),
            values,
        });
    }
}

fn text(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(x) => Some(x.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// `prefix.key` -> scalar text for every leaf of `v` (arrays as one JSON value).
pub fn flatten(prefix: &str, v: Option<&Value>, out: &mut BTreeMap<String, String>) {
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, x) in o {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, Some(x), out);
            }
        }
        Some(Value::String(x)) => {
            out.insert(prefix.to_string(), x.clone());
        }
        Some(other) => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_what_differs_with_every_nodes_value() {
        let a = json!({
            "node": {"hostname": "n1"},
            "kubelet": {"config": {"maxPods": 110, "cgroupDriver": "systemd"}},
            "sysctl": {"net.ipv4.ip_forward": "1", "kernel.random.boot_id": "x"},
            "cluster": {"nodes": [{"name": "n1", "ready": "True"}, {"name": "n2", "ready": "False"}]}
        });
        let b = json!({
            "node": {"hostname": "n2"},
            "kubelet": {"config": {"maxPods": 250, "cgroupDriver": "systemd"}},
            "sysctl": {"net.ipv4.ip_forward": "0", "kernel.random.boot_id": "y"}
        });
        let c = json!({"node": {"hostname": "n3"}});
        let d = differences(
            &[Some(a), Some(b), Some(c)],
            &[
                vec!["10-calico.conflist".into()],
                vec!["10-calico.conflist".into()],
                vec![],
            ],
        );
        let rows: Vec<String> = d
            .iter()
            .map(|x| format!("{} {} {:?}", x.area, x.key, x.values))
            .collect();
        assert_eq!(
            rows,
            [
                "kubelet config cgroupDriver [Some(\"systemd\"), Some(\"systemd\"), None]",
                "kubelet config maxPods [Some(\"110\"), Some(\"250\"), None]",
                "sysctl net.ipv4.ip_forward [Some(\"1\"), Some(\"0\"), None]",
                "CNI config files [Some(\"10-calico.conflist\"), Some(\"10-calico.conflist\"), None]",
                "cluster kubectl get nodes [Some(\"Ready=True\"), Some(\"Ready=False\"), Some(\"not in the node list\")]",
            ]
        );
        assert!(differences(&[Some(json!({}))], &[vec![]]).is_empty());
    }
}
