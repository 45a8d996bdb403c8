//! The reports a support engineer attaches to a ticket: one self-contained HTML file and a short
//! Markdown summary, rendered with minijinja from report-templates/ (embedded; `--templates DIR`
//! overrides them by file name). See docs/report.md.
//!
//! Architecture invariant: nothing taken from a bundle is ever marked safe. The HTML template is
//! auto-escaped; the only safe-marked strings are the `md` filter's output (raw HTML in the
//! markdown becomes text) and numbers laid out here.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, Value};
use serde::Serialize;

use crate::findings::{Document, NodeSummary};
use crate::rules::{Finding, FindingKind, Severity};
use crate::texts::node::Node;
use crate::units::time;

use super::md;
use super::timeline::Timeline;
pub use crate::findings::FactsSummary;
use crate::texts::timeline::Counts;

/// The embedded templates, by file name.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "report.html",
        include_str!("../../../report-templates/report.html"),
    ),
    (
        "report.css",
        include_str!("../../../report-templates/report.css"),
    ),
    (
        "report.md",
        include_str!("../../../report-templates/report.md"),
    ),
];

/// What the report needs of a node beyond the findings document, read while the node is loaded.
#[derive(Debug, Clone, Default)]
pub struct NodeData {
    pub name: String,
    pub counts: Counts,
    /// Manifest `since`..`collected_at`, unix seconds.
    pub window: Option<(i64, i64)>,
    pub reference: Option<i64>,
    /// Manifest items that are not `ok`.
    pub uncollected: Vec<Uncollected>,
    pub is_bundle: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Uncollected {
    pub path: String,
    pub source: String,
    pub status: String,
    /// First line of the item's stderr (the reason), cut to 300 characters.
    pub reason: String,
}

impl NodeData {
    pub fn of(node: &Node) -> NodeData {
        let m = node.manifest.as_ref();
        let since = m.and_then(|m| time::parse_rfc3339(&m.since));
        let at = m.and_then(|m| time::parse_rfc3339(&m.collected_at));
        let is_bundle = node.kind == crate::texts::node::InputKind::Bundle;
        NodeData {
            name: node.name.clone(),
            counts: if is_bundle {
                Counts::of(node, at)
            } else {
                Counts::default()
            },
            window: since.zip(at),
            reference: at,
            uncollected: m
                .map(|m| {
                    m.items
                        .iter()
                        .filter(|i| i.status != kdiag_bundle::Status::Ok)
                        .map(|i| Uncollected {
                            path: i.path.clone(),
                            source: i.source.clone(),
                            status: i.status.as_str().to_string(),
                            reason: first_line(&i.stderr, 300),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            is_bundle,
        }
    }
}

fn first_line(s: &str, max: usize) -> String {
    let l = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if l.chars().count() > max {
        format!("{}…", l.chars().take(max).collect::<String>())
    } else {
        l.to_string()
    }
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Html,
    Markdown,
}

impl Kind {
    pub fn template(self) -> &'static str {
        match self {
            Kind::Html => "report.html",
            Kind::Markdown => "report.md",
        }
    }
}

#[derive(Serialize)]
struct Link {
    index: usize,
    rule: String,
    title: String,
}

#[derive(Serialize)]
struct FindingView<'a> {
    index: usize,
    /// Every finding this one leads to, directly or through others, in chain order, with depth.
    chain: Vec<(usize, Link)>,
    /// Distinct evidence paths, in order.
    evidence_paths: Vec<String>,
    #[serde(flatten)]
    f: &'a Finding,
    causes: Vec<Link>,
    /// The root causes behind `causes`: followed up the explain links to findings nothing
    /// explains (a hung runtime for NotReady, not the PLEG finding in between).
    roots: Vec<Link>,
    consequences: Vec<Link>,
    /// Evidence time span, `2026-11-21 10:00` UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<(String, String)>,
}

#[derive(Serialize)]
struct Group<'a> {
    severity: &'static str,
    findings: Vec<&'a FindingView<'a>>,
}

#[derive(Serialize)]
struct NodeView<'a> {
    #[serde(flatten)]
    summary: &'a NodeSummary,
    since: Option<String>,
    timeline: Option<Timeline>,
    uncollected: Vec<Uncollected>,
    notes: Vec<&'a FindingView<'a>>,
    /// Findings of this node by severity: [critical, warning, info].
    counts: [usize; 3],
}

#[derive(Serialize, Default)]
struct Counts3 {
    critical: usize,
    warning: usize,
    info: usize,
    not_collected: usize,
    rule_error: usize,
}

/// Renders one report of the document. `data` is per node, in the document's node order.
pub fn render(
    kind: Kind,
    doc: &Document,
    data: &[NodeData],
    templates: Option<&Path>,
) -> Result<String, String> {
    let env = environment(templates)?;
    let ctx = context(doc, data);
    let tmpl = env
        .get_template(kind.template())
        .map_err(|e| format!("template {}: {e}", kind.template()))?;
    tmpl.render(ctx)
        .map_err(|e| format!("template {}: {e:#}", kind.template()))
}

fn environment(dir: Option<&Path>) -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    for (name, text) in TEMPLATES {
        let text = match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
            Some(p) => std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?,
            None => text.to_string(),
        };
        env.add_template_owned(name.to_string(), text)
            .map_err(|e| format!("template {name}: {e:#}"))?;
    }
    // minijinja's HTML escaping also escapes `/` (`&#x2f;`): correct but it makes every path
    // unreadable in the source and the snapshots. Strings get the five characters that matter.
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() {
            if let Some(s) = value.as_str() {
                return out
                    .write_str(&escape_html(s))
                    .map_err(|_| minijinja::Error::from(minijinja::ErrorKind::WriteFailure));
            }
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.add_filter("md", |s: String| Value::from_safe_string(md::to_html(&s)));
    env.add_filter("md_cell", |s: String| md::cell(&s));
    env.add_filter("md_text", |s: String| md::inline(&s));
    env.add_filter("fence", |s: String| md::fence(&s));
    env.add_filter("kib", |v: Value| human_kib(v.as_i64().unwrap_or(0)));
    env.add_filter("clip", |s: String, n: Option<usize>| {
        let n = n.unwrap_or(200);
        if s.chars().count() > n {
            format!("{}…", s.chars().take(n).collect::<String>())
        } else {
            s
        }
    });
    Ok(env)
}

