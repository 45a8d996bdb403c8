//! Other tools' archives (testdata/foreign/: real sosreport trees from canonical/hotsos, real
//! troubleshoot.sh bundles from replicatedhq/troubleshoot and replicatedhq/sbctl, an EKS log
//! collector archive made here by the real script, and more) read as kdiag
//! nodes: sniffed by their entries, mapped onto the kdiag layout, what they lack said per path,
//! secret-bearing entries never read, and the same answer from a folder, a .tar.xz and a .tar.bz2.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{analyze, root};
use kdiag_analyzer::input::{read_input, Limits};
use kdiag_bundle::Status;

fn foreign(name: &str) -> PathBuf {
    root().join("testdata/foreign").join(name)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn findings(o: &Output) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON findings");
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "finding")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_sosreport_tree_maps_onto_the_kdiag_layout() {
    let node = read_input(&foreign("sosreport-hotsos-kubernetes"), &Limits::default()).unwrap();
    assert_eq!(
        node.name, "juju-110cc2-k8stest-4",
        "the hostname sos recorded"
    );
    for p in [
        "node/host/uname.txt",
        "node/host/hostname",
        "node/proc/meminfo",
        "node/network/ip-route.txt",
        "node/journal/kubelet.log",
        "cluster/pods.json",
        "cluster/events.json",
    ] {
        assert!(
            node.files.contains_key(p),
            "{p} missing: {:?}",
            node.files.keys()
        );
    }
    assert!(
        node.files
            .keys()
            .all(|k| k.starts_with("node/") || k.starts_with("cluster/")),
        "only kdiag paths: {:?}",
        node.files.keys()
    );
    let m = node
        .manifest
        .as_ref()
        .expect("a manifest built from the table");
    let save = m
        .item("node/network/iptables-save.txt")
        .expect("an item for what sos lacks");
    assert_eq!(save.status, Status::Skipped);
    assert!(save.stderr.contains("iptables-save"), "{}", save.stderr);
    let pods: serde_json::Value = serde_json::from_slice(&node.files["cluster/pods.json"]).unwrap();
    assert!(
        pods["items"].as_array().unwrap().len() > 5,
        "per-namespace lists merged"
    );
    assert!(
        node.warnings
            .iter()
            .any(|w| w.contains("read as a sosreport")),
        "{:?}",
        node.warnings
    );
}

