//! The evidence the field rules read beyond log lines (issue 12): loaded kernel modules,
//! conntrack usage, both iptables 1.8 backends, the CNI folders' listing, `xfs_info` under the
//! runtime's data root, k3s/rke2/microk8s configuration, unit files and etcd's loopback
//! metrics. [`jobs`] adds them to the table (`sources::node_jobs`); the actions that are not
//! plain commands or files live here too ([`values`], [`listing`], [`cmd_else_file`]).

use crate::actions;
use crate::job::{under, Action, CmdSpec, Job};
use crate::sources::io_status;
use crate::spool::Spool;
use crate::util::civil_from_unix;
use kdiag_bundle::paths::*;
use kdiag_bundle::{Item, Status};
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The node's files read for conntrack usage.
pub const CONNTRACK_FILES: &[&str] = &[
    "/proc/sys/net/netfilter/nf_conntrack_count",
    "/proc/sys/net/netfilter/nf_conntrack_max",
];

/// Where the runtimes keep their data, in the order looked at.
pub const RUNTIME_ROOTS: &[&str] = &["/var/lib/docker", "/var/lib/containerd"];

/// The etcd static pod manifest whose `--listen-metrics-urls` names the loopback metrics port.
pub const ETCD_MANIFEST: &str = "/etc/kubernetes/manifests/etcd.yaml";

/// The jobs of this module, appended to the table.
pub fn jobs(jobs: &mut Vec<Job>, root: &Path) {
    jobs.push(Job {
        path: KERNEL_MODULES.into(),
        source: "lsmod || file:/proc/modules".into(),
        action: Action::CmdElseFile {
            spec: CmdSpec::new(&["lsmod"]),
            real: under(root, "/proc/modules"),
            shown: "/proc/modules".into(),
        },
    });
    jobs.push(Job {
        path: CONNTRACK_LIMITS.into(),
        source: format!("grep . {}", CONNTRACK_FILES.join(" ")),
        action: Action::Values {
            files: CONNTRACK_FILES
                .iter()
                .map(|f| (under(root, f), f.to_string()))
                .collect(),
        },
    });
    jobs.push(Job::cmd(
        CONNTRACK_STATS,
        CmdSpec::new(&["conntrack", "-S"]),
    ));
    jobs.push(Job::cmd(
        IPTABLES_LEGACY_SAVE,
        CmdSpec::new(&["iptables-legacy-save"]),
    ));
    jobs.push(Job::cmd(
        IPTABLES_NFT_SAVE,
        CmdSpec::new(&["iptables-nft-save"]),
    ));
    let dirs = ["/etc/cni/net.d", "/opt/cni/bin"];
    jobs.push(Job {
        path: CNI_LISTING.into(),
        source: format!("ls -ln --time-style=full-iso {}", dirs.join(" ")),
        action: Action::Listing {
            dirs: dirs
                .iter()
                .map(|d| (under(root, d), d.to_string()))
                .collect(),
        },
    });
    jobs.push(xfs_job(root));
    jobs.push(Job {
        path: ETCD_METRICS.into(),
        source: format!("GET /metrics on etcd's loopback metrics URL ({ETCD_MANIFEST})"),
        action: Action::EtcdMetrics {
            manifest: under(root, ETCD_MANIFEST),
            shown: ETCD_MANIFEST.into(),
        },
    });
    // Distributions that are not kubeadm: their configuration (tokens redacted by the spool).
    jobs.push(Job::file(root, K3S_CONFIG, "/etc/rancher/k3s/config.yaml"));
    jobs.push(Job::file(
        root,
        RKE2_CONFIG,
        "/etc/rancher/rke2/config.yaml",
    ));
    crate::sources::dir_jobs(
        jobs,
        root,
        "/var/snap/microk8s/current/args",
        MICROK8S_ARGS_DIR,
    );
    for unit in UNIT_FILE_UNITS {
        jobs.push(Job::cmd(
            &unit_file(unit),
            CmdSpec::new(&["systemctl", "cat", unit, "--no-pager"]).nf_stderr("No files found for"),
        ));
    }
}

