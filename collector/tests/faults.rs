//! Faults around `collect` on the fake node (testdata/fakenode), beyond collect.rs (which covers
//! a hanging kubectl, missing tools, `ulimit -f`, SIGTERM and the caps): endless output and a
//! hang whose grandchild holds the pipe, a read-only output folder, the disk filling up mid-run,
//! SIGINT, two runs into the same --out, and a collected bundle re-scanned for secrets.
//! The fake node, the `collect` command and opening a bundle are in common/mod.rs.
//! The two tests that read hundreds of MiB run only with KDIAG_SLOW_TESTS=1 or CI=true.

mod common;

use common::{bundles, entries, fake_path, fakenode, open, stderr, wait_for_temp_file};
use kdiag_bundle::{paths, Status};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Generous guard against a hang (not a timing assertion).
const GUARD: Duration = Duration::from_secs(120);

/// A `collect` command on the fake node's root, writing into `out`.
fn collect_cmd(out: &Path, path: &str) -> Command {
    common::collect_cmd(out, &fakenode().join("root"), path)
}

/// Runs with the guard: a hang kills the child and fails the test.
fn run(mut c: Command) -> (Output, Duration) {
    let t = Instant::now();
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let watchdog = std::thread::spawn(move || {
        while t.elapsed() < GUARD {
            std::thread::sleep(Duration::from_millis(100));
            if !Path::new(&format!("/proc/{pid}")).exists() {
                return false;
            }
        }
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg(pid.to_string())
            .status();
        true
    });
    let o = child.wait_with_output().unwrap();
    let elapsed = t.elapsed();
    assert!(
        !watchdog.join().unwrap(),
        "collect hung (killed by the guard)"
    );
    (o, elapsed)
}

/// A PATH folder: the fake node's tools, with `overrides` (name -> shell script) in their place.
fn bins_with(overrides: &[(&str, &str)]) -> tempfile::TempDir {
    let bins = tempfile::tempdir().unwrap();
    for e in fs::read_dir(fakenode().join("bin")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if !overrides.iter().any(|(n, _)| *n == name) {
            std::os::unix::fs::symlink(&p, bins.path().join(&name)).unwrap();
        }
    }
    for (name, script) in overrides {
        let p = bins.path().join(name);
        fs::write(&p, script).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    }
    bins
}

fn no_process_with(marker: &str) -> bool {
    for e in fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmd) = fs::read(e.path().join("cmdline")) {
            if String::from_utf8_lossy(&cmd).contains(marker) {
                return false;
            }
        }
    }
    true
}

/// The kubelet journal never ends (`yes`: 10 GiB and more) and crictl hangs after forking a
/// grandchild that keeps the pipe open. The deadline stops both: each item is cut at its cap
/// (newest lines, whole lines), marked timed out, the whole process group is killed, and the
/// bundle is written. Reading is not stopped by the cap (the newest part is kept, so the output
/// is read to its end or to the timeout): a 10 GiB journal is bounded by the journal timeout
/// (60 s) and the --deadline, not read to its end.
/// Slow: `yes` runs flat out for the 8 s deadline, gigabytes read (see slow_tests_enabled).
#[test]
fn endless_output_and_a_hang_holding_the_pipe_end_by_the_deadline() {
    if !common::slow_tests_enabled("endless_output_and_a_hang_holding_the_pipe_end_by_the_deadline")
    {
        return;
    }
    let line = "2026-11-22T08:01:02+0000 node01 kubelet[1234]: E1122 08:01:02.123456    1234 pod_workers.go:191] Error syncing pod, skipping: CrashLoopBackOff";
    let journal = format!(
        "#!/bin/sh\ncase \" $* \" in *\" -u kubelet \"*) exec yes '{line}' ;; esac\nexec \"{}\" \"$@\"\n",
        fakenode().join("bin/journalctl").display()
    );
    let crictl = "#!/bin/sh\n(sleep 4321 &)\necho partial-crictl-output\nexec sleep 4321\n";
    let bins = bins_with(&[("journalctl", &journal), ("crictl", crictl)]);
    let out = tempfile::tempdir().unwrap();
    let mut c = collect_cmd(
        out.path(),
        &format!("{}:/usr/bin:/bin", bins.path().display()),
    );
    c.args(["--deadline", "8s", "--max-file-size", "256k"]);
    let (o, took) = run(c);
    eprintln!("endless output run took {:.1} s", took.as_secs_f64());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let found = bundles(out.path());
    assert_eq!(found.len(), 1, "{:?}", entries(out.path()));
    let b = open(&found[0]);
    let j = b.item(paths::JOURNAL_KUBELET);
    assert_eq!(j.status, Status::Timeout, "{}", j.stderr);
    assert!(j.stderr.contains("--deadline"), "{}", j.stderr);
    assert!(j.truncated);
    assert!(j.bytes <= 256 * 1024 && j.bytes > 64 * 1024, "{}", j.bytes);
    let text = String::from_utf8_lossy(&b.files[paths::JOURNAL_KUBELET]).into_owned();
    assert!(text.lines().all(|l| l == line), "only whole lines are kept");
    let cri = b.item(paths::CRI_INFO);
    assert_eq!(cri.status, Status::Timeout, "{}", cri.stderr);
    // The whole group was killed, the grandchild included.
    std::thread::sleep(Duration::from_millis(300));
    assert!(no_process_with("4321"), "a sleep 4321 survived the run");
    // Nothing but the bundle is left in --out.
    assert_eq!(entries(out.path()).len(), 1, "{:?}", entries(out.path()));
}

