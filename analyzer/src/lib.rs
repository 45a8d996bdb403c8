//! analyze: reads kdiag bundles (or loose text) and diagnoses them with the rules in rules/.
//!
//! Layers, lowest first; a module imports only from layers below its own (tests/layers.rs
//! checks it, ARCHITECTURE.md draws it):
//! `units` (times, log timestamps, quantities, CIDRs, versions) -> `texts` (a node's files, held
//! or streamed, the named sources, the scanners) -> `input` (archives, folders, loose files into
//! a [`texts::Node`]) -> `parse` (one module per format) -> `facts` (one typed [`facts::Facts`]
//! per node) -> `rules` (load, evaluate, chains) -> `findings` (the [`findings::Document`]) ->
//! `render` (terminal, JSON, Markdown, HTML) -> `pipeline` ([`pipeline::Case::analyze`]) and
//! `secrets` -> `eval` (the scores on the real-world corpus), `diff` (two bundles compared),
//! `serve` (a read-only Kubernetes API over bundles, for kubectl) and `cli` (arguments and exit
//! codes only).

pub mod units;

pub mod texts;

pub mod input;

pub mod parse;

pub mod facts;

pub mod rules;

pub mod findings;

pub mod render;

pub mod pipeline;
pub mod secrets;

pub mod args;
pub mod diff;
pub mod eval;
pub mod serve;

pub mod cli;
