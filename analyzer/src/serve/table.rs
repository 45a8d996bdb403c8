//! Server-side printing: the `meta.k8s.io/v1` Table kubectl asks for (`Accept: ...;as=Table`),
//! with the columns the API server's own printers give. The server prints every column;
//! kubectl shows those of priority 0 and, with `-o wide`, the rest. AGE and the other
//! durations count from the bundle's collection time, not from now.

use serde_json::{json, Value};

use crate::units::time::parse_rfc3339;

/// What a row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Include {
    None,
    /// PartialObjectMetadata (the default): kubectl reads NAMESPACE from it.
    Metadata,
    Object,
}

impl Include {
    pub fn from_param(p: Option<&str>) -> Include {
        match p {
            Some("None") => Include::None,
            Some("Object") => Include::Object,
            _ => Include::Metadata,
        }
    }
}

/// The Go duration printing of kubectl (`duration.HumanDuration`): `45s`, `5m3s`, `3h20m`, `6d2h`.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    if secs < 0 {
        return "0s".into();
    }
    if secs < 120 {
        return format!("{secs}s");
    }
    let minutes = secs / 60;
    if minutes < 10 {
        let s = secs % 60;
        return if s == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{s}s")
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = secs / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{m}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{h}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        return if dy == 0 {
            format!("{}y", hours / 24 / 365)
        } else {
            format!("{}y{dy}d", hours / 24 / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn n(v: &Value, ptr: &str) -> i64 {
    v.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn or_none(x: &str) -> String {
    if x.is_empty() {
        "<none>".into()
    } else {
        x.to_string()
    }
}

/// Time since an RFC 3339 timestamp, counted to `now` (the collection time).
fn since(ts: &str, now: i64) -> String {
    match parse_rfc3339(ts) {
        Some(t) if !ts.is_empty() => human_duration(now - t),
        _ => "<unknown>".into(),
    }
}

/// Column definitions: (name, priority); type string, name column formatted as a name.
fn columns(kind: &str) -> &'static [(&'static str, u8)] {
    match kind {
        "pods" => &[
            ("Name", 0),
            ("Ready", 0),
            ("Status", 0),
            ("Restarts", 0),
            ("Age", 0),
            ("IP", 1),
            ("Node", 1),
            ("Nominated Node", 1),
            ("Readiness Gates", 1),
        ],
        "nodes" => &[
            ("Name", 0),
            ("Status", 0),
            ("Roles", 0),
            ("Age", 0),
            ("Version", 0),
            ("Internal-IP", 1),
            ("External-IP", 1),
            ("OS-Image", 1),
            ("Kernel-Version", 1),
            ("Container-Runtime", 1),
        ],
        "events" => &[
            ("Last Seen", 0),
            ("Type", 0),
            ("Reason", 0),
            ("Object", 0),
            ("Subobject", 1),
            ("Source", 1),
            ("Message", 0),
            ("First Seen", 1),
            ("Count", 1),
            ("Name", 1),
        ],
        "namespaces" => &[("Name", 0), ("Status", 0), ("Age", 0)],
        "services" => &[
            ("Name", 0),
            ("Type", 0),
            ("Cluster-IP", 0),
            ("External-IP", 0),
            ("Port(s)", 0),
            ("Age", 0),
            ("Selector", 1),
        ],
        "deployments" => &[
            ("Name", 0),
            ("Ready", 0),
            ("Up-to-date", 0),
            ("Available", 0),
            ("Age", 0),
            ("Containers", 1),
            ("Images", 1),
            ("Selector", 1),
        ],
        "daemonsets" => &[
            ("Name", 0),
            ("Desired", 0),
            ("Current", 0),
            ("Ready", 0),
            ("Up-to-date", 0),
            ("Available", 0),
            ("Node Selector", 0),
            ("Age", 0),
        ],
        "replicasets" => &[
            ("Name", 0),
            ("Desired", 0),
            ("Current", 0),
            ("Ready", 0),
            ("Age", 0),
        ],
        "statefulsets" => &[("Name", 0), ("Ready", 0), ("Age", 0)],
        "persistentvolumeclaims" => &[
            ("Name", 0),
            ("Status", 0),
            ("Volume", 0),
            ("Capacity", 0),
            ("Access Modes", 0),
            ("StorageClass", 0),
            ("Age", 0),
        ],
        "persistentvolumes" => &[
            ("Name", 0),
            ("Capacity", 0),
            ("Access Modes", 0),
            ("Reclaim Policy", 0),
            ("Status", 0),
            ("Claim", 0),
            ("StorageClass", 0),
            ("Reason", 0),
            ("Age", 0),
        ],
        "storageclasses" => &[
            ("Name", 0),
            ("Provisioner", 0),
            ("ReclaimPolicy", 0),
            ("VolumeBindingMode", 0),
            ("Age", 0),
        ],
        "endpoints" => &[("Name", 0), ("Endpoints", 0), ("Age", 0)],
        _ => &[("Name", 0), ("Age", 0)],
    }
}

/// The Table of `items` of a resource, with durations counted to `now`.
pub fn table(resource: &str, items: &[&Value], now: i64, include: Include) -> Value {
    let defs: Vec<Value> = columns(resource)
        .iter()
        .map(|(name, priority)| {
            let mut d = json!({"name": name, "type": "string", "format": "", "description": "", "priority": priority});
            if *name == "Name" {
                d["format"] = json!("name");
            }
            d
        })
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row = json!({"cells": cells(resource, o, now)});
            match include {
                Include::None => {}
                Include::Metadata => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
                    })
                }
                Include::Object => row["object"] = (*o).clone(),
            }
            row
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": "1"},
        "columnDefinitions": defs,
        "rows": rows,
    })
}

