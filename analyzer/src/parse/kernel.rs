//! The field rules' node evidence (docs/bundle-format.md, issue 12): `lsmod` or /proc/modules,
//! conntrack usage (`grep .` of /proc/sys/net/netfilter, `conntrack -S`), `xfs_info`, and the
//! `iptables-legacy-save` / `iptables-nft-save` dumps summarized. Pure functions over text.

use std::collections::BTreeMap;

/// Loaded modules: name -> 1-based line. `lsmod` (`Module  Size  Used by` header, then `name size
/// users [by,...]`) and /proc/modules (`name size refcount deps state address`) alike. `None`
/// when no line looks like a module (an error message, an empty file).
pub fn modules(text: &str) -> Option<BTreeMap<String, usize>> {
    let mut out = BTreeMap::new();
    for (i, l) in text.lines().enumerate() {
        let mut w = l.split_whitespace();
        let (Some(name), Some(size)) = (w.next(), w.next()) else {
            continue;
        };
        if name == "Module" && size == "Size" {
            continue;
        }
        let name_ok = name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if name_ok && size.bytes().all(|b| b.is_ascii_digit()) {
            out.entry(name.replace('-', "_")).or_insert(i + 1);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `PATH:VALUE` lines of `grep . FILE...` (and `sysctl` `key = value` lines), reduced to the
/// last path component: `nf_conntrack_count` -> (value, line).
pub fn conntrack_limits(text: &str) -> BTreeMap<String, (u64, usize)> {
    let mut out = BTreeMap::new();
    for (i, l) in text.lines().enumerate() {
        let (k, v) = match l.split_once(" = ") {
            Some(kv) => kv,
            None => match l.rsplit_once(':') {
                Some(kv) => kv,
                None => continue,
            },
        };
        let key = k.trim().rsplit(['/', '.']).next().unwrap_or("");
        if !key.starts_with("nf_conntrack_") {
            continue;
        }
        if let Ok(n) = v.trim().parse::<u64>() {
            out.insert(key.to_string(), (n, i + 1));
        }
    }
    out
}

/// `conntrack -S` summed over the CPUs: counter -> total (`drop`, `early_drop`,
/// `insert_failed`, ...), and the line of the first CPU with a non-zero `drop` (else the first
/// line). `None` without a `cpu=` line.
pub fn conntrack_stats(text: &str) -> Option<(BTreeMap<String, u64>, usize)> {
    let mut sums: BTreeMap<String, u64> = BTreeMap::new();
    let mut first = None;
    let mut drop_line = None;
    for (i, l) in text.lines().enumerate() {
        if !l.trim_start().starts_with("cpu=") {
            continue;
        }
        first.get_or_insert(i + 1);
        for w in l.split_whitespace() {
            let Some((k, v)) = w.split_once('=') else {
                continue;
            };
            if k == "cpu" {
                continue;
            }
            if let Ok(n) = v.parse::<u64>() {
                *sums.entry(k.to_string()).or_default() += n;
                if k == "drop" && n > 0 {
                    drop_line.get_or_insert(i + 1);
                }
            }
        }
    }
    Some((sums, drop_line.or(first)?))
}

/// One filesystem of `xfs_info` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XfsInfo {
    /// The mount point from collect's `### xfs_info MOUNT` line; absent in a bare paste.
    pub mount: Option<String>,
    /// `meta-data=DEVICE`.
    pub device: Option<String>,
    /// `ftype=N` of the `naming` section (0: no d_type).
    pub ftype: u32,
    /// 1-based line of the `naming` line.
    pub line: usize,
}

/// Every filesystem in `xfs_info` output (collect writes one `### xfs_info MOUNT` block per
/// mount; a pasted run has none). A `naming` line without `ftype=` (xfsprogs before 3.2 did not
/// print it, and such filesystems cannot have ftype=1) counts as ftype=0.
pub fn xfs_info(text: &str) -> Vec<XfsInfo> {
    let mut out = Vec::new();
    let mut mount = None;
    let mut device = None;
    for (i, l) in text.lines().enumerate() {
        if let Some(rest) = l.strip_prefix("### xfs_info ") {
            mount = rest.split_whitespace().next().map(String::from);
            device = None;
        } else if let Some(rest) = l.strip_prefix("meta-data=") {
            device = rest.split_whitespace().next().map(String::from);
        } else if l.starts_with("naming") && l.contains("version") {
            let ftype = l
                .split_whitespace()
                .find_map(|w| w.strip_prefix("ftype="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            out.push(XfsInfo {
                mount: mount.clone(),
                device: device.clone(),
                ftype,
                line: i + 1,
            });
        }
    }
    out
}

/// What one `iptables-*-save` dump holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaveSummary {
    /// `-A` rule lines.
    pub rules: usize,
    /// `-A KUBE-...` rules (kube-proxy's chains).
    pub kube_rules: usize,
    /// The `Warning: iptables-legacy tables present` line iptables-nft prints.
    pub legacy_warning: bool,
    /// The header's version and backend: `v1.8.4 (nf_tables)`, `iptables-nft-save v1.8.4`.
    pub generated_by: Option<String>,
    /// 1-based line of the first `-A KUBE-` rule, else of the first line.
    pub line: usize,
}

/// Summarizes an iptables-save dump (`None` when it holds neither a table nor a warning).
pub fn save_summary(text: &str) -> Option<SaveSummary> {
    let mut s = SaveSummary {
        line: 1,
        ..SaveSummary::default()
    };
    let mut tables = 0;
    let mut kube_line = None;
    for (i, l) in text.lines().enumerate() {
        if l.starts_with('*') {
            tables += 1;
        } else if let Some(rule) = l.strip_prefix("-A ") {
            s.rules += 1;
            if rule.starts_with("KUBE-") {
                s.kube_rules += 1;
                kube_line.get_or_insert(i + 1);
            }
        } else if l.contains("Warning: iptables-legacy tables present") {
            s.legacy_warning = true;
        } else if let Some(r) = l.strip_prefix("# Generated by ") {
            s.generated_by
                .get_or_insert_with(|| r.split(" on ").next().unwrap_or(r).to_string());
        }
    }
    if let Some(k) = kube_line {
        s.line = k;
    }
    (tables > 0 || s.legacy_warning).then_some(s)
}

/// `mode` and `ipvs.scheduler` of a KubeProxyConfiguration (the `config.conf` of the kube-proxy
/// ConfigMap): (mode, scheduler), each absent when unset or empty (mode "" is iptables).
pub fn kube_proxy_conf(conf: &str) -> (Option<String>, Option<String>) {
    let value = |l: &str, key: &str| {
        l.strip_prefix(key)
            .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
            .filter(|v| !v.is_empty())
    };
    let mut mode = None;
    let mut sched = None;
    let mut in_ipvs = false;
    for l in conf.lines() {
        if !l.starts_with(' ') && !l.trim().is_empty() {
            in_ipvs = l.starts_with("ipvs:");
            if let Some(v) = value(l, "mode:") {
                mode = Some(v);
            }
        } else if in_ipvs {
            if let Some(v) = value(l.trim_start(), "scheduler:") {
                sched = Some(v);
            }
        }
    }
    (mode, sched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsmod_and_proc_modules() {
        // lsmod on CentOS 7 (the layout of the listing at vlinux-freak.blogspot.com/2012/02).
        let l = "Module                  Size  Used by\nip_vs_sh               12688  0 \nip_vs                 145458  14 ip_vs_rr,ip_vs_sh,ip_vs_wrr\nnf_conntrack_ipv4      15053  17 \n";
        let m = modules(l).unwrap();
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            ["ip_vs", "ip_vs_sh", "nf_conntrack_ipv4"]
        );
        assert_eq!(m["ip_vs"], 3);
        // /proc/modules (the kernel's seq_file format).
        let p = "ip_vs_rr 12600 4 - Live 0xffffffffc0a3d000\nip_vs 145458 10 ip_vs_rr, Live 0xffffffffc09f0000\n";
        assert!(modules(p).unwrap().contains_key("ip_vs_rr"));
        assert_eq!(modules("lsmod: command not found\n"), None);
    }

    #[test]
    fn conntrack_usage_and_counters() {
        let t = "/proc/sys/net/netfilter/nf_conntrack_count:26843\n/proc/sys/net/netfilter/nf_conntrack_max:131072\n";
        let m = conntrack_limits(t);
        assert_eq!(m["nf_conntrack_count"], (26843, 1));
        assert_eq!(m["nf_conntrack_max"], (131072, 2));
        assert_eq!(
            conntrack_limits("net.netfilter.nf_conntrack_max = 65536\n")["nf_conntrack_max"].0,
            65536
        );
        // conntrack -S as quoted in influxdata/telegraf#8955.
        let s = "cpu=0           found=0 invalid=516 ignore=82082383 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=20749 \ncpu=7           found=4 invalid=9927 ignore=530587402 insert=0 insert_failed=1 drop=1 early_drop=0 error=513 search_restart=88005 \n";
        let (sums, line) = conntrack_stats(s).unwrap();
        assert_eq!((sums["drop"], sums["insert_failed"], line), (1, 1, 2));
        assert_eq!(conntrack_stats("conntrack: command not found"), None);
    }

    #[test]
    fn xfs_info_blocks() {
        // The naming line as `xfs_info / | grep ftype` prints it (docker/docs#7824).
        let t = "### xfs_info /\nmeta-data=/dev/mapper/centos-root isize=512    agcount=4, agsize=2228224 blks\nnaming   =version 2              bsize=4096   ascii-ci=0 ftype=1\n### xfs_info /var/lib/docker\nmeta-data=/dev/sdb1              isize=256    agcount=4, agsize=1310656 blks\nnaming   =version 2              bsize=4096   ascii-ci=0 ftype=0\n";
        let x = xfs_info(t);
        assert_eq!(x.len(), 2);
        assert_eq!(x[0].mount.as_deref(), Some("/"));
        assert_eq!(x[1].device.as_deref(), Some("/dev/sdb1"));
        assert_eq!((x[1].ftype, x[1].line), (0, 6));
        assert_eq!(
            xfs_info("naming   =version 2              bsize=4096   ascii-ci=0\n")[0].ftype,
            0
        );
    }

    #[test]
    fn kube_proxy_mode_and_scheduler() {
        // The ConfigMap quoted in kubernetes/kubernetes#92033 (abridged).
        let c = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nbindAddress: 0.0.0.0\nipvs:\n  excludeCIDRs: null\n  scheduler: sed\n  strictARP: false\nkind: KubeProxyConfiguration\nmode: ipvs\n";
        assert_eq!(
            kube_proxy_conf(c),
            (Some("ipvs".into()), Some("sed".into()))
        );
        assert_eq!(
            kube_proxy_conf("ipvs:\n  scheduler: \"\"\nmode: \"\"\n"),
            (None, None)
        );
    }

    #[test]
    fn save_dumps_summarized() {
        let t = "# Generated by iptables-nft-save v1.8.4 on Thu Apr 15 10:50:41 2021\n*nat\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A KUBE-SERVICES -j KUBE-NODEPORTS\nCOMMIT\n";
        let s = save_summary(t).unwrap();
        assert_eq!((s.rules, s.kube_rules, s.line), (2, 1, 5));
        assert_eq!(s.generated_by.as_deref(), Some("iptables-nft-save v1.8.4"));
        let w = save_summary(
            "# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n",
        )
        .unwrap();
        assert!(w.legacy_warning && w.rules == 0);
        assert_eq!(save_summary(""), None);
    }
}
