//! Routing tables in a paste: `ip route` lines as they are, and the net-tools tables (`route -n`,
//! `netstat -nr`: `Destination Gateway Genmask Flags ... Iface`) rewritten as `ip route` lines, so
//! that parse::net reads one form.

use std::net::Ipv4Addr;
use std::sync::LazyLock;

use regex::Regex;

use super::Line;

/// The node's routing table: the first `ip route` table, else the first net-tools one.
pub(super) fn routes(lines: &[Line]) -> Option<String> {
    ip_route(lines).or_else(|| net_tools(lines))
}

/// `ip route` lines: a run of routes (`default via ...`, `10.244.0.0/16 dev ...`) that is a
/// routing table: after an `ip route`/`ip r` command, or holding a default route or a connected
/// (`scope link`) one. `ip route get` answers (`... uid 0`, `cache`) are not tables.
fn ip_route(lines: &[Line]) -> Option<String> {
    static ROUTE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:(?:unicast|local|broadcast|blackhole|unreachable|prohibit|throw|multicast|anycast)\s+)?(?:default|\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?|[0-9a-f:]+:[0-9a-f:]*(?:/\d{1,3})?)\s+(?:via|dev|proto|table|metric)\s")
            .unwrap()
    });
    static CMD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\bip\s+(?:-[46]\s+)?r(?:o(?:u(?:te?)?)?)?\b").unwrap());
    let mut i = 0;
    while i < lines.len() {
        if lines[i].cmd || !ROUTE.is_match(lines[i].text.trim_start()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !lines[i].cmd && ROUTE.is_match(lines[i].text.trim_start()) {
            i += 1;
        }
        let run: Vec<&str> = lines[start..i].iter().map(|l| l.text.trim()).collect();
        let before = lines[..start]
            .iter()
            .rev()
            .find(|l| !l.text.trim().is_empty());
        let after = lines.get(i).map_or("", |l| l.text.trim());
        let asked = before.is_some_and(|b| {
            CMD.is_match(&b.text) && !b.text.contains(" get ")
                || b.text.trim().ends_with("ip route")
        });
        let table = run
            .iter()
            .any(|r| r.starts_with("default") || r.contains("scope link"));
        let get = after == "cache" || run.iter().any(|r| r.contains(" uid "));
        if (asked || table) && !get {
            return Some(run.join("\n") + "\n");
        }
    }
    None
}

/// A net-tools routing table: the header (`route -n`: `Destination Gateway Genmask Flags Metric
/// Ref Use Iface`; `netstat -nr`: `... Flags MSS Window irtt Iface`; also `route -e`, `route` with
/// names) and its rows up to the first line that is not one, as `ip route` lines (`0.0.0.0/0.0.0.0`
/// is `default`, a gateway of `0.0.0.0` or `*` is a connected route, a `!` flag is a reject
/// route). Not when the command filtered the table (`| grep`): the rows left are not all of it.
fn net_tools(lines: &[Line]) -> Option<String> {
    static HEADER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^Destination\s+Gateway\s+Genmask\s+Flags\s+(?:\S+\s+)*Iface$").unwrap()
    });
    let mut i = 0;
    while i < lines.len() {
        let h = lines[i].text.trim();
        if lines[i].cmd || !HEADER.is_match(h) {
            i += 1;
            continue;
        }
        let cols: Vec<&str> = h.split_whitespace().collect();
        let filtered = lines[..i]
            .iter()
            .rev()
            .find(|l| l.cmd && !l.text.is_empty())
            .is_some_and(|c| c.text.contains("grep"));
        let mut out = Vec::new();
        i += 1;
        while let Some(r) = lines
            .get(i)
            .filter(|l| !l.cmd)
            .and_then(|l| net_tools_row(&cols, &l.text))
        {
            out.push(r);
            i += 1;
        }
        if !out.is_empty() && !filtered {
            return Some(out.join("\n") + "\n");
        }
    }
    None
}

