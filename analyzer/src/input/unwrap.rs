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
//! - a line exactly that wide is a piece only when the next line can continue it: not blank, not
//!   opening like a line of its own (a prompt, a fence, a log line's time, unless after the one
//!   space a cut fell on inside running text; a flag or a program's
//!   `name: ` only when the cut did not fall inside running text, where `ror: failed` is the rest
//!   of `Error:`), not lined up with it as the next row of a table would be (two aligned field
//!   starts in common), not a new sentence after a finished one; lines padded out to the width
//!   with spaces (a console that copies whole screen rows) were not cut;
//! - a line that wide which its next line cannot continue is a line that happened to be that
//!   wide, and is left alone; after pieces, it is the last piece only when a log line follows
//!   (a log line that ended right at a multiple of the width); else that run is not joined (two
//!   commands of one length followed by a prompt were never one line);
//! - at least two pieces in the paste, or one at exactly 80 columns (the terminal's default)
//!   whose cut fell inside running text (inside a word, or at a single space);
//! - a terminal copies each row without its trailing blanks, so a row cut right after a space
//!   is one column short of the width (kubernetes/minikube's `minikube logs` at 80 columns shows
//!   it, `...:8443:` then `connect: connection refused`): once exact rows have shown the width,
//!   such a row is a piece too where the next line continues it, and the space goes back. A
//!   paste whose widest rows are 79 columns, each continued by its next line, is a terminal's 80
//!   whose every cut fell after a space.
//!
//! A mail client word-wraps instead (a ticket sent by mail: RFC 3676's soft line break, written
//! by Thunderbird and others at 72 to 78 columns): it breaks a long line after the last space
//! that fits and keeps that space at the end of the piece. Such a piece is joined to the next
//! line when the next line can continue it and its first word would not have fitted
//! ([`soft_breaks`]). Both readings are joined together when a paste shows both. A plain-text
//! client (no RFC 3676) puts the break in the space's place instead: read only when neither of
//! the others is found, and joined with the space back ([`plain_breaks`]: most lines near the
//! width are pieces, or most breaks are ones no mail width could have kept, as in a short paste
//! where one or two lines were long). A hard wrap narrower than 80, or resting on one row of 80
//! or on rows with no space (words overflowing a mail line), gives way to a plain reading.
//!
//! Either way, some lines are never a piece of the line before: a `kubectl describe` field at
//! the line's start (`Events:          <none>`), a `|`-bordered table's next row or border after a
//! whole one. And some breaks are plain: a `|`-bordered row without its closing bar continues on
//! the next line that ends with one (a mail client breaks a row in a cell's padding too), and a
//! name's value follows its `name: ` even when it opens like a line of its own (`is expired: `
//! then `2022-05-17 04:45:09 +0000 UTC`).
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
/// date, a dmesg time, logrus' first field. (Not `level=`: a cut can fall just before it inside a
/// line.)
static OWN_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}\s",
        r"|[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s",
        r"|\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}",
        r"|\[\s*\d+\.\d+\]",
        r"|time=\x22\d", // logrus: `time=` is always its first field
        r")"
    ))
    .unwrap()
});

/// A `kubectl describe` field at the line's start: a capitalized key, its colon, then its value
/// lined up after two spaces or more, or nothing (`Events:          <none>`, `QoS Class:
/// BestEffort`, `Volumes:`).
static DESCRIBE_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Z][A-Za-z-]*(?: [A-Za-z-]+)?:(?: {2,}\S|\s*$)").unwrap());

/// Openings of a line of its own that the rest of a word cut in two also has: a command-line
/// flag (`-upgrades-master-001 ` is the rest of a host name), a program's name before its
/// message (`ror: failed` is the rest of `Error:`, `ed: 2021-07-11` of `expired:`).
static WORD_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:--?[a-z][\w-]*[= ]|[a-z][\w.-]*: )").unwrap());

/// A line that opens like a line of its own (a prompt, a fence, [`OWN_START`] after any
/// indentation: an indented `key: ` is a YAML line), so can be no piece of `prev`, the line
/// before it. A [`WORD_START`] counts unless the cut between them fell inside running text.
fn opens_a_line(prev: &str, line: &str) -> bool {
    let t = line.trim_start();
    // One space, then a time: the space a cut fell on (`... is after` then ` 2021-05-29T15:48:22Z`,
    // a certificate error's expiry), not the indentation a log line of its own would have.
    let cut_before_a_time =
        line.starts_with(' ') && !line.starts_with("  ") && inside_text(prev, line);
    if super::shapes::is_prompt(line)
        || super::is_fence(t)
        || (OWN_START.is_match(t) && !cut_before_a_time)
        || DESCRIBE_KEY.is_match(line)
    {
        return true;
    }
    WORD_START.is_match(t) && !inside_text(prev, line)
}

