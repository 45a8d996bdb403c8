//! The table of what is collected: one [`Job`] per bundle item, built from the layout paths
//! (kdiag_bundle::paths) and the node's file tree under `--root`.

use crate::config::{Config, KubectlEnv};
use crate::job::{under, Action, CmdSpec, Job};
use crate::podlogs::LogTarget;
use crate::util::local_timestamp;
use kdiag_bundle::paths::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Cap for one kube-system pod log tail under node/pods.
pub const POD_LOG_TAIL: u64 = 4 << 20;
/// At most this many containers get `kubectl logs`.
pub const MAX_KUBECTL_LOGS: usize = 60;

pub const CMD_TIMEOUT: Duration = Duration::from_secs(30);
pub const JOURNAL_TIMEOUT: Duration = Duration::from_secs(60);
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Every node/ job, plus the kubectl probe (whose result schedules the rest of cluster/).
pub fn node_jobs(cfg: &Config, since_unix: i64) -> Vec<Job> {
    let root = cfg.root.as_path();
    let since = local_timestamp(since_unix);
    let mut jobs = Vec::new();
    // Kubectl first: it decides a whole family, and a hang there should start its clock early.
    if cfg.no_kubectl {
        jobs.push(Job::record(
            CLUSTER_VERSION,
            "kubectl version -o json",
            kdiag_bundle::Status::Skipped,
            "--no-kubectl given".into(),
        ));
    } else {
        jobs.push(Job {
            path: CLUSTER_VERSION.into(),
            source: String::new(),
            action: Action::KubectlProbe {
                base: kubectl_base(&cfg.kubectl_env, Path::new(ADMIN_CONF)),
            },
        });
    }
    // Journals (the slowest) early too.
    let journal = |unit: Option<&str>| {
        let mut a = vec!["journalctl".to_string()];
        match unit {
            Some(u) => a.extend(["-u".to_string(), u.to_string()]),
            None => a.push("-k".into()),
        }
        a.extend([
            "--since".to_string(),
            since.clone(),
            "--no-pager".into(),
            "-o".into(),
            "short-iso".into(),
        ]);
        CmdSpec {
            argv: a,
            timeout: JOURNAL_TIMEOUT,
            ok_codes: vec![],
            not_found_codes: vec![],
            not_found_stderr: None,
        }
    };
    jobs.push(Job::cmd(JOURNAL_KUBELET, journal(Some("kubelet"))));
    jobs.push(Job::cmd(JOURNAL_DOCKER, journal(Some("docker"))));
    jobs.push(Job::cmd(JOURNAL_CONTAINERD, journal(Some("containerd"))));
    jobs.push(Job::cmd(JOURNAL_KERNEL, journal(None)));
    jobs.push(Job::first_file(
        root,
        MESSAGES,
        &["/var/log/messages", "/var/log/syslog"],
    ));
    jobs.push(Job::cmd(DMESG, CmdSpec::new(&["dmesg", "-T"])));

    // Host identity and time.
    jobs.push(Job::first_file(
        root,
        HOSTNAME,
        &["/proc/sys/kernel/hostname", "/etc/hostname"],
    ));
    jobs.push(Job::cmd(UNAME, CmdSpec::new(&["uname", "-a"])));
    jobs.push(Job::file(root, OS_RELEASE, "/etc/os-release"));
    jobs.push(Job::file(root, REDHAT_RELEASE, "/etc/redhat-release"));
    jobs.push(Job::cmd(UPTIME, CmdSpec::new(&["uptime"])));
    let time_cmds = vec![
        CmdSpec::new(&["date", "-u"]),
        CmdSpec::new(&["timedatectl"]),
        CmdSpec::new(&["chronyc", "tracking"]),
        CmdSpec::new(&["ntpstat"]).ok(&[1, 2]),
    ];
    jobs.push(Job {
        path: TIME.into(),
        source: "date -u; timedatectl; chronyc tracking; ntpstat".into(),
        action: Action::Multi {
            cmds: time_cmds,
            first_only: false,
        },
    });
    let any: Vec<i32> = (1..=255).collect();
    let rpm = CmdSpec::new(&[
        "rpm",
        "-q",
        "docker",
        "docker-ce",
        "docker-ce-cli",
        "containerd.io",
        "containerd",
        "runc",
        "kubelet",
        "kubeadm",
        "kubectl",
        "kernel",
    ])
    .ok(&any);
    let dpkg = CmdSpec::new(&[
        "dpkg",
        "-l",
        "docker.io",
        "docker-ce",
        "containerd",
        "containerd.io",
        "runc",
        "kubelet",
        "kubeadm",
        "kubectl",
        "linux-image-*",
    ])
    .ok(&any);
    jobs.push(Job {
        path: PACKAGES.into(),
        source: format!("{} || {}", rpm.display(), dpkg.display()),
        action: Action::Multi {
            cmds: vec![rpm, dpkg],
            first_only: true,
        },
    });

    // /proc copies.
    for (p, f) in [
        (PROC_VERSION, "/proc/version"),
        (PROC_CGROUPS, "/proc/cgroups"),
        (PROC_MOUNTS, "/proc/mounts"),
        (PROC_SWAPS, "/proc/swaps"),
        (PROC_MEMINFO, "/proc/meminfo"),
        (PROC_CMDLINE, "/proc/cmdline"),
        (PROC_LOADAVG, "/proc/loadavg"),
        (CGROUP_CONTROLLERS, "/sys/fs/cgroup/cgroup.controllers"),
        (SELINUX_CONFIG, "/etc/selinux/config"),
        (DOCKER_DAEMON_JSON, "/etc/docker/daemon.json"),
        (DOCKER_CLIENT_CONFIG, "/root/.docker/config.json"),
        (CONTAINERD_CONFIG, "/etc/containerd/config.toml"),
        (KUBELET_KUBEADM_FLAGS, "/var/lib/kubelet/kubeadm-flags.env"),
        (KUBELET_CONFIG, "/var/lib/kubelet/config.yaml"),
        (KUBELET_DOCKER_CONFIG, "/var/lib/kubelet/config.json"),
        (RESOLV_CONF, "/etc/resolv.conf"),
        (HOSTS, "/etc/hosts"),
    ] {
        jobs.push(Job::file(root, p, f));
    }
    jobs.push(Job::cmd(SYSCTL, CmdSpec::new(&["sysctl", "-a"])));
    jobs.push(Job::cmd(FREE, CmdSpec::new(&["free", "-m"])));
    jobs.push(Job::cmd(DF, CmdSpec::new(&["df", "-PT"]).ok(&[1])));
    jobs.push(Job::cmd(DF_INODES, CmdSpec::new(&["df", "-Pi"]).ok(&[1])));
    jobs.push(Job::cmd(GETENFORCE, CmdSpec::new(&["getenforce"])));
    jobs.push(Job::cmd(SESTATUS, CmdSpec::new(&["sestatus", "-v"])));

    // Runtime.
    jobs.push(Job::cmd(DOCKER_INFO, CmdSpec::new(&["docker", "info"])));
    jobs.push(Job::cmd(
        DOCKER_VERSION,
        CmdSpec::new(&["docker", "version"]),
    ));
    jobs.push(Job::first_file(
        root,
        DOCKER_SYSCONFIG,
        &["/etc/sysconfig/docker", "/etc/default/docker"],
    ));
    jobs.push(Job::cmd(CRI_INFO, CmdSpec::new(&["crictl", "info"])));

    // Kubelet.
    jobs.push(Job {
        path: KUBELET_CMDLINE.into(),
        source: "file:/proc/PID/cmdline".into(),
        action: Action::KubeletCmdline,
    });
    jobs.push(Job::cmd(
        KUBELET_UNIT,
        CmdSpec::new(&["systemctl", "cat", "kubelet", "--no-pager"]),
    ));
    jobs.push(Job::first_file(
        root,
        KUBELET_SYSCONFIG,
        &["/etc/sysconfig/kubelet", "/etc/default/kubelet"],
    ));
    for unit in SERVICE_UNITS {
        jobs.push(Job::cmd(
            &service_status(unit),
            CmdSpec::new(&[
                "systemctl",
                "status",
                unit,
                "--no-pager",
                "-l",
                "--lines=50",
            ])
            .ok(&[1, 2, 3])
            .nf(&[4]),
        ));
    }

    // Network.
    jobs.push(Job::cmd(IPTABLES_SAVE, CmdSpec::new(&["iptables-save"])));
    jobs.push(Job::cmd(IP6TABLES_SAVE, CmdSpec::new(&["ip6tables-save"])));
    jobs.push(Job::cmd(
        IPTABLES_LIST,
        CmdSpec::new(&["iptables", "-L", "-n", "-v"]),
    ));
    jobs.push(Job::cmd(IP_ADDR, CmdSpec::new(&["ip", "addr"])));
    jobs.push(Job::cmd(
        IP_ROUTE,
        CmdSpec::new(&["ip", "route", "show", "table", "all"]),
    ));
    jobs.push(Job::cmd(SS, CmdSpec::new(&["ss", "-tulpn"])));

    // Folders.
    dir_jobs(&mut jobs, root, "/etc/cni/net.d", CNI_DIR);
    dir_jobs(&mut jobs, root, "/etc/kubernetes/manifests", MANIFESTS_DIR);
    jobs.push(pki_job(root));
    pod_log_jobs(&mut jobs, root, cfg.max_file.min(POD_LOG_TAIL));
    crate::evidence::jobs(&mut jobs, root);
    jobs
}

