//! The validated [`Config`] of a run, from the plain [`Cli`] that clap fills in (no I/O beyond
//! checking that the folders exist) and the few environment variables the run depends on.

pub use crate::cli::Cli;
use crate::util::{parse_duration, parse_size};
use std::path::PathBuf;
use std::time::Duration;

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
    /// What kubectl would find by itself, from the environment.
    pub kubectl_env: KubectlEnv,
    /// The command line as given, for the manifest.
    pub args: Vec<String>,
}

/// The environment that decides whether kubectl finds a kubeconfig by itself. Read once, in
/// [`Config::from_cli`], so the run reads no environment variable and tests pass their own
/// instead of changing the test process's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubectlEnv {
    /// `$KUBECONFIG` is set.
    pub kubeconfig: bool,
    /// `$HOME` (kubectl's default is `$HOME/.kube/config`).
    pub home: Option<PathBuf>,
}

impl KubectlEnv {
    pub fn from_process() -> KubectlEnv {
        KubectlEnv {
            kubeconfig: std::env::var_os("KUBECONFIG").is_some(),
            home: std::env::var_os("HOME").map(PathBuf::from),
        }
    }
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
            kubectl_env: KubectlEnv::from_process(),
            args,
        })
    }
}

/// The case of `collect --nodes` / `--nodes-file`, validated; `None` for a run on this node.
pub fn fleet_from_cli(
    cli: &Cli,
    args: &[String],
) -> Result<Option<crate::fleet::FleetConfig>, String> {
    use crate::fleet::{ssh::Ssh, target, FleetConfig};
    let mut targets = match &cli.nodes {
        Some(list) => target::parse_list(list).map_err(|e| format!("--nodes: {e}"))?,
        None => Vec::new(),
    };
    if let Some(f) = &cli.nodes_file {
        let text =
            std::fs::read_to_string(f).map_err(|e| format!("--nodes-file {}: {e}", f.display()))?;
        targets.extend(
            target::parse_nodes_file(&text)
                .map_err(|e| format!("--nodes-file {}: {e}", f.display()))?,
        );
    }
    if cli.nodes.is_none() && cli.nodes_file.is_none() {
        return Ok(None);
    }
    if targets.is_empty() {
        return Err("--nodes/--nodes-file: no node given".into());
    }
    if cli.root != std::path::Path::new("/") {
        return Err(
            "--root is per node with --nodes: give it after the node in --nodes-file".into(),
        );
    }
    let node_deadline = parse_duration(&cli.deadline).map_err(|e| format!("--deadline: {e}"))?;
    let case_deadline = match &cli.case_deadline {
        Some(d) => parse_duration(d).map_err(|e| format!("--case-deadline: {e}"))?,
        None => node_deadline + Duration::from_secs(300),
    };
    if node_deadline.is_zero() || case_deadline.is_zero() {
        return Err("--deadline and --case-deadline must be more than 0s".into());
    }
    let connect =
        parse_duration(&cli.connect_timeout).map_err(|e| format!("--connect-timeout: {e}"))?;
    let min_free = parse_size(&cli.min_free).map_err(|e| format!("--min-free: {e}"))?;
    if !cli.out.is_dir() {
        return Err(format!("--out {}: not a folder", cli.out.display()));
    }
    if let Some(b) = cli.binaries.as_ref().filter(|b| !b.is_dir()) {
        return Err(format!("--binaries {}: not a folder", b.display()));
    }
    let mut collect_args = vec![
        format!("--since={}", cli.since),
        format!("--max-file-size={}", cli.max_file_size),
        format!("--max-total-size={}", cli.max_total_size),
        format!("--min-free={}", cli.min_free),
        format!("--jobs={}", cli.jobs),
    ];
    if cli.no_kubectl {
        collect_args.push("--no-kubectl".into());
    }
    Ok(Some(FleetConfig {
        targets,
        out: cli.out.clone(),
        parallel: cli.parallel.clamp(1, 64),
        case_deadline,
        node_deadline,
        ssh: Ssh {
            program: "ssh".into(),
            config: cli.ssh_config.clone(),
            options: cli.ssh_option.clone(),
            connect_timeout: connect.as_secs().max(1),
        },
        binaries: cli.binaries.clone(),
        collect_args,
        min_free,
        args: args.to_vec(),
        progress: crate::fleet::progress::stderr_is_tty(),
    }))
}
