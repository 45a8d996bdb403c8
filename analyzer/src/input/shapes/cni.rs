//! The CNI config folder in a paste: a listing of /etc/cni/net.d (`ls`, `ls -l`, also run inside
//! the folder: `[root@node net.d]# ls`) becomes node/cni-dirs.txt as the collector writes it, and
//! a config shown after its name (`cat /etc/cni/net.d/10-flannel.conflist`, or a line naming the
//! file followed by its JSON) becomes node/cni/FILE. facts/cni.rs reads both.
//!
//! A config known by name only counts too: a log line or a sentence naming a file under
//! `/etc/cni/net.d` (CRI-O's `Found CNI network crio (type=bridge) at
//! /etc/cni/net.d/100-crio-bridge.conf`, ocicni.go; a kubelet or containerd error quoting the
//! path; "I have 10-calico.conflist and 10-flannel.conflist in /etc/cni/net.d") adds the name to
//! the listing, so facts tell the network from the name its installer writes; a `.conflist`
//! name (CNI's own extension) counts on a line that does not name the folder too. A line that
//! removes, moves or lacks the file (`rm`, `mv`, "deleted", "No such file") names one that is
//! not there, and is left out.

use std::sync::LazyLock;

use kdiag_bundle::paths;
use regex::Regex;

use super::Line;

/// `ls`, `ls -la`, `sudo ls -l /etc/cni/net.d/` (any folder ending in `cni/net.d`: k3s keeps it
/// under /var/lib/rancher/k3s/agent/etc), also the `ll` alias, `tree`, `ls -l /etc/cni/net.d
/// /opt/cni/bin` (sections) and one run in a pod or container (`kubectl exec ... -- ls
/// /host/etc/cni/net.d`). Group 1: the folder, absent for a bare `ls`.
static LS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\S.*\s--\s+)?(?:sudo\s+)?(?:ls|ll|tree)(?:\s+-[^\s/]+)*(?:(?:\s+[-/]\S*)*?\s+(\S*cni/net\.d)/?\*?)?(?:\s+[-/]\S*)*\s*$")
        .unwrap()
});
/// A section header of `ls DIR1 DIR2`: `/opt/cni/bin:`.
static LS_SECTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^/\S*:\s*$").unwrap());
/// A config file named on a line: `cat /etc/cni/net.d/10-flannel.conflist`, `Content of
/// /etc/cni/net.d/10-calico.conflist:`, `kubectl exec ... -- cat /host/etc/cni/net.d/...`.
static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"cni/net\.d/([\w.@-]+\.(?:conflist|conf|json))(?:[\s:`'\x22)]|$)").unwrap()
});
/// `cat 10-flannel.conflist` typed inside the folder.
static CAT_HERE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:sudo\s+)?(?:cat|more|less|head|tail)\s+(?:-\S+\s+)*([\w.@-]+\.(?:conflist|conf|json))\s*$").unwrap()
});
/// A config file name in a sentence that places it in the folder: `10-calico.conflist` on a line
/// that also says `net.d`, ending the sentence or not, but never inside a longer name (a backup
/// `10-containerd-net.conflist.cilium_bak` is no config: libcni reads only its three extensions).
static BARE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s`'\x22(/,])(\d{1,3}-[\w.@-]+\.(?:conflist|conf|json))(?:[\s:`'\x22),]|\.(?:\s|$)|$)")
        .unwrap()
});
/// A line about a file that is not (or no longer) in the folder.
static GONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[\s;&|])(?:sudo\s+)?(?:rm|mv|cp|unlink)\s|\b(?:delet(?:e|ed|ing)|remov(?:e|ed|ing)|renam(?:e|ed|ing)|mov(?:e|ed|ing) (?:it|them|the)|backup|no such file|cannot access|not found|does not exist)\b|\.bak\b")
        .unwrap()
});
/// A prompt whose working folder is the CNI config folder: `[root@node net.d]#`,
/// `root@node:/etc/cni/net.d#`, and the shells' that show only the folder (`/etc/cni/net.d# `,
/// BusyBox's `/host/etc/cni/net.d # `, ash's `node1:/etc/cni/net.d# `).
static PROMPT_IN_NETD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\[[^\]]*\bnet\.d\]|\S+@\S+:\S*net\.d|(?:[\w.-]+:)?/\S*net\.d/? ?)[#$]")
        .unwrap()
});

