//! Streaming readers for .tgz/.tar.gz, .tar.xz, .tar.bz2, .tar and .zip (and a single compressed
//! text): each entry read once, into memory, under a byte budget and a compression-ratio guard.
//! Nothing is extracted.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::Path;
use std::rc::Rc;

use flate2::read::MultiGzDecoder;
use tar::EntryType;

use super::{
    clean_entry_path, err, file_name, is_tar_header, looks_like_text, InputError, Limits, Sink,
};
use crate::texts::node::{Node, StreamScanner};

/// Compressed bytes in, decompressed bytes out, and why we stopped (if the guard tripped).
#[derive(Default)]
pub(super) struct Budget {
    compressed: Cell<u64>,
    decompressed: Cell<u64>,
    tripped: RefCell<Option<String>>,
}

impl Budget {
    pub(super) fn tripped(&self) -> Option<String> {
        self.tripped.borrow().clone()
    }
}

/// Counts the raw (compressed) bytes read from the file.
pub(super) struct Counting<R> {
    pub(super) inner: R,
    pub(super) budget: Rc<Budget>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget
            .compressed
            .set(self.budget.compressed.get() + n as u64);
        Ok(n)
    }
}

/// Counts decompressed bytes and fails the read once a bound is crossed.
pub(super) struct Guard<R> {
    inner: R,
    budget: Rc<Budget>,
    max_total: u64,
    max_ratio: u64,
    ratio_floor: u64,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(why) = self.budget.tripped() {
            return Err(io::Error::other(why));
        }
        let n = self.inner.read(buf)?;
        let total = self.budget.decompressed.get() + n as u64;
        self.budget.decompressed.set(total);
        let why = if total > self.max_total {
            Some(format!(
                "stopped: more than {} MiB decompressed (the input size limit); a real bundle is far smaller, this looks like a decompression bomb",
                self.max_total >> 20
            ))
        } else if total > self.ratio_floor
            && total / self.budget.compressed.get().max(1) > self.max_ratio
        {
            Some(format!(
                "stopped: compression ratio over {}:1 after {} MiB decompressed from {} KiB; this looks like a gzip/zip bomb",
                self.max_ratio,
                total >> 20,
                self.budget.compressed.get() >> 10
            ))
        } else {
            None
        };
        if let Some(why) = why {
            *self.budget.tripped.borrow_mut() = Some(why.clone());
            return Err(io::Error::other(why));
        }
        Ok(n)
    }
}

pub(super) fn guard<R: Read>(inner: R, budget: &Rc<Budget>, limits: &Limits) -> Guard<R> {
    Guard {
        inner,
        budget: budget.clone(),
        max_total: limits.max_total_bytes,
        max_ratio: limits.max_ratio,
        ratio_floor: limits.ratio_floor_bytes,
    }
}

fn open(path: &Path) -> Result<File, InputError> {
    File::open(path).map_err(|e| err(path, format!("cannot open: {e}")))
}

/// The file at `path`, buffered, its raw bytes counted into a fresh budget.
pub(super) fn open_counted(
    path: &Path,
) -> Result<(Rc<Budget>, Counting<BufReader<File>>), InputError> {
    let budget = Rc::new(Budget::default());
    let raw = Counting {
        inner: BufReader::new(open(path)?),
        budget: budget.clone(),
    };
    Ok((budget, raw))
}

/// A compression of a whole file (the tar inside it, or one text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compression {
    Gzip,
    Xz,
    Bzip2,
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Compression::Gzip => ".gz",
            Compression::Xz => ".xz",
            Compression::Bzip2 => ".bz2",
        }
    }

    /// Every member or stream, concatenated (pigz, `cat a.gz b.gz`, multi-stream xz).
    fn decoder<'r, R: Read + 'r>(self, raw: R) -> Box<dyn Read + 'r> {
        match self {
            Compression::Gzip => Box::new(MultiGzDecoder::new(raw)),
            Compression::Xz => Box::new(lzma_rust2::XzReader::new(raw, true)),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(raw)),
        }
    }
}

/// Whether the file starts with a sized gzip member (collect's bundles): then its members are
/// inflated on every core.
fn sized_members(path: &Path) -> bool {
    let mut head = [0u8; 20];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| super::members::member_size(&head).is_some())
}

