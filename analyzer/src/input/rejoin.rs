//! Log lines that a terminal, a tracker or a mail client broke in two, joined again before the
//! rule scan reads a pasted file. A paste as written stays the input of the shape readers; only
//! the text the log probes scan is rejoined.
//!
//! The evidence has to be strong, since merging two real lines would hide one of them:
//! - the line before the break starts like a log line (a timestamp, a klog header, a dmesg time,
//!   `time="`), after the same paste prefix as its pieces (`* ` and `| ` of `minikube logs`,
//!   `> ` of a quoted reply);
//! - each piece after it does not: it is not blank, not indented, not a fence or a prompt, and it
//!   starts inside a word (a lower-case letter, a digit or a character that cannot open a line of
//!   its own) while the text before the break ends in a word or a space;
//! - the pieces sit inside a run of log lines: the next line starts like a log line again, or the
//!   run ends (a blank line, a fence, the end) after at least two log lines.
//!
//! A line cut at a fixed width is joined on that evidence alone, whatever its pieces start with
//! and without a run around it: a log line exactly 1000 characters long (the cut three dev rows
//! show: kubernetes/minikube#2927, kubernetes/minikube#6544,
//! Project31/ansible-kubernetes-openshift-pi3#7), or exactly as long as the width at which two
//! other log lines of the paste were cut (a terminal or tracker wrapping every line at one width,
//! with no log line of the paste longer).
//!
//! A broken line is joined without adding anything (the cut was inside a word or after the space
//! kept at its end), except a space before a piece that opens with a `key=value` pair (the cut
//! was between two pairs, and the space was lost), and a space where the paste is a plain-text
//! mail client's wrap (its break took a space's place: every line with a space is within a
//! mail width, 60 to 80, and two breaks at least, this one among them, end in a word whose next
//! word would not have fitted after it; `IN` then `2050...` of coredns/coredns#2087 re-pasted so
//! is `IN 2050...`, not `IN2050...`); a piece that opens like a line of its own
//! (`log: ...`, `error: ...`) is never joined. Each piece's own line is left empty, so every other line keeps its number
//! and the evidence of a finding points at the same line of the paste.
//!
//! A structured JSON log line (etcd, zap, the kubelet's JSON format) has its own evidence: it is
//! joined while its object is open, and only when the pieces parse as one object ([`json_log`]),
//! with the space back where a word wrap's break took it.

use std::sync::LazyLock;

use regex::Regex;

/// Paste prefixes a log line and its pieces may carry.
const PREFIXES: &[&str] = &["* ", "| ", "> "];

/// How many pieces one line may have been broken into (a 4 KiB line at 80 columns).
const MAX_PIECES: usize = 64;

static LOG_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:",
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}", // RFC 3339, journal short-iso, etcd
        r"|\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}",   // Go's log package
        r"|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}\s", // syslog, journal
        r"|[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s",  // klog header
        r"|\[\s*\d+\.\d+\]",                       // dmesg
        r"|\[[A-Z][a-z]{2} [A-Z][a-z]{2} ",        // dmesg -T
        r"|time=\x22|level=\w+ ",                  // logrus, logfmt
        r")"
    ))
    .unwrap()
});

/// One line split into its paste prefix and the rest.
struct Piece<'a> {
    prefix: &'a str,
    body: &'a str,
}

fn piece(line: &str) -> Piece<'_> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    for p in PREFIXES {
        if let Some(body) = line.strip_prefix(p) {
            return Piece { prefix: p, body };
        }
    }
    Piece {
        prefix: "",
        body: line,
    }
}

fn starts_log(p: &Piece) -> bool {
    LOG_START.is_match(p.body)
}

