//! `systemctl status UNIT`: the `Loaded:` and `Active:` lines.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitStatus {
    /// False for `Unit kubelet.service could not be found.`
    pub found: bool,
    /// `active`, `inactive`, `failed`, `activating`, `deactivating`, `reloading`
    pub active: Option<String>,
    /// `running`, `dead`, `exited`, `auto-restart`
    pub sub: Option<String>,
    /// The text after the state: `since Sun 2026-11-22 08:00:01 CST; 30min ago`
    pub since: Option<String>,
    /// `enabled`, `disabled`, `static`, `masked`
    pub enabled: Option<String>,
    pub active_line: Option<usize>,
}

pub fn status(text: &str) -> Option<UnitStatus> {
    let mut s = UnitStatus {
        found: true,
        ..UnitStatus::default()
    };
    let mut seen = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("Unit ") && t.contains("could not be found") {
            s.found = false;
            seen = true;
        } else if let Some(v) = t.strip_prefix("Active:") {
            let v = v.trim();
            let (state, rest) = v.split_once(' ').unwrap_or((v, ""));
            s.active = Some(state.to_string());
            if let Some(sub) = rest.trim().strip_prefix('(') {
                s.sub = sub.split(')').next().map(str::to_string);
            }
            s.since = rest.find("since ").map(|p| rest[p..].to_string());
            s.active_line = Some(i + 1);
            seen = true;
        } else if let Some(v) = t.strip_prefix("Loaded:") {
            let v = v.trim();
            if v.starts_with("not-found") {
                s.found = false;
            } else if v.starts_with("masked") {
                s.enabled = Some("masked".into());
            }
            if let Some(inner) = v.split_once('(').and_then(|(_, r)| r.split(')').next()) {
                if let Some(e) = inner.split(';').nth(1) {
                    s.enabled = Some(e.trim().to_string());
                }
            }
            seen = true;
        }
    }
    seen.then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let t = "● kubelet.service - kubelet: The Kubernetes Node Agent\n   Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled; vendor preset: disabled)\n  Drop-In: /usr/lib/systemd/system/kubelet.service.d\n           └─10-kubeadm.conf\n   Active: activating (auto-restart) (Result: exit-code) since Sun 2026-11-22 16:29:50 CST; 3s ago\n     Docs: https://kubernetes.io/docs/\n  Process: 1234 ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS (code=exited, status=1/FAILURE)\n";
        let s = status(t).unwrap();
        assert_eq!(s.active.as_deref(), Some("activating"));
        assert_eq!(s.sub.as_deref(), Some("auto-restart"));
        assert_eq!(s.enabled.as_deref(), Some("enabled"));
        assert_eq!(s.active_line, Some(5));
        assert!(s.since.unwrap().starts_with("since Sun 2026-11-22"));
        let s = status("● docker.service - Docker Application Container Engine\n   Loaded: loaded (/usr/lib/systemd/system/docker.service; enabled; vendor preset: disabled)\n   Active: active (running) since Sun 2026-11-22 08:00:01 CST; 8h ago\n").unwrap();
        assert_eq!(
            (s.active.as_deref(), s.sub.as_deref()),
            (Some("active"), Some("running"))
        );
        let s = status("Unit firewalld.service could not be found.\n").unwrap();
        assert!(!s.found && s.active.is_none());
        assert!(status("Failed to get D-Bus connection: Operation not permitted\n").is_none());
    }
}
