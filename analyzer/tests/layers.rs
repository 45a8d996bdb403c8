//! The house rules of the analyzer's code (rust-analyzer's `tidy` in spirit): layers only point
//! down, and no source file grows past the size where its concerns should part.
//!
//! Layers, lowest first (ARCHITECTURE.md draws the same map). A module may import from its own
//! top-level module and from strictly lower layers, never from a higher one or a sibling of the
//! same rank: `use crate::x`, an inline `crate::x::` path and `super::` reaching another
//! top-level module all count.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::root;

const LAYERS: &[(&str, u32)] = &[
    ("units", 0),
    ("texts", 1),
    ("input", 2),
    ("parse", 3),
    ("facts", 4),
    ("rules", 5),
    ("findings", 6),
    ("render", 7),
    ("pipeline", 8),
    ("secrets", 8),
    ("args", 9),
    ("eval", 9),
    ("diff", 9),
    ("serve", 9),
    ("cli", 10),
];

/// Longest .rs file, counting the lines before an inline `#[cfg(test)]` module.
const MAX_LINES: usize = 700;
/// cli.rs only parses, calls the pipeline and picks the exit code.
const MAX_CLI_LINES: usize = 300;

fn rank(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under src/: `texts/scan.rs` -> [texts, scan], `texts/mod.rs` ->
/// [texts], `lib.rs` -> [].
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a file before its inline test module.
fn code(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// Top-level modules a piece of code names: `crate::x`, `crate::{x, y::z}`, and `super::`
/// chains resolved against `module`.
fn referenced(code: &str, module: &[String]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or("");
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + 7..];
            if let Some(group) = after.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.push((name, n + 1));
                    }
                }
            } else {
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push((name, n + 1));
                }
            }
            rest = &rest[i + 7..];
        }
        let mut rest = line;
        while let Some(i) = rest.find("super::") {
            // `kdiag_analyzer::` or `a_super::` is not a super path
            let before = rest[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                rest = &rest[i + 7..];
                continue;
            }
            let mut ups = 1;
            let mut after = &rest[i + 7..];
            while let Some(a) = after.strip_prefix("super::") {
                ups += 1;
                after = a;
            }
            if ups >= module.len() {
                // reaches the crate root: the next segment is a top-level module
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "tests" {
                    out.push((name, n + 1));
                }
            }
            rest = after;
        }
    }
    out
}

#[test]
fn layers_only_point_down() {
    let src = root().join("analyzer/src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let module = module_path(rel);
        let Some(top) = module.first() else {
            continue; // lib.rs, main.rs: the crate root declares and calls every layer
        };
        let Some(own) = rank(top) else {
            problems.push(format!(
                "{}: top-level module `{top}` has no layer in tests/layers.rs (and ARCHITECTURE.md)",
                rel.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (name, line) in referenced(code(&text), &module) {
            if &name == top {
                continue;
            }
            let Some(theirs) = rank(&name) else {
                continue; // not a module of ours (a macro, a crate-root item)
            };
            edges
                .entry((top.clone(), name.clone()))
                .or_insert_with(|| format!("{}:{line}", rel.display()));
            if theirs >= own {
                problems.push(format!(
                    "{}:{line}: `{top}` (layer {own}) imports `{name}` (layer {theirs}): a layer imports only from lower ones",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(edges seen: {edges:?})",
        problems.join("\n")
    );
    // Sanity: the scan saw the real imports, so an empty problem list means something.
    assert!(edges.contains_key(&("rules".into(), "facts".into())));
    assert!(edges.contains_key(&("input".into(), "texts".into())));
}

#[test]
fn the_checker_catches_upward_imports() {
    let m = vec!["texts".to_string(), "scan".to_string()];
    let r = referenced(
        "use crate::rules::Engine;\nuse crate::{facts, units::time};\nlet x = super::super::render::x();\n",
        &m,
    );
    let names: Vec<&str> = r.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["rules", "facts", "units", "render"]);
    // `super::` inside texts/scan.rs is texts itself
    assert!(referenced("use super::LineFilter;", &m).is_empty());
}

#[test]
fn no_file_past_its_size() {
    let src = root().join("analyzer/src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    for crate_dir in ["bundle/src", "collector/src", "xtask/src"] {
        rs_files(&root().join(crate_dir), &mut files);
    }
    let mut problems = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let n = code(&text).lines().count();
        let rel = f.strip_prefix(root()).unwrap();
        let max = if rel == Path::new("analyzer/src/cli.rs") {
            MAX_CLI_LINES
        } else {
            MAX_LINES
        };
        if n > max {
            problems.push(format!(
                "{}: {n} lines of code (at most {max})",
                rel.display()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
