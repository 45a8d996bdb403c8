//! The reports (`analyze --out`, `--format html|md`): a demo bundle written inline (disk full ->
//! DiskPressure -> evictions -> ImagePullBackOff, with swap and a cgroup driver mismatch), the
//! scenario bundles of testdata/scenarios/* as snapshots, a hostile bundle rendered in
//! headless Chromium, and the Markdown parsed as GFM.
//!
//! Re-bless the snapshots after a rule or template change: `cargo xtask bless`.
//! Keep a rendered demo to look at: `KDIAG_REPORT_KEEP=/tmp/demo cargo test -p kdiag-analyzer
//! --test report demo` writes /tmp/demo/{bundle,out}.

mod common;

use common::{analyze, root as repo, write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// An embedded rule's texts (title, why, fix, references, explains) with a test condition:
/// the demo does not depend on the rule conditions being written.
fn rule_with(dir: &Path, id: &str, severity: &str, message: &str, when: &str) {
    let text = std::fs::read_to_string(repo().join("rules").join(format!("{id}.yaml")))
        .unwrap_or_else(|_| {
            format!("id: {id}\nknowledge: []\ntitle: {{ en: \"{id}\", zh: \"{id}\" }}\nwhy: {{ en: w, zh: w }}\nfix: {{ en: f, zh: f }}\n")
        });
    let mut map: serde_yaml::Mapping = serde_yaml::from_str(&text).unwrap();
    for k in ["when", "items", "item", "requires", "evidence", "message"] {
        map.remove(k);
    }
    map.insert("severity".into(), severity.into());
    let msg: serde_yaml::Value =
        serde_yaml::from_str(&format!("{{ en: \"{message}\", zh: \"{message}\" }}")).unwrap();
    map.insert("message".into(), msg);
    map.insert("when".into(), serde_yaml::from_str(when).unwrap());
    write(
        dir,
        &format!("{id}.yaml"),
        &serde_yaml::to_string(&map).unwrap(),
    );
}

fn demo_rules(dir: &Path) {
    rule_with(
        dir,
        "disk-usage-high",
        "critical",
        "/ is {{ captures.pct }}% full",
        "{ match: { source: node/disk/df.txt, regex: '\\s(?P<pct>9[0-9]|100)%\\s+/$' } }",
    );
    rule_with(
        dir,
        "node-disk-pressure-eviction",
        "critical",
        "the kubelet evicted pods to reclaim {{ captures.res }} ({{ matches.reclaim.count }} times)",
        "{ match: { name: reclaim, source: kubelet, regex: 'eviction manager: attempting to reclaim (?P<res>\\S+)' } }",
    );
    rule_with(
        dir,
        "image-pull-backoff",
        "warning",
        "{{ matches.pull.count }} image pulls back off, e.g. {{ captures.image }}",
        "{ match: { name: pull, source: [kubelet, events], regex: 'Back-off pulling image \\\\?\"(?P<image>[^\"\\\\]+)' } }",
    );
    rule_with(
        dir,
        "cgroup-driver-mismatch",
        "critical",
        "kubelet uses systemd, docker uses cgroupfs",
        "{ match: { source: kubelet, regex: 'misconfiguration: kubelet cgroup driver' } }",
    );
    rule_with(
        dir,
        "swap-enabled",
        "warning",
        "swap is on: {{ captures.dev }}",
        "{ match: { source: node/proc/swaps, regex: '^(?P<dev>/\\S+)' } }",
    );
    rule_with(
        dir,
        "kernel-old-3-10",
        "info",
        "kernel {{ captures.k }}",
        "{ match: { source: node/host/uname.txt, regex: ' (?P<k>3\\.10\\.0\\S*)' } }",
    );
    rule_with(
        dir,
        "scheduler-not-running",
        "warning",
        "needs the pods list",
        "{ match: { source: cluster/pods.json, regex: 'kube-scheduler' } }",
    );
}

const MANIFEST: &str = r#"{"format":"kdiag-bundle","format_version":1,"collector_version":"0.1.0",
 "hostname":"node01","collected_at":"2026-11-22T08:30:00Z","since":"2026-11-21T08:30:00Z","uid":0,
 "args":["collect","--since","24h"],"items":[
  {"path":"node/journal/kubelet.log","source":"journalctl -u kubelet --since 2026-11-21T08:30:00Z --no-pager -o short-iso","status":"ok"},
  {"path":"node/journal/docker.log","source":"journalctl -u docker --since 2026-11-21T08:30:00Z --no-pager -o short-iso","status":"ok"},
  {"path":"node/journal/kernel.log","source":"journalctl -k --since 2026-11-21T08:30:00Z --no-pager -o short-iso","status":"ok"},
  {"path":"node/disk/df.txt","source":"df -PT","status":"ok"},
  {"path":"cluster/nodes.json","source":"kubectl get nodes -o json","status":"ok"},
  {"path":"cluster/pods.json","source":"kubectl get pods -A -o json","status":"timeout","exit_code":124,
   "stderr":"Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)"},
  {"path":"node/containerd/config.toml","source":"file:/etc/containerd/config.toml","status":"not_found","stderr":"No such file or directory"},
  {"path":"node/network/ss.txt","source":"ss -tulpn","status":"permission_denied","stderr":"Cannot open netlink socket: Operation not permitted"}]}"#;

