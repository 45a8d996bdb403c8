//! What the engine prepares of a node before the rules run, on all cores and beside each other:
//! its facts serialized once ([`RuleFacts`]) and its held texts scanned ([`Prescan`], made by
//! `Engine::prescan`).

use std::collections::HashMap;

use minijinja::value::Value;

use super::case::CaseNode;
use super::env::strip_nulls;
use crate::facts::Facts;
use crate::texts::node::Node;
use crate::texts::{LineFilter, ProbeResult, Texts};

/// A node's facts as the rules read them: serialized once per node ([`RuleFacts::with_case`] also
/// gives the node's `case` entry from the same JSON), not on the run's serial path.
pub struct RuleFacts {
    pub(super) value: Value,
    /// Why the facts could not be serialized, if so.
    pub(super) warnings: Vec<String>,
}

impl RuleFacts {
    /// The node's facts for the rules (`None`: undefined facts).
    pub fn of(facts: Option<&Facts>) -> RuleFacts {
        RuleFacts::from_json(json(facts))
    }

    /// [`RuleFacts::of`], and the node's `case` entry read from the same JSON.
    pub fn with_case(node: &Node, facts: Option<&Facts>) -> (CaseNode, RuleFacts) {
        let (json, warnings) = json(facts);
        let case = match &json {
            Some(j) => CaseNode::of_json(node, j),
            None => CaseNode::of(node, facts),
        };
        (case, RuleFacts::from_json((json, warnings)))
    }

    fn from_json((json, warnings): (Option<serde_json::Value>, Vec<String>)) -> RuleFacts {
        let value = Value::from_serialize(strip_nulls(json.unwrap_or(serde_json::Value::Null)));
        RuleFacts { value, warnings }
    }
}

/// The facts as JSON (`None` when there are none or they do not serialize, with why).
fn json(facts: Option<&Facts>) -> (Option<serde_json::Value>, Vec<String>) {
    match facts.map(serde_json::to_value) {
        Some(Ok(v)) => (Some(v), Vec::new()),
        Some(Err(e)) => (None, vec![format!("facts: not serializable: {e}")]),
        None => (None, Vec::new()),
    }
}

/// A node's texts as the rules read them, scanned before its facts are known
/// ([`super::engine::Engine::prescan`]).
pub struct Prescan<'a> {
    pub(super) texts: Texts<'a>,
    pub(super) targets: Vec<Vec<(usize, LineFilter)>>,
    pub(super) source_errors: HashMap<usize, String>,
    pub(super) results: Vec<ProbeResult>,
    pub(super) warnings: Vec<String>,
}
