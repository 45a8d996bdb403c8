//! The shipped rules against their fixtures (testdata/rules/<id>/), one generated test per case,
//! plus meta-tests over all rules. The engines (en, zh) are built once for the whole binary.
//!
//! Each `pos-*` case must give a finding of its rule, each `neg-*` case must not; no case may give
//! another finding at warning or above, except the ids listed for it in
//! testdata/rules/<id>/expect.yaml; and a positive's rendered finding (en and zh) must equal the
//! snapshot beside it (`<case>.snap`). `cargo test -p kdiag-analyzer --test rules cgroup_driver`
//! runs one rule's cases; `cargo xtask bless` rewrites the snapshots.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{assert_blessed, root};
use kdiag_analyzer::findings::Document;
use kdiag_analyzer::pipeline::{Case, Loaded, Options};
use kdiag_analyzer::rules::load::{embedded_files, parse_rule};
use kdiag_analyzer::rules::{FindingKind, Lang, Rule, Severity};
use libtest_mimic::{Arguments, Failed, Trial};

fn engine(lang: Lang) -> &'static Loaded {
    static EN: OnceLock<Loaded> = OnceLock::new();
    static ZH: OnceLock<Loaded> = OnceLock::new();
    let cell = if lang == Lang::Zh { &ZH } else { &EN };
    cell.get_or_init(|| Loaded::new(None, lang))
}

/// One case: a loose file, a bundle folder, or (a folder named `*.case`) a folder whose
/// sub-folders are the bundles of several nodes analyzed together as one case.
fn analyze(path: &Path, lang: Lang) -> Document {
    let paths = if path.is_dir() && path.extension().is_some_and(|e| e == "case") {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        v.sort();
        v
    } else {
        vec![path.to_path_buf()]
    };
    Case::analyze_with(engine(lang), &Options::new(paths, lang)).document
}

fn shipped_rules() -> BTreeMap<String, Rule> {
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
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = rd
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
        .filter(|(n, _)| (n.starts_with("pos-") || n.starts_with("neg-")) && !n.ends_with(".snap"))
        .collect();
    out.sort();
    out
}

/// The finding of rule `id` as a reviewer reads it: severity, title, message, items, and (en)
/// the evidence lines and chain links.
fn rendered(id: &str, doc: &Document, lang: Lang, out: &mut String) {
    for f in doc
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Finding && f.rule == id)
    {
        let _ = writeln!(out, "[{:?}] {} | {}", lang, f.severity.as_str(), f.title);
        let _ = writeln!(out, "  message: {}", f.message);
        for i in &f.items {
            let at =
                i.at.as_ref()
                    .map(|a| format!(" ({}:{})", a.path, a.line))
                    .unwrap_or_default();
            let _ = writeln!(out, "  item: {}{at}", i.text);
        }
        if lang == Lang::En {
            for e in &f.evidence {
                let lines: Vec<String> = e.lines.iter().map(|l| l.n.to_string()).collect();
                let _ = writeln!(
                    out,
                    "  evidence: {} [{}] lines {} (count {})",
                    e.path,
                    e.label,
                    lines.join(","),
                    e.count
                );
            }
            if !f.explains.is_empty() || !f.explained_by.is_empty() {
                let _ = writeln!(
                    out,
                    "  explains: {:?} explained_by: {:?}",
                    f.explains, f.explained_by
                );
            }
        }
    }
}

