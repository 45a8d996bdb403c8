//! Streaming: big log files are scanned chunk by chunk as they come out of the input, and only
//! what the scan keeps of them is held ([`Streamed`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use kdiag_bundle::paths;
use regex::bytes::{Regex, RegexBuilder};

use super::scan::{
    build_regex, compile, scan_text, Compiled, FileHits, HitLine, Probe, ProbeResult,
};
use super::timeline::{count_chunk, log_kind, FileCounts, LogKind};
use super::{is_log_path, is_text, source_filter, LineFilter, KEEP_LINES};

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
    pub timeline: Option<FileCounts>,
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

impl crate::texts::node::StreamScanner for StreamPlan {
    fn min_bytes(&self) -> u64 {
        self.min_bytes
    }

    fn chunk_bytes(&self) -> usize {
        self.chunk_bytes
    }

    fn begin(&self, key: &str, loose: bool) -> Option<Box<dyn crate::texts::node::FileStream>> {
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
            log_kind(path)
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
            shared: Arc::new((
                std::sync::Mutex::new(Merger::default()),
                std::sync::Condvar::new(),
            )),
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
    timeline: Option<FileCounts>,
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
    timeline: Option<FileCounts>,
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
    timeline: Option<LogKind>,
    head: Vec<u8>,
    seq: u64,
    allocated: usize,
    in_flight: usize,
    chunk_bytes: usize,
    /// The merged results, and a signal each time a chunk's are added.
    shared: Arc<(std::sync::Mutex<Merger>, std::sync::Condvar)>,
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
    timeline: Option<LogKind>,
) -> ChunkOut {
    // A GBK chunk is scanned decoded, as a held GBK text is (chunks are whole lines, and GBK
    // never puts a newline byte inside a character).
    let decoded = crate::texts::decode::gbk_as_utf8(buf);
    let buf = decoded.as_deref().map_or(buf, str::as_bytes);
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
        out.timeline = Some(count_chunk(kind, buf));
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
            if crate::units::version::kubelet_version_in(text).is_some()
                && best.is_none_or(|b| s > b)
            {
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

impl crate::texts::node::FileStream for FileScan {
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
                        let c =
                            Arc::new(compile(&self.plan.probes, &ps, true).unwrap_or_else(|_| {
                                compile(&self.plan.probes, &[], true)
                                    .expect("an empty probe list compiles")
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
        let chunk_bytes = self.chunk_bytes;
        let job = move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                scan_chunk(&chunk, &probes, &c, &evidence, version, timeline)
            }))
            .unwrap_or_else(|p| ChunkOut {
                newlines: memchr::memchr_iter(b'\n', &chunk).count() as u64,
                error: Some(format!("scan panicked: {}", crate::units::panic_text(&p))),
                ..ChunkOut::default()
            });
            let (merger, added) = &*shared;
            merger
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .add(seq, out);
            added.notify_all();
            // Back to the file's free list; dropped when the file is already finished.
            // The first chunk is the file's head (read whole to decide whether to stream it,
            // 8 MiB); kept at that size it would hold four chunks' memory for the whole file.
            let mut chunk = chunk;
            chunk.clear();
            chunk.shrink_to(chunk_bytes);
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

    fn finish(self: Box<Self>, bytes: u64) -> crate::texts::node::PendingScan {
        let FileScan {
            shared,
            evidence,
            head,
            scanned,
            timeline,
            free,
            seq: chunks,
            ..
        } = *self;
        // Chunks still scanning drop their buffers when done instead of returning them.
        drop(free);
        Box::new(move || {
            let (merger, added) = &*shared;
            let mut m = merger.lock().unwrap_or_else(|e| e.into_inner());
            while m.next < chunks {
                m = added.wait(m).unwrap_or_else(|e| e.into_inner());
            }
            let m = std::mem::take(&mut *m);
            let evidence = evidence
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
                head,
                scanned,
                results: m.results.into_iter().filter(|(_, r)| r.count > 0).collect(),
                evidence,
                kubelet_version: m.version,
                timeline: m.timeline.or_else(|| timeline.map(|_| Default::default())),
                error: m.error,
            }
        })
    }
}
