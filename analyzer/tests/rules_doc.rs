//! docs/rules.md and docs/rules.zh.md are generated from rules/*.yaml; this fails when they are
//! stale. `KDIAG_BLESS=1 cargo test -p kdiag-analyzer --test rules_doc` rewrites them.

mod common;

use common::assert_blessed;
use std::path::Path;

use kdiag_analyzer::rules::{doc, Lang};

fn check(lang: Lang, rel: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    assert_blessed(
        &path,
        &doc::render(lang),
        &format!(
            "{rel} is stale: run `KDIAG_BLESS=1 cargo test -p kdiag-analyzer --test rules_doc`"
        ),
    );
}

#[test]
fn rules_md_is_current() {
    check(Lang::En, "docs/rules.md");
}

#[test]
fn rules_zh_md_is_current() {
    check(Lang::Zh, "docs/rules.zh.md");
}

#[test]
fn every_rule_has_a_section_in_both_documents() {
    for lang in [Lang::En, Lang::Zh] {
        let text = doc::render(lang);
        for (_, rule) in kdiag_analyzer::rules::load::embedded_files() {
            let id = kdiag_analyzer::rules::load::parse_rule(rule).unwrap().id;
            assert!(
                text.contains(&format!("\n## {id}\n")),
                "{id} missing ({lang:?})"
            );
        }
    }
}