/// A line that starts like a log line (after a paste prefix and any indentation): a timestamp,
/// a klog header, a dmesg time, logrus' first field, or a structured JSON log's first key (zap,
/// zerolog, logrus and klog in JSON: `{"level":`, `{"ts":`, `{"time":`, `{"msg":`), or a klog
/// line whose header was left out (`kubelet_volumes.go:154] Orphaned pod ...`).
pub fn log_line(line: &str) -> bool {
    let p = piece(line.trim_start());
    starts_log(&p) || JSON_LOG.is_match(p.body) || KLOG_NO_HEADER.is_match(p.body)
}

/// A klog line whose header was left out: its source file and line, `] `.
static KLOG_NO_HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w.-]+\.go:\d+\] ").unwrap());

/// A line that can only be the rest of the line before it.
fn continues(p: &Piece, prefix: &str) -> bool {
    let b = p.body;
    let Some(first) = b.chars().next() else {
        return false;
    };
    p.prefix == prefix
        && !starts_log(p)
        && !b.starts_with("```")
        && !b.starts_with("~~~")
        && (first.is_ascii_lowercase() || first.is_ascii_digit() || "_./)]}\"',".contains(first))
        && !b.trim_end().ends_with(':')
        && !OWN_LINE.is_match(b)
}

/// A line that opens with a lower-case logger or stream name (`log: exiting because of error`,
/// `error: ...`, `stdout: ...`) is a line of its own, not the rest of another.
static OWN_LINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z][\w.-]*: ").unwrap());

/// A piece that opens with a `key=value` pair was cut between two pairs: the space between them
/// goes back in.
static PAIR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z_][\w.]*=").unwrap());

/// The end of the text before a break: a word (letter, digit, closing quote or bracket) or the
/// space a wrapper kept.
fn breakable(before: &str) -> bool {
    before
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == ' ' || "_./-:=\"')]}".contains(c))
}

/// A line's length in characters, without its `\r`.
fn width(line: &str) -> usize {
    line.strip_suffix('\r').unwrap_or(line).chars().count()
}

/// The width every long line of a dev-row paste was cut at (see the module comment).
const CUT_WIDTH: usize = 1000;

/// The narrowest width taken as a wrap width: a terminal's 80 columns, less a prefix.
const MIN_WRAP: usize = 60;

/// The rest of a line cut at a known width: anything but a blank or indented line, a fence or a
/// line that starts like a log line or like a line of its own.
fn rest_of_cut(p: &Piece, prefix: &str) -> bool {
    let b = p.body;
    p.prefix == prefix
        && b.chars().next().is_some_and(|c| !c.is_whitespace())
        && !starts_log(p)
        && !b.starts_with("```")
        && !b.starts_with("~~~")
        && !OWN_LINE.is_match(b)
}

/// The width the paste's lines were wrapped at: two different log lines cut at it (every line of
/// each but its last piece exactly that wide, the last no wider), and no log line longer.
fn wrap_width(lines: &[&str]) -> Option<usize> {
    let mut cut: std::collections::BTreeMap<usize, std::collections::BTreeSet<&str>> =
        Default::default();
    let mut widest = 0;
    let mut i = 0;
    while i < lines.len() {
        let a = piece(lines[i]);
        if !starts_log(&a) {
            i += 1;
            continue;
        }
        widest = widest.max(width(lines[i]));
        let mut j = i + 1;
        while j < lines.len() && j - i <= MAX_PIECES && rest_of_cut(&piece(lines[j]), a.prefix) {
            j += 1;
        }
        let w = width(lines[i]);
        if j > i + 1
            && w >= MIN_WRAP
            && (i + 1..j - 1).all(|k| width(lines[k]) == w)
            && width(lines[j - 1]) <= w
        {
            let set = cut.entry(w).or_default();
            set.insert(lines[i]);
            if j > i + 2 {
                set.insert(lines[i + 1]);
            }
        }
        i = j;
    }
    cut.into_iter()
        .filter(|(w, set)| set.len() >= 2 && *w >= widest)
        .map(|(w, _)| w)
        .next()
}

