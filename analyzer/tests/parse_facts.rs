//! Facts::from_node over a bundle built in memory from real-format files.

use std::collections::BTreeMap;

use kdiag_analyzer::facts::Facts;
use kdiag_analyzer::texts::node::{InputKind, Node};
use serde_json::json;

const MANIFEST: &str = r#"{"format":"kdiag-bundle","format_version":1,"collector_version":"0.1.0",
"hostname":"node01","collected_at":"2026-11-22T08:30:00Z","since":"2026-11-21T08:30:00Z","uid":0,
"args":["collect"],"items":[
 {"path":"cluster/pvcs.json","source":"kubectl get persistentvolumeclaims -A -o json","status":"failed","exit_code":1,
  "stderr":"Error from server (Forbidden): persistentvolumeclaims is forbidden"}]}"#;

const UNIT: &str = "# /usr/lib/systemd/system/kubelet.service
[Unit]
Description=kubelet: The Kubernetes Node Agent

[Service]
ExecStart=/usr/bin/kubelet
Restart=always

# /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf
[Service]
Environment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"
Environment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/sysconfig/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
";

const CONFIG_YAML: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
evictionHard:
  nodefs.available: 1%
maxPods: 110
featureGates:
  SupportPodPidsLimit: false
";

const PODS: &str = r#"{
  "apiVersion": "v1",
  "items": [
    {
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "coredns-546565776c-j6bw8", "namespace": "kube-system", "uid": "7776dcf5-4013-46e4-97b3-67ff8f53b3fc",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "coredns-546565776c", "controller": true}]},
      "spec": {"nodeName": "node01", "dnsPolicy": "Default",
        "containers": [{"name": "coredns", "image": "registry.k8s.io/coredns:1.6.7",
          "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"}],
          "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}}}]},
      "status": {"phase": "Running", "qosClass": "Burstable",
        "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
        "containerStatuses": [{"name": "coredns", "ready": false, "restartCount": 5, "image": "registry.k8s.io/coredns:1.6.7",
          "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s restarting failed container"}},
          "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": "2026-11-22T08:20:00Z", "finishedAt": "2026-11-22T08:21:00Z"}}}]}
    },
    {
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "web-0", "namespace": "default", "creationTimestamp": "2026-11-22T07:00:00Z", "deletionTimestamp": "2026-11-22T08:00:00Z", "finalizers": ["example.com/block"]},
      "spec": {"nodeName": "node01", "hostNetwork": true, "containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80, "hostPort": 80, "protocol": "TCP"}]}]},
      "status": {"phase": "Running",
        "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "nginx",
          "state": {"running": {"startedAt": "2026-11-22T07:01:00Z"}}}]}
    },
    {
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "done", "namespace": "default"},
      "spec": {"nodeName": "node01", "containers": [{"name": "c", "image": "busybox"}]},
      "status": {"phase": "Succeeded"}
    },
    {
      "apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "evicted-1", "namespace": "default", "creationTimestamp": "2026-11-22T08:29:00Z"},
      "spec": {"nodeName": "node01", "containers": [{"name": "c", "image": "busybox"}]},
      "status": {"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: ephemeral-storage. "}
    }
  ],
  "kind": "List", "metadata": {"resourceVersion": ""}
}"#;

const NODES: &str = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Node",
 "metadata":{"name":"node01"},
 "spec":{"podCIDR":"10.244.1.0/24"},
 "status":{"capacity":{"cpu":"40","memory":"264040352Ki","pods":"110"},"allocatable":{"pods":"110"},
  "addresses":[{"type":"InternalIP","address":"192.168.1.1"},{"type":"Hostname","address":"node01"}],
  "conditions":[{"type":"DiskPressure","status":"True","reason":"KubeletHasDiskPressure","message":"kubelet has disk pressure"},
                {"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status"}],
  "nodeInfo":{"kubeletVersion":"v1.18.19"}}}]}"#;

const EVENTS: &str = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Event",
 "metadata":{"name":"coredns.1","namespace":"kube-system"},
 "involvedObject":{"kind":"Pod","name":"coredns-546565776c-j6bw8","namespace":"kube-system"},
 "reason":"BackOff","message":"Back-off restarting failed container","type":"Warning","count":25,
 "firstTimestamp":"2026-11-22T07:30:00Z","lastTimestamp":"2026-11-22T08:29:00Z","source":{"component":"kubelet","host":"node01"}}]}"#;

