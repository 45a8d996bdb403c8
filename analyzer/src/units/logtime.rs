//! Journal and syslog lines, with the klog header (`E1122 08:01:02.123456 1234 file.go:12] msg`)
//! and dockerd/containerd logfmt (`time="..." level=error msg="..."`) inside them.
//!
//! Forms read:
//! - `journalctl -o short-iso`: `2026-11-22T08:01:02+0800 node01 kubelet[1234]: msg`
//!   (also with fractional seconds and `+08:00`, as rsyslog's RFC 3339 template writes);
//! - `journalctl -o short` and /var/log/messages: `Nov 22 08:01:02 node01 kubelet[1234]: msg`,
//!   `Jun  7 05:18:45 node5 kubelet: msg` (no pid), `12月 22 17:53:24 host kubelet[1]: msg`
//!   (zh_CN locale). These carry no year: it is taken from the reference time (the manifest's
//!   collected_at), one year back when that would put the line more than two days in the future.
//!   They carry no zone either: they are read as UTC (documented in docs/facts.md).
//! - bare klog lines (a container log of a Kubernetes component, a paste of one line);
//! - `dmesg -T` lines: `[Sun Nov 22 08:01:02 2026] msg` (unit `kernel`, local time read as UTC).

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::time;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine<'a> {
    /// Unix seconds, when the line's time could be placed (needs a year for short forms).
    pub ts: Option<i64>,
    /// `ts` as RFC 3339 UTC.
    pub time: Option<String>,
    pub host: Option<&'a str>,
    /// `kubelet`, `dockerd`, `containerd`, `kernel`, ...
    pub unit: Option<&'a str>,
    pub pid: Option<u32>,
    /// klog severity letter (`I`, `W`, `E`, `F`), or from logfmt `level=` (`D` for debug).
    pub severity: Option<char>,
    /// klog `file.go:123`.
    pub source: Option<&'a str>,
    /// The message after every recognised header.
    pub message: &'a str,
}

/// Parses one line. `reference` is the unix time the logs were collected (gives the year of
/// short forms). Returns `None` for lines that are not log lines (`-- Logs begin at ...`).
pub fn parse_line(line: &str, reference: Option<i64>) -> Option<JournalLine<'_>> {
    let line = line.trim_end_matches(['\r', '\n']);
    let mut out = JournalLine {
        ts: None,
        time: None,
        host: None,
        unit: None,
        pid: None,
        severity: None,
        source: None,
        message: line,
    };
    let mut has_prefix = false;
    if let Some((ts, rest)) = dmesg_t(line) {
        out.ts = Some(ts);
        out.time = Some(time::iso(ts));
        out.unit = Some("kernel");
        out.message = rest;
        return Some(out);
    }
    if let Some((ts, rest)) = iso_prefix(line) {
        if let Some(rest) = host_unit(rest, &mut out) {
            out.ts = Some(ts);
            out.message = rest;
            has_prefix = true;
        }
    } else if let Some((civil, rest)) = short_prefix(line) {
        if let Some(rest) = host_unit(rest, &mut out) {
            out.ts = reference.and_then(|r| place_in_year(civil, r));
            out.message = rest;
            has_prefix = true;
        }
    }
    let msg = out.message;
    if let Some(k) = klog(msg) {
        out.severity = Some(k.severity);
        out.source = Some(k.source);
        out.message = k.message;
        if out.pid.is_none() {
            out.pid = Some(k.pid);
        }
        if out.ts.is_none() {
            out.ts = reference.and_then(|r| place_in_year(k.civil, r));
        }
    } else if let Some((level, ts)) = logfmt(msg) {
        out.severity = Some(level);
        if out.ts.is_none() {
            out.ts = ts;
        }
    } else if !has_prefix {
        return None;
    }
    out.time = out.ts.map(time::iso);
    Some(out)
}

