//! The kubelet's facts: version, flags, config files and the effective configuration merged from them.

use super::*;

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Kubelet {
    /// `v1.22.2`: from the kubelet journal, else this node in nodes.json, else packages.txt.
    pub version: Option<String>,
    pub version_at: Option<At>,
    /// The flags in force: flag (no dashes) -> value (last occurrence wins).
    pub args: BTreeMap<String, String>,
    pub args_at: BTreeMap<String, At>,
    /// `argv` (cmdline.txt: the running process), `unit` (ExecStart with its variables
    /// expanded), `env-files` (kubeadm-flags.env/sysconfig without a unit), `paste` (read from
    /// a pasted text by input::shapes: possibly a quoted subset of the flags), `kubeadm-config`
    /// (a paste whose flags all come from a kubeadm configuration's
    /// `nodeRegistration.kubeletExtraArgs`: what kubeadm wrote into kubeadm-flags.env on init or
    /// join), or absent.
    pub args_source: Option<String>,
    /// config.yaml as a map (`None` when not collected or not YAML: see `config_error`).
    pub config: Option<serde_json::Map<String, Value>>,
    pub config_error: Option<String>,
    /// Merged settings: argv/flags > config.yaml > kubelet defaults. See docs/facts.md.
    pub effective: BTreeMap<String, Value>,
    /// Field -> `flag`, `config` or `default`.
    pub effective_source: BTreeMap<String, String>,
    /// Field -> where it was set (absent for defaults).
    pub effective_at: BTreeMap<String, At>,
    /// Fields whose value is the kubelet default (nothing set them).
    pub defaults: Vec<String>,
    /// `effective.eviction_hard` parsed: signal -> `{percent}` (`10%`) or `{quantity}` (`2Gi`
    /// in bytes); thresholds that do not parse are left out.
    pub eviction_hard_thresholds: BTreeMap<String, parse::kubelet::Threshold>,
    /// Every threshold of `effective.eviction_hard` and `effective.eviction_soft`, one entry
    /// each, hard ones first, in signal order; thresholds that do not parse are left out.
    pub eviction_thresholds: Vec<EvictionThreshold>,
}

/// One eviction threshold in force: `nodefs.available<70%` (soft, 30s grace).
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EvictionThreshold {
    /// `nodefs.available`, `memory.available`, ...
    pub signal: String,
    /// `true` for an evictionSoft threshold.
    pub soft: bool,
    /// As written: `70%`, `2Gi`.
    pub value: String,
    /// Percent of capacity (`70%` -> 70).
    pub percent: Option<f64>,
    /// An absolute quantity (bytes, or inodes).
    pub quantity: Option<f64>,
    /// The soft threshold's evictionSoftGracePeriod as written (`30s`), when one is set.
    pub grace_period: Option<String>,
}

