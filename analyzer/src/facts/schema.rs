//! The facts described by their own types: the JSON Schema of [`Facts`] (docs/facts.schema.json),
//! the table of every fact path that docs/facts.md ends with, and the check `analyze rules lint`
//! runs on every `facts.…` path a rule names, so that a typo (`facts.kubelet.effective.cgroup_drivr`)
//! is an error instead of a rule that stays silent.

use serde_json::{Map, Value};

use super::Facts;
use crate::parse::kubelet::SPECS;

/// The JSON Schema of [`Facts`], pretty-printed (docs/facts.schema.json).
pub fn schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&schema()).expect("a schema serializes");
    s.push('\n');
    s
}

fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Facts)).expect("a schema serializes")
}

/// Maps whose keys are a closed set the code knows, although their type is a map: the merged
/// kubelet settings have one key per [`SPECS`] entry.
fn closed_keys(path: &str) -> Option<Vec<&'static str>> {
    match path {
        "kubelet.effective" | "kubelet.effective_source" | "kubelet.effective_at" => {
            Some(SPECS.iter().map(|s| s.field).collect())
        }
        _ => None,
    }
}

/// `true`, or a schema that constrains nothing (only a description): any JSON value, such as
/// a configuration file kept whole.
fn is_any(n: &Value) -> bool {
    const SHAPES: &[&str] = &[
        "type",
        "properties",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "$ref",
        "anyOf",
        "oneOf",
        "allOf",
    ];
    n == &Value::Bool(true)
        || n.as_object()
            .is_some_and(|o| !SHAPES.iter().any(|k| o.contains_key(*k)))
}

/// The fact tree as the schema describes it, for checking paths and listing them.
pub struct FactTree {
    root: Value,
    defs: Map<String, Value>,
}

impl Default for FactTree {
    fn default() -> Self {
        Self::new()
    }
}

impl FactTree {
    pub fn new() -> FactTree {
        let mut root = schema();
        let defs = match root.as_object_mut().and_then(|o| o.remove("$defs")) {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        FactTree { root, defs }
    }

    /// `$ref`s resolved, `Option`'s null branch dropped: the schema a value of this node has.
    fn resolve<'a>(&'a self, mut node: &'a Value) -> Vec<&'a Value> {
        for _ in 0..32 {
            let Some(r) = node.get("$ref").and_then(Value::as_str) else {
                break;
            };
            match r.strip_prefix("#/$defs/").and_then(|n| self.defs.get(n)) {
                Some(d) => node = d,
                None => break,
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = node.get(key).and_then(Value::as_array) {
                return branches
                    .iter()
                    .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                    .flat_map(|b| self.resolve(b))
                    .collect();
            }
        }
        vec![node]
    }

    /// Checks `segments` (the path after `facts`): `Err` says where it leaves the tree.
    pub fn check(&self, segments: &[String]) -> Result<(), String> {
        self.walk(&self.root, segments, 0)
    }

    fn walk(&self, node: &Value, segs: &[String], i: usize) -> Result<(), String> {
        if i == segs.len() {
            return Ok(());
        }
        let mut first_err = None;
        for n in self.resolve(node) {
            match self.step(n, segs, i) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or_else(|| format!("`{}` is not a fact", segs[..=i].join("."))))
    }

    fn step(&self, n: &Value, segs: &[String], i: usize) -> Result<(), String> {
        let seg = &segs[i];
        let here = segs[..i].join(".");
        if is_any(n) {
            return Ok(());
        }
        if let Some(p) = n.get("properties").and_then(Value::as_object) {
            return match p.get(seg) {
                Some(child) => self.walk(child, segs, i + 1),
                None => Err(format!(
                    "`{}` has no field `{seg}` (it has: {})",
                    if here.is_empty() { "facts" } else { &here },
                    p.keys().cloned().collect::<Vec<_>>().join(", ")
                )),
            };
        }
        if let Some(extra) = n.get("additionalProperties") {
            if let Some(keys) = closed_keys(&here) {
                if !keys.contains(&seg.as_str()) {
                    return Err(format!(
                        "`{here}` has no key `{seg}` (its keys are the kubelet settings of parse/kubelet.rs SPECS: {})",
                        keys.join(", ")
                    ));
                }
            }
            return self.walk(extra, segs, i + 1);
        }
        if let Some(items) = n.get("items") {
            if seg.bytes().all(|b| b.is_ascii_digit()) {
                return self.walk(items, segs, i + 1);
            }
            return Err(format!("`{here}` is a list: `{seg}` is not an index"));
        }
        let kind = n.get("type").map(Value::to_string).unwrap_or_default();
        Err(format!("`{here}` is a {kind}: it has no `{seg}`"))
    }

    /// Every fact path with its type and description, depth first (maps as `name[KEY]`, lists
    /// as `name[]`), for docs/facts.md.
    pub fn paths(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        self.list(&self.root, "facts", &mut out, 0);
        out
    }

    fn list(
        &self,
        node: &Value,
        path: &str,
        out: &mut Vec<(String, String, String)>,
        depth: usize,
    ) {
        if depth > 12 {
            return;
        }
        let desc = node
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        for n in self.resolve(node) {
            let desc = if desc.is_empty() {
                n.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            } else {
                desc.clone()
            };
            if let Some(p) = n.get("properties").and_then(Value::as_object) {
                if depth > 0 {
                    out.push((path.to_string(), "object".into(), desc));
                }
                for (k, v) in p {
                    self.list(v, &format!("{path}.{k}"), out, depth + 1);
                }
            } else if let Some(extra) = n.get("additionalProperties") {
                out.push((path.to_string(), "map".into(), desc));
                let key = if closed_keys(path.trim_start_matches("facts.")).is_some() {
                    "[SETTING]"
                } else {
                    "[KEY]"
                };
                self.list(extra, &format!("{path}{key}"), out, depth + 1);
            } else if let Some(items) = n.get("items") {
                out.push((path.to_string(), "list".into(), desc));
                self.list(items, &format!("{path}[]"), out, depth + 1);
            } else if is_any(n) {
                out.push((path.to_string(), "any".into(), desc));
            } else {
                let kind = match n.get("type") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|t| *t != "null")
                        .collect::<Vec<_>>()
                        .join("|"),
                    _ => "any".into(),
                };
                out.push((path.to_string(), kind, desc));
            }
        }
    }
}

