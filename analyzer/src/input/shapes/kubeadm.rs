//! A kubeadm configuration in a paste (a `kubeadm init`/`join --config` file, `kubeadm config
//! view`, the kubeadm-config ConfigMap): the kubelet flags its `nodeRegistration.kubeletExtraArgs`
//! sets, as the kubeadm-flags.env kubeadm writes from them on init and join
//! (cmd/kubeadm/app/phases/kubelet/flags.go: `KUBELET_KUBEADM_ARGS="--name=value ..."`).
//!
//! The field is read where kubeadm's API has it (cmd/kubeadm/app/apis/kubeadm/v1beta1-4
//! types.go): `nodeRegistration` of an InitConfiguration or JoinConfiguration (v1alpha2's
//! MasterConfiguration and NodeConfiguration before them), `kubeletExtraArgs` a map of flag name
//! to value up to v1beta3 and a list of `{name, value}` in v1beta4 (duplicates kept). A
//! ClusterConfiguration's `apiServer.extraArgs`, `controllerManager.extraArgs`, ... are other
//! components' flags and never read; a bare `nodeRegistration:` block, with no document around it,
//! is read too.

use serde_json::Value;

use super::yaml_parts::{block_under, config_map_texts};
use super::Line;

/// The first line of the kubeadm-flags.env built from a kubeadm configuration: facts tell these
/// flags (what kubeadm wrote on init or join) from a pasted kubeadm-flags.env by it.
pub const FROM_KUBEADM_CONFIG: &str =
    "# kdiag: from a pasted kubeadm configuration (nodeRegistration.kubeletExtraArgs)";

/// The kinds that carry a `nodeRegistration` (v1alpha2 to v1beta4).
const NODE_KINDS: &[&str] = &[
    "InitConfiguration",
    "JoinConfiguration",
    "MasterConfiguration",
    "NodeConfiguration",
];

/// kubeadm-flags.env for the first kubeadm configuration in the paste that sets kubelet flags.
pub(super) fn flags_env(lines: &[Line]) -> Option<String> {
    let docs = super::kube::documents(lines);
    let args = docs
        .iter()
        .flat_map(with_config_maps)
        .find_map(|d| extra_args(&d))
        .or_else(|| fragment(lines))?;
    let words: Vec<String> = args
        .into_iter()
        .map(|(n, v)| format!("--{}={v}", n.trim_start_matches('-')))
        .collect();
    Some(format!(
        "{FROM_KUBEADM_CONFIG}\nKUBELET_KUBEADM_ARGS=\"{}\"\n",
        words.join(" ")
    ))
}

/// A document, and the documents a ConfigMap's data holds as YAML text (the kubeadm-config
/// ConfigMap: `ClusterConfiguration`, v1.11's `MasterConfiguration`).
fn with_config_maps(d: &Value) -> Vec<Value> {
    let mut out = vec![d.clone()];
    for text in config_map_texts(d) {
        for doc in serde_yaml::Deserializer::from_str(text) {
            if let Ok(v) = <Value as serde::Deserialize>::deserialize(doc) {
                out.push(v);
            }
        }
    }
    out
}

/// `nodeRegistration.kubeletExtraArgs` of a kubeadm InitConfiguration/JoinConfiguration.
fn extra_args(d: &Value) -> Option<Vec<(String, String)>> {
    let api = d.get("apiVersion").and_then(Value::as_str)?;
    let kind = d.get("kind").and_then(Value::as_str)?;
    if !api.starts_with("kubeadm.k8s.io/") || !NODE_KINDS.contains(&kind) {
        return None;
    }
    kubelet_extra_args(d.get("nodeRegistration")?)
}

/// The flags of a `nodeRegistration` value: a map (v1beta3 and before) or a `{name, value}`
/// list (v1beta4). Another form (a list of `--flag=value` strings) kubeadm refuses to decode.
fn kubelet_extra_args(reg: &Value) -> Option<Vec<(String, String)>> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    };
    let out: Vec<(String, String)> = match reg.get("kubeletExtraArgs")? {
        Value::Object(m) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(|a| {
                let name = a.get("name")?.as_str()?.to_string();
                Some((name, scalar(a.get("value").unwrap_or(&Value::Null))?))
            })
            .collect(),
        _ => return None,
    };
    (!out.is_empty()).then_some(out)
}