/// `xfs_info` of each xfs filesystem that holds a runtime data root (found in /proc/mounts),
/// or a record saying why there is none: no data root, or not on xfs.
fn xfs_job(root: &Path) -> Job {
    let mounts = fs::read_to_string(under(root, "/proc/mounts")).unwrap_or_default();
    let roots: Vec<&str> = RUNTIME_ROOTS
        .iter()
        .copied()
        .filter(|d| under(root, d).is_dir())
        .collect();
    if roots.is_empty() {
        return Job::record(
            XFS_INFO,
            "xfs_info MOUNT",
            Status::NotFound,
            format!(
                "no runtime data root: none of {} exists",
                RUNTIME_ROOTS.join(", ")
            ),
        );
    }
    let mut cmds: Vec<CmdSpec> = Vec::new();
    let mut notes = Vec::new();
    for d in &roots {
        match mount_of(&mounts, d) {
            Some((mp, fstype)) if fstype == "xfs" => {
                if !cmds.iter().any(|c| c.argv[1] == mp) {
                    cmds.push(CmdSpec::new(&["xfs_info", &mp]));
                }
            }
            Some((mp, fstype)) => notes.push(format!("{d} is on {fstype} ({mp}), not xfs")),
            None => notes.push(format!("{d}: no mount holding it in /proc/mounts")),
        }
    }
    if cmds.is_empty() {
        return Job::record(
            XFS_INFO,
            "xfs_info MOUNT",
            Status::NotFound,
            notes.join("; "),
        );
    }
    Job {
        path: XFS_INFO.into(),
        source: cmds
            .iter()
            .map(|c| c.display())
            .collect::<Vec<_>>()
            .join("; "),
        action: Action::Multi {
            cmds,
            first_only: false,
        },
    }
}

/// The mount point and type of the filesystem holding `path`: the longest mount point in
/// /proc/mounts that is `path` or one of its parents (the last such line wins, as the kernel
/// stacks mounts).
pub fn mount_of(mounts: &str, path: &str) -> Option<(String, String)> {
    let mut best: Option<(String, String)> = None;
    for l in mounts.lines() {
        let mut w = l.split_whitespace();
        let (Some(_dev), Some(mp), Some(fstype)) = (w.next(), w.next(), w.next()) else {
            continue;
        };
        let mp = mp.replace("\\040", " ");
        let holds = mp == "/"
            || path == mp
            || path
                .strip_prefix(mp.as_str())
                .is_some_and(|r| r.starts_with('/'));
        if holds && best.as_ref().is_none_or(|(b, _)| mp.len() >= b.len()) {
            best = Some((mp, fstype.to_string()));
        }
    }
    best
}

/// A command, else (not installed) a file: `lsmod`, else /proc/modules.
pub fn cmd_else_file(
    item: &mut Item,
    spec: &CmdSpec,
    real: &Path,
    shown: &str,
    cap: u64,
    left: Duration,
    spool: &mut Spool,
) {
    let r = actions::run_cmd(spec, left, spool);
    if r.status != Status::NotFound {
        item.source = spec.display();
        actions::apply(item, r);
        return;
    }
    let why = r.stderr.trim().to_string();
    item.source = format!("file:{shown}");
    actions::copy_file(item, real, shown, cap, spool);
    if item.status != Status::Ok {
        item.stderr = format!("{why}; {}", item.stderr);
    }
}

/// One-value files as `grep . FILE...` prints them (`PATH:VALUE`); a file that cannot be read
/// is left out and named in the reason.
pub fn values(item: &mut Item, files: &[(PathBuf, String)], spool: &mut Spool) {
    let mut text = String::new();
    let mut notes = Vec::new();
    let mut worst = Status::NotFound;
    for (real, shown) in files {
        match fs::read_to_string(real) {
            Ok(v) => {
                for l in v.lines().filter(|l| !l.is_empty()) {
                    text.push_str(&format!("{shown}:{l}\n"));
                }
            }
            Err(e) => {
                let (st, why) = io_status(&e);
                if st != Status::NotFound {
                    worst = st;
                }
                notes.push(format!("{shown}: {why}"));
            }
        }
    }
    item.stderr = notes.join("\n");
    if text.is_empty() {
        item.status = worst;
        if worst == Status::NotFound {
            item.stderr
                .push_str("\n(the nf_conntrack module is not loaded, or this is not Linux)");
        }
        return;
    }
    item.status = Status::Ok;
    if let Err(e) = spool.write_all(text.as_bytes()) {
        item.status = Status::Failed;
        item.stderr = format!("cannot spool: {e}");
    }
}

/// Folders as `ls -ln --time-style=full-iso DIR...` prints them: a `DIR:` header, `total`
/// (1 KiB blocks), then one line per entry (mode, links, uid, gid, size, mtime in UTC, name,
/// `-> target` for links), sorted by name, a blank line between folders.
pub fn listing(item: &mut Item, dirs: &[(PathBuf, String)], spool: &mut Spool) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut worst = Status::NotFound;
    for (real, shown) in dirs {
        match list_dir(real) {
            Ok(rows) => out.push(format!("{shown}:\n{rows}")),
            Err(e) => {
                let (st, why) = io_status(&e);
                if st != Status::NotFound {
                    worst = st;
                }
                notes.push(format!("ls: cannot access '{shown}': {why}"));
            }
        }
    }
    item.stderr = notes.join("\n");
    if out.is_empty() {
        item.status = worst;
        return;
    }
    item.status = Status::Ok;
    if let Err(e) = spool.write_all(out.join("\n").as_bytes()) {
        item.status = Status::Failed;
        item.stderr = format!("cannot spool: {e}");
    }
}

