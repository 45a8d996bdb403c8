//! Facts derived from other facts, where rules would otherwise repeat the same reasoning in
//! their expressions: which container runtime the kubelet uses, and that runtime's cgroup driver;
//! which of the node's filesystems are the kubelet's nodefs and imagefs.

use super::*;

/// The container runtime the kubelet talks to, and its cgroup driver, decided once from the
/// kubelet's settings, the cluster's view of the node and the runtimes' own facts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Runtime {
    /// `docker` | `containerd` | `cri-o`.
    pub kind: String,
    /// What decided `kind`, first that applies: `endpoint` (the kubelet's
    /// container-runtime-endpoint), `flag` (`--container-runtime=docker`, the dockershim),
    /// `node` (this node's containerRuntimeVersion in nodes.json), `default` (no endpoint and
    /// a kubelet of 1.24 or later: containerd's socket is its default) or `docker` (no endpoint
    /// and docker's configuration or answers were collected: before 1.24 the kubelet's default
    /// runtime is docker).
    pub kind_from: String,
    /// The runtime's cgroup driver, `systemd` | `cgroupfs`: docker's (`facts.docker.cgroup_driver`),
    /// containerd's `SystemdCgroup` (`facts.containerd.systemd_cgroup`: config.toml, else
    /// `crictl info`; `cgroupfs`, containerd's default, when SystemdCgroup is written only in a
    /// table containerd ignores). Absent when the runtime's setting was not collected, and always
    /// for CRI-O.
    pub cgroup_driver: Option<String>,
    /// The line that set the driver; absent when it came from `crictl info` or `docker info`
    /// without a line.
    pub cgroup_driver_at: Option<At>,
}

/// `None` when nothing says which runtime the kubelet uses.
pub(super) fn runtime(f: &Facts) -> Option<Runtime> {
    let setting = |k: &str| {
        f.kubelet
            .as_ref()
            .and_then(|kl| kl.effective.get(k))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .filter(|s| !s.trim().is_empty())
    };
    let of_text = |t: &str| {
        if t.contains("containerd") {
            Some("containerd")
        } else if t.contains("crio") || t.contains("cri-o") {
            Some("cri-o")
        } else if t.contains("docker") {
            // cri-dockerd's socket, dockershim's, or docker://
            Some("docker")
        } else {
            None
        }
    };
    let node_runtime = f
        .cluster_node()
        .and_then(|n| n.container_runtime_version.as_deref())
        .map(str::to_ascii_lowercase);
    // docker's facts exist when its daemon.json, `docker info` or `docker version` was read.
    let docker_installed = f.docker.is_some();
    let kubelet_at_least_1_24 = f
        .kubelet
        .as_ref()
        .and_then(|k| k.version.as_deref())
        .is_some_and(|v| {
            crate::units::version::compare_versions(v.trim_start_matches('v'), "1.24")
                != std::cmp::Ordering::Less
        });
    let (kind, from) = if let Some(k) = setting("container_runtime_endpoint")
        .as_deref()
        .and_then(of_text)
    {
        (k, "endpoint")
    } else if setting("container_runtime").as_deref() == Some("docker") {
        ("docker", "flag")
    } else if let Some(k) = node_runtime
        .as_deref()
        .and_then(|v| v.split_once("://"))
        .and_then(|(scheme, _)| of_text(scheme))
    {
        (k, "node")
    } else if kubelet_at_least_1_24 {
        // Without dockershim the endpoint defaults to containerd's socket.
        ("containerd", "default")
    } else if docker_installed {
        ("docker", "docker")
    } else {
        return None;
    };
    let (cgroup_driver, cgroup_driver_at) = match kind {
        "docker" => f
            .docker
            .as_ref()
            .map(|d| (d.cgroup_driver.clone(), d.cgroup_driver_at.clone()))
            .unwrap_or_default(),
        "containerd" => match f.containerd.as_ref() {
            Some(c) => match c.systemd_cgroup {
                Some(on) => (
                    Some(if on { "systemd" } else { "cgroupfs" }.to_string()),
                    c.systemd_cgroup_at.clone(),
                ),
                // SystemdCgroup written only where containerd does not read it: containerd runs
                // with its default, cgroupfs, whatever was written there.
                None if c.systemd_cgroup_ignored.is_some() => (Some("cgroupfs".to_string()), None),
                None => (None, None),
            },
            None => (None, None),
        },
        _ => (None, None),
    };
    Some(Runtime {
        kind: kind.to_string(),
        kind_from: from.to_string(),
        cgroup_driver,
        cgroup_driver_at,
    })
}

