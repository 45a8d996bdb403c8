//! `cargo xtask gen-bundle`: a realistic synthetic bundle of a chosen size, deterministic from a seed.
//!
//! The journals are in `journalctl -o short-iso` form with the real mix of klog lines: mostly healthy
//! chatter, with failures from the rule catalog injected at known lines. The injected lines are listed
//! in `<bundle>.injected.json` beside the bundle, so benchmarks can check that analyze found them.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use kdiag_bundle::time::civil_from_days;
use kdiag_bundle::{bundle_name, paths, FORMAT, FORMAT_VERSION, MANIFEST_PATH};
use serde_json::{json, Value};

use crate::run_checked;

pub struct Options {
    pub size: u64,
    pub seed: u64,
    pub hostname: String,
    pub out: PathBuf,
}

pub fn parse_args(args: &[String], default_out: PathBuf) -> Result<Options, String> {
    let mut o = Options {
        size: 64 << 20,
        seed: 42,
        hostname: "bench-node01".into(),
        out: default_out,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "--size" => o.size = parse_size(&val("--size")?)?,
            "--seed" => o.seed = val("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--hostname" => o.hostname = val("--hostname")?,
            "--out" => o.out = PathBuf::from(val("--out")?),
            other => return Err(format!("gen-bundle: unknown argument `{other}`")),
        }
    }
    Ok(o)
}

