//! Lenient text decoding and a line iterator that caps huge lines.
//!
//! Bundles come from customer nodes: logs may hold invalid UTF-8, Chinese Windows pastes are
//! often GBK, and files edited on Windows have CRLF endings. Nothing here ever panics.

use std::borrow::Cow;

/// Decodes bytes leniently: UTF-8 when valid; else GBK when it decodes without a single error
/// (and the bytes do not look like mostly-valid UTF-8 with a few broken bytes); else lossy UTF-8.
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(s);
    }
    match gbk(bytes) {
        Some(s) => Cow::Owned(s),
        None => String::from_utf8_lossy(bytes),
    }
}

/// `bytes` (not UTF-8) decoded as GBK when they decode without a single error and do not look
/// like mostly-valid UTF-8 with a few broken bytes (a cut log, one bad byte: kept UTF-8).
fn gbk(bytes: &[u8]) -> Option<String> {
    let mut invalid = 0usize;
    let mut multibyte = 0usize;
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    if multibyte > invalid * 4 {
        return None;
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// The UTF-8 form of `bytes` when they are text in GBK (a Chinese Windows editor or locale), for
/// the scan: rules' patterns are UTF-8, so GBK words would never match as written. `None` when
/// the bytes are UTF-8 already or not cleanly GBK (they are then read as they are). Line breaks
/// keep their places (GBK never uses a newline byte inside a character), so line numbers hold.
/// The common case costs one UTF-8 validation.
pub fn gbk_as_utf8(bytes: &[u8]) -> Option<String> {
    if std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    gbk(bytes)
}

/// One line of a text, as bytes, without its `\n` / `\r\n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub no: usize,
    /// The line, cut to the cap when it was longer.
    pub bytes: &'a [u8],
    /// True when the line was longer than the cap and was cut.
    pub cut: bool,
}

/// Iterates the lines of `bytes`, keeping at most `max_line_bytes` of each (the rest of a huge
/// line is skipped, not split into more lines). CRLF and a lone trailing CR are tolerated.
pub fn lines(bytes: &[u8], max_line_bytes: usize) -> Lines<'_> {
    Lines {
        rest: bytes,
        no: 0,
        max: max_line_bytes.max(1),
    }
}

pub struct Lines<'a> {
    rest: &'a [u8],
    no: usize,
    max: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let (mut line, rest) = match memchr_nl(self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        self.no += 1;
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        let cut = line.len() > self.max;
        if cut {
            line = &line[..floor_char_boundary(line, self.max)];
        }
        Some(Line {
            no: self.no,
            bytes: line,
            cut,
        })
    }
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Largest index <= max that does not split a UTF-8 sequence (when the bytes are UTF-8).
fn floor_char_boundary(b: &[u8], max: usize) -> usize {
    let mut i = max.min(b.len());
    // Step back over at most 3 continuation bytes.
    let mut steps = 0;
    while i > 0 && i < b.len() && (b[i] & 0xC0) == 0x80 && steps < 3 {
        i -= 1;
        steps += 1;
    }
    if steps == 3 && i < b.len() && (b[i] & 0xC0) == 0x80 {
        return max.min(b.len());
    }
    i
}

/// Decodes `bytes` and iterates its lines as `(line number, text)`, each line capped.
pub fn text_lines(
    bytes: &[u8],
    max_line_bytes: usize,
) -> impl Iterator<Item = (usize, Cow<'_, str>)> {
    lines(bytes, max_line_bytes).map(|l| (l.no, decode_text(l.bytes)))
}

/// Cuts `data` to its newest `max` bytes, starting after the first newline in the kept part
/// (so the first kept line is whole). Returns whether anything was cut.
pub fn keep_tail(data: &mut Vec<u8>, max: usize) -> bool {
    if data.len() <= max {
        return false;
    }
    let mut start = data.len() - max;
    if let Some(nl) = memchr_nl(&data[start..]) {
        if start + nl + 1 < data.len() {
            start += nl + 1;
        }
    }
    data.drain(..start);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed() {
        let s = "kubelet 启动失败".as_bytes();
        assert!(matches!(decode_text(s), Cow::Borrowed(_)));
    }

    #[test]
    fn gbk_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("镜像拉取失败: no basic auth credentials");
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(decode_text(&gbk), "镜像拉取失败: no basic auth credentials");
    }

    #[test]
    fn gbk_text_is_given_as_utf8_with_its_lines() {
        let (gbk, _, _) = encoding_rs::GBK.encode("第一行\n镜像拉取失败: pull access denied\n");
        let s = gbk_as_utf8(&gbk).expect("GBK read as UTF-8");
        assert_eq!(s, "第一行\n镜像拉取失败: pull access denied\n");
        assert_eq!(gbk_as_utf8("已经是 UTF-8".as_bytes()), None);
        let mut broken = "节点状态异常 NotReady 节点状态异常".as_bytes().to_vec();
        broken.insert(3, 0xFF);
        assert_eq!(gbk_as_utf8(&broken), None, "mostly UTF-8 stays as it is");
    }

    #[test]
    fn broken_utf8_stays_utf8_lossy() {
        let mut b = "节点状态异常 NotReady 节点状态异常".as_bytes().to_vec();
        b.insert(3, 0xFF);
        let t = decode_text(&b);
        assert!(t.contains("NotReady"));
        assert!(t.contains('\u{FFFD}'));
        assert!(t.contains("节点状态异常"));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut x: u32 = 12345;
        let b: Vec<u8> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let _ = decode_text(&b);
        assert!(lines(&b, 10).all(|l| l.bytes.len() <= 10));
    }

    #[test]
    fn crlf_and_caps() {
        let b = b"a\r\nbbbbbbbbbb\r\n\r\nlast";
        let v: Vec<_> = lines(b, 4).collect();
        assert_eq!(v.len(), 4);
        assert_eq!(v[0].bytes, b"a");
        assert_eq!((v[1].bytes, v[1].cut), (&b"bbbb"[..], true));
        assert_eq!(v[2].bytes, b"");
        assert_eq!((v[3].no, v[3].bytes), (4, &b"last"[..]));
    }

    #[test]
    fn cap_does_not_split_a_char() {
        let s = "ab启动".as_bytes(); // a b + 3 + 3 bytes
        let v: Vec<_> = lines(s, 4).collect();
        assert_eq!(v[0].bytes, b"ab");
        assert!(v[0].cut);
    }

    #[test]
    fn keep_tail_starts_at_a_whole_line() {
        let mut d = b"line1\nline2\nline3\n".to_vec();
        assert!(keep_tail(&mut d, 8));
        assert_eq!(d, b"line3\n");
        let mut d = b"short".to_vec();
        assert!(!keep_tail(&mut d, 8));
    }
}
