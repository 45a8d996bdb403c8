//! `facts_summary`: the few facts of a node a support engineer reads first (OS, kernel, runtime
//! versions, SELinux, swap, cgroup drivers, disks with the kubelet's eviction threshold, node
//! conditions), read straight from the bundle files with the parsers in `crate::parse`.
//! Every field is absent when its file was not collected or did not parse: never a guess, except
//! the kubelet defaults, which are marked as such (`*_default: true`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::Node;
use crate::parse::{df, host, procfs, selinux};

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

fn text<'a>(node: &'a Node, path: &str) -> Option<std::borrow::Cow<'a, str>> {
    node.files.get(path).map(|b| String::from_utf8_lossy(b))
}

const KUBELET_DEFAULT_EVICTION: &[(&str, &str)] = &[
    ("imagefs.available", "15%"),
    ("memory.available", "100Mi"),
    ("nodefs.available", "10%"),
    ("nodefs.inodesFree", "5%"),
];

impl FactsSummary {
    pub fn of(node: &Node) -> FactsSummary {
        let mut s = FactsSummary::default();
        let nodes_json = text(node, "cluster/nodes.json")
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
        let this_node = nodes_json.as_ref().and_then(|v| find_node(v, &node.name));
        let info = this_node.and_then(|n| n.pointer("/status/nodeInfo"));
        let info_str = |k: &str| {
            info.and_then(|i| i.get(k))
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };

        s.hostname = text(node, "node/host/hostname")
            .map(|t| t.trim().to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| node.manifest.as_ref().map(|m| m.hostname.clone()));
        s.os = text(node, "node/host/os-release")
            .and_then(|t| host::key_values(&t).get("PRETTY_NAME").map(|v| v.0.clone()))
            .or_else(|| {
                text(node, "node/host/redhat-release")
                    .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
                    .filter(|l| !l.is_empty())
            })
            .or_else(|| info_str("osImage"));
        s.kernel = text(node, "node/host/uname.txt")
            .and_then(|t| host::uname(&t).map(|u| u.kernel_release))
            .or_else(|| text(node, "node/proc/version").and_then(|t| host::proc_version(&t)))
            .or_else(|| info_str("kernelVersion"));

        let packages = text(node, "node/host/packages.txt")
            .map(|t| host::packages(&t))
            .unwrap_or_default();
        let pkg = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| packages.get(*n).map(|(v, _)| v.clone()))
        };
        let docker_version = text(node, "node/docker/version.txt")
            .and_then(|t| section_value(&t, "Server", "Version:"))
            .or_else(|| {
                text(node, "node/docker/info.txt").and_then(|t| line_value(&t, "Server Version:"))
            })
            .or_else(|| pkg(&["docker-ce", "docker", "docker.io", "moby-engine"]));
        let runtime = info_str("containerRuntimeVersion");
        let containerd_version = pkg(&["containerd.io", "containerd"])
            .or_else(|| {
                text(node, "node/docker/version.txt")
                    .and_then(|t| section_value(&t, "containerd:", "Version:"))
            })
            .or_else(|| {
                runtime
                    .as_deref()
                    .and_then(|r| r.strip_prefix("containerd://"))
                    .map(str::to_string)
            });
        let kubelet_version = info_str("kubeletVersion").or_else(|| pkg(&["kubelet"]));
        for (k, v) in [
            ("docker", docker_version),
            ("containerd", containerd_version),
            ("runc", pkg(&["runc"])),
            ("kubelet", kubelet_version),
            ("kubeadm", pkg(&["kubeadm"])),
        ] {
            if let Some(v) = v {
                s.versions.insert(k.to_string(), v);
            }
        }

        let sestatus = text(node, "node/selinux/sestatus.txt").and_then(|t| selinux::sestatus(&t));
        let mode = text(node, "node/selinux/getenforce.txt")
            .and_then(|t| selinux::getenforce(&t).map(|m| m.0))
            .or_else(|| {
                sestatus.as_ref().and_then(|st| {
                    st.current_mode.as_ref().map(|m| m.0.clone()).or_else(|| {
                        st.status
                            .as_ref()
                            .filter(|v| v.0 == "disabled")
                            .map(|v| v.0.clone())
                    })
                })
            });
        let config_mode = text(node, "node/selinux/config")
            .and_then(|t| selinux::config(&t).map(|m| m.0))
            .or_else(|| {
                sestatus
                    .as_ref()
                    .and_then(|st| st.config_mode.as_ref().map(|m| m.0.clone()))
            });
        if mode.is_some() || config_mode.is_some() {
            s.selinux = Some(Selinux { mode, config_mode });
        }

        let free = text(node, "node/memory/free.txt").and_then(|t| procfs::free(&t));
        s.memory_total_mb = free.as_ref().and_then(|f| f.mem_total_mb).or_else(|| {
            text(node, "node/proc/meminfo")
                .and_then(|t| procfs::meminfo(&t, "MemTotal").map(|(kb, _)| kb / 1024))
        });
        if let Some(devs) = text(node, "node/proc/swaps").and_then(|t| procfs::swaps(&t)) {
            let total_kb = devs.iter().map(|d| d.size_kb).sum();
            s.swap = Some(Swap {
                enabled: !devs.is_empty(),
                total_kb,
                devices: devs.iter().map(|d| d.filename.clone()).collect(),
            });
        } else if let Some(mb) = free.as_ref().and_then(|f| f.swap_total_mb) {
            s.swap = Some(Swap {
                enabled: mb > 0,
                total_kb: mb * 1024,
                devices: Vec::new(),
            });
        } else if let Some((kb, _)) =
            text(node, "node/proc/meminfo").and_then(|t| procfs::meminfo(&t, "SwapTotal"))
        {
            s.swap = Some(Swap {
                enabled: kb > 0,
                total_kb: kb,
                devices: Vec::new(),
            });
        }

        let kubelet = KubeletSettings::of(node);
        let docker_info = text(node, "node/docker/info.txt");
        s.cgroup_drivers.docker = text(node, "node/docker/daemon.json")
            .and_then(|t| daemon_json_driver(&t))
            .or_else(|| {
                docker_info
                    .as_deref()
                    .and_then(|t| line_value(t, "Cgroup Driver:"))
            });
        s.cgroup_drivers.containerd =
            text(node, "node/containerd/config.toml").and_then(|t| containerd_driver(&t));
        match kubelet.cgroup_driver {
            Some(d) => s.cgroup_drivers.kubelet = Some(d),
            None if kubelet.seen => {
                s.cgroup_drivers.kubelet = Some("cgroupfs".into());
                s.cgroup_drivers.kubelet_default = true;
            }
            None => {}
        }
        let uses_docker = runtime.as_deref().is_some_and(|r| r.starts_with("docker"))
            || (runtime.is_none() && s.cgroup_drivers.docker.is_some());
        let runtime_driver = if uses_docker {
            s.cgroup_drivers.docker.as_ref()
        } else {
            s.cgroup_drivers
                .containerd
                .as_ref()
                .or(s.cgroup_drivers.docker.as_ref())
        };
        if let (Some(k), Some(r)) = (&s.cgroup_drivers.kubelet, runtime_driver) {
            s.cgroup_drivers.mismatch = k != r;
        }

        if kubelet.eviction_hard.is_empty() {
            if kubelet.seen {
                s.eviction_hard_default = true;
                s.eviction_hard = KUBELET_DEFAULT_EVICTION
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
            }
        } else {
            s.eviction_hard = kubelet.eviction_hard.clone();
        }

        let inodes: BTreeMap<String, Option<u32>> = text(node, "node/disk/df-inodes.txt")
            .and_then(|t| df::df(&t))
            .map(|(_, rows)| rows.into_iter().map(|r| (r.mount, r.use_pct)).collect())
            .unwrap_or_default();
        if let Some((kind, rows)) = text(node, "node/disk/df.txt").and_then(|t| df::df(&t)) {
            let real: Vec<_> = rows
                .into_iter()
                .filter(|r| {
                    kind != df::DfKind::Inodes
                        && !matches!(
                            r.fstype.as_deref(),
                            Some("tmpfs" | "devtmpfs" | "overlay" | "shm" | "squashfs")
                        )
                        && !r.mount.starts_with("/var/lib/docker/")
                        && !r.mount.starts_with("/var/lib/kubelet/pods/")
                        && !r.mount.starts_with("/run/")
                })
                .collect();
            let mounts: Vec<&str> = real.iter().map(|r| r.mount.as_str()).collect();
            let nodefs = mount_of(&mounts, &kubelet.root_dir);
            let docker_root = docker_info
                .as_deref()
                .and_then(|t| line_value(t, "Docker Root Dir:"))
                .unwrap_or_else(|| {
                    if uses_docker || s.cgroup_drivers.containerd.is_none() {
                        "/var/lib/docker".into()
                    } else {
                        "/var/lib/containerd".into()
                    }
                });
            let imagefs = mount_of(&mounts, &docker_root);
            for r in &real {
                let mut d = Disk {
                    filesystem: r.filesystem.clone(),
                    fstype: r.fstype.clone(),
                    mount: r.mount.clone(),
                    size_kb: r.size,
                    used_kb: r.used,
                    avail_kb: r.avail,
                    use_pct: r.use_pct,
                    inodes_use_pct: inodes.get(&r.mount).copied().flatten(),
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
                    if let (true, Some(th)) = (on, s.eviction_hard.get(&key)) {
                        if let Some(pct) = used_pct_mark(th, r.size) {
                            marks.push((pct, format!("{key}<{th}")));
                        }
                    }
                }
                if let Some((pct, sig)) = marks.into_iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
                    d.evict_at_pct = Some(pct);
                    d.evict_signal = Some(sig);
                }
                s.disks.push(d);
            }
        }

        if let Some(conds) = this_node
            .and_then(|n| n.pointer("/status/conditions"))
            .and_then(|c| c.as_array())
        {
            let st = |c: &serde_json::Value, k: &str| {
                c.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            s.conditions = conds
                .iter()
                .map(|c| Condition {
                    kind: st(c, "type"),
                    status: st(c, "status"),
                    reason: st(c, "reason"),
                    message: st(c, "message"),
                    last_transition: st(c, "lastTransitionTime"),
                })
                .collect();
        }
        s
    }
}

