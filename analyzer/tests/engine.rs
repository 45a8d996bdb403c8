//! Engine tests with inline rules and nodes built in memory (no dependency on rules/*.yaml texts).

mod common;

use common::assert_blessed;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use kdiag_analyzer::rules::load::{embedded_files, lint, parse_rule};
use kdiag_analyzer::rules::model::schema_json;
use kdiag_analyzer::rules::{finalize, Engine, Finding, FindingKind, Lang, RuleSet, Severity};
use kdiag_analyzer::texts::node::{InputKind, Node, TextKind};
use kdiag_bundle::{Item, Manifest, Status};
use serde_json::json;

const TEXTS: &str = r#"
title: { en: "T", zh: "标题" }
why: { en: "W", zh: "原因" }
fix: { en: "F", zh: "修复" }
references: []
"#;

/// A rule from its id, severity and matching part.
fn rule(id: &str, severity: &str, rest: &str) -> String {
    format!("id: {id}\nseverity: {severity}\nknowledge: []\n{TEXTS}{rest}")
}

fn engine(rules: &[String]) -> Engine {
    let mut set = RuleSet::default();
    for (i, r) in rules.iter().enumerate() {
        set.add(&format!("test{i}.yaml"), r, true);
    }
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    Engine::new(set.rules, Lang::En)
}

fn bundle(files: &[(&str, &str)]) -> Node {
    Node {
        name: "node01".into(),
        origin: PathBuf::from("node01"),
        kind: InputKind::Bundle,
        manifest: None,
        files: files
            .iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
            .collect(),
        warnings: Vec::new(),
        streamed: Default::default(),
    }
}

fn run(e: &Engine, node: &Node, facts: serde_json::Value) -> Vec<Finding> {
    let r = e.evaluate_with_facts(node, facts);
    let mut f = r.findings;
    finalize(&mut f, &e.explains(), &e.explain_ties());
    f
}

fn find<'a>(f: &'a [Finding], id: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.rule == id)
        .unwrap_or_else(|| panic!("no finding {id} in {f:#?}"))
}

const KUBELET_LOG: &str = "\
2026-11-21T10:15:01+0800 node01 kubelet[1234]: I1121 10:15:01.000001    1234 server.go:440] \"Kubelet version\" kubeletVersion=\"v1.20.4\"
2026-11-21T10:15:02+0800 node01 kubelet[1234]: E1121 10:15:02.123456    1234 pod_workers.go:191] Error syncing pod: failed to pull image \"harbor.local:5000/app/web:1.2\": Error response from daemon: Get https://harbor.local:5000/v2/: http: server gave HTTP response to HTTPS client
2026-11-21T10:16:02+0800 node01 kubelet[1234]: E1121 10:16:02.123456    1234 pod_workers.go:191] Error syncing pod: Get https://10.0.0.9/v2/: http: server gave HTTP response to HTTPS client
2026-11-21T10:17:02+0800 node01 kubelet[1234]: E1121 10:17:02.123456    1234 pod_workers.go:191] Error syncing pod: Get https://harbor.local:5000/v2/: http: server gave HTTP response to HTTPS client
";

const HTTP_RULE: &str = r#"
message: { en: "registry {{ captures.registry }} ({{ matches.pull.count }} lines)", zh: "仓库 {{ captures.registry }}" }
when:
  match:
    name: pull
    source: kubelet
    regex: 'Get "?https://(?P<registry>[^/" ]+)/v2/[^:]*:? *http: server gave HTTP response to HTTPS client'
"#;

#[test]
fn regex_captures_reach_the_message_and_evidence_cites_lines() {
    let e = engine(&[rule("http", "critical", HTTP_RULE)]);
    let f = run(
        &e,
        &bundle(&[("node/journal/kubelet.log", KUBELET_LOG)]),
        json!({}),
    );
    let h = find(&f, "http");
    assert_eq!(h.kind, FindingKind::Finding);
    assert_eq!(h.message, "registry harbor.local:5000 (3 lines)");
    assert_eq!(h.evidence.len(), 1);
    let ev = &h.evidence[0];
    assert_eq!(ev.path, "node/journal/kubelet.log");
    assert_eq!(ev.count, 3);
    assert_eq!(
        ev.lines.iter().map(|l| l.n).collect::<Vec<_>>(),
        vec![2, 3, 4],
        "line numbers are 1-based"
    );
    assert_eq!(ev.first_ts.as_deref(), Some("2026-11-21T10:15:02+0800"));
    assert_eq!(ev.last_ts.as_deref(), Some("2026-11-21T10:17:02+0800"));
}

#[test]
fn kubelet_source_reads_only_kubelet_lines_of_messages() {
    let messages = "\
Nov 21 10:15:02 node01 dockerd[900]: Get https://fake.dockerd/v2/: http: server gave HTTP response to HTTPS client
Nov 21 10:15:03 node01 kubelet[1234]: E1121 10:15:03.1 1234 x.go:1] Get https://reg.example:5000/v2/: http: server gave HTTP response to HTTPS client
";
    let e = engine(&[rule("http", "critical", HTTP_RULE)]);
    let f = run(&e, &bundle(&[("node/logs/messages", messages)]), json!({}));
    let h = find(&f, "http");
    assert_eq!(h.message, "registry reg.example:5000 (1 lines)");
    assert_eq!(h.evidence[0].lines[0].n, 2);
    assert_eq!(h.evidence[0].first_ts.as_deref(), Some("Nov 21 10:15:03"));
}

