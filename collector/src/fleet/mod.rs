//! `collect --nodes`: every node of a cluster from one host with SSH access to the others.
//!
//! For each node, on a bounded pool of threads, five short ssh sessions ([`ssh`]): a probe
//! (architecture, uid, `sudo -n`, a private folder that allows executing), the upload of the
//! binary for its architecture, the run of collect (as root, through `sudo -n`, or as the login
//! user when sudo is refused), the fetch of its bundle and the removal of the folder. Every step
//! has a timeout inside one deadline for the whole case; a node that refuses or hangs costs only
//! its own line in the case manifest. Bundles are appended to the case archive ([`archive`]) as
//! they arrive; `case.json` ([`kdiag_bundle::case`]) says what happened on every node.

pub mod archive;
mod binaries;
pub mod progress;
pub mod ssh;
pub mod target;

use crate::runner::{self, RunResult};
use crate::sys;
use crate::util::{compact_utc, human_size, rfc3339_utc, unix_now};
use archive::CaseArchive;
pub use binaries::binary_for;
use kdiag_bundle::case::{
    case_name, CaseManifest, CaseNode, CaseStatus, CaseStep, CASE_FORMAT, CASE_FORMAT_VERSION,
};
use kdiag_bundle::Status;
use progress::Progress;
use ssh::Ssh;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use target::Target;

/// Time kept at the end of the case for removing the nodes' folders: 15 s, or an eighth of a
/// short case.
fn cleanup_reserve(case: Duration) -> Duration {
    Duration::from_secs(15).min(case / 8)
}
/// Time kept after a node's collect for fetching its bundle: 30 s, or a fifth of a short case.
fn fetch_reserve(case: Duration) -> Duration {
    Duration::from_secs(30).min(case / 5)
}
/// A node's collect is not started with less than this left of the case.
const MIN_COLLECT: Duration = Duration::from_secs(10);

/// Everything a case needs, validated.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    pub targets: Vec<Target>,
    pub out: PathBuf,
    pub parallel: usize,
    /// The deadline of the whole case.
    pub case_deadline: Duration,
    /// Each node's own `collect --deadline` (lowered when the case has less time left).
    pub node_deadline: Duration,
    pub ssh: Ssh,
    /// `--binaries DIR`: `collect-<arch>-linux-gnu` files, as `cargo xtask dist` names them.
    pub binaries: Option<PathBuf>,
    /// Options every node's collect gets (`--since 24h --max-file-size 64M ...`), before its own.
    pub collect_args: Vec<String>,
    /// The jump host keeps at least this much free in `out`, like a single-node run.
    pub min_free: u64,
    /// The command line, for the case manifest.
    pub args: Vec<String>,
    /// Draw the per-node lines (a terminal).
    pub progress: bool,
}

/// What a case produced.
#[derive(Debug)]
pub struct CaseSummary {
    pub archive: PathBuf,
    pub bytes: u64,
    pub manifest: CaseManifest,
}

struct Ctx<'a> {
    cfg: &'a FleetConfig,
    case_end: Instant,
    archive: Mutex<CaseArchive>,
    staging: PathBuf,
    progress: Progress,
}

impl Ctx<'_> {
    /// Time left for work on the nodes (the case deadline minus the cleanup reserve).
    fn work_left(&self) -> Duration {
        self.case_end
            .saturating_duration_since(Instant::now())
            .saturating_sub(cleanup_reserve(self.cfg.case_deadline))
    }
}

