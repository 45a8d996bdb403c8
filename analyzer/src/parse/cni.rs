//! CNI network configs (/etc/cni/net.d/*) and the directory's listing (`ls -l`, `ls`).
//!
//! The kubelet (dockershim's cni.go) and containerd's CRI plugin read the directory the same way,
//! through libcni's `ConfFiles`: the files ending in `.conf`, `.conflist` or `.json`, sorted by
//! name, and the first one that loads is the pod network; every other file is ignored. So which
//! plugin wires a new pod is decided by file names alone, which is why a config left behind by a
//! CNI switch, or the default bridge a container runtime package installs, takes over when its
//! name sorts first.

use std::sync::LazyLock;

use regex::Regex;

/// Where a plugin stands in a config: the network itself or something chained to it.
/// IPAM plugins and chained meta plugins (portmap, bandwidth, tuning, firewall, sbr) never decide
/// which network a pod is on.
const NOT_A_NETWORK: &[&str] = &[
    "host-local",
    "dhcp",
    "static",
    "calico-ipam",
    "whereabouts",
    "azure-vnet-ipam",
    "portmap",
    "bandwidth",
    "tuning",
    "firewall",
    "sbr",
    "vrf",
    "cilium-cni-ipam",
];

/// The pod networks (Kubernetes network add-ons) a `type` names, as each add-on's installer
/// writes it (canal writes `calico`; kube-router writes a `bridge` named `kubernetes` on
/// `kube-bridge`, told apart by [`network_of`]).
fn addon_of_type(t: &str) -> Option<&'static str> {
    Some(match t {
        "flannel" => "flannel",
        "calico" => "calico",
        "weave-net" | "weave-plugin-2.3.0" => "weave-net",
        "cilium-cni" => "cilium",
        "kube-ovn" => "kube-ovn",
        "antrea" => "antrea",
        "multus" | "multus-shim" => "multus",
        "aws-cni" => "aws-vpc-cni",
        "azure-vnet" => "azure-vnet",
        "ovn-k8s-cni-overlay" => "ovn-kubernetes",
        "loopback" => "loopback",
        _ => return None,
    })
}

/// A pod-network add-on (a network [`network_of`] names that is not a runtime's bridge, multus
/// or loopback).
pub fn is_addon(network: &str) -> bool {
    ADDONS.contains(&network)
}

const ADDONS: &[&str] = &[
    "flannel",
    "calico",
    "weave-net",
    "cilium",
    "kube-ovn",
    "antrea",
    "kube-router",
    "aws-vpc-cni",
    "azure-vnet",
    "ovn-kubernetes",
];

/// The add-on a DaemonSet runs, by the names the add-ons' manifests give them (`kube-flannel-ds`,
/// `kube-flannel-ds-amd64`, `calico-node`, `canal`, `weave-net`, `cilium`, `kube-ovn-cni`,
/// `antrea-agent`, `kube-router`).
pub fn addon_of_daemonset(name: &str) -> Option<&'static str> {
    Some(match name {
        n if n.starts_with("kube-flannel") => "flannel",
        "calico-node" | "canal" => "calico",
        "weave-net" => "weave-net",
        "cilium" => "cilium",
        "kube-ovn-cni" => "kube-ovn",
        "antrea-agent" => "antrea",
        "kube-router" => "kube-router",
        _ => return None,
    })
}

/// The add-ons of `daemonsets`, in [`ADDONS`] order.
pub fn running_addons<'a>(daemonsets: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let running: Vec<&str> = daemonsets
        .into_iter()
        .filter_map(addon_of_daemonset)
        .collect();
    ADDONS
        .iter()
        .filter(|a| running.contains(a))
        .map(|a| a.to_string())
        .collect()
}

/// The network a config stands for, named the way a support engineer names it: an add-on
/// (`flannel`, `calico`, ...), `loopback`, a runtime's default bridge (`bridge containerd-net`,
/// `bridge podman`, `bridge crio`) or `kube-router`; else `<type> <name>`.
pub fn network_of(types: &[String], name: Option<&str>, bridge: Option<&str>) -> Option<String> {
    if let Some(a) = types.iter().find_map(|t| addon_of_type(t)) {
        return Some(a.to_string());
    }
    let main = types
        .iter()
        .find(|t| !NOT_A_NETWORK.contains(&t.as_str()))?;
    if main == "bridge" && bridge == Some("kube-bridge") {
        return Some("kube-router".into());
    }
    Some(match name {
        Some(n) if !n.is_empty() => format!("{main} {n}"),
        _ => main.clone(),
    })
}