/// Escapes text for HTML content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn human_kib(kib: i64) -> String {
    let units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = kib as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v >= 100.0 {
        format!("{v:.0} {}", units[u])
    } else {
        format!("{v:.1} {}", units[u])
    }
}

fn context(doc: &Document, data: &[NodeData]) -> Value {
    let index_of: BTreeMap<(&str, &str), usize> = doc
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FindingKind::Finding)
        .map(|(i, f)| ((f.node.as_str(), f.rule.as_str()), i + 1))
        .collect();
    let link = |node: &str, rule: &String| {
        let index = index_of.get(&(node, rule.as_str())).copied().unwrap_or(0);
        let title = doc
            .findings
            .get(index.wrapping_sub(1))
            .map(|f| f.title.clone())
            .unwrap_or_default();
        Link {
            index,
            rule: rule.clone(),
            title,
        }
    };
    let reference_of = |node: &str| {
        data.iter()
            .find(|d| d.name == node)
            .and_then(|d| d.reference)
    };
    let views: Vec<FindingView> = doc
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| FindingView {
            index: i + 1,
            chain: chain_of(doc, f, &link),
            evidence_paths: {
                let mut v: Vec<String> = Vec::new();
                for e in &f.evidence {
                    if !v.contains(&e.path) {
                        v.push(e.path.clone());
                    }
                }
                v
            },
            f,
            causes: f.explained_by.iter().map(|r| link(&f.node, r)).collect(),
            roots: roots_of(doc, f, &link),
            consequences: f.explains.iter().map(|r| link(&f.node, r)).collect(),
            span: super::timeline::finding_span(f, reference_of(&f.node)).map(|(a, b)| {
                let l = |t: i64| {
                    let s = time::iso(t);
                    format!("{} {}", &s[..10], &s[11..16])
                };
                (l(a), l(b))
            }),
        })
        .collect();
    let real = |s: Severity| {
        views
            .iter()
            .filter(|v| v.f.kind == FindingKind::Finding && v.f.severity == s)
            .collect::<Vec<_>>()
    };
    let groups: Vec<Group> = [
        ("critical", Severity::Critical),
        ("warning", Severity::Warning),
        ("info", Severity::Info),
    ]
    .into_iter()
    .map(|(name, s)| Group {
        severity: name,
        findings: real(s),
    })
    .filter(|g| !g.findings.is_empty())
    .collect();
    let mut counts = Counts3::default();
    for f in &doc.findings {
        match (f.kind, f.severity) {
            (FindingKind::Finding, Severity::Critical) => counts.critical += 1,
            (FindingKind::Finding, Severity::Warning) => counts.warning += 1,
            (FindingKind::Finding, Severity::Info) => counts.info += 1,
            (FindingKind::NotCollected, _) => counts.not_collected += 1,
            (FindingKind::RuleError, _) => counts.rule_error += 1,
        }
    }
    // Root causes: real findings above info that nothing else explains, in document order.
    let top_causes: Vec<&FindingView> = views
        .iter()
        .filter(|v| {
            v.f.kind == FindingKind::Finding
                && v.f.severity > Severity::Info
                && v.f.explained_by.is_empty()
        })
        .take(3)
        .collect();
    let nodes: Vec<NodeView> = doc
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            // Same order as the document's nodes (two bundles may carry the same hostname).
            let d = if data.len() == doc.nodes.len() {
                data.get(i)
            } else {
                data.iter().find(|d| d.name == n.name)
            };
            let mine: Vec<(usize, &Finding)> = views
                .iter()
                .filter(|v| v.f.node == n.name && v.f.kind == FindingKind::Finding)
                .map(|v| (v.index, v.f))
                .collect();
            let mut c = [0usize; 3];
            for (_, f) in &mine {
                c[match f.severity {
                    Severity::Critical => 0,
                    Severity::Warning => 1,
                    Severity::Info => 2,
                }] += 1;
            }
            NodeView {
                summary: n,
                since: d.and_then(|d| d.window).map(|(s, _)| time::iso(s)),
                timeline: d.and_then(|d| Timeline::layout(&d.counts, d.window, d.reference, &mine)),
                uncollected: d.map(|d| d.uncollected.clone()).unwrap_or_default(),
                notes: views
                    .iter()
                    .filter(|v| v.f.node == n.name && v.f.kind == FindingKind::NotCollected)
                    .collect(),
                counts: c,
            }
        })
        .collect();
    let notes: Vec<&FindingView> = views
        .iter()
        .filter(|v| v.f.kind == FindingKind::NotCollected)
        .collect();
    let errors: Vec<&FindingView> = views
        .iter()
        .filter(|v| v.f.kind == FindingKind::RuleError)
        .collect();
    let real_findings: Vec<&FindingView> = views
        .iter()
        .filter(|v| v.f.kind == FindingKind::Finding)
        .collect();
    let verdict = if counts.critical > 0 {
        "critical"
    } else if counts.warning > 0 {
        "warning"
    } else if counts.info > 0 {
        // no alarm, but findings to read: never "no problem found" above a finding
        "info"
    } else if !doc.nodes.is_empty() && doc.nodes.iter().all(|n| n.recognized == Some(false)) {
        // a paste no reader knew: no finding is no verdict on the node
        "unread"
    } else {
        "ok"
    };
    minijinja::context! {
        lang => doc.lang.clone(),
        t => Value::from_serialize(strings(&doc.lang)),
        analyzer => doc.analyzer.clone(),
        verdict => verdict,
        counts => Value::from_serialize(&counts),
        top_causes => Value::from_serialize(&top_causes),
        groups => Value::from_serialize(&groups),
        findings => Value::from_serialize(&real_findings),
        notes => Value::from_serialize(&notes),
        errors => Value::from_serialize(&errors),
        nodes => Value::from_serialize(&nodes),
        multi_node => doc.nodes.len() > 1,
        warnings => doc.warnings.clone(),
        differences => Value::from_serialize(&doc.differences),
        diff_nodes => doc.nodes.iter().filter(|n| n.kind == "bundle").map(|n| n.name.clone()).collect::<Vec<_>>(),
        cases => Value::from_serialize(&doc.cases),
    }
}