fn node() -> Node {
    let files: Vec<(&str, &str)> = vec![
        ("manifest.json", MANIFEST),
        ("node/host/uname.txt", "Linux node01 3.10.0-1160.el7.x86_64 #1 SMP Mon Oct 19 16:18:59 UTC 2020 x86_64 x86_64 x86_64 GNU/Linux\n"),
        ("node/host/os-release", "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n"),
        ("node/host/time.txt", "Sun Nov 22 08:30:00 UTC 2026\n      Local time: Sun 2026-11-22 16:30:00 CST\nSystem clock synchronized: no\n"),
        ("node/host/packages.txt", "docker-ce-19.03.15-3.el7.x86_64\ncontainerd.io-1.4.6-3.1.el7.x86_64\nkubelet-1.18.19-0.x86_64\n"),
        ("node/selinux/getenforce.txt", "Enforcing\n"),
        ("node/selinux/config", "SELINUX=disabled\nSELINUXTYPE=targeted\n"),
        ("node/proc/swaps", "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n/dev/dm-1                               partition\t4194300\t0\t-2\n"),
        ("node/memory/free.txt", "              total        used        free      shared  buff/cache   available\nMem:          15885        2261        9710         177        3913       13129\nSwap:          4095           0        4095\n"),
        ("node/proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t5\t6\t1\ncpu\t2\t76\t1\ncpuacct\t2\t76\t1\nmemory\t4\t65012\t1\ndevices\t10\t76\t1\n"),
        ("node/proc/mounts", "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpuacct,cpu 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0\n"),
        ("node/kubelet/unit.txt", UNIT),
        ("node/kubelet/kubeadm-flags.env", "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=cgroupfs --network-plugin=cni --pod-infra-container-image=registry.aliyuncs.com/google_containers/pause:3.2\"\n"),
        ("node/kubelet/sysconfig", "KUBELET_EXTRA_ARGS=--kube-api-qps 50\n"),
        ("node/kubelet/config.yaml", CONFIG_YAML),
        ("node/journal/kubelet.log", "2026-11-22T08:00:01+0800 node01 kubelet[1234]: I1122 08:00:01.000001    1234 server.go:416] Version: v1.18.19\n"),
        ("node/docker/daemon.json", "{\n  \"exec-opts\": [\"native.cgroupdriver=systemd\"],\n  \"insecure-registries\": [\"docker.com:8080\"],\n}\n"),
        ("node/docker/info.txt", "Client:\n Debug Mode: false\n\nServer:\n Server Version: 19.03.15\n Storage Driver: overlay2\n Cgroup Driver: cgroupfs\n Docker Root Dir: /var/lib/docker\n Insecure Registries:\n  127.0.0.0/8\n"),
        ("node/containerd/config.toml", "disabled_plugins = [\"cri\"]\n"),
        ("node/disk/df.txt", "Filesystem              Type     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1               xfs         20960236 20960236         0     100% /\n/dev/sda4               xfs        190840832 99614720  91226112      53% /data\n"),
        ("node/disk/df-inodes.txt", "Filesystem      Inodes  IUsed    IFree IUse% Mounted on\n/dev/sda1     10485760 100000 10385760    1% /\n"),
        ("node/proc/sysctl.txt", "net.ipv4.ip_forward = 0\nsysctl: permission denied on key 'fs.protected_fifos'\nnet.bridge.bridge-nf-call-iptables = 1\n"),
        ("node/network/ip-route.txt", "blackhole 10.100.102.128/26 proto bird\n192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.110 metric 100\n"),
        ("node/network/resolv.conf", "nameserver 10.96.0.10\nsearch cluster.local\n"),
        ("node/network/iptables-save.txt", "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -j KUBE-FIREWALL\nCOMMIT\n"),
        ("node/kubernetes/pki.txt", "file=/etc/kubernetes/pki/apiserver.crt\nsubject=CN = kube-apiserver\nissuer=CN = kubernetes\nnotBefore=Nov 22 08:00:00 2025 GMT\nnotAfter=Dec  2 08:30:00 2026 GMT\n\nfile=/etc/kubernetes/pki/old.crt\nsubject=CN = old\nissuer=CN = kubernetes\nnotBefore=Nov 22 08:00:00 2024 GMT\nnotAfter=Nov 22 08:00:00 2025 GMT\n"),
        ("node/services/kubelet.status.txt", "● kubelet.service - kubelet\n   Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled; vendor preset: disabled)\n   Active: failed (Result: exit-code) since Sun 2026-11-22 16:29:50 CST; 3s ago\n"),
        ("node/services/firewalld.status.txt", "Unit firewalld.service could not be found.\n"),
        ("cluster/version.json", "{\"clientVersion\":{\"gitVersion\":\"v1.18.19\"},\"serverVersion\":{\"gitVersion\":\"v1.22.17\"}}\n"),
        ("cluster/pods.json", PODS),
        ("cluster/nodes.json", NODES),
        ("cluster/events.json", EVENTS),
        ("cluster/pvcs.json", "Error from server (Forbidden): persistentvolumeclaims is forbidden: User \"system:node:node01\" cannot list resource\n"),
        ("cluster/services.json", "{\"apiVersion\":\"v1\",\"items\":[{},{}],\"kind\":\"List\"}"),
    ];
    let files: BTreeMap<String, Vec<u8>> = files
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    let manifest = serde_json::from_slice(&files["manifest.json"]).unwrap();
    Node {
        name: "node01".into(),
        origin: "node01.tgz".into(),
        kind: InputKind::Bundle,
        manifest: Some(manifest),
        files,
        warnings: vec![],
        streamed: Default::default(),
    }
}

