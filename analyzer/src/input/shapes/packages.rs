//! Installed container packages in a paste: `rpm -qa | grep docker` (NAME-VERSION-RELEASE.ARCH, one
//! a line) and `dpkg -l | grep containerd` rows (`ii  NAME  VERSION  ARCH  DESCRIPTION`), written as
//! the packages file facts read (parse::host::packages): the runtime and kubelet versions. Kernel
//! packages are left out: an installed kernel is not the running one.

use std::sync::LazyLock;

use regex::Regex;

use super::Line;

/// The packages read: the container runtimes and the kubelet (parse::host::packages knows them).
const NAMES: &str = r"docker-ce|docker-ce-cli|docker|docker-engine|docker\.io|moby-engine|containerd\.io|containerd|runc|kubelet|kubeadm";

static RPM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:{NAMES})-\d[\w.~+]*-[\w.~+]+\.(?:x86_64|aarch64|ppc64le|s390x|noarch)$"
    ))
    .unwrap()
});
static DPKG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^[hi]i\s+(?:{NAMES})(?::[\w-]+)?\s+[\w.~+:-]*\d[\w.~+:-]*\s+\S+"
    ))
    .unwrap()
});

/// The package lines of the paste, as they were printed (a prompt or a command is no package).
pub(super) fn packages(lines: &[Line]) -> Option<String> {
    let rows: Vec<&str> = lines
        .iter()
        .filter(|l| !l.cmd)
        .map(|l| l.text.trim())
        .filter(|t| RPM.is_match(t) || DPKG.is_match(t))
        .collect();
    (!rows.is_empty()).then(|| rows.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    #[test]
    fn rpm_and_dpkg_rows() {
        let t = "[root@node01 ~]# rpm -qa | grep -E 'docker|kernel'\ndocker-ce-18.06.3.ce-3.el7.x86_64\nkernel-3.10.0-957.el7.x86_64\ndocker-ce-cli-19.03.5-3.el7.x86_64\n";
        assert_eq!(
            get(&derive(t), paths::PACKAGES),
            Some("docker-ce-18.06.3.ce-3.el7.x86_64\ndocker-ce-cli-19.03.5-3.el7.x86_64\n")
        );
        let t = "$ dpkg -l | grep containerd\nii  containerd.io  1.4.3-1  amd64  An open and reliable container runtime\n";
        assert!(get(&derive(t), paths::PACKAGES)
            .unwrap()
            .starts_with("ii  containerd.io  1.4.3-1"));
        // a command typed, an install line, a package in prose: no package file
        for t in [
            "# yum install -y docker-ce-18.09.1-3.el7.x86_64\n",
            "Package docker-ce-18.09.1-3.el7.x86_64 already installed and latest version\n",
            "kernel-3.10.0-1160.el7.x86_64\n",
        ] {
            assert_eq!(get(&derive(t), paths::PACKAGES), None, "{t}");
        }
    }
}