#[test]
fn evidence_keeps_first_and_last_five_lines() {
    let log: String = (1..=40)
        .map(|i| format!("2026-11-21T10:{i:02}:00+0800 node01 kernel: BUG: soft lockup - CPU#{i} stuck for 22s!\n"))
        .collect();
    let r = rule(
        "lockup",
        "critical",
        "message: { en: \"x\", zh: \"x\" }\nwhen: { match: { source: kernel, regex: 'soft lockup - CPU#(?P<cpu>\\d+)' } }\n",
    );
    let e = engine(&[r]);
    let f = run(&e, &bundle(&[("node/kernel/dmesg.txt", &log)]), json!({}));
    let ev = &find(&f, "lockup").evidence[0];
    assert_eq!(ev.count, 40);
    assert_eq!(ev.omitted, 30);
    let ns: Vec<u64> = ev.lines.iter().map(|l| l.n).collect();
    assert_eq!(ns, vec![1, 2, 3, 4, 5, 36, 37, 38, 39, 40]);
}

#[test]
fn all_any_not_and_unless() {
    let log = "\
2026-11-21T10:00:00+0800 n kubelet[1]: node has conditions: [DiskPressure]
2026-11-21T10:00:01+0800 n kubelet[1]: DiskPressure False
";
    let rules = [
        // all: both true
        rule("all-yes", "warning", "message: { en: a, zh: a }\nwhen:\n  all:\n    - match: { source: kubelet, regex: 'DiskPressure' }\n    - not: { match: { source: kubelet, regex: 'MemoryPressure' } }\n"),
        // all: one false
        rule("all-no", "warning", "message: { en: a, zh: a }\nwhen:\n  all:\n    - match: { source: kubelet, regex: 'DiskPressure' }\n    - match: { source: kubelet, regex: 'PIDPressure' }\n"),
        // any: one true
        rule("any-yes", "warning", "message: { en: a, zh: a }\nwhen:\n  any:\n    - match: { source: kubelet, regex: 'PIDPressure' }\n    - match: { source: kubelet, regex: 'DiskPressure\\]' }\n"),
        // unless drops the near miss; min needs two lines
        rule("unless-min", "warning", "message: { en: '{{ matches.dp.count }}', zh: a }\nwhen:\n  match: { name: dp, source: kubelet, regex: 'DiskPressure', unless: 'DiskPressure\\s+False', min: 2 }\n"),
        rule("unless-one", "warning", "message: { en: '{{ matches.dp.count }}', zh: a }\nwhen:\n  match: { name: dp, source: kubelet, regex: 'DiskPressure', unless: 'DiskPressure\\s+False' }\n"),
    ];
    let e = engine(&rules);
    let f = run(&e, &bundle(&[("node/journal/kubelet.log", log)]), json!({}));
    let ids: BTreeSet<&str> = f.iter().map(|x| x.rule.as_str()).collect();
    assert_eq!(ids, BTreeSet::from(["all-yes", "any-yes", "unless-one"]));
    assert_eq!(find(&f, "unless-one").message, "1");
}

#[test]
fn facts_expressions_compare_and_undefined_facts_stay_silent() {
    let mismatch = rule(
        "driver",
        "critical",
        "message: { en: 'docker {{ facts.docker.cgroup_driver }} vs kubelet {{ facts.kubelet.effective.cgroup_driver }}', zh: x }\nwhen: { expr: 'facts.docker.cgroup_driver != facts.kubelet.effective.cgroup_driver' }\n",
    );
    let pct = rule(
        "pct",
        "warning",
        "message: { en: x, zh: x }\nwhen: { expr: '\"91%\" | number > 85 and \"1Gi\" | quantity == 1073741824 and \"17.03.2-ce\" | version_lt(\"17.12.1\") and \"abc-123\" is regex_match(\"^abc-\\\\d+$\")' }\n",
    );
    let e = engine(&[mismatch, pct]);
    let node = bundle(&[]);
    let f = run(
        &e,
        &node,
        json!({"docker": {"cgroup_driver": "cgroupfs"}, "kubelet": {"effective": {"cgroup_driver": "systemd"}}}),
    );
    assert_eq!(
        find(&f, "driver").message,
        "docker cgroupfs vs kubelet systemd"
    );
    assert!(f.iter().any(|x| x.rule == "pct"));

    let f = run(
        &e,
        &node,
        json!({"docker": {"cgroup_driver": "systemd"}, "kubelet": {"effective": {"cgroup_driver": "systemd"}}}),
    );
    assert!(!f.iter().any(|x| x.rule == "driver"));

    // Not collected facts (null or absent) are undefined: no finding, no error.
    let f = run(
        &e,
        &node,
        json!({"docker": null, "kubelet": {"effective": {"cgroup_driver": null}}}),
    );
    assert!(
        !f.iter().any(|x| x.rule == "driver"),
        "undefined != undefined must be false: {f:#?}"
    );
}