/// The kubeconfig of a kubeadm control-plane node, used when kubectl would find none by itself.
pub const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";

/// `kubectl` plus the kubeconfig to use when the environment names none (a control-plane node
/// where only `admin_conf` exists), plus a request timeout. `env` is the run's (`Config`): the
/// table reads no environment variable itself.
pub fn kubectl_base(env: &KubectlEnv, admin_conf: &Path) -> Vec<String> {
    let mut base = vec!["kubectl".to_string()];
    let home_cfg = env.home.as_ref().map(|h| h.join(".kube/config"));
    if !env.kubeconfig
        && !home_cfg.map(|p| p.exists()).unwrap_or(false)
        && fs::File::open(admin_conf).is_ok()
    {
        base.push(format!("--kubeconfig={}", admin_conf.display()));
    }
    base.push("--request-timeout=20s".into());
    base
}

/// The kubectl jobs that run once the probe answered.
pub fn kubectl_jobs(base: &[String]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (path, resource, all_ns) in KUBECTL_LISTS {
        let mut argv = base.to_vec();
        argv.extend(["get".to_string(), resource.to_string()]);
        if *all_ns {
            // --all-namespaces, not -A: kubectl before 1.14 only knows the long form.
            argv.push("--all-namespaces".into());
        }
        argv.extend(["-o".to_string(), "json".to_string()]);
        jobs.push(Job::kubectl(path, argv, *path == PODS));
    }
    let mut argv = base.to_vec();
    argv.extend(["get", "configmaps", "-n", "kube-system", "-o", "json"].map(String::from));
    jobs.push(Job::kubectl(CONFIGMAPS_KUBE_SYSTEM, argv, false));
    jobs
}