#[test]
fn facts_of_a_full_bundle() {
    let f = Facts::from_node(&node());
    let v = serde_json::to_value(&f).unwrap();
    // node / os
    assert_eq!(v["node"]["hostname"], "node01");
    assert_eq!(v["node"]["collected_at"], "2026-11-22T08:30:00Z");
    assert_eq!(v["os"]["id"], "centos");
    assert_eq!(v["os"]["kernel_version"], json!([3, 10, 0]));
    assert_eq!(v["os"]["kernel_3_10"], true);
    assert_eq!(v["os"]["arch"], "x86_64");
    // selinux: running vs config
    assert_eq!(v["selinux"]["mode"], "enforcing");
    assert_eq!(v["selinux"]["config_mode"], "disabled");
    assert_eq!(
        v["selinux"]["mode_at"],
        json!({"path": "node/selinux/getenforce.txt", "line": 1})
    );
    // swap from /proc/swaps
    assert_eq!(v["swap"]["enabled"], true);
    assert_eq!(v["swap"]["total_kb"], 4194300);
    assert_eq!(v["swap"]["devices"][0]["at"]["line"], 2);
    assert_eq!(v["memory"]["total_mb"], 15885);
    // cgroups
    assert_eq!(v["cgroups"]["has_pids"], false);
    assert_eq!(v["cgroups"]["memory_cgroups"], 65012);
    assert_eq!(
        v["cgroups"]["mounted_controllers"],
        json!(["cpu", "cpuacct", "memory"])
    );
    assert!(v["cgroups"]["v2_controllers"].is_null());
    // kubelet: flags from the unit (kubeadm-flags.env) beat config.yaml; config beats defaults.
    let k = &v["kubelet"];
    assert_eq!(k["args_source"], "unit");
    assert_eq!(k["effective"]["cgroup_driver"], "cgroupfs");
    assert_eq!(k["effective_source"]["cgroup_driver"], "flag");
    assert_eq!(
        k["effective_at"]["cgroup_driver"],
        json!({"path": "node/kubelet/kubeadm-flags.env", "line": 1})
    );
    assert_eq!(
        k["effective"]["eviction_hard"],
        json!({"nodefs.available": "1%"})
    );
    assert_eq!(
        k["effective_at"]["eviction_hard"],
        json!({"path": "node/kubelet/config.yaml", "line": 4})
    );
    assert_eq!(k["effective"]["kube_api_qps"], 50);
    assert_eq!(
        k["effective_at"]["kube_api_qps"]["path"],
        "node/kubelet/sysconfig"
    );
    assert_eq!(k["effective"]["fail_swap_on"], true);
    assert_eq!(k["effective_source"]["fail_swap_on"], "default");
    assert_eq!(k["effective"]["registry_qps"], 5);
    assert!(
        k["effective"].get("event_qps").is_none(),
        "version-dependent default must stay unset"
    );
    assert_eq!(
        k["effective"]["feature_gates"]["SupportPodPidsLimit"],
        false
    );
    assert_eq!(
        k["effective"]["pod_infra_container_image"],
        "registry.aliyuncs.com/google_containers/pause:3.2"
    );
    assert_eq!(k["args"]["config"], "/var/lib/kubelet/config.yaml");
    assert_eq!(k["version"], "v1.18.19");
    assert_eq!(k["version_at"]["path"], "node/journal/kubelet.log");
    // docker: daemon.json beats docker info; the trailing comma is reported.
    let d = &v["docker"];
    assert_eq!(d["cgroup_driver"], "systemd");
    assert_eq!(
        d["cgroup_driver_at"],
        json!({"path": "node/docker/daemon.json", "line": 2})
    );
    assert!(d["daemon_json_error"]
        .as_str()
        .unwrap()
        .contains("trailing comma"));
    assert_eq!(
        d["insecure_registries"],
        json!(["docker.com:8080", "127.0.0.0/8"])
    );
    assert_eq!(d["version"], "19.03.15");
    assert_eq!(d["storage_driver"], "overlay2");
    assert_eq!(v["containerd"]["cri_disabled"], true);
    assert_eq!(v["containerd"]["version"], "1.4.6-3.1.el7.x86_64");
    // disks joined with inodes by mount
    assert_eq!(v["disks"][0]["use_pct"], 100);
    assert_eq!(v["disks"][0]["inodes_use_pct"], 1);
    assert!(v["disks"][1]["inodes_use_pct"].is_null());
    // sysctl, network
    assert_eq!(v["sysctl"]["net.ipv4.ip_forward"], "0");
    assert_eq!(v["sysctl_at"]["net.ipv4.ip_forward"]["line"], 1);
    assert_eq!(v["network"]["has_default_route"], false);
    assert_eq!(v["network"]["nameservers"], json!(["10.96.0.10"]));
    assert_eq!(v["network"]["iptables"]["policies"][1]["policy"], "DROP");
    assert_eq!(
        v["network"]["iptables"]["rules"][0]["target"],
        "KUBE-FIREWALL"
    );
    // time, certificates, services
    assert_eq!(v["time"]["synchronized"], false);
    assert_eq!(v["time"]["at"]["line"], 3);
    assert_eq!(v["certificates"][0]["days_left"], 10);
    assert_eq!(v["certificates"][0]["expired"], false);
    assert_eq!(v["certificates"][1]["expired"], true);
    assert_eq!(v["certificates"][1]["days_left"], -366);
    assert_eq!(v["services"]["kubelet"]["active"], "failed");
    assert_eq!(v["services"]["firewalld"]["found"], false);
    // cluster
    let c = &v["cluster"];
    assert_eq!(c["server_version"], "v1.22.17");
    assert_eq!(c["nodes"][0]["ready"], "True");
    assert_eq!(c["nodes"][0]["pods_on_node"], 2);
    assert_eq!(c["nodes"][0]["allocatable_pods"], 110);
    assert_eq!(c["nodes"][0]["internal_ip"], "192.168.1.1");
    let coredns = &c["pods"][0];
    assert_eq!(coredns["statuses"][0]["state"], "waiting");
    assert_eq!(coredns["statuses"][0]["reason"], "CrashLoopBackOff");
    assert_eq!(coredns["statuses"][0]["last_reason"], "OOMKilled");
    assert_eq!(coredns["statuses"][0]["last_exit_code"], 137);
    assert_eq!(coredns["containers"][0]["limits"]["memory"], "170Mi");
    assert_eq!(coredns["owner"], "ReplicaSet/coredns-546565776c");
    let web = &c["pods"][1];
    assert_eq!(web["deletion_age_s"], 1800);
    assert_eq!(web["creation_timestamp"], "2026-11-22T07:00:00Z");
    assert_eq!(web["age_s"], 5400);
    assert_eq!(web["statuses"][0]["started_at"], "2026-11-22T07:01:00Z");
    assert!(
        coredns["statuses"][0]["started_at"].is_null(),
        "waiting has no startedAt"
    );
    let evicted = &c["pods"][3];
    assert_eq!(evicted["reason"], "Evicted");
    assert_eq!(
        evicted["message"],
        "The node was low on resource: ephemeral-storage. "
    );
    assert_eq!(evicted["age_s"], 60);
    assert_eq!(web["containers"][0]["ports"][0]["host_port"], 80);
    assert_eq!(c["events"][0]["object"], "Pod/coredns-546565776c-j6bw8");
    assert_eq!(c["events"][0]["count"], 25);
    assert!(c["pvcs"].is_null(), "an error text is not an empty list");
    assert!(c["not_collected"]["cluster/pvcs.json"]
        .as_str()
        .unwrap()
        .starts_with("Error from server (Forbidden)"));
    assert_eq!(c["counts"]["services"], 2);
    // manifest
    assert_eq!(v["manifest"]["present"], true);
    assert_eq!(v["manifest"]["items"][0]["status"], "failed");
    // Round trip through Deserialize.
    let back: Facts = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), v);
}

