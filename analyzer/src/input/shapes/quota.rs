//! ResourceQuotas and LimitRanges that a paste shows without pasting the objects: `kubectl
//! describe quota` (`Resource Used Hard`), `kubectl describe limitrange` (`Type Resource Min Max
//! Default Request Default Limit ...`), and the admission errors that quote them: the quota
//! admission plugin's `exceeded quota: NAME, requested: ..., used: ..., limited: K=V,...`
//! (plugin/pkg/admission/resourcequota: `limited` is the quota's hard list) and the LimitRanger's
//! `maximum memory usage per Container is Q, but limit is ...` (plugin/pkg/admission/limitranger).
//! Each becomes an object of its kind, annotated with where it came from, so facts read the
//! quantities the way they read pasted objects.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Map, Value};

use super::{Line, DERIVED};

static EXCEEDED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"exceeded quota: ([\w.-]+),\s*requested: .*?limited: ((?:[\w./-]+=[\w.+-]+,?)+)")
        .unwrap()
});
static LIMITED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(minimum|maximum) memory usage per (Container|Pod) is ([0-9][0-9.eE+-]*[A-Za-z]{0,2}),? but")
        .unwrap()
});

fn derived(kind: &str, name: Option<&str>, ns: Option<&str>, from: &str, spec: Value) -> Value {
    let mut meta = Map::new();
    if let Some(n) = name {
        meta.insert("name".into(), n.into());
    }
    if let Some(n) = ns {
        meta.insert("namespace".into(), n.into());
    }
    meta.insert("annotations".into(), json!({ DERIVED: from }));
    json!({"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": spec})
}

/// The quotas and limit ranges the paste describes or quotes.
pub(super) fn objects(lines: &[Line]) -> Vec<Value> {
    let mut out = describe_quota(lines);
    out.extend(describe_limitrange(lines));
    // errors wrap across lines in a terminal: read them joined
    let joined: String = lines
        .iter()
        .filter(|l| !l.cmd)
        .map(|l| l.text.trim())
        .collect::<Vec<_>>()
        .join(" ");
    for c in EXCEEDED.captures_iter(&joined) {
        let hard: Map<String, Value> = c[2]
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), Value::from(v)))
            .collect();
        out.push(derived(
            "ResourceQuota",
            Some(&c[1]),
            None,
            "exceeded quota error",
            json!({ "hard": hard }),
        ));
    }
    for c in LIMITED.captures_iter(&joined) {
        let key = if &c[1] == "minimum" { "min" } else { "max" };
        out.push(derived(
            "LimitRange",
            None,
            None,
            "LimitRanger admission error",
            json!({"limits": [{"type": &c[2], key: {"memory": &c[3]}}]}),
        ));
    }
    out
}

/// The `Name:` and `Namespace:` lines above line `i` (a describe's header).
fn name_ns(lines: &[Line], i: usize) -> (Option<String>, Option<String>) {
    let field = |k: &str| {
        lines[..i]
            .iter()
            .rev()
            .take(6)
            .find_map(|l| l.text.trim().strip_prefix(k).map(|v| v.trim().to_string()))
            .filter(|v| !v.is_empty())
    };
    (field("Name:"), field("Namespace:"))
}

/// The rows under a header matched by `is_header`, skipping its `----` line, up to a blank.
fn rows(lines: &[Line], i: usize) -> Vec<Vec<&str>> {
    lines[i + 1..]
        .iter()
        .take_while(|l| !l.blank())
        .filter(|l| !l.text.trim_start().starts_with("--"))
        .map(|l| l.text.split_whitespace().collect())
        .collect()
}

/// `kubectl describe quota`: `Resource  Used  Hard` rows; the hard column is the quota.
fn describe_quota(lines: &[Line]) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let w: Vec<&str> = l.text.split_whitespace().collect();
        if l.cmd || w != ["Resource", "Used", "Hard"] {
            continue;
        }
        let hard: Map<String, Value> = rows(lines, i)
            .into_iter()
            .filter(|r| r.len() == 3)
            .map(|r| (r[0].to_string(), Value::from(r[2])))
            .collect();
        let (name, ns) = name_ns(lines, i);
        out.push(derived(
            "ResourceQuota",
            name.as_deref(),
            ns.as_deref(),
            "kubectl describe quota",
            json!({ "hard": hard }),
        ));
    }
    out
}

