//! Tests of `table.rs`.

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
