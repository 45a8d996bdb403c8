//! The bundle's gzip stream as independent members (kdiag_bundle::GZIP_MEMBER_BYTES of tar
//! stream each), each header carrying its own compressed size in an extra subfield
//! (kdiag_bundle::GZIP_MEMBER_SUBFIELD), so `analyze` can inflate members on every core. A
//! multi-member gzip is one valid .tgz for tar, gzip, pigz and every other reader (RFC 1952).

use std::io::{self, Write};

use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};
use kdiag_bundle::{GZIP_MEMBER_BYTES, GZIP_MEMBER_SUBFIELD};

pub struct MemberWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    level: Compression,
    /// Bytes of input per member.
    member_bytes: usize,
}

impl<W: Write> MemberWriter<W> {
    /// Members of kdiag_bundle::GZIP_MEMBER_BYTES, as bundles are written.
    pub fn new(inner: W, level: Compression) -> MemberWriter<W> {
        MemberWriter::with_member_bytes(inner, level, GZIP_MEMBER_BYTES)
    }

    /// Members of `member_bytes` of input each (tests use small ones to get many members).
    pub fn with_member_bytes(inner: W, level: Compression, member_bytes: usize) -> MemberWriter<W> {
        let member_bytes = member_bytes.max(1);
        MemberWriter {
            inner,
            buf: Vec::with_capacity(member_bytes),
            level,
            member_bytes,
        }
    }

    /// Writes out the buffered bytes as one member (nothing when empty).
    fn member(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut deflate = DeflateEncoder::new(Vec::with_capacity(self.buf.len() / 4), self.level);
        deflate.write_all(&self.buf)?;
        let body = deflate.finish()?;
        let mut crc = Crc::new();
        crc.update(&self.buf);
        // 10-byte header with FEXTRA, XLEN 8 (one 8-byte subfield), the body, the 8-byte trailer.
        let total = 10 + 2 + 8 + body.len() + 8;
        let total =
            u32::try_from(total).map_err(|_| io::Error::other("a gzip member over 4 GiB"))?;
        let mut head = Vec::with_capacity(20);
        head.extend_from_slice(&[0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 255]);
        head.extend_from_slice(&8u16.to_le_bytes());
        head.extend_from_slice(&GZIP_MEMBER_SUBFIELD);
        head.extend_from_slice(&4u16.to_le_bytes());
        head.extend_from_slice(&total.to_le_bytes());
        self.inner.write_all(&head)?;
        self.inner.write_all(&body)?;
        self.inner.write_all(&crc.sum().to_le_bytes())?;
        self.inner
            .write_all(&(self.buf.len() as u32).to_le_bytes())?;
        self.buf.clear();
        Ok(())
    }

    /// Writes the last member and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.member()?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for MemberWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.member_bytes - self.buf.len();
        let n = data.len().min(room);
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == self.member_bytes {
            self.member()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn members_decode_as_one_gzip_stream_and_carry_their_sizes() {
        let data: Vec<u8> = (0..(GZIP_MEMBER_BYTES * 2 + 12345))
            .map(|i| (i % 251) as u8)
            .collect();
        let mut w = MemberWriter::new(Vec::new(), Compression::new(6));
        w.write_all(&data).unwrap();
        let gz = w.finish().unwrap();
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
        // Hop from header to header by the sizes they carry: three members, ending at the end.
        let (mut at, mut members) = (0usize, 0);
        while at < gz.len() {
            assert_eq!(&gz[at..at + 4], &[0x1f, 0x8b, 8, 4]);
            assert_eq!(&gz[at + 12..at + 14], &GZIP_MEMBER_SUBFIELD);
            let size = u32::from_le_bytes(gz[at + 16..at + 20].try_into().unwrap()) as usize;
            at += size;
            members += 1;
        }
        assert_eq!((at, members), (gz.len(), 3));
    }
}