/// Runs a whole case. `Err`: no case archive could be written at all.
pub fn run_case(cfg: &FleetConfig) -> Result<CaseSummary, String> {
    let start = Instant::now();
    let started = unix_now();
    if cfg.targets.is_empty() {
        return Err("--nodes: no node given".into());
    }
    let free = sys::free_space(&cfg.out)
        .map_err(|e| format!("cannot check free space in {}: {e}", cfg.out.display()))?;
    if free < cfg.min_free {
        return Err(format!(
            "not enough free space on this host in {}: {} free, --min-free is {}; nothing was fetched",
            cfg.out.display(),
            human_size(free),
            human_size(cfg.min_free)
        ));
    }
    let name = case_name(&compact_utc(started));
    let archive = CaseArchive::create(&cfg.out, &name, started.max(0) as u64).map_err(|e| {
        format!(
            "cannot create the case archive in {}: {e}",
            cfg.out.display()
        )
    })?;
    let staging = cfg.out.join(format!(".{name}.staging"));
    fs::create_dir(&staging).map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    crate::signals::remove_on_interrupt(archive.tmp_path().to_path_buf());
    crate::signals::remove_on_interrupt(staging.clone());
    let names: Vec<String> = cfg.targets.iter().map(|t| t.spec.clone()).collect();
    let ctx = Ctx {
        cfg,
        case_end: start + cfg.case_deadline,
        archive: Mutex::new(archive),
        staging,
        progress: Progress::new(&names, cfg.progress),
    };
    let results: Vec<Mutex<Option<CaseNode>>> =
        cfg.targets.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..cfg.parallel.clamp(1, cfg.targets.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= cfg.targets.len() {
                    break;
                }
                let node = collect_node(&ctx, i);
                let state = match node.status {
                    CaseStatus::Ok | CaseStatus::Partial => format!(
                        "done ({}, {})",
                        node.status.as_str(),
                        human_size(node.bytes.unwrap_or(0))
                    ),
                    s => format!(
                        "{}: {}",
                        s.as_str(),
                        node.reason.as_deref().unwrap_or_default()
                    ),
                };
                ctx.progress.set(i, &state);
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(node);
            });
        }
    });
    let _ = fs::remove_dir_all(&ctx.staging);
    let nodes: Vec<CaseNode> = results
        .into_iter()
        .zip(&cfg.targets)
        .map(|(m, t)| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| failed_node(t, "not tried (the worker thread ended)"))
        })
        .collect();
    let manifest = CaseManifest {
        format: CASE_FORMAT.into(),
        format_version: CASE_FORMAT_VERSION,
        collector_version: env!("CARGO_PKG_VERSION").into(),
        jump_host: sys::hostname().unwrap_or_else(|| "unknown".into()),
        started_at: rfc3339_utc(started),
        finished_at: rfc3339_utc(unix_now()),
        deadline_s: cfg.case_deadline.as_secs(),
        args: cfg.args.clone(),
        nodes,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    let archive = ctx.archive.into_inner().unwrap_or_else(|e| e.into_inner());
    let path = archive
        .finish(&json)
        .map_err(|e| format!("cannot finish the case archive: {e}"))?;
    crate::signals::forget_cleanup();
    let bytes = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Ok(CaseSummary {
        archive: path,
        bytes,
        manifest,
    })
}

fn failed_node(t: &Target, reason: &str) -> CaseNode {
    CaseNode {
        target: t.spec.clone(),
        options: node_options(t),
        status: CaseStatus::Failed,
        reason: Some(reason.into()),
        bundle: None,
        bytes: None,
        arch: None,
        ran_as: None,
        seconds: 0.0,
        steps: Vec::new(),
    }
}

fn node_options(t: &Target) -> Vec<String> {
    let mut o = t.collect_options.clone();
    if let Some(d) = &t.remote_dir {
        o.push(format!("--remote-dir={d}"));
    }
    o
}

/// One step's ssh session: its record for the manifest and what it printed.
struct StepRun {
    rr: RunResult,
    stdout: Vec<u8>,
}

impl StepRun {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Where a step's stdout goes as it arrives (`None`: kept in [`StepRun::stdout`]).
type Sink<'s> = Option<&'s mut dyn FnMut(&[u8]) -> io::Result<()>>;

/// One ssh session of a node's collection: its name in the manifest, the script run on the
/// node, what goes to its stdin and how long it may take.
struct Step<'a> {
    name: &'a str,
    script: String,
    stdin: Option<File>,
    timeout: Duration,
}

fn run_step(ctx: &Ctx, t: &Target, node: &mut CaseNode, step: Step, sink: Sink) -> StepRun {
    let Step {
        name: step,
        script,
        stdin,
        timeout,
    } = step;
    let argv = ctx.cfg.ssh.argv(t, &script);
    let mut stdout = Vec::new();
    let rr = match sink {
        Some(s) => runner::run_with(&argv, stdin, timeout, &[], s),
        None => runner::run_with(&argv, stdin, timeout, &[], &mut |b| {
            // What a probe or a step prints is a few lines; a node that floods is cut.
            if stdout.len() < 64 * 1024 {
                stdout.extend_from_slice(b);
            }
            Ok(())
        }),
    };
    node.steps.push(CaseStep {
        step: step.into(),
        status: match rr.status {
            Status::Ok => "ok",
            Status::Timeout => "timeout",
            Status::Skipped => "skipped",
            _ => "failed",
        }
        .into(),
        seconds: (rr.duration.as_secs_f64() * 10.0).round() / 10.0,
        stderr: if rr.status == Status::Ok {
            String::new()
        } else {
            rr.stderr.trim().to_string()
        },
    });
    StepRun { rr, stdout }
}

