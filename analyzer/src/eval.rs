//! The accuracy of the diagnosis on the real-world corpus (testdata/real/): every snippet is
//! analyzed as a customer's pasted file would be, and the findings are scored against the row's
//! expected rule ids. `cargo xtask eval` prints the scores and writes docs/accuracy.md and
//! testdata/real/RESULTS.tsv; tests/corpus.rs fails when a dev-half row scores worse than its
//! recorded result.
//!
//! Definitions (docs/accuracy.md repeats them):
//! - an *alarm* is a finding (not a not-collected note) of severity warning or critical;
//! - a positive row's expected id is *found* when a finding of that rule (any severity) is there;
//!   *recall* counts (row, expected id) pairs, a row is *caught* when every expected id that ships
//!   is found;
//! - the *top* of a row is its first alarm in report order; it is *right* when it is one of the
//!   row's expected ids;
//! - a negative row has a *false alarm* when it has any alarm;
//! - expected ids that no shipped rule has yet are counted apart (`pending`), not as misses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::pipeline::{Case, Loaded, Options};
use crate::rules::{FindingKind, Lang, Severity};

pub mod reshape;
use reshape::Reshape;

/// One row of testdata/real/INDEX.tsv.
#[derive(Debug, Clone)]
pub struct Row {
    pub file: String,
    pub split: String,
    pub source: String,
    pub shape: String,
    /// Expected ids, main first; empty for a negative (`NONE`).
    pub expected: Vec<String>,
    pub reason: String,
}

impl Row {
    pub fn is_negative(&self) -> bool {
        self.expected.is_empty()
    }
}

/// Reads INDEX.tsv of the corpus folder.
pub fn read_index(corpus: &Path) -> Result<Vec<Row>, String> {
    let p = corpus.join("INDEX.tsv");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, split, source, shape, expected, reason] = cols[..] else {
            return Err(format!(
                "{}:{}: {} columns, want 6",
                p.display(),
                n + 1,
                cols.len()
            ));
        };
        let expected = if expected == "NONE" {
            Vec::new()
        } else {
            expected.split(',').map(|s| s.trim().to_string()).collect()
        };
        rows.push(Row {
            file: file.into(),
            split: split.into(),
            source: source.into(),
            shape: shape.into(),
            expected,
            reason: reason.into(),
        });
    }
    Ok(rows)
}

/// How one row scored.
#[derive(Debug, Clone)]
pub struct Scored {
    pub row: Row,
    /// Rules that fired (any severity), in report order.
    pub fired: Vec<String>,
    /// Rules that fired at warning or critical, in report order.
    pub alarms: Vec<String>,
    /// Expected ids that ship and were found / missed; expected ids that do not ship yet.
    pub found: Vec<String>,
    pub missed: Vec<String>,
    pub pending: Vec<String>,
}

impl Scored {
    /// The one-word result recorded in RESULTS.tsv, best first: a negative is `clean` or
    /// `false-alarm`; a positive is `right` (caught, top alarm expected), `caught` (every expected
    /// id found, but another alarm comes first), `partial`, `missed`, or `pending` (no expected
    /// id ships yet).
    pub fn outcome(&self) -> &'static str {
        if self.row.is_negative() {
            return if self.alarms.is_empty() {
                "clean"
            } else {
                "false-alarm"
            };
        }
        if self.found.is_empty() && self.missed.is_empty() {
            return "pending";
        }
        if self.missed.is_empty() {
            if self.top_right() {
                "right"
            } else {
                "caught"
            }
        } else if self.found.is_empty() {
            "missed"
        } else {
            "partial"
        }
    }

    /// The first alarm is one of the expected ids.
    pub fn top_right(&self) -> bool {
        self.alarms
            .first()
            .is_some_and(|t| self.row.expected.contains(t))
    }
}

/// Rank of an outcome (higher is better), for "did this row get worse".
pub fn rank(outcome: &str) -> u8 {
    match outcome {
        "right" | "clean" => 4,
        "caught" => 3,
        "partial" => 2,
        "pending" => 1,
        _ => 0,
    }
}

