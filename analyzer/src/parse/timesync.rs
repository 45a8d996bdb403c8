//! node/host/time.txt: `timedatectl`, `chronyc tracking` or `ntpstat` output, whichever exist.

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

#[cfg(test)]
mod tests {
    use super::*;

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
