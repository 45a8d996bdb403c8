//! The timeline of the report: the counts of `texts::timeline` laid out per hour and source over
//! the collection window, with findings marked.

use serde::Serialize;

use crate::rules::{Finding, FindingKind};
use crate::texts::timeline::{Counts, SOURCES};
use crate::units::{logtime as journal, time};

/// At most this many columns; longer windows get buckets of several hours.
const MAX_BUCKETS: i64 = 96;
/// Findings marked on the timeline (one lane each).
const MAX_MARKERS: usize = 8;

/// The timeline of one node, laid out for an SVG of `WIDTH` x `height` user units.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub start: String,
    pub end: String,
    /// `manifest` (since..collected_at) or `logs` (span of the timestamps).
    pub window: &'static str,
    pub bucket_hours: i64,
    pub buckets: usize,
    pub width: f64,
    pub height: f64,
    /// x where the plot starts (labels on the left).
    pub plot_x: f64,
    pub plot_w: f64,
    pub rows: Vec<Row>,
    pub ticks: Vec<Tick>,
    pub markers: Vec<Marker>,
    /// y of the top of the marker lane and its height.
    pub marker_y: f64,
    pub total_warnings: u64,
    pub total_errors: u64,
    pub untimed: u64,
    /// Warning/error lines outside the window (not drawn).
    pub outside: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub source: &'static str,
    pub files: Vec<String>,
    pub y: f64,
    pub h: f64,
    pub max: u32,
    pub warnings: u64,
    pub errors: u64,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub x: f64,
    pub w: f64,
    /// Error part (bottom) and warning part (stacked on it).
    pub ey: f64,
    pub eh: f64,
    pub wy: f64,
    pub wh: f64,
    pub warnings: u32,
    pub errors: u32,
    /// Start of the bucket, `2026-11-21 10:00`.
    pub from: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Marker {
    /// Index of the finding in the report (its anchor `f-N`).
    pub index: usize,
    pub rule: String,
    pub severity: String,
    pub x: f64,
    pub w: f64,
    pub y: f64,
    pub first: String,
    pub last: String,
}

const WIDTH: f64 = 960.0;
const PLOT_X: f64 = 96.0;
const ROW_H: f64 = 44.0;
const ROW_GAP: f64 = 10.0;
const MARK_H: f64 = 12.0;
const TOP: f64 = 8.0;

fn label(ts: i64) -> String {
    let iso = time::iso(ts);
    // `2026-11-21T10:00:00Z` -> `2026-11-21 10:00`
    format!("{} {}", &iso[..10], &iso[11..16])
}

/// The time span of a finding's evidence (first line of the first file .. last line of the last).
pub fn finding_span(f: &Finding, reference: Option<i64>) -> Option<(i64, i64)> {
    let mut lo: Option<i64> = None;
    let mut hi: Option<i64> = None;
    for e in &f.evidence {
        let ts = |s: Option<&String>, line: Option<&str>| {
            line.and_then(|l| journal::parse_line(l, reference))
                .and_then(|j| j.ts)
                .or_else(|| s.and_then(|s| time::parse_rfc3339(s)))
        };
        if let Some(t) = ts(
            e.first_ts.as_ref(),
            e.lines.first().map(|l| l.text.as_str()),
        ) {
            lo = Some(lo.map_or(t, |v| v.min(t)));
            hi = Some(hi.map_or(t, |v| v.max(t)));
        }
        if let Some(t) = ts(e.last_ts.as_ref(), e.lines.last().map(|l| l.text.as_str())) {
            lo = Some(lo.map_or(t, |v| v.min(t)));
            hi = Some(hi.map_or(t, |v| v.max(t)));
        }
    }
    Some((lo?, hi?))
}