/// The network a config file's *name* suggests, for a file known only from a listing: the names
/// the add-ons' installers and the runtimes' packages write (`10-flannel.conflist`,
/// `10-calico.conflist`, `05-cilium.conf`, `10-weave.conflist`, `10-kuberouter.conflist`,
/// `00-multus.conf`, `10-containerd-net.conflist`, `87-podman-bridge.conflist`,
/// `100-crio-bridge.conf`, `99-loopback.conf`, ...).
pub fn network_of_name(file: &str) -> Option<String> {
    let f = file.to_ascii_lowercase();
    let has = |s: &str| f.contains(s);
    Some(
        if has("multus") {
            "multus"
        } else if has("flannel") {
            "flannel"
        } else if has("calico") || has("canal") {
            "calico"
        } else if has("weave") {
            "weave-net"
        } else if has("cilium") {
            "cilium"
        } else if has("kube-ovn") || has("kubeovn") {
            "kube-ovn"
        } else if has("antrea") {
            "antrea"
        } else if has("kuberouter") || has("kube-router") {
            "kube-router"
        } else if has("containerd-net") {
            "bridge containerd-net"
        } else if has("podman") {
            "bridge podman"
        } else if has("crio") {
            "bridge crio"
        } else if has("loopback") {
            "loopback"
        } else {
            return None;
        }
        .to_string(),
    )
}

/// The file names libcni loads from the directory (the rest are ignored).
pub fn is_loaded(file: &str) -> bool {
    [".conf", ".conflist", ".json"]
        .iter()
        .any(|e| file.ends_with(e))
}

/// What one config file says: every plugin `type`, the network's `name`, the bridge device.
#[derive(Debug, Default, PartialEq)]
pub struct Config {
    pub types: Vec<String>,
    pub name: Option<String>,
    pub bridge: Option<String>,
    /// The text parses as JSON (libcni skips a file that does not).
    pub valid: bool,
    /// Line of the first `"type"` (1-based), for the evidence.
    pub line: usize,
}