#[test]
fn items_give_one_item_per_element_with_provenance() {
    let r = rule(
        "hostnet",
        "warning",
        r#"
items: "facts.cluster.pods | selectattr('host_network') | selectattr('dns_policy', 'eq', 'ClusterFirst') | list"
item: { en: "{{ item.namespace }}/{{ item.name }}", zh: "{{ item.namespace }}/{{ item.name }}" }
message: { en: "{{ count }} pod(s): {{ items | map(attribute='name') | join(', ') }}", zh: x }
"#,
    );
    let e = engine(&[r]);
    let pods = json!({"cluster": {"pods": [
        {"namespace": "kube-system", "name": "agent-1", "host_network": true, "dns_policy": "ClusterFirst", "at": {"path": "cluster/pods.json", "line": 2}},
        {"namespace": "kube-system", "name": "agent-2", "host_network": true, "dns_policy": "ClusterFirstWithHostNet"},
        {"namespace": "default", "name": "web", "host_network": false, "dns_policy": "ClusterFirst"},
        {"namespace": "mon", "name": "node-exporter", "host_network": true, "dns_policy": "ClusterFirst"}
    ]}});
    let node = bundle(&[("cluster/pods.json", "{\n\"x\": 1\n}\n")]);
    let f = run(&e, &node, pods);
    let h = find(&f, "hostnet");
    assert_eq!(h.message, "2 pod(s): agent-1, node-exporter");
    let texts: Vec<&str> = h.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, vec!["kube-system/agent-1", "mon/node-exporter"]);
    assert_eq!(h.items[0].at.as_ref().map(|a| a.line), Some(2));
    assert!(h.items[1].at.is_none());

    // An empty list is no finding.
    let f = run(&e, &node, json!({"cluster": {"pods": []}}));
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn evidence_file_and_at() {
    let r = rule(
        "swap",
        "critical",
        r#"
requires: [node/proc/swaps]
message: { en: "swap {{ facts.swap.total_kb }}", zh: x }
when: { expr: "facts.swap.enabled" }
evidence:
  - file: node/proc/swaps
  - file: node/kubelet/config.yaml
    regex: '(?i)failswapon'
  - at: "facts.swap.devices | map(attribute='at') | list"
"#,
    );
    let swaps = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/dm-1                               partition\t4194300\t\t0\t\t-2\n";
    let cfg = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nfailSwapOn: false\ncgroupDriver: systemd\n";
    let node = bundle(&[
        ("node/proc/swaps", swaps),
        ("node/kubelet/config.yaml", cfg),
    ]);
    let e = engine(&[r]);
    let facts = json!({"swap": {"enabled": true, "total_kb": 4194300,
        "devices": [{"filename": "/dev/dm-1", "at": {"path": "node/proc/swaps", "line": 2}}]}});
    let f = run(&e, &node, facts);
    let h = find(&f, "swap");
    assert_eq!(h.message, "swap 4194300");
    assert_eq!(h.evidence.len(), 3);
    assert_eq!(h.evidence[0].path, "node/proc/swaps");
    assert_eq!(h.evidence[0].count, 2);
    assert_eq!(h.evidence[1].lines.len(), 1);
    assert_eq!(h.evidence[1].lines[0].n, 3);
    assert_eq!(h.evidence[1].lines[0].text, "failSwapOn: false");
    assert_eq!(h.evidence[2].label, "at");
    assert_eq!(h.evidence[2].lines[0].n, 2);
    assert!(h.evidence[2].lines[0].text.starts_with("/dev/dm-1"));
}

fn manifest(items: Vec<Item>) -> Manifest {
    let mut m = Manifest::new(
        "0.1.0",
        "node01",
        "2026-11-22T08:30:00Z",
        "2026-11-21T08:30:00Z",
        0,
        vec![],
    );
    m.items = items;
    m
}

fn item(path: &str, source: &str, status: Status, stderr: &str) -> Item {
    Item {
        path: path.into(),
        source: source.into(),
        status,
        exit_code: Some(1),
        duration_ms: 10,
        bytes: 0,
        sha256: String::new(),
        truncated: false,
        redactions: 0,
        stderr: stderr.into(),
    }
}

#[test]
fn missing_inputs_give_a_not_collected_note_with_the_manifest_reason() {
    let pods_rule = rule(
        "pods",
        "warning",
        "requires: [cluster/pods.json]\nitems: 'facts.cluster.pods'\nmessage: { en: x, zh: x }\n",
    );
    let events_rule = rule(
        "sched",
        "warning",
        "message: { en: x, zh: x }\nwhen: { match: { source: events, regex: 'FailedScheduling' } }\n",
    );
    let e = engine(&[pods_rule, events_rule, rule("http", "critical", HTTP_RULE)]);
    let mut node = bundle(&[("node/journal/kubelet.log", "nothing here\n")]);
    let refused = "The connection to the server localhost:8080 was refused - did you specify the right host or port?";
    node.manifest = Some(manifest(vec![
        item(
            "cluster/pods.json",
            "kubectl get pods -A -o json",
            Status::Failed,
            refused,
        ),
        item(
            "cluster/events.json",
            "kubectl get events -A -o json",
            Status::Failed,
            refused,
        ),
    ]));
    let f = run(&e, &node, json!({}));
    let pods = find(&f, "pods");
    assert_eq!(pods.kind, FindingKind::NotCollected);
    assert_eq!(pods.severity, Severity::Info);
    assert!(
        pods.message.starts_with("not collected: cluster/pods.json"),
        "{}",
        pods.message
    );
    assert!(pods
        .message
        .contains("failed: The connection to the server localhost:8080 was refused"));
    assert_eq!(find(&f, "sched").kind, FindingKind::NotCollected);
    // The kubelet log is there (silent): no note.
    assert!(!f.iter().any(|x| x.rule == "http"));

    // Without a manifest the note says the file is not in the bundle.
    node.manifest = None;
    let f = run(&e, &node, json!({}));
    assert!(find(&f, "pods")
        .message
        .contains("cluster/pods.json is not in the bundle"));

    // A loose file: every text source reads it, and no notes at all.
    let loose = Node {
        name: "pasted".into(),
        kind: InputKind::Loose(TextKind::KubeletJournal),
        files: BTreeMap::from([("pasted.log".to_string(), KUBELET_LOG.as_bytes().to_vec())]),
        ..Node::default()
    };
    let f = run(&e, &loose, json!({}));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule, "http");
    assert_eq!(f[0].evidence[0].path, "pasted.log");
}

