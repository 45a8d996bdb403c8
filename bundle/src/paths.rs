//! Every fixed path of the layout contract (docs/bundle-format.md), relative to the bundle's
//! top folder. Collector and analyzer both name files through these constants, so a typo cannot
//! make one side write what the other never reads.

// node/host
pub const HOSTNAME: &str = "node/host/hostname";
pub const UNAME: &str = "node/host/uname.txt";
pub const OS_RELEASE: &str = "node/host/os-release";
pub const REDHAT_RELEASE: &str = "node/host/redhat-release";
pub const UPTIME: &str = "node/host/uptime.txt";
pub const TIME: &str = "node/host/time.txt";
pub const PACKAGES: &str = "node/host/packages.txt";

// node/proc
pub const PROC_VERSION: &str = "node/proc/version";
pub const PROC_CGROUPS: &str = "node/proc/cgroups";
pub const PROC_MOUNTS: &str = "node/proc/mounts";
pub const PROC_SWAPS: &str = "node/proc/swaps";
pub const PROC_MEMINFO: &str = "node/proc/meminfo";
pub const PROC_CMDLINE: &str = "node/proc/cmdline";
pub const PROC_LOADAVG: &str = "node/proc/loadavg";
pub const SYSCTL: &str = "node/proc/sysctl.txt";

pub const CGROUP_CONTROLLERS: &str = "node/cgroup/controllers";
pub const FREE: &str = "node/memory/free.txt";
pub const DF: &str = "node/disk/df.txt";
pub const DF_INODES: &str = "node/disk/df-inodes.txt";

pub const GETENFORCE: &str = "node/selinux/getenforce.txt";
pub const SESTATUS: &str = "node/selinux/sestatus.txt";
pub const SELINUX_CONFIG: &str = "node/selinux/config";

pub const JOURNAL_KUBELET: &str = "node/journal/kubelet.log";
pub const JOURNAL_DOCKER: &str = "node/journal/docker.log";
pub const JOURNAL_CONTAINERD: &str = "node/journal/containerd.log";
pub const JOURNAL_KERNEL: &str = "node/journal/kernel.log";
pub const MESSAGES: &str = "node/logs/messages";
pub const DMESG: &str = "node/kernel/dmesg.txt";

pub const DOCKER_DAEMON_JSON: &str = "node/docker/daemon.json";
pub const DOCKER_INFO: &str = "node/docker/info.txt";
pub const DOCKER_VERSION: &str = "node/docker/version.txt";
/// The Docker client's registry config, /root/.docker/config.json (auths redacted). A project
/// addition to the shared layout: image-pull failures need to know which registries are set up.
pub const DOCKER_CLIENT_CONFIG: &str = "node/docker/config.json";
/// dockerd's command-line configuration as a paste shows it: /etc/sysconfig/docker or
/// /etc/default/docker assignments (`OPTIONS='... --insecure-registry R'`, `INSECURE_REGISTRY=`,
/// `DOCKER_OPTS=`), a unit's `ExecStart=/usr/bin/dockerd ...`, or its running command line (`ps`,
/// `systemctl status`). Never written by `collect` (its unit and status are in node/services/, its
/// environment file in [`DOCKER_SYSCONFIG`]).
pub const DOCKER_DAEMON_ARGS: &str = "node/docker/daemon-args.txt";
/// dockerd's environment file, /etc/sysconfig/docker (RHEL/CentOS docker: `OPTIONS=`,
/// `INSECURE_REGISTRY=`) or /etc/default/docker (`DOCKER_OPTS=`), whichever exists first. A project
/// addition to the shared layout: on CentOS 7 docker, registries are set there, not in daemon.json.
pub const DOCKER_SYSCONFIG: &str = "node/docker/sysconfig";
pub const CONTAINERD_CONFIG: &str = "node/containerd/config.toml";
pub const CRI_INFO: &str = "node/cri/info.json";

pub const KUBELET_CMDLINE: &str = "node/kubelet/cmdline.txt";
pub const KUBELET_KUBEADM_FLAGS: &str = "node/kubelet/kubeadm-flags.env";
pub const KUBELET_CONFIG: &str = "node/kubelet/config.yaml";
pub const KUBELET_UNIT: &str = "node/kubelet/unit.txt";
pub const KUBELET_SYSCONFIG: &str = "node/kubelet/sysconfig";
/// The kubelet's registry credentials file, /var/lib/kubelet/config.json (auths redacted).
/// A project addition to the shared layout.
pub const KUBELET_DOCKER_CONFIG: &str = "node/kubelet/config.json";

/// `node/services/UNIT.status.txt`
pub const SERVICES_DIR: &str = "node/services";
/// Units whose `systemctl status` is collected: the kubelet and the runtimes of every
/// distribution (k3s, rke2 and microk8s run the kubelet inside their own unit), and firewalld.
/// "could not be found" for all of them is how a machine that is not a node shows.
pub const SERVICE_UNITS: &[&str] = &[
    "kubelet",
    "docker",
    "containerd",
    "crio",
    "k3s",
    "k3s-agent",
    "rke2-server",
    "rke2-agent",
    "snap.microk8s.daemon-kubelite",
    "firewalld",
];
pub fn service_status(unit: &str) -> String {
    format!("{SERVICES_DIR}/{unit}.status.txt")
}

pub const IPTABLES_SAVE: &str = "node/network/iptables-save.txt";
pub const IP6TABLES_SAVE: &str = "node/network/ip6tables-save.txt";
pub const IPTABLES_LIST: &str = "node/network/iptables-list.txt";
pub const IP_ADDR: &str = "node/network/ip-addr.txt";
pub const IP_ROUTE: &str = "node/network/ip-route.txt";
pub const RESOLV_CONF: &str = "node/network/resolv.conf";
pub const HOSTS: &str = "node/network/hosts";
pub const SS: &str = "node/network/ss.txt";

