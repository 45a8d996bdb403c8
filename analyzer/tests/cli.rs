//! `analyze` end to end: folders and loose files written inline, custom rules via --rules.

mod common;

use common::{analyze, write};
use std::path::Path;

const TEXTS: &str = "title: { en: \"Plain HTTP registry\", zh: \"仓库使用 HTTP\" }\nwhy: { en: w, zh: w }\nfix: { en: f, zh: f }\n";

fn rules_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("myrules");
    write(
        &dir,
        "zz-http.yaml",
        &format!(
            "id: zz-http\nseverity: critical\nknowledge: []\n{TEXTS}\
message: {{ en: \"registry {{{{ captures.registry }}}} is plain HTTP\", zh: \"仓库 {{{{ captures.registry }}}} 使用 HTTP\" }}\n\
when:\n  match: {{ source: [kubelet, docker], regex: 'https://(?P<registry>[^/ ]+)/v2/: http: server gave HTTP response to HTTPS client' }}\n"
        ),
    );
    write(
        &dir,
        "zz-pods.yaml",
        &format!(
            "id: zz-pods\nseverity: warning\nknowledge: []\n{TEXTS}\
requires: [cluster/pods.json]\nmessage: {{ en: pods, zh: pods }}\nwhen: {{ match: {{ source: cluster/pods.json, regex: 'hostNetwork' }} }}\n"
        ),
    );
    dir
}

const KUBELET: &str = "2026-11-21T10:15:02+0800 node01 kubelet[1234]: E1121 10:15:02.123456    1234 pod_workers.go:191] Error syncing pod: Get https://harbor.local:5000/v2/: http: server gave HTTP response to HTTPS client\n";

const MANIFEST: &str = r#"{"format":"kdiag-bundle","format_version":1,"collector_version":"0.1.0",
 "hostname":"node01","collected_at":"2026-11-22T08:30:00Z","since":"2026-11-21T08:30:00Z","uid":0,
 "args":["collect"],"items":[
  {"path":"node/journal/kubelet.log","source":"journalctl -u kubelet --since 2026-11-21T08:30:00Z --no-pager -o short-iso","status":"ok"},
  {"path":"cluster/pods.json","source":"kubectl get pods -A -o json","status":"failed","exit_code":1,
   "stderr":"The connection to the server localhost:8080 was refused - did you specify the right host or port?"}]}"#;

#[test]
fn json_document_of_a_folder_bundle_with_custom_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("kdiag-node01-20261122T083000Z");
    write(&bundle, "manifest.json", MANIFEST);
    write(&bundle, "node/journal/kubelet.log", KUBELET);
    let rules = rules_dir(tmp.path());
    let out_file = tmp.path().join("findings.json");
    let out = analyze(&[
        "--format",
        "json",
        "--rules",
        rules.to_str().unwrap(),
        "--output",
        out_file.to_str().unwrap(),
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(doc["format"], "kdiag-findings");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["nodes"][0]["name"], "node01");
    let findings = doc["findings"].as_array().unwrap();
    let http = findings.iter().find(|f| f["rule"] == "zz-http").unwrap();
    assert_eq!(http["message"], "registry harbor.local:5000 is plain HTTP");
    assert_eq!(http["node"], "node01");
    assert_eq!(http["evidence"][0]["path"], "node/journal/kubelet.log");
    assert_eq!(http["evidence"][0]["lines"][0]["n"], 1);
    let pods = findings.iter().find(|f| f["rule"] == "zz-pods").unwrap();
    assert_eq!(pods["kind"], "not_collected");
    assert!(pods["message"]
        .as_str()
        .unwrap()
        .contains("localhost:8080 was refused"));
}

#[test]
fn terminal_summary_of_a_pasted_log_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("ticket-4711.log");
    std::fs::write(&log, KUBELET.repeat(3)).unwrap();
    let rules = rules_dir(tmp.path());
    let out = analyze(&[
        "--lang",
        "zh",
        "--rules",
        rules.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("zz-http: 仓库 harbor.local:5000 使用 HTTP"),
        "{text}"
    );
    assert!(!text.contains("\x1b["), "NO_COLOR / not a TTY: no escapes");
    // No not-collected notes for a pasted log.
    assert!(!text.contains("zz-pods"), "{text}");
}

#[test]
fn exit_3_when_no_input_can_be_read() {
    let out = analyze(&["/nonexistent/kdiag-bundle.tgz"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no input could be read"));
}

#[test]
fn near_miss_stays_silent_and_missing_input_is_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("node02");
    write(&bundle, "node/journal/kubelet.log", "2026-11-21T10:15:02+0800 node02 kubelet[1]: I1121 10:15:02.1 1 x.go:1] Successfully pulled image \"harbor.local:5000/web:1\"\n");
    let rules = rules_dir(tmp.path());
    let out = analyze(&["--rules", rules.to_str().unwrap(), bundle.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("zz-http"), "{text}");
    // (The exit code depends on the embedded rules too, so it is not asserted here.)
    assert!(text.contains("NOTE  zz-pods"), "{text}");
}

#[test]
fn rules_lint_reports_problems_and_list_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = rules_dir(tmp.path());
    let out = analyze(&["rules", "lint", rules.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    write(
        &rules,
        "broken.yaml",
        &format!("id: broken\nseverity: warning\n{TEXTS}message: {{ en: x }}\nwhen: {{ match: {{ source: kubelet, regex: '(' }} }}\n"),
    );
    let out = analyze(&["rules", "lint", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("broken.yaml: message: the Chinese text (zh) is missing"),
        "{text}"
    );
    assert!(text.contains("broken.yaml: match m0: regex"), "{text}");

    std::fs::remove_file(rules.join("broken.yaml")).unwrap();
    let out = analyze(&["rules", "list", "--rules", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("zz-http")).unwrap();
    assert!(
        line.contains("critical") && line.contains("Plain HTTP registry"),
        "{line}"
    );
}

#[test]
fn usage_error_is_not_a_finding_exit_code() {
    let out = analyze(&["--format", "yaml", "x"]);
    assert_eq!(out.status.code(), Some(4));
}
