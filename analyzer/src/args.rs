//! The `analyze` command line as clap parses it: plain data, no validation, no I/O (that is
//! `cli::Config::from_cli`).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::rules::Lang;

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
    /// Read every input as this other tool's archive instead of recognising it by its entries:
    /// sosreport, troubleshoot, cluster-info-dump, must-gather, rancher, eks.
    #[arg(long, value_name = "NAME", value_parser = input_format)]
    pub input_format: Option<crate::input::foreign::Format>,
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
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Compare two bundles of one node, OLD then NEW: findings that appeared, were cleared or
    /// stayed, and the configuration that changed (both values and their bundle paths). Exit code
    /// as analyze's, for the findings that appeared.
    Diff(DiffArgs),
    /// Re-scan bundles (or files) for anything that looks like a secret, with the collector's
    /// own detector; prints path:line, kind and a masked form. Exit 1 when something was found.
    Secrets {
        /// Bundles (.tgz, .tar, .zip), bundle folders or loose text files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Serve the bundles' cluster objects and pod logs as a read-only Kubernetes API, for
    /// kubectl: prints `export KUBECONFIG=...` and serves until interrupted.
    Serve(ServeArgs),
    /// Like serve, then start $SHELL with KUBECONFIG set; the server stops when the shell exits.
    Shell(ServeArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Bundles of one case (.tgz, .tar, .zip, folders, or other tools' archives): cluster
    /// objects from the newest that has them, pod logs from all.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Address to listen on (a free port with :0). Beyond loopback, requests need the token
    /// written into the kubeconfig's server URL.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:0")]
    pub listen: String,
    /// Print every request and its status to stderr.
    #[arg(long)]
    pub log_requests: bool,
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
        /// Only those with no required literal (run on every line the rule reads), as `id<TAB>regex`.
        #[arg(long)]
        slow: bool,
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

/// The language asked for, else the locale's (zh when LC_ALL/LC_MESSAGES/LANG starts with zh).
pub fn lang_of(arg: Option<LangArg>) -> Lang {
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

fn input_format(s: &str) -> Result<crate::input::foreign::Format, String> {
    crate::input::foreign::Format::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = crate::input::foreign::Format::ALL
            .iter()
            .map(|f| f.name())
            .collect();
        format!("unknown input format `{s}` (known: {})", names.join(", "))
    })
}
