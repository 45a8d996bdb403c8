//! Bounded, redacting spool: what a command prints or a file holds goes through the redactor,
//! line by line, into at most two segment files of `cap` bytes beside the output. When output
//! overflows, the older segment is dropped, so the newest tail survives (oldest-first truncation)
//! and neither memory nor disk grow with what a command prints.

use kdiag_bundle::redact::Redactor;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Longest piece handed to the redactor at once; longer lines are cut into pieces.
const MAX_LINE: usize = 1 << 20;

struct Segment {
    path: PathBuf,
    file: File,
    len: u64,
}

pub struct Spool {
    dir: PathBuf,
    stem: String,
    seq: u32,
    cap: u64,
    old: Option<Segment>,
    cur: Segment,
    dropped: bool,
    redactor: Redactor,
    line: Vec<u8>,
    out: Vec<u8>,
    extra_redactions: u64,
    /// Stop when the filesystem's free space falls below this (checked every few MiB).
    floor: u64,
    since_check: u64,
}

/// Bytes written between two free-space checks.
const CHECK_EVERY: u64 = 4 << 20;

impl Spool {
    /// A new spool in `dir` whose file names start with `stem`, keeping at most `cap` bytes.
    pub fn new(dir: &Path, stem: &str, cap: u64) -> io::Result<Spool> {
        let cur = new_segment(dir, stem, 0)?;
        Ok(Spool {
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
            seq: 0,
            cap: cap.max(1),
            old: None,
            cur,
            dropped: false,
            redactor: Redactor::new(),
            line: Vec::new(),
            out: Vec::new(),
            extra_redactions: 0,
            floor: 0,
            since_check: 0,
        })
    }

    /// Refuses to grow once the spool's filesystem has less than `bytes` free, so a chatty
    /// command can never fill a nearly full node disk.
    pub fn set_free_floor(&mut self, bytes: u64) {
        self.floor = bytes;
    }

    /// Marks the content as cut before it reached the spool (a file read from its tail).
    pub fn mark_truncated(&mut self) {
        self.dropped = true;
    }

    /// Counts secrets removed before the bytes reached the spool (argv values).
    pub fn add_redactions(&mut self, n: u64) {
        self.extra_redactions += n;
    }

    /// Feeds raw bytes; complete lines are redacted and stored.
    pub fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            match data.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    self.line.extend_from_slice(&data[..=p]);
                    data = &data[p + 1..];
                    self.flush_line()?;
                }
                None => {
                    let room = MAX_LINE.saturating_sub(self.line.len());
                    let take = room.min(data.len());
                    self.line.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.line.len() >= MAX_LINE {
                        self.flush_line()?;
                    }
                }
            }
        }
        Ok(())
    }

    fn flush_line(&mut self) -> io::Result<()> {
        if self.line.is_empty() {
            return Ok(());
        }
        self.out.clear();
        self.redactor.redact_line(&self.line, &mut self.out);
        self.line.clear();
        if self.cur.len > 0 && self.cur.len + self.out.len() as u64 > self.cap {
            self.seq += 1;
            let next = new_segment(&self.dir, &self.stem, self.seq)?;
            if let Some(old) = self.old.take() {
                let _ = fs::remove_file(&old.path);
                self.dropped = true;
            }
            self.old = Some(std::mem::replace(&mut self.cur, next));
        }
        self.cur.file.write_all(&self.out)?;
        self.cur.len += self.out.len() as u64;
        self.since_check += self.out.len() as u64;
        if self.floor > 0 && self.since_check >= CHECK_EVERY {
            self.since_check = 0;
            let free = crate::sys::free_space(&self.dir)?;
            if free < self.floor {
                return Err(io::Error::other(format!(
                    "stopped: only {} left on the output filesystem (floor {}), protecting the node",
                    crate::util::human_size(free),
                    crate::util::human_size(self.floor)
                )));
            }
        }
        Ok(())
    }

    /// Flushes the last partial line and returns the newest `cap` bytes, cut at a line boundary.
    pub fn finish(mut self) -> io::Result<Spooled> {
        self.flush_line()?;
        let mut segs = Vec::new();
        if let Some(o) = self.old.take() {
            segs.push((o.path, o.len));
        }
        segs.push((self.cur.path.clone(), self.cur.len));
        let mut s = Spooled {
            segs,
            start: 0,
            truncated: self.dropped,
            redactions: self.redactor.count() + self.extra_redactions,
        };
        let cap = self.cap;
        s.limit(cap)?;
        Ok(s)
    }
}

fn new_segment(dir: &Path, stem: &str, seq: u32) -> io::Result<Segment> {
    let path = dir.join(format!("{stem}.{seq}"));
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)?;
    Ok(Segment { path, file, len: 0 })
}

