//! The timeline's counts: warnings and errors per hour per source (kubelet, docker, containerd,
//! kernel), counted in one pass per log file with `units::logtime` (held files here, streamed
//! ones as they stream). `render::timeline` lays them out.

use std::collections::HashMap;

use crate::texts::node::Node;
use crate::units::logtime::{self as journal, civil_hour, dmesg_t};
use crate::units::time;

pub const SOURCES: [&str; 4] = ["kubelet", "docker", "containerd", "kernel"];

/// Counts per source and hour, before the window is known.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// (source index, hour since epoch) -> [warnings, errors]
    pub(crate) per_hour: HashMap<(usize, i64), [u32; 2]>,
    /// Files read per source.
    pub files: [Vec<String>; 4],
    /// Warning/error lines whose time could not be placed.
    pub untimed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Warning,
    Error,
}

fn source_of_unit(unit: &str) -> Option<usize> {
    match unit {
        "kubelet" => Some(0),
        "dockerd" | "docker" => Some(1),
        "containerd" => Some(2),
        "kernel" => Some(3),
        _ => None,
    }
}

/// The level of a kernel line: BUG/panic/error are errors, fail a warning.
fn kernel_level(msg: &str) -> Option<Level> {
    if msg.contains("BUG") {
        return Some(Level::Error);
    }
    let lower = msg.to_ascii_lowercase();
    if lower.contains("panic") || lower.contains("error") {
        Some(Level::Error)
    } else if lower.contains("fail") {
        Some(Level::Warning)
    } else {
        None
    }
}

fn level_of(src: usize, sev: Option<char>, msg: &str) -> Option<Level> {
    if src == 3 {
        return kernel_level(msg);
    }
    match sev {
        Some('W') => Some(Level::Warning),
        Some('E' | 'F') => Some(Level::Error),
        _ => None,
    }
}

impl Counts {
    /// One pass over each journal (and over /var/log/messages for the sources that have none).
    /// A file that was streamed ([`Node::streamed`]) was counted as it streamed: its counts are
    /// taken from there.
    pub fn of(node: &Node, reference: Option<i64>) -> Counts {
        let mut c = Counts::default();
        let per_file = |path: &str| -> Option<FileCounts> {
            let kind = log_kind(path)?;
            if let Some(bytes) = node.files.get(path) {
                let decoded = crate::texts::decode::gbk_as_utf8(bytes);
                let mut f = count_chunk(kind, decoded.as_deref().map_or(bytes, str::as_bytes));
                f.place(reference);
                return Some(f);
            }
            let mut f = node.streamed.get(path)?.timeline.clone()?;
            f.place(reference);
            Some(f)
        };
        let mut have = [false; 4];
        for (src, path) in JOURNALS.iter().enumerate() {
            let Some(f) = per_file(path) else {
                continue;
            };
            have[src] = true;
            c.files[src].push(path.to_string());
            c.absorb(&f, |_| true);
        }
        let wanted: Vec<usize> = (0..4).filter(|s| !have[*s]).collect();
        if !wanted.is_empty() {
            if let Some(f) = per_file(MESSAGES) {
                c.absorb(&f, |s| wanted.contains(&s));
                for s in wanted {
                    if f.seen[s] {
                        have[s] = true;
                        c.files[s].push(MESSAGES.into());
                    }
                }
            }
        }
        if !have[3] {
            if let Some(f) = per_file(DMESG) {
                c.files[3].push(DMESG.into());
                c.absorb(&f, |_| true);
            }
        }
        c
    }

    fn absorb(&mut self, f: &FileCounts, take: impl Fn(usize) -> bool) {
        for (&(src, hour), n) in &f.per_hour {
            if take(src) {
                let c = self.per_hour.entry((src, hour)).or_insert([0, 0]);
                c[0] += n[0];
                c[1] += n[1];
            }
        }
        for (src, n) in f.untimed.iter().enumerate() {
            if take(src) {
                self.untimed += n;
            }
        }
    }
}

const JOURNALS: [&str; 4] = [
    "node/journal/kubelet.log",
    "node/journal/docker.log",
    "node/journal/containerd.log",
    "node/journal/kernel.log",
];
const MESSAGES: &str = "node/logs/messages";
const DMESG: &str = "node/kernel/dmesg.txt";

/// How the timeline reads a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// One source's journal (index into [`SOURCES`]).
    Journal(usize),
    /// /var/log/messages: every source, by the line's unit.
    Messages,
    /// dmesg -T: the kernel.
    Dmesg,
}

/// The timeline's reading of a bundle path, if it reads it.
pub fn log_kind(path: &str) -> Option<LogKind> {
    if let Some(i) = JOURNALS.iter().position(|j| *j == path) {
        return Some(LogKind::Journal(i));
    }
    match path {
        MESSAGES => Some(LogKind::Messages),
        DMESG => Some(LogKind::Dmesg),
        _ => None,
    }
}