#[test]
fn events_are_rendered_one_per_line() {
    let events = json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
        {"kind": "Event", "metadata": {"name": "web.1", "namespace": "default"}, "involvedObject": {"kind": "Pod", "name": "web-5d9c", "namespace": "default"},
         "reason": "Scheduled", "message": "Successfully assigned default/web-5d9c to node01", "type": "Normal"},
        {"kind": "Event", "metadata": {"name": "web.2", "namespace": "default"}, "involvedObject": {"kind": "Pod", "name": "web-7f8b", "namespace": "default"},
         "reason": "FailedScheduling", "message": "0/3 nodes are available: 3 Insufficient cpu.", "type": "Warning"}
    ]});
    let r = rule(
        "sched",
        "warning",
        "message: { en: '{{ captures.why }}', zh: x }\nwhen: { match: { source: events, regex: '^Warning FailedScheduling (?P<obj>\\S+): \\d+/\\d+ nodes are available: (?P<why>.*)' } }\n",
    );
    let e = engine(&[r]);
    let node = bundle(&[("cluster/events.json", &events.to_string())]);
    let f = run(&e, &node, json!({}));
    let h = find(&f, "sched");
    assert_eq!(h.message, "3 Insufficient cpu.");
    assert_eq!(h.evidence[0].path, "cluster/events.json");
    assert_eq!(h.evidence[0].lines[0].n, 2);
    assert_eq!(
        h.evidence[0].lines[0].text,
        "Warning FailedScheduling default/web-7f8b: 0/3 nodes are available: 3 Insufficient cpu."
    );
}

#[test]
fn kubectl_stderr_source() {
    let r = rule(
        "apiserver",
        "critical",
        "message: { en: '{{ captures.server }}', zh: x }\nwhen: { match: { source: kubectl-stderr, regex: 'connection to the server (?P<server>\\S+) was refused' } }\n",
    );
    let e = engine(&[r]);
    let mut node = bundle(&[]);
    node.manifest = Some(manifest(vec![item(
        "cluster/nodes.json",
        "kubectl get nodes -o json",
        Status::Failed,
        "The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?",
    )]));
    let f = run(&e, &node, json!({}));
    assert_eq!(find(&f, "apiserver").message, "10.0.0.1:6443");
    assert_eq!(find(&f, "apiserver").evidence[0].path, "manifest.json");
}

#[test]
fn rules_dir_overrides_by_id_and_adds() {
    let dir = tempfile::tempdir().unwrap();
    let over = rule(
        "swap-enabled",
        "info",
        "message: { en: overridden, zh: x }\nwhen: { expr: 'true' }\n",
    );
    std::fs::write(dir.path().join("swap-enabled.yaml"), &over).unwrap();
    let new = rule(
        "local-extra",
        "warning",
        "message: { en: extra, zh: x }\nwhen: { expr: 'true' }\n",
    );
    std::fs::write(dir.path().join("local-extra.yaml"), &new).unwrap();
    let set = RuleSet::load(Some(dir.path()));
    let swap: Vec<_> = set
        .rules
        .iter()
        .filter(|r| r.rule.id == "swap-enabled")
        .collect();
    assert_eq!(swap.len(), 1);
    assert_eq!(swap[0].rule.severity, Severity::Info);
    assert!(
        swap[0].origin.ends_with("swap-enabled.yaml") && !swap[0].origin.starts_with("embedded:")
    );
    assert!(set.rules.iter().any(|r| r.rule.id == "local-extra"));

    let e = Engine::new(set.rules, Lang::En);
    let f = e.evaluate_with_facts(&bundle(&[]), json!({})).findings;
    assert_eq!(find(&f, "swap-enabled").message, "overridden");
}

#[test]
fn a_panicking_rule_becomes_an_error_finding_and_the_run_goes_on() {
    let boom = rule(
        "boom",
        "critical",
        "message: { en: x, zh: x }\nwhen: { expr: '1 | explode' }\n",
    );
    let bad_expr = rule(
        "bad",
        "critical",
        "message: { en: x, zh: x }\nwhen: { expr: 'facts | no_such_filter' }\n",
    );
    let fine = rule(
        "fine",
        "warning",
        "message: { en: ok, zh: x }\nwhen: { expr: 'true' }\n",
    );
    let mut e = engine(&[boom, bad_expr, fine]);
    e.env_mut()
        .add_filter("explode", |_: i64| -> i64 { panic!("injected failure") });
    let f = run(&e, &bundle(&[]), json!({}));
    let b = find(&f, "boom");
    assert_eq!(b.kind, FindingKind::RuleError);
    assert!(b.message.contains("injected failure"), "{}", b.message);
    assert_eq!(find(&f, "bad").kind, FindingKind::RuleError);
    assert!(find(&f, "bad").message.contains("no_such_filter"));
    assert_eq!(find(&f, "fine").kind, FindingKind::Finding);
    // Real findings sort before rule errors.
    assert_eq!(f[0].rule, "fine");
}