/// A `nodeRegistration:` block pasted without its document: the lines indented under it.
fn fragment(lines: &[Line]) -> Option<Vec<(String, String)>> {
    for (i, l) in lines.iter().enumerate() {
        if l.cmd || l.text.trim() != "nodeRegistration:" {
            continue;
        }
        let body = block_under(lines, i);
        let text = format!("nodeRegistration:\n{}\n", body.join("\n"));
        if let Ok(v) = serde_yaml::from_str::<Value>(&text) {
            if let Some(args) = v.get("nodeRegistration").and_then(kubelet_extra_args) {
                return Some(args);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use kdiag_bundle::paths;

    use super::super::{derive, get};

    fn env(text: &str) -> Option<String> {
        get(&derive(text), paths::KUBELET_KUBEADM_FLAGS).map(str::to_string)
    }

    /// The v1beta3 map form and the v1beta4 `{name, value}` list (kubeadm's own v1beta4
    /// reference example: `- name: v` / `value: "5"`); a ClusterConfiguration's extraArgs are
    /// the control plane's, never the kubelet's.
    #[test]
    fn map_and_list_forms() {
        let t = "```yaml\napiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nnodeRegistration:\n  criSocket: /var/run/dockershim.sock\n  kubeletExtraArgs:\n    cgroup-driver: cgroupfs\n    max-pods: 110\n---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n    authorization-mode: Node,RBAC\n```\n";
        assert_eq!(
            env(t).unwrap(),
            format!(
                "{}\nKUBELET_KUBEADM_ARGS=\"--cgroup-driver=cgroupfs --max-pods=110\"\n",
                super::FROM_KUBEADM_CONFIG
            )
        );
        let t = "apiVersion: kubeadm.k8s.io/v1beta4\nkind: JoinConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n    - name: v\n      value: \"5\"\n    - name: cgroup-driver\n      value: systemd\n";
        assert!(env(t)
            .unwrap()
            .ends_with("KUBELET_KUBEADM_ARGS=\"--v=5 --cgroup-driver=systemd\"\n"));
        let t = "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n    max-requests-inflight: \"400\"\ncontrollerManager:\n  extraArgs:\n    node-cidr-mask-size: \"24\"\n";
        assert_eq!(env(t), None);
        // a pasted kubeadm-flags.env wins over the configuration it was written from
        let t = "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd\"\napiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\nnodeRegistration:\n  kubeletExtraArgs:\n    cgroup-driver: cgroupfs\n";
        assert_eq!(
            env(t).unwrap(),
            "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd\"\n"
        );
    }

    /// The kubeadm-config ConfigMap of kubeadm v1.11 (v1alpha2 `MasterConfiguration`, the whole
    /// configuration uploaded, its nodeRegistration included), and a bare `nodeRegistration:`
    /// block.
    #[test]
    fn config_map_and_fragment() {
        let t = "$ kubectl -n kube-system get cm kubeadm-config -o yaml\napiVersion: v1\ndata:\n  MasterConfiguration: |\n    apiVersion: kubeadm.k8s.io/v1alpha2\n    kind: MasterConfiguration\n    nodeRegistration:\n      criSocket: /var/run/dockershim.sock\n      kubeletExtraArgs:\n        cgroup-driver: systemd\nkind: ConfigMap\nmetadata:\n  name: kubeadm-config\n  namespace: kube-system\n";
        assert!(env(t)
            .unwrap()
            .ends_with("KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd\"\n"));
        let t = "nodeRegistration:\n  kubeletExtraArgs:\n    eviction-hard: nodefs.available<1%\n";
        assert!(env(t)
            .unwrap()
            .ends_with("KUBELET_KUBEADM_ARGS=\"--eviction-hard=nodefs.available<1%\"\n"));
    }

    /// Two dev look-alikes: kubernetes/kubeadm#2465's JoinConfiguration with kubeletExtraArgs as
    /// a list of `--flag=value` strings under a stray key (kubeadm cannot decode it), and
    /// sealerio/sealer#1656's ClusterConfiguration extraArgs (the control plane's): no flags.
    #[test]
    fn look_alikes_give_no_kubelet_flags() {
        for f in [
            "neg-cgroup-driver-mismatch__kubernetes-kubeadm-2465.txt",
            "neg-kubelet-eviction-config__sealerio-sealer-1656.txt",
        ] {
            let t = crate::input::corpus_snippet(f);
            assert_eq!(env(&t), None, "{f}");
            assert_eq!(get(&derive(&t), paths::KUBELET_CMDLINE), None, "{f}");
        }
    }
}
