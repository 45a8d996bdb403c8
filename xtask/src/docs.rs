//! The shell completions and man pages `cargo xtask dist` ships beside the binaries:
//! dist/completions/{collect,analyze}.{bash,zsh,fish}, printed by the built binaries'
//! `completions SHELL` subcommands, and dist/man/{collect,analyze}.1, rendered with clap_mangen
//! from the same clap commands the binaries parse with (so neither can drift from the flags).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::CommandFactory;

use crate::run_checked;

const SHELLS: &[&str] = &["bash", "zsh", "fish"];

pub fn write(root: &Path, dist: &Path) -> Result<(), String> {
    // The host build of both binaries: completions do not depend on the profile or the target,
    // and `cargo test` has built these already.
    run_checked(Command::new("cargo").current_dir(root).args([
        "build",
        "-p",
        "kdiag-collector",
        "-p",
        "kdiag-analyzer",
        "--bins",
    ]))?;
    let bins = target_dir(root).join("debug");
    let comp = dist.join("completions");
    fs::create_dir_all(&comp).map_err(|e| format!("cannot create {}: {e}", comp.display()))?;
    let written = completions(&bins.join("collect"), "collect", &comp)?;
    println!("dist: {written}");
    // The analyzer's subcommand may not exist yet: its completions are optional.
    match completions(&bins.join("analyze"), "analyze", &comp) {
        Ok(written) => println!("dist: {written}"),
        Err(why) => println!(
            "dist: skipping the analyze completions (has this analyze a `completions` subcommand?): {why}"
        ),
    }
    let man = dist.join("man");
    fs::create_dir_all(&man).map_err(|e| format!("cannot create {}: {e}", man.display()))?;
    man_page(kdiag_collector::cli::command(), &man.join("collect.1"))?;
    man_page(kdiag_analyzer::cli::Cli::command(), &man.join("analyze.1"))?;
    Ok(())
}

/// Runs `BIN completions SHELL` for every shell into DIR/NAME.SHELL; all or none are written.
fn completions(bin: &Path, name: &str, dir: &Path) -> Result<String, String> {
    let mut scripts = Vec::new();
    for shell in SHELLS {
        let out = Command::new(bin)
            .args(["completions", shell])
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        if !out.status.success() || out.stdout.is_empty() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "`{name} completions {shell}` failed ({}): {}",
                out.status,
                err.lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no output")
            ));
        }
        scripts.push((dir.join(format!("{name}.{shell}")), out.stdout));
    }
    let mut shown = Vec::new();
    for (path, text) in scripts {
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        shown.push(path.display().to_string());
    }
    Ok(shown.join(", "))
}

fn man_page(cmd: clap::Command, path: &Path) -> Result<(), String> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut roff)
        .map_err(|e| format!("cannot render {}: {e}", path.display()))?;
    fs::write(path, roff).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("dist: {}", path.display());
    Ok(())
}

/// Where cargo puts its builds: CARGO_TARGET_DIR when set, else the workspace's target/.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => root.join(d),
        None => root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_render_both_commands() {
        let dir = std::env::temp_dir().join(format!("kdiag-man-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        man_page(kdiag_collector::cli::command(), &dir.join("collect.1")).unwrap();
        man_page(kdiag_analyzer::cli::Cli::command(), &dir.join("analyze.1")).unwrap();
        let collect = fs::read_to_string(dir.join("collect.1")).unwrap();
        assert!(collect.starts_with(".ie"), "{collect}");
        assert!(collect.contains("max\\-file\\-size"), "{collect}");
        assert!(fs::read_to_string(dir.join("analyze.1"))
            .unwrap()
            .contains(".TH analyze"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failing_completions_subcommand_is_an_error_and_writes_nothing() {
        let dir = std::env::temp_dir().join(format!("kdiag-comp-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let err = completions(Path::new("false"), "analyze", &dir).unwrap_err();
        assert!(err.contains("`analyze completions bash` failed"), "{err}");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
