//! Marks a web page or a code viewer left in a paste, taken off with the other per-line marks
//! (`prefix.rs`) before the shape readers and the rule scan read it. Every line keeps its number:
//! a mark comes off in place, never by adding or removing a line.
//!
//! - Invisible and look-alike spaces copied from a rendered page: a no-break space (U+00A0, what
//!   `&nbsp;` renders as) becomes a space; zero-width spaces, joiners and a byte-order mark
//!   inside the text (U+200B-U+200D, U+2060, U+FEFF) go.
//! - Curly quotes an editor's smart quotes made of straight ones (Word, Outlook, macOS text
//!   fields, rich ticket editors; an error retyped from a screenshot has them): `“ ” „ ″` become
//!   `"` and `‘ ’ ‚ ′` become `'`. No program a rule reads writes curly quotes, and Chinese prose
//!   loses nothing by straight ones.
//! - HTML wrappers a tracker's raw Markdown keeps around a log: `<pre>`, `<code>`, `<details>`,
//!   `<p>` and their closing tags at the start or end of a line, a `<summary>` element (a line of
//!   its own keeps its words, one before a log goes), and `<br>` (at a line's end it goes,
//!   inside a line it stands for the break it was: a space).
//! - HTML entities (`&quot;`, `&lt;`, `&gt;`, `&amp;`, `&#39;`, `&nbsp;`, numeric ones), once, and
//!   only in a paste that shows it went through HTML escaping: one entity of a character HTML
//!   must escape (`&quot; &lt; &gt; &#39;`, `&nbsp;`, or their numeric forms). A log's own `&`
//!   (a URL's query, a JSON string) has no such entity beside it and stays as it is.
//! - A code span around a lone `<none>` (a table cell a tracker would read as a tag) loses its
//!   backticks.
//! - A Markdown image (`![image](https://...)`) inside a line goes, and a Markdown link to a URL
//!   (`[https://10.96.0.1:443/api](https://10.96.0.1:443/api)`, what a rich editor makes of a
//!   URL in a log) becomes its text.
//! - A code viewer's line-number gutter (`12 | I0102 ...`, `  12  I0102 ...`, `cat -n`'s
//!   `    12\t...`): only on a run of at least three lines numbered consecutively, never under a
//!   table header (`iptables -L --line-numbers`' `num` column, `helm history`'s REVISION).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

static LEAD_TAGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(\s*)((?:</?(?:pre|code|details|p)(?:\s[^<>]*)?>\s*)+)").unwrap()
});
static TRAIL_TAGS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:\s*</(?:pre|code|details|p|summary)>)+\s*$").unwrap());
static SUMMARY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*<summary>(.*?)</summary>").unwrap());
static INNER_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)</?(?:b|i|tt|code|strong|em)>").unwrap());
static BR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)<br\s*/?>").unwrap());
static PROOF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)&(?:quot|lt|gt|apos|nbsp|#0*(?:34|39|60|62|160)|#x0*(?:22|27|3c|3e|a0));")
        .unwrap()
});
static ENTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"&(?:(quot|lt|gt|amp|apos|nbsp|QUOT|LT|GT|AMP)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));",
    )
    .unwrap()
});
/// A code span around a lone `<word>` (`` `<none>` ``): what a tracker needs so as not to read a
/// table's `<none>` as an HTML tag.
static TAG_SPAN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`(<[a-z][a-z-]*>)`").unwrap());
static IMAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"!\[[^\]\n]*\]\((?:https?://|/)[^)\s]*\)").unwrap());
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[([^\[\]\n]+)\]\(https?://[^)\s]+\)").unwrap());
static GUTTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*([0-9]{1,6})(?:(\s*[|│]) ?|(\t)|( +))(.*?)\r?$|^\s*([0-9]{1,6})\s*[|│]?\s*\r?$",
    )
    .unwrap()
});
static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:num|#|[A-Z][A-Z_-]+)\s+\S").unwrap());

