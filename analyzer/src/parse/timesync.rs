//! node/host/time.txt: `date -u`, then `timedatectl`, `chronyc tracking` or `ntpstat` output,
//! whichever exist.

use crate::units::{datecmd, time};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeSync {
    pub synchronized: bool,
    /// `timedatectl`, `chrony` or `ntpstat`
    pub source: &'static str,
    pub line: usize,
}

/// The first clear statement, timedatectl first.
pub fn time_sync(text: &str) -> Option<TimeSync> {
    let mut chrony = None;
    let mut ntpstat = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some((k, v)) = t.split_once(':') {
            let v = v.trim().to_ascii_lowercase();
            match k.trim() {
                "System clock synchronized" | "NTP synchronized" if v == "yes" || v == "no" => {
                    return Some(TimeSync {
                        synchronized: v == "yes",
                        source: "timedatectl",
                        line: i + 1,
                    });
                }
                "Leap status" if chrony.is_none() => {
                    chrony = Some(TimeSync {
                        synchronized: v == "normal"
                            || v.starts_with("insert")
                            || v.starts_with("delete"),
                        source: "chrony",
                        line: i + 1,
                    });
                }
                _ => {}
            }
        }
        if ntpstat.is_none() {
            if t.starts_with("synchronised to") || t.starts_with("synchronized to") {
                ntpstat = Some(TimeSync {
                    synchronized: true,
                    source: "ntpstat",
                    line: i + 1,
                });
            } else if t.starts_with("unsynchronised") || t.starts_with("unsynchronized") {
                ntpstat = Some(TimeSync {
                    synchronized: false,
                    source: "ntpstat",
                    line: i + 1,
                });
            }
        }
    }
    chrony.or(ntpstat)
}

/// The node's clock when it was collected, unix seconds, and its 1-based line: the `date -u`
/// line (`Sun Nov 22 08:30:00 UTC 2026`, C locale), or the line under a `### date ...` header
/// in any form `units::datecmd` reads (a `date` a paste showed: another locale, `-R`,
/// `--iso-8601`) when its zone names an instant (UTC, GMT or an offset; never an abbreviation
/// such as CST), else timedatectl's `Universal time: Sun 2026-11-22 08:30:00 UTC`.
pub fn clock_utc(text: &str) -> Option<(i64, usize)> {
    let mut universal = None;
    let mut after_date = false;
    for (i, line) in text.lines().enumerate() {
        let under_date = std::mem::replace(&mut after_date, is_date_header(line));
        if under_date {
            if let Some(t) = datecmd::parse(line).and_then(|d| d.utc()) {
                return Some((t, i + 1));
            }
        }
        let w: Vec<&str> = line.split_whitespace().collect();
        // date -u: `Sun Nov 22 08:30:00 UTC 2026` (day of week, month, day, time, zone, year).
        if w.len() == 6 && matches!(w[4], "UTC" | "GMT") && w[0].len() == 3 {
            let parsed = (|| {
                let mo = time::month(w[1])?;
                let d: u32 = w[2].parse().ok()?;
                let (h, mi, sec) = time::hms(w[3])?;
                let y: i64 = w[5].parse().ok()?;
                time::unix(y, mo, d, h, mi, sec)
            })();
            if let Some(t) = parsed {
                return Some((t, i + 1));
            }
        }
        if universal.is_none() {
            if let Some(v) = line.trim().strip_prefix("Universal time:") {
                // `Sun 2026-11-22 08:30:00 UTC`
                let w: Vec<&str> = v.split_whitespace().collect();
                if w.len() == 4 && w[3] == "UTC" {
                    if let Some(t) = time::parse_rfc3339(&format!("{}T{}Z", w[1], w[2])) {
                        universal = Some((t, i + 1));
                    }
                }
            }
        }
    }
    universal
}

/// `### date`, `### date -u`, `### date -R`: the header the collector (and a paste's `date`)
/// writes above the command's output.
fn is_date_header(line: &str) -> bool {
    line.strip_prefix("### ")
        .is_some_and(|c| c.split_whitespace().next() == Some("date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock() {
        let t = "### date -u\nSun Nov 22 08:30:00 UTC 2026\n(exit 0)\n\n### timedatectl\n  Universal time: Sun 2026-11-22 08:31:00 UTC\n";
        assert_eq!(clock_utc(t), Some((1795336200, 2)));
        let td = "      Local time: Sun 2026-11-22 16:31:00 CST\n  Universal time: Sun 2026-11-22 08:31:00 UTC\n";
        assert_eq!(clock_utc(td), Some((1795336260, 2)));
        // chronyc's reference time is not the clock.
        assert_eq!(
            clock_utc("Ref time (UTC)  : Sun Nov 22 08:28:41 2026\n"),
            None
        );
        assert_eq!(clock_utc("date: command not found\n"), None);
    }

    /// A `date` a paste showed (input::shapes writes it under `### date`): any locale, zone
    /// UTC/GMT or an offset; an abbreviation other than those gives no clock.
    #[test]
    fn pasted_date() {
        // openshift/installer#1494 (dev)
        let nl = "### date\nvr 29 mrt 2019  5:21:18 UTC\n";
        assert_eq!(clock_utc(nl), Some((1553836878, 2)));
        let r = "### date -R\nFri, 29 Mar 2019 13:21:18 +0800\n";
        assert_eq!(clock_utc(r), Some((1553836878, 2)));
        let zh = "### date\n2019年 03月 29日 星期五 05:21:18 CST\n";
        assert_eq!(clock_utc(zh), None);
        // not under a date header: only the C-locale `date -u` form is read there
        assert_eq!(clock_utc("vr 29 mrt 2019  5:21:18 UTC\n"), None);
    }

    #[test]
    fn sources() {
        let td = "      Local time: Sun 2026-11-22 16:30:00 CST\n  Universal time: Sun 2026-11-22 08:30:00 UTC\n        RTC time: Sun 2026-11-22 08:30:00\n       Time zone: Asia/Shanghai (CST, +0800)\nSystem clock synchronized: no\n              NTP service: active\n          RTC in local TZ: no\n";
        assert_eq!(
            time_sync(td),
            Some(TimeSync {
                synchronized: false,
                source: "timedatectl",
                line: 5
            })
        );
        assert!(
            time_sync(
                "     NTP synchronized: yes
"
            )
            .unwrap()
            .synchronized
        );
        let ch = "Reference ID    : 0A000001 (10.0.0.1)\nStratum         : 3\nLeap status     : Not synchronised\n";
        assert_eq!(
            time_sync(ch),
            Some(TimeSync {
                synchronized: false,
                source: "chrony",
                line: 3
            })
        );
        assert!(
            time_sync("Leap status     : Normal\n")
                .unwrap()
                .synchronized
        );
        let nt =
            "synchronised to NTP server (10.0.0.1) at stratum 3\n   time correct to within 42 ms\n";
        assert_eq!(time_sync(nt).unwrap().source, "ntpstat");
        assert!(
            !time_sync("unsynchronised\n  time server re-starting\n")
                .unwrap()
                .synchronized
        );
        assert_eq!(time_sync("Sun Nov 22 08:30:00 UTC 2026\n"), None);
    }
}
