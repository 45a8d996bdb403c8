//! The nodes of a case: `--nodes a,b,c` or a nodes file, one node per line with its own
//! options (`root@10.0.0.12:2222 --root /mnt/node --no-kubectl`).

/// One node to collect from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// As written (`host`, `user@host`, `user@host:port`, `user@[v6]:port`).
    pub spec: String,
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// Options passed to this node's collect after the case-wide ones.
    pub collect_options: Vec<String>,
    /// `--remote-dir DIR`: the only folder tried for the binary and the bundle on this node.
    pub remote_dir: Option<String>,
}

/// Options a nodes file may not set for one node: they belong to the case, not to a node.
const CASE_ONLY: &[&str] = &[
    "--nodes",
    "--nodes-file",
    "--out",
    "--parallel",
    "--case-deadline",
];

/// Parses `user@host:port`. The host may not start with `-` (it would reach ssh as an option).
pub fn parse_target(spec: &str) -> Result<Target, String> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err("empty node name".into());
    }
    let (user, rest) = match spec.rsplit_once('@') {
        Some((u, r)) if !u.is_empty() => (Some(u.to_string()), r),
        Some(_) => return Err(format!("{spec}: empty user before @")),
        None => (None, spec),
    };
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("{spec}: missing ] after an IPv6 address"))?;
        match after.strip_prefix(':') {
            Some(p) => (h.to_string(), Some(p)),
            None if after.is_empty() => (h.to_string(), None),
            None => return Err(format!("{spec}: unexpected {after:?} after ]")),
        }
    } else {
        match rest.split_once(':') {
            Some((h, p)) if !p.contains(':') => (h.to_string(), Some(p)),
            // A bare IPv6 address without brackets and without port.
            Some(_) => (rest.to_string(), None),
            None => (rest.to_string(), None),
        }
    };
    let port = match port {
        Some(p) => Some(
            p.parse::<u16>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{spec}: port {p:?} is not a number from 1 to 65535"))?,
        ),
        None => None,
    };
    if host.is_empty() {
        return Err(format!("{spec}: empty host"));
    }
    let bad =
        |s: &str| s.starts_with('-') || s.chars().any(|c| c.is_whitespace() || c.is_control());
    if bad(&host) || user.as_deref().is_some_and(bad) {
        return Err(format!(
            "{spec}: a host or user may not start with - or hold spaces"
        ));
    }
    Ok(Target {
        spec: spec.to_string(),
        user,
        host,
        port,
        collect_options: Vec::new(),
        remote_dir: None,
    })
}

/// Parses `--nodes a,b,c`.
pub fn parse_list(list: &str) -> Result<Vec<Target>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_target)
        .collect()
}

/// Parses a nodes file: one node per line, then that node's collect options separated by
/// spaces (no quoting); `#` starts a comment, blank lines are skipped.
pub fn parse_nodes_file(text: &str) -> Result<Vec<Target>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", i + 1);
        let mut words = line.split_whitespace();
        let mut t = parse_target(words.next().unwrap_or_default()).map_err(at)?;
        let words: Vec<&str> = words.collect();
        let mut k = 0;
        while k < words.len() {
            let w = words[k];
            let (flag, inline) = match w.split_once('=') {
                Some((f, v)) => (f, Some(v)),
                None => (w, None),
            };
            if !flag.starts_with("--") {
                // A value of the flag before it (`--root /srv/w1`).
                if k == 0 {
                    return Err(at(format!(
                        "{w:?}: options go as --flag VALUE or --flag=VALUE after the node"
                    )));
                }
                t.collect_options.push(w.to_string());
                k += 1;
                continue;
            }
            if CASE_ONLY.contains(&flag) {
                return Err(at(format!("{flag} is for the whole case, not one node")));
            }
            if flag == "--remote-dir" {
                let v = match inline {
                    Some(v) => v.to_string(),
                    None => {
                        k += 1;
                        words
                            .get(k)
                            .ok_or_else(|| at("--remote-dir needs a folder".into()))?
                            .to_string()
                    }
                };
                if !v.starts_with('/') {
                    return Err(at(format!("--remote-dir {v}: must be an absolute path")));
                }
                t.remote_dir = Some(v);
            } else {
                t.collect_options.push(w.to_string());
            }
            k += 1;
        }
        out.push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_target("root@10.0.0.1:2222").unwrap();
        assert_eq!(
            (t.user.as_deref(), t.host.as_str(), t.port),
            (Some("root"), "10.0.0.1", Some(2222))
        );
        let t = parse_target("node01").unwrap();
        assert_eq!((t.user, t.host.as_str(), t.port), (None, "node01", None));
        let t = parse_target("ops@[fd00::1]:22").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("fd00::1", Some(22)));
        let t = parse_target("fd00::1").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("fd00::1", None));
        for bad in ["", "@h", "h:0", "h:x", "-oProxyCommand=x", "u@-h", "a b"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nodes_file_with_options_and_comments() {
        let text = "# the cluster\nroot@m1 --no-kubectl\n\n ops@w1:2200 --root /srv/w1 --remote-dir=/data/tmp # gpu\nw2 --remote-dir /opt/x --since=2h\n";
        let ts = parse_nodes_file(text).unwrap();
        assert_eq!(ts.len(), 3);
        assert_eq!(ts[0].collect_options, ["--no-kubectl"]);
        assert_eq!(ts[1].collect_options, ["--root", "/srv/w1"]);
        assert_eq!(ts[1].remote_dir.as_deref(), Some("/data/tmp"));
        assert_eq!(ts[2].remote_dir.as_deref(), Some("/opt/x"));
        assert_eq!(ts[2].collect_options, ["--since=2h"]);
        let e = parse_nodes_file("a\nb --out /x\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        assert!(parse_nodes_file("a root\n").is_err());
        assert!(parse_nodes_file("a --remote-dir tmp\n").is_err());
        assert_eq!(parse_list(" a, b ,,c ").unwrap().len(), 3);
    }
}
