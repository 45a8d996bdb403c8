//! Runs one command with a timeout: its own process group, stdin from /dev/null, stdout streamed
//! into a [`Spool`], the first 4 KiB of stderr kept, the whole group killed on timeout or on
//! interrupt. Nothing here can block past the timeout: pipes are read with poll(2).

use crate::spool::Spool;
use kdiag_bundle::Status;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bytes of stderr kept for the manifest.
pub const STDERR_KEEP: usize = 4096;

/// Set by the signal handler (SIGINT/SIGTERM); every runner watches it.
pub static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

/// Process groups of the commands now running, so an interrupt can kill them.
pub static RUNNING: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// What came of running a command.
#[derive(Debug)]
pub struct RunResult {
    pub status: Status,
    pub exit_code: Option<i32>,
    pub stderr: String,
    pub duration: Duration,
}

/// Runs `argv` for at most `timeout`, feeding stdout to `out`. `ok_codes` are the exit codes that
/// mean the output is the answer (e.g. 3 for `systemctl status` of a stopped unit).
pub fn run(argv: &[String], timeout: Duration, ok_codes: &[i32], out: &mut Spool) -> RunResult {
    run_with(argv, None, timeout, ok_codes, &mut |b| out.write_all(b))
}

/// [`run`], with stdin read from `stdin` instead of /dev/null (a file to send, e.g. the binary
/// `collect --nodes` uploads over ssh) and stdout handed to `out` as it arrives (a file that
/// must stay byte for byte, e.g. a bundle coming back, never a redacting [`Spool`]). An error
/// from `out` stops the command, like a full spool.
pub fn run_with(
    argv: &[String],
    stdin: Option<std::fs::File>,
    timeout: Duration,
    ok_codes: &[i32],
    out: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> RunResult {
    let start = Instant::now();
    let fail = |status, msg: String| RunResult {
        status,
        exit_code: None,
        stderr: msg,
        duration: start.elapsed(),
    };
    let Some((prog, args)) = argv.split_first() else {
        return fail(Status::Failed, "empty command".into());
    };
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .stdin(stdin.map_or_else(Stdio::null, Stdio::from))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .env("LANG", "C")
        .env("PAGER", "cat")
        .env("SYSTEMD_PAGER", "cat")
        .env("SYSTEMD_COLORS", "0")
        .process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return match e.kind() {
                io::ErrorKind::NotFound => fail(
                    Status::NotFound,
                    format!("{prog}: command not found in PATH"),
                ),
                io::ErrorKind::PermissionDenied => {
                    fail(Status::PermissionDenied, format!("{prog}: {e}"))
                }
                _ => fail(Status::Failed, format!("{prog}: cannot start: {e}")),
            };
        }
    };
    let pgid = child.id() as i32;
    RUNNING.lock().unwrap_or_else(|e| e.into_inner()).push(pgid);
    let r = drive(&mut child, pgid, start, timeout, ok_codes, out);
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|&p| p != pgid);
    r
}

fn kill_group(pgid: i32) {
    // SAFETY: killpg only sends a signal; pgid is the group of a child we spawned with
    // process_group(0) and have not reaped yet, so the id cannot have been reused.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}

/// Kills every running command's process group (on interrupt).
pub fn kill_all() {
    for &p in RUNNING.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        kill_group(p);
    }
}