/// A finite 128 MiB journal (the 10 GiB case scaled down for CI): read through to its end
/// within the deadline, its newest 256 KiB kept. Slow (see slow_tests_enabled).
#[test]
fn a_128_mib_journal_is_capped_to_its_newest_lines() {
    if !common::slow_tests_enabled("a_128_mib_journal_is_capped_to_its_newest_lines") {
        return;
    }
    let line = "2026-11-22T08:01:02+0000 node01 kubelet[1234]: I1122 08:01:02.123456    1234 x.go:1] chatty";
    let journal = format!(
        "#!/bin/sh\ncase \" $* \" in *\" -u kubelet \"*) yes '{line}' | head -c 134217728; echo LAST-LINE-MARKER; exit 0 ;; esac\nexec \"{}\" \"$@\"\n",
        fakenode().join("bin/journalctl").display()
    );
    let bins = bins_with(&[("journalctl", &journal)]);
    let out = tempfile::tempdir().unwrap();
    let mut c = collect_cmd(
        out.path(),
        &format!("{}:/usr/bin:/bin", bins.path().display()),
    );
    c.args(["--deadline", "100s", "--max-file-size", "256k"]);
    let (o, took) = run(c);
    eprintln!("128 MiB journal run took {:.1} s", took.as_secs_f64());
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        stderr(&o)
    );
    let b = open(&bundles(out.path())[0]);
    let j = b.item(paths::JOURNAL_KUBELET);
    assert!(j.truncated);
    assert!(j.bytes <= 256 * 1024, "{}", j.bytes);
    if j.status == Status::Ok {
        // Read to its end: the newest line is the last one printed.
        let text = String::from_utf8_lossy(&b.files[paths::JOURNAL_KUBELET]).into_owned();
        assert!(
            text.ends_with("LAST-LINE-MARKER\n"),
            "{}",
            &text[text.len() - 200..]
        );
    } else {
        // A starved machine (the collector runs at nice 19): stopped by the 60 s journal timeout.
        assert_eq!(j.status, Status::Timeout, "{}", j.stderr);
    }
}

fn can_mount_tmpfs(dir: &Path, opts: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_output_folder_is_a_clear_error_and_exit_2() {
    let base = tempfile::tempdir().unwrap();
    let out = base.path().join("ro");
    fs::create_dir(&out).unwrap();
    // Root ignores permission bits, so a read-only mount is the honest test; without mount
    // privileges, an unprivileged user and a 0555 folder.
    let (o, _) = if can_mount_tmpfs(&out, "ro,size=1m") {
        let _m = Mount(out.clone());
        run(collect_cmd(&out, &fake_path()))
    } else {
        fs::set_permissions(&out, fs::Permissions::from_mode(0o555)).unwrap();
        fs::set_permissions(base.path(), fs::Permissions::from_mode(0o755)).unwrap();
        // SAFETY: geteuid has no preconditions and touches no memory.
        if unsafe { libc::geteuid() } == 0 {
            run(common::as_nobody(&collect_cmd(&out, &fake_path())))
        } else {
            run(collect_cmd(&out, &fake_path()))
        }
    };
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Read-only file system") || err.contains("Permission denied"),
        "{err}"
    );
    assert!(err.contains(&out.display().to_string()), "{err}");
    assert!(err.contains("no bundle written"), "{err}");
}