/// The node of `cluster/nodes.json` named like this one (or the only one).
fn find_node<'a>(v: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    let items = v.get("items")?.as_array()?;
    let named = |n: &serde_json::Value| {
        n.pointer("/metadata/name")
            .and_then(|x| x.as_str())
            .is_some_and(|x| x == name || x.split('.').next() == name.split('.').next())
    };
    items
        .iter()
        .find(|n| named(n))
        .or_else(|| (items.len() == 1).then(|| &items[0]))
}

/// The use% at which an `X.available<threshold` signal fires (threshold `10%` or `2Gi`).
fn used_pct_mark(threshold: &str, size_kb: Option<u64>) -> Option<f64> {
    if let Some(p) = threshold.strip_suffix('%') {
        let p: f64 = p.trim().parse().ok()?;
        return Some((100.0 - p).clamp(0.0, 100.0));
    }
    let bytes = quantity(threshold)?;
    let size = size_kb? as f64 * 1024.0;
    (size > 0.0).then(|| (100.0 - bytes / size * 100.0).clamp(0.0, 100.0))
}

/// A Kubernetes quantity (`100Mi`, `2G`, `1.5Gi`) in bytes.
fn quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    let m = match unit {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0f64.powi(4),
        _ => return None,
    };
    Some(n * m)
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