pub(super) fn kubelet_facts(cx: &mut Cx, this_node: Option<&ClusterNode>) -> Option<Kubelet> {
    let mut k = Kubelet::default();
    let mut any = false;
    // Flags: the running argv, else the unit's ExecStart expanded, else the env files alone.
    let mut flags: Option<(Vec<parse::kubelet::Flag>, &str)> = None;
    if let Some(t) = cx.text(p::KUBELET_CMDLINE) {
        match parse::kubelet::argv(&t, p::KUBELET_CMDLINE) {
            Some(f) => flags = Some((f, "argv")),
            None => cx.error(p::KUBELET_CMDLINE, "no kubelet argument"),
        }
    }
    let mut vars: BTreeMap<String, (String, String, usize)> = BTreeMap::new();
    for path in [p::KUBELET_KUBEADM_FLAGS, p::KUBELET_SYSCONFIG] {
        if let Some(t) = cx.text(path) {
            any = true;
            for (name, (v, l)) in parse::kubelet::env_file(&t) {
                vars.insert(name, (v, path.to_string(), l));
            }
        }
    }
    if flags.is_none() {
        if let Some(u) = cx
            .text(p::KUBELET_UNIT)
            .and_then(|t| parse::kubelet::unit(&t))
        {
            any = true;
            // systemd applies Environment= first, then EnvironmentFile= (the file wins).
            let mut all: BTreeMap<String, (String, String, usize)> = u
                .env
                .iter()
                .map(|(k, (v, l))| (k.clone(), (v.clone(), p::KUBELET_UNIT.to_string(), *l)))
                .collect();
            all.extend(vars.clone());
            if let Some((exec, line)) = &u.exec_start {
                let words = parse::kubelet::expand_exec_start(exec, p::KUBELET_UNIT, *line, &all);
                flags = Some((parse::kubelet::flags(&words), "unit"));
            }
        }
    }
    if flags.is_none() && !vars.is_empty() {
        let mut words = Vec::new();
        for name in [
            "KUBELET_KUBEADM_ARGS",
            "KUBELET_EXTRA_ARGS",
            "KUBELET_ARGS",
            "KUBELET_OPTS",
        ] {
            if let Some((v, path, l)) = vars.get(name) {
                words.extend(parse::kubelet::var_words(v, path, *l));
            }
        }
        flags = Some((parse::kubelet::flags(&words), "env-files"));
    }
    // A loose paste's flags (input::shapes) may be a quoted subset of the command line, and its
    // config a quoted part of the file: nothing there says a setting was left at its default.
    let pasted = matches!(cx.node.kind, crate::texts::node::InputKind::Loose(_));
    // kubeadm-flags.env built from a pasted kubeadm configuration (input::shapes): every flag
    // from it is what kubeadm wrote on init or join, not seen on the node
    let from_kubeadm_config = pasted
        && cx
            .text(p::KUBELET_KUBEADM_FLAGS)
            .is_some_and(|t| t.starts_with(crate::input::shapes::FROM_KUBEADM_CONFIG));
    if let Some((fl, source)) = flags {
        any = true;
        let all_kubeadm = !fl.is_empty() && fl.iter().all(|f| f.path == p::KUBELET_KUBEADM_FLAGS);
        k.args_source = Some(
            match (pasted, from_kubeadm_config && all_kubeadm) {
                (true, true) => "kubeadm-config",
                (true, false) => "paste",
                _ => source,
            }
            .to_string(),
        );
        for f in fl {
            k.args_at.insert(f.name.clone(), at(&f.path, f.line));
            k.args.insert(f.name, f.value);
        }
    }
    let config_text = cx.text(p::KUBELET_CONFIG);
    if let Some(t) = &config_text {
        any = true;
        match parse::kubelet::config_yaml(t) {
            Ok(m) => k.config = Some(m),
            Err(e) => {
                cx.error(p::KUBELET_CONFIG, &e);
                k.config_error = Some(e);
            }
        }
    }
    for s in parse::kubelet::SPECS {
        if let Some(v) = k.args.get(s.flag) {
            k.effective
                .insert(s.field.into(), parse::kubelet::flag_value(s.kind, v));
            k.effective_source.insert(s.field.into(), "flag".into());
            if let Some(a) = k.args_at.get(s.flag) {
                k.effective_at.insert(s.field.into(), a.clone());
            }
        } else if let Some(v) = s.key.and_then(|key| k.config.as_ref()?.get(key)) {
            k.effective
                .insert(s.field.into(), parse::kubelet::config_value(s.kind, v));
            k.effective_source.insert(s.field.into(), "config".into());
            let line = config_text
                .as_deref()
                .and_then(|t| parse::kubelet::yaml_key_line(t, s.key.unwrap_or("")));
            if let Some(l) = line {
                k.effective_at
                    .insert(s.field.into(), at(p::KUBELET_CONFIG, l));
            }
        } else if let (Some(d), true, false) = (
            s.default,
            k.args_source.is_some() || k.config.is_some(),
            pasted,
        ) {
            k.effective.insert(s.field.into(), d());
            k.effective_source.insert(s.field.into(), "default".into());
            k.defaults.push(s.field.into());
        }
    }
    if let Some(Value::Object(m)) = k.effective.get("eviction_hard") {
        k.eviction_hard_thresholds = m
            .iter()
            .filter_map(|(sig, v)| Some((sig.clone(), parse::kubelet::threshold(v.as_str()?)?)))
            .collect();
    }
    for (field, soft) in [("eviction_hard", false), ("eviction_soft", true)] {
        let Some(Value::Object(m)) = k.effective.get(field) else {
            continue;
        };
        let grace = k.effective.get("eviction_soft_grace_period");
        for (sig, v) in m {
            let Some(t) = v.as_str().and_then(parse::kubelet::threshold) else {
                continue;
            };
            k.eviction_thresholds.push(EvictionThreshold {
                signal: sig.clone(),
                soft,
                value: v.as_str().unwrap_or_default().to_string(),
                percent: t.percent,
                quantity: t.quantity,
                grace_period: grace
                    .filter(|_| soft)
                    .and_then(|g| g.get(sig))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
        }
    }
    // Version: the kubelet's own startup line, else this node in nodes.json, else the package.
    if let Some((n, line)) = cx
        .node
        .streamed
        .get(p::JOURNAL_KUBELET)
        .and_then(|s| s.kubelet_version.as_ref())
    {
        // A big journal: its last version line was kept while it streamed.
        k.version = kubelet_version_in(line);
        k.version_at = Some(at(p::JOURNAL_KUBELET, *n as usize));
    } else if let Some(t) = cx.text(p::JOURNAL_KUBELET) {
        for (i, line) in t.lines().enumerate().collect::<Vec<_>>().into_iter().rev() {
            if let Some(v) = kubelet_version_in(line) {
                k.version = Some(v);
                k.version_at = Some(at(p::JOURNAL_KUBELET, i + 1));
                break;
            }
        }
    }
    if k.version.is_none() {
        k.version = this_node.and_then(|n| n.kubelet_version.clone());
    }
    if k.version.is_none() {
        if let Some(t) = cx.text(p::PACKAGES) {
            if let Some((v, l)) = parse::host::packages(&t).get("kubelet") {
                let v = v.split('-').next().unwrap_or(v);
                k.version = Some(format!("v{v}"));
                k.version_at = Some(at(p::PACKAGES, *l));
            }
        }
    }
    any |= k.version.is_some();
    any.then_some(k)
}
