//! A sosreport-like tree of many small files for the benchmark: `sos_commands/<plugin>/<command>`
//! outputs, copied `etc/` and `proc/` files and `var/log/` logs, as sos lays them out, with
//! syslog-like text. Deterministic from the seed; reused when already generated.

use std::fs;
use std::path::{Path, PathBuf};

use crate::gen_bundle::Rng;

const PLUGINS: &[&str] = &[
    "kernel",
    "networking",
    "filesys",
    "memory",
    "systemd",
    "process",
    "selinux",
    "logs",
    "docker",
    "containerd",
    "kubernetes",
    "firewall_tables",
    "block",
    "hardware",
    "devicemapper",
    "lvm2",
    "rpm",
    "yum",
    "sar",
    "pci",
    "usb",
    "boot",
    "cgroups",
    "date",
    "host",
    "release",
];
const COMMANDS: &[&str] = &[
    "ip_-d_address",
    "ip_route_show_table_all",
    "ss_-peaonmi",
    "iptables-save",
    "lsmod",
    "sysctl_-a",
    "df_-al_-x_autofs",
    "free_-m",
    "systemctl_list-units",
    "ps_auxwww",
    "journalctl_--no-pager",
    "dmesg",
    "mount_-l",
    "lsblk",
    "dmidecode",
    "uname_-a",
];
/// Files the analyzer maps onto the kdiag layout (analyzer/src/input/foreign/tables.rs), as sos
/// names them; the rest of the tree is what no rule reads.
const REAL: &[&str] = &[
    "sos_commands/logs/journalctl_--no-pager",
    "sos_commands/logs/journalctl_--no-pager_--boot",
    "sos_commands/kubernetes/journalctl_--no-pager_--unit_kubelet",
    "sos_commands/docker/journalctl_--no-pager_--unit_docker",
    "sos_commands/kernel/dmesg",
    "sos_commands/kernel/sysctl_-a",
    "sos_commands/kernel/uname_-a",
    "sos_commands/host/hostname",
    "sos_commands/filesys/df_-al_-x_autofs",
    "sos_commands/memory/free_-m",
    "sos_commands/networking/ip_route_show_table_all",
    "var/log/messages",
    "proc/mounts",
    "proc/cgroups",
];
const TOP: &[&str] = &[
    "etc",
    "proc/sys/net/ipv4",
    "sys/fs/cgroup",
    "var/log",
    "proc",
];
const WORDS: &[&str] = &[
    "kubelet",
    "dockerd",
    "containerd",
    "systemd",
    "kernel",
    "eth0",
    "volume",
    "mount",
    "started",
    "stopped",
    "reloading",
    "succeeded",
    "connection",
    "established",
    "pod",
    "sandbox",
    "image",
];

/// Writes `<out>/sosreport-bench-<files>` with `files` files; returns the folder.
pub fn run(out: &Path, files: usize, seed: u64) -> Result<PathBuf, String> {
    let top = out.join(format!("sosreport-bench-{files}"));
    let stamp = top.join("version.txt");
    let want = format!("sosreport\nversion: 4.5.6\nbench-files {files} seed {seed} v2\n");
    if fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return Ok(top);
    }
    let _ = fs::remove_dir_all(&top);
    let mut rng = Rng(seed);
    let mut line = String::new();
    for i in 0..files.saturating_sub(2) {
        let rel = if let Some(real) = REAL.get(i) {
            real.to_string()
        } else if i % 2 == 0 {
            format!(
                "sos_commands/{}/{}_{i}",
                PLUGINS[i / 2 % PLUGINS.len()],
                rng.pick(COMMANDS)
            )
        } else {
            format!("{}/d{}/f{i}.conf", rng.pick(TOP), i % 97)
        };
        // Mostly small files, a few of tens of KiB, as sos trees are; the journals are big.
        let size = if i < 4 {
            8 << 20
        } else {
            [300u64, 800, 2_000, 6_000, 40_000][rng.below(5) as usize]
        };
        let mut text = String::with_capacity(size as usize + 200);
        while (text.len() as u64) < size {
            line.clear();
            line.push_str(&format!(
                "Nov 22 {:02}:{:02}:{:02} node01 {}[{}]:",
                rng.below(24),
                rng.below(60),
                rng.below(60),
                rng.pick(WORDS),
                100 + rng.below(30_000)
            ));
            for _ in 0..8 {
                line.push(' ');
                line.push_str(rng.pick(WORDS));
            }
            line.push('\n');
            text.push_str(&line);
        }
        let p = top.join(rel);
        fs::create_dir_all(p.parent().expect("a file under the top folder"))
            .and_then(|()| fs::write(&p, text))
            .map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let manifest = top.join("sos_reports/manifest.json");
    fs::create_dir_all(manifest.parent().expect("sos_reports/"))
        .and_then(|()| fs::write(&manifest, "{\"version\": \"4.5.6\", \"components\": {}}\n"))
        .and_then(|()| fs::write(&stamp, want))
        .map_err(|e| format!("{}: {e}", top.display()))?;
    Ok(top)
}
