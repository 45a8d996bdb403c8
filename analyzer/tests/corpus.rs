//! The real-world corpus (testdata/real/): every row names a snippet that exists, every snippet
//! has a row, every expected id is a catalog id or NONE, and the split of every row is the one
//! its source fixes (testdata/real/README.md): a row can never move between halves.

mod common;

use std::collections::BTreeSet;

use common::root;
use sha2::{Digest, Sha256};

fn split_of(source: &str) -> &'static str {
    let h = Sha256::digest(source.as_bytes());
    let first = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
    if first % 2 == 1 {
        "test"
    } else {
        "dev"
    }
}

#[test]
fn the_index_matches_the_snippets_and_the_split_is_fixed_by_source() {
    let dir = root().join("testdata/real");
    let index = std::fs::read_to_string(dir.join("INDEX.tsv")).unwrap();
    let mut lines = index.lines();
    assert_eq!(
        lines.next(),
        Some("file\tsplit\tsource\tshape\texpected\treason")
    );
    let known: BTreeSet<String> = std::fs::read_to_string(root().join("testdata/catalog-ids.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut problems = Vec::new();
    let mut files = BTreeSet::new();
    let mut halves = [0usize; 2];
    for (n, line) in lines.enumerate() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, split, source, shape, expected, reason] = cols[..] else {
            problems.push(format!("INDEX.tsv:{}: {} columns", n + 2, cols.len()));
            continue;
        };
        if !dir.join("snippets").join(file).is_file() {
            problems.push(format!("{file}: no such snippet"));
        }
        if split != split_of(source) {
            problems.push(format!(
                "{file}: split {split}, but its source {source} fixes {}",
                split_of(source)
            ));
        }
        halves[(split == "test") as usize] += 1;
        if shape.is_empty() || reason.is_empty() {
            problems.push(format!("{file}: empty shape or reason"));
        }
        if expected == "NONE" {
            if !reason.starts_with("near ") {
                problems.push(format!(
                    "{file}: a negative's reason names the rule it could fool (`near <id>: ...`)"
                ));
            }
        } else {
            for id in expected.split(',').map(str::trim) {
                // ids of the field catalog that do not ship yet are reported apart by the scorer
                if !known.contains(id) && !id.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                    problems.push(format!("{file}: expected id `{id}` is not an id"));
                }
            }
        }
        files.insert(file.to_string());
    }
    for e in std::fs::read_dir(dir.join("snippets")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !files.contains(&name) {
            problems.push(format!("snippets/{name}: no row in INDEX.tsv"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        halves[0] > 0 && halves[1] > 0,
        "both halves hold rows: {halves:?}"
    );
}

#[test]
fn the_split_agrees_with_the_documented_python_one_liner() {
    // python3 -c 'import hashlib; print(hashlib.sha256(b"kubernetes/kubernetes#45419").hexdigest()[:8])'
    // prints 04d9b85c: even, so that thread is in the dev half.
    let h = Sha256::digest(b"kubernetes/kubernetes#45419");
    assert_eq!(
        format!("{:02x}{:02x}{:02x}{:02x}", h[0], h[1], h[2], h[3]),
        "04d9b85c"
    );
    assert_eq!(split_of("kubernetes/kubernetes#45419"), "dev");
}

/// The dev half scores at least as well as recorded in testdata/real/RESULTS.tsv (written by
/// `cargo xtask eval`): a row that was right, caught or clean never silently gets worse. A row
/// that gets better asks for the record to be rewritten, so the next regression is measured
/// against it.
#[test]
fn the_dev_half_does_not_score_worse_than_its_record() {
    use kdiag_analyzer::eval;
    let corpus = root().join("testdata/real");
    let rows: Vec<_> = eval::read_index(&corpus)
        .unwrap()
        .into_iter()
        .filter(|r| r.split == "dev")
        .collect();
    assert!(rows.len() > 200, "the dev half has {} rows", rows.len());
    let record = eval::read_results(
        &std::fs::read_to_string(corpus.join("RESULTS.tsv"))
            .expect("testdata/real/RESULTS.tsv: run `cargo xtask eval`"),
    );
    let scratch = tempfile::tempdir().unwrap();
    let scored = eval::score(&corpus, &rows, scratch.path(), None, None).unwrap();
    let (mut worse, mut better) = (Vec::new(), Vec::new());
    for s in &scored {
        let now = s.outcome();
        let Some(was) = record.get(&s.row.file) else {
            worse.push(format!("{}: no recorded result", s.row.file));
            continue;
        };
        if eval::rank(now) < eval::rank(was) {
            worse.push(format!(
                "{}: {was} -> {now} (fired: {:?}, expected: {:?})",
                s.row.file, s.fired, s.row.expected
            ));
        } else if eval::rank(now) > eval::rank(was) {
            better.push(format!("{}: {was} -> {now}", s.row.file));
        }
    }
    assert!(
        worse.is_empty(),
        "dev-half rows scored worse than testdata/real/RESULTS.tsv records:\n{}",
        worse.join("\n")
    );
    assert!(
        better.is_empty(),
        "dev-half rows scored better than recorded; run `cargo xtask eval` to record:\n{}",
        better.join("\n")
    );
}

/// docs/accuracy.md explains every test-half row that is not right or clean: testdata/real/MISSES.tsv
/// has an explanation for each such row of the record (RESULTS.tsv), and none for a row that is
/// right, clean or not in the test half (a stale explanation goes when its row is fixed).
#[test]
fn every_test_half_miss_is_explained() {
    use kdiag_analyzer::eval;
    let corpus = root().join("testdata/real");
    let record = std::fs::read_to_string(corpus.join("RESULTS.tsv")).unwrap();
    let why = eval::read_misses(&corpus).unwrap();
    let mut problems = Vec::new();
    let mut open = BTreeSet::new();
    for line in record.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let [file, split, outcome, ..] = c[..] else {
            continue;
        };
        if split == "test" && eval::needs_explanation(outcome) {
            open.insert(file.to_string());
            if !why.contains_key(file) {
                problems.push(format!("{file} ({outcome}): no explanation in MISSES.tsv"));
            }
        }
    }
    for file in why.keys() {
        if !open.contains(file) {
            problems.push(format!(
                "{file}: explained in MISSES.tsv, but it is no test-half miss in RESULTS.tsv"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
