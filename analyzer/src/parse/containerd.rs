//! /etc/containerd/config.toml (parsed as TOML with `toml_edit`, which keeps each key's span, so
//! every setting keeps its line) and `crictl info` JSON.
//!
//! Which table containerd reads depends on the file's `version`:
//! - 3 (containerd 2.x): `plugins."io.containerd.cri.v1.runtime"` (runtimes, SystemdCgroup) and
//!   `plugins."io.containerd.cri.v1.images".pinned_images.sandbox`.
//! - 2 (containerd 1.x, migrated by 2.x): `plugins."io.containerd.grpc.v1.cri"` (runtimes,
//!   `sandbox_image`, the legacy `systemd_cgroup`).
//! - 1 (no `version` key): plugins by short id, `plugins.cri`; containerd 1.x ignores a full-URI
//!   table in such a file.
//!
//! `SystemdCgroup` counts in the options of the default runtime (`default_runtime_name`, runc
//! unless set; the deprecated `default_runtime` table before version 3). Keys are matched as
//! containerd's TOML decoder matches struct fields: case-insensitively (kubespray writes
//! `systemdCgroup`). One found anywhere containerd does not read it is kept apart as ignored.

use serde_json::Value;
use toml_edit::{Document, Item, TableLike};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerdConfig {
    /// `SystemdCgroup` of the default runtime's options, else the legacy `systemd_cgroup` of the
    /// cri plugin (version 1 and 2 only): (value, line).
    pub systemd_cgroup: Option<(bool, usize)>,
    /// `sandbox_image` (versions 1, 2) or `pinned_images.sandbox` (version 3): (image, line).
    pub sandbox_image: Option<(String, usize)>,
    /// `disabled_plugins` names the CRI plugin (`cri`, `io.containerd.grpc.v1.cri`, or 2.x's
    /// `io.containerd.cri.v1.runtime`/`images`): kubelet cannot use this containerd. Its line.
    pub cri_disabled: Option<usize>,
    /// The `version` key (1 when absent, as containerd reads it), None when the text is not TOML.
    pub version: Option<i64>,
    /// The runtime whose options count (`default_runtime_name`, else runc).
    pub default_runtime: Option<String>,
    /// A `SystemdCgroup`/`systemd_cgroup` key containerd does not read: (its dotted key path,
    /// value, line). The first one in the file.
    pub systemd_cgroup_ignored: Option<(String, bool, usize)>,
    /// The text is not valid TOML (containerd refuses to start): (message, line). The other
    /// fields were then read line by line, without tables.
    pub parse_error: Option<(String, usize)>,
    /// The CRI registry table's `config_path` (the hosts.toml directory, `/etc/containerd/certs.d`),
    /// when set: (path, line).
    pub registry_config_path: Option<(String, usize)>,
    /// The registries the CRI registry table names (`mirrors."HOST"`, `configs."HOST"`), in file order.
    pub registry_hosts: Vec<RegistryHost>,
}

/// One registry host of the CRI plugin's `registry` table (versions 1 and 2; 3 keeps the table
/// under `io.containerd.cri.v1.images`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryHost {
    pub host: String,
    /// `mirrors."HOST".endpoint`, in order (`http://...` makes containerd speak plain HTTP).
    pub endpoints: Vec<String>,
    /// `configs."HOST".tls.insecure_skip_verify`: TLS without verifying the certificate (not HTTP).
    pub insecure_skip_verify: bool,
    /// The line of its first setting.
    pub line: usize,
}

/// Plugin ids whose being disabled leaves no CRI service.
const CRI_IDS: [&str; 4] = [
    "cri",
    "io.containerd.grpc.v1.cri",
    "io.containerd.cri.v1.runtime",
    "io.containerd.cri.v1.images",
];

