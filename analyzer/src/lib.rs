//! analyze: reads kdiag bundles (or loose text) and diagnoses them with the rules in rules/.
//!
//! Pipeline: `input` turns each PATH into a [`model::Node`] (files as bytes, manifest, warnings);
//! `facts` parses a node's files into one typed, serializable [`facts::Facts`]; `rules` evaluates
//! every rule over texts and facts into findings; renderers print them.

pub mod cli;
pub mod facts;
pub mod input;
pub mod model;
pub mod output;
pub mod parse;
pub mod report;
pub mod rules;
pub mod secrets;
