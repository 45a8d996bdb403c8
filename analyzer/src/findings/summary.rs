//! `facts_summary`: the few facts of a node a support engineer reads first (OS, kernel, runtime
//! versions, SELinux, swap, cgroup drivers, disks with the kubelet's eviction threshold, node
//! conditions), derived from the node's [`Facts`] alone: the bundle files are parsed once, by
//! `crate::parse` and `crate::facts`, for the rules and the reports alike.
//! Every field is absent when its fact is: never a guess, except the kubelet defaults, which are
//! marked as such (`*_default: true`).

use std::collections::BTreeMap;

use serde::Serialize;

use serde_json::Value;

use crate::facts::{ClusterNode, Facts};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FactsSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// `PRETTY_NAME` of os-release (else redhat-release, else the node's osImage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Kernel release (`3.10.0-1160.el7.x86_64`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Versions of docker, containerd, runc, kubelet, kubeadm, kubectl that could be found.
    pub versions: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selinux: Option<Selinux>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swap: Option<Swap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_total_mb: Option<u64>,
    pub cgroup_drivers: CgroupDrivers,
    /// The kubelet's hard eviction thresholds (`nodefs.available` -> `10%`).
    pub eviction_hard: BTreeMap<String, String>,
    /// True when `eviction_hard` is the kubelet's built-in default (no flag or config found).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub eviction_hard_default: bool,
    pub disks: Vec<Disk>,
    /// Conditions of this node from cluster/nodes.json.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Selinux {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_mode: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Swap {
    pub enabled: bool,
    pub total_kb: u64,
    /// Swap devices (/proc/swaps).
    pub devices: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CgroupDrivers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub containerd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubelet: Option<String>,
    /// True when the kubelet's driver is its default (`cgroupfs`): set nowhere.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub kubelet_default: bool,
    /// True when the kubelet's driver differs from the runtime's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub mismatch: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Disk {
    pub filesystem: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub fstype: Option<String>,
    pub mount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_kb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_kb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avail_kb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_pct: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inodes_use_pct: Option<u32>,
    /// What the kubelet keeps here: `nodefs` (its root dir) and/or `imagefs` (the runtime's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Use% at which the kubelet starts evicting for this filesystem, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evict_at_pct: Option<f64>,
    /// The threshold behind `evict_at_pct` (`nodefs.available<10%`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evict_signal: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub last_transition: String,
}

/// Filesystems the disk list leaves out: memory-backed, images, and the runtime's and pods' own
/// mounts under a real filesystem.
fn shown(d: &crate::facts::Disk) -> bool {
    !matches!(
        d.fstype.as_deref(),
        Some("tmpfs" | "devtmpfs" | "overlay" | "shm" | "squashfs")
    ) && !d.mount.starts_with("/var/lib/docker/")
        && !d.mount.starts_with("/var/lib/kubelet/pods/")
        && !d.mount.starts_with("/run/")
}

impl FactsSummary {
    pub fn of(facts: &Facts) -> FactsSummary {
        let mut s = FactsSummary::default();
        let this_node: Option<&ClusterNode> = facts.cluster_node();
        let os = facts.os.as_ref();
        let kubelet = facts.kubelet.as_ref();
        let docker = facts.docker.as_ref();
        let containerd = facts.containerd.as_ref();
        let effective = |field: &str| kubelet.and_then(|k| k.effective.get(field));
        let is_default = |k: &str| {
            kubelet
                .is_some_and(|kl| kl.effective_source.get(k).map(String::as_str) == Some("default"))
        };

        s.hostname = facts.node.hostname.clone();
        s.os = os
            .and_then(|o| o.pretty_name.clone())
            .or_else(|| this_node.and_then(|n| n.os_image.clone()));
        s.kernel = os
            .and_then(|o| o.kernel_release.clone())
            .or_else(|| this_node.and_then(|n| n.kernel_version.clone()));

        let package = |name: &str| facts.packages.as_ref().and_then(|p| p.get(name)).cloned();
        for (k, v) in [
            ("docker", docker.and_then(|d| d.version.clone())),
            ("containerd", containerd.and_then(|c| c.version.clone())),
            ("runc", package("runc")),
            ("kubelet", kubelet.and_then(|k| k.version.clone())),
            ("kubeadm", package("kubeadm")),
            ("kubectl", package("kubectl")),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                s.versions.insert(k.to_string(), v);
            }
        }

        s.selinux = facts.selinux.as_ref().map(|x| Selinux {
            mode: x.mode.clone(),
            config_mode: x.config_mode.clone(),
        });
        s.swap = facts.swap.as_ref().map(|x| Swap {
            enabled: x.enabled,
            total_kb: x.total_kb,
            devices: x
                .devices
                .iter()
                .flatten()
                .map(|d| d.filename.clone())
                .collect(),
        });
        s.memory_total_mb = facts.memory.as_ref().and_then(|m| m.total_mb);

