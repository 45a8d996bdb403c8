//! The kubelet's configuration sources, and their merge into one effective configuration:
//! argv (node/kubelet/cmdline.txt, one argument per line), kubeadm-flags.env and sysconfig
//! (`KUBELET_KUBEADM_ARGS="..."`), the unit and its drop-ins (`systemctl cat kubelet`:
//! `Environment=`, `ExecStart=`), and config.yaml (KubeletConfiguration).
//!
//! Precedence, as in the kubelet: a flag beats the config file; the running argv is the truth
//! when collected; otherwise the flags are rebuilt from the unit's ExecStart with its variables
//! expanded (from the unit's Environment= and the env files); the last occurrence of a flag wins.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::host::unquote;

/// One flag with where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Without the leading dashes: `cgroup-driver`.
    pub name: String,
    /// `true` for a bare boolean flag.
    pub value: String,
    pub path: String,
    pub line: usize,
}

/// A word with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub path: String,
    pub line: usize,
}

/// Boolean kubelet flags that may appear bare (`--fail-swap-on`), so the next word is not their value.
const BOOL_FLAGS: &[&str] = &[
    "fail-swap-on",
    "rotate-certificates",
    "rotate-server-certificates",
    "serialize-image-pulls",
    "protect-kernel-defaults",
    "cgroups-per-qos",
    "anonymous-auth",
    "make-iptables-util-chains",
    "register-node",
    "register-schedulable",
    "exit-on-lock-contention",
    "allow-privileged",
    "enable-controller-attach-detach",
    "enable-server",
    "enable-debugging-handlers",
    "keep-terminated-pod-volumes",
    "experimental-check-node-capabilities-before-mount",
    "experimental-allocatable-ignore-eviction",
    "v-bool",
    "logtostderr",
    "alsologtostderr",
];

/// Words to flags: `--x=y`, `--x y`, `-x y`, bare booleans. Non-flag words (the binary) skipped.
pub fn flags(words: &[Word]) -> Vec<Flag> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        let Some(body) = w
            .text
            .strip_prefix("--")
            .or_else(|| w.text.strip_prefix('-'))
        else {
            continue;
        };
        if body.is_empty() {
            continue;
        }
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => {
                let next = words.get(i).map(|n| n.text.as_str());
                let takes_next = match next {
                    None => false,
                    Some(n) if n.starts_with('-') => false,
                    Some(n) if BOOL_FLAGS.contains(&body) => n == "true" || n == "false",
                    Some(_) => true,
                };
                if takes_next {
                    i += 1;
                    (body.to_string(), words[i - 1].text.clone())
                } else {
                    (body.to_string(), "true".to_string())
                }
            }
        };
        out.push(Flag {
            name,
            value,
            path: w.path.clone(),
            line: w.line,
        });
    }
    out
}

/// cmdline.txt: one argument per line (as /proc/PID/cmdline with NULs turned into newlines).
/// `None` when it holds no flag (an error message, an empty file).
pub fn argv(text: &str, path: &str) -> Option<Vec<Flag>> {
    let words: Vec<Word> = text
        .split(['\n', '\0'])
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Word {
            text: l.trim_end_matches('\r').to_string(),
            path: path.to_string(),
            line: i + 1,
        })
        .collect();
    let f = flags(&words);
    (!f.is_empty()).then_some(f)
}

pub use crate::units::shell::shell_words;

/// Logical lines: physical lines ending in `\` are joined. (text, first physical line number).
fn logical_lines(text: &str) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut cont = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let (body, more) = match line.trim_end().strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        if cont {
            if let Some(last) = out.last_mut() {
                last.0.push(' ');
                last.0.push_str(body.trim());
            }
        } else {
            out.push((body.to_string(), i + 1));
        }
        cont = more;
    }
    out
}

/// An env file (kubeadm-flags.env, /etc/sysconfig/kubelet): VAR -> (value, line).
pub fn env_file(text: &str) -> BTreeMap<String, (String, usize)> {
    let mut out = BTreeMap::new();
    for (line, no) in logical_lines(text) {
        let t = line.trim();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        out.insert(k.to_string(), (unquote(v.trim()), no));
    }
    out
}

/// The parts of `systemctl cat kubelet` that set flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unit {
    /// `Environment=` assignments: VAR -> (value, line).
    pub env: BTreeMap<String, (String, usize)>,
    /// The effective `ExecStart=` (the last one after any reset by an empty `ExecStart=`).
    pub exec_start: Option<(String, usize)>,
    pub environment_files: Vec<String>,
}

