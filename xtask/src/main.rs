//! Developer tasks: `cargo xtask <task>`. Few dependencies on purpose: std, serde_json, the
//! workspace's own crates (layout paths; the clap commands the man pages are rendered from) and
//! clap_mangen.
//!
//! - `dist`: static-ish release builds of `collect` that run on glibc 2.17 nodes (CentOS 7), with
//!   the shell completions and man pages of `collect` and `analyze`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod bench;
mod dist;
mod docs;
mod eval;
mod fixtures;
mod gen_bundle;
mod gen_tree;
mod rules;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("dist") => dist::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("fixtures") => fixtures::run(&args[1..]),
        Some("new-rule") => rules::new_rule(&args[1..]),
        Some("bless") => rules::bless(&args[1..]),
        Some("eval") => eval::run(&args[1..]),
        Some("gen-bundle") => {
            gen_bundle::parse_args(&args[1..], workspace_root().join("target/bench"))
                .and_then(|o| gen_bundle::run(&o))
                .map(|tgz| println!("gen-bundle: wrote {}", tgz.display()))
        }
        Some("help") | Some("--help") | Some("-h") | None => {
            print_help();
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}` (try `cargo xtask help`)")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask <task>\n\n\
         tasks:\n  \
         dist    build `collect` for glibc 2.17 (x86_64; aarch64 when its target is installed)\n          \
         into dist/, and fail if the binary needs a GLIBC symbol newer than 2.17; write\n          \
         dist/completions/{{collect,analyze}}.{{bash,zsh,fish}} and dist/man/{{collect,analyze}}.1\n  \
         gen-bundle [--size 64M] [--seed 42] [--hostname bench-node01] [--out target/bench]\n          \
         a realistic synthetic bundle (folder + .tgz), deterministic from the seed\n  \
         fixtures\n          \
         pack testdata/scenarios/<name>/ into testdata/bundles/<name>.tgz\n  \
         bench [--size 1G] [--files 20000] [--no-doc]\n          \
         analyze vs the gzip floor and a ripgrep baseline (bundles, and a tree of many small\n          \
         files); writes docs/performance.md\n  \
         new-rule ID [--signal TEXT]\n          \
         scaffold rules/ID.yaml, its fixtures and its catalog line (docs/adding-a-rule.md)\n  \
         bless\n          \
         rewrite every snapshot and generated doc the tests compare against\n  \
         eval [--no-write] [--half dev|test] [--rules DIR]\n          \
         score analyze on the real-world corpus (testdata/real/), both halves; writes\n          \
         docs/accuracy.md and testdata/real/RESULTS.tsv"
    );
}

/// The workspace root (the parent of xtask/).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Runs a command, failing with its command line when it cannot start or exits non-zero.
pub fn run_checked(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed: {status}"))
    }
}