/// `123`, `64K`, `100M`, `1G` (binary units).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 1u64 << 10),
        Some((i, 'M' | 'm')) => (&s[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size like 512M or 1G"))?;
    if n.is_nan() || n <= 0.0 {
        return Err(format!("size must be positive, got `{s}`"));
    }
    Ok((n * mult as f64) as u64)
}

/// A small deterministic PRNG (splitmix64): the same seed gives the same bundle byte for byte.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// Bump when the generated content changes: cached bundles of an older generator are rebuilt.
const GEN_VERSION: u32 = 1;

/// Collection time of every synthetic bundle; the journals cover the 24 h before it.
const COLLECTED_AT: &str = "2026-11-22T08:30:00Z";
const COLLECTED_COMPACT: &str = "20261122T083000Z";
/// 2026-11-21T08:30:00Z as unix seconds.
const WINDOW_START: i64 = 1_795_249_800;

/// (bundle path, share of the journal bytes)
const JOURNALS: &[(&str, u64)] = &[
    (paths::JOURNAL_KUBELET, 50),
    (paths::JOURNAL_DOCKER, 30),
    (paths::JOURNAL_CONTAINERD, 20),
];

/// Failure lines from the rule catalog, injected at known lines: (journal, rule id, message).
const INJECTED: &[(&str, &str, &str)] = &[
    (paths::JOURNAL_KUBELET, "selinux-keycreate-denied",
     "E{md} {hms}.{us}    {pid} kuberuntime_manager.go:758] createPodSandbox for pod \"coredns-7f89b7bc75-x8k2p_kube-system(b8050fd3-4ffe-11eb-a82e-c6090b53405b)\" failed: rpc error: code = Unknown desc = failed to start sandbox container for pod \"coredns-7f89b7bc75-x8k2p\": Error response from daemon: OCI runtime create failed: container_linux.go:349: starting container process caused \"process_linux.go:449: container init caused \\\"write /proc/self/attr/keycreate: permission denied\\\"\": unknown"),
    (paths::JOURNAL_KUBELET, "node-disk-pressure-eviction",
     "W{md} {hms}.{us}    {pid} eviction_manager.go:344] eviction manager: attempting to reclaim ephemeral-storage"),
    (paths::JOURNAL_KUBELET, "cgroup-driver-mismatch",
     "E{md} {hms}.{us}    {pid} server.go:302] \"Failed to run kubelet\" err=\"failed to run Kubelet: misconfiguration: kubelet cgroup driver: \\\"cgroupfs\\\" is different from docker cgroup driver: \\\"systemd\\\"\""),
    (paths::JOURNAL_DOCKER, "registry-http-vs-https",
     "time=\"{iso}\" level=error msg=\"Handler for POST /v1.40/images/create returned error: Get https://192.168.1.10:5000/v2/: http: server gave HTTP response to HTTPS client\""),
    (paths::JOURNAL_CONTAINERD, "image-corrupted",
     "time=\"{iso}\" level=error msg=\"PullImage \\\"192.168.1.10:5000/app/web:1.4.2\\\" failed\" error=\"failed to pull and unpack image: failed to extract layer sha256:4a1d3c: unknown blob\""),
];

const PODS: &[&str] = &[
    "web", "api", "worker", "cache", "queue", "auth", "billing", "search",
];
const NAMESPACES: &[&str] = &["default", "shop", "payments", "monitoring", "kube-system"];

pub fn run(o: &Options) -> Result<PathBuf, String> {
    let name = bundle_name(&o.hostname, COLLECTED_COMPACT);
    let top = o.out.join(&name);
    let tgz = o.out.join(format!("{name}.tgz"));
    // The same size, seed and generator give the same bytes: reuse a finished bundle (the stamp
    // is written last, so an interrupted run is regenerated).
    let stamp_path = o.out.join(format!("{name}.stamp"));
    let key = format!(
        "gen-bundle v{GEN_VERSION} size={} seed={}\n",
        o.size, o.seed
    );
    if top.is_dir()
        && tgz.is_file()
        && fs::read_to_string(&stamp_path).ok().as_deref() == Some(&key)
    {
        eprintln!(
            "gen-bundle: {} is up to date (size and seed unchanged)",
            tgz.display()
        );
        return Ok(tgz);
    }
    let _ = fs::remove_file(&stamp_path);
    if top.exists() {
        fs::remove_dir_all(&top).map_err(|e| format!("cannot clear {}: {e}", top.display()))?;
    }
    let mut rng = Rng(o.seed);
    let mut items = Vec::new();
    let mut injected = Vec::new();

    for (path, share) in JOURNALS {
        let bytes = o.size * share / 100;
        let lines = write_journal(&top, path, bytes, &o.hostname, &mut rng, &mut injected)?;
        items.push(item(
            &top,
            path,
            &format!("journalctl -u {} --since ... -o short-iso", unit_of(path)),
        )?);
        eprintln!("gen-bundle: {path}: {lines} lines");
    }
    for (path, body) in node_files(&o.hostname) {
        write(&top, path, body.as_bytes())?;
        items.push(item(&top, path, path)?);
    }
    let (pods, events) = cluster_lists(&o.hostname, &mut rng);
    for (path, v) in [(paths::PODS, pods), (paths::EVENTS, events)] {
        let text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
        write(&top, path, text.as_bytes())?;
        items.push(item(&top, path, "kubectl get -A -o json")?);
    }
    let manifest = json!({
        "format": FORMAT, "format_version": FORMAT_VERSION, "collector_version": "gen-bundle",
        "hostname": o.hostname, "collected_at": COLLECTED_AT, "since": "2026-11-21T08:30:00Z",
        "uid": 0, "args": ["xtask", "gen-bundle", "--seed", o.seed.to_string()], "items": items,
    });
    write(
        &top,
        MANIFEST_PATH,
        serde_json::to_string_pretty(&manifest).unwrap().as_bytes(),
    )?;

    run_checked(
        Command::new("tar")
            .arg("-czf")
            .arg(&tgz)
            .arg("--sort=name")
            .arg("--mtime=2026-11-22 08:30:00Z")
            .arg("--owner=0")
            .arg("--group=0")
            .arg("-C")
            .arg(&o.out)
            .arg(&name),
    )?;
    let list = serde_json::to_string_pretty(&injected).unwrap();
    fs::write(o.out.join(format!("{name}.injected.json")), list).map_err(|e| e.to_string())?;
    fs::write(&stamp_path, key).map_err(|e| e.to_string())?;
    Ok(tgz)
}

fn unit_of(path: &str) -> &str {
    path.rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".log")
}

fn write(top: &Path, rel: &str, data: &[u8]) -> Result<(), String> {
    let p = top.join(rel);
    fs::create_dir_all(p.parent().unwrap()).map_err(|e| e.to_string())?;
    fs::write(&p, data).map_err(|e| format!("cannot write {}: {e}", p.display()))
}

fn item(top: &Path, rel: &str, source: &str) -> Result<Value, String> {
    let bytes = fs::metadata(top.join(rel))
        .map_err(|e| e.to_string())?
        .len();
    Ok(
        json!({"path": rel, "source": source, "status": "ok", "exit_code": 0,
              "duration_ms": 0, "bytes": bytes, "sha256": "", "truncated": false, "redactions": 0}),
    )
}

