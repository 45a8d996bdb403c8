//! Certificate validity without openssl: a small DER walker that reads subject, issuer, notBefore
//! and notAfter out of PEM or DER X.509 certificates. Private keys are never decoded: only
//! `CERTIFICATE` blocks are; a file that also holds a key (the kubelet's
//! `kubelet-client-current.pem`) is parsed in memory and its buffer wiped ([`wipe`]), so no
//! key byte is spooled or written.
//!
//! The text written is what `openssl x509 -noout -subject -issuer -dates` prints (OpenSSL 1.1+),
//! after a `file=PATH` line, one blank line between certificates, so the analyzer reads bundles
//! from either source the same way:
//!
//! ```text
//! file=/etc/kubernetes/pki/apiserver.crt
//! subject=CN = kube-apiserver
//! issuer=CN = kubernetes
//! notBefore=Nov 22 08:00:00 2025 GMT
//! notAfter=Nov 22 08:00:00 2026 GMT
//! ```

/// What `node/kubernetes/pki.txt` says about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
}

/// Parses every certificate in a PEM file (or one DER certificate).
pub fn parse_certs(data: &[u8]) -> Result<Vec<CertInfo>, String> {
    let ders = if data.starts_with(&[0x30]) {
        vec![data.to_vec()]
    } else {
        pem_blocks(data, "CERTIFICATE")?
    };
    if ders.is_empty() {
        return Err("no CERTIFICATE block found".into());
    }
    ders.iter().map(|d| parse_der(d)).collect()
}

fn pem_blocks(data: &[u8], label: &str) -> Result<Vec<Vec<u8>>, String> {
    let text = String::from_utf8_lossy(data);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest: &str = &text;
    while let Some(b) = rest.find(&begin) {
        let after = &rest[b + begin.len()..];
        let e = after
            .find(&end)
            .ok_or_else(|| format!("unterminated {begin} block"))?;
        out.push(base64_decode(&after[..e])?);
        rest = &after[e + end.len()..];
    }
    Ok(out)
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return Err(format!("invalid base64 byte 0x{c:02x}")),
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
    rest: &'a [u8],
}

fn tlv(d: &[u8]) -> Result<Tlv<'_>, String> {
    if d.len() < 2 {
        return Err("truncated DER".into());
    }
    let tag = d[0];
    let (len, hdr) = if d[1] < 0x80 {
        (d[1] as usize, 2)
    } else {
        let n = (d[1] & 0x7f) as usize;
        if n == 0 || n > 4 || d.len() < 2 + n {
            return Err("bad DER length".into());
        }
        let mut l = 0usize;
        for b in &d[2..2 + n] {
            l = (l << 8) | *b as usize;
        }
        (l, 2 + n)
    };
    if d.len() < hdr + len {
        return Err("truncated DER".into());
    }
    Ok(Tlv {
        tag,
        body: &d[hdr..hdr + len],
        rest: &d[hdr + len..],
    })
}

fn parse_der(d: &[u8]) -> Result<CertInfo, String> {
    let cert = tlv(d)?;
    if cert.tag != 0x30 {
        return Err("not a certificate (no SEQUENCE)".into());
    }
    let tbs = tlv(cert.body)?;
    if tbs.tag != 0x30 {
        return Err("not a certificate (no tbsCertificate)".into());
    }
    let mut f = tlv(tbs.body)?;
    if f.tag == 0xa0 {
        f = tlv(f.rest)?; // version, then serial
    }
    let sig_alg = tlv(f.rest)?;
    let issuer = tlv(sig_alg.rest)?;
    let validity = tlv(issuer.rest)?;
    let subject = tlv(validity.rest)?;
    let nb = tlv(validity.body)?;
    let na = tlv(nb.rest)?;
    Ok(CertInfo {
        subject: name(subject.body)?,
        issuer: name(issuer.body)?,
        not_before: time(nb.tag, nb.body)?,
        not_after: time(na.tag, na.body)?,
    })
}

