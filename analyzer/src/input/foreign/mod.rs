//! Other tools' archives read as kdiag bundles: sosreport, troubleshoot.sh support bundles,
//! `kubectl cluster-info dump --output-directory`, OpenShift must-gather, the Rancher logs
//! collector and the EKS log collector.
//!
//! Each format is data, not code per file ([`tables`]): marker entries that identify it, rows
//! mapping its paths onto the kdiag layout (docs/bundle-format.md) with how the bytes are carried
//! over, and the kdiag files it never holds with the reason. [`sniff`] decides the format from
//! entry names alone (as they stream), [`Adapter::wants`] lets the readers skip every entry no row
//! maps (nothing else is held in memory), and [`Adapter::adapt`] builds the node's files and a
//! manifest whose items say, for every kdiag path the format could hold, where it came from or
//! why it is missing. Secret-bearing entries (Secrets listings, image pull secrets, kubeconfigs)
//! match no row and are never read; every file carried over goes through the collector's
//! redactor.

pub mod dump;
mod tables;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use kdiag_bundle::redact::Redactor;
use kdiag_bundle::{Item, Manifest, Status};
use regex::Regex;

pub use tables::Format;
use tables::{How, Table};

/// One compiled row: its pattern, target template and how.
struct Row {
    from: &'static str,
    re: Regex,
    to: &'static str,
    how: How,
}

struct Compiled {
    table: &'static Table,
    rows: Vec<Row>,
    markers: Vec<Regex>,
}

/// `*` = any run within one path segment, `**` = any depth, `{name}` = a captured part of one
/// segment (used in the target); everything else literal; anchored at both ends.
fn pattern(p: &str) -> Regex {
    let mut re = String::from("^");
    let mut rest = p;
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("**") {
            re.push_str(".*");
            rest = r;
        } else if let Some(r) = rest.strip_prefix('*') {
            re.push_str("[^/]*");
            rest = r;
        } else if c == '{' {
            let end = rest.find('}').expect("a closed {name} in a table pattern");
            re.push_str(&format!("(?P<{}>[^/]+?)", &rest[1..end]));
            rest = &rest[end + 1..];
        } else {
            re.push_str(&regex::escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    re.push('$');
    Regex::new(&re).expect("table patterns compile")
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    tables::TABLES
        .iter()
        .map(|t| Compiled {
            table: t,
            rows: t
                .rows
                .iter()
                .map(|&(from, to, how)| Row {
                    from,
                    re: pattern(from),
                    to,
                    how,
                })
                .collect(),
            markers: t.markers.iter().map(|m| pattern(m)).collect(),
        })
        .collect()
});

fn compiled(f: Format) -> &'static Compiled {
    COMPILED
        .iter()
        .find(|c| c.table.format == f)
        .expect("every format has a table")
}

/// The key and, when it has one, the key without its first folder (the archive's top folder,
/// not stripped yet while entries stream).
fn candidates(key: &str) -> impl Iterator<Item = &str> {
    let key = key.strip_prefix("./").unwrap_or(key);
    std::iter::once(key).chain(key.split_once('/').map(|(_, r)| r))
}

/// The format whose marker this entry name is, if any. kdiag's own layout (`node/`, `cluster/`,
/// `manifest.json`) is never foreign.
pub fn sniff(key: &str) -> Option<Format> {
    for k in candidates(key) {
        if k == kdiag_bundle::MANIFEST_PATH || k.starts_with("node/") || k.starts_with("cluster/") {
            return None;
        }
        for c in COMPILED.iter() {
            if c.markers.iter().any(|m| m.is_match(k)) {
                return Some(c.table.format);
            }
        }
    }
    None
}

/// Reads one foreign format: which entries to keep, and how they become a kdiag node.
pub struct Adapter {
    format: Format,
}

impl Adapter {
    pub fn new(format: Format) -> Adapter {
        Adapter { format }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether this entry name, exactly as it is (no folder stripped), is one of the format's
    /// markers.
    pub fn is_marker(&self, key: &str) -> bool {
        compiled(self.format)
            .markers
            .iter()
            .any(|m| m.is_match(key))
    }

    /// Whether the common top folder of `keys` is part of the format's own layout rather than
    /// the archive's folder: some key is a marker as it is and none is once its first folder is
    /// stripped (a cluster-info dump of one namespace: `<ns>/pods.json`, `<ns>/<pod>/logs.txt`).
    pub fn top_is_layout<'k>(&self, keys: impl Iterator<Item = &'k String> + Clone) -> bool {
        keys.clone().any(|k| self.is_marker(k))
            && !keys
                .filter_map(|k| k.split_once('/'))
                .any(|(_, r)| self.is_marker(r))
    }

