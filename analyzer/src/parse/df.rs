//! `df -PT`, `df -Pi`, `df -h` (and plain `df`, where a long device name wraps onto its own line).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DfRow {
    pub filesystem: String,
    pub fstype: Option<String>,
    /// Sizes in KiB (df -h sizes are converted, so approximate); inodes for df -i.
    pub size: Option<u64>,
    pub used: Option<u64>,
    pub avail: Option<u64>,
    /// `Use%` / `Capacity` / `IUse%`; `None` for `-`.
    pub use_pct: Option<u32>,
    pub mount: String,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DfKind {
    /// Sizes in KiB blocks (df -P, df -PT, df -k).
    Blocks,
    /// Inode counts (df -i, df -Pi).
    Inodes,
    /// Human sizes (df -h).
    Human,
}

/// Parses a df listing; the header decides what the numbers are. `None` without a df header.
pub fn df(text: &str) -> Option<(DfKind, Vec<DfRow>)> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.find(|(_, l)| l.starts_with("Filesystem"))?;
    let h: Vec<&str> = header.split_whitespace().collect();
    let has_type = h.get(1) == Some(&"Type");
    let kind = if h.contains(&"Inodes") {
        DfKind::Inodes
    } else if h.contains(&"Size") {
        DfKind::Human
    } else {
        DfKind::Blocks
    };
    let mut out = Vec::new();
    let mut pending: Option<(String, usize)> = None;
    for (i, raw) in lines {
        let line = match raw.find(" #") {
            Some(p) => &raw[..p],
            None => raw,
        };
        let mut w: Vec<&str> = line.split_whitespace().collect();
        if w.is_empty() {
            continue;
        }
        let mut fs_owned = None;
        if w.len() == 1 && !line.starts_with(' ') {
            pending = Some((w[0].to_string(), i + 1));
            continue;
        }
        if line.starts_with(' ') {
            if let Some((fs, _)) = pending.take() {
                fs_owned = Some(fs);
            }
        }
        let fs = match fs_owned {
            Some(f) => f,
            None => w.remove(0).to_string(),
        };
        let fstype = if has_type && !w.is_empty() {
            Some(w.remove(0).to_string())
        } else {
            None
        };
        if w.len() < 5 {
            continue;
        }
        let num = |s: &str| -> Option<u64> {
            match kind {
                DfKind::Human => human_kib(s),
                _ => s.parse().ok(),
            }
        };
        let pct = w[3].strip_suffix('%').and_then(|p| p.parse().ok());
        if pct.is_none() && w[3] != "-" {
            continue;
        }
        out.push(DfRow {
            filesystem: fs,
            fstype,
            size: num(w[0]),
            used: num(w[1]),
            avail: num(w[2]),
            use_pct: pct,
            mount: w[4..].join(" "),
            line: i + 1,
        });
    }
    Some((kind, out))
}

/// `20G` -> KiB, `3.8G`, `27M`, `944K`, `0`.
fn human_kib(s: &str) -> Option<u64> {
    if let Ok(n) = s.parse::<u64>() {
        return Some(n / 1024);
    }
    let (num, unit) = s.split_at(s.len().checked_sub(1)?);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "K" => 1.0,
        "M" => 1024.0,
        "G" => 1024.0 * 1024.0,
        "T" => 1024.0 * 1024.0 * 1024.0,
        "P" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * mult).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df_pt() {
        let t = "Filesystem              Type     1024-blocks     Used Available Capacity Mounted on\ndevtmpfs                devtmpfs     8115024        0   8115024       0% /dev\n/dev/mapper/centos-root xfs         52403200 49780000   2623200      95% /\n/dev/sdb1               xfs        104806400  1048064 103758336       2% /var/lib/my data\n";
        let (k, r) = df(t).unwrap();
        assert_eq!(k, DfKind::Blocks);
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].fstype.as_deref(), Some("xfs"));
        assert_eq!(
            (r[1].size, r[1].use_pct, r[1].mount.as_str(), r[1].line),
            (Some(52403200), Some(95), "/", 3)
        );
        assert_eq!(r[2].mount, "/var/lib/my data");
    }

    #[test]
    fn df_pi() {
        let t = "Filesystem                Inodes   IUsed    IFree IUse% Mounted on\n/dev/mapper/centos-root 26214400 26214400       0  100% /\nxfs-no-inodes                  0       0        0     - /mnt/x\n";
        let (k, r) = df(t).unwrap();
        assert_eq!(k, DfKind::Inodes);
        assert_eq!(r[0].use_pct, Some(100));
        assert_eq!(r[1].use_pct, None);
    }

    #[test]
    fn df_h_from_knowledge_000() {
        let t = "Filesystem      Size  Used Avail Use% Mounted on\ndevtmpfs        126G     0  126G   0% /dev\n/dev/sda1        20G   19G     0 100% /   # 根目录磁盘满\n/dev/nvme1n1    3.0T  191G  2.8T   7% /data2\n/dev/mapper/very-long-volume-name\n                 50G   20G   30G  40% /var\n";
        let (k, r) = df(t).unwrap();
        assert_eq!(k, DfKind::Human);
        assert_eq!(r.len(), 4);
        assert_eq!(
            (r[1].filesystem.as_str(), r[1].use_pct, r[1].mount.as_str()),
            ("/dev/sda1", Some(100), "/")
        );
        assert_eq!(r[1].size, Some(20 * 1024 * 1024));
        assert_eq!(
            (r[3].filesystem.as_str(), r[3].mount.as_str()),
            ("/dev/mapper/very-long-volume-name", "/var")
        );
        assert!(
            df("df: cannot read table of mounted file systems: No such file or directory\n")
                .is_none()
        );
    }
}