/// The finished content of one item: a window over one or two segment files.
#[derive(Debug)]
pub struct Spooled {
    segs: Vec<(PathBuf, u64)>,
    /// Offset of the first byte kept, over the concatenated segments.
    start: u64,
    pub truncated: bool,
    pub redactions: u64,
}

impl Spooled {
    fn total(&self) -> u64 {
        self.segs.iter().map(|s| s.1).sum()
    }

    /// Bytes kept.
    pub fn len(&self) -> u64 {
        self.total() - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps at most the newest `limit` bytes, starting at a line boundary when one exists.
    pub fn limit(&mut self, limit: u64) -> io::Result<()> {
        if self.len() <= limit {
            return Ok(());
        }
        self.truncated = true;
        let total = self.total();
        let raw = total - limit;
        if limit == 0 {
            self.start = total;
            return Ok(());
        }
        // Find the first '\n' at or after raw-1: the kept part starts just past it.
        let mut pos = raw - 1;
        let mut buf = vec![0u8; 64 * 1024];
        let mut found = None;
        'outer: while pos < total {
            let (seg, off) = self.locate(pos);
            let f = File::open(&self.segs[seg].0)?;
            let want = (self.segs[seg].1 - off).min(buf.len() as u64) as usize;
            let n = f.read_at(&mut buf[..want], off)?;
            if n == 0 {
                break;
            }
            for (k, b) in buf[..n].iter().enumerate() {
                if *b == b'\n' {
                    found = Some(pos + k as u64 + 1);
                    break 'outer;
                }
            }
            pos += n as u64;
        }
        self.start = match found {
            Some(p) if p < total => p,
            _ => raw,
        };
        Ok(())
    }

    fn locate(&self, pos: u64) -> (usize, u64) {
        let mut base = 0;
        for (i, s) in self.segs.iter().enumerate() {
            if pos < base + s.1 {
                return (i, pos - base);
            }
            base += s.1;
        }
        (
            self.segs.len() - 1,
            self.segs.last().map(|s| s.1).unwrap_or(0),
        )
    }

    /// A reader over the kept bytes.
    pub fn reader(&self) -> io::Result<Box<dyn Read + Send>> {
        let mut r: Box<dyn Read + Send> = Box::new(io::empty());
        let mut base = 0;
        for (path, len) in &self.segs {
            let end = base + len;
            if end > self.start {
                let off = self.start.saturating_sub(base);
                let mut f = File::open(path)?;
                f.seek(SeekFrom::Start(off))?;
                r = Box::new(r.chain(f.take(len - off)));
            }
            base = end;
        }
        Ok(r)
    }

    /// Removes the segment files.
    pub fn remove(&self) {
        for (p, _) in &self.segs {
            let _ = fs::remove_file(p);
        }
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        self.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(s: &Spooled) -> String {
        let mut v = String::new();
        s.reader().unwrap().read_to_string(&mut v).unwrap();
        v
    }

    #[test]
    fn keeps_newest_lines_and_redacts() {
        let dir = tempfile::tempdir().unwrap();
        let mut sp = Spool::new(dir.path(), "x", 100).unwrap();
        for i in 0..1000 {
            sp.write_all(format!("line {i:04} password=p{i}\n").as_bytes())
                .unwrap();
        }
        let s = sp.finish().unwrap();
        let text = read_all(&s);
        assert!(s.truncated);
        assert!(text.len() <= 100, "{}", text.len());
        assert!(text.starts_with("line "), "{text}");
        assert!(text.ends_with("line 0999 password=[REDACTED]\n"), "{text}");
        assert_eq!(s.redactions, 1000);
        // only two segments ever exist
        assert!(fs::read_dir(dir.path()).unwrap().count() <= 2);
    }

    #[test]
    fn stops_growing_below_the_free_space_floor() {
        let dir = tempfile::tempdir().unwrap();
        let mut sp = Spool::new(dir.path(), "z", 64 << 20).unwrap();
        sp.set_free_floor(u64::MAX);
        let line = vec![b'x'; 1023];
        let mut err = None;
        for _ in 0..(8 << 10) {
            if let Err(e) = sp.write_all(&line).and_then(|_| sp.write_all(b"\n")) {
                err = Some(e);
                break;
            }
        }
        let e = err.expect("the floor stops the spool");
        assert!(e.to_string().contains("protecting the node"), "{e}");
    }

    #[test]
    fn small_output_is_whole_and_limit_cuts_at_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut sp = Spool::new(dir.path(), "y", 1 << 20).unwrap();
        sp.write_all(b"aaa\nbbb\nccc").unwrap();
        let mut s = sp.finish().unwrap();
        assert_eq!(read_all(&s), "aaa\nbbb\nccc");
        assert!(!s.truncated);
        s.limit(6).unwrap();
        assert_eq!(read_all(&s), "ccc");
        assert!(s.truncated);
        drop(s);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
