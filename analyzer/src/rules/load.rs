//! Loading rules (embedded at build time, then `--rules DIR`) and linting rule files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::env::environment;
use super::model::{Condition, I18n, Rule};
use crate::facts::schema::{fact_paths, FactTree};
use crate::texts::{self as scan, SOURCE_NAMES};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// rules/*.yaml as embedded at build time: (file name, text).
pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
    embedded::EMBEDDED
}

/// A rule and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedRule {
    pub rule: Rule,
    /// `embedded:swap-enabled.yaml` or a file path.
    pub origin: String,
}

/// The rules to run, and what went wrong loading them.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<LoadedRule>,
    pub warnings: Vec<String>,
}

/// Parses one rule file's text.
pub fn parse_rule(text: &str) -> Result<Rule, String> {
    serde_yaml::from_str::<Rule>(text).map_err(|e| e.to_string())
}

/// A rule that has something to evaluate (rule texts may land before their matching part).
pub fn is_complete(rule: &Rule) -> bool {
    rule.when.is_some() || rule.items.is_some()
}

impl RuleSet {
    /// The embedded rules, then the `.yaml` files of `extra` (same id overrides).
    pub fn load(extra: Option<&Path>) -> RuleSet {
        let mut set = RuleSet::default();
        // The embedded rules' YAML parsed on all cores (a part of start-up), added in order.
        let parsed: Vec<(String, Result<Rule, String>)> = embedded_files()
            .par_iter()
            .map(|(name, text)| (format!("embedded:{name}"), parse_rule(text)))
            .collect();
        for (origin, rule) in parsed {
            set.add_parsed(&origin, rule, false);
        }
        if let Some(dir) = extra {
            match yaml_files(dir) {
                Ok(files) => {
                    for f in files {
                        match std::fs::read_to_string(&f) {
                            Ok(text) => set.add(&f.display().to_string(), &text, true),
                            Err(e) => set.warnings.push(format!("{}: {e}", f.display())),
                        }
                    }
                }
                Err(e) => set.warnings.push(e),
            }
        }
        set
    }

    /// Adds (or overrides by id) one rule from its text; problems become warnings.
    pub fn add(&mut self, origin: &str, text: &str, overrides: bool) {
        self.add_parsed(origin, parse_rule(text), overrides);
    }

    fn add_parsed(&mut self, origin: &str, parsed: Result<Rule, String>, overrides: bool) {
        let rule = match parsed {
            Ok(r) => r,
            Err(e) => {
                self.warnings.push(format!("{origin}: skipped: {e}"));
                return;
            }
        };
        if !is_complete(&rule) {
            self.warnings.push(format!(
                "{origin}: skipped: rule {} has no `when` or `items` yet",
                rule.id
            ));
            return;
        }
        let loaded = LoadedRule {
            rule,
            origin: origin.to_string(),
        };
        match self.rules.iter_mut().find(|r| r.rule.id == loaded.rule.id) {
            Some(existing) if overrides => *existing = loaded,
            Some(existing) => self.warnings.push(format!(
                "{origin}: skipped: duplicate id {} (also {})",
                loaded.rule.id, existing.origin
            )),
            None => self.rules.push(loaded),
        }
    }
}

/// The `.yaml`/`.yml` files of a folder, sorted.
pub fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

/// One problem found by the linter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LintProblem {
    pub file: String,
    pub message: String,
}

impl std::fmt::Display for LintProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

/// What linting found: problems, and files skipped because they have no matching part yet.
#[derive(Debug, Clone, Default)]
pub struct LintReport {
    pub checked: usize,
    pub problems: Vec<LintProblem>,
    pub incomplete: Vec<String>,
}