pub fn unit(text: &str) -> Option<Unit> {
    let mut u = Unit::default();
    let mut seen = false;
    for (line, no) in logical_lines(text) {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("Environment=") {
            seen = true;
            for assignment in shell_words(v) {
                if let Some((k, val)) = assignment.split_once('=') {
                    u.env.insert(k.to_string(), (val.to_string(), no));
                }
            }
        } else if let Some(v) = t.strip_prefix("EnvironmentFile=") {
            seen = true;
            u.environment_files
                .push(v.trim().trim_start_matches('-').to_string());
        } else if let Some(v) = t.strip_prefix("ExecStart=") {
            seen = true;
            let v = v.trim();
            u.exec_start = if v.is_empty() {
                None
            } else {
                Some((v.to_string(), no))
            };
        } else if t.starts_with("[Service]") || t.starts_with("[Unit]") {
            seen = true;
        }
    }
    seen.then_some(u)
}

/// ExecStart with `$VAR` / `${VAR}` expanded into words, each word placed at the line that
/// defined it (the variable's line in its file, or the ExecStart line).
pub fn expand_exec_start(
    exec: &str,
    exec_path: &str,
    exec_line: usize,
    vars: &BTreeMap<String, (String, String, usize)>,
) -> Vec<Word> {
    let mut out = Vec::new();
    let exec = exec.trim_start_matches(['-', '@', '+', '!', ':']);
    for w in shell_words(exec) {
        let name = w
            .strip_prefix("${")
            .and_then(|r| r.strip_suffix('}'))
            .or_else(|| w.strip_prefix('$'));
        match name {
            Some(n) if n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                if let Some((value, path, line)) = vars.get(n) {
                    for x in shell_words(value) {
                        out.push(Word {
                            text: x,
                            path: path.clone(),
                            line: *line,
                        });
                    }
                }
            }
            _ => out.push(Word {
                text: w,
                path: exec_path.to_string(),
                line: exec_line,
            }),
        }
    }
    out
}

/// Words of one env variable's value (kubeadm-flags.env without a unit to expand it).
pub fn var_words(value: &str, path: &str, line: usize) -> Vec<Word> {
    shell_words(value)
        .into_iter()
        .map(|t| Word {
            text: t,
            path: path.to_string(),
            line,
        })
        .collect()
}

