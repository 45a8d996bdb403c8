//! Facts: one typed, serializable structure per node, parsed from its files. Rules query it.
//! (Placeholder: filled in by the parsers work.)

use serde::Serialize;

use crate::model::Node;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facts {}

impl Facts {
    pub fn from_node(_node: &Node) -> Facts {
        Facts {}
    }
}
