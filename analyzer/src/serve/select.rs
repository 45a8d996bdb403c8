//! Label and field selectors, as kubectl sends them in `labelSelector` and `fieldSelector`
//! (`kubectl get -l`, `--field-selector`, and what `describe` asks for on its own).

use serde_json::Value;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Label {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
}

/// A parsed `labelSelector`: every requirement must hold (comma = AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(Vec<Label>);

/// Splits at commas outside parentheses: `a in (x,y),b` -> [`a in (x,y)`, `b`].
fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn set_of(s: &str) -> Result<Vec<String>, String> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("expected a (value, ...) set, found `{s}`"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

fn key(s: &str) -> Result<String, String> {
    let k = s.trim();
    let ok = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok {
        Ok(k.to_string())
    } else {
        Err(format!("invalid label key `{k}`"))
    }
}

impl LabelSelector {
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let req = if let Some(k) = part.strip_prefix('!') {
                Label::Absent(key(k)?)
            } else if let Some((k, v)) = part.split_once("!=") {
                Label::Ne(key(k)?, v.trim().to_string())
            } else if let Some((k, v)) = part.split_once("==") {
                Label::Eq(key(k)?, v.trim().to_string())
            } else if let Some((k, v)) = part.split_once('=') {
                Label::Eq(key(k)?, v.trim().to_string())
            } else if let Some((k, v)) = part.split_once(" notin ") {
                Label::NotIn(key(k)?, set_of(v)?)
            } else if let Some((k, v)) = part.split_once(" in ") {
                Label::In(key(k)?, set_of(v)?)
            } else {
                Label::Exists(key(part)?)
            };
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    /// Whether an object (its `metadata.labels`) satisfies every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels");
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Label::Eq(k, v) => get(k) == Some(v.as_str()),
            Label::Ne(k, v) => get(k) != Some(v.as_str()),
            Label::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Label::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Label::Exists(k) => get(k).is_some(),
            Label::Absent(k) => get(k).is_none(),
        })
    }
}

/// Field paths a field selector may name, as the API server allows them for the kinds served.
const FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "spec.unschedulable",
    "involvedObject.kind",
    "involvedObject.name",
    "involvedObject.namespace",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.fieldPath",
    "involvedObject.resourceVersion",
    "reason",
    "reportingComponent",
    "source",
    "type",
];

/// A parsed `fieldSelector`: `path=value`, `path==value`, `path!=value`, comma = AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    pub fn parse(s: &str) -> Result<FieldSelector, String> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let (path, equal, value) = if let Some((k, v)) = part.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = part.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, true, v)
            } else {
                return Err(format!(
                    "invalid field selector `{part}`: expected field=value"
                ));
            };
            let path = path.trim();
            if !FIELDS.contains(&path) {
                return Err(format!(
                    "field label not supported: {path} (analyze serve knows {})",
                    FIELDS.join(", ")
                ));
            }
            reqs.push((path.to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector(reqs))
    }

    /// Whether an object's fields satisfy every requirement; an absent field is the empty
    /// string, as in the API server (`status.phase!=Failed` holds when there is no phase).
    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(path, equal, want)| {
            let have = field(obj, path);
            (have == *want) == *equal
        })
    }
}

/// The value of a dotted field path as a string (`source` is an event's source component).
fn field(obj: &Value, path: &str) -> String {
    let path = if path == "source" {
        "source.component"
    } else {
        path
    };
    let mut v = obj;
    for seg in path.split('.') {
        match v.get(seg) {
            Some(next) => v = next,
            None => return String::new(),
        }
    }
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod() -> Value {
        json!({"metadata": {"name": "web-1", "namespace": "shop",
                            "labels": {"app": "web", "tier": "front"}},
               "spec": {"nodeName": "node01"}, "status": {"phase": "Running"}})
    }

    #[test]
    fn label_equality_and_sets() {
        let p = pod();
        let yes = [
            "app=web",
            "app==web",
            "app!=db",
            "app=web,tier=front",
            "app in (web, db)",
            "tier notin (back)",
            "app",
            "!missing",
            "missing!=x",
            "",
        ];
        for s in yes {
            assert!(LabelSelector::parse(s).unwrap().matches(&p), "{s}");
        }
        let no = [
            "app=db",
            "app!=web",
            "app=web,tier=back",
            "app in (db)",
            "app notin (web,db)",
            "missing",
            "!app",
            "missing in (x)",
        ];
        for s in no {
            assert!(!LabelSelector::parse(s).unwrap().matches(&p), "{s}");
        }
        assert!(LabelSelector::parse("a b c").is_err());
        assert!(LabelSelector::parse("app in web").is_err());
    }

    #[test]
    fn field_selectors_describe_sends() {
        let p = pod();
        let sel = |s: &str| FieldSelector::parse(s).unwrap().matches(&p);
        assert!(sel(
            "spec.nodeName=node01,status.phase!=Failed,status.phase!=Succeeded"
        ));
        assert!(!sel("spec.nodeName=node02"));
        assert!(sel("metadata.name==web-1"));
        assert!(sel("metadata.namespace=shop"));
        let bare = json!({"metadata": {"name": "x"}});
        assert!(FieldSelector::parse("status.phase!=Failed")
            .unwrap()
            .matches(&bare));
        assert!(FieldSelector::parse("bogus.field=1").is_err());
        assert!(FieldSelector::parse("nonsense").is_err());
    }

    #[test]
    fn event_fields() {
        let ev = json!({"type": "Warning", "reason": "BackOff", "source": {"component": "kubelet"},
                        "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop",
                                           "uid": "u1"}});
        let sel = |s: &str| FieldSelector::parse(s).unwrap().matches(&ev);
        assert!(sel("involvedObject.name=web-1,involvedObject.namespace=shop,involvedObject.kind=Pod,involvedObject.uid=u1"));
        assert!(sel("type=Warning"));
        assert!(sel("source=kubelet"));
        assert!(!sel("involvedObject.kind=Node"));
    }
}
