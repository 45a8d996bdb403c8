//! The pipeline: PATHs in, one findings [`Document`] out. [`Case::analyze`] reads every input (big
//! logs scanned as they stream), computes each node's [`Facts`] once, builds the `case` view of
//! all nodes, evaluates the rules and resolves the chains. `cli` only parses arguments, calls it,
//! renders and picks the exit code; tests and tools call it directly.

use std::path::PathBuf;
use std::time::Duration;

use rayon::prelude::*;

use crate::facts::Facts;
use crate::findings::{self, Document, NodeSummary};
use crate::input::{self, InputError, Limits};
use crate::render::NodeData;
use crate::rules::engine::{case_view, CaseNode, RuleFacts};
use crate::rules::{finalize, withhold_node_findings, Engine, Lang, RuleSet, Severity};
use crate::texts::Node;
use crate::texts::StreamPlan;

/// What to analyze and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub lang: Lang,
    /// `--rules DIR`: rules added to (or overriding) the embedded ones.
    pub rules: Option<PathBuf>,
    /// A spinner on stderr while reading and evaluating.
    pub progress: bool,
    /// Keep what the HTML/Markdown reports need of each node ([`Case::report_data`]).
    pub report: bool,
    /// How big logs are streamed.
    pub stream: Streaming,
    /// `--input-format`: read every input as this foreign format (`None`: recognised by content).
    pub input_format: Option<crate::input::foreign::Format>,
}

/// When a log is streamed instead of held, and in which chunks. The defaults are the engine's
/// ([`StreamPlan::new`]); tests lower them to run the streaming path on small fixtures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Streaming {
    /// Logs of at least this many bytes are streamed (`None`: the engine's default).
    pub min_bytes: Option<u64>,
    /// Bytes per chunk (`None`: the engine's default).
    pub chunk_bytes: Option<usize>,
}

impl Options {
    /// The embedded rules over `paths` in `lang`, no progress, no report data.
    pub fn new(paths: Vec<PathBuf>, lang: Lang) -> Options {
        Options {
            paths,
            lang,
            rules: None,
            progress: false,
            report: false,
            stream: Streaming::default(),
            input_format: None,
        }
    }
}

/// The rules loaded once, ready to evaluate any number of cases (tests build it once).
pub struct Loaded {
    pub engine: Engine,
    /// Problems met while loading, as the run reports them.
    pub warnings: Vec<String>,
    pub rule_count: usize,
}

impl Loaded {
    pub fn new(rules: Option<&std::path::Path>, lang: Lang) -> Loaded {
        let set = RuleSet::load(rules);
        let mut warnings = Vec::new();
        let (incomplete, other): (Vec<_>, Vec<_>) = set
            .warnings
            .iter()
            .partition(|w| w.starts_with("embedded:") && w.contains("has no `when`"));
        warnings.extend(other.into_iter().cloned());
        if !incomplete.is_empty() {
            warnings.push(format!(
                "{} embedded rule(s) have no `when`/`items` yet and were skipped",
                incomplete.len()
            ));
        }
        let rule_count = set.rules.len();
        Loaded {
            engine: Engine::new(set.rules, lang),
            warnings,
            rule_count,
        }
    }
}

/// One analysis run over several inputs: the nodes of one case.
pub struct Case {
    pub document: Document,
    /// What the reports need of each node (empty unless [`Options::report`]).
    pub report_data: Vec<NodeData>,
    /// Each node's facts (`None` where a parser panicked), in input order.
    pub facts: Vec<Option<Facts>>,
    /// Inputs that could be read (0: nothing was understood).
    pub nodes_read: usize,
}

impl Case {
    /// Loads the rules of `opts` and analyzes its inputs.
    pub fn analyze(opts: &Options) -> Case {
        let mut clock = Phases::new();
        let loaded = Loaded::new(opts.rules.as_deref(), opts.lang);
        clock.mark("load rules");
        let case = Case::analyze_with(&loaded, opts);
        // Freeing the compiled rules is serial work on the run's last stretch, before the report
        // is written: another thread does it.
        std::thread::spawn(move || drop(loaded));
        case
    }

