//! dockerd's command-line configuration in a paste, as node/docker/daemon-args.txt: the lines
//! that give dockerd its flags, each kept as written (without Markdown backticks) so that
//! `parse::docker::daemon_flags` can tell where it came from:
//!
//! - an environment file's assignment, /etc/sysconfig/docker (RHEL/CentOS docker: `OPTIONS=`,
//!   `INSECURE_REGISTRY=`, `other_args=` before docker 1.8) or /etc/default/docker (`DOCKER_OPTS=`),
//!   which a unit reads only through `EnvironmentFile=` and `$OPTIONS` on its `ExecStart`;
//! - a unit's or drop-in's `ExecStart=` starting dockerd (`/usr/bin/dockerd`, `docker daemon`,
//!   `docker -d`);
//! - dockerd's running command line: a `ps` row, `systemctl status`'s CGroup tree
//!   (`└─1234 /usr/bin/dockerd -H fd:// --insecure-registry ...`), or dockerd typed at a prompt.
//!
//! A commented-out assignment (`# INSECURE_REGISTRY='--insecure-registry'`, the RHEL default) is a
//! prompt/comment line and is not kept; nor is prose naming a flag ("add --insecure-registry to
//! the daemon").

use std::sync::LazyLock;

use regex::Regex;

use super::Line;

/// An environment file's assignment of dockerd flags.
static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:export\s+)?(?:OPTIONS|INSECURE_REGISTRY|DOCKER_OPTS|DOCKER_OPTIONS|other_args|ADD_REGISTRY|BLOCK_REGISTRY)\s*=\s*["']?"#).unwrap()
});

/// A unit's ExecStart starting dockerd.
static EXEC_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ExecStart\s*=\s*\S*(?:/|\b)(?:dockerd(?:-current)?\b|docker\s+(?:daemon\b|-d\b))")
        .unwrap()
});

/// dockerd's argv on a `ps` row, a status CGroup tree line, or typed at a prompt: the binary then
/// at least one flag.
static CMDLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[\s/─└├`|])(?:dockerd(?:-current)?|docker\s+daemon|docker\s+-d)\s+-{1,2}[A-Za-z]",
    )
    .unwrap()
});

/// The lines giving dockerd flags, as written.
pub(super) fn args(lines: &[Line]) -> Option<String> {
    let mut out = Vec::new();
    for l in lines {
        let t = l.text.trim().trim_matches('`').trim();
        let keep = if l.cmd {
            // a command typed at a prompt: dockerd run by hand (its argv), never `ps | grep dockerd`
            CMDLINE.is_match(t) && !t.contains('|') && !t.starts_with("grep")
        } else {
            ASSIGN.is_match(t) || EXEC_START.is_match(t) || CMDLINE.is_match(t)
        };
        if keep && !out.iter().any(|o: &String| o == t) {
            out.push(t.to_string());
        }
    }
    (!out.is_empty()).then(|| out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    /// distribution/distribution#1874 (dev): the sysconfig line quoted in backticks, twice.
    #[test]
    fn sysconfig_options_in_backticks() {
        let t = "I had modified the /etc/sysconfig/docker as:\n`OPTIONS='--selinux-enabled=true --insecure-registry=myip:5000'`\nor\n`OPTIONS='--selinux-enabled=true --insecure-registry myip:5000'`\n`$ docker pull myip:5000/cadvisor`\n";
        assert_eq!(
            get(&derive(t), paths::DOCKER_DAEMON_ARGS),
            Some("OPTIONS='--selinux-enabled=true --insecure-registry=myip:5000'\nOPTIONS='--selinux-enabled=true --insecure-registry myip:5000'\n")
        );
    }

    #[test]
    fn unit_ps_and_status_lines_kept_prose_and_comments_not() {
        let t = "# INSECURE_REGISTRY='--insecure-registry'\n[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --insecure-registry registry:5000\n$ ps -ef | grep dockerd\nroot  1021  1  0 10:01 ?  00:00:03 /usr/bin/dockerd -H fd:// --insecure-registry=10.0.0.0/8\n   CGroup: /system.slice/docker.service\n           └─1021 /usr/bin/dockerd -H fd:// --insecure-registry=10.0.0.0/8\nplease add `--insecure-registry 1.2.3.4:5000` to the daemon's arguments\n";
        let d = derive(t);
        let got = get(&d, paths::DOCKER_DAEMON_ARGS).unwrap();
        assert_eq!(
            got,
            "ExecStart=/usr/bin/dockerd -H fd:// --insecure-registry registry:5000\nroot  1021  1  0 10:01 ?  00:00:03 /usr/bin/dockerd -H fd:// --insecure-registry=10.0.0.0/8\n└─1021 /usr/bin/dockerd -H fd:// --insecure-registry=10.0.0.0/8\n"
        );
    }
}