    /// Whether some row maps this entry (with or without its top folder): the others are not
    /// read at all.
    pub fn wants(&self, key: &str) -> bool {
        let c = compiled(self.format);
        candidates(key).any(|k| c.rows.iter().any(|r| r.re.is_match(k)))
    }

    /// The kdiag files built from `files` (keys without the top folder), a manifest saying where
    /// each came from and what the format lacks, and warnings.
    pub fn adapt(
        &self,
        files: BTreeMap<String, Vec<u8>>,
        top: Option<&str>,
    ) -> (BTreeMap<String, Vec<u8>>, Manifest, Vec<String>) {
        let c = compiled(self.format);
        let mut warnings = Vec::new();
        // target -> (row index, [(foreign key, captures)])
        let mut hits: BTreeMap<String, (usize, Vec<&str>)> = BTreeMap::new();
        for key in files.keys() {
            for (i, row) in c.rows.iter().enumerate() {
                let Some(caps) = row.re.captures(key) else {
                    continue;
                };
                let consumed = !matches!(row.how, How::Grep(_));
                let mut target = row.to.to_string();
                for name in row.re.capture_names().flatten() {
                    target = target.replace(&format!("{{{name}}}"), &caps[name]);
                }
                let e = hits.entry(target).or_insert((i, Vec::new()));
                if i < e.0 {
                    *e = (i, Vec::new());
                }
                if i == e.0 {
                    e.1.push(key.as_str());
                }
                if consumed {
                    break;
                }
            }
        }
        let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut items: Vec<Item> = Vec::new();
        let mut redactions = 0u64;
        // Targets that got an item without a file (an unusable copy).
        let mut reported: Vec<String> = Vec::new();
        for (target, (i, keys)) in &hits {
            let row = &c.rows[*i];
            let source = format!("{}: {}", c.table.format.name(), keys.join(", "));
            let built: Vec<(String, Vec<u8>)> = match row.how {
                How::Copy => vec![(target.clone(), files[keys[keys.len() - 1]].clone())],
                How::Concat => {
                    let mut b = Vec::new();
                    for k in keys {
                        b.extend_from_slice(format!("# {k}\n").as_bytes());
                        b.extend_from_slice(&files[*k]);
                        if !b.ends_with(b"\n") {
                            b.push(b'\n');
                        }
                    }
                    vec![(target.clone(), b)]
                }
                How::List => match merge_lists(keys.iter().map(|k| (*k, &files[*k][..]))) {
                    Ok((b, bad)) => {
                        for (k, e) in bad {
                            warnings.push(format!("{k}: not a Kubernetes list or object ({e})"));
                        }
                        vec![(target.clone(), b)]
                    }
                    Err(e) => {
                        warnings.push(format!("{target}: {e}"));
                        Vec::new()
                    }
                },
                How::Grep(tags) => {
                    let mut b = Vec::new();
                    for k in keys {
                        for line in files[*k].split_inclusive(|&c| c == b'\n') {
                            if tags
                                .iter()
                                .any(|t| memchr::memmem::find(line, t.as_bytes()).is_some())
                            {
                                b.extend_from_slice(line);
                            }
                        }
                    }
                    vec![(target.clone(), b)]
                }
                How::LogFrames => split_log_frames(target, &files[keys[0]]),
                How::VersionInfo => match version_info(&files[keys[0]]) {
                    Some(b) => vec![(target.clone(), b)],
                    None => Vec::new(),
                },
            };
            for (path, bytes) in built {
                // A command that could not run on the node left its error, or nothing, where its
                // output belongs: said as the reason, never read as the file (node files copied
                // one for one; an empty pod log is a container that wrote nothing).
                let fixed = matches!(row.how, How::Copy) && !row.to.contains('{');
                if let Some((status, why)) = unusable(&bytes).filter(|_| fixed) {
                    items.push(missing_item(
                        &path,
                        c.table.format,
                        format!("{}: {why}", keys.join(", ")),
                        status,
                    ));
                    reported.push(path);
                    continue;
                }
                let (bytes, n) = redact(bytes);
                redactions += n;
                items.push(Item {
                    path: path.clone(),
                    source: source.clone(),
                    status: Status::Ok,
                    exit_code: None,
                    duration_ms: 0,
                    bytes: bytes.len() as u64,
                    sha256: String::new(),
                    truncated: false,
                    redactions: n,
                    stderr: String::new(),
                });
                out.insert(path, bytes);
            }
        }
        // Every kdiag path the format could give but this archive did not, and those it never
        // gives: an item with the reason, so a rule that needs it says why it could not run.
        // A templated target (`node/cni/{f}.conflist`) that matched nothing is said as its glob
        // (`node/cni/*.conflist`), so a rule asking for `node/cni/*.conflist` or `node/pods/**`
        // learns the format looked for it, rather than that the tool never gathers it.
        let glob = |to: &str| -> String {
            let mut g = String::new();
            let mut rest = to;
            while let Some(open) = rest.find('{') {
                g.push_str(&rest[..open]);
                g.push('*');
                rest = rest[open..].find('}').map_or("", |e| &rest[open + e + 1..]);
            }
            g.push_str(rest);
            g
        };
        let got: Vec<String> = hits.values().map(|(i, _)| glob(c.rows[*i].to)).collect();
        let mut seen: Vec<String> = Vec::new();
        for row in &c.rows {
            let path = glob(row.to);
            if out.contains_key(&path)
                || reported.contains(&path)
                || seen.contains(&path)
                || (row.to.contains('{') && got.contains(&path))
            {
                continue;
            }
            let looked: Vec<&str> = c
                .rows
                .iter()
                .filter(|r| glob(r.to) == path)
                .map(|r| r.from)
                .collect();
            items.push(missing_item(
                &path,
                c.table.format,
                format!(
                    "not in this {}: looked for {}",
                    c.table.format.name(),
                    looked.join(", ")
                ),
                Status::NotFound,
            ));
            seen.push(path);
        }
        for (path, why) in c.table.never {
            if !out.contains_key(*path)
                && !seen.iter().any(|s| s == path)
                && !reported.iter().any(|s| s == path)
            {
                items.push(missing_item(
                    path,
                    c.table.format,
                    format!("{} does not collect it: {why}", c.table.format.name()),
                    Status::Skipped,
                ));
            }
        }
        if redactions > 0 {
            warnings.push(format!(
                "{redactions} secret(s) in the {} files were masked on import",
                c.table.format.name()
            ));
        }
        let hostname = out
            .get(kdiag_bundle::paths::HOSTNAME)
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .filter(|h| !h.is_empty() && !h.contains('\n'))
            .or_else(|| top.map(gather_image_name))
            .unwrap_or_default();
        let mut manifest = Manifest::new(
            c.table.format.name(),
            &hostname,
            "",
            "",
            0,
            vec![format!("read from a {} by analyze", c.table.format.name())],
        );
        manifest.items = items;
        (out, manifest, warnings)
    }
}

