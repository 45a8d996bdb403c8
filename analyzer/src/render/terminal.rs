//! The terminal summary: one line per finding, colored when asked to.

use std::io::Write;

use crate::findings::Document;
use crate::rules::{FindingKind, Severity};

const RESET: &str = "\x1b[0m";

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}{RESET}")
    } else {
        s.to_string()
    }
}

pub fn write(doc: &Document, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let multi = doc.nodes.len() > 1;
    let zh = doc.lang == "zh";
    for f in &doc.findings {
        let (tag, code) = match (f.kind, f.severity) {
            (FindingKind::RuleError, _) => ("ERROR", "35"),
            (FindingKind::NotCollected, _) => ("NOTE ", "2"),
            (_, Severity::Critical) => ("CRIT ", "1;31"),
            (_, Severity::Warning) => ("WARN ", "33"),
            (_, Severity::Info) => ("INFO ", "36"),
        };
        let mut line = format!("{} ", paint(color, code, tag));
        if multi {
            line.push_str(&format!("[{}] ", f.node));
        }
        line.push_str(&paint(color, "1", &f.rule));
        line.push_str(": ");
        line.push_str(f.message.lines().next().unwrap_or(""));
        if let Some(e) = f.evidence.first() {
            let at = match e.lines.first() {
                Some(l) => format!("{}:{}", e.path, l.n),
                None => e.path.clone(),
            };
            line.push_str(&paint(color, "2", &format!("  ({at})")));
        }
        if !f.explained_by.is_empty() {
            let label = if zh { "根因" } else { "caused by" };
            line.push_str(&paint(
                color,
                "2",
                &format!("  [{label}: {}]", f.explained_by.join(", ")),
            ));
        }
        writeln!(out, "{line}")?;
    }
    let count = |k: FindingKind, s: Option<Severity>| {
        doc.findings
            .iter()
            .filter(|f| f.kind == k && s.is_none_or(|s| f.severity == s))
            .count()
    };
    let (c, w, i) = (
        count(FindingKind::Finding, Some(Severity::Critical)),
        count(FindingKind::Finding, Some(Severity::Warning)),
        count(FindingKind::Finding, Some(Severity::Info)),
    );
    let (n, e) = (
        count(FindingKind::NotCollected, None),
        count(FindingKind::RuleError, None),
    );
    for w in &doc.warnings {
        writeln!(out, "{} {w}", paint(color, "33", "warning:"))?;
    }
    if zh {
        writeln!(
            out,
            "{} 个节点：{c} 个严重，{w} 个警告，{i} 个提示，{n} 条未采集说明，{e} 个规则错误",
            doc.nodes.len()
        )
    } else {
        writeln!(
            out,
            "{} node(s): {c} critical, {w} warning, {i} info, {n} not collected, {e} rule error(s)",
            doc.nodes.len()
        )
    }
}