/// config.yaml parsed into JSON values. `Err` with the parser's message when it is not a YAML
/// mapping (an error text, a broken file).
pub fn config_yaml(text: &str) -> Result<Map<String, Value>, String> {
    match serde_yaml::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("not a YAML mapping".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Line of a top-level key `key:` in a YAML text.
pub fn yaml_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines().enumerate().find_map(|(i, l)| {
        let rest = l.strip_prefix(key)?;
        rest.trim_start().starts_with(':').then_some(i + 1)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    Num,
    /// `memory.available<100Mi,nodefs.available<10%` -> map
    LtMap,
    /// `memory.available=300s,...` or `cpu=500m,memory=1Gi` -> map
    EqMap,
    /// `A=true,B=false` -> map of booleans
    Gates,
    /// `10.96.0.10,10.96.0.11` -> list
    List,
}

/// One effective setting: its field name in facts, its flag, its config.yaml key, its kubelet
/// default when that default does not depend on the version.
pub struct Spec {
    pub field: &'static str,
    pub flag: &'static str,
    pub key: Option<&'static str>,
    pub kind: Kind,
    pub default: Option<fn() -> Value>,
}

macro_rules! spec {
    ($field:literal, $flag:literal, $key:expr, $kind:ident) => {
        Spec {
            field: $field,
            flag: $flag,
            key: $key,
            kind: Kind::$kind,
            default: None,
        }
    };
    ($field:literal, $flag:literal, $key:expr, $kind:ident, $default:expr) => {
        Spec {
            field: $field,
            flag: $flag,
            key: $key,
            kind: Kind::$kind,
            default: Some(|| $default),
        }
    };
}

/// The settings the facts expose. Defaults that changed across versions (kube_api_qps 5 -> 50
/// in 1.27, the pause image, the runtime endpoint) are left unset rather than guessed.
pub const SPECS: &[Spec] = &[
    spec!(
        "cgroup_driver",
        "cgroup-driver",
        Some("cgroupDriver"),
        Str,
        json!("cgroupfs")
    ),
    spec!(
        "fail_swap_on",
        "fail-swap-on",
        Some("failSwapOn"),
        Bool,
        json!(true)
    ),
    spec!(
        "eviction_hard",
        "eviction-hard",
        Some("evictionHard"),
        LtMap,
        json!({"memory.available": "100Mi", "nodefs.available": "10%", "nodefs.inodesFree": "5%", "imagefs.available": "15%"})
    ),
    spec!(
        "eviction_soft",
        "eviction-soft",
        Some("evictionSoft"),
        LtMap
    ),
    spec!(
        "eviction_soft_grace_period",
        "eviction-soft-grace-period",
        Some("evictionSoftGracePeriod"),
        EqMap
    ),
    spec!(
        "eviction_minimum_reclaim",
        "eviction-minimum-reclaim",
        Some("evictionMinimumReclaim"),
        EqMap
    ),
    spec!(
        "pod_infra_container_image",
        "pod-infra-container-image",
        None,
        Str
    ),
    spec!(
        "registry_qps",
        "registry-qps",
        Some("registryPullQPS"),
        Num,
        json!(5)
    ),
    spec!(
        "registry_burst",
        "registry-burst",
        Some("registryBurst"),
        Num,
        json!(10)
    ),
    spec!("kube_api_qps", "kube-api-qps", Some("kubeAPIQPS"), Num),
    spec!(
        "kube_api_burst",
        "kube-api-burst",
        Some("kubeAPIBurst"),
        Num
    ),
    spec!("event_qps", "event-qps", Some("eventRecordQPS"), Num),
    spec!("event_burst", "event-burst", Some("eventBurst"), Num),
    spec!("max_pods", "max-pods", Some("maxPods"), Num, json!(110)),
    spec!("container_runtime", "container-runtime", None, Str),
    spec!(
        "container_runtime_endpoint",
        "container-runtime-endpoint",
        Some("containerRuntimeEndpoint"),
        Str
    ),
    spec!("network_plugin", "network-plugin", None, Str),
    spec!(
        "feature_gates",
        "feature-gates",
        Some("featureGates"),
        Gates
    ),
    spec!(
        "serialize_image_pulls",
        "serialize-image-pulls",
        Some("serializeImagePulls"),
        Bool,
        json!(true)
    ),
    spec!(
        "image_gc_high_threshold",
        "image-gc-high-threshold",
        Some("imageGCHighThresholdPercent"),
        Num,
        json!(85)
    ),
    spec!(
        "image_gc_low_threshold",
        "image-gc-low-threshold",
        Some("imageGCLowThresholdPercent"),
        Num,
        json!(80)
    ),
    spec!("cluster_dns", "cluster-dns", Some("clusterDNS"), List),
    spec!(
        "cluster_domain",
        "cluster-domain",
        Some("clusterDomain"),
        Str
    ),
    spec!(
        "resolv_conf",
        "resolv-conf",
        Some("resolvConf"),
        Str,
        json!("/etc/resolv.conf")
    ),
    spec!("root_dir", "root-dir", None, Str, json!("/var/lib/kubelet")),
    spec!(
        "kube_reserved",
        "kube-reserved",
        Some("kubeReserved"),
        EqMap
    ),
    spec!(
        "system_reserved",
        "system-reserved",
        Some("systemReserved"),
        EqMap
    ),
    spec!(
        "protect_kernel_defaults",
        "protect-kernel-defaults",
        Some("protectKernelDefaults"),
        Bool,
        json!(false)
    ),
    spec!(
        "rotate_certificates",
        "rotate-certificates",
        Some("rotateCertificates"),
        Bool,
        json!(false)
    ),
    spec!(
        "runtime_request_timeout",
        "runtime-request-timeout",
        Some("runtimeRequestTimeout"),
        Str,
        json!("2m0s")
    ),
    spec!("config", "config", None, Str),
    spec!("kubeconfig", "kubeconfig", None, Str),
    spec!("hostname_override", "hostname-override", None, Str),
];

/// A flag's string value as the JSON the facts carry.
pub fn flag_value(kind: Kind, v: &str) -> Value {
    match kind {
        Kind::Str => Value::String(v.to_string()),
        Kind::Bool => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => Value::Bool(true),
            "false" | "0" | "f" => Value::Bool(false),
            _ => Value::String(v.to_string()),
        },
        Kind::Num => v
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| v.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(v.to_string())),
        Kind::LtMap | Kind::EqMap => {
            let sep = if kind == Kind::LtMap { '<' } else { '=' };
            let mut m = Map::new();
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if let Some((k, val)) = part.split_once(sep) {
                    m.insert(k.trim().to_string(), Value::String(val.trim().to_string()));
                }
            }
            Value::Object(m)
        }
        Kind::Gates => {
            let mut m = Map::new();
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if let Some((k, val)) = part.split_once('=') {
                    let b = match val.trim().to_ascii_lowercase().as_str() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        other => Value::String(other.to_string()),
                    };
                    m.insert(k.trim().to_string(), b);
                }
            }
            Value::Object(m)
        }
        Kind::List => Value::Array(
            v.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Value::String(p.to_string()))
                .collect(),
        ),
    }
}