/// Sets [`Disk::kubelet_fs`] from the kubelet's root dir (`--root-dir`, /var/lib/kubelet) and the
/// runtime's storage (docker's data-root, /var/lib/docker, /var/lib/containerd).
pub(super) fn kubelet_filesystems(f: &mut Facts) {
    let kubelet_root = f
        .kubelet
        .as_ref()
        .and_then(|k| k.effective.get("root_dir"))
        .and_then(Value::as_str)
        .unwrap_or("/var/lib/kubelet")
        .to_string();
    let docker_root = f
        .docker
        .as_ref()
        .and_then(|d| d.root_dir.clone())
        .unwrap_or_else(|| "/var/lib/docker".to_string());
    let parent = |p: &str| match p.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((up, _)) => up.to_string(),
    };
    let nodefs = [
        "/".to_string(),
        "/var".to_string(),
        "/var/lib".to_string(),
        "/var/lib/kubelet".to_string(),
        parent(&kubelet_root),
        kubelet_root,
    ];
    let imagefs = [
        "/var/lib/docker".to_string(),
        "/var/lib/containerd".to_string(),
        parent(&docker_root),
        docker_root,
    ];
    let Some(disks) = f.disks.as_mut() else {
        return;
    };
    for d in disks.iter_mut() {
        d.kubelet_fs = if nodefs.contains(&d.mount) {
            Some("nodefs".into())
        } else if imagefs.contains(&d.mount) {
            Some("imagefs".into())
        } else {
            None
        };
    }
    if disks.iter().all(|d| d.kubelet_fs.is_none()) {
        if let Some(d) = disks.iter_mut().find(|d| d.container_rootfs) {
            d.kubelet_fs = Some("imagefs".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(endpoint: Option<&str>, docker_version: bool, node_rt: Option<&str>) -> Facts {
        // docker's facts are there (daemon.json read) in every case; `docker version` answered or not.
        let mut k = Kubelet::default();
        if let Some(e) = endpoint {
            k.effective
                .insert("container_runtime_endpoint".into(), Value::from(e));
        }
        Facts {
            kubelet: Some(k),
            docker: Some(Docker {
                version: docker_version.then(|| "20.10.7".to_string()),
                cgroup_driver: Some("cgroupfs".into()),
                cgroup_driver_at: Some(at("node/docker/daemon.json", 3)),
                ..Docker::default()
            }),
            containerd: Some(Containerd {
                systemd_cgroup: Some(true),
                systemd_cgroup_at: Some(at("node/containerd/config.toml", 40)),
                ..Containerd::default()
            }),
            cluster: node_rt.map(|v| Cluster {
                nodes: Some(vec![ClusterNode {
                    name: "n1".into(),
                    container_runtime_version: Some(v.into()),
                    ..ClusterNode::default()
                }]),
                ..Cluster::default()
            }),
            ..Facts::default()
        }
    }

    #[test]
    fn the_endpoint_decides_before_docker_answering() {
        let r = runtime(&facts(
            Some("unix:///run/containerd/containerd.sock"),
            true,
            None,
        ))
        .unwrap();
        assert_eq!(
            (r.kind.as_str(), r.kind_from.as_str()),
            ("containerd", "endpoint")
        );
        assert_eq!(r.cgroup_driver.as_deref(), Some("systemd"));
        assert_eq!(r.cgroup_driver_at.unwrap().line, 40);
        let r = runtime(&facts(
            Some("unix:///var/run/cri-dockerd.sock"),
            false,
            None,
        ))
        .unwrap();
        assert_eq!(
            (r.kind.as_str(), r.cgroup_driver.as_deref()),
            ("docker", Some("cgroupfs"))
        );
        let r = runtime(&facts(Some("unix:///var/run/crio/crio.sock"), true, None)).unwrap();
        assert_eq!((r.kind.as_str(), r.cgroup_driver), ("cri-o", None));
    }

    #[test]
    fn a_systemd_cgroup_containerd_ignores_leaves_its_default() {
        let mut f = facts(Some("unix:///run/containerd/containerd.sock"), false, None);
        let c = f.containerd.as_mut().unwrap();
        c.systemd_cgroup = None;
        c.systemd_cgroup_at = None;
        c.systemd_cgroup_ignored = Some(true);
        let r = runtime(&f).unwrap();
        assert_eq!(
            (r.cgroup_driver.as_deref(), r.cgroup_driver_at),
            (Some("cgroupfs"), None)
        );
    }

    #[test]
    fn without_an_endpoint_the_node_then_docker_decide_else_nothing() {
        let r = runtime(&facts(None, true, Some("containerd://1.6.21"))).unwrap();
        assert_eq!(
            (r.kind.as_str(), r.kind_from.as_str()),
            ("containerd", "node")
        );
        let r = runtime(&facts(None, true, None)).unwrap();
        assert_eq!(
            (r.kind.as_str(), r.kind_from.as_str()),
            ("docker", "docker")
        );
        let mut f = facts(None, true, None);
        f.kubelet.as_mut().unwrap().version = Some("v1.26.3".into());
        let r = runtime(&f).unwrap();
        assert_eq!(
            (r.kind.as_str(), r.kind_from.as_str()),
            ("containerd", "default")
        );
        f.kubelet.as_mut().unwrap().version = Some("v1.23.17".into());
        assert_eq!(runtime(&f).unwrap().kind, "docker");
        f.docker = None;
        f.kubelet.as_mut().unwrap().version = None;
        assert!(runtime(&f).is_none());
    }

    /// The kubelet's filesystems by mount: a docker data-root on its own /data mount is imagefs
    /// (the kubelet's image filesystem), / is nodefs; with only container rootfs overlays in the
    /// df, the first of them stands for the runtime's storage.
    #[test]
    fn kubelet_filesystems_by_mount() {
        let disk = |m: &str, rootfs: bool| Disk {
            mount: m.into(),
            container_rootfs: rootfs,
            ..Disk::default()
        };
        let mut f = Facts {
            docker: Some(Docker {
                root_dir: Some("/data/docker".into()),
                ..Docker::default()
            }),
            disks: Some(vec![
                disk("/", false),
                disk("/data", false),
                disk("/boot", false),
            ]),
            ..Facts::default()
        };
        kubelet_filesystems(&mut f);
        let fs: Vec<Option<String>> = f.disks.unwrap().into_iter().map(|d| d.kubelet_fs).collect();
        assert_eq!(fs, [Some("nodefs".into()), Some("imagefs".into()), None]);
        let mut f = Facts {
            disks: Some(vec![
                disk("/var/lib/docker/overlay2/0123456789abcdef0123/merged", true),
                disk("/var/lib/docker/overlay2/fedcba98765432100123/merged", true),
            ]),
            ..Facts::default()
        };
        kubelet_filesystems(&mut f);
        let fs: Vec<Option<String>> = f.disks.unwrap().into_iter().map(|d| d.kubelet_fs).collect();
        assert_eq!(fs, [Some("imagefs".into()), None]);
    }
}
