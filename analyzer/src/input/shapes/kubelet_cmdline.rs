//! The kubelet's command line in a paste, as the node/kubelet/cmdline.txt the collector would
//! have written (argv: the program, then one argument per line), and the vocabulary of flags that
//! tells the kubelet's apart from other components':
//! - a `ps` line or a typed command whose program is `kubelet` (or `hyperkube kubelet`);
//! - a list of `--flag=value` words after a header naming the kubelet (`kubelet options:`), or a
//!   list made only of the kubelet's flags with at least one no other component has
//!   (`--eviction-hard`, `--kube-reserved`, ...);
//! - the kubelet's own dump of its flags at start (`FLAG: --name="value"`, klog, also under a
//!   journal prefix).
//!
//! Flags of the API server, kube-proxy, dockerd, etc. are never read as the kubelet's: a list
//! without a kubelet header must hold kubelet flags only ([`KUBELET_FLAGS`]).

use std::sync::LazyLock;

use regex::Regex;

use crate::units::shell::shell_words;

use super::kubelet::Logical;
use super::Line;

/// Flags only the kubelet has (cmd/kubelet/app/options/options.go and the KubeletConfiguration
/// flags of upstream kubernetes, v1.5 to v1.30): one of them makes a header-less list the
/// kubelet's. Flags other components share (`--kubeconfig`, `--v`, `--hostname-override`,
/// `--config`, `--feature-gates`, `--node-ip` of k3s) are not here.
const KUBELET_ONLY: &[&str] = &[
    "bootstrap-kubeconfig",
    "cgroup-driver",
    "cgroups-per-qos",
    "cluster-dns",
    "cni-bin-dir",
    "cni-cache-dir",
    "cni-conf-dir",
    "container-log-max-files",
    "container-log-max-size",
    "container-runtime-endpoint",
    "cpu-manager-policy",
    "enforce-node-allocatable",
    "eviction-hard",
    "eviction-max-pod-grace-period",
    "eviction-minimum-reclaim",
    "eviction-pressure-transition-period",
    "eviction-soft",
    "eviction-soft-grace-period",
    "experimental-allocatable-ignore-eviction",
    "experimental-bootstrap-kubeconfig",
    "experimental-fail-swap-on",
    "fail-swap-on",
    "image-gc-high-threshold",
    "image-gc-low-threshold",
    "kube-reserved",
    "kube-reserved-cgroup",
    "kubelet-cgroups",
    "max-pods",
    "memory-manager-policy",
    "network-plugin",
    "network-plugin-mtu",
    "node-status-update-frequency",
    "pod-infra-container-image",
    "pod-manifest-path",
    "pod-max-pids",
    "pods-per-core",
    "protect-kernel-defaults",
    "qos-reserved",
    "read-only-port",
    "register-with-taints",
    "registry-burst",
    "registry-qps",
    "reserved-cpus",
    "rotate-server-certificates",
    "runtime-cgroups",
    "serialize-image-pulls",
    "system-reserved",
    "system-reserved-cgroup",
    "topology-manager-policy",
];