/// Counts of one file (or one chunk of it), before the reference time is known: lines whose
/// year comes from the reference (syslog `Nov 22 08:01:02`, bare klog) wait in `civil`.
#[derive(Debug, Clone, Default)]
pub struct FileCounts {
    per_hour: HashMap<(usize, i64), [u32; 2]>,
    /// (source, month, day, hour) -> [warnings, errors], placed by [`FileCounts::place`].
    civil: HashMap<(usize, u32, u32, u32), [u32; 2]>,
    untimed: [u64; 4],
    /// Sources that have a line here (for /var/log/messages).
    seen: [bool; 4],
}

impl FileCounts {
    pub fn merge(&mut self, o: FileCounts) {
        for (k, n) in o.per_hour {
            let c = self.per_hour.entry(k).or_insert([0, 0]);
            c[0] += n[0];
            c[1] += n[1];
        }
        for (k, n) in o.civil {
            let c = self.civil.entry(k).or_insert([0, 0]);
            c[0] += n[0];
            c[1] += n[1];
        }
        for i in 0..4 {
            self.untimed[i] += o.untimed[i];
            self.seen[i] |= o.seen[i];
        }
    }

    fn add(&mut self, src: usize, ts: Option<i64>, civil: Option<(u32, u32, u32)>, level: Level) {
        let e = (level == Level::Error) as usize;
        match (ts, civil) {
            (Some(ts), _) => {
                self.per_hour
                    .entry((src, ts.div_euclid(3600)))
                    .or_insert([0, 0])[e] += 1
            }
            (None, Some((mo, d, h))) => self.civil.entry((src, mo, d, h)).or_insert([0, 0])[e] += 1,
            (None, None) => self.untimed[src] += 1,
        }
    }

    /// Places the lines waiting for a year in the reference's year (one year back when that
    /// would put them more than two days after it, as `units::logtime` does, to the hour).
    fn place(&mut self, reference: Option<i64>) {
        for ((src, mo, d, h), n) in std::mem::take(&mut self.civil) {
            let ts = reference.and_then(|r| {
                let (ry, _, _) = time::civil_from_days(r.div_euclid(86400));
                let t = time::unix(ry, mo, d, h, 0, 0)?;
                if t > r + 2 * 86400 {
                    time::unix(ry - 1, mo, d, h, 0, 0)
                } else {
                    Some(t)
                }
            });
            match ts {
                Some(ts) => {
                    let c = self
                        .per_hour
                        .entry((src, ts.div_euclid(3600)))
                        .or_insert([0, 0]);
                    c[0] += n[0];
                    c[1] += n[1];
                }
                None => self.untimed[src] += (n[0] + n[1]) as u64,
            }
        }
    }
}

/// Counts the warning and error lines of `buf` (whole lines of a file of that kind).
pub fn count_chunk(kind: LogKind, buf: &[u8]) -> FileCounts {
    let mut c = FileCounts::default();
    let text = String::from_utf8_lossy(buf);
    for line in text.lines() {
        match kind {
            LogKind::Journal(_) | LogKind::Messages => {
                let Some(j) = journal::parse_line(line, None) else {
                    continue;
                };
                let src = match kind {
                    LogKind::Journal(src) => src,
                    _ => match j.unit.and_then(source_of_unit) {
                        Some(s) => s,
                        None => continue,
                    },
                };
                c.seen[src] = true;
                if let Some(l) = level_of(src, j.severity, j.message) {
                    let civil = if j.ts.is_none() {
                        civil_hour(line)
                    } else {
                        None
                    };
                    c.add(src, j.ts, civil, l);
                }
            }
            LogKind::Dmesg => {
                let (ts, msg) = match dmesg_t(line) {
                    Some((t, m)) => (Some(t), m),
                    None => (None, line),
                };
                if let Some(l) = kernel_level(msg) {
                    c.add(3, ts, None, l);
                }
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(
            kernel_level("BUG: soft lockup - CPU#3 stuck"),
            Some(Level::Error)
        );
        assert_eq!(
            kernel_level("SLUB: Unable to allocate memory on node -1 (fail)"),
            Some(Level::Warning)
        );
        assert_eq!(kernel_level("eth0: link up"), None);
        assert_eq!(level_of(0, Some('F'), ""), Some(Level::Error));
        assert_eq!(level_of(1, Some('I'), "error"), None);
    }

    #[test]
    fn dmesg_human_time() {
        let (t, m) = dmesg_t("[Sat Nov 21 10:15:02 2026] BUG: soft lockup").unwrap();
        assert_eq!(time::iso(t), "2026-11-21T10:15:02Z");
        assert_eq!(m, "BUG: soft lockup");
    }
}
