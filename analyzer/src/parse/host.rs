//! Host identity: `uname -a`, /proc/version, /etc/os-release, package versions.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uname {
    pub hostname: Option<String>,
    pub kernel_release: String,
    pub arch: Option<String>,
}

/// `Linux node01 3.10.0-1160.el7.x86_64 #1 SMP Mon Oct 19 16:18:59 UTC 2020 x86_64 x86_64 x86_64 GNU/Linux`
pub fn uname(text: &str) -> Option<Uname> {
    let Some(line) = text.lines().find(|l| l.starts_with("Linux ")) else {
        // A release without the rest (`Kernel Version: 3.10.0-...` from docker info or
        // describe node, as a paste gives it).
        let r = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Kernel Version:"))?
            .trim();
        return (r.starts_with(|c: char| c.is_ascii_digit()) && !r.contains(' ')).then(|| Uname {
            hostname: None,
            kernel_release: r.to_string(),
            arch: None,
        });
    };
    let w: Vec<&str> = line.split_whitespace().collect();
    if w.len() < 3 || !w[2].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let arch = w
        .iter()
        .rev()
        .find(|t| {
            matches!(
                **t,
                "x86_64"
                    | "aarch64"
                    | "arm64"
                    | "ppc64le"
                    | "s390x"
                    | "i686"
                    | "armv7l"
                    | "mips64"
                    | "loongarch64"
                    | "riscv64"
            )
        })
        .map(|s| s.to_string());
    Some(Uname {
        hostname: Some(w[1].to_string()),
        kernel_release: w[2].to_string(),
        arch,
    })
}

/// `/proc/version`: `Linux version 3.10.0-229.7.2.el7.x86_64 (builder@...) ...` -> release.
pub fn proc_version(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix("Linux version ")?;
    let r = rest.split_whitespace().next()?;
    r.starts_with(|c: char| c.is_ascii_digit())
        .then(|| r.to_string())
}

/// `3.10.0-1160.el7.x86_64` -> [3, 10, 0]; `5.4.56-200.el7.x86_64` -> [5, 4, 56].
pub fn kernel_version(release: &str) -> Option<[u32; 3]> {
    let head = release.split(['-', '+', '_']).next()?;
    let mut it = head.split('.').map(|p| p.parse::<u32>());
    let maj = it.next()?.ok()?;
    let min = it.next()?.ok()?;
    let patch = it.next().and_then(|p| p.ok()).unwrap_or(0);
    Some([maj, min, patch])
}

/// `KEY="value"` lines (os-release, sysconfig). Comments and blank lines skipped, quotes removed.
pub fn key_values(text: &str) -> BTreeMap<String, (String, usize)> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        out.insert(k.to_string(), (unquote(v.trim()), i + 1));
    }
    out
}

pub fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

/// Versions from `rpm -q` (`docker-ce-20.10.7-3.el7.x86_64`) or `dpkg -l` (`ii  kubelet  1.22.2-00  amd64 ...`)
/// lines, for the packages kdiag cares about. Name -> (version, line).
pub fn packages(text: &str) -> BTreeMap<String, (String, usize)> {
    const NAMES: &[&str] = &[
        "docker-ce",
        "docker-ce-cli",
        "docker",
        "docker.io",
        "moby-engine",
        "containerd.io",
        "containerd",
        "runc",
        "kubelet",
        "kubeadm",
        "kubectl",
        "kernel",
    ];
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() >= 3 && (w[0] == "ii" || w[0] == "hi") {
            let name = w[1].split(':').next().unwrap_or(w[1]);
            if NAMES.contains(&name) {
                out.insert(name.to_string(), (w[2].to_string(), i + 1));
            }
            continue;
        }
        if w.len() != 1 || line.contains("not installed") {
            continue;
        }
        // rpm: NAME-VERSION-RELEASE.ARCH; the name is a known prefix followed by `-digit`.
        let full = w[0];
        for name in NAMES {
            if let Some(rest) = full.strip_prefix(name).and_then(|r| r.strip_prefix('-')) {
                if rest.starts_with(|c: char| c.is_ascii_digit()) {
                    out.insert(name.to_string(), (rest.to_string(), i + 1));
                    break;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// neg-overlay-xfs-no-dtype__kata-containers-runtime-784.txt (dev): docker info's line.
    #[test]
    fn uname_from_a_kernel_version_line() {
        let u = uname("Kernel Version: 3.10.0-862.11.6.el7.x86_64\n").unwrap();
        assert_eq!(u.kernel_release, "3.10.0-862.11.6.el7.x86_64");
        assert_eq!(u.hostname, None);
        assert!(uname("Kernel Version: unknown\n").is_none());
    }

    #[test]
    fn uname_and_versions() {
        let u = uname("Linux node2 3.10.0-229.7.2.el7.x86_64 #1 SMP Tue Jun 23 22:06:11 UTC 2015 x86_64 x86_64 x86_64 GNU/Linux\n").unwrap();
        assert_eq!(u.kernel_release, "3.10.0-229.7.2.el7.x86_64");
        assert_eq!(u.arch.as_deref(), Some("x86_64"));
        assert_eq!(kernel_version(&u.kernel_release), Some([3, 10, 0]));
        assert_eq!(kernel_version("5.4.56-200.el7.x86_64"), Some([5, 4, 56]));
        assert_eq!(kernel_version("6.1"), Some([6, 1, 0]));
        assert!(uname("uname: command not found").is_none());
        assert_eq!(
            proc_version("Linux version 3.10.0-693.21.1.el7.x86_64 (builder@kbuilder.dev.centos.org) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-16) (GCC) ) #1 SMP Wed Mar 7 19:03:37 UTC 2018\n").as_deref(),
            Some("3.10.0-693.21.1.el7.x86_64")
        );
    }

    #[test]
    fn os_release() {
        let t = "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n# comment\n";
        let kv = key_values(t);
        assert_eq!(kv["ID"].0, "centos");
        assert_eq!(kv["VERSION_ID"], ("7".to_string(), 5));
        assert_eq!(kv["PRETTY_NAME"].0, "CentOS Linux 7 (Core)");
    }

    #[test]
    fn package_lists() {
        let rpm = "docker-ce-20.10.7-3.el7.x86_64\ndocker-ce-cli-20.10.7-3.el7.x86_64\ncontainerd.io-1.4.6-3.1.el7.x86_64\nkubelet-1.22.2-0.x86_64\npackage kubeadm is not installed\nkernel-3.10.0-1160.el7.x86_64\n";
        let p = packages(rpm);
        assert_eq!(p["docker-ce"].0, "20.10.7-3.el7.x86_64");
        assert_eq!(p["docker-ce-cli"].0, "20.10.7-3.el7.x86_64");
        assert_eq!(p["containerd.io"].0, "1.4.6-3.1.el7.x86_64");
        assert_eq!(p["kubelet"], ("1.22.2-0.x86_64".to_string(), 4));
        assert!(!p.contains_key("kubeadm"));
        let dpkg = "ii  kubelet        1.22.2-00    amd64        Kubernetes Node Agent\nii  containerd.io  1.6.21-1     amd64        An open and reliable container runtime\n";
        let p = packages(dpkg);
        assert_eq!(p["kubelet"].0, "1.22.2-00");
        assert_eq!(p["containerd.io"].0, "1.6.21-1");
    }
}
