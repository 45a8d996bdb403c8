//! `cargo xtask fixtures`: packs every scenario folder (testdata/scenarios/<name>/) into the
//! bundle a customer would attach, testdata/bundles/<name>.tgz, whose entries sit under the
//! contract's top folder `kdiag-<hostname>-<yyyymmddThhmmssZ>/`. Deterministic (sorted entries,
//! fixed mtime and owner, no gzip timestamp), so the files only change when a scenario does.
//! analyzer/tests/shipped_bundles.rs fails when a .tgz is stale.

use std::fs;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!("fixtures takes no arguments (got `{a}`)"));
    }
    let root = workspace_root();
    let scenarios = root.join("testdata/scenarios");
    let out = root.join("testdata/bundles");
    fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut names: Vec<String> = fs::read_dir(&scenarios)
        .map_err(|e| format!("{}: {e}", scenarios.display()))?
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in names {
        let manifest = scenarios.join(&name).join(kdiag_bundle::MANIFEST_PATH);
        let text =
            fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let m: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let host = m["hostname"].as_str().ok_or("manifest has no hostname")?;
        let at = m["collected_at"]
            .as_str()
            .ok_or("manifest has no collected_at")?;
        let compact: String = at.chars().filter(|c| *c != '-' && *c != ':').collect();
        // The contract's name (the host sanitized to one safe path component).
        let top = kdiag_bundle::bundle_name(host, &compact);
        let tgz = out.join(format!("{name}.tgz"));
        let sh = format!(
            "tar -cf - --sort=name --mtime='2026-11-22 08:30:00Z' --owner=0 --group=0 --numeric-owner \
             --transform 's,^{name},{top},' -C '{}' '{name}' | gzip -n -9 > '{}'",
            scenarios.display(),
            tgz.display()
        );
        let status = Command::new("bash")
            .args(["-o", "pipefail", "-c", &sh])
            .stdin(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("packing {name} failed: {status}"));
        }
        let size = fs::metadata(&tgz).map(|m| m.len()).unwrap_or(0);
        println!(
            "fixtures: {} ({} KiB, top folder {top})",
            tgz.display(),
            size / 1024
        );
    }
    Ok(())
}