fn kubelet_journal() -> String {
    let mut s = String::from(
        "-- Logs begin at Sat 2026-11-21 16:30:00 CST, end at Sun 2026-11-22 16:29:58 CST. --\n",
    );
    s.push_str("2026-11-21T17:02:11+0800 node01 kubelet[1234]: E1121 17:02:11.100000    1234 server.go:302] misconfiguration: kubelet cgroup driver: \"systemd\" is different from docker cgroup driver: \"cgroupfs\"\n");
    for h in 18..24 {
        s.push_str(&format!("2026-11-21T{h}:10:00+0800 node01 kubelet[1234]: W1121 {h}:10:00.000000    1234 eviction_manager.go:142] Failed to admit pod nvidia-device-plugin-daemonset-88sm6_kube-system(adbd9227) - node has conditions: [DiskPressure]\n"));
        for m in 0..(h - 16) {
            s.push_str(&format!("2026-11-21T{h}:{:02}:16+0800 node01 kubelet[1234]: W1121 {h}:{:02}:16.777355    1234 eviction_manager.go:332] eviction manager: attempting to reclaim nodefs\n", m * 5, m * 5));
        }
        s.push_str(&format!("2026-11-21T{h}:40:02+0800 node01 kubelet[1234]: I1121 {h}:40:02.000000    1234 kubelet.go:1836] SyncLoop (ADD, \"api\"): \"web-7d4b9c-abcde_default\"\n"));
    }
    for h in 0..8 {
        for m in 0..(3 + h) {
            s.push_str(&format!("2026-11-22T{h:02}:{:02}:31+0800 node01 kubelet[1234]: E1122 {h:02}:{:02}:31.441720    1234 pod_workers.go:191] Error syncing pod 5f1c (\"web-7d4b9c-abcde_default(5f1c)\"), skipping: failed to \"StartContainer\" for \"web\" with ImagePullBackOff: \"Back-off pulling image \\\"harbor.local/app/web:1.4.2\\\"\"\n", m * 3, m * 3));
        }
    }
    s
}

const DF: &str = "Filesystem              Type     1024-blocks     Used Available Capacity Mounted on
/dev/mapper/centos-root xfs         52403200 51008512   1394688      98% /
devtmpfs                devtmpfs     8118804        0   8118804       0% /dev
tmpfs                   tmpfs        8134892        0   8134892       0% /dev/shm
/dev/sda1               xfs          1038336   192512    845824      19% /boot
/dev/mapper/centos-data xfs        209612800 88039424 121573376      43% /data
overlay                 overlay     52403200 51008512   1394688      98% /var/lib/docker/overlay2/3f9a/merged
";

const NODES: &str = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Node",
 "metadata":{"name":"node01"},
 "status":{"conditions":[
  {"type":"MemoryPressure","status":"False","reason":"KubeletHasSufficientMemory","message":"kubelet has sufficient memory available","lastTransitionTime":"2026-11-02T06:41:18Z"},
  {"type":"DiskPressure","status":"True","reason":"KubeletHasDiskPressure","message":"kubelet has disk pressure","lastTransitionTime":"2026-11-21T10:02:16Z"},
  {"type":"PIDPressure","status":"False","reason":"KubeletHasSufficientPID","message":"kubelet has sufficient PID available","lastTransitionTime":"2026-11-02T06:41:18Z"},
  {"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastTransitionTime":"2026-11-02T06:41:18Z"}],
  "nodeInfo":{"kubeletVersion":"v1.18.6","containerRuntimeVersion":"docker://18.9.9","kernelVersion":"3.10.0-957.el7.x86_64","osImage":"CentOS Linux 7 (Core)"}}}]}"#;