/// A must-gather keeps everything under one folder per gather image, named after the image
/// (`quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-<64 hex>`); read as a folder, that
/// is the top folder. As a node name it is shortened to `must-gather-<first 12 hex>`; any other
/// top folder is kept as it is.
fn gather_image_name(top: &str) -> String {
    match top.rsplit_once("-sha256-") {
        Some((_, digest))
            if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            format!("must-gather-{}", &digest[..12])
        }
        _ => top.to_string(),
    }
}

/// Lines a command prints instead of its output when it could not run where the other tool ran
/// it: systemd tools without systemd as PID 1 (a container), journalctl without a journal.
const FAILED_LINES: &[(&str, Status, &str)] = &[
    (
        "System has not been booted with systemd as init system",
        Status::Failed,
        "systemctl could not run (systemd is not PID 1)",
    ),
    (
        "Failed to connect to bus",
        Status::Failed,
        "systemctl could not reach systemd",
    ),
    (
        "No journal files were found.",
        Status::NotFound,
        "journalctl found no journal",
    ),
    (
        "-- No entries --",
        Status::NotFound,
        "journalctl printed `-- No entries --` (no journal, or no line of this unit in the time asked)",
    ),
];

/// Why a carried-over file holds no output: empty, or only the lines a command prints when it
/// could not run ([`FAILED_LINES`]). The status is the worst of its lines (failed over not found).
fn unusable(bytes: &[u8]) -> Option<(Status, String)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Some((Status::NotFound, "empty in the archive".to_string()));
    }
    let mut status = Status::NotFound;
    let mut why: Vec<&str> = Vec::new();
    for line in &lines {
        let (_, s, w) = FAILED_LINES.iter().find(|(p, _, _)| line.starts_with(p))?;
        if *s == Status::Failed {
            status = Status::Failed;
        }
        if !why.contains(w) {
            why.push(w);
        }
    }
    // What systemctl printed is quoted; journalctl's own line is already in the reason.
    let why = why.join("; ");
    Some(match status {
        Status::Failed => (status, format!("{why}: \"{}\"", lines.join(" / "))),
        _ => (status, why),
    })
}

