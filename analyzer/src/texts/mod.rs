//! Texts: one node's files as the scanners see them, held in memory or streamed, with the named
//! sources (kubelet, docker, kernel, ...) resolved to files. Below input: input builds a
//! [`Node`] of texts; parse, facts and rules read it.

pub mod decode;
pub mod node;
pub mod prefilter;
pub mod scan;
pub mod stream;
pub mod timeline;

pub use node::{FileStream, InputKind, Node, StreamScanner, TextKind};
pub use scan::*;
pub use stream::*;

use std::borrow::Cow;
use std::collections::HashMap;

use kdiag_bundle::paths;
use regex::bytes::Regex;

/// Lines kept from each end of a match's hits in one file.
pub const KEEP_LINES: usize = 5;
/// Distinct values kept per capture group.
pub const MAX_VALUES: usize = 100;

/// Source names a rule may use (besides bundle paths/globs containing '/').
pub const SOURCE_NAMES: &[&str] = &[
    "kubelet",
    "docker",
    "containerd",
    "kernel",
    "messages",
    "events",
    "container-logs",
    "kubectl-stderr",
    "iptables",
    "any",
    "paste",
    "facts",
];

/// Display path of the rendered events text.
pub const EVENTS_TEXT: &str = paths::EVENTS;
/// Display path of the kubectl stderr text.
pub const KUBECTL_STDERR_TEXT: &str = "manifest.json";

/// One text the scanner can read: a bundle file or a rendered one (events, kubectl stderr).
pub struct Text<'a> {
    /// Bundle path shown as evidence.
    pub path: String,
    /// Empty for a streamed text.
    pub bytes: Cow<'a, [u8]>,
    /// What the streaming pass kept, for a big log that was not held.
    pub streamed: Option<&'a Streamed>,
    /// No NUL in its first 8 KiB (the `any` source's test), decided once.
    pub is_text: bool,
}

/// Which lines of a text a source reads: all, or those carrying one of the syslog tags.
#[derive(Debug, Clone, PartialEq)]
pub enum LineFilter {
    All,
    Tags(Vec<&'static [u8]>),
}

impl LineFilter {
    fn merge(&mut self, other: &LineFilter) {
        match (&mut *self, other) {
            (LineFilter::All, _) => {}
            (_, LineFilter::All) => *self = LineFilter::All,
            (LineFilter::Tags(a), LineFilter::Tags(b)) => {
                for t in b {
                    if !a.contains(t) {
                        a.push(t);
                    }
                }
            }
        }
    }

    fn accepts(&self, line: &[u8]) -> bool {
        match self {
            LineFilter::All => true,
            LineFilter::Tags(tags) => tags.iter().any(|t| memchr::memmem::find(line, t).is_some()),
        }
    }
}

/// k3s and rke2 run the kubelet inside their own process: its klog lines are tagged `k3s[PID]`
/// or `rke2[PID]` in a syslog file (certificate-expiring__vitobotta-hetzner-k3s-639.txt,
/// etcd-db-space-exceeded__k3s-io-k3s-4787.txt, dev), as the Rancher adapter maps their journal
/// to the kubelet's (input/foreign/tables.rs).
const KUBELET_TAGS: &[&[u8]] = &[b" kubelet[", b" kubelet:", b" k3s[", b" rke2["];
const DOCKER_TAGS: &[&[u8]] = &[b" dockerd[", b" docker[", b" dockerd:", b" docker:"];
const CONTAINERD_TAGS: &[&[u8]] = &[b" containerd[", b" containerd:"];
const KERNEL_TAGS: &[&[u8]] = &[b" kernel:"];

/// The texts of one node, with the source resolution over them.
pub struct Texts<'a> {
    pub texts: Vec<Text<'a>>,
    by_path: HashMap<String, usize>,
    loose: bool,
    events: Option<usize>,
    kubectl_stderr: Option<usize>,
    /// Problems met while rendering (unparsable events.json).
    pub warnings: Vec<String>,
    /// [`Texts::resolve`] per source: many rules read the same few sources, and each resolution
    /// walks every file of the node (tens of thousands in a foreign bundle).
    resolved: std::sync::Mutex<HashMap<String, Vec<(usize, LineFilter)>>>,
}

