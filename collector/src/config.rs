//! Command line: a plain [`Cli`] that clap fills in, then a validated [`Config`].

use crate::util::{parse_duration, parse_size};
use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

/// Snapshot this Kubernetes node into one support bundle (kdiag-HOST-TIME.tgz).
#[derive(Debug, Parser)]
#[command(name = "collect", version, args_override_self = true)]
pub struct Cli {
    /// Folder the bundle is written to.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// How far back journals and logs go (e.g. 6h, 24h, 2d).
    #[arg(long, default_value = "24h")]
    pub since: String,
    /// Deadline for the whole run; items not started by then are recorded as skipped.
    #[arg(long, default_value = "120s")]
    pub deadline: String,
    /// Read files (not commands) under this folder instead of / (tests, chroots, mounted disks).
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// Cap for one item; longer output keeps its newest lines.
    #[arg(long, default_value = "64M")]
    pub max_file_size: String,
    /// Cap for all items together (uncompressed).
    #[arg(long, default_value = "512M")]
    pub max_total_size: String,
    /// Refuse to start when the output filesystem has less free space than this; during the run,
    /// an item stops growing when free space falls under half of it.
    #[arg(long, default_value = "256M")]
    pub min_free: String,
    /// Commands run at the same time.
    #[arg(long, default_value_t = 4)]
    pub jobs: usize,
    /// Do not run kubectl at all.
    #[arg(long)]
    pub no_kubectl: bool,
}

/// Everything a run needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub out: PathBuf,
    pub since: Duration,
    pub deadline: Duration,
    pub root: PathBuf,
    pub max_file: u64,
    pub max_total: u64,
    pub min_free: u64,
    pub jobs: usize,
    pub no_kubectl: bool,
    /// The command line as given, for the manifest.
    pub args: Vec<String>,
}

impl Config {
    pub fn from_cli(cli: Cli, args: Vec<String>) -> Result<Config, String> {
        let since = parse_duration(&cli.since).map_err(|e| format!("--since: {e}"))?;
        let deadline = parse_duration(&cli.deadline).map_err(|e| format!("--deadline: {e}"))?;
        if deadline.is_zero() {
            return Err("--deadline must be more than 0s".into());
        }
        let max_file =
            parse_size(&cli.max_file_size).map_err(|e| format!("--max-file-size: {e}"))?;
        let max_total =
            parse_size(&cli.max_total_size).map_err(|e| format!("--max-total-size: {e}"))?;
        let min_free = parse_size(&cli.min_free).map_err(|e| format!("--min-free: {e}"))?;
        if max_file == 0 || max_total == 0 {
            return Err("--max-file-size and --max-total-size must be more than 0".into());
        }
        if !cli.out.is_dir() {
            return Err(format!("--out {}: not a folder", cli.out.display()));
        }
        if !cli.root.is_dir() {
            return Err(format!("--root {}: not a folder", cli.root.display()));
        }
        Ok(Config {
            out: cli.out,
            since,
            deadline,
            root: cli.root,
            max_file,
            max_total,
            min_free,
            jobs: cli.jobs.clamp(1, 16),
            no_kubectl: cli.no_kubectl,
            args,
        })
    }
}