/// A cut between `prev` and `next` that fell inside running text: inside a word, a number, a
/// name or a path (`inotify_|init`, `master|-6450`), or at a single space on either side of it
/// (`is not a valid |slice`, `0/1 nodes are| available`). Not at two spaces or more: that is
/// indentation or a table's gap, where lines of their own start.
fn inside_text(prev: &str, next: &str) -> bool {
    let mut back = prev.trim_end_matches('\r').chars().rev();
    let mut fwd = next.chars();
    let text = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
    match (back.next(), fwd.next()) {
        (Some(' '), b) => text(b) && text(back.next()),
        (a, Some(' ')) => text(a) && text(fwd.next()),
        (a, b) => text(a) && text(b),
    }
}

/// `prev` ends a sentence (`.`, `!`, `?`) and `next` starts one (a capital letter): a line of
/// its own that happened to be as wide as the cut lines; a cut falls there only if the text ran
/// on without a space.
fn sentence_ends(prev: &str, next: &str) -> bool {
    let end = prev
        .trim_end_matches('\r')
        .trim_end_matches(['\'', '"', ')'])
        .chars()
        .last();
    end.is_some_and(|c| matches!(c, '.' | '!' | '?'))
        && next.chars().next().is_some_and(|c| c.is_uppercase())
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

/// `prev` and `next` open with the same six characters or more, a mark among them
/// (`https://tess-master-...`, the rows of one listing): the next row, not the rest of a cut
/// line, which opens wherever the cut fell.
fn same_opening(prev: &str, next: &str) -> bool {
    let common: Vec<char> = prev
        .chars()
        .zip(next.chars())
        .take_while(|(a, b)| a == b && !a.is_whitespace())
        .map(|(a, _)| a)
        .collect();
    common.len() >= 6 && common.iter().any(|c| !c.is_alphanumeric())
}

/// `prev` is a whole row or border of a `|`-bordered table (`+----+----+`, `| a | b |`) and
/// `next` its next row or border: the table's own lines, however wide the table is.
fn table_edge(prev: &str, next: &str) -> bool {
    let edge = |c: char| c == '|' || c == '+';
    let p = prev.trim();
    p.len() > 1 && p.starts_with(edge) && p.ends_with(edge) && next.trim_start().starts_with(edge)
}

/// `prev` is a `|`-bordered table row without its closing border and `next` ends with one: the
/// row broken in two, wherever the break fell (in a cell's padding too, or right after a cell's
/// bar, where the piece ends in spaces no whole row has and `next` is no row of its own).
fn open_row(prev: &str, next: &str) -> bool {
    let p = prev.trim();
    let bar = |c: char| c == '|' || c == '+';
    p.starts_with('|')
        && next.trim_end().ends_with('|')
        && (!p.ends_with(bar) || (prev.ends_with(' ') && !next.trim_start().starts_with(bar)))
}

/// A line of the wrap width that a terminal cut: one padded out to it with spaces (a console
/// that copies whole screen rows) ends in two spaces or more and was not cut.
fn cut_at(line: &str, width: usize, w: usize) -> bool {
    width == w && !line.trim_end_matches('\r').ends_with("  ")
}

/// The narrowest width a mail client word-wraps at (module doc).
pub const MAIL_WIDTH: usize = 72;

/// The terminal width a single cut line is taken at without a second one (module doc).
pub const TERMINAL_WIDTH: usize = 80;

/// A paste's hard wrap: its width and, per line, whether the next line is its next piece and
/// whether the space the terminal dropped at the end of that line goes back between them.
struct HardWrap {
    width: usize,
    /// one cut only, taken at 80 columns (a single overflowing word looks the same)
    single: bool,
    joins: Vec<bool>,
    spaced: Vec<bool>,
}

/// The width the paste was hard-wrapped at (module doc) and, per line, whether the next line is
/// its next piece; `None` when the paste was not hard-wrapped.
fn wrap_width(lines: &[&str], widths: &[usize], blank: &[bool]) -> Option<HardWrap> {
    let widest = *widths.iter().max()?;
    // no row of 80 columns and rows of 79: a terminal's 80 whose cuts all fell after a space
    let w = if widest + 1 == TERMINAL_WIDTH {
        TERMINAL_WIDTH
    } else {
        widest
    };
    let cut = |k: usize| cut_at(lines[k], widths[k], w);
    // A row the terminal cut right after a space, copied without that trailing blank: one column
    // short of the width. It is a piece only where the next line continues it, and never counts
    // as the evidence of a wrap (the width is found from exact rows alone).
    let trimmed = |k: usize| widths[k] + 1 == w && !lines[k].trim_end_matches('\r').ends_with(' ');
    if w < MIN_WRAP {
        return None;
    }
    // Whether line k+1 cannot be the next piece of line k.
    let own = |k: usize| {
        k + 1 == lines.len()
            || blank[k + 1]
            || opens_a_line(lines[k], lines[k + 1])
            || aligned(lines[k], lines[k + 1])
            || sentence_ends(lines[k], lines[k + 1])
            || table_edge(lines[k], lines[k + 1])
            || same_opening(lines[k], lines[k + 1])
    };
    // Whether line k+1 opens like the next line of a log (its time or klog header).
    let next_log_line = |k: usize| k + 1 < lines.len() && OWN_START.is_match(lines[k + 1]);
    let mut joins = vec![false; lines.len()];
    let mut spaced = vec![false; lines.len()];
    let mut pieces = 0;
    let mut trimmed_pieces = 0;
    let mut k = 0;
    while k < lines.len() {
        if !cut(k) && !trimmed(k) {
            k += 1;
            continue;
        }
        let start = k;
        // a trimmed row that, its space put back, ends in a name's `name: `: its value follows
        // even when it opens like a line of its own (as for a mail client's soft break)
        let value_follows = |k: usize| {
            trimmed(k)
                && k + 1 < lines.len()
                && !blank[k + 1]
                && after_a_tag(
                    &format!("{} ", lines[k].trim_end_matches('\r')),
                    lines[k + 1],
                )
        };
        while k < lines.len() && (cut(k) || trimmed(k)) && (!own(k) || value_follows(k)) {
            k += 1;
        }
        let run = k - start;
        let exact = (start..k).filter(|&j| cut(j)).count();
        for (j, s) in spaced.iter_mut().enumerate().take(k).skip(start) {
            *s = !cut(j);
        }
        if run > 0 && k < lines.len() && cut(k) && next_log_line(k) {
            // a log line that ended right at a multiple of the width, the next log line after it
            k += 1;
            joins[start..k - 1].iter_mut().for_each(|j| *j = true);
            pieces += exact;
            continue;
        }
        if k < lines.len() && cut(k) {
            // a line of the width that its next line cannot continue: alone, a line that
            // happened to be that wide; after a run of them, two commands or log lines of one
            // length (or a line that ended right at a multiple of the width): not joined
            k += 1;
            continue;
        }
        // k is the run's last, shorter piece
        joins[start..k].iter_mut().for_each(|j| *j = true);
        pieces += exact;
        trimmed_pieces += run - exact;
        k += 1;
    }
    let single = pieces == 1 && w == TERMINAL_WIDTH && {
        let k = (0..lines.len())
            .position(|k| joins[k] && !spaced[k])
            .expect("one join at an exact row");
        inside_text(lines[k], lines[k + 1])
    };
    for k in 0..lines.len() {
        spaced[k] &= joins[k];
    }
    // rows of 79 continued by their next line, no row of 80: a terminal's cuts after a space
    let after_spaces = pieces == 0 && trimmed_pieces > 0 && w == TERMINAL_WIDTH;
    (pieces >= 2 || single || after_spaces).then_some(HardWrap {
        // (rows of 79 only: as likely a plain mail wrap's widest pieces, which then wins)
        width: widest,
        single: pieces < 2 && trimmed_pieces == 0,
        joins,
        spaced,
    })
}

/// A mail client's word wrap (RFC 3676's soft line break, which Thunderbird and others write):
/// a line longer than the width is broken after the last space that fits, and the space stays
/// at the end of the piece. Per line, `true` where the next line is its next piece; `None` when
/// the paste shows no such wrap. A line ending in one space is a piece when the next line can
/// continue it (as for a hard wrap; a log line's own start only after a syslog tag, where the
/// message begins) and the next line's first word would not have fitted after it within the
/// width, which is the widest such line of two words or more (a longer word overflows the
/// width on its own line, and ends its piece). A break is beyond doubt, whatever the width, after
/// an overflowing word, on a log line, or where the next word would have run past
/// [`MAIL_WIDTH`]; the others count only at a width of [`MIN_WRAP`] or more. There must be two
/// breaks, or one beyond doubt.
fn soft_breaks(lines: &[&str], widths: &[usize], blank: &[bool]) -> Option<Vec<bool>> {
    // `words ` then `next`: had `next` fitted, the piece would have been `words next `, one
    // column wider than the two together
    let first_word =
        |k: usize| columns(lines[k + 1].split(char::is_whitespace).next().unwrap_or(""));
    let soft = |k: usize| {
        let l = lines[k].trim_end_matches('\r');
        let row = k + 1 < lines.len() && open_row(l, lines[k + 1]);
        k + 1 < lines.len()
            && l.ends_with(' ')
            && (!l.ends_with("  ") || row)
            && !blank[k]
            && !blank[k + 1]
            // a typed command ends at its line's end, and its output follows, unless the next
            // word would have run past a mail width (a long command broken by the mail client)
            && (!super::shapes::is_prompt(l)
                || (widths[k] <= TERMINAL_WIDTH && widths[k] + first_word(k) >= MAIL_WIDTH))
            && (!opens_a_line(l, lines[k + 1]) || after_a_tag(l, lines[k + 1]))
            && !aligned(l, lines[k + 1])
            && (!lines[k + 1].starts_with(' ') || row)
    };
    let candidates: Vec<usize> = (0..lines.len()).filter(|k| soft(*k)).collect();
    let width = candidates
        .iter()
        .filter(|k| lines[**k].trim().contains(' '))
        .map(|k| widths[*k])
        .max()?;
    // a word longer than any mail width overflows on a piece of its own, which ends after it
    let overflow = |k: usize| widths[k] > MAIL_WIDTH + 8 && !lines[k].trim().contains(' ');
    // a break beyond doubt whatever the width: an overflowing word's, a log line's, or one where
    // the next word would have run past 72 columns (the narrowest mail width in use; Outlook and
    // Thunderbird wrap at 76, others at 72 or 78) on a line no wider than 80
    let certain = |k: usize| {
        overflow(k)
            || OWN_START.is_match(lines[k].trim_start())
            || (widths[k] <= TERMINAL_WIDTH && widths[k] + first_word(k) >= MAIL_WIDTH)
    };
    // the width tells the other breaks only when it is a mail width's (its widest pieces are
    // short of it by less than a word)
    let breaks: Vec<usize> = candidates
        .into_iter()
        .filter(|k| certain(*k) || (width >= MIN_WRAP && widths[*k] + first_word(*k) >= width))
        .collect();
    let enough = breaks.len() >= 2 || breaks.first().is_some_and(|k| certain(*k));
    if !enough {
        return None;
    }
    let mut joins = vec![false; lines.len()];
    breaks.into_iter().for_each(|k| joins[k] = true);
    Some(joins)
}

/// `prev` ends with a syslog tag (`containerd[394428]: `), or is a later piece of a line and
/// ends with a name and its colon (`is expired: `), and `next` is a prompt-free line: the tag's
/// message or the name's value, whatever it opens with (`time="..."`, a klog header, a date). A
/// log line that itself ends in `: ` (`could not read iface default error: `, an empty error)
/// is followed by the next log line.
fn after_a_tag(prev: &str, next: &str) -> bool {
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\w.-]+\[\d+\]: $").unwrap());
    static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\S: $").unwrap());
    (TAG.is_match(prev) || (NAME.is_match(prev) && !OWN_START.is_match(prev.trim_start())))
        && !super::shapes::is_prompt(next)
        && !next.trim_start().starts_with("```")
}