#[test]
fn findings_sort_by_severity_with_root_causes_first_and_chains_resolved() {
    let t = "message: { en: x, zh: x }\nwhen: { expr: 'true' }\n";
    let rules = [
        rule("consequence", "critical", t),
        rule(
            "root",
            "warning",
            &format!("explains: [consequence, not-firing]\n{t}"),
        ),
        rule("other-crit", "critical", t),
        rule("a-warn", "warning", t),
        rule("note", "info", t),
    ];
    let e = engine(&rules);
    let f = run(&e, &bundle(&[]), json!({}));
    let order: Vec<&str> = f.iter().map(|x| x.rule.as_str()).collect();
    // `root` ranks with the critical it explains, and before it.
    assert_eq!(
        order,
        vec!["root", "other-crit", "consequence", "a-warn", "note"]
    );
    assert_eq!(find(&f, "root").explains, vec!["consequence"]);
    assert_eq!(find(&f, "consequence").explained_by, vec!["root"]);
    assert!(find(&f, "other-crit").explained_by.is_empty());
}

#[test]
fn chains_do_not_cross_nodes() {
    let t = "message: { en: x, zh: x }\n";
    let rules = [
        rule(
            "root",
            "warning",
            &format!("explains: [cons]\n{t}when: {{ expr: 'node == \"a\"' }}\n"),
        ),
        rule(
            "cons",
            "critical",
            &format!("{t}when: {{ expr: 'node == \"b\"' }}\n"),
        ),
    ];
    let e = engine(&rules);
    let mut a = bundle(&[]);
    a.name = "a".into();
    let mut b = bundle(&[]);
    b.name = "b".into();
    let mut f = e.evaluate_with_facts(&a, json!({})).findings;
    f.extend(e.evaluate_with_facts(&b, json!({})).findings);
    finalize(&mut f, &e.explains(), &e.explain_ties());
    assert!(find(&f, "root").explains.is_empty());
    assert!(find(&f, "cons").explained_by.is_empty());
}

#[test]
fn a_link_with_explains_if_needs_the_consequence_s_own_words() {
    let root = "message: { en: disk, zh: disk }\nwhen: { expr: 'true' }\n\
                explains: [pull]\nexplains_if: { pull: 'no space left on device' }\n";
    for (said, linked) in [
        ("manifest unknown: manifest unknown", false),
        ("write /var/lib/docker/tmp/x: no space left on device", true),
    ] {
        let e = engine(&[
            rule("disk", "critical", root),
            rule(
                "pull",
                "warning",
                &format!("message: {{ en: '{said}', zh: '{said}' }}\nwhen: {{ expr: 'true' }}\n"),
            ),
        ]);
        let mut f = e.evaluate_with_facts(&bundle(&[]), json!({})).findings;
        finalize(&mut f, &e.explains(), &e.explain_ties());
        assert_eq!(find(&f, "disk").explains.len(), linked as usize, "{said}");
        assert_eq!(
            find(&f, "pull").explained_by.len(),
            linked as usize,
            "{said}"
        );
    }
}

#[test]
fn schema_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../rules/schema.json");
    assert_blessed(
        &path,
        &schema_json(),
        "rules/schema.json is stale: rerun with KDIAG_BLESS=1 cargo test -p kdiag-analyzer --test engine schema",
    );
}

