//! One run: preflight, the worker pool over the job table, the bundle writer, the manifest and
//! the summary. One failed item never stops the run; only a bundle that cannot be written does.

use crate::config::Config;
use crate::runner::{self, RunResult, INTERRUPTED};
use crate::sources::{self, io_status, Action, CmdSpec, Job};
use crate::spool::{Spool, Spooled};
use crate::util::{compact_utc, human_size, rfc3339_utc, unix_now};
use crate::writer::BundleWriter;
use kdiag_bundle::{bundle_name, paths, Item, Manifest, Status, MANIFEST_PATH};
use std::collections::VecDeque;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_PARTIAL: i32 = 1;
pub const EXIT_NO_BUNDLE: i32 = 2;

/// Paths to remove if the process is interrupted (temp bundle, spool folder).
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The result of a successful run.
#[derive(Debug)]
pub struct Summary {
    pub bundle: PathBuf,
    pub size: u64,
    pub manifest: Manifest,
    /// Items that went wrong: failed, timed out, or dropped by the deadline or the total cap.
    pub problems: usize,
}

struct Queue {
    jobs: VecDeque<Job>,
    in_flight: usize,
}

struct Ctx {
    cfg: Config,
    start: Instant,
    spool_dir: PathBuf,
    queue: Mutex<Queue>,
    cv: Condvar,
    writer: Mutex<Option<BundleWriter>>,
    items: Mutex<Vec<Item>>,
    fatal: Mutex<Option<String>>,
    abort: AtomicBool,
    seq: AtomicUsize,
    done: AtomicUsize,
    problems: AtomicUsize,
}

/// Lowers the priority of this process (and so of every thread and child started after):
/// nice 19 and the idle I/O class, so collection never competes with the node's workloads.
pub fn lower_priority() {
    // SAFETY: setpriority only changes the scheduling priority of the calling thread (Linux
    // applies PRIO_PROCESS 0 to the caller); it reads no memory of ours.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
    const IOPRIO_CLASS_IDLE: libc::c_long = 3;
    const IOPRIO_CLASS_SHIFT: libc::c_long = 13;
    const IOPRIO_WHO_PROCESS: libc::c_long = 1;
    // SAFETY: ioprio_set takes three integers and reads no memory; failure (old kernel, seccomp)
    // is harmless and ignored.
    unsafe {
        libc::syscall(
            libc::SYS_ioprio_set,
            IOPRIO_WHO_PROCESS,
            0 as libc::c_long,
            IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT,
        );
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    INTERRUPTED.store(sig, Ordering::SeqCst);
}

/// SIGXFSZ ignored (a file size limit becomes EFBIG, an error we handle); SIGINT/SIGTERM noted,
/// and a watcher thread kills running commands, removes the temp files and exits 130/143.
pub fn install_signal_handlers() {
    // SAFETY: SIG_IGN for SIGXFSZ is always valid. on_signal is async-signal-safe: it only stores
    // into an atomic.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let h = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, h);
        libc::signal(libc::SIGTERM, h);
    }
    std::thread::spawn(|| loop {
        let sig = INTERRUPTED.load(Ordering::SeqCst);
        if sig != 0 {
            runner::kill_all();
            for p in CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                if p.is_dir() {
                    let _ = fs::remove_dir_all(p);
                } else {
                    let _ = fs::remove_file(p);
                }
            }
            eprintln!("collect: interrupted by signal {sig}; no bundle written");
            std::process::exit(128 + sig);
        }
        std::thread::sleep(Duration::from_millis(50));
    });
}

/// Free bytes for an unprivileged user on the filesystem holding `dir`.
pub fn free_space(dir: &Path) -> io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: statvfs is a plain C struct (all-zero is valid); `c` is a NUL-terminated path that
    // outlives the call.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: see above.
    let r = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

fn node_hostname(root: &Path) -> String {
    for f in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(s) = fs::read_to_string(sources::under(root, f)) {
            let s = s.trim();
            if !s.is_empty() {
                return s.to_string();
            }
        }
    }
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its whole length, which is what we pass.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if r == 0 {
        let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        return String::from_utf8_lossy(&buf[..n]).into_owned();
    }
    "unknown".into()
}

