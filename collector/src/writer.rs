//! The bundle file: a tar.gz streamed into a temporary file beside the target, renamed into place
//! only when complete. Applies the total size cap and computes each entry's sha256 while copying.

use crate::members::MemberWriter;
use crate::spool::Spooled;
use flate2::Compression;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

pub struct BundleWriter {
    tmp: PathBuf,
    target: PathBuf,
    top: String,
    tar: Option<tar::Builder<MemberWriter<BufWriter<File>>>>,
    written: u64,
    max_total: u64,
    mtime: u64,
}

/// What was written for one entry.
#[derive(Debug, Default)]
pub struct Written {
    pub bytes: u64,
    pub sha256: String,
    /// Cut because of the total cap.
    pub cut: bool,
}

struct HashReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

impl BundleWriter {
    /// Starts `DIR/NAME.tgz` as `DIR/.NAME.tgz.tmp`. `AlreadyExists` when either is there
    /// (another run holds the name).
    pub fn create(dir: &Path, name: &str, max_total: u64, mtime: u64) -> io::Result<BundleWriter> {
        let (tmp, target, f) = reserve(dir, name)?;
        let gz = MemberWriter::new(BufWriter::with_capacity(256 * 1024, f), Compression::new(6));
        let mut tar = tar::Builder::new(gz);
        tar.mode(tar::HeaderMode::Deterministic);
        Ok(BundleWriter {
            tmp,
            target,
            top: name.to_string(),
            tar: Some(tar),
            written: 0,
            max_total,
            mtime,
        })
    }

    pub fn tmp_path(&self) -> &Path {
        &self.tmp
    }

    pub fn target_path(&self) -> &Path {
        &self.target
    }

    /// Bytes still allowed under the total cap.
    pub fn room(&self) -> u64 {
        self.max_total.saturating_sub(self.written)
    }

    fn header(&self, len: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_size(len);
        h.set_mode(0o644);
        h.set_mtime(self.mtime);
        h.set_entry_type(tar::EntryType::Regular);
        h
    }

    /// Appends an item's content, cut to the total cap (newest lines kept).
    pub fn add_spooled(&mut self, path: &str, content: &mut Spooled) -> io::Result<Written> {
        let room = self.room();
        let mut cut = false;
        if content.len() > room {
            content.limit(room)?;
            cut = true;
        }
        let len = content.len();
        let mut r = HashReader {
            inner: content.reader()?,
            hash: Sha256::new(),
        };
        let mut h = self.header(len);
        let full = format!("{}/{}", self.top, path);
        let tar = self
            .tar
            .as_mut()
            .ok_or_else(|| io::Error::other("bundle already finished"))?;
        tar.append_data(&mut h, &full, &mut r)?;
        self.written += len;
        Ok(Written {
            bytes: len,
            sha256: hex(&r.hash.finalize()),
            cut,
        })
    }

    /// Appends a small in-memory entry (the manifest); not counted against the cap.
    pub fn add_bytes(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        let mut h = self.header(data.len() as u64);
        let full = format!("{}/{}", self.top, path);
        let tar = self
            .tar
            .as_mut()
            .ok_or_else(|| io::Error::other("bundle already finished"))?;
        tar.append_data(&mut h, &full, data)
    }

    /// Finishes the archive, syncs it and renames it to the final name.
    pub fn finish(mut self) -> io::Result<PathBuf> {
        let tar = self
            .tar
            .take()
            .ok_or_else(|| io::Error::other("bundle already finished"))?;
        let gz = tar.into_inner()?;
        let mut buf = gz.finish()?;
        buf.flush()?;
        let f = buf.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        publish(&self.tmp, &self.target)?;
        Ok(self.target.clone())
    }

    /// Removes the partial file.
    pub fn abandon(mut self) {
        self.tar.take();
        let _ = fs::remove_file(&self.tmp);
    }
}

impl Drop for BundleWriter {
    fn drop(&mut self) {
        // Still holding the archive means finish() never ran: never leave a partial file.
        if self.tar.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Reserves `DIR/NAME.tgz`: creates `DIR/.NAME.tgz.tmp` (never opening one that exists) and
/// returns (temp path, final path, the open temp file). `AlreadyExists` when either is there
/// (another run holds the name). The case archive uses it too.
pub(crate) fn reserve(dir: &Path, name: &str) -> io::Result<(PathBuf, PathBuf, File)> {
    let target = dir.join(format!("{name}.tgz"));
    let tmp = dir.join(format!(".{name}.tgz.tmp"));
    if target.symlink_metadata().is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists", target.display()),
        ));
    }
    let f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    Ok((tmp, target, f))
}

/// Moves the finished temp file to its final name without ever replacing a file there: a hard
/// link fails when the target exists (then the temp file is removed and the error returned).
/// Filesystems without hard links fall back to a checked rename.
pub(crate) fn publish(tmp: &Path, target: &Path) -> io::Result<()> {
    match fs::hard_link(tmp, target) {
        Ok(()) => fs::remove_file(tmp),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(tmp);
            Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} appeared while writing; not replaced", target.display()),
            ))
        }
        Err(_) => {
            if target.symlink_metadata().is_ok() {
                let _ = fs::remove_file(tmp);
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} appeared while writing; not replaced", target.display()),
                ));
            }
            fs::rename(tmp, target)
        }
    }
}

pub fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(H[(x >> 4) as usize] as char);
        s.push(H[(x & 15) as usize] as char);
    }
    s
}
