//! `getenforce`, `sestatus -v` and /etc/selinux/config.

/// Normalised mode: `enforcing`, `permissive` or `disabled`.
fn mode(s: &str) -> Option<String> {
    let m = s.trim().to_ascii_lowercase();
    matches!(m.as_str(), "enforcing" | "permissive" | "disabled").then_some(m)
}

/// `getenforce`: `Enforcing` -> (mode, line).
pub fn getenforce(text: &str) -> Option<(String, usize)> {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| mode(l).map(|m| (m, i + 1)))
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sestatus {
    /// `SELinux status: enabled|disabled`
    pub status: Option<(String, usize)>,
    /// `Current mode: enforcing`
    pub current_mode: Option<(String, usize)>,
    /// `Mode from config file: enforcing`
    pub config_mode: Option<(String, usize)>,
}

pub fn sestatus(text: &str) -> Option<Sestatus> {
    let mut s = Sestatus::default();
    for (i, l) in text.lines().enumerate() {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let v = v.trim().to_ascii_lowercase();
        match k.trim() {
            "SELinux status" => s.status = Some((v, i + 1)),
            "Current mode" => s.current_mode = mode(&v).map(|m| (m, i + 1)),
            "Mode from config file" => s.config_mode = mode(&v).map(|m| (m, i + 1)),
            _ => {}
        }
    }
    (s.status.is_some() || s.current_mode.is_some()).then_some(s)
}

/// /etc/selinux/config: `SELINUX=enforcing`.
pub fn config(text: &str) -> Option<(String, usize)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let v = l.trim().strip_prefix("SELINUX=")?;
        mode(v.split('#').next()?).map(|m| (m, i + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knowledge_000() {
        assert_eq!(getenforce("Disabled\n"), Some(("disabled".into(), 1)));
        assert_eq!(getenforce("Enforcing"), Some(("enforcing".into(), 1)));
        assert_eq!(getenforce("getenforce: command not found"), None);
        let s = sestatus("SELinux status:                 disabled\n").unwrap();
        assert_eq!(s.status, Some(("disabled".into(), 1)));
        let s = sestatus("SELinux status:                 enabled\nSELinuxfs mount:                /sys/fs/selinux\nSELinux root directory:         /etc/selinux\nLoaded policy name:             targeted\nCurrent mode:                   enforcing\nMode from config file:          enforcing\nPolicy MLS status:              enabled\n").unwrap();
        assert_eq!(s.current_mode, Some(("enforcing".into(), 5)));
        assert_eq!(s.config_mode, Some(("enforcing".into(), 6)));
        let c = "# This file controls the state of SELinux on the system.\n#     enforcing - SELinux security policy is enforced.\nSELINUX=enforcing\nSELINUXTYPE=targeted\n";
        assert_eq!(config(c), Some(("enforcing".into(), 3)));
    }
}