struct Stamp {
    iso: String, // 2026-11-21T08:30:00+0000 (journal prefix)
    rfc: String, // 2026-11-21T08:30:00.123456789Z (dockerd/containerd time=)
    md: String,  // 1121 (klog)
    hms: String, // 08:30:00
    us: String,  // 123456
}

fn stamp(t: i64, frac_us: u64) -> Stamp {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    let hms = format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    Stamp {
        iso: format!("{y}-{m:02}-{d:02}T{hms}+0000"),
        rfc: format!("{y}-{m:02}-{d:02}T{hms}.{frac_us:06}000Z"),
        md: format!("{m:02}{d:02}"),
        hms,
        us: format!("{frac_us:06}"),
    }
}

fn healthy(unit: &str, st: &Stamp, rng: &mut Rng, out: &mut String) {
    let pod = rng.pick(PODS);
    let ns = rng.pick(NAMESPACES);
    let id = rng.next();
    match unit {
        "kubelet" => {
            let (sev, body) = match rng.below(10) {
                0..=3 => ("I", format!("reconciler.go:224] \"operationExecutor.VerifyControllerAttachedVolume started for volume \\\"kube-api-access-{:05x}\\\" (UniqueName: \\\"kubernetes.io/projected/{id:016x}-kube-api-access\\\") pod \\\"{pod}-{:05x}\\\" (UID: \\\"{id:016x}\\\")\"", id & 0xfffff, id & 0xfffff)),
                4..=5 => ("I", format!("kubelet.go:2135] \"SyncLoop (PLEG): event for pod\" pod=\"{ns}/{pod}-{:05x}\" event=&{{ID:{id:016x} Type:ContainerStarted}}", id & 0xfffff)),
                6 => ("I", format!("kubelet_getters.go:182] \"Pod status updated\" pod=\"{ns}/{pod}-{:05x}\" status=Running", id & 0xfffff)),
                7 => ("W", format!("container.go:586] Failed to update stats for container \"/kubepods/burstable/pod{id:016x}\": unable to determine device info for dir: /var/lib/docker/overlay2/{id:016x}/diff: stat failed on /var/lib/docker/overlay2/{id:016x}/diff with error: no such file or directory, continuing to push stats")),
                8 => ("I", format!("prober.go:117] \"Probe succeeded\" probeType=\"Readiness\" pod=\"{ns}/{pod}-{:05x}\" containerName=\"{pod}\"", id & 0xfffff)),
                _ => ("I", "kubelet_node_status.go:563] \"Recording event message for node\" node=\"bench-node01\" event=\"NodeReady\"".to_string()),
            };
            let _ = write!(out, "{sev}{} {}.{}    1234 {body}", st.md, st.hms, st.us);
        }
        "docker" => {
            let body = match rng.below(4) {
                0 | 1 => format!("level=info msg=\"ignoring event\" container={id:016x}{id:016x} module=libcontainerd namespace=moby topic=/tasks/delete type=\"*events.TaskDelete\""),
                2 => format!("level=info msg=\"Container {id:016x} failed to exit within 10 seconds of signal 15 - using the force\""),
                _ => "level=warning msg=\"Your kernel does not support cgroup blkio weight_device\"".to_string(),
            };
            let _ = write!(out, "time=\"{}\" {body}", st.rfc);
        }
        _ => {
            let body = match rng.below(3) {
                0 => format!("level=info msg=\"shim disconnected\" id={id:016x}{id:016x}"),
                1 => "level=info msg=\"cleaning up dead shim\" namespace=moby".to_string(),
                _ => format!("level=info msg=\"starting signal loop\" namespace=k8s.io path=/run/containerd/io.containerd.runtime.v2.task/k8s.io/{id:016x} pid={}", 1000 + id % 60000),
            };
            let _ = write!(out, "time=\"{}\" {body}", st.rfc);
        }
    }
}

