//! Node evidence beyond logs (issue 12; docs/facts.md): loaded kernel modules, conntrack usage
//! and counters, xfs ftype under the runtime's data root, what each iptables 1.8 backend holds,
//! and etcd's DB size against its quota.

use std::collections::BTreeMap;

use kdiag_bundle::paths as p;
use serde::{Deserialize, Serialize};

use super::{at, At, Cx};
use crate::parse::{kernel, prom};

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Kernel {
    /// Loaded module names, sorted (`-` read as `_`). Modules built into the kernel are not
    /// listed by lsmod or /proc/modules.
    pub modules: Vec<String>,
    /// `lsmod` or `/proc/modules`: which output node/kernel/modules.txt holds.
    pub modules_source: String,
    pub modules_at: BTreeMap<String, At>,
}

/// kube-proxy's configured mode, from the kube-proxy ConfigMap (cluster/configmaps-kube-system.json).
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KubeProxy {
    /// `mode` of config.conf (`ipvs`, `iptables`, `nftables`); absent when empty (iptables).
    pub mode: Option<String>,
    pub ipvs_scheduler: Option<String>,
    /// In IPVS mode with node/kernel/modules.txt collected: the modules IPVS needs that it does
    /// not list (`ip_vs`, `ip_vs_<scheduler or rr>`, `nf_conntrack` when neither it nor
    /// `nf_conntrack_ipv4` is loaded). Built-in modules are not listed by lsmod either.
    pub missing_modules: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Conntrack {
    pub count: Option<u64>,
    pub max: Option<u64>,
    /// count * 100 / max, one decimal.
    pub used_pct: Option<f64>,
    /// The file count and max were read from: node/proc/conntrack-limits.txt, else
    /// node/proc/sysctl.txt.
    pub source: Option<String>,
    pub count_at: Option<At>,
    pub max_at: Option<At>,
    /// `conntrack -S` summed over the CPUs (since the module was loaded): packets dropped
    /// because the table was full, early drops, and failed inserts (the SNAT port race).
    pub drop: Option<u64>,
    pub early_drop: Option<u64>,
    pub insert_failed: Option<u64>,
    pub stats_at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct XfsFs {
    /// The mount point collect ran `xfs_info` on (it holds a runtime data root).
    pub mount: Option<String>,
    pub device: Option<String>,
    /// 0: the filesystem has no d_type (overlay cannot work correctly on it).
    pub ftype: u32,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Backend {
    /// `-A` rules in the dump.
    pub rules: usize,
    /// `-A KUBE-...` rules (kube-proxy's chains).
    pub kube_rules: usize,
    /// iptables-nft's `Warning: iptables-legacy tables present`.
    pub legacy_warning: bool,
    pub generated_by: Option<String>,
    pub at: At,
}

/// The two iptables 1.8 backends as `iptables-legacy-save` / `iptables-nft-save` showed them;
/// a backend is absent when its tool was not collected or holds nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IptablesBackends {
    pub legacy: Option<Backend>,
    pub nft: Option<Backend>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Etcd {
    /// `etcd_mvcc_db_total_size_in_bytes` (else the older `etcd_debugging_` name).
    pub db_size: Option<u64>,
    pub db_size_in_use: Option<u64>,
    /// `etcd_server_quota_backend_bytes`.
    pub quota: Option<u64>,
    /// db_size * 100 / quota, one decimal.
    pub used_pct: Option<f64>,
    pub has_leader: Option<bool>,
    /// Series whose name holds `alarm`, with a non-zero value, as printed.
    pub alarms: Vec<String>,
    pub db_size_at: Option<At>,
    pub quota_at: Option<At>,
    /// Read from a pasted `etcdctl endpoint status` (input/shapes/etcd.rs), not the metrics port.
    pub endpoint_status: bool,
    /// The largest size the printed, rounded one may stand for (`2.1 GB`: 2.15 GB), when rounded.
    pub db_size_max: Option<u64>,
    /// The quota was not shown: etcd's default, 2 GiB, is assumed.
    pub quota_default: bool,
}

/// An LVM thin pool as `lvs` shows it (node/disk/lvs.txt, from a paste): the pool docker's
/// devicemapper driver (docker-storage-setup's `docker-pool`, a direct-lvm `thinpool`) or another
/// thin provisioner allocates from; full data or metadata stops every write into its volumes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ThinPool {
    pub name: String,
    pub vg: String,
    pub size: String,
    /// `Data%`.
    pub data_pct: Option<f64>,
    /// `Meta%`.
    pub meta_pct: Option<f64>,
    pub at: At,
}

pub(super) fn thin_pools(cx: &mut Cx) -> Option<Vec<ThinPool>> {
    let t = cx.text(p::LVS)?;
    let mut lines = t.lines().enumerate();
    let (_, header) = lines.find(|(_, l)| l.trim_start().starts_with("LV "))?;
    let h: Vec<&str> = header.split_whitespace().collect();
    let data = h.iter().position(|c| *c == "Data%")?;
    let pools: Vec<ThinPool> = lines
        .filter_map(|(i, l)| {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.len() < 5 || !w[2].starts_with('t') {
                return None;
            }
            // a pool has neither Pool nor Origin: those columns are empty, so Data% and Meta%
            // come right after LSize
            let shift = data.saturating_sub(4);
            // `58,53` where the locale writes a decimal comma
            let num = |k: usize| {
                w.get(k)
                    .and_then(|v| v.trim_matches('*').replace(',', ".").parse::<f64>().ok())
            };
            Some(ThinPool {
                name: w[0].to_string(),
                vg: w[1].to_string(),
                size: w[3].to_string(),
                data_pct: num(data - shift),
                meta_pct: num(data - shift + 1),
                at: at(p::LVS, i + 1),
            })
        })
        .collect();
    (!pools.is_empty()).then_some(pools)
}

fn pct(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| (a as f64 * 1000.0 / b as f64).round() / 10.0)
}

pub(super) fn kernel_facts(cx: &mut Cx) -> Option<Kernel> {
    let t = cx.text(p::KERNEL_MODULES)?;
    // lsmod's header alone: a filtered listing that let no module through (none loaded)
    let header_only = t.lines().count() == 1 && t.starts_with("Module") && t.contains("Used by");
    let Some(m) = kernel::modules(&t).or_else(|| header_only.then(Default::default)) else {
        cx.error(p::KERNEL_MODULES, "no module line");
        return None;
    };
    Some(Kernel {
        modules: m.keys().cloned().collect(),
        modules_source: if t.contains("Used by") {
            "lsmod".into()
        } else {
            "/proc/modules".into()
        },
        modules_at: m
            .into_iter()
            .map(|(k, l)| (k, at(p::KERNEL_MODULES, l)))
            .collect(),
    })
}

pub(super) fn kube_proxy(cx: &mut Cx, kernel: Option<&Kernel>) -> Option<KubeProxy> {
    let t = cx.text(p::CONFIGMAPS_KUBE_SYSTEM)?;
    let v: serde_json::Value = serde_json::from_str(&t).ok()?;
    let cm = v["items"]
        .as_array()?
        .iter()
        .find(|i| i["metadata"]["name"] == "kube-proxy")?;
    let (mode, ipvs_scheduler) = kernel::kube_proxy_conf(cm["data"]["config.conf"].as_str()?);
    let missing_modules = match (mode.as_deref(), kernel) {
        (Some("ipvs"), Some(k)) => {
            let has = |m: &str| k.modules.iter().any(|x| x == m);
            let sched = format!("ip_vs_{}", ipvs_scheduler.as_deref().unwrap_or("rr"));
            let mut miss: Vec<String> = ["ip_vs", sched.as_str()]
                .into_iter()
                .filter(|m| !has(m))
                .map(String::from)
                .collect();
            if !has("nf_conntrack") && !has("nf_conntrack_ipv4") {
                miss.push("nf_conntrack".into());
            }
            Some(miss)
        }
        _ => None,
    };
    Some(KubeProxy {
        mode,
        ipvs_scheduler,
        missing_modules,
    })
}

pub(super) fn conntrack(cx: &mut Cx) -> Option<Conntrack> {
    let mut c = Conntrack::default();
    for path in [p::CONNTRACK_LIMITS, p::SYSCTL] {
        let Some(t) = cx.text(path) else { continue };
        let m = kernel::conntrack_limits(&t);
        if let Some(&(n, l)) = m.get("nf_conntrack_max") {
            c.max = Some(n);
            c.max_at = Some(at(path, l));
            if let Some(&(n, l)) = m.get("nf_conntrack_count") {
                c.count = Some(n);
                c.count_at = Some(at(path, l));
            }
            c.source = Some(path.to_string());
            break;
        }
    }
    if let (Some(n), Some(m)) = (c.count, c.max) {
        c.used_pct = pct(n, m);
    }
    if let Some(t) = cx.text(p::CONNTRACK_STATS) {
        match kernel::conntrack_stats(&t) {
            Some((sums, l)) => {
                c.drop = sums.get("drop").copied();
                c.early_drop = sums.get("early_drop").copied();
                c.insert_failed = sums.get("insert_failed").copied();
                c.stats_at = Some(at(p::CONNTRACK_STATS, l));
            }
            None => cx.error(p::CONNTRACK_STATS, "no `cpu=` line"),
        }
    }
    (c.max.is_some() || c.stats_at.is_some()).then_some(c)
}

pub(super) fn xfs(cx: &mut Cx) -> Option<Vec<XfsFs>> {
    let t = cx.text(p::XFS_INFO)?;
    let v = kernel::xfs_info(&t);
    if v.is_empty() {
        cx.error(p::XFS_INFO, "no `naming =version` line");
        return None;
    }
    Some(
        v.into_iter()
            .map(|x| XfsFs {
                mount: x.mount,
                device: x.device,
                ftype: x.ftype,
                at: at(p::XFS_INFO, x.line),
            })
            .collect(),
    )
}

pub(super) fn iptables_backends(cx: &mut Cx) -> Option<IptablesBackends> {
    let read = |path: &str| {
        cx.text(path)
            .and_then(|t| kernel::save_summary(&t))
            .map(|s| Backend {
                rules: s.rules,
                kube_rules: s.kube_rules,
                legacy_warning: s.legacy_warning,
                generated_by: s.generated_by,
                at: at(path, s.line),
            })
    };
    let b = IptablesBackends {
        legacy: read(p::IPTABLES_LEGACY_SAVE),
        nft: read(p::IPTABLES_NFT_SAVE),
    };
    (b.legacy.is_some() || b.nft.is_some()).then_some(b)
}

pub(super) fn etcd(cx: &mut Cx) -> Option<Etcd> {
    let t = cx.text(p::ETCD_METRICS)?;
    let s = prom::samples(&t);
    if s.is_empty() {
        cx.error(p::ETCD_METRICS, "no metric sample");
        return None;
    }
    let get = |k: &str| {
        s.get(k)
            .map(|&(v, l)| (v.max(0.0) as u64, at(p::ETCD_METRICS, l)))
    };
    let size = get("etcd_mvcc_db_total_size_in_bytes")
        .or_else(|| get("etcd_debugging_mvcc_db_total_size_in_bytes"));
    let quota = get("etcd_server_quota_backend_bytes");
    let mut e = Etcd {
        db_size: size.as_ref().map(|x| x.0),
        db_size_at: size.map(|x| x.1),
        quota: quota.as_ref().map(|x| x.0),
        quota_at: quota.map(|x| x.1),
        db_size_in_use: get("etcd_mvcc_db_total_size_in_use_in_bytes").map(|x| x.0),
        has_leader: get("etcd_server_has_leader").map(|x| x.0 == 1),
        alarms: s
            .iter()
            .filter(|(k, (v, _))| k.contains("alarm") && !k.starts_with("kdiag_") && *v != 0.0)
            .map(|(k, (v, _))| format!("{k} {v}"))
            .collect(),
        endpoint_status: get("kdiag_etcd_endpoint_status").is_some(),
        db_size_max: get("kdiag_etcd_db_size_max_bytes").map(|x| x.0),
        quota_default: get("kdiag_etcd_quota_default").is_some(),
        ..Etcd::default()
    };
    if let (Some(a), Some(b)) = (e.db_size, e.quota) {
        e.used_pct = pct(a, b);
    }
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;
    use crate::texts::node::Node;

    fn facts(path: &str, body: &str) -> Facts {
        let mut node = Node::default();
        node.files.insert(path.into(), body.as_bytes().to_vec());
        Facts::from_node(&node)
    }

    /// A pool in a locale with a decimal comma (a public monitoring plugin's README) and a full
    /// one; the pool's hidden `[x_tdata]` (Attr `T`) and plain volumes are not pools.
    #[test]
    fn thin_pools_from_lvs() {
        let f = facts(
            p::LVS,
            "LV          VG        Attr       LSize  Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\ndocker-pool docker-vg twi-aot--- 51,78g             58,53  6,76\n",
        );
        let pools = f.thin_pools.unwrap();
        assert_eq!(pools.len(), 1);
        assert_eq!(
            (pools[0].vg.as_str(), pools[0].name.as_str()),
            ("docker-vg", "docker-pool")
        );
        assert_eq!(
            (pools[0].data_pct, pools[0].meta_pct),
            (Some(58.53), Some(6.76))
        );
        assert_eq!(pools[0].at.line, 2);
        // `lvs -o+seg_monitor` (a public docker direct-lvm walkthrough): an extra column at the end
        let f = facts(
            p::LVS,
            "LV       VG     Attr       LSize   Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert Monitor\nthinpool docker twi-aot---  95.75g             0.29   0.02                             monitored\n",
        );
        let pools = f.thin_pools.unwrap();
        assert_eq!(
            (pools[0].data_pct, pools[0].meta_pct),
            (Some(0.29), Some(0.02))
        );
        let f = facts(
            p::LVS,
            "LV VG Attr LSize Pool Origin Data% Meta%\n[pool_tdata] vg Twi-ao---- 80.00g\n",
        );
        assert!(f.thin_pools.is_none());
    }

    /// A pasted `etcdctl endpoint status` (input/shapes/etcd.rs) is marked as such, with its
    /// rounding and the assumed default quota.
    #[test]
    fn etcd_from_endpoint_status() {
        let f = facts(
            p::ETCD_METRICS,
            "# kdiag: from a pasted `etcdctl endpoint status` (largest member)\nkdiag_etcd_endpoint_status 1\netcd_mvcc_db_total_size_in_bytes 2100000000\nkdiag_etcd_db_size_max_bytes 2150000000\netcd_server_quota_backend_bytes 2147483648\nkdiag_etcd_quota_default 1\n",
        );
        let e = f.etcd.unwrap();
        assert!(e.endpoint_status && e.quota_default);
        assert_eq!(
            (e.db_size, e.db_size_max),
            (Some(2100000000), Some(2150000000))
        );
        assert!(e.alarms.is_empty());
    }
}
