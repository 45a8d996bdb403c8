//! Routing: the read-only Kubernetes API kubectl 1.20 to 1.32 needs: discovery, get and list
//! with selectors (JSON or a Table), pod logs, and a 405 for every write.

use serde_json::{json, Value};

use super::http::{Request, Response};
use super::objects::{find_kind, namespace, Kind, Store, KINDS};
use super::select::{FieldSelector, LabelSelector};
use super::table::{table, Include};

/// What a write (or exec, attach, port-forward) is told.
pub const READ_ONLY: &str = "the bundle is read-only (analyze serve)";

/// The API over one loaded store.
pub struct Api {
    pub store: Store,
    /// When set, every request must start its path with `/TOKEN` (what the kubeconfig's
    /// server URL holds: kubectl sends no credentials over plain HTTP) or carry
    /// `Authorization: Bearer TOKEN` (curl).
    pub token: Option<String>,
    /// `host:port` clients reach the server at (discovery's serverAddressByClientCIDRs).
    pub address: String,
    /// The time AGE columns count to (the collection time, else now).
    pub now: i64,
}

/// A `Status` failure, as the API server writes it.
pub fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Response {
    let mut v = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(d) = details {
        v["details"] = d;
    }
    Response::json(code, &v)
}

fn not_found_path() -> Response {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        None,
    )
}

fn not_found(k: &Kind, name: &str) -> Response {
    let qualified = if k.group.is_empty() {
        k.resource.to_string()
    } else {
        format!("{}.{}", k.resource, k.group)
    };
    status(
        404,
        "NotFound",
        &format!("{qualified} \"{name}\" not found"),
        Some(json!({"name": name, "group": k.group, "kind": k.resource})),
    )
}

fn bad_request(message: &str) -> Response {
    status(400, "BadRequest", message, None)
}

impl Api {
    pub fn handle(&self, req: &Request) -> Response {
        let Some(path) = self.authorized(req) else {
            return status(401, "Unauthorized", "Unauthorized", None);
        };
        if req.method != "GET" && req.method != "HEAD" {
            return status(405, "MethodNotAllowed", READ_ONLY, None);
        }
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        match segs.as_slice() {
            ["version"] => Response::json(200, &self.version()),
            ["healthz" | "livez" | "readyz"] => Response::text(200, b"ok".to_vec()),
            ["api"] => Response::json(
                200,
                &json!({
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": self.address}],
                }),
            ),
            ["apis"] => Response::json(200, &self.groups()),
            ["api", "v1"] => self.resource_list(""),
            ["apis", group] => match self.group(group) {
                Some(g) => Response::json(200, &g),
                None => not_found_path(),
            },
            ["apis", group, "v1"] => self.resource_list(group),
            ["api", "v1", rest @ ..] => self.resource(req, "", rest),
            ["apis", group, "v1", rest @ ..] => self.resource(req, group, rest),
            _ => not_found_path(),
        }
    }