fn missing_item(path: &str, f: Format, why: String, status: Status) -> Item {
    Item {
        path: path.to_string(),
        source: f.name().to_string(),
        status,
        exit_code: None,
        duration_ms: 0,
        bytes: 0,
        sha256: String::new(),
        truncated: false,
        redactions: 0,
        stderr: why,
    }
}

/// The collector's redactor over a file carried over (text only; binary is kept as is).
fn redact(bytes: Vec<u8>) -> (Vec<u8>, u64) {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let (t, n) = Redactor::redact_text(&text);
            (t.into_bytes(), n)
        }
        Err(e) => (e.into_bytes(), 0),
    }
}

/// Files that could not be read as Kubernetes objects, with why.
type Unreadable<'a> = Vec<(&'a str, String)>;

/// Kubernetes objects in any of the shapes other tools write (a `v1 List` or typed list, a list
/// with `items: null`, a bare array, one object; JSON or YAML) merged into one JSON `v1 List`.
/// Returns the list and the files that could not be read.
fn merge_lists<'a>(
    files: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Result<(Vec<u8>, Unreadable<'a>), String> {
    let mut items: Vec<serde_json::Value> = Vec::new();
    let mut bad = Vec::new();
    for (k, bytes) in files {
        let v: serde_json::Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(je) => match serde_yaml::from_slice(bytes) {
                Ok(v) => v,
                Err(_) => {
                    bad.push((k, je.to_string()));
                    continue;
                }
            },
        };
        match v {
            serde_json::Value::Array(a) => items.extend(a),
            serde_json::Value::Object(mut o) => match o.remove("items") {
                Some(serde_json::Value::Array(a)) => items.extend(a),
                Some(serde_json::Value::Null) => {}
                Some(_) => bad.push((k, "items is not a list".into())),
                None if o.contains_key("metadata") => items.push(serde_json::Value::Object(o)),
                None => bad.push((k, "no items and no metadata".into())),
            },
            serde_json::Value::Null => {}
            _ => bad.push((k, "not an object or a list".into())),
        }
    }
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    serde_json::to_vec_pretty(&list)
        .map(|b| (b, bad))
        .map_err(|e| e.to_string())
}

/// `kubectl cluster-info dump`'s `<ns>/<pod>/logs.txt`: every container of the pod, each framed
/// by `==== START logs for container C of pod NS/POD ====` and its END line. `target` is the
/// pod's folder (`cluster/logs/NS/POD`); one `<C>.log` per frame.
fn split_log_frames(target: &str, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim_end();
        if let Some(rest) = t.strip_prefix("==== START logs for container ") {
            let c = rest
                .split_whitespace()
                .next()
                .unwrap_or("unknown")
                .to_string();
            if let Some((c, body)) = cur.take() {
                out.push((format!("{target}/{c}.log"), body.into_bytes()));
            }
            cur = Some((c, String::new()));
        } else if t.starts_with("==== END logs for container ") {
            if let Some((c, body)) = cur.take() {
                out.push((format!("{target}/{c}.log"), body.into_bytes()));
            }
        } else if let Some((_, body)) = &mut cur {
            body.push_str(line);
        }
    }
    if let Some((c, body)) = cur {
        out.push((format!("{target}/{c}.log"), body.into_bytes()));
    }
    out
}

