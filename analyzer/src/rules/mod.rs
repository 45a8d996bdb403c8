//! The rules engine: rule model, loading, conditions, evaluation, findings.
//!
//! Rules are data (rules/*.yaml, format in docs/rule-format.md), embedded at build time and
//! overridable with `--rules DIR`. Per node, `texts::scan` reads every text once for all rules'
//! regexes; [`engine::Engine`] then evaluates each rule's condition tree over the match results
//! and the node's facts, in parallel, turning a failing or panicking rule into an error finding.

pub mod case;
pub mod doc;
pub mod engine;
pub mod env;
mod evidence;
pub mod finding;
pub mod load;
pub mod model;
pub mod prepare;
pub mod tools;

pub use engine::{Engine, NodeReport};
pub use finding::{finalize, withhold_node_findings, At, Evidence, Finding, FindingKind};
pub use load::{lint, LintReport, LoadedRule, RuleSet};
pub use model::{Condition, I18n, Lang, Rule, Severity};
