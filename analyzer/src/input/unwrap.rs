//! A paste a terminal hard-wrapped at its width, every line of whatever kind (a log line, an
//! events table row, a describe's message, prose), joined again before the shape readers and the
//! rule scan read it. A terminal that copies its screen (a Windows console, `screen`, a serial or
//! web console) breaks each line longer than the window at exactly the window's width, inside a
//! word or before a space alike, and adds nothing: the pieces of one line are all exactly that
//! wide but the last, which is shorter. Four dev rows were pasted so: an events table cut at 212
//! columns inside a container id (k8snetworkplumbingwg/multus-cni#1072), containerd's journal
//! (kubernetes-sigs/kind#1471), CoreDNS's log cut inside `EndpointSlice`
//! (coredns/coredns#7559) and podman's warning cut inside `support`
//! (podman-container-tools/buildah#310).
//!
//! The width is taken as a wrap width only on that evidence across the whole paste:
//! - at least [`MIN_WRAP`] columns (a terminal's 80, less a prefix), and no line of the paste is
//!   wider;
//! - at least two lines exactly that wide (a line of the longest length alone is no evidence:
//!   a line cut into two pieces only is left as it is), not counting lines padded out to it with
//!   spaces (a console that copies whole screen rows pads them; such a line was not cut);
//! - every run of lines exactly that wide is followed by a shorter line that is not blank (its
//!   last piece), and no line after one that wide opens like a line of its own (a prompt, a
//!   fence, a log line's time, a flag: two commands or two log lines of one length in a row are
//!   no wrap) or lines up with it as the
//!   next row of a table would (two aligned field starts in common). A table whose rows happen
//!   to share one width is never taken for a wrap.
//!
//! Widths are in terminal columns: a CJK character takes two.
//! [`unwrap`] gives the text twice: with each piece's own line left empty (so every other line
//! keeps its number, for the rule scan's evidence) and without those lines (for the shape readers,
//! to which a blank line ends a table).

use std::sync::LazyLock;

use regex::Regex;

/// The narrowest width taken as a wrap width.
pub const MIN_WRAP: usize = 60;

/// A character's width in a terminal: two for the wide East Asian ranges, else one.
fn cols(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 => 2,
        _ => 1,
    }
}

/// A line's width in terminal columns, without its `\r`.
pub fn columns(line: &str) -> usize {
    line.strip_suffix('\r')
        .unwrap_or(line)
        .chars()
        .map(cols)
        .sum()
}

/// The text cut at `width` columns as a terminal would (a wide character that does not fit goes
/// to the next line whole).
pub fn wrap_at(line: &str, width: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut n = 0;
    for c in line.chars() {
        let w = cols(c);
        if n + w > width {
            out.push(String::new());
            n = 0;
        }
        out.last_mut().expect("one line at least").push(c);
        n += w;
    }
    out
}

/// A hard-wrapped paste joined: `numbered` keeps each piece's line empty, `compact` drops it.
#[derive(Debug, PartialEq)]
pub struct Unwrapped {
    pub numbered: String,
    pub compact: String,
}

/// How a line of its own opens: a syslog or journal time, a klog header, an RFC 3339 or Go log
/// date, a dmesg time, a command-line flag, logrus' first field, a program's name. (Not
/// `level=`: a cut can fall just before it inside a line.)
static OWN_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}\s",
        r"|[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s",
        r"|\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}",
        r"|\[\s*\d+\.\d+\]",
        r"|--?[a-z][\w-]*[= ]",
        r"|time=\x22\d",    // logrus: `time=` is always its first field
        r"|[a-z][\w.-]*: ", // a program's name before its message (`nginx: [emerg] ...`)
        r")"
    ))
    .unwrap()
});

/// A line that opens like a line of its own (a prompt, a fence, [`OWN_START`] after any
/// indentation: an indented `key: ` is a YAML line), so can be no piece of the line before it.
fn opens_a_line(line: &str) -> bool {
    let t = line.trim_start();
    super::shapes::is_prompt(line)
        || t.starts_with("```")
        || t.starts_with("~~~")
        || OWN_START.is_match(t)
}

/// The columns where a line's aligned fields start (after two spaces or more): rows of one
/// table share them, pieces of one cut line do not.
fn field_starts(line: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut spaces = 0;
    for (col, c) in line.chars().enumerate() {
        if c == ' ' {
            spaces += 1;
        } else {
            if spaces >= 2 && col > spaces {
                out.push(col);
            }
            spaces = 0;
        }
    }
    out
}

/// Two lines aligned as rows of one table: two field starts or more in common.
fn aligned(a: &str, b: &str) -> bool {
    let fa = field_starts(a);
    field_starts(b).iter().filter(|c| fa.contains(c)).count() >= 2
}

/// A line of the wrap width that a terminal cut: one padded out to it with spaces (a console
/// that copies whole screen rows) ends in two spaces or more and was not cut.
fn cut_at(line: &str, width: usize, w: usize) -> bool {
    width == w && !line.trim_end_matches('\r').ends_with("  ")
}

