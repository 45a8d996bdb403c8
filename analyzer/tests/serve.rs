//! `analyze serve` against the real kubectl: the server runs as a child process on a free
//! loopback port, and kubectl (from PATH) reads the bundle through it with the kubeconfig the
//! server printed. Without kubectl the test is skipped with a message, except under CI=true,
//! where its absence is a failure (.ci/run installs it).

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::root;

/// A running `analyze serve`, killed when dropped.
struct Server {
    child: Child,
    kubeconfig: String,
    cache: tempfile::TempDir,
    /// The kubectl binary the test drives (`kubectl` from PATH unless set).
    bin: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(bundle: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_analyze"))
            .arg("serve")
            .arg(bundle)
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("analyze serve starts");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut header = String::new();
        let mut kubeconfig = None;
        for _ in 0..5 {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            header.push_str(&line);
            if let Some(k) = line.trim().strip_prefix("export KUBECONFIG=") {
                kubeconfig = Some(k.to_string());
            }
            if line.contains("AGE columns") {
                break;
            }
        }
        let server = Server {
            child,
            kubeconfig: kubeconfig.unwrap_or_default(),
            cache: tempfile::tempdir().unwrap(),
            bin: "kubectl".into(),
        };
        assert!(
            !server.kubeconfig.is_empty(),
            "no KUBECONFIG line in:\n{header}"
        );
        assert!(
            header.contains(
                "objects as collected at 2026-11-22T08:30:00Z; AGE columns count from that time"
            ),
            "{header}"
        );
        server
    }

    /// `kubectl ARGS...` against the server: (success, stdout, stderr).
    fn kubectl(&self, args: &[&str]) -> (bool, String, String) {
        let o = Command::new(&self.bin)
            .args(args)
            .arg("--request-timeout=20s")
            .arg(format!("--cache-dir={}", self.cache.path().display()))
            .env("KUBECONFIG", &self.kubeconfig)
            .output()
            .expect("kubectl runs");
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.kubectl(args);
        assert!(ok, "kubectl {args:?} failed:\n{err}\n{out}");
        out
    }

    fn fails(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.kubectl(args);
        assert!(!ok, "kubectl {args:?} succeeded:\n{out}");
        err
    }
}

/// Whether kubectl is here; under CI=true it must be.
fn have_kubectl() -> bool {
    let found = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "kubectl is not in PATH (CI installs kubernetes-client)"
        );
        eprintln!("skipped: kubectl is not in PATH");
    }
    found
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

const LOG: &str = "2026-11-22 08:25:03.001 [INFO][8] startup.go 290: Early log level set to info\n\
                   2026-11-22 08:25:03.002 [WARNING][8] startup.go 1041: cgroup mkdir failed\n\
                   2026-11-22 08:25:03.003 [ERROR][8] startup.go 112: exiting\n";
const PREVIOUS: &str = "2026-11-22 08:20:01.000 [INFO][7] startup.go 290: previous run\n";

/// The cgroup-kmem-leak scenario as a bundle folder, with text in its (empty) pod logs.
fn bundle_with_logs(dir: &Path) -> PathBuf {
    let b = dir.join("kdiag-node02-20261122T083000Z");
    copy_tree(&root().join("testdata/scenarios/cgroup-kmem-leak"), &b);
    let logs = b.join("cluster/logs/kube-system/calico-node-p8s2m");
    std::fs::write(logs.join("calico-node.log"), LOG).unwrap();
    std::fs::write(logs.join("calico-node.previous.log"), PREVIOUS).unwrap();
    std::fs::write(b.join("cluster/pvcs.json"), PVCS).unwrap();
    b
}

const PVCS: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
   "metadata": {"name": "data-db-0", "namespace": "default", "uid": "c1",
                "creationTimestamp": "2026-11-22T08:00:00Z"},
   "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "local",
            "resources": {"requests": {"storage": "10Gi"}}},
   "status": {"phase": "Pending"}}]}"#;

/// The header's column names and the row whose first cells are `first`.
fn row<'a>(out: &'a str, first: &[&str]) -> Vec<&'a str> {
    out.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.len() >= first.len() && cells[..first.len()] == *first)
        .unwrap_or_else(|| panic!("no row {first:?} in:\n{out}"))
}

