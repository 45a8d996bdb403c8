//! Case archives (`collect --nodes`: docs/bundle-format.md): `kdiag-case-<UTC>/` holding one
//! `kdiag-<host>-<UTC>.tgz` per node that answered and `case.json`. Each nested bundle is read
//! as it streams out of the case archive (nothing is extracted), through its own byte budget and
//! ratio guard, into a node of its own; `case.json` says which nodes were asked and why the
//! others have no bundle.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use flate2::read::{GzDecoder, MultiGzDecoder};
use kdiag_bundle::case::{CaseManifest, CASE_MANIFEST_PATH, CASE_PREFIX};

use super::archive::{guard, open_counted, read_tar_stream, Budget, Counting};
use super::{clean_entry_path, err, InputError, Limits};
use crate::texts::node::{Node, StreamScanner};

/// What a case archive held.
pub struct CaseRead {
    /// `case.json`, when it was there and readable.
    pub manifest: Option<CaseManifest>,
    /// One per nested bundle, in archive order: its node, or why it could not be read.
    pub nodes: Vec<Result<Node, InputError>>,
    /// Problems of the case archive itself (a stray entry, an unreadable case.json, truncation).
    pub warnings: Vec<String>,
}

/// `kdiag-case-<yyyymmddThhmmssZ>/`: the top folder of a case archive.
fn is_case_top(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(CASE_PREFIX) else {
        return false;
    };
    let b = rest.as_bytes();
    b.len() >= 17
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z'
        && b[16] == b'/'
}

/// Whether `path` is a case archive: gzip whose first tar entry sits under `kdiag-case-<UTC>/`.
/// Reads one tar header.
pub fn is_case_archive(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(512);
    if GzDecoder::new(std::io::BufReader::new(f))
        .take(512)
        .read_to_end(&mut head)
        .is_err()
        || head.len() < 512
        || !super::is_tar_header(&head)
    {
        return false;
    }
    let name_end = head[..100].iter().position(|&b| b == 0).unwrap_or(100);
    is_case_top(&String::from_utf8_lossy(&head[..name_end]))
}

/// Reads every node bundle of the case archive at `path`.
pub fn read_case(
    path: &Path,
    limits: &Limits,
    scanner: Option<&dyn StreamScanner>,
) -> Result<CaseRead, InputError> {
    let (budget, raw) = open_counted(path)?;
    let stream = guard(MultiGzDecoder::new(raw), &budget, limits);
    let mut ar = tar::Archive::new(stream);
    let entries = ar
        .entries()
        .map_err(|e| err(path, format!("not a readable case archive: {e}")))?;
    let mut out = CaseRead {
        manifest: None,
        nodes: Vec::new(),
        warnings: Vec::new(),
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let why = budget.tripped().unwrap_or_else(|| e.to_string());
                out.warnings.push(format!(
                    "case archive truncated or corrupt after {} bundle(s) ({why}): read what came before",
                    out.nodes.len()
                ));
                break;
            }
        };
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if !matches!(
            entry.header().entry_type(),
            tar::EntryType::Regular | tar::EntryType::Continuous
        ) {
            if !entry.header().entry_type().is_dir() {
                out.warnings
                    .push(format!("entry {raw_name}: skipped, not a regular file"));
            }
            continue;
        }
        let key = match clean_entry_path(&raw_name) {
            Ok(Some(k)) => k,
            Ok(None) => continue,
            Err(why) => {
                out.warnings
                    .push(format!("entry {raw_name}: skipped, {why}"));
                continue;
            }
        };
        // TOP/NAME only: a case holds bundles and its manifest side by side.
        let name = match key.split_once('/') {
            Some((top, name)) if is_case_top(&format!("{top}/")) && !name.contains('/') => name,
            _ => {
                out.warnings
                    .push(format!("entry {key}: skipped, not a bundle of the case"));
                continue;
            }
        };
        if name == CASE_MANIFEST_PATH {
            let mut json = Vec::new();
            match (&mut entry).take(8 << 20).read_to_end(&mut json) {
                Ok(_) => match CaseManifest::from_json(&json) {
                    Ok(m) => out.manifest = Some(m),
                    Err(e) => out.warnings.push(e),
                },
                Err(e) => out.warnings.push(format!("case.json: cannot read: {e}")),
            }
            continue;
        }
        if !name.ends_with(".tgz") {
            out.warnings
                .push(format!("entry {key}: skipped, not a .tgz bundle"));
            continue;
        }
        // The nested bundle streams through its own counters: its bytes out of the case are
        // its compressed bytes, so the ratio guard holds for it as for a bundle on disk.
        let origin: PathBuf = path.join(name);
        let inner = Rc::new(Budget::default());
        let counted = Counting {
            inner: &mut entry,
            budget: inner.clone(),
        };
        let stream = guard(MultiGzDecoder::new(counted), &inner, limits);
        out.nodes
            .push(read_tar_stream(stream, &origin, limits, &inner, scanner));
        if let Some(why) = budget.tripped() {
            out.warnings.push(why);
            break;
        }
    }
    if out.manifest.is_none() && !out.warnings.iter().any(|w| w.starts_with("case.json")) {
        out.warnings.push(
            "no case.json: which nodes were asked and why some have no bundle is unknown".into(),
        );
    }
    if out.nodes.is_empty() && out.manifest.is_none() {
        return Err(err(
            path,
            "a case archive with neither bundles nor case.json",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_tops() {
        assert!(is_case_top("kdiag-case-20261204T190752Z/case.json"));
        assert!(is_case_top("kdiag-case-20261204T190752Z/"));
        assert!(!is_case_top("kdiag-case-x-20261204T190752Z/manifest.json"));
        assert!(!is_case_top("kdiag-node01-20261204T190752Z/manifest.json"));
        assert!(!is_case_top("kdiag-case-20261204T190752Z"));
    }
}
