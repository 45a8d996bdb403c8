//! Per-line marks a paste picked up on its way, taken off before the shape readers and the rule
//! scan read it, so that a relayed log line, object or command output starts its line as the tool
//! that wrote it printed it (rules and readers anchor at the start of a line). Each line keeps its
//! number; a paste without any of them is left as it is.
//!
//! In the order they come off:
//! - ANSI escape sequences (colours a terminal capture or `journalctl` kept): they carry nothing
//!   a reader needs, and they sit between the start of a line and its timestamp.
//! - A Markdown or mail quote: `> ` (or `>` on an empty line, nested `> > `) on a run of at least
//!   two consecutive lines (a GitHub reply quoting a log, a mail answered inline); again once an
//!   indented code block is off (a quote pasted into one). A quote's lazy continuation (a line
//!   without the mark, such as a piece a terminal wrapped out of it) does not carry a run: taking
//!   the marks off a hard-wrapped quote would break the equal widths `unwrap.rs` joins it by.
//! - A tool's prefix: Vagrant prefixes every line of a machine's output with the machine's name:
//!   `==> NAME: ` for its own steps and `    NAME: ` (indented) for what a provisioner printed
//!   (hashicorp/vagrant's `UI::Prefixed`; pires/kubernetes-vagrant-coreos-cluster#189 and #220,
//!   dev, show both). The prefix is taken off only on a run of at least two consecutive lines
//!   carrying it with the same machine name (a YAML mapping never repeats a key on the next line at
//!   the same indentation), and the indented form only for a machine that also has a `==> NAME:`
//!   line.
//! - What a web page or a code viewer left (`web.rs`): HTML wrappers (`<pre>`, `<details>`,
//!   `<br>`), entities in a paste that went through HTML escaping, no-break and zero-width
//!   spaces, Markdown images and links inside a line, a line-number gutter. They come before the
//!   quote marks: an escaped page quotes with `&gt; `.
//! - A Markdown indented code block (Stack Overflow's and many trackers' way to show a log): a
//!   run of lines all indented by at least four columns that starts the paste or follows a blank
//!   line (CommonMark's rule: an indented block cannot interrupt a paragraph, so YAML or a describe
//!   nested under its parent line is never one) loses the run's smallest indentation, keeping the
//!   lines' indentation relative to each other.
//! - A code viewer's line-number gutter (`web.rs`), once the quote and the indentation are off.
//! - A terminal UI's box (k9s: `frame.rs`): its borders, the lines it wrapped joined (each joined
//!   piece's line left empty), a k9s table's sort arrow and port-forward column.

use std::sync::LazyLock;

use regex::Regex;

static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)").unwrap()
});
static QUOTE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ {0,3}(?:> ?)+").unwrap());
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

/// The paste with its marks taken off, or `None` when it had none.
pub fn strip(text: &str) -> Option<String> {
    let mut any = false;
    let mut lines: Vec<String> = text
        .split('\n')
        .map(|l| match ANSI.replace_all(l, "") {
            std::borrow::Cow::Owned(o) => {
                any = true;
                o
            }
            std::borrow::Cow::Borrowed(b) => b.to_string(),
        })
        .collect();
    any |= super::web::strip(&mut lines);
    any |= unquote(&mut lines);
    any |= unvagrant(&mut lines);
    any |= dedent(&mut lines);
    // a quote pasted into an indented code block
    any |= unquote(&mut lines);
    any |= super::web::ungutter(&mut lines);
    let text = lines.join("\n");
    match super::frame::unframe(&text) {
        Some(unframed) => Some(unframed),
        None => any.then_some(text),
    }
}

/// Takes the quote marks off each run of at least two quoted lines.
fn unquote(lines: &mut [String]) -> bool {
    let marks: Vec<Option<usize>> = lines
        .iter()
        .map(|l| QUOTE.find(l).map(|m| m.end()))
        .collect();
    let mut any = false;
    for k in 0..lines.len() {
        let run =
            (k > 0 && marks[k - 1].is_some()) || marks.get(k + 1).is_some_and(|m| m.is_some());
        if let (Some(len), true) = (marks[k], run) {
            lines[k].replace_range(..len, "");
            any = true;
        }
    }
    any
}