    /// The API path of an authorized request (the token prefix removed), else `None`.
    fn authorized<'a>(&self, req: &'a Request) -> Option<&'a str> {
        let Some(token) = &self.token else {
            return Some(&req.path);
        };
        let prefixed = req
            .path
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(token.as_str()))
            .filter(|rest| rest.is_empty() || rest.starts_with('/'));
        if prefixed.is_some() {
            return prefixed;
        }
        let bearer = req
            .header("authorization")
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|t| t.trim() == token);
        bearer.then_some(req.path.as_str())
    }

    fn version(&self) -> Value {
        self.store.version.clone().unwrap_or_else(|| {
            json!({"major": "0", "minor": "0", "gitVersion": "v0.0.0-kdiag", "gitCommit": "",
                   "gitTreeState": "", "buildDate": "", "goVersion": "", "compiler": "",
                   "platform": "linux/amd64"})
        })
    }

    /// Kinds the bundle has, in a group.
    fn kinds(&self, group: &str) -> Vec<&'static Kind> {
        KINDS
            .iter()
            .filter(|k| k.group == group && self.store.list(k).is_some())
            .collect()
    }

    fn group(&self, name: &str) -> Option<Value> {
        if name.is_empty() || self.kinds(name).is_empty() {
            return None;
        }
        let gv = json!({"groupVersion": format!("{name}/v1"), "version": "v1"});
        Some(json!({"kind": "APIGroup", "apiVersion": "v1", "name": name,
                    "versions": [gv.clone()], "preferredVersion": gv}))
    }

    fn groups(&self) -> Value {
        let mut names: Vec<&str> = KINDS
            .iter()
            .map(|k| k.group)
            .filter(|g| !g.is_empty())
            .collect();
        names.dedup();
        let groups: Vec<Value> = names.iter().filter_map(|g| self.group(g)).collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }

    fn resource_list(&self, group: &str) -> Response {
        let kinds = self.kinds(group);
        if kinds.is_empty() && !group.is_empty() {
            return not_found_path();
        }
        let mut resources = Vec::new();
        for k in kinds {
            let mut r = json!({
                "name": k.resource,
                "singularName": k.singular,
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": ["get", "list"],
                "shortNames": k.short_names,
            });
            if k.in_all {
                r["categories"] = json!(["all"]);
            }
            resources.push(r);
            if k.resource == "pods" {
                resources.push(
                    json!({"name": "pods/log", "singularName": "", "namespaced": true,
                                      "kind": "Pod", "verbs": ["get"]}),
                );
            }
        }
        let gv = if group.is_empty() {
            "v1".to_string()
        } else {
            format!("{group}/v1")
        };
        Response::json(
            200,
            &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
        )
    }

    /// `/api/v1/...` or `/apis/GROUP/v1/...` after the version.
    fn resource(&self, req: &Request, group: &str, rest: &[&str]) -> Response {
        let (ns, rest) = match rest {
            ["namespaces", ns, more @ ..] if !more.is_empty() => (Some(*ns), more),
            _ => (None, rest),
        };
        let (resource, name, sub) = match rest {
            [r] => (*r, None, None),
            [r, n] => (*r, Some(*n), None),
            [r, n, s] => (*r, Some(*n), Some(*s)),
            _ => return not_found_path(),
        };
        if resource == "secrets" && group.is_empty() {
            return status(
                404,
                "NotFound",
                "secrets are never collected, so never served (analyze serve)",
                None,
            );
        }
        let Some(k) = find_kind(group, resource) else {
            return not_found_path();
        };
        if ns.is_some() && !k.namespaced {
            return not_found_path();
        }
        let Some(items) = self.store.list(k) else {
            let why = self
                .store
                .not_collected
                .get(k.resource)
                .map(String::as_str)
                .unwrap_or("not in the bundle");
            return status(404, "NotFound", &format!("{}: {why}", k.resource), None);
        };
        if req.param("watch").is_some_and(|w| w == "true" || w == "1") {
            return bad_request("watch is not supported: the bundle is a snapshot (analyze serve)");
        }
        match (name, sub) {
            (None, _) => self.list(req, k, ns, items),
            (Some(name), None) => match self.store.get(k, ns, name) {
                Some(o) => self.answer(req, k, vec![o], false),
                None => not_found(k, name),
            },
            (Some(name), Some("log")) if k.resource == "pods" => {
                match self.store.get(k, ns, name) {
                    Some(pod) => self.log(req, pod),
                    None => not_found(k, name),
                }
            }
            (Some(_), Some(_)) => status(405, "MethodNotAllowed", READ_ONLY, None),
        }
    }

    fn list(&self, req: &Request, k: &Kind, ns: Option<&str>, items: &[Value]) -> Response {
        let labels = match LabelSelector::parse(req.param("labelSelector").unwrap_or("")) {
            Ok(s) => s,
            Err(e) => return bad_request(&format!("unable to parse requirement: {e}")),
        };
        let fields = match FieldSelector::parse(req.param("fieldSelector").unwrap_or("")) {
            Ok(s) => s,
            Err(e) => return bad_request(&e),
        };
        let picked: Vec<&Value> = items
            .iter()
            .filter(|o| ns.is_none() || namespace(o) == ns)
            .filter(|o| labels.matches(o) && fields.matches(o))
            .collect();
        self.answer(req, k, picked, true)
    }

    /// A list (`as_list`) or one object, as JSON or as the Table kubectl asked for.
    fn answer(&self, req: &Request, k: &Kind, items: Vec<&Value>, as_list: bool) -> Response {
        let accept = req.header("accept").unwrap_or("");
        if accept.contains("as=Table") {
            let include = Include::from_param(req.param("includeObject"));
            return Response::json(200, &table(k.resource, &items, self.now, include));
        }
        if !as_list {
            return Response::json(200, items[0]);
        }
        Response::json(
            200,
            &json!({
                "kind": format!("{}List", k.kind),
                "apiVersion": k.group_version(),
                "metadata": {"resourceVersion": "1"},
                "items": items,
            }),
        )
    }

    /// `pods/NAME/log`: `container`, `previous`, `tailLines`, `limitBytes`.
    fn log(&self, req: &Request, pod: &Value) -> Response {
        let name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ns = namespace(pod).unwrap_or("default");
        let names = |ptr: &str| -> Vec<String> {
            pod.pointer(ptr)
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .filter_map(|c| c.get("name").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let containers = names("/spec/containers");
        let all: Vec<String> = containers
            .iter()
            .cloned()
            .chain(names("/spec/initContainers"))
            .chain(names("/spec/ephemeralContainers"))
            .collect();
        let default = pod
            .pointer("/metadata/annotations/kubectl.kubernetes.io~1default-container")
            .and_then(Value::as_str);
        let container = match (req.param("container").filter(|c| !c.is_empty()), default) {
            (Some(c), _) => c.to_string(),
            (None, Some(d)) => d.to_string(),
            (None, None) if containers.len() == 1 => containers[0].clone(),
            (None, None) => {
                return bad_request(&format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    containers.join(" ")
                ))
            }
        };
        if !all.is_empty() && !all.contains(&container) {
            return bad_request(&format!(
                "container {container} is not valid for pod {name}"
            ));
        }
        let previous = req
            .param("previous")
            .is_some_and(|p| p == "true" || p == "1");
        let text = match self.store.log(ns, name, &container, previous) {
            Ok(t) => t,
            Err(why) => return status(404, "NotFound", &why, None),
        };
        let mut text = text;
        if let Some(n) = req.param("tailLines").and_then(|t| t.parse::<usize>().ok()) {
            text = tail_lines(text, n);
        }
        let mut body = text.to_vec();
        if let Some(n) = req
            .param("limitBytes")
            .and_then(|t| t.parse::<usize>().ok())
        {
            body.truncate(n);
        }
        Response::text(200, body)
    }
}