/// A plain-text mail client's word wrap (no RFC 3676: Outlook, a webmail's plain-text mode): as
/// [`soft_breaks`], but the break takes the space's place, so nothing marks a piece but its
/// width. The width is the widest line with a space in it, one of a mail client's
/// ([`MIN_WRAP`] to [`TERMINAL_WIDTH`]); a line is a piece when the next line's first word would
/// not have fitted after it within that width, and the next line can continue it (as for a soft
/// break; not when both open with the same word, as the lines of one listing do; a syslog tag's
/// or a name's value whatever it opens with). A line with two gaps of two spaces or more is a
/// table's row, left alone, unless it is a log line (a klog header has one before its pid) or
/// running text without such gaps follows it (an event's message). A klog header broken in its
/// pid's padding is a piece too ([`klog_cut`]).
///
/// The paste is read so on either evidence: most lines near the width, and two at least, are
/// pieces (a text whose lines merely end there is no wrap); or at least half the breaks, one at
/// least, are sure (a short paste where only one or two lines were long): a long next word, or
/// any on a log line, that would not have fitted within [`TERMINAL_WIDTH`] (not after a line
/// ending in `:`), a klog header cut in two, a sentence broken before its next word. Rows of one
/// listing opening alike are no pieces unless a sure break led to them. Per line, `true` where
/// the next line is its next piece.
fn plain_breaks(lines: &[&str], widths: &[usize], blank: &[bool]) -> Option<Vec<bool>> {
    let spaced = |k: usize| lines[k].trim().contains(' ');
    let width = (0..lines.len())
        .filter(|k| spaced(*k))
        .map(|k| widths[k])
        .max()?;
    if !(MIN_WRAP..=TERMINAL_WIDTH).contains(&width) {
        return None;
    }
    fn first(l: &str) -> &str {
        l.split_whitespace().next().unwrap_or("")
    }
    let after = |k: usize| widths[k] + 1 + columns(first(lines[k + 1]));
    let piece = |k: usize| {
        let l = lines[k].trim_end_matches('\r');
        let next = lines[k + 1];
        if klog_cut(l, next) {
            return true;
        }
        // running text without a table's gaps: an event's message after its row
        let prose_next = field_starts(next).len() < 2 && !rule(next);
        // a fence is a line of its own, and a JSON log object opens one
        !l.ends_with(' ')
            && !super::is_fence(l)
            && !super::rejoin::json_log_start(next)
            && !rule(l)
            && (field_starts(l).len() < 2 || OWN_START.is_match(l.trim_start()) || prose_next)
            && after(k) > width
            && !super::shapes::is_prompt(l)
            && (!opens_a_line(l, next) || after_a_tag(&format!("{l} "), next))
            && !aligned(l, next)
            && !table_edge(l, next)
            && !next.starts_with([' ', '\t', '+', '|'])
    };
    // two rows of one listing open alike (the same word, six characters or a shape); a later
    // piece of a line opens wherever the break fell, so only a line of its own is compared
    let rows = |k: usize| {
        let (l, next) = (lines[k], lines[k + 1]);
        first(l) == first(next) || same_opening(l, next) || same_shape(first(l), first(next))
    };
    let ok = |k: usize| !blank[k] && !blank[k + 1];
    // a word no mail width had room for after the piece: a long one (a hash, a path, an
    // address), or any on a log line; a klog header cut in two; a sentence broken before its
    // next word (not a line that ends in `:`, which introduces what follows it)
    let certain = |k: usize, in_log: bool| {
        let introduces = lines[k].trim_end().ends_with(':');
        let long = columns(first(lines[k + 1])) >= LONG_WORD && !introduces;
        (after(k) > TERMINAL_WIDTH && (long || in_log))
            || klog_cut(lines[k], lines[k + 1])
            || mid_sentence(lines[k], lines[k + 1])
    };
    // per line, in order: a piece; a break beyond doubt; a log line or a later piece of one
    let mut pieces = vec![false; lines.len()];
    let mut sure = vec![false; lines.len()];
    let mut in_log = false;
    for k in 0..lines.len().saturating_sub(1) {
        let later = k > 0 && pieces[k - 1];
        in_log = OWN_START.is_match(lines[k].trim_start()) || (in_log && later);
        pieces[k] = ok(k) && piece(k) && ((later && sure[k - 1]) || !rows(k));
        sure[k] = pieces[k] && certain(k, in_log);
    }
    // lines near the width, followed by a line: the pieces' candidates
    let near: Vec<usize> = (0..lines.len().saturating_sub(1))
        .filter(|k| ok(*k) && spaced(*k) && widths[*k] + 12 > width)
        .collect();
    let near_pieces = near.iter().filter(|k| pieces[**k]).count();
    let most = near_pieces >= 2 && near_pieces * 4 >= near.len() * 3;
    // then every line is a piece whose next word would not have fitted, a short one too (a
    // sentence's last words before a long path)
    let breaks = pieces.iter().filter(|p| **p).count();
    let sure = sure.iter().filter(|s| **s).count();
    if !most && (sure == 0 || sure * 2 < breaks) {
        return None;
    }
    Some(pieces)
}

