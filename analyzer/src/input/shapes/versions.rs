//! The running kernel's and Docker's versions in a paste: `uname -a`, a `Kernel Version:` line,
//! a kernel or docker release named in prose (not a minimum, not an upgrade's target), `docker
//! info`'s block and `docker version`'s, as node/host/uname.txt, node/docker/info.txt and
//! node/docker/version.txt.

use std::sync::LazyLock;

use regex::Regex;

use super::{join, Line};

static UNAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bLinux\s+\S+\s+\d+\.\d+\.\d+\S*\s+#\d+").unwrap());
static KERNEL_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Kernel Version:\s*\d+\.\d+\.\d+\S*\s*$").unwrap());

/// A kernel release named by a label in an environment list or prose: `Kernel (e.g. `uname
/// -a`): 3.10.0-1160.el7.x86_64` (the kubernetes issue template), `系统内核:3.10.0-1127.el7.x86_64`
/// (cnblogs-jingzhe2020-14275613, dev), `KERNEL_VERSION: 5.4.0-52-generic` (kubeadm's system
/// verification), `kernel 3.10.0-1160.el7`, `Linux version 3.10.0-...` (/proc/version, dmesg's
/// first line). The label must be right before the release: a kernel log line naming a driver's
/// version (`kernel: e1000e 3.2.6-k`) has a word between them.
static KERNEL_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:\bkernel(?:[ _-]?version)?|\blinux version|内核(?:版本)?|\buname(?: -[ar])?)`?\s*(?:\([^)]*\))?\s*[:：=]?\s*`?([2-6]\.\d{1,2}\.\d{1,3}(?:-[\w.+~-]+)?)(?:[\s`,;)，。、；）]|$)").unwrap()
});

/// A Red Hat kernel release standing alone in prose (`centos 7.2  3.10.0-514.el7.x86_64`,
/// moby/moby#35545, dev): the `.elN.ARCH` form only the kernel's own release string has without a
/// package name before it (`kernel-3.10.0-...`, `docker-ce-18.09.1-3.el7.x86_64` are packages,
/// `/lib/modules/...` a path).
/// The architecture may be left out (`RHEL 7.9 kernel 3.10.0-1160.el7`): `3.10.0-NNN.el7` is
/// still no other package's release. A `yum list` row (`kernel.x86_64  3.10.0-1160.el7  @updates`)
/// names an installed kernel, not the running one.
static KERNEL_EL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s:：(`])([2-6]\.\d{1,2}\.\d{1,3}-[\d.]+\.el\d+(?:_\d+)?(?:\.(?:x86_64|aarch64|ppc64le|s390x))?)(?:[\s,;)`]|\.(?:\s|$)|$)").unwrap()
});
/// A kernel named only by its major.minor next to the word kernel, before or after it: `kernel
/// 3.10`, `内核版本 3.10`, `centos7 3.10(kernel)` (tkestack/tke#175, dev). Not a requirement
/// ("kernel 3.10 or higher", "at least kernel 3.10"): [`short_kernel`] checks the words around it.
static KERNEL_SHORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:(?:\bkernel(?:[ _-]?version)?|内核(?:版本)?)\s*(?:is\s+|[:：=]\s*)?v?([2-6]\.\d{1,2})|(?:^|[\s:：(（])([2-6]\.\d{1,2})\s*[(（]?\s*(?:kernel\b|内核))(?:\.[xX])?(?:[\s,;)(（，。、]|$)").unwrap()
});
/// Words that make a version a minimum rather than the one running.
static KERNEL_MIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^\s*(?:\+|or\s+(?:higher|later|newer|above|greater)|and\s+(?:later|above|newer)|及?以上|或更高)|(?:at\s+least|>=|≥|minimum|requires?|required|needs?|至少|需要|要求)\s*(?:linux\s+)?(?:kernel\s*(?:version)?\s*)?$)").unwrap()
});

/// The short release of [`KERNEL_SHORT`] on one line of prose, unless told as a minimum.
fn short_kernel(t: &str) -> Option<String> {
    let c = KERNEL_SHORT.captures(t)?;
    let m = c.get(1).or_else(|| c.get(2))?;
    let whole = c.get(0)?;
    let before = &t[..whole.start()];
    let after = &t[m.end()..];
    (!KERNEL_MIN.is_match(before) && !KERNEL_MIN.is_match(after)).then(|| m.as_str().to_string())
}
static YUM_KERNEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*kernel(?:-[\w-]+)?\.(?:x86_64|aarch64|ppc64le|s390x|noarch)\s").unwrap()
});

