//! The corpus re-pasted: each snippet rewritten the way a ticket, a mail client or a terminal
//! would hand the same text over (`cargo xtask eval --reshape KIND`). The diagnosis of a text must
//! not depend on how it travelled, so a row whose findings change under a reshape shows a reader
//! gap without anyone reading the held-out half: the reshapes are run on the dev half only.
//!
//! Every reshape is one a support desk sees: CRLF line ends (a Windows editor or mail client),
//! a Markdown quote (`> ` on every line, a GitHub or mail reply), a four-space indented Markdown
//! code block, a fenced block, journalctl's colour codes kept by a terminal capture, a
//! terminal that hard-wraps at 80 columns, a Chinese Windows editor that saves it as GBK, and a
//! mail client that word-wraps at 76 (a ticket sent
//! by mail: Outlook's and Thunderbird's default width; RFC 3676's soft break keeps the space at the
//! end of the line, `mail76`; a plain-text client without it drops that space, `plain76`), and an
//! editor's smart quotes (`smart`: Word, Outlook, macOS text fields and rich ticket editors turn
//! every typed `"` and `'` into a curly one, as in an error message retyped from a screenshot).

/// One way of handing the same text over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reshape {
    Crlf,
    Quote,
    Indent,
    Fence,
    Ansi,
    Wrap80,
    Mail76,
    Plain76,
    Smart,
    Gbk,
}

impl Reshape {
    pub const ALL: [Reshape; 10] = [
        Reshape::Crlf,
        Reshape::Quote,
        Reshape::Indent,
        Reshape::Fence,
        Reshape::Ansi,
        Reshape::Wrap80,
        Reshape::Mail76,
        Reshape::Plain76,
        Reshape::Smart,
        Reshape::Gbk,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reshape::Crlf => "crlf",
            Reshape::Quote => "quote",
            Reshape::Indent => "indent",
            Reshape::Fence => "fence",
            Reshape::Ansi => "ansi",
            Reshape::Wrap80 => "wrap80",
            Reshape::Mail76 => "mail76",
            Reshape::Plain76 => "plain76",
            Reshape::Smart => "smart",
            Reshape::Gbk => "gbk",
        }
    }

    pub fn parse(name: &str) -> Option<Reshape> {
        Reshape::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The snippet's bytes as this reshape hands them over. Text that is not UTF-8 (a GBK
    /// journal) is kept byte for byte apart from what the reshape adds around its lines.
    pub fn apply(self, text: &[u8]) -> Vec<u8> {
        if self == Reshape::Gbk {
            return gbk(text);
        }
        let body = text.strip_suffix(b"\n").unwrap_or(text);
        let lines: Vec<&[u8]> = body
            .split(|b| *b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .collect();
        let mut out = Vec::with_capacity(text.len() + lines.len() * 8);
        let put = |line: &[u8], out: &mut Vec<u8>| {
            out.extend_from_slice(line);
            out.push(b'\n');
        };
        match self {
            Reshape::Crlf => {
                for l in &lines {
                    out.extend_from_slice(l);
                    out.extend_from_slice(b"\r\n");
                }
            }
            Reshape::Quote | Reshape::Indent => {
                let prefix: &[u8] = if self == Reshape::Quote {
                    b"> "
                } else {
                    b"    "
                };
                for l in &lines {
                    out.extend_from_slice(prefix);
                    put(l, &mut out);
                }
            }
            Reshape::Fence => {
                put(b"```", &mut out);
                for l in &lines {
                    put(l, &mut out);
                }
                put(b"```", &mut out);
            }
            Reshape::Ansi => {
                // journalctl's highlighting of a line of priority err or worse: bold red, reset
                // at its end.
                for l in &lines {
                    if l.is_empty() {
                        put(l, &mut out);
                        continue;
                    }
                    out.extend_from_slice(b"\x1b[0;1;31m");
                    out.extend_from_slice(l);
                    out.extend_from_slice(b"\x1b[0m\n");
                }
            }
            Reshape::Wrap80 => {
                for l in &lines {
                    wrap(l, 80, &mut out);
                }
            }
            Reshape::Mail76 => {
                for l in &lines {
                    word_wrap(l, 76, true, &mut out);
                }
            }
            Reshape::Plain76 => {
                for l in &lines {
                    word_wrap(l, 76, false, &mut out);
                }
            }
            Reshape::Smart => {
                for l in &lines {
                    put(&smart_quotes(l), &mut out);
                }
            }
            Reshape::Gbk => unreachable!("whole-text reshape, returned above"),
        }
        out
    }
}

/// A terminal's hard wrap: a break after every `width` columns, wherever it falls (inside a
/// word, before a space or inside a quoted string), as `input/unwrap.rs` counts columns. A
/// terminal copies each row without its trailing blanks: a line's trailing spaces are dropped,
/// not cut into rows of spaces, and a row cut right after a space loses that space.
fn wrap(line: &[u8], width: usize, out: &mut Vec<u8>) {
    let Ok(s) = std::str::from_utf8(line) else {
        out.extend_from_slice(line);
        out.push(b'\n');
        return;
    };
    for piece in crate::input::unwrap::wrap_at(s.trim_end(), width) {
        out.extend_from_slice(piece.trim_end().as_bytes());
        out.push(b'\n');
    }
}

/// A line as an editor's smart quotes leave it: a `"` or `'` at the start, after a space or an
/// opening bracket opens (`“`, `‘`), any other closes (`”`, `’`, the apostrophe of `don’t`).
fn smart_quotes(line: &[u8]) -> Vec<u8> {
    let Ok(s) = std::str::from_utf8(line) else {
        return line.to_vec();
    };
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let opens = prev.is_none_or(|p| p.is_whitespace() || "([{<".contains(p));
        out.push(match (c, opens) {
            ('"', true) => '\u{201c}',
            ('"', false) => '\u{201d}',
            ('\'', true) => '\u{2018}',
            ('\'', false) => '\u{2019}',
            (c, _) => c,
        });
        prev = Some(c);
    }
    out.into_bytes()
}