/// Two words of one shape with a mark in them (`172.17.0.0/16` and `172.20.0.0/24`): the first
/// fields of two rows of one listing, not a line and its next piece. Shape: each run of digits,
/// of letters, kept marks.
fn same_shape(a: &str, b: &str) -> bool {
    fn shape(w: &str) -> String {
        let mut out = String::new();
        for c in w.chars() {
            let k = if c.is_ascii_digit() {
                '9'
            } else if c.is_alphabetic() {
                'a'
            } else {
                c
            };
            if out.ends_with(k) && (k == '9' || k == 'a') {
                continue;
            }
            out.push(k);
        }
        out
    }
    a.contains(|c: char| !c.is_alphanumeric()) && shape(a) == shape(b)
}

/// A break inside a sentence: `prev` ends in a word, a number, a comma or a closing quote or
/// bracket, with no mark that ends a sentence or opens a list (`.`, `:`, `!`), and `next` opens
/// with its next word in lower case, a number, a path or a quoted string (`is not` then `yet
/// valid`, `caused` then `"process_linux.go:284: ...`), not with a capital, a mark or indentation.
fn mid_sentence(prev: &str, next: &str) -> bool {
    let end = prev.trim_end_matches('\r').chars().last();
    let start = next.chars().next();
    end.is_some_and(|c| c.is_alphanumeric() || ",)\"'".contains(c))
        && start
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "\"'/\\".contains(c))
}