static TYPE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""type"\s*:\s*"([^"]+)""#).unwrap());
static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""name"\s*:\s*"([^"]+)""#).unwrap());
static BRIDGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""bridge"\s*:\s*"([^"]+)""#).unwrap());

/// Reads a config. Parsed as JSON when it is; else (a paste quoted in part, with `...` in it)
/// its `"type"`, `"name"` and `"bridge"` keys are read line by line, and it is marked invalid.
pub fn config(text: &str) -> Option<Config> {
    let mut c = Config::default();
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(text) {
        c.valid = true;
        c.name = m.get("name").and_then(|v| v.as_str()).map(str::to_string);
        let plugins: Vec<&serde_json::Map<String, serde_json::Value>> = match m.get("plugins") {
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|p| p.as_object()).collect(),
            _ => vec![&m],
        };
        for p in plugins {
            if let Some(t) = p.get("type").and_then(|v| v.as_str()) {
                c.types.push(t.to_string());
            }
            if c.bridge.is_none() {
                c.bridge = p.get("bridge").and_then(|v| v.as_str()).map(str::to_string);
            }
        }
    } else {
        for l in text.lines() {
            c.types
                .extend(TYPE.captures_iter(l).map(|t| t[1].to_string()));
            if c.name.is_none() {
                c.name = NAME.captures(l).map(|n| n[1].to_string());
            }
            if c.bridge.is_none() {
                c.bridge = BRIDGE.captures(l).map(|n| n[1].to_string());
            }
        }
    }
    c.line = text
        .lines()
        .position(|l| TYPE.is_match(l))
        .map_or(1, |i| i + 1);
    (!c.types.is_empty()).then_some(c)
}

static LS_ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[-dlcbps][rwxsStT-]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+\d+\s+(.*)$").unwrap()
});
static SECTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(/\S*?):\s*$").unwrap());
/// `tree`'s branches (`├── `, `└── `, `│   `, or `|-- `, `` `-- `` with `--charset=ascii`).
static TREE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:[│├└─|`]\S*\s*)+").unwrap());
/// `tree`'s last line, `0 directories, 3 files`.
static TREE_SUM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+ director(?:y|ies)(?:, \d+ files?)?$").unwrap());

/// The file names in the /etc/cni/net.d section of a listing, with their lines: the collector's
/// `ls -ln --time-style=full-iso /etc/cni/net.d /opt/cni/bin` (sections headed `DIR:`), and
/// a bare `ls` or `ls -l` of that one folder (no header). `.` and `..` are left out.
pub fn listing(text: &str) -> Vec<(String, usize)> {
    let sectioned = text.lines().any(|l| SECTION.is_match(l.trim_end()));
    let mut in_cni = !sectioned;
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim_end();
        if let Some(s) = SECTION.captures(l) {
            in_cni = s[1].trim_end_matches('/').ends_with("/net.d");
            continue;
        }
        if !in_cni || l.trim().is_empty() || l.starts_with("total ") || TREE_SUM.is_match(l) {
            continue;
        }
        // `tree /etc/cni/net.d`: the folder on the first line, each file after a branch
        let l = TREE.replace(l, "");
        let l = l.as_ref();
        if l.trim_end_matches('/').ends_with("net.d") {
            continue;
        }
        let names: Vec<String> = match LS_ROW.captures(l) {
            // `... 2021-05-03 10:00:00.000000000 +0000 10-flannel.conflist`, `... May  3 10:00
            // 10-flannel.conflist`, `... name -> target`: the name is the last word before `->`.
            Some(c) => {
                let rest = c[1].split(" -> ").next().unwrap_or("");
                rest.split_whitespace()
                    .last()
                    .map(|s| vec![s.to_string()])
                    .unwrap_or_default()
            }
            None if l.starts_with("ls:") => Vec::new(),
            None => l.split_whitespace().map(str::to_string).collect(),
        };
        for n in names {
            // `ls -l /etc/cni/net.d/*` prints whole paths
            let n = n.rsplit('/').next().unwrap_or("").to_string();
            if !n.is_empty() && n != "." && n != ".." {
                out.push((n, i + 1));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflist_and_conf() {
        // containerd's CRI install guide's default bridge (containerd docs/cri/installation.md,
        // the 10-containerd-net.conflist shipped in cri-containerd-cni tarballs), abridged.
        let c = config(
            r#"{
  "cniVersion": "1.0.0",
  "name": "containerd-net",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "promiscMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "10.88.0.0/16" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": {"portMappings": true} }
  ]
}"#,
        )
        .unwrap();
        assert!(c.valid);
        assert_eq!(c.types, ["bridge", "portmap"]);
        assert_eq!(
            network_of(&c.types, c.name.as_deref(), c.bridge.as_deref()).as_deref(),
            Some("bridge containerd-net")
        );
        // flannel's kube-flannel.yml cni-conf.json
        let f = config(r#"{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true}},{"type":"portmap","capabilities":{"portMappings":true}}]}"#).unwrap();
        assert_eq!(
            network_of(&f.types, f.name.as_deref(), None).as_deref(),
            Some("flannel")
        );
        // a calico config quoted in part (a reporter's `...`): not JSON, read by its keys
        let p = config("{\n  \"name\": \"k8s-pod-network\",\n  ...\n  \"plugins\": [\n    {\n      \"type\": \"calico\",\n      \"ipam\": { \"type\": \"calico-ipam\" }\n").unwrap();
        assert!(!p.valid);
        assert_eq!((p.types[0].as_str(), p.line), ("calico", 6));
        // kube-router's bridge
        let k = config(r#"{"cniVersion":"0.3.0","name":"mynet","plugins":[{"bridge":"kube-bridge","ipam":{"type":"host-local"},"isDefaultGateway":true,"name":"kubernetes","type":"bridge"}]}"#).unwrap();
        assert_eq!(
            network_of(&k.types, k.name.as_deref(), k.bridge.as_deref()).as_deref(),
            Some("kube-router")
        );
        assert!(config("not a config").is_none());
    }

    #[test]
    fn listings() {
        // the collector's own format (collector/tests/collect.rs)
        let t = "/etc/cni/net.d:\ntotal 8\n-rw-r--r-- 1 0 0 656 2021-05-03 10:00:00.000000000 +0000 10-calico.conflist\n-rw------- 1 0 0 2760 2021-05-03 10:00:00.000000000 +0000 calico-kubeconfig\n\n/opt/cni/bin:\ntotal 1\n-rwxr-xr-x 1 0 0 3069556 2021-05-03 10:00:00.000000000 +0000 calico-ipam\n";
        assert_eq!(
            listing(t),
            [
                ("10-calico.conflist".to_string(), 3),
                ("calico-kubeconfig".to_string(), 4)
            ]
        );
        // a bare `ls` and an `ls -la` as pasted
        assert_eq!(
            listing("10-containerd-net.conflist  10-flannel.conflist\n")
                .into_iter()
                .map(|x| x.0)
                .collect::<Vec<_>>(),
            ["10-containerd-net.conflist", "10-flannel.conflist"]
        );
        let la = "total 16\ndrwxr-xr-x. 2 root root 4096 Jan 22 01:22 .\ndrwxr-xr-x. 3 root root 4096 Jan 22 01:20 ..\n-rw-r--r--. 1 root root  292 Jan 22 01:22 10-flannel.conflist\n";
        assert_eq!(listing(la), [("10-flannel.conflist".to_string(), 4)]);
        assert_eq!(
            network_of_name("87-podman-bridge.conflist").as_deref(),
            Some("bridge podman")
        );
        assert!(is_loaded("10-flannel.conflist") && !is_loaded("10-flannel.conflist.bak"));
    }
}
