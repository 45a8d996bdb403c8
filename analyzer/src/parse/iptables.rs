//! `iptables-save` and `iptables -L -n -v` (also without `-v`, and without `-n`: `anywhere`).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub table: String,
    pub chain: String,
    pub policy: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub table: String,
    pub chain: String,
    /// iptables-save: the rule after `-A CHAIN`; -L: the row's columns after the target.
    pub spec: String,
    /// `-j`/`-g` target, or the -L `target` column (empty when the rule has none).
    pub target: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Iptables {
    pub policies: Vec<Policy>,
    pub rules: Vec<Rule>,
    /// Chains declared (`:CHAIN` / `Chain X`), with their table.
    pub chains: Vec<(String, String)>,
}

/// Either form, sniffed. `None` when neither form is recognised (an error message).
pub fn parse(text: &str) -> Option<Iptables> {
    if text
        .lines()
        .any(|l| l.starts_with('*') || l.starts_with("-A "))
    {
        save(text)
    } else {
        list(text)
    }
}

pub fn save(text: &str) -> Option<Iptables> {
    let mut out = Iptables::default();
    let mut table = "filter".to_string();
    let mut seen = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if let Some(t) = line.strip_prefix('*') {
            table = t.trim().to_string();
            seen = true;
        } else if let Some(decl) = line.strip_prefix(':') {
            let w: Vec<&str> = decl.split_whitespace().collect();
            if let Some(chain) = w.first() {
                out.chains.push((table.clone(), chain.to_string()));
                if let Some(p) = w.get(1).filter(|p| **p != "-") {
                    out.policies.push(Policy {
                        table: table.clone(),
                        chain: chain.to_string(),
                        policy: p.to_string(),
                        line: i + 1,
                    });
                }
            }
            seen = true;
        } else if let Some(rest) = strip_counters(line).strip_prefix("-A ") {
            let (chain, spec) = rest.split_once(' ').unwrap_or((rest, ""));
            let target = target_of(spec);
            out.rules.push(Rule {
                table: table.clone(),
                chain: chain.to_string(),
                spec: spec.to_string(),
                target,
                line: i + 1,
            });
            seen = true;
        }
    }
    seen.then_some(out)
}

/// `iptables-save -c` puts each rule's counters before it: `[12:720] -A FORWARD ...`
/// (iptables-save.c and nft's `nft_rule_print_save`: `"[%llu:%llu] "` then the rule).
fn strip_counters(line: &str) -> &str {
    line.strip_prefix('[')
        .and_then(|r| r.split_once("] "))
        .filter(|(c, _)| {
            c.split_once(':').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|x| x.is_ascii_digit())
                    && b.bytes().all(|x| x.is_ascii_digit())
            })
        })
        .map_or(line, |(_, rule)| rule)
}

/// iptables 1.8.10+ prints the protocol as its number under `-L -n` (`0` for all, `6`, `17`):
/// the names older versions and `-L` without `-n` print, so one spec pattern reads every listing.
fn proto_name(w: &str) -> &str {
    match w {
        "0" => "all",
        "1" => "icmp",
        "6" => "tcp",
        "17" => "udp",
        "58" => "ipv6-icmp",
        "132" => "sctp",
        _ => w,
    }
}

fn target_of(spec: &str) -> Option<String> {
    let w: Vec<&str> = spec.split_whitespace().collect();
    w.windows(2)
        .find(|p| p[0] == "-j" || p[0] == "-g")
        .map(|p| p[1].to_string())
}