/// The reference time of a bundle's logs: its manifest's collected_at, as unix seconds.
pub fn reference_time(manifest: Option<&kdiag_bundle::Manifest>) -> Option<i64> {
    time::parse_rfc3339(&manifest?.collected_at)
}

/// `[Sat Nov 21 10:15:02 2026] msg` (dmesg -T) -> (unix seconds, msg).
pub fn dmesg_t(line: &str) -> Option<(i64, &str)> {
    let rest = line.strip_prefix('[')?;
    let (stamp, msg) = rest.split_once(']')?;
    let w: Vec<&str> = stamp.split_whitespace().collect();
    if w.len() != 5 {
        return None;
    }
    let mo = time::month(w[1])?;
    let d: u32 = w[2].parse().ok()?;
    let (h, mi, s) = time::hms(w[3])?;
    let y: i64 = w[4].parse().ok()?;
    Some((time::unix(y, mo, d, h, mi, s)?, msg.trim_start()))
}

/// `Nov 22 08:01:02 ...` (syslog) or a klog header `E1122 08:01:02.1 ...`: (month, day, hour).
pub fn civil_hour(line: &str) -> Option<(u32, u32, u32)> {
    static KLOG: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b[IWEF](\d\d)(\d\d) (\d\d):\d\d:\d\d").expect("klog header pattern")
    });
    let mut w = line.split_whitespace();
    if let (Some(mo), Some(d), Some(t)) = (w.next(), w.next(), w.next()) {
        if let (Some(mo), Ok(d), Some((h, _, _))) = (time::month(mo), d.parse(), time::hms(t)) {
            return Some((mo, d, h));
        }
    }
    let c = KLOG.captures(line)?;
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse().ok());
    Some((n(1)?, n(2)?, n(3)?))
}

/// (month, day, h, m, s)
type Civil = (u32, u32, u32, u32, u32);

fn place_in_year(c: Civil, reference: i64) -> Option<i64> {
    let (ry, _, _) = time::civil_from_days(reference.div_euclid(86400));
    let t = time::unix(ry, c.0, c.1, c.2, c.3, c.4)?;
    if t > reference + 2 * 86400 {
        time::unix(ry - 1, c.0, c.1, c.2, c.3, c.4)
    } else {
        Some(t)
    }
}

fn iso_prefix(line: &str) -> Option<(i64, &str)> {
    let (tok, rest) = line.split_once(' ')?;
    if tok.len() < 20 || tok.as_bytes()[4] != b'-' {
        return None;
    }
    Some((time::parse_rfc3339(tok)?, rest))
}

fn short_prefix(line: &str) -> Option<(Civil, &str)> {
    let mut it = line.splitn(2, ' ');
    let mon = time::month(it.next()?)?;
    let rest = it.next()?.trim_start();
    let (day, rest) = rest.split_once(' ')?;
    let day: u32 = day.parse().ok()?;
    let rest = rest.trim_start();
    let (t, rest) = rest.split_once(' ')?;
    let (h, m, s) = time::hms(t)?;
    Some(((mon, day, h, m, s), rest))
}

/// `node01 kubelet[1234]: msg` / `node5 kubelet: msg`. Fills host, unit, pid.
fn host_unit<'a>(rest: &'a str, out: &mut JournalLine<'a>) -> Option<&'a str> {
    let (host, rest) = rest.split_once(' ')?;
    let (tag, msg) = match rest.split_once(": ") {
        Some((t, m)) => (t, m),
        None => (rest.strip_suffix(':')?, ""),
    };
    if tag.is_empty() || tag.contains(' ') {
        return None;
    }
    let (unit, pid) = match tag.split_once('[') {
        Some((u, p)) => (u, p.strip_suffix(']')?.parse().ok()),
        None => (tag, None),
    };
    out.host = Some(host);
    out.unit = Some(unit);
    out.pid = pid;
    Some(msg)
}

pub struct Klog<'a> {
    pub severity: char,
    civil: Civil,
    pub pid: u32,
    pub source: &'a str,
    pub message: &'a str,
}

