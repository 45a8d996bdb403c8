//! The command line: [`Cli`] as clap parses it (the run's flags, or a subcommand), and the
//! clap [`command`] itself, for the shell completions `collect completions SHELL` prints and
//! the man page `cargo xtask dist` renders from it.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Snapshot this Kubernetes node into one support bundle (kdiag-HOST-TIME.tgz).
#[derive(Debug, Parser)]
#[command(
    name = "collect",
    version,
    args_override_self = true,
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Sub>,
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
    /// Collect from these nodes over ssh instead of this one (`node01,root@10.0.0.12:2222`), into
    /// one case archive kdiag-case-TIME.tgz.
    #[arg(long, value_name = "LIST", help_heading = "Whole cluster")]
    pub nodes: Option<String>,
    /// The nodes from a file: one per line (`user@host:port`), then that node's own collect
    /// options (`--root DIR`, `--no-kubectl`, `--remote-dir DIR` for the folder used on it); `#`
    /// starts a comment.
    #[arg(long, value_name = "FILE", help_heading = "Whole cluster")]
    pub nodes_file: Option<PathBuf>,
    /// Nodes collected at the same time.
    #[arg(long, default_value_t = 8, help_heading = "Whole cluster")]
    pub parallel: usize,
    /// Deadline for the whole case (every node, copying and cleanup); default --deadline + 5m.
    #[arg(long, value_name = "DURATION", help_heading = "Whole cluster")]
    pub case_deadline: Option<String>,
    /// ssh configuration file (ssh -F); by default ssh reads the user's own and the system's.
    #[arg(long, value_name = "FILE", help_heading = "Whole cluster")]
    pub ssh_config: Option<PathBuf>,
    /// An ssh option (ssh -o), e.g. `--ssh-option ProxyJump=bastion`; repeatable.
    #[arg(long, value_name = "OPTION", help_heading = "Whole cluster")]
    pub ssh_option: Vec<String>,
    /// Time for ssh to connect and finish its handshake with a node.
    #[arg(
        long,
        default_value = "10s",
        value_name = "DURATION",
        help_heading = "Whole cluster"
    )]
    pub connect_timeout: String,
    /// Folder with collect-<arch>-linux-gnu binaries (as `cargo xtask dist` names them) for nodes
    /// of another architecture; by default this binary, or those files beside it.
    #[arg(long, value_name = "DIR", help_heading = "Whole cluster")]
    pub binaries: Option<PathBuf>,
}

/// Subcommands: none does a run; the run's flags go without one.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Sub {
    /// Print the completion script for SHELL on stdout (e.g. `collect completions bash >
    /// /etc/bash_completion.d/collect`).
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The clap command of `collect`: its flags, help texts and subcommands.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Writes the completion script of `collect` for `shell`.
pub fn write_completions(shell: Shell, out: &mut dyn Write) {
    // The three generators by name (not clap_complete::Shell), so the others are not linked in.
    use clap_complete::{generate, shells};
    let cmd = &mut command();
    match shell {
        Shell::Bash => generate(shells::Bash, cmd, "collect", out),
        Shell::Zsh => generate(shells::Zsh, cmd, "collect", out),
        Shell::Fish => generate(shells::Fish, cmd, "collect", out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn flags_run_and_completions_is_a_subcommand() {
        let cli = Cli::try_parse_from(["collect", "--out", "/tmp", "--no-kubectl"]).unwrap();
        assert_eq!(cli.command, None);
        assert!(cli.no_kubectl);
        let cli = Cli::try_parse_from(["collect", "completions", "zsh"]).unwrap();
        assert_eq!(cli.command, Some(Sub::Completions { shell: Shell::Zsh }));
        assert!(Cli::try_parse_from(["collect", "completions", "tcsh"]).is_err());
        assert!(Cli::try_parse_from(["collect", "--out", "/tmp", "completions", "bash"]).is_err());
        let cli = Cli::try_parse_from([
            "collect",
            "--nodes",
            "a,b",
            "--ssh-option",
            "Port=22",
            "--ssh-option",
            "User=x",
        ])
        .unwrap();
        assert_eq!(cli.nodes.as_deref(), Some("a,b"));
        assert_eq!(cli.ssh_option, ["Port=22", "User=x"]);
    }

    #[test]
    fn completions_name_the_flags() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            write_completions(shell, &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("max-file-size"), "{shell:?}: {text}");
            assert!(text.contains("completions"), "{shell:?}");
        }
    }
}
