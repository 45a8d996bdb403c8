//! `lvs` output in a paste (`LV VG Attr LSize Pool Origin Data% Meta% ...`): the header and the
//! rows of thin pools (Attr starting `t`, e.g. docker-storage-setup's `docker-pool`,
//! `twi-aot---`), as node/disk/lvs.txt, which facts read for the pools' data and metadata use.

use super::Line;

/// The first `lvs` table with a thin pool: its header and the pool rows.
pub(super) fn lvs(lines: &[Line]) -> Option<String> {
    let start = lines.iter().position(|l| {
        let w: Vec<&str> = l.text.split_whitespace().collect();
        !l.cmd && w.len() >= 4 && w[..4] == ["LV", "VG", "Attr", "LSize"] && w.contains(&"Data%")
    })?;
    let header = lines[start].text.trim().to_string();
    let rows: Vec<String> = lines[start + 1..]
        .iter()
        .take_while(|l| !l.blank())
        .map(|l| l.text.trim().to_string())
        .filter(|t| {
            t.split_whitespace()
                .nth(2)
                .is_some_and(|a| a.starts_with('t'))
        })
        .collect();
    (!rows.is_empty()).then(|| format!("{header}\n{}\n", rows.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    /// `lvs` after a root prompt, from a public ops notebook (a docker-storage-setup pool at 6.50%):
    /// the header and the pool row are kept, the plain volumes left out.
    #[test]
    fn lvs_keeps_the_thin_pool_rows() {
        let t = "```bash\n[root@zy-op-m Packages]# lvs\n  LV          VG     Attr       LSize    Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\n  docker-pool centos twi-aot---  <72.51g             6.50   0.41                            \n  log         centos -wi-ao----  <19.34g                                                    \n  mysql       centos -wi-ao----   96.71g                                                    \n  root        centos -wi-ao---- <183.76g                \n[root@zy-op-m Packages]# lvextend -L +8G centos/root\n";
        let d = derive(t);
        assert_eq!(
            get(&d, paths::LVS),
            Some("LV          VG     Attr       LSize    Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert\ndocker-pool centos twi-aot---  <72.51g             6.50   0.41\n")
        );
        // no thin pool: nothing
        let plain = "  LV   VG     Attr       LSize  Pool Origin Data%  Meta%\n  root centos -wi-ao---- 50.00g\n";
        assert!(get(&derive(plain), paths::LVS).is_none());
    }
}
