//! The one-pass scanner over held texts.
//!
//! Every `match` of every rule is a probe. Per text, the probes reading it are compiled into one
//! alternation regex (searched over the whole buffer, so the regex engine's own literal prefilters
//! skip the uninteresting parts) and one `RegexSet`, run only on the lines the search lands on.
//! Captures run only on lines the set selects; only the kept lines are decoded (lossily).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};

use rayon::prelude::*;
use regex::bytes::{Regex, RegexBuilder};

use super::prefilter;
use super::{LineFilter, Texts, KEEP_LINES, MAX_VALUES};

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
    RegexBuilder::new(&ascii_word_boundaries(re))
        .size_limit(32 << 20)
        .build()
}

/// `\b` and `\B` outside classes made ASCII (`(?-u:\b)`): a Unicode word boundary is decided
/// by decoding the characters around it (about 4% of one core on the bench folder, in
/// `is_word_character`), and the lazy DFA gives up on it at a non-ASCII byte. Log words are
/// ASCII; next to CJK text the ASCII boundary matches where the Unicode one would not
/// (`启动kubelet失败` has no Unicode boundary before `k`), which is what a rule means.
fn ascii_word_boundaries(re: &str) -> std::borrow::Cow<'_, str> {
    if !re.contains("\\b") && !re.contains("\\B") {
        return std::borrow::Cow::Borrowed(re);
    }
    let mut out = String::with_capacity(re.len() + 16);
    let mut class = 0usize;
    let mut chars = re.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(b @ ('b' | 'B')) if class == 0 => {
                    out.push_str("(?-u:\\");
                    out.push(b);
                    out.push(')');
                }
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' => {
                class += 1;
                out.push(c);
            }
            ']' if class > 0 => {
                class -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
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
    pub(crate) fn push(&mut self, line: HitLine) {
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
    pub(crate) fn absorb(&mut self, other: ProbeResult) -> BTreeMap<usize, FileHits> {
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
    /// so a superset: the probe's regex decides). A DFA for big logs: searched once per selected
    /// line, it was 30% of the folder run as the NFA the builder picks by default, but its build
    /// was 11% of analyzing 20 small bundles (docs/performance.md).
    line_lits: Option<aho_corasick::AhoCorasick>,
    /// Literal index -> the `k`s requiring it.
    lit_probes: Vec<Vec<u32>>,
    /// The probes without required literals, combined (names dropped), searched over the buffer.
    slow: Option<Regex>,
    slow_ks: Vec<u32>,
}

/// Runs every probe over the texts it reads. `targets[p]` = the texts probe `p` reads.
/// Returns one result per probe.
/// Compiled probe sets by probe list, kept by whoever owns the probes (the engine) so that every
/// node of a run reuses them: compiling is most of the work on a small bundle.
/// The probes (with their line filters) one text is scanned for: the key of a compiled set.
pub type ProbeList = Vec<(usize, LineFilter)>;
pub type CompileCache = std::sync::Mutex<HashMap<ProbeList, Arc<Compiled>>>;

pub fn scan(
    texts: &Texts<'_>,
    probes: &[Probe],
    targets: &[Vec<(usize, LineFilter)>],
    cache: &CompileCache,
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
    // Compile once per distinct probe list (e.g. all container logs share one), once per run.
    let mut held: Vec<(usize, ProbeList)> = Vec::new();
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
        } else {
            held.push((t, ps));
        }
    }
    // The lists not compiled yet, compiled on all cores outside the lock (other nodes scan
    // meanwhile; a race compiles twice).
    let missing: Vec<&ProbeList> = {
        let known = cache.lock().unwrap_or_else(|e| e.into_inner());
        let mut seen = std::collections::HashSet::new();
        held.iter()
            .map(|(_, ps)| ps)
            .filter(|ps| !known.contains_key(*ps) && seen.insert(*ps))
            .collect()
    };
    let fresh: Vec<(ProbeList, Arc<Compiled>)> = missing
        .par_iter()
        .map(|ps| compile(probes, ps, false).map(|c| ((*ps).clone(), Arc::new(c))))
        .collect::<Result<_, String>>()?;
    let jobs: Vec<(usize, Arc<Compiled>)> = {
        let mut known = cache.lock().unwrap_or_else(|e| e.into_inner());
        known.extend(fresh);
        held.iter()
            .map(|(t, ps)| (*t, known.get(ps).cloned().expect("compiled above")))
            .collect()
    };
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

/// `big`: the set scans big streamed logs, where a faster line matcher repays its longer build
/// (an Aho-Corasick DFA); held texts are small, and many, so they get the one quickest to build.
pub(crate) fn compile(
    probes: &[Probe],
    ps: &[(usize, LineFilter)],
    big: bool,
) -> Result<Compiled, String> {
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
            .kind(big.then_some(aho_corasick::AhoCorasickKind::DFA))
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
pub(crate) fn scan_text(buf: &[u8], t: usize, probes: &[Probe], c: &Compiled) -> ChunkResult {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_boundaries_become_ascii_outside_classes_only() {
        assert_eq!(
            ascii_word_boundaries(r"\bkubelet\b [\b\\b]\\b \Bx"),
            r"(?-u:\b)kubelet(?-u:\b) [\b\\b]\\b (?-u:\B)x"
        );
        assert!(matches!(
            ascii_word_boundaries("no boundary"),
            std::borrow::Cow::Borrowed(_)
        ));
        let re = build_regex(r"\bkubelet\b").unwrap();
        assert!(re.is_match("启动kubelet失败".as_bytes()));
        assert!(!re.is_match(b"kubeletx"));
    }
}
