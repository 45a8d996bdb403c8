//! Secret detection and redaction, dependency-free and streaming.
//!
//! `collect` runs every byte it writes through a [`Redactor`], one line at a time, before the byte
//! reaches the bundle; `analyze` can run the same code again over a bundle to re-scan it.
//!
//! What is replaced by [`MARKER`]:
//! - PEM private keys: a whole `-----BEGIN ... PRIVATE KEY-----` … `-----END ... PRIVATE KEY-----`
//!   block, over several lines or inline (a JSON string with `\n` escapes);
//! - values of keys whose name looks secret (password, passwd, secret, token, credential, auth,
//!   `*key` like `API_KEY`, `client-key-data`, `client-certificate-data`), in every common shape:
//!   `KEY=VALUE`, `--token=VALUE`, `--token VALUE`, `key: value`, `"key": "value"`, escaped JSON
//!   (`\"key\":\"value\"`);
//! - the `value` that follows a `name` whose value looks secret (Kubernetes env lists, YAML and
//!   JSON, `- name: DB_PASSWORD` / `value: x`);
//! - the value on the line after a secret flag that stands alone on its line (an argument
//!   list one item a line: `--bootstrap-token` / `abc.def` in microk8s's args files and
//!   /proc/PID/cmdline, `- --token` / `- abc.def` in YAML, `"--token",` / `"abc.def",` in JSON);
//! - credentials after `Bearer ` and in `Authorization:` headers (`Basic`, `Token`, …);
//! - the user information of URLs (`https://user:pass@host` → `https://[REDACTED]@host`).
//!
//! Names that only point at a secret are kept, because they are evidence and not secrets:
//! names ending in `file`, `path`, `dir`, `name`, `ref`, `mode`, `seconds`, `ttl`
//! (`--tls-private-key-file=/etc/kubernetes/pki/apiserver.key`, `secretName: foo`).
//!
//! This file holds the policy (which names are secret, what counts as a trivial value) and the
//! passes over a line; `pair` finds where a pair's name and value are, `bytes` the substring
//! and PEM-marker search they all use.

mod bytes;
mod pair;

use bytes::{contains, contains_ci, find, find_ci, find_pem_begin, find_pem_end};
use pair::{is_name_byte, is_quote, is_token_byte, name_before, secret_span, value_after};

/// What a secret is replaced with.
pub const MARKER: &str = "[REDACTED]";

/// Lines after a secret-looking `name` in which a `value` key is still redacted.
const PENDING_LINES: u8 = 3;

/// A streaming, line-oriented redactor. Feed it lines in order; it keeps the little state needed
/// for secrets that span lines (PEM blocks, `name:`/`value:` pairs).
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    in_pem: bool,
    pending_value: u8,
    /// The previous line was a secret flag alone (`--token`): its value may be this line.
    pending_flag: Option<Vec<u8>>,
    count: u64,
    /// When set, every replacement is also recorded in `hits` (the scan API).
    record: bool,
    hits: Vec<Hit>,
}

/// What kind of secret a detection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A PEM `-----BEGIN ... PRIVATE KEY-----` block.
    PrivateKey,
    /// `user:password@` in a URL.
    UrlCredentials,
    /// A token after `Bearer `.
    BearerToken,
    /// The credential of an `Authorization:` header (`Basic`, `Token`, ...).
    Authorization,
    /// The value of a key whose name looks secret (`password: x`, `--token=x`, `"auth": "x"`).
    SecretValue,
    /// The `value` after a `name` that looks secret (Kubernetes env lists).
    EnvValue,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PrivateKey => "private-key",
            Kind::UrlCredentials => "url-credentials",
            Kind::BearerToken => "bearer-token",
            Kind::Authorization => "authorization",
            Kind::SecretValue => "secret-value",
            Kind::EnvValue => "env-value",
        }
    }
}