const EVENTS: &str = r#"{"apiVersion":"v1","kind":"List","items":[
 {"type":"Warning","reason":"Evicted","involvedObject":{"kind":"Pod","namespace":"default","name":"web-7d4b9c-xk2lp"},"message":"The node was low on resource: ephemeral-storage.","count":1,"firstTimestamp":"2026-11-21T10:42:16Z","lastTimestamp":"2026-11-21T10:42:16Z"},
 {"type":"Warning","reason":"Failed","involvedObject":{"kind":"Pod","namespace":"default","name":"web-7d4b9c-abcde"},"message":"Back-off pulling image \"harbor.local/app/web:1.4.2\"","count":96,"firstTimestamp":"2026-11-21T16:00:31Z","lastTimestamp":"2026-11-22T00:21:31Z"}]}"#;

/// A CentOS 7 node with / at 98%: writes the bundle folder `dir`.
fn demo_bundle(dir: &Path) {
    write(dir, "manifest.json", MANIFEST);
    write(dir, "node/host/hostname", "node01\n");
    write(dir, "node/host/uname.txt", "Linux node01 3.10.0-957.el7.x86_64 #1 SMP Thu Nov 8 23:39:32 UTC 2018 x86_64 x86_64 x86_64 GNU/Linux\n");
    write(dir, "node/host/os-release", "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n");
    write(dir, "node/host/packages.txt", "docker-ce-18.09.9-3.el7.x86_64\ncontainerd.io-1.2.10-3.2.el7.x86_64\nkubelet-1.18.6-0.x86_64\nkubeadm-1.18.6-0.x86_64\npackage runc is not installed\n");
    write(dir, "node/docker/info.txt", "Server Version: 18.09.9\nStorage Driver: overlay2\nCgroup Driver: cgroupfs\nDocker Root Dir: /var/lib/docker\n");
    write(
        dir,
        "node/docker/daemon.json",
        "{\n  \"registry-mirrors\": [\"https://harbor.local\"]\n}\n",
    );
    write(dir, "node/kubelet/kubeadm-flags.env", "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --network-plugin=cni --pod-infra-container-image=harbor.local/k8s/pause:3.2 --eviction-hard=nodefs.available<10%,imagefs.available<15%,memory.available<100Mi\"\n");
    write(dir, "node/proc/swaps", "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n/dev/dm-1                               partition\t8257532\t102400\t-2\n");
    write(dir, "node/memory/free.txt", "              total        used        free      shared  buff/cache   available\nMem:          15887        6120         512         420        9254        8990\nSwap:          8063         100        7963\n");
    write(dir, "node/selinux/getenforce.txt", "Enforcing\n");
    write(
        dir,
        "node/selinux/config",
        "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
    );
    write(dir, "node/disk/df.txt", DF);
    write(dir, "node/disk/df-inodes.txt", "Filesystem              Inodes  IUsed    IFree IUse% Mounted on\n/dev/mapper/centos-root 26214400 812345 25402055    4% /\n/dev/sda1               524288    340   523948    1% /boot\n/dev/mapper/centos-data 104857600 20001 104837599  1% /data\n");
    write(dir, "node/journal/kubelet.log", &kubelet_journal());
    let mut docker = String::new();
    for h in 16..24 {
        docker.push_str(&format!("2026-11-21T{h}:12:00+0800 node01 dockerd[987]: time=\"2026-11-21T{:02}:12:00.100000000Z\" level=error msg=\"Handler for POST /v1.39/images/create returned error: Get https://harbor.local/v2/app/web/manifests/1.4.2: net/http: TLS handshake timeout\"\n", h - 8));
    }
    docker.push_str("2026-11-21T20:00:01+0800 node01 dockerd[987]: time=\"2026-11-21T12:00:01.000000000Z\" level=warning msg=\"failed to retrieve runc version: unknown output format\"\n");
    write(dir, "node/journal/docker.log", &docker);
    write(dir, "node/journal/kernel.log", "2026-11-21T21:05:44+0800 node01 kernel: XFS (dm-0): metadata I/O error: block 0x1bc3e40 (\"xlog_iodone\") error 28 numblks 64\n2026-11-21T21:05:44+0800 node01 kernel: EXT4-fs warning: failed to allocate\n");
    write(dir, "cluster/nodes.json", NODES);
    write(dir, "cluster/events.json", EVENTS);
}

