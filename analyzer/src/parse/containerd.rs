//! /etc/containerd/config.toml (the settings kdiag reads, by line: no full TOML parse) and
//! `crictl info` JSON.

use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerdConfig {
    /// `SystemdCgroup = true` (runc options, containerd >= 1.3) or `systemd_cgroup = true` (old cri plugin).
    pub systemd_cgroup: Option<(bool, usize)>,
    pub sandbox_image: Option<(String, usize)>,
    /// `disabled_plugins = ["cri"]`: the CRI plugin is off (kubelet cannot use this containerd).
    pub cri_disabled: Option<usize>,
}

pub fn config_toml(text: &str) -> ContainerdConfig {
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
}