/// A compressed file: a .tgz / .tar.xz / .tar.bz2 (a sosreport is .tar.xz), or one compressed
/// text (`kubelet.log.gz`).
pub(super) fn read_compressed(
    path: &Path,
    kind: Compression,
    limits: &Limits,
    scanner: Option<&dyn StreamScanner>,
) -> Result<Node, InputError> {
    let (budget, raw) = open_counted(path)?;
    let what = kind.name();
    let decoder = if kind == Compression::Gzip && sized_members(path) {
        Box::new(super::members::ParallelMembers::new(raw)) as Box<dyn Read>
    } else {
        kind.decoder(raw)
    };
    let mut stream = guard(decoder, &budget, limits);
    let mut head = Vec::with_capacity(512);
    if let Err(e) = (&mut stream).take(512).read_to_end(&mut head) {
        if let Some(why) = budget.tripped() {
            return Err(err(path, why));
        }
        if head.len() < 512 {
            return Err(err(path, format!("corrupt or truncated {what}: {e}")));
        }
    }
    if head.is_empty() {
        return Err(err(path, format!("{what} file with empty content")));
    }
    let zero_block = head.len() == 512 && head.iter().all(|&b| b == 0);
    let rest = Cursor::new(head.clone()).chain(stream);
    if is_tar_header(&head) || zero_block {
        return read_tar_stream(rest, path, limits, &budget, scanner);
    }
    if looks_like_text(&head) {
        let mut sink = Sink::new(limits, scanner);
        let name = {
            let n = file_name(path);
            match n.strip_suffix(kind.suffix()) {
                Some(s) if !s.is_empty() => s.to_string(),
                _ => n,
            }
        };
        let (data, e) = sink.read_entry(&name, true, rest);
        if let Some(e) = e {
            if let Some(why) = budget.tripped() {
                return Err(err(path, why));
            }
            sink.warn(format!(
                "{name}: {what} stream truncated or corrupt ({e}); kept what was readable"
            ));
        }
        return Ok(sink.into_loose(path, &name, data));
    }
    Err(err(
        path,
        format!("{what} file holding neither a tar archive nor text"),
    ))
}

/// A plain .tar file.
pub(super) fn read_tar_file(
    path: &Path,
    limits: &Limits,
    scanner: Option<&dyn StreamScanner>,
) -> Result<Node, InputError> {
    let (budget, raw) = open_counted(path)?;
    // No compression: the ratio guard is moot (1:1), the total bound still holds.
    let stream = guard(raw, &budget, limits);
    read_tar_stream(stream, path, limits, &budget, scanner)
}

pub(super) fn read_tar_stream<R: Read>(
    reader: R,
    path: &Path,
    limits: &Limits,
    budget: &Rc<Budget>,
    scanner: Option<&dyn StreamScanner>,
) -> Result<Node, InputError> {
    let mut sink = Sink::new(limits, scanner);
    let mut ar = tar::Archive::new(reader);
    let entries = ar
        .entries()
        .map_err(|e| err(path, format!("not a readable tar archive: {e}")))?;
    let mut last_ok: Option<String> = None;
    let mut stop_error: Option<String> = None;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                if let Some(why) = budget.tripped() {
                    return Err(err(path, why));
                }
                let after = match &last_ok {
                    Some(k) => format!("after entry {k}"),
                    None => "before the first entry".to_string(),
                };
                stop_error = Some(format!(
                    "archive truncated or corrupt {after} ({e}): read what came before"
                ));
                break;
            }
        };
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        let what = match kind {
            EntryType::Regular | EntryType::Continuous => None,
            EntryType::Directory
            | EntryType::XGlobalHeader
            | EntryType::XHeader
            | EntryType::GNULongName
            | EntryType::GNULongLink => continue,
            EntryType::Symlink => Some("a symlink"),
            EntryType::Link => Some("a hardlink"),
            EntryType::Char => Some("a character device"),
            EntryType::Block => Some("a block device"),
            EntryType::Fifo => Some("a FIFO"),
            EntryType::GNUSparse => Some("a sparse file"),
            _ => Some("an unknown entry type"),
        };
        if let Some(what) = what {
            // A foreign archive's links no row reads (sos's root symlinks) are skipped quietly.
            if !matches!(clean_entry_path(&raw_name), Ok(Some(k)) if sink.skip(&k)) {
                sink.warn(format!("entry {raw_name}: skipped, it is {what}"));
            }
            continue;
        }
        let key = match clean_entry_path(&raw_name) {
            Ok(Some(k)) => k,
            Ok(None) => continue,
            Err(why) => {
                sink.warn(format!("entry {raw_name}: skipped, {why}"));
                continue;
            }
        };
        if sink.skip(&key) {
            continue;
        }
        let declared = entry.size();
        let before = sink.total;
        let (data, e) = sink.read_entry(&key, false, &mut entry);
        let got = sink.total - before;
        if let Some(e) = e {
            if let Some(why) = budget.tripped() {
                return Err(err(path, why));
            }
            stop_error = Some(format!(
                "archive truncated inside entry {key} ({e}): kept its first {got} of {declared} bytes, nothing after it was read"
            ));
            sink.insert_read(key, data);
            break;
        }
        if got < declared {
            stop_error = Some(format!(
                "archive truncated inside entry {key}: its header says {declared} bytes, only {got} were there; nothing after it was read"
            ));
            sink.insert_read(key, data);
            break;
        }
        sink.insert_read(key.clone(), data);
        last_ok = Some(key);
    }
    if let Some(why) = budget.tripped() {
        return Err(err(path, why));
    }
    if let Some(stop) = stop_error {
        sink.settle();
        if sink.files.is_empty() && sink.streamed.is_empty() {
            return Err(err(path, format!("no readable entry: {stop}")));
        }
        sink.warn(stop);
    }
    Ok(sink.into_bundle(path, None))
}