/// Takes Vagrant's machine prefix off each run of at least two lines of one machine.
fn unvagrant(lines: &mut [String]) -> bool {
    let mut tagged: Vec<Option<(String, usize)>> = lines
        .iter()
        .map(|l| vagrant(l).map(|(n, len)| (n.to_string(), len)))
        .collect();
    // The indented form is Vagrant's only for a machine that also has a `==> NAME:` line: an
    // indented paste of `tail: ...` lines is not a machine's output.
    let machines: Vec<String> = lines
        .iter()
        .zip(&tagged)
        .filter(|(l, t)| t.is_some() && l.starts_with("==> "))
        .filter_map(|(_, t)| t.as_ref().map(|t| t.0.clone()))
        .collect();
    for (l, t) in lines.iter().zip(tagged.iter_mut()) {
        if t.as_ref()
            .is_some_and(|(n, _)| !l.starts_with("==> ") && !machines.contains(n))
        {
            *t = None;
        }
    }
    let name = |k: usize| tagged.get(k).and_then(|t| t.as_ref()).map(|t| t.0.as_str());
    let mut any = false;
    for k in 0..lines.len() {
        if let Some((n, len)) = &tagged[k] {
            if (k > 0 && name(k - 1) == Some(n)) || name(k + 1) == Some(n) {
                lines[k].replace_range(..*len, "");
                any = true;
            }
        }
    }
    any
}

/// A line's indentation in columns (a tab to the next multiple of four), or `None` when blank.
fn indent(line: &str) -> Option<usize> {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col = (col / 4 + 1) * 4,
            '\r' => return None,
            _ => return Some(col),
        }
    }
    None
}

/// Dedents each Markdown indented code block (module doc).
fn dedent(lines: &mut [String]) -> bool {
    let mut any = false;
    let mut k = 0;
    while k < lines.len() {
        let opens = k == 0 || indent(&lines[k - 1]).is_none();
        if !(opens && indent(&lines[k]).is_some_and(|i| i >= 4)) {
            k += 1;
            continue;
        }
        // the block: indented lines and the blank lines between them
        let mut end = k;
        let mut least = usize::MAX;
        let mut j = k;
        while j < lines.len() {
            match indent(&lines[j]) {
                Some(i) if i >= 4 => {
                    least = least.min(i);
                    end = j + 1;
                }
                None => {}
                Some(_) => break,
            }
            j += 1;
        }
        for line in &mut lines[k..end] {
            if indent(line).is_some() {
                *line = drop_columns(line, least);
            }
        }
        any = true;
        k = end.max(k + 1);
    }
    any
}

/// `line` without its first `cols` columns of indentation.
fn drop_columns(line: &str, cols: usize) -> String {
    let mut col = 0;
    for (at, c) in line.char_indices() {
        if col >= cols {
            return format!("{}{}", " ".repeat(col - cols), &line[at..]);
        }
        match c {
            ' ' => col += 1,
            '\t' => col = (col / 4 + 1) * 4,
            _ => return line[at..].to_string(),
        }
    }
    String::new()
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

    /// Dev snippets re-pasted as a quote, an indented code block and a colour capture read back
    /// as written (the blank lines of an indented block keep the block's spaces).
    #[test]
    fn re_pasted_dev_snippets_read_back_as_written() {
        use crate::eval::reshape::Reshape;
        for name in [
            "inotify-limit-reached__kubernetes-kubernetes-10421.txt",
            "static-pod-manifest-invalid__kubernetes-kubeadm-1345.txt",
            "node-dns-broken__kubernetes-minikube-6748.txt",
        ] {
            let t = crate::input::corpus_snippet(name);
            for r in [Reshape::Quote, Reshape::Indent, Reshape::Ansi] {
                let pasted = String::from_utf8(r.apply(t.as_bytes())).unwrap();
                let back = strip(&pasted).unwrap();
                let trim = |s: &str| s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
                assert_eq!(trim(&back), trim(&t), "{name} {}", r.name());
            }
        }
    }

    #[test]
    fn a_single_quoted_line_and_nested_yaml_stay() {
        assert_eq!(strip("> one quoted line\nkubelet: x\n"), None);
        assert_eq!(strip("> one\n\n> two\n"), None);
        // a quote in an indented block
        assert_eq!(strip("    > a\n    > b\n").unwrap(), "a\nb\n");
        assert_eq!(strip("status:\n    phase: Pending\n    reason: x\n"), None);
        // an indented block after a blank line loses only its common indentation
        assert_eq!(
            strip("Events:\n\n    Type  Reason\n      nested\n").unwrap(),
            "Events:\n\nType  Reason\n  nested\n"
        );
        // nested quotes, and a quoted empty line
        assert_eq!(strip("> > a\n>\n> > b\n").unwrap(), "a\n\nb\n");
        // an indented `tail:` paste is not Vagrant's
        assert_eq!(
            strip("    tail: inotify resources exhausted\n    tail: x\n").unwrap(),
            "tail: inotify resources exhausted\ntail: x\n"
        );
    }
}