#[test]
fn kubectl_reads_a_bundle_through_analyze_serve() {
    if !have_kubectl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&bundle_with_logs(dir.path()));

    let version = s.ok(&["version"]);
    assert!(version.contains("Server Version: v1.18.20"), "{version}");

    // get pods -A: the server's columns; AGE counts from the collection time (2d5h), not now
    let out = s.ok(&["get", "pods", "-A"]);
    assert_eq!(
        row(&out, &["NAMESPACE"]),
        ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    );
    assert_eq!(out.lines().count(), 13, "{out}");
    let etcd = row(&out, &["kube-system", "etcd-master01"]);
    assert_eq!(etcd[2..4], ["1/1", "Running"]);
    assert_eq!(etcd.last(), Some(&"2d7h"), "{out}");

    // -o wide: the priority-1 columns
    let out = s.ok(&["get", "nodes", "-o", "wide"]);
    let head = row(&out, &["NAME"]);
    assert_eq!(head[..5], ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    assert!(
        head.contains(&"INTERNAL-IP") && head.contains(&"KERNEL-VERSION"),
        "{out}"
    );
    assert_eq!(row(&out, &["master01"])[2], "master");
    assert_eq!(out.lines().count(), 4, "{out}");

    // one object as YAML
    let out = s.ok(&[
        "get",
        "pod",
        "calico-node-p8s2m",
        "-n",
        "kube-system",
        "-o",
        "yaml",
    ]);
    assert!(
        out.contains("kind: Pod") && out.contains("name: calico-node-p8s2m"),
        "{out}"
    );
    assert!(out.contains("nodeName: node02"), "{out}");

    // label selector
    let out = s.ok(&[
        "get",
        "pods",
        "-n",
        "kube-system",
        "-l",
        "k8s-app=calico-node",
    ]);
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(!out.contains("kube-proxy"), "{out}");
    let out = s.ok(&["get", "pods", "-A", "-l", "k8s-app in (kube-dns),tier!=x"]);
    assert_eq!(out.lines().count(), 3, "{out}");

    // field selector on events
    let out = s.ok(&[
        "get",
        "events",
        "-n",
        "kube-system",
        "--field-selector",
        "involvedObject.name=calico-node-p8s2m,type=Warning",
    ]);
    assert!(
        out.contains("BackOff") && out.contains("pod/calico-node-p8s2m"),
        "{out}"
    );
    assert!(!out.contains("Pulled"), "{out}");

    // jsonpath
    let out = s.ok(&[
        "get",
        "deploy",
        "-A",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ]);
    assert_eq!(out.trim(), "coredns");

    // PVCs: the table, YAML, describe
    let out = s.ok(&["get", "pvc"]);
    assert_eq!(row(&out, &["data-db-0"])[1..2], ["Pending"], "{out}");
    assert_eq!(row(&out, &["data-db-0"]).last(), Some(&"30m"), "{out}");
    let out = s.ok(&["get", "pvc", "data-db-0", "-o", "yaml"]);
    assert!(out.contains("storage: 10Gi"), "{out}");
    let out = s.ok(&["describe", "pvc", "data-db-0"]);
    assert!(out.contains("Status:") && out.contains("Pending"), "{out}");
    assert!(
        out.contains("StorageClass:") && out.contains("local"),
        "{out}"
    );

    // describe pod and node
    let out = s.ok(&["describe", "pod", "calico-node-p8s2m", "-n", "kube-system"]);
    assert!(
        out.contains("Name:") && out.contains("calico-node-p8s2m"),
        "{out}"
    );
    assert!(out.contains("node02"), "{out}");
    let out = s.ok(&["describe", "node", "node02"]);
    assert!(out.contains("Non-terminated Pods"), "{out}");
    assert!(
        out.contains("calico-node-p8s2m") && !out.contains("etcd-master01"),
        "{out}"
    );

    // logs, previous logs, tail
    let out = s.ok(&["logs", "calico-node-p8s2m", "-n", "kube-system"]);
    assert_eq!(out, LOG);
    let out = s.ok(&[
        "logs",
        "calico-node-p8s2m",
        "-n",
        "kube-system",
        "-c",
        "calico-node",
        "--previous",
    ]);
    assert_eq!(out, PREVIOUS);
    let out = s.ok(&[
        "logs",
        "calico-node-p8s2m",
        "-n",
        "kube-system",
        "--tail",
        "1",
    ]);
    assert_eq!(out, format!("{}\n", LOG.lines().last().unwrap()));
    let err = s.fails(&["logs", "etcd-master01", "-n", "kube-system"]);
    assert!(
        err.contains("the bundle has no log of container \"etcd\""),
        "{err}"
    );

    // a missing pod
    let err = s.fails(&["get", "pod", "nope", "-n", "kube-system"]);
    assert!(
        err.contains("NotFound") && err.contains("pods \"nope\" not found"),
        "{err}"
    );

    // writes
    let err = s.fails(&["delete", "pod", "calico-node-p8s2m", "-n", "kube-system"]);
    assert!(err.contains("read-only"), "{err}");
    let err = s.fails(&["label", "node", "node02", "x=y"]);
    assert!(err.contains("read-only"), "{err}");
}

