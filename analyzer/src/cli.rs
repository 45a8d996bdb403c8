//! The `analyze` command line: `args::Cli` (parse only) -> [`Config::from_cli`] (validate, no
//! I/O) -> [`run`]: calls the pipeline or a subcommand, renders, picks the exit code.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::args::lang_of;
pub use crate::args::{Cli, ColorArg, Command, DiffArgs, Format, LangArg, RulesCommand, ServeArgs};
use crate::pipeline::{Case, Options};
use crate::render::{self, report, Renderer};
use crate::rules::load::embedded_files;
use crate::rules::{Lang, RuleSet, Severity};

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_WARNING: i32 = 1;
pub const EXIT_CRITICAL: i32 = 2;
pub const EXIT_NO_INPUT: i32 = 3;
/// Usage errors, lint problems, unwritable output.
pub const EXIT_ERROR: i32 = 4;

/// What to do, validated.
#[derive(Debug, Clone)]
pub enum Config {
    Analyze(AnalyzeConfig),
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
        slow: bool,
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
    Completions {
        shell: clap_complete::Shell,
    },
    Diff(DiffArgs),
    Serve(ServeArgs, bool),
}

/// An analysis: the pipeline's options and where its output goes.
#[derive(Debug, Clone)]
pub struct AnalyzeConfig {
    pub options: Options,
    pub format: Format,
    /// `--output FILE` (else stdout).
    pub output: Option<PathBuf>,
    /// `--out DIR`: the three reports.
    pub out: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    pub color: bool,
}

impl Config {
    pub fn from_cli(cli: Cli) -> Result<Config, String> {
        let rules = match cli.command {
            None => return analyze_config(cli),
            Some(Command::Secrets { paths }) => return Ok(Config::Secrets { paths }),
            Some(Command::Completions { shell }) => return Ok(Config::Completions { shell }),
            Some(Command::Diff(a)) => return Ok(Config::Diff(a)),
            Some(Command::Serve(a)) => return Ok(Config::Serve(a, false)),
            Some(Command::Shell(a)) => return Ok(Config::Serve(a, true)),
            Some(Command::Rules { command }) => command,
        };
        Ok(match rules {
            RulesCommand::Lint {
                paths,
                allow_incomplete,
            } => Config::Lint {
                paths,
                allow_incomplete,
            },
            RulesCommand::List { rules, lang } => Config::List {
                rules,
                lang: lang_of(lang),
            },
            RulesCommand::Regexes { rules, slow } => Config::Regexes { rules, slow },
            RulesCommand::Variants { count, out } => Config::Variants { count, out },
            RulesCommand::Doc { lang } => Config::Doc {
                lang: lang_of(lang),
            },
        })
    }
}

fn analyze_config(cli: Cli) -> Result<Config, String> {
    if cli.paths.is_empty() {
        return Err(
            "no PATH given: name a bundle, a bundle folder or a log file (see --help)".into(),
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
    let mut options = Options::new(cli.paths, lang_of(cli.lang));
    options.rules = cli.rules;
    options.input_format = cli.input_format;
    options.progress = std::io::stderr().is_terminal();
    options.report = cli.out.is_some() || matches!(cli.format, Format::Html | Format::Md);
    Ok(Config::Analyze(AnalyzeConfig {
        options,
        format: cli.format,
        output: cli.output,
        out: cli.out,
        templates: cli.templates,
        color,
    }))
}

/// Runs a validated config; returns the exit code.
pub fn run(config: Config) -> i32 {
    match config {
        Config::Analyze(c) => analyze(&c),
        Config::Lint {
            paths,
            allow_incomplete,
        } => crate::rules::tools::print_lint(&paths, allow_incomplete),
        Config::List { rules, lang } => crate::rules::tools::print_list(rules.as_deref(), lang),
        Config::Secrets { paths } => crate::secrets::run(&paths),
        Config::Diff(a) => {
            let format = match a.format {
                Format::Terminal => crate::diff::DiffFormat::Terminal,
                Format::Json => crate::diff::DiffFormat::Json,
                Format::Md => crate::diff::DiffFormat::Md,
                Format::Html => crate::diff::DiffFormat::Html,
            };
            crate::diff::run(a.old, a.new, format, a.output, lang_of(a.lang))
        }
        Config::Serve(a, shell) => serve(&a, shell),
        Config::Regexes { rules, slow } => {
            let set = RuleSet::load(rules.as_deref());
            for re in crate::rules::tools::regexes(&set, slow) {
                println!("{re}");
            }
            EXIT_OK
        }
        Config::Doc { lang } => {
            print!("{}", crate::rules::doc::render(lang));
            EXIT_OK
        }
        Config::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "analyze", &mut std::io::stdout());
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
                Err(e) => fail(format!("error: {e}")),
            }
        }
    }
}

fn serve(a: &ServeArgs, shell: bool) -> i32 {
    let served = crate::serve::run(&a.paths, &a.listen, shell, a.log_requests);
    served.map_or_else(fail, |()| EXIT_OK)
}

fn fail(message: String) -> i32 {
    eprintln!("analyze: {message}");
    EXIT_ERROR
}

/// The exit code of an analysis: by the worst finding, 3 when no input was understood.
pub fn exit_code(case: &Case) -> i32 {
    if case.nodes_read == 0 {
        return EXIT_NO_INPUT;
    }
    match case.worst() {
        Some(Severity::Critical) => EXIT_CRITICAL,
        Some(Severity::Warning) => EXIT_WARNING,
        _ => EXIT_OK,
    }
}

fn stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush())
}

fn analyze(c: &AnalyzeConfig) -> i32 {
    for target in c.out.iter().chain(&c.output) {
        if let Err(e) = render::check_outside_bundles(target, &c.options.paths) {
            return fail(e);
        }
    }
    let case = Case::analyze(&c.options);
    let code = exit_code(&case);
    let (doc, data) = (&case.document, &case.report_data);
    if code == EXIT_NO_INPUT && c.out.is_some() {
        no_input(&case);
        return code;
    }
    let templates = c.templates.as_deref();
    let bytes = if let Some(dir) = &c.out {
        let written = match render::write_reports(dir, doc, data, templates) {
            Ok(w) => w,
            Err(e) => return fail(e),
        };
        let summary = render::Terminal { color: c.color }.render(doc, data);
        summary.map(|mut buf| {
            let label = if c.options.lang == Lang::Zh {
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
            buf
        })
    } else {
        let renderer: Box<dyn Renderer> = match c.format {
            Format::Json => Box::new(render::Json),
            Format::Terminal => Box::new(render::Terminal { color: c.color }),
            Format::Html => Box::new(render::Report {
                kind: report::Kind::Html,
                templates,
            }),
            Format::Md => Box::new(render::Report {
                kind: report::Kind::Markdown,
                templates,
            }),
        };
        renderer.render(doc, data)
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let to = match (&c.out, &c.output) {
        (None, Some(p)) => std::fs::write(p, &bytes).map_err(|e| (p.display().to_string(), e)),
        _ => stdout(&bytes).map_err(|e| ("stdout".to_string(), e)),
    };
    if let Err((to, e)) = to {
        return fail(format!("cannot write {to}: {e}"));
    }
    if code == EXIT_NO_INPUT {
        no_input(&case);
    }
    code
}

fn no_input(case: &Case) {
    for w in &case.document.warnings {
        eprintln!("analyze: {w}");
    }
    eprintln!("analyze: no input could be read");
}