/// The paste with the marks of a web page or code viewer taken off (module doc), `true` when
/// there were any.
pub fn strip(lines: &mut [String]) -> bool {
    let proof = lines.iter().any(|l| PROOF.is_match(l));
    let mut any = false;
    for line in lines.iter_mut() {
        if let Some(clean) = clean_line(line, proof) {
            *line = clean;
            any = true;
        }
    }
    any
}

/// Curly quotes and primes smart quotes make of `"` and `'`.
const CURLY: [char; 8] = [
    '\u{201c}', '\u{201d}', '\u{201e}', '\u{2033}', '\u{2018}', '\u{2019}', '\u{201a}', '\u{2032}',
];

/// One line without its web marks, `None` when it had none.
fn clean_line(line: &str, entities: bool) -> Option<String> {
    let mut l: Cow<str> = Cow::Borrowed(line);
    if l.contains([
        '\u{a0}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}',
    ]) {
        l = Cow::Owned(
            l.chars()
                .filter(|c| !matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'))
                .map(|c| if c == '\u{a0}' { ' ' } else { c })
                .collect(),
        );
    }
    if l.contains(CURLY) {
        l = Cow::Owned(
            l.chars()
                .map(|c| match c {
                    '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => '"',
                    '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => '\'',
                    c => c,
                })
                .collect(),
        );
    }
    if l.contains('<') {
        if let Some(u) = untag(&l) {
            l = Cow::Owned(u);
        }
        if l.contains("`<") {
            l = Cow::Owned(TAG_SPAN.replace_all(&l, "$1").into_owned());
        }
    }
    if l.contains("](") {
        let s = IMAGE.replace_all(&l, "");
        let s = LINK.replace_all(&s, "$1").into_owned();
        l = Cow::Owned(s);
    }
    if entities && l.contains('&') {
        l = Cow::Owned(ENTITY.replace_all(&l, decode).into_owned());
    }
    (l != line).then(|| l.into_owned())
}

/// A line without the HTML wrappers and breaks around its text, `None` when it had none.
fn untag(line: &str) -> Option<String> {
    let cr = if line.ends_with('\r') { "\r" } else { "" };
    let mut l = line.strip_suffix('\r').unwrap_or(line).to_string();
    let mut any = false;
    // a summary: its words when they are the line, gone before a log
    if let Some(c) = SUMMARY.captures(&l) {
        let end = c.get(0).map_or(0, |m| m.end());
        let rest = &l[end..];
        l = if rest.trim().is_empty() || TRAIL_TAGS.is_match(rest) {
            INNER_TAG.replace_all(c[1].trim(), "").into_owned()
        } else {
            rest.trim_start().to_string()
        };
        any = true;
    }
    loop {
        let before = l.len();
        if let Some(c) = LEAD_TAGS.captures(&l) {
            let (indent, all) = (c[1].len(), c.get(0).map_or(0, |m| m.end()));
            l.replace_range(indent..all, "");
        }
        if let Some(m) = TRAIL_TAGS.find(&l) {
            l.truncate(m.start());
        }
        if l.len() == before {
            break;
        }
        any = true;
    }
    if BR.is_match(&l) {
        let body = BR.replace_all(l.trim_end(), "<br>");
        let body = body.strip_suffix("<br>").unwrap_or(&body);
        l = body.replace("<br>", " ").trim_end().to_string();
        any = true;
    }
    any.then(|| format!("{l}{cr}"))
}

fn decode(c: &regex::Captures) -> String {
    let ch = if let Some(name) = c.get(1) {
        match name.as_str().to_ascii_lowercase().as_str() {
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            _ => Some(' '), // nbsp
        }
    } else {
        let (digits, radix) = match (c.get(2), c.get(3)) {
            (Some(d), _) => (d.as_str(), 10),
            (_, Some(h)) => (h.as_str(), 16),
            _ => ("", 10),
        };
        u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
            .filter(|ch| !ch.is_control() || *ch == '\t')
            .map(|ch| if ch == '\u{a0}' { ' ' } else { ch })
    };
    ch.map_or_else(|| c[0].to_string(), String::from)
}

/// A line's gutter: its number, the bytes the gutter takes, the spaces after a number (the
/// spaced form), and whether text follows.
struct Gutter {
    number: u64,
    len: usize,
    spaces: Option<usize>,
    text: bool,
}

fn gutter(line: &str) -> Option<Gutter> {
    let c = GUTTER.captures(line)?;
    if let Some(n) = c.get(6) {
        return Some(Gutter {
            number: n.as_str().parse().ok()?,
            len: line.len() - usize::from(line.ends_with('\r')),
            spaces: None,
            text: false,
        });
    }
    let n = c.get(1)?;
    let text = c.get(5)?;
    Some(Gutter {
        number: n.as_str().parse().ok()?,
        len: text.start(),
        spaces: c.get(4).map(|s| s.as_str().len()),
        text: !text.as_str().trim().is_empty(),
    })
}

/// Takes a code viewer's gutter off each run of consecutively numbered lines (module doc).
pub fn ungutter(lines: &mut [String]) -> bool {
    let g: Vec<Option<Gutter>> = lines.iter().map(|l| gutter(l)).collect();
    let mut any = false;
    let mut k = 0;
    while k < lines.len() {
        let Some(first) = &g[k] else {
            k += 1;
            continue;
        };
        let mut end = k + 1;
        while end < lines.len()
            && g[end]
                .as_ref()
                .is_some_and(|n| n.number == first.number + (end - k) as u64)
        {
            end += 1;
        }
        let run = &g[k..end];
        let texts = run.iter().flatten().filter(|n| n.text).count();
        let under_header = k > 0 && HEADER.is_match(&lines[k - 1]);
        if end - k >= 3 && texts >= 2 && !under_header {
            // the spaced form keeps the text's own indentation: only the run's narrowest gap goes
            let gap = run
                .iter()
                .flatten()
                .filter(|n| n.text)
                .filter_map(|n| n.spaces)
                .min();
            for (line, n) in lines[k..end].iter_mut().zip(run.iter().flatten()) {
                let cr = if line.ends_with('\r') { "\r" } else { "" };
                let cut = match (n.spaces, gap) {
                    (Some(s), Some(gap)) if n.text => n.len - (s - gap.min(s)),
                    _ => n.len,
                };
                let rest = line.get(cut..).unwrap_or("").trim_end_matches('\r');
                *line = format!("{rest}{cr}");
            }
            any = true;
        }
        k = end;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &str) -> Option<String> {
        let mut lines: Vec<String> = t.split('\n').map(str::to_string).collect();
        let any = strip(&mut lines);
        (ungutter(&mut lines) || any).then(|| lines.join("\n"))
    }

    /// runtime-unresponsive__kubernetes-kubernetes-61117.txt (dev): a `<pre>` on its own line
    /// before the kubelet's JSON lines becomes an empty line; the lines after keep their numbers.
    #[test]
    fn a_pre_tag_of_its_own() {
        let t =
            crate::input::corpus_snippet("runtime-unresponsive__kubernetes-kubernetes-61117.txt");
        let r = run(&t).unwrap();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), t.lines().count());
        assert_eq!(lines[0], "");
        assert_eq!(lines[1], t.lines().nth(1).unwrap());
    }

    #[test]
    fn wrappers_around_a_log() {
        assert_eq!(
            run("<details>\n<summary>kubelet logs</summary>\n<pre><code>E0102 x\nI0102 y</code></pre>\n</details>\n").unwrap(),
            "\nkubelet logs\nE0102 x\nI0102 y\n\n"
        );
        assert_eq!(
            run("<summary><tt>kubectl version</tt></summary>\n").unwrap(),
            "kubectl version\n"
        );
        assert_eq!(run("a<br>b<br/>\n").unwrap(), "a b\n");
        // a tag inside a log line stays
        assert_eq!(run("I0102 x msg=\"<pre> in text\"\n"), None);
    }

    #[test]
    fn entities_only_where_the_paste_was_escaped() {
        assert_eq!(
            run("E0102 x] &quot;Failed&quot; err=&quot;a &amp; b&quot;\nNAME &lt;none&gt; &#39;q&#39;\n").unwrap(),
            "E0102 x] \"Failed\" err=\"a & b\"\nNAME <none> 'q'\n"
        );
        // a log's own `&` and a lone `&amp;` stay
        assert_eq!(run("GET /api?a=1&b=2\nx &amp; y\n"), None);
        // once: a doubly escaped entity keeps one level
        assert_eq!(run("&amp;quot; &quot;\n").unwrap(), "&quot; \"\n");
        assert_eq!(run("a\u{a0}b\u{200b}c\n").unwrap(), "a bc\n");
    }

    /// node-not-ready__kubernetes-kubernetes-6440.txt (dev): kubectl 1.0's node table quoted
    /// twice, its gaps written as `&nbsp;`, its `<none>` in a code span.
    #[test]
    fn an_escaped_node_table_from_kubernetes_6440() {
        let t = crate::input::corpus_snippet("node-not-ready__kubernetes-kubernetes-6440.txt");
        let r = crate::input::prefix::strip(&t).unwrap();
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines.len(), t.lines().count());
        assert_eq!(lines[0], "kubectl get nodes");
        assert_eq!(
            lines[1].split_whitespace().collect::<Vec<_>>(),
            ["NAME", "LABELS", "STATUS"]
        );
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["127.0.0.1", "<none>", "NotReady"]
        );
    }

    #[test]
    fn markdown_images_and_links() {
        assert_eq!(
            run("Get [https://10.96.0.1:443/api?timeout=32s](https://10.96.0.1:443/api?timeout=32s): dial tcp 10.96.0.1:443: i/o timeout ![image](https://user-images.githubusercontent.com/1/2.png)\n").unwrap(),
            "Get https://10.96.0.1:443/api?timeout=32s: dial tcp 10.96.0.1:443: i/o timeout \n"
        );
        // Go's printing of a slice next to parentheses is no link
        assert_eq!(run("[a b](c d)\n"), None);
    }

    /// Smart quotes straightened: the dev row gocrane/crane-scheduler#5 quotes a pod's phase in
    /// curly quotes; a kubelet line retyped with them reads as the kubelet wrote it.
    #[test]
    fn curly_quotes_become_straight() {
        let t =
            crate::input::corpus_snippet("scheduler-not-running__gocrane-crane-scheduler-5.txt");
        let first = t.lines().next().unwrap().to_string() + "\n";
        assert!(run(&first).unwrap().contains("always \"Pending\"，"));
        assert_eq!(
            run("Failed to pull image \u{201c}nginx:latets\u{201d}: it\u{2019}s not found\n")
                .unwrap(),
            "Failed to pull image \"nginx:latets\": it's not found\n"
        );
        assert_eq!(run("no quotes here\n"), None);
    }

    #[test]
    fn gutters_on_consecutive_numbers_only() {
        assert_eq!(
            run("  9 | I0102 a\n 10 |   nested\n 11 |\n 12 | E0102 b\n").unwrap(),
            "I0102 a\n  nested\n\nE0102 b\n"
        );
        assert_eq!(
            run("    41\tE0102 a\n    42\tE0102 b\n    43\tE0102 c\n").unwrap(),
            "E0102 a\nE0102 b\nE0102 c\n"
        );
        assert_eq!(
            run("12  I0102 a\n13    nested\n14  I0102 b\n").unwrap(),
            "I0102 a\n  nested\nI0102 b\n"
        );
        for t in [
            // two lines prove nothing; nor do numbers that do not follow each other
            "1  a\n2  b\n",
            "1  a\n3  b\n4  c\n",
            // iptables --line-numbers and helm history keep their first column
            "num  target     prot opt source               destination\n1    KUBE-SERVICES  all  --  anywhere  anywhere\n2    ACCEPT  all  --  anywhere  anywhere\n3    DROP  all  --  anywhere  anywhere\n",
            "REVISION  UPDATED  STATUS\n1  Mon  superseded\n2  Tue  superseded\n3  Wed  deployed\n",
        ] {
            assert_eq!(run(t), None, "{t}");
        }
    }
}
