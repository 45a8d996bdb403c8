//! The fuzz entry points, shared by the cargo-fuzz targets (fuzz/fuzz_targets/*.rs) and by the
//! corpus replay test (analyzer/tests/fuzz_replay.rs includes this file with `#[path]`), so CI
//! runs every corpus and crash input through exactly the code the fuzzer ran.
//!
//! Each function must never panic, whatever the bytes; a panic is a bug.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use kdiag_analyzer::input::{decode_text, lines, read_input, sniff_text, Limits};
use kdiag_analyzer::parse::kubectl;
use kdiag_analyzer::rules::load::{lint, parse_rule};
use kdiag_analyzer::units::logtime as journal;

/// Small bounds so one input cannot make the fuzzer run out of memory or time.
pub fn fuzz_limits() -> Limits {
    Limits {
        max_total_bytes: 8 << 20,
        max_file_bytes: 1 << 20,
        max_line_bytes: 4 << 10,
        ratio_floor_bytes: 1 << 20,
        ..Limits::default()
    }
}

fn scratch_path() -> PathBuf {
    let dir = std::env::var_os("KDIAG_FUZZ_TMP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let shm = PathBuf::from("/dev/shm");
            if shm.is_dir() {
                shm
            } else {
                std::env::temp_dir()
            }
        });
    let tid = format!("{:?}", std::thread::current().id())
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    dir.join(format!("kdiag-fuzz-{}-{tid}.bin", std::process::id()))
}

/// The archive reader: `read_input` reads from a path, so the bytes go to a scratch file first
/// (sniffing picks gzip/tar/zip/text from the content). Then what `analyze` does with a node's
/// files: decode, split into capped lines, sniff.
pub fn archive(data: &[u8]) {
    let p = scratch_path();
    {
        let mut f = std::fs::File::create(&p).expect("scratch file");
        f.write_all(data).expect("scratch write");
    }
    let limits = fuzz_limits();
    let r = read_input(&p, &limits);
    let _ = std::fs::remove_file(&p);
    if let Ok(node) = r {
        for (key, bytes) in &node.files {
            assert!(!key.starts_with('/'), "absolute key {key}");
            assert!(
                !key.split('/').any(|c| c == ".." || c.is_empty()),
                "unclean key {key}"
            );
            assert!(
                bytes.len() as u64 <= limits.max_file_bytes,
                "{key} over the cap"
            );
            for l in lines(bytes, limits.max_line_bytes) {
                assert!(l.bytes.len() <= limits.max_line_bytes);
            }
            let _ = sniff_text(&decode_text(&bytes[..bytes.len().min(4096)]));
        }
    }
}

/// The journal/syslog line parser with its klog and logfmt headers.
pub fn journal(data: &[u8]) {
    let text = decode_text(data);
    for line in text.lines() {
        if let Some(j) = journal::parse_line(line, Some(1_795_336_200)) {
            let _ = journal::klog(j.message);
        }
        let _ = journal::parse_line(line, None);
        let _ = journal::klog(line);
    }
}

/// kubectl output: `-o json` lists (or kubectl's error text where the JSON should be),
/// `version -o json`, `get` tables, `describe`.
pub fn kubectl_json(data: &[u8]) {
    let text = decode_text(data);
    match kubectl::json_list(&text) {
        Ok(_) => {}
        Err(why) => assert!(!why.is_empty()),
    }
    let _ = kubectl::version(&text);
    if let Some(t) = kubectl::get_table(&text) {
        let _ = t.col("STATUS");
    }
    let _ = kubectl::describe_events(&text);
    let _ = kubectl::describe_fields(&text);
}

/// The rule loader: parse one rule file, and lint it (regexes and expressions compiled).
pub fn rules(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rule) = parse_rule(text) {
        let name = format!("{}.yaml", rule.id);
        let _ = lint(&[(name, text.to_string())], &BTreeSet::new(), true);
    } else {
        let _ = lint(
            &[("x.yaml".into(), text.to_string())],
            &BTreeSet::new(),
            true,
        );
    }
}

/// The redactor and the secret scanner: redaction is idempotent and leaves nothing the scanner
/// would still flag.
pub fn redact(data: &[u8]) {
    use kdiag_bundle::redact::{scan_text, Redactor};
    let mut r = Redactor::new();
    let mut once = Vec::new();
    for line in data.split_inclusive(|&b| b == b'\n') {
        r.redact_line(line, &mut once);
    }
    let found = scan_text(data);
    assert_eq!(found.len() as u64, r.count(), "scan and redact disagree");
    let mut r2 = Redactor::new();
    let mut twice = Vec::new();
    for line in once.split_inclusive(|&b| b == b'\n') {
        r2.redact_line(line, &mut twice);
    }
    assert_eq!(r2.count(), 0, "redacted output still has secrets");
    assert_eq!(once, twice, "redaction is not idempotent");
}
