//! One run: preflight (free space, the bundle's name), the job table through the pool, each
//! item's output into the bundle, the manifest and the summary. One failed item never stops the
//! run; only a bundle that cannot be written does.
//!
//! What is collected is `sources` (in `job` terms); what each job does is `actions`; the
//! threads are `pool`; interruption is `signals`; the system calls are `sys`.

use crate::actions;
use crate::config::Config;
use crate::job::{self, Action, CmdSpec, Job};
use crate::podlogs;
use crate::pool;
use crate::signals;
use crate::sources;
use crate::spool::{Spool, Spooled};
use crate::sys;
use crate::util::{compact_utc, human_size, rfc3339_utc, unix_now};
use crate::writer::BundleWriter;
use kdiag_bundle::{bundle_name, Item, Manifest, Status, MANIFEST_PATH};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_PARTIAL: i32 = 1;
pub const EXIT_NO_BUNDLE: i32 = 2;

/// The result of a successful run.
#[derive(Debug)]
pub struct Summary {
    pub bundle: PathBuf,
    pub size: u64,
    pub manifest: Manifest,
    /// Items that went wrong: failed, timed out, or dropped by the deadline or the total cap.
    pub problems: usize,
}

/// What the workers share while the run goes on.
struct Ctx {
    cfg: Config,
    /// This node's name (the bundle's): which kube-proxy and calico-node logs are its own.
    host: String,
    start: Instant,
    spool_dir: PathBuf,
    writer: Mutex<Option<BundleWriter>>,
    items: Mutex<Vec<Item>>,
    fatal: Mutex<Option<String>>,
    abort: AtomicBool,
    seq: AtomicUsize,
    done: AtomicUsize,
    /// Items known so far (the table's, plus follow-ups such as pod logs as they are found).
    queued: AtomicUsize,
    problems: AtomicUsize,
}

fn node_hostname(root: &Path) -> String {
    for f in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(s) = fs::read_to_string(job::under(root, f)) {
            let s = s.trim();
            if !s.is_empty() {
                return s.to_string();
            }
        }
    }
    sys::hostname().unwrap_or_else(|| "unknown".into())
}

/// Runs a whole collection. `Err` means no bundle was written (exit 2).
pub fn run(cfg: Config) -> Result<Summary, String> {
    let free = sys::free_space(&cfg.out)
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
    let uid = sys::euid();
    let mut manifest = Manifest::new(
        env!("CARGO_PKG_VERSION"),
        &host,
        &rfc3339_utc(now),
        &rfc3339_utc(since_unix),
        uid,
        cfg.args.clone(),
    );

    let spool_dir = cfg.out.join(format!(".{name}.spool"));
    signals::remove_on_interrupt(writer.tmp_path().to_path_buf());
    signals::remove_on_interrupt(spool_dir.clone());
    if let Err(e) = fs::create_dir(&spool_dir) {
        writer.abandon();
        return Err(format!("cannot create {}: {e}", spool_dir.display()));
    }
    eprintln!("collect: writing {}", writer.target_path().display());

    let jobs = sources::node_jobs(&cfg, since_unix);
    let ctx = Ctx {
        cfg: cfg.clone(),
        host: host.clone(),
        start: Instant::now(),
        spool_dir: spool_dir.clone(),
        writer: Mutex::new(Some(writer)),
        items: Mutex::new(Vec::new()),
        fatal: Mutex::new(None),
        abort: AtomicBool::new(false),
        seq: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        queued: AtomicUsize::new(jobs.len()),
        problems: AtomicUsize::new(0),
    };
    pool::run(jobs, cfg.jobs, |job| {
        let more = run_job(&ctx, job);
        ctx.queued.fetch_add(more.len(), Ordering::Relaxed);
        more
    });
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
    signals::forget_cleanup();
    let size = fs::metadata(&bundle).map(|m| m.len()).unwrap_or(0);
    Ok(Summary {
        bundle,
        size,
        manifest,
        problems: ctx.problems.load(Ordering::Relaxed),
    })
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
    let max_file = ctx.cfg.max_file;
    match &job.action {
        Action::Record { status, reason } => {
            item.status = *status;
            item.stderr = reason.clone();
        }
        Action::Cmd(spec) => {
            let r = actions::run_cmd(spec, left, &mut spool);
            actions::apply(&mut item, r);
        }
        Action::Multi { cmds, first_only } => {
            actions::run_multi(&mut item, cmds, *first_only, left, &mut spool)
        }
        Action::File { real, shown, tail } => {
            actions::copy_file(&mut item, real, shown, tail.unwrap_or(max_file), &mut spool)
        }
        Action::FirstFile { candidates, tail } => {
            actions::first_file(&mut item, candidates, tail.unwrap_or(max_file), &mut spool)
        }
        Action::CmdElseFile { spec, real, shown } => {
            crate::evidence::cmd_else_file(&mut item, spec, real, shown, max_file, left, &mut spool)
        }
        Action::Values { files } => crate::evidence::values(&mut item, files, &mut spool),
        Action::Listing { dirs } => crate::evidence::listing(&mut item, dirs, &mut spool),
        Action::EtcdMetrics { manifest, shown } => {
            crate::etcd::collect(&mut item, manifest, shown, left, &mut spool)
        }
        Action::KubeletCmdline => actions::kubelet_cmdline(&ctx.cfg.root, &mut item, &mut spool),
        Action::Pki { files } => actions::pki(files, &mut item, &mut spool),
        Action::KubectlProbe { base } => {
            follow = actions::kubectl_probe(&mut item, base, left, &mut spool);
        }
        Action::Kubectl { spec, pods } => {
            let r = actions::run_cmd(spec, left, &mut spool);
            actions::apply(&mut item, r);
            if *pods {
                return pods_listed(ctx, item, spool, started, spec);
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

/// After pods.json: records it and returns `kubectl logs` jobs for the containers that are not
/// Ready or have restarted (with --previous for restarted ones), or one item saying why none.
fn pods_listed(
    ctx: &Ctx,
    mut item: Item,
    spool: Spool,
    started: Instant,
    spec: &CmdSpec,
) -> Vec<Job> {
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
    let parsed = podlogs::parse(item.status, &spooled);
    item.truncated = spooled.truncated;
    item.redactions = spooled.redactions;
    record(ctx, item, Some(spooled), false);
    match parsed {
        Ok(list) => {
            // The same kubectl (and kubeconfig) as the pod list: its argv before `get`.
            let base: Vec<String> = spec
                .argv
                .iter()
                .take_while(|a| *a != "get")
                .cloned()
                .collect();
            sources::kubectl_log_jobs(&base, ctx.cfg.since, &podlogs::targets(&list, &ctx.host))
        }
        Err(why) => vec![sources::cluster_logs_record(
            Status::Skipped,
            format!("not run: {why}"),
        )],
    }
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
    // Done of known so far: how many are left (follow-ups can still add some).
    let known = ctx.queued.load(Ordering::Relaxed).max(done);
    eprintln!(
        "collect: [{done:3}/{known}] {:<17} {} ({extra})",
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
