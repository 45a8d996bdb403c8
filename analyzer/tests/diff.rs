//! `analyze diff OLD NEW` on a scenario node before and after its fix (testdata/diff/README.md):
//! the cleared findings and the changes that made the fix, and nothing else.

mod common;

use common::{analyze, root};

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_fix_and_the_findings_it_cleared_and_nothing_else() {
    let before = root().join("testdata/scenarios/disk-full-eviction");
    let after = root().join("testdata/diff/disk-full-fixed");
    let o = analyze(&[
        "diff",
        before.to_str().unwrap(),
        after.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let d = json(&o);
    assert_eq!(o.status.code(), Some(0), "nothing appeared: {d}");
    assert!(ids(&d["appeared"]).is_empty(), "{}", d["appeared"]);
    let cleared = ids(&d["cleared"]);
    for id in [
        "disk-usage-high",
        "node-disk-pressure-eviction",
        "image-pull-backoff",
    ] {
        assert!(
            cleared.contains(&id.to_string()),
            "{id} cleared: {cleared:?}"
        );
    }
    let changes: Vec<String> = d["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {} -> {} ({})",
                c["area"].as_str().unwrap(),
                c["key"].as_str().unwrap(),
                c["old"].as_str().unwrap_or("-"),
                c["new"].as_str().unwrap_or("-"),
                c["path"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            "kubelet flags eviction-hard nodefs.available<1% -> nodefs.available<10%,memory.available<100Mi,imagefs.available<15% (node/kubelet/cmdline.txt)",
            "disk use / 100% -> 62% (node/disk/df.txt)",
        ],
        "{changes:#?}"
    );
    assert!(d["thresholds"]
        .as_str()
        .unwrap()
        .contains("10 percentage points"));
}

#[test]
fn every_format_renders_and_bad_input_and_other_nodes_are_said() {
    let a = root().join("testdata/scenarios/disk-full-eviction");
    let b = root().join("testdata/diff/disk-full-fixed");
    for (format, marker) in [
        ("terminal", "Findings that were cleared"),
        ("md", "### Configuration that changed"),
        ("html", "<table>"),
    ] {
        let o = analyze(&[
            "diff",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            format,
        ]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(marker), "{format}: {out}");
    }
    let o = analyze(&[
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--lang",
        "zh",
    ]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("已消除的结论"));
    // A missing input: exit 3, named.
    let o = analyze(&["diff", a.to_str().unwrap(), "/nonexistent/bundle.tgz"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/bundle.tgz"));
    // Two different nodes: compared all the same, with a warning.
    let other = root().join("testdata/foreign/troubleshoot-sbctl");
    let o = analyze(&[
        "diff",
        a.to_str().unwrap(),
        other.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("different nodes"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!ids(&json(&o)["appeared"]).is_empty());
}
