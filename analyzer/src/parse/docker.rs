//! /etc/docker/daemon.json, `docker info` and `docker version`.

use std::collections::BTreeMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct DaemonJson {
    pub value: Value,
    /// Set when strict JSON parsing failed but the lenient one (comments, trailing commas)
    /// worked: dockerd itself refuses such a file and does not start.
    pub strict_error: Option<String>,
}

/// Parses daemon.json strictly; when that fails, once more with `//`, `#` and `/* */` comments
/// and trailing commas removed. `Err` with the strict parser's message when both fail.
pub fn daemon_json(text: &str) -> Result<DaemonJson, String> {
    let text = text.trim_start_matches('\u{feff}');
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Ok(DaemonJson {
            value,
            strict_error: None,
        }),
        Err(strict) => {
            let cleaned = strip_comments_and_trailing_commas(text);
            match serde_json::from_str::<Value>(&cleaned) {
                Ok(value) => Ok(DaemonJson {
                    value,
                    strict_error: Some(strict.to_string()),
                }),
                Err(_) => Err(strict.to_string()),
            }
        }
    }
}

fn strip_comments_and_trailing_commas(s: &str) -> String {
    strip(&strip(s, true), false)
}

/// One pass: drops comments (`comments`) or trailing commas (`!comments`), outside strings.
fn strip(s: &str, comments: bool) -> String {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut in_str = false;
    while i < c.len() {
        let ch = c[i];
        if in_str {
            out.push(ch);
            if ch == '\\' && i + 1 < c.len() {
                out.push(c[i + 1]);
                i += 2;
                continue;
            }
            if ch == '"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match ch {
            '"' => {
                in_str = true;
                out.push(ch);
                i += 1;
            }
            '/' if comments && c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '#' if comments => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if comments && c.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < c.len() && !(c[i] == '*' && c[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            ',' if !comments => {
                let mut j = i + 1;
                while j < c.len() && c[j].is_whitespace() {
                    j += 1;
                }
                if !matches!(c.get(j), Some('}') | Some(']')) {
                    out.push(ch);
                }
                i += 1;
            }
            _ => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// Line (1-based) of the first occurrence of `"key"` in a JSON text.
pub fn json_key_line(text: &str, key: &str) -> Option<usize> {
    let needle = format!("\"{key}\"");
    text.lines()
        .position(|l| l.contains(&needle))
        .map(|i| i + 1)
}

/// `native.cgroupdriver=systemd` from daemon.json `exec-opts`.
pub fn exec_opts_cgroup_driver(v: &Value) -> Option<String> {
    v.get("exec-opts")?.as_array()?.iter().find_map(|o| {
        let s = o.as_str()?.trim();
        let (k, val) = s.split_once('=')?;
        (k.trim() == "native.cgroupdriver").then(|| val.trim().to_string())
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerInfo {
    /// `Key: value` lines (the server section included), key -> (value, line).
    pub fields: BTreeMap<String, (String, usize)>,
    pub insecure_registries: Vec<String>,
    pub registry_mirrors: Vec<String>,
    /// `Cannot connect to the Docker daemon ...` or another error instead of the server part.
    pub error: Option<String>,
}

/// `docker info`. `None` when no field was recognised.
pub fn info(text: &str) -> Option<DockerInfo> {
    let mut d = DockerInfo::default();
    let mut list: Option<&'static str> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("Cannot connect to the Docker daemon")
            || t.starts_with("Error response from daemon")
            || t.starts_with("ERROR:")
        {
            d.error.get_or_insert_with(|| t.to_string());
            continue;
        }
        // List items (`  docker02:35000`, `  https://mirror/`): indented, no `key: value` shape.
        if let Some(which) = list {
            if line.starts_with("  ") && !t.is_empty() && !t.contains(": ") && !t.ends_with(':') {
                push(&mut d, which, t);
                continue;
            }
        }
        if let Some((k, v)) = t.split_once(':') {
            let v = v.trim();
            let k = k.trim();
            if v.is_empty() {
                list = match k {
                    "Insecure Registries" => Some("insecure"),
                    "Registry Mirrors" => Some("mirrors"),
                    _ => None,
                };
                continue;
            }
            list = None;
            d.fields
                .entry(k.to_string())
                .or_insert((v.to_string(), i + 1));
        } else {
            list = None;
        }
    }
    (!d.fields.is_empty() || d.error.is_some()).then_some(d)
}

fn push(d: &mut DockerInfo, which: &str, v: &str) {
    if which == "insecure" {
        d.insecure_registries.push(v.to_string());
    } else {
        d.registry_mirrors.push(v.to_string());
    }
}

/// Where a dockerd flag was written: an environment file (`sysconfig`: /etc/sysconfig/docker,
/// /etc/default/docker), a unit's `ExecStart` (`unit`), or the running dockerd's argv (`cmdline`:
/// `ps`, `systemctl status`'s CGroup tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonFlag {
    pub value: String,
    pub from: &'static str,
    /// 1-based line in the text read.
    pub line: usize,
}

/// `--insecure-registry` values on dockerd's command-line configuration (node/docker/daemon-args.txt,
/// a unit file, a `systemctl status`). dockerd takes the flag once per registry, as `=VALUE` or
/// ` VALUE` (moby cmd/dockerd: a NamedListOpts, so never comma-separated): `host:port`, `host` or
/// a CIDR; a leading `http://`/`https://` is dropped as dockerd drops it. In a unit file only
/// `ExecStart=` lines count (a `# ...` comment or `Description=` naming the flag does not); in a
/// status only the lines after `CGroup:` (the processes).
pub fn daemon_flags(text: &str) -> Vec<DaemonFlag> {
    let mut out = Vec::new();
    let mut in_cgroup = false;
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim().trim_matches('`').trim();
        let from = if t.starts_with("ExecStart") {
            "unit"
        } else if t.starts_with("CGroup:") {
            in_cgroup = true;
            continue;
        } else if t.starts_with('#') || t.starts_with(';') {
            continue;
        } else if t.split('=').next().is_some_and(|k| {
            let k = k.trim().trim_start_matches("export ").trim();
            !k.is_empty()
                && !k.contains(' ')
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && t.contains('=')
        }) && !t.contains("dockerd")
        {
            "sysconfig"
        } else if in_cgroup
            || t.contains("dockerd")
            || t.contains("docker daemon")
            || t.contains("docker -d")
        {
            "cmdline"
        } else {
            continue;
        };
        let words: Vec<&str> = t.split_whitespace().collect();
        let mut j = 0;
        while j < words.len() {
            let w = words[j].trim_start_matches(['"', '\'', '=']);
            let w = w.split_once("='").map_or(w, |(_, r)| r);
            let w = w.split_once("=\"").map_or(w, |(_, r)| r);
            let value = if let Some(v) = w.strip_prefix("--insecure-registry=") {
                Some(v.to_string())
            } else if w == "--insecure-registry" {
                j += 1;
                words.get(j).map(|v| v.to_string())
            } else {
                None
            };
            if let Some(v) = value {
                let v =
                    registry_name(v.trim_matches(|c| matches!(c, '"' | '\'' | '`' | '\\' | ',')));
                if !v.is_empty() && !v.starts_with('-') && !v.starts_with('$') {
                    out.push(DaemonFlag {
                        value: v.to_string(),
                        from,
                        line: i + 1,
                    });
                }
            }
            j += 1;
        }
    }
    out
}

/// `docker version`: the Server's (Engine's) Version. `None` when the server did not answer
/// (the client's version says nothing about the daemon that runs).
pub fn version(text: &str) -> Option<String> {
    let mut section = "";
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("Client") {
            section = "client";
        } else if t.starts_with("Server") {
            section = "server";
        } else if let Some(v) = t.strip_prefix("Version:") {
            if section == "server" {
                return Some(v.trim().to_string());
            }
        }
    }
    // `docker --version`: `Docker version 1.12.6, build 78d1802` (the client's, the one there is).
    text.lines().find_map(|l| {
        let v = l.trim().strip_prefix("Docker version ")?;
        let v = v.split([',', ' ']).next()?;
        v.starts_with(|c: char| c.is_ascii_digit())
            .then(|| v.to_string())
    })
}

/// The version of a component in `docker version`'s server part (` containerd:` then
/// `  Version: 1.4.6`).
pub fn component_version(text: &str, component: &str) -> Option<String> {
    let header = format!("{component}:");
    let mut in_component = false;
    for line in text.lines() {
        let t = line.trim();
        if t == header {
            in_component = true;
        } else if in_component {
            if let Some(v) = t.strip_prefix("Version:") {
                let v = v.trim();
                return (!v.is_empty()).then(|| v.to_string());
            }
            if t.ends_with(':') {
                in_component = false;
            }
        }
    }
    None
}

/// A registry as dockerd compares it (moby registry/config.go): without the `http://` or
/// `https://` dockerd drops, and without a trailing `/`. Case is kept.
pub fn registry_name(v: &str) -> &str {
    let lower = v.get(..8).unwrap_or(v).to_ascii_lowercase();
    let v = if lower.starts_with("http://") {
        &v[7..]
    } else if lower.starts_with("https://") {
        &v[8..]
    } else {
        v
    };
    v.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insecure_registry_flags_by_origin() {
        let t = "OPTIONS='--selinux-enabled=true --insecure-registry=myip:5000'\nINSECURE_REGISTRY='--insecure-registry 192.168.1.10:5000 --insecure-registry http://reg.local/'\nDOCKER_OPTS=\"$DOCKER_OPTS --insecure-registry=private-registry\"\nExecStart=/usr/bin/dockerd -H fd:// --insecure-registry registry:5000\nroot 1021 1 0 10:01 ? 00:00:03 /usr/bin/dockerd --insecure-registry=10.0.0.0/8\n# OPTIONS='--insecure-registry commented:5000'\n";
        let got: Vec<(String, &str, usize)> = daemon_flags(t)
            .into_iter()
            .map(|f| (f.value, f.from, f.line))
            .collect();
        let want = [
            ("myip:5000", "sysconfig", 1),
            ("192.168.1.10:5000", "sysconfig", 2),
            ("reg.local", "sysconfig", 2),
            ("private-registry", "sysconfig", 3),
            ("registry:5000", "unit", 4),
            ("10.0.0.0/8", "cmdline", 5),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(v, f, l)| (v.to_string(), *f, *l))
                .collect::<Vec<_>>()
        );
        // systemctl status: only the CGroup tree is the process list
        let st = "● docker.service - Docker Application Container Engine\n   Loaded: loaded (/usr/lib/systemd/system/docker.service; enabled)\n   Active: active (running)\n   CGroup: /system.slice/docker.service\n           └─1021 /usr/bin/dockerd-current --insecure-registry 172.30.0.0/16\n";
        let f = daemon_flags(st);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].value.as_str(), f[0].from),
            ("172.30.0.0/16", "cmdline")
        );
    }

    #[test]
    fn version_from_docker_dash_dash_version() {
        assert_eq!(
            version("Docker version 1.12.6, build 78d1802\n").as_deref(),
            Some("1.12.6")
        );
        assert_eq!(version("Docker version unknown\n"), None);
    }

    #[test]
    fn components() {
        let v = "Client:\n Version: 20.10.7\nServer: Docker Engine - Community\n Engine:\n  Version: 20.10.7\n containerd:\n  Version: 1.4.6\n  GitCommit: d71fcd7d\n runc:\n  Version: 1.0.0-rc95\n";
        assert_eq!(version(v).as_deref(), Some("20.10.7"));
        assert_eq!(component_version(v, "containerd").as_deref(), Some("1.4.6"));
        assert_eq!(component_version(v, "runc").as_deref(), Some("1.0.0-rc95"));
        assert_eq!(component_version(v, "docker-init"), None);
    }

    #[test]
    fn daemon_json_strict_and_lenient() {
        let t = "{\n  \"exec-opts\": [\"native.cgroupdriver=systemd\"],\n  \"insecure-registries\": [\"docker.com:8080\"],\n  \"registry-mirrors\": [\"https://mirror.example\"]\n}\n";
        let d = daemon_json(t).unwrap();
        assert!(d.strict_error.is_none());
        assert_eq!(
            exec_opts_cgroup_driver(&d.value).as_deref(),
            Some("systemd")
        );
        assert_eq!(json_key_line(t, "exec-opts"), Some(2));
        let bad = "{\n  // mirrors\n  \"exec-opts\": [\"native.cgroupdriver = cgroupfs\"],\n  \"data-root\": \"/data/docker\", /* moved */\n}\n";
        let d = daemon_json(bad).unwrap();
        assert!(d.strict_error.is_some());
        assert_eq!(
            exec_opts_cgroup_driver(&d.value).as_deref(),
            Some("cgroupfs")
        );
        assert_eq!(d.value["data-root"], "/data/docker");
        assert!(daemon_json("{\"a\": }").is_err());
        assert!(daemon_json("cat: /etc/docker/daemon.json: No such file or directory").is_err());
    }

    #[test]
    fn docker_info() {
        let t = "Client:\n Context:    default\n Debug Mode: false\n\nServer:\n Containers: 24\n Server Version: 19.03.15\n Storage Driver: overlay2\n  Backing Filesystem: xfs\n Logging Driver: json-file\n Cgroup Driver: cgroupfs\n Docker Root Dir: /var/lib/docker\n Insecure Registries:\n  docker02:35000\n  127.0.0.0/8\n Registry Mirrors:\n  https://registry.docker-cn.com/\n Live Restore Enabled: false\n";
        let d = info(t).unwrap();
        assert_eq!(d.fields["Cgroup Driver"], ("cgroupfs".to_string(), 11));
        assert_eq!(d.fields["Server Version"].0, "19.03.15");
        assert_eq!(d.insecure_registries, vec!["docker02:35000", "127.0.0.0/8"]);
        assert_eq!(d.registry_mirrors, vec!["https://registry.docker-cn.com/"]);
        assert_eq!(d.fields["Live Restore Enabled"].0, "false");
        let e = info("Client:\n Debug Mode: false\n\nServer:\nERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n").unwrap();
        assert!(e.error.is_some());
        assert!(!e.fields.contains_key("Cgroup Driver"));
    }

    #[test]
    fn docker_version() {
        let t = "Client: Docker Engine - Community\n Version:           20.10.7\n API version:       1.41\n\nServer: Docker Engine - Community\n Engine:\n  Version:          20.10.8\n  API version:      1.41 (minimum version 1.12)\n";
        assert_eq!(version(t).as_deref(), Some("20.10.8"));
        assert_eq!(
            version("Client:\n Version: 20.10.7\nCannot connect to the Docker daemon\n"),
            None
        );
    }
}