#[test]
fn facts_of_an_empty_node_are_all_absent() {
    let n = Node::default();
    let v = serde_json::to_value(Facts::from_node(&n)).unwrap();
    for k in [
        "os",
        "selinux",
        "swap",
        "memory",
        "cgroups",
        "kubelet",
        "docker",
        "containerd",
        "disks",
        "sysctl",
        "network",
        "time",
        "certificates",
        "cluster",
    ] {
        assert!(v[k].is_null(), "{k} should be null: {}", v[k]);
    }
    assert_eq!(v["manifest"]["present"], false);
}

#[test]
fn error_texts_are_not_data() {
    let mut n = Node::default();
    for (k, t) in [
        ("node/proc/swaps", "cat: /proc/swaps: Permission denied\n"),
        ("node/proc/cgroups", "cat: /proc/cgroups: No such file or directory\n"),
        ("node/docker/info.txt", "Client:\n Debug Mode: false\n\nServer:\nERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n"),
        ("node/kubelet/config.yaml", "open /var/lib/kubelet/config.yaml: no such file or directory: [\n"),
        ("node/disk/df.txt", "df: cannot read table of mounted file systems\n"),
        ("cluster/pods.json", "The connection to the server localhost:8080 was refused - did you specify the right host or port?\n"),
    ] {
        n.files.insert(k.to_string(), t.as_bytes().to_vec());
    }
    let f = Facts::from_node(&n);
    assert!(f.swap.is_none());
    assert!(f.cgroups.is_none());
    let d = f.docker.unwrap();
    assert!(d.cgroup_driver.is_none());
    assert!(d.info_error.unwrap().contains("Cannot connect"));
    let k = f.kubelet.unwrap();
    assert!(k.config.is_none() && k.config_error.is_some());
    assert!(k.effective.is_empty() || k.effective_source.values().all(|s| s == "default"));
    assert!(f.disks.is_none());
    let c = f.cluster.unwrap();
    assert!(c.pods.is_none());
    assert!(c.not_collected["cluster/pods.json"].contains("localhost:8080"));
    assert!(f
        .parse_errors
        .iter()
        .any(|e| e.starts_with("node/proc/swaps")));
}

