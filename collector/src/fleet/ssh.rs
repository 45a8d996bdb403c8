//! The system's `ssh`, one short session per step: how it is called (BatchMode, a connect
//! timeout, keepalives, the user's own config honoured), the POSIX sh run on the node for each
//! step, and ssh's complaints turned into one sentence for the case manifest.

use super::target::Target;
use std::path::PathBuf;

/// How `ssh` is invoked for every node.
#[derive(Debug, Clone)]
pub struct Ssh {
    /// The ssh program (`ssh`).
    pub program: String,
    /// `--ssh-config FILE` (ssh -F); `None`: the user's own ~/.ssh/config and /etc/ssh/ssh_config.
    pub config: Option<PathBuf>,
    /// `--ssh-option OPT` (ssh -o OPT), in order.
    pub options: Vec<String>,
    /// Seconds for the TCP connect and the SSH handshake.
    pub connect_timeout: u64,
}

impl Ssh {
    /// `ssh ... host -- sh -c 'SCRIPT'`. BatchMode: a password or passphrase prompt fails at once
    /// instead of hanging; keepalives end a session whose host stopped answering.
    pub fn argv(&self, t: &Target, script: &str) -> Vec<String> {
        let mut a = vec![self.program.clone()];
        if let Some(c) = &self.config {
            a.push("-F".into());
            a.push(c.display().to_string());
        }
        for o in [
            "BatchMode=yes".to_string(),
            format!("ConnectTimeout={}", self.connect_timeout),
            "ServerAliveInterval=5".into(),
            "ServerAliveCountMax=3".into(),
            "LogLevel=ERROR".into(),
        ] {
            a.push("-o".into());
            a.push(o);
        }
        for o in &self.options {
            a.push("-o".into());
            a.push(o.clone());
        }
        // No terminal, no agent or X11 forwarding: nothing of the jump host reaches the node.
        a.extend(["-T", "-a", "-x"].map(String::from));
        if let Some(p) = t.port {
            a.push("-p".into());
            a.push(p.to_string());
        }
        if let Some(u) = &t.user {
            a.push("-l".into());
            a.push(u.clone());
        }
        a.push("--".into());
        a.push(t.host.clone());
        a.push(format!("sh -c {}", sh_quote(script)));
        a
    }
}

/// `s` as one word for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-=:,+@%".contains(&b))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Folders tried, in order, for the binary and the bundle: the first that is writable and lets
/// a file execute (noexec /tmp is common on hardened nodes).
pub const REMOTE_DIRS: &[&str] = &["/var/tmp", "/tmp", "/dev/shm", "$HOME"];

/// The probe: architecture, who we are, whether `sudo -n` works, and a private folder (mktemp)
/// where an executable can run, with its free space. One `key=value` per line. The tools come
/// from the system's default PATH (`command -p`), whatever the login's PATH holds.
pub fn probe_script(dirs: &[String]) -> String {
    let list: Vec<String> = dirs
        .iter()
        .map(|d| {
            if d == "$HOME" {
                "\"$HOME\"".to_string()
            } else {
                sh_quote(d)
            }
        })
        .collect();
    format!(
        r#"echo "arch=$(command -p uname -m)"
echo "uid=$(command -p id -u)"
if [ "$(command -p id -u)" = 0 ]; then echo as=root
elif sudo -n true >/dev/null 2>&1; then echo as=sudo
else echo as=user; echo "sudo=$( (sudo -n true) 2>&1 | head -n 1)"; fi
for d in {dirs}; do
  [ -d "$d" ] && [ -w "$d" ] || continue
  t=$(command -p mktemp -d "$d/.kdiag.XXXXXX" 2>/dev/null) || continue
  if printf '#!/bin/sh\nexit 0\n' >"$t/x" 2>/dev/null && chmod 700 "$t/x" && "$t/x" 2>/dev/null; then
    rm -f "$t/x"; echo "dir=$t"; echo "free_kb=$(command -p df -Pk "$t" | command -p awk 'NR==2 {{print $4}}')"; exit 0
  fi
  rm -rf "$t"
done
echo "nodir=none of {shown} is writable and lets a file execute""#,
        dirs = list.join(" "),
        shown = dirs.join(", ").replace(['"', '`', '$', '\\'], "")
    )
}

/// The upload: stdin into DIR/collect, made executable; prints the byte count received.
pub fn upload_script(dir: &str) -> String {
    let bin = sh_quote(&format!("{dir}/collect"));
    format!("cat >{bin} && chmod 700 {bin} && wc -c <{bin}")
}

/// `sudo -n ` when collect runs through sudo, else nothing.
pub fn prefix(as_sudo: bool) -> &'static str {
    if as_sudo {
        "sudo -n "
    } else {
        ""
    }
}

/// The run: collect into DIR, then one `bundle=PATH SIZE` line per bundle it wrote; exits with
/// collect's own code.
pub fn collect_script(dir: &str, as_sudo: bool, args: &[String]) -> String {
    let bin = sh_quote(&format!("{dir}/collect"));
    let args: Vec<String> = args.iter().map(|a| sh_quote(a)).collect();
    format!(
        "{p}{bin} --out {d} {args}; rc=$?\nfor f in {d}/kdiag-*.tgz; do [ -f \"$f\" ] && echo \"bundle=$f $(wc -c <\"$f\")\"; done\nexit $rc",
        p = prefix(as_sudo),
        d = sh_quote(dir),
        args = args.join(" ")
    )
}