/// One secret the scan found: never the secret itself, only a masked form of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// 1-based line number (for [`scan_text`]; 0 from [`Redactor::scan_line`]).
    pub line: usize,
    pub kind: Kind,
    /// The key or variable name the value belongs to (`DB_PASSWORD`, `--token`), when there is
    /// one: names are evidence, not secrets.
    pub name: Option<String>,
    /// The secret masked: its length and at most its first two characters (when it is long
    /// enough that two characters give nothing away), e.g. `ey… (38 bytes)`.
    pub masked: String,
    /// Byte length of the secret.
    pub len: usize,
}

/// Masks a secret for display: `ey… (38 bytes)` for 16 bytes or more, `… (7 bytes)` below.
pub fn mask(secret: &[u8]) -> String {
    let n = secret.len();
    if n >= 16 && secret[..2].iter().all(|b| b.is_ascii_graphic()) {
        format!("{}… ({n} bytes)", String::from_utf8_lossy(&secret[..2]))
    } else {
        format!("… ({n} bytes)")
    }
}

/// Finds every secret the redactor would replace in `text`, without changing anything: the
/// same detector `collect` redacts with, so a bundle it wrote scans clean.
pub fn scan_text(text: &[u8]) -> Vec<Hit> {
    let mut r = Redactor::new();
    let mut hits = Vec::new();
    for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        for mut h in r.scan_line(line) {
            h.line = i + 1;
            hits.push(h);
        }
    }
    hits
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Number of secrets replaced so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Reports the secrets in one line (fed in order, like [`Redactor::redact_line`], since
    /// PEM blocks and `name`/`value` pairs span lines) without producing redacted output.
    pub fn scan_line(&mut self, line: &[u8]) -> Vec<Hit> {
        self.record = true;
        let mut sink = Vec::new();
        self.redact_line(line, &mut sink);
        std::mem::take(&mut self.hits)
    }

    fn hit(&mut self, kind: Kind, name: Option<&[u8]>, secret: &[u8]) {
        self.count += 1;
        if self.record {
            self.hits.push(Hit {
                line: 0,
                kind,
                name: name.map(|n| String::from_utf8_lossy(n).into_owned()),
                masked: if kind == Kind::PrivateKey {
                    // The PEM header names the key type and is not secret.
                    format!("{} block", String::from_utf8_lossy(secret))
                } else {
                    mask(secret)
                },
                len: secret.len(),
            });
        }
    }

    /// Redacts one line (with or without its trailing newline) and appends the result to `out`.
    /// Returns the number of secrets replaced in this line.
    pub fn redact_line(&mut self, line: &[u8], out: &mut Vec<u8>) -> u64 {
        let before = self.count;
        let mut cur: Vec<u8> = line.to_vec();
        let flag = self.pending_flag.take();
        if let (Some(name), false) = (flag, self.in_pem) {
            if let Some((vs, ve)) = bare_item(&cur) {
                let v = &cur[vs..ve];
                if !v.starts_with(b"-") && !v.ends_with(b":") && !trivial_value(v) {
                    self.hit(Kind::SecretValue, Some(&name), &cur[vs..ve]);
                    let mut o = cur[..vs].to_vec();
                    o.extend_from_slice(MARKER.as_bytes());
                    o.extend_from_slice(&cur[ve..]);
                    cur = o;
                }
            }
        }
        if !self.in_pem {
            if let Some((fs, fe)) = bare_item(line) {
                let f = &line[fs..fe];
                if f.starts_with(b"--") && !f.contains(&b'=') && is_secret_name(f) {
                    self.pending_flag = Some(f.to_vec());
                }
            }
        }
        if let Some(next) = self.pem_pass(&cur) {
            cur = next;
        }
        if let Some(next) = self.url_pass(&cur) {
            cur = next;
        }
        if let Some(next) = self.bearer_pass(&cur) {
            cur = next;
        }
        if let Some(next) = self.kv_pass(&cur) {
            cur = next;
        }
        if self.pending_value > 0 {
            self.pending_value -= 1;
        }
        out.extend_from_slice(&cur);
        self.count - before
    }

    /// Redacts a whole text; returns it and the number of secrets replaced.
    pub fn redact_text(text: &str) -> (String, u64) {
        let mut r = Redactor::new();
        let mut out = Vec::with_capacity(text.len());
        for line in text.as_bytes().split_inclusive(|&b| b == b'\n') {
            r.redact_line(line, &mut out);
        }
        (String::from_utf8_lossy(&out).into_owned(), r.count())
    }

    // PEM private keys. Inside a block every line is dropped; the block's first line carries the
    // marker.
    fn pem_pass(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut changed = false;
        if self.in_pem {
            changed = true;
            match find_pem_end(line, 0) {
                Some(end) => {
                    self.in_pem = false;
                    i = end;
                }
                None => {
                    // Whole line is part of the key; keep its newline so line counts stay.
                    if line.ends_with(b"\n") {
                        out.push(b'\n');
                    }
                    return Some(out);
                }
            }
        }
        while let Some(start) = find_pem_begin(line, i) {
            changed = true;
            out.extend_from_slice(&line[i..start]);
            out.extend_from_slice(MARKER.as_bytes());
            let header_end = find(line, b"-----", start + 11).map_or(line.len(), |p| p + 5);
            self.hit(Kind::PrivateKey, None, &line[start..header_end]);
            match find_pem_end(line, start) {
                Some(end) => i = end,
                None => {
                    self.in_pem = true;
                    if line.ends_with(b"\n") {
                        out.push(b'\n');
                    }
                    return Some(out);
                }
            }
        }
        if !changed {
            return None;
        }
        out.extend_from_slice(&line[i..]);
        Some(out)
    }

    // scheme://user:pass@host -> scheme://[REDACTED]@host
    fn url_pass(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        let mut i = 0;
        while let Some(p) = find(line, b"://", i) {
            let start = p + 3;
            let mut j = start;
            let mut at = None;
            while j < line.len() {
                let c = line[j];
                if c == b'@' {
                    at = Some(j);
                    break;
                }
                if c == b'/' || c == b'?' || c == b'#' || c.is_ascii_whitespace() || is_quote(c) {
                    break;
                }
                j += 1;
            }
            if let Some(at) = at {
                let userinfo = &line[start..at];
                if userinfo.contains(&b':') && userinfo != MARKER.as_bytes() {
                    let o = out.get_or_insert_with(Vec::new);
                    o.extend_from_slice(&line[copied..start]);
                    o.extend_from_slice(MARKER.as_bytes());
                    copied = at;
                    self.hit(Kind::UrlCredentials, None, userinfo);
                }
                i = at + 1;
            } else {
                i = start;
            }
        }
        out.map(|mut o| {
            o.extend_from_slice(&line[copied..]);
            o
        })
    }

    // `Bearer <token>` anywhere (case-insensitive), token at least 8 characters.
    fn bearer_pass(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        let mut i = 0;
        while let Some(p) = find_ci(line, b"bearer", i) {
            i = p + 6;
            if p > 0 && line[p - 1].is_ascii_alphanumeric() {
                continue;
            }
            let mut s = i;
            if s >= line.len() || !(line[s] == b' ' || line[s] == b'\t') {
                continue;
            }
            while s < line.len() && (line[s] == b' ' || line[s] == b'\t') {
                s += 1;
            }
            let mut e = s;
            while e < line.len() && is_token_byte(line[e]) {
                e += 1;
            }
            if e - s >= 8 {
                let o = out.get_or_insert_with(Vec::new);
                o.extend_from_slice(&line[copied..s]);
                o.extend_from_slice(MARKER.as_bytes());
                copied = e;
                self.hit(Kind::BearerToken, None, &line[s..e]);
                i = e;
            }
        }
        out.map(|mut o| {
            o.extend_from_slice(&line[copied..]);
            o
        })
    }

    // name=value, name: value, "name": "value", --name value.
    fn kv_pass(&mut self, line: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        let mut copied = 0;
        let mut i = 0;
        while i < line.len() {
            let c = line[i];
            let sep = c == b'=' || c == b':' || (c == b' ' && i > 0 && is_name_byte(line[i - 1]));
            if !sep {
                i += 1;
                continue;
            }
            let Some(name) = name_before(line, i, c) else {
                i += 1;
                continue;
            };
            if c == b' ' && !name.dashed {
                i += 1;
                continue;
            }
            let name_bytes = &line[name.start..name.end];
            let Some(val) = value_after(line, i + 1, c) else {
                i += 1;
                continue;
            };
            let is_value_key = name_bytes.eq_ignore_ascii_case(b"value");
            let secret = is_secret_name(name_bytes) || (is_value_key && self.pending_value > 0);
            if name_bytes.eq_ignore_ascii_case(b"name") {
                // `name: X=Y`: the name is X (Y is scanned as a pair of its own, below).
                let v = line[val.start..val.end]
                    .split(|&b| b == b'=')
                    .next()
                    .unwrap_or_default();
                if is_secret_name(v) {
                    self.pending_value = PENDING_LINES + 1;
                } else {
                    self.pending_value = 0;
                }
                // Scan on inside the value: `name: PASS=x` holds a pair of its own.
                i += 1;
                continue;
            }
            if !secret {
                i += 1;
                continue;
            }
            if is_value_key {
                self.pending_value = 0;
            }
            let (vs, ve) = secret_span(line, &val, name_bytes);
            // A value inside a span already replaced (an Authorization header runs to the line
            // end, past `val.end`) is gone already.
            if vs < copied {
                i = val.end.max(i + 1);
                continue;
            }
            if vs >= ve || trivial_value(&line[vs..ve]) {
                i = val.end.max(i + 1);
                continue;
            }
            let kind = if is_value_key && !is_secret_name(name_bytes) {
                Kind::EnvValue
            } else if contains_ci(name_bytes, b"authorization") {
                Kind::Authorization
            } else {
                Kind::SecretValue
            };
            self.hit(kind, Some(name_bytes), &line[vs..ve]);
            let o = out.get_or_insert_with(Vec::new);
            o.extend_from_slice(&line[copied..vs]);
            if !val.quoted && name.quoted && c == b':' {
                // JSON number or bare word: keep the document valid.
                o.push(b'"');
                o.extend_from_slice(MARKER.as_bytes());
                o.push(b'"');
            } else {
                o.extend_from_slice(MARKER.as_bytes());
            }
            copied = ve;
            i = val.end.max(ve).max(i + 1);
        }
        out.map(|mut o| {
            o.extend_from_slice(&line[copied..]);
            o
        })
    }
}

