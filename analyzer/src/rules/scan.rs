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
use regex::bytes::{Regex, RegexBuilder};

use super::prefilter;
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
    /// Empty for a streamed text.
    pub bytes: Cow<'a, [u8]>,
    /// What the streaming pass kept, for a big log that was not held.
    pub streamed: Option<&'a Streamed>,
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
            t.texts.push(Text {
                path: path.clone(),
                bytes: Cow::Borrowed(bytes.map_or(&[][..], |b| &b[..])),
                streamed,
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
                        streamed: None,
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
                    streamed: None,
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
        if !source.contains('/') && !SOURCE_NAMES.contains(&source) {
            return Err(format!("unknown source {source:?}"));
        }
        let mut out: Vec<(usize, LineFilter)> = Vec::new();
        for (p, &i) in &self.by_path {
            let text = &self.texts[i];
            let head = text.streamed.map_or(&text.bytes[..], |s| &s.head[..]);
            if let Some(f) = source_filter(source, p, self.loose, is_text(head)) {
                out.push((i, f));
            }
        }
        if !self.loose {
            let rendered = match source {
                "events" => self.events,
                "kubectl-stderr" => self.kubectl_stderr,
                _ => None,
            };
            out.extend(rendered.map(|i| (i, LineFilter::All)));
        }
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
    /// One of these is in every match (`None`: the regex gives no such guarantee).
    pub literals: Option<Vec<prefilter::Lit>>,
}

impl Probe {
    pub fn new(regex: &str, unless: Option<&str>) -> Result<Probe, String> {
        let regex = build_regex(regex).map_err(|e| format!("regex {regex:?}: {e}"))?;
        let unless = match unless {
            Some(u) => Some(build_regex(u).map_err(|e| format!("unless {u:?}: {e}"))?),
            None => None,
        };
        let has_names = regex.capture_names().flatten().next().is_some();
        let literals = prefilter::required(regex.as_str());
        Ok(Probe {
            regex,
            unless,
            has_names,
            literals,
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
    /// Adds `other`'s count, captures and values to this result; returns its file hits.
    fn absorb(&mut self, other: ProbeResult) -> BTreeMap<usize, FileHits> {
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
        other.files
    }

    fn merge(&mut self, text: usize, other: ProbeResult) {
        if let Some(h) = self.absorb(other).into_values().next() {
            self.files.insert(text, h);
        }
    }
}

/// The probes reading one text, compiled for the scan: a literal prefilter for the probes that
/// have required literals (rules/prefilter.rs), one combined regex for the others.
pub struct Compiled {
    /// Probe ids in set order (`k` below indexes these).
    probes: Vec<usize>,
    filters: Vec<LineFilter>,
    /// Every required literal of the probes that have some, as one alternation: searched over
    /// the whole buffer (the regex engine runs it with its multi-literal SIMD searchers).
    lits: Option<Regex>,
    /// The same literals, to find which of them a selected line holds (ASCII case-insensitive,
    /// so a superset: the probe's regex decides).
    line_lits: Option<aho_corasick::AhoCorasick>,
    /// Literal index -> the `k`s requiring it.
    lit_probes: Vec<Vec<u32>>,
    /// The probes without required literals, combined (names dropped), searched over the buffer.
    slow: Option<Regex>,
    slow_ks: Vec<u32>,
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
    let mut done: Vec<(usize, Vec<(usize, ProbeResult)>)> = Vec::new();
    for (t, ps) in per_text {
        if let Some(st) = texts.texts[t].streamed {
            // Scanned as it streamed, with the same probe list (both come from
            // `source_filter`); a probe it was not scanned for finds nothing there.
            let results = st
                .results
                .iter()
                .filter(|(p, _)| {
                    ps.iter()
                        .any(|(q, f)| q == p && st.scanned.contains(&(*q, f.clone())))
                })
                .map(|(p, r)| {
                    let mut r = r.clone();
                    r.files = r.files.into_values().map(|h| (t, h)).collect();
                    (*p, r)
                })
                .collect();
            done.push((t, results));
            continue;
        }
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
        .map(|(t, c)| (*t, scan_text(&texts.texts[*t].bytes, *t, probes, c).results))
        .collect();
    let mut partial = partial;
    partial.extend(done);
    partial.sort_by_key(|(t, _)| *t);
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
    let mut lit_index: HashMap<prefilter::Lit, usize> = HashMap::new();
    let mut lits: Vec<prefilter::Lit> = Vec::new();
    let mut lit_probes: Vec<Vec<u32>> = Vec::new();
    let mut slow_pats: Vec<&str> = Vec::new();
    let mut slow_ks = Vec::new();
    for (k, (p, _)) in ps.iter().enumerate() {
        match &probes[*p].literals {
            Some(ls) => {
                for l in ls {
                    let i = *lit_index.entry(l.clone()).or_insert_with(|| {
                        lits.push(l.clone());
                        lit_probes.push(Vec::new());
                        lits.len() - 1
                    });
                    if lit_probes[i].last() != Some(&(k as u32)) {
                        lit_probes[i].push(k as u32);
                    }
                }
            }
            None => {
                slow_pats.push(probes[*p].regex.as_str());
                slow_ks.push(k as u32);
            }
        }
    }
    let (lits_re, line_lits) = if lits.is_empty() {
        (None, None)
    } else {
        let alternation = lits
            .iter()
            .map(|l| l.fragment())
            .collect::<Vec<_>>()
            .join("|");
        let re = RegexBuilder::new(&alternation)
            .size_limit(256 << 20)
            .dfa_size_limit(64 << 20)
            .build()
            .map_err(|e| format!("literal prefilter: {e}"))?;
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(lits.iter().map(|l| &l.bytes))
            .map_err(|e| format!("literal prefilter: {e}"))?;
        (Some(re), Some(ac))
    };
    let slow = if slow_pats.is_empty() {
        None
    } else {
        // Capture names are dropped from the alternation: two rules may use the same name.
        let alternation = slow_pats
            .iter()
            .map(|p| format!("(?:{})", GROUP_NAME.replace_all(p, "${pre}(?:")))
            .collect::<Vec<_>>()
            .join("|");
        Some(
            RegexBuilder::new(&format!("(?mR){alternation}"))
                .size_limit(256 << 20)
                .dfa_size_limit(64 << 20)
                .build()
                // Should the rewrite ever fail, every line is a candidate: slower, same result.
                .or_else(|_| Regex::new("(?m)^"))
                .map_err(|e| format!("combining regexes: {e}"))?,
        )
    };
    Ok(Compiled {
        probes: ps.iter().map(|(p, _)| *p).collect(),
        filters: ps.iter().map(|(_, f)| f.clone()).collect(),
        lits: lits_re,
        line_lits,
        lit_probes,
        slow,
        slow_ks,
    })
}

/// The next match start at or after `pos` of `re`, cached: `Some(None)` = no more.
fn next_at(
    re: &Regex,
    buf: &[u8],
    pos: usize,
    cached: &mut Option<Option<usize>>,
) -> Option<usize> {
    match *cached {
        Some(Some(s)) if s >= pos => Some(s),
        Some(None) => None,
        _ => {
            let s = re.find_at(buf, pos).map(|m| m.start());
            *cached = Some(s);
            s
        }
    }
}

/// What one scan of a buffer found: per `k` (set order) its result, line numbers counted from
/// 1 at the buffer's start; and the number of newlines in the buffer.
pub struct ChunkResult {
    pub results: Vec<(usize, ProbeResult)>,
    pub newlines: u64,
}

/// Scans one buffer (a whole text, or a line-aligned chunk of one) for every probe of `c`.
/// Results are keyed by probe id, with the hits of text `t`.
fn scan_text(buf: &[u8], t: usize, probes: &[Probe], c: &Compiled) -> ChunkResult {
    let mut results: Vec<ProbeResult> = c.probes.iter().map(|_| ProbeResult::default()).collect();
    let mut pos = 0usize; // start of the next line to consider
    let mut line_no = 1u64; // number of the line starting at `pos`
    let mut lit_next: Option<Option<usize>> = None;
    let mut slow_next: Option<Option<usize>> = None;
    let mut cands: Vec<u32> = Vec::new();
    while pos <= buf.len() {
        let a = c
            .lits
            .as_ref()
            .and_then(|re| next_at(re, buf, pos, &mut lit_next));
        let b = c
            .slow
            .as_ref()
            .and_then(|re| next_at(re, buf, pos, &mut slow_next));
        let Some(start) = a.into_iter().chain(b).min() else {
            break;
        };
        let line_start = match memchr::memrchr(b'\n', &buf[pos..start]) {
            Some(i) => pos + i + 1,
            None => pos,
        };
        line_no += memchr::memchr_iter(b'\n', &buf[pos..line_start]).count() as u64;
        let line_end = memchr::memchr(b'\n', &buf[start..])
            .map(|i| start + i)
            .unwrap_or(buf.len());
        let mut line = &buf[line_start..line_end];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        cands.clear();
        if a.is_some_and(|a| a <= line_end) {
            if let Some(ac) = &c.line_lits {
                for m in ac.find_overlapping_iter(line) {
                    cands.extend_from_slice(&c.lit_probes[m.pattern().as_usize()]);
                }
            }
        }
        if b.is_some_and(|b| b <= line_end) {
            cands.extend_from_slice(&c.slow_ks);
        }
        cands.sort_unstable();
        cands.dedup();
        let mut kept: Option<String> = None;
        for &k in &cands {
            let k = k as usize;
            let p = &probes[c.probes[k]];
            if !c.filters[k].accepts(line) {
                continue;
            }
            if !p.regex.is_match(line) {
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
            pos = buf.len() + 1;
            break;
        }
        pos = line_end + 1;
        line_no += 1;
    }
    let newlines = if pos <= buf.len() {
        line_no - 1 + memchr::memchr_iter(b'\n', &buf[pos..]).count() as u64
    } else {
        // Stopped on the last line (no newline after it).
        line_no - 1
    };
    ChunkResult {
        results: c
            .probes
            .iter()
            .zip(results)
            .filter(|(_, r)| r.count > 0)
            .map(|(p, r)| (*p, r))
            .collect(),
        newlines,
    }
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

// ---------------------------------------------------------------------------------------------
// Streaming: big log files are scanned chunk by chunk as they come out of the input.

/// Which texts a source reads: does `source` read the bundle file `path` (or, `loose`, the
/// loose input), and through which line filter. `is_text`: no NUL in its first 8 KiB. The one
/// place source names are resolved to files (rendered texts aside: events, kubectl stderr).
pub fn source_filter(source: &str, path: &str, loose: bool, is_text: bool) -> Option<LineFilter> {
    if source.contains('/') {
        if loose {
            return None;
        }
        let hit = if source.contains('*') {
            glob_regex(source).is_match(path.as_bytes())
        } else {
            source == path
        };
        return hit.then_some(LineFilter::All);
    }
    if !SOURCE_NAMES.contains(&source) || source == "facts" {
        return None;
    }
    if loose {
        return Some(LineFilter::All);
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

/// An `evidence: file:` of a rule, by its glob and regex.
pub type EvidenceKey = (String, Option<String>);

/// What the streaming pass kept of one big text, instead of its bytes.
#[derive(Debug, Clone, Default)]
pub struct Streamed {
    pub bytes: u64,
    /// Its first bytes (sniffing a loose input, the `any` source's text test).
    pub head: Vec<u8>,
    /// The probes scanned over it, with their line filters, in scan order.
    pub scanned: Vec<(usize, LineFilter)>,
    /// Their results (the hits' text index is 0).
    pub results: Vec<(usize, ProbeResult)>,
    /// Lines selected by rules' `evidence: file:` specs that name this file.
    pub evidence: Vec<(EvidenceKey, FileHits)>,
    /// The kubelet's last startup version line (for facts.kubelet.version): number, text.
    pub kubelet_version: Option<(u64, String)>,
    /// The timeline's counts of this file (journals, messages, dmesg).
    pub timeline: Option<crate::report::timeline::FileCounts>,
    /// A chunk whose scan panicked (its results are missing).
    pub error: Option<String>,
}

impl Streamed {
    /// Kept lines by number: the hits and the version line (for `evidence: at:`).
    pub fn kept_lines(&self) -> BTreeMap<u64, &str> {
        let mut m = BTreeMap::new();
        for (_, r) in &self.results {
            for h in r.files.values() {
                for l in h.lines() {
                    m.insert(l.n, l.text.as_str());
                }
            }
        }
        for (_, h) in &self.evidence {
            for l in h.lines() {
                m.insert(l.n, l.text.as_str());
            }
        }
        if let Some((n, t)) = &self.kubelet_version {
            m.insert(*n, t.as_str());
        }
        m
    }
}

impl FileHits {
    /// Appends the hits of the next part of the file (its lines numbered from `base` + 1):
    /// the same first and last lines as pushing them one by one.
    fn append(&mut self, other: FileHits, base: u64) {
        let kept = other.first.len() + other.last.len();
        for mut l in other.first.into_iter().chain(other.last) {
            l.n += base;
            if self.first.len() < KEEP_LINES {
                self.first.push(l);
            } else {
                if self.last.len() == KEEP_LINES {
                    self.last.pop_front();
                }
                self.last.push_back(l);
            }
        }
        let _ = kept;
        self.count += other.count;
    }
}

impl ProbeResult {
    /// Appends the result of the next part of one file (hits under text 0, numbered from
    /// `base` + 1).
    fn append(&mut self, other: ProbeResult, base: u64) {
        for (t, h) in self.absorb(other) {
            self.files.entry(t).or_default().append(h, base);
        }
    }
}

/// An evidence spec compiled for streaming: candidates by a multi-line regex, confirmed with
/// the spec's regex on the line as the in-memory path reads it.
struct EvidenceScan {
    key: EvidenceKey,
    find: Option<Regex>,
    exact: Option<Regex>,
}

/// Everything the streaming pass needs of the rules, shared by every file of every input.
pub struct StreamPlan {
    shared: Arc<PlanShared>,
    /// `evidence: file:` specs of every rule.
    evidence: Vec<EvidenceKey>,
    /// Files under this many bytes stay in memory.
    pub min_bytes: u64,
    /// Chunk size, and chunks in flight per file (memory: their product per file being read).
    pub chunk_bytes: usize,
    pub in_flight: usize,
    /// Count the timeline in the pass (reports only).
    pub timeline: bool,
}

/// The part of the plan every file's scan holds on to.
struct PlanShared {
    probes: Arc<Vec<Probe>>,
    /// Per probe, its sources.
    sources: Vec<Vec<String>>,
    /// Compiled once per distinct probe list.
    cache: std::sync::Mutex<CompiledCache>,
}

type CompiledCache = HashMap<Vec<(usize, LineFilter)>, Arc<Compiled>>;

impl StreamPlan {
    pub fn new(
        probes: Arc<Vec<Probe>>,
        sources: Vec<Vec<String>>,
        evidence: Vec<EvidenceKey>,
    ) -> StreamPlan {
        StreamPlan {
            shared: Arc::new(PlanShared {
                probes,
                sources,
                cache: Default::default(),
            }),
            evidence,
            min_bytes: 8 << 20,
            chunk_bytes: 2 << 20,
            in_flight: 6,
            timeline: false,
        }
    }
}

impl PlanShared {
    /// The probes reading `path`, merged per probe exactly as [`scan`] merges them.
    fn probes_for(&self, path: &str, loose: bool, is_text: bool) -> Vec<(usize, LineFilter)> {
        let mut out: Vec<(usize, LineFilter)> = Vec::new();
        for (p, srcs) in self.sources.iter().enumerate() {
            for s in srcs {
                if let Some(f) = source_filter(s, path, loose, is_text) {
                    match out.iter_mut().find(|(q, _)| *q == p) {
                        Some((_, g)) => g.merge(&f),
                        None => out.push((p, f)),
                    }
                }
            }
        }
        out
    }
}

/// The bundle path of an entry key that may still carry the bundle's top folder.
fn bundle_path(key: &str) -> &str {
    if key.starts_with("node/") || key.starts_with("cluster/") {
        return key;
    }
    match key.split_once('/') {
        Some((_, rest)) if rest.starts_with("node/") || rest.starts_with("cluster/") => rest,
        _ => key,
    }
}

impl crate::model::StreamScanner for StreamPlan {
    fn min_bytes(&self) -> u64 {
        self.min_bytes
    }

    fn chunk_bytes(&self) -> usize {
        self.chunk_bytes
    }

    fn begin(&self, key: &str, loose: bool) -> Option<Box<dyn crate::model::FileStream>> {
        let path = if loose { key } else { bundle_path(key) };
        if !loose && !is_log_path(path) {
            return None;
        }
        let evidence = if loose {
            Vec::new()
        } else {
            self.evidence
                .iter()
                .filter(|(glob, _)| {
                    source_filter(glob, path, false, true).is_some()
                        || (glob.contains('/') && glob == path)
                })
                .map(|(glob, re)| {
                    let exact = re.as_deref().and_then(|r| build_regex(r).ok());
                    let find = re.as_deref().and_then(|r| {
                        RegexBuilder::new(&format!("(?m){r}"))
                            .size_limit(64 << 20)
                            .build()
                            .ok()
                    });
                    EvidenceScan {
                        key: (glob.clone(), re.clone()),
                        find,
                        exact,
                    }
                })
                .collect()
        };
        let timeline = if self.timeline && !loose {
            crate::report::timeline::log_kind(path)
        } else {
            None
        };
        Some(Box::new(FileScan {
            plan: self.shared.clone(),
            path: path.to_string(),
            loose,
            compiled: None,
            scanned: Vec::new(),
            evidence: Arc::new(evidence),
            version: !loose && path == paths::JOURNAL_KUBELET,
            timeline,
            head: Vec::new(),
            seq: 0,
            allocated: 0,
            in_flight: self.in_flight.max(1),
            chunk_bytes: self.chunk_bytes,
            shared: Arc::new(std::sync::Mutex::new(Merger::default())),
            free: std::sync::mpsc::channel(),
        }))
    }
}

/// What one chunk's scan found.
#[derive(Default)]
struct ChunkOut {
    newlines: u64,
    results: Vec<(usize, ProbeResult)>,
    evidence: Vec<FileHits>,
    version: Option<(u64, String)>,
    timeline: Option<crate::report::timeline::FileCounts>,
    error: Option<String>,
}

/// Chunk results put back in file order.
#[derive(Default)]
struct Merger {
    next: u64,
    pending: BTreeMap<u64, ChunkOut>,
    base: u64,
    results: BTreeMap<usize, ProbeResult>,
    evidence: Vec<FileHits>,
    version: Option<(u64, String)>,
    timeline: Option<crate::report::timeline::FileCounts>,
    error: Option<String>,
}

impl Merger {
    fn add(&mut self, seq: u64, out: ChunkOut) {
        self.pending.insert(seq, out);
        while let Some(o) = self.pending.remove(&self.next) {
            for (p, r) in o.results {
                self.results.entry(p).or_default().append(r, self.base);
            }
            if self.evidence.len() < o.evidence.len() {
                self.evidence
                    .resize_with(o.evidence.len(), FileHits::default);
            }
            for (i, h) in o.evidence.into_iter().enumerate() {
                self.evidence[i].append(h, self.base);
            }
            if let Some((n, t)) = o.version {
                self.version = Some((n + self.base, t));
            }
            if let Some(t) = o.timeline {
                match &mut self.timeline {
                    Some(m) => m.merge(t),
                    None => self.timeline = Some(t),
                }
            }
            if self.error.is_none() {
                self.error = o.error;
            }
            self.base += o.newlines;
            self.next += 1;
        }
    }
}

struct FileScan {
    plan: Arc<PlanShared>,
    path: String,
    loose: bool,
    compiled: Option<Arc<Compiled>>,
    scanned: Vec<(usize, LineFilter)>,
    evidence: Arc<Vec<EvidenceScan>>,
    version: bool,
    timeline: Option<crate::report::timeline::LogKind>,
    head: Vec<u8>,
    seq: u64,
    allocated: usize,
    in_flight: usize,
    chunk_bytes: usize,
    shared: Arc<std::sync::Mutex<Merger>>,
    free: (
        std::sync::mpsc::Sender<Vec<u8>>,
        std::sync::mpsc::Receiver<Vec<u8>>,
    ),
}

/// Scans one chunk: probes, evidence specs, the kubelet version line, the timeline.
fn scan_chunk(
    buf: &[u8],
    probes: &[Probe],
    c: &Compiled,
    evidence: &[EvidenceScan],
    version: bool,
    timeline: Option<crate::report::timeline::LogKind>,
) -> ChunkOut {
    let r = scan_text(buf, 0, probes, c);
    let mut out = ChunkOut {
        newlines: r.newlines,
        results: r.results,
        ..ChunkOut::default()
    };
    for ev in evidence {
        out.evidence.push(evidence_lines(buf, ev));
    }
    if version {
        out.version = version_line(buf);
    }
    if let Some(kind) = timeline {
        out.timeline = Some(crate::report::timeline::count_chunk(kind, buf));
    }
    out
}

/// The line (number from 1 in `buf`, without '\n') around byte `at`.
fn line_around(buf: &[u8], at: usize) -> (usize, usize) {
    let s = memchr::memrchr(b'\n', &buf[..at]).map_or(0, |i| i + 1);
    let e = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |i| at + i);
    (s, e)
}

/// The lines of `buf` an evidence spec selects, as `engine` selects them from a whole file
/// (empty lines skipped, but for the file's first line).
fn evidence_lines(buf: &[u8], ev: &EvidenceScan) -> FileHits {
    let mut hits = FileHits::default();
    let mut pos = 0usize;
    let mut line_no = 1u64;
    let push = |hits: &mut FileHits, n: u64, l: &[u8]| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        hits.push(HitLine {
            n,
            text: String::from_utf8_lossy(l).into_owned(),
        });
    };
    match (&ev.find, &ev.exact) {
        (Some(find), Some(exact)) => {
            while pos < buf.len() {
                let Some(m) = find.find_at(buf, pos) else {
                    break;
                };
                let at = m.start();
                if at >= buf.len() {
                    break;
                }
                let s = memchr::memrchr(b'\n', &buf[pos..at]).map_or(pos, |i| pos + i + 1);
                let e = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |i| at + i);
                line_no += memchr::memchr_iter(b'\n', &buf[pos..s]).count() as u64;
                let line = &buf[s..e];
                if !line.is_empty() && exact.is_match(line) {
                    push(&mut hits, line_no, line);
                }
                if e >= buf.len() {
                    break;
                }
                pos = e + 1;
                line_no += 1;
            }
        }
        _ => {
            for line in buf.split(|&b| b == b'\n') {
                if !line.is_empty() {
                    push(&mut hits, line_no, line);
                }
                line_no += 1;
            }
        }
    }
    hits
}

/// The last kubelet version line of `buf` (what facts reads from the kubelet journal).
fn version_line(buf: &[u8]) -> Option<(u64, String)> {
    let mut best: Option<usize> = None;
    for needle in [&b"kubeletVersion=\""[..], b"] Version: "] {
        for at in memchr::memmem::find_iter(buf, needle) {
            let (s, e) = line_around(buf, at);
            let text = String::from_utf8_lossy(&buf[s..e]);
            let text = text.trim_end_matches('\r');
            if crate::facts::kubelet_version_in(text).is_some() && best.is_none_or(|b| s > b) {
                best = Some(s);
            }
        }
    }
    let s = best?;
    let (_, e) = line_around(buf, s);
    let n = memchr::memchr_iter(b'\n', &buf[..s]).count() as u64 + 1;
    let text = String::from_utf8_lossy(&buf[s..e])
        .trim_end_matches('\r')
        .to_string();
    Some((n, text))
}

impl crate::model::FileStream for FileScan {
    fn feed(&mut self, chunk: Vec<u8>) -> Vec<u8> {
        if self.compiled.is_none() {
            // The first chunk decides the `any` source's text test, as `is_text` does.
            let head_len = chunk.len().min(256 << 10);
            self.head = chunk[..head_len].to_vec();
            let is_text = is_text(&chunk);
            let plan = self.plan.clone();
            let ps = plan.probes_for(&self.path, self.loose, is_text);
            let compiled = {
                let mut cache = plan.cache.lock().unwrap_or_else(|e| e.into_inner());
                match cache.get(&ps) {
                    Some(c) => c.clone(),
                    None => {
                        let c = Arc::new(compile(&self.plan.probes, &ps).unwrap_or_else(|_| {
                            compile(&self.plan.probes, &[]).expect("an empty probe list compiles")
                        }));
                        cache.insert(ps.clone(), c.clone());
                        c
                    }
                }
            };
            self.scanned = ps;
            self.compiled = Some(compiled);
        }
        let seq = self.seq;
        self.seq += 1;
        let probes = self.plan.probes.clone();
        let c = self.compiled.clone().expect("compiled above");
        let evidence = self.evidence.clone();
        let shared = self.shared.clone();
        let (version, timeline) = (self.version, self.timeline);
        let back = self.free.0.clone();
        let job = move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                scan_chunk(&chunk, &probes, &c, &evidence, version, timeline)
            }))
            .unwrap_or_else(|p| ChunkOut {
                newlines: memchr::memchr_iter(b'\n', &chunk).count() as u64,
                error: Some(format!("scan panicked: {}", crate::facts::panic_text(&p))),
                ..ChunkOut::default()
            });
            shared
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .add(seq, out);
            let mut chunk = chunk;
            chunk.clear();
            let _ = back.send(chunk);
        };
        self.allocated += 1;
        if rayon::current_thread_index().is_some() {
            // On a pool thread, waiting for pool jobs could wait forever: scan here.
            job();
        } else {
            rayon::spawn(job);
        }
        // A free buffer: a new one while under the in-flight bound, else the next returned.
        if let Ok(b) = self.free.1.try_recv() {
            self.allocated -= 1;
            return b;
        }
        if self.allocated < self.in_flight {
            return Vec::with_capacity(self.chunk_bytes);
        }
        let b = self.free.1.recv().unwrap_or_default();
        self.allocated -= 1;
        b
    }

    fn finish(self: Box<Self>, bytes: u64) -> Streamed {
        let mut me = *self;
        while me.allocated > 0 {
            if me.free.1.recv().is_err() {
                break;
            }
            me.allocated -= 1;
        }
        let m = std::mem::take(&mut *me.shared.lock().unwrap_or_else(|e| e.into_inner()));
        let evidence = me
            .evidence
            .iter()
            .enumerate()
            .map(|(i, ev)| {
                (
                    ev.key.clone(),
                    m.evidence.get(i).cloned().unwrap_or_default(),
                )
            })
            .collect();
        Streamed {
            bytes,
            head: me.head,
            scanned: me.scanned,
            results: m.results.into_iter().filter(|(_, r)| r.count > 0).collect(),
            evidence,
            kubelet_version: m.version,
            timeline: m
                .timeline
                .or_else(|| me.timeline.map(|_| Default::default())),
            error: m.error,
        }
    }
}
