//! The `analyze` command line: `Cli` (parse only) -> `Config::from_cli` (validate, no I/O) -> `run`.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::facts::Facts;
use crate::input::Limits;
use crate::output::{self, Document, NodeSummary};
use crate::report::{self, NodeData};
use crate::rules::engine::{case_view, CaseNode};
use crate::rules::load::{embedded_files, yaml_files};
use crate::rules::{finalize, lint, Engine, Lang, RuleSet, Severity};

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_WARNING: i32 = 1;
pub const EXIT_CRITICAL: i32 = 2;
pub const EXIT_NO_INPUT: i32 = 3;
/// Usage errors, lint problems, unwritable output.
pub const EXIT_ERROR: i32 = 4;

#[derive(Debug, Parser)]
#[command(
    name = "analyze",
    version,
    about = "Diagnose kdiag bundles (or pasted logs) offline with the rules in rules/",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Bundles (.tgz, .tar, .zip), bundle folders or loose text files: one per node of the case.
    pub paths: Vec<PathBuf>,
    /// Output format (to stdout, or to --output FILE).
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write report.html, report.md and findings.json into DIR (created; never inside a bundle)
    /// and print the terminal summary.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["format", "output"])]
    pub out: Option<PathBuf>,
    /// Read report templates (report.html, report.css, report.md) from DIR; the embedded ones
    /// fill in for the files DIR lacks.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Language of the texts (default: zh when LANG starts with zh, else en).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Add rules from DIR (*.yaml); a rule with an embedded rule's id replaces it.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Color the terminal summary (auto: on a TTY unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with rule files.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Re-scan bundles (or files) for anything that looks like a secret, with the collector's
    /// own detector; prints path:line, kind and a masked form. Exit 1 when something was found.
    Secrets {
        /// Bundles (.tgz, .tar, .zip), bundle folders or loose text files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate rule files: parse, regexes and expressions compile, ids unique, file name = id,
    /// en and zh texts present. Without PATHS: the embedded rules.
    Lint {
        /// Rule folders or files.
        paths: Vec<PathBuf>,
        /// Also accept rules that have no `when`/`items` yet (listed, not errors).
        #[arg(long)]
        allow_incomplete: bool,
    },
    /// List the rules (id, severity, title).
    List {
        /// Add rules from DIR, as for analyze.
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
    /// Print every distinct regex the rules match with, one per line (the benchmark's ripgrep
    /// baseline searches with exactly these).
    Regexes {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Print the rules document (docs/rules.md is `--lang en`, docs/rules.zh.md `--lang zh`).
    Doc {
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
    /// Write COUNT variants of every embedded rule (distinct ids and regexes) into OUT, to
    /// measure how the cost grows with the number of rules.
    Variants {
        #[arg(long)]
        count: usize,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Terminal,
    Json,
    /// The self-contained HTML report.
    Html,
    /// The short Markdown report for a ticket comment.
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    En,
    Zh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// What to do, validated.
#[derive(Debug, Clone)]
pub enum Config {
    Analyze(AnalyzeConfig, ReportOptions),
    Lint {
        paths: Vec<PathBuf>,
        allow_incomplete: bool,
    },
    List {
        rules: Option<PathBuf>,
        lang: Lang,
    },
    Regexes {
        rules: Option<PathBuf>,
    },
    Variants {
        count: usize,
        out: PathBuf,
    },
    Secrets {
        paths: Vec<PathBuf>,
    },
    Doc {
        lang: Lang,
    },
}

/// Where the reports go (`--out`) and which templates render them (`--templates`).
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    pub out: Option<PathBuf>,
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct AnalyzeConfig {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub lang: Lang,
    pub rules: Option<PathBuf>,
    pub color: bool,
    pub progress: bool,
}

impl AnalyzeConfig {
    /// The findings document of `paths` in `lang`, as JSON on stdout: the embedded rules only,
    /// no color, no progress (what a test or another program asks for).
    pub fn json(paths: Vec<PathBuf>, lang: Lang) -> AnalyzeConfig {
        AnalyzeConfig {
            paths,
            format: Format::Json,
            output: None,
            lang,
            rules: None,
            color: false,
            progress: false,
        }
    }
}

fn lang_of(arg: Option<LangArg>) -> Lang {
    match arg {
        Some(LangArg::Zh) => Lang::Zh,
        Some(LangArg::En) => Lang::En,
        None => {
            let from_env = ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|k| std::env::var(k).ok())
                .find(|v| !v.is_empty())
                .unwrap_or_default();
            if from_env.starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            }
        }
    }
}

impl Config {
    pub fn from_cli(cli: Cli) -> Result<Config, String> {
        match cli.command {
            Some(Command::Rules {
                command:
                    RulesCommand::Lint {
                        paths,
                        allow_incomplete,
                    },
            }) => Ok(Config::Lint {
                paths,
                allow_incomplete,
            }),
            Some(Command::Rules {
                command: RulesCommand::List { rules, lang },
            }) => Ok(Config::List {
                rules,
                lang: lang_of(lang),
            }),
            Some(Command::Rules {
                command: RulesCommand::Regexes { rules },
            }) => Ok(Config::Regexes { rules }),
            Some(Command::Rules {
                command: RulesCommand::Variants { count, out },
            }) => Ok(Config::Variants { count, out }),
            Some(Command::Rules {
                command: RulesCommand::Doc { lang },
            }) => Ok(Config::Doc {
                lang: lang_of(lang),
            }),
            Some(Command::Secrets { paths }) => Ok(Config::Secrets { paths }),
            None => {
                if cli.paths.is_empty() {
                    return Err(
                        "no PATH given: name a bundle, a bundle folder or a log file (see --help)"
                            .into(),
                    );
                }
                let to_stdout = cli.output.is_none();
                let color = match cli.color {
                    ColorArg::Always => true,
                    ColorArg::Never => false,
                    ColorArg::Auto => {
                        to_stdout
                            && cli.format == Format::Terminal
                            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                            && std::io::stdout().is_terminal()
                    }
                };
                Ok(Config::Analyze(
                    AnalyzeConfig {
                        paths: cli.paths,
                        format: cli.format,
                        output: cli.output,
                        lang: lang_of(cli.lang),
                        rules: cli.rules,
                        color,
                        progress: std::io::stderr().is_terminal(),
                    },
                    ReportOptions {
                        out: cli.out,
                        templates: cli.templates,
                    },
                ))
            }
        }
    }
}

/// Runs a validated config; returns the exit code.
pub fn run(config: Config) -> i32 {
    match config {
        Config::Analyze(c, r) => analyze(&c, &r),
        Config::Lint {
            paths,
            allow_incomplete,
        } => run_lint(&paths, allow_incomplete),
        Config::List { rules, lang } => run_list(rules.as_deref(), lang),
        Config::Secrets { paths } => crate::secrets::run(&paths),
        Config::Regexes { rules } => {
            let set = RuleSet::load(rules.as_deref());
            for re in crate::rules::tools::regexes(&set) {
                println!("{re}");
            }
            EXIT_OK
        }
        Config::Doc { lang } => {
            print!("{}", crate::rules::doc::render(lang));
            EXIT_OK
        }
        Config::Variants { count, out } => {
            let texts: Vec<(String, String)> = embedded_files()
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect();
            match crate::rules::tools::write_variants(&texts, count, &out) {
                Ok(n) => {
                    eprintln!("wrote {n} rule variants to {}", out.display());
                    EXIT_OK
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    EXIT_ERROR
                }
            }
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// Reads inputs, evaluates, returns the document and the exit code.
pub fn analyze_to_document(c: &AnalyzeConfig) -> (Document, i32) {
    let (doc, _, code) = analyze_case(c, false);
    (doc, code)
}

/// Like [`analyze_to_document`], with what the reports need of each node when `report` is set
/// (timeline counts, manifest items not collected).
pub fn analyze_case(c: &AnalyzeConfig, report: bool) -> (Document, Vec<NodeData>, i32) {
    let mut warnings = Vec::new();
    let set = RuleSet::load(c.rules.as_deref());
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

    let bar = c.progress.then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_message(format!("reading {} input(s)", c.paths.len()));
        b.enable_steady_tick(Duration::from_millis(120));
        b
    });
    let limits = Limits::default();
    let n_rules = set.rules.len();
    let engine = Engine::new(set.rules, c.lang);
    // Big logs are scanned as they stream out of each input (a reader thread per input
    // decompresses; the rayon pool scans its chunks), so the rules' pass overlaps decompression
    // and memory stays bounded whatever the size. The readers are plain threads: a rayon worker
    // must never block waiting for the pool.
    let mut plan = engine.stream_plan();
    plan.timeline = report;
    // Test knobs: stream even small logs, in small chunks (the streaming path then runs on every
    // fixture; tests/streaming.rs compares it with the in-memory one).
    if let Some(n) = env_u64("KDIAG_STREAM_MIN_BYTES") {
        plan.min_bytes = n;
    }
    if let Some(n) = env_u64("KDIAG_STREAM_CHUNK_BYTES") {
        plan.chunk_bytes = n as usize;
    }
    let inputs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = c
            .paths
            .iter()
            .map(|p| {
                let (limits, plan) = (&limits, &plan);
                s.spawn(move || crate::input::read_input_with(p, limits, Some(plan)))
            })
            .collect();
        handles
            .into_iter()
            .zip(&c.paths)
            .map(|(h, p)| {
                h.join().unwrap_or_else(|e| {
                    Err(crate::input::InputError {
                        path: p.clone(),
                        reason: format!("reading panicked: {}", crate::facts::panic_text(&e)),
                    })
                })
            })
            .collect()
    });
    let mut nodes = Vec::new();
    for r in inputs {
        match r {
            Ok(n) => nodes.push(n),
            Err(e) => warnings.push(format!("cannot read {e}")),
        }
    }
    if let Some(b) = &bar {
        b.set_message(format!("evaluating {n_rules} rule(s)"));
    }
    // Facts once per node, for the rules and the reports; a parser's panic costs the node its
    // facts (a warning), not the run.
    let facts: Vec<Result<Facts, String>> = nodes.par_iter().map(Facts::try_from_node).collect();
    let case = case_view(
        nodes
            .iter()
            .zip(&facts)
            .map(|(n, f)| CaseNode::of(n, f.as_ref().ok()))
            .collect(),
    );
    let reports: Vec<_> = nodes
        .par_iter()
        .zip(&facts)
        .enumerate()
        .map(|(i, (n, f))| {
            let mut r = engine.evaluate(n, f.as_ref().ok(), &case, i);
            if let Err(e) = f {
                r.warnings
                    .insert(0, format!("facts: parsing panicked: {e}"));
            }
            r
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let data: Vec<NodeData> = if report {
        nodes.par_iter().map(NodeData::of).collect()
    } else {
        Vec::new()
    };
    let mut findings = Vec::new();
    let mut summaries = Vec::new();
    for ((n, r), f) in nodes.iter().zip(reports).zip(&facts) {
        summaries.push(NodeSummary::of(n, &r.warnings, f.as_ref().ok()));
        for w in n.warnings.iter().chain(&r.warnings) {
            warnings.push(format!("{}: {w}", n.name));
        }
        findings.extend(r.findings);
    }
    finalize(&mut findings, &engine.explains());
    let doc = Document {
        format: output::FORMAT,
        version: output::VERSION,
        lang: c.lang.as_str().to_string(),
        analyzer: env!("CARGO_PKG_VERSION").to_string(),
        nodes: summaries,
        findings,
        warnings,
    };
    let code = if nodes.is_empty() {
        EXIT_NO_INPUT
    } else {
        match doc.max_severity() {
            Some(Severity::Critical) => EXIT_CRITICAL,
            Some(Severity::Warning) => EXIT_WARNING,
            _ => EXIT_OK,
        }
    };
    (doc, data, code)
}

/// The canonical form of `p`, also when it does not exist yet (its nearest existing ancestor
/// is canonicalized).
fn canonical_target(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(c) = cur.canonicalize() {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return abs,
        }
    }
}

/// An error when `target` lies inside one of the input bundle folders.
fn check_outside_bundles(target: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    let t = canonical_target(target);
    for i in inputs.iter().filter(|i| i.is_dir()) {
        if let Ok(b) = i.canonicalize() {
            if t.starts_with(&b) {
                return Err(format!(
                    "{} is inside the bundle {}: reports are never written into a bundle; choose a folder outside it",
                    target.display(),
                    i.display()
                ));
            }
        }
    }
    Ok(())
}

/// `--out DIR`: the three reports, then the terminal summary and the paths written.
fn write_reports(
    c: &AnalyzeConfig,
    templates: Option<&Path>,
    dir: &Path,
    doc: &Document,
    data: &[NodeData],
) -> i32 {
    let html = report::render(report::Kind::Html, doc, data, templates);
    let md = report::render(report::Kind::Markdown, doc, data, templates);
    let (html, md) = match (html, md) {
        (Ok(h), Ok(m)) => (h, m),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("analyze: {e}");
            return EXIT_ERROR;
        }
    };
    let mut json = Vec::new();
    let files = [
        ("report.html", html.into_bytes()),
        ("report.md", md.into_bytes()),
        ("findings.json", {
            let _ = output::json::write(doc, &mut json);
            json
        }),
    ];
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("analyze: cannot create {}: {e}", dir.display());
        return EXIT_ERROR;
    }
    let mut written = Vec::new();
    for (name, bytes) in files {
        let p = dir.join(name);
        if let Err(e) = std::fs::write(&p, bytes) {
            eprintln!("analyze: cannot write {}: {e}", p.display());
            return EXIT_ERROR;
        }
        written.push(p);
    }
    let mut buf = Vec::new();
    let _ = output::terminal::write(doc, c.color, &mut buf);
    let label = if c.lang == Lang::Zh {
        "已写入"
    } else {
        "wrote"
    };
    for p in &written {
        let shown = if c.color {
            format!("\x1b[1m{}\x1b[0m", p.display())
        } else {
            p.display().to_string()
        };
        buf.extend_from_slice(format!("{label} {shown}\n").as_bytes());
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(&buf).and_then(|_| out.flush()) {
        eprintln!("analyze: cannot write stdout: {e}");
        return EXIT_ERROR;
    }
    EXIT_OK
}

fn analyze(c: &AnalyzeConfig, r: &ReportOptions) -> i32 {
    for target in r.out.iter().chain(&c.output) {
        if let Err(e) = check_outside_bundles(target, &c.paths) {
            eprintln!("analyze: {e}");
            return EXIT_ERROR;
        }
    }
    let report = r.out.is_some() || matches!(c.format, Format::Html | Format::Md);
    let (doc, data, code) = analyze_case(c, report);
    if let Some(dir) = &r.out {
        if code == EXIT_NO_INPUT {
            for w in &doc.warnings {
                eprintln!("analyze: {w}");
            }
            eprintln!("analyze: no input could be read");
            return code;
        }
        let w = write_reports(c, r.templates.as_deref(), dir, &doc, &data);
        return if w == EXIT_OK { code } else { w };
    }
    let mut buf = Vec::new();
    let written = match c.format {
        Format::Json => output::json::write(&doc, &mut buf),
        Format::Terminal => output::terminal::write(&doc, c.color, &mut buf),
        Format::Html | Format::Md => {
            let kind = if c.format == Format::Html {
                report::Kind::Html
            } else {
                report::Kind::Markdown
            };
            match report::render(kind, &doc, &data, r.templates.as_deref()) {
                Ok(s) => {
                    buf = s.into_bytes();
                    Ok(())
                }
                Err(e) => {
                    eprintln!("analyze: {e}");
                    return EXIT_ERROR;
                }
            }
        }
    };
    let written = written.and_then(|_| match &c.output {
        Some(p) => std::fs::write(p, &buf),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf).and_then(|_| out.flush())
        }
    });
    if let Err(e) = written {
        let to = c
            .output
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "stdout".into());
        eprintln!("analyze: cannot write {to}: {e}");
        return EXIT_ERROR;
    }
    if code == EXIT_NO_INPUT {
        for w in &doc.warnings {
            eprintln!("analyze: {w}");
        }
        eprintln!("analyze: no input could be read");
    }
    code
}