fn render(bundle: &Path, rules: Option<&Path>, format: &str, lang: &str) -> String {
    let b = bundle.to_str().unwrap();
    let mut args = vec![b, "--format", format, "--lang", lang];
    if let Some(r) = rules {
        args.extend(["--rules", r.to_str().unwrap()]);
    }
    let out = analyze(&args);
    assert!(
        out.status.code().unwrap_or(99) <= 2,
        "analyze failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 report")
}

/// The report as its snapshot holds it: the CSS, the version, times, temporary and repository
/// paths replaced by placeholders.
fn filtered(text: &str) -> String {
    let root = repo().display().to_string();
    let filters = [
        (
            r"(?s)<style>.*?</style>".to_string(),
            "<style>[css]</style>",
        ),
        (
            r"kdiag analyze \d+\.\d+\.\d+[0-9A-Za-z.+-]*".to_string(),
            "kdiag analyze [version]",
        ),
        (
            r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?".to_string(),
            "[time]",
        ),
        // The demo bundle's origin is a fresh temporary directory.
        (r#"[^\s"'<>]*\.tmp[0-9A-Za-z]{6}/"#.to_string(), "[tmp]/"),
        // Scenario origins are absolute paths under wherever the repository was cloned.
        (regex::escape(root.trim_end_matches('/')), "[repo]"),
    ];
    let mut out = text.to_string();
    for (re, to) in filters {
        out = regex::Regex::new(&re)
            .unwrap()
            .replace_all(&out, to)
            .into_owned();
    }
    out
}

/// The filtered report equals tests/snapshots/NAME.snap (`cargo xtask bless` rewrites it).
fn snapshot(name: &str, text: &str) {
    let path = repo()
        .join("analyzer/tests/snapshots")
        .join(format!("{name}.snap"));
    common::assert_blessed(
        &path,
        &filtered(text),
        &format!(
            "{} is stale (run `cargo xtask bless` if the change is meant)",
            path.display()
        ),
    );
}

#[test]
fn demo_reports_tell_the_case() {
    let tmp = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("KDIAG_REPORT_KEEP").map(PathBuf::from);
    let root = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let bundle = root.join("kdiag-node01-20261122T083000Z");
    let rules = root.join("rules");
    demo_bundle(&bundle);
    demo_rules(&rules);
    let out_dir = root.join("out");
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = analyze(&[
        bundle.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["report.html", "report.md", "findings.json"] {
        assert!(out_dir.join(f).is_file(), "{f} written");
        assert!(
            stdout.contains(&format!("wrote {}", out_dir.join(f).display())),
            "{stdout}"
        );
    }
    assert!(stdout.contains("CRIT  disk-usage-high"), "{stdout}");
    assert!(!stdout.contains('\x1b'), "NO_COLOR: {stdout:?}");

    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    // Self-contained: a CSP, no script, nothing fetched.
    assert!(html.contains("default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
    assert!(!html.contains("<script"));
    for bad in ["src=\"http", "href=\"http://", "@import", "url("] {
        assert!(!html.contains(bad), "{bad}");
    }
    // The verdict, the root cause first with its consequences.
    assert!(html.contains("Critical problems found"));
    let start = &html[html.find("id=\"start\"").unwrap()..html.find("id=\"findings\"").unwrap()];
    let first_cause = &start[start.find("cause-title").unwrap()..];
    assert!(
        first_cause.starts_with("cause-title\" href=\"#f-1\""),
        "{start}"
    );
    assert!(first_cause.contains("almost full"), "{start}");
    assert!(start.contains("leads to"), "{start}");
    // Overview: facts read from the bundle, the eviction mark of / at 90%.
    assert!(html.contains("CentOS Linux 7 (Core)"));
    assert!(html.contains("<code>3.10.0-957.el7.x86_64</code>"));
    assert!(
        html.contains("MISMATCH"),
        "kubelet systemd vs docker cgroupfs"
    );
    assert!(
        html.contains("class=\"mark\" style=\"left: 85.0%\""),
        "eviction mark on /: imagefs (docker root on /) at 15% free is stricter than nodefs at 10%"
    );
    assert!(html.contains("style=\"width: 98%\""));
    assert!(html.contains("<code>nodefs.available&lt;10%</code>"));
    assert!(html.contains("KubeletHasDiskPressure"));
    // Timeline with findings marked and the not-collected table.
    assert!(html.contains("<svg class=\"tl\""));
    assert!(html.contains("class=\"m m-critical\""));
    assert!(html.contains("<td><code>cluster/pods.json</code></td><td class=\"nowrap\"><span class=\"st st-timeout\">timeout</span></td><td>Unable to connect to the server"));
    assert!(
        html.contains("<code>scheduler-not-running</code>"),
        "not-collected note listed"
    );
    // Fix commands are copyable blocks.
    assert!(html.contains("<pre><code class=\"language-sh\">"));

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("findings.json")).unwrap()).unwrap();
    let fs = &json["nodes"][0]["facts_summary"];
    assert_eq!(fs["os"], "CentOS Linux 7 (Core)");
    assert_eq!(fs["cgroup_drivers"]["kubelet"], "systemd");
    assert_eq!(fs["cgroup_drivers"]["docker"], "cgroupfs");
    assert_eq!(fs["cgroup_drivers"]["mismatch"], true);
    assert_eq!(fs["swap"]["enabled"], true);
    assert_eq!(fs["selinux"]["mode"], "enforcing");
    assert_eq!(fs["versions"]["kubelet"], "v1.18.6");
    assert_eq!(fs["disks"][0]["mount"], "/");
    assert_eq!(fs["disks"][0]["evict_at_pct"], 85.0);
    assert_eq!(fs["disks"][0]["evict_signal"], "imagefs.available<15%");
    assert_eq!(
        fs["disks"][0]["roles"],
        serde_json::json!(["nodefs", "imagefs"])
    );
    assert_eq!(
        fs["disks"].as_array().unwrap().len(),
        3,
        "tmpfs and overlay left out"
    );
    assert_eq!(fs["conditions"][1]["type"], "DiskPressure");
    assert_eq!(json["version"], 1);

    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    // Small enough to paste into a ticket. 10 KiB since image-pull-backoff stands on its own
    // here (a "manifest unknown" pull is not caused by the disk), with its own fix: 8.4 KiB.
    assert!(md.len() < 10 * 1024, "markdown is {} bytes", md.len());
    check_gfm_table(&md, 6);

    snapshot("demo.html", &html);
    snapshot("demo.md", &md);
    let zh = render(&bundle, Some(&rules), "md", "zh");
    assert!(zh.contains("发现严重问题"), "{zh}");
    snapshot("demo.zh.md", &zh);
}

/// Parses the Markdown as GFM and checks the summary table: header + one row per finding, the
/// cells as written.
fn check_gfm_table(md: &str, findings: usize) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut tables = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cell = None::<String>;
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match ev {
            Event::Start(Tag::Table(_)) => rows = Vec::new(),
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::End(TagEnd::TableCell) => rows.last_mut().unwrap().push(cell.take().unwrap()),
            Event::End(TagEnd::Table) => tables.push(std::mem::take(&mut rows)),
            _ => {}
        }
    }
    assert_eq!(tables.len(), 1, "one summary table:\n{md}");
    let t = &tables[0];
    assert_eq!(t[0], ["#", "Severity", "Rule", "Node", "Title"]);
    assert_eq!(t.len(), 1 + findings, "{t:?}");
    assert!(t.iter().all(|r| r.len() == 5), "{t:?}");
    assert_eq!(t[1][1], "critical");
}

#[test]
fn out_is_never_inside_a_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("b");
    demo_bundle(&bundle);
    let inside = bundle.join("reports");
    let out = analyze(&[bundle.to_str().unwrap(), "--out", inside.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never written into a bundle"));
    assert!(!inside.exists());
    let out = analyze(&[
        bundle.to_str().unwrap(),
        "--format",
        "html",
        "--output",
        bundle.join("r.html").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    // --out and --format do not mix.
    let out = analyze(&[bundle.to_str().unwrap(), "--out", "x", "--format", "json"]);
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn templates_dir_overrides_by_file_name() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("b");
    demo_bundle(&bundle);
    let t = tmp.path().join("t");
    write(
        &t,
        "report.md",
        "custom {{ nodes[0].name }} {{ t.critical }}\n",
    );
    let out = analyze(&[
        bundle.to_str().unwrap(),
        "--format",
        "md",
        "--templates",
        t.to_str().unwrap(),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "custom node01 critical\n"
    );
    // The HTML still comes from the embedded template.
    let out = analyze(&[
        bundle.to_str().unwrap(),
        "--format",
        "html",
        "--templates",
        t.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<!DOCTYPE html>"));
}

/// A report whose only findings are informational never says "no problem found" above them:
/// the dev row kubernetes/kubernetes#119881 (a namespace Terminating for an unknown time, an
/// info finding) gets the info verdict in both languages and in the HTML, an empty paste the ok one.
#[test]
fn info_findings_alone_get_their_own_verdict() {
    let row = repo().join(
        "testdata/real/snippets/resource-stuck-terminating__kubernetes-kubernetes-119881.txt",
    );
    let md = render(&row, None, "md", "en");
    assert!(
        md.contains("No alarm: informational findings to check"),
        "{md}"
    );
    assert!(md.contains("**1** info"), "{md}");
    assert!(!md.contains("No problem found"), "{md}");
    let zh = render(&row, None, "md", "zh");
    assert!(zh.contains("无告警：有提示信息需要查看"), "{zh}");
    let html = render(&row, None, "html", "en");
    assert!(html.contains("verdict v-info"), "html verdict class");
    let tmp = tempfile::tempdir().unwrap();
    let quiet = tmp.path().join("quiet.txt");
    std::fs::write(
        &quiet,
        "Dec 07 10:00:00 node1 kubelet[812]: I1207 10:00:00.000000     812 kubelet.go:1] Started kubelet\n",
    )
    .unwrap();
    assert!(render(&quiet, None, "md", "en").contains("No problem found by the rules"));
}

/// A paste none of the readers knows (no log line, command output or object, no line a rule's
/// pattern matched) gets no verdict, never "no problem found"; the JSON says so per node. A
/// structured JSON log and a klog line without its header count as read.
#[test]
fn a_paste_nothing_reads_gets_no_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let junk = tmp.path().join("junk.txt");
    std::fs::write(&junk, "hello world\nthis is not a log, only a question\n").unwrap();
    let md = render(&junk, None, "md", "en");
    assert!(
        md.contains("no log, command output or object kdiag reads was found"),
        "{md}"
    );
    assert!(!md.contains("No problem found"), "{md}");
    assert!(render(&junk, None, "md", "zh").contains("这不代表节点正常"));
    // the JSON's `recognized` of a paste written to NAME
    let recognized = |name: &str, text: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&render(&path, None, "json", "en")).unwrap();
        json["nodes"][0]["recognized"].clone()
    };
    assert_eq!(
        recognized(
            "junk.txt",
            "hello world\nthis is not a log, only a question\n"
        ),
        false
    );
    assert_eq!(
        recognized(
            "zap.txt",
            "{\"level\":\"info\",\"time\":\"2025-07-12T11:31:38-04:00\",\"message\":\"starting\"}\n"
        ),
        true
    );
    // a kubelet line pasted without its klog header (kubelet_volumes.go's wording)
    assert_eq!(
        recognized(
            "klog.txt",
            "kubelet_volumes.go:154] Orphaned pod \"00000000-0000-0000-0000-000000000001\" found\n"
        ),
        true
    );
}

/// Snapshots of every scenario bundle in testdata/scenarios/ (folders), with the embedded rules.
#[test]
fn scenario_snapshots() {
    let dir = repo().join("testdata/scenarios");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("no {}: no scenario snapshots", dir.display());
        return;
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let html = render(&p, None, "html", "en");
        assert!(html.contains("<h1>"), "{name}");
        snapshot(&format!("scenario-{name}.html"), &html);
        let md = render(&p, None, "md", "en");
        snapshot(&format!("scenario-{name}.md"), &md);
    }
}

const PWN_SCRIPT: &str = "<script>document.title='PWNED'</script>";
const PWN_IMG: &str = "<img src=x onerror=\"document.title='PWNED'\">";
const PWN_SVG: &str = "\"><svg onload=\"document.title='PWNED'\">";
const PWN_ATTR: &str = "' onmouseover='document.title=\"PWNED\"' x='";
const PWN_FENCE: &str =
    "````</code></pre><iframe srcdoc=\"<script>parent.document.title='PWNED'</script>\"></iframe>";

/// A bundle whose every text a report shows (hostname, journal, events, node conditions, mounts,
/// OS name, versions, manifest reasons) carries HTML/Markdown injection attempts, and a rule that
/// copies them into its message and items.
fn hostile_bundle(root: &Path) -> (PathBuf, PathBuf) {
    let host = format!("node{PWN_SCRIPT}");
    let b = root.join("hostile");
    let esc = |s: &str| serde_json::to_string(s).unwrap();
    write(
        &b,
        "manifest.json",
        &format!(
            r#"{{"format":"kdiag-bundle","format_version":1,"collector_version":"0.1.0",
 "hostname":{h},"collected_at":"2026-11-22T08:30:00Z","since":"2026-11-21T08:30:00Z","uid":0,"args":[],
 "items":[{{"path":"cluster/pods.json","source":{src},"status":"failed","stderr":{err}}}]}}"#,
            h = esc(&host),
            src = esc(&format!("kubectl get pods {PWN_SVG}")),
            err = esc(&format!("error: {PWN_IMG}")),
        ),
    );
    write(&b, "node/host/hostname", &format!("{host}\n"));
    write(
        &b,
        "node/host/os-release",
        &format!("PRETTY_NAME=\"CentOS {}\"\n", PWN_IMG.replace('"', "'")),
    );
    write(
        &b,
        "node/docker/info.txt",
        &format!("Server Version: 18.09{PWN_SVG}\nCgroup Driver: cgroupfs{PWN_ATTR}\n"),
    );
    write(
        &b,
        "node/disk/df.txt",
        "Filesystem Type 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 xfs 100 95 5 95% /mnt/\"><svg/onload=alert(1)>\n",
    );
    let mut journal = String::new();
    for (i, p) in [PWN_SCRIPT, PWN_IMG, PWN_SVG, PWN_ATTR, PWN_FENCE]
        .iter()
        .enumerate()
    {
        journal.push_str(&format!(
            "2026-11-21T1{i}:00:00+0000 node kubelet[1]: E1121 1{i}:00:00.000000 1 x.go:1] hostile pod={p}|end\n"
        ));
    }
    write(&b, "node/journal/kubelet.log", &journal);
    write(
        &b,
        "cluster/events.json",
        &format!(
            r#"{{"items":[{{"type":"Warning","reason":"Failed","involvedObject":{{"namespace":"default","name":{n}}},"message":{m}}}]}}"#,
            n = esc(&format!("web{PWN_IMG}")),
            m = esc(&format!("hostile pod=web{PWN_SCRIPT}|end")),
        ),
    );
    write(
        &b,
        "cluster/nodes.json",
        &format!(
            r#"{{"items":[{{"metadata":{{"name":{h}}},"status":{{"conditions":[{{"type":"Ready","status":"False","reason":{r},"message":{m}}}]}}}}]}}"#,
            h = esc(&host),
            r = esc(PWN_SVG),
            m = esc(PWN_IMG),
        ),
    );
    let rules = root.join("hostile-rules");
    write(
        &rules,
        "zz-hostile.yaml",
        "id: zz-hostile\nseverity: critical\nknowledge: []\n\
title: { en: \"Hostile text\", zh: \"恶意文本\" }\nwhy: { en: w, zh: w }\nfix: { en: f, zh: f }\n\
message: { en: \"pod {{ captures.pod }}\", zh: \"pod {{ captures.pod }}\" }\n\
when: { match: { name: h, source: [kubelet, events], regex: 'hostile pod=(?P<pod>.*)\\|end' } }\n\
items: \"matches.h.values.pod\"\n",
    );
    (b, rules)
}

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file())
}