    /// Analyzes the inputs of `opts` with rules already loaded (`opts.rules` and `opts.lang`
    /// are those of `loaded`).
    pub fn analyze_with(loaded: &Loaded, opts: &Options) -> Case {
        let mut warnings = loaded.warnings.clone();
        let engine = &loaded.engine;
        let bar = opts.progress.then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_message(format!("reading {} input(s)", opts.paths.len()));
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        let mut cases = Vec::new();
        let mut clock = Phases::new();
        let nodes = read_inputs(engine, opts, &mut warnings, &mut cases);
        clock.mark("read inputs (inflate and stream scan)");
        if let Some(b) = &bar {
            b.set_message(format!("evaluating {} rule(s)", loaded.rule_count));
        }
        // Facts once per node, for the rules and the reports; a parser's panic costs the node
        // its facts (a warning), not the run. What the rules need of a node besides its facts
        // (its held texts scanned, its facts serialized once) is made beside them on all cores
        // when there are no more nodes than threads: then every node's is live at once anyway.
        // With more nodes, each node's is made when its rules run, so that only about a
        // thread's worth is held at a time (peak memory of a 20-node case).
        let ahead = nodes.len() <= rayon::current_num_threads();
        let (with_facts, prescans): (Vec<_>, Vec<_>) = rayon::join(
            || {
                nodes
                    .par_iter()
                    .map(|n| {
                        let f = Facts::try_from_node(n);
                        let (case_node, rule_facts) = if ahead {
                            let (c, r) = RuleFacts::with_case(n, f.as_ref().ok());
                            (c, Some(r))
                        } else {
                            (CaseNode::of(n, f.as_ref().ok()), None)
                        };
                        (f, case_node, rule_facts)
                    })
                    .collect()
            },
            || {
                nodes
                    .par_iter()
                    .map(|n| ahead.then(|| engine.prescan(n)))
                    .collect()
            },
        );
        clock.mark("facts and held-text scan");
        let mut facts: Vec<Result<Facts, String>> = Vec::with_capacity(nodes.len());
        let mut case_nodes = Vec::with_capacity(nodes.len());
        let mut rule_facts = Vec::with_capacity(nodes.len());
        for (f, c, r) in with_facts {
            facts.push(f);
            case_nodes.push(c);
            rule_facts.push(r);
        }
        let case = case_view(case_nodes);
        let reports: Vec<_> = nodes
            .par_iter()
            .zip(&facts)
            .zip(prescans)
            .zip(rule_facts)
            .enumerate()
            .map(|(i, (((n, f), pre), rf))| {
                let pre = pre.unwrap_or_else(|| engine.prescan(n));
                let rf = rf.unwrap_or_else(|| RuleFacts::of(f.as_ref().ok()));
                let mut r = engine.evaluate_prepared(n, pre, rf, &case, i);
                if let Err(e) = f {
                    r.warnings
                        .insert(0, format!("facts: parsing panicked: {e}"));
                }
                r
            })
            .collect();
        clock.mark("rules");
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        let differences = node_differences(&nodes, &facts);
        let report_data: Vec<NodeData> = if opts.report {
            nodes.par_iter().map(NodeData::of).collect()
        } else {
            Vec::new()
        };
        let mut found = Vec::new();
        let mut summaries = Vec::new();
        for ((n, r), f) in nodes.iter().zip(reports).zip(&facts) {
            summaries.push(NodeSummary::of(n, &r.warnings, f.as_ref().ok(), r.read));
            for w in n.warnings.iter().chain(&r.warnings) {
                warnings.push(format!("{}: {w}", n.name));
            }
            found.extend(r.findings);
        }
        let withholding = engine
            .rules()
            .filter(|r| r.withholds_node_findings)
            .map(|r| r.id.clone())
            .collect();
        withhold_node_findings(&mut found, &withholding, opts.lang);
        finalize(&mut found, &engine.explains(), &engine.explain_ties());
        clock.mark("differences, report data, findings");
        let document = Document {
            format: findings::FORMAT,
            version: findings::VERSION,
            lang: opts.lang.as_str().to_string(),
            analyzer: env!("CARGO_PKG_VERSION").to_string(),
            nodes: summaries,
            cases,
            differences,
            findings: found,
            warnings,
        };
        Case {
            document,
            report_data,
            nodes_read: nodes.len(),
            facts: facts.into_iter().map(Result::ok).collect(),
        }
    }

    /// The worst severity among the findings (`None`: nothing above info, or nothing read).
    pub fn worst(&self) -> Option<Severity> {
        self.document.max_severity()
    }
}

