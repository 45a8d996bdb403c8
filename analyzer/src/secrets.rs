//! `analyze secrets PATH...`: re-scans bundles (an old collector's, or one assembled by hand) with
//! the bundle crate's detector (`kdiag_bundle::redact::scan_text`, the code `collect` redacts
//! with) and lists what looks like a secret: path, line, kind and a masked form, never the value.
//!
//! Reads through [`crate::input::read_input`], so the same bounds and hostile-entry rules apply
//! and nothing is written anywhere. Exit codes: 0 clean, 1 something found, 3 no input readable.

use std::io::Write;
use std::path::{Path, PathBuf};

use kdiag_bundle::redact::{scan_text, Hit};

use crate::input::{read_input, Limits};

/// Exit code when every input is clean.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code when something looks like a secret.
pub const EXIT_FOUND: i32 = 1;
/// Exit code when no input could be read.
pub const EXIT_NO_INPUT: i32 = 3;

/// One detection, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The PATH given on the command line.
    pub input: PathBuf,
    /// The file inside it (bundle-relative), or the loose file's name.
    pub file: String,
    pub hit: Hit,
}

impl Located {
    /// `bundle.tgz: node/journal/kubelet.log:12: bearer-token: ey… (38 bytes)`.
    pub fn line(&self) -> String {
        let name = match &self.hit.name {
            Some(n) => format!(" (in {})", sanitize(n)),
            None => String::new(),
        };
        format!(
            "{}: {}:{}: {}{}: {}",
            self.input.display(),
            sanitize(&self.file),
            self.hit.line,
            self.hit.kind.as_str(),
            name,
            self.hit.masked
        )
    }
}

/// Control characters of hostile names shown as `?`, so a file name cannot drive the terminal.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Scans one input. `Err` is why it could not be read.
pub fn scan_input(path: &Path, limits: &Limits) -> Result<(Vec<Located>, Vec<String>), String> {
    let node = read_input(path, limits).map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    for (file, bytes) in &node.files {
        for hit in scan_text(bytes) {
            found.push(Located {
                input: path.to_path_buf(),
                file: file.clone(),
                hit,
            });
        }
    }
    Ok((found, node.warnings))
}

/// Runs the subcommand: prints one line per detection on stdout, problems on stderr.
pub fn run(paths: &[PathBuf]) -> i32 {
    let limits = Limits::default();
    let mut read = 0usize;
    let mut total = 0usize;
    let mut out = std::io::stdout().lock();
    for p in paths {
        match scan_input(p, &limits) {
            Ok((found, warnings)) => {
                read += 1;
                for w in warnings {
                    eprintln!("analyze secrets: {}: {}", p.display(), sanitize(&w));
                }
                for f in &found {
                    let _ = writeln!(out, "{}", f.line());
                }
                total += found.len();
            }
            Err(e) => eprintln!("analyze secrets: cannot read {}", sanitize(&e)),
        }
    }
    let _ = out.flush();
    if read == 0 {
        eprintln!("analyze secrets: no input could be read");
        return EXIT_NO_INPUT;
    }
    if total > 0 {
        eprintln!(
            "analyze secrets: {total} possible secret(s) in {read} input(s); values are masked"
        );
        EXIT_FOUND
    } else {
        eprintln!("analyze secrets: no secret found in {read} input(s)");
        EXIT_CLEAN
    }
}