/// Lints rule files: (path or name, text). `known_ids` are ids `explains` may also refer to.
/// With `allow_incomplete`, a rule without `when`/`items` is listed in `incomplete` instead of
/// being a problem.
pub fn lint(
    files: &[(String, String)],
    known_ids: &BTreeSet<String>,
    allow_incomplete: bool,
) -> LintReport {
    let mut report = LintReport::default();
    let env = environment();
    let tree = FactTree::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut parsed: Vec<(String, Rule)> = Vec::new();
    for (file, text) in files {
        report.checked += 1;
        let mut problem = |m: String| {
            report.problems.push(LintProblem {
                file: file.clone(),
                message: m,
            })
        };
        let rule = match parse_rule(text) {
            Ok(r) => r,
            Err(e) => {
                problem(format!("does not parse: {e}"));
                continue;
            }
        };
        let stem = Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if stem != rule.id {
            problem(format!(
                "file name must be {}.yaml (id {:?})",
                rule.id, rule.id
            ));
        }
        if rule.id.is_empty()
            || !rule
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            problem(format!("id {:?} must be [a-z0-9-]+", rule.id));
        }
        if let Some(other) = ids.insert(rule.id.clone(), file.clone()) {
            problem(format!("duplicate id {} (also in {other})", rule.id));
        }
        let mut texts: Vec<(&str, &I18n)> = vec![
            ("title", &rule.title),
            ("why", &rule.why),
            ("fix", &rule.fix),
        ];
        if let Some(m) = &rule.message {
            texts.push(("message", m));
        }
        if let Some(m) = &rule.item {
            texts.push(("item", m));
        }
        for (field, t) in &texts {
            if t.en.trim().is_empty() {
                problem(format!("{field}: the English text (en) is missing"));
            }
            if t.zh.trim().is_empty() {
                problem(format!("{field}: the Chinese text (zh) is missing"));
            }
        }
        for k in &rule.knowledge {
            if !matches!(k.as_str(), "000" | "001" | "002" | "003" | "004") {
                problem(format!("knowledge {k:?} is not one of 000..004"));
            }
        }
        for r in &rule.references {
            if !(r.url.starts_with("https://") || r.url.starts_with("http://")) {
                problem(format!("reference {:?}: url must be http(s)", r.title));
            }
        }
        if !is_complete(&rule) {
            if allow_incomplete {
                report.incomplete.push(file.clone());
            } else {
                problem("no `when` or `items`: the rule can never fire".into());
            }
            parsed.push((file.clone(), rule));
            continue;
        }
        if rule.message.is_none() {
            problem("`message` is missing".into());
        }
        for e in unknown_fact_paths(&rule, &tree) {
            problem(e);
        }
        // matches
        let mut names = BTreeSet::new();
        for (name, m) in rule.matches() {
            if !names.insert(name.clone()) {
                problem(format!("match name {name:?} is used twice"));
            }
            if let Err(e) = scan::Probe::new(&m.regex, m.unless.as_deref()) {
                problem(format!("match {name}: {e}"));
            }
            for s in m.source.as_slice() {
                if !s.contains('/') && !SOURCE_NAMES.contains(&s.as_str()) {
                    problem(format!(
                        "match {name}: unknown source {s:?} (one of {} or a bundle path)",
                        SOURCE_NAMES.join(", ")
                    ));
                }
                if s == "facts" {
                    problem(format!("match {name}: `facts` has no text to match"));
                }
            }
        }
        if let Some(w) = &rule.when {
            check_empty(w, &mut problem);
        }
        // expressions and templates
        for (name, e) in &rule.bindings.0 {
            if let Err(err) = env.compile_expression(e) {
                problem(format!("let {name} {e:?} does not compile: {err}"));
            }
        }
        for e in rule.exprs() {
            if let Err(err) = env.compile_expression(e) {
                problem(format!("expr {e:?} does not compile: {err}"));
            }
        }
        if let Some(e) = &rule.items {
            if let Err(err) = env.compile_expression(e) {
                problem(format!("items {e:?} does not compile: {err}"));
            }
        }
        for (i, s) in rule.severity_if.iter().enumerate() {
            if s.expr.trim().is_empty() {
                problem(format!("severity_if[{i}]: empty expr"));
            } else if let Err(err) = env.compile_expression(&s.expr) {
                problem(format!(
                    "severity_if[{i}] expr {:?} does not compile: {err}",
                    s.expr
                ));
            }
        }
        for ev in &rule.evidence {
            match (&ev.file, &ev.at) {
                (None, None) => problem("evidence entry needs `file` or `at`".into()),
                (None, Some(_)) if ev.regex.is_some() => {
                    problem("evidence `regex` goes with `file`".into())
                }
                _ => {}
            }
            if let Some(re) = &ev.regex {
                if let Err(e) = scan::build_regex(re) {
                    problem(format!("evidence regex {re:?}: {e}"));
                }
            }
            if let Some(e) = &ev.at {
                if let Err(err) = env.compile_expression(e) {
                    problem(format!("evidence at {e:?} does not compile: {err}"));
                }
            }
        }
        for (field, t) in [("message", &rule.message), ("item", &rule.item)] {
            if let Some(t) = t {
                for (lang, s) in [("en", &t.en), ("zh", &t.zh)] {
                    if let Err(err) = env.template_from_str(s) {
                        problem(format!("{field}.{lang} does not compile: {err}"));
                    }
                }
            }
        }
        parsed.push((file.clone(), rule));
    }
    for (file, rule) in &parsed {
        for (id, re) in &rule.explains_if {
            if !rule.explains.contains(id) {
                report.problems.push(LintProblem {
                    file: file.clone(),
                    message: format!("explains_if names {id:?}, which `explains` does not list"),
                });
            }
            if let Err(e) = regex::Regex::new(re) {
                report.problems.push(LintProblem {
                    file: file.clone(),
                    message: format!("explains_if {id}: regex does not compile: {e}"),
                });
            }
        }
        for id in &rule.explains {
            if !ids.contains_key(id) && !known_ids.contains(id) {
                report.problems.push(LintProblem {
                    file: file.clone(),
                    message: format!("explains unknown rule {id:?}"),
                });
            }
        }
    }
    report.problems.sort();
    report
}