/// The width the paste was hard-wrapped at (module doc), if it was.
fn wrap_width(lines: &[&str], widths: &[usize], blank: &[bool]) -> Option<usize> {
    let w = *widths.iter().max()?;
    let cut = |k: usize| cut_at(lines[k], widths[k], w);
    if w < MIN_WRAP || (0..lines.len()).filter(|k| cut(*k)).count() < 2 {
        return None;
    }
    let mut k = 0;
    while k < widths.len() {
        if !cut(k) {
            k += 1;
            continue;
        }
        while k < widths.len() && cut(k) {
            k += 1;
            if k < widths.len() && (opens_a_line(lines[k]) || aligned(lines[k - 1], lines[k])) {
                return None;
            }
        }
        if k == widths.len() || blank[k] {
            return None;
        }
    }
    Some(w)
}

/// The paste with its hard-wrapped lines joined, or `None` when it was not hard-wrapped.
pub fn unwrap(text: &str) -> Option<Unwrapped> {
    let lines: Vec<&str> = text.split('\n').collect();
    let widths: Vec<usize> = lines.iter().map(|l| columns(l)).collect();
    let blank: Vec<bool> = lines.iter().map(|l| l.trim().is_empty()).collect();
    let w = wrap_width(&lines, &widths, &blank)?;
    let mut numbered: Vec<String> = Vec::with_capacity(lines.len());
    let mut compact: Vec<String> = Vec::with_capacity(lines.len());
    let mut k = 0;
    while k < lines.len() {
        let mut whole = lines[k].strip_suffix('\r').unwrap_or(lines[k]).to_string();
        let start = k;
        while cut_at(lines[k], widths[k], w) && k + 1 < lines.len() && !blank[k + 1] {
            k += 1;
            whole.push_str(lines[k].strip_suffix('\r').unwrap_or(lines[k]));
        }
        if lines[k].ends_with('\r') {
            whole.push('\r');
        }
        numbered.push(whole.clone());
        numbered.extend((start..k).map(|_| String::new()));
        compact.push(whole);
        k += 1;
    }
    Some(Unwrapped {
        numbered: numbered.join("\n"),
        compact: compact.join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::input::corpus_snippet as snippet;

    /// Dev snippets of every kind hard-wrapped at 80 columns read back as written.
    #[test]
    fn dev_snippets_wrapped_at_80_columns_read_back() {
        for name in [
            "node-dns-broken__kubernetes-minikube-6748.txt",
            "static-pod-manifest-invalid__kubernetes-kubeadm-1345.txt",
            "inotify-limit-reached__kubernetes-kubernetes-10421.txt",
        ] {
            let t = snippet(name);
            let wrapped: Vec<String> = t.lines().flat_map(|l| wrap_at(l, 80)).collect();
            let wrapped = wrapped.join("\n") + "\n";
            if t.lines().all(|l| columns(l) < 80) {
                assert_eq!(unwrap(&wrapped), None, "{name}");
                continue;
            }
            let u = unwrap(&wrapped).unwrap();
            assert_eq!(u.compact, t, "{name}");
            assert_eq!(
                u.numbered.lines().count(),
                wrapped.lines().count(),
                "{name}"
            );
        }
    }

    #[test]
    fn a_table_whose_rows_share_one_width_is_no_wrap() {
        let row = format!("{:<70}5d", "pod-a   1/1   Running   0");
        let t = format!("NAME   READY   STATUS   AGE\n{row}\n{row}\n{row}\n\n$ next\n");
        assert_eq!(unwrap(&t), None);
        // rows followed by a shorter row: aligned, so no wrap either
        let t = format!("{row}\n{row}\n{:<60}1d\n", "pod-b   1/1   Running   0");
        assert_eq!(unwrap(&t), None);
        // kubelet-client-cert-expired__openshift-installer-1494.txt (dev): two pairs of openssl
        // commands of one length, each pair followed by a prompt
        let t = snippet("kubelet-client-cert-expired__openshift-installer-1494.txt");
        assert_eq!(unwrap(&t), None);
    }

    #[test]
    fn one_line_cut_in_three_is_joined_but_one_longest_line_is_no_wrap() {
        let line =
            "E0124 09:56:43.089609   25648 file_linux.go:61] ".to_string() + &"x".repeat(150);
        let t = wrap_at(&line, 80).join("\n") + "\n";
        assert_eq!(unwrap(&t).unwrap().compact, format!("{line}\n"));
        let t = format!("{}\nnext line\n", "y".repeat(90));
        assert_eq!(unwrap(&t), None);
    }

    #[test]
    fn wide_characters_take_two_columns() {
        let line = "节点".repeat(50);
        let pieces = wrap_at(&line, 80);
        assert_eq!(pieces.len(), 3);
        assert_eq!(columns(&pieces[0]), 80);
        let t = format!("{}\nx\n{}\ny\n", pieces.join("\n"), pieces.join("\n"));
        let u = unwrap(&t).unwrap();
        assert_eq!(u.compact, format!("{line}\nx\n{line}\ny\n"));
    }
}
