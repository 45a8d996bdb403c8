//! The kubelet's flags and configuration in a paste, returned as the node/kubelet/ files the
//! collector would have written:
//! - its command line (a `ps` line, a typed command, a list of its flags, its `FLAG:` dump)
//!   -> cmdline.txt: read in [`super::kubelet_cmdline`], which also tells its flags from other
//!   components';
//! - a systemd `ExecStart=.../kubelet ...` (with `\` continuations) and the unit's
//!   `Environment=` lines -> unit.txt, so facts expand its `$VARS` as they do for a bundle;
//! - `KUBELET_KUBEADM_ARGS="..."` -> kubeadm-flags.env, else the one kubeadm writes from a pasted
//!   kubeadm configuration's `nodeRegistration.kubeletExtraArgs` ([`super::kubeadm`]);
//!   `KUBELET_EXTRA_ARGS=` / `KUBELET_ARGS=` / `KUBELET_OPTS=` -> sysconfig;
//! - a `kind: KubeletConfiguration` document, also inside the kubelet-config ConfigMap
//!   -> config.yaml.

use std::sync::LazyLock;

use kdiag_bundle::paths;
use regex::Regex;
use serde_json::Value;

use crate::units::shell::shell_words;

use super::kubelet_cmdline;
use super::Line;

/// The node/kubelet/ files found in the paste.
pub(super) fn derive(lines: &[Line]) -> Vec<(&'static str, String)> {
    let logical = logical(lines);
    let mut out = Vec::new();
    if let Some(argv) = kubelet_cmdline::cmdline(lines, &logical) {
        out.push((paths::KUBELET_CMDLINE, argv));
    }
    if let Some(u) = unit(&logical) {
        out.push((paths::KUBELET_UNIT, u));
    }
    let (kubeadm, sysconfig) = env_lines(&logical);
    // kubeadm-flags.env as pasted, else as kubeadm writes it from a pasted kubeadm configuration
    let kubeadm = if kubeadm.is_empty() {
        super::kubeadm::flags_env(lines)
    } else {
        Some(kubeadm.join("\n") + "\n")
    };
    if let Some(body) = kubeadm {
        out.push((paths::KUBELET_KUBEADM_FLAGS, body));
    }
    if !sysconfig.is_empty() {
        out.push((paths::KUBELET_SYSCONFIG, sysconfig.join("\n") + "\n"));
    }
    if let Some(c) = config(lines) {
        out.push((paths::KUBELET_CONFIG, c));
    }
    out
}

/// One logical line: physical lines ending in `\` joined, a line of `...` inside them (an
/// elision in a quoted unit) skipped. (text, typed after a prompt)
pub(super) struct Logical {
    pub(super) text: String,
    pub(super) cmd: bool,
}

pub(super) fn logical(lines: &[Line]) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    let mut cont = false;
    for l in lines {
        let t = l.text.trim_end();
        if cont && matches!(t.trim(), "..." | "…" | "……") {
            continue;
        }
        let (body, more) = match t.strip_suffix('\\') {
            Some(b) => (b.trim_end(), true),
            None => (t, false),
        };
        match out.last_mut() {
            Some(last) if cont && !(l.cmd && l.text.is_empty()) => {
                last.text.push(' ');
                last.text.push_str(body.trim());
            }
            _ => out.push(Logical {
                text: body.to_string(),
                cmd: l.cmd,
            }),
        }
        cont = more;
    }
    out
}

/// `ExecStart=` naming the kubelet program, with the unit's `Environment=` and
/// `EnvironmentFile=` lines, as `systemctl cat kubelet` shows them.
fn unit(logical: &[Logical]) -> Option<String> {
    let exec = logical.iter().rev().find_map(|l| {
        let v = l.text.trim().strip_prefix("ExecStart=")?;
        let program = shell_words(v.trim_start_matches(['-', '@', '+', '!', ':']))
            .into_iter()
            .next()?;
        let base = program.rsplit('/').next().unwrap_or(&program).to_string();
        (base == "kubelet" || (base == "hyperkube" && v.contains(" kubelet")))
            .then(|| l.text.trim().to_string())
    })?;
    let mut s = String::from("[Service]\n");
    for l in logical {
        let t = l.text.trim();
        if t.starts_with("Environment=") || t.starts_with("EnvironmentFile=") {
            s.push_str(t);
            s.push('\n');
        }
    }
    s.push_str(&exec);
    s.push('\n');
    Some(s)
}

/// `KUBELET_KUBEADM_ARGS=...` lines (kubeadm-flags.env) and `KUBELET_EXTRA_ARGS=`,
/// `KUBELET_ARGS=`, `KUBELET_OPTS=` lines (/etc/sysconfig/kubelet, /etc/default/kubelet).
fn env_lines(logical: &[Logical]) -> (Vec<String>, Vec<String>) {
    static ENV: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^\s*(?:export\s+)?(KUBELET_KUBEADM_ARGS|KUBELET_EXTRA_ARGS|KUBELET_ARGS|KUBELET_OPTS)=(.*)$"#)
            .unwrap()
    });
    let (mut kubeadm, mut sysconfig) = (Vec::new(), Vec::new());
    for l in logical {
        let Some(c) = ENV.captures(&l.text) else {
            continue;
        };
        let line = format!("{}={}", &c[1], c[2].trim());
        if &c[1] == "KUBELET_KUBEADM_ARGS" {
            kubeadm.push(line);
        } else {
            sysconfig.push(line);
        }
    }
    (kubeadm, sysconfig)
}