/// One row under `cols` as an `ip route` line.
fn net_tools_row(cols: &[&str], row: &str) -> Option<String> {
    let w: Vec<&str> = row.split_whitespace().collect();
    if w.len() != cols.len() {
        return None;
    }
    let col = |name: &str| cols.iter().position(|c| *c == name).map(|i| w[i]);
    let (dest, gw, mask, flags) = (w[0], w[1], w[2], w[3]);
    let iface = w[w.len() - 1];
    if !flags.starts_with('U') && !flags.starts_with('!')
        || !flags.chars().all(|c| "UGHRDMACL!".contains(c))
    {
        return None;
    }
    let mask: Ipv4Addr = mask.parse().ok()?;
    let bits = u32::from(mask);
    if bits.leading_ones() + bits.trailing_zeros() != 32 {
        return None;
    }
    let prefix = bits.leading_ones();
    let dest = match dest {
        "default" => "default".to_string(),
        d => {
            let ip: Ipv4Addr = d.parse().ok()?;
            match prefix {
                0 if ip.is_unspecified() => "default".to_string(),
                32 => ip.to_string(),
                p => format!("{ip}/{p}"),
            }
        }
    };
    let mut r = if flags.contains('!') {
        format!("unreachable {dest}")
    } else {
        dest
    };
    if !matches!(gw, "0.0.0.0" | "*" | "-") {
        r.push_str(&format!(" via {gw}"));
    }
    if iface != "-" && iface != "*" {
        r.push_str(&format!(" dev {iface}"));
    }
    if let Some(m) = col("Metric").filter(|m| *m != "0") {
        r.push_str(&format!(" metric {m}"));
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::super::{clean, derive, get};
    use super::*;
    use kdiag_bundle::paths;

    /// default-route-missing__danm-cni-danm-237.txt (dev) and
    /// neg-default-route-missing__flannel-io-flannel-1029.txt (dev).
    #[test]
    fn ip_route_tables() {
        let t = "```bash\n$ kubectl exec -ti test -- ip route\n10.244.0.0/16 via 10.244.1.1 dev eth0 \n10.244.1.0/24 dev eth0 scope link  src 10.244.1.5\n```\n";
        assert_eq!(
            get(&derive(t), paths::IP_ROUTE),
            Some("10.244.0.0/16 via 10.244.1.1 dev eth0\n10.244.1.0/24 dev eth0 scope link  src 10.244.1.5\n")
        );
        let t = "[root@node3 dev]# ip route\ndefault via 192.168.56.1 dev eno2 proto static metric 100\n172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1\n";
        assert!(get(&derive(t), paths::IP_ROUTE)
            .unwrap()
            .starts_with("default via"));
        // an `ip route get` answer, a lone route in prose
        assert!(derive("$ ip route get 10.96.0.1\n10.96.0.1 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0\n    cache\n").is_empty());
        assert!(
            derive("the route\n10.244.1.0/24 via 192.168.1.2 dev ens33\nis there\n").is_empty()
        );
    }

    /// default-route-missing__hyperhq-hyperd-491.txt (dev): `route -n` after a `#` prompt, no
    /// default route.
    #[test]
    fn route_n_without_default() {
        let t = crate::input::corpus_snippet("default-route-missing__hyperhq-hyperd-491.txt");
        assert_eq!(
            get(&derive(&t), paths::IP_ROUTE),
            Some("192.168.123.0/24 dev eth0\n")
        );
    }

    /// neg-default-route-missing__cloudnativelabs-kube-router-425.txt and
    /// neg-default-route-missing__moby-moby-27950.txt (dev): a default route, and a table under
    /// a fence without the command.
    #[test]
    fn route_n_with_default() {
        let t = "stout@master-1:~$ route -n\nKernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         163.172.212.1   0.0.0.0         UG    0      0        0 enp0s20\n10.244.0.0      0.0.0.0         255.255.255.0   U     0      0        0 kube-bridge\n172.17.0.0      0.0.0.0         255.255.0.0     U     0      0        0 docker0\n```\n";
        assert_eq!(
            get(&derive(t), paths::IP_ROUTE),
            Some("default via 163.172.212.1 dev enp0s20\n10.244.0.0/24 dev kube-bridge\n172.17.0.0/16 dev docker0\n")
        );
        let t = " ```\nKernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         172.17.0.1      0.0.0.0         UG    0      0        0 eth0\n172.17.0.0      0.0.0.0         255.255.0.0     U     0      0        0 eth0\n```\n";
        assert!(get(&derive(t), paths::IP_ROUTE)
            .unwrap()
            .starts_with("default via 172.17.0.1 dev eth0\n"));
    }

    #[test]
    fn net_tools_rows() {
        let route = [
            "Destination",
            "Gateway",
            "Genmask",
            "Flags",
            "Metric",
            "Ref",
            "Use",
            "Iface",
        ];
        let netstat = [
            "Destination",
            "Gateway",
            "Genmask",
            "Flags",
            "MSS",
            "Window",
            "irtt",
            "Iface",
        ];
        let row = |c: &[&str], r: &str| net_tools_row(c, r);
        assert_eq!(
            row(&netstat, "10.233.95.56    0.0.0.0         255.255.255.255 UH        0 0          0 cali065d00e8bcb").as_deref(),
            Some("10.233.95.56 dev cali065d00e8bcb")
        );
        assert_eq!(
            row(
                &route,
                "169.254.0.0     0.0.0.0         255.255.0.0     U     1002   0        0 eth0"
            )
            .as_deref(),
            Some("169.254.0.0/16 dev eth0 metric 1002")
        );
        assert_eq!(
            row(
                &route,
                "10.0.0.0        -               255.0.0.0       !     0      -        0 -"
            )
            .as_deref(),
            Some("unreachable 10.0.0.0/8")
        );
        // a mask with holes, a word row, a row of another table
        assert_eq!(
            row(&route, "10.0.0.0 0.0.0.0 255.0.255.0 U 0 0 0 eth0"),
            None
        );
        assert_eq!(row(&route, "Kernel IP routing table"), None);
        assert_eq!(row(&route, "default 172.16.88.1 UGSc 42 8 en0"), None);
        // a filtered table is not the table
        let t = "$ route -n | grep -v docker\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n10.68.0.0       0.0.0.0         255.252.0.0     U     0      0        0 p0\n";
        assert_eq!(net_tools(&clean(t)), None);
    }
}
