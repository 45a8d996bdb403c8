//! What each kind of job does (`sources::Action`), into the item's spool: run one command or
//! several, copy a file's tail, find the running kubelet's argv, describe certificates, probe
//! the API server. Each fills in the item's status and reason; none records it (the run does).

use crate::job::{self, CmdSpec, Job};
use crate::runner::{self, RunResult};
use crate::sources::{self, io_status};
use crate::spool::Spool;
use kdiag_bundle::{Item, Status};
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `kubectl version`: when the API server answers, the kubectl reads it unlocks; otherwise
/// each of them recorded as not run, with the probe's answer as the reason.
pub fn kubectl_probe(
    item: &mut Item,
    base: &[String],
    left: Duration,
    spool: &mut Spool,
) -> Vec<Job> {
    let spec = sources::probe_spec(base);
    item.source = spec.display();
    let r = run_cmd(&spec, left, spool);
    let probe_status = r.status;
    apply(item, r);
    if probe_status == Status::Ok {
        return sources::kubectl_jobs(base);
    }
    let first = item
        .stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string();
    let (st, why) = match probe_status {
        Status::NotFound => (Status::NotFound, "kubectl not found in PATH".to_string()),
        Status::Timeout => (
            Status::Skipped,
            format!(
                "not run: `kubectl version` timed out, the API server does not answer ({first})"
            ),
        ),
        _ => (
            Status::Skipped,
            format!("not run: the API server did not answer `kubectl version`: {first}"),
        ),
    };
    sources::kubectl_not_run(st, &why)
}

/// One file (its newest `cap` bytes).
pub fn copy_file(item: &mut Item, real: &Path, shown: &str, cap: u64, spool: &mut Spool) {
    let (st, why) = read_file(real, cap, spool);
    item.status = st;
    if st != Status::Ok {
        item.stderr = format!("{shown}: {why}");
    }
}

/// The first of `candidates` (real path, path shown) that exists; the item's source names it.
pub fn first_file(item: &mut Item, candidates: &[(PathBuf, String)], cap: u64, spool: &mut Spool) {
    let mut tried = Vec::new();
    item.status = Status::NotFound;
    for (real, shown) in candidates {
        let (st, why) = read_file(real, cap, spool);
        if st == Status::NotFound {
            tried.push(shown.clone());
            continue;
        }
        item.source = format!("file:{shown}");
        item.status = st;
        if st != Status::Ok {
            item.stderr = format!("{shown}: {why}");
        }
        break;
    }
    if item.status == Status::NotFound {
        item.stderr = format!("none of {} exists", tried.join(", "));
    }
}

pub fn run_cmd(spec: &CmdSpec, left: Duration, spool: &mut Spool) -> RunResult {
    let mut r = runner::run(&spec.argv, spec.timeout.min(left), &spec.ok_codes, spool);
    if let Some(c) = r.exit_code {
        if spec.not_found_codes.contains(&c) && r.status != Status::Ok {
            r.status = Status::NotFound;
        }
        if let Some(t) = spec.not_found_stderr {
            if r.status == Status::Failed && r.stderr.contains(t) {
                r.status = Status::NotFound;
            }
        }
    }
    if r.status == Status::Timeout && left < spec.timeout {
        r.stderr = format!("stopped by the --deadline: {}", r.stderr);
    }
    r
}

pub fn apply(item: &mut Item, r: RunResult) {
    item.status = r.status;
    item.exit_code = r.exit_code;
    item.stderr = r.stderr;
}

pub fn run_multi(
    item: &mut Item,
    cmds: &[CmdSpec],
    first_only: bool,
    left: Duration,
    spool: &mut Spool,
) {
    let start = Instant::now();
    let mut any_ok = false;
    let mut notes = Vec::new();
    let mut ran = Vec::new();
    let mut worst = Status::NotFound;
    for c in cmds {
        let left = left.saturating_sub(start.elapsed());
        if left.is_zero() {
            notes.push(format!("{}: not started, deadline reached", c.display()));
            break;
        }
        if !first_only {
            let _ = spool.write_all(format!("### {}\n", c.display()).as_bytes());
        }
        let r = run_cmd(c, left, spool);
        if r.status == Status::NotFound {
            notes.push(r.stderr.trim().to_string());
            if !first_only {
                let _ = spool.write_all(b"(not found)\n\n");
            }
            continue;
        }
        ran.push(c.display());
        if !first_only {
            let _ = spool.write_all(
                format!(
                    "(exit {})\n\n",
                    r.exit_code.map(|c| c.to_string()).unwrap_or("-".into())
                )
                .as_bytes(),
            );
        }
        item.exit_code = r.exit_code;
        if r.status == Status::Ok {
            any_ok = true;
        } else {
            worst = r.status;
        }
        if !r.stderr.trim().is_empty() {
            notes.push(format!("{}: {}", c.display(), r.stderr.trim()));
        }
        if first_only {
            break;
        }
    }
    if !ran.is_empty() {
        item.source = ran.join("; ");
    }
    item.status = if any_ok { Status::Ok } else { worst };
    let mut s = notes.join("\n");
    s.truncate(floor_char(&s, runner::STDERR_KEEP));
    item.stderr = s;
}