/// The generated end of docs/facts.md: every fact path, its type and its doc comment.
pub fn paths_markdown() -> String {
    let mut out = String::from("| path | type | description |\n| --- | --- | --- |\n");
    for (path, kind, desc) in FactTree::new().paths() {
        let desc = desc.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push_str(&format!(
            "| `{path}` | {kind} | {} |\n",
            desc.replace('|', "\\|")
        ));
    }
    out
}

/// Every `facts.a.b['c']` path in `text` (a rule's expression or template), as its segments
/// after `facts`; a trailing method call (`facts.os.kernel_release.startswith(`) is left off.
pub fn fact_paths(text: &str) -> Vec<Vec<String>> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r#"(?:^|[^A-Za-z0-9_./])facts((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*'[^']*'\s*\]|\[\s*"[^"]*"\s*\])+)(\s*\()?"#,
        )
        .expect("valid regex")
    });
    let seg = regex::Regex::new(r#"\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]*)['"]\s*\]"#)
        .expect("valid regex");
    re.captures_iter(text)
        .map(|c| {
            let mut segs: Vec<String> = seg
                .captures_iter(&c[1])
                .map(|s| s.get(1).or(s.get(2)).map_or("", |m| m.as_str()).to_string())
                .collect();
            if c.get(2).is_some() {
                segs.pop();
            }
            segs
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('.').map(str::to_string).collect()
    }

    #[test]
    fn known_paths_pass_and_typos_say_where() {
        let t = FactTree::new();
        for ok in [
            "kubelet.effective.cgroup_driver",
            "kubelet.args.cgroup-driver",
            "docker.daemon_json.exec-opts",
            "cluster.pods",
            "network.mtu.eth0",
            "os.kernel_release",
        ] {
            assert_eq!(t.check(&segs(ok)), Ok(()), "{ok}");
        }
        let sysctl = vec!["sysctl".to_string(), "net.ipv4.ip_forward".to_string()];
        assert_eq!(t.check(&sysctl), Ok(()));
        let e = t
            .check(&segs("kubelet.effective.cgroup_drivr"))
            .unwrap_err();
        assert!(
            e.contains("no key `cgroup_drivr`") && e.contains("cgroup_driver"),
            "{e}"
        );
        let e = t.check(&segs("kubelet.versoin")).unwrap_err();
        assert!(e.contains("`kubelet` has no field `versoin`"), "{e}");
        let e = t.check(&segs("os.kernel_release.major")).unwrap_err();
        assert!(e.contains("is a"), "{e}");
        assert!(t.check(&segs("nodes")).is_err());
    }

    #[test]
    fn paths_are_found_in_templates() {
        let p = fact_paths(
            "{% if facts.sysctl['net.ipv4.ip_forward'] == '0' and facts.os.kernel_release.startswith('3.') %}x{% endif %} see docs/facts.md",
        );
        assert_eq!(
            p,
            vec![
                vec!["sysctl".to_string(), "net.ipv4.ip_forward".to_string()],
                vec!["os".to_string(), "kernel_release".to_string()],
            ]
        );
    }
}
