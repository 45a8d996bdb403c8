//! YAML quoted scalars that a YAML writer folded over several lines, joined again before the rule
//! scan reads a pasted file. `kubectl get -o yaml` (go-yaml) breaks a long quoted string at about
//! 80 columns and indents the rest under its key:
//!
//! ```text
//!         message: 'failed to start shim: fork/exec /usr/bin/docker-containerd-shim:
//!           resource temporarily unavailable: unknown'
//! ```
//!
//! A pattern written for one log line (a pod's status message, an event's, a condition's) sees
//! neither half. The object readers parse the YAML as written; only the text the log probes scan
//! gets the scalar on one line, with the break read as YAML reads it (a space), and each piece's
//! own line left empty so every other line keeps its number.
//!
//! The evidence is the quote: a `key: '` or `key: "` line whose scalar is not closed on it, and
//! lines after it, each indented deeper than the key and not blank, the last one closing the
//! scalar. Anything else (a blank line, a line back at the key's indentation, no close within
//! [`MAX_PIECES`] lines) leaves the text as it is. A line an earlier repair emptied (a terminal's
//! cut piece joined to the line before, `unwrap.rs`) is no blank line of the YAML: it is passed
//! over ([`unfold_over`]).

use std::sync::LazyLock;

use regex::Regex;

/// How many lines one folded scalar may take (a 4 KiB message at 80 columns).
const MAX_PIECES: usize = 64;

/// A mapping key opening a quoted scalar: indentation, an optional `- ` of a sequence item, the
/// key, the quote and what follows it.
static OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^( *(?:- )?)[A-Za-z_][\w.\-/]*: (['"])(.*)$"#).unwrap());

/// Where the scalar opened with `quote` closes in `s` (the byte after the closing quote), or
/// `None` when it runs on: `''` is a quote inside a single-quoted scalar, `\` escapes the next
/// character in a double-quoted one.
fn close(s: &str, quote: char) -> Option<usize> {
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if quote == '"' && c == '\\' {
            it.next();
        } else if c == quote {
            if quote == '\'' && it.peek().is_some_and(|&(_, n)| n == '\'') {
                it.next();
            } else {
                return Some(i + 1);
            }
        }
    }
    None
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The text with its folded quoted scalars on one line each, or `None` when it had none.
#[cfg(test)]
fn unfold(text: &str) -> Option<String> {
    unfold_over(text, &[])
}

/// [`unfold`] over a text whose earlier repairs left lines empty in place of pieces they joined
/// to the line before (`unwrap.rs`, `rejoin.rs`): `emptied[i]` is true for such a line, which is
/// no blank line of the YAML and is passed over inside a scalar (a terminal that cut a folded
/// message's first line leaves its rest as an emptied line between the key and the fold).
pub fn unfold_over(text: &str, emptied: &[bool]) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut joined = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches('\r');
        let Some(c) = OPEN.captures(line) else {
            i += 1;
            continue;
        };
        let quote = if &c[2] == "'" { '\'' } else { '"' };
        if close(&c[3], quote).is_some() {
            i += 1;
            continue;
        }
        let key_indent = c[1].len() - if c[1].ends_with("- ") { 2 } else { 0 };
        let mut whole = line.trim_end().to_string();
        let mut end = None;
        for (j, next) in lines.iter().enumerate().skip(i + 1).take(MAX_PIECES) {
            let next = next.trim_end_matches('\r');
            if next.is_empty() && emptied.get(j).copied().unwrap_or(false) {
                continue;
            }
            if next.trim().is_empty() || indent(next) <= key_indent {
                break;
            }
            let mut rest = next.trim();
            // a double-quoted scalar's escaped break (`\` at the end) joins without a space,
            // and an escaped space (`\ `) opens the next line where a space was kept
            if quote == '"' && whole.ends_with('\\') && !whole.ends_with("\\\\") {
                whole.pop();
            } else {
                whole.push(' ');
            }
            if quote == '"' {
                if let Some(r) = rest.strip_prefix("\\ ") {
                    whole.push(' ');
                    rest = r;
                }
            }
            whole.push_str(rest);
            if close(rest, quote).is_some() {
                end = Some(j);
                break;
            }
        }
        let Some(end) = end else {
            i += 1;
            continue;
        };
        let cr = if lines[i].ends_with('\r') { "\r" } else { "" };
        out[i] = format!("{whole}{cr}");
        for piece in out.iter_mut().take(end + 1).skip(i + 1) {
            piece.clear();
        }
        joined = true;
        i = end + 1;
    }
    joined.then(|| out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pid-exhaustion__awslabs-amazon-eks-ami-239.txt (dev): a pod's lastState message folded by
    /// `kubectl get pod -o yaml`, read on one line with the break as a space; line count kept.
    #[test]
    fn a_folded_status_message_is_one_line() {
        let t = crate::input::corpus_snippet("pid-exhaustion__awslabs-amazon-eks-ami-239.txt");
        let u = unfold(&t).unwrap();
        assert_eq!(u.lines().count(), t.lines().count());
        assert!(u.contains(
            "message: 'failed to start shim: fork/exec /usr/bin/docker-containerd-shim: \
             resource temporarily unavailable: unknown'"
        ));
        assert!(u.contains("        reason: ContainerCannotRun"));
    }

    /// The same message re-pasted from a terminal 80 columns wide (eval reshape wrap80): the
    /// key's line is cut inside `docker-containerd-shim:`, and the hard wrap's join leaves the
    /// piece's line empty between the key and the fold; that line is passed over, a real blank
    /// line is not.
    #[test]
    fn an_emptied_line_inside_a_scalar_is_passed_over() {
        let t = "        message: 'failed to start shim: fork/exec /usr/bin/docker-containerd-shim:\n\n          resource temporarily unavailable: unknown'\n        reason: ContainerCannotRun\n";
        assert!(unfold(t).is_none(), "a blank line ends the scalar");
        let emptied = [false, true, false, false, false];
        let u = unfold_over(t, &emptied).unwrap();
        assert_eq!(u.lines().count(), t.lines().count());
        assert!(u.starts_with(
            "        message: 'failed to start shim: fork/exec /usr/bin/docker-containerd-shim: resource temporarily unavailable: unknown'\n\n\n"
        ));
    }

    #[test]
    fn double_quotes_escapes_and_sequence_items() {
        let t = "  - message: \"0/3 nodes are available: 3 node(s) had untolerated taint \\\n    {node.kubernetes.io/not-ready: }.\"\n    reason: Unschedulable\n";
        let u = unfold(t).unwrap();
        assert!(u.starts_with(
            "  - message: \"0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.\"\n\n"
        ));
        let t = "message: \"a\n  \\ b\"\n";
        assert_eq!(unfold(t).unwrap(), "message: \"a  b\"\n\n");
        // `''` is a quote inside the scalar, not its end
        let t = "    message: 'it''s\n      done'\n";
        assert_eq!(unfold(t).unwrap(), "    message: 'it''s done'\n\n");
    }

    #[test]
    fn no_fold_without_the_closing_quote_or_the_indent() {
        // closed on its own line
        assert!(unfold("  message: 'done'\n    next: x\n").is_none());
        // the next line is back at the key's indentation: a typo'd quote, not a fold
        assert!(unfold("  message: 'oops\n  reason: Error\n").is_none());
        // a blank line before any close
        assert!(unfold("message: 'a\n\n  b'\n").is_none());
        // never closed
        assert!(unfold("message: 'a\n  b\n  c\n").is_none());
        // a log line is not a key
        assert!(unfold("E0101 12:00:00 x.go:1] error: 'a\n  b'\n").is_none());
    }
}
