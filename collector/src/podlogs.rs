//! Pod-log discovery: which containers get `kubectl logs`, read from the pod list the run has
//! just collected (cluster/pods.json, typed as `kdiag_bundle::k8s::PodList`). The jobs that
//! fetch them are built by `sources::kubectl_log_jobs`, with the rest of the table.

use crate::spool::Spooled;
use kdiag_bundle::k8s::PodList;
use kdiag_bundle::Status;
use std::io;

/// One container whose logs are fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// It runs or ran: its current log (`--since`).
    pub current: bool,
    /// It restarted: the log of its previous run (`--previous`).
    pub previous: bool,
}

/// The pod list, from the pods.json item (its status and spooled output). `Err` says why there
/// is none: kubectl failed, the output was cut by --max-file-size, or it is not a pod list.
pub fn parse(status: Status, spooled: &Spooled) -> Result<PodList, String> {
    if status != Status::Ok {
        return Err(format!("pods were not listed ({})", status.as_str()));
    }
    if spooled.truncated {
        return Err("pods.json was truncated by --max-file-size".into());
    }
    let r = spooled.reader().map_err(|e| e.to_string())?;
    serde_json::from_reader(io::BufReader::new(r))
        .map_err(|e| format!("pods.json does not parse: {e}"))
}

/// Containers whose current log is always fetched, healthy or not, as (pod name prefix,
/// container, only the pod on this node): the field rules read kube-proxy's mode and its
/// conntrack and IPVS lines, calico-node's and CoreDNS's errors (a loop, an upstream timeout).
pub const ALWAYS: &[(&str, &str, bool)] = &[
    ("kube-proxy-", "kube-proxy", true),
    ("calico-node-", "calico-node", true),
    ("coredns-", "coredns", false),
];

/// Node names compared as the kubelet may register them: case-insensitive, short names equal.
fn same_node(a: &str, b: &str) -> bool {
    let short = |s: &str| s.split('.').next().unwrap_or(s).to_ascii_lowercase();
    short(a) == short(b)
}

/// The containers worth a log: of pods that have not Succeeded, those not Ready or that have
/// restarted (init containers too), and the [`ALWAYS`] ones (kube-proxy and calico-node of
/// `this_node`, every CoreDNS), in the list's order. A container without a name, or of a pod
/// without one, cannot be asked for and is left out.
pub fn targets(list: &PodList, this_node: &str) -> Vec<LogTarget> {
    let mut out = Vec::new();
    for pod in &list.items {
        let st = &pod.status;
        if st.phase.as_deref() == Some("Succeeded") {
            continue;
        }
        let Some(name) = &pod.metadata.name else {
            continue;
        };
        for c in st
            .container_statuses
            .iter()
            .chain(st.init_container_statuses.iter())
        {
            let restarts = c.restart_count.unwrap_or(0);
            let Some(container) = &c.name else { continue };
            let always = ALWAYS.iter().any(|(prefix, cname, local)| {
                name.starts_with(prefix)
                    && container == cname
                    && (!local
                        || pod
                            .spec
                            .node_name
                            .as_deref()
                            .is_none_or(|n| same_node(n, this_node)))
            });
            if c.ready.unwrap_or(false) && restarts == 0 && !always {
                continue;
            }
            out.push(LogTarget {
                namespace: pod.metadata.namespace.clone().unwrap_or_default(),
                pod: name.clone(),
                container: container.clone(),
                current: c.state.running.is_some() || c.state.terminated.is_some(),
                previous: restarts > 0,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(json: &str) -> Vec<(String, bool, bool)> {
        let list: PodList = serde_json::from_str(json).unwrap();
        targets(&list, "node01")
            .into_iter()
            .map(|t| {
                (
                    format!("{}/{}/{}", t.namespace, t.pod, t.container),
                    t.current,
                    t.previous,
                )
            })
            .collect()
    }

    #[test]
    fn unready_or_restarted_containers_of_unfinished_pods() {
        let got = pick(
            r#"{"items": [
            {"metadata": {"name": "web", "namespace": "shop"},
             "status": {"phase": "Running", "containerStatuses": [
                {"name": "ok", "ready": true, "restartCount": 0, "state": {"running": {}}},
                {"name": "crash", "ready": false, "restartCount": 5,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
                {"name": "flaky", "ready": true, "restartCount": 1, "state": {"running": {}}}],
              "initContainerStatuses": [
                {"name": "init", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 1}}}]}},
            {"metadata": {"name": "job", "namespace": "shop"},
             "status": {"phase": "Succeeded", "containerStatuses": [
                {"name": "done", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0}}}]}},
            {"metadata": {"name": "new"}, "status": {"phase": "Pending", "containerStatuses": [
                {"name": "pull", "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}},
            {"metadata": {"name": "bare"}},
            {"metadata": {"namespace": "x"}, "status": {"containerStatuses": [{"name": "c"}]}}
        ]}"#,
        );
        assert_eq!(
            got,
            vec![
                ("shop/web/crash".to_string(), false, true),
                ("shop/web/flaky".to_string(), true, true),
                ("shop/web/init".to_string(), true, false),
                ("/new/pull".to_string(), false, false),
            ]
        );
    }

    #[test]
    fn kube_proxy_and_calico_of_this_node_and_every_coredns_always() {
        let ok = r#"[{"name": "C", "ready": true, "restartCount": 0, "state": {"running": {}}}]"#;
        let pod = |name: &str, node: &str, c: &str| {
            format!(
                r#"{{"metadata": {{"name": "{name}", "namespace": "kube-system"}}, "spec": {{"nodeName": "{node}"}}, "status": {{"phase": "Running", "containerStatuses": {}}}}}"#,
                ok.replace('C', c)
            )
        };
        let json = format!(
            r#"{{"items": [{}, {}, {}, {}, {}, {}]}}"#,
            pod("kube-proxy-9qz8d", "node01.example.com", "kube-proxy"),
            pod("kube-proxy-x2x2x", "node02", "kube-proxy"),
            pod("calico-node-abcde", "NODE01", "calico-node"),
            pod("calico-node-abcde", "NODE01", "install-cni"),
            pod("coredns-66bff467f8-x7k2p", "node02", "coredns"),
            pod("etcd-node01", "node01", "etcd"),
        );
        assert_eq!(
            pick(&json),
            vec![
                (
                    "kube-system/kube-proxy-9qz8d/kube-proxy".to_string(),
                    true,
                    false
                ),
                (
                    "kube-system/calico-node-abcde/calico-node".to_string(),
                    true,
                    false
                ),
                (
                    "kube-system/coredns-66bff467f8-x7k2p/coredns".to_string(),
                    true,
                    false
                ),
            ]
        );
    }
}