/// Analyzes every row, in parallel, with the rules loaded once (`rules`: a folder of rules added
/// to or overriding the embedded ones, as `analyze --rules`). Each snippet is copied to a neutral
/// name (`snippet.<ext>`) in its own folder under `scratch`, so its corpus file name (which names
/// the expected rule) can never help; `reshape` rewrites it on the way (eval/reshape.rs).
pub fn score(
    corpus: &Path,
    rows: &[Row],
    scratch: &Path,
    rules: Option<&Path>,
    reshape: Option<Reshape>,
) -> Result<Vec<Scored>, String> {
    let loaded = Loaded::new(rules, Lang::En);
    if let Some(w) = loaded.warnings.first() {
        return Err(format!("rules: {w}"));
    }
    let shipped: BTreeSet<String> = loaded.engine.rules().map(|r| r.id.clone()).collect();
    std::fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    rows.par_iter()
        .enumerate()
        .map(|(i, row)| {
            let dir = scratch.join(format!("{i:04}"));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let ext = Path::new(&row.file)
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default();
            let path: PathBuf = dir.join(format!("snippet{ext}"));
            let text = std::fs::read(corpus.join("snippets").join(&row.file))
                .map_err(|e| format!("{}: {e}", row.file))?;
            let text = match reshape {
                Some(r) => r.apply(&text),
                None => text,
            };
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            let case = Case::analyze_with(&loaded, &Options::new(vec![path], Lang::En));
            let _ = std::fs::remove_dir_all(&dir);
            Ok(scored(row.clone(), &case, &shipped))
        })
        .collect()
}

fn scored(row: Row, case: &Case, shipped: &BTreeSet<String>) -> Scored {
    let findings = case
        .document
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Finding);
    let mut fired = Vec::new();
    let mut alarms = Vec::new();
    for f in findings {
        if !fired.contains(&f.rule) {
            fired.push(f.rule.clone());
        }
        if f.severity >= Severity::Warning && !alarms.contains(&f.rule) {
            alarms.push(f.rule.clone());
        }
    }
    let (mut found, mut missed, mut pending) = (Vec::new(), Vec::new(), Vec::new());
    for id in &row.expected {
        if !shipped.contains(id) {
            pending.push(id.clone());
        } else if fired.contains(id) {
            found.push(id.clone());
        } else {
            missed.push(id.clone());
        }
    }
    Scored {
        row,
        fired,
        alarms,
        found,
        missed,
        pending,
    }
}

/// The figures of one half (or of any set of rows).
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub positives: usize,
    pub negatives: usize,
    /// (row, expected id) pairs that ship, and those found.
    pub pairs: usize,
    pub pairs_found: usize,
    pub rows_caught: usize,
    /// Positive rows with at least one shipped expected id.
    pub rows_scored: usize,
    pub top_right: usize,
    pub false_alarms: usize,
    pub pending_rows: usize,
}

impl Figures {
    pub fn of<'a>(scored: impl IntoIterator<Item = &'a Scored>) -> Figures {
        let mut f = Figures::default();
        for s in scored {
            if s.row.is_negative() {
                f.negatives += 1;
                f.false_alarms += usize::from(!s.alarms.is_empty());
                continue;
            }
            f.positives += 1;
            f.pairs += s.found.len() + s.missed.len();
            f.pairs_found += s.found.len();
            if s.found.is_empty() && s.missed.is_empty() {
                f.pending_rows += 1;
                continue;
            }
            f.rows_scored += 1;
            f.rows_caught += usize::from(s.missed.is_empty());
            f.top_right += usize::from(s.top_right());
        }
        f
    }

    pub fn recall(&self) -> f64 {
        pct(self.pairs_found, self.pairs)
    }
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

/// RESULTS.tsv: one line per row (`file`, `split`, `outcome`, `found`, `missed`, `alarms`).
pub fn results_tsv(scored: &[Scored]) -> String {
    let mut out = String::from("file\tsplit\toutcome\tfound\tmissed\talarms\n");
    for s in scored {
        let _ = writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}",
            s.row.file,
            s.row.split,
            s.outcome(),
            list(&s.found),
            list(&s.missed),
            list(&s.alarms)
        );
    }
    out
}

/// Reads RESULTS.tsv back: file -> outcome.
pub fn read_results(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut c = l.split('\t');
            Some((c.next()?.to_string(), c.nth(1)?.to_string()))
        })
        .collect()
}