/// An eviction threshold (`10%`, `2Gi`, `500Mi`) of a `X.available` / `X.inodesFree` signal:
/// a percentage of the resource's capacity, or an absolute quantity (bytes, or inodes).
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Threshold {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
}

impl Threshold {
    /// The use% at which the signal fires on a filesystem of `size_kb` (a quantity threshold
    /// needs the size): `10%` -> 90, `1Gi` of 10 GiB -> 90.
    pub fn used_pct_mark(&self, size_kb: Option<u64>) -> Option<f64> {
        if let Some(p) = self.percent {
            return Some((100.0 - p).clamp(0.0, 100.0));
        }
        let q = self.quantity?;
        let size = size_kb? as f64 * 1024.0;
        (size > 0.0).then(|| (100.0 - q / size * 100.0).clamp(0.0, 100.0))
    }
}

/// Parses an eviction threshold: `10%`, `2Gi`, `100Mi`, `500000` (quantities as in Kubernetes).
pub fn threshold(s: &str) -> Option<Threshold> {
    let s = s.trim();
    if let Some(p) = s.strip_suffix('%') {
        let p: f64 = p.trim().parse().ok()?;
        return (0.0..=100.0).contains(&p).then_some(Threshold {
            percent: Some(p),
            quantity: None,
        });
    }
    let q = crate::units::quantity::parse_quantity(s)?;
    (q >= 0.0).then_some(Threshold {
        percent: None,
        quantity: Some(q),
    })
}