/// `Key: value` on a line of its own (docker info).
fn line_value(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_string()))
        .filter(|v| !v.is_empty())
}

/// The first `key` line after a line starting with `section` (docker version's `Server:` block).
fn section_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut in_section = false;
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with(section) {
            in_section = true;
            continue;
        }
        if in_section {
            if let Some(v) = t.strip_prefix(key) {
                let v = v.trim();
                return (!v.is_empty()).then(|| v.to_string());
            }
        }
    }
    None
}

/// `"exec-opts": ["native.cgroupdriver=systemd"]` of daemon.json.
fn daemon_json_driver(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.get("exec-opts")?
        .as_array()?
        .iter()
        .filter_map(|o| o.as_str())
        .find_map(|o| {
            o.replace(' ', "")
                .strip_prefix("native.cgroupdriver=")
                .map(str::to_string)
        })
}

/// containerd's `SystemdCgroup = true` (runc options) or `systemd_cgroup = true` (CRI v1).
fn containerd_driver(text: &str) -> Option<String> {
    let mut found = None;
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with('#') {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        if matches!(k.trim(), "SystemdCgroup" | "systemd_cgroup") {
            let on = v.trim() == "true";
            if on || found.is_none() {
                found = Some(if on { "systemd" } else { "cgroupfs" }.to_string());
            }
        }
    }
    found
}