/// Reads the inputs on plain reader threads, at most one per core at a time. Big logs are
/// scanned as they stream out of each input (the reader decompresses; the rayon pool scans its
/// chunks and inflates a sized-member .tgz's members), so the rules' pass overlaps decompression
/// and memory stays bounded whatever the size and the number of inputs. The readers are plain
/// threads: a rayon worker must never block waiting for the pool.
fn read_inputs(
    engine: &Engine,
    opts: &Options,
    warnings: &mut Vec<String>,
    cases: &mut Vec<findings::CaseSummary>,
) -> Vec<Node> {
    let limits = Limits {
        input_format: opts.input_format,
        ..Limits::default()
    };
    let mut plan: StreamPlan = engine.stream_plan();
    plan.timeline = opts.report;
    // Every node's held logs stay in memory until the rules ran on all of them: with many
    // inputs, logs stream from a smaller size (8 MiB for one or two nodes, 0.8 MiB for twenty),
    // so memory stays bounded by the inputs read at once, not by their number.
    let many = opts.paths.len().max(2) as u64 / 2;
    plan.min_bytes = (plan.min_bytes / many).max(512 << 10);
    if let Some(n) = opts.stream.min_bytes {
        plan.min_bytes = n;
    }
    if let Some(n) = opts.stream.chunk_bytes {
        plan.chunk_bytes = n;
    }
    // At most one reader per core at a time (each holds its inflate buffers and chunks in
    // flight): twenty bundles use every core without twenty times the memory.
    let readers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 16)
        .min(opts.paths.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Input>>> = opts
        .paths
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|s| {
        for _ in 0..readers {
            let (limits, plan, next, slots) = (&limits, &plan, &next, &slots);
            s.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(p) = opts.paths.get(i) else { break };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    if input::case::is_case_archive(p) {
                        Input::Case(input::case::read_case(p, limits, Some(plan)))
                    } else {
                        Input::One(input::read_input_with(p, limits, Some(plan)))
                    }
                }))
                .unwrap_or_else(|e| {
                    Input::One(Err(InputError {
                        path: p.clone(),
                        reason: format!("reading panicked: {}", crate::units::panic_text(&e)),
                    }))
                });
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    let mut nodes = Vec::new();
    for (m, p) in slots.into_iter().zip(&opts.paths) {
        let read = m
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(|| {
                Input::One(Err(InputError {
                    path: p.clone(),
                    reason: "not read".into(),
                }))
            });
        let results = match read {
            Input::One(r) => vec![r],
            Input::Case(Ok(case)) => {
                let label = input::file_stem(p);
                for w in &case.warnings {
                    warnings.push(format!("{label}: {w}"));
                }
                let mut read = case.nodes;
                if let Some(m) = &case.manifest {
                    warnings.extend(findings::case_warnings(&label, m));
                    cases.push(findings::CaseSummary::of(p, m, read.len()));
                    // The nodes in the order they were asked, not the order they answered.
                    let rank = |r: &Result<Node, InputError>| {
                        let origin = match r {
                            Ok(n) => &n.origin,
                            Err(e) => &e.path,
                        };
                        let name = origin.file_name().map(|f| f.to_string_lossy().into_owned());
                        m.nodes
                            .iter()
                            .position(|n| n.bundle.is_some() && n.bundle == name)
                            .unwrap_or(usize::MAX)
                    };
                    read.sort_by_key(rank);
                }
                read
            }
            Input::Case(Err(e)) => vec![Err(e)],
        };
        for r in results {
            match r {
                Ok(n) => nodes.push(n),
                Err(e) => warnings.push(format!("cannot read {e}")),
            }
        }
    }
    nodes
}

/// The settings that differ between the bundle nodes (loose files have no settings to compare).
fn node_differences(nodes: &[Node], facts: &[Result<Facts, String>]) -> Vec<findings::Difference> {
    let bundles: Vec<(&Node, Option<&Facts>)> = nodes
        .iter()
        .zip(facts)
        .filter(|(n, _)| n.kind == crate::texts::node::InputKind::Bundle)
        .map(|(n, f)| (n, f.as_ref().ok()))
        .collect();
    if bundles.len() < 2 {
        return Vec::new();
    }
    let json: Vec<Option<serde_json::Value>> =
        bundles.iter().map(|(_, f)| f.map(comparable)).collect();
    let cni_dir = format!("{}/", kdiag_bundle::paths::CNI_DIR);
    let cni: Vec<Vec<String>> = bundles
        .iter()
        .map(|(n, _)| {
            n.files
                .keys()
                .filter_map(|k| k.strip_prefix(&cni_dir))
                .filter(|k| !k.contains('/'))
                .map(String::from)
                .collect()
        })
        .collect();
    findings::differences::differences(&json, &cni)
}

/// The part of a node's facts the differences table reads, as JSON: never the cluster's pod,
/// event or iptables lists, which would cost every node's whole cluster in memory at once.
fn comparable(f: &Facts) -> serde_json::Value {
    let v = |x: serde_json::Result<serde_json::Value>| x.unwrap_or_default();
    serde_json::json!({
        "node": v(serde_json::to_value(&f.node)),
        "os": v(serde_json::to_value(&f.os)),
        "kubelet": v(serde_json::to_value(&f.kubelet)),
        "docker": v(serde_json::to_value(&f.docker)),
        "containerd": v(serde_json::to_value(&f.containerd)),
        "sysctl": v(serde_json::to_value(&f.sysctl)),
        "packages": v(serde_json::to_value(&f.packages)),
        "swap": v(serde_json::to_value(&f.swap)),
        "selinux": v(serde_json::to_value(&f.selinux)),
        "certificates": v(serde_json::to_value(&f.certificates)),
        "network": {"mtu": v(serde_json::to_value(f.network.as_ref().and_then(|n| n.mtu.as_ref())))},
        "cluster": {"nodes": v(serde_json::to_value(f.cluster.as_ref().and_then(|c| c.nodes.as_ref())))},
    })
}

/// What one PATH was read as: one node, or a case archive's nodes.
enum Input {
    One(Result<Node, InputError>),
    Case(Result<input::case::CaseRead, InputError>),
}

/// With `KDIAG_TIMINGS` set, the wall time of each phase of a run on stderr: where a slow run
/// spends its time, without a profiler (docs/performance.md).
struct Phases {
    on: bool,
    last: std::time::Instant,
}

impl Phases {
    fn new() -> Phases {
        Phases {
            on: std::env::var_os("KDIAG_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    fn mark(&mut self, what: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!("timing: {what}: {:.3} s", (now - self.last).as_secs_f64());
            self.last = now;
        }
    }
}
