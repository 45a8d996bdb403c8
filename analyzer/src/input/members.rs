//! Parallel inflate of a .tgz written as sized gzip members (collect's bundles: every member's
//! header carries its total size in the `KD` extra subfield, see kdiag_bundle::GZIP_MEMBER_SUBFIELD).
//! The raw stream is cut into members by their headers alone, a window of members is kept
//! inflating on the rayon pool ahead of the reader, and the output is handed on in order: inflate
//! runs on every core instead of one. Any other gzip file goes through the ordinary single-stream decoder.

use std::collections::VecDeque;
use std::io::{self, Read};

use flate2::read::GzDecoder;
use kdiag_bundle::GZIP_MEMBER_SUBFIELD;
use std::sync::mpsc;

/// Header bytes read before a member's size is known.
const HEAD: usize = 20;

/// The size a sized member's header carries, if `head` is one (gzip, deflate, FEXTRA only, an
/// extra field of 8 bytes holding the `KD` subfield of 4 bytes).
pub(super) fn member_size(head: &[u8]) -> Option<usize> {
    if head.len() < HEAD || head[..4] != [0x1f, 0x8b, 8, 0x04] {
        return None;
    }
    let xlen = u16::from_le_bytes([head[10], head[11]]);
    let sublen = u16::from_le_bytes([head[14], head[15]]);
    if xlen != 8 || head[12..14] != GZIP_MEMBER_SUBFIELD || sublen != 4 {
        return None;
    }
    let size = u32::from_le_bytes([head[16], head[17], head[18], head[19]]) as usize;
    (size > HEAD + 8).then_some(size)
}

pub(super) struct ParallelMembers<R> {
    raw: R,
    /// Members being inflated on the pool, in stream order: each answers on its own channel.
    pending: VecDeque<mpsc::Receiver<io::Result<Vec<u8>>>>,
    current: io::Cursor<Vec<u8>>,
    /// Members kept in flight ahead of the one being read.
    ahead: usize,
    /// Set when the raw stream ended or broke, or a member did not inflate; returned once
    /// everything before it was read.
    end: Option<io::Result<()>>,
}

impl<R: Read> ParallelMembers<R> {
    pub(super) fn new(raw: R) -> ParallelMembers<R> {
        ParallelMembers {
            raw,
            pending: VecDeque::new(),
            current: io::Cursor::new(Vec::new()),
            ahead: 2 * rayon::current_num_threads().max(1),
            end: None,
        }
    }

    /// The next raw member, or `None` with `end` set.
    fn next_raw(&mut self) -> Option<Vec<u8>> {
        let mut head = [0u8; HEAD];
        match read_full(&mut self.raw, &mut head) {
            Ok(0) => self.end = Some(Ok(())),
            Ok(n) if n < HEAD => self.end = Some(Err(truncated("a member header"))),
            Ok(_) => match member_size(&head) {
                None => {
                    self.end = Some(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a gzip member without its size after sized members",
                    )))
                }
                Some(size) => {
                    let mut m = vec![0u8; size];
                    m[..HEAD].copy_from_slice(&head);
                    match read_full(&mut self.raw, &mut m[HEAD..]) {
                        Ok(n) if n == size - HEAD => return Some(m),
                        Ok(_) => self.end = Some(Err(truncated("a member"))),
                        Err(e) => self.end = Some(Err(e)),
                    }
                }
            },
            Err(e) => self.end = Some(Err(e)),
        }
        None
    }

    /// Keeps `ahead` members inflating on the pool, so that inflate never waits for the reader
    /// to come back for the next batch (with batches, both cores idled at every batch's end).
    fn top_up(&mut self) {
        while self.pending.len() < self.ahead && self.end.is_none() {
            let Some(m) = self.next_raw() else { break };
            let (tx, rx) = mpsc::sync_channel(1);
            let job = move || {
                let mut out = Vec::with_capacity(kdiag_bundle::GZIP_MEMBER_BYTES);
                let r = GzDecoder::new(&m[..]).read_to_end(&mut out).map(|_| out);
                let _ = tx.send(r);
            };
            if rayon::current_thread_index().is_some() {
                // On a pool thread, waiting for pool jobs could wait forever: inflate here.
                job();
            } else {
                rayon::spawn(job);
            }
            self.pending.push_back(rx);
        }
    }
}

fn truncated(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!("gzip stream truncated inside {what}"),
    )
}

/// Reads until `buf` is full or the stream ends; the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl<R: Read> Read for ParallelMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            self.top_up();
            if let Some(rx) = self.pending.pop_front() {
                match rx.recv() {
                    Ok(Ok(out)) => {
                        self.current = io::Cursor::new(out);
                        self.top_up();
                    }
                    // A corrupt member: what came before it is kept, nothing after.
                    Ok(Err(e)) => {
                        self.pending.clear();
                        self.end = Some(Err(e));
                    }
                    Err(_) => {
                        self.pending.clear();
                        self.end = Some(Err(io::Error::other("inflating a member panicked")));
                    }
                }
                continue;
            }
            match &self.end {
                Some(Err(e)) => return Err(io::Error::new(e.kind(), e.to_string())),
                _ => return Ok(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Sized members as collect writes them, one per chunk (collect's own writer).
    fn sized(chunks: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for c in chunks {
            let mut w = kdiag_collector::members::MemberWriter::new(
                Vec::new(),
                flate2::Compression::fast(),
            );
            w.write_all(c).unwrap();
            out.extend(w.finish().unwrap());
        }
        out
    }

    #[test]
    fn members_come_back_in_order() {
        let chunks: Vec<Vec<u8>> = (0..23u8)
            .map(|i| vec![b'a' + i; 1000 + i as usize])
            .collect();
        let refs: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
        let gz = sized(&refs);
        assert!(member_size(&gz).is_some());
        let mut out = Vec::new();
        ParallelMembers::new(&gz[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, chunks.concat());
    }

    #[test]
    fn a_truncated_stream_keeps_the_whole_members_and_says_so() {
        let gz = sized(&[b"first\n", b"second\n", b"third\n"]);
        let cut = &gz[..gz.len() - 5];
        let mut out = Vec::new();
        let e = ParallelMembers::new(cut).read_to_end(&mut out).unwrap_err();
        assert_eq!(out, b"first\nsecond\n");
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_corrupt_member_keeps_what_came_before_and_nothing_after() {
        let one = sized(&[b"first\n"]);
        let mut two = sized(&[b"second member, long enough to be deflated\n"]);
        let three = sized(&[b"third\n"]);
        // The CRC-32 of member two no longer matches what it inflates to.
        let crc = two.len() - 8;
        two[crc] ^= 0xff;
        let gz = [one, two, three].concat();
        let mut out = Vec::new();
        let e = ParallelMembers::new(&gz[..])
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(out, b"first\n");
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
    }

    #[test]
    fn ordinary_gzip_is_not_a_sized_member() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"x").unwrap();
        assert_eq!(member_size(&e.finish().unwrap()), None);
    }
}
