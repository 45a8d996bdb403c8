//! Host facts: OS, SELinux, memory, swap, cgroups, disks, time synchronisation, certificates.

use super::*;

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Os {
    pub id: Option<String>,
    pub version_id: Option<String>,
    pub pretty_name: Option<String>,
    pub kernel_release: Option<String>,
    pub kernel_version: Option<[u32; 3]>,
    pub kernel_3_10: Option<bool>,
    pub arch: Option<String>,
    pub kernel_at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Selinux {
    /// `enforcing` | `permissive` | `disabled` (running mode).
    pub mode: Option<String>,
    pub mode_at: Option<At>,
    /// Mode in /etc/selinux/config (applies at next boot).
    pub config_mode: Option<String>,
    pub config_mode_at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SwapDevice {
    pub filename: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size_kb: u64,
    pub used_kb: u64,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Swap {
    /// Active swaps from /proc/swaps (`None` when /proc/swaps was not collected).
    pub devices: Option<Vec<SwapDevice>>,
    pub total_kb: u64,
    pub enabled: bool,
    /// Which file said so: `node/proc/swaps`, `node/memory/free.txt` or `node/proc/meminfo`.
    pub source: String,
    pub at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Memory {
    pub total_mb: Option<u64>,
    pub swap_total_mb: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Subsystem {
    pub name: String,
    pub hierarchy: u32,
    pub num_cgroups: u64,
    pub enabled: bool,
    pub at: At,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cgroups {
    /// Rows of /proc/cgroups (`None` when not collected).
    pub subsystems: Option<Vec<Subsystem>>,
    /// Enabled subsystem names.
    pub names: Option<Vec<String>>,
    /// A `pids` row, enabled, in /proc/cgroups.
    pub has_pids: Option<bool>,
    /// num_cgroups of the memory row.
    pub memory_cgroups: Option<u64>,
    /// node/cgroup/controllers (cgroup v2 only; `None` on v1 nodes).
    pub v2_controllers: Option<Vec<String>>,
    /// Controllers with a cgroup v1 mount in /proc/mounts.
    pub mounted_controllers: Option<Vec<String>>,
    /// A cgroup2 mount at /sys/fs/cgroup, or a cgroup.controllers file.
    pub v2: Option<bool>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Disk {
    pub filesystem: String,
    #[serde(rename = "type")]
    pub fstype: Option<String>,
    pub size_kb: Option<u64>,
    pub used_kb: Option<u64>,
    pub avail_kb: Option<u64>,
    pub use_pct: Option<u32>,
    pub inodes_use_pct: Option<u32>,
    pub mount: String,
    pub at: At,
    pub inodes_at: Option<At>,
    /// A container's root filesystem overlay (containerd's `.../io.containerd.runtime.v2.task/
    /// NS/ID/rootfs`, docker's `overlay2/ID/merged` and aufs `mnt/ID`, CRI-O's
    /// `containers/storage/overlay/ID/merged`): df shows the figures of the filesystem under it.
    pub container_rootfs: bool,
    /// The kubelet's filesystem this mount is (set in derived.rs from the kubelet's and the
    /// runtime's root dirs): `nodefs` (/, /var, /var/lib, /var/lib/kubelet, the kubelet's root
    /// dir and the mount above it) or `imagefs` (the runtime's storage: /var/lib/docker or
    /// docker's data-root and the mount above it, /var/lib/containerd; when df lists none of
    /// these, the first container rootfs overlay, whose figures are the runtime storage's).
    /// Absent for every other mount.
    pub kubelet_fs: Option<String>,
}

/// See [`Disk::container_rootfs`].
fn container_rootfs(mount: &str) -> bool {
    static ROOTFS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?:/io\.containerd\.runtime\.v[12]\.[a-z]+/[^/]+/[^/]+/rootfs|/overlay2?/[0-9a-f]{16,}/merged|/aufs/mnt/[0-9a-f]{16,}|/containers/storage/overlay/[0-9a-f]{16,}/merged)$").unwrap()
    });
    ROOTFS.is_match(mount)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TimeSync {
    pub synchronized: Option<bool>,
    pub source: Option<String>,
    pub at: Option<At>,
    /// The node's clock at collection, unix seconds: `date -u` (else timedatectl's
    /// `Universal time`) in node/host/time.txt.
    pub clock_utc: Option<i64>,
    pub clock_utc_at: Option<At>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Certificate {
    pub file: Option<String>,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// Whole days from the reference time (`facts.node.reference_unix`: collected_at, else the
    /// node clock a paste shows) to notAfter (negative once expired); needs one.
    pub days_left: Option<i64>,
    /// notAfter is at or before the reference time; without one, `true` when notAfter is at or
    /// before the newest time the cluster's objects record (`facts.node.newest_unix`), else
    /// unknown.
    pub expired: Option<bool>,
    pub error: Option<String>,
    pub at: At,
}

pub(super) fn os(cx: &mut Cx) -> Option<Os> {
    let mut o = Os::default();
    let mut any = false;
    if let Some(t) = cx.text(p::OS_RELEASE) {
        let kv = parse::host::key_values(&t);
        o.id = kv.get("ID").map(|v| v.0.clone());
        o.version_id = kv.get("VERSION_ID").map(|v| v.0.clone());
        o.pretty_name = kv.get("PRETTY_NAME").map(|v| v.0.clone());
        any |= o.id.is_some() || o.pretty_name.is_some();
    }
    if o.pretty_name.is_none() {
        if let Some(t) = cx.text(p::REDHAT_RELEASE) {
            let l = t.lines().next().unwrap_or("").trim();
            if l.contains("release") {
                o.pretty_name = Some(l.to_string());
                any = true;
            }
        }
    }
    if let Some(t) = cx.text(p::UNAME) {
        match parse::host::uname(&t) {
            Some(u) => {
                o.kernel_at = t
                    .lines()
                    .position(|l| l.starts_with("Linux "))
                    .or_else(|| t.lines().position(|l| l.contains("Kernel Version:")))
                    .map(|i| at(p::UNAME, i + 1));
                o.kernel_release = Some(u.kernel_release);
                o.arch = u.arch;
            }
            None => cx.error(p::UNAME, "no `uname -a` line"),
        }
    }
    if o.kernel_release.is_none() {
        if let Some(r) = cx
            .text(p::PROC_VERSION)
            .and_then(|t| parse::host::proc_version(&t))
        {
            o.kernel_release = Some(r);
            o.kernel_at = Some(at(p::PROC_VERSION, 1));
        }
    }
    if let Some(r) = &o.kernel_release {
        o.kernel_version = parse::host::kernel_version(r);
        o.kernel_3_10 = o.kernel_version.map(|v| v[0] == 3 && v[1] == 10);
        any = true;
    }
    any.then_some(o)
}

pub(super) fn selinux_facts(cx: &mut Cx) -> Option<Selinux> {
    let mut s = Selinux::default();
    if let Some(t) = cx.text(p::GETENFORCE) {
        match selinux::getenforce(&t) {
            Some((m, l)) => {
                s.mode = Some(m);
                s.mode_at = Some(at(p::GETENFORCE, l));
            }
            None => cx.error(p::GETENFORCE, "no SELinux mode"),
        }
    }
    let st = cx.text(p::SESTATUS).and_then(|t| selinux::sestatus(&t));
    if let Some(st) = &st {
        if s.mode.is_none() {
            if let Some((m, l)) = &st.current_mode {
                s.mode = Some(m.clone());
                s.mode_at = Some(at(p::SESTATUS, *l));
            } else if let Some((v, l)) = &st.status {
                if v == "disabled" {
                    s.mode = Some("disabled".into());
                    s.mode_at = Some(at(p::SESTATUS, *l));
                }
            }
        }
    }
    if let Some((m, l)) = cx.text(p::SELINUX_CONFIG).and_then(|t| selinux::config(&t)) {
        s.config_mode = Some(m);
        s.config_mode_at = Some(at(p::SELINUX_CONFIG, l));
    } else if let Some((m, l)) = st.as_ref().and_then(|s| s.config_mode.clone()) {
        s.config_mode = Some(m);
        s.config_mode_at = Some(at(p::SESTATUS, l));
    }
    (s.mode.is_some() || s.config_mode.is_some()).then_some(s)
}

pub(super) fn memory(cx: &Cx) -> Option<Memory> {
    let free = cx.text(p::FREE).and_then(|t| procfs::free(&t));
    let meminfo = cx.text(p::PROC_MEMINFO);
    let mi = |k: &str| {
        meminfo
            .as_deref()
            .and_then(|t| procfs::meminfo(t, k))
            .map(|(v, _)| v / 1024)
    };
    let m = Memory {
        total_mb: free
            .as_ref()
            .and_then(|f| f.mem_total_mb)
            .or_else(|| mi("MemTotal")),
        swap_total_mb: free
            .as_ref()
            .and_then(|f| f.swap_total_mb)
            .or_else(|| mi("SwapTotal")),
    };
    (m.total_mb.is_some() || m.swap_total_mb.is_some()).then_some(m)
}

pub(super) fn swap(cx: &mut Cx) -> Option<Swap> {
    if let Some(t) = cx.text(p::PROC_SWAPS) {
        match procfs::swaps(&t) {
            Some(rows) => {
                let total: u64 = rows.iter().map(|r| r.size_kb).sum();
                let first = rows.first().map(|r| at(p::PROC_SWAPS, r.line));
                return Some(Swap {
                    devices: Some(
                        rows.into_iter()
                            .map(|r| SwapDevice {
                                filename: r.filename,
                                kind: r.kind,
                                size_kb: r.size_kb,
                                used_kb: r.used_kb,
                                at: at(p::PROC_SWAPS, r.line),
                            })
                            .collect(),
                    ),
                    total_kb: total,
                    enabled: total > 0,
                    source: p::PROC_SWAPS.into(),
                    at: first,
                });
            }
            None => cx.error(p::PROC_SWAPS, "no /proc/swaps header"),
        }
    }
    if let Some(f) = cx.text(p::FREE).and_then(|t| procfs::free(&t)) {
        if let Some(mb) = f.swap_total_mb {
            return Some(Swap {
                devices: None,
                total_kb: mb * 1024,
                enabled: mb > 0,
                source: p::FREE.into(),
                at: f.swap_line.map(|l| at(p::FREE, l)),
            });
        }
    }
    let (kb, l) = cx
        .text(p::PROC_MEMINFO)
        .and_then(|t| procfs::meminfo(&t, "SwapTotal"))?;
    Some(Swap {
        devices: None,
        total_kb: kb,
        enabled: kb > 0,
        source: p::PROC_MEMINFO.into(),
        at: Some(at(p::PROC_MEMINFO, l)),
    })
}

pub(super) fn cgroups(cx: &mut Cx) -> Option<Cgroups> {
    let mut c = Cgroups::default();
    if let Some(t) = cx.text(p::PROC_CGROUPS) {
        match procfs::cgroups(&t) {
            Some(rows) => {
                c.names = Some(
                    rows.iter()
                        .filter(|r| r.enabled)
                        .map(|r| r.name.clone())
                        .collect(),
                );
                c.has_pids = Some(rows.iter().any(|r| r.name == "pids" && r.enabled));
                c.memory_cgroups = rows
                    .iter()
                    .find(|r| r.name == "memory")
                    .map(|r| r.num_cgroups);
                c.subsystems = Some(
                    rows.into_iter()
                        .map(|r| Subsystem {
                            name: r.name,
                            hierarchy: r.hierarchy,
                            num_cgroups: r.num_cgroups,
                            enabled: r.enabled,
                            at: at(p::PROC_CGROUPS, r.line),
                        })
                        .collect(),
                );
            }
            None => cx.error(p::PROC_CGROUPS, "no /proc/cgroups rows"),
        }
    }
    if let Some(t) = cx.text(p::CGROUP_CONTROLLERS) {
        c.v2_controllers = procfs::controllers(&t);
        if c.v2_controllers.is_none() && !t.trim().is_empty() {
            cx.error(p::CGROUP_CONTROLLERS, "not a controller list");
        }
    }
    if let Some(t) = cx.text(p::PROC_MOUNTS) {
        if let Some(m) = procfs::mounts(&t) {
            let known = c.names.clone().unwrap_or_default();
            c.mounted_controllers = Some(procfs::mounted_controllers(&m, &known));
            c.v2 = Some(
                m.iter()
                    .any(|m| m.fstype == "cgroup2" && m.mount_point == "/sys/fs/cgroup")
                    || c.v2_controllers.is_some(),
            );
        }
    }
    if c.v2.is_none() && c.v2_controllers.is_some() {
        c.v2 = Some(true);
    }
    (c.subsystems.is_some() || c.v2_controllers.is_some() || c.mounted_controllers.is_some())
        .then_some(c)
}

pub(super) fn disks(cx: &mut Cx) -> Option<Vec<Disk>> {
    let Some(t) = cx.text(p::DF) else {
        return inode_disks(cx);
    };
    let Some((kind, rows)) = df::df(&t) else {
        cx.error(p::DF, "no df header");
        return None;
    };
    if kind == df::DfKind::Inodes {
        cx.error(p::DF, "holds inode counts, not sizes");
        return None;
    }
    let inodes: BTreeMap<String, (Option<u32>, usize)> = cx
        .text(p::DF_INODES)
        .and_then(|t| df::df(&t))
        .filter(|(k, _)| *k == df::DfKind::Inodes)
        .map(|(_, r)| {
            r.into_iter()
                .map(|r| (r.mount, (r.use_pct, r.line)))
                .collect()
        })
        .unwrap_or_default();
    Some(
        rows.into_iter()
            .map(|r| {
                let ino = inodes.get(&r.mount);
                Disk {
                    filesystem: r.filesystem,
                    fstype: r.fstype,
                    size_kb: r.size,
                    used_kb: r.used,
                    avail_kb: r.avail,
                    use_pct: r.use_pct,
                    inodes_use_pct: ino.and_then(|i| i.0),
                    inodes_at: ino.map(|i| at(p::DF_INODES, i.1)),
                    at: at(p::DF, r.line),
                    container_rootfs: container_rootfs(&r.mount),
                    kubelet_fs: None,
                    mount: r.mount,
                }
            })
            .collect(),
    )
}

/// Without a table of sizes, the rows of `df -i` / `df -ih` alone (a paste of only that, the
/// usual answer to "no space left on device" with free blocks): each mount with its inode use
/// and no size (`use_pct` absent), so rules still see exhausted inodes.
fn inode_disks(cx: &mut Cx) -> Option<Vec<Disk>> {
    let t = cx.text(p::DF_INODES)?;
    let (_, rows) = df::df(&t).filter(|(k, _)| *k == df::DfKind::Inodes)?;
    Some(
        rows.into_iter()
            .map(|r| Disk {
                filesystem: r.filesystem,
                fstype: r.fstype,
                inodes_use_pct: r.use_pct,
                inodes_at: Some(at(p::DF_INODES, r.line)),
                at: at(p::DF_INODES, r.line),
                container_rootfs: container_rootfs(&r.mount),
                mount: r.mount,
                ..Disk::default()
            })
            .collect(),
    )
}

pub(super) fn time_facts(cx: &mut Cx) -> Option<TimeSync> {
    let t = cx.text(p::TIME)?;
    let s = timesync::time_sync(&t);
    let clock = timesync::clock_utc(&t);
    if s.is_none() && clock.is_none() {
        return None;
    }
    Some(TimeSync {
        synchronized: s.as_ref().map(|s| s.synchronized),
        source: s.as_ref().map(|s| s.source.to_string()),
        at: s.as_ref().map(|s| at(p::TIME, s.line)),
        clock_utc: clock.map(|c| c.0),
        clock_utc_at: clock.map(|c| at(p::TIME, c.1)),
    })
}

pub(super) fn certificates(cx: &mut Cx) -> Option<Vec<Certificate>> {
    let t = cx.text(p::PKI)?;
    let reference = cx.reference;
    let certs = pki::certs(&t);
    if certs.is_empty() && !t.trim().is_empty() {
        cx.error(p::PKI, "no `file=`/`notAfter=` block");
    }
    Some(
        certs
            .into_iter()
            .map(|c| {
                let days_left = match (c.not_after, reference) {
                    (Some(na), Some(r)) => Some((na - r).div_euclid(86400)),
                    _ => None,
                };
                Certificate {
                    file: c.file,
                    subject: c.subject,
                    issuer: c.issuer,
                    not_before: c.not_before.map(time::iso),
                    not_after: c.not_after.map(time::iso),
                    days_left,
                    // without a reference, past its notAfter by the newest time the objects
                    // record is expired (the collection came later); not past it tells nothing
                    expired: match (c.not_after, reference, cx.floor) {
                        (Some(na), Some(r), _) => Some(na <= r),
                        (Some(na), None, Some(f)) => (na <= f).then_some(true),
                        _ => None,
                    },
                    error: c.error,
                    at: at(p::PKI, c.not_after_line.unwrap_or(c.line)),
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Facts;
    use crate::texts::node::Node;

    /// Without collected_at or a clock, the newest time the cluster's objects record is a floor:
    /// a namespace deleted at 08:41:43 (the deletionTimestamp of kubernetes/kubernetes#64002,
    /// dev) next to an event last seen at 09:41:43 (invented) has been deleting for at least an
    /// hour; a certificate whose notAfter is before that was expired, one after it is unknown.
    /// Log lines and certificate dates give no floor.
    #[test]
    fn the_newest_timestamp_is_a_floor_without_a_reference() {
        let mut node = Node::default();
        node.files.insert(
            p::NAMESPACES.into(),
            br#"{"kind":"List","items":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"xc-test","creationTimestamp":"2021-01-08T09:14:25Z","deletionTimestamp":"2021-01-11T08:41:43Z"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Terminating"}}]}"#.to_vec(),
        );
        let pki = "file=/etc/kubernetes/pki/a.crt\nnotAfter=Jan 11 09:00:00 2021 GMT\nfile=/etc/kubernetes/pki/b.crt\nnotAfter=Jan 11 10:00:00 2021 GMT\n";
        node.files.insert(p::PKI.into(), pki.as_bytes().to_vec());
        let only_objects = Facts::from_node(&node);
        let ns = &only_objects.cluster.unwrap().namespaces.unwrap()[0];
        assert_eq!(
            (ns.deletion_age_s, ns.deletion_age_at_least_s),
            (None, Some(0))
        );
        node.files.insert(
            p::EVENTS.into(),
            br#"{"kind":"List","items":[{"apiVersion":"v1","kind":"Event","metadata":{"name":"xc-test.1","namespace":"xc-test"},"reason":"Started","firstTimestamp":"2021-01-11T09:30:00Z","lastTimestamp":"2021-01-11T09:41:43Z"}]}"#.to_vec(),
        );
        // a log line's own time is not read: a streamed log would give another floor
        node.files.insert(
            p::JOURNAL_KUBELET.into(),
            b"2021-01-11T23:59:59+0000 node01 kubelet[812]: I0111 23:59:59.000001     812 kubelet.go:1900] SyncLoop (housekeeping)\n".to_vec(),
        );
        let f = Facts::from_node(&node);
        assert_eq!(
            f.node.newest_unix,
            time::parse_rfc3339("2021-01-11T09:41:43Z")
        );
        assert_eq!(f.node.reference_unix, None);
        let ns = &f.cluster.unwrap().namespaces.unwrap()[0];
        assert_eq!(
            (ns.deletion_age_s, ns.deletion_age_at_least_s),
            (None, Some(3600))
        );
        let c = f.certificates.unwrap();
        assert_eq!((c[0].expired, c[0].days_left), (Some(true), None));
        assert_eq!(c[1].expired, None);
    }

    /// A paste without manifest is judged against the clock it shows (openshift/installer#1494,
    /// dev: a Dutch `date` in UTC a day after the kubelet client certificate's notAfter); a clock
    /// in a zone named only by its abbreviation judges nothing.
    #[test]
    fn certificates_against_the_pasted_clock() {
        let mut node = Node::default();
        let pki = "file=/var/lib/kubelet/pki/kubelet-client-current.pem\nnotBefore=Mar 27 06:57:00 2019 GMT\nnotAfter=Mar 28 06:39:47 2019 GMT\n";
        node.files.insert(p::PKI.into(), pki.as_bytes().to_vec());
        let unjudged = Facts::from_node(&node);
        assert_eq!(unjudged.certificates.unwrap()[0].expired, None);
        assert_eq!(unjudged.node.reference_from, None);
        node.files.insert(
            p::TIME.into(),
            "### date\n2019年 03月 29日 星期五 05:21:18 CST\n"
                .as_bytes()
                .to_vec(),
        );
        let cst = Facts::from_node(&node);
        assert_eq!(cst.certificates.unwrap()[0].expired, None);
        node.files.insert(
            p::TIME.into(),
            "### date\nvr 29 mrt 2019  5:21:18 UTC\n"
                .as_bytes()
                .to_vec(),
        );
        let f = Facts::from_node(&node);
        let c = &f.certificates.unwrap()[0];
        assert_eq!((c.expired, c.days_left), (Some(true), Some(-1)));
        assert_eq!(f.node.reference_from.as_deref(), Some("node clock"));
        assert_eq!(f.node.collected_at_unix, None);
        assert_eq!(f.time.unwrap().clock_utc, Some(1553836878));
    }

    /// `df -hi` alone (ipfs/kubo#3444: / out of inodes on ext3): disks with their inode use and
    /// no block figures.
    #[test]
    fn inode_table_alone_gives_disks() {
        let mut node = Node::default();
        let t = "Filesystem     Inodes IUsed IFree IUse% Mounted on\n/dev/vda1        640K  640K     0  100% /\nudev             123K   285  123K    1% /dev\n";
        node.files
            .insert(p::DF_INODES.into(), t.as_bytes().to_vec());
        let d = Facts::from_node(&node).disks.unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(
            (d[0].mount.as_str(), d[0].inodes_use_pct, d[0].use_pct),
            ("/", Some(100), None)
        );
        assert_eq!(d[0].at.path, p::DF_INODES);
    }
}
