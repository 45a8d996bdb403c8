//! docs/facts.schema.json and the fact-path table that ends docs/facts.md are generated from the
//! fact types; this fails when they are stale (`cargo xtask bless` rewrites them), and when a
//! `### facts.…` heading of the hand-written reference names a path the types do not have, or
//! when an area of the facts has no such heading.

mod common;

use common::assert_blessed;
use std::path::Path;

use kdiag_analyzer::facts::schema::{paths_markdown, schema_json, FactTree};

const BEGIN: &str = "<!-- facts paths: generated begin -->\n";
const END: &str = "<!-- facts paths: generated end -->";

fn doc_path(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

#[test]
fn facts_schema_json_is_current() {
    assert_blessed(
        &doc_path("docs/facts.schema.json"),
        &schema_json(),
        "docs/facts.schema.json is stale: run `cargo xtask bless`",
    );
}

#[test]
fn facts_md_path_table_is_current() {
    let path = doc_path("docs/facts.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = text
        .split_once(BEGIN)
        .expect("docs/facts.md has the begin marker");
    let (_, tail) = rest
        .split_once(END)
        .expect("docs/facts.md has the end marker");
    let want = format!("{head}{BEGIN}{}{END}{tail}", paths_markdown());
    assert_blessed(
        &path,
        &want,
        "docs/facts.md's fact-path table is stale: run `cargo xtask bless`",
    );
    for needed in [
        "`facts.kubelet.effective[SETTING]`",
        "`facts.network.mtu[KEY]`",
        "`facts.cluster.pods[].statuses[].restart_count`",
    ] {
        assert!(want.contains(needed), "{needed} not in the table");
    }
}

#[test]
fn every_reference_heading_is_a_fact() {
    let text = std::fs::read_to_string(doc_path("docs/facts.md")).unwrap();
    let tree = FactTree::new();
    let mut headings = 0;
    let mut named = std::collections::BTreeSet::new();
    for line in text.lines() {
        let Some(h) = line.strip_prefix("### ") else {
            continue;
        };
        for name in h.split(", ") {
            let segs: Vec<String> = name
                .strip_prefix("facts.")
                .unwrap_or_else(|| panic!("heading {h:?} is not a fact"))
                .split('.')
                .map(str::to_string)
                .collect();
            assert_eq!(tree.check(&segs), Ok(()), "docs/facts.md heading {name}");
            named.insert(segs[0].clone());
            headings += 1;
        }
    }
    assert!(headings >= 20, "only {headings} headings read");
    // And the other way: every area of the facts has its section in the reference.
    let schema: serde_json::Value = serde_json::from_str(&schema_json()).unwrap();
    let areas = schema["properties"]
        .as_object()
        .expect("the schema's root has properties");
    let missing: Vec<&String> = areas.keys().filter(|k| !named.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "docs/facts.md has no `### facts.…` section for {missing:?}"
    );
}