/// A word this long after a piece is a break beyond doubt (module doc).
const LONG_WORD: usize = 12;

/// A klog header broken in two (`E0713 12:37:13.644332` then `  30147 bootstrap.go:263] ...`,
/// or after its pid, then `kubelet_volumes.go:110] ...`): the next line opens with the rest of
/// the header. klog writes the pid right-aligned in seven columns after the time, so a mail
/// client breaks in its padding too, and the padding goes back whole when joined.
fn klog_cut(prev: &str, next: &str) -> bool {
    let prev = prev.trim_end_matches('\r');
    (KLOG_TIME.is_match(prev) && KLOG_PID.is_match(next))
        || (KLOG_PID_END.is_match(prev) && KLOG_FILE.is_match(next))
}

static KLOG_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6}$").unwrap());
static KLOG_PID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ {0,6}\d{1,7} [\w.-]+:\d+\](?: |$)").unwrap());
static KLOG_PID_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6} +\d+$").unwrap());
static KLOG_FILE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[\w.-]+:\d+\](?: |$)").unwrap());

/// A line of one repeated mark (`=====`, `-----`): a table's rule, no running text.
fn rule(line: &str) -> bool {
    let t = line.trim();
    let mut c = t.chars();
    c.next()
        .is_some_and(|m| !m.is_alphanumeric() && t.len() >= 3 && c.all(|x| x == m))
}