#[test]
fn service_cidr_from_the_apiserver_manifest_else_guessed_from_the_kubernetes_service() {
    let svc = r#"{"apiVersion":"v1","kind":"List","items":[
      {"metadata":{"name":"kube-dns","namespace":"kube-system"},"spec":{"clusterIP":"10.96.0.10"}},
      {"metadata":{"name":"kubernetes","namespace":"default"},"spec":{"clusterIP":"10.100.0.1"}}]}"#;
    let mut n = Node::default();
    n.files
        .insert("cluster/services.json".into(), svc.as_bytes().to_vec());
    let c = Facts::from_node(&n).service_cidr.unwrap();
    assert_eq!(c.cidrs, vec!["10.96.0.0/12"], "the /12 around 10.100.0.1");
    assert!(c.guessed);
    assert_eq!(c.source, "kubernetes-service");
    // The flag wins, dual-stack and `--flag value` forms included.
    for (yaml, want, line) in [
        (
            "spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --service-cluster-ip-range=10.254.0.0/16,fd00::/108\n",
            vec!["10.254.0.0/16", "fd00::/108"],
            5,
        ),
        (
            "    command: [\"kube-apiserver\", \"--service-cluster-ip-range\",\n      \"172.20.0.0/16\"]\n",
            vec!["172.20.0.0/16"],
            1,
        ),
    ] {
        n.files.insert(
            "node/kubernetes/manifests/kube-apiserver.yaml".into(),
            yaml.as_bytes().to_vec(),
        );
        let c = Facts::from_node(&n).service_cidr.unwrap();
        assert_eq!(c.cidrs, want, "{yaml}");
        assert!(!c.guessed);
        assert_eq!(c.at.unwrap().line, line);
    }
    assert!(Facts::from_node(&Node::default()).service_cidr.is_none());
}