fn drive(
    child: &mut Child,
    pgid: i32,
    start: Instant,
    timeout: Duration,
    ok_codes: &[i32],
    out: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> RunResult {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let mut err_buf: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut timed_out = false;
    let mut interrupted = false;
    let mut write_error: Option<io::Error> = None;
    let mut out_bytes: u64 = 0;
    while stdout.is_some() || stderr.is_some() {
        if start.elapsed() >= timeout {
            timed_out = true;
            break;
        }
        if INTERRUPTED.load(Ordering::Relaxed) != 0 {
            interrupted = true;
            break;
        }
        let mut fds: Vec<libc::pollfd> = Vec::with_capacity(2);
        if let Some(s) = &stdout {
            fds.push(libc::pollfd {
                fd: s.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        if let Some(s) = &stderr {
            fds.push(libc::pollfd {
                fd: s.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let left = timeout.saturating_sub(start.elapsed()).as_millis().min(200) as i32;
        // SAFETY: fds is a live, correctly sized array of pollfd for the duration of the call.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, left.max(1)) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            break;
        }
        if n == 0 {
            continue;
        }
        let mut k = 0;
        if stdout.is_some() {
            let rev = fds[k].revents;
            k += 1;
            if rev != 0 {
                let s = stdout.as_mut().map(|s| s.read(&mut buf));
                match s {
                    Some(Ok(0)) | Some(Err(_)) | None => stdout = None,
                    Some(Ok(n)) => {
                        out_bytes += n as u64;
                        if write_error.is_none() {
                            if let Err(e) = out(&buf[..n]) {
                                write_error = Some(e);
                            }
                        }
                    }
                }
            }
        }
        if stderr.is_some() && k < fds.len() && fds[k].revents != 0 {
            match stderr.as_mut().map(|s| s.read(&mut buf)) {
                Some(Ok(0)) | Some(Err(_)) | None => stderr = None,
                Some(Ok(n)) => {
                    let room = STDERR_KEEP.saturating_sub(err_buf.len());
                    err_buf.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        if write_error.is_some() {
            // The spool cannot take more (disk full, file size limit): stop the command.
            break;
        }
    }
    // Pipes are closed (or we gave up): wait for the exit, within what is left of the timeout.
    let status = loop {
        if timed_out || interrupted || write_error.is_some() {
            kill_group(pgid);
            break child.wait().ok();
        }
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) => {
                if start.elapsed() >= timeout {
                    timed_out = true;
                    continue;
                }
                if INTERRUPTED.load(Ordering::Relaxed) != 0 {
                    interrupted = true;
                    continue;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => break None,
        }
    };
    // Whatever the leader did, leave no stray process of this command behind.
    kill_group(pgid);
    let mut stderr_text = String::from_utf8_lossy(&err_buf).into_owned();
    // stderr may carry secrets too (a failed curl with a URL).
    stderr_text = kdiag_bundle::redact::Redactor::redact_text(&stderr_text).0;
    let exit_code = status.and_then(|s| s.code().or_else(|| s.signal().map(|g| 128 + g)));
    let duration = start.elapsed();
    if let Some(e) = write_error {
        return RunResult {
            status: Status::Failed,
            exit_code,
            stderr: format!("cannot write output: {e}; {stderr_text}"),
            duration,
        };
    }
    if timed_out {
        return RunResult {
            status: Status::Timeout,
            exit_code,
            stderr: format!(
                "timed out after {:.1}s; process group killed. {stderr_text}",
                timeout.as_secs_f64()
            )
            .trim_end()
            .to_string(),
            duration,
        };
    }
    if interrupted {
        return RunResult {
            status: Status::Skipped,
            exit_code,
            stderr: "interrupted".into(),
            duration,
        };
    }
    let status = match exit_code {
        Some(0) => Status::Ok,
        // An accepted non-zero code with nothing on stdout but a complaint on stderr is an error
        // (`systemctl status` on a host without systemd), not an answer.
        Some(c) if ok_codes.contains(&c) && (out_bytes > 0 || stderr_text.trim().is_empty()) => {
            Status::Ok
        }
        _ if looks_permission_denied(&stderr_text) => Status::PermissionDenied,
        _ => Status::Failed,
    };
    RunResult {
        status,
        exit_code,
        stderr: stderr_text,
        duration,
    }
}

/// What tools print when they need root (iptables-save, dmesg with dmesg_restrict, crictl).
pub fn looks_permission_denied(stderr: &str) -> bool {
    let l = stderr.to_ascii_lowercase();
    l.contains("permission denied")
        || l.contains("operation not permitted")
        || l.contains("you must be root")
        || l.contains("must be run as root")
}