/// The text that joins a plain mail wrap's piece to its next line: one space, or a klog pid's
/// padding to its seven columns.
fn plain_join(prev: &str, next: &str) -> String {
    if KLOG_TIME.is_match(prev.trim_end_matches('\r')) && KLOG_PID.is_match(next) {
        let pid = next.trim_start().split(' ').next().unwrap_or("").len();
        let pad = 7usize.saturating_sub(pid) + 1;
        return " ".repeat(pad.saturating_sub(next.len() - next.trim_start().len()));
    }
    " ".into()
}

/// The paste with its hard-wrapped lines joined, or `None` when it was not hard-wrapped.
pub fn unwrap(text: &str) -> Option<Unwrapped> {
    let lines: Vec<&str> = text.split('\n').collect();
    let widths: Vec<usize> = lines.iter().map(|l| columns(l)).collect();
    let blank: Vec<bool> = lines.iter().map(|l| l.trim().is_empty()).collect();
    // A mail client's wrap can also show lines of one width (the longest pieces): the two
    // readings are joined together, except that a line a soft break alone leads to is that
    // line's last piece, whatever its width (df rows whose mount paths, all of one length, the
    // mail client moved to lines of their own).
    // where a plain-text mail client's break took a space's place
    let plain = plain_breaks(&lines, &widths, &blank);
    // a hard wrap narrower than a terminal's 80 columns is as likely a plain mail wrap's widest
    // pieces: the plain reading wins when it finds one
    // and so is one wider than 80 whose rows of that width hold no space, or one resting on a
    // single row of 80: words too long for any mail line, each overflowing on a line of its own
    let spaced_at =
        |w: usize| (0..lines.len()).any(|k| widths[k] == w && lines[k].trim().contains(' '));
    let hard = wrap_width(&lines, &widths, &blank).filter(|h| {
        (h.width == TERMINAL_WIDTH && !h.single)
            || (h.width >= TERMINAL_WIDTH && spaced_at(h.width))
            || plain.is_none()
    });
    let mut space_at_breaks = false;
    let spaced = hard.as_ref().map(|h| h.spaced.clone());
    let joins: Vec<bool> = match (hard, soft_breaks(&lines, &widths, &blank)) {
        (Some(h), Some(soft)) => (0..lines.len())
            .map(|k| soft[k] || (h.joins[k] && !(k > 0 && soft[k - 1] && !h.joins[k - 1])))
            .collect(),
        (Some(h), None) => h.joins,
        (None, Some(soft)) => soft,
        (None, None) => {
            space_at_breaks = true;
            plain?
        }
    };
    let spaced = spaced.unwrap_or_else(|| vec![false; lines.len()]);
    let mut numbered: Vec<String> = Vec::with_capacity(lines.len());
    let mut compact: Vec<String> = Vec::with_capacity(lines.len());
    let mut k = 0;
    while k < lines.len() {
        let mut whole = lines[k].strip_suffix('\r').unwrap_or(lines[k]).to_string();
        let start = k;
        while joins[k] {
            if space_at_breaks {
                whole.push_str(&plain_join(lines[k], lines[k + 1]));
            } else if spaced[k] {
                whole.push(' ');
            }
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

    /// A corpus snippet without its lines' trailing blanks (a terminal or mail editor drops them).
    fn trimmed(name: &str) -> String {
        snippet(name)
            .lines()
            .map(|l| l.trim_end().to_string() + "\n")
            .collect()
    }

    /// The dev snippet `name` (its lines' trailing blanks dropped) re-pasted by `r` changes, and
    /// reads back as written.
    fn reads_back_reshaped(r: crate::eval::reshape::Reshape, name: &str) {
        let t = trimmed(name);
        let pasted = String::from_utf8(r.apply(t.as_bytes())).unwrap();
        assert_ne!(pasted, t, "{name}: nothing to wrap");
        reads_back(&pasted, &t, name);
    }

    /// `wrapped` joins back to `text`, and its numbered form keeps every line's number.
    fn reads_back(wrapped: &str, text: &str, name: &str) {
        let u = unwrap(wrapped).unwrap_or_else(|| panic!("{name}: not unwrapped"));
        assert_eq!(u.compact, text, "{name}");
        assert_eq!(
            u.numbered.lines().count(),
            wrapped.lines().count(),
            "{name}"
        );
    }

    /// Dev snippets of every kind hard-wrapped at 80 columns read back as written.
    #[test]
    fn dev_snippets_wrapped_at_80_columns_read_back() {
        for name in [
            "node-dns-broken__kubernetes-minikube-6748.txt",
            "static-pod-manifest-invalid__kubernetes-kubeadm-1345.txt",
            "inotify-limit-reached__kubernetes-kubernetes-10421.txt",
            // one line cut once, at a space (`a valid |slice`): the terminal's own 80 columns
            "systemd-cgroup-parent-invalid__fudanselab-train-ticket-16.txt",
            // pieces that open like a program's message (`ror: failed`, `init: too many`) after
            // a cut inside a word
            "container-rootfs-readonly__oracle-vagrant-projects-120.txt",
            "inotify-limit-reached__kubernetes-kubernetes-58081.txt",
            // a sentence exactly 80 wide before a line of its own (`... dump'.` / `The ...`)
            "apiserver-unreachable__kubernetes-kubernetes-58988.txt",
            // a journal line that ends right at 240 columns, the next journal line after it
            "cgroup-driver-mismatch__kubernetes-website-8777.txt",
            // a cut right before a date, the value of `is expired: `
            "kubelet-client-cert-expired__kubernetes-kubernetes-65991.txt",
        ] {
            let t = trimmed(name);
            // rows as cut, and each row copied without its trailing blanks (a terminal's copy:
            // a row cut right after a space is then one column short)
            for copy_trims in [false, true] {
                let wrapped: Vec<String> = t
                    .lines()
                    .flat_map(|l| wrap_at(l, 80))
                    .map(|p| {
                        if copy_trims {
                            p.trim_end().to_string()
                        } else {
                            p
                        }
                    })
                    .collect();
                let wrapped = wrapped.join("\n") + "\n";
                if t.lines().all(|l| columns(l) < 80) {
                    assert_eq!(unwrap(&wrapped), None, "{name}");
                    continue;
                }
                reads_back(&wrapped, &t, name);
            }
        }
    }

    /// Dev snippets word-wrapped by a mail client at 76 columns (RFC 3676 soft breaks) read back
    /// as written: a journal, a long error line broken once, a short prose line broken once.
    #[test]
    fn dev_snippets_word_wrapped_by_mail_read_back() {
        use crate::eval::reshape::Reshape;
        for name in [
            "cgroup-driver-mismatch__kubernetes-website-8777.txt",
            "systemd-cgroup-parent-invalid__fudanselab-train-ticket-16.txt",
            "neg-kernel-old-3-10__docker-for-linux-591.txt",
            "apiserver-unreachable__kubernetes-kubernetes-125283.txt",
            // df rows whose mount paths, all of one length, went to lines of their own
            "disk-usage-high__rancher-k3os-765.txt",
            // a `|`-bordered table broken in a cell's padding and right after a cell's bar; its
            // borders, wider than the mail width, are lines of their own
            "calico-bgp-not-established__projectcalico-calico-6474.txt",
            // a date on a line of its own, the value of `is expired: `
            "kubelet-client-cert-expired__bsycorp-kind-49.txt",
            // `Events:          <none>` after a line as wide as the widest: a describe field
            "scheduler-not-running__kubernetes-sigs-scheduler-plugins-571.txt",
        ] {
            reads_back_reshaped(Reshape::Mail76, name);
        }
        // cgroup-kmem-leak__huzhengchuan-dailywork-58-2.txt (dev): a typed command with a
        // trailing space is not joined to its output
        let t = "[root@kube-node02 ~]# cat /proc/cgroups \n#subsys_name hierarchy num_cgroups enabled\ncpuset 2 4 1\n";
        assert_eq!(unwrap(t), None);
        // kubelet-client-cert-expired__openshift-installer-1494.txt (dev): a long command the
        // mail client broke is joined (its next word would have run past 72 columns)
        let cmd = "[root@master0 pki]# openssl x509 -in kubelet-client-current.pem -noout -dates";
        let mailed =
            String::from_utf8(Reshape::Mail76.apply(format!("{cmd}\nnotBefore=x\n").as_bytes()))
                .unwrap();
        assert_eq!(
            unwrap(&mailed).unwrap().compact,
            format!("{cmd}\nnotBefore=x\n")
        );
    }

    /// Dev snippets word-wrapped at 76 by a plain-text mail client (the break takes the space's
    /// place) read back as written: a journal with klog lines and prose before it, etcd's
    /// warnings each broken twice.
    #[test]
    fn dev_snippets_word_wrapped_as_plain_text_read_back() {
        use crate::eval::reshape::Reshape;
        for name in [
            "cgroup-driver-mismatch__kubernetes-website-8777.txt",
            "etcd-slow-requests__etcd-io-etcd-11912.txt",
        ] {
            reads_back_reshaped(Reshape::Plain76, name);
        }
        // short pastes where only a line or two were long, read on breaks no mail width could
        // have kept: a long next word (coredns/coredns#2087's `MD5 =` before its hash), a klog
        // header cut in its pid's padding or after its pid (kubernetes/minikube#11966,
        // kubernetes/kubernetes#41428), a sentence broken before its next word in lower case
        // (k3d-io/k3d#44), words too long for a mail line each on a line of its own, which are no
        // terminal's rows (kubernetes-sigs/kubespray#8122)
        for name in [
            "certificate-expiring__kubernetes-minikube-11966.txt",
            "apiserver-unreachable__kubernetes-kubernetes-41428.txt",
            "certificate-expiring__k3d-io-k3d-44.txt",
            "cgroup-driver-mismatch__kubernetes-sigs-kubespray-8122.txt",
        ] {
            reads_back_reshaped(Reshape::Plain76, name);
        }
        // (coredns/coredns#2087: its log lines read back; the line before `.:53`, a typed command
        // after a prompt no reader knows, `➜`, is joined too)
        let t = trimmed("coredns-forward-loop__coredns-coredns-2087.txt");
        let mailed = String::from_utf8(Reshape::Plain76.apply(t.as_bytes())).unwrap();
        let u = unwrap(&mailed).unwrap().compact;
        for line in t.lines().filter(|l| l.starts_with("2018/")) {
            assert!(u.lines().any(|l| l == line), "{line}");
        }
        // rows of one listing opening alike (`ip route`'s addresses, sysctl names) and a field of
        // `docker info` before the next are no pieces, as pasted
        for name in [
            "neg-default-route-missing__flannel-io-flannel-1029.txt",
            "neg-sysctl-forwarding-disabled__kubernetes-kubeadm-312.txt",
            "neg-overlay-xfs-no-dtype__kata-containers-runtime-784.txt",
        ] {
            assert_eq!(unwrap(&snippet(name)), None, "{name}");
        }
        // lines that merely end near their widest are no wrap: a sentence before the settings
        // it names (sysctl-forwarding-disabled__kubernetes-kubernetes-33798.txt, dev), a `kubectl
        // get nodes` table whose rows are not lined up with its header
        // (node-not-ready__colebrooke-kubernetes-nagios-11.txt, dev)
        for name in [
            "sysctl-forwarding-disabled__kubernetes-kubernetes-33798.txt",
            "node-not-ready__colebrooke-kubernetes-nagios-11.txt",
        ] {
            assert_eq!(unwrap(&snippet(name)), None, "{name}");
        }
    }

    /// certificate-expiring__kubernetes-kubernetes-102556.txt (dev) wrapped at 80: the last cut
    /// falls on the space before the certificate's expiry, so the last piece opens with one space
    /// and a time (` 2021-05-29T15:48:22Z`); it is the rest of the line, not a log line of its
    /// own. A time after two spaces or more (indentation) still opens a line.
    #[test]
    fn a_cut_on_the_space_before_a_time_is_a_piece() {
        let line = r#"1 authentication.go:63] "Unable to authenticate the request" err="[x509: certificate has expired or is not yet valid: current time 2021-06-03T07:29:14Z is after 2021-05-29T15:48:22Z"#;
        let text = format!("```\n{line}\n```\n");
        let wrapped: String = format!(
            "```\n{}\n```\n",
            wrap_at(line, 80)
                .iter()
                .map(|p| p.trim_end())
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(
            wrapped.contains("is after\n 2021-05-29T15:48:22Z"),
            "{wrapped}"
        );
        reads_back(&wrapped, &text, "cut before a time");
        let indented = wrapped.replace("\n 2021-05-29", "\n  2021-05-29");
        let u = unwrap(&indented).map(|u| u.compact).unwrap_or(indented);
        assert!(
            u.contains("\n  2021-05-29T15:48:22Z\n"),
            "an indented time opens a line of its own: {u}"
        );
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

    /// Rows of one listing that happen to be one width, or one short of it (etcd-io/etcd#7117,
    /// dev: `etcdctl endpoint status` rows of 98, 99, 99 and 93 columns, each opening with
    /// `https://`), are rows, not one cut line: a cut piece opens wherever the cut fell.
    #[test]
    fn rows_opening_alike_are_no_pieces() {
        let t = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/rules/etcd-db-space-exceeded/pos-endpoint-status-simple.txt"
        ))
        .unwrap();
        assert_eq!(unwrap(&t), None);
        assert!(same_opening(
            "https://tess-master-cbtkd-8128.dev.*.*:4001, 87e6a178ab5a0f63",
            "https://tess-master-temb2-9053.dev.*.*:4001, b3f0b5ddc047ed37"
        ));
        assert!(!same_opening("xxxxxxxxxx", "xxxxxxxxxx"));
    }

    #[test]
    fn one_line_cut_in_three_is_joined_but_one_longest_line_is_no_wrap() {
        let line =
            "E0124 09:56:43.089609   25648 file_linux.go:61] ".to_string() + &"x".repeat(150);
        let t = wrap_at(&line, 80).join("\n") + "\n";
        assert_eq!(unwrap(&t).unwrap().compact, format!("{line}\n"));
        let t = format!("{}\nnext line\n", "y".repeat(90));
        assert_eq!(unwrap(&t), None);
        // at 80 columns, one cut inside running text is enough; at two spaces it is not
        let t = format!("{}\nyyy\n", "y".repeat(80));
        assert_eq!(unwrap(&t).unwrap().compact, format!("{}\n", "y".repeat(83)));
        let t = format!("{} \n yyy\n", "y".repeat(79));
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