/// The rest of the kubelet's flags, the klog and cAdvisor flags it registers included: a
/// header-less list must be made of these and [`KUBELET_ONLY`] alone.
const KUBELET_FLAGS: &[&str] = &[
    "address",
    "allow-privileged",
    "allowed-unsafe-sysctls",
    "alsologtostderr",
    "anonymous-auth",
    "api-servers",
    "authentication-token-webhook",
    "authentication-token-webhook-cache-ttl",
    "authorization-mode",
    "authorization-webhook-cache-authorized-ttl",
    "authorization-webhook-cache-unauthorized-ttl",
    "cadvisor-port",
    "cert-dir",
    "cgroup-root",
    "client-ca-file",
    "cloud-config",
    "cloud-provider",
    "cluster-domain",
    "config",
    "container-runtime",
    "containerized",
    "contention-profiling",
    "cpu-cfs-quota",
    "cpu-cfs-quota-period",
    "cpu-manager-reconcile-period",
    "docker-endpoint",
    "docker-root",
    "dynamic-config-dir",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-server",
    "event-burst",
    "event-qps",
    "exit-on-lock-contention",
    "experimental-check-node-capabilities-before-mount",
    "experimental-kernel-memcg-notification",
    "experimental-mounter-path",
    "feature-gates",
    "file-check-frequency",
    "hairpin-mode",
    "healthz-bind-address",
    "healthz-port",
    "hostname-override",
    "http-check-frequency",
    "image-credential-provider-bin-dir",
    "image-credential-provider-config",
    "image-pull-progress-deadline",
    "image-service-endpoint",
    "iptables-drop-bit",
    "iptables-masquerade-bit",
    "keep-terminated-pod-volumes",
    "kube-api-burst",
    "kube-api-content-type",
    "kube-api-qps",
    "kubeconfig",
    "lock-file",
    "log-dir",
    "log-file",
    "log-flush-frequency",
    "logtostderr",
    "make-iptables-util-chains",
    "manifest-url",
    "manifest-url-header",
    "master-service-namespace",
    "max-open-files",
    "maximum-dead-containers",
    "maximum-dead-containers-per-container",
    "minimum-container-ttl-duration",
    "minimum-image-ttl-duration",
    "node-ip",
    "node-labels",
    "non-masquerade-cidr",
    "oom-score-adj",
    "pod-cidr",
    "port",
    "provider-id",
    "register-node",
    "register-schedulable",
    "require-kubeconfig",
    "resolv-conf",
    "root-dir",
    "rotate-certificates",
    "runonce",
    "runtime-request-timeout",
    "seccomp-profile-root",
    "stderrthreshold",
    "streaming-connection-idle-timeout",
    "sync-frequency",
    "system-cgroups",
    "tls-cert-file",
    "tls-cipher-suites",
    "tls-min-version",
    "tls-private-key-file",
    "v",
    "vmodule",
    "volume-plugin-dir",
    "volume-stats-agg-period",
];

/// Flags that only the command line sets (KubeletFlags, not KubeletConfiguration): the ones of
/// a FLAG dump that hold when the kubelet also read a config file, which overrides the others.
const COMMAND_LINE_ONLY: &[&str] = &[
    "bootstrap-kubeconfig",
    "cert-dir",
    "cni-bin-dir",
    "cni-conf-dir",
    "config",
    "container-runtime",
    "hostname-override",
    "kubeconfig",
    "network-plugin",
    "node-ip",
    "node-labels",
    "pod-infra-container-image",
    "root-dir",
];

fn name_of(word: &str) -> Option<&str> {
    let body = word.strip_prefix("--").or_else(|| word.strip_prefix('-'))?;
    let name = body.split_once('=').map_or(body, |(n, _)| n);
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .then_some(name)
}

fn kubelet_only(name: &str) -> bool {
    KUBELET_ONLY.contains(&name)
}

fn known(name: &str) -> bool {
    kubelet_only(name) || KUBELET_FLAGS.contains(&name)
}

/// The kubelet's command line as cmdline.txt: a `ps` line or typed command, else its FLAG dump,
/// else a list of its flags.
pub(super) fn cmdline(lines: &[Line], logical: &[Logical]) -> Option<String> {
    let words = command_line(logical)
        .or_else(|| flag_dump(lines))
        .or_else(|| flag_list(logical))?;
    Some(argv(&words))
}

fn argv(words: &[String]) -> String {
    let mut s = String::from("kubelet\n");
    for w in words {
        s.push_str(w);
        s.push('\n');
    }
    s
}