        let cd = &mut s.cgroup_drivers;
        cd.docker = docker.and_then(|d| d.cgroup_driver.clone());
        cd.containerd = containerd
            .and_then(|c| c.systemd_cgroup)
            .map(|on| if on { "systemd" } else { "cgroupfs" }.to_string());
        cd.kubelet = effective("cgroup_driver")
            .and_then(Value::as_str)
            .map(str::to_string);
        cd.kubelet_default = cd.kubelet.is_some() && is_default("cgroup_driver");
        let uses_docker = runtime_is_docker(this_node, kubelet).unwrap_or(cd.docker.is_some());
        let runtime_driver = if uses_docker {
            cd.docker.as_ref()
        } else {
            cd.containerd.as_ref().or(cd.docker.as_ref())
        };
        if let (Some(k), Some(r)) = (&cd.kubelet, runtime_driver) {
            cd.mismatch = k != r;
        }

        if let Some(Value::Object(m)) = effective("eviction_hard") {
            s.eviction_hard = m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect();
            s.eviction_hard_default = is_default("eviction_hard");
        }

        let disks: Vec<&crate::facts::Disk> =
            facts.disks.iter().flatten().filter(|d| shown(d)).collect();
        let mounts: Vec<&str> = disks.iter().map(|d| d.mount.as_str()).collect();
        let root_dir = effective("root_dir")
            .and_then(Value::as_str)
            .unwrap_or("/var/lib/kubelet");
        let nodefs = mount_of(&mounts, root_dir);
        let runtime_root = docker.and_then(|d| d.root_dir.clone()).unwrap_or_else(|| {
            if uses_docker || s.cgroup_drivers.containerd.is_none() {
                "/var/lib/docker".into()
            } else {
                "/var/lib/containerd".into()
            }
        });
        let imagefs = mount_of(&mounts, &runtime_root);
        let thresholds = kubelet.map(|k| &k.eviction_hard_thresholds);
        for r in disks {
            let mut d = Disk {
                filesystem: r.filesystem.clone(),
                fstype: r.fstype.clone(),
                mount: r.mount.clone(),
                size_kb: r.size_kb,
                used_kb: r.used_kb,
                avail_kb: r.avail_kb,
                use_pct: r.use_pct,
                inodes_use_pct: r.inodes_use_pct,
                ..Disk::default()
            };
            let is_nodefs = nodefs == Some(r.mount.as_str());
            let is_imagefs = imagefs == Some(r.mount.as_str());
            if is_nodefs {
                d.roles.push("nodefs".into());
            }
            if is_imagefs {
                d.roles.push("imagefs".into());
            }
            // On a shared filesystem the kubelet applies both; the stricter mark wins.
            let mut marks = Vec::new();
            for (role, on) in [("nodefs", is_nodefs), ("imagefs", is_imagefs)] {
                let key = format!("{role}.available");
                let (Some(th), Some(text)) = (
                    thresholds.and_then(|t| t.get(&key)).filter(|_| on),
                    s.eviction_hard.get(&key),
                ) else {
                    continue;
                };
                if let Some(pct) = th.used_pct_mark(r.size_kb) {
                    marks.push((pct, format!("{key}<{text}")));
                }
            }
            if let Some((pct, sig)) = marks.into_iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
                d.evict_at_pct = Some(pct);
                d.evict_signal = Some(sig);
            }
            s.disks.push(d);
        }

        if let Some(n) = this_node {
            s.conditions = n
                .conditions
                .iter()
                .map(|c| Condition {
                    kind: c.kind.clone(),
                    status: c.status.clone(),
                    reason: c.reason.clone().unwrap_or_default(),
                    message: c.message.clone().unwrap_or_default(),
                    last_transition: c.last_transition.clone().unwrap_or_default(),
                })
                .collect();
        }
        s
    }
}

/// Whether the kubelet talks to docker (`Some(true)`) or to another CRI runtime: this node's
/// `containerRuntimeVersion` in nodes.json, else the kubelet's runtime endpoint or
/// `--container-runtime`; `None` when nothing says.
fn runtime_is_docker(
    this_node: Option<&ClusterNode>,
    kubelet: Option<&crate::facts::Kubelet>,
) -> Option<bool> {
    if let Some(r) = this_node.and_then(|n| n.container_runtime_version.as_deref()) {
        return Some(r.starts_with("docker"));
    }
    let setting = |k: &str| {
        kubelet
            .filter(|kl| kl.effective_source.get(k).map(String::as_str) != Some("default"))
            .and_then(|kl| kl.effective.get(k))
            .and_then(Value::as_str)
    };
    if let Some(e) = setting("container_runtime_endpoint") {
        return Some(e.contains("dockershim") || e.contains("cri-dockerd"));
    }
    match setting("container_runtime") {
        Some("docker") => Some(true),
        Some("remote") => Some(false),
        _ => None,
    }
}

/// The longest mount point containing `path`.
fn mount_of<'a>(mounts: &[&'a str], path: &str) -> Option<&'a str> {
    mounts
        .iter()
        .filter(|m| {
            **m == "/"
                || path == **m
                || path
                    .strip_prefix(**m)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|m| m.len())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts() {
        let m = ["/", "/var", "/var/lib/docker2"];
        assert_eq!(mount_of(&m, "/var/lib/docker"), Some("/var"));
        assert_eq!(mount_of(&m, "/opt"), Some("/"));
    }
}
