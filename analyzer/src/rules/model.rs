//! The rule file format (docs/rule-format.md). These types are the format: rules/schema.json is
//! generated from them, so a field added here is a field rule authors can write.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One rule: rules/<id>.yaml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The catalog id; the file name is `<id>.yaml`.
    pub id: String,
    pub severity: Severity,
    /// Severity by expression: the first entry whose `expr` is true gives the finding's severity;
    /// when none is, `severity` does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity_if: Vec<SeverityIf>,
    /// Knowledge-base write-ups behind the rule ("000".."004"), empty for "beyond".
    #[serde(default)]
    pub knowledge: Vec<String>,
    /// Short: what is wrong.
    pub title: I18n,
    /// Why this happens and what it breaks (markdown).
    pub why: I18n,
    /// Remediation steps (markdown, ```sh blocks safe to paste).
    pub fix: I18n,
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Rule ids this root cause explains (chains are resolved per node).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explains: Vec<String>,
    /// Explained id -> regex: that link of `explains` holds only when the explained finding's
    /// own words (its message and items) match, i.e. when they tie it to this cause. Without an
    /// entry, both rules firing on the node links them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub explains_if: BTreeMap<String, String>,
    /// Informative: the sources the rule reads.
    #[serde(default)]
    pub sources: Vec<String>,
    /// One-line finding text: a minijinja template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<I18n>,
    /// Named expressions (`name: "<expression>"`), evaluated in file order once the matches are
    /// known and before `when`: each sees the ones above it, and `when`, `items`, `message`,
    /// `item`, `severity_if` and evidence `at` see them all by name. A value the rule needs in
    /// several places is written, and computed, once.
    #[serde(default, rename = "let", skip_serializing_if = "Bindings::is_empty")]
    #[schemars(with = "BTreeMap<String, String>")]
    pub bindings: Bindings,
    /// The condition tree; optional only when `items` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// A minijinja expression giving a list: one finding item per element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    /// Template of one item's line (`item` is the element).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<I18n>,
    /// Bundle paths or globs the rule reads through facts; used for "not collected" notes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Extra evidence to show (file lines backing a fact).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceSpec>,
    /// When this rule fires on a node, that node's other findings and not-collected notes that
    /// rest only on node files are withheld, and this finding says how many
    /// (not-a-kubernetes-node: a jump host without a kubelet has no kubelet problem).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withholds_node_findings: bool,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// One `severity_if` entry: `severity` when `expr` is truthy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityIf {
    pub severity: Severity,
    /// A minijinja expression over the message's variables (`facts`, `matches`, `items`, ...).
    pub expr: String,
}

/// A text in English and Chinese.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct I18n {
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub zh: String,
}

impl I18n {
    /// The text in `lang`, falling back to English when that one is empty.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh if !self.zh.trim().is_empty() => &self.zh,
            _ => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    pub url: String,
}

/// A condition: exactly one of `match`, `expr`, `all`, `any`, `not`.
///
/// Read through [`ConditionMap`] because YAML would otherwise want `!match` tags for an enum.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(
    rename_all = "lowercase",
    deny_unknown_fields,
    try_from = "ConditionMap"
)]
pub enum Condition {
    /// Lines of a source matching a regex.
    Match(MatchSpec),
    /// A minijinja expression, true when truthy.
    Expr(String),
    /// Every condition is true.
    All(Vec<Condition>),
    /// At least one condition is true.
    Any(Vec<Condition>),
    /// The condition is false.
    Not(Box<Condition>),
}

// Written back as the same one-key map (`{all: [...]}`), by hand: serde's derived externally
// tagged enums become YAML tags (`!all [...]`) that the format does not read, and nested ones
// (`not: {all: ...}`) do not serialize at all. JSON output is the same as the derive's.
impl Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        match self {
            Condition::Match(x) => m.serialize_entry("match", x)?,
            Condition::Expr(x) => m.serialize_entry("expr", x)?,
            Condition::All(x) => m.serialize_entry("all", x)?,
            Condition::Any(x) => m.serialize_entry("any", x)?,
            Condition::Not(x) => m.serialize_entry("not", x)?,
        }
        m.end()
    }
}

/// The map a condition is written as; exactly one key must be set.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct ConditionMap {
    /// Lines of a source matching a regex.
    #[serde(default, rename = "match")]
    match_: Option<MatchSpec>,
    /// A minijinja expression, true when truthy.
    #[serde(default)]
    expr: Option<String>,
    /// Every condition is true.
    #[serde(default)]
    all: Option<Vec<Condition>>,
    /// At least one condition is true.
    #[serde(default)]
    any: Option<Vec<Condition>>,
    /// The condition is false.
    #[serde(default)]
    not: Option<Box<Condition>>,
}

