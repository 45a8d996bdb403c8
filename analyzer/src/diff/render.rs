//! The diff as text: terminal, Markdown, JSON, and HTML (the Markdown rendered into one offline
//! page).

use std::fmt::Write as _;

use super::{Change, Diff, FindingRef};
use crate::rules::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    Terminal,
    Md,
    Json,
    Html,
}

pub fn render(d: &Diff, format: DiffFormat, lang: Lang) -> String {
    match format {
        DiffFormat::Json => serde_json::to_string_pretty(d).unwrap_or_default() + "\n",
        DiffFormat::Md => markdown(d, lang),
        DiffFormat::Terminal => terminal(d, lang),
        DiffFormat::Html => html(d, lang),
    }
}

struct Words {
    title: &'static str,
    appeared: &'static str,
    cleared: &'static str,
    stayed: &'static str,
    changed: &'static str,
    none: &'static str,
    not_there: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Zh => Words {
            title: "kdiag 对比",
            appeared: "新出现的结论",
            cleared: "已消除的结论",
            stayed: "仍然存在的结论",
            changed: "配置变化",
            none: "无",
            not_there: "（无）",
        },
        Lang::En => Words {
            title: "kdiag diff",
            appeared: "Findings that appeared",
            cleared: "Findings that were cleared",
            stayed: "Findings that stayed",
            changed: "Configuration that changed",
            none: "none",
            not_there: "(absent)",
        },
    }
}

fn side_line(label: &str, s: &super::Side) -> String {
    format!(
        "{label}: {} (node {}{})",
        s.path,
        s.node,
        s.collected_at
            .as_deref()
            .map(|t| format!(", collected {t}"))
            .unwrap_or_default()
    )
}

fn finding_line(f: &FindingRef) -> String {
    format!("[{}] {}: {}", f.severity.as_str(), f.rule, f.message)
}

fn change_line(c: &Change, w: &Words) -> String {
    format!(
        "{} {}: {} -> {} ({})",
        c.area,
        c.key,
        c.old.as_deref().unwrap_or(w.not_there),
        c.new.as_deref().unwrap_or(w.not_there),
        c.path
    )
}

fn terminal(d: &Diff, lang: Lang) -> String {
    let w = words(lang);
    let mut s = format!(
        "{}\n{}\n{}\n",
        w.title,
        side_line("OLD", &d.old),
        side_line("NEW", &d.new)
    );
    for warning in &d.warnings {
        let _ = writeln!(s, "warning: {warning}");
    }
    for (title, list) in [
        (w.appeared, &d.appeared),
        (w.cleared, &d.cleared),
        (w.stayed, &d.stayed),
    ] {
        let _ = writeln!(s, "\n{title} ({}):", list.len());
        if list.is_empty() {
            let _ = writeln!(s, "  {}", w.none);
        }
        for f in list {
            let _ = writeln!(s, "  {}", finding_line(f));
        }
    }
    let _ = writeln!(s, "\n{} ({}):", w.changed, d.changes.len());
    if d.changes.is_empty() {
        let _ = writeln!(s, "  {}", w.none);
    }
    for c in &d.changes {
        let _ = writeln!(s, "  {}", change_line(c, &w));
    }
    let _ = writeln!(s, "\n({})", d.thresholds);
    s
}

fn md_escape(t: &str) -> String {
    t.replace('|', "\\|")
        .replace('<', "\\<")
        .replace('*', "\\*")
}

fn markdown(d: &Diff, lang: Lang) -> String {
    let w = words(lang);
    let mut s = format!(
        "## {}\n\n- {}\n- {}\n",
        w.title,
        md_escape(&side_line("OLD", &d.old)),
        md_escape(&side_line("NEW", &d.new))
    );
    for warning in &d.warnings {
        let _ = writeln!(s, "- warning: {}", md_escape(warning));
    }
    for (title, list) in [
        (w.appeared, &d.appeared),
        (w.cleared, &d.cleared),
        (w.stayed, &d.stayed),
    ] {
        let _ = writeln!(s, "\n### {title} ({})\n", list.len());
        if list.is_empty() {
            let _ = writeln!(s, "{}", w.none);
        }
        for f in list {
            let _ = writeln!(
                s,
                "- **{}** `{}`: {}",
                f.severity.as_str(),
                f.rule,
                md_escape(&f.message)
            );
        }
    }
    let _ = writeln!(s, "\n### {} ({})\n", w.changed, d.changes.len());
    if d.changes.is_empty() {
        let _ = writeln!(s, "{}", w.none);
    } else {
        s.push_str("| area | key | OLD | NEW | path |\n| --- | --- | --- | --- | --- |\n");
        for c in &d.changes {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | `{}` |",
                md_escape(&c.area),
                md_escape(&c.key),
                md_escape(c.old.as_deref().unwrap_or(w.not_there)),
                md_escape(c.new.as_deref().unwrap_or(w.not_there)),
                c.path
            );
        }
    }
    let _ = writeln!(s, "\n_{}_", d.thresholds);
    s
}

fn html(d: &Diff, lang: Lang) -> String {
    let md = markdown(d, lang);
    let mut body = String::new();
    let opts = pulldown_cmark::Options::ENABLE_TABLES;
    // Raw HTML in the text is escaped, as in the report.
    let events = pulldown_cmark::Parser::new_ext(&md, opts).map(|e| match e {
        pulldown_cmark::Event::Html(t) | pulldown_cmark::Event::InlineHtml(t) => {
            pulldown_cmark::Event::Text(t)
        }
        other => other,
    });
    pulldown_cmark::html::push_html(&mut body, events);
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>kdiag diff</title>\
         <style>body{{font-family:sans-serif;max-width:70rem;margin:2rem auto}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}}</style></head>\n<body>\n{body}</body></html>\n",
        match lang {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    )
}