/// A `kind: KubeletConfiguration` document, or the one a ConfigMap's data holds (kubeadm's
/// `kubelet-config` ConfigMap, key `kubelet`), as YAML.
fn config(lines: &[Line]) -> Option<String> {
    let is_config =
        |v: &Value| v.get("kind").and_then(Value::as_str) == Some("KubeletConfiguration");
    if let Some(c) = super::kube::documents(lines).into_iter().find(is_config) {
        return serde_yaml::to_string(&c).ok();
    }
    for o in super::kube::objects(lines) {
        for text in super::yaml_parts::config_map_texts(&o) {
            if let Ok(v) = serde_yaml::from_str::<Value>(text) {
                if is_config(&v) {
                    return Some(text.to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{clean, derive as derive_all, get as body_of};
    use super::*;

    fn get(text: &str, path: &str) -> Option<String> {
        body_of(&derive_all(text), path).map(str::to_string)
    }

    /// /work/shared/knowledge/001: kubeadm-flags.env edited in vim, with `\` continuations.
    #[test]
    fn kubeadm_flags_env_from_knowledge_001() {
        let t = "[root@centos7 ~]# vim /var/lib/kubelet/kubeadm-flags.env\nKUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --network-plugin=cni --pod-infra-container-image=registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.2 \\\n--eviction-soft=memory.available<500Mi,nodefs.available<5%,nodefs.inodesFree<6%  \\\n--eviction-soft-grace-period=memory.available=300s,nodefs.available=300s,nodefs.inodesFree=300s  \\\n--eviction-minimum-reclaim=memory.available=0Mi,nodefs.available=500Mi,imagefs.available=2Gi\"\n[root@centos7 ~]# systemctl daemon-reload\n";
        let env = get(t, paths::KUBELET_KUBEADM_FLAGS).unwrap();
        let vars = crate::parse::kubelet::env_file(&env);
        let (v, _) = &vars["KUBELET_KUBEADM_ARGS"];
        assert!(v.starts_with("--cgroup-driver=systemd "));
        assert!(v.ends_with("imagefs.available=2Gi"));
        assert_eq!(get(t, paths::KUBELET_SYSCONFIG), None);
        assert_eq!(
            get(
                "KUBELET_EXTRA_ARGS=--max-pods=240\n",
                paths::KUBELET_SYSCONFIG
            )
            .as_deref(),
            Some("KUBELET_EXTRA_ARGS=--max-pods=240\n")
        );
    }

    /// /work/shared/knowledge/000: the kubelet's ExecStart with continuations (its `...` as
    /// written), and a kubeadm drop-in whose variables facts expand.
    #[test]
    fn exec_start_from_knowledge_000() {
        let t = "```\nExecStart=/usr/local/bin/kubelet \\\n\t...\n  --eviction-hard=nodefs.available<1% \\\n```\n";
        let u = get(t, paths::KUBELET_UNIT).unwrap();
        assert_eq!(
            u,
            "[Service]\nExecStart=/usr/local/bin/kubelet --eviction-hard=nodefs.available<1%\n"
        );
        let parsed = crate::parse::kubelet::unit(&u).unwrap();
        assert!(parsed.exec_start.is_some());
        assert_eq!(get(t, paths::KUBELET_CMDLINE), None);
        let t = "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_KUBEADM_ARGS\n";
        let u = get(t, paths::KUBELET_UNIT).unwrap();
        assert!(u.contains("Environment=\"KUBELET_KUBECONFIG_ARGS="));
        assert!(u.ends_with(
            "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_KUBEADM_ARGS\n"
        ));
        assert_eq!(
            get("ExecStart=/usr/bin/dockerd -H fd://\n", paths::KUBELET_UNIT),
            None
        );
    }

    /// A pasted KubeletConfiguration (kubeadm's v1beta1 form), and the same inside the
    /// kubelet-config ConfigMap; another kind is no config.
    #[test]
    fn kubelet_configuration() {
        let t = "```yaml\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nevictionHard:\n  nodefs.available: \"1%\"\n```\n";
        let c = get(t, paths::KUBELET_CONFIG).unwrap();
        let m = crate::parse::kubelet::config_yaml(&c).unwrap();
        assert_eq!(m["evictionHard"]["nodefs.available"], "1%");
        let t = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubelet-config-1.22\n  namespace: kube-system\ndata:\n  kubelet: |\n    apiVersion: kubelet.config.k8s.io/v1beta1\n    kind: KubeletConfiguration\n    maxPods: 240\n";
        let c = get(t, paths::KUBELET_CONFIG).unwrap();
        assert_eq!(
            crate::parse::kubelet::config_yaml(&c).unwrap()["maxPods"],
            240
        );
        assert_eq!(
            get("apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\n", paths::KUBELET_CONFIG),
            None
        );
        let _ = clean("");
    }
}