fn check_empty(c: &Condition, problem: &mut impl FnMut(String)) {
    match c {
        Condition::Any(v) if v.is_empty() => problem("`any: []` is never true".into()),
        Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| check_empty(c, problem)),
        Condition::Not(c) => check_empty(c, problem),
        _ => {}
    }
}

/// The rule files to lint, read: folders expand to their *.yaml files.
pub fn lint_files(paths: &[PathBuf]) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    for p in paths {
        let list = if p.is_dir() {
            yaml_files(p)?
        } else {
            vec![p.clone()]
        };
        for f in list {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            files.push((f.display().to_string(), text));
        }
    }
    Ok(files)
}

/// Lints the rule files of `paths` (folders expand to their *.yaml files), or the embedded
/// rules when `paths` is empty. `explains` may name any embedded rule too.
/// Every `facts.…` path the rule's conditions and templates name that the facts do not have
/// (its prose, title/why/fix, is not read): one problem each, saying where the path leaves
/// the fact tree.
fn unknown_fact_paths(rule: &Rule, tree: &FactTree) -> Vec<String> {
    let mut v = serde_json::to_value(rule).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for prose in ["title", "why", "fix", "references", "knowledge"] {
            o.remove(prose);
        }
    }
    let mut texts = Vec::new();
    strings(&v, &mut texts);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for t in texts {
        for segs in fact_paths(t) {
            let path = format!("facts.{}", segs.join("."));
            if seen.insert(path.clone()) {
                if let Err(why) = tree.check(&segs) {
                    out.push(format!("unknown fact path {path}: {why} (docs/facts.md)"));
                }
            }
        }
    }
    out
}

fn strings<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match v {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

pub fn lint_paths(paths: &[PathBuf], allow_incomplete: bool) -> Result<LintReport, String> {
    let files = if paths.is_empty() {
        embedded_files()
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    } else {
        lint_files(paths)?
    };
    let known: BTreeSet<String> = embedded_files()
        .iter()
        .filter_map(|(n, _)| {
            Path::new(n)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    Ok(lint(&files, &known, allow_incomplete))
}

impl std::fmt::Display for LintReport {
    /// One line per problem and per incomplete rule, then the totals.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        for r in &self.incomplete {
            writeln!(f, "{r}: note: no `when`/`items` yet (not checked further)")?;
        }
        writeln!(
            f,
            "{} file(s) checked, {} problem(s), {} incomplete",
            self.checked,
            self.problems.len(),
            self.incomplete.len()
        )
    }
}
