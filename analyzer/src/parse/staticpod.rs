//! Static pod manifests (/etc/kubernetes/manifests/*.yaml): a container's command-line flags read
//! from the YAML's `command` and `args` lists, so a commented-out line or another container's
//! flag is never taken for the setting.

use serde_yaml::Value;

/// The value of `--flag` (`--flag=value`, or `--flag` then `value` as the next list item) in the
/// `command`/`args` of the container named `container` (else the first container) of the static
/// pod manifest `text`, with its 1-based line. `Err` when the text is not YAML or not a pod
/// manifest (no `spec.containers`): a fragment, which callers read word by word.
pub fn container_flag(
    text: &str,
    container: &str,
    flag: &str,
) -> Result<Option<(usize, String)>, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    if !doc.is_mapping() {
        return Err("not a YAML mapping".into());
    }
    let containers = doc
        .get("spec")
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .ok_or("no spec.containers: not a pod manifest")?;
    let Some(c) = containers
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
        .or_else(|| containers.first())
    else {
        return Ok(None);
    };
    let words: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|k| c.get(*k).and_then(Value::as_sequence))
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let value = match w.strip_prefix(flag) {
            Some(rest) if rest.starts_with('=') => rest[1..].to_string(),
            Some("") => match it.next() {
                Some(v) => v.to_string(),
                None => continue,
            },
            _ => continue,
        };
        return Ok(Some((line_of(text, flag, &value).unwrap_or(1), value)));
    }
    Ok(None)
}

/// The line of the flag: the first line that is not a comment and holds `flag` as a word (not a
/// longer flag's prefix) with `value` on it or on the next line; else the first with the flag.
fn line_of(text: &str, flag: &str, value: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let holds_flag = |l: &str| {
        if l.trim_start().starts_with('#') {
            return false;
        }
        l.match_indices(flag).any(|(at, _)| {
            matches!(
                l[at + flag.len()..].chars().next(),
                None | Some('=' | ' ' | '"' | '\'')
            )
        })
    };
    let candidates: Vec<usize> = (0..lines.len()).filter(|&i| holds_flag(lines[i])).collect();
    candidates
        .iter()
        .find(|&&i| lines[i].contains(value) || lines.get(i + 1).is_some_and(|n| n.contains(value)))
        .or(candidates.first())
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kubeadm-written manifest (the no-default-route scenario's).
    const KUBEADM: &str = include_str!(
        "../../../testdata/scenarios/no-default-route/node/kubernetes/manifests/kube-apiserver.yaml"
    );

    #[test]
    fn kubeadm_manifest_flag_and_its_line() {
        let (line, v) = container_flag(KUBEADM, "kube-apiserver", "--service-cluster-ip-range")
            .unwrap()
            .expect("the flag is there");
        assert_eq!((line, v.as_str()), (39, "10.96.0.0/12"));
    }

    #[test]
    fn commented_out_flags_and_other_containers_do_not_count() {
        let t = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: sidecar\n    args: [\"--service-cluster-ip-range=10.0.0.0/8\"]\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    # - --service-cluster-ip-range=10.96.0.0/12\n    - --service-cluster-ip-range\n    - 172.20.0.0/16\n";
        assert_eq!(
            container_flag(t, "kube-apiserver", "--service-cluster-ip-range").unwrap(),
            Some((11, "172.20.0.0/16".to_string()))
        );
        assert_eq!(
            container_flag(t, "kube-apiserver", "--service-cluster-ip").unwrap(),
            None,
            "a longer flag is not this one"
        );
        assert!(container_flag("- just\n- a list\n", "x", "--y").is_err());
        assert!(container_flag("spec: [unclosed\n", "x", "--y").is_err());
    }
}