/// Reads testdata/real/MISSES.tsv (`file`, `why`): the hand-written explanation of each test-half
/// row that is not right or clean, written after the fact from the eval's outcome and the row's
/// shape (read for the reader gaps and too narrow signals it names, which are then generalized;
/// never a pattern copied from the row). Missing file: no explanations.
pub fn read_misses(corpus: &Path) -> Result<BTreeMap<String, String>, String> {
    let p = corpus.join("MISSES.tsv");
    let text = match std::fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("{}: {e}", p.display())),
    };
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let Some((file, why)) = line.split_once('\t') else {
            return Err(format!("{}:{}: want `file<TAB>why`", p.display(), n + 1));
        };
        if why.trim().is_empty()
            || out
                .insert(file.to_string(), why.trim().to_string())
                .is_some()
        {
            return Err(format!(
                "{}:{}: {file}: empty or repeated explanation",
                p.display(),
                n + 1
            ));
        }
    }
    Ok(out)
}

/// A recorded outcome that docs/accuracy.md lists among the misses (and MISSES.tsv must explain
/// for the test half).
pub fn needs_explanation(outcome: &str) -> bool {
    matches!(outcome, "missed" | "partial" | "caught" | "false-alarm")
}

fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        "-".into()
    } else {
        ids.join(",")
    }
}

/// docs/accuracy.md: both halves, per rule, per shape, and every test-half miss and false alarm,
/// each test-half one with its explanation from `why` (MISSES.tsv; "not explained yet" without one).
pub fn accuracy_md(scored: &[Scored], command: &str, why: &BTreeMap<String, String>) -> String {
    let dev: Vec<&Scored> = scored.iter().filter(|s| s.row.split == "dev").collect();
    let test: Vec<&Scored> = scored.iter().filter(|s| s.row.split == "test").collect();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Accuracy on the real-world corpus\n\n\
         Generated by `{command}` (do not edit): every snippet of testdata/real/ is analyzed as a \
         pasted file, under a neutral file name, and scored against its row of INDEX.tsv. The \
         `dev` half is the one rules are tuned on; the `test` half is held out and only measured \
         (testdata/real/README.md). Per-row outcomes: testdata/real/RESULTS.tsv. Every test-half \
         miss, wrong top and false alarm below says why it is missed (testdata/real/MISSES.tsv, \
         written from the outcome and the row's shape after the eval; a miss is fixed only by \
         generalizing what it names, never by a pattern copied from the row).\n\n\
         - **alarm**: a finding of severity warning or critical.\n\
         - **recall**: expected (row, rule) pairs whose rule fired, at any severity.\n\
         - **caught**: positive rows where every expected rule fired.\n\
         - **top right**: positive rows whose first alarm, in report order, is an expected rule.\n\
         - **false alarm**: a negative row with any alarm.\n\
         - **pending**: rows whose expected rules do not ship yet; not counted as misses.\n"
    );
    let _ = writeln!(
        md,
        "| half | positives | recall | caught | top right | negatives | false alarms | pending rows |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for (name, half) in [("dev", &dev), ("test (held out)", &test)] {
        let f = Figures::of(half.iter().copied());
        let _ = writeln!(
            md,
            "| {name} | {} | {:.1}% ({}/{}) | {}/{} | {}/{} ({:.1}%) | {} | {} | {} |",
            f.positives,
            f.recall(),
            f.pairs_found,
            f.pairs,
            f.rows_caught,
            f.rows_scored,
            f.top_right,
            f.rows_scored,
            pct(f.top_right, f.rows_scored),
            f.negatives,
            f.false_alarms,
            f.pending_rows
        );
    }
    for (name, half) in [("dev", &dev), ("test", &test)] {
        let (full, rules) = rules_fully_caught(half.iter().copied());
        let _ = writeln!(
            md,
            "\nRules fully caught, {name}: {full} of the {rules} with positives."
        );
    }
    md.push_str(
        "\n## Recall per rule\n\n| rule | dev | test | test misses |\n| --- | --- | --- | --- |\n",
    );
    let mut rules: BTreeSet<&str> = BTreeSet::new();
    for s in scored {
        rules.extend(s.row.expected.iter().map(String::as_str));
    }
    for id in rules {
        let cell = |half: &[&Scored]| -> (String, Vec<String>) {
            let (mut n, mut hit, mut pend, mut misses) = (0, 0, 0, Vec::new());
            for s in half
                .iter()
                .filter(|s| s.row.expected.iter().any(|e| e == id))
            {
                if s.pending.iter().any(|p| p == id) {
                    pend += 1;
                    continue;
                }
                n += 1;
                if s.found.iter().any(|f| f == id) {
                    hit += 1;
                } else {
                    misses.push(format!("`{}`", s.row.file));
                }
            }
            let text = match (n, pend) {
                (0, 0) => "-".to_string(),
                (0, p) => format!("{p} pending"),
                _ => format!("{hit}/{n}"),
            };
            (text, misses)
        };
        let (d, _) = cell(&dev);
        let (t, misses) = cell(&test);
        let _ = writeln!(md, "| {id} | {d} | {t} | {} |", misses.join(" "));
    }
    md.push_str("\n## Recall per shape\n\n| shape | dev | test |\n| --- | --- | --- |\n");
    let shapes: BTreeSet<&str> = scored.iter().map(|s| s.row.shape.as_str()).collect();
    for shape in shapes {
        let cell = |half: &[&Scored]| {
            let f = Figures::of(half.iter().copied().filter(|s| s.row.shape == shape));
            if f.pairs == 0 {
                "-".to_string()
            } else {
                format!("{}/{} ({:.0}%)", f.pairs_found, f.pairs, f.recall())
            }
        };
        let _ = writeln!(md, "| {shape} | {} | {} |", cell(&dev), cell(&test));
    }
    for (title, half) in [("Test half (held out)", &test), ("Dev half", &dev)] {
        let _ = writeln!(md, "\n## {title}: misses, wrong tops and false alarms\n");
        let mut any = false;
        for s in half.iter() {
            let line = match s.outcome() {
                "missed" | "partial" => format!(
                    "- missed {}: `{}` ({}, {}); fired: {}",
                    list(&s.missed),
                    s.row.file,
                    s.row.shape,
                    s.row.source,
                    list(&s.fired)
                ),
                "caught" => format!(
                    "- wrong top: `{}` ({}): first alarm {}, expected {}",
                    s.row.file,
                    s.row.shape,
                    s.alarms.first().map(String::as_str).unwrap_or("none"),
                    s.row.expected.join(",")
                ),
                "false-alarm" => format!(
                    "- false alarm: `{}` ({}): {} ({})",
                    s.row.file,
                    s.row.shape,
                    list(&s.alarms),
                    s.row.reason
                ),
                _ => continue,
            };
            any = true;
            if s.row.split == "test" {
                let w = why.get(&s.row.file).map_or(
                    "**not explained yet** (testdata/real/MISSES.tsv)",
                    String::as_str,
                );
                let _ = writeln!(md, "{line}\n  - why: {w}");
            } else {
                let _ = writeln!(md, "{line}");
            }
        }
        if half.is_empty() {
            md.push_str("Not scored in this run (`--half`).\n");
        } else if !any {
            md.push_str("None.\n");
        }
    }
    md
}