fn write_journal(
    top: &Path,
    rel: &str,
    bytes: u64,
    host: &str,
    rng: &mut Rng,
    injected: &mut Vec<Value>,
) -> Result<u64, String> {
    let p = top.join(rel);
    fs::create_dir_all(p.parent().unwrap()).map_err(|e| e.to_string())?;
    let mut w = BufWriter::with_capacity(1 << 20, File::create(&p).map_err(|e| e.to_string())?);
    let unit = unit_of(rel);
    let (prog, pid) = match unit {
        "kubelet" => ("kubelet", 1234),
        "docker" => ("dockerd", 987),
        _ => ("containerd", 876),
    };
    // ~230 bytes a line on average: spread the lines evenly over the 24 h window.
    let est_lines = (bytes / 230).max(1);
    let mine: Vec<_> = INJECTED.iter().filter(|(j, _, _)| *j == rel).collect();
    let mut written = 0u64;
    let mut n = 0u64;
    let mut line = String::with_capacity(1024);
    while written < bytes {
        n += 1;
        let t = WINDOW_START + ((n * 86_400) / est_lines).min(86_399) as i64;
        let st = stamp(t, rng.below(1_000_000));
        line.clear();
        let _ = write!(line, "{} {host} {prog}[{pid}]: ", st.iso);
        // One failure of each kind every ~50k lines, at a line number anyone can recompute.
        let inject = mine
            .get((n / 50_000) as usize % mine.len().max(1))
            .filter(|_| n % 50_000 == 25_000);
        match inject {
            Some((_, rule, tmpl)) => {
                let msg = tmpl
                    .replace("{md}", &st.md)
                    .replace("{hms}", &st.hms)
                    .replace("{us}", &st.us)
                    .replace("{pid}", &pid.to_string())
                    .replace("{iso}", &st.rfc);
                line.push_str(&msg);
                injected.push(json!({"path": rel, "line": n, "rule": rule}));
            }
            None => healthy(unit, &st, rng, &mut line),
        }
        line.push('\n');
        w.write_all(line.as_bytes()).map_err(|e| e.to_string())?;
        written += line.len() as u64;
    }
    w.flush().map_err(|e| e.to_string())?;
    Ok(n)
}

fn node_files(host: &str) -> Vec<(&'static str, String)> {
    vec![
        (paths::HOSTNAME, format!("{host}\n")),
        (paths::UNAME, format!("Linux {host} 3.10.0-1160.el7.x86_64 #1 SMP Mon Oct 19 16:18:59 UTC 2020 x86_64 x86_64 x86_64 GNU/Linux\n")),
        (paths::OS_RELEASE, "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n".into()),
        (paths::PROC_VERSION, "Linux version 3.10.0-1160.el7.x86_64 (mockbuild@kbuilder.bsys.centos.org) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-44) (GCC) ) #1 SMP Mon Oct 19 16:18:59 UTC 2020\n".into()),
        (paths::PROC_SWAPS, "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n".into()),
        (paths::PROC_CGROUPS, "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t5\t87\t1\ncpu\t3\t183\t1\ncpuacct\t3\t183\t1\nmemory\t9\t183\t1\ndevices\t6\t183\t1\nfreezer\t10\t87\t1\nnet_cls\t4\t87\t1\nblkio\t7\t183\t1\nperf_event\t2\t87\t1\nhugetlb\t11\t87\t1\npids\t8\t183\t1\nnet_prio\t4\t87\t1\n".into()),
        (paths::DF, "Filesystem              Type     1024-blocks     Used Available Capacity Mounted on\n/dev/mapper/centos-root xfs         52403200 31441920  20961280      61% /\ndevtmpfs                devtmpfs     8118804        0   8118804       0% /dev\n/dev/sda1               xfs          1038336   192340    845996      19% /boot\n/dev/sdb1               xfs        209612800 94325760 115287040      46% /var/lib/docker\n".into()),
        (paths::DOCKER_DAEMON_JSON, "{\n  \"exec-opts\": [\"native.cgroupdriver=systemd\"],\n  \"log-driver\": \"json-file\",\n  \"log-opts\": { \"max-size\": \"100m\" },\n  \"storage-driver\": \"overlay2\"\n}\n".into()),
        (paths::KUBELET_CONFIG, "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nevictionHard:\n  memory.available: 100Mi\n  nodefs.available: 10%\n  imagefs.available: 15%\nfailSwapOn: true\n".into()),
        (paths::IP_ROUTE, "default via 10.0.0.1 dev eth0 proto static metric 100\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.21 metric 100\n10.244.0.0/16 dev flannel.1\n".into()),
    ]
}

