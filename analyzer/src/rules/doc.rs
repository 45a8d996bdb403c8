//! docs/rules.md (English) and docs/rules.zh.md (Chinese), generated from the embedded rule
//! files: id, severity, what it detects, why it happens, how to fix it, references.
//! `analyze rules doc --lang en|zh` prints one; a test fails when the committed files are stale.

use std::fmt::Write as _;

use super::load::{embedded_files, parse_rule};
use super::model::{Lang, Rule, Severity};

/// The rules document in `lang`, from the embedded rules (sorted by severity, then id).
/// `analyze rules list`: one line per rule (id, severity, title), the most severe first.
pub fn list(rules: &[&Rule], lang: Lang) -> String {
    let mut rules = rules.to_vec();
    rules.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    let mut out = String::new();
    for r in rules {
        let _ = writeln!(
            out,
            "{:<32} {:<8} {}",
            r.id,
            r.severity.as_str(),
            r.title.get(lang)
        );
    }
    out
}

pub fn render(lang: Lang) -> String {
    let mut rules: Vec<Rule> = embedded_files()
        .iter()
        .filter_map(|(_, text)| parse_rule(text).ok())
        .collect();
    rules.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    let zh = lang == Lang::Zh;
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", if zh { "# 诊断规则" } else { "# Rules" });
    let _ = writeln!(
        s,
        "{}\n",
        if zh {
            "本文件由 `analyze rules doc --lang zh` 根据 rules/*.yaml 生成，请勿手工修改。"
        } else {
            "Generated from rules/*.yaml by `analyze rules doc --lang en`; do not edit by hand."
        }
    );
    let _ = writeln!(
        s,
        "| {} | {} | {} |\n| --- | --- | --- |",
        if zh { "规则" } else { "rule" },
        if zh { "级别" } else { "severity" },
        if zh { "检测内容" } else { "what" }
    );
    for r in &rules {
        let _ = writeln!(
            s,
            "| [`{}`](#{}) | {} | {} |",
            r.id,
            r.id,
            severity_name(r.severity, zh),
            r.title.get(lang).replace('|', "\\|")
        );
    }
    for r in &rules {
        let _ = writeln!(s, "\n## {}\n", r.id);
        let _ = writeln!(
            s,
            "**{}** · {}{}\n",
            severity_name(r.severity, zh),
            r.title.get(lang),
            if r.knowledge.is_empty() {
                String::new()
            } else {
                format!(
                    " · {} {}",
                    if zh { "知识库" } else { "knowledge base" },
                    r.knowledge.join(", ")
                )
            }
        );
        let _ = writeln!(
            s,
            "### {}\n\n{}\n",
            if zh { "原因" } else { "Why" },
            r.why.get(lang).trim()
        );
        let _ = writeln!(
            s,
            "### {}\n\n{}\n",
            if zh { "解决办法" } else { "Fix" },
            r.fix.get(lang).trim()
        );
        if !r.explains.is_empty() {
            let links: Vec<String> = r
                .explains
                .iter()
                .map(|e| format!("[`{e}`](#{e})"))
                .collect();
            let _ = writeln!(
                s,
                "{} {}\n",
                if zh { "可导致：" } else { "Explains:" },
                links.join(", ")
            );
        }
        if !r.references.is_empty() {
            let _ = writeln!(s, "### {}\n", if zh { "参考" } else { "References" });
            for reference in &r.references {
                let _ = writeln!(s, "- [{}]({})", reference.title, reference.url);
            }
        }
    }
    s
}

fn severity_name(s: Severity, zh: bool) -> &'static str {
    match (s, zh) {
        (Severity::Critical, false) => "critical",
        (Severity::Warning, false) => "warning",
        (Severity::Info, false) => "info",
        (Severity::Critical, true) => "严重",
        (Severity::Warning, true) => "警告",
        (Severity::Info, true) => "提示",
    }
}