fn lint_one(files: &[(&str, String)]) -> Vec<String> {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| (n.to_string(), t.clone()))
        .collect();
    lint(&files, &BTreeSet::new(), false)
        .problems
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn lint_catches_bad_regex_missing_zh_duplicate_id_and_more() {
    let good = rule("good", "warning", HTTP_RULE);
    assert_eq!(
        lint_one(&[("rules/good.yaml", good.clone())]),
        Vec::<String>::new()
    );

    let bad_re = rule("bad-re", "warning", "message: { en: x, zh: x }\nwhen: { match: { source: kubelet, regex: 'unclosed (group' } }\n");
    let p = lint_one(&[("bad-re.yaml", bad_re)]);
    assert!(p.len() == 1 && p[0].contains("unclosed group"), "{p:?}");

    let no_zh = rule(
        "no-zh",
        "warning",
        "message: { en: x }\nwhen: { expr: 'true' }\n",
    );
    let p = lint_one(&[("no-zh.yaml", no_zh)]);
    assert_eq!(
        p,
        vec!["no-zh.yaml: message: the Chinese text (zh) is missing"]
    );

    let p = lint_one(&[("a/good.yaml", good.clone()), ("b/good.yaml", good)]);
    assert!(p.iter().any(|x| x.contains("duplicate id good")), "{p:?}");

    let misnamed = rule(
        "right",
        "warning",
        "message: { en: x, zh: x }\nwhen: { expr: 'true' }\n",
    );
    assert!(lint_one(&[("wrong.yaml", misnamed)])[0].contains("file name must be right.yaml"));

    let bad_expr = rule(
        "bad-expr",
        "warning",
        "message: { en: x, zh: x }\nwhen: { expr: 'facts.a ==' }\n",
    );
    assert!(lint_one(&[("bad-expr.yaml", bad_expr)])
        .iter()
        .any(|p| p.contains("does not compile")));

    // A fact path the facts do not have is an error, not a rule that stays silent.
    let typo = rule(
        "fact-typo",
        "warning",
        "message: { en: \"{{ facts.kubelet.version }}\", zh: x }\nwhen: { expr: 'facts.kubelet.effective.cgroup_drivr == \"systemd\" and facts.kubelet.effective.max_pods > 0' }\n",
    );
    let p = lint_one(&[("fact-typo.yaml", typo)]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("unknown fact path facts.kubelet.effective.cgroup_drivr")
            && p[0].contains("cgroup_driver"),
        "{p:?}"
    );

    let bad_src = rule(
        "bad-src",
        "warning",
        "message: { en: x, zh: x }\nwhen: { match: { source: kubelt, regex: x } }\n",
    );
    assert!(lint_one(&[("bad-src.yaml", bad_src)])[0].contains("unknown source \"kubelt\""));

    let unknown_field = rule(
        "typo",
        "warning",
        "mesage: { en: x, zh: x }\nwhen: { expr: 'true' }\n",
    );
    assert!(lint_one(&[("typo.yaml", unknown_field)])[0].contains("unknown field `mesage`"));

    let dangling = rule(
        "dangling",
        "warning",
        "explains: [nowhere]\nmessage: { en: x, zh: x }\nwhen: { expr: 'true' }\n",
    );
    assert!(
        lint_one(&[("dangling.yaml", dangling)])[0].contains("explains unknown rule \"nowhere\"")
    );

    let untied = rule(
        "untied",
        "warning",
        "explains: [dangling]\nexplains_if: { other: 'x', dangling: '(' }\n\
         message: { en: x, zh: x }\nwhen: { expr: 'true' }\n",
    );
    let problems = lint_one(&[
        ("untied.yaml", untied),
        (
            "dangling.yaml",
            rule(
                "dangling",
                "warning",
                "message: { en: x, zh: x }\nwhen: { expr: 'true' }\n",
            ),
        ),
    ]);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("explains_if names \"other\"")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("explains_if dangling: regex does not compile")),
        "{problems:?}"
    );
}