/// The consequences of `f`, depth first, each once (depth 1 = explained directly by `f`).
fn roots_of(doc: &Document, f: &Finding, link: &dyn Fn(&str, &String) -> Link) -> Vec<Link> {
    let mut roots: Vec<Link> = Vec::new();
    let mut seen = vec![f.rule.clone()];
    let mut stack: Vec<&String> = f.explained_by.iter().rev().collect();
    while let Some(rule) = stack.pop() {
        if seen.contains(rule) {
            continue;
        }
        seen.push(rule.clone());
        let up = doc
            .findings
            .iter()
            .find(|g| g.node == f.node && &g.rule == rule && g.kind == FindingKind::Finding)
            .map(|g| &g.explained_by)
            .filter(|e| !e.is_empty());
        match up {
            Some(e) => stack.extend(e.iter().rev()),
            None => roots.push(link(&f.node, rule)),
        }
    }
    roots.sort_by_key(|l| l.index);
    roots
}

fn chain_of(
    doc: &Document,
    f: &Finding,
    link: &dyn Fn(&str, &String) -> Link,
) -> Vec<(usize, Link)> {
    let mut out: Vec<(usize, Link)> = Vec::new();
    let mut stack: Vec<(usize, &String)> = f.explains.iter().rev().map(|r| (1, r)).collect();
    let mut seen = vec![f.rule.clone()];
    while let Some((depth, rule)) = stack.pop() {
        if seen.contains(rule) || depth > 8 {
            continue;
        }
        seen.push(rule.clone());
        out.push((depth, link(&f.node, rule)));
        if let Some(next) = doc
            .findings
            .iter()
            .find(|g| g.node == f.node && &g.rule == rule && g.kind == FindingKind::Finding)
        {
            stack.extend(next.explains.iter().rev().map(|r| (depth + 1, r)));
        }
    }
    out
}