/// The paths every kubectl job would have written: recorded as skipped/not_found when the probe
/// fails.
pub fn kubectl_paths() -> Vec<(String, String)> {
    kubectl_jobs(&["kubectl".to_string()])
        .into_iter()
        .map(|j| (j.path, j.source))
        .collect()
}

/// The probe that decides the kubectl family: `kubectl version -o json`, with a short timeout.
pub fn probe_spec(base: &[String]) -> CmdSpec {
    let mut argv = base.to_vec();
    argv.extend(["version", "-o", "json"].map(String::from));
    CmdSpec {
        argv,
        timeout: PROBE_TIMEOUT,
        ok_codes: vec![],
        not_found_codes: vec![],
        not_found_stderr: None,
    }
}

/// Every kubectl item (the lists and the container logs), recorded as not run: the probe
/// failed with `status` for `reason`.
pub fn kubectl_not_run(status: kdiag_bundle::Status, reason: &str) -> Vec<Job> {
    let mut jobs: Vec<Job> = kubectl_paths()
        .into_iter()
        .map(|(path, source)| Job::record(&path, &source, status, reason.to_string()))
        .collect();
    jobs.push(cluster_logs_record(status, reason.to_string()));
    jobs
}

/// The one item that stands for container logs not fetched (cluster/logs).
pub fn cluster_logs_record(status: kdiag_bundle::Status, reason: String) -> Job {
    Job::record(CLUSTER_LOGS_DIR, "kubectl logs", status, reason)
}