pub(super) fn derive(text: &str, lines: &[Line]) -> Vec<(String, String)> {
    let raw: Vec<&str> = text.lines().collect();
    let in_netd = |i: usize| raw.get(i).is_some_and(|r| PROMPT_IN_NETD.is_match(r));
    let mut out: Vec<(String, String)> = Vec::new();
    let mut listing = String::new();
    let mut mentioned: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = &lines[i];
        // a listing command, typed at a prompt, or on a line of its own when it names the folder
        if let Some(c) = LS.captures(l.text.trim()) {
            // a bare `ls` lists the folder the prompt is in, never another one it names
            let here = c.get(1).is_none() && in_netd(i) && !l.text.contains(" /");
            if (l.cmd && (c.get(1).is_some() || here)) || (!l.cmd && c.get(1).is_some()) {
                let mut j = i + 1;
                loop {
                    while j < lines.len() && !lines[j].blank() {
                        listing.push_str(lines[j].text.trim());
                        listing.push('\n');
                        j += 1;
                    }
                    // `ls -l /etc/cni/net.d /opt/cni/bin`: the next section after its blank line
                    let next = lines.get(j + 1);
                    if lines.get(j).is_some_and(|b| !b.cmd)
                        && next.is_some_and(|n| !n.cmd && LS_SECTION.is_match(n.text.trim()))
                    {
                        listing.push('\n');
                        j += 1;
                        continue;
                    }
                    break;
                }
                i = j;
                continue;
            }
        }
        let named = NAMED
            .captures(&l.text)
            .map(|c| c[1].to_string())
            .or_else(|| {
                (l.cmd && in_netd(i))
                    .then(|| CAT_HERE.captures(&l.text).map(|c| c[1].to_string()))
                    .flatten()
            });
        if let Some(name) = named {
            if let Some((body, end)) = json_after(lines, i + 1) {
                let path = format!("{}/{name}", paths::CNI_DIR);
                if !out.iter().any(|(p, _)| *p == path) {
                    out.push((path, body));
                }
                i = end;
                continue;
            }
        }
        // `ls /etc/cni/net.d/05-cilium.conflist` answered by `ls: cannot access ...`
        let answered_gone = l.cmd && lines.get(i + 1).is_some_and(|n| GONE.is_match(&n.text));
        if !answered_gone {
            mentions(&l.text, &mut mentioned);
        }
        i += 1;
    }
    for n in mentioned {
        if !listing
            .lines()
            .any(|l| l.split_whitespace().any(|w| w == n))
        {
            listing.push_str(&n);
            listing.push('\n');
        }
    }
    if !listing.is_empty() {
        out.push((
            paths::CNI_LISTING.to_string(),
            format!("/etc/cni/net.d:\n{listing}"),
        ));
    }
    out
}

/// The config file names a line places in the CNI folder, unless it removes or lacks them. A
/// `.conflist` name needs no folder on its line: that extension is CNI's own (libcni reads a
/// network list from no other file), while a `NN-name.conf` may be a systemd drop-in
/// (`10-kubeadm.conf`) and a `.json` anything.
fn mentions(text: &str, out: &mut Vec<String>) {
    if GONE.is_match(text) {
        return;
    }
    let in_folder = text.contains("net.d");
    let names = NAMED
        .captures_iter(text)
        .map(|c| c[1].to_string())
        .chain(BARE_NAME.captures_iter(text).map(|c| c[1].to_string()))
        .filter(|n| in_folder || n.ends_with(".conflist"));
    for n in names {
        if !out.contains(&n) {
            out.push(n);
        }
    }
}

