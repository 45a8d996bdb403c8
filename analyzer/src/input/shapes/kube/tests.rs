//! Tests of `kube.rs`.

use super::super::clean;
use kdiag_bundle::paths;

use super::super::derived_items as items;

/// Objects pasted indented (under a Markdown list item) or as items of a list, each read at
/// its own column; prose at the left margin ends the object.
#[test]
fn indented_objects_and_list_items() {
    let t = "1. the pod:\n\n    apiVersion: v1\n    kind: Pod\n    metadata:\n      name: web\n    spec:\n      hostNetwork: true\nand then it failed\n";
    let p = items(t, paths::PODS);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0]["spec"]["hostNetwork"], true);
    let t = "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: b\n";
    let names: Vec<_> = items(t, paths::PODS)
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(names, ["a", "b"]);
}

/// cgroup-driver-mismatch__kubernetes-website-8777.txt (dev): ` kind: KubeletConfiguration`
/// slipped one column right above `apiVersion:`; the document keeps its kind.
#[test]
fn first_key_slipped_right_from_website_8777() {
    let t = crate::input::corpus_snippet("cgroup-driver-mismatch__kubernetes-website-8777.txt");
    let docs = super::documents(&clean(&t));
    assert_eq!(docs[0]["kind"], "KubeletConfiguration", "{docs:?}");
    assert_eq!(docs[0]["cgroupDriver"], "systemd");
}

/// resource-stuck-terminating__kubernetes-kubernetes-64002.txt (dev): a namespace pasted
/// outside a code block (Markdown took the backslashes of its JSON-in-a-string annotations)
/// and cut off inside `labels`.
#[test]
fn json_without_backslashes_and_cut_short_from_k8s_64002() {
    let t =
        crate::input::corpus_snippet("resource-stuck-terminating__kubernetes-kubernetes-64002.txt");
    let ns = items(&t, paths::NAMESPACES);
    assert_eq!(ns.len(), 1, "{ns:?}");
    let m = &ns[0]["metadata"];
    assert_eq!(m["deletionTimestamp"], "2021-01-11T08:41:43Z");
    assert_eq!(m["finalizers"][0], "controller.cattle.io/namespace-auth");
    assert!(m["annotations"]["objectset.rio.cattle.io/applied"]
        .as_str()
        .is_some_and(|a| a.contains("\"fleet-system\"")));
    // an array or a scalar is no object; text that stays broken is dropped
    assert!(super::mended_json("[1, 2").is_none());
    assert!(super::mended_json("{\"a\": }").is_none());
}

/// A workload manifest pasted without its pods gives the pod of its template (owned by it,
/// no status); pasted pods win over templates.
#[test]
fn workload_template_pods() {
    let t = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: backup\n  namespace: ops\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostNetwork: true\n          containers:\n          - name: b\n            image: busybox\n";
    let p = items(t, paths::PODS);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["metadata"]["name"], "backup-template");
    assert_eq!(p[0]["metadata"]["namespace"], "ops");
    assert_eq!(p[0]["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    assert_eq!(p[0]["spec"]["hostNetwork"], true);
    assert!(p[0].get("status").is_none());
    let both = format!(
        "{t}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: backup-1\nspec:\n  containers: []\n"
    );
    let p = items(&both, paths::PODS);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0]["metadata"]["name"], "backup-1");
}

/// memory-quantity-suspicious__kubernetes-kubernetes-79950.txt (dev): a fenced pod, prose after.
#[test]
fn pod_yaml_from_k8s_79950() {
    let t = "```\napiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx\nspec:\n  containers:\n    - name: nginx\n      image: nginx:1.14.2\n      resources:\n        limits:\n          memory: 128m\n```\n\nGave the error:\n```\nMountVolume.SetUp failed\n```\n";
    let p = items(t, paths::PODS);
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0]["spec"]["containers"][0]["resources"]["limits"]["memory"],
        "128m"
    );
    // prose right after the object, no fence
    let t = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\nThis is what I got: {broken\n";
    assert_eq!(items(t, paths::NAMESPACES)[0]["metadata"]["name"], "a");
    assert!(clean(t).len() == 5);
}

#[test]
fn json_lists_and_documents() {
    let t = "$ kubectl get ns x -o json\n{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Namespace\",\n  \"metadata\": {\"name\": \"x\", \"deletionTimestamp\": \"2018-06-01T00:00:00Z\"},\n  \"status\": {\"phase\": \"Terminating\"}\n}\nand then\n";
    assert_eq!(
        items(t, paths::NAMESPACES)[0]["status"]["phase"],
        "Terminating"
    );
    let t = "apiVersion: v1\nitems:\n- metadata:\n    name: a\n  status: {}\nkind: PodList\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n";
    assert_eq!(items(t, paths::PODS)[0]["kind"], "Pod");
    assert_eq!(items(t, paths::NODES)[0]["metadata"]["name"], "n1");
}