/// Runs a whole collection. `Err` means no bundle was written (exit 2).
pub fn run(cfg: Config) -> Result<Summary, String> {
    let free = free_space(&cfg.out)
        .map_err(|e| format!("cannot check free space in {}: {e}", cfg.out.display()))?;
    if free < cfg.min_free {
        return Err(format!(
            "not enough free space in {}: {} free, --min-free is {}; free some space or use --out on another filesystem",
            cfg.out.display(),
            human_size(free),
            human_size(cfg.min_free)
        ));
    }
    let host = node_hostname(&cfg.root);
    // Another run in the same --out may hold this second's name (its temp file, or a bundle it
    // finished within the same second): wait for the next second and take that name instead,
    // so two runs at once never clobber each other. A few tries, then a clear error.
    let mut tries = 0;
    let (now, name, writer) = loop {
        let now = unix_now();
        let name = bundle_name(&host, &compact_utc(now));
        match BundleWriter::create(&cfg.out, &name, cfg.max_total, now.max(0) as u64) {
            Ok(w) => break (now, name, w),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 5 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(1100));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(format!(
                    "cannot create the bundle in {}: {name}.tgz (or its temporary file) still exists after {tries} tries: another collect is writing there; wait for it or use another --out",
                    cfg.out.display()
                ));
            }
            Err(e) => {
                return Err(format!(
                    "cannot create the bundle in {}: {e}",
                    cfg.out.display()
                ))
            }
        }
    };
    let since_unix = now - cfg.since.as_secs() as i64;
    // SAFETY: geteuid never fails and touches no memory.
    let uid = unsafe { libc::geteuid() };
    let mut manifest = Manifest::new(
        env!("CARGO_PKG_VERSION"),
        &host,
        &rfc3339_utc(now),
        &rfc3339_utc(since_unix),
        uid,
        cfg.args.clone(),
    );

    let spool_dir = cfg.out.join(format!(".{name}.spool"));
    {
        let mut c = CLEANUP.lock().unwrap_or_else(|e| e.into_inner());
        c.push(writer.tmp_path().to_path_buf());
        c.push(spool_dir.clone());
    }
    if let Err(e) = fs::create_dir(&spool_dir) {
        writer.abandon();
        return Err(format!("cannot create {}: {e}", spool_dir.display()));
    }
    eprintln!("collect: writing {}", writer.target_path().display());

    let jobs = sources::node_jobs(&cfg, since_unix);
    let ctx = Arc::new(Ctx {
        cfg: cfg.clone(),
        start: Instant::now(),
        spool_dir: spool_dir.clone(),
        queue: Mutex::new(Queue {
            jobs: jobs.into(),
            in_flight: 0,
        }),
        cv: Condvar::new(),
        writer: Mutex::new(Some(writer)),
        items: Mutex::new(Vec::new()),
        fatal: Mutex::new(None),
        abort: AtomicBool::new(false),
        seq: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        problems: AtomicUsize::new(0),
    });
    let workers: Vec<_> = (0..cfg.jobs)
        .map(|_| {
            let ctx = Arc::clone(&ctx);
            std::thread::spawn(move || worker(&ctx))
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let _ = fs::remove_dir_all(&spool_dir);
    let mut writer = ctx.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(f) = ctx.fatal.lock().unwrap_or_else(|e| e.into_inner()).take() {
        if let Some(w) = writer.take() {
            w.abandon();
        }
        return Err(f);
    }
    let Some(mut w) = writer.take() else {
        return Err("internal error: bundle writer lost".into());
    };
    let mut items = std::mem::take(&mut *ctx.items.lock().unwrap_or_else(|e| e.into_inner()));
    items.sort_by(|a, b| a.path.cmp(&b.path));
    manifest.items = items;
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| format!("cannot encode the manifest: {e}"))?;
    let result = w.add_bytes(MANIFEST_PATH, &json).and_then(|_| w.finish());
    let bundle = match result {
        Ok(p) => p,
        Err(e) => {
            // `w` was consumed by finish or failed in add_bytes; its Drop removed the temp file.
            let tmp = cfg.out.join(format!(".{name}.tgz.tmp"));
            let _ = fs::remove_file(&tmp);
            return Err(format!("cannot write the bundle: {e}"));
        }
    };
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).clear();
    let size = fs::metadata(&bundle).map(|m| m.len()).unwrap_or(0);
    Ok(Summary {
        bundle,
        size,
        manifest,
        problems: ctx.problems.load(Ordering::Relaxed),
    })
}

