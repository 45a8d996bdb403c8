//! Container runtime facts: docker (daemon.json, info) and containerd (config.toml).

use super::*;

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Docker {
    pub version: Option<String>,
    /// daemon.json as parsed (leniently when needed).
    pub daemon_json: Option<Value>,
    /// Why daemon.json is not strict JSON (dockerd refuses to start on it), or why it did not parse.
    pub daemon_json_error: Option<String>,
    /// `systemd` | `cgroupfs`: daemon.json exec-opts, else docker info `Cgroup Driver`.
    pub cgroup_driver: Option<String>,
    pub cgroup_driver_at: Option<At>,
    /// Every insecure registry shown: daemon.json's `insecure-registries`, dockerd's
    /// `--insecure-registry` flags, and docker info's `Insecure Registries` list.
    pub insecure_registries: Vec<String>,
    /// docker info's `Insecure Registries` (what the running dockerd uses: its flags, daemon.json
    /// as last loaded, and the built-in `127.0.0.0/8`).
    pub info_insecure_registries: Vec<String>,
    /// dockerd's `--insecure-registry` flags (`host:port`, `host` or a CIDR), from an environment
    /// file (/etc/sysconfig/docker, /etc/default/docker), a unit's `ExecStart` or the running
    /// dockerd's command line (`ps`, `systemctl status`).
    pub insecure_registry_flags: Vec<String>,
    /// Where those flags were written, each once in the order seen: `sysconfig`, `unit`,
    /// `cmdline` (the running dockerd's argv).
    pub insecure_registry_flags_from: Vec<String>,
    /// The flags of the running dockerd's argv only (`cmdline`).
    pub insecure_registry_flags_running: Vec<String>,
    /// The first flag's line.
    pub insecure_registry_flags_at: Option<At>,
    pub registry_mirrors: Vec<String>,
    pub storage_driver: Option<String>,
    pub root_dir: Option<String>,
    /// docker info's error (`Cannot connect to the Docker daemon ...`).
    pub info_error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Containerd {
    pub version: Option<String>,
    pub systemd_cgroup: Option<bool>,
    pub systemd_cgroup_at: Option<At>,
    pub sandbox_image: Option<String>,
    pub sandbox_image_at: Option<At>,
    pub cri_disabled: Option<bool>,
    /// config.toml's `version` (1 when the key is absent; 2 is containerd 1.x's layout, 3 containerd
    /// 2.x's), which decides the tables read.
    pub config_version: Option<i64>,
    /// The runtime whose options give `systemd_cgroup` (config.toml's `default_runtime_name`, runc
    /// unless set).
    pub default_runtime: Option<String>,
    /// A `SystemdCgroup` written where containerd does not read it (another table, a 1.x table in
    /// a version 3 file, `systemd_cgroup` among the runc options): the value written, which
    /// `systemd_cgroup` does not take.
    pub systemd_cgroup_ignored: Option<bool>,
    /// That key's dotted path (`plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup`).
    pub systemd_cgroup_ignored_key: Option<String>,
    /// Where that ignored key is (config.toml and its line).
    pub systemd_cgroup_ignored_at: Option<At>,
    /// Why config.toml is not valid TOML (`line N: message`; containerd refuses to start on it);
    /// the other config.toml fields were then read line by line, without tables.
    pub config_error: Option<String>,
    /// config.toml's CRI registry `config_path` (hosts.toml files under it, `certs.d/HOST/hosts.toml`,
    /// set each registry's endpoints; those files are not collected).
    pub registry_config_path: Option<String>,
    pub registry_config_path_at: Option<At>,
    /// Registries config.toml's CRI registry table names: `mirrors."HOST".endpoint` and
    /// `configs."HOST".tls.insecure_skip_verify`.
    #[serde(default)]
    pub registry_hosts: Vec<ContainerdRegistryHost>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ContainerdRegistryHost {
    pub host: String,
    /// Its mirror endpoints, in order: an `http://` one makes containerd speak plain HTTP to it.
    pub endpoints: Vec<String>,
    /// `tls.insecure_skip_verify`: TLS without checking the certificate (still HTTPS).
    pub insecure_skip_verify: bool,
    pub at: At,
}

pub(super) fn docker_facts(cx: &mut Cx, this_node: Option<&ClusterNode>) -> Option<Docker> {
    let mut d = Docker::default();
    let mut any = false;
    let dj_text = cx.text(p::DOCKER_DAEMON_JSON);
    if let Some(t) = &dj_text {
        any = true;
        if !t.trim().is_empty() {
            match docker::daemon_json(t) {
                Ok(dj) => {
                    d.daemon_json_error = dj.strict_error;
                    if let Some(drv) = docker::exec_opts_cgroup_driver(&dj.value) {
                        d.cgroup_driver = Some(drv);
                        d.cgroup_driver_at = docker::json_key_line(t, "exec-opts")
                            .map(|l| at(p::DOCKER_DAEMON_JSON, l));
                    }
                    let strs = |k: &str| -> Vec<String> {
                        dj.value
                            .get(k)
                            .and_then(Value::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    d.insecure_registries = strs("insecure-registries");
                    d.registry_mirrors = strs("registry-mirrors");
                    d.storage_driver = dj
                        .value
                        .get("storage-driver")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    d.root_dir = dj
                        .value
                        .get("data-root")
                        .or_else(|| dj.value.get("graph"))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    d.daemon_json = Some(dj.value);
                }
                Err(e) => {
                    cx.error(p::DOCKER_DAEMON_JSON, &e);
                    d.daemon_json_error = Some(e);
                }
            }
        }
    }
    if let Some(t) = cx.text(p::DOCKER_INFO) {
        match docker::info(&t) {
            Some(info) => {
                any = true;
                d.info_error = info.error.clone();
                if d.cgroup_driver.is_none() {
                    if let Some((v, l)) = info.fields.get("Cgroup Driver") {
                        d.cgroup_driver = Some(v.clone());
                        d.cgroup_driver_at = Some(at(p::DOCKER_INFO, *l));
                    }
                }
                d.info_insecure_registries = info.insecure_registries.clone();
                for r in info.insecure_registries {
                    if !d.insecure_registries.contains(&r) {
                        d.insecure_registries.push(r);
                    }
                }
                for r in info.registry_mirrors {
                    if !d.registry_mirrors.contains(&r) {
                        d.registry_mirrors.push(r);
                    }
                }
                let field = |k: &str| info.fields.get(k).map(|v| v.0.clone());
                d.storage_driver = d.storage_driver.take().or_else(|| field("Storage Driver"));
                d.root_dir = d.root_dir.take().or_else(|| field("Docker Root Dir"));
                d.version = field("Server Version");
            }
            None => cx.error(p::DOCKER_INFO, "no `docker info` field"),
        }
    }
    for path in [
        p::DOCKER_DAEMON_ARGS.to_string(),
        p::DOCKER_SYSCONFIG.to_string(),
        p::unit_file("docker"),
        p::service_status("docker"),
    ] {
        let Some(t) = cx.text(&path) else { continue };
        for f in docker::daemon_flags(&t) {
            any = true;
            d.insecure_registry_flags_at
                .get_or_insert_with(|| at(&path, f.line));
            if !d.insecure_registry_flags_from.iter().any(|x| x == f.from) {
                d.insecure_registry_flags_from.push(f.from.to_string());
            }
            if f.from == "cmdline" && !d.insecure_registry_flags_running.contains(&f.value) {
                d.insecure_registry_flags_running.push(f.value.clone());
            }
            if !d.insecure_registry_flags.contains(&f.value) {
                d.insecure_registry_flags.push(f.value.clone());
            }
            if !d.insecure_registries.contains(&f.value) {
                d.insecure_registries.push(f.value);
            }
        }
    }
    if let Some(v) = cx.text(p::DOCKER_VERSION).and_then(|t| docker::version(&t)) {
        d.version = Some(v);
        any = true;
    }
    if d.version.is_none() {
        if let Some(t) = cx.text(p::PACKAGES) {
            let pk = parse::host::packages(&t);
            if let Some((v, _)) = ["docker-ce", "docker", "docker.io", "moby-engine"]
                .iter()
                .find_map(|n| pk.get(*n))
            {
                d.version = Some(v.clone());
                any = true;
            }
        }
    }
    // Else the node's runtime in nodes.json (`docker://18.9.7`), as for containerd.
    if d.version.is_none() {
        d.version = node_runtime_version(this_node, "docker://");
        any |= d.version.is_some();
    }
    any.then_some(d)
}

pub(super) fn containerd_facts(cx: &mut Cx, this_node: Option<&ClusterNode>) -> Option<Containerd> {
    let mut c = Containerd::default();
    let mut any = false;
    if let Some(t) = cx.text(p::CONTAINERD_CONFIG) {
        any = true;
        let cfg = containerd::config_toml(&t);
        if let Some((b, l)) = cfg.systemd_cgroup {
            c.systemd_cgroup = Some(b);
            c.systemd_cgroup_at = Some(at(p::CONTAINERD_CONFIG, l));
        }
        if let Some((s, l)) = cfg.sandbox_image {
            c.sandbox_image = Some(s);
            c.sandbox_image_at = Some(at(p::CONTAINERD_CONFIG, l));
        }
        c.cri_disabled = Some(cfg.cri_disabled.is_some());
        c.config_version = cfg.version;
        c.default_runtime = cfg.default_runtime;
        if let Some((key, b, l)) = cfg.systemd_cgroup_ignored {
            c.systemd_cgroup_ignored = Some(b);
            c.systemd_cgroup_ignored_key = Some(key);
            c.systemd_cgroup_ignored_at = Some(at(p::CONTAINERD_CONFIG, l));
        }
        c.config_error = cfg.parse_error.map(|(m, l)| format!("line {l}: {m}"));
        if let Some((path, l)) = cfg.registry_config_path {
            c.registry_config_path = Some(path);
            c.registry_config_path_at = Some(at(p::CONTAINERD_CONFIG, l));
        }
        c.registry_hosts = cfg
            .registry_hosts
            .into_iter()
            .map(|h| ContainerdRegistryHost {
                host: h.host,
                endpoints: h.endpoints,
                insecure_skip_verify: h.insecure_skip_verify,
                at: at(p::CONTAINERD_CONFIG, h.line),
            })
            .collect();
    }
    if let Some(t) = cx.text(p::CRI_INFO) {
        match serde_json::from_str::<Value>(&t) {
            Ok(v) => {
                any = true;
                let (sys, sandbox) = containerd::cri_info(&v);
                if c.systemd_cgroup.is_none() {
                    c.systemd_cgroup = sys;
                }
                if c.sandbox_image.is_none() {
                    c.sandbox_image = sandbox;
                }
            }
            Err(e) => cx.error(p::CRI_INFO, format!("not JSON ({e})")),
        }
    }
    if let Some(t) = cx.text(p::PACKAGES) {
        let pk = parse::host::packages(&t);
        if let Some((v, _)) = pk.get("containerd.io").or_else(|| pk.get("containerd")) {
            c.version = Some(v.clone());
            any = true;
        }
    }
    // Else the version docker reports for its containerd, else the node's runtime in nodes.json.
    if c.version.is_none() {
        c.version = cx
            .text(p::DOCKER_VERSION)
            .and_then(|t| docker::component_version(&t, "containerd"))
            .or_else(|| node_runtime_version(this_node, "containerd://"));
        any |= c.version.is_some();
    }
    any.then_some(c)
}

/// The version of `runtime` (`docker://`, `containerd://`) the node object reports running.
fn node_runtime_version(node: Option<&ClusterNode>, runtime: &str) -> Option<String> {
    node?
        .container_runtime_version
        .as_deref()?
        .strip_prefix(runtime)
        .map(str::to_string)
}
