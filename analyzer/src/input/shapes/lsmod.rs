//! `lsmod` in a paste (or `cat /proc/modules`), written as node/kernel/modules.txt so facts know
//! which modules are loaded (`facts.kernel.modules`, and with a kube-proxy ConfigMap in IPVS mode
//! `facts.kube_proxy.missing_modules`). A listing filtered by grep is kept only when its patterns
//! cover both families the IPVS check reads (`ip_vs`, `nf_conntrack`): a module the grep could
//! not show is not missing. An empty filtered listing is kept as the header alone: none loaded.

use std::sync::LazyLock;

use regex::Regex;

use super::Line;

const HEADER: &str = "Module                  Size  Used by";

static ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[\w-]+\s+\d+\s+\d+(?:\s+\S+)?(?:\s+\S+\s+\S+\s+0x[0-9a-f]+)?\s*$").unwrap()
});
static HEAD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Module\s+Size\s+Used by\s*$").unwrap());

/// Whether the grep patterns of `cmd` (after `lsmod |`) let both families through.
fn covers(cmd: &str) -> bool {
    let Some((_, grep)) = cmd.split_once("grep") else {
        return true;
    };
    let words: Vec<String> = grep
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '|' | '\'' | '"' | '(' | ')' | '^' | '\\')
        })
        .filter(|w| !w.is_empty() && !w.starts_with('-'))
        .map(str::to_string)
        .collect();
    let shows = |module: &str| words.iter().any(|w| module.starts_with(w.as_str()));
    shows("ip_vs") && shows("nf_conntrack")
}

/// The listing after an `lsmod` (or `cat /proc/modules`) command, or under lsmod's header.
pub(super) fn modules(lines: &[Line]) -> Option<String> {
    let start = lines.iter().position(|l| {
        (l.cmd && (l.text.starts_with("lsmod") || l.text.starts_with("cat /proc/modules")))
            || (!l.cmd && HEAD.is_match(l.text.trim()))
    })?;
    if lines[start].cmd && !covers(&lines[start].text) {
        return None;
    }
    let rows: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|l| !l.cmd && (ROW.is_match(l.text.trim()) || HEAD.is_match(l.text.trim())))
        .map(|l| l.text.trim())
        .filter(|t| !HEAD.is_match(t))
        .collect();
    // an unfiltered lsmod that printed nothing is a paste cut short, not a kernel without modules
    if rows.is_empty() && !(lines[start].cmd && lines[start].text.contains("grep")) {
        return None;
    }
    Some(
        std::iter::once(HEADER)
            .chain(rows)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
}

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    #[test]
    fn lsmod_whole_filtered_and_empty() {
        let t = "# lsmod | grep -e ip_vs -e nf_conntrack\nip_vs_sh               12688  0\nip_vs                 145497  2 ip_vs_sh\nnf_conntrack          133095  7 ip_vs,nf_nat\n";
        let d = derive(t);
        let m = get(&d, paths::KERNEL_MODULES).unwrap();
        assert!(
            m.starts_with("Module") && m.contains("\nip_vs_sh ") && m.contains("\nnf_conntrack ")
        );
        // grep let nothing through: none of them loaded
        let t = "[root@node1 ~]# lsmod | grep -E 'ip_vs|nf_conntrack'\n[root@node1 ~]#\n";
        assert_eq!(
            get(&derive(t), paths::KERNEL_MODULES),
            Some("Module                  Size  Used by\n")
        );
        // a grep that hides nf_conntrack cannot say it is missing
        assert_eq!(
            get(&derive("$ lsmod | grep ip_vs\n"), paths::KERNEL_MODULES),
            None
        );
        // lsmod's own header without a prompt
        let t = "Module                  Size  Used by\nbr_netfilter           22256  0\n";
        assert!(get(&derive(t), paths::KERNEL_MODULES)
            .unwrap()
            .contains("br_netfilter"));
    }
}