/// A line that ends inside a double-quoted string (an odd number of unescaped `"`): klog's
/// `err="..."` and logrus' `msg="..."` close their quote at the end of the line, so the rest is
/// on the next line.
fn quote_open(body: &str) -> bool {
    let mut open = false;
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => open = !open,
            _ => {}
        }
    }
    open
}

/// The width a plain-text mail client wrapped the paste at, if its lines show one: the widest
/// line with a space in it, within a mail client's widths (every longer line was broken), and
/// two breaks at least where the next line, no log line, opens with a word that would not have
/// fitted (one such break is as likely a cut inside a word).
fn plain_width(lines: &[&str]) -> Option<usize> {
    let w = lines
        .iter()
        .map(|l| piece(l).body)
        .filter(|b| b.trim().contains(' '))
        .map(|b| b.chars().count())
        .max()?;
    let w = (MIN_WRAP..=PLAIN_MAX).contains(&w).then_some(w);
    let breaks = lines
        .windows(2)
        .filter(|p| {
            let (a, b) = (piece(p[0]), piece(p[1]));
            !a.body.trim().is_empty()
                && !b.body.trim().is_empty()
                && !starts_log(&b)
                && plain_break(a.body, b.body, w)
        })
        .count();
    w.filter(|_| breaks >= 2)
}

/// The widest a plain-text mail client wraps at (a terminal's 80 columns).
const PLAIN_MAX: usize = 80;

/// A break a plain-text mail client made in place of a space: the line before it ends in a word
/// and the next line's first word would not have fitted after it within the width.
fn plain_break(before: &str, next: &str, width: Option<usize>) -> bool {
    let first = next
        .split_whitespace()
        .next()
        .map_or(0, |w| w.chars().count());
    let n = before.chars().count();
    width.is_some_and(|w| n <= w && n + 1 + first > w) && !before.ends_with(' ')
}

/// A structured JSON log line (etcd's, zap's, the kubelet's JSON format) broken over lines
/// `i..j`: the line opens a JSON log object that does not parse on its own, and with the lines
/// after it (none blank, a fence or a log line) it parses as one object, ending at a piece that
/// closes it. The pieces are joined as they were cut where a piece is as wide as a known cut
/// (`cut`), else with the space back that a word wrap's break took. Lines an earlier repair
/// emptied (`emptied`) are passed over. Returns `j` and the joined line. The parse is the
/// evidence: nothing else joins so.
fn json_log(
    lines: &[&str],
    i: usize,
    emptied: &[bool],
    cut: &dyn Fn(usize) -> bool,
) -> Option<(usize, String)> {
    let a = piece(lines[i]);
    let parses = |s: &str| serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok();
    if !JSON_LOG.is_match(a.body) || parses(a.body) {
        return None;
    }
    let mut whole = a.body.to_string();
    // the last piece joined so far
    let mut prev = i;
    for (j, line) in lines.iter().enumerate().skip(i + 1).take(MAX_PIECES) {
        if emptied.get(j).copied().unwrap_or(false) {
            continue;
        }
        let p = piece(line);
        let rest = p.body;
        if p.prefix != a.prefix || rest.trim().is_empty() || super::is_fence(rest) || log_line(rest)
        {
            return None;
        }
        // a piece cut at a known width (a tracker's 1000 characters, the paste's terminal
        // width) goes on as it was cut; any other break of a JSON line took a space's place (a
        // mail or tracker word wrap: a piece wider than any width is a run with no space in it,
        // broken at the first space after it)
        if !cut(prev) && !whole.ends_with(' ') {
            whole.push(' ');
        }
        whole.push_str(rest);
        prev = j;
        if rest.trim_end().ends_with('}') && parses(&whole) {
            return Some((j + 1, whole));
        }
    }
    None
}

/// A line that opens a structured JSON log object (after any indentation and a paste prefix).
pub(crate) fn json_log_start(line: &str) -> bool {
    JSON_LOG.is_match(piece(line.trim_start()).body)
}

