//! Helpers shared by the analyzer's test binaries: the repository root, the `analyze` binary,
//! writing files of a bundle inline, and building (hostile) archives by hand.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flate2::write::GzEncoder;
use flate2::Compression;

/// The top folder of the hand-made bundles.
pub const TOP: &str = "kdiag-node01-20261122T083000Z";

/// The repository (workspace) root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs `analyze ARGS...` with no locale in the environment and NO_COLOR set.
pub fn analyze(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_analyze"))
        .args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("NO_COLOR", "1")
        .output()
        .expect("analyze runs")
}

/// Writes `data` to `root/rel`, creating the folders on the way; returns the file's path.
pub fn write(root: &Path, rel: &str, data: &(impl AsRef<[u8]> + ?Sized)) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data.as_ref()).unwrap();
    p
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Incompressible-ish text so a cut in the gzip lands inside an entry.
pub fn noisy(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.extend_from_slice(
            format!("line {x:08x} {:x}\n", x.wrapping_mul(2654435761)).as_bytes(),
        );
    }
    out
}

/// `n` pseudo-random bytes (xorshift64, a fixed seed: the same bytes every run).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E3779B97F4A7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Whether the slow tests (multi-GiB inputs, a million entries) run: in CI (`CI` set) and on
/// demand (`KDIAG_SLOW_TESTS=1`), not on every local `cargo test`. Says so when it skips.
pub fn slow_tests(what: &str) -> bool {
    let on = std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var_os("KDIAG_SLOW_TESTS").is_some_and(|v| v != "0");
    if !on {
        eprintln!("{what}: slow test skipped (set KDIAG_SLOW_TESTS=1 to run it; CI runs it)");
    }
    on
}

/// The message of a caught panic.
pub fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

/// Asserts the generated text `want` is what `path` holds; with KDIAG_BLESS set, writes it
/// there instead. `stale` is the failure message (how to regenerate).
pub fn assert_blessed(path: &Path, want: &str, stale: &str) {
    if std::env::var_os("KDIAG_BLESS").is_some() {
        std::fs::write(path, want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(have.trim_end() == want.trim_end(), "{stale}");
}

/// A GNU tar header with the name bytes set directly: tar::Builder refuses `..` and absolute
/// names, which is exactly what the hostile tests need to write (the attacker's archiver does not).
pub fn tar_header(name: &[u8], size: u64, kind: tar::EntryType, link: Option<&str>) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(kind);
    let gnu = h.as_gnu_mut().unwrap();
    gnu.name = [0; 100];
    gnu.name[..name.len()].copy_from_slice(name);
    if let Some(l) = link {
        gnu.linkname[..l.len()].copy_from_slice(l.as_bytes());
    }
    h.set_cksum();
    h
}

/// A raw tar entry: name bytes, type, data, link target.
pub type RawEntry<'a> = (&'a [u8], tar::EntryType, &'a [u8], Option<&'a str>);

/// A tar with raw entry names (see [`tar_header`]).
pub fn raw_tar(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, data, link) in entries {
        let h = tar_header(name, data.len() as u64, *kind, *link);
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// A tar of regular files with raw names.
pub fn tar_bytes(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let raw: Vec<RawEntry<'_>> = entries
        .iter()
        .map(|(name, data)| (name.as_bytes(), tar::EntryType::Regular, *data, None))
        .collect();
    raw_tar(&raw)
}