/// `iptables -L -n [-v] [-t TABLE]`. The table is not printed: `filter` is assumed unless a
/// `# Table: X` / `Table: X` marker line precedes the chains.
pub fn list(text: &str) -> Option<Iptables> {
    let mut out = Iptables::default();
    let mut table = "filter".to_string();
    let mut chain: Option<String> = None;
    // the column layout of the header above the rows: how many counter columns come before the
    // target (`num` of `--line-numbers`, `pkts bytes` of `-v`), and whether -v's interfaces follow
    let mut layout: Option<(usize, bool)> = None;
    let mut seen = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(tb) = t
            .strip_prefix("# Table:")
            .or_else(|| t.strip_prefix("Table:"))
        {
            table = tb.trim().to_string();
            continue;
        }
        if let Some(rest) = t.strip_prefix("Chain ") {
            let (name, info) = rest.split_once(' ').unwrap_or((rest, ""));
            chain = Some(name.to_string());
            out.chains.push((table.clone(), name.to_string()));
            if let Some(p) = info.trim().strip_prefix("(policy ") {
                let pol = p.split([' ', ')']).next().unwrap_or("");
                out.policies.push(Policy {
                    table: table.clone(),
                    chain: name.to_string(),
                    policy: pol.to_string(),
                    line: i + 1,
                });
            }
            seen = true;
            continue;
        }
        if t.contains("target") && t.contains("prot") && t.contains("source") {
            let cols: Vec<&str> = t.split_whitespace().collect();
            // `--line-numbers` (what a fix guide asks for) puts a `num` column first.
            let numbered = cols.first() == Some(&"num");
            let verbose = cols.get(usize::from(numbered)) == Some(&"pkts");
            layout = Some((usize::from(numbered) + if verbose { 2 } else { 0 }, verbose));
            continue;
        }
        let Some(ch) = &chain else { continue };
        let Some((counters, verbose)) = layout.filter(|_| !t.is_empty()) else {
            continue;
        };
        let mut w: Vec<&str> = t.split_whitespace().collect();
        if counters > 0 {
            if w.len() < counters {
                continue;
            }
            w.drain(..counters);
        }
        // The target column is empty for rules without one: the next word is then the protocol.
        let target = match w.first() {
            Some(first) if !is_proto(first) || w.get(1).is_some_and(|p| is_proto(p)) => {
                Some(w.remove(0).to_string())
            }
            _ => None,
        };
        if let Some(p) = w.first_mut() {
            *p = proto_name(p);
        }
        // `-L` without `-n` prints `anywhere` and (with -v) `any` interfaces: the numeric
        // forms, so one spec pattern reads both listings.
        let addrs = if verbose { 2..6 } else { 2..4 };
        for (k, word) in w.iter_mut().enumerate() {
            if addrs.contains(&k) {
                match *word {
                    "anywhere" => *word = "0.0.0.0/0",
                    "any" if verbose && k < 4 => *word = "*",
                    _ => {}
                }
            }
        }
        out.rules.push(Rule {
            table: table.clone(),
            chain: ch.clone(),
            spec: w.join(" "),
            target,
            line: i + 1,
        });
    }
    seen.then_some(out)
}