/// k3s, rke2 and microk8s say their Service range in their own files; the range is read from
/// there before anything is guessed, and the distributions' default (10.43.0.0/16) is used,
/// flagged guessed, only when k3s or rke2 is installed and nothing sets it.
#[test]
fn service_cidr_of_k3s_rke2_and_microk8s() {
    // (bundle path, its text, cidrs, source, guessed, line)
    type Case<'a> = (&'a str, &'a str, Vec<&'a str>, &'a str, bool, Option<usize>);
    let cases: &[Case] = &[
        (
            "node/k3s/config.yaml",
            "write-kubeconfig-mode: \"0644\"\ncluster-cidr: \"10.44.0.0/16\"\nservice-cidr: \"10.45.0.0/16\"\n",
            vec!["10.45.0.0/16"],
            "k3s config.yaml",
            false,
            Some(3),
        ),
        (
            "node/rke2/config.yaml",
            "token: [REDACTED]\nservice-cidr:\n  - 10.43.0.0/16\n  - 2001:cafe:43::/112\n",
            vec!["10.43.0.0/16", "2001:cafe:43::/112"],
            "rke2 config.yaml",
            false,
            Some(2),
        ),
        (
            "node/services/k3s.unit.txt",
            "# /etc/systemd/system/k3s.service\n[Service]\nExecStart=/usr/local/bin/k3s \\\n    server \\\n\t'--service-cidr' \\\n\t'10.60.0.0/16' \\\n",
            vec!["10.60.0.0/16"],
            "k3s unit",
            false,
            Some(5),
        ),
        (
            "node/microk8s/args/kube-apiserver",
            "--cert-dir=${SNAP_DATA}/certs\n--service-cluster-ip-range=10.152.183.0/24\n--authorization-mode=RBAC,Node\n",
            vec!["10.152.183.0/24"],
            "microk8s kube-apiserver args",
            false,
            Some(2),
        ),
        (
            "node/k3s/config.yaml",
            "write-kubeconfig-mode: \"0644\"\n",
            vec!["10.43.0.0/16"],
            "k3s default",
            true,
            None,
        ),
    ];
    for (path, text, want, source, guessed, line) in cases {
        let mut n = Node::default();
        n.files.insert(path.to_string(), text.as_bytes().to_vec());
        let c = Facts::from_node(&n).service_cidr.unwrap();
        assert_eq!(&c.cidrs, want, "{path}");
        assert_eq!(c.source, *source, "{path}");
        assert_eq!(c.guessed, *guessed, "{path}");
        assert_eq!(c.at.map(|a| a.line), *line, "{path}");
    }
}

/// The scenario bundles under testdata/scenarios (hand-made in the collector's formats) must read
/// without a warning and parse without a single parse error: a format drift shows up here.
#[test]
fn scenario_bundles_parse_cleanly() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("testdata/scenarios") {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        seen += 1;
        let node = kdiag_analyzer::input::read_input(&path, &Default::default()).unwrap();
        assert!(
            node.warnings.is_empty(),
            "{}: {:?}",
            path.display(),
            node.warnings
        );
        let f = Facts::from_node(&node);
        assert!(
            f.parse_errors.is_empty(),
            "{}: {:?}",
            path.display(),
            f.parse_errors
        );
        assert!(f.node.hostname.is_some() && f.os.is_some() && f.kubelet.is_some());
    }
    assert!(seen > 0);
}

/// The facts of one pasted text, read as `analyze FILE` reads it: its shapes derived, the
/// paste itself beside them.
fn pasted_facts(paste: &str) -> serde_json::Value {
    let mut files: BTreeMap<String, Vec<u8>> = kdiag_analyzer::input::shapes::derive(paste)
        .into_iter()
        .map(|(p, b)| (p.to_string(), b.into_bytes()))
        .collect();
    files.insert("pasted.txt".into(), paste.as_bytes().to_vec());
    let node = Node {
        name: "pasted".into(),
        kind: InputKind::Loose(kdiag_analyzer::texts::node::TextKind::Unknown),
        files,
        ..Node::default()
    };
    serde_json::to_value(Facts::from_node(&node)).unwrap()
}