/// The first key of a structured JSON log line (see [`log_line`]).
static JSON_LOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\{\s*"(?:level|lvl|ts|time|timestamp|msg|severity)"\s*:"#).unwrap()
});

/// The text with its broken log lines joined, or `None` when there was none.
#[cfg(test)]
fn rejoin(text: &str) -> Option<String> {
    rejoin_over(text, text)
}

/// [`rejoin`] over a text an earlier repair already joined pieces of (`unwrap.rs`, each piece's
/// line left empty): `original` is the paste before that repair, line for line. A JSON log line
/// is joined across the lines that repair emptied.
pub fn rejoin_over(text: &str, original: &str) -> Option<String> {
    rejoin_with(text, original)
}

/// Line `i` of `out` becomes the joined `whole` (after its paste prefix, with its `\r` kept), and
/// the pieces `i+1..j` are left empty so every other line keeps its number.
fn put_joined(out: &mut [String], lines: &[&str], i: usize, j: usize, prefix: &str, whole: &str) {
    let cr = if lines[i].ends_with('\r') { "\r" } else { "" };
    out[i] = format!("{prefix}{whole}{cr}");
    for line in out.iter_mut().take(j).skip(i + 1) {
        line.clear();
    }
}

/// Per line of `now`, whether a repair emptied it: empty now, not blank in `before` (the same
/// text before the repair, line for line).
pub fn emptied_lines(now: &str, before: &str) -> Vec<bool> {
    now.split('\n')
        .zip(before.split('\n'))
        .map(|(now, was)| now.trim_end_matches('\r').is_empty() && !was.trim().is_empty())
        .collect()
}

