//! Small hand-written helpers: duration and size parsing, UTC and local time formatting (the
//! calendar arithmetic is `kdiag_bundle::time`).

use kdiag_bundle::time::{civil_from_days, days_from_civil};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses `24h`, `120s`, `30m`, `2d`, `1500ms` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid duration {s:?}: expected e.g. 30s, 10m, 24h, 2d"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" => n,
        "ms" => return Ok(Duration::from_millis(n)),
        "m" | "min" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => {
            return Err(format!(
                "invalid duration {s:?}: unknown unit {unit:?} (use s, m, h or d)"
            ))
        }
    };
    Ok(Duration::from_secs(secs))
}

/// Parses `64M`, `512MiB`, `1G`, `100k` or a plain number of bytes (binary units).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid size {s:?}: expected e.g. 64M, 512MiB, 1G"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "invalid size {s:?}: unknown unit {unit:?} (use k, M or G)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

/// Human size: `1.5 MiB`.
pub fn human_size(n: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

/// Broken-down calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
}

/// Seconds since the epoch (UTC) to calendar time.
pub fn civil_from_unix(secs: i64) -> Civil {
    let (year, month, day) = civil_from_days(secs.div_euclid(86400));
    let rem = secs.rem_euclid(86400);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3600) as u32,
        min: ((rem % 3600) / 60) as u32,
        sec: (rem % 60) as u32,
    }
}

/// Calendar time (UTC) to seconds since the epoch.
pub fn unix_from_civil(c: &Civil) -> i64 {
    days_from_civil(c.year, c.month, c.day) * 86400
        + c.hour as i64 * 3600
        + c.min as i64 * 60
        + c.sec as i64
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `2026-11-22T08:30:00Z`
pub fn rfc3339_utc(secs: i64) -> String {
    let c = civil_from_unix(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    )
}

/// `20261122T083000Z`
pub fn compact_utc(secs: i64) -> String {
    let c = civil_from_unix(secs);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    )
}

/// `2026-11-21 16:30:00` in the node's local time zone: the form every journalctl (systemd 219
/// on CentOS 7 included) takes for `--since`.
pub fn local_timestamp(secs: i64) -> String {
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: `tm` is a plain C struct for which all-zero bytes is a valid value; localtime_r
    // only writes into it and reads `t`, both of which live for the whole call.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: see above; localtime_r is the thread-safe variant.
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if !ok {
        let c = civil_from_unix(secs);
        return format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.min, c.sec
        );
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        tm.tm_year as i64 + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86400));
        assert_eq!(parse_duration("120s").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172800));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("5y").is_err());
        assert_eq!(parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999999G").is_err());
    }

    #[test]
    fn utc_round_trip() {
        // 2026-11-22T08:30:00Z
        let c = Civil {
            year: 2026,
            month: 11,
            day: 22,
            hour: 8,
            min: 30,
            sec: 0,
        };
        let s = unix_from_civil(&c);
        assert_eq!(civil_from_unix(s), c);
        assert_eq!(rfc3339_utc(s), "2026-11-22T08:30:00Z");
        assert_eq!(compact_utc(s), "20261122T083000Z");
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951782400), "2000-02-29T00:00:00Z");
    }
}
