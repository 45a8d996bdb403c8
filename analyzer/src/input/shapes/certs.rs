//! Certificate dates `openssl x509` printed for a named file: `-dates`/`-enddate`/`-subject`
//! (`notBefore=`, `notAfter=`, `subject=`), `-text` (`Not Before:`, `Not After :`, `Subject:`,
//! `Issuer:`), also filtered (`| grep Not`) or saved first and read back (`-text > f.txt`, then
//! `cat f.txt | grep Not`, `grep Not f.txt`), and the `PATH notAfter=DATE` lines of a loop that
//! echoes each file before its date. Written as node/kubernetes/pki.txt in the collector's
//! `file=PATH` blocks (parse/pki.rs), so facts.certificates and the certificate rules read them;
//! whether one has expired is judged against the paste's reference time (facts/mod.rs), never
//! without one.
//!
//! The file is the one the command names (`-in F`, `< F`, `cat F |`), relative names resolved
//! against the last `cd`; dates printed with no file named (a certificate read from stdin) are
//! left out: nothing ties them to a file.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::units::shell::shell_words;

use super::Line;

#[derive(Default)]
struct Block {
    file: String,
    /// Inside a loop's output: each file is named before its dates.
    looped: bool,
    fields: Vec<(&'static str, String)>,
}

impl Block {
    fn has(&self, k: &str) -> bool {
        self.fields.iter().any(|(f, _)| *f == k)
    }
}

/// A `PATH notAfter=DATE` line (`echo "$f $(openssl x509 -noout -enddate -in "$f")"`).
static ECHOED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(/\S+):?\s+notAfter=(.+)$").unwrap());

pub(super) fn pki(lines: &[Line]) -> Option<String> {
    let mut cwd: Option<String> = None;
    // a file a command's output was saved in -> the certificate file it describes
    let mut saved: HashMap<String, String> = HashMap::new();
    let mut current: Option<Block> = None;
    let mut out: Vec<Block> = Vec::new();
    for l in lines {
        if l.cmd || typed(&l.text) {
            out.extend(current.take());
            current = command(&l.text, &mut cwd, &mut saved).map(|file| Block {
                looped: file.is_empty(),
                file,
                ..Block::default()
            });
            continue;
        }
        let t = l.text.trim();
        if let Some(c) = ECHOED.captures(t) {
            out.push(Block {
                file: c[1].to_string(),
                looped: false,
                fields: vec![("notAfter", c[2].trim().to_string())],
            });
            continue;
        }
        let Some(b) = current.as_mut() else {
            continue;
        };
        // a loop or `find -exec` names each file on a line of its own before its dates
        if b.looped && t.starts_with('/') && !t.contains(char::is_whitespace) {
            let file = t.trim_end_matches(':').to_string();
            out.extend(current.replace(Block {
                file,
                looped: true,
                ..Block::default()
            }));
            continue;
        }
        let Some((k, v)) = field(t) else {
            continue;
        };
        if b.has(k) {
            // a second certificate of the same output
            let (file, looped) = (b.file.clone(), b.looped);
            out.extend(current.replace(Block {
                file,
                looped,
                ..Block::default()
            }));
        }
        if let Some(b) = current.as_mut() {
            b.fields.push((k, v.to_string()));
        }
    }
    out.extend(current);
    let blocks: Vec<String> = out
        .into_iter()
        .filter(|b| !b.file.is_empty() && b.has("notAfter"))
        .map(|b| {
            let mut s = format!("file={}\n", b.file);
            for (k, v) in b.fields {
                s.push_str(&format!("{k}={v}\n"));
            }
            s
        })
        .collect();
    (!blocks.is_empty()).then(|| blocks.join("\n"))
}

/// A command shown without its prompt (`openssl x509 -enddate -noout -in F` alone in a code
/// block, `find ... -exec openssl x509 ...`): no output line starts like one.
fn typed(t: &str) -> bool {
    let t = t.trim_start();
    let t = t.strip_prefix("sudo ").unwrap_or(t);
    (t.starts_with("openssl x509 ") || t.starts_with("find ") || t.starts_with("for "))
        && t.contains("openssl x509 ")
}

/// One line of openssl's output as a pki.txt key and value.
fn field(t: &str) -> Option<(&'static str, &str)> {
    const KEYS: [(&str, &str); 8] = [
        ("notBefore=", "notBefore"),
        ("notAfter=", "notAfter"),
        ("subject=", "subject"),
        ("issuer=", "issuer"),
        ("Not Before:", "notBefore"),
        ("Not After :", "notAfter"),
        ("Subject:", "subject"),
        ("Issuer:", "issuer"),
    ];
    KEYS.iter().find_map(|(p, k)| {
        t.strip_prefix(p)
            .map(|v| (*k, v.trim()))
            .filter(|(_, v)| !v.is_empty())
    })
}

/// The certificate file whose dates the command prints, if it prints any (empty: a loop or
/// `find -exec` over several, `-in $f`, `-in {}`); records a `cd` and an
/// `openssl x509 ... > FILE` on the way.
fn command(
    text: &str,
    cwd: &mut Option<String>,
    saved: &mut HashMap<String, String>,
) -> Option<String> {
    let mut shown = None;
    for seq in text.split([';']).flat_map(|s| s.split("&&")) {
        // the file piped in (`cat F | openssl x509 ...`) and read by the stages of one pipeline
        let mut piped: Option<String> = None;
        for stage in seq.split('|') {
            let words = shell_words(stage);
            let mut args: Vec<&str> = Vec::new();
            let (mut input, mut output) = (None, None);
            let mut it = words.iter().map(String::as_str).peekable();
            while let Some(w) = it.next() {
                match w {
                    ">" | ">>" => output = it.next(),
                    "<" => input = it.next(),
                    _ if w.starts_with(">>") => output = Some(&w[2..]),
                    _ if w.starts_with('>') => output = Some(&w[1..]),
                    _ if w.starts_with('<') => input = Some(&w[1..]),
                    _ if w.starts_with("2>") || w.starts_with("&>") => {}
                    _ => args.push(w),
                }
            }
            let args: Vec<&str> = args.into_iter().skip_while(|w| *w == "sudo").collect();
            let Some((prog, rest)) = args.split_first() else {
                continue;
            };
            match *prog {
                "cd" => {
                    if let Some(d) = rest.first().filter(|d| !d.starts_with('~')) {
                        *cwd = Some(resolve(cwd, d));
                    }
                }
                _ if args.contains(&"openssl") && args.contains(&"x509") && *prog != "openssl" => {
                    // find ... -exec openssl x509 ... -in {} \;
                    shown = Some(String::new());
                }
                "openssl" if rest.first() == Some(&"x509") => {
                    let arg = rest.windows(2).find(|w| w[0] == "-in").map(|w| w[1]);
                    if arg.is_some_and(|a| a.contains('$') || a.contains("{}")) {
                        shown = Some(String::new());
                        continue;
                    }
                    let named = arg.or(input).map(|f| resolve(cwd, f)).or(piped.take());
                    match (named, output) {
                        (Some(f), Some(o)) => {
                            saved.insert(resolve(cwd, o), f);
                        }
                        (f, None) => shown = f,
                        _ => {}
                    }
                }
                _ => {
                    // cat/grep/less/head of a saved output, or a certificate file piped on
                    let read = rest
                        .iter()
                        .chain(input.iter())
                        .map(|f| resolve(cwd, f))
                        .find_map(|f| saved.get(&f).cloned());
                    if let Some(f) = read {
                        shown = Some(f);
                    } else if *prog == "cat" {
                        piped = rest.last().map(|f| resolve(cwd, f));
                        continue;
                    }
                }
            }
            piped = None;
        }
    }
    shown
}

/// `f` against the working directory (`./x`, `x`), when one is known.
fn resolve(cwd: &Option<String>, f: &str) -> String {
    let f = f.strip_prefix("./").unwrap_or(f);
    match cwd {
        Some(d) if !f.starts_with('/') && !f.starts_with('~') && !f.starts_with('$') => {
            format!("{}/{f}", d.trim_end_matches('/'))
        }
        _ if f.len() > 1 => f.trim_end_matches('/').to_string(),
        _ => f.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    /// openshift/installer#1494 (dev): `-text` saved to a file in /var/lib/kubelet/pki, read back
    /// with `cat f | grep Not`; each file's dates go to the certificate the command saved.
    #[test]
    fn text_saved_and_grepped() {
        let t = "[root@test1-svtfv-master-0 ~]# cd /var/lib/kubelet/pki/\n[root@test1-svtfv-master-0 pki]# openssl x509 -in kubelet-client-current.pem -noout -text > kubelet-client-current.txt\n[root@test1-svtfv-master-0 pki]# openssl x509 -in kubelet-server-current.pem -noout -text > kubelet-server-current.txt\n[root@test1-svtfv-master-0 pki]# less kubelet-client-current.txt \n[root@test1-svtfv-master-0 pki]# cat kubelet-client-current.txt | grep Not\n            Not Before: Mar 27 06:57:00 2019 GMT\n            Not After : Mar 28 06:39:47 2019 GMT\n[root@test1-svtfv-master-0 pki]# cat kubelet-server-current.txt | grep Not\n            Not Before: Mar 27 07:02:00 2019 GMT\n            Not After : Mar 28 06:39:39 2019 GMT\n[root@test1-svtfv-master-0 pki]# date\nvr 29 mrt 2019  5:21:18 UTC\n";
        assert_eq!(
            get(&derive(t), paths::PKI),
            Some("file=/var/lib/kubelet/pki/kubelet-client-current.pem\nnotBefore=Mar 27 06:57:00 2019 GMT\nnotAfter=Mar 28 06:39:47 2019 GMT\n\nfile=/var/lib/kubelet/pki/kubelet-server-current.pem\nnotBefore=Mar 27 07:02:00 2019 GMT\nnotAfter=Mar 28 06:39:39 2019 GMT\n")
        );
    }

    /// `-dates`/`-enddate` and `-subject` printed right after the command, a file piped in, and
    /// dates with no file named (stdin) left out.
    #[test]
    fn dates_after_the_command() {
        let t = "$ openssl x509 -noout -subject -dates -in /var/lib/kubelet/pki/kubelet-client-current.pem\nsubject=O = system:nodes, CN = system:node:node01\nnotBefore=Nov 22 08:00:00 2025 GMT\nnotAfter=Nov 22 08:00:00 2026 GMT\n$ cat /etc/kubernetes/pki/apiserver.crt | openssl x509 -noout -enddate\nnotAfter=Dec  1 00:00:00 2026 GMT\n$ kubectl get secret x -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -enddate\nnotAfter=Jan  1 00:00:00 2020 GMT\n";
        assert_eq!(
            get(&derive(t), paths::PKI),
            Some("file=/var/lib/kubelet/pki/kubelet-client-current.pem\nsubject=O = system:nodes, CN = system:node:node01\nnotBefore=Nov 22 08:00:00 2025 GMT\nnotAfter=Nov 22 08:00:00 2026 GMT\n\nfile=/etc/kubernetes/pki/apiserver.crt\nnotAfter=Dec  1 00:00:00 2026 GMT\n")
        );
    }

    /// `-text -noout` after a root prompt (prometheus-operator/kube-prometheus#881, dev): the
    /// subject and issuer come along, the key's lines do not.
    #[test]
    fn full_text() {
        let t = "```  \n# openssl x509 -in /etc/kubernetes/ssl/kubernetes.pem -text -noout\nCertificate:\n    Data:\n        Version: 3 (0x2)\n        Serial Number:\n            76:64:c7:59:95:aa:fb:9b:8c:b2:26:c0:82:24:c5:0a:8d:95:a2:1e\n    Signature Algorithm: sha256WithRSAEncryption\n        Issuer: C=CN, ST=Shanghai, L=Shanghai, O=k8s, OU=System, CN=kubernetes\n        Validity\n            Not Before: Aug  8 09:54:00 2018 GMT\n            Not After : Aug  5 09:54:00 2028 GMT\n        Subject: C=CN, ST=Shanghai, L=Shanghai, O=k8s, OU=System, CN=kubernetes\n        Subject Public Key Info:\n            Public Key Algorithm: rsaEncryption\n                Public-Key: (2048 bit)\n";
        assert_eq!(
            get(&derive(t), paths::PKI),
            Some("file=/etc/kubernetes/ssl/kubernetes.pem\nissuer=C=CN, ST=Shanghai, L=Shanghai, O=k8s, OU=System, CN=kubernetes\nnotBefore=Aug  8 09:54:00 2018 GMT\nnotAfter=Aug  5 09:54:00 2028 GMT\nsubject=C=CN, ST=Shanghai, L=Shanghai, O=k8s, OU=System, CN=kubernetes\n")
        );
    }

    /// `find -exec openssl x509` typed without a prompt, each file printed before its date
    /// (kubernetes/kops#10282, dev: etcd-manager's peer certificates).
    #[test]
    fn find_exec_names_each_file() {
        let t = "```bash\nfind /mnt/ -type f -name me.crt -print -exec openssl x509 -enddate -noout -in {} \\;\n  /mnt/master-vol-033b5515e494aa750/pki/YfU68OjV5Z8i-GYYCjhC9w/peers/me.crt\n  notAfter=Nov 16 11:02:32 2020 GMT\n  /mnt/master-vol-002ef9578d3186bc5/pki/XE-bdKldogs66KuezA56sg/peers/me.crt\n  notAfter=Nov 16 11:02:24 2020 GMT\n```\n";
        assert_eq!(
            get(&derive(t), paths::PKI),
            Some("file=/mnt/master-vol-033b5515e494aa750/pki/YfU68OjV5Z8i-GYYCjhC9w/peers/me.crt\nnotAfter=Nov 16 11:02:32 2020 GMT\n\nfile=/mnt/master-vol-002ef9578d3186bc5/pki/XE-bdKldogs66KuezA56sg/peers/me.crt\nnotAfter=Nov 16 11:02:24 2020 GMT\n")
        );
    }

    /// Dates with no openssl command before them are no certificate of a known file.
    #[test]
    fn no_command_no_certificate() {
        let t = "Validity\n    Not Before: Mar 27 06:57:00 2019 GMT\n    Not After : Mar 28 06:39:47 2019 GMT\n";
        assert_eq!(get(&derive(t), paths::PKI), None);
    }
}