fn is_proto(w: &str) -> bool {
    matches!(
        w,
        "all"
            | "tcp"
            | "udp"
            | "icmp"
            | "icmpv6"
            | "sctp"
            | "esp"
            | "ah"
            | "gre"
            | "ipv6-icmp"
            | "udplite"
            | "0"
    ) || w.parse::<u8>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iptables_save() {
        let t = "# Generated by iptables-save v1.4.21 on Sun Nov 22 16:30:00 2026\n*nat\n:PREROUTING ACCEPT [3:180]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n-A INPUT -p tcp -m tcp --dport 10250 -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";
        let p = parse(t).unwrap();
        assert_eq!(p.policies.len(), 3);
        assert_eq!(
            p.policies[2],
            Policy {
                table: "filter".into(),
                chain: "FORWARD".into(),
                policy: "DROP".into(),
                line: 9
            }
        );
        assert_eq!(p.rules.len(), 3);
        assert_eq!(p.rules[0].table, "nat");
        assert_eq!(p.rules[2].target.as_deref(), Some("REJECT"));
        assert!(p.chains.contains(&("nat".into(), "KUBE-SERVICES".into())));
    }

    #[test]
    fn iptables_list_from_knowledge_004() {
        let t = "Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nKUBE-SERVICES  all  --  0.0.0.0/0            0.0.0.0/0            /* kubernetes service portals */\nKUBE-FIREWALL  all  --  0.0.0.0/0            0.0.0.0/0\n\nChain DOCKER-ISOLATION (1 references)\ntarget     prot opt source               destination\nDROP       all  --  0.0.0.0/0            0.0.0.0/0\nRETURN     all  --  0.0.0.0/0            0.0.0.0/0\n";
        let p = parse(t).unwrap();
        assert_eq!(p.policies.len(), 1);
        assert_eq!(p.rules.len(), 4);
        assert_eq!(p.rules[2].chain, "DOCKER-ISOLATION");
        assert_eq!(p.rules[2].target.as_deref(), Some("DROP"));
        assert_eq!(
            p.rules[0].spec,
            "all -- 0.0.0.0/0 0.0.0.0/0 /* kubernetes service portals */"
        );
    }

    /// iptables-forward-blocked__kubernetes-kubernetes-108718.txt (dev): `iptables -vL` without -n.
    #[test]
    fn iptables_list_not_numeric() {
        let t = "Chain FORWARD (policy DROP 2947 packets, 248K bytes)\n pkts bytes target     prot opt in     out     source               destination\n 9704  815K KUBE-FORWARD  all  --  any    any     anywhere             anywhere             /* kubernetes forwarding rules */\n   12   720 DROP       all  --  any    any     anywhere             anywhere\n";
        let p = parse(t).unwrap();
        assert_eq!(p.rules[1].target.as_deref(), Some("DROP"));
        assert_eq!(p.rules[1].spec, "all -- * * 0.0.0.0/0 0.0.0.0/0");
        assert!(p.rules[0]
            .spec
            .ends_with("/* kubernetes forwarding rules */"));
        let p = parse("Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nREJECT     all  --  anywhere             anywhere             reject-with icmp-host-prohibited\n").unwrap();
        assert_eq!(
            p.rules[0].spec,
            "all -- 0.0.0.0/0 0.0.0.0/0 reject-with icmp-host-prohibited"
        );
    }

    /// `iptables -t filter -v --line-numbers -L FORWARD` (rancher-archives/rke#485, dev).
    #[test]
    fn iptables_list_line_numbers() {
        let t = "Chain FORWARD (policy DROP 3 packets, 188 bytes)\nnum   pkts bytes target     prot opt in     out     source               destination\n1    76887  119M cali-FORWARD  all  --  any    any     anywhere             anywhere             /* cali:wUHhoiAYhphO9Mso */\n6        0     0 ACCEPT     all  --  docker0 !docker0  anywhere             anywhere\n";
        let p = parse(t).unwrap();
        assert_eq!(p.rules[0].target.as_deref(), Some("cali-FORWARD"));
        assert_eq!(p.rules[1].target.as_deref(), Some("ACCEPT"));
        assert_eq!(
            p.rules[1].spec,
            "all -- docker0 !docker0 0.0.0.0/0 0.0.0.0/0"
        );
        let p = parse("Chain INPUT (policy ACCEPT)\nnum  target     prot opt source               destination\n1    REJECT     all  --  0.0.0.0/0            0.0.0.0/0            reject-with icmp-host-prohibited\n").unwrap();
        assert_eq!(p.rules[0].target.as_deref(), Some("REJECT"));
    }

    /// `iptables -L -v -n` of iptables-nft 1.8.10 (rajch/weave#15, dev): protocols as numbers.
    #[test]
    fn iptables_list_numeric_protocols() {
        let t = "Chain FORWARD (policy DROP 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination         \n    0     0 DROP       0    --  docker0 weave   0.0.0.0/0            0.0.0.0/0           \n   16  1903 ACCEPT     0    --  weave  weave   0.0.0.0/0            0.0.0.0/0           \n    0     0 DROP       6    --  docker0 *       0.0.0.0/0            172.17.0.1           tcp dpt:6783\n";
        let p = parse(t).unwrap();
        assert_eq!(p.rules[0].target.as_deref(), Some("DROP"));
        assert_eq!(p.rules[0].spec, "all -- docker0 weave 0.0.0.0/0 0.0.0.0/0");
        assert_eq!(p.rules[1].spec, "all -- weave weave 0.0.0.0/0 0.0.0.0/0");
        assert!(p.rules[2].spec.starts_with("tcp -- docker0 * "));
    }

    /// `iptables-save -c`: the counters before each rule.
    #[test]
    fn iptables_save_with_counters() {
        let p = parse("*filter\n:FORWARD DROP [0:0]\n[9704:815000] -A FORWARD -s 10.244.0.0/16 -j ACCEPT\n[bad] -A FORWARD -j DROP\nCOMMIT\n").unwrap();
        assert_eq!(p.rules.len(), 1);
        assert_eq!(p.rules[0].spec, "-s 10.244.0.0/16 -j ACCEPT");
        assert_eq!(strip_counters("[1:2]"), "[1:2]");
    }

    #[test]
    fn iptables_list_verbose() {
        let t = "Chain FORWARD (policy DROP 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination\n 120K  9M KUBE-FORWARD  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes forwarding rules */\n    0     0            all  --  docker0 *      0.0.0.0/0            0.0.0.0/0\n";
        let p = parse(t).unwrap();
        assert_eq!(p.policies[0].policy, "DROP");
        assert_eq!(p.rules[0].target.as_deref(), Some("KUBE-FORWARD"));
        assert_eq!(p.rules[1].target, None);
        assert!(parse("iptables v1.8.4 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n").is_none());
    }
}