#[test]
fn pod_logs_from_the_nodes_copy() {
    if !have_kubectl() {
        return;
    }
    // disk-full-eviction has kube-proxy's log only as the node's copy (node/pods/)
    let s = Server::start(&root().join("testdata/bundles/disk-full-eviction.tgz"));
    let out = s.ok(&["logs", "kube-proxy-2dq2c", "-n", "kube-system"]);
    let want = std::fs::read_to_string(root().join(
        "testdata/scenarios/disk-full-eviction/node/pods/kube-system_kube-proxy-2dq2c/kube-proxy.log",
    ))
    .unwrap();
    assert_eq!(out, want);
    let err = s.fails(&[
        "logs",
        "kube-proxy-2dq2c",
        "-n",
        "kube-system",
        "--previous",
    ]);
    assert!(err.contains("no previous log"), "{err}");
    drop(s);
}

/// The oldest kubectl the issue names (Debian's 1.20 client; .ci/run unpacks it and sets
/// KDIAG_EXTRA_KUBECTL) on the everyday commands: get, describe, events by field selector, logs,
/// and the read-only refusal. Skipped when KDIAG_EXTRA_KUBECTL is unset, except under CI=true.
#[test]
fn an_older_kubectl_reads_the_bundle_too() {
    let Ok(bins) = std::env::var("KDIAG_EXTRA_KUBECTL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "KDIAG_EXTRA_KUBECTL is not set (.ci/run unpacks Debian's kubectl 1.20)"
        );
        eprintln!("skipped: KDIAG_EXTRA_KUBECTL is not set");
        return;
    };
    for bin in bins.split(':').filter(|b| !b.is_empty()) {
        let mut s = Server::start(&root().join("testdata/bundles/disk-full-eviction.tgz"));
        s.bin = bin.to_string();
        let pods = s.ok(&["get", "pods", "-A"]);
        assert!(
            pods.contains("NAMESPACE") && pods.contains("report-worker-7b9c6d5f4-x8k2m"),
            "{bin}: {pods}"
        );
        let d = s.ok(&[
            "describe",
            "pod",
            "-n",
            "department-56",
            "report-worker-7b9c6d5f4-x8k2m",
        ]);
        assert!(
            d.contains("Namespace:") && d.contains("department-56"),
            "{bin}: {d}"
        );
        let n = s.ok(&["describe", "node", "node01"]);
        assert!(
            n.lines()
                .any(|l| l.trim_start().starts_with("DiskPressure") && l.contains(" True ")),
            "{bin}: {n}"
        );
        let ev = s.ok(&["get", "events", "-A", "--field-selector", "type=Warning"]);
        assert!(ev.contains("EvictionThresholdMet"), "{bin}: {ev}");
        let log = s.ok(&["logs", "kube-proxy-2dq2c", "-n", "kube-system"]);
        assert!(!log.is_empty(), "{bin}: empty log");
        let err = s.fails(&[
            "delete",
            "pod",
            "-n",
            "department-56",
            "report-worker-7b9c6d5f4-x8k2m",
        ]);
        assert!(err.contains("read-only"), "{bin}: {err}");
    }
}