fn name(mut d: &[u8]) -> Result<String, String> {
    let mut parts = Vec::new();
    while !d.is_empty() {
        let set = tlv(d)?;
        d = set.rest;
        let mut s = set.body;
        while !s.is_empty() {
            let atv = tlv(s)?;
            s = atv.rest;
            let oid = tlv(atv.body)?;
            let val = tlv(oid.rest)?;
            let key = match oid_string(oid.body).as_str() {
                "2.5.4.3" => "CN".to_string(),
                "2.5.4.6" => "C".to_string(),
                "2.5.4.7" => "L".to_string(),
                "2.5.4.8" => "ST".to_string(),
                "2.5.4.10" => "O".to_string(),
                "2.5.4.11" => "OU".to_string(),
                "1.2.840.113549.1.9.1" => "emailAddress".to_string(),
                other => other.to_string(),
            };
            parts.push(format!("{key} = {}", String::from_utf8_lossy(val.body)));
        }
    }
    Ok(parts.join(", "))
}

fn oid_string(b: &[u8]) -> String {
    if b.is_empty() {
        return String::new();
    }
    let mut parts = vec![(b[0] / 40) as u64, (b[0] % 40) as u64];
    let mut v: u64 = 0;
    for &x in &b[1..] {
        v = (v << 7) | (x & 0x7f) as u64;
        if x & 0x80 == 0 {
            parts.push(v);
            v = 0;
        }
    }
    parts
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

fn time(tag: u8, b: &[u8]) -> Result<String, String> {
    let s = std::str::from_utf8(b).map_err(|_| "bad time".to_string())?;
    let (y, rest) = match tag {
        0x17 if s.len() >= 12 => {
            let yy: i64 = s[..2].parse().map_err(|_| "bad UTCTime")?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &s[2..])
        }
        0x18 if s.len() >= 14 => (s[..4].parse().map_err(|_| "bad GeneralizedTime")?, &s[4..]),
        _ => return Err(format!("unknown time {s:?}")),
    };
    let p = |i: usize| -> Result<u32, String> {
        rest.get(i..i + 2)
            .and_then(|x| x.parse().ok())
            .ok_or_else(|| format!("bad time {s:?}"))
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mon = p(0)?;
    let name = MONTHS
        .get((mon as usize).wrapping_sub(1))
        .ok_or_else(|| format!("bad month in {s:?}"))?;
    // openssl's own form: `Nov  2 08:00:00 2026 GMT` (day padded with a space).
    Ok(format!(
        "{name} {:>2} {:02}:{:02}:{:02} {y} GMT",
        p(2)?,
        p(4)?,
        p(6)?,
        p(8)?
    ))
}

/// Overwrites a buffer that held a certificate file (and maybe a private key) with zeros.
pub fn wipe(data: &mut [u8]) {
    for b in data.iter_mut() {
        // SAFETY: `b` is a valid, aligned, exclusive reference into `data`; a volatile write
        // keeps the compiler from dropping the wipe of a buffer that is freed right after.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
}

/// The text block written for one certificate file.
pub fn describe(path: &str, data: &[u8]) -> String {
    match parse_certs(data) {
        Ok(certs) => {
            let mut s = String::new();
            for c in certs {
                s.push_str(&format!(
                    "file={path}\nsubject={}\nissuer={}\nnotBefore={}\nnotAfter={}\n\n",
                    c.subject, c.issuer, c.not_before, c.not_after
                ));
            }
            s
        }
        Err(e) => format!("file={path}\nunable to load certificate: {e}\n\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_certs(b"hello").is_err());
        assert!(parse_certs(&[0x30, 0x82, 0xff]).is_err());
        assert!(
            parse_certs(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").is_err()
        );
        assert!(
            describe("/x.crt", b"junk").starts_with("file=/x.crt\nunable to load certificate: ")
        );
    }
}
