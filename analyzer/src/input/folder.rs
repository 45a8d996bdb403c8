//! An unpacked bundle folder: PATH is the top folder, or a folder holding it.
//! Symlinks are never followed; devices, FIFOs and sockets are never opened.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::Sink;

fn is_bundle_root(dir: &Path) -> bool {
    dir.join(kdiag_bundle::MANIFEST_PATH).is_file()
        || dir.join("node").is_dir()
        || dir.join("cluster").is_dir()
        || is_foreign_root(dir)
}

/// A folder whose own entries are the markers of a foreign format (a sosreport's
/// `sos_commands/`, a troubleshoot bundle's `cluster-resources/`): it is the root, whatever its
/// sub-folders hold (a sosreport's `sos_reports/` holds a manifest.json of its own).
fn is_foreign_root(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(|e| e.ok()).any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            super::foreign::sniff(&n).is_some()
                || super::foreign::sniff(&format!("{n}/x")).is_some()
                || (e.file_type().is_ok_and(|t| t.is_dir()) && is_marker_folder(&e.path(), &n))
        })
    })
}

/// A child folder holding a marker file of its own (a Rancher collector's `systeminfo/uname`, a
/// trimmed cluster-info dump's `<ns>/pods.json`): its parent is the root. Files only, so a folder
/// holding two sosreports (`<a>/sos_commands/`) is not taken for one.
fn is_marker_folder(dir: &Path, name: &str) -> bool {
    std::fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .any(|e| {
                let m = e.file_name().to_string_lossy().into_owned();
                super::foreign::sniff(&format!("{name}/{m}")).is_some()
            })
    })
}

/// Picks the bundle root inside `path`. Returns it and the top-folder name to fall back on.
fn find_root(path: &Path, sink: &mut Sink<'_>) -> PathBuf {
    if is_bundle_root(path) {
        return path.to_path_buf();
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
                .map(|e| e.path())
                .filter(|p| is_bundle_root(p))
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    match candidates.len() {
        0 => {
            sink.warn(format!(
                "{}: no manifest.json, node/ or cluster/ found: read as a bundle anyway",
                path.display()
            ));
            path.to_path_buf()
        }
        1 => candidates.remove(0),
        _ => {
            sink.warn(format!(
                "{}: holds {} bundles; only {} is read (give each bundle as its own PATH)",
                path.display(),
                candidates.len(),
                candidates[0].display()
            ));
            candidates.remove(0)
        }
    }
}

/// Reads every regular file under the bundle root into the sink. Returns the root's name.
pub(super) fn read_folder(path: &Path, sink: &mut Sink<'_>) -> Result<Option<String>, String> {
    let root = find_root(path, sink);
    let top = root
        .canonicalize()
        .unwrap_or_else(|_| root.clone())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let names: Vec<String> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    sink.sniff_names(names.iter().map(String::as_str));
    let walker = walkdir::WalkDir::new(&root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                sink.warn(format!("cannot read part of the folder: {e}"));
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let rel = match entry.path().strip_prefix(&root) {
            Ok(r) => r,
            Err(_) => continue,
        };
        let key = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if sink.skip(&key) {
            continue;
        }
        if ft.is_symlink() {
            sink.warn(format!("{key}: skipped, it is a symlink"));
            continue;
        }
        if !ft.is_file() {
            sink.warn(format!("{key}: skipped, it is not a regular file"));
            continue;
        }
        let mut f = match File::open(entry.path()) {
            Ok(f) => f,
            Err(e) => {
                sink.warn(format!("{key}: cannot open ({e})"));
                continue;
            }
        };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let (data, e) = if sink.streams(&key, len) {
            // A big log: scanned whole as it streams, never held.
            sink.read_entry(&key, false, f)
        } else {
            // Seek near the tail of huge files instead of reading what would be dropped.
            let cap = sink.limits.max_file_bytes;
            if len > cap.saturating_add(1 << 20) {
                let _ = f.seek(SeekFrom::Start(len - cap - (1 << 20)));
            }
            let (d, e) = sink.read_tail(&key, f.take(cap.saturating_add(1 << 20)));
            (Some(d), e)
        };
        if let Some(e) = e {
            sink.warn(format!(
                "{key}: read error ({e}), kept the {} bytes read",
                data.as_ref().map_or(0, |d| d.len())
            ));
        }
        if sink.total > sink.limits.max_total_bytes {
            return Err(format!(
                "stopped: more than {} MiB in the folder (the input size limit)",
                sink.limits.max_total_bytes >> 20
            ));
        }
        sink.insert_read(key, data);
    }
    Ok(top)
}