/// A line telling of an upgrade names a release the node ran before or will run: "update
/// keneral version from `3.10.0-327.el7.x86_64` to `4.4.232-1.el7.elrepo.x86_64`"
/// (docker/for-linux#591, dev), "upgraded from 3.10.0 to 5.4". No version on it is read as the
/// running one.
static UPGRADE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:up|down)grad|\bfrom\b.*?\d\.\d+.*?(?:\sto\s|->|→)").unwrap()
});

/// Lines of prose a version may be read from: output, not a command, and no upgrade told.
fn prose(lines: &[Line]) -> impl Iterator<Item = &str> + Clone {
    lines
        .iter()
        .filter(|l| !l.cmd && !UPGRADE.is_match(&l.text))
        .map(|l| l.text.as_str())
}

/// `uname -a` (from `Linux` on), else a `Kernel Version: X` line (docker info, describe node),
/// which parse::host::uname reads too, else the output of `uname -r` after its prompt, a release
/// named by a label, or a Red Hat release in prose (written as `Kernel Version: X`).
pub(super) fn uname(lines: &[Line]) -> Option<String> {
    let found = lines
        .iter()
        .filter(|l| !l.cmd)
        .find_map(|l| UNAME.find(&l.text).map(|m| l.text[m.start()..].to_string()));
    found
        .or_else(|| {
            lines
                .iter()
                .find(|l| !l.cmd && KERNEL_VERSION.is_match(&l.text))
                .map(|l| l.text.trim().to_string())
        })
        .or_else(|| {
            let after_prompt = lines.windows(2).find_map(|w| {
                let r = w[1].text.trim();
                (w[0].cmd
                    && w[0].text.split_whitespace().collect::<Vec<_>>() == ["uname", "-r"]
                    && !w[1].cmd
                    && r.starts_with(|c: char| c.is_ascii_digit())
                    && !r.contains(' ')
                    && parse_kernel(r))
                .then(|| r.to_string())
            });
            let in_text = || {
                let text = prose(lines);
                text.clone()
                    .find_map(|t| KERNEL_LABELLED.captures(t))
                    .or_else(|| {
                        text.clone()
                            .filter(|t| !YUM_KERNEL.is_match(t))
                            .find_map(|t| KERNEL_EL.captures(t))
                    })
                    .map(|c| c[1].trim_end_matches('.').to_string())
                    .or_else(|| text.filter_map(short_kernel).next())
            };
            after_prompt
                .or_else(in_text)
                .map(|r| format!("Kernel Version: {r}"))
        })
}

fn parse_kernel(r: &str) -> bool {
    r.split(['.', '-'])
        .take(3)
        .filter(|p| p.parse::<u32>().is_ok())
        .count()
        == 3
}

/// The docker version written after a label: `docker版本: 17.09.1-ce`
/// (cnblogs-jingzhe2020-14275613, dev), `docker --version    1.12.6` (moby/moby#35545, dev),
/// `Docker Version: 18.09.7` (written as `docker --version` prints it).
static DOCKER_LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[\s*+-]*docker(?:\s*版本|\s+--version|\s+-v|\s+version)\s*[:：]?\s*v?(\d+\.\d+\.\d+(?:-ce|-ee)?)(?:[\s,;]|$)").unwrap()
});

/// The docker version inside a sentence or a runtime field: `same issue on docker 18.06.2-ce and
/// Centos 7.6` (moby/moby#19758, dev), `Container runtime (CRI) and version (if applicable):
/// docker 19.03.12`, `docker-ce 18.09.2`, `Docker version 18.06.3-ce` after other words. Not an
/// image tag (`docker:19.03.12-dind`: the colon needs a space after it), not a package's full
/// release (`docker-ce-18.09.1-3.el7.x86_64` goes on past the version). The patch may be left
/// out (`docker-ce 17.03`, tkestack/tke#175, dev): a release line is all docker-ce's own.
static DOCKER_PROSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bdocker(?:-ce|-ee|-engine|\.io)?(?:\s+version)?(?:\s*[:：]\s+|\s+|-)`?v?(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?(?:-ce|-ee)?)(?:[\s`,;)，。、；）]|\.(?:\s|$)|$)").unwrap()
});

