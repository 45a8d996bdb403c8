//! `ip route show table all` and /etc/resolv.conf.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `default`, `10.244.0.0/16`, `192.168.2.1`
    pub dest: String,
    /// Route type when not unicast: `local`, `broadcast`, `blackhole`, `unreachable`, ...
    pub kind: Option<String>,
    pub via: Option<String>,
    pub dev: Option<String>,
    pub table: Option<String>,
    pub line: usize,
}

const TYPES: &[&str] = &[
    "unicast",
    "local",
    "broadcast",
    "multicast",
    "blackhole",
    "unreachable",
    "prohibit",
    "throw",
    "anycast",
    "nat",
];

pub fn routes(text: &str) -> Option<Vec<Route>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut w = line.split_whitespace().peekable();
        let Some(first) = w.next() else { continue };
        let (kind, dest) = if TYPES.contains(&first) {
            (Some(first.to_string()), w.next())
        } else {
            (None, Some(first))
        };
        let Some(dest) = dest else { continue };
        let looks = dest == "default" || dest.contains('.') || dest.contains(':');
        if !looks || dest.ends_with(':') {
            continue;
        }
        let mut r = Route {
            dest: dest.to_string(),
            kind,
            via: None,
            dev: None,
            table: None,
            line: i + 1,
        };
        while let Some(k) = w.next() {
            match k {
                "via" => r.via = w.next().map(str::to_string),
                "dev" => r.dev = w.next().map(str::to_string),
                "table" => r.table = w.next().map(str::to_string),
                _ => {}
            }
        }
        out.push(r);
    }
    (!out.is_empty()).then_some(out)
}

/// Interface name -> MTU from `ip addr` (`2: eth0: <BROADCAST,...> mtu 1500 qdisc ...`), for the
/// interfaces that are the node's own: pod ends (`veth*`, `cali*`, `lxc*`), loopback and
/// container-side names (`eth0@if12` keeps `eth0`) are left out, since they differ between nodes
/// by design.
pub fn mtus(text: &str) -> Option<std::collections::BTreeMap<String, u32>> {
    let mut out = std::collections::BTreeMap::new();
    for line in text.lines() {
        if line.starts_with(char::is_whitespace) {
            continue;
        }
        let mut w = line.split_whitespace();
        let (Some(index), Some(name)) = (w.next(), w.next()) else {
            continue;
        };
        if !index.ends_with(':') || !index[..index.len() - 1].bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let name = name.trim_end_matches(':');
        let name = name.split('@').next().unwrap_or(name);
        let pod_side = ["veth", "cali", "lxc", "lo"]
            .iter()
            .any(|p| name.starts_with(p) && (*p != "lo" || name == "lo"));
        if name.is_empty() || pod_side {
            continue;
        }
        let mut rest = w.skip_while(|x| *x != "mtu");
        if let Some(mtu) = rest.nth(1).and_then(|m| m.parse().ok()) {
            out.insert(name.to_string(), mtu);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A default route in the main table (`default via ...` with no table, or `table main`).
pub fn has_default_route(routes: &[Route]) -> bool {
    routes.iter().any(|r| {
        r.dest == "default"
            && r.kind.as_deref().is_none_or(|k| k == "unicast")
            && r.table.as_deref().is_none_or(|t| t == "main")
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolv {
    pub nameservers: Vec<(String, usize)>,
    pub search: Vec<String>,
    pub options: Vec<String>,
}

pub fn resolv(text: &str) -> Resolv {
    let mut r = Resolv::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.split(['#', ';']).next().unwrap_or("");
        let mut w = line.split_whitespace();
        match w.next() {
            Some("nameserver") => {
                if let Some(ns) = w.next() {
                    r.nameservers.push((ns.to_string(), i + 1));
                }
            }
            Some("search") | Some("domain") => r.search.extend(w.map(str::to_string)),
            Some("options") => r.options.extend(w.map(str::to_string)),
            _ => {}
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mtus_of_the_nodes_own_interfaces() {
        let t = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000
    inet 10.0.0.10/24 brd 10.0.0.255 scope global noprefixroute eth0
4: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default
7: vethd9a1c2f@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue master cni0 state UP group default
9: cali12ab34cd56e@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1440 qdisc noqueue state UP group default
3: ens192@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP group default
";
        let m = mtus(t).unwrap();
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            vec![
                ("ens192".to_string(), 9000),
                ("eth0".to_string(), 1500),
                ("flannel.1".to_string(), 1450)
            ]
        );
        assert!(mtus("not ip addr output\n").is_none());
    }

    #[test]
    fn ip_route_from_knowledge_001() {
        let t = "default via 192.168.2.1 dev eth0 proto static metric 100\nblackhole 10.100.102.128/26 proto bird\n10.100.102.130 dev calid12fef61571 scope link\n172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1\nbroadcast 127.0.0.0 dev lo table local proto kernel scope link src 127.0.0.1\nlocal 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\n";
        let r = routes(t).unwrap();
        assert_eq!(r.len(), 6);
        assert_eq!(r[0].via.as_deref(), Some("192.168.2.1"));
        assert_eq!(r[1].kind.as_deref(), Some("blackhole"));
        assert_eq!(r[4].table.as_deref(), Some("local"));
        assert!(has_default_route(&r));
        assert!(!has_default_route(&r[1..]));
        assert!(routes("Error: ipv4: FIB table does not exist.\n").is_none());
    }

    #[test]
    fn resolv_conf() {
        let r = resolv("# Generated by NetworkManager\nsearch default.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\nnameserver ::1\noptions ndots:5\n");
        assert_eq!(
            r.nameservers,
            vec![("10.96.0.10".to_string(), 3), ("::1".to_string(), 4)]
        );
        assert_eq!(r.search.len(), 2);
        assert_eq!(r.options, vec!["ndots:5"]);
    }
}
