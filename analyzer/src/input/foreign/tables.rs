//! The foreign formats as data: markers, path rows (foreign pattern -> kdiag path, how) and what
//! each never collects. Paths are as each project's own source writes them (sos
//! `sos/report/plugins/*.py` and `_mangle_command`; troubleshoot `pkg/constants`,
//! `pkg/collect/cluster_resources.go`; kubectl `pkg/cmd/clusterinfo/clusterinfo_dump.go`; oc
//! `pkg/cli/admin/inspect`; rancherlabs/support-tools `rancher2_logs_collector.sh`;
//! amazon-eks-ami `eks-log-collector.sh`). testdata/foreign/ has real archives of some.
//!
//! Pattern syntax ([`super::pattern`]): `*` any run inside one path segment, `**` any depth,
//! `{name}` a captured part of one segment, used in the target. For one kdiag path the first row
//! (in table order) that matches any entry wins; a foreign file feeds the first non-[`How::Grep`]
//! row it matches and no later one.

use kdiag_bundle::paths as p;

/// A foreign archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Sosreport,
    Troubleshoot,
    ClusterInfoDump,
    MustGather,
    Rancher,
    Eks,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Sosreport,
        Format::Troubleshoot,
        Format::ClusterInfoDump,
        Format::MustGather,
        Format::Rancher,
        Format::Eks,
    ];

    /// The name `--input-format` takes and messages use.
    pub fn name(self) -> &'static str {
        match self {
            Format::Sosreport => "sosreport",
            Format::Troubleshoot => "troubleshoot",
            Format::ClusterInfoDump => "cluster-info-dump",
            Format::MustGather => "must-gather",
            Format::Rancher => "rancher",
            Format::Eks => "eks",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// How the matched foreign files become the kdiag file.
#[derive(Debug, Clone, Copy)]
pub enum How {
    /// One file as it is (the last in path order: the newest rotation of a pod log).
    Copy,
    /// Every matched file, each after a `# <foreign path>` line (unit files and drop-ins).
    Concat,
    /// Kubernetes objects in any shape (List, bare array, one object; JSON or YAML), merged into
    /// one JSON `v1 List`.
    List,
    /// The lines carrying one of these tags (a unit's lines out of a whole journal).
    Grep(&'static [&'static str]),
    /// `kubectl cluster-info dump` pod logs, split by their START/END frames into `<target>/<c>.log`.
    LogFrames,
    /// troubleshoot's cluster_version.json as `kubectl version -o json`.
    VersionInfo,
}

pub struct Table {
    pub format: Format,
    /// Entry names (without the top folder) that identify the format for certain.
    pub markers: &'static [&'static str],
    pub rows: &'static [(&'static str, &'static str, How)],
    /// kdiag paths the format never holds, and why.
    pub never: &'static [(&'static str, &'static str)],
}

const KUBELET: &[&str] = &[" kubelet[", " kubelet:"];
const DOCKER: &[&str] = &[" dockerd[", " docker["];
const CONTAINERD: &[&str] = &[" containerd["];
const KERNEL: &[&str] = &[" kernel: "];