/// The arguments after the kubelet program in a `ps` line or a typed command: the program is
/// the first word, an absolute path, or follows `ps`'s TIME column (`00:01:02`, `?`); it takes
/// at least one flag the kubelet knows (`kubelet --version` alone is no command line).
fn command_line(logical: &[Logical]) -> Option<Vec<String>> {
    static TIME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(?:\d+-)?\d+:\d\d(?::\d\d)?$|^\?$").unwrap());
    for l in logical {
        let t = l.text.trim_start();
        if t.starts_with("ExecStart") {
            continue;
        }
        let words = shell_words(t);
        let Some(at) = words.iter().position(|w| {
            let base = w.rsplit('/').next().unwrap_or(w);
            base == "kubelet" || base == "hyperkube"
        }) else {
            continue;
        };
        let placed = at == 0 || words[at].starts_with('/') || TIME.is_match(&words[at - 1]);
        let mut rest = &words[at + 1..];
        if words[at].ends_with("hyperkube") {
            match rest.first() {
                Some(k) if k == "kubelet" => rest = &rest[1..],
                _ => continue,
            }
        }
        if !placed || !rest.first().is_some_and(|w| w.starts_with('-')) {
            continue;
        }
        if rest
            .iter()
            .filter_map(|w| name_of(w))
            .any(|n| known(n) && n != "v")
        {
            return Some(rest.to_vec());
        }
    }
    None
}

/// The kubelet's flag dump at start (component-base/cli/flag PrintFlags, klog.V(1):
/// `FLAG: --%s=%q`, every flag with its value, set or default). One process's lines (by the
/// klog pid), the kubelet's when a journal tag says so (`kubelet[1234]:`) or when three of its
/// flags are the kubelet's own. Empty values are left out; when the kubelet read a config file
/// (`--config` not empty), only the flags the file cannot set are kept, since the file
/// overrides the others' defaults printed here.
fn flag_dump(lines: &[Line]) -> Option<Vec<String>> {
    static FLAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?:(\bkubelet)\[\d+\]:\s.*)?\b[IWEF]\d{4}\s+[\d:.]+\s+(\d+)\s+[\w.-]+:\d+\]\s+FLAG:\s+--([\w-]+)=("(?:[^"\\]|\\.)*")\s*$"#).unwrap()
    });
    // per klog pid: (pid, tagged `kubelet[..]:`, (flag, value) in order)
    type Proc = (String, bool, Vec<(String, String)>);
    let mut procs: Vec<Proc> = Vec::new();
    for l in lines.iter().filter(|l| !l.cmd) {
        let Some(c) = FLAG.captures(&l.text) else {
            continue;
        };
        let pid = c[2].to_string();
        let i = match procs.iter().position(|p| p.0 == pid) {
            Some(i) => i,
            None => {
                procs.push((pid, false, Vec::new()));
                procs.len() - 1
            }
        };
        procs[i].1 |= c.get(1).is_some();
        procs[i].2.push((c[3].to_string(), go_unquote(&c[4])));
    }
    let (_, _, flags) = procs
        .into_iter()
        .find(|(_, tagged, f)| *tagged || f.iter().filter(|(n, _)| kubelet_only(n)).count() >= 3)?;
    let with_file = flags.iter().any(|(n, v)| n == "config" && !v.is_empty());
    let words: Vec<String> = flags
        .into_iter()
        .filter(|(_, v)| !v.is_empty() && v != "[]" && v != "map[]")
        .filter(|(n, _)| !with_file || COMMAND_LINE_ONLY.contains(&n.as_str()))
        .map(|(n, v)| format!("--{n}={v}"))
        .collect();
    (!words.is_empty()).then_some(words)
}