/// `E1122 08:01:02.123456    1234 kubelet.go:1234] msg`
pub fn klog(msg: &str) -> Option<Klog<'_>> {
    let b = msg.as_bytes();
    if b.len() < 22 || !matches!(b[0], b'I' | b'W' | b'E' | b'F') {
        return None;
    }
    let mmdd = msg.get(1..5)?;
    if !mmdd.bytes().all(|c| c.is_ascii_digit()) || b[5] != b' ' {
        return None;
    }
    let mo: u32 = mmdd[..2].parse().ok()?;
    let d: u32 = mmdd[2..].parse().ok()?;
    let rest = &msg[6..];
    let (t, rest) = rest.split_once(' ')?;
    let (h, mi, s) = time::hms(t)?;
    let rest = rest.trim_start();
    let (pid, rest) = rest.split_once(' ')?;
    let pid: u32 = pid.parse().ok()?;
    let (source, message) = rest
        .split_once("] ")
        .or_else(|| rest.strip_suffix(']').map(|s| (s, "")))?;
    if source.contains(' ') {
        return None;
    }
    Some(Klog {
        severity: b[0] as char,
        civil: (mo, d, h, mi, s),
        pid,
        source,
        message,
    })
}

/// `time="2021-05-13T16:54:26.565235530+08:00" level=warning msg="..."` -> (severity, ts).
fn logfmt(msg: &str) -> Option<(char, Option<i64>)> {
    let lv = msg.find("level=")?;
    if lv > 0 && msg.as_bytes()[lv - 1] != b' ' {
        return None;
    }
    let level = msg[lv + 6..].split(' ').next()?.trim_matches('"');
    let sev = match level {
        "error" | "err" => 'E',
        "warning" | "warn" => 'W',
        "info" => 'I',
        "fatal" | "panic" => 'F',
        "debug" | "trace" => 'D',
        _ => return None,
    };
    let ts = msg
        .strip_prefix("time=\"")
        .and_then(|r| r.split('"').next())
        .and_then(time::parse_rfc3339);
    Some((sev, ts))
}

/// The timestamp forms [`line_timestamp`] recognises, in the order it tries them.
static TS_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // journalctl -o short-iso, RFC 3339 lines
        r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)",
        // dockerd / containerd logrus
        r#"\btime="([^"]+)""#,
        // zap JSON (etcd 3.4+): {"level":"warn","ts":"2020-06-30T01:18:21.061Z",...}
        r#"^\{.*?"ts":"([^"]+)""#,
        // dmesg -T
        r"^\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})\]",
        // syslog (/var/log/messages)
        r"^([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})\s",
        // klog header inside a container log: I1121 10:15:02.123456
        r"^[IWEF](\d{4} \d{2}:\d{2}:\d{2}\.\d+)\s",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("timestamp patterns compile"))
    .collect()
});

/// The timestamp a log line starts with, as written.
pub fn line_timestamp(line: &str) -> Option<String> {
    TS_PATTERNS.iter().find_map(|re| {
        re.captures(line.as_bytes())
            .and_then(|c| c.get(1))
            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
    })
}

/// The clock time a timestamp says, as (the rest of the timestamp, seconds into the day): lines
/// whose rest differs (another date, another zone) are never within a minute of each other.
fn clock(ts: &str) -> Option<(String, u32)> {
    let (secs, at) = hms(ts)?;
    Some((format!("{}|{}", &ts[..at.start], &ts[at.end..]), secs))
}

/// The first `HH:MM:SS` (with any fraction) in a timestamp as seconds into the day, and where
/// it is.
fn hms(ts: &str) -> Option<(u32, std::ops::Range<usize>)> {
    static HMS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?").unwrap());
    let c = HMS.captures(ts.as_bytes())?;
    let n = |i: usize| -> Option<u32> { std::str::from_utf8(&c[i]).ok()?.parse().ok() };
    Some((n(1)? * 3600 + n(2)? * 60 + n(3)?, c.get(0)?.range()))
}