/// One row's cells, in the order of [`columns`].
pub fn cells(resource: &str, o: &Value, now: i64) -> Vec<Value> {
    let name = s(o, "/metadata/name").to_string();
    let age = since(s(o, "/metadata/creationTimestamp"), now);
    let strs = |v: Vec<String>| v.into_iter().map(Value::String).collect::<Vec<_>>();
    match resource {
        "pods" => pod_cells(o, now),
        "nodes" => strs(node_cells(o, age)),
        "events" => strs(event_cells(o, now)),
        "namespaces" => strs(vec![name, s(o, "/status/phase").to_string(), age]),
        "services" => strs(service_cells(o, age)),
        "deployments" => {
            let containers = arr(o, "/spec/template/spec/containers");
            let names: Vec<&str> = containers.iter().map(|c| s(c, "/name")).collect();
            let images: Vec<&str> = containers.iter().map(|c| s(c, "/image")).collect();
            let mut c = vec![
                json!(name),
                json!(format!(
                    "{}/{}",
                    n(o, "/status/readyReplicas"),
                    n(o, "/spec/replicas")
                )),
                json!(n(o, "/status/updatedReplicas")),
                json!(n(o, "/status/availableReplicas")),
                json!(age),
            ];
            c.push(json!(names.join(",")));
            c.push(json!(images.join(",")));
            c.push(json!(selector(o.pointer("/spec/selector/matchLabels"))));
            c
        }
        "daemonsets" => {
            let ns = o
                .pointer("/spec/template/spec/nodeSelector")
                .map(|v| selector(Some(v)))
                .unwrap_or_default();
            vec![
                json!(name),
                json!(n(o, "/status/desiredNumberScheduled")),
                json!(n(o, "/status/currentNumberScheduled")),
                json!(n(o, "/status/numberReady")),
                json!(n(o, "/status/updatedNumberScheduled")),
                json!(n(o, "/status/numberAvailable")),
                json!(or_none(&ns)),
                json!(age),
            ]
        }
        "replicasets" => vec![
            json!(name),
            json!(n(o, "/spec/replicas")),
            json!(n(o, "/status/replicas")),
            json!(n(o, "/status/readyReplicas")),
            json!(age),
        ],
        "statefulsets" => strs(vec![
            name,
            format!(
                "{}/{}",
                n(o, "/status/readyReplicas"),
                n(o, "/spec/replicas")
            ),
            age,
        ]),
        "persistentvolumeclaims" => strs(vec![
            name,
            s(o, "/status/phase").to_string(),
            s(o, "/spec/volumeName").to_string(),
            s(o, "/status/capacity/storage").to_string(),
            access_modes(arr(o, "/spec/accessModes")),
            s(o, "/spec/storageClassName").to_string(),
            age,
        ]),
        "persistentvolumes" => {
            let claim = match s(o, "/spec/claimRef/name") {
                "" => String::new(),
                c => format!("{}/{c}", s(o, "/spec/claimRef/namespace")),
            };
            strs(vec![
                name,
                s(o, "/spec/capacity/storage").to_string(),
                access_modes(arr(o, "/spec/accessModes")),
                s(o, "/spec/persistentVolumeReclaimPolicy").to_string(),
                s(o, "/status/phase").to_string(),
                claim,
                s(o, "/spec/storageClassName").to_string(),
                s(o, "/status/reason").to_string(),
                age,
            ])
        }
        "storageclasses" => strs(vec![
            name,
            s(o, "/provisioner").to_string(),
            or_default(s(o, "/reclaimPolicy"), "Delete"),
            or_default(s(o, "/volumeBindingMode"), "Immediate"),
            age,
        ]),
        "endpoints" => strs(vec![name, endpoints(o), age]),
        _ => strs(vec![name, age]),
    }
}

