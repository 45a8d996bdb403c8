//! `kubectl get nodes` (and `oc get nodes`) as a plain table: the nodes the cluster has, by name.
//! `kubectl get nodes -o wide` rows are read by `kube.rs`, which also keeps what the wide columns
//! say; this reads the narrow table every version printed: `NAME STATUS ROLES AGE VERSION`
//! (v1.8+), `NAME STATUS AGE VERSION` (v1.6-1.7), `NAME STATUS AGE` (v1.5), with `--show-labels`'s
//! LABELS column last. A row's STATUS is not turned into conditions (a table row has no reason,
//! message or time); its VERSION is `status.nodeInfo.kubeletVersion`.

use serde_json::{json, Value};

use super::{Line, DERIVED};

/// The columns the narrow node table may have after NAME and STATUS.
const COLUMNS: &[&str] = &["ROLES", "AGE", "VERSION", "LABELS"];

fn header(line: &Line) -> Option<Vec<&str>> {
    let w: Vec<&str> = line.text.split_whitespace().collect();
    let ok = !line.cmd
        && w.len() >= 3
        && w[0] == "NAME"
        && w[1] == "STATUS"
        && w.contains(&"AGE")
        && w[2..].iter().all(|c| COLUMNS.contains(c));
    ok.then_some(w)
}

/// A node's STATUS: Ready, NotReady or Unknown, with `,SchedulingDisabled` when cordoned.
fn node_status(s: &str) -> bool {
    let first = s.split(',').next().unwrap_or("");
    matches!(first, "Ready" | "NotReady" | "Unknown")
        && s.split(',').skip(1).all(|p| p == "SchedulingDisabled")
}

/// A node name: a lower-case DNS subdomain (dots allowed: `ip-10-0-0-1.ec2.internal`), as the
/// API server requires. Both node-table readers check names with it.
pub(super) fn node_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// A VERSION cell: the kubelet's `v1.18.2`.
pub(super) fn kubelet_version(s: &str) -> bool {
    s.strip_prefix('v')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

/// A Node object for a node table's row (narrow or `-o wide`): its name, and its
/// `status.nodeInfo` when the row shows one.
pub(super) fn table_node(name: &str, info: Option<Value>) -> Value {
    let mut node = json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "annotations": {DERIVED: "kubectl-get-table"}}});
    if let Some(info) = info {
        node["status"] = json!({ "nodeInfo": info });
    }
    node
}

/// The rows of every narrow node table in the paste, as Node objects named by their first column.
pub(super) fn nodes(lines: &[Line]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(head) = header(&lines[i]) else {
            i += 1;
            continue;
        };
        i += 1;
        let version_at = head.iter().position(|c| *c == "VERSION");
        while let Some(r) = lines.get(i).filter(|r| !r.blank()) {
            let w: Vec<&str> = r.text.split_whitespace().collect();
            if w.len() < head.len().min(3) || !node_name(w[0]) || !node_status(w[1]) {
                break;
            }
            i += 1;
            let kubelet = version_at
                .and_then(|v| w.get(v))
                .filter(|v| kubelet_version(v));
            out.push(table_node(
                w[0],
                kubelet.map(|v| json!({ "kubeletVersion": v })),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::clean;
    use super::*;

    fn names(t: &str) -> Vec<String> {
        nodes(&clean(t))
            .iter()
            .map(|n| n["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// `oc get nodes` as MicroShift prints it (openshift/microshift#761 shows this table above its
    /// journal, which is the corpus row): the one node, with its kubelet version.
    #[test]
    fn oc_get_nodes() {
        let t = "```\noc get nodes\nNAME     STATUS     ROLES    AGE   VERSION\nfedora   NotReady   <none>   40h   v1.21.0\n```\n";
        assert_eq!(names(t), ["fedora"]);
        let n = nodes(&clean(t));
        assert_eq!(n[0]["status"]["nodeInfo"]["kubeletVersion"], "v1.21.0");
    }

    /// Every version's columns, a cordoned node, names with dots; a pod table (READY, RESTARTS)
    /// and prose after the rows are no nodes.
    #[test]
    fn narrow_tables_of_each_version() {
        let t = "$ kubectl get nodes\nNAME                          STATUS                     ROLES    AGE   VERSION\nip-10-0-0-1.ec2.internal      Ready                      master   3d    v1.18.2\nnode-2                        NotReady,SchedulingDisabled   <none>   3d    v1.18.2\nthe second one broke\n";
        assert_eq!(names(t), ["ip-10-0-0-1.ec2.internal", "node-2"]);
        let t = "NAME      STATUS    AGE       VERSION\nworker1   Ready     2d        v1.7.4\n";
        assert_eq!(names(t), ["worker1"]);
        let t = "NAME      STATUS    AGE\nnode1     Ready     10m\n";
        assert_eq!(names(t), ["node1"]);
        let t =
            "NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          1d\n";
        assert!(names(t).is_empty());
        let t = "NAME     STATUS   AGE\ndefault  Active   10d\n";
        assert!(names(t).is_empty(), "a namespace table");
    }
}
