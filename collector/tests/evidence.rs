//! The field rules' evidence on the fake node (testdata/fakenode) and on copies of it made
//! into other kinds of node: the kubelet's client certificate without its key, etcd's loopback
//! metrics from a tiny listener, and the k3s, rke2 and microk8s configuration, redacted.

mod common;

use common::{collect_cmd, fake_path, fakenode, open, stderr, the_bundle};
use kdiag_bundle::{paths, Status};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;

fn find(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// kubelet-client-current.pem holds the certificate and an RSA private key: the bundle has the
/// certificate's subject and dates, and not one piece of the key, in any encoding.
#[test]
fn the_kubelet_client_pem_gives_its_dates_and_never_a_key_byte() {
    let pem =
        fs::read_to_string(fakenode().join("root/var/lib/kubelet/pki/kubelet-client-current.pem"))
            .unwrap();
    let key: String = pem
        .split("-----BEGIN RSA PRIVATE KEY-----")
        .nth(1)
        .and_then(|r| r.split("-----END RSA PRIVATE KEY-----").next())
        .expect("the fake node's pem holds an RSA PRIVATE KEY block")
        .to_string();
    let key_lines: Vec<&str> = key.lines().filter(|l| l.len() > 16).collect();
    assert!(key_lines.len() > 10, "{key}");
    let der = base64_decode(&key);
    assert!(der.len() > 1000);

    let out = tempfile::tempdir().unwrap();
    let o = collect_cmd(out.path(), &fakenode().join("root"), &fake_path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = open(&the_bundle(out.path()));
    let pki = b.text(paths::PKI);
    assert!(
        pki.contains("file=/var/lib/kubelet/pki/kubelet-client-current.pem\nsubject=O = system:nodes, CN = system:node:node01\n"),
        "{pki}"
    );
    assert!(pki.contains("notAfter=Dec  2 07:37:25 2036 GMT"), "{pki}");
    // Not a line of the key's base64, not a 16-byte window of the key itself, not its armour.
    for l in &key_lines {
        assert!(!find(&b.raw, l.as_bytes()), "key line {l} in the bundle");
    }
    for w in der.chunks(16).filter(|w| w.len() == 16) {
        assert!(!find(&b.raw, w), "key bytes {w:02x?} in the bundle");
    }
    assert!(!find(&b.raw, b"RSA PRIVATE KEY"));
    // The manifest says what was read, and that keys were not kept.
    assert!(b.item(paths::PKI).source.contains("never a key byte"));
}

/// A node made into a kubeadm control plane (etcd.yaml with a loopback metrics URL) whose etcd
/// is a tiny listener: the size, quota and leader series are kept, nothing else.
#[test]
fn etcd_metrics_come_from_the_loopback_port_the_manifest_names() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut req = [0u8; 2048];
        let n = c.read(&mut req).unwrap();
        let req = String::from_utf8_lossy(&req[..n]).into_owned();
        let body = "# HELP etcd_debugging_mvcc_keys_total Total number of keys.\n\
# TYPE etcd_debugging_mvcc_keys_total gauge\n\
etcd_debugging_mvcc_keys_total 8721\n\
# HELP etcd_mvcc_db_total_size_in_bytes Total size of the underlying database physically allocated in bytes.\n\
# TYPE etcd_mvcc_db_total_size_in_bytes gauge\n\
etcd_mvcc_db_total_size_in_bytes 1.811939328e+09\n\
# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.\n\
# TYPE etcd_server_has_leader gauge\n\
etcd_server_has_leader 1\n\
# HELP etcd_server_quota_backend_bytes Current backend storage quota size in bytes.\n\
# TYPE etcd_server_quota_backend_bytes gauge\n\
etcd_server_quota_backend_bytes 2.147483648e+09\n";
        write!(
            c,
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\r\n{body}"
        )
        .unwrap();
        req
    });
    let root = tempfile::tempdir().unwrap();
    common::copy_tree(&fakenode().join("root"), root.path());
    fs::write(
        root.path().join("etc/kubernetes/manifests/etcd.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n    - etcd\n    - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n    - --key-file=/etc/kubernetes/pki/etcd/server.key\n    - --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.11:2379\n    - --listen-metrics-urls=http://127.0.0.1:{port}\n"
        ),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = collect_cmd(out.path(), root.path(), &fake_path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let req = server.join().unwrap();
    assert!(req.starts_with("GET /metrics HTTP/1.0\r\n"), "{req}");
    let b = open(&the_bundle(out.path()));
    let it = b.item(paths::ETCD_METRICS);
    assert_eq!(it.status, Status::Ok, "{}", it.stderr);
    assert!(
        it.source.contains(&format!("127.0.0.1:{port}")),
        "{}",
        it.source
    );
    let m = b.text(paths::ETCD_METRICS);
    assert!(
        m.contains("etcd_mvcc_db_total_size_in_bytes 1.811939328e+09\n"),
        "{m}"
    );
    assert!(
        m.contains("etcd_server_quota_backend_bytes 2.147483648e+09\n"),
        "{m}"
    );
    assert!(!m.contains("keys_total"), "{m}");
}

/// The same node as k3s, rke2 and microk8s: their configuration is collected, tokens redacted.
#[test]
fn k3s_rke2_and_microk8s_configuration_is_collected_redacted() {
    let root = tempfile::tempdir().unwrap();
    common::copy_tree(&fakenode().join("root"), root.path());
    let r = root.path();
    fs::create_dir_all(r.join("etc/rancher/k3s")).unwrap();
    fs::create_dir_all(r.join("etc/rancher/rke2")).unwrap();
    fs::create_dir_all(r.join("var/snap/microk8s/current/args")).unwrap();
    // k3s's and rke2's documented config keys (docs.k3s.io, docs.rke2.io), fake values.
    fs::write(
        r.join("etc/rancher/k3s/config.yaml"),
        "write-kubeconfig-mode: \"0644\"\ntoken: K10k3sFakeTok3n::server:k3sServerSecret-9z8y\nservice-cidr: 10.43.0.0/16\ncluster-cidr: 10.42.0.0/16\n",
    )
    .unwrap();
    fs::write(
        r.join("etc/rancher/rke2/config.yaml"),
        "server: https://10.0.0.10:9345\ntoken: rke2AgentTok-5c4d3e\nagent-token: rke2AgentTok2-7f6e\nservice-cidr: 10.43.0.0/16\n",
    )
    .unwrap();
    fs::write(
        r.join("var/snap/microk8s/current/args/kube-apiserver"),
        "--cert-dir=${SNAP_DATA}/certs\n--service-cluster-ip-range=10.152.183.0/24\n--token-auth-file=${SNAP_DATA}/credentials/known_tokens.csv\n",
    )
    .unwrap();
    fs::write(
        r.join("var/snap/microk8s/current/args/kubelet"),
        "--kubeconfig=${SNAP_DATA}/credentials/kubelet.config\n--bootstrap-token\nmk8sBootTok-1a2b3c\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = collect_cmd(out.path(), r, &fake_path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = open(&the_bundle(out.path()));
    let k3s = b.text(paths::K3S_CONFIG);
    assert!(k3s.contains("service-cidr: 10.43.0.0/16"), "{k3s}");
    let rke2 = b.text(paths::RKE2_CONFIG);
    assert!(rke2.contains("server: https://10.0.0.10:9345"), "{rke2}");
    let api = b.text(&format!("{}/kube-apiserver", paths::MICROK8S_ARGS_DIR));
    assert!(
        api.contains("--service-cluster-ip-range=10.152.183.0/24"),
        "{api}"
    );
    for secret in [
        "k3sServerSecret-9z8y",
        "K10k3sFakeTok3n",
        "rke2AgentTok-5c4d3e",
        "rke2AgentTok2-7f6e",
        "mk8sBootTok-1a2b3c",
    ] {
        assert!(!find(&b.raw, secret.as_bytes()), "{secret} leaked");
    }
    assert!(b.item(paths::K3S_CONFIG).redactions > 0);
    assert!(b.item(paths::RKE2_CONFIG).redactions >= 2);
}