fn rejoin_with(text: &str, original: &str) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let emptied = emptied_lines(text, original);
    let wrap = wrap_width(&lines);
    let plain = plain_width(&lines);
    // A line cut at a known width: the next one is its rest.
    let cut = |k: usize| {
        let w = width(lines[k]);
        w == CUT_WIDTH || wrap == Some(w)
    };
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut joined = false;
    let mut i = 0;
    while i < lines.len() {
        let a = piece(lines[i]);
        if let Some((j, whole)) = json_log(&lines, i, &emptied, &cut) {
            put_joined(&mut out, &lines, i, j, a.prefix, &whole);
            joined = true;
            i = j;
            continue;
        }
        if !starts_log(&a) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < lines.len() && j - i <= MAX_PIECES {
            let p = piece(lines[j]);
            if !(continues(&p, a.prefix) || cut(j - 1) && rest_of_cut(&p, a.prefix)) {
                break;
            }
            j += 1;
        }
        if j == i + 1 {
            i += 1;
            continue;
        }
        let next_log = lines.get(j).is_some_and(|l| {
            let n = piece(l);
            n.prefix == a.prefix && starts_log(&n)
        });
        let run_end = lines.get(j).is_none_or(|l| {
            let b = piece(l).body;
            b.trim().is_empty() || super::is_fence(b)
        });
        let log_before = i > 0 && starts_log(&piece(lines[i - 1]));
        let mut whole = a.body.to_string();
        let cuts_ok = (i + 1..j).all(|k| {
            let at_width = cut(k - 1);
            let ok = at_width || breakable(&whole);
            let rest = piece(lines[k]).body;
            let spaced = plain_break(piece(lines[k - 1]).body, rest, plain);
            if !at_width && (spaced || PAIR.is_match(rest)) && !whole.ends_with(' ') {
                whole.push(' ');
            }
            whole.push_str(rest);
            ok
        });
        let at_width = (i..j - 1).any(cut);
        let open = quote_open(a.body);
        if cuts_ok && (at_width || next_log || run_end && (log_before || open)) {
            put_joined(&mut out, &lines, i, j, a.prefix, &whole);
            joined = true;
        }
        i = j;
    }
    joined.then(|| out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// etcd-slow-requests__etcd-io-etcd-12094.txt (dev), etcd's JSON log re-pasted by a
    /// plain-text mail client at 76 columns (eval reshape plain76): each object broken at its
    /// spaces, the space's place taken by the break. Each is one line again, spaces back.
    #[test]
    fn a_json_log_line_broken_by_a_plain_wrap_is_one_line() {
        let t = snippet("etcd-slow-requests__etcd-io-etcd-12094.txt");
        let wrapped =
            String::from_utf8(crate::eval::reshape::Reshape::Plain76.apply(t.as_bytes())).unwrap();
        assert!(
            wrapped.contains("\"msg\":\"apply\nrequest took too\nlong\""),
            "{wrapped}"
        );
        let r = rejoin(&wrapped).expect("joined");
        assert_eq!(r.lines().count(), wrapped.lines().count());
        assert!(
            r.contains("\"msg\":\"apply request took too long\",\"took\":\"531.978977ms\""),
            "{r}"
        );
        for line in r.lines().filter(|l| l.starts_with('{')) {
            assert!(
                serde_json::from_str::<serde_json::Value>(line).is_ok(),
                "not one object: {line}"
            );
        }
        // a JSON line that is whole, or never closes, is left as it is
        assert_eq!(
            rejoin("{\"level\":\"warn\",\"msg\":\"x\"}\nnext line\n"),
            None
        );
        assert_eq!(
            rejoin("{\"level\":\"warn\",\"msg\":\"x\nnever closed\n"),
            None
        );
    }

    use crate::input::corpus_snippet as snippet;

    /// neg-node-hostname-changed__kubernetes-minikube-15756.txt (dev): one journal line of a
    /// run broken inside "get"; the lines around it stay as they are and keep their numbers.
    #[test]
    fn a_journal_line_broken_inside_a_word() {
        let t = snippet("neg-node-hostname-changed__kubernetes-minikube-15756.txt");
        let r = rejoin(&t).unwrap();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), t.lines().count());
        assert!(
            lines[4].ends_with("err=\"failed to get node info: node \\\"minikube\\\" not found\"")
        );
        assert_eq!(lines[5], "");
        assert_eq!(lines[6], t.lines().nth(6).unwrap());
    }

    /// disk-usage-high__kubernetes-kubernetes-71869.txt (dev): a lone klog line, no log line
    /// around it, broken before the quote that closes its `err="..."`; it is joined because the
    /// line ends inside the quoted string. hitachienergy/epiphany#731 (dev): a lone klog line
    /// ("... cert in-memory") followed by the scheduler's own stderr line ("failed to create
    /// listener: ...") has no open quote and stays two lines.
    #[test]
    fn a_lone_line_broken_inside_a_quoted_string() {
        let t = snippet("disk-usage-high__kubernetes-kubernetes-71869.txt");
        let r = rejoin(&t).unwrap();
        let lines: Vec<&str> = r.lines().collect();
        assert!(lines[3].ends_with("but freed 0 bytes\""), "{}", lines[3]);
        assert_eq!(lines[4], "");
        let t = snippet("scheduler-not-running__hitachienergy-epiphany-731.txt");
        assert_eq!(rejoin(&t), None);
        assert!(quote_open(r#"msg="a \"quoted\" word"#));
        assert!(!quote_open(r#"err="done" x=1"#));
    }

    /// neg-kubelet-eviction-config__kubernetes-minikube-2927.txt (dev): a kubelet line cut at
    /// exactly 1000 characters inside "ExperimentalQOSReserved". The width is the evidence: it is
    /// joined pasted alone, with no run of log lines around it.
    #[test]
    fn a_long_line_cut_inside_a_word() {
        let t = snippet("neg-kubelet-eviction-config__kubernetes-minikube-2927.txt");
        let r = rejoin(&t).unwrap();
        assert!(r.contains("EnforceCPULimits:true}\n\n"));
        assert!(r.contains(" ExperimentalQOSReserved:map[] ExperimentalCPUManagerPolicy:none"));
        // one character less is no known cut: alone, it stays
        let first = t.lines().next().unwrap();
        let short = format!("{}\n{}", &first[..999], &t[first.len() + 1..]);
        assert_eq!(rejoin(&short), None);
    }

    /// cgroup-subsystem-unavailable__project31-ansible-kubernetes-openshift-pi3-7.txt (dev): the
    /// 1000-character cut falls before an upper-case letter ("Time:time.Time{"), which no piece
    /// may start with unless the width says it was cut.
    #[test]
    fn a_cut_at_1000_before_an_upper_case_letter() {
        let t = snippet(
            "cgroup-subsystem-unavailable__project31-ansible-kubernetes-openshift-pi3-7.txt",
        );
        let r = rejoin(&t).unwrap();
        assert!(r.contains("FirstTimestamp:unversioned.Time{Time:time.Time{sec:63612134305"));
        assert_eq!(r.lines().count(), t.lines().count());
        let t = snippet("cgroup-driver-mismatch__kubernetes-minikube-6544.txt");
        assert!(rejoin(&t)
            .unwrap()
            .contains(" OperatingSystem:CentOS Linux 7 (Core) "));
    }

    /// Lines wrapped at one width: two different log lines cut at 70 columns (and none longer)
    /// make 70 the wrap width, so a piece after a 70-column line is its rest whatever it starts
    /// with; the same pieces after lines of other widths are left alone.
    #[test]
    fn lines_wrapped_at_one_width() {
        let a = "E0320 04:59:09.572336 15702 remote_runtime.go:92] RunPodSandbox from r";
        let b = "E0320 04:59:10.572336 15702 remote_runtime.go:92] StopPodSandbox from ";
        assert_eq!((width(a), width(b)), (70, 70));
        let t = format!("{a}\nuntime service failed\n{b}\nRuntime service failed\n");
        let r = rejoin(&t).unwrap();
        assert!(r.contains("from runtime service failed\n\n"), "{r}");
        assert!(r.contains("from Runtime service failed\n\n"), "{r}");
        // a log line longer than the width: no wrap at 70
        let t = format!(
            "{t}E0320 04:59:11.572336 15702 remote_runtime.go:92] a longer line, so no wrap\n"
        );
        let r = rejoin(&t).unwrap();
        assert!(r.contains("from runtime service failed\n\n"), "{r}");
        assert!(
            r.contains("StopPodSandbox from \nRuntime service failed\n"),
            "{r}"
        );
        // the same line twice is one line, not two cuts
        let t = format!("{a}\nThen I restarted it\n{a}\nThen I restarted it\n");
        assert_eq!(rejoin(&t), None);
    }

    /// coredns-forward-loop__coredns-coredns-2087.txt (dev) word-wrapped by a plain-text mail
    /// client at 76: every line with a space is within a mail width and the break after `Seen
    /// "HINFO IN` is one its next word could not have fitted, so the space goes back
    /// (`IN 2050...`, not `IN2050...`), here where the unwrap reader is not run first.
    #[test]
    fn a_plain_mail_break_gets_its_space_back() {
        use crate::eval::reshape::Reshape;
        let t = snippet("coredns-forward-loop__coredns-coredns-2087.txt");
        let mailed = String::from_utf8(Reshape::Plain76.apply(t.as_bytes())).unwrap();
        let r = rejoin(&mailed).unwrap();
        assert!(
            r.contains("Seen \"HINFO IN 2050421060481615995.5620656063561519376.\" more"),
            "{r}"
        );
        // a paste with a longer line is no plain wrap: the piece is the rest of a word
        let long = "x ".repeat(41);
        assert_eq!(
            plain_width(&[long.as_str(), "connec", "tion refused"]),
            None
        );
    }

    #[test]
    fn real_lines_are_never_merged() {
        // two log lines, a log line and prose, a Markdown list, an upper-case line, a header
        for t in [
            "E0101 10:00:00.000001 1 a.go:1] one\nE0101 10:00:00.000002 1 a.go:1] two\n",
            "E0101 10:00:00.000001 1 a.go:1] one\nE0101 10:00:00.000002 1 a.go:1] two\nThen I restarted it\n",
            "E0101 10:00:00.000001 1 a.go:1] one\n  indented stack frame\nE0101 10:00:00.000002 1 a.go:1] two\n",
            "E0101 10:00:00.000001 1 a.go:1] one\nstdout:\nE0101 10:00:00.000002 1 a.go:1] two\n",
            "E0101 10:00:00.000001 1 a.go:1] one\n-- Reboot --\nE0101 10:00:00.000002 1 a.go:1] two\n",
            "not a log line\nstill prose\n",
            // service-vip-unreachable__rancher-rancher-26823.txt (dev): klog's own exit line
            "E0427 11:27:32.407536       1 reflector.go:134] a: dial tcp 10.43.0.1:443: i/o timeout\nE0427 11:27:32.407536       1 reflector.go:134] a: dial tcp 10.43.0.1:443: i/o timeout\nlog: exiting because of error: log: cannot create log: open /tmp/coredns.coredns-799dffd9c4-jwx78.unknownuser.log.ERROR.20200427-112732.1: no such file or directory\n```\n",
        ] {
            assert_eq!(rejoin(t), None, "{t}");
        }
    }

    /// neg-liveness-probe-failing__kubernetes-kubernetes-98780.txt (dev): `kubectl get events`
    /// rows whose last MESSAGE really holds a newline (the probe's own output,
    /// `mysqladmin: connect to server ...`). An event row is no log start, and that piece opens like
    /// a line of its own: the paste stays as written. Any event-row joining added later must keep
    /// this row unjoined.
    #[test]
    fn an_event_row_with_a_multi_line_message_stays() {
        let t = snippet("neg-liveness-probe-failing__kubernetes-kubernetes-98780.txt");
        assert_eq!(rejoin(&t), None);
        assert!(OWN_LINE.is_match("mysqladmin: connect to server at 'localhost' failed"));
    }

    /// disk-usage-high__kubernetes-kubernetes-71869.txt (dev): a structured klog line cut between
    /// two pairs, the space lost.
    #[test]
    fn a_cut_between_key_value_pairs() {
        let t = snippet("disk-usage-high__kubernetes-kubernetes-71869.txt");
        let r = rejoin(&t).unwrap();
        assert!(
            r.contains("amountToFree=4305076224 lowThreshold=80\n\n"),
            "{r}"
        );
    }

    #[test]
    fn prefixed_pieces_and_kept_spaces() {
        let t = "* Jun 25 21:05:49 minikube kubelet[3449]: E0625 21:05:49.384887 3449 kubelet.go:2267] dial tcp 10.0.0.1:8443: connect: connec\n* tion refused\n* Jun 25 21:05:50 minikube kubelet[3449]: E0625 21:05:50.384887 3449 kubelet.go:2267] x\n";
        let r = rejoin(t).unwrap();
        assert!(r.starts_with("* Jun 25 21:05:49 minikube kubelet[3449]: E0625 21:05:49.384887 3449 kubelet.go:2267] dial tcp 10.0.0.1:8443: connect: connection refused\n\n* Jun"));
        // a wrapper that kept the space at the end of the line
        let t = "> 2019-03-26 12:06:10.788376 W | etcdserver: read-only range request took too \n> long to execute\n> 2019-03-26 12:06:11.788376 W | etcdserver: x\n";
        assert!(rejoin(t)
            .unwrap()
            .starts_with("> 2019-03-26 12:06:10.788376 W | etcdserver: read-only range request took too long to execute\n\n> 2019"));
        // a different prefix is another paste
        let t =
            "* E0101 10:00:00.000001 1 a.go:1] connec\ntion\n* E0101 10:00:00.000002 1 a.go:1] x\n";
        assert_eq!(rejoin(t), None);
    }
}