/// Element and attribute names of a serialized DOM (Chromium's --dump-dom: text `<` is `&lt;`,
/// attribute values are double-quoted with `"` as `&quot;`).
fn dom_tags(dom: &str) -> Vec<(String, Vec<(String, String)>)> {
    let tag = regex::Regex::new(
        r"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=/>]+(?:=\x22[^\x22]*\x22)?)*)\s*/?>",
    )
    .unwrap();
    let attr = regex::Regex::new(r"\s+([^\s=/>]+)(?:=\x22([^\x22]*)\x22)?").unwrap();
    tag.captures_iter(dom)
        .map(|c| {
            let attrs = attr
                .captures_iter(&c[2])
                .map(|a| {
                    (
                        a[1].to_ascii_lowercase(),
                        a.get(2).map(|v| v.as_str().to_string()).unwrap_or_default(),
                    )
                })
                .collect();
            (c[1].to_ascii_lowercase(), attrs)
        })
        .collect()
}

#[test]
fn hostile_bundle_text_stays_text_in_a_real_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let (bundle, rules) = hostile_bundle(tmp.path());
    let out_dir = tmp.path().join("out");
    let out = analyze(&[
        bundle.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    // Before any browser: the payloads are in the file, escaped, in every place they reach.
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "raw <script> in the HTML"
    );
    assert!(
        !html.contains("<img")
            && !html.contains("<iframe")
            && !html.contains("<svg onload")
            && !html.contains("<svg/onload")
    );
    assert!(
        html.contains("<title>kdiag report: node&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;</title>"),
        "hostname escaped in <title>"
    );
    assert!(
        html.contains("pod=web&lt;script&gt;") || html.contains("web&lt;img src=x onerror="),
        "event text shown"
    );
    assert!(html.contains("&lt;img src=x onerror=&quot;document.title=&#39;PWNED&#39;&quot;&gt;"));

    // The Markdown: bundle text never becomes HTML, code fences hold.
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    {
        use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
        let mut in_code = false;
        let mut code = String::new();
        for ev in Parser::new_ext(&md, Options::ENABLE_TABLES) {
            match ev {
                Event::Html(h) | Event::InlineHtml(h) => {
                    panic!("bundle text became HTML in the Markdown: {h:?}\n{md}")
                }
                Event::Start(Tag::CodeBlock(_)) => in_code = true,
                Event::End(TagEnd::CodeBlock) => in_code = false,
                Event::Text(t) if in_code => code.push_str(&t),
                _ => {}
            }
        }
        assert!(
            code.contains(PWN_SCRIPT),
            "evidence kept verbatim in a code block:\n{md}"
        );
    }

    let Some(chromium) = find_chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("chromium is not installed: the HTML report must be checked in a real browser on CI (apt-get install chromium)");
        }
        println!("SKIPPED: chromium not found; the browser half of this test did not run");
        return;
    };
    let profile = tmp.path().join("profile");
    let url = format!("file://{}", out_dir.join("report.html").display());
    let run = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&run.stdout).to_string();
    assert!(
        dom.contains("</html>"),
        "chromium gave no DOM: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let title = dom
        .split_once("<title>")
        .and_then(|(_, r)| r.split_once("</title>"))
        .map(|(t, _)| t.trim().to_string())
        .expect("a <title>");
    assert_ne!(title, "PWNED", "a payload ran");
    assert!(
        title.starts_with("kdiag report: node&lt;script&gt;"),
        "{title}"
    );
    let allowed = [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "footer",
        "nav",
        "main",
        "section",
        "article",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "p",
        "ul",
        "ol",
        "li",
        "a",
        "b",
        "strong",
        "em",
        "span",
        "code",
        "pre",
        "div",
        "details",
        "summary",
        "dl",
        "dt",
        "dd",
        "br",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "svg",
        "g",
        "line",
        "rect",
        "text",
        "del",
        "blockquote",
        "hr",
    ];
    let tags = dom_tags(&dom);
    assert!(tags.len() > 100, "the DOM was parsed: {} tags", tags.len());
    for (name, attrs) in &tags {
        assert!(
            allowed.contains(&name.as_str()),
            "injected element <{name}> {attrs:?}"
        );
        for (a, v) in attrs {
            assert!(
                !a.starts_with("on"),
                "event handler attribute {a}={v:?} on <{name}>"
            );
            assert!(a != "srcdoc" && a != "src", "{a} on <{name}>");
            assert!(
                !v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("javascript:"),
                "{a}={v}"
            );
        }
    }
    // The hostile text is visible as text.
    assert!(
        dom.contains("&lt;script&gt;document.title='PWNED'&lt;/script&gt;"),
        "payload shown as text"
    );
    assert!(
        dom.contains("&lt;img src=x onerror=\"document.title='PWNED'\"&gt;")
            || dom.contains("&lt;img src=x onerror=&quot;document.title='PWNED'&quot;&gt;")
    );
    assert!(
        dom.contains("&lt;/code&gt;&lt;/pre&gt;&lt;iframe"),
        "fence breaker shown as text"
    );
}