fn list_dir(dir: &Path) -> std::io::Result<String> {
    let mut entries: Vec<(String, fs::Metadata, Option<String>)> = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(md) = fs::symlink_metadata(e.path()) else {
            continue;
        };
        let target = md
            .file_type()
            .is_symlink()
            .then(|| fs::read_link(e.path()).ok())
            .flatten()
            .map(|t| t.to_string_lossy().into_owned());
        entries.push((name, md, target));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let blocks: u64 = entries.iter().map(|(_, m, _)| m.blocks() / 2).sum();
    let w_links = width(entries.iter().map(|(_, m, _)| m.nlink()));
    let w_uid = width(entries.iter().map(|(_, m, _)| m.uid() as u64));
    let w_gid = width(entries.iter().map(|(_, m, _)| m.gid() as u64));
    let w_size = width(entries.iter().map(|(_, m, _)| m.len()));
    let mut s = format!("total {blocks}\n");
    for (name, m, target) in &entries {
        let c = civil_from_unix(m.mtime());
        s.push_str(&format!(
            "{} {:>w_links$} {:<w_uid$} {:<w_gid$} {:>w_size$} {:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:09} +0000 {name}",
            mode_string(m),
            m.nlink(),
            m.uid(),
            m.gid(),
            m.len(),
            c.year,
            c.month,
            c.day,
            c.hour,
            c.min,
            c.sec,
            m.mtime_nsec(),
        ));
        if let Some(t) = target {
            s.push_str(&format!(" -> {t}"));
        }
        s.push('\n');
    }
    Ok(s)
}

fn width(v: impl Iterator<Item = u64>) -> usize {
    v.map(|n| n.to_string().len()).max().unwrap_or(1)
}

/// `-rw-r--r--`, `drwxr-xr-x`, `lrwxrwxrwx`, with setuid/setgid/sticky as ls shows them.
fn mode_string(m: &fs::Metadata) -> String {
    let ft = m.file_type();
    let kind = if ft.is_dir() {
        'd'
    } else if ft.is_symlink() {
        'l'
    } else if ft.is_char_device() {
        'c'
    } else if ft.is_block_device() {
        'b'
    } else if ft.is_fifo() {
        'p'
    } else if ft.is_socket() {
        's'
    } else {
        '-'
    };
    let mode = m.permissions().mode();
    let mut s = String::from(kind);
    for (i, special, lower, upper) in [
        (6, 0o4000, 's', 'S'),
        (3, 0o2000, 's', 'S'),
        (0, 0o1000, 't', 'T'),
    ] {
        let bits = (mode >> i) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let x = bits & 1 != 0;
        s.push(match (mode & special != 0, x) {
            (true, true) => lower,
            (true, false) => upper,
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mount_holding_a_path_is_the_longest_prefix() {
        let m = "rootfs / rootfs rw 0 0\n/dev/mapper/centos-root / xfs rw,relatime 0 0\n\
                 /dev/sdb1 /var/lib/docker xfs rw 0 0\n/dev/sdc1 /var/lib/dock ext4 rw 0 0\n";
        assert_eq!(
            mount_of(m, "/var/lib/docker"),
            Some(("/var/lib/docker".into(), "xfs".into()))
        );
        assert_eq!(
            mount_of(m, "/var/lib/containerd"),
            Some(("/".into(), "xfs".into()))
        );
        assert_eq!(mount_of("", "/var/lib/docker"), None);
    }

    #[test]
    fn listing_looks_like_ls() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("10-calico.conflist"), "{}\n").unwrap();
        fs::set_permissions(
            d.path().join("10-calico.conflist"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::os::unix::fs::symlink("10-calico.conflist", d.path().join("link")).unwrap();
        let s = list_dir(d.path()).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].starts_with("total "), "{s}");
        assert!(
            lines[1].starts_with("-rw-r--r-- 1 ")
                && lines[1].ends_with(" +0000 10-calico.conflist"),
            "{s}"
        );
        assert!(lines[1].contains(" 3 "), "size: {s}");
        assert!(
            lines[2].starts_with("lrwxrwxrwx") && lines[2].ends_with("link -> 10-calico.conflist"),
            "{s}"
        );
    }
}
