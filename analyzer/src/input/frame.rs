//! Text copied out of a terminal UI's box (k9s, a TUI's describe or event view): every line
//! framed by `│ ` and ` │`, and a long line wrapped inside the box at its width, the cut anywhere
//! in a word (node-pod-capacity__panfactum-stack-129.txt: `1 No p │` / `│ reemption victims`;
//! memory-quantity-suspicious__kubernetes-kubernetes-79950.txt: a path cut after `/`, both dev).
//! A copy often starts inside the first line, after its left border, and ends before the last
//! right border.
//!
//! k9s draws its views with tview's boxes (derailed/tview `borders.go`): light lines
//! `┌─┐ │ └─┘`, double ones `╔═╗ ║ ╚═╝` around the focused view, and some builds round the corners
//! `╭╮╰╯`; the top edge carries the view's title (`ui/table_helper.go`: ` Pods(all)[12] `,
//! `resource(namespace)[count]`). A box's rows are indented when the paste nested it in a list.
//!
//! One of these proves a frame: a line cut at its right border and followed by a framed line,
//! two framed lines in a row (a border on both sides), or a box's top edge over a framed line.
//! Then every framed line loses its borders (and the indentation before them), a line whose text
//! reaches the right border (no padding before ` │`) is joined with the framed line after it,
//! without a space (the box cut it at its width, as a terminal does), and the box's edges become
//! its title (the top) or empty. Each joined piece's own line is left empty, so every line keeps
//! its number.
//!
//! A k9s table view truncates its rows at the box's width instead: rows under its header are
//! never joined. It then reads like the kubectl table it shows: the header's sort indicator
//! (`NAMESPACE↑`, `AGE↓`: `ascIndicator`/`descIndicator`) and the pod view's port-forward column
//! (`PF`, whose cell is always `●`: `render/pod.go`, `render/container.go`) become blanks of the
//! same width, so a row is `NAMESPACE NAME READY STATUS RESTARTS ...` as `kubectl get pods -A`
//! prints it (k9s before 0.30 put RESTARTS before STATUS: such rows keep that order).

use std::sync::LazyLock;

use regex::Regex;

/// The box-drawing vertical bars of the frames (light, and double around the focused view).
const BARS: [char; 2] = ['│', '║'];

static EDGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[┌╔╭][─═]*(?:[ ]+(.*?)[ ]+[─═]*)?[┐╗╮]?|[└╚╰][─═]*[┘╝╯]?)\s*$").unwrap()
});
static TOP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*[┌╔╭]").unwrap());
/// A k9s table header: upper-case column names, one of them NAME.
static K9S_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Z%][A-Z0-9%/_-]*[↑↓]? +)*NAME[↑↓]?(?: +[A-Z%][A-Z0-9%/_-]*[↑↓]?)+ *$")
        .unwrap()
});
static PF_CELL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"( )●( )").unwrap());

/// A line split at its borders: the text inside, whether it had a left border and whether its
/// text runs into a right border (a cut).
struct Framed<'a> {
    text: &'a str,
    left: bool,
    right: bool,
    cut: bool,
}

fn framed(line: &str) -> Framed<'_> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let lead = line.trim_start_matches(' ');
    let (text, left) = match lead.strip_prefix(BARS) {
        Some(rest) => (rest.strip_prefix(' ').unwrap_or(rest), true),
        None => (line, false),
    };
    let trimmed = text.trim_end_matches(' ');
    match trimmed.strip_suffix(BARS) {
        Some(inner) if inner.ends_with(' ') => {
            let body = &inner[..inner.len() - 1];
            let cut = body.chars().last().is_some_and(|c| !c.is_whitespace());
            Framed {
                text: body,
                left,
                right: true,
                cut,
            }
        }
        _ => Framed {
            text,
            left,
            right: false,
            cut: false,
        },
    }
}