/// memory-quantity-suspicious__kubernetes-kubernetes-103761.txt and -49559.txt (dev).
#[test]
fn resources_fragments() {
    let t = "The first case(running sucessfully):\nresources:\n    requests:\n        cpu: 0.3\n        memory: 100m\nThe second case(start failed):\nresources:\n    requests:\n        cpu: 0.3\n        memory: 100m\n    limits:\n        cpu: 0.4\n        memory: 200m\n";
    let p = items(t, paths::PODS);
    let c = p[0]["spec"]["containers"].as_array().unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[1]["resources"]["limits"]["memory"], "200m");
    let t = "requests:\n        memory: 0.001Mi\n        cpu: 1\n      limits:\n        memory: 0.001Mi\n        cpu: 1\nkubectl describe pod_id\n";
    let p = items(t, paths::PODS);
    assert_eq!(
        p[0]["spec"]["containers"][0]["resources"]["limits"]["memory"],
        "0.001Mi"
    );
    assert!(items("memory: 100m\n", paths::PODS).is_empty());
}

#[test]
fn node_wide_rows() {
    let t = "$ kubectl get nodes -o wide\nNAME    STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                KERNEL-VERSION          CONTAINER-RUNTIME\nnode1   Ready    <none>   10d   v1.15.3   10.0.0.1      <none>        CentOS Linux 7 (Core)   3.10.0-957.el7.x86_64   docker://18.9.7\n";
    let n = items(t, paths::NODES);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0]["metadata"]["name"], "node1");
    assert_eq!(
        n[0]["status"]["nodeInfo"]["kernelVersion"],
        "3.10.0-957.el7.x86_64"
    );
    assert_eq!(
        n[0]["status"]["nodeInfo"]["containerRuntimeVersion"],
        "docker://18.9.7"
    );
    assert_eq!(n[0]["status"]["nodeInfo"]["kubeletVersion"], "v1.15.3");
    assert!(n[0]["status"].get("conditions").is_none());
    // an EKS node: its name a DNS subdomain with dots, as the narrow table reader allows
    let t = "NAME                          STATUS   ROLES    AGE   VERSION              INTERNAL-IP   EXTERNAL-IP   OS-IMAGE         KERNEL-VERSION                  CONTAINER-RUNTIME\nip-10-0-1-23.ec2.internal     Ready    <none>   3d    v1.18.9-eks-d1db3c   10.0.1.23     <none>        Amazon Linux 2   4.14.203-156.332.amzn2.x86_64   docker://19.3.6\n";
    let n = items(t, paths::NODES);
    assert_eq!(n[0]["metadata"]["name"], "ip-10-0-1-23.ec2.internal");
    assert_eq!(
        n[0]["status"]["nodeInfo"]["kubeletVersion"],
        "v1.18.9-eks-d1db3c"
    );
}

/// resource-stuck-terminating__kubernetes-kubernetes-119881.txt (dev): grep'ed rows, no header.
#[test]
fn namespace_rows() {
    let t = "```\nkgns|grep -i terminating\nagent-ns       Terminating   12d\n```\n";
    let n = items(t, paths::NAMESPACES);
    assert_eq!(n[0]["metadata"]["name"], "agent-ns");
    assert_eq!(n[0]["status"]["phase"], "Terminating");
    assert_eq!(
        n[0]["metadata"]["annotations"]["kdiag.io/derived-from"],
        "kubectl-get-table"
    );
}

/// neg-resource-stuck-terminating__hyperhq-hypernetes-32.txt (dev): a LABELS column and an
/// empty NETWORK cell; kubectl get pods --show-labels is no namespace table.
#[test]
fn namespace_tables_with_labels() {
    let t = "``` sh\n# kubectl get ns\nNAME          LABELS    TENANT    NETWORK   STATUS    AGE\ndefault       <none>    default             Active    8h\nkube-system   <none>    default             Active    7h\nns1           <none>    default   net1      Active    15s\n```\n";
    let n = items(t, paths::NAMESPACES);
    let names: Vec<&str> = n
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "kube-system", "ns1"]);
    assert!(n.iter().all(|o| o["status"]["phase"] == "Active"));
    let pods = "NAME      READY   STATUS        RESTARTS   AGE   LABELS\nweb-0     0/1     Terminating   0          3d    app=web\n";
    assert!(items(pods, paths::NAMESPACES).is_empty());
}