impl<'a> Texts<'a> {
    pub fn new(node: &'a Node) -> Texts<'a> {
        let mut t = Texts {
            texts: Vec::new(),
            by_path: HashMap::new(),
            loose: matches!(node.kind, InputKind::Loose(_)),
            events: None,
            kubectl_stderr: None,
            warnings: Vec::new(),
            resolved: Default::default(),
        };
        // Held and streamed files in one path order (a path is in one map only).
        type Entry<'e> = (&'e String, Option<&'e Vec<u8>>, Option<&'e Streamed>);
        let mut all: Vec<Entry<'a>> = node
            .files
            .iter()
            .map(|(p, b)| (p, Some(b), None))
            .chain(node.streamed.iter().map(|(p, s)| (p, None, Some(s))))
            .collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        for (path, bytes, streamed) in all {
            t.by_path.insert(path.clone(), t.texts.len());
            let bytes = bytes.map_or(&[][..], |b| &b[..]);
            let head = streamed.map_or(bytes, |s| &s.head[..]);
            let is_text = is_text(head);
            // A GBK file (a Chinese-locale log or a note saved on Windows) is scanned decoded.
            let bytes = match is_text.then(|| decode::gbk_as_utf8(bytes)).flatten() {
                Some(utf8) => Cow::Owned(utf8.into_bytes()),
                None => Cow::Borrowed(bytes),
            };
            t.texts.push(Text {
                path: path.clone(),
                bytes,
                streamed,
                is_text,
            });
        }
        if t.loose {
            t.pasted_events(node);
            return t;
        }
        if let Some(raw) = node.files.get(paths::EVENTS) {
            match render_events(raw) {
                Ok(text) => t.push_events(text),
                Err(e) => t
                    .warnings
                    .push(format!("{}: not readable as events: {e}", paths::EVENTS)),
            }
        }
        if let Some(m) = &node.manifest {
            let mut text = String::new();
            for item in &m.items {
                if item.source.trim_start().starts_with("kubectl") {
                    for line in item.stderr.lines().filter(|l| !l.trim().is_empty()) {
                        text.push_str(&format!("{}: {}\n", item.path, line));
                    }
                }
            }
            if !text.is_empty() {
                t.kubectl_stderr = Some(t.push_rendered(KUBECTL_STDERR_TEXT, text));
            }
        }
        t
    }

    /// A paste's events read from objects (`kubectl get events -o yaml|json`, input::shapes),
    /// rendered as the event lines a bundle's events.json gives, for the events the paste does
    /// not show whole on one line: kubectl's YAML folds a long message over several lines, so
    /// the rules' patterns, written for one line, would not see it. An event whose message is on
    /// one line as written (or JSON-escaped) is read there already and is left out, so nothing
    /// counts twice.
    fn pasted_events(&mut self, node: &Node) {
        let Some(raw) = node.files.get(paths::EVENTS) else {
            return;
        };
        let Ok(lines) = event_lines(raw) else {
            return;
        };
        let pasted: Vec<&[u8]> = node
            .files
            .iter()
            .filter(|(p, _)| !p.starts_with("node/") && !p.starts_with("cluster/"))
            .map(|(_, b)| &b[..])
            .collect();
        let shown = |msg: &str| {
            let escaped = serde_json::to_string(msg).unwrap_or_default();
            let escaped = escaped.trim_matches('"');
            pasted.iter().any(|p| {
                memchr::memmem::find(p, msg.as_bytes()).is_some()
                    || memchr::memmem::find(p, escaped.as_bytes()).is_some()
            })
        };
        let text: String = lines
            .into_iter()
            .filter(|(_, msg)| !msg.is_empty() && !shown(msg))
            .map(|(line, _)| line + "\n")
            .collect();
        if !text.is_empty() {
            self.push_events(text);
        }
    }

    /// The rendered events, the text the `events` source reads besides the node's files.
    fn push_events(&mut self, text: String) {
        self.events = Some(self.push_rendered(EVENTS_TEXT, text));
    }

    /// A text kdiag rendered (not a bundle file) under `path`; its index.
    fn push_rendered(&mut self, path: &str, text: String) -> usize {
        self.texts.push(Text {
            path: path.to_string(),
            bytes: Cow::Owned(text.into_bytes()),
            streamed: None,
            is_text: true,
        });
        self.texts.len() - 1
    }

