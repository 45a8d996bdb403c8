//! A snapshot of each rule's rendered finding on its positive fixtures (English and Chinese), so a
//! change to a rule's wording, captured values or evidence shows up in review.
//! Re-bless: `INSTA_UPDATE=always cargo test -p kdiag-analyzer --test rule_snapshots`.

mod common;

use common::root;

use std::fmt::Write as _;
use std::path::Path;

use kdiag_analyzer::cli::{analyze_to_document, AnalyzeConfig};
use kdiag_analyzer::rules::load::{embedded_files, parse_rule};
use kdiag_analyzer::rules::{FindingKind, Lang};

fn render(id: &str, case: &Path, lang: Lang, out: &mut String) {
    let (doc, _) = analyze_to_document(&AnalyzeConfig::json(vec![case.to_path_buf()], lang));
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

#[test]
fn rendered_findings_of_every_rule() {
    let only = std::env::var("KDIAG_RULE").ok();
    for (_, text) in embedded_files() {
        let id = parse_rule(text).unwrap().id;
        if only.as_deref().is_some_and(|o| o != id) {
            continue;
        }
        let dir = root().join("testdata/rules").join(&id);
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("pos-"))
            .collect();
        cases.sort();
        let mut out = String::new();
        for case in &cases {
            let _ = writeln!(out, "== {}", case.file_name().unwrap().to_string_lossy());
            render(&id, case, Lang::En, &mut out);
            render(&id, case, Lang::Zh, &mut out);
        }
        insta::with_settings!({ snapshot_path => "snapshots/rules", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(id.as_str(), out);
        });
    }
}
