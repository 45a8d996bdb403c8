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
    write_differences(doc, color, out)?;
    for case in &doc.cases {
        let head = if zh {
            format!(
                "案例 {}：询问 {} 个节点，{} 个返回了采集包",
                case.archive, case.asked, case.answered
            )
        } else {
            format!(
                "case {}: {} node(s) asked, {} answered",
                case.archive, case.asked, case.answered
            )
        };
        writeln!(out, "{}", paint(color, "1", &head))?;
        for n in &case.nodes {
            let detail = n
                .bundle
                .iter()
                .chain(&n.reason)
                .cloned()
                .collect::<Vec<_>>()
                .join(": ");
            writeln!(
                out,
                "  {} {} {:.1}s {detail}",
                n.target, n.status, n.seconds
            )?;
        }
    }
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

/// The settings that differ between the bundle nodes, one line each.
fn write_differences(doc: &Document, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    if doc.differences.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = doc
        .nodes
        .iter()
        .filter(|n| n.kind == "bundle")
        .map(|n| n.name.as_str())
        .collect();
    let head = if doc.lang == "zh" {
        format!("节点之间的差异（{} 项）：", doc.differences.len())
    } else {
        format!(
            "differences between the {} nodes ({} setting(s)):",
            names.len(),
            doc.differences.len()
        )
    };
    writeln!(out, "{}", paint(color, "1", &head))?;
    for d in &doc.differences {
        let values: Vec<String> = names
            .iter()
            .zip(&d.values)
            .map(|(n, v)| format!("{n}={}", v.as_deref().unwrap_or("-")))
            .collect();
        writeln!(
            out,
            "  {} {}: {}{}",
            d.area,
            d.key,
            values.join("  "),
            paint(color, "2", &format!("  ({})", d.path))
        )?;
    }
    Ok(())
}