/// A paste's flags (kubelet-eviction-config__kubernetes-kubernetes-61062.txt, dev: one fenced
/// line of `--eviction-*` flags) reach facts.kubelet as `paste`: the flags it shows are in
/// force, nothing is assumed for the flags it does not show.
#[test]
fn pasted_kubelet_flags_assume_no_defaults() {
    let paste = "```\n--eviction-hard=imagefs.available<10%,memory.available<500Mi,nodefs.available<5%,nodefs.inodesFree<5% --eviction-soft=imagefs.available<30%,nodefs.available<10% --eviction-soft-grace-period=imagefs.available=2m,nodefs.available=2m --eviction-max-pod-grace-period=600\n```\n";
    let v = pasted_facts(paste);
    let k = &v["kubelet"];
    assert_eq!(k["args_source"], "paste");
    assert_eq!(k["effective_source"]["eviction_hard"], "flag");
    assert_eq!(k["effective"]["eviction_hard"]["nodefs.available"], "5%");
    assert!(k["effective"].get("cgroup_driver").is_none(), "{k}");
    assert!(k["effective"].get("fail_swap_on").is_none());
    assert_eq!(k["defaults"], json!([]));
    let soft: Vec<&serde_json::Value> = k["eviction_thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["soft"] == true)
        .collect();
    assert_eq!(soft.len(), 2);
    assert_eq!(soft[0]["signal"], "imagefs.available");
    assert_eq!(soft[0]["percent"], 30.0);
    assert_eq!(soft[0]["grace_period"], "2m");
}

/// A pasted kubeadm InitConfiguration's nodeRegistration.kubeletExtraArgs (v1beta3 map form, as
/// in kubeadm's reference) reach facts.kubelet as the flags kubeadm writes into
/// kubeadm-flags.env, marked `kubeadm-config`, with no default assumed; its
/// ClusterConfiguration's apiServer.extraArgs are not kubelet flags.
#[test]
fn kubeadm_config_kubelet_extra_args_are_kubelet_flags() {
    let paste = "```yaml\napiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nnodeRegistration:\n  criSocket: /var/run/dockershim.sock\n  kubeletExtraArgs:\n    cgroup-driver: cgroupfs\n---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n    authorization-mode: Node,RBAC\n```\n";
    let v = pasted_facts(paste);
    let k = &v["kubelet"];
    assert_eq!(k["args_source"], "kubeadm-config");
    assert_eq!(k["args"], json!({"cgroup-driver": "cgroupfs"}));
    assert_eq!(k["effective"]["cgroup_driver"], "cgroupfs");
    assert_eq!(
        k["args_at"]["cgroup-driver"]["path"],
        "node/kubelet/kubeadm-flags.env"
    );
    assert_eq!(k["defaults"], json!([]));
}

#[test]
fn dockerd_flags_from_the_collected_environment_file() {
    // /etc/sysconfig/docker as CentOS 7's docker package ships it, with a registry added the way
    // its comment describes; the commented-out default adds nothing.
    let mut n = Node::default();
    n.files.insert(
        "node/docker/sysconfig".to_string(),
        b"# /etc/sysconfig/docker\n\n# Modify these options if you want to change the way the docker daemon runs\nOPTIONS='--selinux-enabled --log-driver=journald --signature-verification=false'\nif [ -z \"${DOCKER_CERT_PATH}\" ]; then\n    DOCKER_CERT_PATH=/etc/docker\nfi\n\n# INSECURE_REGISTRY='--insecure-registry'\nINSECURE_REGISTRY='--insecure-registry registry.local:5000'\n"
            .to_vec(),
    );
    let d = Facts::from_node(&n).docker.unwrap();
    assert_eq!(d.insecure_registry_flags, vec!["registry.local:5000"]);
    assert_eq!(d.insecure_registry_flags_from, vec!["sysconfig"]);
    assert!(d.insecure_registry_flags_running.is_empty());
    let at = serde_json::to_value(d.insecure_registry_flags_at.unwrap()).unwrap();
    assert_eq!(at, json!({"path": "node/docker/sysconfig", "line": 10}));
}
