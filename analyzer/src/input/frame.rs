//! Text copied out of a terminal UI's box (k9s, a TUI's describe or event view): every line
//! framed by `│ ` and ` │`, and a long line wrapped inside the box at its width, the cut anywhere
//! in a word (node-pod-capacity__panfactum-stack-129.txt: `1 No p │` / `│ reemption victims`;
//! memory-quantity-suspicious__kubernetes-kubernetes-79950.txt: a path cut after `/`, both dev).
//! A copy often starts inside the first line, after its left border, and ends before the last
//! right border.
//!
//! Before the rule scan reads a paste, a framed line loses its borders and a line whose text
//! reaches the right border (no padding before ` │`) is joined with the framed line after it,
//! without a space (the box cut it at its width, as a terminal does). Each joined piece's own line
//! is left empty, so every line keeps its number.

/// The box-drawing vertical bar of the frames.
const BAR: char = '│';

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
    let (text, left) = match line.strip_prefix(BAR) {
        Some(rest) => (rest.strip_prefix(' ').unwrap_or(rest), true),
        None => (line, false),
    };
    let trimmed = text.trim_end_matches(' ');
    match trimmed.strip_suffix(BAR) {
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
/// there was no frame: at least one line cut at its right border and followed by a framed line.
pub fn unframe(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let f: Vec<Framed> = lines.iter().map(|l| framed(l)).collect();
    let wrapped = |k: usize| {
        f[k].cut
            && f.get(k + 1)
                .is_some_and(|n| n.left && !n.text.trim().is_empty())
    };
    if !(0..lines.len()).any(wrapped) {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut k = 0;
    while k < lines.len() {
        let cr = if lines[k].ends_with('\r') { "\r" } else { "" };
        if !(f[k].left || f[k].right) {
            out.push(lines[k].to_string());
            k += 1;
            continue;
        }
        let mut whole = f[k].text.to_string();
        let mut j = k;
        while wrapped(j) {
            j += 1;
            whole.push_str(f[j].text);
        }
        out.push(format!("{}{cr}", whole.trim_end_matches(' ')));
        out.extend((k..j).map(|_| String::new()));
        k = j + 1;
    }
    Some(out.join("\n"))
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
    fn boxes_without_a_cut_and_other_bars_stay() {
        for t in [
            // rows padded to the box's width: separate lines
            "│ NAME        READY   STATUS    │\n│ nginx-abc   1/1     Running   │\n",
            // a table of ASCII bars
            "| PEER ADDRESS | STATE |\n| 10.0.0.1     | up    |\n",
            // a cut with nothing framed after it
            "text that reaches the border │\nplain text\n",
            "no frame at all\n",
        ] {
            assert_eq!(unframe(t), None, "{t}");
        }
        // rows and one cut line: the rows lose their borders, the cut one is joined
        let t = "│ Events:                       │\n│ Warning  BackOff  Back-off res │\n│ tarting failed container       │\n│ Normal   Pulled                │\n";
        assert_eq!(
            unframe(t).unwrap(),
            "Events:\nWarning  BackOff  Back-off restarting failed container\n\nNormal   Pulled\n"
        );
    }
}
