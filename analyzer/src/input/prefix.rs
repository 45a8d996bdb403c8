//! Per-line prefixes a tool writes before the output it relays, taken off before the rule scan
//! reads a paste, so that a relayed log line or error starts its line as the tool that wrote it
//! printed it (rules anchor some messages at the start of a line).
//!
//! Vagrant prefixes every line of a machine's output with the machine's name: `==> NAME: ` for
//! its own steps and `    NAME: ` (indented) for what a provisioner printed (hashicorp/vagrant's
//! `UI::Prefixed`; pires/kubernetes-vagrant-coreos-cluster#189 and #220, dev, show both). The
//! prefix is taken off only on a run of at least two consecutive lines carrying it with the same
//! machine name (a YAML mapping never repeats a key on the next line at the same indentation).
//! Each line keeps its number.

use std::sync::LazyLock;

use regex::Regex;

static VAGRANT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:==> |    )([A-Za-z0-9][\w.-]*):(?: |\r?$)").unwrap());

/// The machine name and the prefix's length on a line, if it carries one.
fn vagrant(line: &str) -> Option<(&str, usize)> {
    let c = VAGRANT.captures(line)?;
    let all = c.get(0)?;
    let len = if all.as_str().ends_with(' ') {
        all.end()
    } else {
        line.len() - usize::from(line.ends_with('\r'))
    };
    Some((c.get(1)?.as_str(), len))
}

/// The paste with its tool prefixes taken off, or `None` when it had none.
pub fn strip(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let tagged: Vec<Option<(&str, usize)>> = lines.iter().map(|l| vagrant(l)).collect();
    let name = |k: usize| tagged.get(k).copied().flatten().map(|t| t.0);
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut any = false;
    for (k, line) in lines.iter().enumerate() {
        match tagged[k] {
            Some((n, len)) if (k > 0 && name(k - 1) == Some(n)) || name(k + 1) == Some(n) => {
                out.push(line[len..].to_string());
                any = true;
            }
            _ => out.push(line.to_string()),
        }
    }
    any.then(|| out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pires/kubernetes-vagrant-coreos-cluster#189 (dev), its `vagrant up` as written.
    #[test]
    fn vagrant_machine_prefixes() {
        let t = "d:\\work\\github\\kubernetes-vagrant-coreos-cluster>vagrant up\nBringing machine 'master' up with 'virtualbox' provider...\n==> master: Running triggers before up...\n==> master: Setting Kubernetes version 1.2.0\n==> master: Configuring Kubernetes cluster DNS...\n==> master: Box 'coreos-alpha' could not be found. Attempting to find and install...\n    master: Box Provider: virtualbox\n    master: Box Version: >= 1010.1.0\n";
        let r = strip(t).unwrap();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), t.lines().count());
        assert_eq!(
            lines[0],
            "d:\\work\\github\\kubernetes-vagrant-coreos-cluster>vagrant up"
        );
        assert_eq!(lines[3], "Setting Kubernetes version 1.2.0");
        assert_eq!(lines[6], "Box Provider: virtualbox");
        // an empty relayed line
        assert_eq!(
            strip("==> n1: a\n==> n1:\n==> n1: b\n").unwrap(),
            "a\n\nb\n"
        );
    }

    /// neg-kubectl-no-kubeconfig__pires-kubernetes-vagrant-coreos-cluster-220.txt (dev): the
    /// prompt lines and vagrant's own lines stay, a machine's run of lines loses its prefix (the
    /// single lines of node-01 and node-02 keep theirs: one line is no run).
    #[test]
    fn a_vagrant_paste_of_three_machines() {
        let t = crate::input::corpus_snippet(
            "neg-kubectl-no-kubeconfig__pires-kubernetes-vagrant-coreos-cluster-220.txt",
        );
        let r = strip(&t).unwrap();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), t.lines().count());
        assert!(lines[0].ends_with("> vagrant destroy -"));
        assert_eq!(lines[2], "==> node-02: VM not created. Moving on...");
        assert_eq!(lines[4], "Forcing shutdown of VM...");
        assert_eq!(
            lines[9],
            "Bringing machine 'master' up with 'virtualbox' provider..."
        );
        assert_eq!(
            lines[13],
            "2016-11-13 09:43:16 -0800: setting up Kubernetes master..."
        );
        assert_eq!(lines[22], "Adapter 2: hostonly");
    }

    #[test]
    fn yaml_and_single_lines_stay() {
        for t in [
            "spec:\n  containers:\n  - name: a\n    image: nginx\n    name: b\n",
            "metadata:\n    name: x\n    namespace: y\n",
            "==> master: one line alone\nnext\n",
            "==> a: x\n==> b: y\n",
        ] {
            assert_eq!(strip(t), None, "{t}");
        }
    }
}