/// Why a step failed, in one sentence.
fn step_failure(step: &str, r: &StepRun, timeout: Duration) -> (CaseStatus, String) {
    match (r.rr.status, r.rr.exit_code) {
        (Status::Timeout, _) => (
            CaseStatus::Timeout,
            format!(
                "{step}: no answer within {}s (the node or its ssh server hangs); the ssh session was killed",
                timeout.as_secs()
            ),
        ),
        (Status::Skipped, _) => (CaseStatus::Failed, format!("{step}: interrupted")),
        (_, Some(255)) => {
            let why = ssh::explain_ssh_failure(&r.rr.stderr);
            let status = if why.starts_with(ssh::NO_ANSWER) {
                CaseStatus::Timeout
            } else {
                CaseStatus::Failed
            };
            (status, format!("{step}: {why}"))
        }
        (_, code) => {
            let msg = r.rr.stderr.trim();
            let msg = msg.lines().last().unwrap_or("no message");
            (
                CaseStatus::Failed,
                format!(
                    "{step}: failed (exit {}): {msg}",
                    code.map_or("?".to_string(), |c| c.to_string())
                ),
            )
        }
    }
}

fn collect_node(ctx: &Ctx, i: usize) -> CaseNode {
    let t = &ctx.cfg.targets[i];
    let start = Instant::now();
    let mut node = failed_node(t, "");
    let mut remote_dir: Option<(String, bool)> = None;
    let (status, reason) = work_on_node(ctx, i, t, &mut node, &mut remote_dir);
    node.status = status;
    node.reason = reason;
    if let Some((dir, as_sudo)) = remote_dir {
        ctx.progress.set(i, "cleaning up");
        // The cleanup may use the reserve kept for it, never more.
        let left = ctx.case_end.saturating_duration_since(Instant::now());
        let timeout = left
            .min(cleanup_reserve(ctx.cfg.case_deadline))
            .max(Duration::from_secs(1));
        let r = run_step(
            ctx,
            t,
            &mut node,
            Step {
                name: "cleanup",
                script: ssh::cleanup_script(&dir, as_sudo),
                stdin: None,
                timeout,
            },
            None,
        );
        if r.rr.status != Status::Ok {
            let (_, why) = step_failure("cleanup", &r, timeout);
            let note = format!("{dir} may remain on the node ({why})");
            node.reason = Some(match node.reason.take() {
                Some(r) => format!("{r}; {note}"),
                None => note,
            });
        }
    }
    node.seconds = (start.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    node
}

/// Probe, upload, collect, fetch. Returns the node's status and reason; sets `remote_dir` as
/// soon as there is a folder on the node to remove.
fn work_on_node(
    ctx: &Ctx,
    i: usize,
    t: &Target,
    node: &mut CaseNode,
    remote_dir: &mut Option<(String, bool)>,
) -> (CaseStatus, Option<String>) {
    let cfg = ctx.cfg;
    let fail = |s: CaseStatus, r: String| (s, Some(r));
    let late = || {
        fail(
            CaseStatus::Timeout,
            "the case deadline passed before this node could be collected".into(),
        )
    };

    // 1. Probe.
    ctx.progress.set(i, "connecting");
    let timeout = ctx
        .work_left()
        .min(Duration::from_secs(cfg.ssh.connect_timeout + 30));
    if timeout.is_zero() {
        return late();
    }
    let dirs: Vec<String> = match &t.remote_dir {
        Some(d) => vec![d.clone()],
        None => ssh::REMOTE_DIRS.iter().map(|s| s.to_string()).collect(),
    };
    let r = run_step(
        ctx,
        t,
        node,
        Step {
            name: "probe",
            script: ssh::probe_script(&dirs),
            stdin: None,
            timeout,
        },
        None,
    );
    if r.rr.status != Status::Ok {
        let (s, why) = step_failure("connect", &r, timeout);
        return fail(s, why);
    }
    let out = r.stdout_text();
    node.arch = ssh::field(&out, "arch").map(String::from);
    let ran_as = ssh::field(&out, "as").unwrap_or("user").to_string();
    let as_sudo = ran_as == "sudo";
    let mut notes = Vec::new();
    if ran_as == "user" {
        notes.push(format!(
            "collected as the login user (uid {}), not root: `sudo -n` was refused ({}); items that need root are missing from its bundle",
            ssh::field(&out, "uid").unwrap_or("?"),
            ssh::field(&out, "sudo").filter(|s| !s.is_empty()).unwrap_or("no message")
        ));
    }
    node.ran_as = Some(ran_as);
    let Some(dir) = ssh::field(&out, "dir").map(String::from) else {
        let why = ssh::field(&out, "nodir").unwrap_or("the probe printed no folder");
        return fail(
            CaseStatus::Failed,
            format!("no folder for the binary: {why}"),
        );
    };
    *remote_dir = Some((dir.clone(), as_sudo));
    let arch = node.arch.clone().unwrap_or_default();
    let bin = match binary_for(&arch, cfg.binaries.as_deref()) {
        Ok(b) => b,
        Err(e) => return fail(CaseStatus::Failed, e),
    };
    let bin_size = fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    let free_kb: u64 = ssh::field(&out, "free_kb")
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX / 1024);
    if free_kb.saturating_mul(1024) < bin_size + (1 << 20) {
        return fail(
            CaseStatus::Failed,
            format!(
                "the node's disk is full: {} free in {dir}, the collect binary alone needs {}",
                human_size(free_kb * 1024),
                human_size(bin_size)
            ),
        );
    }

    // 2. Upload.
    ctx.progress.set(i, "uploading");
    let timeout = ctx
        .work_left()
        .min(Duration::from_secs(60 + bin_size / (1 << 20)));
    if timeout.is_zero() {
        return late();
    }
    let file = match File::open(&bin) {
        Ok(f) => f,
        Err(e) => {
            return fail(
                CaseStatus::Failed,
                format!("cannot read {}: {e}", bin.display()),
            )
        }
    };
    let r = run_step(
        ctx,
        t,
        node,
        Step {
            name: "upload",
            script: ssh::upload_script(&dir),
            stdin: Some(file),
            timeout,
        },
        None,
    );
    if r.rr.status != Status::Ok {
        let (s, why) = step_failure("upload of the binary", &r, timeout);
        return fail(s, why);
    }
    let got: Option<u64> = r.stdout_text().trim().parse().ok();
    if got != Some(bin_size) {
        return fail(
            CaseStatus::Failed,
            format!(
                "upload of the binary: the node received {} of {bin_size} bytes",
                got.map_or("an unknown number".into(), |g| g.to_string())
            ),
        );
    }

    // 3. Collect.
    ctx.progress.set(i, "collecting");
    let left = ctx
        .work_left()
        .saturating_sub(fetch_reserve(cfg.case_deadline));
    if left < MIN_COLLECT {
        return late();
    }
    let node_deadline = cfg
        .node_deadline
        .min(left.saturating_sub(Duration::from_secs(5)));
    let mut args = cfg.collect_args.clone();
    args.push(format!("--deadline={}s", node_deadline.as_secs().max(1)));
    args.extend(t.collect_options.iter().cloned());
    let timeout = left;
    let r = run_step(
        ctx,
        t,
        node,
        Step {
            name: "collect",
            script: ssh::collect_script(&dir, as_sudo, &args),
            stdin: None,
            timeout,
        },
        None,
    );
    let out = r.stdout_text();
    let bundle = out
        .lines()
        .filter_map(|l| l.strip_prefix("bundle="))
        .filter_map(|l| {
            let (p, n) = l.rsplit_once(' ')?;
            Some((p.to_string(), n.trim().parse::<u64>().ok()?))
        })
        .next_back();
    let collected = match (r.rr.status, r.rr.exit_code, &bundle) {
        (_, Some(0), Some(_)) => CaseStatus::Ok,
        (_, Some(1), Some(_)) => {
            notes.push("collect reported items that failed or were cut short".into());
            CaseStatus::Partial
        }
        (Status::Timeout | Status::Skipped, _, _) | (_, Some(255), _) => {
            let (s, why) = step_failure("collect", &r, timeout);
            return fail(s, why);
        }
        (_, code, _) => {
            // collect's own explanation is its last `collect: ...` line on stderr.
            let why =
                r.rr.stderr
                    .lines()
                    .rev()
                    .find(|l| l.starts_with("collect: ") && !l.contains("no bundle written"))
                    .or_else(|| r.rr.stderr.lines().rev().find(|l| !l.trim().is_empty()))
                    .unwrap_or("no message")
                    .trim()
                    .to_string();
            return fail(
                CaseStatus::Failed,
                format!(
                    "collect wrote no bundle (exit {}): {why}",
                    code.map_or("?".into(), |c| c.to_string())
                ),
            );
        }
    };
    let Some((remote_bundle, size)) = bundle else {
        return fail(CaseStatus::Failed, "collect printed no bundle".into());
    };

    // 4. Fetch, after checking this host's own free space.
    ctx.progress.set(i, "copying");
    let free = sys::free_space(&cfg.out).unwrap_or(0);
    if free < size.saturating_add(cfg.min_free / 2) {
        return fail(
            CaseStatus::Failed,
            format!(
                "not fetched: this host has {} free in {}, the bundle is {} and --min-free keeps {}",
                human_size(free),
                cfg.out.display(),
                human_size(size),
                human_size(cfg.min_free / 2)
            ),
        );
    }
    let timeout = ctx
        .work_left()
        .min(Duration::from_secs(60 + size / (1 << 20)));
    if timeout.is_zero() {
        return late();
    }
    let base = remote_bundle.rsplit('/').next().unwrap_or("bundle.tgz");
    let base = if base.starts_with("kdiag-") && base.ends_with(".tgz") && !base.contains("..") {
        base.to_string()
    } else {
        format!("kdiag-node{}.tgz", i + 1)
    };
    let staged = ctx.staging.join(format!("{i}-{base}"));
    let mut file = match File::create(&staged) {
        Ok(f) => f,
        Err(e) => {
            return fail(
                CaseStatus::Failed,
                format!("cannot write {}: {e}", staged.display()),
            )
        }
    };
    let mut written: u64 = 0;
    let r = run_step(
        ctx,
        t,
        node,
        Step {
            name: "fetch",
            script: ssh::fetch_script(&remote_bundle, as_sudo),
            stdin: None,
            timeout,
        },
        Some(&mut |b: &[u8]| {
            written += b.len() as u64;
            file.write_all(b)
        }),
    );
    drop(file);
    let fetched = (|| {
        if r.rr.status != Status::Ok {
            return Err(step_failure("fetch", &r, timeout));
        }
        if written != size {
            return Err((
                CaseStatus::Failed,
                format!("fetch: {written} of {size} bytes arrived"),
            ));
        }
        let mut archive = ctx.archive.lock().unwrap_or_else(|e| e.into_inner());
        let name = archive.unique_name(&base);
        File::open(&staged)
            .and_then(|mut f| archive.add(&name, size, &mut f))
            .map_err(|e| {
                (
                    CaseStatus::Failed,
                    format!("cannot add the bundle to the case archive: {e}"),
                )
            })?;
        Ok(name)
    })();
    let _ = fs::remove_file(&staged);
    match fetched {
        Ok(name) => {
            node.bundle = Some(name);
            node.bytes = Some(size);
            (collected, (!notes.is_empty()).then(|| notes.join("; ")))
        }
        Err((s, why)) => fail(s, why),
    }
}

/// The closing lines on the terminal: one per node, then the archive.
pub fn report(s: &CaseSummary) -> String {
    let mut out = String::new();
    let w = s
        .manifest
        .nodes
        .iter()
        .map(|n| n.target.chars().count())
        .max()
        .unwrap_or(0);
    for n in &s.manifest.nodes {
        out.push_str(&format!(
            "collect: {:<w$}  {:<7} {:>6.1}s  {}\n",
            n.target,
            n.status.as_str(),
            n.seconds,
            match (&n.bundle, &n.reason) {
                (Some(b), Some(r)) => format!("{b} ({r})"),
                (Some(b), None) => b.clone(),
                (None, Some(r)) => r.clone(),
                (None, None) => String::new(),
            }
        ));
    }
    out.push_str(&format!(
        "collect: case {} ({}): {} of {} nodes answered",
        s.archive.display(),
        human_size(s.bytes),
        s.manifest.answered(),
        s.manifest.nodes.len()
    ));
    out
}
