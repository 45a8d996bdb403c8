//! node/kubernetes/pki.txt: per certificate, `openssl x509 -noout -subject -issuer -dates` output
//! after a `file=PATH` line; blocks separated by blank lines. Also read: the hand-written
//! `key: value` form with RFC 3339 dates (`notAfter: 2027-03-02T03:06:30Z`).

use crate::units::time;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cert {
    pub file: Option<String>,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// Unix seconds.
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    /// An error printed for this file instead of dates (`unable to load certificate`).
    pub error: Option<String>,
    /// Line of `file=` (or of the block's first line).
    pub line: usize,
    /// Line of `notAfter=`.
    pub not_after_line: Option<usize>,
}

pub fn certs(text: &str) -> Vec<Cert> {
    let mut out = Vec::new();
    let mut cur: Option<Cert> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            if let Some(c) = cur.take() {
                out.push(c);
            }
            continue;
        }
        if line.starts_with("file=") && cur.as_ref().is_some_and(|c| c.file.is_some()) {
            out.extend(cur.take());
        }
        let c = cur.get_or_insert_with(|| Cert {
            line: i + 1,
            ..Cert::default()
        });
        // `subject=CN = x` (openssl) or `subject: O=a, CN=b`: the first of `=`/`:` ends the key.
        let (k, v) = match line.find(['=', ':']) {
            Some(i) => (line[..i].trim(), line[i + 1..].trim()),
            None => ("", line),
        };
        match k {
            "file" => {
                c.file = Some(v.to_string());
                c.line = i + 1;
            }
            "subject" => c.subject = Some(v.to_string()),
            "issuer" => c.issuer = Some(v.to_string()),
            "notBefore" => c.not_before = date(v),
            "notAfter" => {
                c.not_after = date(v);
                c.not_after_line = Some(i + 1);
            }
            _ => {
                if c.error.is_none() {
                    c.error = Some(line.to_string());
                }
            }
        }
    }
    out.extend(cur);
    out.retain(|c| c.file.is_some() || c.not_after.is_some());
    out
}

fn date(v: &str) -> Option<i64> {
    time::parse_openssl_date(v).or_else(|| time::parse_rfc3339(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_blocks() {
        let t = "file=/etc/kubernetes/pki/apiserver.crt\nsubject=CN = kube-apiserver\nissuer=CN = kubernetes\nnotBefore=Nov 22 08:00:00 2025 GMT\nnotAfter=Nov 22 08:00:00 2026 GMT\n\nfile=/var/lib/kubelet/pki/kubelet.crt\nsubject= /CN=node01@1700000000\nissuer= /CN=node01-ca@1700000000\nnotBefore=Nov 14 22:13:20 2023 GMT\nnotAfter=Nov 13 22:13:20 2024 GMT\n\nfile=/etc/kubernetes/pki/broken.crt\nunable to load certificate\n140000000000:error:0906D06C:PEM routines:PEM_read_bio:no start line\n";
        let c = certs(t);
        assert_eq!(c.len(), 3);
        assert_eq!(
            c[0].file.as_deref(),
            Some("/etc/kubernetes/pki/apiserver.crt")
        );
        assert_eq!(c[0].subject.as_deref(), Some("CN = kube-apiserver"));
        assert_eq!(c[0].not_after, time::parse_rfc3339("2026-11-22T08:00:00Z"));
        assert_eq!((c[0].line, c[0].not_after_line), (1, Some(5)));
        assert_eq!(c[1].subject.as_deref(), Some("/CN=node01@1700000000"));
        assert_eq!(c[2].not_after, None);
        assert_eq!(c[2].error.as_deref(), Some("unable to load certificate"));
    }

    #[test]
    fn colon_form_with_rfc3339_dates() {
        let t = "file: /var/lib/kubelet/pki/kubelet-client-2026-03-02-11-11-30.pem\nsubject: O=system:nodes, CN=system:node:node01\nissuer: CN=kubernetes\nnotBefore: 2026-03-02T03:06:30Z\nnotAfter: 2027-03-02T03:06:30Z\n";
        let c = certs(t);
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].subject.as_deref(),
            Some("O=system:nodes, CN=system:node:node01")
        );
        assert_eq!(c[0].not_after, time::parse_rfc3339("2027-03-02T03:06:30Z"));
        assert_eq!(c[0].error, None);
    }
}
