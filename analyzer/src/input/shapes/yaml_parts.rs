//! Pieces of YAML that shape readers cut out of a paste: the block indented under a key line,
//! and the texts a ConfigMap's data holds (kubeadm keeps its configurations there).

use serde_json::Value;

use super::Line;

/// The lines indented under line `i` (a `key:` line), re-based at its indentation: up to the
/// first non-blank line that is not indented deeper, or a command.
pub(super) fn block_under(lines: &[Line], i: usize) -> Vec<&str> {
    let col = |t: &str| t.len() - t.trim_start().len();
    let at = col(&lines[i].text);
    lines[i + 1..]
        .iter()
        .take_while(|l| !l.cmd && (l.text.trim().is_empty() || col(&l.text) > at))
        .map(|l| l.text.get(at..).unwrap_or(""))
        .collect()
}

/// The text values of a ConfigMap's `data`; none for an object of another kind.
pub(super) fn config_map_texts(o: &Value) -> Vec<&str> {
    if o.get("kind").and_then(Value::as_str) != Some("ConfigMap") {
        return Vec::new();
    }
    o.get("data")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Value::as_str)
        .collect()
}