/// Rule files to lint: folders expand to their *.yaml files.
fn lint_inputs(paths: &[PathBuf]) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    for p in paths {
        let list = if p.is_dir() {
            yaml_files(p)?
        } else {
            vec![p.clone()]
        };
        for f in list {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            files.push((f.display().to_string(), text));
        }
    }
    Ok(files)
}

/// Lints files (or the embedded rules); returns the exit code after printing the problems.
pub fn run_lint(paths: &[PathBuf], allow_incomplete: bool) -> i32 {
    let files = if paths.is_empty() {
        embedded_files()
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    } else {
        match lint_inputs(paths) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("analyze rules lint: {e}");
                return EXIT_ERROR;
            }
        }
    };
    let known: BTreeSet<String> = embedded_files()
        .iter()
        .filter_map(|(n, _)| {
            Path::new(n)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    let report = lint(&files, &known, allow_incomplete);
    for p in &report.problems {
        println!("{p}");
    }
    for f in &report.incomplete {
        println!("{f}: note: no `when`/`items` yet (not checked further)");
    }
    println!(
        "{} file(s) checked, {} problem(s), {} incomplete",
        report.checked,
        report.problems.len(),
        report.incomplete.len()
    );
    if report.problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_WARNING
    }
}

fn run_list(rules: Option<&Path>, lang: Lang) -> i32 {
    let set = RuleSet::load(rules);
    for w in &set.warnings {
        eprintln!("warning: {w}");
    }
    let mut rules: Vec<_> = set.rules.iter().map(|r| &r.rule).collect();
    rules.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    for r in rules {
        println!(
            "{:<32} {:<8} {}",
            r.id,
            r.severity.as_str(),
            r.title.get(lang)
        );
    }
    EXIT_OK
}