pub fn config_toml(text: &str) -> ContainerdConfig {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match Document::parse(text) {
        Ok(doc) => from_doc(text, doc.as_table()),
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            let mut c = config_lines(text);
            c.parse_error = Some((e.message().trim().to_string(), line));
            c
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line of a key (its span), else of its value.
fn key_line(text: &str, t: &dyn TableLike, key: &str) -> Option<usize> {
    let (k, v) = t.get_key_value(key)?;
    let span = k.span().or_else(|| v.span())?;
    Some(line_of(text, span.start))
}

fn table<'a>(t: &'a dyn TableLike, path: &[&str]) -> Option<&'a dyn TableLike> {
    path.iter()
        .try_fold(t, |t, k| t.get(k).and_then(Item::as_table_like))
}

/// The key of `t` equal to `name` ignoring ASCII case (containerd's decoders match so).
fn key_nocase<'a>(t: &'a dyn TableLike, name: &str) -> Option<&'a str> {
    t.iter()
        .map(|(k, _)| k)
        .find(|k| k.eq_ignore_ascii_case(name))
}

fn from_doc(text: &str, root: &dyn TableLike) -> ContainerdConfig {
    let mut c = ContainerdConfig::default();
    let version = root
        .get("version")
        .and_then(Item::as_integer)
        .filter(|v| *v > 0)
        .unwrap_or(1);
    c.version = Some(version);
    let (runtime_id, images_id) = match version {
        1 => ("cri", "cri"),
        2 => ("io.containerd.grpc.v1.cri", "io.containerd.grpc.v1.cri"),
        _ => (
            "io.containerd.cri.v1.runtime",
            "io.containerd.cri.v1.images",
        ),
    };
    let plugins = table(root, &["plugins"]);
    let cri = plugins.and_then(|p| table(p, &[runtime_id]));
    let ctd = cri.and_then(|t| table(t, &["containerd"]));

    // The default runtime's options table.
    let legacy_default = ctd
        .filter(|_| version < 3)
        .and_then(|t| table(t, &["default_runtime"]))
        .filter(|t| {
            t.get("runtime_type")
                .and_then(Item::as_str)
                .is_some_and(|s| !s.is_empty())
        });
    let options = if let Some(d) = legacy_default {
        c.default_runtime = Some("default".into());
        table(d, &["options"])
    } else {
        let name = ctd
            .and_then(|t| t.get("default_runtime_name"))
            .and_then(Item::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("runc");
        c.default_runtime = Some(name.to_string());
        ctd.and_then(|t| table(t, &["runtimes", name, "options"]))
    };
    if let Some(o) = options {
        if let Some(k) = key_nocase(o, "SystemdCgroup") {
            if let (Some(b), Some(l)) = (o.get(k).and_then(Item::as_bool), key_line(text, o, k)) {
                c.systemd_cgroup = Some((b, l));
            }
        }
    }
    if c.systemd_cgroup.is_none() && version < 3 {
        if let Some(t) = cri {
            if let (Some(b), Some(l)) = (
                t.get("systemd_cgroup").and_then(Item::as_bool),
                key_line(text, t, "systemd_cgroup"),
            ) {
                c.systemd_cgroup = Some((b, l));
            }
        }
    }

    let (sandbox_table, sandbox_key) = if version < 3 {
        (cri, "sandbox_image")
    } else {
        (
            plugins.and_then(|p| table(p, &[images_id, "pinned_images"])),
            "sandbox",
        )
    };
    if let Some(t) = sandbox_table {
        if let (Some(s), Some(l)) = (
            t.get(sandbox_key).and_then(Item::as_str),
            key_line(text, t, sandbox_key),
        ) {
            c.sandbox_image = Some((s.to_string(), l));
        }
    }

    if let Some(list) = root.get("disabled_plugins").and_then(Item::as_array) {
        if let Some(v) = list
            .iter()
            .find(|v| v.as_str().is_some_and(|s| CRI_IDS.contains(&s)))
        {
            c.cri_disabled = v
                .span()
                .map(|s| line_of(text, s.start))
                .or_else(|| key_line(text, root, "disabled_plugins"));
        }
    }

    if let Some(reg) = plugins.and_then(|p| table(p, &[images_id, "registry"])) {
        registry(text, reg, &mut c);
    }

    let mut found = Vec::new();
    systemd_keys(text, root, &mut Vec::new(), &mut found);
    let read = |path: &[String]| -> bool {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let key = p[p.len() - 1];
        match p[..p.len() - 1] {
            // Any runtime's options are read (for that runtime).
            ["plugins", id, "containerd", "runtimes", _, "options"]
            | ["plugins", id, "containerd", "default_runtime", "options"] => {
                id == runtime_id
                    && key.eq_ignore_ascii_case("SystemdCgroup")
                    && (version < 3 || p[3] == "runtimes")
            }
            ["plugins", id] => id == runtime_id && key == "systemd_cgroup" && version < 3,
            _ => false,
        }
    };
    c.systemd_cgroup_ignored = found
        .into_iter()
        .filter(|(path, _, _)| !read(path))
        .min_by_key(|(_, _, line)| *line)
        .map(|(path, b, line)| (dotted(&path), b, line));
    c
}

/// The CRI `registry` table: `config_path`, `mirrors."HOST".endpoint`, and
/// `configs."HOST".tls.insecure_skip_verify`.
fn registry(text: &str, reg: &dyn TableLike, c: &mut ContainerdConfig) {
    if let (Some(s), Some(l)) = (
        reg.get("config_path").and_then(Item::as_str),
        key_line(text, reg, "config_path"),
    ) {
        if !s.is_empty() {
            c.registry_config_path = Some((s.to_string(), l));
        }
    }
    let mut hosts: Vec<RegistryHost> = Vec::new();
    let entry = |hosts: &mut Vec<RegistryHost>, host: &str, line: usize| -> usize {
        match hosts.iter().position(|h| h.host == host) {
            Some(i) => i,
            None => {
                hosts.push(RegistryHost {
                    host: host.to_string(),
                    line,
                    ..Default::default()
                });
                hosts.len() - 1
            }
        }
    };
    for (host, item) in table(reg, &["mirrors"]).map_or_else(Vec::new, |m| m.iter().collect()) {
        let Some(t) = item.as_table_like() else {
            continue;
        };
        let Some(line) = key_line(text, t, "endpoint") else {
            continue;
        };
        let i = entry(&mut hosts, host, line);
        hosts[i].endpoints = t
            .get("endpoint")
            .and_then(Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
    }
    for (host, item) in table(reg, &["configs"]).map_or_else(Vec::new, |m| m.iter().collect()) {
        let Some(tls) = item.as_table_like().and_then(|t| table(t, &["tls"])) else {
            continue;
        };
        if tls.get("insecure_skip_verify").and_then(Item::as_bool) == Some(true) {
            let Some(line) = key_line(text, tls, "insecure_skip_verify") else {
                continue;
            };
            let i = entry(&mut hosts, host, line);
            hosts[i].insecure_skip_verify = true;
        }
    }
    c.registry_hosts = hosts;
}

/// Every boolean `SystemdCgroup`/`systemd_cgroup` key (any case) in the document, with its path.
fn systemd_keys(
    text: &str,
    t: &dyn TableLike,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, bool, usize)>,
) {
    for (k, item) in t.iter() {
        path.push(k.to_string());
        if let Some(sub) = item.as_table_like() {
            systemd_keys(text, sub, path, out);
        } else if k.eq_ignore_ascii_case("SystemdCgroup")
            || k.eq_ignore_ascii_case("systemd_cgroup")
        {
            if let (Some(b), Some(l)) = (item.as_bool(), key_line(text, t, k)) {
                out.push((path.clone(), b, l));
            }
        }
        path.pop();
    }
}

/// A key path as TOML writes it: `plugins."io.containerd.grpc.v1.cri".containerd`.
fn dotted(path: &[String]) -> String {
    path.iter()
        .map(|k| {
            if !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                k.clone()
            } else {
                format!("{k:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The settings read line by line, without tables: what is left when the text is not TOML.
fn config_lines(text: &str) -> ContainerdConfig {
    let mut c = ContainerdConfig::default();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('#') {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let v = v.split('#').next().unwrap_or("").trim();
        match k.trim() {
            "SystemdCgroup" | "systemd_cgroup" => {
                if let Ok(b) = v.parse::<bool>() {
                    // The runc option wins over the legacy key when both appear.
                    if k.trim() == "SystemdCgroup" || c.systemd_cgroup.is_none() {
                        c.systemd_cgroup = Some((b, i + 1));
                    }
                }
            }
            "sandbox_image" => {
                c.sandbox_image = Some((v.trim_matches(['"', '\'']).to_string(), i + 1))
            }
            "disabled_plugins" if v.contains("\"cri\"") || v.contains("'cri'") => {
                c.cri_disabled = Some(i + 1)
            }
            _ => {}
        }
    }
    c
}

/// From `crictl info`: (SystemdCgroup of the default runtime, sandbox image).
pub fn cri_info(v: &Value) -> (Option<bool>, Option<String>) {
    let cfg = v.get("config");
    let sandbox = cfg
        .and_then(|c| c.get("sandboxImage"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let runtimes = cfg.and_then(|c| c.pointer("/containerd/runtimes"));
    let default = cfg
        .and_then(|c| c.pointer("/containerd/defaultRuntimeName"))
        .and_then(Value::as_str)
        .unwrap_or("runc");
    let systemd = runtimes
        .and_then(|r| r.get(default))
        .and_then(|r| r.pointer("/options/SystemdCgroup"))
        .and_then(Value::as_bool)
        .or_else(|| {
            cfg.and_then(|c| c.get("systemdCgroup"))
                .and_then(Value::as_bool)
        });
    (systemd, sandbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_mirrors_configs_and_config_path() {
        let t = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"192.168.1.10:5000\"]\n  endpoint = [\"http://192.168.1.10:5000\"]\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"harbor.local\".tls]\n  insecure_skip_verify = true\n";
        let c = config_toml(t);
        assert_eq!(
            c.registry_config_path, None,
            "an empty config_path is unset"
        );
        assert_eq!(
            c.registry_hosts,
            vec![
                RegistryHost {
                    host: "192.168.1.10:5000".into(),
                    endpoints: vec!["http://192.168.1.10:5000".into()],
                    insecure_skip_verify: false,
                    line: 5,
                },
                RegistryHost {
                    host: "harbor.local".into(),
                    endpoints: vec![],
                    insecure_skip_verify: true,
                    line: 7,
                },
            ]
        );
        // version 3 keeps the table under the images plugin; a version 1 table name is not read there
        let t = "version = 3\n[plugins.\"io.containerd.cri.v1.images\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"x:5000\"]\n  endpoint = [\"http://x:5000\"]\n";
        let c = config_toml(t);
        assert_eq!(
            c.registry_config_path,
            Some(("/etc/containerd/certs.d".into(), 3))
        );
        assert!(c.registry_hosts.is_empty());
    }

    /// A file of testdata/containerd/ (its README says where each text comes from).
    fn fixture(name: &str) -> String {
        let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/containerd/");
        std::fs::read_to_string(format!("{p}{name}")).unwrap()
    }

    #[test]
    fn config() {
        let t = "version = 2\n[plugins]\n  [plugins.\"io.containerd.grpc.v1.cri\"]\n    sandbox_image = \"registry.k8s.io/pause:3.6\"\n    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n      # SystemdCgroup = false\n      SystemdCgroup = true\n";
        let c = config_toml(t);
        assert_eq!(c.systemd_cgroup, Some((true, 7)));
        assert_eq!(
            c.sandbox_image,
            Some(("registry.k8s.io/pause:3.6".into(), 4))
        );
        let old = "disabled_plugins = [\"cri\"]\n";
        assert_eq!(config_toml(old).cri_disabled, Some(1));
        let info: Value = serde_json::from_str(r#"{"config":{"containerd":{"defaultRuntimeName":"runc","runtimes":{"runc":{"options":{"SystemdCgroup":false}}}},"sandboxImage":"registry.k8s.io/pause:3.8"}}"#).unwrap();
        assert_eq!(
            cri_info(&info),
            (Some(false), Some("registry.k8s.io/pause:3.8".into()))
        );
    }

    /// `containerd config default` of containerd 1.6.20 (Debian 12's package), version 2: the runc
    /// options' `SystemdCgroup = false` (line 125) wins over the legacy `systemd_cgroup` (line 67).
    #[test]
    fn default_1_6() {
        let c = config_toml(&fixture("default-1.6.toml"));
        assert_eq!(c.version, Some(2));
        assert_eq!(c.parse_error, None);
        assert_eq!(c.default_runtime.as_deref(), Some("runc"));
        assert_eq!(c.systemd_cgroup, Some((false, 125)));
        assert_eq!(
            c.sandbox_image,
            Some(("registry.k8s.io/pause:3.6".into(), 61))
        );
        assert_eq!(c.cri_disabled, None);
        assert_eq!(c.systemd_cgroup_ignored, None);
        // The usual edit: SystemdCgroup flipped with sed.
        let on =
            fixture("default-1.6.toml").replace("SystemdCgroup = false", "SystemdCgroup = true");
        assert_eq!(config_toml(&on).systemd_cgroup, Some((true, 125)));
    }

    /// containerd 2.1's full configuration (docs/cri/config.md at v2.1.0), version 3: the sandbox
    /// image is `pinned_images.sandbox`, and 2.1 writes no SystemdCgroup at all.
    #[test]
    fn default_2_1() {
        let t = fixture("default-2.1.toml");
        let c = config_toml(&t);
        assert_eq!(c.version, Some(3));
        assert_eq!(c.parse_error, None);
        assert_eq!(c.systemd_cgroup, None);
        assert_eq!(
            c.sandbox_image,
            Some(("registry.k8s.io/pause:3.10".into(), 22))
        );
        assert_eq!(c.systemd_cgroup_ignored, None);
        // SystemdCgroup added where containerd 2.x reads it (its docs' "Cgroup Driver" section).
        let on = t.replace(
            "            ShimCgroup = ''\n",
            "            ShimCgroup = ''\n            SystemdCgroup = true\n",
        );
        assert_eq!(config_toml(&on).systemd_cgroup, Some((true, 80)));
        // A 1.x (version 2) table in a version 3 file is not read.
        let v2 = "version = 3\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"registry.k8s.io/pause:3.9\"\n";
        let c = config_toml(v2);
        assert_eq!((c.systemd_cgroup, c.sandbox_image), (None, None));
        assert_eq!(
            c.systemd_cgroup_ignored,
            Some((
                "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options.SystemdCgroup"
                    .into(),
                true,
                3
            ))
        );
    }

    /// geerlingguy/ansible-role-containerd issue 24 (containerd 2.2.1): `SystemdCgroup = true`
    /// appended at the bottom of the 2.x default lands in its last table, which containerd ignores.
    #[test]
    fn misplaced_at_the_bottom() {
        let c = config_toml(&fixture("misplaced-2.x-bottom.toml"));
        assert_eq!(c.systemd_cgroup, None);
        assert_eq!(
            c.systemd_cgroup_ignored,
            Some((
                "plugins.\"io.containerd.grpc.v1.cri\".x509_key_pair_streaming.SystemdCgroup"
                    .into(),
                true,
                102
            ))
        );
        // The old line reading took it as set.
        assert_eq!(
            config_lines(&fixture("misplaced-2.x-bottom.toml")).systemd_cgroup,
            Some((true, 102))
        );
    }

    /// containerd issue 4203: `systemd_cgroup = true` among the runc options is not an option
    /// (crictl info showed empty options).
    #[test]
    fn misplaced_snake_case_option() {
        let c = config_toml(&fixture("misplaced-4203.toml"));
        assert_eq!(c.systemd_cgroup, None);
        let (key, b, line) = c.systemd_cgroup_ignored.unwrap();
        assert!(
            key.ends_with("runtimes.runc.options.systemd_cgroup"),
            "{key}"
        );
        assert_eq!((b, line), (true, 3));
    }

    /// Not TOML (a table defined twice): containerd refuses to start; the error is kept and the
    /// settings are read line by line.
    #[test]
    fn invalid_toml_falls_back_to_lines() {
        let c = config_toml(&fixture("duplicate-table-1.6.toml"));
        let (msg, line) = c.parse_error.clone().unwrap();
        assert_eq!(line, 243, "{msg}");
        assert_eq!(c.version, None);
        assert_eq!(c.systemd_cgroup, Some((true, 244)));
        assert_eq!(
            c.sandbox_image,
            Some(("registry.k8s.io/pause:3.6".into(), 61))
        );
    }

    /// kubespray's template writes `systemdCgroup` (containerd matches option keys ignoring case).
    #[test]
    fn kubespray() {
        let c = config_toml(&fixture("kubespray.toml"));
        assert_eq!(c.version, Some(2));
        assert_eq!(c.systemd_cgroup, Some((true, 34)));
        assert_eq!(
            c.sandbox_image,
            Some(("registry.k8s.io/pause:3.9".into(), 19))
        );
        assert_eq!(c.systemd_cgroup_ignored, None);
    }

    /// k3s's template: runc's options set it; another runtime's options table is not "ignored".
    #[test]
    fn k3s() {
        let c = config_toml(&fixture("k3s.toml"));
        assert_eq!(c.systemd_cgroup, Some((true, 29)));
        assert_eq!(
            c.sandbox_image,
            Some(("rancher/mirrored-pause:3.6".into(), 13))
        );
        assert_eq!(c.systemd_cgroup_ignored, None);
        let other = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  default_runtime_name = \"crun\"\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.crun.options]\n  SystemdCgroup = true\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = false\n";
        let c = config_toml(other);
        assert_eq!(c.default_runtime.as_deref(), Some("crun"));
        assert_eq!(
            (c.systemd_cgroup, c.systemd_cgroup_ignored),
            (Some((true, 5)), None)
        );
    }

    /// Version 1 (no version key): `[plugins.cri]` (k3d's old k3s template, the Kubernetes docs'
    /// `plugins.cri.systemd_cgroup = true` of kubernetes/website PR 22857); a full-URI table is
    /// not read by containerd 1.x in such a file.
    #[test]
    fn version_1() {
        let c = config_toml(&fixture("k3d-v1.toml"));
        assert_eq!(c.version, Some(1));
        assert_eq!(
            c.sandbox_image,
            Some(("docker.io/rancher/pause:3.1".into(), 6))
        );
        assert_eq!(c.systemd_cgroup, None);
        let docs = "[plugins.cri]\nsystemd_cgroup = true\n";
        assert_eq!(config_toml(docs).systemd_cgroup, Some((true, 2)));
        let uri = "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n";
        let c = config_toml(uri);
        assert_eq!(c.systemd_cgroup, None);
        assert_eq!(c.systemd_cgroup_ignored.map(|x| x.2), Some(2));
    }

    /// disabled_plugins by any of the CRI ids, on the element's own line.
    #[test]
    fn cri_disabled() {
        let t = "version = 2\ndisabled_plugins = [\n  \"io.containerd.internal.v1.tracing\",\n  \"io.containerd.grpc.v1.cri\",\n]\n";
        assert_eq!(config_toml(t).cri_disabled, Some(4));
        let t = "version = 3\ndisabled_plugins = ['io.containerd.cri.v1.images']\n";
        assert_eq!(config_toml(t).cri_disabled, Some(2));
        assert_eq!(
            config_toml("version = 2\ndisabled_plugins = []\n").cri_disabled,
            None
        );
    }
}