/// A 2 MiB tmpfs as --out and a journal far larger: the disk fills mid-run. Either the run
/// copes (items cut, a complete bundle) or it fails with exit 2; never a partial bundle under
/// the final name, never a temp file or spool left behind.
#[test]
fn the_disk_filling_up_mid_run_leaves_no_partial_bundle() {
    let base = tempfile::tempdir().unwrap();
    let out = base.path().join("small");
    fs::create_dir(&out).unwrap();
    let limited = can_mount_tmpfs(&out, "size=2m");
    let _m = limited.then(|| Mount(out.clone()));
    if !limited {
        println!("no mount privileges: the file size limit case is in collect.rs (ulimit -f)");
        return;
    }
    for (min_free, journal_mb) in [("1k", "8"), ("1M", "8"), ("1k", "1")] {
        let mut c = collect_cmd(&out, &fake_path());
        c.env("FAKE_JOURNAL_MB", journal_mb)
            .args(["--min-free", min_free]);
        let (o, _) = run(c);
        let err = stderr(&o);
        let left = entries(&out);
        match o.status.code() {
            Some(2) => {
                assert!(err.contains("no bundle written"), "{err}");
                assert!(left.is_empty(), "left behind: {left:?}");
            }
            Some(0) | Some(1) => {
                assert_eq!(left.len(), 1, "{left:?}");
                let b = open(&out.join(&left[0]));
                assert_eq!(b.manifest.hostname, "node01");
                fs::remove_file(out.join(&left[0])).unwrap();
            }
            other => panic!("exit {other:?}: {err}"),
        }
        eprintln!(
            "--min-free {min_free}, {journal_mb} MiB journal: exit {:?}",
            o.status.code()
        );
    }
}

#[test]
fn sigint_removes_the_temp_file_and_exits_130() {
    let out = tempfile::tempdir().unwrap();
    let mut c = collect_cmd(out.path(), &fake_path());
    c.env("FAKE_KUBECTL_HANG", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    wait_for_temp_file(out.path());
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    assert!(
        entries(out.path()).is_empty(),
        "left: {:?}",
        entries(out.path())
    );
}

/// Two runs started together into one --out, and a run whose name (this second's) is already
/// taken by a finished bundle: no bundle is ever replaced; each run ends with its own complete
/// bundle under a distinct name (the later one waits for the next second).
#[test]
fn two_runs_into_the_same_out_never_clobber() {
    let out = tempfile::tempdir().unwrap();
    let spawn = || {
        let mut c = collect_cmd(out.path(), &fake_path());
        c.arg("--no-kubectl")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c.spawn().unwrap()
    };
    let a = spawn();
    let b = spawn();
    let oa = a.wait_with_output().unwrap();
    let ob = b.wait_with_output().unwrap();
    for o in [&oa, &ob] {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    }
    let found = bundles(out.path());
    assert_eq!(found.len(), 2, "{:?}", entries(out.path()));
    for p in &found {
        open(p);
    }
    assert_eq!(entries(out.path()).len(), 2, "{:?}", entries(out.path()));

    // Squatters on the names of the next seconds: the run must not replace them.
    let out = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut squat = Vec::new();
    for s in 0..3 {
        let name =
            kdiag_bundle::bundle_name("node01", &kdiag_collector::util::compact_utc(now + s));
        let p = out.path().join(format!("{name}.tgz"));
        fs::write(&p, b"not mine").unwrap();
        squat.push(p);
    }
    let mut c = collect_cmd(out.path(), &fake_path());
    c.arg("--no-kubectl");
    let (o, _) = run(c);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for p in &squat {
        assert_eq!(
            fs::read(p).unwrap(),
            b"not mine",
            "{} replaced",
            p.display()
        );
    }
    let mine: Vec<_> = bundles(out.path())
        .into_iter()
        .filter(|p| !squat.contains(p))
        .collect();
    assert_eq!(mine.len(), 1, "{:?}", entries(out.path()));
    open(&mine[0]);
}

/// A bundle `collect` wrote scans clean with the detector `analyze secrets` uses (the same
/// `kdiag_bundle::redact::scan_text`), while the fake node's sources are full of secrets.
#[test]
fn a_collected_bundle_scans_clean_for_secrets() {
    let out = tempfile::tempdir().unwrap();
    let (o, _) = run(collect_cmd(out.path(), &fake_path()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = open(&bundles(out.path())[0]);
    let mut dirty = Vec::new();
    for (path, data) in &b.files {
        for h in kdiag_bundle::redact::scan_text(data) {
            dirty.push(format!(
                "{path}:{}: {} {:?}",
                h.line,
                h.kind.as_str(),
                h.name
            ));
        }
    }
    assert!(
        dirty.is_empty(),
        "the collected bundle still holds:\n{}",
        dirty.join("\n")
    );
    // ...while the sources were not clean (else this proves nothing).
    let src =
        fs::read(fakenode().join("root/etc/kubernetes/manifests/kube-apiserver.yaml")).unwrap();
    assert!(!kdiag_bundle::redact::scan_text(&src).is_empty());
}