/// `kubectl logs` of the containers the pod list picked (`podlogs::targets`): the current log
/// over the --since window and, after a restart, the previous run's, each its last 10000 lines,
/// into cluster/logs/NS/POD/C.log and C.previous.log. At most MAX_KUBECTL_LOGS; an item says how
/// many more were left.
pub fn kubectl_log_jobs(base: &[String], since: Duration, targets: &[LogTarget]) -> Vec<Job> {
    let since = format!("--since={}s", since.as_secs());
    let mut jobs = Vec::new();
    for t in targets {
        let dir = format!(
            "{CLUSTER_LOGS_DIR}/{}/{}/{}",
            t.namespace, t.pod, t.container
        );
        let mk = |previous: bool| {
            let mut argv = base.to_vec();
            argv.extend(
                [
                    "logs",
                    "-n",
                    &t.namespace,
                    &t.pod,
                    "-c",
                    &t.container,
                    "--tail=10000",
                ]
                .map(String::from),
            );
            if previous {
                argv.push("--previous".into());
            } else {
                argv.push(since.clone());
            }
            let spec = CmdSpec {
                argv,
                timeout: CMD_TIMEOUT,
                ok_codes: vec![],
                not_found_codes: vec![],
                not_found_stderr: None,
            };
            let path = if previous {
                format!("{dir}.previous.log")
            } else {
                format!("{dir}.log")
            };
            Job::cmd(&path, spec)
        };
        if t.current {
            jobs.push(mk(false));
        }
        if t.previous {
            jobs.push(mk(true));
        }
    }
    if jobs.len() > MAX_KUBECTL_LOGS {
        let dropped = jobs.len() - MAX_KUBECTL_LOGS;
        jobs.truncate(MAX_KUBECTL_LOGS);
        jobs.push(cluster_logs_record(
            kdiag_bundle::Status::Skipped,
            format!("{dropped} more container logs not fetched (limit {MAX_KUBECTL_LOGS})"),
        ));
    }
    jobs
}

pub(crate) fn dir_jobs(jobs: &mut Vec<Job>, root: &Path, dir: &str, bundle_dir: &str) {
    let real = under(root, dir);
    let rd = match fs::read_dir(&real) {
        Ok(rd) => rd,
        Err(e) => {
            let (st, why) = io_status(&e);
            jobs.push(Job::record(
                bundle_dir,
                &format!("file:{dir}/*"),
                st,
                format!("{dir}: {why}"),
            ));
            return;
        }
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| !t.is_dir()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    if names.is_empty() {
        jobs.push(Job::record(
            bundle_dir,
            &format!("file:{dir}/*"),
            kdiag_bundle::Status::NotFound,
            format!("{dir} is empty"),
        ));
    }
    for name in names {
        let shown = format!("{dir}/{name}");
        let path = format!("{bundle_dir}/{name}");
        let lower = name.to_ascii_lowercase();
        if lower.ends_with("kubeconfig") {
            jobs.push(Job::record(
                &path,
                &format!("file:{shown}"),
                kdiag_bundle::Status::Skipped,
                "kubeconfig files are never collected".into(),
            ));
        } else if lower.ends_with(".key") {
            jobs.push(Job::record(
                &path,
                &format!("file:{shown}"),
                kdiag_bundle::Status::Skipped,
                "private keys are never collected".into(),
            ));
        } else {
            jobs.push(Job::file(root, &path, &shown));
        }
    }
}

/// The kubelet's rotated certificates in /var/lib/kubelet/pki: certificate and private key in
/// one file. Only the CERTIFICATE blocks are parsed, in memory (`pki::describe`); the key
/// block is never decoded, spooled or written.
pub const KUBELET_PEMS: &[&str] = &["kubelet-client-current.pem", "kubelet-server-current.pem"];

fn pki_job(root: &Path) -> Job {
    let mut files = Vec::new();
    fn walk(root: &Path, dir: &str, deep: bool, out: &mut Vec<(PathBuf, String)>) {
        let Ok(rd) = fs::read_dir(under(root, dir)) else {
            return;
        };
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            let shown = format!("{dir}/{name}");
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() && deep {
                walk(root, &shown, deep, out);
            } else if name.ends_with(".crt") || (!deep && KUBELET_PEMS.contains(&name.as_str())) {
                out.push((under(root, &shown), shown));
            }
        }
    }
    walk(root, "/etc/kubernetes/pki", true, &mut files);
    walk(root, "/var/lib/kubelet/pki", false, &mut files);
    Job {
        path: PKI.into(),
        source: "certificates /etc/kubernetes/pki/**.crt /var/lib/kubelet/pki/*.crt, kubelet-{client,server}-current.pem (parsed in memory; only subject, issuer and dates kept, never a key byte)".into(),
        action: Action::Pki { files },
    }
}

