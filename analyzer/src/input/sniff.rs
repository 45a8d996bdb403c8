//! Guessing what a loose text is (a pasted journal, dmesg, kubectl output, an iptables listing...).

use crate::texts::node::TextKind;
use crate::units::logtime as journal;

/// Looks at the first few hundred lines and votes. Ties and no votes give `Unknown`.
pub fn sniff_text(text: &str) -> TextKind {
    let mut kubelet = 0u32;
    let mut docker = 0u32;
    let mut containerd = 0u32;
    let mut dmesg = 0u32;
    let mut describe = 0u32;
    let mut get = 0u32;
    let mut iptables = 0u32;
    let mut container_log = 0u32;
    let mut klog = 0u32;
    let mut first_nonempty = true;
    for line in text.lines().take(400) {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if first_nonempty {
            first_nonempty = false;
            if looks_like_get_header(line) {
                get += 10;
            }
        }
        if let Some(j) = journal::parse_line(line, None) {
            if j.host.is_some() {
                match j.unit.unwrap_or("") {
                    "kubelet" => kubelet += 2,
                    "dockerd" | "docker" => docker += 2,
                    "containerd" => containerd += 2,
                    "kernel" => dmesg += 2,
                    _ => {}
                }
                continue;
            }
            if j.severity.is_some() && j.source.is_some() {
                klog += 1;
                continue;
            }
        }
        if is_dmesg_line(line) {
            dmesg += 2;
            continue;
        }
        if line.starts_with("*filter")
            || line.starts_with("*nat")
            || line.starts_with("*mangle")
            || line.starts_with("*raw")
            || (line.starts_with(':') && line.contains(" ["))
            || line.starts_with("-A ")
            || line.starts_with("-N ")
            || (line.starts_with("Chain ")
                && (line.contains("(policy") || line.contains("references)")))
        {
            iptables += 2;
            continue;
        }
        if is_container_log_line(line) {
            container_log += 2;
            continue;
        }
        let key = line.split(':').next().unwrap_or("");
        if !line.starts_with(' ')
            && line.contains(':')
            && matches!(
                key,
                "Name"
                    | "Namespace"
                    | "Priority"
                    | "Node"
                    | "Start Time"
                    | "Labels"
                    | "Annotations"
                    | "Status"
                    | "IP"
                    | "IPs"
                    | "Controlled By"
                    | "Containers"
                    | "Conditions"
                    | "Volumes"
                    | "QoS Class"
                    | "Node-Selectors"
                    | "Tolerations"
                    | "Events"
                    | "Roles"
                    | "CreationTimestamp"
                    | "Taints"
                    | "Capacity"
                    | "Allocatable"
                    | "System Info"
            )
        {
            describe += 1;
            continue;
        }
    }
    if klog > 0 {
        if text.contains("kubelet") || text.contains("kuberuntime_") || text.contains("pod_workers")
        {
            kubelet += klog;
        } else {
            container_log += klog;
        }
    }
    if describe < 3 {
        describe = 0;
    }
    let votes = [
        (kubelet, TextKind::KubeletJournal),
        (docker, TextKind::DockerJournal),
        (containerd, TextKind::ContainerdJournal),
        (dmesg, TextKind::Dmesg),
        (describe, TextKind::KubectlDescribe),
        (get, TextKind::KubectlGet),
        (iptables, TextKind::Iptables),
        (container_log, TextKind::ContainerLog),
    ];
    let best = votes.iter().map(|v| v.0).max().unwrap_or(0);
    if best == 0 || votes.iter().filter(|v| v.0 == best).count() > 1 {
        return TextKind::Unknown;
    }
    votes
        .iter()
        .find(|v| v.0 == best)
        .map(|v| v.1)
        .unwrap_or(TextKind::Unknown)
}

fn looks_like_get_header(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    (words.first() == Some(&"NAME") || words.first() == Some(&"NAMESPACE"))
        && words.len() >= 2
        && words.iter().all(|w| {
            w.chars()
                .all(|c| c.is_ascii_uppercase() || c == '-' || c == '(' || c == ')' || c == '_')
        })
}

/// `[ 1234.567890] msg` or `[Sun Nov 22 08:01:02 2026] msg` (dmesg -T).
pub fn is_dmesg_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('[') else {
        return false;
    };
    let Some(end) = rest.find(']') else {
        return false;
    };
    let inner = rest[..end].trim();
    if let Some((a, b)) = inner.split_once('.') {
        if !a.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.len() == 6
            && b.bytes().all(|c| c.is_ascii_digit())
        {
            return true;
        }
    }
    let w: Vec<&str> = inner.split_whitespace().collect();
    w.len() == 5 && w[3].len() == 8 && w[3].as_bytes()[2] == b':' && w[4].len() == 4
}

/// Docker json-file (`{"log":"...","stream":"stdout","time":"..."}`) or CRI
/// (`2026-11-22T08:01:02.123456789Z stderr F msg`) container log lines.
pub fn is_container_log_line(line: &str) -> bool {
    if line.starts_with("{\"log\":") {
        return true;
    }
    let mut it = line.splitn(4, ' ');
    let (Some(ts), Some(stream), Some(tag)) = (it.next(), it.next(), it.next()) else {
        return false;
    };
    ts.len() >= 20
        && ts.as_bytes()[4] == b'-'
        && ts.as_bytes()[10] == b'T'
        && (stream == "stdout" || stream == "stderr")
        && (tag == "F" || tag == "P")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_real_pastes() {
        let kubelet = "12月 22 17:53:24 kubernetes kubelet[290264]: E1222 17:53:24.370155  290264 kuberuntime_manager.go:818] container start failed: RunContainerError\n";
        assert_eq!(sniff_text(kubelet), TextKind::KubeletJournal);
        let docker = "May 13 16:54:26 8b26d7a8 dockerd[44352]: time=\"2021-05-13T16:54:26.574734345+08:00\" level=warning msg=\"Your kernel does not support CPU realtime scheduler\"\n";
        assert_eq!(sniff_text(docker), TextKind::DockerJournal);
        let cd = "2026-11-22T08:01:02+0800 node01 containerd[812]: time=\"2026-11-22T08:01:02.1+08:00\" level=error msg=\"x\"\n";
        assert_eq!(sniff_text(cd), TextKind::ContainerdJournal);
        let dmesg = "[Sun Nov 22 08:01:02 2026] Memory cgroup out of memory: Kill process 1234 (java)\n[ 1234.567890] eth0: link up\n";
        assert_eq!(sniff_text(dmesg), TextKind::Dmesg);
        let get = "NAME                 READY     STATUS    RESTARTS   AGE\ndnsuutils-ds-7q6dr   0/1       Pending   0          3s\n";
        assert_eq!(sniff_text(get), TextKind::KubectlGet);
        let ipt = "Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nKUBE-FIREWALL  all  --  0.0.0.0/0            0.0.0.0/0\n";
        assert_eq!(sniff_text(ipt), TextKind::Iptables);
        let describe = "Name:         mypod\nNamespace:    default\nNode:         node01/10.0.0.1\nStatus:       Pending\nEvents:\n  Type     Reason            Age   From               Message\n";
        assert_eq!(sniff_text(describe), TextKind::KubectlDescribe);
        let cri = "2026-11-22T08:01:02.123456789Z stderr F panic: runtime error\n";
        assert_eq!(sniff_text(cri), TextKind::ContainerLog);
        assert_eq!(sniff_text("hello\nworld\n"), TextKind::Unknown);
        assert_eq!(sniff_text(""), TextKind::Unknown);
    }
}