fn or_default(v: &str, d: &str) -> String {
    if v.is_empty() { d } else { v }.to_string()
}

fn selector(v: Option<&Value>) -> String {
    let Some(m) = v.and_then(Value::as_object) else {
        return String::new();
    };
    let parts: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    parts.join(",")
}

fn access_modes(modes: &[Value]) -> String {
    let short: Vec<&str> = modes
        .iter()
        .filter_map(Value::as_str)
        .map(|m| match m {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect();
    short.join(",")
}

fn endpoints(o: &Value) -> String {
    let mut out = Vec::new();
    for subset in arr(o, "/subsets") {
        for addr in arr(subset, "/addresses") {
            let ip = s(addr, "/ip");
            let ports = arr(subset, "/ports");
            if ports.is_empty() {
                out.push(ip.to_string());
            }
            for p in ports {
                out.push(format!("{ip}:{}", n(p, "/port")));
            }
        }
    }
    if out.is_empty() {
        return "<none>".into();
    }
    let more = out.len().saturating_sub(3);
    out.truncate(3);
    let mut text = out.join(",");
    if more > 0 {
        text.push_str(&format!(" + {more} more..."));
    }
    text
}

/// READY, STATUS and RESTARTS as the API server's pod printer derives them.
fn pod_cells(o: &Value, now: i64) -> Vec<Value> {
    let total = arr(o, "/spec/containers").len();
    let mut ready = 0;
    let mut restarts = 0;
    let mut last_restart: Option<i64> = None;
    let mut reason = match s(o, "/status/reason") {
        "" => s(o, "/status/phase").to_string(),
        r => r.to_string(),
    };
    let mut note_restart = |c: &Value| {
        restarts += n(c, "/restartCount");
        if let Some(t) = parse_rfc3339(s(c, "/lastState/terminated/finishedAt")) {
            last_restart = Some(last_restart.map_or(t, |l: i64| l.max(t)));
        }
    };
    let inits = arr(o, "/status/initContainerStatuses");
    let mut initializing = false;
    for (i, c) in inits.iter().enumerate() {
        note_restart(c);
        let term = c.pointer("/state/terminated");
        let waiting = s(c, "/state/waiting/reason");
        if term.is_some_and(|t| n(t, "/exitCode") == 0) {
            continue;
        }
        reason = if let Some(t) = term {
            match (s(t, "/reason"), n(t, "/signal")) {
                ("", 0) => format!("Init:ExitCode:{}", n(t, "/exitCode")),
                ("", sig) => format!("Init:Signal:{sig}"),
                (r, _) => format!("Init:{r}"),
            }
        } else if !waiting.is_empty() && waiting != "PodInitializing" {
            format!("Init:{waiting}")
        } else {
            format!("Init:{i}/{}", arr(o, "/spec/initContainers").len())
        };
        initializing = true;
        break;
    }
    if !initializing {
        restarts = 0;
        last_restart = None;
        let mut has_running = false;
        for c in arr(o, "/status/containerStatuses").iter().rev() {
            restarts += n(c, "/restartCount");
            if let Some(t) = parse_rfc3339(s(c, "/lastState/terminated/finishedAt")) {
                last_restart = Some(last_restart.map_or(t, |l: i64| l.max(t)));
            }
            let waiting = s(c, "/state/waiting/reason");
            let term = c.pointer("/state/terminated");
            if !waiting.is_empty() {
                reason = waiting.to_string();
            } else if let Some(t) = term {
                reason = match (s(t, "/reason"), n(t, "/signal")) {
                    ("", 0) => format!("ExitCode:{}", n(t, "/exitCode")),
                    ("", sig) => format!("Signal:{sig}"),
                    (r, _) => r.to_string(),
                };
            } else if c.get("ready") == Some(&Value::Bool(true))
                && c.pointer("/state/running").is_some()
            {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = arr(o, "/status/conditions")
                .iter()
                .any(|c| s(c, "/type") == "Ready" && s(c, "/status") == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.into();
        }
    }
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        reason = if s(o, "/status/reason") == "NodeLost" {
            "Unknown"
        } else {
            "Terminating"
        }
        .into();
    }
    let restarts_text = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    let ip = match s(o, "/status/podIP") {
        "" => arr(o, "/status/podIPs")
            .first()
            .map(|p| s(p, "/ip"))
            .unwrap_or(""),
        ip => ip,
    };
    let gates = arr(o, "/spec/readinessGates");
    let gates_text = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let ok = gates
            .iter()
            .filter(|g| {
                let t = s(g, "/conditionType");
                arr(o, "/status/conditions")
                    .iter()
                    .any(|c| s(c, "/type") == t && s(c, "/status") == "True")
            })
            .count();
        format!("{ok}/{}", gates.len())
    };
    vec![
        json!(s(o, "/metadata/name")),
        json!(format!("{ready}/{total}")),
        json!(reason),
        json!(restarts_text),
        json!(since(s(o, "/metadata/creationTimestamp"), now)),
        json!(or_none(ip)),
        json!(or_none(s(o, "/spec/nodeName"))),
        json!(or_none(s(o, "/status/nominatedNodeName"))),
        json!(gates_text),
    ]
}

fn node_cells(o: &Value, age: String) -> Vec<String> {
    let mut status = Vec::new();
    if let Some(c) = arr(o, "/status/conditions")
        .iter()
        .find(|c| s(c, "/type") == "Ready")
    {
        status.push(if s(c, "/status") == "True" {
            "Ready"
        } else {
            "NotReady"
        });
    }
    if status.is_empty() {
        status.push("Unknown");
    }
    if o.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
        status.push("SchedulingDisabled");
    }
    let mut roles: Vec<String> = Vec::new();
    if let Some(labels) = o.pointer("/metadata/labels").and_then(Value::as_object) {
        for (k, v) in labels {
            if let Some(r) = k.strip_prefix("node-role.kubernetes.io/") {
                if !r.is_empty() {
                    roles.push(r.to_string());
                }
            } else if k == "kubernetes.io/role" {
                if let Some(v) = v.as_str().filter(|v| !v.is_empty()) {
                    roles.push(v.to_string());
                }
            }
        }
    }
    roles.sort();
    roles.dedup();
    let addr = |t: &str| {
        arr(o, "/status/addresses")
            .iter()
            .find(|a| s(a, "/type") == t)
            .map(|a| s(a, "/address").to_string())
            .unwrap_or_default()
    };
    vec![
        s(o, "/metadata/name").to_string(),
        status.join(","),
        or_none(&roles.join(",")),
        age,
        s(o, "/status/nodeInfo/kubeletVersion").to_string(),
        or_none(&addr("InternalIP")),
        or_none(&addr("ExternalIP")),
        s(o, "/status/nodeInfo/osImage").to_string(),
        s(o, "/status/nodeInfo/kernelVersion").to_string(),
        s(o, "/status/nodeInfo/containerRuntimeVersion").to_string(),
    ]
}

fn event_cells(o: &Value, now: i64) -> Vec<String> {
    let first = match s(o, "/firstTimestamp") {
        "" => since(s(o, "/eventTime"), now),
        t => since(t, now),
    };
    let mut last = match s(o, "/lastTimestamp") {
        "" => first.clone(),
        t => since(t, now),
    };
    let mut count = n(o, "/count");
    if o.get("series").is_some_and(|v| !v.is_null()) {
        last = since(s(o, "/series/lastObservedTime"), now);
        count = n(o, "/series/count");
    } else if count == 0 {
        count = 1;
    }
    let kind = s(o, "/involvedObject/kind").to_ascii_lowercase();
    let target = match s(o, "/involvedObject/name") {
        "" => kind,
        name => format!("{kind}/{name}"),
    };
    let source = match (s(o, "/source/component"), s(o, "/source/host")) {
        (c, "") => c.to_string(),
        (c, h) => format!("{c}, {h}"),
    };
    vec![
        last,
        s(o, "/type").to_string(),
        s(o, "/reason").to_string(),
        target,
        s(o, "/involvedObject/fieldPath").to_string(),
        source,
        s(o, "/message").trim().to_string(),
        first,
        count.to_string(),
        s(o, "/metadata/name").to_string(),
    ]
}

fn service_cells(o: &Value, age: String) -> Vec<String> {
    let kind = or_default(s(o, "/spec/type"), "ClusterIP");
    let mut external: Vec<String> = arr(o, "/spec/externalIPs")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    if kind == "LoadBalancer" {
        let ingress = arr(o, "/status/loadBalancer/ingress");
        for i in ingress {
            let a = match s(i, "/ip") {
                "" => s(i, "/hostname"),
                ip => ip,
            };
            external.push(a.to_string());
        }
        if external.is_empty() {
            external.push("<pending>".into());
        }
    } else if kind == "ExternalName" {
        external.push(s(o, "/spec/externalName").to_string());
    }
    let ports: Vec<String> = arr(o, "/spec/ports")
        .iter()
        .map(|p| {
            let proto = or_default(s(p, "/protocol"), "TCP");
            match n(p, "/nodePort") {
                0 => format!("{}/{proto}", n(p, "/port")),
                np => format!("{}:{np}/{proto}", n(p, "/port")),
            }
        })
        .collect();
    vec![
        s(o, "/metadata/name").to_string(),
        kind,
        or_none(s(o, "/spec/clusterIP")),
        or_none(&external.join(",")),
        or_none(&ports.join(",")),
        age,
        or_none(&selector(o.pointer("/spec/selector"))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_kubectl_does() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(5 * 60 + 3), "5m3s");
        assert_eq!(human_duration(30 * 60), "30m");
        assert_eq!(human_duration(3 * 3600 + 20 * 60), "3h20m");
        assert_eq!(human_duration(20 * 3600), "20h");
        assert_eq!(human_duration(6 * 86400 + 2 * 3600), "6d2h");
        assert_eq!(human_duration(40 * 86400), "40d");
        assert_eq!(human_duration(3 * 365 * 86400), "3y");
        assert_eq!(human_duration(-5), "<invalid>");
    }

    fn now() -> i64 {
        parse_rfc3339("2026-11-22T08:30:00Z").unwrap()
    }

    #[test]
    fn pod_columns_and_status() {
        let pod = json!({
            "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2026-11-22T06:30:00Z"},
            "spec": {"nodeName": "node01", "containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "podIP": "10.244.1.5", "containerStatuses": [
                {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}},
                {"name": "b", "ready": false, "restartCount": 7,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T08:27:00Z"}}}
            ]}
        });
        let t = table("pods", &[&pod], now(), Include::Metadata);
        let names: Vec<&str> = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["priority"] == 0)
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Name", "Ready", "Status", "Restarts", "Age"]);
        let cells = &t["rows"][0]["cells"];
        assert_eq!(cells[0], "web-1");
        assert_eq!(cells[1], "1/2");
        assert_eq!(cells[2], "CrashLoopBackOff");
        assert_eq!(cells[3], "7 (3m ago)");
        assert_eq!(cells[4], "120m");
        assert_eq!(cells[5], "10.244.1.5");
        assert_eq!(cells[6], "node01");
        assert_eq!(t["rows"][0]["object"]["metadata"]["namespace"], "shop");
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    }

    #[test]
    fn pending_and_init_pods() {
        let pending = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]},
                             "status": {"phase": "Pending"}});
        let c = cells("pods", &pending, now());
        assert_eq!(
            (c[1].as_str(), c[2].as_str(), c[4].as_str()),
            (Some("0/1"), Some("Pending"), Some("<unknown>"))
        );
        let init = json!({"metadata": {"name": "p"}, "spec": {"initContainers": [{"name": "i"}], "containers": [{"name": "a"}]},
                          "status": {"phase": "Pending", "initContainerStatuses": [
                              {"name": "i", "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        let c = cells("pods", &init, now());
        assert_eq!(c[2], "Init:CrashLoopBackOff");
        assert_eq!(c[3], "2");
    }

    #[test]
    fn node_and_event_columns() {
        let node = json!({"metadata": {"name": "master01", "creationTimestamp": "2026-11-01T08:30:00Z",
                                       "labels": {"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": ""}},
                          "spec": {"unschedulable": true},
                          "status": {"conditions": [{"type": "Ready", "status": "False"}],
                                     "nodeInfo": {"kubeletVersion": "v1.18.20"},
                                     "addresses": [{"type": "InternalIP", "address": "192.168.1.10"}]}});
        let c = cells("nodes", &node, now());
        assert_eq!(c[1], "NotReady,SchedulingDisabled");
        assert_eq!(c[2], "control-plane,master");
        assert_eq!(c[3], "21d");
        assert_eq!(c[4], "v1.18.20");
        assert_eq!(c[5], "192.168.1.10");
        assert_eq!(c[6], "<none>");
        let ev = json!({"metadata": {"name": "x.1"}, "type": "Warning", "reason": "BackOff", "count": 4,
                        "message": "Back-off restarting failed container",
                        "firstTimestamp": "2026-11-22T08:00:00Z", "lastTimestamp": "2026-11-22T08:29:00Z",
                        "involvedObject": {"kind": "Pod", "name": "web-1"}});
        let c = cells("events", &ev, now());
        assert_eq!(c[0], "60s");
        assert_eq!(c[3], "pod/web-1");
        assert_eq!(c[7], "30m");
        assert_eq!(c[8], "4");
        assert_eq!(columns("events").len(), c.len());
    }

    #[test]
    fn every_printer_fills_its_columns() {
        let o = json!({"metadata": {"name": "x"}});
        for k in [
            "pods",
            "nodes",
            "events",
            "namespaces",
            "services",
            "deployments",
            "daemonsets",
            "replicasets",
            "statefulsets",
            "persistentvolumeclaims",
            "persistentvolumes",
            "storageclasses",
            "endpoints",
            "configmaps",
        ] {
            assert_eq!(cells(k, &o, now()).len(), columns(k).len(), "{k}");
        }
    }
}
