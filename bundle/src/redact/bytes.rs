//! Byte search over one line: plain and ASCII case-insensitive substring search, and the
//! `-----BEGIN/END ... PRIVATE KEY-----` markers of a PEM private key.

pub(super) fn find(h: &[u8], n: &[u8], from: usize) -> Option<usize> {
    if from > h.len() || n.is_empty() || h.len() < n.len() {
        return None;
    }
    h[from..]
        .windows(n.len())
        .position(|w| w == n)
        .map(|p| p + from)
}

pub(super) fn find_ci(h: &[u8], n: &[u8], from: usize) -> Option<usize> {
    if from > h.len() || h.len() < n.len() {
        return None;
    }
    h[from..]
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
        .map(|p| p + from)
}

pub(super) fn contains(h: &[u8], n: &[u8]) -> bool {
    find(h, n, 0).is_some()
}

pub(super) fn contains_ci(h: &[u8], n: &[u8]) -> bool {
    find_ci(h, n, 0).is_some()
}

/// A PEM label of a private key: `PRIVATE KEY`, `RSA PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, ...
/// (capitals and spaces only, so text that merely ends in "PRIVATE KEY" is not a header).
fn is_pem_key_label(label: &[u8]) -> bool {
    label.len() <= 40
        && label.ends_with(b"PRIVATE KEY")
        && label.iter().all(|&b| b.is_ascii_uppercase() || b == b' ')
}

/// Start of `-----BEGIN ... PRIVATE KEY-----` at or after `from`.
pub(super) fn find_pem_begin(line: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(p) = find(line, b"-----BEGIN ", i) {
        let rest = &line[p + 11..];
        let close = find(rest, b"-----", 0)?;
        if is_pem_key_label(&rest[..close]) {
            return Some(p);
        }
        i = p + 11;
    }
    None
}

/// Index just past `-----END ... PRIVATE KEY-----` at or after `from`.
pub(super) fn find_pem_end(line: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(p) = find(line, b"-----END ", i) {
        let rest = &line[p + 9..];
        let close = find(rest, b"-----", 0)?;
        if is_pem_key_label(&rest[..close]) {
            return Some(p + 9 + close + 5);
        }
        i = p + 9;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_from_an_offset() {
        assert_eq!(find(b"a=b a=c", b"a=", 1), Some(4));
        assert_eq!(find(b"abc", b"", 0), None);
        assert_eq!(find(b"abc", b"c", 4), None);
        assert_eq!(find_ci(b"x BEARER y", b"bearer", 0), Some(2));
        assert!(contains_ci(b"Authorization", b"AUTHORIZATION"));
        assert!(!contains(b"Authorization", b"AUTHORIZATION"));
    }

    #[test]
    fn pem_markers_need_a_private_key_label() {
        let line = b"x -----BEGIN CERTIFICATE----- -----BEGIN EC PRIVATE KEY-----body-----END EC PRIVATE KEY----- y";
        let begin = find_pem_begin(line, 0).unwrap();
        assert!(line[begin..].starts_with(b"-----BEGIN EC"));
        let end = find_pem_end(line, begin).unwrap();
        assert_eq!(&line[end..], b" y");
        assert_eq!(find_pem_begin(b"-----BEGIN my private key-----", 0), None);
        assert_eq!(find_pem_begin(b"-----BEGIN PRIVATE KEY", 0), None);
    }
}
