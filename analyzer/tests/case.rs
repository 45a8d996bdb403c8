//! Case archives of `collect --nodes`: testdata/cases/three-nodes-one-hung.tgz was written by
//! collect itself against real OpenSSH servers (collector/tests/fleet.rs, KDIAG_KEEP_CASE): two
//! nodes answered, one hung. `analyze` reads it as its two nodes, says why the third has no
//! bundle, and shows what differs between the two in every output format. Hostile case archives
//! lose only their bad parts.

mod common;

use common::{analyze, gzip, root, tar_bytes};

fn case_path() -> std::path::PathBuf {
    root().join("testdata/cases/three-nodes-one-hung.tgz")
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let o = analyze(args);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn the_case_is_its_nodes_and_says_why_one_is_missing() {
    let p = case_path();
    let d = json_of(&[p.to_str().unwrap(), "--format", "json"]);
    let names: Vec<&str> = d["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["node01", "node02"], "in the order they were asked");
    let case = &d["cases"][0];
    assert_eq!(
        (case["asked"].as_u64(), case["answered"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(case["bundles_read"].as_u64(), Some(2));
    let hung = &case["nodes"][2];
    assert_eq!(hung["status"], "timeout");
    let why = hung["reason"].as_str().unwrap();
    assert!(why.contains("did not answer"), "{why}");
    let warned = d["warnings"].as_array().unwrap().iter().any(|w| {
        let w = w.as_str().unwrap();
        w.contains(hung["target"].as_str().unwrap())
            && w.contains("has no bundle")
            && w.contains(why)
    });
    assert!(warned, "{}", d["warnings"]);
    // node02 was collected with maxPods 250 in its kubelet config; node01 has the default.
    let diffs = d["differences"].as_array().unwrap();
    let max_pods = diffs
        .iter()
        .find(|x| x["area"] == "kubelet config" && x["key"] == "maxPods")
        .unwrap_or_else(|| panic!("{diffs:?}"));
    assert_eq!(max_pods["values"], serde_json::json!([null, "250"]));
    assert_eq!(max_pods["path"], "node/kubelet/config.yaml");
    // The loud part is the rule's.
    let drift: Vec<&serde_json::Value> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "node-config-drift")
        .collect();
    assert_eq!(drift.len(), 2, "{drift:?}");
}

#[test]
fn every_format_shows_the_case_and_the_differences() {
    let p = case_path();
    let p = p.to_str().unwrap();
    let term = analyze(&[p]);
    let term = String::from_utf8_lossy(&term.stdout);
    assert!(term.contains("differences between the 2 nodes"), "{term}");
    assert!(
        term.contains("kubelet config maxPods: node01=-  node02=250"),
        "{term}"
    );
    assert!(term.contains("3 node(s) asked, 2 answered"), "{term}");
    let md = analyze(&[p, "--format", "md"]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("**Differences between nodes**"), "{md}");
    assert!(md.contains("| Setting | node01 | node02 |"), "{md}");
    assert!(md.contains("| timeout |"), "{md}");
    let html = analyze(&[p, "--format", "html"]);
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(
        html.contains("<section id=\"differences\">"),
        "differences section"
    );
    assert!(html.contains("<section id=\"case\">"), "case section");
    assert!(html.contains("<tr class=\"case-timeout\">"));
    let zh = analyze(&[p, "--lang", "zh", "--format", "md"]);
    let zh = String::from_utf8_lossy(&zh.stdout);
    assert!(zh.contains("节点之间的差异"), "{zh}");
}

/// A case archive whose second bundle is cut off, with a stray entry and a path escaping the
/// case: the first bundle is read, the rest reported, nothing reads as healthy silently.
#[test]
fn a_hostile_case_loses_only_its_bad_parts() {
    let good = std::fs::read(root().join("testdata/bundles/disk-full-eviction.tgz")).unwrap();
    let cut = &good[..good.len() / 2];
    let top = "kdiag-case-20261204T100000Z";
    let case_json = r#"{"format":"kdiag-case","format_version":1,"collector_version":"0.1.0","jump_host":"m1","started_at":"2026-12-04T10:00:00Z","finished_at":"2026-12-04T10:01:00Z","deadline_s":300,"args":[],"nodes":[{"target":"a","status":"ok","bundle":"kdiag-a-20261204T100001Z.tgz","seconds":1.0},{"target":"b","status":"ok","bundle":"kdiag-b-20261204T100001Z.tgz","seconds":1.0}]}"#.to_string();
    let tar = tar_bytes(&[
        (&format!("{top}/kdiag-a-20261204T100001Z.tgz"), &good),
        (&format!("{top}/kdiag-b-20261204T100001Z.tgz"), cut),
        (&format!("{top}/notes.txt"), b"hello"),
        (&format!("{top}/../../etc/x.tgz"), b"x"),
        (&format!("{top}/case.json"), case_json.as_bytes()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("kdiag-case-20261204T100000Z.tgz");
    std::fs::write(&p, gzip(&tar)).unwrap();
    let d = json_of(&[p.to_str().unwrap(), "--format", "json"]);
    let warnings: Vec<&str> = d["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let has = |s: &str| warnings.iter().any(|w| w.contains(s));
    assert!(has("notes.txt: skipped, not a .tgz bundle"), "{warnings:?}");
    assert!(has("x.tgz: skipped"), "{warnings:?}");
    assert!(has("truncated"), "the cut bundle says so: {warnings:?}");
    assert_eq!(d["cases"][0]["answered"], 2);
    assert!(!d["nodes"].as_array().unwrap().is_empty());
    assert!(
        d["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "disk-usage-high"),
        "the whole bundle was read"
    );
}
