//! Evaluation: one node's texts and facts through every rule, into findings.

use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};

use minijinja::value::Value;
use minijinja::{context, Environment};
use rayon::prelude::*;

pub use super::case::{case_view, CaseNode};
use super::env::{environment, error_text, strip_nulls};
use super::evidence::{
    canonical_paths, capped_evidence, collect_ats, reasons_text, requires_missing,
};
use super::finding::{At, Evidence, EvidenceLine, Finding, FindingItem, FindingKind};
use super::load::LoadedRule;
use super::model::{Condition, Lang, MatchSpec, Rule, Severity};
pub use super::prepare::{Prescan, RuleFacts};
use crate::facts::Facts;
use crate::texts::node::Node;
use crate::texts::{self as scan, LineFilter, Probe, ProbeResult, Texts, KEEP_LINES};
use crate::units::logtime::{busiest_minute, line_timestamp};
use crate::units::panic_text;

/// Items listed per finding; the rest are counted.
pub const MAX_ITEMS: usize = 100;

/// What the engine found on one node.
#[derive(Debug, Clone, Default)]
pub struct NodeReport {
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
    /// Whether any rule's pattern matched a line of the node's texts (fired or not): the rules
    /// read something of it.
    pub read: bool,
}

struct CompiledRule {
    loaded: LoadedRule,
    /// (name, probe index into `Engine::probes`) per `match`, in file order.
    probes: Vec<(String, usize)>,
    /// Why the rule cannot run at all (a regex that does not compile).
    broken: Option<String>,
}

/// The rules, compiled once, evaluated over any number of nodes.
pub struct Engine {
    env: Environment<'static>,
    rules: Vec<CompiledRule>,
    probes: std::sync::Arc<Vec<Probe>>,
    /// Probe sets compiled for held texts, shared by every node this engine evaluates.
    compiled: scan::CompileCache,
    lang: Lang,
}

impl Engine {
    pub fn new(rules: Vec<LoadedRule>, lang: Lang) -> Engine {
        // Every probe's regexes compiled on all cores (they are most of the start-up), then
        // numbered in rule order as before.
        let built: Vec<Vec<(String, Result<Probe, String>)>> = rules
            .par_iter()
            .map(|loaded| {
                loaded
                    .rule
                    .matches()
                    .into_iter()
                    .map(|(name, m)| (name, Probe::new(&m.regex, m.unless.as_deref())))
                    .collect()
            })
            .collect();
        let mut probes = Vec::new();
        let mut compiled = Vec::new();
        for (loaded, built) in rules.into_iter().zip(built) {
            let mut ids = Vec::new();
            let mut broken = None;
            for (name, p) in built {
                match p {
                    Ok(p) => {
                        ids.push((name, probes.len()));
                        probes.push(p);
                    }
                    Err(e) => {
                        broken.get_or_insert(format!("match {name}: {e}"));
                    }
                }
            }
            compiled.push(CompiledRule {
                loaded,
                probes: ids,
                broken,
            });
        }
        Engine {
            env: environment(),
            rules: compiled,
            probes: std::sync::Arc::new(probes),
            compiled: Default::default(),
            lang,
        }
    }

    /// What scanning big logs as they stream needs of the rules: every probe with its sources,
    /// every `evidence: file:` spec. See [`scan::StreamPlan`].
    pub fn stream_plan(&self) -> scan::StreamPlan {
        let mut sources = vec![Vec::new(); self.probes.len()];
        let mut evidence = Vec::new();
        for r in &self.rules {
            for ((_, m), (_, p)) in r.loaded.rule.matches().iter().zip(&r.probes) {
                sources[*p] = m.source.as_slice().to_vec();
            }
            for e in &r.loaded.rule.evidence {
                if let Some(glob) = &e.file {
                    let key = (glob.clone(), e.regex.clone());
                    if !evidence.contains(&key) {
                        evidence.push(key);
                    }
                }
            }
        }
        scan::StreamPlan::new(self.probes.clone(), sources, evidence)
    }