/// `node/cni/FILE`: copies of /etc/cni/net.d/* (never *kubeconfig).
pub const CNI_DIR: &str = "node/cni";
/// `node/kubernetes/manifests/FILE`: /etc/kubernetes/manifests/* (redacted).
pub const MANIFESTS_DIR: &str = "node/kubernetes/manifests";
pub const PKI: &str = "node/kubernetes/pki.txt";
/// `node/pods/NAMESPACE_POD/CONTAINER.log`
pub const NODE_PODS_DIR: &str = "node/pods";

// Evidence for the field rules (project additions to the shared layout; docs/bundle-format.md).
/// `lsmod`, else a copy of /proc/modules (the loaded kernel modules).
pub const KERNEL_MODULES: &str = "node/kernel/modules.txt";
/// `grep . /proc/sys/net/netfilter/nf_conntrack_count .../nf_conntrack_max`: `PATH:VALUE` lines.
pub const CONNTRACK_LIMITS: &str = "node/proc/conntrack-limits.txt";
/// `conntrack -S` (conntrack-tools: per-CPU drop, early_drop, insert_failed counters).
pub const CONNTRACK_STATS: &str = "node/network/conntrack-stats.txt";
/// `iptables-legacy-save` and `iptables-nft-save` (iptables 1.8: both backends, when present).
pub const IPTABLES_LEGACY_SAVE: &str = "node/network/iptables-legacy-save.txt";
pub const IPTABLES_NFT_SAVE: &str = "node/network/iptables-nft-save.txt";
/// /etc/cni/net.d and /opt/cni/bin listed as `ls -ln --time-style=full-iso` prints them.
pub const CNI_LISTING: &str = "node/cni-dirs.txt";
/// `xfs_info` of the xfs filesystem(s) holding the runtime's data root, one `### xfs_info MOUNT`
/// block each.
pub const XFS_INFO: &str = "node/disk/xfs_info.txt";
/// `lvs` (LVM logical volumes with the `Data%`/`Meta%` of thin pools): read from a paste; the
/// collector does not run it.
pub const LVS: &str = "node/disk/lvs.txt";
/// etcd's loopback metrics (kubeadm: http://127.0.0.1:2381/metrics), only the DB size, quota,
/// leader and alarm series, in the Prometheus text format.
pub const ETCD_METRICS: &str = "node/etcd/metrics.txt";
/// /etc/rancher/k3s/config.yaml and /etc/rancher/rke2/config.yaml (redacted: tokens).
pub const K3S_CONFIG: &str = "node/k3s/config.yaml";
pub const RKE2_CONFIG: &str = "node/rke2/config.yaml";
/// `node/microk8s/args/FILE`: /var/snap/microk8s/current/args/* (redacted).
pub const MICROK8S_ARGS_DIR: &str = "node/microk8s/args";
/// Units whose `systemctl cat` (unit file and drop-ins) is collected into
/// `node/services/UNIT.unit.txt`; the kubelet's stays at node/kubelet/unit.txt.
pub const UNIT_FILE_UNITS: &[&str] = &[
    "docker",
    "containerd",
    "k3s",
    "k3s-agent",
    "rke2-server",
    "rke2-agent",
];
pub fn unit_file(unit: &str) -> String {
    format!("{SERVICES_DIR}/{unit}.unit.txt")
}

// cluster/
pub const CLUSTER_VERSION: &str = "cluster/version.json";
pub const NODES: &str = "cluster/nodes.json";
pub const PODS: &str = "cluster/pods.json";
pub const EVENTS: &str = "cluster/events.json";
pub const NAMESPACES: &str = "cluster/namespaces.json";
pub const PVCS: &str = "cluster/pvcs.json";
pub const PVS: &str = "cluster/pvs.json";
pub const STORAGECLASSES: &str = "cluster/storageclasses.json";
pub const DEPLOYMENTS: &str = "cluster/deployments.json";
pub const DAEMONSETS: &str = "cluster/daemonsets.json";
pub const STATEFULSETS: &str = "cluster/statefulsets.json";
pub const REPLICASETS: &str = "cluster/replicasets.json";
pub const SERVICES: &str = "cluster/services.json";
pub const ENDPOINTS: &str = "cluster/endpoints.json";
/// ResourceQuota and LimitRange objects: read from a paste (objects, `kubectl describe`, the
/// admission errors naming them); the collector does not list them.
pub const RESOURCEQUOTAS: &str = "cluster/resourcequotas.json";
pub const LIMITRANGES: &str = "cluster/limitranges.json";
pub const CONFIGMAPS_KUBE_SYSTEM: &str = "cluster/configmaps-kube-system.json";
/// `cluster/logs/NAMESPACE/POD/CONTAINER.log` and `CONTAINER.previous.log`
pub const CLUSTER_LOGS_DIR: &str = "cluster/logs";

/// The `kubectl get` lists collected into cluster/, as (bundle path, kubectl resource, all namespaces).
pub const KUBECTL_LISTS: &[(&str, &str, bool)] = &[
    (NODES, "nodes", false),
    (PODS, "pods", true),
    (EVENTS, "events", true),
    (NAMESPACES, "namespaces", false),
    (PVCS, "persistentvolumeclaims", true),
    (PVS, "persistentvolumes", false),
    (STORAGECLASSES, "storageclasses", false),
    (DEPLOYMENTS, "deployments", true),
    (DAEMONSETS, "daemonsets", true),
    (STATEFULSETS, "statefulsets", true),
    (REPLICASETS, "replicasets", true),
    (SERVICES, "services", true),
    (ENDPOINTS, "endpoints", true),
];