/// troubleshoot's `cluster-info/cluster_version.json` (`{"info": <version.Info>, "string": ..}`)
/// as `kubectl version -o json` writes it (`{"serverVersion": <version.Info>}`).
fn version_info(bytes: &[u8]) -> Option<Vec<u8>> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let info = v.get("info")?.clone();
    serde_json::to_vec_pretty(&serde_json::json!({ "serverVersion": info })).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_capture_and_anchor() {
        let re = pattern("cluster-resources/pods/logs/{ns}/{pod}/{c}.log");
        let c = re
            .captures("cluster-resources/pods/logs/kube-system/coredns-1/coredns.log")
            .unwrap();
        assert_eq!(
            (&c["ns"], &c["pod"], &c["c"]),
            ("kube-system", "coredns-1", "coredns")
        );
        assert!(!re.is_match("x/cluster-resources/pods/logs/a/b/c.log"));
        let re = pattern("sos_commands/kubernetes/**/*_get_-o_json_nodes");
        assert!(re.is_match(
            "sos_commands/kubernetes/cluster-info/kubectl_--kubeconfig_.etc.kubernetes.admin.conf_get_-o_json_nodes"
        ));
    }

    #[test]
    fn lists_in_every_shape_merge() {
        let a = br#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":"a"}}]}"#;
        let b = br#"[{"metadata":{"name":"b"}}]"#;
        let c = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n";
        let d = br#"{"kind":"PodList","items":null}"#;
        let e = b"garbage: [";
        let (out, bad) = merge_lists(
            [
                ("a", &a[..]),
                ("b", &b[..]),
                ("c", &c[..]),
                ("d", &d[..]),
                ("e", &e[..]),
            ]
            .into_iter(),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let names: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, "e");
    }

    #[test]
    fn cluster_info_dump_logs_split_by_container() {
        let t = "==== START logs for container init of pod ns/p ====\nstarting\n==== END logs for container init of pod ns/p ====\n==== START logs for container app of pod ns/p ====\nfatal: x\n==== END logs for container app of pod ns/p ====\n";
        let out = split_log_frames("cluster/logs/ns/p", t.as_bytes());
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0, "cluster/logs/ns/p/init.log");
        assert_eq!(
            out[1],
            (
                "cluster/logs/ns/p/app.log".to_string(),
                b"fatal: x\n".to_vec()
            )
        );
    }

    #[test]
    fn command_errors_and_empty_files_are_not_output() {
        let (s, why) =
            unusable(b"System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n").unwrap();
        assert_eq!(s, Status::Failed);
        assert!(
            why.contains("Failed to connect to bus: Host is down"),
            "{why}"
        );
        let (s, why) = unusable(b"No journal files were found.\n-- No entries --\n").unwrap();
        assert_eq!(s, Status::NotFound);
        assert!(why.contains("no journal"), "{why}");
        assert_eq!(unusable(b"\n").unwrap().0, Status::NotFound);
        assert!(unusable(b"-- No entries --\nDec 05 kubelet[1]: started\n").is_none());
        assert!(unusable(b"Linux vm 6.18\n").is_none());
    }

    #[test]
    fn sniffing_by_entry_names() {
        assert_eq!(
            sniff("sosreport-n1-2024/sos_commands/kernel/uname_-a"),
            Some(Format::Sosreport)
        );
        assert_eq!(
            sniff("sosreport-n1-2024/sos_reports/manifest.json"),
            Some(Format::Sosreport)
        );
        assert_eq!(
            sniff("support-bundle-2024/cluster-resources/pods/default.json"),
            Some(Format::Troubleshoot)
        );
        assert_eq!(sniff("kdiag-n1/node/journal/kubelet.log"), None);
        assert_eq!(sniff("kdiag-n1/manifest.json"), None);
        assert_eq!(sniff("random/file.txt"), None);
        // A cluster-info dump trimmed to a few namespaces (no replication-controllers.json).
        assert_eq!(
            sniff("cluster-dump/bobs-books/pods.json"),
            Some(Format::ClusterInfoDump)
        );
        assert_eq!(sniff("kdiag-n1/cluster/pods.json"), None);
        assert_eq!(sniff("cluster/events.json"), None);
        assert_eq!(
            gather_image_name(
                "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-514b5bd41b36c20014cd237c8aa7eec548e02df0b5d289ae15385eb2a8c6eebf"
            ),
            "must-gather-514b5bd41b36"
        );
        assert_eq!(
            gather_image_name("must-gather.local.42"),
            "must-gather.local.42"
        );
    }
}