fn pod_log_jobs(jobs: &mut Vec<Job>, root: &Path, tail: u64) {
    let base = "/var/log/pods";
    let rd = match fs::read_dir(under(root, base)) {
        Ok(rd) => rd,
        Err(e) => {
            let (st, why) = io_status(&e);
            jobs.push(Job::record(
                NODE_PODS_DIR,
                "file:/var/log/pods/kube-system_*",
                st,
                format!("{base}: {why}"),
            ));
            return;
        }
    };
    let mut pods: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("kube-system_"))
        .collect();
    pods.sort();
    if pods.is_empty() {
        jobs.push(Job::record(
            NODE_PODS_DIR,
            "file:/var/log/pods/kube-system_*",
            kdiag_bundle::Status::NotFound,
            "no kube-system pod log folders in /var/log/pods".into(),
        ));
    }
    for pod_dir in pods {
        // NAMESPACE_POD_UID -> NAMESPACE_POD
        let ns_pod = match pod_dir.rfind('_') {
            Some(i) if i > "kube-system".len() => pod_dir[..i].to_string(),
            _ => pod_dir.clone(),
        };
        let pdir = format!("{base}/{pod_dir}");
        let Ok(rd) = fs::read_dir(under(root, &pdir)) else {
            jobs.push(Job::record(
                &format!("{NODE_PODS_DIR}/{ns_pod}"),
                &format!("file:{pdir}"),
                kdiag_bundle::Status::PermissionDenied,
                format!("{pdir}: cannot list"),
            ));
            continue;
        };
        let mut containers: Vec<String> = rd
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        containers.sort();
        for c in containers {
            let cdir = format!("{pdir}/{c}");
            // The newest restart's log: the highest N in N.log.
            let newest = fs::read_dir(under(root, &cdir)).ok().and_then(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter_map(|n| {
                        n.strip_suffix(".log")
                            .and_then(|s| s.parse::<u64>().ok())
                            .map(|k| (k, n.clone()))
                    })
                    .max()
            });
            let path = format!("{NODE_PODS_DIR}/{ns_pod}/{c}.log");
            match newest {
                Some((_, n)) => {
                    let shown = format!("{cdir}/{n}");
                    jobs.push(Job {
                        path,
                        source: format!(
                            "file:{shown} (newest {} tail)",
                            crate::util::human_size(tail)
                        ),
                        action: Action::File {
                            real: under(root, &shown),
                            shown,
                            tail: Some(tail),
                        },
                    });
                }
                None => jobs.push(Job::record(
                    &path,
                    &format!("file:{cdir}/N.log"),
                    kdiag_bundle::Status::NotFound,
                    format!("no N.log in {cdir}"),
                )),
            }
        }
    }
}

/// Status and reason for a failed file operation.
pub fn io_status(e: &std::io::Error) -> (kdiag_bundle::Status, String) {
    use kdiag_bundle::Status;
    match e.kind() {
        std::io::ErrorKind::NotFound => (Status::NotFound, "no such file or folder".into()),
        std::io::ErrorKind::PermissionDenied => {
            (Status::PermissionDenied, "permission denied".into())
        }
        _ if e.raw_os_error() == Some(libc::ENOTDIR) => {
            (Status::NotFound, "no such file or folder".into())
        }
        _ => (Status::Failed, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_conf_only_when_kubectl_would_find_no_kubeconfig() {
        let dir = std::env::temp_dir().join(format!("kdiag-kubectl-base-{}", std::process::id()));
        let home = dir.join("home");
        fs::create_dir_all(&home).unwrap();
        let admin = dir.join("admin.conf");
        fs::write(&admin, "apiVersion: v1\n").unwrap();
        let flag = format!("--kubeconfig={}", admin.display());
        let bare = KubectlEnv {
            kubeconfig: false,
            home: Some(home.clone()),
        };
        assert_eq!(
            kubectl_base(&bare, &admin),
            ["kubectl", flag.as_str(), "--request-timeout=20s"]
        );
        let set = KubectlEnv {
            kubeconfig: true,
            ..bare.clone()
        };
        assert_eq!(
            kubectl_base(&set, &admin),
            ["kubectl", "--request-timeout=20s"]
        );
        assert_eq!(
            kubectl_base(&bare, &dir.join("missing.conf")),
            ["kubectl", "--request-timeout=20s"]
        );
        fs::create_dir_all(home.join(".kube")).unwrap();
        fs::write(home.join(".kube/config"), "apiVersion: v1\n").unwrap();
        assert_eq!(
            kubectl_base(&bare, &admin),
            ["kubectl", "--request-timeout=20s"]
        );
        let homeless = KubectlEnv {
            kubeconfig: false,
            home: None,
        };
        assert_eq!(kubectl_base(&homeless, &admin).len(), 3);
        fs::remove_dir_all(&dir).unwrap();
    }
}
