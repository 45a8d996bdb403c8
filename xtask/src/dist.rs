//! `cargo xtask dist`: builds `collect` for old glibc (2.17, CentOS 7) with cargo-zigbuild and
//! checks the result with `objdump -T`; then the completions and man pages (`docs`).

use std::path::Path;
use std::process::Command;

use crate::{run_checked, workspace_root};

/// The newest glibc symbol version the collector may need.
const MAX_GLIBC: (u32, u32) = (2, 17);

const TARGETS: &[&str] = &["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!("dist takes no arguments (got `{a}`)"));
    }
    let root = workspace_root();
    if !has_zigbuild() {
        return Err(
            "cargo-zigbuild is not installed: `pip install cargo-zigbuild ziglang` \
                    (both are on PyPI) and retry"
                .into(),
        );
    }
    let installed = installed_targets();
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    let mut built = 0;
    for target in TARGETS {
        if !installed.iter().any(|t| t == target) {
            println!(
                "dist: skipping {target}: its Rust target is not installed here \
                 (`rustup target add {target}` where the network allows)"
            );
            continue;
        }
        let zig_target = format!("{target}.{}.{}", MAX_GLIBC.0, MAX_GLIBC.1);
        run_checked(
            Command::new("cargo")
                .current_dir(&root)
                .args([
                    "zigbuild",
                    "--release",
                    "-p",
                    "kdiag-collector",
                    "--bin",
                    "collect",
                ])
                .args(["--target", &zig_target]),
        )?;
        let bin = crate::docs::target_dir(&root)
            .join(target)
            .join("release")
            .join("collect");
        let newest = newest_glibc(&bin)?;
        match newest {
            Some(v) if v > MAX_GLIBC => {
                return Err(format!(
                    "{} needs GLIBC_{}.{}, newer than {}.{}: it would not start on CentOS 7",
                    bin.display(),
                    v.0,
                    v.1,
                    MAX_GLIBC.0,
                    MAX_GLIBC.1
                ))
            }
            _ => {}
        }
        let arch = target.split('-').next().unwrap_or(target);
        let out = dist.join(format!("collect-{arch}-linux-gnu"));
        std::fs::copy(&bin, &out).map_err(|e| format!("cannot copy to {}: {e}", out.display()))?;
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        match newest {
            Some(v) => println!(
                "dist: {} ({} KiB), newest glibc symbol GLIBC_{}.{} <= {}.{}",
                out.display(),
                size / 1024,
                v.0,
                v.1,
                MAX_GLIBC.0,
                MAX_GLIBC.1
            ),
            None => println!(
                "dist: {} ({} KiB), no glibc symbols",
                out.display(),
                size / 1024
            ),
        }
        built += 1;
    }
    if built == 0 {
        return Err("no target was built".into());
    }
    crate::docs::write(&root, &dist)
}

fn has_zigbuild() -> bool {
    Command::new("cargo-zigbuild")
        .arg("--help")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn installed_targets() -> Vec<String> {
    let from_rustup = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
        });
    // Without rustup, the host target is always there.
    from_rustup.unwrap_or_else(|| vec!["x86_64-unknown-linux-gnu".to_string()])
}

/// The newest `GLIBC_x.y` version named in the binary's dynamic symbol table, via `objdump -T`.
fn newest_glibc(bin: &Path) -> Result<Option<(u32, u32)>, String> {
    let out = Command::new("objdump")
        .arg("-T")
        .arg(bin)
        .output()
        .map_err(|e| format!("cannot run objdump (Debian package binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "objdump -T {} failed: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(parse_newest_glibc(&String::from_utf8_lossy(&out.stdout)))
}

/// Finds every `GLIBC_<major>.<minor>[.<patch>]` token and returns the highest (major, minor).
fn parse_newest_glibc(objdump: &str) -> Option<(u32, u32)> {
    let mut newest: Option<(u32, u32)> = None;
    for (i, _) in objdump.match_indices("GLIBC_") {
        let rest = &objdump[i + "GLIBC_".len()..];
        let ver: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = ver.split('.').filter_map(|p| p.parse::<u32>().ok());
        if let (Some(major), Some(minor)) = (parts.next(), parts.next()) {
            if newest.is_none_or(|n| (major, minor) > n) {
                newest = Some((major, minor));
            }
        }
    }
    newest
}

#[cfg(test)]
mod tests {
    use super::parse_newest_glibc;

    #[test]
    fn finds_the_newest_glibc_version() {
        let sample = "\
0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.2.5) memcpy
0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.14) memmove
0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.17) clock_gettime
0000000000000000  w   DF *UND*  0000000000000000 (GLIBC_PRIVATE) __x
";
        assert_eq!(parse_newest_glibc(sample), Some((2, 17)));
        let newer = format!("{sample}0000 DF *UND* 0 (GLIBC_2.34) __libc_start_main\n");
        assert_eq!(parse_newest_glibc(&newer), Some((2, 34)));
        assert_eq!(parse_newest_glibc("no symbols here"), None);
    }
}
