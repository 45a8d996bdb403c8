//! The shipped rules against their fixtures (testdata/rules/<id>/), plus meta-tests over all rules.
//!
//! For every rule: each `pos-*` case must give a finding of that rule, each `neg-*` case must not;
//! and no case may give any other finding at warning or above, except the ids listed for that case
//! in testdata/rules/<id>/expect.yaml. `KDIAG_RULE=<id>` limits the fixture test to one rule.

mod common;

use common::root;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use kdiag_analyzer::cli::{analyze_to_document, AnalyzeConfig};
use kdiag_analyzer::rules::load::embedded_files;
use kdiag_analyzer::rules::load::parse_rule;
use kdiag_analyzer::rules::{FindingKind, Lang, Severity};

fn analyze(paths: Vec<PathBuf>, lang: Lang) -> kdiag_analyzer::output::Document {
    analyze_to_document(&AnalyzeConfig::json(paths, lang)).0
}

fn shipped_rules() -> BTreeMap<String, kdiag_analyzer::rules::Rule> {
    embedded_files()
        .iter()
        .map(|(name, text)| {
            let r = parse_rule(text).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
            (r.id.clone(), r)
        })
        .collect()
}

/// case name -> other rule ids it may legitimately fire (warning or above).
fn expectations(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let p = dir.join("expect.yaml");
    let Ok(text) = std::fs::read_to_string(&p) else {
        return BTreeMap::new();
    };
    let v: BTreeMap<String, Vec<String>> =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    v.into_iter()
        .map(|(k, ids)| (k, ids.into_iter().collect()))
        .collect()
}

fn cases(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
        .filter(|(n, _)| n.starts_with("pos-") || n.starts_with("neg-"))
        .collect();
    out.sort();
    out
}

#[test]
fn every_rule_fires_on_its_positives_and_not_on_its_negatives() {
    let only = std::env::var("KDIAG_RULE").ok();
    let rules = shipped_rules();
    let mut failures = Vec::new();
    let mut checked = 0;
    for id in rules.keys() {
        if only.as_deref().is_some_and(|o| o != id) {
            continue;
        }
        let dir = root().join("testdata/rules").join(id);
        let expect = expectations(&dir);
        for (case, path) in cases(&dir) {
            checked += 1;
            let doc = analyze(vec![path.clone()], Lang::En);
            let fired: Vec<_> = doc
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::Finding)
                .collect();
            let has_it = fired.iter().any(|f| &f.rule == id);
            let positive = case.starts_with("pos-");
            if positive && !has_it {
                failures.push(format!("{id}/{case}: expected a finding of {id}, got none"));
            }
            if !positive && has_it {
                let f = fired.iter().find(|f| &f.rule == id).unwrap();
                failures.push(format!(
                    "{id}/{case}: must stay silent, but said: {}",
                    f.message
                ));
            }
            let allowed = expect.get(&case).cloned().unwrap_or_default();
            for f in &fired {
                if &f.rule != id && f.severity >= Severity::Warning && !allowed.contains(&f.rule) {
                    failures.push(format!(
                        "{id}/{case}: spurious {} finding {}: {}",
                        f.severity.as_str(),
                        f.rule,
                        f.message
                    ));
                }
            }
            for f in doc
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::RuleError)
            {
                failures.push(format!(
                    "{id}/{case}: rule error in {}: {}",
                    f.rule, f.message
                ));
            }
            for e in fired.iter().filter(|f| &f.rule == id) {
                if e.message.trim().is_empty() || e.message.contains("{{") {
                    failures.push(format!("{id}/{case}: bad message `{}`", e.message));
                }
            }
        }
    }
    assert!(checked > 0 || only.is_some(), "no fixture cases found");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_positive_and_a_negative_fixture() {
    let mut missing = Vec::new();
    for id in shipped_rules().keys() {
        let dir = root().join("testdata/rules").join(id);
        let names: Vec<String> = if dir.is_dir() {
            cases(&dir).into_iter().map(|c| c.0).collect()
        } else {
            vec![]
        };
        for kind in ["pos-", "neg-"] {
            if !names.iter().any(|n| n.starts_with(kind)) {
                missing.push(format!("{id}: no {kind}* fixture in testdata/rules/{id}/"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_catalog_id_ships_and_nothing_else() {
    let catalog: BTreeSet<String> =
        std::fs::read_to_string(root().join("testdata/catalog-ids.txt"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
    // The contract itself lives beside the repository (../shared); when it is there, the copy
    // in testdata/catalog-ids.txt must match it.
    if let Ok(text) = std::fs::read_to_string(root().join("../shared/rules-catalog.md")) {
        let live: BTreeSet<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" |").next())
            .filter(|id| {
                !id.is_empty()
                    && *id != "id"
                    && !id.starts_with("---")
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
            .map(str::to_string)
            .collect();
        assert_eq!(
            live, catalog,
            "testdata/catalog-ids.txt is stale against shared/rules-catalog.md"
        );
    }
    let shipped: BTreeSet<String> = shipped_rules().keys().cloned().collect();
    let missing: Vec<_> = catalog.difference(&shipped).collect();
    let extra: Vec<_> = shipped.difference(&catalog).collect();
    assert!(
        missing.is_empty(),
        "catalog ids without a rule: {missing:?}"
    );
    assert!(extra.is_empty(), "rules not in the catalog: {extra:?}");
    assert_eq!(catalog.len(), 52);
}

#[test]
fn every_rule_is_complete_bilingual_and_lints_clean() {
    let files: Vec<(String, String)> = embedded_files()
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let report = kdiag_analyzer::rules::lint(&files, &BTreeSet::new(), false);
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        problems.is_empty(),
        "lint problems:\n{}",
        problems.join("\n")
    );
    assert!(
        report.incomplete.is_empty(),
        "rules without when/items: {:?}",
        report.incomplete
    );
    for (id, r) in shipped_rules() {
        for (what, t) in [
            ("title", &r.title),
            ("why", &r.why),
            ("fix", &r.fix),
            ("message", r.message.as_ref().unwrap_or(&r.title)),
        ] {
            assert!(
                !t.en.trim().is_empty() && !t.zh.trim().is_empty(),
                "{id}: {what} needs en and zh"
            );
            assert!(
                t.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{id}: {what}.zh has no Chinese"
            );
        }
        assert!(!r.references.is_empty(), "{id}: no references");
    }
}
