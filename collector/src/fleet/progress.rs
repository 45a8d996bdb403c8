//! One line per node on a terminal (`node01  collecting  12s`), redrawn in place when a node
//! changes state; nothing at all when stderr is not a terminal (a log file, a CI job).

use std::io::Write;
use std::sync::Mutex;
use std::time::Instant;

pub struct Progress {
    tty: bool,
    start: Instant,
    width: usize,
    lines: Mutex<Option<Vec<(String, String)>>>,
}

impl Progress {
    /// `names` in display order; `tty`: draw at all.
    pub fn new(names: &[String], tty: bool) -> Progress {
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let p = Progress {
            tty,
            start: Instant::now(),
            width,
            lines: Mutex::new(Some(
                names
                    .iter()
                    .map(|n| (n.clone(), "waiting".into()))
                    .collect(),
            )),
        };
        if tty {
            let mut e = std::io::stderr().lock();
            for (n, s) in p
                .lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .flatten()
            {
                let _ = writeln!(e, "{n:<w$}  {s}", w = width);
            }
        }
        p
    }

    /// Node `i` is now in `state` (connecting, uploading, collecting, copying, done..., failed...).
    pub fn set(&self, i: usize, state: &str) {
        let mut guard = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let Some(lines) = guard.as_mut() else { return };
        if let Some(l) = lines.get_mut(i) {
            l.1 = format!("{state:<12} {:>4}s", self.start.elapsed().as_secs());
        }
        if !self.tty {
            return;
        }
        let mut e = std::io::stderr().lock();
        // Back to the first node's line, then each line cleared and rewritten.
        let _ = write!(e, "\x1b[{}A", lines.len());
        for (n, s) in lines.iter() {
            let s: String = s.chars().take(100).collect();
            let _ = writeln!(e, "\r\x1b[2K{n:<w$}  {s}", w = self.width);
        }
        let _ = e.flush();
    }
}

/// Whether stderr is a terminal.
pub fn stderr_is_tty() -> bool {
    // SAFETY: isatty only inspects the descriptor number; fd 2 always exists or gives ENOTTY/EBADF.
    unsafe { libc::isatty(2) == 1 }
}
