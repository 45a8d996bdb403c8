//! Interruption and cleanup. SIGINT and SIGTERM end the run cleanly: running commands are
//! killed (their whole process groups), the temporary files registered here are removed, and
//! the process exits 128 + the signal, leaving no partial bundle. SIGXFSZ is ignored, so a file
//! size limit (`ulimit -f`) is an EFBIG error the run reports instead of a silent death.

use crate::runner::{self, INTERRUPTED};
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

/// Paths to remove if the process is interrupted (temp bundle, spool folder).
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes `path` (a file or a folder) if the run is interrupted from now on.
pub fn remove_on_interrupt(path: PathBuf) {
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).push(path);
}

/// The run is over (its bundle is published): an interruption now removes nothing.
pub fn forget_cleanup() {
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

extern "C" fn on_signal(sig: libc::c_int) {
    INTERRUPTED.store(sig, Ordering::SeqCst);
}

/// SIGXFSZ ignored (a file size limit becomes EFBIG, an error we handle); SIGINT/SIGTERM noted,
/// and a watcher thread kills running commands, removes the temp files and exits 130/143.
pub fn install() {
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
