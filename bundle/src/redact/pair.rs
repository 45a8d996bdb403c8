//! Where the name and the value of a pair are in a line: `name=value`, `name: value`,
//! `"name": "value"`, `\"name\":\"value\"` inside a JSON string, `--name value`. Pure syntax:
//! which names are secret is decided by the caller (`is_secret_name`).

use super::bytes::{contains, find};
use super::MARKER;

pub(super) struct Name {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) quoted: bool,
    pub(super) dashed: bool,
}

pub(super) struct Value {
    pub(super) start: usize,
    pub(super) end: usize,
    /// Content span (inside quotes when quoted).
    pub(super) inner_start: usize,
    pub(super) inner_end: usize,
    pub(super) quoted: bool,
}

pub(super) fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

pub(super) fn is_quote(b: u8) -> bool {
    b == b'"' || b == b'\''
}

pub(super) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b)
}

pub(super) fn name_before(line: &[u8], sep: usize, sep_byte: u8) -> Option<Name> {
    let mut j = sep;
    let mut quoted = false;
    // `key = value` (TOML, env files) may have spaces before the separator; `key: value` never
    // does in YAML or JSON, while prose does (`volume "default-token-x" : secret "..." not found`).
    if sep_byte == b'=' {
        while j > 0 && (line[j - 1] == b' ' || line[j - 1] == b'\t') {
            j -= 1;
        }
    }
    if sep_byte != b' ' && j > 0 && is_quote(line[j - 1]) {
        quoted = true;
        j -= 1;
        // \"name\" inside a JSON string
        if j > 0 && line[j - 1] == b'\\' {
            j -= 1;
        }
    }
    let end = j;
    while j > 0 && is_name_byte(line[j - 1]) {
        j -= 1;
    }
    let mut start = j;
    // `\ntoken: x` inside a JSON string: the `n` belongs to the escape.
    if start >= 1 && line[start - 1] == b'\\' && start < end {
        start += 1;
    }
    let mut dashed = false;
    while start < end && line[start] == b'-' {
        start += 1;
        dashed = true;
    }
    if start >= end {
        return None;
    }
    // `--token abc` only counts when the flag starts a word.
    if sep_byte == b' ' {
        let word_start = j;
        if !dashed
            || (word_start > 0
                && !(line[word_start - 1].is_ascii_whitespace() || is_quote(line[word_start - 1])))
        {
            return None;
        }
    }
    Some(Name {
        start,
        end,
        quoted,
        dashed,
    })
}

pub(super) fn value_after(line: &[u8], from: usize, sep_byte: u8) -> Option<Value> {
    let mut s = from;
    if sep_byte == b':' {
        // `key:value` without a space is a URL, a time or an image tag unless quoted JSON.
        if s < line.len()
            && !(line[s] == b' ' || line[s] == b'\t' || is_quote(line[s]) || line[s] == b'\\')
        {
            return None;
        }
    }
    if sep_byte != b' ' {
        while s < line.len() && (line[s] == b' ' || line[s] == b'\t') {
            s += 1;
        }
    }
    if s >= line.len() {
        return None;
    }
    // \"value\" inside a JSON string
    if line[s] == b'\\' && s + 1 < line.len() && line[s + 1] == b'"' {
        let inner = s + 2;
        let end = find(line, b"\\\"", inner)?;
        return Some(Value {
            start: s,
            end: end + 2,
            inner_start: inner,
            inner_end: end,
            quoted: true,
        });
    }
    if is_quote(line[s]) {
        let q = line[s];
        let inner = s + 1;
        let mut e = inner;
        // An unterminated quote ends at the line end: the newline is never part of a value
        // (replacing it would merge two lines and shift every line number after it).
        let eol = |b: u8| b == b'\n' || b == b'\r';
        while e < line.len() && line[e] != q && !eol(line[e]) {
            if line[e] == b'\\' && q == b'"' && e + 1 < line.len() && !eol(line[e + 1]) {
                e += 1;
            }
            e += 1;
        }
        let e = e.min(line.len());
        let end = if e < line.len() { e + 1 } else { e };
        return Some(Value {
            start: s,
            end,
            inner_start: inner,
            inner_end: e,
            quoted: true,
        });
    }
    // A marker left by an earlier pass is a (trivial) value, not a YAML flow sequence, so a
    // `value: [REDACTED]` still ends a pending `name`/`value` pair (redaction stays idempotent).
    if line[s..].starts_with(MARKER.as_bytes()) {
        let e = s + MARKER.len();
        return Some(Value {
            start: s,
            end: e,
            inner_start: s,
            inner_end: e,
            quoted: false,
        });
    }
    if matches!(line[s], b'{' | b'[' | b'\n' | b'\r' | b'|' | b'>') {
        return None;
    }
    let mut e = s;
    while e < line.len() {
        let c = line[e];
        if c.is_ascii_whitespace()
            || matches!(
                c,
                b',' | b';' | b'&' | b'}' | b']' | b')' | b'"' | b'\'' | b'\\'
            )
        {
            break;
        }
        e += 1;
    }
    Some(Value {
        start: s,
        end: e,
        inner_start: s,
        inner_end: e,
        quoted: false,
    })
}