fn floor_char(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Streams a file (its newest `cap` bytes) through the spool.
fn read_file(real: &Path, cap: u64, spool: &mut Spool) -> (Status, String) {
    let mut f = match fs::File::open(real) {
        Ok(f) => f,
        Err(e) => {
            let (st, why) = io_status(&e);
            return (st, why);
        }
    };
    match f.metadata() {
        Ok(m) if m.is_dir() => return (Status::Failed, "is a folder".into()),
        Ok(m) if !m.is_file() => return (Status::Skipped, "not a regular file".into()),
        // Skip to the tail, then past the first (partial) line.
        Ok(m) if m.len() > cap && f.seek(SeekFrom::Start(m.len() - cap)).is_ok() => {
            spool.mark_truncated();
            let mut b = [0u8; 1];
            while let Ok(1) = f.read(&mut b) {
                if b[0] == b'\n' {
                    break;
                }
            }
        }
        _ => {}
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                // /proc files grow while read only in theory; keep the bound anyway.
                total += n as u64;
                if let Err(e) = spool.write_all(&buf[..n]) {
                    return (Status::Failed, format!("cannot spool: {e}"));
                }
                if total > cap.saturating_mul(4) {
                    spool.mark_truncated();
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let (st, why) = io_status(&e);
                return (st, why);
            }
        }
    }
    (Status::Ok, String::new())
}

/// Finds the kubelet by /proc/*/comm (or argv[0]) and writes its argv one argument per line.
pub fn kubelet_cmdline(root: &Path, item: &mut Item, spool: &mut Spool) {
    let proc_dir = job::under(root, "/proc");
    let mut pids: Vec<u32> = match fs::read_dir(&proc_dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
            .collect(),
        Err(e) => {
            let (st, why) = io_status(&e);
            item.status = st;
            item.stderr = format!("/proc: {why}");
            return;
        }
    };
    pids.sort_unstable();
    let mut denied = None;
    for pid in pids {
        let comm = fs::read_to_string(proc_dir.join(format!("{pid}/comm"))).unwrap_or_default();
        let raw = match fs::read(proc_dir.join(format!("{pid}/cmdline"))) {
            Ok(r) => r,
            Err(e) => {
                if comm.trim() == "kubelet" && e.kind() == io::ErrorKind::PermissionDenied {
                    denied = Some(pid);
                }
                continue;
            }
        };
        let args: Vec<String> = raw
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let argv0 = args
            .first()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
            .unwrap_or_default();
        if comm.trim() != "kubelet" && argv0 != "kubelet" {
            continue;
        }
        item.source = format!("file:/proc/{pid}/cmdline");
        let mut text = String::new();
        let mut extra = 0;
        let mut hide_next = false;
        for a in &args {
            if hide_next && !a.starts_with('-') {
                text.push_str(kdiag_bundle::redact::MARKER);
                extra += 1;
            } else {
                text.push_str(a);
            }
            text.push('\n');
            hide_next = a.starts_with("--")
                && !a.contains('=')
                && kdiag_bundle::redact::is_secret_name(a.as_bytes());
        }
        spool.add_redactions(extra);
        if let Err(e) = spool.write_all(text.as_bytes()) {
            item.status = Status::Failed;
            item.stderr = format!("cannot spool: {e}");
        }
        return;
    }
    match denied {
        Some(pid) => {
            item.status = Status::PermissionDenied;
            item.stderr = format!("/proc/{pid}/cmdline: permission denied");
        }
        None => {
            item.status = Status::NotFound;
            item.stderr = "no running kubelet process found in /proc".into();
        }
    }
}

pub fn pki(files: &[(PathBuf, String)], item: &mut Item, spool: &mut Spool) {
    if files.is_empty() {
        item.status = Status::NotFound;
        item.stderr = "no *.crt in /etc/kubernetes/pki or /var/lib/kubelet/pki".into();
        return;
    }
    let mut ok = 0;
    let mut denied = 0;
    let mut notes = Vec::new();
    for (real, shown) in files {
        let text = match fs::File::open(real).and_then(|f| {
            let mut v = Vec::new();
            f.take(4 << 20).read_to_end(&mut v).map(|_| v)
        }) {
            Ok(mut data) => {
                ok += 1;
                let text = crate::pki::describe(shown, &data);
                // kubelet-client-current.pem holds the private key too: wipe the buffer.
                crate::pki::wipe(&mut data);
                text
            }
            Err(e) => {
                let (st, why) = io_status(&e);
                if st == Status::PermissionDenied {
                    denied += 1;
                }
                notes.push(format!("{shown}: {why}"));
                format!("file={shown}\nunable to load certificate: {why}\n\n")
            }
        };
        let _ = spool.write_all(text.as_bytes());
    }
    item.status = if ok > 0 {
        Status::Ok
    } else if denied > 0 {
        Status::PermissionDenied
    } else {
        Status::Failed
    };
    item.stderr = notes.join("\n");
}