fn check_case(id: &str, case: &str, path: &Path, allowed: &BTreeSet<String>) -> Result<(), Failed> {
    let doc = analyze(path, Lang::En);
    let mut failures = Vec::new();
    let fired: Vec<_> = doc
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Finding)
        .collect();
    let has_it = fired.iter().any(|f| f.rule == id);
    let positive = case.starts_with("pos-");
    if positive && !has_it {
        failures.push(format!("expected a finding of {id}, got none"));
    }
    if let Some(f) = fired.iter().find(|f| f.rule == id).filter(|_| !positive) {
        failures.push(format!("must stay silent, but said: {}", f.message));
    }
    for f in &fired {
        if f.rule != id && f.severity >= Severity::Warning && !allowed.contains(&f.rule) {
            failures.push(format!(
                "spurious {} finding {}: {}",
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
        failures.push(format!("rule error in {}: {}", f.rule, f.message));
    }
    for e in fired.iter().filter(|f| f.rule == id) {
        if e.message.trim().is_empty() || e.message.contains("{{") {
            failures.push(format!("bad message `{}`", e.message));
        }
    }
    if positive && failures.is_empty() {
        let mut text = String::new();
        rendered(id, &doc, Lang::En, &mut text);
        rendered(id, &analyze(path, Lang::Zh), Lang::Zh, &mut text);
        let snap = path.with_file_name(format!("{case}.snap"));
        if let Err(e) = std::panic::catch_unwind(|| {
            assert_blessed(
                &snap,
                &text,
                &format!(
                    "{} differs from the rendered finding (run `cargo xtask bless` if the change is meant):\n{text}",
                    snap.display()
                ),
            )
        }) {
            failures.push(common::panic_message(&e));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{id}/{case}:\n  {}", failures.join("\n  ")).into())
    }
}

/// Rule ids of a catalog file: the first cell of its table rows.
fn catalog_ids(text: &str) -> BTreeSet<String> {
    text.lines()
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
        .collect()
}

fn every_rule_has_a_positive_and_a_negative_fixture() -> Result<(), Failed> {
    let mut missing = Vec::new();
    for id in shipped_rules().keys() {
        let names: Vec<String> = cases(&root().join("testdata/rules").join(id))
            .into_iter()
            .map(|c| c.0)
            .collect();
        for kind in ["pos-", "neg-"] {
            if !names.iter().any(|n| n.starts_with(kind)) {
                missing.push(format!("{id}: no {kind}* fixture in testdata/rules/{id}/"));
            }
        }
    }
    ok_if(missing)
}

/// The catalogs (../shared/rules-catalog*.md) are the contract; testdata/catalog-ids.txt is the
/// copy kept in the repository for machines without shared/. Every id of the copy ships as a
/// rule, and no rule ships outside it.
fn every_catalog_id_ships_and_nothing_else() -> Result<(), Failed> {
    let copy: BTreeSet<String> = std::fs::read_to_string(root().join("testdata/catalog-ids.txt"))
        .map_err(|e| format!("testdata/catalog-ids.txt: {e}"))?
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let mut problems = Vec::new();
    let mut live = BTreeSet::new();
    for file in ["rules-catalog.md", "rules-catalog-field.md"] {
        match std::fs::read_to_string(root().join("../shared").join(file)) {
            Ok(text) => live.extend(catalog_ids(&text)),
            Err(e) if std::env::var_os("CI").is_some() => {
                problems.push(format!("../shared/{file}: {e} (CI must have the catalogs)"))
            }
            Err(_) => eprintln!("note: ../shared/{file} not found; checking the copy only"),
        }
    }
    if !live.is_empty() {
        // The copy lists the shipped part of the catalogs; an id of the copy must be in one.
        for id in copy.difference(&live) {
            problems.push(format!("testdata/catalog-ids.txt has {id}, in no catalog"));
        }
    }
    let shipped: BTreeSet<String> = shipped_rules().keys().cloned().collect();
    for id in copy.difference(&shipped) {
        problems.push(format!("catalog id without a rule: {id}"));
    }
    for id in shipped.difference(&copy) {
        problems.push(format!(
            "rule not in testdata/catalog-ids.txt: {id} (`cargo xtask new-rule` adds it)"
        ));
    }
    for id in live.difference(&copy) {
        eprintln!("note: catalog id not shipped yet: {id}");
    }
    ok_if(problems)
}

fn every_rule_is_complete_bilingual_and_lints_clean() -> Result<(), Failed> {
    let files: Vec<(String, String)> = embedded_files()
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let report = kdiag_analyzer::rules::lint(&files, &BTreeSet::new(), false);
    let mut problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    for r in &report.incomplete {
        problems.push(format!("{r}: no when/items"));
    }
    for (id, r) in shipped_rules() {
        for (what, t) in [
            ("title", &r.title),
            ("why", &r.why),
            ("fix", &r.fix),
            ("message", r.message.as_ref().unwrap_or(&r.title)),
        ] {
            if t.en.trim().is_empty() || t.zh.trim().is_empty() {
                problems.push(format!("{id}: {what} needs en and zh"));
            } else if !t.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                problems.push(format!("{id}: {what}.zh has no Chinese"));
            }
        }
        if r.references.is_empty() {
            problems.push(format!("{id}: no references"));
        }
    }
    ok_if(problems)
}

fn ok_if(problems: Vec<String>) -> Result<(), Failed> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test(
            "meta::every_rule_has_a_positive_and_a_negative_fixture",
            every_rule_has_a_positive_and_a_negative_fixture,
        ),
        Trial::test(
            "meta::every_catalog_id_ships_and_nothing_else",
            every_catalog_id_ships_and_nothing_else,
        ),
        Trial::test(
            "meta::every_rule_is_complete_bilingual_and_lints_clean",
            every_rule_is_complete_bilingual_and_lints_clean,
        ),
    ];
    for id in shipped_rules().into_keys() {
        let dir = root().join("testdata/rules").join(&id);
        let expect = expectations(&dir);
        for (case, path) in cases(&dir) {
            let allowed = expect.get(&case).cloned().unwrap_or_default();
            let name = format!("{}::{}", id.replace('-', "_"), case);
            let id = id.clone();
            trials.push(Trial::test(name, move || {
                check_case(&id, &case, &path, &allowed)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
