//! Text sources and the one-pass scanner.
//!
//! Every `match` of every rule is a probe. Per text, the probes reading it are compiled into one
//! alternation regex (searched over the whole buffer, so the regex engine's own literal prefilters
//! skip the uninteresting parts) and one `RegexSet`, run only on the lines the search lands on.
//! Captures run only on lines the set selects; only the kept lines are decoded (lossily).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};

use kdiag_bundle::paths;
use rayon::prelude::*;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::model::{InputKind, Node};

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
    pub bytes: Cow<'a, [u8]>,
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

const KUBELET_TAGS: &[&[u8]] = &[b" kubelet[", b" kubelet:"];
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
        };
        for (path, bytes) in &node.files {
            t.by_path.insert(path.clone(), t.texts.len());
            t.texts.push(Text {
                path: path.clone(),
                bytes: Cow::Borrowed(bytes),
            });
        }
        if t.loose {
            return t;
        }
        if let Some(raw) = node.files.get(paths::EVENTS) {
            match render_events(raw) {
                Ok(text) => {
                    t.events = Some(t.texts.len());
                    t.texts.push(Text {
                        path: EVENTS_TEXT.to_string(),
                        bytes: Cow::Owned(text.into_bytes()),
                    });
                }
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
                t.kubectl_stderr = Some(t.texts.len());
                t.texts.push(Text {
                    path: KUBECTL_STDERR_TEXT.to_string(),
                    bytes: Cow::Owned(text.into_bytes()),
                });
            }
        }
        t
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
        let re = glob_regex(glob);
        self.by_path
            .iter()
            .filter(|(p, _)| re.is_match(p.as_bytes()))
            .map(|(_, &i)| i)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The texts a source reads, with the line filter for each. `Err` for an unknown name.
    pub fn resolve(&self, source: &str) -> Result<Vec<(usize, LineFilter)>, String> {
        if source.contains('/') {
            if self.loose {
                return Ok(Vec::new());
            }
            return Ok(self
                .glob(source)
                .into_iter()
                .map(|i| (i, LineFilter::All))
                .collect());
        }
        if !SOURCE_NAMES.contains(&source) {
            return Err(format!("unknown source {source:?}"));
        }
        if self.loose {
            if source == "facts" {
                return Ok(Vec::new());
            }
            return Ok((0..self.texts.len())
                .map(|i| (i, LineFilter::All))
                .collect());
        }
        let file = |p: &str, f: LineFilter| self.index_of(p).map(|i| (i, f));
        let tags = |t: &[&'static [u8]]| LineFilter::Tags(t.to_vec());
        let out: Vec<(usize, LineFilter)> = match source {
            "kubelet" => [
                file(paths::JOURNAL_KUBELET, LineFilter::All),
                file(paths::MESSAGES, tags(KUBELET_TAGS)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            "docker" => [
                file(paths::JOURNAL_DOCKER, LineFilter::All),
                file(paths::MESSAGES, tags(DOCKER_TAGS)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            "containerd" => [
                file(paths::JOURNAL_CONTAINERD, LineFilter::All),
                file(paths::MESSAGES, tags(CONTAINERD_TAGS)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            "kernel" => [
                file(paths::JOURNAL_KERNEL, LineFilter::All),
                file(paths::DMESG, LineFilter::All),
                file(paths::MESSAGES, tags(KERNEL_TAGS)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            "messages" => file(paths::MESSAGES, LineFilter::All).into_iter().collect(),
            "events" => self
                .events
                .map(|i| (i, LineFilter::All))
                .into_iter()
                .collect(),
            "kubectl-stderr" => self
                .kubectl_stderr
                .map(|i| (i, LineFilter::All))
                .into_iter()
                .collect(),
            "container-logs" => self
                .by_path
                .iter()
                .filter(|(p, _)| p.starts_with("cluster/logs/") || p.starts_with("node/pods/"))
                .map(|(_, &i)| (i, LineFilter::All))
                .collect(),
            "iptables" => [
                paths::IPTABLES_SAVE,
                paths::IP6TABLES_SAVE,
                paths::IPTABLES_LIST,
            ]
            .iter()
            .filter_map(|p| file(p, LineFilter::All))
            .collect(),
            "any" => self
                .by_path
                .values()
                .filter(|&&i| is_text(&self.texts[i].bytes))
                .map(|&i| (i, LineFilter::All))
                .collect(),
            _ => Vec::new(), // "facts"
        };
        let mut out = out;
        out.sort_by_key(|(i, _)| *i);
        Ok(out)
    }
}

/// A text that has no NUL byte in its first 8 KiB.
fn is_text(b: &[u8]) -> bool {
    memchr::memchr(0, &b[..b.len().min(8192)]).is_none()
}

/// `*` = any run of characters but '/', `**` = anything.
pub fn glob_regex(glob: &str) -> Regex {
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
    let mut out = String::new();
    for e in items {
        let mut ns = s(e, &["involvedObject", "namespace"]);
        if ns.is_empty() {
            ns = s(e, &["metadata", "namespace"]);
        }
        let msg = s(e, &["message"]).replace(['\n', '\r'], " ");
        out.push_str(&format!(
            "{} {} {}/{}: {}\n",
            s(e, &["type"]),
            s(e, &["reason"]),
            ns,
            s(e, &["involvedObject", "name"]),
            msg.trim_end()
        ));
    }
    Ok(out)
}

/// A compiled `match`: its regexes and where its hits go.
pub struct Probe {
    pub regex: Regex,
    pub unless: Option<Regex>,
    pub has_names: bool,
}

impl Probe {
    pub fn new(regex: &str, unless: Option<&str>) -> Result<Probe, String> {
        let regex = build_regex(regex).map_err(|e| format!("regex {regex:?}: {e}"))?;
        let unless = match unless {
            Some(u) => Some(build_regex(u).map_err(|e| format!("unless {u:?}: {e}"))?),
            None => None,
        };
        let has_names = regex.capture_names().flatten().next().is_some();
        Ok(Probe {
            regex,
            unless,
            has_names,
        })
    }
}

pub fn build_regex(re: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(re).size_limit(32 << 20).build()
}

/// One hit line kept for evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct HitLine {
    pub n: u64,
    pub text: String,
}

/// The hits of one probe in one text.
#[derive(Debug, Clone, Default)]
pub struct FileHits {
    pub count: u64,
    pub first: Vec<HitLine>,
    pub last: std::collections::VecDeque<HitLine>,
}

impl FileHits {
    fn push(&mut self, line: HitLine) {
        self.count += 1;
        if self.first.len() < KEEP_LINES {
            self.first.push(line);
        } else {
            if self.last.len() == KEEP_LINES {
                self.last.pop_front();
            }
            self.last.push_back(line);
        }
    }

    /// The kept lines in order (first ones, then last ones).
    pub fn lines(&self) -> impl Iterator<Item = &HitLine> {
        self.first.iter().chain(self.last.iter())
    }
}

pub type Captures = BTreeMap<String, String>;

/// Everything one probe found in one node.
#[derive(Debug, Clone, Default)]
pub struct ProbeResult {
    pub count: u64,
    /// Per text index, in text order.
    pub files: BTreeMap<usize, FileHits>,
    pub first_caps: Option<Captures>,
    pub last_caps: Option<Captures>,
    /// Distinct values per capture group, in order of appearance.
    pub values: BTreeMap<String, Vec<String>>,
}

impl ProbeResult {
    fn merge(&mut self, text: usize, other: ProbeResult) {
        self.count += other.count;
        if self.first_caps.is_none() {
            self.first_caps = other.first_caps;
        }
        if other.last_caps.is_some() {
            self.last_caps = other.last_caps;
        }
        for (k, vs) in other.values {
            let mine = self.values.entry(k).or_default();
            for v in vs {
                if mine.len() < MAX_VALUES && !mine.contains(&v) {
                    mine.push(v);
                }
            }
        }
        if let Some(h) = other.files.into_values().next() {
            self.files.insert(text, h);
        }
    }
}

struct Compiled {
    /// Probe ids in set order.
    probes: Vec<usize>,
    filters: Vec<LineFilter>,
    combined: Regex,
    set: RegexSet,
}

/// Runs every probe over the texts it reads. `targets[p]` = the texts probe `p` reads.
/// Returns one result per probe.
pub fn scan(
    texts: &Texts<'_>,
    probes: &[Probe],
    targets: &[Vec<(usize, LineFilter)>],
) -> Result<Vec<ProbeResult>, String> {
    // text -> (probe, filter), merged when a probe reads a text through two sources.
    let mut per_text: BTreeMap<usize, Vec<(usize, LineFilter)>> = BTreeMap::new();
    for (p, ts) in targets.iter().enumerate() {
        for (t, f) in ts {
            let v = per_text.entry(*t).or_default();
            match v.iter_mut().find(|(q, _)| *q == p) {
                Some((_, g)) => g.merge(f),
                None => v.push((p, f.clone())),
            }
        }
    }
    // Compile once per distinct probe list (e.g. all container logs share one).
    let mut cache: HashMap<Vec<(usize, LineFilter)>, Arc<Compiled>> = HashMap::new();
    let mut jobs: Vec<(usize, Arc<Compiled>)> = Vec::new();
    for (t, ps) in per_text {
        let c = match cache.get(&ps) {
            Some(c) => c.clone(),
            None => {
                let c = Arc::new(compile(probes, &ps)?);
                cache.insert(ps, c.clone());
                c
            }
        };
        jobs.push((t, c));
    }
    let partial: Vec<(usize, Vec<(usize, ProbeResult)>)> = jobs
        .par_iter()
        .map(|(t, c)| (*t, scan_text(&texts.texts[*t].bytes, *t, probes, c)))
        .collect();
    let mut out: Vec<ProbeResult> = (0..probes.len()).map(|_| ProbeResult::default()).collect();
    for (t, results) in partial {
        for (p, r) in results {
            out[p].merge(t, r);
        }
    }
    Ok(out)
}

impl std::hash::Hash for LineFilter {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            LineFilter::All => 0u8.hash(state),
            LineFilter::Tags(t) => t.hash(state),
        }
    }
}
impl Eq for LineFilter {}

fn compile(probes: &[Probe], ps: &[(usize, LineFilter)]) -> Result<Compiled, String> {
    let pats: Vec<&str> = ps.iter().map(|(p, _)| probes[*p].regex.as_str()).collect();
    // Capture names are dropped from the alternation: two rules may use the same name.
    let alternation = pats
        .iter()
        .map(|p| format!("(?:{})", GROUP_NAME.replace_all(p, "${pre}(?:")))
        .collect::<Vec<_>>()
        .join("|");
    let combined = RegexBuilder::new(&format!("(?mR){alternation}"))
        .size_limit(256 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        // Should the rewrite ever fail, every line goes to the set: slower, same result.
        .or_else(|_| Regex::new("(?m)^"))
        .map_err(|e| format!("combining regexes: {e}"))?;
    let set = RegexSetBuilder::new(&pats)
        .size_limit(256 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        .map_err(|e| format!("building the regex set: {e}"))?;
    Ok(Compiled {
        probes: ps.iter().map(|(p, _)| *p).collect(),
        filters: ps.iter().map(|(_, f)| f.clone()).collect(),
        combined,
        set,
    })
}

fn scan_text(buf: &[u8], t: usize, probes: &[Probe], c: &Compiled) -> Vec<(usize, ProbeResult)> {
    let mut results: Vec<ProbeResult> = c.probes.iter().map(|_| ProbeResult::default()).collect();
    let mut pos = 0usize; // start of the next line to consider
    let mut line_no = 1u64; // number of the line starting at `pos`
    while pos <= buf.len() {
        let Some(m) = c.combined.find_at(buf, pos) else {
            break;
        };
        let line_start = match memchr::memrchr(b'\n', &buf[pos..m.start()]) {
            Some(i) => pos + i + 1,
            None => pos,
        };
        line_no += memchr::memchr_iter(b'\n', &buf[pos..line_start]).count() as u64;
        let line_end = memchr::memchr(b'\n', &buf[m.start()..])
            .map(|i| m.start() + i)
            .unwrap_or(buf.len());
        let mut line = &buf[line_start..line_end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        let mut kept: Option<String> = None;
        for k in c.set.matches(line).iter() {
            let p = &probes[c.probes[k]];
            if !c.filters[k].accepts(line) {
                continue;
            }
            if p.unless.as_ref().is_some_and(|u| u.is_match(line)) {
                continue;
            }
            let r = &mut results[k];
            if p.has_names {
                if let Some(caps) = p.regex.captures(line) {
                    let mut map = Captures::new();
                    for name in p.regex.capture_names().flatten() {
                        if let Some(v) = caps.name(name) {
                            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                            let vals = r.values.entry(name.to_string()).or_default();
                            if vals.len() < MAX_VALUES && !vals.contains(&v) {
                                vals.push(v.clone());
                            }
                            map.insert(name.to_string(), v);
                        }
                    }
                    if r.first_caps.is_none() {
                        r.first_caps = Some(map.clone());
                    }
                    r.last_caps = Some(map);
                }
            }
            r.count += 1;
            let text = kept
                .get_or_insert_with(|| String::from_utf8_lossy(line).into_owned())
                .clone();
            r.files
                .entry(t)
                .or_default()
                .push(HitLine { n: line_no, text });
        }
        // Next line.
        if line_end >= buf.len() {
            break;
        }
        pos = line_end + 1;
        line_no += 1;
    }
    c.probes
        .iter()
        .zip(results)
        .filter(|(_, r)| r.count > 0)
        .map(|(p, r)| (*p, r))
        .collect()
}

/// A named group opener `(?P<name>` / `(?<name>` not preceded by an escaping backslash.
static GROUP_NAME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?P<pre>(?:^|[^\\])(?:\\\\)*)\(\?P?<[A-Za-z_][A-Za-z0-9_.\[\]]*>")
        .expect("group-name pattern compiles")
});

static TS_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // journalctl -o short-iso, RFC 3339 lines
        r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)",
        // dockerd / containerd logrus
        r#"\btime="([^"]+)""#,
        // dmesg -T
        r"^\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})\]",
        // syslog (/var/log/messages)
        r"^([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2})\s",
        // klog header inside a container log: I1121 10:15:02.123456
        r"^[IWEF](\d{4} \d{2}:\d{2}:\d{2}\.\d+)\s",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("timestamp patterns compile"))
    .collect()
});

/// The timestamp a log line starts with, as written.
pub fn line_timestamp(line: &str) -> Option<String> {
    TS_PATTERNS.iter().find_map(|re| {
        re.captures(line.as_bytes())
            .and_then(|c| c.get(1))
            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
    })
}