/// True when a key or variable name looks like it holds a secret (`DB_PASSWORD`, `--token`,
/// `client-key-data`, `auth`), and not like a pointer to one (`--tls-private-key-file`).
pub fn is_secret_name(name: &[u8]) -> bool {
    let norm: Vec<u8> = name
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase())
        .collect();
    if norm.is_empty() || norm.len() > 64 {
        return false;
    }
    const KEEP_SUFFIXES: &[&[u8]] = &[
        b"file", b"files", b"path", b"dir", b"name", b"names", b"ref", b"mode", b"seconds", b"ttl",
        b"type", b"id", b"enabled", b"policy",
    ];
    if KEEP_SUFFIXES.iter().any(|s| norm.ends_with(s)) {
        return false;
    }
    const SECRET_WORDS: &[&[u8]] = &[
        b"password",
        b"passwd",
        b"secret",
        b"token",
        b"credential",
        b"apikey",
        b"privatekey",
        b"clientkeydata",
        b"clientcertificatedata",
        b"authorization",
    ];
    if SECRET_WORDS.iter().any(|w| contains(&norm, w)) {
        return true;
    }
    if norm == b"auth" || norm == b"pass" || norm == b"pwd" {
        return true;
    }
    // API_KEY, SECRET_KEY, ENCRYPTION_KEY, accessKey: a longer name ending in "key".
    // A bare `key` (tolerations, ConfigMap selectors) is not a secret.
    norm.len() > 3 && norm.ends_with(b"key") && !norm.ends_with(b"publickey")
}