/// dockerd's start-up line (cmd/dockerd/daemon.go: logrus fields sorted, `version` last in text,
/// any place in JSON): `msg="Docker daemon" commit=2d0083d graphdriver(s)=overlay2 version=18.09.7`,
/// `"msg":"Docker daemon","storage-driver":"overlay2","version":"25.0.3"`.
static DOCKERD_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"\bmsg"?[=:]\s*"Docker daemon".*?\bversion"?[=:]\s*"?v?(\d+\.\d+\.\d+(?:-ce|-ee)?)"#,
    )
    .unwrap()
});

/// Keys only `docker info` prints (describe node has `Kernel Version` and `Operating System`).
const DOCKER_INFO_KEYS: &[&str] = &[
    "Server Version",
    "Storage Driver",
    "Cgroup Driver",
    "Backing Filesystem",
    "Supports d_type",
    "Docker Root Dir",
    "Logging Driver",
    "Containers",
    "Images",
    "Default Runtime",
    // the devicemapper pool's lines, also when grep kept only them (`docker info | grep Space`)
    "Data Space Total",
    "Metadata Space Total",
    "Thin Pool Minimum Free Space",
];

fn key_of(l: &str) -> &str {
    l.trim().split_once(':').map_or("", |(k, _)| k.trim())
}

/// The `docker info` block: the run of `key: value`, indented and `WARNING:` lines around its
/// own keys, when at least two of them are there.
pub(super) fn docker_info(lines: &[Line]) -> Option<String> {
    let anchor = lines
        .iter()
        .position(|l| !l.cmd && DOCKER_INFO_KEYS.contains(&key_of(&l.text)))?;
    let fits = |l: &Line| {
        !l.blank()
            && (l.text.contains(':') || l.text.starts_with(' ') || l.text.starts_with("WARNING"))
    };
    let mut start = anchor;
    while start > 0 && fits(&lines[start - 1]) {
        start -= 1;
    }
    let mut end = anchor;
    while end + 1 < lines.len() && fits(&lines[end + 1]) {
        end += 1;
    }
    let block = &lines[start..=end];
    let keys = block
        .iter()
        .filter(|l| DOCKER_INFO_KEYS.contains(&key_of(&l.text)))
        .count();
    (keys >= 2).then(|| join(block))
}

/// `docker version` (a `Server:` part with its ` Version:`), else `docker --version`'s
/// `Docker version X, build Y`.
pub(super) fn docker_version(lines: &[Line]) -> Option<String> {
    if let Some(s) = lines
        .iter()
        .position(|l| !l.cmd && l.text.trim_start().starts_with("Server:"))
    {
        let end = (s + 1..lines.len())
            .find(|&i| lines[i].blank())
            .unwrap_or(lines.len());
        let start = (0..s)
            .rev()
            .find(|&i| lines[i].cmd || lines[i].text.trim_start().starts_with("Client"))
            .filter(|&i| !lines[i].cmd)
            .unwrap_or(s);
        let block = &lines[start..end];
        if block
            .iter()
            .any(|l| l.text.trim_start().starts_with("Version:"))
        {
            return Some(join(block));
        }
    }
    lines
        .iter()
        .find(|l| !l.cmd && l.text.trim_start().starts_with("Docker version "))
        .map(|l| l.text.trim().to_string())
        .or_else(|| {
            lines
                .iter()
                .filter(|l| !l.cmd)
                .find_map(|l| {
                    DOCKER_LABELLED
                        .captures(&l.text)
                        .or_else(|| KUBELET_DOCKER.captures(&l.text))
                        .or_else(|| DOCKERD_START.captures(&l.text))
                })
                .or_else(|| prose(lines).find_map(|t| DOCKER_PROSE.captures(t)))
                .map(|c| format!("Docker version {}", &c[1]))
        })
}

