//! Which collect binary goes to a node: chosen by the architecture its probe reported.

use std::path::{Path, PathBuf};

/// The collect binary for a node whose `uname -m` is `arch`: `collect-<arch>-linux-gnu` from
/// `--binaries`, this very binary when the architectures match, or that file beside it.
pub fn binary_for(arch: &str, binaries: Option<&Path>) -> Result<PathBuf, String> {
    let arch = match arch.trim() {
        "amd64" | "x86_64" => "x86_64",
        "arm64" | "aarch64" | "armv8l" => "aarch64",
        "" => return Err("the probe did not say the node's architecture (uname -m)".into()),
        other => other,
    };
    let name = format!("collect-{arch}-linux-gnu");
    if let Some(d) = binaries {
        let p = d.join(&name);
        if p.is_file() {
            return Ok(p);
        }
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    if arch == std::env::consts::ARCH {
        return Ok(exe);
    }
    let beside = exe.parent().map(|p| p.join(&name));
    if let Some(p) = beside.as_ref().filter(|p| p.is_file()) {
        return Ok(p.clone());
    }
    let mut looked: Vec<String> = binaries.iter().map(|d| d.display().to_string()).collect();
    looked.extend(
        beside
            .iter()
            .filter_map(|p| p.parent())
            .map(|p| p.display().to_string()),
    );
    Err(format!(
        "no collect binary for this node's architecture {arch}: looked for {name} in {}; put the release's {name} there or pass --binaries DIR",
        looked.join(" and ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn binaries_by_architecture() {
        let here = binary_for(std::env::consts::ARCH, None).unwrap();
        assert_eq!(here, std::env::current_exe().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let other = if std::env::consts::ARCH == "x86_64" {
            "aarch64"
        } else {
            "x86_64"
        };
        let e = binary_for(other, Some(dir.path())).unwrap_err();
        assert!(e.contains(&format!("collect-{other}-linux-gnu")), "{e}");
        assert!(e.contains(&dir.path().display().to_string()), "{e}");
        fs::write(dir.path().join(format!("collect-{other}-linux-gnu")), b"x").unwrap();
        assert_eq!(
            binary_for(
                if other == "aarch64" { "arm64" } else { "amd64" },
                Some(dir.path())
            )
            .unwrap(),
            dir.path().join(format!("collect-{other}-linux-gnu"))
        );
        assert!(binary_for("riscv64", Some(dir.path())).is_err());
        assert!(binary_for("", None).is_err());
    }
}