/// A config.yaml value normalised to the kind (a quoted number stays a number, etc.).
pub fn config_value(kind: Kind, v: &Value) -> Value {
    match (kind, v) {
        (Kind::Str, Value::String(_)) => v.clone(),
        (Kind::Str, other) => Value::String(other.to_string()),
        (Kind::Bool | Kind::Num, Value::String(s)) => flag_value(kind, s),
        (Kind::LtMap | Kind::EqMap, Value::Object(m)) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), Value::String(s))
                })
                .collect(),
        ),
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_thresholds() {
        let t = threshold("10%").unwrap();
        assert_eq!(t.percent, Some(10.0));
        assert_eq!(t.used_pct_mark(None), Some(90.0));
        let t = threshold("1Gi").unwrap();
        assert_eq!(t.quantity, Some(1024.0 * 1024.0 * 1024.0));
        assert_eq!(t.used_pct_mark(Some(10 * 1024 * 1024)), Some(90.0));
        assert_eq!(t.used_pct_mark(None), None);
        assert_eq!(threshold("2G").unwrap().quantity, Some(2e9));
        assert_eq!(threshold("x"), None);
        assert_eq!(threshold("150%"), None);
    }

    fn words(s: &[&str]) -> Vec<Word> {
        s.iter()
            .enumerate()
            .map(|(i, t)| Word {
                text: t.to_string(),
                path: "p".into(),
                line: i + 1,
            })
            .collect()
    }

    #[test]
    fn both_flag_forms_and_booleans() {
        let f = flags(&words(&[
            "/usr/bin/kubelet",
            "--cgroup-driver",
            "systemd",
            "--fail-swap-on",
            "--max-pods=240",
            "--v=2",
            "--rotate-certificates",
            "false",
            "--node-ip",
            "10.0.0.1",
        ]));
        let m: BTreeMap<_, _> = f
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(m["cgroup-driver"], "systemd");
        assert_eq!(m["fail-swap-on"], "true");
        assert_eq!(m["max-pods"], "240");
        assert_eq!(m["rotate-certificates"], "false");
        assert_eq!(m["node-ip"], "10.0.0.1");
        assert_eq!(f[0].line, 2);
    }

    #[test]
    fn argv_file() {
        let f = argv("/usr/bin/kubelet\n--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf\n--config=/var/lib/kubelet/config.yaml\n--container-runtime=remote\n", "node/kubelet/cmdline.txt").unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!((f[1].name.as_str(), f[1].line), ("config", 3));
        assert!(argv("cat: /proc/1234/cmdline: No such file or directory\n", "x").is_none());
    }

    #[test]
    fn kubeadm_flags_env_with_continuations_from_knowledge_001() {
        let t = "KUBELET_KUBEADM_ARGS=\"--cgroup-driver=systemd --network-plugin=cni --pod-infra-container-image=registry.cn-hangzhou.aliyuncs.com/google_containers/pause:3.2 \\\n--eviction-soft=memory.available<500Mi,nodefs.available<5%,nodefs.inodesFree<6%  \\\n--eviction-soft-grace-period=memory.available=300s,nodefs.available=300s,nodefs.inodesFree=300s\"\n";
        let env = env_file(t);
        let (v, line) = &env["KUBELET_KUBEADM_ARGS"];
        assert_eq!(*line, 1);
        let f = flags(&var_words(v, "node/kubelet/kubeadm-flags.env", *line));
        let m: BTreeMap<_, _> = f
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(m["cgroup-driver"], "systemd");
        assert_eq!(
            m["eviction-soft"],
            "memory.available<500Mi,nodefs.available<5%,nodefs.inodesFree<6%"
        );
        let soft = flag_value(Kind::LtMap, m["eviction-soft"]);
        assert_eq!(soft["nodefs.available"], "5%");
        let grace = flag_value(Kind::EqMap, m["eviction-soft-grace-period"]);
        assert_eq!(grace["memory.available"], "300s");
    }

    #[test]
    fn systemctl_cat_kubelet() {
        let t = "# /usr/lib/systemd/system/kubelet.service\n[Unit]\nDescription=kubelet: The Kubernetes Node Agent\n\n[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n\n# /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf\n# Note: This dropin only works with kubeadm and kubelet v1.11+\n[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --cgroup-driver=systemd\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/sysconfig/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n";
        let u = unit(t).unwrap();
        assert_eq!(
            u.environment_files,
            vec![
                "/var/lib/kubelet/kubeadm-flags.env",
                "/etc/sysconfig/kubelet"
            ]
        );
        let (exec, line) = u.exec_start.clone().unwrap();
        assert_eq!(line, 17);
        let mut vars: BTreeMap<String, (String, String, usize)> = u
            .env
            .iter()
            .map(|(k, (v, l))| {
                (
                    k.clone(),
                    (v.clone(), "node/kubelet/unit.txt".to_string(), *l),
                )
            })
            .collect();
        vars.insert(
            "KUBELET_EXTRA_ARGS".into(),
            ("--max-pods=240".into(), "node/kubelet/sysconfig".into(), 1),
        );
        let f = flags(&expand_exec_start(
            &exec,
            "node/kubelet/unit.txt",
            line,
            &vars,
        ));
        let cg = f.iter().find(|f| f.name == "cgroup-driver").unwrap();
        assert_eq!((cg.value.as_str(), cg.line), ("systemd", 12));
        let mp = f.iter().find(|f| f.name == "max-pods").unwrap();
        assert_eq!(mp.path, "node/kubelet/sysconfig");
        assert_eq!(f.len(), 5);
    }

    #[test]
    fn exec_start_with_continuations_from_knowledge_000() {
        let t = "[Service]\nExecStart=/usr/local/bin/kubelet \\\n  --cgroup-driver=cgroupfs \\\n  --eviction-hard=nodefs.available<1% \\\n  --v=2\n";
        let u = unit(t).unwrap();
        let (exec, line) = u.exec_start.unwrap();
        let f = flags(&expand_exec_start(&exec, "u", line, &BTreeMap::new()));
        assert_eq!(f.len(), 3);
        assert_eq!(
            flag_value(Kind::LtMap, &f[1].value)["nodefs.available"],
            "1%"
        );
    }

    #[test]
    fn config_yaml_and_values() {
        let t = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nevictionHard:\n  memory.available: 100Mi\n  nodefs.available: \"5%\"\nfeatureGates:\n  CSIMigration: false\nmaxPods: 240\n";
        let m = config_yaml(t).unwrap();
        assert_eq!(m["cgroupDriver"], "systemd");
        assert_eq!(yaml_key_line(t, "evictionHard"), Some(4));
        assert_eq!(
            config_value(Kind::LtMap, &m["evictionHard"])["nodefs.available"],
            "5%"
        );
        assert_eq!(m["featureGates"]["CSIMigration"], false);
        assert!(
            config_yaml("cat: /var/lib/kubelet/config.yaml: No such file or directory").is_err()
        );
        assert!(config_yaml("a: [b").is_err());
        assert_eq!(
            flag_value(
                Kind::Gates,
                "SupportPodPidsLimit=false,SupportNodePidsLimit=false"
            )["SupportPodPidsLimit"],
            false
        );
        assert_eq!(flag_value(Kind::Num, "2000"), json!(2000));
    }
}
