//! Helpers shared by the `collect` test binaries (collect.rs, faults.rs, evidence.rs, fleet.rs):
//! the fake node (testdata/fakenode), a copy of it to vary, a `collect` command on it, and
//! opening the bundle it writes.
#![allow(dead_code)]

use flate2::read::GzDecoder;
use kdiag_bundle::Manifest;
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// True when slow tests (hundreds of MiB generated or read) are wanted: KDIAG_SLOW_TESTS=1 or
/// CI=true (CI sets it). Otherwise says on stderr that `name` was skipped (written past the
/// test harness's capture, so it shows) and the test returns early, passing.
pub fn slow_tests_enabled(name: &str) -> bool {
    let is = |k: &str, yes: &[&str]| {
        std::env::var(k)
            .map(|v| yes.contains(&v.trim().to_ascii_lowercase().as_str()))
            .unwrap_or(false)
    };
    if is("KDIAG_SLOW_TESTS", &["1", "true", "yes"]) || is("CI", &["true", "1"]) {
        return true;
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped {name}: slow (hundreds of MiB); set KDIAG_SLOW_TESTS=1 (or CI=true) to run it"
    );
    false
}

pub fn fakenode() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/fakenode")
}

/// Copies the tree `from` into `to` (files and folders only), every folder 0755 whatever the
/// umask, so that the unprivileged login of the fleet tests can read a copied fake root.
pub fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(to).unwrap();
    fs::set_permissions(to, fs::Permissions::from_mode(0o755)).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dst);
        } else {
            fs::copy(e.path(), &dst).unwrap();
        }
    }
}

pub fn fake_path() -> String {
    format!("{}:/usr/bin:/bin", fakenode().join("bin").display())
}

/// A `collect` command on the fake node (files under `root`), writing into `out`.
pub fn collect_cmd(out: &Path, root: &Path, path: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_collect"));
    c.arg("--out")
        .arg(out)
        .arg("--root")
        .arg(root)
        .args(["--deadline", "60s", "--min-free", "1M"])
        .env("PATH", path)
        .env("FAKENODE_DATA", fakenode().join("data"))
        .env_remove("FAKE_KUBECTL_HANG")
        .env_remove("FAKE_KUBECTL_DOWN")
        .env_remove("FAKE_JOURNAL_MB")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null());
    c
}

/// `c` re-run as nobody (uid/gid 65534, no groups) through setpriv, with the same environment.
pub fn as_nobody(c: &Command) -> Command {
    let mut sp = Command::new("setpriv");
    sp.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(c.get_program())
        .args(c.get_args());
    for (k, v) in c.get_envs() {
        if let Some(v) = v {
            sp.env(k, v);
        }
    }
    sp
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The names in `out`, sorted.
pub fn entries(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The .tgz files in `out`, sorted.
pub fn bundles(out: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tgz"))
        .collect();
    v.sort();
    v
}

/// The one .tgz in `out`.
pub fn the_bundle(out: &Path) -> PathBuf {
    let found = bundles(out);
    assert_eq!(
        found.len(),
        1,
        "exactly one bundle in {}: {found:?}",
        out.display()
    );
    found[0].clone()
}

/// Waits (30 s at most) until a run into `out` is under way: its temp file exists.
pub fn wait_for_temp_file(out: &Path) {
    let t = Instant::now();
    while !entries(out).iter().any(|n| n.ends_with(".tgz.tmp")) {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "collect never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub struct Bundle {
    pub files: BTreeMap<String, Vec<u8>>,
    pub manifest: Manifest,
    /// The whole decompressed tar stream.
    pub raw: Vec<u8>,
}

impl Bundle {
    pub fn text(&self, p: &str) -> String {
        String::from_utf8_lossy(
            self.files
                .get(p)
                .unwrap_or_else(|| panic!("{p} missing from the bundle")),
        )
        .into_owned()
    }
    pub fn item(&self, p: &str) -> &kdiag_bundle::Item {
        self.manifest
            .item(p)
            .unwrap_or_else(|| panic!("no manifest item for {p}"))
    }
}

/// Opens a bundle completely with tar + flate2 (a partial file fails here) and checks the
/// container rules: one top folder named like the file, manifest.json inside it.
pub fn open(bundle: &Path) -> Bundle {
    let stem = bundle
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .strip_suffix(".tgz")
        .unwrap()
        .to_string();
    assert!(stem.starts_with("kdiag-"), "{stem}");
    let mut raw = Vec::new();
    GzDecoder::new(fs::File::open(bundle).unwrap())
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("{}: not a complete gzip: {e}", bundle.display()));
    let mut files = BTreeMap::new();
    let mut ar = tar::Archive::new(&raw[..]);
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let p = e.path().unwrap().to_string_lossy().into_owned();
        let rel = p
            .strip_prefix(&format!("{stem}/"))
            .unwrap_or_else(|| panic!("entry {p} is not under the top folder {stem}"))
            .to_string();
        let mut v = Vec::new();
        e.read_to_end(&mut v).unwrap();
        files.insert(rel, v);
    }
    let manifest: Manifest = serde_json::from_slice(
        files
            .get("manifest.json")
            .unwrap_or_else(|| panic!("{}: no manifest.json", bundle.display())),
    )
    .unwrap();
    assert_eq!(manifest.format, "kdiag-bundle");
    assert_eq!(manifest.format_version, 1);
    Bundle {
        files,
        manifest,
        raw,
    }
}