/// The fetch: the bundle's bytes on stdout.
pub fn fetch_script(bundle: &str, as_sudo: bool) -> String {
    format!("{}cat {}", prefix(as_sudo), sh_quote(bundle))
}

/// The cleanup: the private folder and all in it (binary, bundle, spool).
pub fn cleanup_script(dir: &str, as_sudo: bool) -> String {
    format!("{}rm -rf {}", prefix(as_sudo), sh_quote(dir))
}

/// How [`explain_ssh_failure`] starts when the node did not answer in time.
pub const NO_ANSWER: &str = "the node did not answer ssh in time";

/// One sentence for what ssh (exit 255) said, the raw text kept beside it in the manifest.
pub fn explain_ssh_failure(stderr: &str) -> String {
    let l = stderr.to_ascii_lowercase();
    let line = stderr
        .lines()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("no message");
    let what = if l.contains("permission denied") {
        "ssh refused the login (no key or user it accepts; BatchMode allows no password)"
    } else if l.contains("connection refused") {
        "nothing listens for ssh on that address and port"
    } else if l.contains("timed out") || l.contains("timeout") {
        NO_ANSWER
    } else if l.contains("host key verification failed")
        || l.contains("remote host identification has changed")
    {
        "the node's host key is not trusted (add it to known_hosts, or it changed)"
    } else if l.contains("could not resolve hostname") || l.contains("name or service not known") {
        "the node's name does not resolve"
    } else if l.contains("no route to host") || l.contains("network is unreachable") {
        "no route to the node"
    } else if l.contains("connection closed") || l.contains("connection reset") {
        "the node closed the ssh connection"
    } else {
        "ssh failed"
    };
    format!("{what}: {line}")
}

/// `key=value` lines of the probe.
pub fn field<'a>(out: &'a str, key: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::target::parse_target;
    use std::process::Command;

    #[test]
    fn quoting_survives_a_shell() {
        for s in [
            "plain",
            "/var/tmp/.kdiag.AbC123",
            "it's",
            "a b",
            "$(id)",
            "`x`",
            "",
            "x\ny",
        ] {
            let out = Command::new("sh")
                .args(["-c", &format!("printf %s {}", sh_quote(s))])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), s);
        }
    }

    #[test]
    fn argv_has_batch_mode_port_user_and_no_option_injection() {
        let ssh = Ssh {
            program: "ssh".into(),
            config: Some("/etc/kdiag/ssh_config".into()),
            options: vec!["StrictHostKeyChecking=yes".into()],
            connect_timeout: 7,
        };
        let a = ssh.argv(&parse_target("ops@10.1.2.3:2200").unwrap(), "id -u");
        let joined = a.join(" ");
        assert!(
            joined.starts_with("ssh -F /etc/kdiag/ssh_config -o BatchMode=yes -o ConnectTimeout=7")
        );
        assert!(joined.contains("-o StrictHostKeyChecking=yes"));
        assert!(joined.contains("-p 2200 -l ops -- 10.1.2.3"), "{joined}");
        assert_eq!(a.last().unwrap(), "sh -c 'id -u'");
    }

    #[test]
    fn the_probe_runs_here_and_finds_an_executable_folder() {
        let tmp = std::env::temp_dir().join(format!("kdiag-probe-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let dirs = vec!["/nonexistent/x".to_string(), tmp.display().to_string()];
        let out = Command::new("sh")
            .args(["-c", &probe_script(&dirs)])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(field(&out, "arch"), Some(std::env::consts::ARCH), "{out}");
        let dir = field(&out, "dir").expect(&out);
        assert!(
            dir.starts_with(&format!("{}/.kdiag.", tmp.display())),
            "{out}"
        );
        assert!(field(&out, "free_kb").unwrap().parse::<u64>().unwrap() > 0);
        assert!(std::path::Path::new(dir).is_dir());
        std::fs::remove_dir_all(&tmp).unwrap();
        let out = Command::new("sh")
            .args(["-c", &probe_script(&["/nonexistent/y".into()])])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(field(&out, "dir"), None);
        assert!(
            field(&out, "nodir").unwrap().contains("/nonexistent/y"),
            "{out}"
        );
    }

    #[test]
    fn ssh_failures_in_one_sentence() {
        let e = explain_ssh_failure("root@127.0.0.3: Permission denied (publickey).\r\n");
        assert!(e.starts_with("ssh refused the login"), "{e}");
        assert!(e.ends_with("Permission denied (publickey)."), "{e}");
        let e = explain_ssh_failure("ssh: connect to host 10.9.9.9 port 22: Connection timed out");
        assert!(e.starts_with("the node did not answer"), "{e}");
        let e = explain_ssh_failure("Connection timed out during banner exchange");
        assert!(e.starts_with("the node did not answer"), "{e}");
        let e = explain_ssh_failure("ssh: connect to host 127.0.0.1 port 1: Connection refused");
        assert!(e.starts_with("nothing listens"), "{e}");
    }
}