#[test]
fn every_rule_in_rules_dir_with_a_when_lints_clean() {
    let files: Vec<(String, String)> = embedded_files()
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let known: BTreeSet<String> = files
        .iter()
        .map(|(n, _)| n.trim_end_matches(".yaml").to_string())
        .collect();
    let report = lint(&files, &known, true);
    for f in &report.incomplete {
        eprintln!("note: {f} has no `when` yet: only its fixed part was checked");
    }
    assert!(
        report.problems.is_empty(),
        "rules/ lint problems:\n{}",
        report
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // And they load into an engine without warnings other than "no when yet".
    let set = RuleSet::load(None);
    for w in &set.warnings {
        assert!(w.contains("has no `when`"), "{w}");
    }
    for r in &set.rules {
        assert!(parse_rule(
            embedded_files()
                .iter()
                .find(|(n, _)| n.trim_end_matches(".yaml") == r.rule.id)
                .unwrap()
                .1
        )
        .is_ok());
    }
}

/// The registry-http-vs-https example of docs/rule-format.md: captures, `reject('in', ...)`.
#[test]
fn doc_example_registry_items_reject_listed_registries() {
    let r = rule(
        "registry-http-vs-https",
        "critical",
        r#"
when:
  match:
    name: pull
    source: [kubelet, docker, containerd, events]
    regex: 'Get "?https://(?P<registry>[^/" ]+)/v2/[^:]*:? *http: server gave HTTP response to HTTPS client'
items: "matches.pull.values.registry | reject('in', facts.docker.insecure_registries | default([])) | list"
item: { en: "{{ item }}", zh: "{{ item }}" }
message:
  en: "registry {{ items | join(', ') }} speaks plain HTTP but is not in daemon.json insecure-registries ({{ facts.docker.insecure_registries | default([]) | join(', ') or 'empty' }})"
  zh: "x"
"#,
    );
    let e = engine(&[r]);
    let node = bundle(&[("node/journal/kubelet.log", KUBELET_LOG)]);
    let f = run(
        &e,
        &node,
        json!({"docker": {"insecure_registries": ["10.0.0.9"]}}),
    );
    let h = find(&f, "registry-http-vs-https");
    assert_eq!(
        h.message,
        "registry harbor.local:5000 speaks plain HTTP but is not in daemon.json insecure-registries (10.0.0.9)"
    );
    let f = run(&e, &node, json!({"docker": {}}));
    assert_eq!(find(&f, "registry-http-vs-https").items.len(), 2);
    let f = run(
        &e,
        &node,
        json!({"docker": {"insecure_registries": ["10.0.0.9", "harbor.local:5000"]}}),
    );
    assert!(f.is_empty(), "{f:#?}");
}

/// Regression: two rules using the same capture name on one source broke the combined regex,
/// silently dropping every match of the node.
#[test]
fn same_capture_name_in_two_rules_on_one_source() {
    let a = rule("a", "warning", "message: { en: '{{ captures.reg }}', zh: x }\nwhen: { match: { source: kubelet, regex: 'https://(?P<reg>[^/ ]+)/v2/: http: server gave' } }\n");
    let b = rule("b", "warning", "message: { en: '{{ captures.reg }}', zh: x }\nwhen: { match: { source: kubelet, regex: 'Get https://(?P<reg>[^/ ]+)/v2/' } }\n");
    let nested = rule("c", "warning", "message: { en: '{{ captures.host }}', zh: x }\nwhen: { match: { source: kubelet, regex: 'https://(?P<reg>(?P<host>[0-9.]+))/v2/' } }\n");
    let e = engine(&[a, b, nested]);
    let r = e.evaluate_with_facts(
        &bundle(&[("node/journal/kubelet.log", KUBELET_LOG)]),
        json!({}),
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(find(&r.findings, "a").message, "harbor.local:5000");
    assert_eq!(find(&r.findings, "b").message, "harbor.local:5000");
    assert_eq!(find(&r.findings, "c").message, "10.0.0.9");
}

/// The `case` variable: every node of the run, with each node's clock (`date -u` in
/// node/host/time.txt) and its offset from the median, so a rule can compare nodes.
#[test]
fn case_compares_the_clocks_of_the_nodes() {
    use kdiag_analyzer::facts::Facts;
    use kdiag_analyzer::rules::engine::{case_view, CaseNode};
    let rules = [rule(
        "clock-apart",
        "warning",
        "items: \"case | selectattr('this') | selectattr('clock_skew_s', 'gt', 300) | list\"\n\
         item: { en: '{{ item.name }} is {{ item.clock_offset_s }} s off', zh: x }\n\
         message: { en: \"{% for n in case | rejectattr('this') %}{{ n.name }}={{ n.clock_utc | default('?') }}{% if n.time is defined %}/{{ n.time.synchronized }}{% endif %} {% endfor %}\", zh: x }\n",
    )];
    let e = engine(&rules);
    let node = |name: &str, time: Option<&str>| {
        let mut n = bundle(&[]);
        n.name = name.into();
        n.manifest = Some(manifest(vec![]));
        if let Some(t) = time {
            n.files
                .insert("node/host/time.txt".into(), t.as_bytes().to_vec());
        }
        n
    };
    let synced = "### date -u\nSun Nov 22 08:30:00 UTC 2026\n(exit 0)\n\n### timedatectl\nNTP synchronized: yes\n";
    let nodes = [
        node("a", Some(synced)),
        node(
            "b",
            Some("Sun Nov 22 08:30:20 UTC 2026\nNTP synchronized: yes\n"),
        ),
        node(
            "c",
            Some("Sun Nov 22 09:30:00 UTC 2026\nNTP synchronized: no\n"),
        ),
        node("d", None),
    ];
    let facts: Vec<Facts> = nodes.iter().map(Facts::from_node).collect();
    assert_eq!(
        facts[0].time.as_ref().and_then(|t| t.clock_utc),
        Some(1795336200)
    );
    let case = case_view(
        nodes
            .iter()
            .zip(&facts)
            .map(|(n, f)| CaseNode::of(n, Some(f)))
            .collect(),
    );
    assert_eq!(case[2].clock_offset_s, Some(3580.0), "median is b's clock");
    assert_eq!(case[3].clock_utc, None);
    let mut found = Vec::new();
    for (i, (n, f)) in nodes.iter().zip(&facts).enumerate() {
        let r = e.evaluate(n, Some(f), &case, i);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        found.extend(r.findings);
    }
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = find(&found, "clock-apart");
    assert_eq!(f.node, "c");
    assert_eq!(f.kind, FindingKind::Finding);
    assert_eq!(f.items[0].text, "c is 3580.0 s off");
    assert_eq!(f.message, "a=1795336200/True b=1795336220/True d=? ");

    // Without facts (they could not be computed) the case still lists the node.
    let lone = case_view(vec![CaseNode::of(&nodes[3], None)]);
    let r = e.evaluate(&nodes[3], None, &lone, 0);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn matches_give_the_paths_of_their_lines() {
    let r = rule(
        "paths",
        "warning",
        r#"
message:
  en: "{{ matches.af.paths | join(',') }} first={{ matches.af.first_path }} last={{ matches.af.last_path }} none={{ matches.none.paths | length }}/{{ matches.none.first_path is defined }}"
  zh: "x"
when:
  any:
    - match: { name: af, source: container-logs, regex: 'Address family not supported' }
    - match: { name: none, source: container-logs, regex: 'never there' }
"#,
    );
    let e = engine(&[r]);
    let line =
        "nginx: [emerg] socket() [::]:80 failed (97: Address family not supported by protocol)\n";
    let f = run(
        &e,
        &bundle(&[
            ("cluster/logs/default/web-1/nginx.log", line),
            ("cluster/logs/default/web-2/nginx.log", "all good\n"),
            (
                "node/pods/shop_api-0_0c4f/app/0.log",
                &format!("{line}{line}"),
            ),
        ]),
        json!({}),
    );
    assert_eq!(
        find(&f, "paths").message,
        "cluster/logs/default/web-1/nginx.log,node/pods/shop_api-0_0c4f/app/0.log \
         first=cluster/logs/default/web-1/nginx.log last=node/pods/shop_api-0_0c4f/app/0.log none=0/False"
    );
}

#[test]
fn severity_if_first_true_wins_else_the_rule_severity() {
    let r = rule(
        "sev",
        "warning",
        r#"
severity_if:
  - { severity: critical, expr: "facts.level == 'bad' or matches.boom.count > 0" }
  - { severity: info, expr: "count == 1" }
items: "facts.things | default([])"
when:
  any:
    - match: { name: boom, source: kubelet, regex: 'BOOM' }
    - expr: "true"
"#,
    );
    let e = engine(&[r]);
    let quiet = bundle(&[("node/journal/kubelet.log", "fine\n")]);
    let sev = |node: &Node, facts: serde_json::Value| find(&run(&e, node, facts), "sev").severity;
    assert_eq!(
        sev(&quiet, json!({"things": ["a", "b"]})),
        Severity::Warning
    );
    assert_eq!(
        sev(&quiet, json!({"things": ["a", "b"], "level": "bad"})),
        Severity::Critical
    );
    assert_eq!(
        sev(&quiet, json!({"things": ["a"]})),
        Severity::Info,
        "sees items' count"
    );
    let loud = bundle(&[("node/journal/kubelet.log", "BOOM\n")]);
    assert_eq!(
        sev(&loud, json!({"things": ["a"]})),
        Severity::Critical,
        "the first true entry wins"
    );
    // lint: a severity_if expression must compile
    let bad = rule(
        "sevbad",
        "warning",
        "severity_if: [{ severity: critical, expr: \"(((\" }]\nwhen: { expr: \"true\" }\n",
    );
    let problems = lint_one(&[("sevbad.yaml", bad)]);
    assert!(
        problems.iter().any(|p| p.contains("severity_if[0]")),
        "{problems:?}"
    );
}

#[test]
fn let_bindings_are_computed_once_in_order_and_seen_everywhere() {
    // `registries` sees the match; `many` sees `registries`; `when`, `items`, `item`, `message`
    // and `severity_if` see both by name.
    let r = rule(
        "bound",
        "warning",
        r#"
let:
  registries: "matches.pull.values.registry | unique | list"
  many: "registries | length >= 2"
when:
  all:
    - match:
        name: pull
        source: kubelet
        regex: 'Get "?https://(?P<registry>[^/" ]+)/v2/[^:]*:? *http: server gave HTTP response to HTTPS client'
    - expr: "many"
items: "registries"
item: { en: "{{ item }} of {{ registries | length }}", zh: "{{ item }}" }
message: { en: "{{ registries | join(', ') }} (several: {{ 'yes' if many else 'no' }})", zh: "x" }
severity_if:
  - { severity: critical, expr: "many and count == registries | length" }
"#,
    );
    let e = engine(&[r]);
    let node = bundle(&[("node/journal/kubelet.log", KUBELET_LOG)]);
    let f = run(&e, &node, json!({}));
    let b = find(&f, "bound");
    assert_eq!(b.message, "harbor.local:5000, 10.0.0.9 (several: yes)");
    let items: Vec<&str> = b.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(items, ["harbor.local:5000 of 2", "10.0.0.9 of 2"]);
    assert_eq!(b.severity, Severity::Critical);

    // One registry only: `many` is false and the rule stays quiet.
    let one = KUBELET_LOG
        .lines()
        .filter(|l| !l.contains("10.0.0.9"))
        .collect::<Vec<_>>()
        .join("\n");
    let node = bundle(&[("node/journal/kubelet.log", one.as_str())]);
    assert!(run(&e, &node, json!({})).iter().all(|x| x.rule != "bound"));
}

#[test]
fn let_names_are_checked_and_a_failing_binding_is_a_rule_error() {
    for (name, why) in [
        ("facts", "already a variable"),
        ("items", "already a variable"),
        ("Bad-Name", "must be [a-z][a-z0-9_]*"),
    ] {
        let text = rule(
            "r",
            "warning",
            &format!(
                "let:\n  {name}: \"1\"\nmessage: {{ en: x, zh: x }}\nwhen: {{ expr: 'true' }}\n"
            ),
        );
        let err = parse_rule(&text).unwrap_err();
        assert!(err.contains(why), "{name}: {err}");
    }
    let twice = rule(
        "r",
        "warning",
        "let:\n  a: \"1\"\n  a: \"2\"\nmessage: { en: x, zh: x }\nwhen: { expr: 'true' }\n",
    );
    let err = parse_rule(&twice).unwrap_err();
    assert!(
        err.contains("given twice") || err.contains("duplicate"),
        "{err}"
    );

    let bad_syntax = rule(
        "bad-let",
        "warning",
        "let:\n  a: \"1 +\"\nmessage: { en: x, zh: x }\nwhen: { expr: 'a' }\n",
    );
    let p = lint_one(&[("bad-let.yaml", bad_syntax)]);
    assert!(p.len() == 1 && p[0].contains("let a"), "{p:?}");

    let failing = rule(
        "failing",
        "warning",
        "let:\n  a: \"facts | no_such_filter\"\nmessage: { en: x, zh: x }\nwhen: { expr: 'a' }\n",
    );
    let f = run(&engine(&[failing]), &bundle(&[]), json!({}));
    let x = find(&f, "failing");
    assert_eq!(x.kind, FindingKind::RuleError);
    assert!(x.message.contains("let a"), "{}", x.message);
}