    /// The minijinja environment, e.g. to add filters.
    pub fn env_mut(&mut self) -> &mut Environment<'static> {
        &mut self.env
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|r| &r.loaded.rule)
    }

    /// `explains_if` of every rule, compiled: (cause, explained) -> the regex the explained
    /// finding's words must match. A regex that does not compile ties nothing (lint reports it).
    pub fn explain_ties(&self) -> BTreeMap<(String, String), regex::Regex> {
        self.rules()
            .flat_map(|r| {
                r.explains_if.iter().map(move |(id, re)| {
                    let re = regex::Regex::new(re).unwrap_or_else(|_| {
                        regex::Regex::new("[^\\s\\S]").expect("a regex matching nothing")
                    });
                    ((r.id.clone(), id.clone()), re)
                })
            })
            .collect()
    }

    /// `explains` of every rule, for chain resolution.
    pub fn explains(&self) -> BTreeMap<String, Vec<String>> {
        self.rules()
            .filter(|r| !r.explains.is_empty())
            .map(|r| (r.id.clone(), r.explains.clone()))
            .collect()
    }

    /// Evaluates every rule on one node of a case, with the node's facts computed once by the
    /// caller ([`Facts::try_from_node`]; `None` when that failed: every fact is then undefined).
    /// `case` is [`case_view`] of every node of the run, `me` this node's index in it. Never
    /// panics because of a rule.
    pub fn evaluate(
        &self,
        node: &Node,
        facts: Option<&Facts>,
        case: &[CaseNode],
        me: usize,
    ) -> NodeReport {
        self.evaluate_prepared(node, self.prescan(node), RuleFacts::of(facts), case, me)
    }

    /// [`Engine::evaluate`] with the node's texts already scanned ([`Engine::prescan`]) and its
    /// facts already serialized ([`RuleFacts`]), so that a caller can do both on all cores
    /// before the case view exists.
    pub fn evaluate_prepared(
        &self,
        node: &Node,
        pre: Prescan<'_>,
        facts: RuleFacts,
        case: &[CaseNode],
        me: usize,
    ) -> NodeReport {
        let RuleFacts {
            value,
            mut warnings,
        } = facts;
        let mut report = self.finish_in_case(node, pre, value, case, me);
        warnings.append(&mut report.warnings);
        report.warnings = warnings;
        report
    }

    /// Evaluates every rule on one node with the given facts (as `Facts` serializes), instead of
    /// parsing them from the node: for rule fixtures and tests. The case is this node alone.
    pub fn evaluate_with_facts(&self, node: &Node, facts: serde_json::Value) -> NodeReport {
        let case = case_view(vec![CaseNode::of_json(node, &facts)]);
        self.evaluate_in_case(node, facts, &case, 0)
    }

    /// [`Engine::evaluate_with_facts`] for node `me` of `case`.
    pub fn evaluate_in_case(
        &self,
        node: &Node,
        facts: serde_json::Value,
        case: &[CaseNode],
        me: usize,
    ) -> NodeReport {
        let facts = Value::from_serialize(strip_nulls(facts));
        self.finish_in_case(node, self.prescan(node), facts, case, me)
    }

    /// What the rules read of a node's texts, which does not depend on its facts: the texts,
    /// each probe's targets among them, and the scan's results.
    pub fn prescan<'a>(&self, node: &'a Node) -> Prescan<'a> {
        let texts = Texts::new(node);
        let mut warnings = texts.warnings.clone();
        // Resolve every probe's texts; an unknown source breaks its rule.
        let mut targets: Vec<Vec<(usize, LineFilter)>> = vec![Vec::new(); self.probes.len()];
        let mut source_errors: HashMap<usize, String> = HashMap::new();
        for (ri, r) in self.rules.iter().enumerate() {
            let specs = r.loaded.rule.matches();
            for ((_, m), (_, p)) in specs.iter().zip(&r.probes) {
                for s in m.source.as_slice() {
                    match texts.resolve(s) {
                        Ok(t) => targets[*p].extend(t),
                        Err(e) => {
                            source_errors.entry(ri).or_insert(e);
                        }
                    }
                }
            }
        }
        let results = match scan::scan(&texts, &self.probes, &targets, &self.compiled) {
            Ok(r) => r,
            Err(e) => {
                warnings.push(format!("scanner: {e}"));
                vec![ProbeResult::default(); self.probes.len()]
            }
        };
        Prescan {
            texts,
            targets,
            source_errors,
            results,
            warnings,
        }
    }

    fn finish_in_case(
        &self,
        node: &Node,
        pre: Prescan<'_>,
        facts: Value,
        case: &[CaseNode],
        me: usize,
    ) -> NodeReport {
        let Prescan {
            texts,
            targets,
            source_errors,
            results,
            warnings,
        } = pre;
        let mut report = NodeReport {
            warnings,
            read: results.iter().any(|r| r.count > 0),
            ..NodeReport::default()
        };
        let case: Vec<CaseNode> = case
            .iter()
            .enumerate()
            .map(|(i, c)| CaseNode {
                this: i == me,
                ..c.clone()
            })
            .collect();
        let case = Value::from_serialize(strip_nulls(
            serde_json::to_value(&case).unwrap_or(serde_json::Value::Null),
        ));

        let cx = NodeCx {
            node,
            texts: &texts,
            facts,
            case,
            results: &results,
            targets: &targets,
        };
        let findings: Vec<Finding> = self
            .rules
            .par_iter()
            .enumerate()
            .filter_map(|(ri, r)| {
                let broken = r.broken.clone().or_else(|| source_errors.get(&ri).cloned());
                let out = match broken {
                    Some(e) => Err(e),
                    None => catch_unwind(AssertUnwindSafe(|| self.eval_rule(r, &cx)))
                        .unwrap_or_else(|p| Err(format!("panicked: {}", panic_text(&p)))),
                };
                match out {
                    Ok(f) => f,
                    Err(e) => Some(self.error_finding(&r.loaded.rule, node, e)),
                }
            })
            .collect();
        report.findings = findings;
        report
    }

    fn base_finding(&self, rule: &Rule, node: &Node) -> Finding {
        Finding {
            rule: rule.id.clone(),
            kind: FindingKind::Finding,
            severity: rule.severity,
            node: node.name.clone(),
            title: rule.title.get(self.lang).to_string(),
            message: String::new(),
            items: Vec::new(),
            items_omitted: 0,
            evidence: Vec::new(),
            why: rule.why.get(self.lang).to_string(),
            fix: rule.fix.get(self.lang).to_string(),
            references: rule.references.clone(),
            knowledge: rule.knowledge.clone(),
            explains: Vec::new(),
            explained_by: Vec::new(),
        }
    }

    fn error_finding(&self, rule: &Rule, node: &Node, e: String) -> Finding {
        let mut f = self.base_finding(rule, node);
        f.kind = FindingKind::RuleError;
        f.severity = Severity::Info;
        f.message = format!("rule {} failed: {e}", rule.id);
        f
    }

    fn eval_rule(&self, r: &CompiledRule, cx: &NodeCx<'_>) -> Result<Option<Finding>, String> {
        let rule = &r.loaded.rule;
        if let Some(reason) = self.not_collected(r, cx) {
            if cx.texts.is_loose() {
                return Ok(None);
            }
            let mut f = self.base_finding(rule, cx.node);
            f.kind = FindingKind::NotCollected;
            f.severity = Severity::Info;
            f.message = format!("not collected: {reason}");
            return Ok(Some(f));
        }
        let found = self.eval_inputs(r, cx)?;
        if found.is_none() && !cx.texts.is_loose() {
            // it read its logs, which showed nothing, but the files its other evidence comes
            // from are missing: silence here is not a healthy verdict
            if let Some(reason) = requires_missing(&rule.requires, cx.texts, cx.node) {
                let mut f = self.base_finding(rule, cx.node);
                f.kind = FindingKind::NotCollected;
                f.severity = Severity::Info;
                f.message =
                    format!("not collected: {reason} (its logs were read and show nothing)");
                return Ok(Some(f));
            }
        }
        Ok(found)
    }

    /// The rule over what the bundle has: its matches, condition, items and message.
    fn eval_inputs(&self, r: &CompiledRule, cx: &NodeCx<'_>) -> Result<Option<Finding>, String> {
        let rule = &r.loaded.rule;
        // matches / captures
        let specs = rule.matches();
        let mut matches = BTreeMap::new();
        let mut captures: BTreeMap<String, String> = BTreeMap::new();
        let mut index_of: HashMap<*const MatchSpec, usize> = HashMap::new();
        for (i, ((name, spec), (_, p))) in specs.iter().zip(&r.probes).enumerate() {
            index_of.insert(*spec as *const MatchSpec, i);
            let res = &cx.results[*p];
            let lines: Vec<String> = res
                .files
                .values()
                .flat_map(|h| h.lines())
                .take(KEEP_LINES)
                .map(|l| l.text.clone())
                .collect();
            // Distinct bundle paths of the matching lines, in text order (the order the scan
            // meets them: the first is the first match's file, the last the last match's).
            let paths: Vec<String> = res
                .files
                .keys()
                .map(|t| cx.texts.texts[*t].path.clone())
                .collect();
            if let Some(c) = &res.first_caps {
                for (k, v) in c {
                    captures.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            matches.insert(
                name.clone(),
                context! {
                    count => res.count,
                    captures => res.first_caps.clone().unwrap_or_default(),
                    last => res.last_caps.clone().unwrap_or_default(),
                    values => res.values.clone(),
                    lines => lines,
                    // the most kept lines within one minute, by their own timestamps
                    peak_minute => busiest_minute(res.files.values().flat_map(|h| h.lines()).map(|l| l.text.as_str())),
                    // undefined without a match, like an absent fact
                    first_path => paths.first().map(Value::from).unwrap_or(Value::UNDEFINED),
                    last_path => paths.last().map(Value::from).unwrap_or(Value::UNDEFINED),
                    paths => paths,
                },
            );
        }
        let mut base = context! {
            facts => cx.facts.clone(),
            case => cx.case.clone(),
            node => cx.node.name.clone(),
            matches => matches,
            captures => captures,
        };
        // `let:` in file order; the names cannot shadow these variables (model::RESERVED_NAMES).
        // Each binding sees the variables above and the names bound so far, one merge deep.
        let plain = base.clone();
        let mut bound: BTreeMap<&str, Value> = BTreeMap::new();
        for (name, expr) in &rule.bindings.0 {
            let v = self
                .eval_expr(expr, &base)
                .map_err(|e| format!("let {name}: {e}"))?;
            bound.insert(name, v);
            base = context! { ..Value::from_iter(bound.clone()), ..plain.clone() };
        }

        let fired = match &rule.when {
            Some(w) => self.eval_cond(w, &base, r, cx, &index_of)?,
            None => true,
        };
        if !fired {
            return Ok(None);
        }

        let mut f = self.base_finding(rule, cx.node);
        let mut msg_cx = base.clone();
        if let Some(expr) = &rule.items {
            let list = self
                .eval_expr(expr, &base)
                .map_err(|e| format!("items: {e}"))?;
            let list: Vec<Value> = if list.is_undefined() || list.is_none() {
                Vec::new()
            } else {
                list.try_iter()
                    .map_err(|e| format!("items: not a list: {e}"))?
                    .collect()
            };
            if list.is_empty() {
                return Ok(None);
            }
            for item in list.iter().take(MAX_ITEMS) {
                let text = match &rule.item {
                    Some(t) => self
                        .render(
                            t.get(self.lang),
                            &context! { item => item.clone(), ..base.clone() },
                        )
                        .map_err(|e| format!("item: {e}"))?,
                    None => match item.as_str() {
                        Some(s) => s.to_string(),
                        None => item.to_string(),
                    },
                };
                let at = item
                    .get_attr("at")
                    .ok()
                    .filter(|v| !v.is_undefined() && !v.is_none())
                    .and_then(|v| serde_json::to_value(&v).ok())
                    .and_then(|v| serde_json::from_value::<At>(v).ok());
                f.items.push(FindingItem { text, at });
            }
            f.items_omitted = list.len().saturating_sub(MAX_ITEMS);
            msg_cx = context! { count => list.len(), items => Value::from(list), ..base.clone() };
        }
        for (i, s) in rule.severity_if.iter().enumerate() {
            let v = self
                .eval_expr(&s.expr, &msg_cx)
                .map_err(|e| format!("severity_if[{i}] {:?}: {e}", s.expr))?;
            if v.is_true() {
                f.severity = s.severity;
                break;
            }
        }
        f.message = match &rule.message {
            Some(m) => self
                .render(m.get(self.lang), &msg_cx)
                .map_err(|e| format!("message: {e}"))?,
            None => f.title.clone(),
        };

        // Evidence: the lines of every match that held, then `evidence:`.
        for ((name, spec), (_, p)) in specs.iter().zip(&r.probes) {
            let res = &cx.results[*p];
            if res.count < spec.min.unwrap_or(1).max(1) {
                continue;
            }
            for (t, hits) in &res.files {
                let lines: Vec<EvidenceLine> = hits
                    .lines()
                    .map(|l| EvidenceLine {
                        n: l.n,
                        text: l.text.clone(),
                    })
                    .collect();
                f.evidence.push(Evidence {
                    path: cx.texts.texts[*t].path.clone(),
                    label: format!("match {name}"),
                    count: hits.count,
                    omitted: hits.count - lines.len() as u64,
                    first_ts: hits.first.first().and_then(|l| line_timestamp(&l.text)),
                    last_ts: hits
                        .last
                        .back()
                        .or(hits.first.last())
                        .and_then(|l| line_timestamp(&l.text)),
                    lines,
                });
            }
        }
        for spec in &rule.evidence {
            if let Some(glob) = &spec.file {
                let filter = match &spec.regex {
                    Some(re) => Some(scan::build_regex(re).map_err(|e| format!("evidence: {e}"))?),
                    None => None,
                };
                for t in cx.texts.glob(glob) {
                    let text = &cx.texts.texts[t];
                    if let Some(st) = text.streamed {
                        // Selected while it streamed (the same lines, see scan::evidence_lines).
                        let key = (glob.clone(), spec.regex.clone());
                        let hits = st
                            .evidence
                            .iter()
                            .find(|(k, _)| *k == key)
                            .map(|(_, h)| h.clone())
                            .unwrap_or_default();
                        let lines: Vec<(u64, &[u8])> =
                            hits.lines().map(|l| (l.n, l.text.as_bytes())).collect();
                        let mut ev = capped_evidence(&text.path, "file", lines.into_iter());
                        ev.count = hits.count;
                        ev.omitted = hits.count - ev.lines.len() as u64;
                        f.evidence.push(ev);
                        continue;
                    }
                    let selected = text
                        .bytes
                        .split(|b| *b == b'\n')
                        .enumerate()
                        .filter(|(_, l)| filter.as_ref().is_none_or(|re| re.is_match(l)))
                        .filter(|(i, l)| !(l.is_empty() && *i > 0))
                        .map(|(i, l)| (i as u64 + 1, l));
                    f.evidence
                        .push(capped_evidence(&text.path, "file", selected));
                }
            }
            if let Some(expr) = &spec.at {
                let v = self
                    .eval_expr(expr, &msg_cx)
                    .map_err(|e| format!("evidence at: {e}"))?;
                let mut ats: Vec<At> = Vec::new();
                let json = serde_json::to_value(&v).unwrap_or(serde_json::Value::Null);
                collect_ats(&json, &mut ats);
                ats.sort();
                ats.dedup();
                let mut by_path: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
                for a in &ats {
                    by_path.entry(&a.path).or_default().push(a.line);
                }
                for (path, wanted) in by_path {
                    let Some(t) = cx.texts.index_of(path) else {
                        continue;
                    };
                    let text = &cx.texts.texts[t];
                    if let Some(st) = text.streamed {
                        // Only the lines the streaming pass kept (hits, version line).
                        let kept = st.kept_lines();
                        let selected = wanted
                            .iter()
                            .filter_map(|n| kept.get(n).map(|l| (*n, l.as_bytes())));
                        f.evidence.push(capped_evidence(path, "at", selected));
                        continue;
                    }
                    let selected = text
                        .bytes
                        .split(|b| *b == b'\n')
                        .enumerate()
                        .map(|(i, l)| (i as u64 + 1, l))
                        .filter(|(n, _)| wanted.binary_search(n).is_ok());
                    f.evidence.push(capped_evidence(path, "at", selected));
                }
            }
        }
        Ok(Some(f))
    }

    fn eval_cond(
        &self,
        c: &Condition,
        base: &Value,
        r: &CompiledRule,
        cx: &NodeCx<'_>,
        index_of: &HashMap<*const MatchSpec, usize>,
    ) -> Result<bool, String> {
        Ok(match c {
            Condition::Match(m) => {
                let i = index_of[&(m as *const MatchSpec)];
                cx.results[r.probes[i].1].count >= m.min.unwrap_or(1).max(1)
            }
            Condition::Expr(e) => self
                .eval_expr(e, base)
                .map_err(|err| format!("expr {e:?}: {err}"))?
                .is_true(),
            Condition::All(v) => {
                for c in v {
                    if !self.eval_cond(c, base, r, cx, index_of)? {
                        return Ok(false);
                    }
                }
                true
            }
            Condition::Any(v) => {
                for c in v {
                    if self.eval_cond(c, base, r, cx, index_of)? {
                        return Ok(true);
                    }
                }
                false
            }
            Condition::Not(c) => !self.eval_cond(c, base, r, cx, index_of)?,
        })
    }

    fn eval_expr(&self, expr: &str, cx: &Value) -> Result<Value, String> {
        let e = self
            .env
            .compile_expression(expr)
            .map_err(|e| error_text(&e))?;
        e.eval(cx).map_err(|e| error_text(&e))
    }

    fn render(&self, tpl: &str, cx: &Value) -> Result<String, String> {
        self.env.render_str(tpl, cx).map_err(|e| error_text(&e))
    }

    /// `Some(reason)` when none of the rule's inputs is in the bundle.
    fn not_collected(&self, r: &CompiledRule, cx: &NodeCx<'_>) -> Option<String> {
        let rule = &r.loaded.rule;
        let specs = rule.matches();
        if specs.is_empty() && rule.requires.is_empty() {
            return None;
        }
        let mut wanted: Vec<String> = Vec::new();
        for ((_, spec), (_, p)) in specs.iter().zip(&r.probes) {
            if !cx.targets[*p].is_empty() {
                return None;
            }
            for s in spec.source.as_slice() {
                match s.as_str() {
                    // Nothing to miss: an empty stderr text means kubectl said nothing.
                    "kubectl-stderr" | "facts" => return None,
                    _ => wanted.extend(canonical_paths(s)),
                }
            }
        }
        for g in &rule.requires {
            if !cx.texts.glob(g).is_empty() {
                return None;
            }
            wanted.push(g.clone());
        }
        Some(reasons_text(cx.node, &wanted))
    }
}

struct NodeCx<'a> {
    node: &'a Node,
    texts: &'a Texts<'a>,
    facts: Value,
    case: Value,
    results: &'a [ProbeResult],
    targets: &'a [Vec<(usize, LineFilter)>],
}