/// Rules with scored positives in `half`, and those of them that every such row found.
pub fn rules_fully_caught<'a>(half: impl IntoIterator<Item = &'a Scored>) -> (usize, usize) {
    let mut all: BTreeMap<&str, bool> = BTreeMap::new();
    for s in half {
        for id in &s.found {
            all.entry(id).or_insert(true);
        }
        for id in &s.missed {
            all.insert(id, false);
        }
    }
    (all.values().filter(|v| **v).count(), all.len())
}

/// The short terminal summary `cargo xtask eval` prints.
pub fn summary(scored: &[Scored]) -> String {
    let mut out = String::new();
    for half in ["dev", "test"] {
        let rows = || scored.iter().filter(|s| s.row.split == half);
        if rows().next().is_none() {
            continue;
        }
        let f = Figures::of(rows());
        let (full, rules) = rules_fully_caught(rows());
        let _ = writeln!(
            out,
            "{half:>4}: recall {:.1}% ({}/{} pairs), caught {}/{}, top right {}/{}, \
             false alarms {}/{} negatives, pending rows {}, rules fully caught {full}/{rules}",
            f.recall(),
            f.pairs_found,
            f.pairs,
            f.rows_caught,
            f.rows_scored,
            f.top_right,
            f.rows_scored,
            f.false_alarms,
            f.negatives,
            f.pending_rows
        );
    }
    out
}
