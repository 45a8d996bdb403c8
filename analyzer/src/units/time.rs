//! Small, dependency-free calendar helpers: civil date <-> unix seconds, RFC 3339 in and out,
//! month names (English and the Chinese `12月` of a zh_CN locale). The day arithmetic itself is
//! the workspace's one copy in `kdiag_bundle::time`, shared with the collector.

pub use kdiag_bundle::time::{civil_from_days, days_from_civil};

/// Unix seconds of a civil UTC date-time, validated.
pub fn unix(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86400 + (h * 3600 + mi * 60 + s) as i64)
}

/// `2026-11-22T08:01:02Z` (UTC, seconds precision).
pub fn iso(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(86400));
    let s = unix.rem_euclid(86400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// Month number of `Nov`, `November`, `12月`, `8月`.
pub fn month(s: &str) -> Option<u32> {
    if let Some(n) = s.strip_suffix('月') {
        return n.parse().ok().filter(|m| (1..=12).contains(m));
    }
    let m = match s.get(..3)?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(m)
}

/// `08:01:02` (fraction ignored) -> (h, m, s).
pub fn hms(s: &str) -> Option<(u32, u32, u32)> {
    let s = s.split('.').next()?;
    let mut it = s.split(':');
    let h = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let sec = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    Some((h, m, sec))
}

/// An offset `Z`, `+0800`, `+08:00`, `-04` in seconds east of UTC.
pub fn offset(s: &str) -> Option<i64> {
    if s == "Z" || s == "z" {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i64>().ok()?, 0),
        4 => (
            digits[..2].parse::<i64>().ok()?,
            digits[2..].parse::<i64>().ok()?,
        ),
        _ => return None,
    };
    Some(sign * (h * 3600 + m * 60))
}

/// RFC 3339 / ISO 8601 with an offset: `2026-11-22T08:30:00Z`, `2026-11-22T08:01:02+0800`,
/// `2026-11-22T08:01:02.123456+08:00`, also with a space instead of `T`. Unix seconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() < 19 || !s.is_char_boundary(10) || !s.is_char_boundary(19) {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let mut d = date.split('-');
    let y: i64 = d.next()?.parse().ok()?;
    let mo: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let sep = rest.as_bytes()[0];
    if sep != b'T' && sep != b' ' && sep != b't' {
        return None;
    }
    let (h, mi, sec) = hms(&rest[1..9])?;
    let mut tail = &rest[9..];
    if let Some(frac) = tail.strip_prefix('.').or_else(|| tail.strip_prefix(',')) {
        let n = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
        tail = &frac[n..];
    }
    let off = offset(tail.trim())?;
    Some(unix(y, mo, day, h, mi, sec)? - off)
}

/// `Nov 22 08:00:00 2025 GMT` (openssl's dates) -> unix seconds.
pub fn parse_openssl_date(s: &str) -> Option<i64> {
    let w: Vec<&str> = s.split_whitespace().collect();
    if w.len() < 4 {
        return None;
    }
    let mo = month(w[0])?;
    let d: u32 = w[1].parse().ok()?;
    let (h, mi, sec) = hms(w[2])?;
    let y: i64 = w[3].parse().ok()?;
    if w.len() > 4 && w[4] != "GMT" && w[4] != "UTC" {
        return None;
    }
    unix(y, mo, d, h, mi, sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(parse_rfc3339("2026-11-22T08:30:00Z"), Some(1795336200));
        assert_eq!(iso(1795336200), "2026-11-22T08:30:00Z");
        assert_eq!(
            parse_rfc3339("2026-11-22T16:30:00+0800"),
            parse_rfc3339("2026-11-22T08:30:00Z")
        );
        assert_eq!(
            parse_rfc3339("2021-05-13T16:54:26.565235530+08:00"),
            parse_rfc3339("2021-05-13T08:54:26Z")
        );
        assert_eq!(parse_rfc3339("2026-13-22T08:30:00Z"), None);
        assert_eq!(parse_rfc3339("not a date at all, no"), None);
        assert_eq!(
            parse_openssl_date("Nov 22 08:00:00 2026 GMT"),
            parse_rfc3339("2026-11-22T08:00:00Z")
        );
        assert_eq!(month("12月"), Some(12));
        assert_eq!(month("Sept"), Some(9));
    }
}