/// A Go `%q` string's text.
fn go_unquote(q: &str) -> String {
    let inner = &q[1..q.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}

/// A line of flags only: its words are flags, or the value after a flag written without `=`.
fn flag_words(t: &str) -> Option<Vec<String>> {
    let words = shell_words(t);
    if !words.first()?.starts_with("--") {
        return None;
    }
    let mut value_ok = false;
    for w in &words {
        if name_of(w).is_some() {
            value_ok = !w.contains('=');
        } else if value_ok && !w.starts_with('-') {
            value_ok = false;
        } else {
            return None;
        }
    }
    Some(words)
}

/// A run of flag-only lines: the kubelet's after a header naming it (`kubelet options:`,
/// `kubelet flags`, `KUBELET_ARGS`, `kubelet 参数`), else when every flag is one the kubelet has
/// and one of them only the kubelet has.
fn flag_list(logical: &[Logical]) -> Option<Vec<String>> {
    static HEADER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bkubelet\b.*(?:option|flag|arg|param|setting|config|参数|配置|:\s*$)|KUBELET_(?:ARGS|OPTS|EXTRA_ARGS)")
            .unwrap()
    });
    let mut i = 0;
    while i < logical.len() {
        let start = i;
        let mut words = Vec::new();
        while i < logical.len() && !logical[i].cmd {
            match flag_words(logical[i].text.trim()) {
                Some(w) => words.extend(w),
                None => break,
            }
            i += 1;
        }
        if words.is_empty() {
            i += 1;
            continue;
        }
        let header = logical[..start]
            .iter()
            .rev()
            .filter(|l| !l.text.trim().is_empty())
            .take(2)
            .any(|l| HEADER.is_match(&l.text));
        let names: Vec<&str> = words.iter().filter_map(|w| name_of(w)).collect();
        let own = names.iter().all(|n| known(n)) && names.iter().any(|n| kubelet_only(n));
        if header || own {
            return Some(words);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use kdiag_bundle::paths;

    use super::super::{derive as derive_all, get as body_of};

    fn cmdline(text: &str) -> Option<String> {
        body_of(&derive_all(text), paths::KUBELET_CMDLINE).map(str::to_string)
    }

    /// kubelet-eviction-config__kubernetes-kubernetes-71073.txt (dev): a flag list, one per line
    /// with trailing blanks, after `kubelet options:`; one flag takes its value as the next word.
    #[test]
    fn flag_list_after_a_kubelet_header_k8s_71073() {
        let t = crate::input::corpus_snippet(
            "kubelet-eviction-config__kubernetes-kubernetes-71073.txt",
        );
        let c = cmdline(&t).unwrap();
        assert!(c.starts_with("kubelet\n--cgroup-driver=cgroupfs\n"), "{c}");
        assert!(c.contains("\n--kube-reserved\ncpu=200m,memory=512M\n"));
        assert!(c.contains("\n--eviction-hard=memory.available<100Mi,nodefs.available<200Mi,imagefs.available<200Mi\n"));
        assert!(c.ends_with("--cpu-manager-policy=static\n"));
        let f = crate::parse::kubelet::argv(&c, paths::KUBELET_CMDLINE).unwrap();
        assert_eq!(f.len(), 13);
    }

    /// kubelet-eviction-config__kubernetes-kubernetes-61062.txt (dev): one line of flags in a
    /// fence, no header: they are the kubelet's own (`--eviction-*`).
    #[test]
    fn headerless_kubelet_flags_k8s_61062() {
        let t = crate::input::corpus_snippet(
            "kubelet-eviction-config__kubernetes-kubernetes-61062.txt",
        );
        let c = cmdline(&t).unwrap();
        assert_eq!(c, "kubelet\n--eviction-hard=imagefs.available<10%,memory.available<500Mi,nodefs.available<5%,nodefs.inodesFree<5%\n--eviction-soft=imagefs.available<30%,nodefs.available<10%\n--eviction-soft-grace-period=imagefs.available=2m,nodefs.available=2m\n--eviction-max-pod-grace-period=600\n");
    }

    /// Other components' flags are never the kubelet's: kube-apiserver's (its manifest's
    /// command), kube-proxy's, dockerd's; a kubelet flag among them does not make them so.
    #[test]
    fn other_components_flags_are_not_read() {
        for t in [
            "```\n--advertise-address=10.0.0.1 --etcd-servers=https://127.0.0.1:2379 --service-cluster-ip-range=10.96.0.0/12 --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt\n```\n",
            "--proxy-mode=ipvs\n--cluster-cidr=10.244.0.0/16\n--hostname-override=node1\n",
            "--exec-opt native.cgroupdriver=systemd\n--storage-driver=overlay2\n--max-pods=100\n",
            "$ journalctl -u kubelet --since today\n",
            "$ ps -ef | grep kubelet\nroot      2345  1234  0 10:00 pts/0    00:00:00 grep --color=auto kubelet\n",
            "$ kubelet --version\nKubernetes v1.22.2\n",
        ] {
            assert_eq!(cmdline(t), None, "{t}");
        }
    }

    /// A `ps -ef` line and `systemctl status`'s CGroup tree: the program's arguments.
    #[test]
    fn ps_lines() {
        let t = "root      1203     1  3 Jan01 ?        05:12:33 /usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --cgroup-driver=systemd --network-plugin=cni\n";
        assert_eq!(
            cmdline(t).unwrap(),
            "kubelet\n--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf\n--kubeconfig=/etc/kubernetes/kubelet.conf\n--config=/var/lib/kubelet/config.yaml\n--cgroup-driver=systemd\n--network-plugin=cni\n"
        );
        let t = "   CGroup: /system.slice/kubelet.service\n           └─1203 /usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf --max-pods=240\n";
        assert!(cmdline(t).unwrap().ends_with("\n--max-pods=240\n"));
        let t = "/usr/local/bin/hyperkube kubelet --eviction-hard=nodefs.available<1% --v=2\n";
        assert_eq!(
            cmdline(t).unwrap(),
            "kubelet\n--eviction-hard=nodefs.available<1%\n--v=2\n"
        );
    }

    /// The kubelet's FLAG dump (component-base/cli/flag PrintFlags: `FLAG: --%s=%q`), lines of a
    /// kubelet v1.24 started under dlv, from a public kubelet source-reading note on GitHub. The
    /// config file given, the dump's defaults are not the settings: only the command-line-only
    /// flags are kept.
    #[test]
    fn flag_dump() {
        let with_file = "I1207 07:27:35.646437   23137 flags.go:64] FLAG: --cgroup-driver=\"cgroupfs\"\nI1207 07:27:35.646453   23137 flags.go:64] FLAG: --cgroup-root=\"\"\nI1207 07:27:35.646467   23137 flags.go:64] FLAG: --cgroups-per-qos=\"true\"\nI1207 07:27:35.646574   23137 flags.go:64] FLAG: --config=\"/etc/kubernetes/kubelet-conf.yml\"\nI1207 07:27:35.647180   23137 flags.go:64] FLAG: --eviction-hard=\"imagefs.available<15%,memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%\"\nI1207 07:27:35.647259   23137 flags.go:64] FLAG: --eviction-minimum-reclaim=\"\"\nI1207 07:27:35.648656   23137 flags.go:64] FLAG: --node-labels=\"node.kubernetes.io/node=\"\nI1207 07:27:35.648728   23137 flags.go:64] FLAG: --pod-infra-container-image=\"registry.k8s.io/pause:3.8\"\n";
        assert_eq!(
            cmdline(with_file).unwrap(),
            "kubelet\n--config=/etc/kubernetes/kubelet-conf.yml\n--node-labels=node.kubernetes.io/node=\n--pod-infra-container-image=registry.k8s.io/pause:3.8\n"
        );
        // no config file: the dump is the settings; under a journal prefix
        let t = with_file
            .replace(
                "--config=\"/etc/kubernetes/kubelet-conf.yml\"",
                "--config=\"\"",
            )
            .lines()
            .map(|l| format!("Dec 07 07:27:35 node1 kubelet[23137]: {l}\n"))
            .collect::<String>();
        let c = cmdline(&t).unwrap();
        assert!(c.contains("\n--cgroup-driver=cgroupfs\n--cgroups-per-qos=true\n--eviction-hard=imagefs.available<15%,"), "{c}");
        assert!(!c.contains("cgroup-root") && !c.contains("config="));
        // another component's dump (kube-apiserver's flags): not the kubelet's
        let t = "I0101 12:00:00.000000       1 flags.go:33] FLAG: --advertise-address=\"10.0.0.1\"\nI0101 12:00:00.000000       1 flags.go:33] FLAG: --etcd-servers=\"[https://127.0.0.1:2379]\"\nI0101 12:00:00.000000       1 flags.go:33] FLAG: --max-requests-inflight=\"400\"\n";
        assert_eq!(cmdline(t), None);
    }
}