fn worker(ctx: &Ctx) {
    loop {
        let job = {
            let mut q = ctx.queue.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(j) = q.jobs.pop_front() {
                    q.in_flight += 1;
                    break Some(j);
                }
                if q.in_flight == 0 {
                    break None;
                }
                q = ctx.cv.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Some(job) = job else {
            ctx.cv.notify_all();
            return;
        };
        let follow = run_job(ctx, job);
        let mut q = ctx.queue.lock().unwrap_or_else(|e| e.into_inner());
        // Follow-ups go first: they belong to a family already under way (kubectl).
        for j in follow.into_iter().rev() {
            q.jobs.push_front(j);
        }
        q.in_flight -= 1;
        ctx.cv.notify_all();
    }
}

fn remaining(ctx: &Ctx) -> Duration {
    ctx.cfg.deadline.saturating_sub(ctx.start.elapsed())
}

fn new_item(job: &Job) -> Item {
    Item {
        path: job.path.clone(),
        source: job.source.clone(),
        status: Status::Ok,
        exit_code: None,
        duration_ms: 0,
        bytes: 0,
        sha256: String::new(),
        truncated: false,
        redactions: 0,
        stderr: String::new(),
    }
}

/// Runs one job, records its item, returns follow-up jobs.
fn run_job(ctx: &Ctx, job: Job) -> Vec<Job> {
    let mut item = new_item(&job);
    if ctx.abort.load(Ordering::Relaxed) {
        item.status = Status::Skipped;
        item.stderr = "not started: the bundle could not be written".into();
        record(ctx, item, None, true);
        return vec![];
    }
    let left = remaining(ctx);
    if left.is_zero() && !matches!(job.action, Action::Record { .. }) {
        item.status = Status::Skipped;
        item.stderr = format!(
            "not started: the --deadline of {}s was reached",
            ctx.cfg.deadline.as_secs()
        );
        record(ctx, item, None, true);
        return vec![];
    }
    let started = Instant::now();
    let n = ctx.seq.fetch_add(1, Ordering::Relaxed);
    let stem = format!("{n:04}");
    let mut spool = match Spool::new(&ctx.spool_dir, &stem, ctx.cfg.max_file) {
        Ok(s) => s,
        Err(e) => {
            item.status = Status::Failed;
            item.stderr = format!("cannot create a spool file: {e}");
            record(ctx, item, None, true);
            return vec![];
        }
    };
    spool.set_free_floor(ctx.cfg.min_free / 2);
    let mut follow = Vec::new();
    match &job.action {
        Action::Record { status, reason } => {
            item.status = *status;
            item.stderr = reason.clone();
        }
        Action::Cmd(spec) => {
            let r = run_cmd(spec, left, &mut spool);
            apply(&mut item, r);
        }
        Action::Multi { cmds, first_only } => {
            run_multi(&mut item, cmds, *first_only, left, &mut spool)
        }
        Action::File { real, shown, tail } => {
            let (st, why) = read_file(real, tail.unwrap_or(ctx.cfg.max_file), &mut spool);
            item.status = st;
            if st != Status::Ok {
                item.stderr = format!("{shown}: {why}");
            }
        }
        Action::FirstFile { candidates, tail } => {
            let mut tried = Vec::new();
            item.status = Status::NotFound;
            for (real, shown) in candidates {
                let (st, why) = read_file(real, tail.unwrap_or(ctx.cfg.max_file), &mut spool);
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
        Action::KubeletCmdline => kubelet_cmdline(&ctx.cfg.root, &mut item, &mut spool),
        Action::Pki { files } => pki(files, &mut item, &mut spool),
        Action::KubectlProbe { base } => {
            let mut argv = base.clone();
            argv.extend(["version", "-o", "json"].map(String::from));
            let spec = CmdSpec {
                argv,
                timeout: sources::PROBE_TIMEOUT,
                ok_codes: vec![],
                not_found_codes: vec![],
            };
            item.source = spec.display();
            let r = run_cmd(&spec, left, &mut spool);
            let probe_status = r.status;
            apply(&mut item, r);
            if probe_status == Status::Ok {
                follow = sources::kubectl_jobs(base);
            } else {
                let first = item
                    .stderr
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let (st, why) = match probe_status {
                    Status::NotFound => (Status::NotFound, "kubectl not found in PATH".to_string()),
                    Status::Timeout => (Status::Skipped, format!("not run: `kubectl version` timed out, the API server does not answer ({first})")),
                    _ => (Status::Skipped, format!("not run: the API server did not answer `kubectl version`: {first}")),
                };
                for (path, source) in sources::kubectl_paths() {
                    follow.push(Job {
                        path,
                        source,
                        action: Action::Record {
                            status: st,
                            reason: why.clone(),
                        },
                    });
                }
                follow.push(Job {
                    path: paths::CLUSTER_LOGS_DIR.into(),
                    source: "kubectl logs".into(),
                    action: Action::Record {
                        status: st,
                        reason: why,
                    },
                });
            }
        }
        Action::Kubectl { spec, pods } => {
            let r = run_cmd(spec, left, &mut spool);
            apply(&mut item, r);
            if *pods {
                follow = log_jobs(ctx, &item, spool, started, spec);
                return follow;
            }
        }
    }
    if !matches!(job.action, Action::Record { .. }) {
        item.duration_ms = started.elapsed().as_millis() as u64;
    }
    finish_item(ctx, item, spool);
    follow
}

fn finish_item(ctx: &Ctx, mut item: Item, spool: Spool) {
    match spool.finish() {
        Ok(s) => {
            item.truncated = s.truncated;
            item.redactions = s.redactions;
            record(ctx, item, Some(s), false);
        }
        Err(e) => {
            item.status = Status::Failed;
            item.stderr = format!("cannot spool the output: {e}; {}", item.stderr);
            record(ctx, item, None, false);
        }
    }
}

fn run_cmd(spec: &CmdSpec, left: Duration, spool: &mut Spool) -> RunResult {
    let mut r = runner::run(&spec.argv, spec.timeout.min(left), &spec.ok_codes, spool);
    if let Some(c) = r.exit_code {
        if spec.not_found_codes.contains(&c) && r.status != Status::Ok {
            r.status = Status::NotFound;
        }
    }
    if r.status == Status::Timeout && left < spec.timeout {
        r.stderr = format!("stopped by the --deadline: {}", r.stderr);
    }
    r
}

fn apply(item: &mut Item, r: RunResult) {
    item.status = r.status;
    item.exit_code = r.exit_code;
    item.stderr = r.stderr;
}

fn run_multi(
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
fn kubelet_cmdline(root: &Path, item: &mut Item, spool: &mut Spool) {
    let proc_dir = sources::under(root, "/proc");
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

fn pki(files: &[(PathBuf, String)], item: &mut Item, spool: &mut Spool) {
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
            Ok(data) => {
                ok += 1;
                crate::pki::describe(shown, &data)
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

#[derive(serde::Deserialize)]
struct PodList {
    #[serde(default)]
    items: Vec<Pod>,
}
#[derive(serde::Deserialize)]
struct Pod {
    metadata: Meta,
    #[serde(default)]
    status: Option<PodStatus>,
}
#[derive(serde::Deserialize)]
struct Meta {
    name: String,
    #[serde(default)]
    namespace: String,
}
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodStatus {
    #[serde(default)]
    phase: String,
    #[serde(default)]
    container_statuses: Vec<ContainerStatus>,
    #[serde(default)]
    init_container_statuses: Vec<ContainerStatus>,
}
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerStatus {
    name: String,
    #[serde(default)]
    ready: bool,
    #[serde(default)]
    restart_count: u64,
    #[serde(default)]
    state: serde_json::Map<String, serde_json::Value>,
}

/// After pods.json: records it and returns `kubectl logs` jobs for containers that are not
/// Ready or have restarted (with --previous for restarted ones).
fn log_jobs(ctx: &Ctx, item: &Item, spool: Spool, started: Instant, spec: &CmdSpec) -> Vec<Job> {
    let mut item = item.clone();
    item.duration_ms = started.elapsed().as_millis() as u64;
    let spooled = match spool.finish() {
        Ok(s) => s,
        Err(e) => {
            item.status = Status::Failed;
            item.stderr = format!("cannot spool the output: {e}");
            record(ctx, item, None, false);
            return vec![];
        }
    };
    let parsed: Result<PodList, String> = if item.status != Status::Ok {
        Err(format!("pods were not listed ({})", item.status.as_str()))
    } else if spooled.truncated {
        Err("pods.json was truncated by --max-file-size".into())
    } else {
        spooled.reader().map_err(|e| e.to_string()).and_then(|r| {
            serde_json::from_reader(io::BufReader::new(r))
                .map_err(|e| format!("pods.json does not parse: {e}"))
        })
    };
    item.truncated = spooled.truncated;
    item.redactions = spooled.redactions;
    record(ctx, item, Some(spooled), false);
    let base: Vec<String> = spec
        .argv
        .iter()
        .take_while(|a| *a != "get")
        .cloned()
        .collect();
    let list = match parsed {
        Ok(l) => l,
        Err(why) => {
            return vec![Job {
                path: paths::CLUSTER_LOGS_DIR.into(),
                source: "kubectl logs".into(),
                action: Action::Record {
                    status: Status::Skipped,
                    reason: format!("not run: {why}"),
                },
            }]
        }
    };
    let since = format!("--since={}s", ctx.cfg.since.as_secs());
    let mut jobs = Vec::new();
    for pod in list.items {
        let Some(st) = pod.status else { continue };
        if st.phase == "Succeeded" {
            continue;
        }
        for c in st
            .container_statuses
            .iter()
            .chain(st.init_container_statuses.iter())
        {
            if c.ready && c.restart_count == 0 {
                continue;
            }
            let dir = format!(
                "{}/{}/{}/{}",
                paths::CLUSTER_LOGS_DIR,
                pod.metadata.namespace,
                pod.metadata.name,
                c.name
            );
            let mk = |previous: bool| {
                let mut argv = base.clone();
                argv.extend(
                    [
                        "logs",
                        "-n",
                        &pod.metadata.namespace,
                        &pod.metadata.name,
                        "-c",
                        &c.name,
                        "--tail=10000",
                    ]
                    .map(String::from),
                );
                if previous {
                    argv.push("--previous".into());
                } else {
                    argv.push(since.clone());
                }
                let spec = CmdSpec {
                    argv,
                    timeout: sources::CMD_TIMEOUT,
                    ok_codes: vec![],
                    not_found_codes: vec![],
                };
                Job {
                    path: if previous {
                        format!("{dir}.previous.log")
                    } else {
                        format!("{dir}.log")
                    },
                    source: spec.display(),
                    action: Action::Cmd(spec),
                }
            };
            let has_current = c.state.contains_key("running") || c.state.contains_key("terminated");
            if has_current {
                jobs.push(mk(false));
            }
            if c.restart_count > 0 {
                jobs.push(mk(true));
            }
        }
    }
    if jobs.len() > sources::MAX_KUBECTL_LOGS {
        let dropped = jobs.len() - sources::MAX_KUBECTL_LOGS;
        jobs.truncate(sources::MAX_KUBECTL_LOGS);
        jobs.push(Job {
            path: paths::CLUSTER_LOGS_DIR.into(),
            source: "kubectl logs".into(),
            action: Action::Record {
                status: Status::Skipped,
                reason: format!(
                    "{dropped} more container logs not fetched (limit {})",
                    sources::MAX_KUBECTL_LOGS
                ),
            },
        });
    }
    jobs
}

/// Writes an item's content (if any) and records its manifest entry.
fn record(ctx: &Ctx, mut item: Item, content: Option<Spooled>, incomplete: bool) {
    let mut incomplete = incomplete;
    if let Some(mut s) = content {
        let keep = !s.is_empty()
            && matches!(
                item.status,
                Status::Ok | Status::Failed | Status::Timeout | Status::PermissionDenied
            );
        if keep {
            let mut guard = ctx.writer.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(w) = guard.as_mut() {
                if w.room() == 0 {
                    item.status = Status::Skipped;
                    item.stderr = format!(
                        "dropped: --max-total-size ({}) reached. {}",
                        human_size(ctx.cfg.max_total),
                        item.stderr
                    );
                    incomplete = true;
                } else {
                    match w.add_spooled(&item.path, &mut s) {
                        Ok(wr) => {
                            item.bytes = wr.bytes;
                            item.sha256 = wr.sha256;
                            if wr.cut {
                                item.truncated = true;
                                item.stderr =
                                    format!("cut to fit --max-total-size. {}", item.stderr);
                            }
                        }
                        Err(e) => {
                            let msg = format!("cannot write {}: {e}", w.tmp_path().display());
                            *ctx.fatal.lock().unwrap_or_else(|e| e.into_inner()) = Some(msg);
                            ctx.abort.store(true, Ordering::Relaxed);
                            if let Some(w) = guard.take() {
                                w.abandon();
                            }
                        }
                    }
                }
            }
        }
    }
    if matches!(item.status, Status::Failed | Status::Timeout) {
        incomplete = true;
    }
    if incomplete {
        ctx.problems.fetch_add(1, Ordering::Relaxed);
    }
    let done = ctx.done.fetch_add(1, Ordering::Relaxed) + 1;
    let extra = match item.status {
        Status::Ok => format!(
            "{}{}",
            human_size(item.bytes),
            if item.truncated { ", truncated" } else { "" }
        ),
        _ => item
            .stderr
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(100)
            .collect(),
    };
    eprintln!(
        "collect: [{done:3}] {:<17} {} ({extra})",
        item.status.as_str(),
        item.path
    );
    ctx.items
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(item);
}

/// The closing lines on the terminal.
pub fn report(s: &Summary) -> String {
    let c = s.manifest.counts();
    format!(
        "collect: bundle {} ({})\ncollect: {} ok, {} failed, {} timed out, {} not found, {} permission denied, {} skipped",
        s.bundle.display(),
        human_size(s.size),
        c.ok,
        c.failed,
        c.timeout,
        c.not_found,
        c.permission_denied,
        c.skipped
    )
}
