//! /proc/cgroups, /proc/mounts, /proc/swaps, /proc/meminfo, cgroup.controllers and `free -m`.
//! Line numbers are 1-based.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subsystem {
    pub name: String,
    pub hierarchy: u32,
    pub num_cgroups: u64,
    pub enabled: bool,
    pub line: usize,
}

/// `/proc/cgroups`: `#subsys_name hierarchy num_cgroups enabled` then one row per controller.
/// `None` when no row parses (an error message, an empty file).
pub fn cgroups(text: &str) -> Option<Vec<Subsystem>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() != 4 {
            continue;
        }
        let (Ok(h), Ok(n), Ok(e)) = (w[1].parse(), w[2].parse(), w[3].parse::<u8>()) else {
            continue;
        };
        out.push(Subsystem {
            name: w[0].to_string(),
            hierarchy: h,
            num_cgroups: n,
            enabled: e == 1,
            line: i + 1,
        });
    }
    (!out.is_empty()).then_some(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub device: String,
    pub mount_point: String,
    pub fstype: String,
    pub options: Vec<String>,
    pub line: usize,
}

/// `/proc/mounts` (octal escapes like `\040` in mount points are decoded).
pub fn mounts(text: &str) -> Option<Vec<Mount>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 4 || !(w[1].starts_with('/') || w[1] == "none") {
            continue;
        }
        out.push(Mount {
            device: w[0].to_string(),
            mount_point: unescape_octal(w[1]),
            fstype: w[2].to_string(),
            options: w[3].split(',').map(str::to_string).collect(),
            line: i + 1,
        });
    }
    (!out.is_empty()).then_some(out)
}

