//! The node's CNI configs (/etc/cni/net.d) in the order the kubelet reads them.

use super::*;
use crate::parse::cni;

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CniConfig {
    /// The file name in /etc/cni/net.d.
    pub file: String,
    /// `flannel`, `calico`, `weave-net`, `cilium`, `kube-ovn`, `antrea`, `kube-router`,
    /// `multus`, `loopback`, a runtime's bridge (`bridge containerd-net`, `bridge podman`,
    /// `bridge crio`), else `<type> <name>`; absent when neither the text nor the name tells.
    pub network: Option<String>,
    /// Every plugin `type` in the file (empty when only its name is known).
    pub types: Vec<String>,
    /// `file` (its text was copied or pasted) or `name` (known from a listing only: `network`
    /// is guessed from the name the add-on's installer gives it).
    pub from: String,
    /// libcni loads it (`.conf`, `.conflist`, `.json`); other files are ignored.
    pub loaded: bool,
    /// The text parses as JSON (libcni skips a file that does not; a config quoted in part in a
    /// paste does not either). Absent when only the name is known.
    pub valid: Option<bool>,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cni {
    /// Every file, sorted by name (the kubelet's order).
    pub configs: Vec<CniConfig>,
    /// The file the kubelet and containerd use for new pods: the first loaded config in name
    /// order. (libcni would pass over a file that does not parse; `valid` says so, but a copy
    /// or paste that does not parse is more often cut than broken, so it still counts here.)
    pub in_use: Option<String>,
    /// The network of `in_use`.
    pub in_use_network: Option<String>,
    /// The distinct networks of the loaded configs, loopback left out, in name order.
    pub networks: Vec<String>,
    /// Those of `networks` that are Kubernetes pod-network add-ons (flannel, calico, weave-net,
    /// cilium, kube-ovn, antrea, kube-router, ...), not a runtime's bridge, multus or loopback.
    pub addons: Vec<String>,
    /// The add-ons whose DaemonSet is in the cluster (cluster/daemonsets.json: `kube-flannel*`,
    /// `calico-node`/`canal`, `weave-net`, `cilium`, `kube-ovn-cni`, `antrea-agent`,
    /// `kube-router`), in the order of `addons`' list of add-ons; absent when the DaemonSets were
    /// not collected.
    pub running_addons: Option<Vec<String>>,
}

/// `facts.cni` with `running_addons` read from the cluster's DaemonSets.
pub(super) fn cni(cx: &mut Cx, cluster: Option<&Cluster>) -> Option<Cni> {
    let mut c = configs(cx)?;
    c.running_addons = cluster
        .and_then(|c| c.daemonsets.as_ref())
        .map(|ds| cni::running_addons(ds.iter().map(|d| d.name.as_str())));
    Some(c)
}

fn configs(cx: &mut Cx) -> Option<Cni> {
    let prefix = format!("{}/", p::CNI_DIR);
    let mut by_file: BTreeMap<String, CniConfig> = BTreeMap::new();
    for (path, bytes) in cx.node.files.range(prefix.clone()..) {
        let Some(file) = path.strip_prefix(&prefix) else {
            break;
        };
        if file.contains('/') {
            continue;
        }
        let text = decode_text(bytes);
        let c = cni::config(&text);
        by_file.insert(
            file.to_string(),
            CniConfig {
                file: file.to_string(),
                network: c
                    .as_ref()
                    .and_then(|c| cni::network_of(&c.types, c.name.as_deref(), c.bridge.as_deref()))
                    .or_else(|| cni::network_of_name(file)),
                types: c.as_ref().map(|c| c.types.clone()).unwrap_or_default(),
                from: "file".into(),
                loaded: cni::is_loaded(file),
                valid: Some(c.as_ref().is_some_and(|c| c.valid)),
                at: at(path, c.as_ref().map_or(1, |c| c.line)),
            },
        );
    }
    if let Some(t) = cx.text(p::CNI_LISTING) {
        for (file, line) in cni::listing(&t) {
            by_file.entry(file.clone()).or_insert_with(|| CniConfig {
                network: cni::network_of_name(&file),
                loaded: cni::is_loaded(&file),
                from: "name".into(),
                valid: None,
                types: Vec::new(),
                at: at(p::CNI_LISTING, line),
                file,
            });
        }
    }
    if by_file.is_empty() {
        return None;
    }
    let configs: Vec<CniConfig> = by_file.into_values().collect();
    let in_use = configs.iter().find(|c| c.loaded).map(|c| c.file.clone());
    let mut networks: Vec<String> = Vec::new();
    for n in configs
        .iter()
        .filter(|c| c.loaded)
        .filter_map(|c| c.network.as_ref())
    {
        if n != "loopback" && !networks.contains(n) {
            networks.push(n.clone());
        }
    }
    let addons = networks
        .iter()
        .filter(|n| cni::is_addon(n))
        .cloned()
        .collect();
    let in_use_network = in_use.as_ref().and_then(|f| {
        configs
            .iter()
            .find(|c| &c.file == f)
            .and_then(|c| c.network.clone())
    });
    Some(Cni {
        configs,
        in_use,
        in_use_network,
        networks,
        addons,
        running_addons: None,
    })
}