/// The one item of a line that holds nothing else: `  --token`, `- abc.def`, `"abc.def",`
/// (YAML or JSON list items too). The span of the item, inside its quotes; `None` when the line
/// holds more than one word.
fn bare_item(line: &[u8]) -> Option<(usize, usize)> {
    let mut s = 0;
    let skip_ws = |s: &mut usize| {
        while *s < line.len() && (line[*s] == b' ' || line[*s] == b'\t') {
            *s += 1;
        }
    };
    skip_ws(&mut s);
    if line[s..].starts_with(b"- ") {
        s += 2;
        skip_ws(&mut s);
    }
    let quote = line.get(s).copied().filter(|&c| c == b'"' || c == b'\'');
    if quote.is_some() {
        s += 1;
    }
    let mut e = s;
    while e < line.len() && !line[e].is_ascii_whitespace() && Some(line[e]) != quote {
        if line[e] == b'"' || line[e] == b'\'' {
            return None;
        }
        e += 1;
    }
    if e == s {
        return None;
    }
    let mut t = e;
    if let Some(q) = quote {
        if line.get(t) != Some(&q) {
            return None;
        }
        t += 1;
    }
    if line.get(t) == Some(&b',') {
        t += 1;
    }
    line[t..]
        .iter()
        .all(|b| b.is_ascii_whitespace())
        .then_some((s, e))
}