/// The JSON object that starts on the first line after `from` that is not blank or a fence, up
/// to the line that closes it (or the next command, fence or blank line when it is quoted in
/// part). Returns the text and the index after it.
fn json_after(lines: &[Line], from: usize) -> Option<(String, usize)> {
    let mut i = from;
    while i < lines.len() && lines[i].text.trim().is_empty() && i < from + 2 {
        i += 1;
    }
    let first = lines.get(i)?;
    if first.cmd || !first.text.trim_start().starts_with('{') {
        return None;
    }
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    let mut body = String::new();
    while i < lines.len() && !lines[i].cmd && i < from + 400 {
        let t = &lines[i].text;
        if t.trim().is_empty() && depth > 0 && body.contains("...") {
            break;
        }
        body.push_str(t);
        body.push('\n');
        i += 1;
        for ch in t.chars() {
            match (in_str, esc, ch) {
                (true, true, _) => esc = false,
                (true, false, '\\') => esc = true,
                (true, false, '"') => in_str = false,
                (false, _, '"') => in_str = true,
                (false, _, '{') => depth += 1,
                (false, _, '}') => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 {
            break;
        }
    }
    Some((body, i))
}

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    #[test]
    fn a_listing_typed_inside_the_folder_and_a_cat_of_one_config() {
        // A session written for this test: the file names are those containerd's release
        // tarball (cri-containerd-cni) and flannel's kube-flannel.yml install, the config is
        // kube-flannel.yml's cni-conf.json.
        let t = "```bash\n$ ls -1 /etc/cni/net.d/\n10-containerd-net.conflist\n10-flannel.conflist\n```\n\n[root@k8s-worker net.d]# ls\n10-containerd-net.conflist  10-flannel.conflist\n[root@k8s-worker net.d]# cat 10-flannel.conflist\n{\n  \"name\": \"cbr0\",\n  \"cniVersion\": \"0.3.1\",\n  \"plugins\": [\n    {\n      \"type\": \"flannel\",\n      \"delegate\": {\n        \"hairpinMode\": true,\n        \"isDefaultGateway\": true\n      }\n    }\n  ]\n}\n[root@k8s-worker net.d]# echo done\n";
        let d = derive(t);
        assert_eq!(
            get(&d, paths::CNI_LISTING),
            Some("/etc/cni/net.d:\n10-containerd-net.conflist\n10-flannel.conflist\n10-containerd-net.conflist  10-flannel.conflist\n")
        );
        let f = get(&d, "node/cni/10-flannel.conflist").unwrap();
        assert!(
            f.starts_with("{\n  \"name\": \"cbr0\"") && f.ends_with("]\n}\n"),
            "{f}"
        );
        // a bare `ls` anywhere else lists some other folder
        assert!(derive("$ ls\nfoo.conf bar.conflist\n").is_empty());
    }

    #[test]
    fn a_config_shown_after_a_line_naming_it() {
        let t = "Content of /etc/cni/net.d/10-calico.conflist:\n```\n{\n  \"name\": \"k8s-pod-network\",\n  \"plugins\": [ { \"type\": \"calico\" } ]\n}\n```\nand then some prose { not json }\n";
        let d = derive(t);
        let c = get(&d, "node/cni/10-calico.conflist").unwrap();
        assert!(
            c.contains("\"type\": \"calico\"") && c.trim_end().ends_with('}'),
            "{c}"
        );
        // a command that removes the file is followed by no JSON: nothing is made up
        assert!(
            derive("rm -f /etc/cni/net.d/10-flannel.conflist\nsystemctl restart kubelet\n")
                .is_empty()
        );
    }

    /// The config names of the CNI listing read from `text`.
    fn listed(text: &str) -> Vec<String> {
        let d = derive(text);
        crate::parse::cni::listing(get(&d, paths::CNI_LISTING).unwrap())
            .into_iter()
            .map(|x| x.0)
            .collect()
    }

    #[test]
    fn listings_by_tree_ll_two_folders_and_in_a_pod() {
        // Sessions written for this test, in the shapes `tree` (its default and `--charset=ascii`
        // branches, its summary line), the `ll` alias, `ls -l` of two folders (GNU ls heads each
        // section with `DIR:` after a blank line) and `kubectl exec` into a CNI pod print.
        let tree = "[root@node1 ~]# tree /etc/cni/net.d\n/etc/cni/net.d\n├── 10-calico.conflist\n├── 10-flannel.conflist\n└── calico-kubeconfig\n\n0 directories, 3 files\n";
        assert_eq!(
            listed(tree),
            [
                "10-calico.conflist",
                "10-flannel.conflist",
                "calico-kubeconfig"
            ]
        );
        let ascii = "$ tree --charset=ascii /etc/cni/net.d/\n/etc/cni/net.d/\n|-- 05-cilium.conflist\n`-- 10-flannel.conflist\n";
        assert_eq!(listed(ascii), ["05-cilium.conflist", "10-flannel.conflist"]);
        // `ll` typed on a line of its own (no prompt), naming the folder
        let ll = "ll /etc/cni/net.d/\ntotal 12\n-rw-r--r-- 1 root root  292 Jan 22 01:22 10-flannel.conflist\n-rw-r--r-- 1 root root  656 Mar 02 11:08 10-kuberouter.conflist\n";
        assert_eq!(
            listed(ll),
            ["10-flannel.conflist", "10-kuberouter.conflist"]
        );
        // two folders: the CNI section is read, whichever comes first
        let two = "# ls -l /opt/cni/bin /etc/cni/net.d\n/opt/cni/bin:\ntotal 4\n-rwxr-xr-x 1 root root 3069556 May  3 10:00 flannel\n\n/etc/cni/net.d:\ntotal 8\n-rw-r--r-- 1 root root 292 May  3 10:00 10-flannel.conflist\n-rw-r--r-- 1 root root 656 May  3 10:00 10-weave.conflist\n";
        assert_eq!(listed(two), ["10-flannel.conflist", "10-weave.conflist"]);
        // a calico-node pod's view of the host folder
        let pod = "$ kubectl exec -n kube-system calico-node-7xk2p -c calico-node -- ls /host/etc/cni/net.d\n10-calico.conflist\n10-flannel.conflist\ncalico-kubeconfig\n";
        assert!(get(&derive(pod), paths::CNI_LISTING)
            .unwrap()
            .contains("10-calico.conflist\n10-flannel.conflist"));
        // `ls /opt/cni/bin` at a prompt inside net.d lists the other folder: not read
        assert!(derive("[root@node net.d]# ls /opt/cni/bin\nflannel portmap\n").is_empty());
    }

    #[test]
    fn config_names_from_log_lines_and_sentences() {
        // CRI-O's log of the configs it found (ocicni.go: `Found CNI network %s (type=%v) at %s`),
        // a sentence naming two configs in the folder; a line that deletes one, and an `ls` of a
        // file that is not there, name nothing.
        let t = "time=\"2022-03-06 06:29:57Z\" level=info msg=\"Found CNI network cbr0 (type=flannel) at /etc/cni/net.d/10-flannel.conflist\"\n\
                 time=\"2022-03-06 06:29:57Z\" level=info msg=\"Found CNI network crio (type=bridge) at /etc/cni/net.d/100-crio-bridge.conf\"\n\
                 There are 10-calico.conflist and 10-flannel.conflist in /etc/cni/net.d on that node.\n\
                 I deleted /etc/cni/net.d/10-weave.conflist yesterday\n\
                 $ ls /etc/cni/net.d/05-cilium.conflist\n\
                 ls: cannot access '/etc/cni/net.d/05-cilium.conflist': No such file or directory\n\
                 sysctl settings are in /etc/sysctl.d/99-kubernetes-cri.conf\n";
        let d = derive(t);
        assert_eq!(
            get(&d, paths::CNI_LISTING),
            Some(
                "/etc/cni/net.d:\n10-flannel.conflist\n100-crio-bridge.conf\n10-calico.conflist\n"
            )
        );
        // a network list's name needs no folder on its line (CNI's own extension); a `.conf`
        // does, since the kubelet's drop-in has one
        let t = "Leftovers on the node: 10-weave.conflist, then 05-cilium.conflist.\n\
                 The kubelet reads /etc/systemd/system/kubelet.service.d/10-kubeadm.conf.\n";
        assert_eq!(listed(t), ["10-weave.conflist", "05-cilium.conflist"]);
        // cni-config-conflict__containerd-containerd-9171.txt (dev): `ls -l` at a prompt that
        // shows only its folder, a backup beside the config
        let t = crate::input::corpus_snippet("cni-config-conflict__containerd-containerd-9171.txt");
        assert_eq!(
            listed(&t),
            [
                "05-cilium.conflist",
                "10-containerd-net.conflist.cilium_bak"
            ]
        );
    }
}