/// What the kubelet was told, from its argv, flag files and config.yaml (argv wins).
#[derive(Debug, Default)]
struct KubeletSettings {
    /// Any kubelet configuration was collected (else no default is assumed).
    seen: bool,
    cgroup_driver: Option<String>,
    eviction_hard: BTreeMap<String, String>,
    root_dir: String,
}

impl KubeletSettings {
    fn of(node: &Node) -> KubeletSettings {
        let mut k = KubeletSettings {
            root_dir: "/var/lib/kubelet".into(),
            ..Default::default()
        };
        // Highest precedence first.
        let flag_files = [
            "node/kubelet/cmdline.txt",
            "node/kubelet/kubeadm-flags.env",
            "node/kubelet/sysconfig",
            "node/kubelet/unit.txt",
        ];
        let mut driver = None;
        let mut eviction = None;
        let mut root = None;
        let mut config_path = None;
        for f in flag_files {
            let Some(t) = text(node, f) else { continue };
            k.seen = true;
            let t = t.replace('\0', "\n");
            driver = driver.or_else(|| flag(&t, "--cgroup-driver"));
            eviction = eviction.or_else(|| flag(&t, "--eviction-hard"));
            root = root.or_else(|| flag(&t, "--root-dir"));
            config_path = config_path.or_else(|| flag(&t, "--config"));
        }
        let _ = config_path;
        let config = text(node, "node/kubelet/config.yaml")
            .and_then(|t| serde_yaml::from_str::<serde_json::Value>(&t).ok());
        if config.is_some() {
            k.seen = true;
        }
        k.cgroup_driver = driver.or_else(|| {
            config
                .as_ref()
                .and_then(|c| c.get("cgroupDriver"))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
        if let Some(e) = eviction {
            for part in e.split(',') {
                if let Some((sig, th)) = part.split_once('<') {
                    k.eviction_hard
                        .insert(sig.trim().to_string(), th.trim().to_string());
                }
            }
        } else if let Some(m) = config
            .as_ref()
            .and_then(|c| c.get("evictionHard"))
            .and_then(|v| v.as_object())
        {
            for (sig, th) in m {
                if let Some(th) = th.as_str() {
                    k.eviction_hard.insert(sig.clone(), th.to_string());
                }
            }
        }
        if let Some(r) = root {
            k.root_dir = r;
        }
        k
    }
}

/// The value of `--name=value` / `--name value` in a text of flags (quotes stripped).
fn flag(text: &str, name: &str) -> Option<String> {
    let mut last = None;
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, w) in words.iter().enumerate() {
        if let Some(v) = w.strip_prefix(name) {
            if let Some(v) = v.strip_prefix('=') {
                last.get_or_insert_with(|| v.to_string());
            } else if v.is_empty() {
                if let Some(next) = words.get(i + 1).filter(|n| !n.starts_with("--")) {
                    last.get_or_insert_with(|| next.to_string());
                }
            }
        }
    }
    last.filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_marks() {
        assert_eq!(used_pct_mark("10%", None), Some(90.0));
        assert_eq!(used_pct_mark("1Gi", Some(10 * 1024 * 1024)), Some(90.0));
        assert_eq!(used_pct_mark("x", Some(1)), None);
    }

    #[test]
    fn flags_and_mounts() {
        let t =
            "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --eviction-hard nodefs.available<1%\"";
        assert_eq!(flag(t, "--cgroup-driver").as_deref(), Some("systemd"));
        assert_eq!(
            flag(t, "--eviction-hard").as_deref(),
            Some("nodefs.available<1%")
        );
        assert_eq!(flag(t, "--root-dir"), None);
        let m = ["/", "/var", "/var/lib/docker2"];
        assert_eq!(mount_of(&m, "/var/lib/docker"), Some("/var"));
        assert_eq!(mount_of(&m, "/opt"), Some("/"));
    }

    #[test]
    fn containerd_and_docker_drivers() {
        let c = "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n";
        assert_eq!(containerd_driver(c).as_deref(), Some("systemd"));
        let d = r#"{"exec-opts": ["native.cgroupdriver=systemd"]}"#;
        assert_eq!(daemon_json_driver(d).as_deref(), Some("systemd"));
        let v = "Client:\n Version: 1\nServer: Docker Engine - Community\n Engine:\n  Version: 20.10.7\n";
        assert_eq!(
            section_value(v, "Server", "Version:").as_deref(),
            Some("20.10.7")
        );
    }
}
