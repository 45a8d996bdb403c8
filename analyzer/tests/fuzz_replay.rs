//! Replays every fuzz corpus and crash input (testdata/fuzz/<target>/) through the same entry
//! points the cargo-fuzz targets run (fuzz/entry.rs, included below), as an ordinary test: CI
//! does not run the fuzzer, but every input it ever kept or crashed on stays a regression test.

#[path = "../../fuzz/entry.rs"]
mod entry;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/fuzz")
        .join(target);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no corpus in {}", dir.display());
    v
}

fn replay(target: &str, f: fn(&[u8])) {
    let files = inputs(target);
    for p in &files {
        let data = std::fs::read(p).unwrap();
        let r = std::panic::catch_unwind(|| f(&data));
        assert!(r.is_ok(), "{target}: {} panics", p.display());
    }
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn archive_corpus() {
    // Scratch files of the archive entry go to a temp dir of this test.
    let tmp = tempfile::tempdir().unwrap();
    std::env::set_var("KDIAG_FUZZ_TMP", tmp.path());
    replay("archive", entry::archive);
}

#[test]
fn journal_corpus() {
    replay("journal", entry::journal);
}

#[test]
fn kubectl_json_corpus() {
    replay("kubectl_json", entry::kubectl_json);
}

#[test]
fn rules_corpus() {
    replay("rules", entry::rules);
}

#[test]
fn redact_corpus() {
    replay("redact", entry::redact);
}