/// The text as a Chinese Windows editor saves it: GBK (code page 936). Text that is not UTF-8,
/// has no character beyond ASCII, or has one GBK cannot hold (that editor could not have saved
/// it) is handed over as it is.
fn gbk(text: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(text) {
        Ok(s) if !s.is_ascii() => {
            let (bytes, _, unmappable) = encoding_rs::GBK.encode(s);
            if unmappable {
                text.to_vec()
            } else {
                bytes.into_owned()
            }
        }
        _ => text.to_vec(),
    }
}

/// A mail client's word wrap: a line longer than `width` characters is broken after the last
/// space that keeps the piece within `width` (the space stays at the piece's end, as RFC 3676's
/// soft break has it); a word longer than `width` is not broken but overflows, and so does a
/// line without a space to break at. Trailing spaces are dropped first, as a mail editor does.
/// Without `flowed` the break takes the space's place (a client that sends plain text without
/// RFC 3676, as Outlook and Gmail's plain-text mode do).
fn word_wrap(line: &[u8], width: usize, flowed: bool, out: &mut Vec<u8>) {
    let Ok(s) = std::str::from_utf8(line) else {
        out.extend_from_slice(line);
        out.push(b'\n');
        return;
    };
    let mut rest = s.trim_end();
    while rest.chars().count() > width {
        // the byte after the last space within `width` characters, else after the first space
        let limit = rest
            .char_indices()
            .nth(width)
            .map_or(rest.len(), |(i, _)| i);
        let cut = match rest[..limit].rfind(' ') {
            Some(i) if i > 0 && !rest[..i].trim().is_empty() => Some(i + 1),
            _ => rest[limit..].find(' ').map(|i| limit + i + 1),
        };
        let Some(cut) = cut.filter(|c| *c < rest.len()) else {
            break;
        };
        let piece = &rest[..cut];
        out.extend_from_slice(if flowed { piece } else { piece.trim_end() }.as_bytes());
        out.push(b'\n');
        rest = &rest[cut..];
    }
    out.extend_from_slice(rest.as_bytes());
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &[u8] = b"Jul 31 01:44:24 node kubelet[1]: E0731 x\n\nsecond line\n";

    #[test]
    fn each_reshape_keeps_the_text_and_adds_only_its_own_marks() {
        let s = |r: Reshape| String::from_utf8(r.apply(TEXT)).unwrap();
        assert_eq!(
            s(Reshape::Crlf),
            "Jul 31 01:44:24 node kubelet[1]: E0731 x\r\n\r\nsecond line\r\n"
        );
        assert_eq!(
            s(Reshape::Quote),
            "> Jul 31 01:44:24 node kubelet[1]: E0731 x\n> \n> second line\n"
        );
        assert_eq!(
            s(Reshape::Fence),
            "```\nJul 31 01:44:24 node kubelet[1]: E0731 x\n\nsecond line\n```\n"
        );
        assert_eq!(
            s(Reshape::Ansi),
            "\x1b[0;1;31mJul 31 01:44:24 node kubelet[1]: E0731 x\x1b[0m\n\n\x1b[0;1;31msecond line\x1b[0m\n"
        );
        assert!(s(Reshape::Indent).lines().all(|l| l.starts_with("    ")));
    }

    #[test]
    fn wrap80_breaks_anywhere_but_never_inside_a_character() {
        let long = "é".repeat(100) + "\n";
        let out = String::from_utf8(Reshape::Wrap80.apply(long.as_bytes())).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].chars().count(), 80);
        assert_eq!(lines[1].chars().count(), 20);
    }

    #[test]
    fn mail76_breaks_after_a_space_and_lets_long_words_overflow() {
        let line = format!("{} {} {}\n", "a".repeat(50), "b".repeat(30), "c".repeat(90));
        let out = String::from_utf8(Reshape::Mail76.apply(line.as_bytes())).unwrap();
        let want = format!(
            "{} \n{} \n{}\n",
            "a".repeat(50),
            "b".repeat(30),
            "c".repeat(90)
        );
        assert_eq!(out, want);
        let short = "short line  \n";
        assert_eq!(Reshape::Mail76.apply(short.as_bytes()), b"short line\n");
        // plain76 breaks at the same places, and the break takes the space's place
        let out = String::from_utf8(Reshape::Plain76.apply(line.as_bytes())).unwrap();
        assert_eq!(out, want.replace(" \n", "\n"));
    }

    #[test]
    fn gbk_encodes_chinese_text_and_leaves_the_rest() {
        let zh = "11月 22 08:30:00 节点 kubelet[1]: 错误\n";
        let out = Reshape::Gbk.apply(zh.as_bytes());
        assert!(std::str::from_utf8(&out).is_err());
        assert_eq!(encoding_rs::GBK.decode(&out).0, zh);
        assert_eq!(Reshape::Gbk.apply(b"plain\n"), b"plain\n");
        // an emoji GBK cannot hold: kept as written
        assert_eq!(
            Reshape::Gbk.apply("ok 😀\n".as_bytes()),
            "ok 😀\n".as_bytes()
        );
    }

    #[test]
    fn names_round_trip() {
        for r in Reshape::ALL {
            assert_eq!(Reshape::parse(r.name()), Some(r));
        }
        assert_eq!(Reshape::parse("utf16"), None);
    }
}