/// The report's fixed texts, by key, in the document's language.
fn strings(lang: &str) -> BTreeMap<&'static str, &'static str> {
    let zh = lang == "zh";
    STRINGS
        .iter()
        .map(|(k, en, z)| (*k, if zh { *z } else { *en }))
        .collect()
}

const STRINGS: &[(&str, &str, &str)] = &[
    ("title", "kdiag report", "kdiag 诊断报告"),
    ("verdict_critical", "Critical problems found", "发现严重问题"),
    ("verdict_warning", "Warnings found", "发现警告"),
    ("verdict_info", "No alarm: informational findings to check", "无告警：有提示信息需要查看"),
    (
        "verdict_unread",
        "No finding, but no log, command output or object kdiag reads was found in the input: no verdict on the node",
        "没有发现问题，但输入中没有 kdiag 能读取的日志、命令输出或对象：这不代表节点正常",
    ),
    ("verdict_ok", "No problem found by the rules", "规则未发现问题"),
    ("critical", "critical", "严重"),
    ("warning", "warning", "警告"),
    ("info", "info", "提示"),
    ("critical_h", "Critical", "严重"),
    ("warning_h", "Warnings", "警告"),
    ("info_h", "Information", "提示"),
    ("legend_critical", "breaks the node or its pods now", "正在导致节点或 Pod 故障"),
    ("legend_warning", "will break things or explains a symptom", "会导致故障，或可解释某个现象"),
    ("legend_info", "worth knowing", "值得了解"),
    ("not_collected_n", "not collected", "未采集"),
    ("rule_errors_n", "rule errors", "规则错误"),
    ("start_here", "Start here: root causes", "从这里开始：根因"),
    ("start_here_hint", "Fix these first; the findings listed under each are their consequences.", "请先处理这些问题；其下列出的发现是它们引起的后果。"),
    ("no_cause", "No finding above info.", "没有高于提示级别的发现。"),
    ("leads_to", "leads to", "导致"),
    ("caused_by", "Caused by", "根因"),
    ("consequences", "Consequences", "后果"),
    ("nodes", "Nodes", "节点"),
    ("node", "Node", "节点"),
    ("collected_at", "collected", "采集时间"),
    ("window", "log window", "日志时间窗"),
    ("files", "files", "个文件"),
    ("findings", "Findings", "发现"),
    ("finding", "finding", "发现"),
    ("why", "Why", "原因"),
    ("fix_root_first", "fix the root cause first", "请先修复根因"),
    ("fix", "Fix", "修复"),
    ("evidence", "Evidence", "证据"),
    ("items", "Affected", "受影响对象"),
    ("and_more", "more not listed", "个未列出"),
    ("lines", "lines", "行"),
    ("lines_omitted", "lines not shown", "行未显示"),
    ("references", "References", "参考"),
    ("knowledge", "Knowledge base", "知识库"),
    ("overview", "Node overview", "节点概况"),
    ("os", "OS", "操作系统"),
    ("kernel", "Kernel", "内核"),
    ("versions", "Versions", "版本"),
    ("selinux", "SELinux", "SELinux"),
    ("selinux_config", "config file", "配置文件"),
    ("swap", "Swap", "Swap"),
    ("swap_on", "on", "已开启"),
    ("swap_off", "off", "已关闭"),
    ("memory", "Memory", "内存"),
    ("cgroup_drivers", "Cgroup drivers", "Cgroup 驱动"),
    ("mismatch", "MISMATCH: the kubelet and the runtime must use the same driver", "不一致：kubelet 与容器运行时必须使用相同的驱动"),
    ("default", "default", "默认值"),
    ("disks", "Disk use", "磁盘使用"),
    ("evict_at", "kubelet evicts pods at", "kubelet 开始驱逐 Pod 的阈值"),
    ("inodes", "inodes", "inode"),
    ("eviction_hard", "Eviction thresholds (evictionHard)", "驱逐阈值 (evictionHard)"),
    ("conditions", "Node conditions", "节点状态 (Conditions)"),
    ("cond_type", "Type", "类型"),
    ("cond_status", "Status", "状态"),
    ("cond_reason", "Reason", "原因"),
    ("cond_message", "Message", "信息"),
    ("cond_since", "Since", "起始时间"),
    ("unknown", "not collected", "未采集"),
    ("timeline", "Timeline of warnings and errors", "警告与错误时间线"),
    ("timeline_hint", "Warnings (amber) and errors (red) per hour and source, UTC. Bars on top: when each finding's evidence starts and ends. Height grows with the square root of the count; hover a bar for its numbers.", "按小时和来源统计的警告（黄色）与错误（红色），UTC 时间。顶部的横条：每个发现的证据起止时间。柱高按数量的平方根增长；鼠标悬停可查看数量。"),
    ("timeline_none", "No journal or log was collected: no timeline.", "未采集到日志，无法绘制时间线。"),
    ("per_hours", "hours per column", "小时/列"),
    ("warnings_n", "warnings", "个警告"),
    ("errors_n", "errors", "个错误"),
    ("untimed", "lines without a usable time are not drawn", "行无可用时间，未绘出"),
    ("outside", "lines outside the window are not drawn", "行在时间窗之外，未绘出"),
    ("from_manifest", "from the manifest", "来自 manifest"),
    ("from_logs", "span of the log timestamps (no manifest)", "日志时间戳范围（无 manifest）"),
    ("missing", "What was not collected, and why", "未采集的内容及原因"),
    ("missing_hint", "A missing file means a rule could not check it: ask the customer for it if a finding depends on it.", "缺少的文件意味着相关规则无法检查；如某个问题依赖它，请向客户索取。"),
    ("path", "Path", "路径"),
    ("command", "Command", "命令"),
    ("status", "Status", "状态"),
    ("reason", "Reason", "原因"),
    ("rule", "Rule", "规则"),
    ("severity", "Severity", "级别"),
    ("title_col", "Title", "标题"),
    ("note", "Note", "说明"),
    ("notes_h", "Rules that could not run", "无法运行的规则"),
    ("all_collected", "Everything the collector tried was collected.", "采集器尝试采集的内容均已采集。"),
    ("no_manifest", "No manifest.json: the bundle was assembled by hand; what is missing is unknown.", "没有 manifest.json：该包为手工整理，无法得知缺少哪些内容。"),
    ("rule_errors", "Rule errors", "规则错误"),
    ("run_warnings", "Warnings of the run", "运行警告"),
    ("differences", "Differences between nodes", "节点之间的差异"),
    ("differences_hint", "Settings whose value is not the same on every node (\u{2014}: no value on that node). The differences that matter are findings of their own (node-config-drift).", "各节点取值不同的设置（\u{2014}：该节点没有此值）。重要的差异另有发现（node-config-drift）。"),
    ("setting", "Setting", "设置"),
    ("case", "Case", "案例"),
    ("case_asked", "node(s) asked", "个节点被询问"),
    ("case_answered", "answered", "个返回了采集包"),
    ("case_target", "Node", "节点"),
    ("seconds", "Seconds", "秒"),
    ("case_reason", "Bundle or reason", "采集包或原因"),
    ("generated_by", "Generated offline by kdiag analyze", "由 kdiag analyze 离线生成"),
    ("md_full", "Full evidence, node overview and timeline: see the attached report.html.", "完整证据、节点概况与时间线见附件 report.html。"),
    ("summary", "Summary", "摘要"),
    ("loose", "loose file", "单个文件"),
    ("at", "at", "位于"),
    ("seen", "seen", "出现时间"),
    ("none_found", "No findings.", "没有发现。"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_has_both_languages() {
        let mut keys = std::collections::BTreeSet::new();
        for (k, en, zh) in STRINGS {
            assert!(keys.insert(*k), "duplicate key {k}");
            assert!(!en.is_empty() && !zh.is_empty(), "{k}");
        }
    }

    #[test]
    fn escapes_the_five() {
        assert_eq!(
            escape_html("<a href=\"x\" title='y'>&</a>/"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;/"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(human_kib(512), "512 KiB");
        assert_eq!(human_kib(50 * 1024 * 1024), "50.0 GiB");
    }
}