/// A .zip: through its central directory; when that is corrupt, from the local headers.
pub(super) fn read_zip(
    path: &Path,
    limits: &Limits,
    scanner: Option<&dyn StreamScanner>,
) -> Result<Node, InputError> {
    let budget = Rc::new(Budget::default());
    let mut sink = Sink::new(limits, scanner);
    match zip::ZipArchive::new(BufReader::new(open(path)?)) {
        Ok(mut za) => {
            for i in 0..za.len() {
                let zf = match za.by_index(i) {
                    Ok(f) => f,
                    Err(e) => {
                        sink.warn(format!("zip entry #{i}: unreadable ({e}), skipped"));
                        continue;
                    }
                };
                zip_entry(zf, &mut sink, &budget, limits).map_err(|why| err(path, why))?;
            }
        }
        Err(central) => {
            sink.warn(format!(
                "zip central directory unreadable ({central}): entries read from their local headers instead"
            ));
            let mut r = BufReader::new(open(path)?);
            loop {
                match zip::read::read_zipfile_from_stream(&mut r) {
                    Ok(Some(zf)) => {
                        zip_entry(zf, &mut sink, &budget, limits).map_err(|why| err(path, why))?
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let last = sink.files.keys().last().cloned().unwrap_or_default();
                        sink.warn(format!("zip stream stopped after entry {last} ({e})"));
                        break;
                    }
                }
            }
            if sink.files.is_empty() {
                return Err(err(path, format!("not a readable zip archive: {central}")));
            }
        }
    }
    Ok(sink.into_bundle(path, None))
}

/// Reads one zip entry into the sink. `Err` only when the budget guard tripped.
fn zip_entry<R: Read>(
    mut zf: zip::read::ZipFile<'_, R>,
    sink: &mut Sink<'_>,
    budget: &Rc<Budget>,
    limits: &Limits,
) -> Result<(), String> {
    let raw_name = match zf.name() {
        Ok(n) => n.into_owned(),
        Err(e) => {
            sink.warn(format!("zip entry with an unreadable name ({e}): skipped"));
            return Ok(());
        }
    };
    if zf.is_dir() {
        return Ok(());
    }
    if zf.is_symlink() {
        sink.warn(format!("entry {raw_name}: skipped, it is a symlink"));
        return Ok(());
    }
    if let Some(mode) = zf.unix_mode() {
        let ft = mode & 0o170000;
        if ft != 0 && ft != 0o100000 {
            sink.warn(format!(
                "entry {raw_name}: skipped, it is not a regular file (mode {mode:o})"
            ));
            return Ok(());
        }
    }
    if zf.encrypted() {
        sink.warn(format!("entry {raw_name}: skipped, it is encrypted"));
        return Ok(());
    }
    let key = match clean_entry_path(&raw_name) {
        Ok(Some(k)) => k,
        Ok(None) => return Ok(()),
        Err(why) => {
            sink.warn(format!("entry {raw_name}: skipped, {why}"));
            return Ok(());
        }
    };
    if sink.skip(&key) {
        return Ok(());
    }
    budget
        .compressed
        .set(budget.compressed.get() + zf.compressed_size());
    let (data, e) = sink.read_entry(&key, false, guard(&mut zf, budget, limits));
    if let Some(why) = budget.tripped() {
        return Err(why);
    }
    if let Some(e) = e {
        sink.warn(format!(
            "entry {key}: read error ({e}), kept the {} bytes read",
            data.as_ref().map_or(0, |d| d.len())
        ));
    }
    sink.insert_read(key, data);
    Ok(())
}