impl TryFrom<ConditionMap> for Condition {
    type Error = String;

    fn try_from(m: ConditionMap) -> Result<Condition, String> {
        let mut set = Vec::new();
        if let Some(x) = m.match_ {
            set.push(Condition::Match(x));
        }
        if let Some(x) = m.expr {
            set.push(Condition::Expr(x));
        }
        if let Some(x) = m.all {
            set.push(Condition::All(x));
        }
        if let Some(x) = m.any {
            set.push(Condition::Any(x));
        }
        if let Some(x) = m.not {
            set.push(Condition::Not(x));
        }
        match set.len() {
            1 => Ok(set.pop().expect("one")),
            0 => Err("a condition needs one of match, expr, all, any, not".into()),
            _ => Err(
                "a condition has exactly one of match, expr, all, any, not; \
                      combine several with all: [...] or any: [...]"
                    .into(),
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// How templates and expressions refer to it (`matches.NAME`); default m0, m1, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A source name, a bundle path/glob (contains '/'), or a list of them.
    pub source: OneOrMany,
    /// Rust regex over one line.
    pub regex: String,
    /// Lines matching this regex do not count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<String>,
    /// Minimum number of matching lines (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}

/// Extra evidence: the lines of a file (optionally only those matching `regex`), or the
/// `{path, line}` provenance(s) an expression gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    /// A bundle path or glob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// With `file`: only the lines matching this regex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// A minijinja expression giving `{path, line}` or a list of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl Rule {
    /// Every `match` of the `when` tree in file order, with its effective name.
    pub fn matches(&self) -> Vec<(String, &MatchSpec)> {
        let mut out = Vec::new();
        self.each_condition(|c| {
            if let Condition::Match(m) = c {
                let name = m.name.clone().unwrap_or_else(|| format!("m{}", out.len()));
                out.push((name, m));
            }
        });
        out
    }

    /// Every `expr` of the `when` tree.
    pub fn exprs(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.each_condition(|c| {
            if let Condition::Expr(e) = c {
                out.push(e.as_str());
            }
        });
        out
    }

    /// Calls `f` on every condition of the `when` tree, in file order (a node before its
    /// children).
    fn each_condition<'a>(&'a self, mut f: impl FnMut(&'a Condition)) {
        fn walk<'a>(c: &'a Condition, f: &mut impl FnMut(&'a Condition)) {
            f(c);
            match c {
                Condition::Match(_) | Condition::Expr(_) => {}
                Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| walk(c, f)),
                Condition::Not(c) => walk(c, f),
            }
        }
        if let Some(w) = &self.when {
            walk(w, &mut f);
        }
    }
}

/// The JSON Schema of the rule format, as committed in rules/schema.json.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Rule);
    let mut s = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    s.push('\n');
    s
}

/// The `let:` block: (name, expression) in file order. Read from a YAML mapping; a name must be
/// a lower-case identifier that no other variable of the rule's expressions already has, and
/// may appear once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bindings(pub Vec<(String, String)>);

/// The variables every expression already sees (docs/rule-format.md), and minijinja's own names.
pub const RESERVED_NAMES: &[&str] = &[
    "facts", "case", "node", "matches", "captures", "items", "item", "count", "loop", "true",
    "false", "none", "and", "or", "not", "in", "is", "if", "else",
];

impl Bindings {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Why `name` cannot be a binding's name, if it cannot.
    fn bad_name(name: &str) -> Option<String> {
        let ident = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ident {
            Some(format!("let name {name:?} must be [a-z][a-z0-9_]*"))
        } else if RESERVED_NAMES.contains(&name) {
            Some(format!(
                "let name {name:?} is already a variable of every expression"
            ))
        } else {
            None
        }
    }
}

impl Serialize for Bindings {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Bindings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Bindings, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Bindings;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of name: \"<expression>\"")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Bindings, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, String>()? {
                    if let Some(why) = Bindings::bad_name(&k) {
                        return Err(serde::de::Error::custom(why));
                    }
                    if out.iter().any(|(n, _)| *n == k) {
                        return Err(serde::de::Error::custom(format!(
                            "let name {k:?} is given twice"
                        )));
                    }
                    out.push((k, v));
                }
                Ok(Bindings(out))
            }
        }
        d.deserialize_map(Visit)
    }
}