/// The kubelet's start-up line naming its runtime (pkg/kubelet/kuberuntime/kuberuntime_manager.go,
/// 1.6+): `Container runtime docker initialized, version: 18.09.7, apiVersion: 1.39.0`, or the
/// node's `Container Runtime Version:  docker://19.3.5` of a `describe node` cut short.
static KUBELET_DOCKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Container runtime docker initialized, version: v?|^\s*Container Runtime Version:\s*docker://)(\d+\.\d+\.\d+(?:-ce|-ee)?)(?:,|\s*$)").unwrap()
});

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    /// kernel-old-3-10__moby-moby-27576.txt (dev): a prompt, `uname -a`, a cut `docker info`.
    #[test]
    fn uname_and_docker_info_from_moby_27576() {
        let t = "Write failed: Broken pipe\n\nuname command\n[work@sa-docker0-ct2.db01:~]$ uname -a\nLinux sa-docker0-ct2.db01 3.10.0-327.el7.x86_64 #1 SMP Thu Nov 19 22:10:57 UTC 2015 x86_64 x86_64 x86_64 GNU/Linux\n\ndocker info\nContainers: 2\n Running: 0\nImages: 4\nServer Version: 1.12.2\nStorage Driver: btrfs\n Build Version: Btrfs v3.19.1\nLogging Driver: json-file\nCgroup Driver: cgroupfs\n";
        let d = derive(t);
        assert!(get(&d, paths::UNAME)
            .unwrap()
            .starts_with("Linux sa-docker0-ct2.db01 3.10.0-327.el7.x86_64 #1"));
        let info = get(&d, paths::DOCKER_INFO).unwrap();
        assert!(info.starts_with("Containers: 2\n"), "{info}");
        assert!(info.ends_with("Cgroup Driver: cgroupfs\n"));
        assert!(!info.contains("docker info"));
    }

    /// neg-overlay-xfs-no-dtype__kata-containers-runtime-784.txt (dev): `Kernel Version:` in
    /// `docker info`, no uname line.
    #[test]
    fn kernel_version_line_without_uname() {
        let t = "Output of \"`docker info`\":\n```\nContainers: 16\nServer Version: 18.06.1-ce\nStorage Driver: overlay2\n Backing Filesystem: xfs\n Supports d_type: true\nKernel Version: 3.10.0-862.11.6.el7.x86_64\nOperating System: CentOS Linux 7 (Core)\n```\n";
        let d = derive(t);
        assert_eq!(
            get(&d, paths::UNAME),
            Some("Kernel Version: 3.10.0-862.11.6.el7.x86_64")
        );
        assert!(get(&d, paths::DOCKER_INFO)
            .unwrap()
            .contains(" Supports d_type: true\n"));
        assert!(derive("Kernel Version: unknown\nsee https://x\n").is_empty());
        // a major.minor alone is read as the short release it is
        let d = derive("Kernel Version: 5.4\nsee https://x\n");
        assert_eq!(d.len(), 1);
        assert_eq!(get(&d, paths::UNAME), Some("Kernel Version: 5.4"));
    }

    #[test]
    fn docker_version_forms() {
        let t = "$ docker version\nClient:\n Version:      18.09.0\n\nServer:\n Engine:\n  Version:      18.09.1\n";
        let v = derive(t);
        assert!(get(&v, paths::DOCKER_VERSION)
            .unwrap()
            .contains("  Version:      18.09.1"));
        let d = derive("Docker version 1.12.6, build 78d1802\n");
        assert_eq!(
            get(&d, paths::DOCKER_VERSION),
            Some("Docker version 1.12.6, build 78d1802")
        );
    }

    /// cgroup-kmem-leak__cnblogs-jingzhe2020-14275613.txt and kernel-old-3-10__moby-moby-35545.txt
    /// (dev): the kernel and docker versions written in an environment list, not as command output.
    #[test]
    fn kernel_and_docker_versions_named_in_prose() {
        let d = derive(&crate::input::corpus_snippet(
            "cgroup-kmem-leak__cnblogs-jingzhe2020-14275613.txt",
        ));
        assert_eq!(
            get(&d, paths::UNAME),
            Some("Kernel Version: 3.10.0-1127.el7.x86_64")
        );
        assert_eq!(
            get(&d, paths::DOCKER_VERSION),
            Some("Docker version 17.09.1-ce")
        );
        let d = derive(&crate::input::corpus_snippet(
            "kernel-old-3-10__moby-moby-35545.txt",
        ));
        assert_eq!(
            get(&d, paths::UNAME),
            Some("Kernel Version: 3.10.0-514.el7.x86_64")
        );
        assert_eq!(
            get(&d, paths::DOCKER_VERSION),
            Some("Docker version 1.12.6")
        );
        // `uname -r` after its prompt; kubeadm's system verification
        let d = derive("$ uname -r\n5.4.0-52-generic\n");
        assert_eq!(
            get(&d, paths::UNAME),
            Some("Kernel Version: 5.4.0-52-generic")
        );
        let d = derive("KERNEL_VERSION: 5.4.0-52-generic\n");
        assert_eq!(
            get(&d, paths::UNAME),
            Some("Kernel Version: 5.4.0-52-generic")
        );
        // packages, paths, a driver's version in a kernel line, an iptables version: no kernel
        for t in [
            "kernel-3.10.0-1160.el7.x86_64\ndocker-ce-18.09.1-3.el7.x86_64\n",
            "modprobe: FATAL: Module ip_vs not found in directory /lib/modules/3.10.0-1160.el7.x86_64\n",
            "Jan 18 14:57:18 minion kernel: e1000e 3.2.6-k\n",
            "iptables v1.8.3 (legacy): can't initialize iptables table `nat': Table does not exist (do you need to insmod?)\nPerhaps iptables or your kernel needs to be upgraded.\n",
        ] {
            assert_eq!(get(&derive(t), paths::UNAME), None, "{t}");
        }
    }

    /// kernel-old-3-10__moby-moby-19758.txt and neg-kernel-old-3-10__docker-for-linux-591.txt
    /// (dev): versions inside a sentence; a release named in upgrade prose is not the running one.
    #[test]
    fn versions_in_sentences_but_not_in_upgrade_prose() {
        let d = derive(&crate::input::corpus_snippet(
            "kernel-old-3-10__moby-moby-19758.txt",
        ));
        assert_eq!(
            get(&d, paths::UNAME),
            Some("Kernel Version: 3.10.0-957.el7.x86_64")
        );
        assert_eq!(
            get(&d, paths::DOCKER_VERSION),
            Some("Docker version 18.06.2-ce")
        );
        let d = derive(&crate::input::corpus_snippet(
            "neg-kernel-old-3-10__docker-for-linux-591.txt",
        ));
        assert_eq!(get(&d, paths::UNAME), None);
        assert_eq!(
            get(&d, paths::DOCKER_VERSION),
            Some("Docker version 18.06.3-ce")
        );
        for (t, want) in [
            ("RHEL 7.9 kernel 3.10.0-1160.el7\n", Some("3.10.0-1160.el7")),
            (
                "OS: CentOS 7.9 (3.10.0-1160.el7)\n",
                Some("3.10.0-1160.el7"),
            ),
            (
                "- Kernel (e.g. `uname -a`): 3.10.0-1160.el7.x86_64\n",
                Some("3.10.0-1160.el7.x86_64"),
            ),
            (
                "we upgraded the kernel from 3.10.0-1160.el7 to 5.4.0\n",
                None,
            ),
            ("moved from 3.10.0 to 5.4 and it works\n", None),
            ("kernel.x86_64    3.10.0-1160.el7    @updates\n", None),
            // a major.minor beside the word kernel (tkestack/tke#175, dev), in Chinese prose too
            (
                "My Environment is centos7 3.10(kernel); In my Environment\n",
                Some("3.10"),
            ),
            (
                "环境：CentOS 7.6，内核版本 3.10，docker 18.09.6\n",
                Some("3.10"),
            ),
            ("node kernel: 4.19\n", Some("4.19")),
            // a minimum is no running kernel
            ("Docker requires kernel 3.10 or higher.\n", None),
            ("needs at least kernel 3.10 for overlay\n", None),
            ("内核 3.10 以上\n", None),
            ("kubernetes 1.10 on centos\n", None),
        ] {
            let want = want.map(|r| format!("Kernel Version: {r}"));
            assert_eq!(get(&derive(t), paths::UNAME), want.as_deref(), "{t}");
        }
        for (t, want) in [
            (
                "Container runtime (CRI) and version (if applicable): docker 19.03.12\n",
                Some("19.03.12"),
            ),
            ("docker-ce 18.09.2 on CentOS\n", Some("18.09.2")),
            ("image: docker:19.03.12-dind\n", None),
            ("docker-ce-18.09.1-3.el7.x86_64\n", None),
            ("docker-compose 1.25.0\n", None),
            // release lines without the patch (tkestack/tke#175, dev)
            (
                "I see installer has docker-ce 17.03 and kubelet v1.16.6 (default)\n",
                Some("17.03"),
            ),
            ("环境：CentOS 7.6，内核版本 3.10，docker 18.09.6，k8s 1.16\n", Some("18.09.6")),
            // dockerd's start-up line, logrus text and JSON
            (
                "dockerd[1234]: time=\"2021-01-04T10:05:00+08:00\" level=info msg=\"Docker daemon\" commit=2d0083d graphdriver(s)=overlay2 version=18.09.7\n",
                Some("18.09.7"),
            ),
            (
                "{\"level\":\"info\",\"msg\":\"Docker daemon\",\"storage-driver\":\"overlay2\",\"version\":\"25.0.3\"}\n",
                Some("25.0.3"),
            ),
        ] {
            let want = want.map(|v| format!("Docker version {v}"));
            assert_eq!(
                get(&derive(t), paths::DOCKER_VERSION),
                want.as_deref(),
                "{t}"
            );
        }
    }
}