#[test]
fn a_sosreport_is_diagnosed_and_says_what_it_lacks() {
    let o = analyze(&[
        foreign("sosreport-hotsos-kubernetes").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let f = findings(&o);
    // The real tree's pods: two ubuntu-debug pods in ImagePullBackOff.
    let pull = f
        .iter()
        .find(|(r, _)| r == "image-pull-backoff")
        .expect("image-pull-backoff");
    assert!(pull.1.contains("ubuntu-debug"), "{}", pull.1);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let notes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "not_collected")
        .filter_map(|f| f["message"].as_str())
        .collect();
    // The tree has no var/log/syslog: the rules reading messages say where they looked.
    assert!(
        notes
            .iter()
            .any(|n| n.contains("node/logs/messages") && n.contains("not in this sosreport")),
        "{notes:?}"
    );
}

#[test]
fn sos_4_7_layout_with_only_sos_commands_is_still_a_sosreport() {
    let node = read_input(&foreign("sosreport-hotsos-sunbeam"), &Limits::default()).unwrap();
    assert_eq!(node.name, "noble-sunbeam");
    assert!(
        node.files.keys().any(|k| k.starts_with("cluster/logs/")),
        "podlogs under cluster-info/<ns>/podlogs/ mapped: {:?}",
        node.files.keys()
    );
}

fn packed(dir: &Path, flag: &str, ext: &str, out: &Path) -> Option<PathBuf> {
    let tar = out.join(format!("sos.{ext}"));
    let ok = Command::new("tar")
        .arg(flag)
        .arg(&tar)
        .arg("-C")
        .arg(dir.parent().unwrap())
        .arg(dir.file_name().unwrap())
        .status()
        .ok()?
        .success();
    ok.then_some(tar)
}

#[test]
fn the_same_sosreport_as_tar_xz_and_tar_bz2_gives_the_same_findings() {
    let dir = foreign("sosreport-hotsos-kubernetes");
    let tmp = tempfile::tempdir().unwrap();
    let want = findings(&analyze(&[dir.to_str().unwrap(), "--format", "json"]));
    for (flag, ext) in [("-cJf", "tar.xz"), ("-cjf", "tar.bz2")] {
        let p = packed(&dir, flag, ext, tmp.path())
            .unwrap_or_else(|| panic!("tar {flag} failed: .ci/run installs xz-utils and bzip2"));
        let got = findings(&analyze(&[p.to_str().unwrap(), "--format", "json"]));
        assert_eq!(got, want, "{ext}");
    }
}

#[test]
fn a_troubleshoot_bundle_maps_cluster_resources_and_never_reads_pull_secrets() {
    let node = read_input(&foreign("troubleshoot-sbctl"), &Limits::default()).unwrap();
    for p in [
        "cluster/nodes.json",
        "cluster/pods.json",
        "cluster/events.json",
    ] {
        assert!(node.files.contains_key(p), "{p}: {:?}", node.files.keys());
    }
    assert!(
        node.files.keys().all(|k| !k.contains("secret")),
        "{:?}",
        node.files.keys()
    );
    let o = analyze(&[
        foreign("troubleshoot-sbctl").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        !out(&o).contains("registry-creds"),
        "nothing of the pull secret reaches a report"
    );
    let f = findings(&o);
    let crash = f
        .iter()
        .find(|(r, _)| r == "container-crashloop")
        .expect("crashloop");
    assert!(crash.1.contains("velero"), "{}", crash.1);

    let tgz = read_input(&foreign("troubleshoot-baseline.tar.gz"), &Limits::default()).unwrap();
    assert!(tgz.files.contains_key("cluster/version.json"));
    let v: serde_json::Value = serde_json::from_slice(&tgz.files["cluster/version.json"]).unwrap();
    assert!(v["serverVersion"]["gitVersion"].is_string(), "{v}");
}

#[test]
fn input_format_overrides_the_guess_and_unknown_names_are_refused() {
    let dir = foreign("sosreport-hotsos-kubernetes");
    let o = analyze(&[
        dir.to_str().unwrap(),
        "--input-format",
        "eks",
        "--format",
        "json",
    ]);
    assert!(out(&o).contains("read as a eks"), "{}", out(&o));
    let o = analyze(&[dir.to_str().unwrap(), "--input-format", "nope"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "a usage error: {err}");
    assert!(err.contains("sosreport, troubleshoot"), "{err}");
}

/// A real sosreport of this machine, made by Debian's own `sos` (package sosreport; .ci/run
/// installs it), read as the sosreport it is. Slow (sos takes tens of seconds) and root-only.
#[test]
fn a_sosreport_made_here_by_debians_sos_is_read() {
    if !common::slow_tests(module_path!()) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = Command::new("sos")
        .args([
            "report",
            "--batch",
            "--label",
            "kdiagtest",
            "--plugin-timeout",
            "120",
        ])
        .args([
            "--only-plugins",
            "kernel,networking,filesys,memory,host,systemd,process,date,logs",
        ])
        .arg("--tmp-dir")
        .arg(tmp.path())
        .output()
        .expect("`sos` runs (.ci/run installs Debian's sosreport package)");
    assert!(
        run.status.success(),
        "sos report failed: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let archive = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("sosreport-") && (n.ends_with(".tar.xz") || n.ends_with(".tar.gz"))
        })
        .expect("sos wrote its archive");
    let node = read_input(&archive, &Limits::default()).unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(node.name, host.trim(), "{:?}", node.warnings);
    for p in [
        "node/host/uname.txt",
        "node/proc/meminfo",
        "node/network/ip-route.txt",
    ] {
        assert!(node.files.contains_key(p), "{p}: {:?}", node.files.keys());
    }
    let o = analyze(&[archive.to_str().unwrap(), "--format", "json"]);
    assert!(out(&o).contains("read as a sosreport"), "{}", out(&o));
}

/// `kubectl cluster-info dump` to stdout, assembled the way kubectl writes it (consecutive JSON
/// lists, then the pods' logs in START/END frames) from the real objects and log of the sbctl
/// test bundle: read as the cluster it holds.
#[test]
fn a_cluster_info_dump_on_stdout_is_read_as_its_cluster() {
    let tree = foreign("troubleshoot-sbctl/cluster-resources");
    let read = |p: &str| std::fs::read_to_string(tree.join(p)).unwrap();
    let pod = |ns: &str| {
        let mut v: serde_json::Value =
            serde_json::from_str(&read(&format!("pods/{ns}.json"))).unwrap();
        v["kind"] = "PodList".into();
        serde_json::to_string_pretty(&v).unwrap()
    };
    let log = read("pods/logs/velero/velero-6996dd565b-xl44t/velero.log");
    let dump = format!(
        "{}\n{}\n==== START logs for container velero of pod velero/velero-6996dd565b-xl44t ====\n{log}==== END logs for container velero of pod velero/velero-6996dd565b-xl44t ====\n{}\n",
        read("nodes.json"),
        pod("velero"),
        pod("kube-system"),
    );
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("cluster-info-dump.txt");
    std::fs::write(&p, dump).unwrap();
    let node = read_input(&p, &Limits::default()).unwrap();
    for k in [
        "cluster/nodes.json",
        "cluster/pods.json",
        "cluster/logs/velero/velero-6996dd565b-xl44t/velero.log",
    ] {
        assert!(node.files.contains_key(k), "{k}: {:?}", node.files.keys());
    }
    let pods: serde_json::Value = serde_json::from_slice(&node.files["cluster/pods.json"]).unwrap();
    let names: Vec<&str> = pods["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["metadata"]["namespace"].as_str())
        .collect();
    assert!(
        names.contains(&"velero") && names.contains(&"kube-system"),
        "{names:?}"
    );
    let f = findings(&analyze(&[p.to_str().unwrap(), "--format", "json"]));
    assert!(
        f.iter()
            .any(|(r, m)| r == "container-crashloop" && m.contains("velero")),
        "{f:?}"
    );
}

fn notes(o: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON findings");
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "not_collected")
        .filter_map(|f| f["message"].as_str().map(str::to_string))
        .collect()
}

fn rules(f: &[(String, String)]) -> Vec<&str> {
    let mut r: Vec<&str> = f.iter().map(|(r, _)| r.as_str()).collect();
    r.sort();
    r.dedup();
    r
}

/// A real OpenShift must-gather (openshift/must-gather-clean's e2e archive of a 4.9 CI cluster,
/// trimmed to three namespaces): the gather-image folder, YAML lists, per-node files, pod logs
/// under `<pod>/<container>/<container>/logs/`, the masters' merged kubelet journal.
#[test]
fn a_real_must_gather_is_read_and_diagnosed() {
    let dir = foreign("must-gather-metal");
    let node = read_input(&dir, &Limits::default()).unwrap();
    assert_eq!(
        node.name, "must-gather-514b5bd41b36",
        "named after the gather image's digest, not its 110-character folder"
    );
    for p in [
        "cluster/nodes.json",
        "cluster/pods.json",
        "cluster/events.json",
        "node/journal/kubelet.log",
        "cluster/logs/openshift-ingress-operator/ingress-operator-7d578b789-7wcql/ingress-operator.log",
        "cluster/logs/openshift-ingress-operator/ingress-operator-7d578b789-7wcql/ingress-operator.previous.log",
    ] {
        assert!(node.files.contains_key(p), "{p}: {:?}", node.files.keys());
    }
    let nodes: serde_json::Value =
        serde_json::from_slice(&node.files["cluster/nodes.json"]).unwrap();
    assert_eq!(
        nodes["items"].as_array().unwrap().len(),
        6,
        "one YAML file per node merged"
    );
    assert!(
        node.files.keys().all(|k| !k.contains("secret")),
        "core/secrets.yaml is never read: {:?}",
        node.files.keys()
    );
    let m = node.manifest.as_ref().unwrap();
    assert_eq!(m.item("node/disk/df.txt").unwrap().status, Status::Skipped);
    assert!(node
        .warnings
        .iter()
        .any(|w| w.contains("read as a must-gather")));

    let o = analyze(&[dir.to_str().unwrap(), "--format", "json"]);
    let f = findings(&o);
    // The real scheduler log: the router pod found its host port taken on the one worker that
    // was ready (install time), and the real events: etcd's readiness probe failing.
    let port = f
        .iter()
        .find(|(r, _)| r == "hostport-conflict")
        .expect("hostport-conflict");
    assert!(port.1.contains("didn't have free ports"), "{}", port.1);
    let probe = f
        .iter()
        .find(|(r, _)| r == "liveness-probe-failing")
        .expect("probes");
    assert!(probe.1.contains("etcd-master-0"), "{}", probe.1);
    // All six nodes are Ready in the sample: no claim otherwise.
    assert!(!rules(&f).contains(&"node-not-ready"), "{f:?}");
    let n = notes(&o);
    assert!(
        n.iter().any(
            |n| n.contains("node/disk/df.txt") && n.contains("must-gather does not collect it")
        ),
        "{n:?}"
    );

    // The same tree packed as the archive it came from (must-gather-metal/<image>/...).
    let tmp = tempfile::tempdir().unwrap();
    let tgz = tmp.path().join("must-gather.tar.gz");
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(dir.parent().unwrap())
        .arg("must-gather-metal")
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let packed = findings(&analyze(&[tgz.to_str().unwrap(), "--format", "json"]));
    assert_eq!(rules(&packed), rules(&f));
}

/// A real `kubectl cluster-info dump --output-directory` tree (verrazzano's analysis test data,
/// one namespace kept, no replication-controllers.json): sniffed from `<ns>/pods.json`, the
/// namespace folder kept as layout (not stripped as the archive's own), logs.txt split per
/// container.
#[test]
fn a_real_cluster_info_dump_tree_is_read_and_diagnosed() {
    let dir = foreign("cluster-info-dump-verrazzano");
    let node = read_input(&dir, &Limits::default()).unwrap();
    assert!(
        node.warnings
            .iter()
            .any(|w| w.contains("read as a cluster-info-dump")),
        "{:?}",
        node.warnings
    );
    let pod = "cluster/logs/bobs-books/bobbys-helidon-stock-application-7965cf98f5-kfdmx";
    for p in [
        "cluster/pods.json".to_string(),
        "cluster/events.json".to_string(),
        format!("{pod}/istio-init.log"),
        format!("{pod}/istio-proxy.log"),
        format!("{pod}/bobbys-helidon-stock-application.log"),
    ] {
        assert!(node.files.contains_key(&p), "{p}: {:?}", node.files.keys());
    }
    let m = node.manifest.as_ref().unwrap();
    assert_eq!(
        m.item("cluster/version.json").unwrap().status,
        Status::Skipped
    );

    let o = analyze(&[dir.to_str().unwrap(), "--format", "json"]);
    let f = findings(&o);
    // The case verrazzano kept it for: three robert-helidon pods in ImagePullBackOff.
    let pull = f
        .iter()
        .find(|(r, _)| r == "image-pull-backoff")
        .expect("pull");
    for p in [
        "robert-helidon-5896799bb-948hf",
        "robert-helidon-5896799bb-gs5xb",
        "robert-helidon-688bcc95b8-5j5xp",
    ] {
        assert!(pull.1.contains(p), "{}", pull.1);
    }
    assert!(
        !pull.1.contains("bobbys-helidon"),
        "the running pod is not blamed: {}",
        pull.1
    );
    let n = notes(&o);
    assert!(
        n.iter().any(|n| n.contains("node/journal/kubelet.log")
            && n.contains("cluster-info-dump does not collect it")),
        "{n:?}"
    );
}

/// A real Rancher logs collector archive of an RKE2 control-plane node (Rancheroo/r8s's example
/// bundle): host files, iptables-save, CNI config, static pod manifests, and the system pods'
/// logs as `rke2/podlogs/<ns>-<pod>` files.
#[test]
fn a_real_rancher_collector_archive_is_read_and_diagnosed() {
    let dir = foreign("rancher-r8s-rke2");
    let node = read_input(&dir, &Limits::default()).unwrap();
    assert_eq!(node.name, "w-guard-wg-cp-svtk6-lqtxw");
    for p in [
        "node/host/uname.txt",
        "node/host/os-release",
        "node/disk/df.txt",
        "node/disk/df-inodes.txt",
        "node/memory/free.txt",
        "node/network/iptables-save.txt",
        "node/network/ss.txt",
        "node/cni/10-calico.conflist",
        "node/kubernetes/manifests/kube-apiserver.yaml",
        "node/cri/info.json",
        "node/pods/kube-system-etcd-w-guard-wg-cp-svtk6-lqtxw/all-containers.log",
    ] {
        assert!(node.files.contains_key(p), "{p}: {:?}", node.files.keys());
    }
    assert!(
        node.warnings
            .iter()
            .all(|w| !w.contains("no manifest.json")),
        "the folder is found as the root by systeminfo/uname: {:?}",
        node.warnings
    );
    let m = node.manifest.as_ref().unwrap();
    assert_eq!(m.item("cluster/pods.json").unwrap().status, Status::Skipped);
    // RKE2's kubelet log is only there rotated and gzipped (agent-logs/kubelet-<ts>.log.gz).
    assert_eq!(
        m.item("node/journal/kubelet.log").unwrap().status,
        Status::NotFound
    );

    let o = analyze(&[dir.to_str().unwrap(), "--format", "json"]);
    let f = findings(&o);
    // The real etcd log of this 4 GB node: "apply request took too long" warnings.
    let etcd = f
        .iter()
        .find(|(r, _)| r == "etcd-slow-requests")
        .expect("etcd");
    assert!(etcd.1.contains("took too long"), "{}", etcd.1);
    // df says / is 15% used: no disk finding.
    assert!(!rules(&f).contains(&"disk-usage-high"), "{f:?}");
    let n = notes(&o);
    assert!(
        n.iter()
            .any(|n| n.contains("cluster/pods.json") && n.contains("rancher does not collect it")),
        "{n:?}"
    );
}

/// The cluster-info dump and Rancher trees packed as a .tgz (their folder as the top folder) give
/// the same findings as the folders.
#[test]
fn the_real_dump_and_rancher_trees_packed_give_the_same_findings() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["cluster-info-dump-verrazzano", "rancher-r8s-rke2"] {
        let dir = foreign(name);
        let want = findings(&analyze(&[dir.to_str().unwrap(), "--format", "json"]));
        let p = packed(&dir, "-czf", "tgz", tmp.path()).expect("tar -czf");
        let got = findings(&analyze(&[p.to_str().unwrap(), "--format", "json"]));
        assert_eq!(rules(&got), rules(&want), "{name}");
        assert!(!want.is_empty(), "{name}");
    }
}

/// The archive eks-log-collector.sh (amazon-eks-ami, v0.7.9) wrote when run here as root, in a
/// container without systemd, docker, containerd or iptables (testdata/foreign/README.md says
/// what was placed by hand: a nodeadm kubelet config and one aws-node pod log).
const EKS: &str = "eks-made-here";

#[test]
fn a_real_eks_collector_archive_maps_onto_the_kdiag_layout() {
    let node = read_input(&foreign(EKS), &Limits::default()).unwrap();
    assert!(
        node.warnings.iter().any(|w| w.contains("read as a eks")),
        "{:?}",
        node.warnings
    );
    for p in [
        "node/host/uname.txt",
        "node/host/packages.txt",
        "node/proc/sysctl.txt",
        "node/disk/df-inodes.txt",
        "node/kernel/dmesg.txt",
        "node/network/ip-route.txt",
        "node/network/resolv.conf",
        "node/kubelet/config.yaml",
        // The script copies /var/log/pods/kube-system_aws-node* into var_log/ itself.
        "node/pods/kube-system_aws-node-7xk2p/aws-node.log",
    ] {
        assert!(node.files.contains_key(p), "{p}: {:?}", node.files.keys());
    }
    let config = String::from_utf8_lossy(&node.files["node/kubelet/config.yaml"]).into_owned();
    assert!(config.contains("\"cgroupDriver\": \"systemd\""), "{config}");
    // EKS's kubelet/config.json is the KubeletConfiguration, never registry credentials.
    assert!(!node.files.contains_key("node/kubelet/config.json"));
    // What the commands printed when they could not run is not taken for their output.
    for p in [
        "node/journal/kubelet.log",
        "node/journal/docker.log",
        "node/kubelet/unit.txt",
    ] {
        assert!(!node.files.contains_key(p), "{p} is an error, not the file");
    }
    let m = node.manifest.as_ref().unwrap();
    let kubelet = m.item("node/journal/kubelet.log").unwrap();
    assert_eq!(kubelet.status, Status::NotFound);
    assert!(
        kubelet.stderr.contains("kubelet/kubelet.log")
            && kubelet.stderr.contains("-- No entries --"),
        "{}",
        kubelet.stderr
    );
    let unit = m.item("node/kubelet/unit.txt").unwrap();
    assert_eq!(unit.status, Status::Failed);
    assert!(
        unit.stderr.contains("systemd is not PID 1")
            && unit
                .stderr
                .contains("System has not been booted with systemd"),
        "{}",
        unit.stderr
    );
    // The script found no /etc/cni/net.d: its cni/ folder is empty, which is not the same as a
    // tool that never looks there.
    let cni = m.item("node/cni/*.conflist").unwrap();
    assert_eq!(cni.status, Status::NotFound);
    assert!(cni.stderr.contains("cni/{f}.conflist"), "{}", cni.stderr);
    // No IMDS here (run with --eks_hybrid=true): no system/instance-id.txt, and no hostname.
    assert_eq!(
        m.item("node/host/hostname").unwrap().status,
        Status::Skipped
    );
    assert_eq!(
        m.item("cluster/nodes.json").unwrap().status,
        Status::Skipped
    );
    assert_eq!(node.name, EKS, "named after the folder");
}

#[test]
fn a_real_eks_collector_archive_claims_no_more_than_it_shows() {
    let o = analyze(&[foreign(EKS).to_str().unwrap(), "--format", "json"]);
    let f = findings(&o);
    // The one thing this archive shows: the sandbox does not forward IPv4 (sysctl_all.txt).
    assert_eq!(rules(&f), ["sysctl-forwarding-disabled"], "{f:?}");
    assert!(f[0].1.contains("net.ipv4.ip_forward = 0"), "{}", f[0].1);
    let n = notes(&o);
    // Rules that read the kubelet journal say it held nothing, not that all was well.
    let kubelet_note = n
        .iter()
        .find(|n| n.contains("node/journal/kubelet.log"))
        .expect("a note naming the kubelet journal");
    assert!(kubelet_note.contains("-- No entries --"), "{kubelet_note}");
    assert!(
        n.iter().any(|n| n.contains("node/cni/*.conf")
            && n.contains("not in this eks: looked for cni/{f}.conf")),
        "{n:?}"
    );
    assert!(
        n.iter().any(|n| n.contains("cluster/pods.json")
            && n.contains("not in this eks archive (the tool does not gather it)")),
        "{n:?}"
    );
    assert!(
        n.iter()
            .any(|n| n.contains("node/logs/messages") && n.contains("looked for var_log/messages")),
        "{n:?}"
    );
}

/// Packed as the script packs it (`tar --create --gzip --directory=<dir> .`), in the entry order
/// of the real tarball (eks-made-here.entries.txt; the folders git cannot keep are made again):
/// sniffed from the entries as they stream, same findings as the folder.
#[test]
fn the_real_eks_archive_packed_in_its_own_entry_order_gives_the_same_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    let ok = Command::new("cp")
        .arg("-r")
        .arg(foreign(EKS))
        .arg(&tree)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let listing = std::fs::read_to_string(foreign("eks-made-here.entries.txt")).unwrap();
    let mut names = Vec::new();
    for line in listing.lines() {
        let name = line.split('\t').nth(1).unwrap();
        let p = tree.join(name.trim_start_matches("./"));
        if name.ends_with('/') {
            std::fs::create_dir_all(&p).unwrap();
        } else if !p.exists() {
            continue; // left out of the fixture (testdata/foreign/provenance/eks-made-here.tsv)
        }
        names.push(name.to_string());
    }
    assert_eq!(names[0], "./");
    assert!(
        names
            .iter()
            .position(|n| n == "./sysctls/sysctl_all.txt")
            .unwrap()
            < names.iter().position(|n| n == "./ipamd/pods.json").unwrap(),
        "the marker streams before ipamd/pods.json, which a cluster-info dump would claim"
    );
    let list = tmp.path().join("entries");
    std::fs::write(&list, names.join("\n") + "\n").unwrap();
    let tgz = tmp.path().join("eks__2026-12-05_0830-UTC_0.7.9.tar.gz");
    let ok = Command::new("tar")
        .arg("--create")
        .arg("--gzip")
        .arg("--file")
        .arg(&tgz)
        .arg("--directory")
        .arg(&tree)
        .arg("--no-recursion")
        .arg("--files-from")
        .arg(&list)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let want = findings(&analyze(&[
        foreign(EKS).to_str().unwrap(),
        "--format",
        "json",
    ]));
    let o = analyze(&[tgz.to_str().unwrap(), "--format", "json"]);
    assert!(out(&o).contains("read as a eks"), "{}", out(&o));
    assert_eq!(findings(&o), want);
    assert_eq!(
        notes(&o).len(),
        notes(&analyze(&[
            foreign(EKS).to_str().unwrap(),
            "--format",
            "json"
        ]))
        .len()
    );
}
