//! `kubectl cluster-info dump` written to stdout (one file: the NodeList, then per namespace its
//! EventList, ReplicationControllerList, ServiceList, DaemonSetList, DeploymentList,
//! ReplicaSetList and PodList as consecutive JSON documents, each followed by the pods' logs
//! framed by `==== START logs for container C of pod NS/POD ====` and its END line). Cut back
//! into the `--output-directory` layout, which the cluster-info-dump table then maps.

use std::collections::BTreeMap;

use serde_json::Value;

const START: &str = "==== START logs for container ";
const END: &str = "==== END logs for container ";

/// Whether the first bytes of a loose file are such a dump: a JSON document that is a NodeList.
pub fn is_stdout_dump(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start();
    t.starts_with('{')
        && (t.contains("\"kind\": \"NodeList\"") || t.contains("\"kind\":\"NodeList\""))
}

/// The dump as the files `--output-directory` would have written: `nodes.json`,
/// `<ns>/<kind>.json` and `<ns>/<pod>/logs.txt` (frames kept, for the table's log splitting).
/// Also returns what could not be read.
pub fn split(text: &str) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let trimmed = rest.trim_start();
        if trimmed.starts_with('{') {
            let mut it = serde_json::Deserializer::from_str(trimmed).into_iter::<Value>();
            match it.next() {
                Some(Ok(v)) => {
                    let used = it.byte_offset();
                    list_file(&v, &mut files);
                    rest = &trimmed[used..];
                    continue;
                }
                _ => {
                    problems.push(
                        "a JSON document of the dump does not parse: skipped to the next line"
                            .into(),
                    );
                }
            }
        } else if let Some(after) = trimmed.strip_prefix(START) {
            // `C of pod NS/POD ====`
            let header_end = after.find('\n').unwrap_or(after.len());
            let header = &after[..header_end];
            let mut words = header.split_whitespace();
            let pod = words.nth(3).unwrap_or("");
            let body_start = &after[header_end..];
            let end = body_start.find(&format!("\n{END}")).map(|i| i + 1);
            let (frame_body, next) = match end {
                Some(i) => {
                    let tail = &body_start[i..];
                    let line_end = tail.find('\n').map_or(tail.len(), |j| j + 1);
                    (&body_start[..i + line_end], &tail[line_end..])
                }
                None => (body_start, ""),
            };
            if let Some((ns, name)) = pod.split_once('/') {
                let f = files.entry(format!("{ns}/{name}/logs.txt")).or_default();
                f.extend_from_slice(START.as_bytes());
                f.extend_from_slice(header.as_bytes());
                f.extend_from_slice(frame_body.as_bytes());
                if !f.ends_with(b"\n") {
                    f.push(b'\n');
                }
            }
            rest = next;
            continue;
        }
        // Anything else (a log error line between frames): skip the line.
        rest = match trimmed.find('\n') {
            Some(i) => &trimmed[i + 1..],
            None => "",
        };
    }
    (files, problems)
}

/// Where one list of the dump goes: `nodes.json`, or `<ns>/<kind>.json` by its items' namespace
/// (an empty list tells no namespace and is dropped).
fn list_file(v: &Value, files: &mut BTreeMap<String, Vec<u8>>) {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = match kind {
        "NodeList" => {
            files.insert("nodes.json".into(), v.to_string().into_bytes());
            return;
        }
        "EventList" => "events",
        "ReplicationControllerList" => "replication-controllers",
        "ServiceList" => "services",
        "DaemonSetList" => "daemonsets",
        "DeploymentList" => "deployments",
        "ReplicaSetList" => "replicasets",
        "PodList" => "pods",
        _ => return,
    };
    let ns = v
        .get("items")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|i| i.pointer("/metadata/namespace"))
        .and_then(Value::as_str);
    if let Some(ns) = ns {
        files.insert(format!("{ns}/{name}.json"), v.to_string().into_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stdout_dump_splits_into_the_directory_layout() {
        let dump = r#"{
    "kind": "NodeList",
    "apiVersion": "v1",
    "items": [{"metadata": {"name": "n1"}}]
}
{
    "kind": "EventList",
    "apiVersion": "v1",
    "items": []
}
{
    "kind": "PodList",
    "apiVersion": "v1",
    "items": [{"metadata": {"name": "coredns-1", "namespace": "kube-system"}}]
}
==== START logs for container coredns of pod kube-system/coredns-1 ====
[FATAL] plugin/loop: Loop (127.0.0.1:40000 -> :53) detected
{"json": "log line"}
==== END logs for container coredns of pod kube-system/coredns-1 ====
"#;
        assert!(is_stdout_dump(dump.as_bytes()));
        let (files, problems) = split(dump);
        assert!(problems.is_empty(), "{problems:?}");
        let keys: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "kube-system/coredns-1/logs.txt",
                "kube-system/pods.json",
                "nodes.json"
            ]
        );
        let log = String::from_utf8_lossy(&files["kube-system/coredns-1/logs.txt"]).into_owned();
        assert!(log.starts_with(
            "==== START logs for container coredns of pod kube-system/coredns-1 ===="
        ));
        assert!(log.contains("plugin/loop: Loop") && log.contains("{\"json\": \"log line\"}"));
        assert!(log.trim_end().ends_with("===="));
        assert!(!is_stdout_dump(b"{\"kind\": \"Pod\"}"));
    }
}