/// The paste with its framed lines unframed and the lines a box wrapped joined, or `None` when
/// nothing proves a frame (module doc).
pub fn unframe(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let f: Vec<Framed> = lines.iter().map(|l| framed(l)).collect();
    // a table view truncates its rows at the box's width, never wraps them
    let mut table = vec![false; lines.len()];
    let mut open = false;
    for (k, fr) in f.iter().enumerate() {
        open = (fr.left || fr.right) && (open || K9S_HEADER.is_match(fr.text.trim_end()));
        table[k] = open;
    }
    let wrapped = |k: usize| {
        f[k].cut
            && !table[k]
            && f.get(k + 1)
                .is_some_and(|n| n.left && !n.text.trim().is_empty())
    };
    let boxed =
        |k: usize| f[k].left && f[k].right && f.get(k + 1).is_some_and(|n| n.left && n.right);
    let topped = |k: usize| {
        TOP.is_match(lines[k]) && EDGE.is_match(lines[k]) && f.get(k + 1).is_some_and(|n| n.left)
    };
    if !(0..lines.len()).any(|k| wrapped(k) || boxed(k) || topped(k)) {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut k = 0;
    // a k9s pod view's rows (after its header): their PF cell goes
    let mut pf_rows = false;
    while k < lines.len() {
        let cr = if lines[k].ends_with('\r') { "\r" } else { "" };
        if !(f[k].left || f[k].right) {
            match EDGE.captures(lines[k].trim_end_matches('\r')) {
                Some(c) => out.push(format!(
                    "{}{cr}",
                    c.get(1).map_or("", |t| t.as_str().trim())
                )),
                None => out.push(lines[k].to_string()),
            }
            pf_rows = false;
            k += 1;
            continue;
        }
        let mut whole = f[k].text.to_string();
        let mut j = k;
        while wrapped(j) {
            j += 1;
            whole.push_str(f[j].text);
        }
        let mut whole = whole.trim_end_matches(' ').to_string();
        if K9S_HEADER.is_match(&whole) {
            pf_rows = whole.split_whitespace().any(|w| w == "PF");
            whole = k9s_header(&whole);
        } else if pf_rows {
            whole = PF_CELL.replace(&whole, "$1 $2").into_owned();
        }
        out.push(format!("{whole}{cr}"));
        out.extend((k..j).map(|_| String::new()));
        k = j + 1;
    }
    Some(out.join("\n"))
}

/// A k9s table header as kubectl prints it: no sort indicator, no PF column (blanks instead).
fn k9s_header(h: &str) -> String {
    let h = h.replace(['↑', '↓'], " ");
    let words: Vec<&str> = h.split(' ').collect();
    words
        .iter()
        .map(|w| if *w == "PF" { "  " } else { w })
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::input::corpus_snippet as snippet;

    /// node-pod-capacity__panfactum-stack-129.txt (dev): the scheduler's message copied out of
    /// k9s, cut inside "preemption" at the box's width.
    #[test]
    fn a_message_wrapped_inside_a_box() {
        let t = snippet("node-pod-capacity__panfactum-stack-129.txt");
        let r = unframe(&t).unwrap();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), t.lines().count());
        assert!(lines[1].ends_with(
            "1 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling."
        ));
        assert_eq!(lines[2], "");
        assert_eq!(lines[3], "```");
    }

    /// memory-quantity-suspicious__kubernetes-kubernetes-79950.txt (dev): a volume path cut after
    /// a slash.
    #[test]
    fn a_path_wrapped_inside_a_box() {
        let t = snippet("memory-quantity-suspicious__kubernetes-kubernetes-79950.txt");
        let r = unframe(&t).unwrap();
        assert!(r.contains(
            "kube-api-access-gn8vg/..2022_10_11_15_27_51.1036926517/token: no space left on device\n\n```"
        ));
    }

    #[test]
    fn boxes_and_other_bars() {
        for t in [
            // a table of ASCII bars
            "| PEER ADDRESS | STATE |\n| 10.0.0.1     | up    |\n",
            // a cut with nothing framed after it, one framed line alone
            "text that reaches the border │\nplain text\n",
            "│ one framed line │\nplain text\n",
            // a tree's branches
            "├── a\n│   └── b\n└── c\n",
            "no frame at all\n",
        ] {
            assert_eq!(unframe(t), None, "{t}");
        }
        // rows padded to the box's width: separate lines
        assert_eq!(
            unframe("│ NAME        READY   STATUS    │\n│ nginx-abc   1/1     Running   │\n")
                .unwrap(),
            "NAME        READY   STATUS\nnginx-abc   1/1     Running\n"
        );
        // rows and one cut line: the rows lose their borders, the cut one is joined
        let t = "│ Events:                       │\n│ Warning  BackOff  Back-off res │\n│ tarting failed container       │\n│ Normal   Pulled                │\n";
        assert_eq!(
            unframe(t).unwrap(),
            "Events:\nWarning  BackOff  Back-off restarting failed container\n\nNormal   Pulled\n"
        );
    }

    /// A k9s pod view as k9s v0.32 draws it (the title and columns of derailed/k9s
    /// `ui/table_helper.go` and `render/pod.go`; the rows as the hashgraph solo README shows
    /// them, a pod's status changed to one that fails), indented under a list item, with the
    /// focused view's double border: the rows read as `kubectl get pods -A` rows.
    #[test]
    fn a_k9s_pod_view() {
        let t = "    ┌──────────── Pods(all)[3] ────────────┐\n    │ NAMESPACE↑    NAME                        PF READY STATUS             RESTARTS IP          NODE     │\n    │ kube-system   coredns-5d78c9869d-6cfbg    ●  1/1   Running                   0 10.244.0.4  solo-con │\n    │ solo          network-node0-0             ●  0/5   Init:ImagePullBackOff     0 10.244.0.9  solo-con │\n    ║ solo          haproxy-node0-7b6c5f9-x2    ●  0/1   CrashLoopBackOff          7 10.244.0.8  solo-con ║\n    └──────────────────────────────────────┘\n";
        let r = unframe(t).unwrap();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), t.lines().count());
        assert_eq!(lines[0], "Pods(all)[3]");
        assert_eq!(
            lines[1],
            "NAMESPACE     NAME                           READY STATUS             RESTARTS IP          NODE"
        );
        assert_eq!(
            lines[4],
            "solo          haproxy-node0-7b6c5f9-x2       0/1   CrashLoopBackOff          7 10.244.0.8  solo-con"
        );
        assert_eq!(lines[5], "");
        // an older k9s (RESTARTS before STATUS) keeps its order; the sort arrow still goes
        let t = "│ NAMESPACE   NAME↓    PF READY RESTARTS STATUS  │\n│ default     web-0    ●  0/1          3 Error   │\n";
        assert_eq!(
            unframe(t).unwrap(),
            "NAMESPACE   NAME        READY RESTARTS STATUS\ndefault     web-0       0/1          3 Error\n"
        );
    }
}
