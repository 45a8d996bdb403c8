//! Network facts: routes, sysctls, iptables, the Service objects and the Service CIDR.

use super::*;

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Route {
    pub dest: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub via: Option<String>,
    pub dev: Option<String>,
    pub table: Option<String>,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Network {
    pub routes: Option<Vec<Route>>,
    pub has_default_route: Option<bool>,
    pub nameservers: Option<Vec<String>>,
    pub search: Option<Vec<String>>,
    pub iptables: Option<Iptables>,
    /// Interface -> MTU of the node's own interfaces (ip addr; pod ends and loopback left out).
    pub mtu: Option<BTreeMap<String, u32>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IptPolicy {
    pub table: String,
    pub chain: String,
    pub policy: String,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IptRule {
    pub table: String,
    pub chain: String,
    pub spec: String,
    pub target: Option<String>,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Iptables {
    pub policies: Vec<IptPolicy>,
    pub rules: Vec<IptRule>,
    /// Every chain the listing declares (`:CHAIN` of iptables-save, `Chain X` of iptables -L),
    /// empty ones included: a jump to a chain not among them goes where the listing does not show.
    #[serde(default)]
    pub chains: Vec<IptChain>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IptChain {
    pub table: String,
    pub chain: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Service {
    pub found: bool,
    pub active: Option<String>,
    pub sub: Option<String>,
    pub enabled: Option<String>,
    pub since: Option<String>,
    pub at: Option<At>,
}

/// The Service IP range: kube-apiserver's `--service-cluster-ip-range`, else a guess from the
/// `kubernetes` Service's clusterIP.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ServiceCidr {
    /// `["10.96.0.0/12"]`, two for dual-stack (`10.96.0.0/12,fd00::/108`).
    pub cidrs: Vec<String>,
    /// `kube-apiserver` (the static pod manifest) or `kubernetes-service` (the guess).
    pub source: String,
    /// True for the guess: the /12 around default/kubernetes' clusterIP (kubeadm's default
    /// size; the real range may be smaller or larger).
    pub guessed: bool,
    pub at: Option<At>,
}

type SysctlFacts = (
    Option<BTreeMap<String, String>>,
    Option<BTreeMap<String, At>>,
);

pub(super) fn sysctl_facts(cx: &mut Cx) -> SysctlFacts {
    let Some(t) = cx.text(p::SYSCTL) else {
        return (None, None);
    };
    let m = sysctl::sysctl(&t);
    if m.is_empty() {
        cx.error(p::SYSCTL, "no `key = value` line");
        return (None, None);
    }
    let ats = m
        .iter()
        .map(|(k, (_, l))| (k.clone(), at(p::SYSCTL, *l)))
        .collect();
    (
        Some(m.into_iter().map(|(k, (v, _))| (k, v)).collect()),
        Some(ats),
    )
}

pub(super) fn network(cx: &mut Cx) -> Option<Network> {
    let mut n = Network::default();
    if let Some(t) = cx.text(p::IP_ROUTE) {
        match net::routes(&t) {
            Some(r) => {
                n.has_default_route = Some(net::has_default_route(&r));
                n.routes = Some(
                    r.into_iter()
                        .map(|r| Route {
                            dest: r.dest,
                            kind: r.kind,
                            via: r.via,
                            dev: r.dev,
                            table: r.table,
                            at: at(p::IP_ROUTE, r.line),
                        })
                        .collect(),
                );
            }
            None => cx.error(p::IP_ROUTE, "no route line"),
        }
    }
    if let Some(t) = cx.text(p::IP_ADDR) {
        n.mtu = net::mtus(&t);
    }
    if let Some(t) = cx.text(p::RESOLV_CONF) {
        let r = net::resolv(&t);
        n.nameservers = Some(r.nameservers.into_iter().map(|x| x.0).collect());
        n.search = Some(r.search);
    }
    let ipt = [p::IPTABLES_SAVE, p::IPTABLES_LIST]
        .iter()
        .find_map(|path| Some((*path, iptables::parse(&cx.text(path)?)?)));
    if let Some((path, ipt)) = ipt {
        n.iptables = Some(Iptables {
            policies: ipt
                .policies
                .into_iter()
                .map(|x| IptPolicy {
                    table: x.table,
                    chain: x.chain,
                    policy: x.policy,
                    at: at(path, x.line),
                })
                .collect(),
            rules: ipt
                .rules
                .into_iter()
                .map(|x| IptRule {
                    table: x.table,
                    chain: x.chain,
                    spec: x.spec,
                    target: x.target,
                    at: at(path, x.line),
                })
                .collect(),
            chains: ipt
                .chains
                .into_iter()
                .map(|(table, chain)| IptChain { table, chain })
                .collect(),
        });
    } else if cx.node.files.contains_key(p::IPTABLES_SAVE) {
        cx.error(p::IPTABLES_SAVE, "no iptables rule or chain");
    }
    (n.routes.is_some() || n.nameservers.is_some() || n.iptables.is_some() || n.mtu.is_some())
        .then_some(n)
}

pub(super) fn services(cx: &mut Cx) -> BTreeMap<String, Service> {
    let prefix = format!("{}/", p::SERVICES_DIR);
    let paths: Vec<String> = cx
        .node
        .files
        .keys()
        .filter(|k| k.starts_with(&prefix) && k.ends_with(".status.txt"))
        .cloned()
        .collect();
    let mut out = BTreeMap::new();
    for path in paths {
        let unit = path[prefix.len()..path.len() - ".status.txt".len()].to_string();
        let Some(t) = cx.text(&path) else { continue };
        match systemctl::status(&t) {
            Some(s) => {
                out.insert(
                    unit,
                    Service {
                        found: s.found,
                        active: s.active,
                        sub: s.sub,
                        enabled: s.enabled,
                        since: s.since,
                        at: s.active_line.map(|l| at(&path, l)),
                    },
                );
            }
            None => cx.error(&path, "no Loaded:/Active: line"),
        }
    }
    // A unit that does not exist leaves no file: `systemctl status` exits 4 and the collector
    // records "Unit X.service could not be found." as the item's stderr.
    if let Some(m) = &cx.node.manifest {
        for item in &m.items {
            let Some(unit) = item
                .path
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(".status.txt"))
            else {
                continue;
            };
            if !out.contains_key(unit)
                && item.stderr.contains("could not be found")
                && !cx.node.files.contains_key(&item.path)
            {
                out.insert(
                    unit.to_string(),
                    Service {
                        found: false,
                        ..Service::default()
                    },
                );
            }
        }
    }
    out
}

/// The cluster's Service range, from the evidence first: kube-apiserver's
/// `--service-cluster-ip-range` (kubeadm's static pod manifest, microk8s's args file), k3s's and
/// rke2's `service-cidr` (config.yaml, else the unit's ExecStart flag), else the distribution's
/// documented default when k3s or rke2 is installed and nothing set it (10.43.0.0/16, flagged
/// `guessed`), else the /12 around the clusterIP of the `kubernetes` Service in the default
/// namespace (flagged `guessed`).
pub(super) fn service_cidr(cx: &Cx) -> Option<ServiceCidr> {
    apiserver_range(cx)
        .or_else(|| distribution_range(cx))
        .or_else(|| kubernetes_service_range(cx))
}

/// `a,b` -> the entries that are CIDRs.
fn cidr_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|c| c.trim().trim_matches(|c| matches!(c, '"' | '\'')))
        .filter(|c| crate::units::cidr::parse_cidr(c).is_some())
        .map(String::from)
        .collect()
}

/// k3s / rke2: `service-cidr:` in config.yaml (a string, `a,b`, or a YAML list), else
/// `--service-cidr X`/`=X` on the unit's ExecStart, else their default when the distribution is
/// installed here (its config or unit was collected).
fn distribution_range(cx: &Cx) -> Option<ServiceCidr> {
    for (dist, config, units) in [
        ("k3s", p::K3S_CONFIG, ["k3s", "k3s-agent"]),
        ("rke2", p::RKE2_CONFIG, ["rke2-server", "rke2-agent"]),
    ] {
        let mut present = false;
        if let Some(t) = cx.text(config) {
            present = true;
            let mut lines = t.lines().enumerate().peekable();
            while let Some((i, l)) = lines.next() {
                let Some(rest) = l.trim_start().strip_prefix("service-cidr:") else {
                    continue;
                };
                let mut value = rest
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string();
                // A block list: `service-cidr:` then `- a` lines.
                while value.is_empty() {
                    match lines.peek() {
                        Some((_, n)) if n.trim_start().starts_with("- ") => {
                            value = n.trim_start()[2..].to_string();
                            lines.next();
                            while let Some((_, n)) = lines.peek() {
                                let Some(more) = n.trim_start().strip_prefix("- ") else {
                                    break;
                                };
                                value.push(',');
                                value.push_str(more);
                                lines.next();
                            }
                        }
                        _ => break,
                    }
                }
                let cidrs = cidr_list(&value);
                if !cidrs.is_empty() {
                    return Some(ServiceCidr {
                        cidrs,
                        source: format!("{dist} config.yaml"),
                        guessed: false,
                        at: Some(at(config, i + 1)),
                    });
                }
            }
        }
        for unit in units {
            let path = format!("node/services/{unit}.unit.txt");
            let Some(t) = cx.text(&path) else { continue };
            present = true;
            if let Some((i, v)) = flag_value(&t, "--service-cidr") {
                let cidrs = cidr_list(&v);
                if !cidrs.is_empty() {
                    return Some(ServiceCidr {
                        cidrs,
                        source: format!("{unit} unit"),
                        guessed: false,
                        at: Some(at(&path, i + 1)),
                    });
                }
            }
        }
        if present {
            return Some(ServiceCidr {
                cidrs: vec!["10.43.0.0/16".into()],
                source: format!("{dist} default"),
                guessed: true,
                at: None,
            });
        }
    }
    None
}

/// `--flag=value` or `--flag value` anywhere in `t` (quotes, commas and brackets around words
/// dropped): the line index and the value.
fn flag_value(t: &str, flag: &str) -> Option<(usize, String)> {
    let mut words = t.lines().enumerate().flat_map(|(i, l)| {
        l.split_whitespace()
            .map(|w| {
                (
                    i,
                    w.trim_matches(|c| matches!(c, '"' | '\'' | ',' | '[' | ']' | '\\')),
                )
            })
            .filter(|(_, w)| !w.is_empty())
            .collect::<Vec<_>>()
    });
    while let Some((i, w)) = words.next() {
        match w.strip_prefix(flag) {
            Some(rest) if rest.starts_with('=') => return Some((i, rest[1..].to_string())),
            Some("") => return words.next().map(|(_, v)| (i, v.to_string())),
            _ => {}
        }
    }
    None
}

fn apiserver_range(cx: &Cx) -> Option<ServiceCidr> {
    for (path, source) in [
        (
            format!("{}/kube-apiserver.yaml", p::MANIFESTS_DIR),
            "kube-apiserver",
        ),
        (
            format!("{}/kube-apiserver", p::MICROK8S_ARGS_DIR),
            "microk8s kube-apiserver args",
        ),
    ] {
        let Some(t) = cx.text(&path) else { continue };
        const FLAG: &str = "--service-cluster-ip-range";
        // The static pod manifest through its YAML (a commented-out line is no setting); the
        // microk8s args file, or a manifest that is not YAML, word by word.
        let from_yaml = (source == "kube-apiserver")
            .then(|| parse::staticpod::container_flag(&t, "kube-apiserver", FLAG).ok())
            .flatten();
        let found = from_yaml.unwrap_or_else(|| flag_value(&t, FLAG).map(|(i, v)| (i + 1, v)));
        if let Some((line, v)) = found {
            let cidrs = cidr_list(&v);
            if !cidrs.is_empty() {
                return Some(ServiceCidr {
                    cidrs,
                    source: source.into(),
                    guessed: false,
                    at: Some(at(&path, line)),
                });
            }
        }
    }
    None
}

fn kubernetes_service_range(cx: &Cx) -> Option<ServiceCidr> {
    let items = kubectl::json_list(&cx.text(p::SERVICES)?).ok()?;
    let ip: std::net::Ipv4Addr = items
        .iter()
        .find(|v| {
            s(v, "/metadata/namespace").as_deref() == Some("default")
                && s(v, "/metadata/name").as_deref() == Some("kubernetes")
        })
        .and_then(|v| s(v, "/spec/clusterIP"))?
        .parse()
        .ok()?;
    let net = u32::from(ip) & !((1u32 << 20) - 1);
    Some(ServiceCidr {
        cidrs: vec![format!("{}/12", std::net::Ipv4Addr::from(net))],
        source: "kubernetes-service".into(),
        guessed: true,
        at: None,
    })
}
