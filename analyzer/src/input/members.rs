//! Parallel inflate of a .tgz written as sized gzip members (collect's bundles: every member's
//! header carries its total size in the `KD` extra subfield, see kdiag_bundle::GZIP_MEMBER_SUBFIELD).
//! The raw stream is cut into members by their headers alone, a batch of members is inflated on
//! the rayon pool at a time, and the output is handed on in order: inflate runs on every core
//! instead of one. Any other gzip file goes through the ordinary single-stream decoder.

use std::collections::VecDeque;
use std::io::{self, Read};

use flate2::read::GzDecoder;
use kdiag_bundle::GZIP_MEMBER_SUBFIELD;
use rayon::prelude::*;

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
    /// Inflated members not yet handed on, in order.
    ready: VecDeque<Vec<u8>>,
    current: io::Cursor<Vec<u8>>,
    /// Members inflated per batch.
    batch: usize,
    /// Set when the raw stream ended or broke; returned once everything before it was read.
    end: Option<io::Result<()>>,
}

impl<R: Read> ParallelMembers<R> {
    pub(super) fn new(raw: R) -> ParallelMembers<R> {
        ParallelMembers {
            raw,
            ready: VecDeque::new(),
            current: io::Cursor::new(Vec::new()),
            batch: 2 * rayon::current_num_threads().max(1),
            end: None,
        }
    }

    /// Reads up to `batch` raw members and inflates them in parallel.
    fn refill(&mut self) {
        let mut raw_members: Vec<Vec<u8>> = Vec::new();
        while raw_members.len() < self.batch && self.end.is_none() {
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
                            Ok(n) if n == size - HEAD => raw_members.push(m),
                            Ok(_) => self.end = Some(Err(truncated("a member"))),
                            Err(e) => self.end = Some(Err(e)),
                        }
                    }
                },
                Err(e) => self.end = Some(Err(e)),
            }
        }
        let inflated: Vec<io::Result<Vec<u8>>> = raw_members
            .par_iter()
            .map(|m| {
                let mut out = Vec::with_capacity(kdiag_bundle::GZIP_MEMBER_BYTES);
                GzDecoder::new(&m[..]).read_to_end(&mut out).map(|_| out)
            })
            .collect();
        for r in inflated {
            match r {
                Ok(out) => self.ready.push_back(out),
                Err(e) => {
                    // A corrupt member: what came before it is kept, nothing after.
                    self.end = Some(Err(e));
                    break;
                }
            }
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
            if let Some(next) = self.ready.pop_front() {
                self.current = io::Cursor::new(next);
                continue;
            }
            match &self.end {
                Some(Ok(())) => return Ok(0),
                Some(Err(e)) => return Err(io::Error::new(e.kind(), e.to_string())),
                None => self.refill(),
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
    fn ordinary_gzip_is_not_a_sized_member() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"x").unwrap();
        assert_eq!(member_size(&e.finish().unwrap()), None);
    }
}