/// Seconds into the day of the first `HH:MM:SS` in `ts` (a klog header's `0416 22:26:30`, a
/// syslog time): the rules' `clock_seconds` filter.
pub fn seconds_of_day(ts: &str) -> Option<u32> {
    hms(ts).map(|h| h.0)
}

/// The most of `lines` whose own timestamps fall within one minute (60 s) of each other; lines
/// without a timestamp are not counted. With only some of a match's lines kept (the first and
/// the last ones), it is a lower bound.
pub fn busiest_minute<'a>(lines: impl IntoIterator<Item = &'a str>) -> usize {
    let times: Vec<(String, u32)> = lines
        .into_iter()
        .filter_map(|l| clock(&line_timestamp(l)?))
        .collect();
    times
        .iter()
        .map(|(day, t)| {
            times
                .iter()
                .filter(|(d, u)| d == day && *u >= *t && *u - *t < 60)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rancher/rancher#19136 (dev): five etcd "apply entries took too long" lines within six
    /// seconds; testdata/rules/etcd-slow-requests/neg-few-fast: two lines 84 minutes apart; an
    /// etcd 3.4 zap JSON line (etcd-io/etcd#12094, dev) has its time in "ts".
    #[test]
    fn the_busiest_minute_of_some_lines() {
        let t = crate::input::corpus_snippet("etcd-slow-requests__rancher-rancher-19136.txt");
        let hits: Vec<&str> = t.lines().filter(|l| l.contains("took too long")).collect();
        assert_eq!(hits.len(), 5);
        assert_eq!(busiest_minute(hits.iter().copied()), 5);
        let few = [
            r#"Nov 21 17:38:01 node01 etcd: read-only range request "key:\"/registry/leases/kube-node-lease/node01\" " took too long (118.204331ms) to execute"#,
            r#"Nov 21 19:02:44 node01 etcd: read-only range request "key:\"/registry/services/endpoints/default/kubernetes\" " took too long (131.077519ms) to execute"#,
        ];
        assert_eq!(busiest_minute(few), 1);
        // one minute apart on two days is not within a minute
        assert_eq!(
            busiest_minute(["Nov 21 10:00:00 a", "Nov 22 10:00:30 b"]),
            1
        );
        assert_eq!(busiest_minute(["no time here"]), 0);
        assert_eq!(seconds_of_day("0416 22:26:30"), Some(80790));
        assert_eq!(seconds_of_day("Apr 16"), None);
        let zap = r#"{"level":"warn","ts":"2020-06-30T01:18:21.061Z","caller":"etcdserver/util.go:144","msg":"apply request took too long"}"#;
        assert_eq!(
            line_timestamp(zap).as_deref(),
            Some("2020-06-30T01:18:21.061Z")
        );
    }

    fn collected() -> Option<i64> {
        time::parse_rfc3339("2026-11-22T08:30:00Z")
    }

    #[test]
    fn short_iso_with_klog() {
        let l = parse_line("2026-11-22T08:01:02+0800 node01 kubelet[1234]: E1122 08:01:02.123456    1234 kubelet.go:1234] msg here", None).unwrap();
        assert_eq!(l.host, Some("node01"));
        assert_eq!(l.unit, Some("kubelet"));
        assert_eq!(l.pid, Some(1234));
        assert_eq!(l.severity, Some('E'));
        assert_eq!(l.source, Some("kubelet.go:1234"));
        assert_eq!(l.message, "msg here");
        assert_eq!(l.time.as_deref(), Some("2026-11-22T00:01:02Z"));
    }

    #[test]
    fn short_form_takes_the_year_from_the_reference() {
        let l = parse_line(
            "Nov 22 08:01:02 node01 kubelet[1234]: I1122 08:01:02.1 1234 a.go:1] ok",
            collected(),
        )
        .unwrap();
        assert_eq!(l.time.as_deref(), Some("2026-11-22T08:01:02Z"));
        // A December line read in a bundle collected in November is last year's.
        let l = parse_line("Dec 30 23:59:59 node01 kubelet[1]: x", collected()).unwrap();
        assert_eq!(l.time.as_deref(), Some("2025-12-30T23:59:59Z"));
        let l = parse_line("Nov 22 08:01:02 node01 kubelet[1234]: plain", None).unwrap();
        assert_eq!((l.ts, l.message), (None, "plain"));
    }

    #[test]
    fn knowledge_samples() {
        // zh_CN locale journal (knowledge/001).
        let l = parse_line("12月 22 17:53:24 kubernetes kubelet[290264]: E1222 17:53:24.370155  290264 kuberuntime_manager.go:818] container start failed: RunContainerError", collected()).unwrap();
        assert_eq!(
            (l.host, l.unit, l.pid),
            (Some("kubernetes"), Some("kubelet"), Some(290264))
        );
        assert_eq!(l.source, Some("kuberuntime_manager.go:818"));
        assert_eq!(l.time.as_deref(), Some("2025-12-22T17:53:24Z"));
        // /var/log/messages without a pid (knowledge/004).
        let l = parse_line("Jun  7 05:18:45 node5 kubelet: E0607 05:18:45.045376    1988 file.go:76] Unable to read manifest path \"/etc/kubernetes/manifests\": path does not exist, ignoring", collected()).unwrap();
        assert_eq!(
            (l.host, l.unit, l.pid),
            (Some("node5"), Some("kubelet"), Some(1988))
        );
        assert_eq!(l.severity, Some('E'));
        assert!(l.message.starts_with("Unable to read manifest path"));
        assert_eq!(l.time.as_deref(), Some("2026-06-07T05:18:45Z"));
        // dockerd logfmt (knowledge/000).
        let l = parse_line("May 13 16:54:26 8b26d7a8 dockerd[44352]: time=\"2021-05-13T16:54:26.565235530+08:00\" level=warning msg=\"failed to load plugin\"", collected()).unwrap();
        assert_eq!((l.unit, l.severity), (Some("dockerd"), Some('W')));
        assert_eq!(l.time.as_deref(), Some("2026-05-13T16:54:26Z"));
        // Bare klog (knowledge/000): no journal prefix.
        let l = parse_line("W0905 15:42:14.827372   23506 eviction_manager.go:142] Failed to admit pod x - node has conditions: [DiskPressure]", collected()).unwrap();
        assert_eq!((l.host, l.pid, l.severity), (None, Some(23506), Some('W')));
        assert_eq!(l.time.as_deref(), Some("2026-09-05T15:42:14Z"));
        // syslog without pid, not klog.
        let l = parse_line(
            "May 30 17:38:01 harbortest etcd: read-only range request took too long",
            collected(),
        )
        .unwrap();
        assert_eq!((l.unit, l.severity), (Some("etcd"), None));
    }

    #[test]
    fn dmesg_t() {
        let l = parse_line("[Sun Nov 22 08:01:02 2026] Memory cgroup out of memory: Kill process 1234 (java) score 1000 or sacrifice child", None).unwrap();
        assert_eq!(l.unit, Some("kernel"));
        assert_eq!(l.time.as_deref(), Some("2026-11-22T08:01:02Z"));
        assert!(l.message.starts_with("Memory cgroup out of memory"));
        assert!(parse_line("[ 1234.567890] eth0: link up", None).is_none());
    }

    #[test]
    fn non_log_lines() {
        assert!(parse_line(
            "-- Logs begin at Sun 2026-11-22 00:00:00 CST, end at Sun 2026-11-22 08:30:00 CST. --",
            None
        )
        .is_none());
        assert!(parse_line("-- No entries --", None).is_none());
        assert!(parse_line("", None).is_none());
        assert!(parse_line("E", None).is_none());
        assert!(parse_line("Nov", None).is_none());
        assert!(parse_line("2026-11-22T08:01:02+0800", None).is_none());
    }
}