fn unescape_octal(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = (b[i + 1] - b'0') as u32 * 64
                + (b[i + 2] - b'0') as u32 * 8
                + (b[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Controllers of cgroup v1 mounts: the options of `cgroup` mounts that name a controller
/// (`cpu,cpuacct`, `pids`, `name=systemd` excluded).
pub fn mounted_controllers(mounts: &[Mount], known: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in mounts.iter().filter(|m| m.fstype == "cgroup") {
        for o in &m.options {
            let is_ctl = known.iter().any(|k| k == o)
                || matches!(
                    o.as_str(),
                    "cpu"
                        | "cpuacct"
                        | "cpuset"
                        | "memory"
                        | "devices"
                        | "freezer"
                        | "net_cls"
                        | "net_prio"
                        | "blkio"
                        | "perf_event"
                        | "hugetlb"
                        | "pids"
                        | "rdma"
                );
            if is_ctl && !out.contains(o) {
                out.push(o.clone());
            }
        }
    }
    out.sort();
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Swap {
    pub filename: String,
    pub kind: String,
    pub size_kb: u64,
    pub used_kb: u64,
    pub priority: i64,
    pub line: usize,
}

/// `/proc/swaps`: a header and one row per active swap. `Some(vec![])` = header only = no swap.
/// `None` when there is no header (not the file we expect).
pub fn swaps(text: &str) -> Option<Vec<Swap>> {
    let mut lines = text.lines().enumerate();
    let header = lines.find(|(_, l)| !l.trim().is_empty())?;
    if !header.1.trim_start().starts_with("Filename") {
        return None;
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() < 5 {
            continue;
        }
        let (Ok(size), Ok(used)) = (w[2].parse(), w[3].parse()) else {
            continue;
        };
        out.push(Swap {
            filename: w[0].to_string(),
            kind: w[1].to_string(),
            size_kb: size,
            used_kb: used,
            priority: w[4].parse().unwrap_or(0),
            line: i + 1,
        });
    }
    Some(out)
}

/// `/proc/meminfo` value in kB of `key` (`MemTotal`, `SwapTotal`), with its line.
pub fn meminfo(text: &str, key: &str) -> Option<(u64, usize)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let (k, v) = l.split_once(':')?;
        if k.trim() != key {
            return None;
        }
        Some((v.split_whitespace().next()?.parse().ok()?, i + 1))
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Free {
    pub mem_total_mb: Option<u64>,
    pub swap_total_mb: Option<u64>,
    pub swap_used_mb: Option<u64>,
    pub swap_line: Option<usize>,
}

/// `free -m` (also `free -h`: sizes like `3.7G`, `262M`, converted to MiB).
pub fn free(text: &str) -> Option<Free> {
    let mut f = Free::default();
    for (i, line) in text.lines().enumerate() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.first().copied() {
            Some("Mem:") => f.mem_total_mb = w.get(1).and_then(|v| mib(v)),
            Some("Swap:") => {
                f.swap_total_mb = w.get(1).and_then(|v| mib(v));
                f.swap_used_mb = w.get(2).and_then(|v| mib(v));
                f.swap_line = Some(i + 1);
            }
            _ => {}
        }
    }
    (f.mem_total_mb.is_some() || f.swap_total_mb.is_some()).then_some(f)
}

fn mib(v: &str) -> Option<u64> {
    if let Ok(n) = v.parse::<u64>() {
        return Some(n);
    }
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim_end_matches('i').trim_end_matches('B') {
        "B" | "" => 1.0 / (1024.0 * 1024.0),
        "K" => 1.0 / 1024.0,
        "M" => 1.0,
        "G" => 1024.0,
        "T" => 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult).round() as u64)
}

/// cgroup v2 `cgroup.controllers`: one line of names.
pub fn controllers(text: &str) -> Option<Vec<String>> {
    let v: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let ok = !v.is_empty()
        && v.iter()
            .all(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    ok.then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    // knowledge/000: a 3.10 kernel without pids.
    const OLD: &str = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t5\t6\t1\ncpu\t2\t76\t1\ncpuacct\t2\t76\t1\nmemory\t4\t76\t1\ndevices\t10\t76\t1\nfreezer\t7\t6\t1\nnet_cls\t3\t6\t1\nblkio\t8\t76\t1\nperf_event\t9\t6\t1\nhugetlb\t6\t6\t1\n";

    #[test]
    fn proc_cgroups() {
        let s = cgroups(OLD).unwrap();
        assert_eq!(s.len(), 10);
        assert!(!s.iter().any(|x| x.name == "pids"));
        assert_eq!(
            s[3],
            Subsystem {
                name: "memory".into(),
                hierarchy: 4,
                num_cgroups: 76,
                enabled: true,
                line: 5
            }
        );
        let new =
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\npids\t3\t80\t1    # 此处支持pids资源\n";
        assert_eq!(cgroups(new).unwrap()[0].name, "pids");
        assert!(cgroups("cat: /proc/cgroups: No such file or directory\n").is_none());
    }

    #[test]
    fn proc_mounts_and_controllers() {
        let t = "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\ntmpfs /sys/fs/cgroup tmpfs ro,nosuid,nodev,noexec,mode=755 0 0\ncgroup /sys/fs/cgroup/systemd cgroup rw,nosuid,nodev,noexec,relatime,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpuacct,cpu 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0\n/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\n";
        let m = mounts(t).unwrap();
        assert_eq!(m.len(), 6);
        assert_eq!(m[5].mount_point, "/mnt/my disk");
        assert_eq!(
            mounted_controllers(&m, &[]),
            vec!["cpu", "cpuacct", "memory"]
        );
    }

    #[test]
    fn proc_swaps_and_free() {
        let none = "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n";
        assert_eq!(swaps(none), Some(vec![]));
        let one = "Filename                                Type            Size    Used    Priority\n/swapfile                               file            2097148 0       -2\n/dev/dm-1                               partition       4194300 58624   -3\n";
        let s = swaps(one).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].size_kb, s[0].priority, s[0].line), (2097148, -2, 2));
        assert_eq!(s[1].used_kb, 58624);
        assert!(swaps("swapon: command not found").is_none());
        let f = free("              total        used        free      shared  buff/cache   available\nMem:          15885        2261        9710         177        3913       13129\nSwap:          2047           0        2047\n").unwrap();
        assert_eq!(
            (f.mem_total_mb, f.swap_total_mb, f.swap_line),
            (Some(15885), Some(2047), Some(3))
        );
        // free -h from knowledge/001
        let f = free("              total        used        free      shared  buff/cache   available\nMem:           3.7G        262M        738M         30M        2.7G        3.2G\nSwap:          3.9G         57M        3.8G\n").unwrap();
        assert_eq!(
            (f.mem_total_mb, f.swap_total_mb, f.swap_used_mb),
            (Some(3789), Some(3994), Some(57))
        );
        assert_eq!(
            meminfo(
                "MemTotal:       16266168 kB\nSwapTotal:             0 kB\n",
                "SwapTotal"
            ),
            Some((0, 2))
        );
        assert_eq!(
            controllers("cpuset cpu io memory hugetlb pids rdma\n")
                .unwrap()
                .len(),
            7
        );
        assert!(controllers("cat: cannot open").is_none());
    }
}