/// `kubectl describe limitrange`: `Type Resource Min Max Default Request Default Limit Max
/// Limit/Request Ratio` (1.0 printed `Type Resource Min Max Default`); `-` is unset.
fn describe_limitrange(lines: &[Line]) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.text.trim();
        if l.cmd
            || !(t.starts_with("Type")
                && t.contains("Resource")
                && t.contains("Min")
                && t.contains("Max"))
        {
            continue;
        }
        let keys: &[&str] = if t.contains("Default Request") {
            &["min", "max", "defaultRequest", "default"]
        } else {
            &["min", "max", "default"]
        };
        let limits: Vec<Value> = rows(lines, i)
            .into_iter()
            .filter(|r| r.get(1) == Some(&"memory"))
            .map(|r| {
                let mut lim = Map::new();
                lim.insert("type".into(), r[0].into());
                for (k, v) in keys.iter().zip(r.iter().skip(2)) {
                    if *v != "-" {
                        lim.insert((*k).into(), json!({ "memory": v }));
                    }
                }
                Value::Object(lim)
            })
            .collect();
        if !limits.is_empty() {
            let (name, ns) = name_ns(lines, i);
            out.push(derived(
                "LimitRange",
                name.as_deref(),
                ns.as_deref(),
                "kubectl describe limitrange",
                json!({ "limits": limits }),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::derived_items;
    use kdiag_bundle::paths;

    /// freqq/ckad-prep (bmuschko-crash-course/05-defining-resource-requirements.md): a quota
    /// written `requests.memory: 500m` and the error creating a pod under it.
    #[test]
    fn exceeded_quota_error_and_object() {
        let t = "```yaml\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: app\nspec:\n  hard:\n    pods: \"2\"\n    requests.cpu: \"2\"\n    requests.memory: 500m\n```\n\nkubectl create -f -n rq-demo pod.yaml\n\nError from server (Forbidden): error when creating \"pod.yaml\": pods \"mypod\" is forbidden: exceeded quota: app, requested: requests.memory=1G, used: requests.memory=0, limited: requests.memory=500m\n";
        let q = derived_items(t, paths::RESOURCEQUOTAS);
        assert_eq!(q.len(), 2, "{q:?}");
        assert_eq!(q[0]["spec"]["hard"]["requests.memory"], "500m");
        assert_eq!(q[1]["metadata"]["name"], "app");
        assert_eq!(q[1]["spec"]["hard"]["requests.memory"], "500m");
        assert_eq!(
            q[1]["metadata"]["annotations"]["kdiag.io/derived-from"],
            "exceeded quota error"
        );
    }

    /// harbur/kubernetic#54 (dev): `kubectl describe quota`; hashicorp/terraform-provider-kubernetes#783
    /// (dev): `kubectl describe limitrange` (Min 64M, Max 2048M).
    #[test]
    fn describe_quota_and_limitrange() {
        let t = "kubectl describe quota -n default\n```\nName:            default\nNamespace:       default\nResource         Used   Hard\n--------         ----   ----\nlimits.cpu       1500m  4\nlimits.memory    768Mi  2Gi\nrequests.cpu     1500m  4\nrequests.memory  768Mi  2Gi\n```\n";
        let q = derived_items(t, paths::RESOURCEQUOTAS);
        assert_eq!(q.len(), 1);
        assert_eq!(q[0]["metadata"]["namespace"], "default");
        assert_eq!(q[0]["spec"]["hard"]["limits.memory"], "2Gi");
        let t = "k describe limitrange limit-range\nName:       limit-range\nNamespace:  default\nType        Resource  Min  Max    Default Request  Default Limit  Max Limit/Request Ratio\n----        --------  ---  ---    ---------------  -------------  -----------------------\nContainer   memory    64M  2048M  64M              256M           -\nContainer   cpu       50m  2048m  50m              200m           -```\n";
        let l = derived_items(t, paths::LIMITRANGES);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0]["metadata"]["name"], "limit-range");
        let lim = &l[0]["spec"]["limits"][0];
        assert_eq!(
            (lim["type"].as_str(), lim["max"]["memory"].as_str()),
            (Some("Container"), Some("2048M"))
        );
        assert_eq!(lim["default"]["memory"], "256M");
        assert!(
            l[0]["spec"]["limits"].as_array().unwrap().len() == 1,
            "the cpu row is not read"
        );
    }

    /// The LimitRanger's error (the Kubernetes docs' memory-constraint task, a request under a
    /// 500Mi minimum), and the pre-1.2 quota error of kubernetes/kubernetes#21654, whose
    /// `requesting 4402341478400m` is the request, not the quota.
    #[test]
    fn limitranger_error_and_old_quota_error() {
        let t = "Error from server (Forbidden): error when creating \"examples/admin/resource/memory-constraints-pod-3.yaml\":\npods \"constraints-mem-demo-3\" is forbidden: minimum memory usage per Container is 500Mi, but request is 100Mi.\n";
        let l = derived_items(t, paths::LIMITRANGES);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0]["spec"]["limits"][0]["min"]["memory"], "500Mi");
        let t = "Error from server: error when creating \"./quota/pod1.yaml\": pods \"quota-demo-large\" is forbidden: [memory quota is 4Gi, current usage is 0, requesting 4402341478400m., cpu quota is 4, current usage is 0, requesting 4100m.]\n";
        assert!(derived_items(t, paths::RESOURCEQUOTAS).is_empty());
    }
}
