//! The case archive, written as nodes answer: each node's bundle is appended as soon as it is
//! fetched (so the jump host holds at most one extra copy per node in flight), `case.json`
//! last; the file is `.NAME.tgz.tmp` until complete, then renamed.

use crate::writer;
use flate2::write::GzEncoder;
use flate2::Compression;
use kdiag_bundle::case::CASE_MANIFEST_PATH;
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read};
use std::path::{Path, PathBuf};

pub struct CaseArchive {
    tmp: PathBuf,
    target: PathBuf,
    top: String,
    tar: Option<tar::Builder<GzEncoder<BufWriter<File>>>>,
    names: HashSet<String>,
    mtime: u64,
}

impl CaseArchive {
    /// Starts `DIR/NAME.tgz` as `DIR/.NAME.tgz.tmp`; `AlreadyExists` when either is there.
    pub fn create(dir: &Path, name: &str, mtime: u64) -> io::Result<CaseArchive> {
        let (tmp, target, f) = writer::reserve(dir, name)?;
        // The bundles inside are gzip'd already: stored blocks cost no CPU and lose nothing.
        let gz = GzEncoder::new(BufWriter::with_capacity(256 * 1024, f), Compression::none());
        let mut tar = tar::Builder::new(gz);
        tar.mode(tar::HeaderMode::Deterministic);
        Ok(CaseArchive {
            tmp,
            target,
            top: name.to_string(),
            tar: Some(tar),
            names: HashSet::new(),
            mtime,
        })
    }

    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    /// A file name not used yet in the case: `NAME`, else `NAME` with `-2`, `-3`... before its
    /// extension (two nodes that call themselves the same within one second).
    pub fn unique_name(&mut self, name: &str) -> String {
        let (stem, ext) = match name.strip_suffix(".tgz") {
            Some(s) => (s, ".tgz"),
            None => (name, ""),
        };
        let mut candidate = name.to_string();
        let mut k = 2;
        while self.names.contains(&candidate) || candidate == CASE_MANIFEST_PATH {
            candidate = format!("{stem}-{k}{ext}");
            k += 1;
        }
        self.names.insert(candidate.clone());
        candidate
    }

    /// Appends `size` bytes of `data` as `TOP/name`.
    pub fn add(&mut self, name: &str, size: u64, data: &mut dyn Read) -> io::Result<()> {
        let tar = self.tar.as_mut().ok_or_else(closed)?;
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_mtime(self.mtime);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, format!("{}/{name}", self.top), data.take(size))
    }

    /// Appends `case.json` and publishes the archive; returns its path.
    pub fn finish(mut self, case_json: &[u8]) -> io::Result<PathBuf> {
        self.add(
            CASE_MANIFEST_PATH,
            case_json.len() as u64,
            &mut &case_json[..],
        )?;
        let tar = self.tar.take().ok_or_else(closed)?;
        let gz = tar.into_inner()?;
        let buf = gz.finish()?;
        let f = buf.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        // Never replaces a file that appeared meanwhile, and leaves no temp file behind.
        writer::publish(&self.tmp, &self.target)?;
        Ok(self.target.clone())
    }
}

impl Drop for CaseArchive {
    fn drop(&mut self) {
        if self.tar.is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

fn closed() -> io::Error {
    io::Error::other("case archive already finished")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_tgz_with_unique_names_and_case_json_last() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = CaseArchive::create(dir.path(), "kdiag-case-T", 0).unwrap();
        assert!(CaseArchive::create(dir.path(), "kdiag-case-T", 0).is_err());
        let n1 = a.unique_name("kdiag-n1-T.tgz");
        let n2 = a.unique_name("kdiag-n1-T.tgz");
        assert_eq!(
            (n1.as_str(), n2.as_str()),
            ("kdiag-n1-T.tgz", "kdiag-n1-T-2.tgz")
        );
        a.add(&n1, 3, &mut &b"abc"[..]).unwrap();
        a.add(&n2, 2, &mut &b"de"[..]).unwrap();
        let p = a.finish(b"{}").unwrap();
        assert!(!dir.path().join(".kdiag-case-T.tgz.tmp").exists());
        let out = std::process::Command::new("tar")
            .arg("-tzf")
            .arg(&p)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "kdiag-case-T/kdiag-n1-T.tgz\nkdiag-case-T/kdiag-n1-T-2.tgz\nkdiag-case-T/case.json\n"
        );
    }

    #[test]
    fn a_case_file_that_appears_meanwhile_is_kept_and_no_temp_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let a = CaseArchive::create(dir.path(), "kdiag-case-T", 0).unwrap();
        fs::write(dir.path().join("kdiag-case-T.tgz"), b"someone else's").unwrap();
        let err = a.finish(b"{}").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(
            fs::read(dir.path().join("kdiag-case-T.tgz")).unwrap(),
            b"someone else's"
        );
        assert!(!dir.path().join(".kdiag-case-T.tgz.tmp").exists());
    }
}