    pub fn is_loose(&self) -> bool {
        self.loose
    }

    pub fn index_of(&self, path: &str) -> Option<usize> {
        self.by_path.get(path).copied()
    }

    /// Bundle files (not rendered texts) whose path matches `glob`.
    pub fn glob(&self, glob: &str) -> Vec<usize> {
        if !glob.contains('*') {
            return self.index_of(glob).into_iter().collect();
        }
        self.by_path
            .iter()
            .filter(|(p, _)| glob_matches(glob, p))
            .map(|(_, &i)| i)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    fn resolved_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Vec<(usize, LineFilter)>>> {
        self.resolved.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The texts a source reads, with the line filter for each. `Err` for an unknown name.
    pub fn resolve(&self, source: &str) -> Result<Vec<(usize, LineFilter)>, String> {
        if !source.contains('/') && !SOURCE_NAMES.contains(&source) {
            return Err(format!("unknown source {source:?}"));
        }
        if let Some(r) = self.resolved_cache().get(source) {
            return Ok(r.clone());
        }
        let mut out: Vec<(usize, LineFilter)> = Vec::new();
        for (p, &i) in &self.by_path {
            if let Some(f) = source_filter(source, p, self.loose, self.texts[i].is_text) {
                out.push((i, f));
            }
        }
        // (a paste's own lines are read by every source; its events read from objects, by
        // `events` too)
        let rendered = match source {
            "events" => self.events,
            "kubectl-stderr" if !self.loose => self.kubectl_stderr,
            _ => None,
        };
        out.extend(rendered.map(|i| (i, LineFilter::All)));
        out.sort_by_key(|(i, _)| *i);
        self.resolved_cache()
            .insert(source.to_string(), out.clone());
        Ok(out)
    }
}

/// A text that has no NUL byte in its first 8 KiB.
pub(crate) fn is_text(b: &[u8]) -> bool {
    memchr::memchr(0, &b[..b.len().min(8192)]).is_none()
}

/// `*` = any run of characters but '/', `**` = anything. Compiled once per glob and kept: the
/// globs come from the rules (a bounded set), and a tree of 50,000 files asks for the same few
/// globs once per file.
pub fn glob_regex(glob: &str) -> Regex {
    static CACHE: std::sync::LazyLock<std::sync::RwLock<HashMap<String, Regex>>> =
        std::sync::LazyLock::new(Default::default);
    if let Some(re) = CACHE.read().unwrap_or_else(|e| e.into_inner()).get(glob) {
        return re.clone();
    }
    let re = compile_glob(glob);
    let mut cache = CACHE.write().unwrap_or_else(|e| e.into_inner());
    if cache.len() < 4096 {
        cache.insert(glob.to_string(), re.clone());
    }
    re
}

/// Does `path` match `glob`: a literal prefix test first (most paths fail it), then the regex.
pub fn glob_matches(glob: &str, path: &str) -> bool {
    let literal = &glob[..glob.find('*').unwrap_or(glob.len())];
    if !path.starts_with(literal) {
        return false;
    }
    if literal.len() == glob.len() {
        return path == glob;
    }
    glob_regex(glob).is_match(path.as_bytes())
}

fn compile_glob(glob: &str) -> Regex {
    let mut re = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '*' {
            if chars.peek() == Some(&'*') {
                chars.next();
                re.push_str(".*");
            } else {
                re.push_str("[^/]*");
            }
        } else {
            re.push_str(&regex::escape(&c.to_string()));
        }
    }
    re.push('$');
    Regex::new(&re).expect("an escaped glob is a valid regex")
}

/// cluster/events.json (a kubectl List) rendered one event per line:
/// `TYPE REASON namespace/name: message`.
pub fn render_events(raw: &[u8]) -> Result<String, String> {
    Ok(event_lines(raw)?
        .into_iter()
        .map(|(line, _)| line + "\n")
        .collect())
}

/// Each event of cluster/events.json as its rendered line and its message.
fn event_lines(raw: &[u8]) -> Result<Vec<(String, String)>, String> {
    let v: serde_json::Value = serde_json::from_slice(raw).map_err(|e| e.to_string())?;
    let items = v
        .get("items")
        .and_then(|i| i.as_array())
        .ok_or("no \"items\" list")?;
    let s = |v: &serde_json::Value, k: &[&str]| -> String {
        let mut cur = v;
        for key in k {
            match cur.get(key) {
                Some(x) => cur = x,
                None => return String::new(),
            }
        }
        cur.as_str().unwrap_or_default().to_string()
    };
    let mut out = Vec::new();
    for e in items {
        let mut ns = s(e, &["involvedObject", "namespace"]);
        if ns.is_empty() {
            ns = s(e, &["metadata", "namespace"]);
        }
        let msg = s(e, &["message"]).replace(['\n', '\r'], " ");
        let line = format!(
            "{} {} {}/{}: {}",
            s(e, &["type"]),
            s(e, &["reason"]),
            ns,
            s(e, &["involvedObject", "name"]),
            msg.trim_end()
        );
        out.push((line, msg.trim_end().to_string()));
    }
    Ok(out)
}

/// Which texts a source reads: does `source` read the bundle file `path` (or, `loose`, the
/// loose input), and through which line filter. `is_text`: no NUL in its first 8 KiB. The one
/// place source names are resolved to files (rendered texts aside: events, kubectl stderr).
pub fn source_filter(source: &str, path: &str, loose: bool, is_text: bool) -> Option<LineFilter> {
    if source.contains('/') {
        if loose {
            return None;
        }
        return glob_matches(source, path).then_some(LineFilter::All);
    }
    if !SOURCE_NAMES.contains(&source) || source == "facts" {
        return None;
    }
    if loose {
        // Files derived from the paste (input::shapes) are for facts and `file:` evidence; the
        // pasted text itself is what the probes read.
        let derived = path.starts_with("node/") || path.starts_with("cluster/");
        return (!derived).then_some(LineFilter::All);
    }
    let tags = |t: &[&'static [u8]]| Some(LineFilter::Tags(t.to_vec()));
    let all = |yes: bool| yes.then_some(LineFilter::All);
    match source {
        "kubelet" if path == paths::MESSAGES => tags(KUBELET_TAGS),
        "kubelet" => all(path == paths::JOURNAL_KUBELET),
        "docker" if path == paths::MESSAGES => tags(DOCKER_TAGS),
        "docker" => all(path == paths::JOURNAL_DOCKER),
        "containerd" if path == paths::MESSAGES => tags(CONTAINERD_TAGS),
        "containerd" => all(path == paths::JOURNAL_CONTAINERD),
        "kernel" if path == paths::MESSAGES => tags(KERNEL_TAGS),
        "kernel" => all(path == paths::JOURNAL_KERNEL || path == paths::DMESG),
        "messages" => all(path == paths::MESSAGES),
        "container-logs" => {
            all(path.starts_with("cluster/logs/") || path.starts_with("node/pods/"))
        }
        "iptables" => all([
            paths::IPTABLES_SAVE,
            paths::IP6TABLES_SAVE,
            paths::IPTABLES_LIST,
        ]
        .contains(&path)),
        "any" => all(is_text),
        // what a person wrote in a ticket (a loose paste, above): no bundle file is one
        "paste" => None,
        _ => None, // events, kubectl-stderr: rendered texts, never a file
    }
}

/// Bundle paths that are logs: streamed when big (everything else is read into memory, capped).
pub fn is_log_path(path: &str) -> bool {
    path.starts_with("node/journal/")
        || path.starts_with("node/logs/")
        || path == paths::DMESG
        || path.starts_with("cluster/logs/")
        || path.starts_with("node/pods/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `paste` reads what a person pasted and nothing of a bundle; `any` reads both.
    #[test]
    fn the_paste_source_reads_a_loose_paste_only() {
        assert_eq!(
            source_filter("paste", "ticket.txt", true, true),
            Some(LineFilter::All)
        );
        for path in [
            paths::JOURNAL_KUBELET,
            paths::MESSAGES,
            "cluster/logs/a/b.log",
        ] {
            assert_eq!(source_filter("paste", path, false, true), None, "{path}");
            assert!(source_filter("any", path, false, true).is_some(), "{path}");
        }
        // in a paste, the command outputs cut out of it stay for facts
        assert_eq!(
            source_filter("paste", paths::IPTABLES_SAVE, true, true),
            None
        );
    }

    /// A syslog file of a k3s node: its kubelet lines come from the k3s process.
    #[test]
    fn the_kubelet_of_k3s_and_rke2_in_a_syslog_file() {
        let f = source_filter("kubelet", paths::MESSAGES, false, true).unwrap();
        // certificate-expiring__vitobotta-hetzner-k3s-639.txt (dev), its first line
        let k3s =
            crate::input::corpus_snippet("certificate-expiring__vitobotta-hetzner-k3s-639.txt");
        let line = k3s.lines().next().unwrap().trim_start_matches('`');
        assert!(f.accepts(line.as_bytes()));
        assert!(
            f.accepts(b"Jan 01 00:00:00 n1 rke2[812]: E0101 00:00:00.000000 812 kubelet.go:1] x")
        );
        assert!(!f.accepts(b"Jan 01 00:00:00 n1 containerd[812]: level=error msg=x"));
    }

    /// An event pasted as YAML (`kubectl get events -o yaml`, whose printer folds a long message
    /// over lines; this one as a public GKE monitoring note quoted it from the API server) is
    /// read by the `events` source as the one line a bundle's events.json gives; the same event
    /// as JSON, its message whole on one line, is read there and not a second time.
    #[test]
    fn events_pasted_as_objects_are_read_as_event_lines() {
        let yaml = "```\napiVersion: v1\nitems:\n- apiVersion: v1\n  count: 1\n  eventTime: null\n  firstTimestamp: \"2023-07-23T00:02:39Z\"\n  involvedObject:\n    apiVersion: v1\n    fieldPath: spec.containers{ghapp}\n    kind: Pod\n    name: ghapp-796cddfd98-7rmlf\n    namespace: autobuilder\n  kind: Event\n  lastTimestamp: \"2023-07-23T00:02:39Z\"\n  message: Container image \"us-west1-docker.pkg.dev/chat-lewi/autobuilder/golang:b29066a0-7a97-401f-bb97-f474753ab143\"\n    already present on machine\n  metadata:\n    creationTimestamp: \"2023-07-23T00:02:39Z\"\n    name: ghapp-796cddfd98-7rmlf.177456381452cb1f\n    namespace: autobuilder\n  reason: Pulled\n  source:\n    component: kubelet\n    host: gk3-dev-nap-1q23yazo-34c4dbf4-cnhi\n  type: Normal\nkind: List\n```\n";
        let dir = tempfile::tempdir().unwrap();
        let read = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            crate::input::read_input(&path, &crate::input::Limits::default()).unwrap()
        };
        let node = read("events.yaml", yaml);
        assert!(
            node.files.contains_key(paths::EVENTS),
            "{:?}",
            node.files.keys()
        );
        let t = Texts::new(&node);
        let rendered: Vec<String> = t
            .resolve("events")
            .unwrap()
            .into_iter()
            .filter(|(i, _)| t.texts[*i].path == EVENTS_TEXT)
            .map(|(i, _)| String::from_utf8_lossy(&t.texts[i].bytes).into_owned())
            .collect();
        assert_eq!(
            rendered,
            ["Normal Pulled autobuilder/ghapp-796cddfd98-7rmlf: Container image \"us-west1-docker.pkg.dev/chat-lewi/autobuilder/golang:b29066a0-7a97-401f-bb97-f474753ab143\" already present on machine\n"]
        );
        // the paste itself is read by `events` as well
        assert!(t
            .resolve("events")
            .unwrap()
            .iter()
            .any(|(i, _)| t.texts[*i].path == "events.yaml"));
        let json = r#"{"apiVersion": "v1", "kind": "Event", "involvedObject": {"kind": "Pod", "name": "ghapp-796cddfd98-7rmlf", "namespace": "autobuilder"}, "metadata": {"name": "ghapp-796cddfd98-7rmlf.177456381452cb1f"}, "message": "Container image \"us-west1-docker.pkg.dev/chat-lewi/autobuilder/golang:b29066a0\" already present on machine", "reason": "Pulled", "type": "Normal"}"#;
        let node = read("event.json", &format!("{json}\n"));
        assert!(
            node.files.contains_key(paths::EVENTS),
            "{:?}",
            node.files.keys()
        );
        let t = Texts::new(&node);
        assert!(t
            .resolve("events")
            .unwrap()
            .iter()
            .all(|(i, _)| t.texts[*i].path != EVENTS_TEXT));
    }
}