fn cluster_lists(host: &str, rng: &mut Rng) -> (Value, Value) {
    let mut pods = Vec::new();
    for i in 0..300 {
        let ns = rng.pick(NAMESPACES);
        let app = rng.pick(PODS);
        let name = format!("{app}-{:08x}-{:05x}", rng.next() as u32, i);
        pods.push(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "uid": format!("{:016x}", rng.next()),
                          "creationTimestamp": "2026-11-20T03:00:00Z", "labels": {"app": app}},
            "spec": {"nodeName": host, "dnsPolicy": "ClusterFirst",
                     "containers": [{"name": app, "image": format!("192.168.1.10:5000/{ns}/{app}:1.{}", i % 7),
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                                   "limits": {"memory": "256Mi"}}}]},
            "status": {"phase": "Running", "podIP": format!("10.244.{}.{}", i / 250, i % 250 + 2),
                       "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": app, "ready": true, "restartCount": rng.below(3),
                                              "state": {"running": {"startedAt": "2026-11-20T03:01:00Z"}}}]}
        }));
    }
    let mut events = Vec::new();
    for i in 0..500 {
        let ns = rng.pick(NAMESPACES);
        let (ty, reason, msg) = match rng.below(5) {
            0 => ("Warning", "BackOff", "Back-off restarting failed container"),
            1 => (
                "Normal",
                "Pulled",
                "Container image already present on machine",
            ),
            2 => (
                "Warning",
                "Unhealthy",
                "Readiness probe failed: HTTP probe failed with statuscode: 503",
            ),
            3 => ("Normal", "Scheduled", "Successfully assigned pod to node"),
            _ => ("Normal", "Started", "Started container"),
        };
        events.push(json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("ev.{i:05}"), "namespace": ns},
            "involvedObject": {"kind": "Pod", "namespace": ns, "name": format!("{}-{i:05}", rng.pick(PODS))},
            "type": ty, "reason": reason, "message": msg, "count": 1 + rng.below(20),
            "firstTimestamp": "2026-11-22T07:00:00Z", "lastTimestamp": "2026-11-22T08:20:00Z",
            "source": {"component": "kubelet", "host": host}
        }));
    }
    let list = |items| json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}});
    (list(pods), list(events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert_eq!(parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(parse_size("512").unwrap(), 512);
        assert!(parse_size("x").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn civil_dates() {
        let st = stamp(WINDOW_START, 5);
        assert_eq!(st.iso, "2026-11-21T08:30:00+0000");
        assert_eq!(st.md, "1121");
        assert_eq!(st.rfc, "2026-11-21T08:30:00.000005000Z");
    }

    #[test]
    fn same_seed_same_bundle() {
        let dir = std::env::temp_dir().join(format!("kdiag-gen-{}", std::process::id()));
        let mk = |sub: &str| Options {
            size: 2 << 20,
            seed: 7,
            hostname: "n1".into(),
            out: dir.join(sub),
        };
        run(&mk("a")).unwrap();
        run(&mk("b")).unwrap();
        let name = format!("kdiag-n1-{COLLECTED_COMPACT}");
        for f in [paths::JOURNAL_KUBELET, paths::PODS, MANIFEST_PATH] {
            let a = fs::read(dir.join("a").join(&name).join(f)).unwrap();
            let b = fs::read(dir.join("b").join(&name).join(f)).unwrap();
            assert_eq!(a, b, "{f} differs between two runs with one seed");
        }
        let kubelet =
            fs::read_to_string(dir.join("a").join(&name).join(paths::JOURNAL_KUBELET)).unwrap();
        assert!(kubelet.len() as u64 >= (2 << 20) / 2);
        assert!(kubelet
            .lines()
            .all(|l| l.starts_with("2026-11-2") && l.contains(" n1 kubelet[1234]: ")));
        let injected: Vec<Value> = serde_json::from_str(
            &fs::read_to_string(dir.join("a").join(format!("{name}.injected.json"))).unwrap(),
        )
        .unwrap();
        let lines: Vec<&str> = kubelet.lines().collect();
        for inj in injected
            .iter()
            .filter(|v| v["path"] == paths::JOURNAL_KUBELET)
        {
            let n = inj["line"].as_u64().unwrap() as usize;
            assert!(
                !lines[n - 1].contains("reconciler.go"),
                "line {n} is not the injected one"
            );
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
