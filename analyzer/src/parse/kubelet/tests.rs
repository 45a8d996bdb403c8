//! Tests of `kubelet.rs`.

use super::*;

#[test]
fn eviction_thresholds() {
    let t = threshold("10%").unwrap();
    assert_eq!(t.percent, Some(10.0));
    assert_eq!(t.used_pct_mark(None), Some(90.0));
    let t = threshold("1Gi").unwrap();
    assert_eq!(t.quantity, Some(1024.0 * 1024.0 * 1024.0));
    assert_eq!(t.used_pct_mark(Some(10 * 1024 * 1024)), Some(90.0));
    assert_eq!(t.used_pct_mark(None), None);
    assert_eq!(threshold("2G").unwrap().quantity, Some(2e9));
    assert_eq!(threshold("x"), None);
    assert_eq!(threshold("150%"), None);
}

fn words(s: &[&str]) -> Vec<Word> {
    s.iter()
        .enumerate()
        .map(|(i, t)| Word {
            text: t.to_string(),
            path: "p".into(),
            line: i + 1,
        })
        .collect()
}

#[test]
fn both_flag_forms_and_booleans() {
    let f = flags(&words(&[
        "/usr/bin/kubelet",
        "--cgroup-driver",
        "systemd",
        "--fail-swap-on",
        "--max-pods=240",
        "--v=2",
        "--rotate-certificates",
        "false",
        "--node-ip",
        "10.0.0.1",
    ]));
    let m: BTreeMap<_, _> = f
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(m["cgroup-driver"], "systemd");
    assert_eq!(m["fail-swap-on"], "true");
    assert_eq!(m["max-pods"], "240");
    assert_eq!(m["rotate-certificates"], "false");
    assert_eq!(m["node-ip"], "10.0.0.1");
    assert_eq!(f[0].line, 2);
}

#[test]
fn argv_file() {
    let f = argv("/usr/bin/kubelet\n--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf\n--config=/var/lib/kubelet/config.yaml\n--container-runtime=remote\n", "node/kubelet/cmdline.txt").unwrap();
    assert_eq!(f.len(), 3);
    assert_eq!((f[1].name.as_str(), f[1].line), ("config", 3));
    assert!(argv("cat: /proc/1234/cmdline: No such file or directory\n", "x").is_none());
}

#[test]
fn kubeadm_flags_env_with_continuations_from_knowledge_001() {
    let t = "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --network-plugin=cni --pod-infra-container-image=registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.2 \\\n--eviction-soft=memory.available<500Mi,nodefs.available<5%,nodefs.inodesFree<6%  \\\n--eviction-soft-grace-period=memory.available=300s,nodefs.available=300s,nodefs.inodesFree=300s\"\n";
    let env = env_file(t);
    let (v, line) = &env["KUBELET_KUBEADM_ARGS"];
    assert_eq!(*line, 1);
    let f = flags(&var_words(v, "node/kubelet/kubeadm-flags.env", *line));
    let m: BTreeMap<_, _> = f
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(m["cgroup-driver"], "systemd");
    assert_eq!(
        m["eviction-soft"],
        "memory.available<500Mi,nodefs.available<5%,nodefs.inodesFree<6%"
    );
    let soft = flag_value(Kind::LtMap, m["eviction-soft"]);
    assert_eq!(soft["nodefs.available"], "5%");
    let grace = flag_value(Kind::EqMap, m["eviction-soft-grace-period"]);
    assert_eq!(grace["memory.available"], "300s");
}

#[test]
fn systemctl_cat_kubelet() {
    let t = "# /usr/lib/systemd/system/kubelet.service\n[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n\n# /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf\n# Note: This dropin only works with kubeadm and kubelet v1.11+\n[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --cgroup-driver=systemd\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/sysconfig/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n";
    let u = unit(t).unwrap();
    assert_eq!(
        u.environment_files,
        vec![
            "/var/lib/kubelet/kubeadm-flags.env",
            "/etc/sysconfig/kubelet"
        ]
    );
    let (exec, line) = u.exec_start.clone().unwrap();
    assert_eq!(line, 17);
    let mut vars: BTreeMap<String, (String, String, usize)> = u
        .env
        .iter()
        .map(|(k, (v, l))| {
            (
                k.clone(),
                (v.clone(), "node/kubelet/unit.txt".to_string(), *l),
            )
        })
        .collect();
    vars.insert(
        "KUBELET_EXTRA_ARGS".into(),
        ("--max-pods=240".into(), "node/kubelet/sysconfig".into(), 1),
    );
    let f = flags(&expand_exec_start(
        &exec,
        "node/kubelet/unit.txt",
        line,
        &vars,
    ));
    let cg = f.iter().find(|f| f.name == "cgroup-driver").unwrap();
    assert_eq!((cg.value.as_str(), cg.line), ("systemd", 12));
    let mp = f.iter().find(|f| f.name == "max-pods").unwrap();
    assert_eq!(mp.path, "node/kubelet/sysconfig");
    assert_eq!(f.len(), 5);
}

#[test]
fn exec_start_with_continuations_from_knowledge_000() {
    let t = "[Service]\nExecStart=/usr/local/bin/kubelet \\\n  --cgroup-driver=cgroupfs \\\n  --eviction-hard=nodefs.available<1% \\\n  --v=2\n";
    let u = unit(t).unwrap();
    let (exec, line) = u.exec_start.unwrap();
    let f = flags(&expand_exec_start(&exec, "u", line, &BTreeMap::new()));
    assert_eq!(f.len(), 3);
    assert_eq!(
        flag_value(Kind::LtMap, &f[1].value)["nodefs.available"],
        "1%"
    );
}

#[test]
fn config_yaml_and_values() {
    let t = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nevictionHard:\n  memory.available: 100Mi\n  nodefs.available: \"5%\"\nfeatureGates:\n  CSIMigration: false\nmaxPods: 240\n";
    let m = config_yaml(t).unwrap();
    assert_eq!(m["cgroupDriver"], "systemd");
    assert_eq!(yaml_key_line(t, "evictionHard"), Some(4));
    assert_eq!(
        config_value(Kind::LtMap, &m["evictionHard"])["nodefs.available"],
        "5%"
    );
    assert_eq!(m["featureGates"]["CSIMigration"], false);
    assert!(config_yaml("cat: /var/lib/kubelet/config.yaml: No such file or directory").is_err());
    assert!(config_yaml("a: [b").is_err());
    assert_eq!(
        flag_value(
            Kind::Gates,
            "SupportPodPidsLimit=false,SupportNodePidsLimit=false"
        )["SupportPodPidsLimit"],
        false
    );
    assert_eq!(flag_value(Kind::Num, "2000"), json!(2000));
}