impl Timeline {
    /// Lays out the counts over the window; `findings` are (report index, finding) of this node.
    /// `None` when no log was read and no window is known.
    pub fn layout(
        counts: &Counts,
        window: Option<(i64, i64)>,
        reference: Option<i64>,
        findings: &[(usize, &Finding)],
    ) -> Option<Timeline> {
        if counts.files.iter().all(|f| f.is_empty()) {
            return None;
        }
        let (start, end, kind) = match window {
            Some((s, e)) if e > s => (s, e, "manifest"),
            _ => {
                let hours = counts.per_hour.keys().map(|k| k.1);
                let lo = hours.clone().min()?;
                let hi = hours.max()?;
                (lo * 3600, (hi + 1) * 3600, "logs")
            }
        };
        let first_hour = start.div_euclid(3600);
        let last_hour = (end - 1).div_euclid(3600);
        let hours = last_hour - first_hour + 1;
        let bucket_hours = ((hours + MAX_BUCKETS - 1) / MAX_BUCKETS).max(1);
        let buckets = ((hours + bucket_hours - 1) / bucket_hours) as usize;
        let plot_w = WIDTH - PLOT_X - 8.0;
        let bw = plot_w / buckets as f64;
        let span_s = (buckets as i64 * bucket_hours * 3600) as f64;
        let x_of = |t: i64| PLOT_X + ((t - first_hour * 3600) as f64 / span_s * plot_w);

        let mut grid = vec![vec![[0u32; 2]; buckets]; 4];
        let mut outside = 0u64;
        for (&(src, hour), c) in &counts.per_hour {
            let b = (hour - first_hour).div_euclid(bucket_hours);
            if b < 0 || b as usize >= buckets {
                outside += u64::from(c[0]) + u64::from(c[1]);
                continue;
            }
            let cell = &mut grid[src][b as usize];
            cell[0] += c[0];
            cell[1] += c[1];
        }
        let spans: Vec<(usize, &Finding, i64, i64)> = findings
            .iter()
            .filter(|(_, f)| f.kind == FindingKind::Finding)
            .filter_map(|(i, f)| {
                let (lo, hi) = finding_span(f, reference)?;
                Some((*i, *f, lo, hi))
            })
            .take(MAX_MARKERS)
            .collect();
        let marker_y = TOP;
        let rows_top = TOP + spans.len() as f64 * (MARK_H + 2.0) + 6.0;
        let mut rows = Vec::new();
        let (mut tw, mut te) = (0u64, 0u64);
        for (src, name) in SOURCES.iter().enumerate() {
            let y = rows_top + rows.len() as f64 * (ROW_H + ROW_GAP);
            let max = grid[src].iter().map(|c| c[0] + c[1]).max().unwrap_or(0);
            let mut bars = Vec::new();
            let (mut w, mut e) = (0u64, 0u64);
            for (i, c) in grid[src].iter().enumerate() {
                w += u64::from(c[0]);
                e += u64::from(c[1]);
                if c[0] + c[1] == 0 {
                    continue;
                }
                // sqrt scale: one error next to a storm of 10 000 stays visible.
                let scale = |n: u32| {
                    if max == 0 {
                        0.0
                    } else {
                        ((n as f64).sqrt() / (max as f64).sqrt() * (ROW_H - 2.0)).max(2.0)
                    }
                };
                let total_h = scale(c[0] + c[1]);
                let eh = if c[1] == 0 {
                    0.0
                } else {
                    (total_h * c[1] as f64 / (c[0] + c[1]) as f64).max(1.5)
                };
                let wh = total_h - eh;
                let base = y + ROW_H;
                bars.push(Bar {
                    x: round(PLOT_X + i as f64 * bw + 0.5),
                    w: round((bw - 1.0).max(1.0)),
                    ey: round(base - eh),
                    eh: round(eh),
                    wy: round(base - eh - wh),
                    wh: round(wh),
                    warnings: c[0],
                    errors: c[1],
                    from: label((first_hour + i as i64 * bucket_hours) * 3600),
                });
            }
            tw += w;
            te += e;
            rows.push(Row {
                source: name,
                files: counts.files[src].clone(),
                y: round(y),
                h: ROW_H,
                max,
                warnings: w,
                errors: e,
                bars,
            });
        }
        let height = rows_top + 4.0 * (ROW_H + ROW_GAP) + 18.0;
        let tick_every = (buckets / 6).max(1);
        let mut ticks: Vec<Tick> = Vec::new();
        let mut last_day = String::new();
        for i in (0..=buckets).step_by(tick_every) {
            // The last tick only when it does not crowd the one before.
            if i == buckets && i % tick_every != 0 && (i % tick_every) * 10 < tick_every * 6 {
                continue;
            }
            let t = (first_hour + i as i64 * bucket_hours) * 3600;
            let iso = time::iso(t);
            let day = iso[5..10].to_string();
            let label = if day != last_day {
                format!("{day} {}", &iso[11..16])
            } else {
                iso[11..16].to_string()
            };
            last_day = day;
            ticks.push(Tick {
                x: round(PLOT_X + i as f64 * bw),
                label,
            });
        }
        let plot_end = PLOT_X + plot_w;
        let markers = spans
            .into_iter()
            .enumerate()
            .map(|(lane, (i, f, lo, hi))| {
                let x1 = x_of(lo).clamp(PLOT_X, plot_end);
                let x2 = x_of(hi).clamp(PLOT_X, plot_end);
                Marker {
                    index: i,
                    rule: f.rule.clone(),
                    severity: f.severity.as_str().to_string(),
                    x: round(x1.min(plot_end - 3.0)),
                    w: round((x2 - x1).max(3.0)),
                    y: round(marker_y + lane as f64 * (MARK_H + 2.0)),
                    first: label(lo),
                    last: label(hi),
                }
            })
            .collect();
        Some(Timeline {
            start: label(start),
            end: label(end),
            window: kind,
            bucket_hours,
            buckets,
            width: WIDTH,
            height: round(height),
            plot_x: PLOT_X,
            plot_w: round(plot_w),
            rows,
            ticks,
            markers,
            marker_y,
            total_warnings: tw,
            total_errors: te,
            untimed: counts.untimed,
            outside,
        })
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::Node;

    #[test]
    fn counts_one_pass_and_layout() {
        let mut node = Node::default();
        node.files.insert(
            "node/journal/kubelet.log".into(),
            b"2026-11-21T10:15:02+0000 n kubelet[1]: E1121 10:15:02.1 1 a.go:1] boom\n\
2026-11-21T10:20:02+0000 n kubelet[1]: W1121 10:20:02.1 1 a.go:1] hm\n\
2026-11-21T12:20:02+0000 n kubelet[1]: I1121 12:20:02.1 1 a.go:1] fine\n"
                .to_vec(),
        );
        node.files.insert(
            "node/logs/messages".into(),
            b"Nov 21 11:00:00 n dockerd[2]: time=\"2026-11-21T11:00:00Z\" level=error msg=\"x\"\n\
Nov 21 11:00:01 n kubelet[1]: E1121 11:00:01.1 1 a.go:1] counted from the journal only\n"
                .to_vec(),
        );
        let reference = time::parse_rfc3339("2026-11-22T00:00:00Z");
        let c = Counts::of(&node, reference);
        assert_eq!(c.files[0], vec!["node/journal/kubelet.log".to_string()]);
        assert_eq!(c.files[1], vec!["node/logs/messages".to_string()]);
        let t = Timeline::layout(
            &c,
            Some((
                time::parse_rfc3339("2026-11-21T09:30:00Z").unwrap(),
                reference.unwrap(),
            )),
            reference,
            &[],
        )
        .unwrap();
        assert_eq!(t.window, "manifest");
        assert_eq!(t.buckets, 15);
        assert_eq!((t.rows[0].warnings, t.rows[0].errors), (1, 1));
        assert_eq!((t.rows[1].warnings, t.rows[1].errors), (0, 1));
        assert_eq!(t.rows[0].bars.len(), 1);
        assert_eq!(t.rows[0].bars[0].from, "2026-11-21 10:00");
    }
}