/// The part of a value to replace. For `Authorization: Bearer x` / `Basic x` the scheme stays.
pub(super) fn secret_span(line: &[u8], val: &Value, name: &[u8]) -> (usize, usize) {
    let (s, e) = (val.inner_start, val.inner_end);
    let norm: Vec<u8> = name.iter().map(|b| b.to_ascii_lowercase()).collect();
    if contains(&norm, b"authorization") {
        // Header values run to the end of the line or quote.
        let mut end = s;
        while end < line.len() && !matches!(line[end], b'\n' | b'\r' | b'"' | b'\'') {
            end += 1;
        }
        let end = if val.quoted { e } else { end };
        let v = &line[s..end];
        if let Some(sp) = v.iter().position(|&b| b == b' ') {
            let scheme = &v[..sp];
            if scheme.iter().all(|b| b.is_ascii_alphabetic()) {
                let mut cs = s + sp;
                while cs < end && line[cs] == b' ' {
                    cs += 1;
                }
                let mut ce = cs;
                while ce < end && !line[ce].is_ascii_whitespace() {
                    ce += 1;
                }
                return (cs, ce);
            }
        }
        return (s, end);
    }
    (s, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, value) as text, for the separator at the first `sep` byte.
    fn pair(line: &str, sep: u8) -> Option<(String, String)> {
        let b = line.as_bytes();
        let i = b.iter().position(|&c| c == sep)?;
        let n = name_before(b, i, sep)?;
        let v = value_after(b, i + 1, sep)?;
        let text = |s: usize, e: usize| String::from_utf8_lossy(&b[s..e]).into_owned();
        Some((text(n.start, n.end), text(v.inner_start, v.inner_end)))
    }

    #[test]
    fn the_shapes_of_a_pair() {
        let p = |n: &str, v: &str| Some((n.to_string(), v.to_string()));
        assert_eq!(
            pair("DB_PASSWORD=hunter2 x", b'='),
            p("DB_PASSWORD", "hunter2")
        );
        assert_eq!(pair("key = 'a b'", b'='), p("key", "a b"));
        assert_eq!(pair(r#""token": "t0k""#, b':'), p("token", "t0k"));
        assert_eq!(pair(r#"{\"auth\":\"xyz\"}"#, b':'), p("auth", "xyz"));
        assert_eq!(
            pair("run --token abc", b' '),
            None,
            "the first space is not a flag's"
        );
        assert_eq!(pair("--token abc", b' '), p("token", "abc"));
        // `host:port` and times are not pairs; a value never starts a block or a flow.
        assert_eq!(pair("image: reg:5000/x", b':').unwrap().1, "reg:5000/x");
        assert_eq!(pair("reg:5000", b':'), None);
        assert_eq!(pair("env: [a, b]", b':'), None);
        assert_eq!(pair("token: |", b':'), None);
    }

    #[test]
    fn an_authorization_span_keeps_the_scheme() {
        let line = b"Authorization: Basic dXNlcjpwYXNz tail\n";
        let v = value_after(line, 14, b':').unwrap();
        let (s, e) = secret_span(line, &v, b"Authorization");
        assert_eq!(&line[s..e], b"dXNlcjpwYXNz");
    }
}
