//! One bundle per knowledge-base write-up (testdata/scenarios/<name>/) reproduces the whole case;
//! <name>.expect.yaml says which root cause must rank first (`top`), which consequences it must
//! explain through the findings' chain links (`chain`), and which other findings are expected
//! (`also`). Nothing else may fire at warning or above.

mod common;

use common::root;

use std::collections::{BTreeMap, BTreeSet};

use kdiag_analyzer::pipeline::{Case, Options};
use kdiag_analyzer::rules::{FindingKind, Lang, Severity};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    top: String,
    #[serde(default)]
    chain: Vec<String>,
    #[serde(default)]
    also: Vec<String>,
}

fn check(name: &str, lang: Lang) -> Vec<String> {
    let dir = root().join("testdata/scenarios");
    let expect: Expect = serde_yaml::from_str(
        &std::fs::read_to_string(dir.join(format!("{name}.expect.yaml"))).unwrap(),
    )
    .unwrap_or_else(|e| panic!("{name}.expect.yaml: {e}"));
    let doc = Case::analyze(&Options::new(vec![dir.join(name)], lang)).document;
    let mut problems = Vec::new();
    let fired: Vec<_> = doc
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Finding)
        .collect();
    let by_id: BTreeMap<&str, _> = fired.iter().map(|f| (f.rule.as_str(), *f)).collect();
    match fired.first() {
        Some(first) if first.rule == expect.top => {}
        Some(first) => problems.push(format!(
            "{name}: top finding is {} ({}), expected {}",
            first.rule,
            first.severity.as_str(),
            expect.top
        )),
        None => problems.push(format!("{name}: no finding at all")),
    }
    // Every chain member must be reachable from `top` through `explains` links of fired findings.
    let mut reach = BTreeSet::new();
    let mut todo = vec![expect.top.as_str()];
    while let Some(id) = todo.pop() {
        if let Some(f) = by_id.get(id) {
            for e in &f.explains {
                if reach.insert(e.as_str()) {
                    todo.push(e.as_str());
                }
            }
        }
    }
    for c in &expect.chain {
        if !by_id.contains_key(c.as_str()) {
            problems.push(format!("{name}: chain member {c} did not fire"));
        } else if !reach.contains(c.as_str()) {
            problems.push(format!(
                "{name}: {c} fired but is not explained by {}",
                expect.top
            ));
        }
    }
    for a in &expect.also {
        if !by_id.contains_key(a.as_str()) {
            problems.push(format!("{name}: expected {a} to fire"));
        }
    }
    let allowed: BTreeSet<&str> = std::iter::once(expect.top.as_str())
        .chain(expect.chain.iter().map(String::as_str))
        .chain(expect.also.iter().map(String::as_str))
        .collect();
    for f in &fired {
        if f.severity >= Severity::Warning && !allowed.contains(f.rule.as_str()) {
            problems.push(format!(
                "{name}: unexpected {} {}: {}",
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
        problems.push(format!("{name}: rule error {}: {}", f.rule, f.message));
    }
    problems
}

#[test]
fn every_scenario_diagnoses_its_write_up() {
    let mut names: Vec<String> = std::fs::read_dir(root().join("testdata/scenarios"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= 7, "scenarios: {names:?}");
    let mut problems = Vec::new();
    for n in &names {
        problems.extend(check(n, Lang::En));
        // The Chinese report must diagnose the same (and render every template).
        problems.extend(check(n, Lang::Zh));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
