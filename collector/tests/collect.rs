//! End-to-end tests of the `collect` binary on the fake node (testdata/fakenode): a root tree for
//! --root, fake commands on PATH that print real-format output, and planted secrets.

mod common;

use common::{
    as_nobody, collect_cmd, fake_path, fakenode, open, stderr, the_bundle, wait_for_temp_file,
    Bundle,
};
use kdiag_bundle::{paths, Status};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn run(mut c: Command) -> Output {
    c.output().expect("collect runs")
}

/// Every item that wrote a file says so honestly: bytes and sha256 match the entry.
fn check_item_accounting(b: &Bundle) {
    use sha2::Digest;
    for it in &b.manifest.items {
        match b.files.get(&it.path) {
            Some(data) => {
                assert_eq!(it.bytes, data.len() as u64, "{}", it.path);
                assert_eq!(it.sha256, hex(&sha2::Sha256::digest(data)), "{}", it.path);
            }
            None => assert_eq!(it.bytes, 0, "{}", it.path),
        }
        if it.status != Status::Ok {
            assert!(
                !it.stderr.trim().is_empty(),
                "{} is {:?} without a reason",
                it.path,
                it.status
            );
        }
    }
    for f in b.files.keys() {
        if f != "manifest.json" {
            assert!(
                b.manifest.item(f).is_some(),
                "{f} written without a manifest item"
            );
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The units testdata/fakenode/data/systemd has a status (and for some a unit file) for.
const FAKE_NODE_UNITS: &[&str] = &["kubelet", "docker", "containerd", "firewalld"];

/// Every fixed path of the layout contract, plus the folder items of the fake node.
fn expected_paths() -> Vec<String> {
    use paths::*;
    let mut v: Vec<String> = [
        HOSTNAME,
        UNAME,
        OS_RELEASE,
        REDHAT_RELEASE,
        UPTIME,
        TIME,
        PACKAGES,
        PROC_VERSION,
        PROC_CGROUPS,
        PROC_MOUNTS,
        PROC_SWAPS,
        PROC_MEMINFO,
        PROC_CMDLINE,
        PROC_LOADAVG,
        SYSCTL,
        CGROUP_CONTROLLERS,
        FREE,
        DF,
        DF_INODES,
        GETENFORCE,
        SESTATUS,
        SELINUX_CONFIG,
        JOURNAL_KUBELET,
        JOURNAL_DOCKER,
        JOURNAL_CONTAINERD,
        JOURNAL_KERNEL,
        MESSAGES,
        DMESG,
        DOCKER_DAEMON_JSON,
        DOCKER_INFO,
        DOCKER_VERSION,
        DOCKER_SYSCONFIG,
        CONTAINERD_CONFIG,
        CRI_INFO,
        KUBELET_CMDLINE,
        KUBELET_KUBEADM_FLAGS,
        KUBELET_CONFIG,
        KUBELET_UNIT,
        KUBELET_SYSCONFIG,
        IPTABLES_SAVE,
        IP6TABLES_SAVE,
        IPTABLES_LIST,
        IP_ADDR,
        IP_ROUTE,
        RESOLV_CONF,
        HOSTS,
        SS,
        PKI,
        CLUSTER_VERSION,
        CONFIGMAPS_KUBE_SYSTEM,
        KERNEL_MODULES,
        CONNTRACK_LIMITS,
        CONNTRACK_STATS,
        IPTABLES_LEGACY_SAVE,
        IPTABLES_NFT_SAVE,
        CNI_LISTING,
        XFS_INFO,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(
        SERVICE_UNITS
            .iter()
            .filter(|u| FAKE_NODE_UNITS.contains(u))
            .map(|u| service_status(u)),
    );
    v.extend(
        UNIT_FILE_UNITS
            .iter()
            .filter(|u| FAKE_NODE_UNITS.contains(u))
            .map(|u| unit_file(u)),
    );
    v.extend(KUBECTL_LISTS.iter().map(|(p, _, _)| p.to_string()));
    v.extend(
        [
            "node/cni/10-calico.conflist",
            "node/kubernetes/manifests/kube-apiserver.yaml",
            "node/kubernetes/manifests/admin-kubeconfig.yaml",
            "node/pods/kube-system_kube-proxy-9qz8d/kube-proxy.log",
            "node/pods/kube-system_coredns-66bff467f8-x7k2p/coredns.log",
            "cluster/logs/kube-system/coredns-66bff467f8-x7k2p/coredns.previous.log",
            "cluster/logs/shop/orders-7d9f8b6c5-abcde/orders.log",
            "cluster/logs/kube-system/kube-proxy-9qz8d/kube-proxy.log",
            "node/docker/config.json",
            "node/kubelet/config.json",
        ]
        .map(String::from),
    );
    v
}

#[test]
fn every_source_on_the_fake_node_is_collected() {
    let out = tempdir();
    let o = run(collect_cmd(
        out.path(),
        &fakenode().join("root"),
        &fake_path(),
    ));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let bundle = the_bundle(out.path());
    assert!(bundle
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("kdiag-node01-"));
    assert!(
        err.contains(&bundle.display().to_string()),
        "terminal names the bundle: {err}"
    );
    assert!(err.contains(" ok, 0 failed, 0 timed out"), "{err}");
    // Sized gzip members (docs/bundle-format.md): still one .tgz for the system's gzip and tar.
    for (tool, arg) in [("gzip", "-t"), ("tar", "tzf")] {
        let ok = Command::new(tool)
            .arg(arg)
            .arg(&bundle)
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{tool}: {e}"))
            .success();
        assert!(ok, "{tool} {arg} {}", bundle.display());
    }
    let b = open(&bundle);
    check_item_accounting(&b);
    for p in expected_paths() {
        let it = b.item(&p);
        assert_eq!(it.status, Status::Ok, "{p}: {}", it.stderr);
        assert!(!b.text(&p).trim().is_empty(), "{p} is empty");
    }
    // The units the fake node does not have (crio, k3s, rke2, microk8s) are recorded as systemd
    // says, so the analyzer can tell a node of one distribution from a machine that is no node.
    for u in paths::SERVICE_UNITS
        .iter()
        .filter(|u| !FAKE_NODE_UNITS.contains(u))
    {
        let it = b.item(&paths::service_status(u));
        assert_eq!(it.status, Status::NotFound, "{u}: {}", it.stderr);
        assert!(
            it.stderr.contains("could not be found"),
            "{u}: {}",
            it.stderr
        );
    }
    // Plausible content, in the real formats.
    assert!(b
        .text(paths::JOURNAL_KUBELET)
        .contains("node01 kubelet[4242]: E1122 08:05:10.666666"));
    assert!(b.text(paths::IPTABLES_SAVE).contains("*filter\n"));
    assert!(b
        .text(paths::DF)
        .starts_with("Filesystem              Type     1024-blocks"));
    assert!(b
        .text(paths::DOCKER_INFO)
        .contains("Cgroup Driver: systemd"));
    assert!(b.text(paths::OS_RELEASE).contains("CentOS Linux 7"));
    assert!(b.text(paths::HOSTNAME).starts_with("node01"));
    assert!(b.text(paths::PACKAGES).contains("kubelet-1.18.20-0.x86_64"));
    let time = b.text(paths::TIME);
    assert!(
        time.contains("### date -u")
            && time.contains("NTP synchronized: no")
            && time.contains("Leap status"),
        "{time}"
    );
    let cmdline = b.text(paths::KUBELET_CMDLINE);
    assert!(
        cmdline.lines().any(|l| l == "--cgroup-driver=cgroupfs"),
        "one argument per line: {cmdline}"
    );
    let pki = b.text(paths::PKI);
    // openssl x509 -noout -subject -issuer -dates, after file=PATH (what the analyzer parses).
    assert!(pki.contains("file=/etc/kubernetes/pki/apiserver.crt\nsubject=CN = kube-apiserver\nissuer=CN = kubernetes\nnotBefore="), "{pki}");
    assert!(
        pki.contains("file=/etc/kubernetes/pki/etcd/ca.crt\nsubject=CN = etcd-ca"),
        "DER and nested folders: {pki}"
    );
    assert!(
        pki.contains("subject=O = system:nodes, CN = node01@1700000000"),
        "{pki}"
    );
    assert!(
        pki.lines()
            .filter(|l| l.starts_with("notAfter=") && l.ends_with(" GMT"))
            .count()
            == 5,
        "{pki}"
    );
    assert!(
        pki.contains("file=/var/lib/kubelet/pki/kubelet-client-current.pem\nsubject=O = system:nodes, CN = system:node:node01\nissuer=O = system:nodes, CN = system:node:node01\nnotBefore="),
        "{pki}"
    );
    assert!(!pki.contains("ca.key"), "keys are never read: {pki}");
    let version: serde_json::Value =
        serde_json::from_slice(&b.files[paths::CLUSTER_VERSION]).unwrap();
    assert_eq!(version["serverVersion"]["gitVersion"], "v1.18.20");
    let pods: serde_json::Value =
        serde_json::from_slice(&b.files[paths::PODS]).expect("redacted pods.json is still JSON");
    assert_eq!(pods["items"].as_array().unwrap().len(), 4);
    assert!(b
        .text("cluster/logs/kube-system/coredns-66bff467f8-x7k2p/coredns.previous.log")
        .contains("plugin/loop: Loop"));
    // The newest restart's log of a kube-system pod, not an older one, not an app pod's.
    assert!(b
        .text("node/pods/kube-system_kube-proxy-9qz8d/kube-proxy.log")
        .contains("I1122 08:00:10"));
    assert!(!b
        .files
        .keys()
        .any(|k| k.contains("orders") && k.starts_with("node/pods")));
    // Ready pods without restarts get no logs, except kube-proxy's, calico-node's and
    // CoreDNS's current log; completed ones none.
    assert!(b
        .text("cluster/logs/kube-system/kube-proxy-9qz8d/kube-proxy.log")
        .contains("Using iptables Proxier"));
    assert!(!b
        .files
        .contains_key("cluster/logs/kube-system/kube-proxy-9qz8d/kube-proxy.previous.log"));
    assert!(!b.files.keys().any(|k| k.contains("report-")));
    // The field rules' evidence, in the real formats of the commands.
    assert!(b
        .text(paths::KERNEL_MODULES)
        .starts_with("Module                  Size  Used by\n"));
    assert_eq!(
        b.text(paths::CONNTRACK_LIMITS),
        "/proc/sys/net/netfilter/nf_conntrack_count:26843\n/proc/sys/net/netfilter/nf_conntrack_max:131072\n"
    );
    assert!(b.text(paths::CONNTRACK_STATS).starts_with("cpu=0 "));
    assert!(b
        .text(paths::IPTABLES_NFT_SAVE)
        .contains("iptables-legacy tables present"));
    let cni = b.text(paths::CNI_LISTING);
    assert!(
        cni.starts_with("/etc/cni/net.d:\ntotal ") && cni.contains("\n/opt/cni/bin:\ntotal "),
        "{cni}"
    );
    assert!(
        cni.contains(" 10-calico.conflist\n") && cni.contains(" calico-ipam\n"),
        "{cni}"
    );
    assert!(
        b.text(paths::XFS_INFO)
            .contains("### xfs_info /\nmeta-data=/dev/mapper/centos-root"),
        "{}",
        b.text(paths::XFS_INFO)
    );
    assert!(b
        .text(&paths::unit_file("docker"))
        .starts_with("# /usr/lib/systemd/system/docker.service\n"));
    // Not on this kubeadm node: recorded with the reason.
    for (p, why) in [
        (
            paths::ETCD_METRICS.to_string(),
            "no kubeadm etcd static pod",
        ),
        (paths::K3S_CONFIG.to_string(), "no such file"),
        (paths::RKE2_CONFIG.to_string(), "no such file"),
        (paths::MICROK8S_ARGS_DIR.to_string(), "no such file"),
        (paths::unit_file("k3s"), "No files found for k3s.service"),
    ] {
        let it = b.item(&p);
        assert_eq!(it.status, Status::NotFound, "{p}: {}", it.stderr);
        assert!(it.stderr.contains(why), "{p}: {}", it.stderr);
    }
    // Kubeconfigs in the CNI folder and keys are recorded, never read.
    let cni = b.item("node/cni/calico-kubeconfig");
    assert_eq!(cni.status, Status::Skipped);
    assert!(!b.files.contains_key("node/cni/calico-kubeconfig"));
    assert_eq!(b.manifest.hostname, "node01");
    assert!(b.manifest.args.iter().any(|a| a == "--root"));
}

/// Every planted secret value in testdata/fakenode (files, command outputs, argv).
const PLANTED: &[&str] = &[
    "PodEnvPassw0rd-4c2e",        // env value in pods.json
    "annotSecretKey-0p9o",        // env value in escaped JSON (last-applied annotation)
    "cmPEMfakeKeyBody",           // PEM private key inside a ConfigMap
    "cmKubeconfigTok-7d3f9a2b1c", // kubeconfig token inside a ConfigMap
    "journalBearerTok-5e6f",      // Authorization: Bearer in the kubelet journal
    "argvBootstrapTok-8a9b0c",    // kubelet argv `--token VALUE`
    "argvBearer2-1f2e3d",         // kubelet argv `--bearer-token=VALUE`
    "manifestTok-2b3c4d5e",       // static pod manifest --token=
    "manifestPEMbody",            // inline PEM key in a static pod manifest
    "manifestEnvPass-3c4d",       // YAML env name/value in a static pod manifest
    "clientKeyDataFake77",        // client-key-data in a kubeconfig in the manifests folder
    "clientCertDataFake55",       // client-certificate-data
    "ZGFlbW9uOmRhZW1vblBhc3M",    // daemon.json auths
    "Y29uZmlnanNvbjpwYXNzd29yZA", // docker config.json auths
    "a3ViZWxldDpjb25maWdqc29u",   // /var/lib/kubelet/config.json auth
    "kubeletJsonPass-2z3y",       // /var/lib/kubelet/config.json password
    "ctrdRegPass-1a2b",           // containerd registry password
    "MsgUrlPa55-3e4f",            // https://user:pass@ in /var/log/messages
    "Pr0xyPa55-9c1d",             // http://user:pass@ proxy in docker info
    "PodLogPass-5k6l",            // password= in a kube-system pod log
    "dXNlcjpLdWJlTG9nUGFzcw",     // Authorization: Basic in kubectl logs
    "cniKubeconfigTok-6g7h",      // CNI kubeconfig (never read)
    "caKeyFileBodyNeverRead",     // pki/ca.key (never read)
];

#[test]
fn no_planted_secret_reaches_the_bundle() {
    let out = tempdir();
    let o = run(collect_cmd(
        out.path(),
        &fakenode().join("root"),
        &fake_path(),
    ));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = open(&the_bundle(out.path()));
    // The secrets are really in the sources (else this test proves nothing)...
    let data = fakenode();
    let mut all_sources = Vec::new();
    for dir in [data.join("root"), data.join("data"), data.join("bin")] {
        slurp(&dir, &mut all_sources);
    }
    for s in PLANTED {
        assert!(
            find(&all_sources, s.as_bytes()),
            "{s} is not planted in testdata/fakenode"
        );
        // ...and not one of them is anywhere in the decompressed bundle, nor in the manifest.
        assert!(
            !find(&b.raw, s.as_bytes()),
            "secret {s} leaked into the bundle"
        );
    }
    for p in [
        paths::PODS,
        paths::CONFIGMAPS_KUBE_SYSTEM,
        paths::JOURNAL_KUBELET,
        paths::KUBELET_CMDLINE,
        "node/kubernetes/manifests/kube-apiserver.yaml",
        "node/kubernetes/manifests/admin-kubeconfig.yaml",
        paths::DOCKER_DAEMON_JSON,
        "node/docker/config.json",
        "node/kubelet/config.json",
        paths::CONTAINERD_CONFIG,
        paths::MESSAGES,
        paths::DOCKER_INFO,
        "node/pods/kube-system_kube-proxy-9qz8d/kube-proxy.log",
        "cluster/logs/shop/orders-7d9f8b6c5-abcde/orders.log",
    ] {
        let it = b.item(p);
        assert!(it.redactions > 0, "{p}: redactions = 0");
        assert!(b.text(p).contains("[REDACTED]"), "{p}");
    }
    // Evidence that is not secret survives redaction.
    let api = b.text("node/kubernetes/manifests/kube-apiserver.yaml");
    assert!(api.contains("--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"));
    assert!(api.contains("value: \"4\""));
    assert!(b
        .text(paths::DOCKER_DAEMON_JSON)
        .contains("native.cgroupdriver=systemd"));
    // Nothing ever asked the API server for Secrets.
    assert!(!b.manifest.items.iter().any(|i| i.source.contains("secret")));
}

fn slurp(dir: &Path, out: &mut Vec<u8>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            slurp(&p, out);
        } else {
            out.extend(fs::read(&p).unwrap());
        }
    }
}

fn find(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

#[test]
fn a_hanging_kubectl_cannot_hold_the_run_past_its_deadline() {
    let out = tempdir();
    let mut c = collect_cmd(out.path(), &fakenode().join("root"), &fake_path());
    c.env("FAKE_KUBECTL_HANG", "1").args(["--deadline", "5s"]);
    let t = Instant::now();
    let o = run(c);
    // Generous sanity bound only: the real assertions are on the manifest.
    assert!(
        t.elapsed() < Duration::from_secs(60),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 timed out"), "{}", stderr(&o));
    let b = open(&the_bundle(out.path()));
    let v = b.item(paths::CLUSTER_VERSION);
    assert_eq!(v.status, Status::Timeout);
    assert!(v.stderr.contains("timed out"), "{}", v.stderr);
    for (p, _, _) in paths::KUBECTL_LISTS {
        let it = b.item(p);
        assert_eq!(it.status, Status::Skipped, "{p}");
        assert!(it.stderr.contains("timed out"), "{p}: {}", it.stderr);
    }
    // The node half still arrived.
    assert_eq!(b.item(paths::JOURNAL_KUBELET).status, Status::Ok);
}

#[test]
fn refused_api_server_is_probed_once_and_its_answer_kept() {
    let out = tempdir();
    let mut c = collect_cmd(out.path(), &fakenode().join("root"), &fake_path());
    c.env("FAKE_KUBECTL_DOWN", "1");
    let o = run(c);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let b = open(&the_bundle(out.path()));
    let v = b.item(paths::CLUSTER_VERSION);
    assert_eq!(v.status, Status::Failed);
    assert_eq!(v.exit_code, Some(1));
    assert!(
        v.stderr
            .contains("The connection to the server localhost:8080 was refused"),
        "{}",
        v.stderr
    );
    let pods = b.item(paths::PODS);
    assert_eq!(pods.status, Status::Skipped);
    assert!(
        pods.stderr.contains("localhost:8080 was refused"),
        "{}",
        pods.stderr
    );
    assert_eq!(b.item(paths::CLUSTER_LOGS_DIR).status, Status::Skipped);
    // Only the probe ran kubectl: every other kubectl item took no time.
    assert!(b
        .manifest
        .items
        .iter()
        .filter(|i| i.path.starts_with("cluster/") && i.path != paths::CLUSTER_VERSION)
        .all(|i| i.duration_ms == 0));
}

#[test]
fn missing_tools_are_not_found_items_and_the_bundle_is_still_written() {
    let out = tempdir();
    let bins = tempdir();
    // Only the fake tools minus kubectl/docker/crictl, plus what the fake scripts use.
    for e in fs::read_dir(fakenode().join("bin")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if !["kubectl", "docker", "crictl"].contains(&name.as_str()) {
            std::os::unix::fs::symlink(&p, bins.path().join(&name)).unwrap();
        }
    }
    for tool in ["cat", "dirname", "sleep", "awk", "date"] {
        let real = ["/bin", "/usr/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap();
        std::os::unix::fs::symlink(real, bins.path().join(tool)).unwrap();
    }
    let o = run(collect_cmd(
        out.path(),
        &fakenode().join("root"),
        bins.path().to_str().unwrap(),
    ));
    // Missing tools are facts about the node, not failures of the run.
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = open(&the_bundle(out.path()));
    check_item_accounting(&b);
    for p in [
        paths::DOCKER_INFO,
        paths::DOCKER_VERSION,
        paths::CRI_INFO,
        paths::CLUSTER_VERSION,
    ] {
        let it = b.item(p);
        assert_eq!(it.status, Status::NotFound, "{p}");
        assert!(
            it.stderr.contains("command not found"),
            "{p}: {}",
            it.stderr
        );
        assert!(!b.files.contains_key(p));
    }
    let nodes = b.item(paths::NODES);
    assert_eq!(nodes.status, Status::NotFound);
    assert!(
        nodes.stderr.contains("kubectl not found"),
        "{}",
        nodes.stderr
    );
    assert_eq!(b.item(paths::JOURNAL_KUBELET).status, Status::Ok);
}

#[test]
fn a_file_size_limit_leaves_no_bundle_and_no_temp_file() {
    let out = tempdir();
    let c = collect_cmd(out.path(), &fakenode().join("root"), &fake_path());
    // Re-run the same command line under `ulimit -f 4` (2-4 KiB): the bundle cannot fit, while
    // each 1 KiB spool segment still can.
    let mut sh = Command::new("/bin/sh");
    sh.arg("-c")
        .arg("ulimit -f 4; exec \"$@\"")
        .arg("sh")
        .arg(c.get_program())
        .args(c.get_args())
        .args(["--max-file-size", "1k"]);
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    let o = run(sh);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no bundle written"), "{err}");
    assert!(
        err.contains("File too large") || err.contains("EFBIG") || err.contains("too large"),
        "{err}"
    );
    let left: Vec<_> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn root_is_honoured_for_files() {
    let out = tempdir();
    let root = tempdir();
    common::copy_tree(&fakenode().join("root"), root.path());
    fs::write(
        root.path().join("proc/sys/kernel/hostname"),
        "only-in-root-7q\n",
    )
    .unwrap();
    fs::write(
        root.path().join("etc/redhat-release"),
        "Fake Linux release 7.7 (only in root)\n",
    )
    .unwrap();
    let o = run(collect_cmd(out.path(), root.path(), &fake_path()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bundle = the_bundle(out.path());
    assert!(bundle
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("kdiag-only-in-root-7q-"));
    let b = open(&bundle);
    assert_eq!(
        b.text(paths::REDHAT_RELEASE),
        "Fake Linux release 7.7 (only in root)\n"
    );
    assert_eq!(
        b.item(paths::REDHAT_RELEASE).source,
        "file:/etc/redhat-release"
    );
}

#[test]
fn caps_keep_the_newest_lines_and_say_so() {
    let out = tempdir();
    let mut c = collect_cmd(out.path(), &fakenode().join("root"), &fake_path());
    c.env("FAKE_JOURNAL_MB", "2")
        .args(["--max-file-size", "64k", "--max-total-size", "300k"]);
    let o = run(c);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        stderr(&o)
    );
    let b = open(&the_bundle(out.path()));
    let it = b.item(paths::JOURNAL_KUBELET);
    assert!(it.truncated);
    assert!(
        it.bytes <= 64 * 1024 && it.bytes > 32 * 1024,
        "{}",
        it.bytes
    );
    let j = b.text(paths::JOURNAL_KUBELET);
    assert!(
        j.starts_with("2026-11-22T08:01:02+0000 node01 kubelet[1234]: E1122"),
        "cut at a line boundary"
    );
    let last = j.lines().last().unwrap();
    // The generator's last line number: 2 MiB / line length.
    let n: u64 = last.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n > 5000, "newest lines kept, last is {n}");
    let total: u64 = b.manifest.items.iter().map(|i| i.bytes).sum();
    assert!(total <= 300 * 1024, "total {total}");
}

#[test]
fn bad_flags_and_a_full_disk_refuse_to_start() {
    let out = tempdir();
    let mut c = collect_cmd(out.path(), &fakenode().join("root"), &fake_path());
    c.args(["--deadline", "soon"]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--deadline"), "{}", stderr(&o));
    let mut c = collect_cmd(out.path(), &fakenode().join("root"), &fake_path());
    c.args(["--min-free", "900000G"]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not enough free space"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn sigterm_removes_the_temp_file_and_exits_143() {
    let out = tempdir();
    let mut c = collect_cmd(out.path(), &fakenode().join("root"), &fake_path());
    c.env("FAKE_KUBECTL_HANG", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    // Wait until the run is under way (its temp file exists), then interrupt it.
    wait_for_temp_file(out.path());
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(143));
    let left: Vec<_> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn as_nobody_unreadable_files_are_permission_denied_and_the_bundle_is_written() {
    // SAFETY: geteuid has no preconditions and touches no memory.
    if unsafe { libc::geteuid() } != 0 {
        println!("skipped: needs root to switch to nobody");
        return;
    }
    if !Path::new("/usr/bin/setpriv").exists() && !Path::new("/bin/setpriv").exists() {
        println!("skipped: setpriv (util-linux) is missing");
        return;
    }
    let base = tempdir();
    fs::set_permissions(base.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let root = base.path().join("root");
    let out = base.path().join("out");
    common::copy_tree(&fakenode().join("root"), &root);
    fs::create_dir(&out).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o777)).unwrap();
    for f in [
        "etc/docker/daemon.json",
        "var/lib/kubelet/config.yaml",
        "proc/4242/cmdline",
    ] {
        fs::set_permissions(root.join(f), fs::Permissions::from_mode(0o000)).unwrap();
    }
    let c = collect_cmd(&out, &root, &fake_path());
    let mut sp = as_nobody(&c);
    sp.env("HOME", "/nonexistent");
    let o = run(sp);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        stderr(&o)
    );
    let b = open(&the_bundle(&out));
    check_item_accounting(&b);
    assert_eq!(b.manifest.uid, 65534);
    for p in [
        paths::DOCKER_DAEMON_JSON,
        paths::KUBELET_CONFIG,
        paths::KUBELET_CMDLINE,
    ] {
        let it = b.item(p);
        assert_eq!(it.status, Status::PermissionDenied, "{p}: {}", it.stderr);
        assert!(
            it.stderr.contains("permission denied"),
            "{p}: {}",
            it.stderr
        );
    }
    assert_eq!(b.item(paths::OS_RELEASE).status, Status::Ok);
}

#[test]
fn a_real_run_on_this_machine_explains_every_missing_thing() {
    let out = tempdir();
    let mut c = Command::new(env!("CARGO_BIN_EXE_collect"));
    c.arg("--out")
        .arg(out.path())
        .args(["--deadline", "30s", "--since", "1h", "--min-free", "1M"])
        .stdin(Stdio::null());
    let o = run(c);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        stderr(&o)
    );
    let b = open(&the_bundle(out.path()));
    check_item_accounting(&b);
    // Every fixed path has an item, whatever happened; folders have one item at least.
    for p in expected_paths() {
        let folder = [
            "node/cni/",
            "node/kubernetes/manifests/",
            "node/pods/",
            "cluster/logs/",
        ]
        .iter()
        .find(|d| p.starts_with(*d));
        match folder {
            Some(d) => assert!(
                b.manifest
                    .items
                    .iter()
                    .any(|i| i.path.starts_with(d.trim_end_matches('/'))),
                "no item for {d}"
            ),
            None => {
                b.item(&p);
            }
        }
    }
    assert!(b.manifest.items.len() > 60);
    assert!(b.item(paths::PROC_MEMINFO).status == Status::Ok);
}

/// Each item's line says how many items are done of those known so far, ending at all of them.
#[test]
fn progress_says_how_many_items_are_left() {
    let out = tempdir();
    let o = collect_cmd(out.path(), &fakenode().join("root"), &fake_path())
        .output()
        .unwrap();
    let err = stderr(&o);
    let counts: Vec<(usize, usize)> = err
        .lines()
        .filter_map(|l| {
            let (done, rest) = l.strip_prefix("collect: [")?.split_once('/')?;
            let (known, _) = rest.split_once(']')?;
            Some((done.trim().parse().ok()?, known.parse().ok()?))
        })
        .collect();
    assert!(counts.len() > 20, "{err}");
    assert!(counts.iter().all(|(d, k)| d <= k), "{counts:?}");
    assert_eq!(counts[0].0, 1);
    let (d, k) = counts[counts.len() - 1];
    assert_eq!((d, k), (counts.len(), counts.len()), "{err}");
}