fn trivial_value(v: &[u8]) -> bool {
    let t = v.trim_ascii();
    t.is_empty()
        || t == MARKER.as_bytes()
        || t.starts_with(MARKER.as_bytes())
        || matches!(
            t,
            b"true" | b"false" | b"null" | b"~" | b"\"\"" | b"''" | b"<none>" | b"none" | b"None"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> (String, u64) {
        Redactor::redact_text(text)
    }

    #[test]
    fn key_value_shapes() {
        let cases = [
            ("DB_PASSWORD=hunter2\n", "DB_PASSWORD=[REDACTED]\n"),
            (
                "export API_KEY='abc def'\n",
                "export API_KEY='[REDACTED]'\n",
            ),
            ("password: hunter2\n", "password: [REDACTED]\n"),
            ("  token: abcdef\n", "  token: [REDACTED]\n"),
            (
                r#"{"password":"hunter2","user":"bob"}"#,
                r#"{"password":"[REDACTED]","user":"bob"}"#,
            ),
            (r#""token": 12345,"#, r#""token": "[REDACTED]","#),
            (
                "kubelet --token=abc.def --v=2\n",
                "kubelet --token=[REDACTED] --v=2\n",
            ),
            (
                "kubelet --token abc.def --v=2",
                "kubelet --token [REDACTED] --v=2",
            ),
            (
                "    client-key-data: LS0tLS1CRUdJTg==\n",
                "    client-key-data: [REDACTED]\n",
            ),
            (
                r#"{\"password\":\"hunter2\"}"#,
                r#"{\"password\":\"[REDACTED]\"}"#,
            ),
            (
                r#""cfg": "a: 1\npassword: hunter2\nb: 2""#,
                r#""cfg": "a: 1\npassword: [REDACTED]\nb: 2""#,
            ),
        ];
        for (input, want) in cases {
            let (got, n) = r(input);
            assert_eq!(got, want, "input {input:?}");
            assert_eq!(n, 1, "input {input:?}");
        }
    }

    /// A secret flag alone on its line, its value on the next (argument lists one item a line).
    #[test]
    fn a_secret_flag_alone_on_a_line_hides_the_next_line() {
        let cases = [
            (
                "--kubeconfig=/var/snap/microk8s/current/credentials/kubelet.config\n--bootstrap-token\nabc.0123456789abcdef\n--v=2\n",
                "--kubeconfig=/var/snap/microk8s/current/credentials/kubelet.config\n--bootstrap-token\n[REDACTED]\n--v=2\n",
            ),
            (
                "    - kubelet\n    - --token\n    - abc.def\n",
                "    - kubelet\n    - --token\n    - [REDACTED]\n",
            ),
            (
                "  \"args\": [\n    \"--token\",\n    \"abc.def\",\n    \"--v=2\"\n",
                "  \"args\": [\n    \"--token\",\n    \"[REDACTED]\",\n    \"--v=2\"\n",
            ),
        ];
        for (input, want) in cases {
            let (got, n) = r(input);
            assert_eq!(got, want, "input {input:?}");
            assert_eq!(n, 1, "input {input:?}");
        }
        // A boolean secret-sounding flag followed by another flag, a key, or nothing: kept.
        for input in [
            "    - --enable-bootstrap-token-auth\n    - --authorization-mode=Node,RBAC\n",
            "--bootstrap-token\n    image: registry.local/kube-apiserver:v1.18.20\n",
            "--bootstrap-token\n\n",
            "--token-auth-file\n/var/snap/microk8s/current/credentials/known_tokens.csv\n",
        ] {
            let (got, n) = r(input);
            assert_eq!(got, input);
            assert_eq!(n, 0, "input {input:?}");
        }
    }

    #[test]
    fn pointers_and_public_things_are_kept() {
        for input in [
            "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n",
            "--service-account-key-file=/etc/kubernetes/pki/sa.pub\n",
            "secretName: my-tls\n",
            r#"{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}"#,
            "certificate-authority-data: LS0tLS1CRUdJTiBDRVJU\n",
            "image: registry.local:5000/pause:3.1\n",
            "2026-11-22T08:01:02+0000 node01 kubelet[1234]: I1122 08:01:02.123456 1234 server.go:1] x\n",
            "--authorization-mode=Node,RBAC\n",
            r#""automountServiceAccountToken": false,"#,
            "invalid bearer token, token lookup failed\n",
            "password:\n",
            "E1122 08:00:00.000000 4242 nestedpendingoperations.go:301] MountVolume.SetUp failed for volume \"default-token-7x2kp\" : secret \"default-token-7x2kp\" not found\n",
            r#""message": "MountVolume.SetUp failed for volume \"default-token-7x2kp\" : secret \"default-token-7x2kp\" not found","#,
        ] {
            let (got, n) = r(input);
            assert_eq!(got, input);
            assert_eq!(n, 0, "input {input:?}");
        }
    }

    #[test]
    fn env_name_value_pairs() {
        let yaml = "    env:\n    - name: DB_PASSWORD\n      value: hunter2\n    - name: LOG_LEVEL\n      value: debug\n";
        let (got, n) = r(yaml);
        assert!(!got.contains("hunter2"), "{got}");
        assert!(got.contains("value: debug"));
        assert_eq!(n, 1);
        let json = "  {\n    \"name\": \"ADMIN_TOKEN\",\n    \"value\": \"s3cr3t-value\"\n  },\n  {\"name\": \"MODE\", \"value\": \"fast\"}\n";
        let (got, n) = r(json);
        assert!(!got.contains("s3cr3t-value"), "{got}");
        assert!(got.contains("\"fast\""));
        assert_eq!(n, 1);
        let inline = r#"{"name":"SECRET_KEY","value":"zzz-top"}"#;
        let (got, _) = r(inline);
        assert_eq!(got, r#"{"name":"SECRET_KEY","value":"[REDACTED]"}"#);
    }

    #[test]
    fn pem_blocks_multi_line_and_inline() {
        let text = "a: 1\n-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretbody1\nMIIEsecretbody2\n-----END RSA PRIVATE KEY-----\nb: 2\n";
        let (got, n) = r(text);
        assert_eq!(got, "a: 1\n[REDACTED]\n\n\n\nb: 2\n");
        assert_eq!(n, 1);
        let inline = r#"{"tls.key": "-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----\n", "x": 1}"#;
        let (got, n) = r(inline);
        assert_eq!(got, r#"{"tls.key": "[REDACTED]\n", "x": 1}"#);
        assert_eq!(n, 1);
        // A certificate is public and stays.
        let cert = "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
        assert_eq!(r(cert), (cert.to_string(), 0));
    }

    #[test]
    fn bearer_basic_and_urls() {
        let (got, n) =
            r("I1122 request.go:1] GET /api Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.abc\n");
        assert_eq!(
            got,
            "I1122 request.go:1] GET /api Authorization: Bearer [REDACTED]\n"
        );
        assert_eq!(n, 1);
        let (got, n) = r("curl -H 'Authorization: Basic dXNlcjpwYXNz' x\n");
        assert_eq!(got, "curl -H 'Authorization: Basic [REDACTED]' x\n");
        assert_eq!(n, 1);
        let (got, n) = r("proxy=https://bob:pa55w0rd@proxy.corp:3128/ ok\n");
        assert_eq!(got, "proxy=https://[REDACTED]@proxy.corp:3128/ ok\n");
        assert_eq!(n, 1);
        let (got, n) = r("see https://example.com/a@b and git@host:x\n");
        assert_eq!(n, 0, "{got}");
    }

    #[test]
    fn docker_auths() {
        let text = "{\n  \"auths\": {\n    \"reg.local:5000\": {\n      \"auth\": \"dXNlcjpwYXNz\",\n      \"identitytoken\": \"tok-123456\"\n    }\n  }\n}\n";
        let (got, n) = r(text);
        assert!(
            !got.contains("dXNlcjpwYXNz") && !got.contains("tok-123456"),
            "{got}"
        );
        assert!(got.contains("reg.local:5000"));
        assert_eq!(n, 2);
    }

    #[test]
    fn scan_reports_kind_line_and_mask_without_the_secret() {
        let text = "a: 1\nDB_PASSWORD=hunter2-long-secret\n-----BEGIN RSA PRIVATE KEY-----\nMIIEbody\n-----END RSA PRIVATE KEY-----\nGET / Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.abc\n- name: ADMIN_TOKEN\n  value: s3cr3t\nproxy=https://bob:pa55w0rd@proxy:3128/\ncurl -H 'Authorization: Basic dXNlcjpwYXNz'\n";
        let hits = scan_text(text.as_bytes());
        let got: Vec<(usize, Kind, Option<&str>)> = hits
            .iter()
            .map(|h| (h.line, h.kind, h.name.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Kind::SecretValue, Some("DB_PASSWORD")),
                (3, Kind::PrivateKey, None),
                (6, Kind::BearerToken, None),
                (8, Kind::EnvValue, Some("value")),
                (9, Kind::UrlCredentials, None),
                (10, Kind::Authorization, Some("Authorization")),
            ]
        );
        for h in &hits {
            for secret in [
                "hunter2",
                "MIIEbody",
                "eyJhbGciOiJSUzI1NiJ9",
                "s3cr3t",
                "pa55w0rd",
                "dXNlcjpwYXNz",
            ] {
                assert!(!h.masked.contains(secret), "{h:?}");
            }
        }
        assert_eq!(hits[0].masked, "hu… (19 bytes)");
        assert_eq!(hits[3].masked, "… (6 bytes)");
        // Scanning is the redactor's own detector: the redacted text scans clean.
        let (redacted, n) = Redactor::redact_text(text);
        assert_eq!(n as usize, hits.len());
        assert!(scan_text(redacted.as_bytes()).is_empty(), "{redacted}");
    }

    #[test]
    fn an_unterminated_quote_keeps_the_newline() {
        // Found by the proptest: the value ran over the newline, merging two lines.
        let (got, n) = r("password\": \"+\n\nnext\n");
        assert_eq!(got, "password\": \"[REDACTED]\n\nnext\n");
        assert_eq!(n, 1);
        let (got, _) = r("token: \"ab\\\nnext\n");
        assert_eq!(got, "token: \"[REDACTED]\nnext\n");
    }

    #[test]
    fn a_redacted_env_value_still_ends_the_pair() {
        // Found by the proptest: `value: [REDACTED]` did not end the pending pair on a second
        // pass, so a later `value=` was redacted too (redaction was not idempotent).
        let text = "- name: DB_PASSWORD\n  value: 0\nvalue=a\n";
        let (once, _) = r(text);
        assert_eq!(once, "- name: DB_PASSWORD\n  value: [REDACTED]\nvalue=a\n");
        assert_eq!(r(&once), (once.clone(), 0));
    }

    #[test]
    fn a_pem_header_is_capitals_only() {
        // Found by the fuzzer (testdata/fuzz/redact/crash-bb7944e7...): redacting the token
        // between two `-----` made a PEM header appear, so a second pass redacted again.
        let line = "-----BEGIN RSA PRIVAon: Bearer eyJhbGciOiJ-----END RSA PRIVATE KEY-----\n";
        let (once, n) = r(line);
        assert_eq!(n, 1);
        assert_eq!(r(&once), (once.clone(), 0));
    }

    #[test]
    fn a_key_inside_an_authorization_value_does_not_panic() {
        // Found by the fuzzer (testdata/fuzz/redact/crash-e9ff825c...): the Authorization span
        // runs to the line end, past the parsed value, and a `name: value` inside it was
        // replaced again from before the end of the first replacement: a slice panic, on any
        // line `collect` reads.
        let (got, n) = r("Authorization: Be?arer eyJhbGnam e:1assword\\\":\\\"x\n");
        assert_eq!(n, 1, "{got}");
        assert!(!got.contains("eyJ"), "{got}");
        let (got, _) = r("Authorization: Basic abc token: def password=ghi\n");
        assert!(!got.contains("abc") && !got.contains("ghi"), "{got}");
    }

    #[test]
    fn a_pair_inside_a_name_value_is_redacted() {
        // Found by the fuzzer (crash-131cc7d1...): the value of a `name` key was skipped whole,
        // so a `KEY=secret` inside it was missed on the first pass.
        let (got, n) = r("PASS=name': PASS=I\n");
        assert_eq!(got, "PASS=[REDACTED]': PASS=[REDACTED]\n");
        assert_eq!(n, 2);
        let (got, _) = r("- name: DB_PASSWORD=hunter2\n");
        assert!(!got.contains("hunter2"), "{got}");
        // crash-03e001c1...: the name part before `=` decides, also after redaction.
        let (once, _) = r("name=PASSWD=Name'value: I\n");
        assert_eq!(once, "name=PASSWD=[REDACTED]'value: [REDACTED]\n");
        assert_eq!(r(&once), (once.clone(), 0));
    }

    #[test]
    fn binary_and_odd_input_do_not_panic() {
        let mut red = Redactor::new();
        let mut out = Vec::new();
        for line in [
            &b"\xff\xfe=:--\n"[..],
            b"=",
            b":",
            b"-----BEGIN ",
            b"\"",
            b"\\",
            b"token=\\",
            b"token: \"unterminated",
        ] {
            red.redact_line(line, &mut out);
        }
    }
}