/// The last `n` lines of a text (a trailing newline ends the last line, it does not start one).
pub fn tail_lines(text: &[u8], n: usize) -> &[u8] {
    if n == 0 {
        return &[];
    }
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    let mut seen = 0;
    for (i, c) in body.iter().enumerate().rev() {
        if *c == b'\n' {
            seen += 1;
            if seen == n {
                return &text[i + 1..];
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str, headers: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: path.into(),
            query: Vec::new(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn beyond_loopback_a_token_is_required() {
        let api = Api {
            store: Store::default(),
            token: Some("s3cr3t".into()),
            address: "10.0.0.1:8001".into(),
            now: 0,
        };
        assert_eq!(api.handle(&get("/s3cr3t/version", &[])).status, 200);
        assert_eq!(api.handle(&get("/s3cr3t", &[])).status, 404);
        assert_eq!(api.handle(&get("/version", &[])).status, 401);
        assert_eq!(api.handle(&get("/s3cr3tx/version", &[])).status, 401);
        let bearer = [("authorization", "Bearer s3cr3t")];
        assert_eq!(api.handle(&get("/version", &bearer)).status, 200);
        let wrong = [("authorization", "Bearer nope")];
        assert_eq!(api.handle(&get("/version", &wrong)).status, 401);
    }

    #[test]
    fn writes_and_secrets_are_refused() {
        let api = Api {
            store: Store::default(),
            token: None,
            address: "127.0.0.1:1".into(),
            now: 0,
        };
        let mut post = get("/api/v1/namespaces/default/pods", &[]);
        post.method = "POST".into();
        let r = api.handle(&post);
        assert_eq!(r.status, 405);
        assert!(String::from_utf8_lossy(&r.body).contains(READ_ONLY));
        let r = api.handle(&get("/api/v1/namespaces/default/secrets", &[]));
        assert_eq!(r.status, 404);
        assert!(String::from_utf8_lossy(&r.body).contains("never collected"));
        // kinds the bundle lacks are not discovered
        let r = api.handle(&get("/api/v1", &[]));
        assert!(!String::from_utf8_lossy(&r.body).contains("\"pods\""));
    }

    #[test]
    fn tails() {
        assert_eq!(tail_lines(b"a\nb\nc\n", 2), b"b\nc\n");
        assert_eq!(tail_lines(b"a\nb\nc", 1), b"c");
        assert_eq!(tail_lines(b"a\nb\n", 5), b"a\nb\n");
        assert_eq!(tail_lines(b"a\n", 0), b"");
    }
}