pub static TABLES: &[Table] = &[
    Table {
        format: Format::Sosreport,
        markers: &["sos_commands/**", "sos_reports/**", "sos_logs/**"],
        rows: &[
            ("sos_commands/host/hostname", p::HOSTNAME, How::Copy),
            ("etc/hostname", p::HOSTNAME, How::Copy),
            ("sos_commands/kernel/uname_-a", p::UNAME, How::Copy),
            ("etc/os-release", p::OS_RELEASE, How::Copy),
            ("usr/lib/os-release", p::OS_RELEASE, How::Copy),
            ("etc/redhat-release", p::REDHAT_RELEASE, How::Copy),
            ("sos_commands/host/uptime", p::UPTIME, How::Copy),
            ("sos_commands/systemd/timedatectl", p::TIME, How::Copy),
            ("sos_commands/date/date*", p::TIME, How::Concat),
            ("sos_commands/rpm/sh_-c_rpm_*", p::PACKAGES, How::Copy),
            ("sos_commands/dpkg/dpkg_-l", p::PACKAGES, How::Copy),
            ("proc/cgroups", p::PROC_CGROUPS, How::Copy),
            ("proc/mounts", p::PROC_MOUNTS, How::Copy),
            ("proc/swaps", p::PROC_SWAPS, How::Copy),
            ("proc/meminfo", p::PROC_MEMINFO, How::Copy),
            ("proc/cmdline", p::PROC_CMDLINE, How::Copy),
            ("sos_commands/kernel/sysctl_-a", p::SYSCTL, How::Copy),
            ("sys/fs/cgroup/cgroup.controllers", p::CGROUP_CONTROLLERS, How::Copy),
            ("sos_commands/memory/free_-m", p::FREE, How::Copy),
            ("sos_commands/filesys/df_-al_-x_autofs", p::DF, How::Copy),
            ("sos_commands/filesys/df_-aliT_-x_autofs", p::DF_INODES, How::Copy),
            ("sos_commands/filesys/df_-ali_-x_autofs", p::DF_INODES, How::Copy),
            ("sos_commands/selinux/sestatus_-v", p::SESTATUS, How::Copy),
            ("sos_commands/selinux/sestatus", p::SESTATUS, How::Copy),
            ("etc/selinux/config", p::SELINUX_CONFIG, How::Copy),
            ("sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet*", p::JOURNAL_KUBELET, How::Copy),
            ("sos_commands/openshift/journalctl_--no-pager_--unit_kubelet*", p::JOURNAL_KUBELET, How::Copy),
            ("sos_commands/logs/journalctl_--no-pager", p::JOURNAL_KUBELET, How::Grep(KUBELET)),
            ("sos_commands/docker/journalctl_--no-pager_--unit_docker*", p::JOURNAL_DOCKER, How::Copy),
            ("sos_commands/logs/journalctl_--no-pager", p::JOURNAL_DOCKER, How::Grep(DOCKER)),
            ("sos_commands/containerd/journalctl_--no-pager_--unit_containerd*", p::JOURNAL_CONTAINERD, How::Copy),
            ("sos_commands/logs/journalctl_--no-pager", p::JOURNAL_CONTAINERD, How::Grep(CONTAINERD)),
            ("sos_commands/logs/journalctl_--no-pager_--boot", p::JOURNAL_KERNEL, How::Grep(KERNEL)),
            ("sos_commands/logs/journalctl_--no-pager_--catalog_--boot", p::JOURNAL_KERNEL, How::Grep(KERNEL)),
            ("var/log/messages", p::MESSAGES, How::Copy),
            ("var/log/syslog", p::MESSAGES, How::Copy),
            ("sos_commands/kernel/dmesg_-T", p::DMESG, How::Copy),
            ("sos_commands/kernel/dmesg", p::DMESG, How::Copy),
            ("etc/docker/daemon.json", p::DOCKER_DAEMON_JSON, How::Copy),
            ("etc/default/docker", p::DOCKER_SYSCONFIG, How::Copy),
            ("sos_commands/docker/docker_info", p::DOCKER_INFO, How::Copy),
            ("sos_commands/docker/docker_version", p::DOCKER_VERSION, How::Copy),
            ("etc/containerd/config.toml", p::CONTAINERD_CONFIG, How::Copy),
            ("sos_commands/containerd/containerd_config_dump", p::CONTAINERD_CONFIG, How::Copy),
            ("sos_commands/crio/crictl_info", p::CRI_INFO, How::Copy),
            ("var/lib/kubelet/kubeadm-flags.env", p::KUBELET_KUBEADM_FLAGS, How::Copy),
            ("var/lib/kubelet/config.yaml", p::KUBELET_CONFIG, How::Copy),
            ("**/systemd/system/kubelet.service**", p::KUBELET_UNIT, How::Concat),
            ("sos_commands/kubernetes/systemctl_status_kubelet", "node/services/kubelet.status.txt", How::Copy),
            ("sos_commands/firewall_tables/iptables_-t_filter_-nvL", p::IPTABLES_LIST, How::Copy),
            ("sos_commands/networking/iptables_-t_filter_-nvL", p::IPTABLES_LIST, How::Copy),
            ("sos_commands/networking/ip_-d_address", p::IP_ADDR, How::Copy),
            ("sos_commands/networking/ip_address", p::IP_ADDR, How::Copy),
            ("sos_commands/networking/ip_route_show_table_all", p::IP_ROUTE, How::Copy),
            ("etc/resolv.conf", p::RESOLV_CONF, How::Copy),
            ("etc/hosts", p::HOSTS, How::Copy),
            ("etc/cni/net.d/{f}.conf", "node/cni/{f}.conf", How::Copy),
            ("etc/cni/net.d/{f}.conflist", "node/cni/{f}.conflist", How::Copy),
            ("etc/kubernetes/manifests/{f}.yaml", "node/kubernetes/manifests/{f}.yaml", How::Copy),
            ("var/log/pods/{ns}_{pod}_*/{c}/*.log", "node/pods/{ns}_{pod}/{c}.log", How::Copy),
            // The kubernetes plugin: sos >= 4.7.2 under cluster-info/, older at the plugin root
            // or in a folder per resource. JSON only with `-k kubernetes.all=on` (nodes always
            // from 4.7.2); the text tables are not read as objects.
            ("sos_commands/kubernetes/cluster-info/*_get_-o_json_nodes", p::NODES, How::List),
            ("sos_commands/kubernetes/*_get_-o_json_nodes", p::NODES, How::List),
            ("sos_commands/kubernetes/cluster-info/*/*_get_-o_json_--namespace_*_pods", p::PODS, How::List),
            ("sos_commands/kubernetes/pods/*_get_-o_json_--namespace_*_pods", p::PODS, How::List),
            ("sos_commands/kubernetes/cluster-info/*/*_get_-o_json_--namespace_*_events", p::EVENTS, How::List),
            ("sos_commands/kubernetes/*_get_-o_json_--namespace_*_events", p::EVENTS, How::List),
            ("sos_commands/kubernetes/cluster-info/*/*_get_-o_json_--namespace_*_services", p::SERVICES, How::List),
            ("sos_commands/kubernetes/services/*_get_-o_json_--namespace_*_services", p::SERVICES, How::List),
            ("sos_commands/kubernetes/cluster-info/*/*_get_-o_json_--namespace_*_deployments", p::DEPLOYMENTS, How::List),
            ("sos_commands/kubernetes/deployments/*_get_-o_json_--namespace_*_deployments", p::DEPLOYMENTS, How::List),
            ("sos_commands/kubernetes/cluster-info/*/*_get_-o_json_--namespace_*_daemonsets", p::DAEMONSETS, How::List),
            ("sos_commands/kubernetes/cluster-info/*/*_get_-o_json_--namespace_*_pvc", p::PVCS, How::List),
            ("sos_commands/kubernetes/pvc/*_get_-o_json_--namespace_*_pvc", p::PVCS, How::List),
            ("sos_commands/kubernetes/cluster-info/*_get_-o_json_pv", p::PVS, How::List),
            ("sos_commands/kubernetes/cluster-info/*_get_-o_json_sc", p::STORAGECLASSES, How::List),
            ("sos_commands/kubernetes/cluster-info/{ns}/podlogs/{pod}/*_logs_*_-c_{c}", "cluster/logs/{ns}/{pod}/{c}.log", How::Copy),
        ],
        never: &[
            (p::IPTABLES_SAVE, "sos never runs iptables-save in the host namespace (only `iptables -t <table> -nvL` listings)"),
            (p::IP6TABLES_SAVE, "sos never runs ip6tables-save in the host namespace"),
            (p::SS, "sos runs `ss -peaonmi`, not the `ss -tulpn` listing the rules read"),
            (p::KUBELET_CMDLINE, "sos keeps only a space-joined `ps` line, not /proc/<pid>/cmdline"),
            (p::KUBELET_SYSCONFIG, "no sos plugin copies /etc/sysconfig/kubelet"),
            (p::KUBELET_DOCKER_CONFIG, "no sos plugin copies /var/lib/kubelet/config.json"),
            (p::DOCKER_CLIENT_CONFIG, "no sos plugin copies /root/.docker/config.json"),
            (p::PKI, "sos keeps certificates only as copied PEM files (and none from 4.8.2)"),
        ],
    },
    Table {
        format: Format::Troubleshoot,
        markers: &["cluster-resources/**", "cluster-info/cluster_version.json", "host-collectors/**"],
        rows: &[
            ("cluster-info/cluster_version.json", p::CLUSTER_VERSION, How::VersionInfo),
            ("cluster-resources/nodes.json", p::NODES, How::List),
            ("cluster-resources/pods/*.json", p::PODS, How::List),
            ("cluster-resources/events/*.json", p::EVENTS, How::List),
            ("cluster-resources/namespaces.json", p::NAMESPACES, How::List),
            ("cluster-resources/pvcs/*.json", p::PVCS, How::List),
            ("cluster-resources/pvs.json", p::PVS, How::List),
            ("cluster-resources/storage-classes.json", p::STORAGECLASSES, How::List),
            ("cluster-resources/deployments/*.json", p::DEPLOYMENTS, How::List),
            ("cluster-resources/daemonsets/*.json", p::DAEMONSETS, How::List),
            ("cluster-resources/statefulsets/*.json", p::STATEFULSETS, How::List),
            ("cluster-resources/replicasets/*.json", p::REPLICASETS, How::List),
            ("cluster-resources/services/*.json", p::SERVICES, How::List),
            ("cluster-resources/endpoints/*.json", p::ENDPOINTS, How::List),
            ("cluster-resources/configmaps/kube-system.json", p::CONFIGMAPS_KUBE_SYSTEM, How::List),
            ("cluster-resources/pods/logs/{ns}/{pod}/{c}-logs-errors.log", "cluster/logs/{ns}/{pod}/{c}.errors.txt", How::Copy),
            ("cluster-resources/pods/logs/{ns}/{pod}/{c}-previous.log", "cluster/logs/{ns}/{pod}/{c}.previous.log", How::Copy),
            ("cluster-resources/pods/logs/{ns}/{pod}/{c}.log", "cluster/logs/{ns}/{pod}/{c}.log", How::Copy),
            ("host-collectors/journald/*kubelet*.txt", p::JOURNAL_KUBELET, How::Copy),
            ("host-collectors/run-host/k0sworker-logs.txt", p::JOURNAL_KUBELET, How::Copy),
            ("host-collectors/journald/*containerd*.txt", p::JOURNAL_CONTAINERD, How::Copy),
            ("host-collectors/journald/*docker*.txt", p::JOURNAL_DOCKER, How::Copy),
            ("host-collectors/journald/*dmesg*.txt", p::DMESG, How::Copy),
        ],
        never: &[
            (p::UNAME, "a troubleshoot bundle has no node files unless its spec adds host collectors"),
            (p::DF, "a troubleshoot bundle has no `df` listing (host collectors give bytes per path at most)"),
            (p::IPTABLES_SAVE, "troubleshoot has no iptables collector"),
            (p::DOCKER_DAEMON_JSON, "troubleshoot does not copy daemon.json"),
            (p::KUBELET_CONFIG, "troubleshoot does not copy the kubelet configuration"),
            (p::SYSCTL, "troubleshoot keeps sysctl only as JSON in host collectors"),
        ],
    },
    Table {
        format: Format::ClusterInfoDump,
        // kubectl writes replication-controllers.json in every namespace folder, but trees kept
        // as test data are often trimmed to the lists that matter (verrazzano's keep only
        // `<ns>/pods.json`, `events.json` and `<ns>/<pod>/logs.txt`): those names too.
        markers: &[
            "*/replication-controllers.json",
            "*/replication-controllers.yaml",
            "*/pods.json",
            "*/events.json",
        ],
        rows: &[
            ("nodes.json", p::NODES, How::List),
            ("nodes.yaml", p::NODES, How::List),
            ("*/pods.json", p::PODS, How::List),
            ("*/pods.yaml", p::PODS, How::List),
            ("*/events.json", p::EVENTS, How::List),
            ("*/events.yaml", p::EVENTS, How::List),
            ("*/services.json", p::SERVICES, How::List),
            ("*/daemonsets.json", p::DAEMONSETS, How::List),
            ("*/deployments.json", p::DEPLOYMENTS, How::List),
            ("*/replicasets.json", p::REPLICASETS, How::List),
            ("{ns}/{pod}/logs.txt", "cluster/logs/{ns}/{pod}", How::LogFrames),
        ],
        never: &[
            (p::CLUSTER_VERSION, "kubectl cluster-info dump does not dump the version"),
            (p::PVCS, "kubectl cluster-info dump does not dump PVCs"),
            (p::PVS, "kubectl cluster-info dump does not dump PVs"),
            (p::NAMESPACES, "kubectl cluster-info dump does not dump namespaces"),
            (p::UNAME, "kubectl cluster-info dump holds no node files"),
            (p::JOURNAL_KUBELET, "kubectl cluster-info dump holds no node journals"),
        ],
    },
    Table {
        format: Format::MustGather,
        markers: &["cluster-scoped-resources/**", "*/cluster-scoped-resources/**"],
        rows: &[
            ("**cluster-scoped-resources/core/nodes/*.yaml", p::NODES, How::List),
            ("**cluster-scoped-resources/core/nodes.yaml", p::NODES, How::List),
            ("**namespaces/*/core/pods.yaml", p::PODS, How::List),
            ("**namespaces/*/core/events.yaml", p::EVENTS, How::List),
            ("**namespaces/*/core/services.yaml", p::SERVICES, How::List),
            ("**namespaces/*/core/endpoints.yaml", p::ENDPOINTS, How::List),
            ("**namespaces/*/core/persistentvolumeclaims.yaml", p::PVCS, How::List),
            ("**namespaces/*/apps/deployments.yaml", p::DEPLOYMENTS, How::List),
            ("**namespaces/*/apps/daemonsets.yaml", p::DAEMONSETS, How::List),
            ("**namespaces/*/apps/statefulsets.yaml", p::STATEFULSETS, How::List),
            ("**namespaces/*/apps/replicasets.yaml", p::REPLICASETS, How::List),
            ("**namespaces/kube-system/core/configmaps.yaml", p::CONFIGMAPS_KUBE_SYSTEM, How::List),
            ("**cluster-scoped-resources/core/persistentvolumes/*.yaml", p::PVS, How::List),
            ("**cluster-scoped-resources/storage.k8s.io/storageclasses/*.yaml", p::STORAGECLASSES, How::List),
            ("**cluster-scoped-resources/core/namespaces/*.yaml", p::NAMESPACES, How::List),
            ("**namespaces/{ns}/pods/{pod}/{c}/*/logs/previous.log", "cluster/logs/{ns}/{pod}/{c}.previous.log", How::Copy),
            ("**namespaces/{ns}/pods/{pod}/{c}/*/logs/current.log", "cluster/logs/{ns}/{pod}/{c}.log", How::Copy),
            ("**host_service_logs/masters/kubelet_service.log", p::JOURNAL_KUBELET, How::Copy),
        ],
        never: &[
            (p::UNAME, "must-gather holds no per-node host files"),
            (p::IPTABLES_SAVE, "must-gather holds no iptables listing"),
            (p::DF, "must-gather holds no `df` listing"),
        ],
    },
    Table {
        format: Format::Rancher,
        markers: &["networking/iptablessave", "systeminfo/uname", "systeminfo/hostname"],
        rows: &[
            ("systeminfo/hostname", p::HOSTNAME, How::Copy),
            ("systeminfo/uname", p::UNAME, How::Copy),
            ("systeminfo/osrelease", p::OS_RELEASE, How::Copy),
            ("systeminfo/uptime", p::UPTIME, How::Copy),
            ("systeminfo/date", p::TIME, How::Copy),
            ("systeminfo/packages-rpm", p::PACKAGES, How::Copy),
            ("systeminfo/packages-dpkg", p::PACKAGES, How::Copy),
            ("systeminfo/sysctla", p::SYSCTL, How::Copy),
            ("systeminfo/dfh", p::DF, How::Copy),
            ("systeminfo/dfi", p::DF_INODES, How::Copy),
            ("systeminfo/freem", p::FREE, How::Copy),
            ("systeminfo/dmesg", p::DMESG, How::Copy),
            ("systeminfo/rhel-getenforce", p::GETENFORCE, How::Copy),
            ("systeminfo/rhel-statusfirewalld", "node/services/firewalld.status.txt", How::Copy),
            ("systeminfo/etcresolvconf", p::RESOLV_CONF, How::Copy),
            ("systeminfo/etchosts", p::HOSTS, How::Copy),
            ("journald/kubelet", p::JOURNAL_KUBELET, How::Copy),
            ("journald/k3s", p::JOURNAL_KUBELET, How::Copy),
            ("rke2/agent-logs/kubelet.log", p::JOURNAL_KUBELET, How::Copy),
            ("journald/docker", p::JOURNAL_DOCKER, How::Copy),
            ("journald/containerd", p::JOURNAL_CONTAINERD, How::Copy),
            ("k3s/containerd.log", p::JOURNAL_CONTAINERD, How::Copy),
            ("rke2/containerd.log", p::JOURNAL_CONTAINERD, How::Copy),
            ("systemlogs/messages", p::MESSAGES, How::Copy),
            ("systemlogs/syslog", p::MESSAGES, How::Copy),
            ("docker/etcdockerdaemon.json", p::DOCKER_DAEMON_JSON, How::Copy),
            ("docker/dockerinfo", p::DOCKER_INFO, How::Copy),
            ("k3s/crictl/info", p::CRI_INFO, How::Copy),
            ("rke2/crictl/info", p::CRI_INFO, How::Copy),
            ("networking/iptablessave", p::IPTABLES_SAVE, How::Copy),
            ("networking/ip6tablessave", p::IP6TABLES_SAVE, How::Copy),
            ("networking/iptables", p::IPTABLES_LIST, How::Copy),
            ("networking/ipaddrshow", p::IP_ADDR, How::Copy),
            ("networking/iproute", p::IP_ROUTE, How::Copy),
            ("networking/sstunlp4", p::SS, How::Copy),
            ("networking/cni/{f}.conf", "node/cni/{f}.conf", How::Copy),
            ("networking/cni/{f}.conflist", "node/cni/{f}.conflist", How::Copy),
            ("rke2/pod-manifests/{f}.yaml", "node/kubernetes/manifests/{f}.yaml", How::Copy),
            ("*/podlogs/{ns}_{pod}_*/{c}/*.log", "node/pods/{ns}_{pod}/{c}.log", How::Copy),
            // On a server node with the API up the collector writes `kubectl logs
            // --all-containers` of each system pod as one file, `<distro>/podlogs/<ns>-<pod>`
            // (and `-previous`; the /var/log/pods copy above is for agents): namespace and pod
            // cannot be told apart (both hold dashes), so the file keeps its name.
            ("*/podlogs/{f}-previous", "node/pods/{f}/all-containers.previous.log", How::Copy),
            ("*/podlogs/{f}", "node/pods/{f}/all-containers.log", How::Copy),
            ("*/kubectl/nodes.json", p::NODES, How::List),
        ],
        never: &[
            (p::PODS, "the Rancher collector keeps pods only as a `kubectl get -o wide` table"),
            (p::EVENTS, "the Rancher collector keeps events only as a table"),
            (p::PROC_MEMINFO, "the Rancher collector does not copy /proc"),
            (p::KUBELET_CONFIG, "the Rancher collector does not copy the kubelet configuration"),
        ],
    },
    Table {
        format: Format::Eks,
        markers: &["system/instance-id.txt", "sysctls/sysctl_all.txt", "ipamd/**"],
        rows: &[
            ("kernel/uname.txt", p::UNAME, How::Copy),
            ("system/pkglist.txt", p::PACKAGES, How::Copy),
            ("sysctls/sysctl_all.txt", p::SYSCTL, How::Copy),
            ("storage/inodes.txt", p::DF_INODES, How::Copy),
            ("kubelet/kubelet.log", p::JOURNAL_KUBELET, How::Copy),
            ("docker/docker.log", p::JOURNAL_DOCKER, How::Copy),
            ("containerd/containerd-log.txt", p::JOURNAL_CONTAINERD, How::Copy),
            ("var_log/messages", p::MESSAGES, How::Copy),
            ("var_log/syslog", p::MESSAGES, How::Copy),
            ("kernel/dmesg.human.current", p::DMESG, How::Copy),
            ("docker/docker-info.txt", p::DOCKER_INFO, How::Copy),
            ("docker/docker-version.txt", p::DOCKER_VERSION, How::Copy),
            ("containerd/containerd-config.txt", p::CONTAINERD_CONFIG, How::Copy),
            // EKS keeps the KubeletConfiguration (JSON) as kubelet/config.json: never kdiag's
            // node/kubelet/config.json, which is registry credentials.
            ("kubelet/config.json", p::KUBELET_CONFIG, How::Copy),
            ("kubelet/kubelet-config.json", p::KUBELET_CONFIG, How::Copy),
            ("kubelet/kubelet_service.txt", p::KUBELET_UNIT, How::Copy),
            ("networking/iptables-save.txt", p::IPTABLES_SAVE, How::Copy),
            ("networking/ip6tables-save.txt", p::IP6TABLES_SAVE, How::Copy),
            ("networking/iptables.txt", p::IPTABLES_LIST, How::Copy),
            ("networking/iproute.txt", p::IP_ROUTE, How::Copy),
            ("networking/resolv.conf", p::RESOLV_CONF, How::Copy),
            ("cni/{f}.conf", "node/cni/{f}.conf", How::Copy),
            ("cni/{f}.conflist", "node/cni/{f}.conflist", How::Copy),
            // The script copies `/var/log/pods/kube-system_aws-node*` (and coredns, kube-proxy,
            // the CSI drivers, ...) into `var_log/` itself: `var_log/<ns>_<pod>_<uid>/<c>/0.log`,
            // no `pods/` folder (the real archive in testdata/foreign/eks-made-here).
            ("var_log/{ns}_{pod}_*/{c}/*.log", "node/pods/{ns}_{pod}/{c}.log", How::Copy),
        ],
        never: &[
            (p::HOSTNAME, "the EKS collector records the instance id, not the hostname"),
            (p::PROC_MEMINFO, "the EKS collector does not copy /proc"),
            (p::IP_ADDR, "the EKS collector has no `ip addr` (ifconfig only where net-tools exist)"),
            (p::NODES, "the EKS node collector runs no kubectl"),
        ],
    },
];
