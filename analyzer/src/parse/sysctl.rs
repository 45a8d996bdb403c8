//! `sysctl -a`: `net.ipv4.ip_forward = 1`. Error lines (`sysctl: permission denied on key ...`) are skipped.

use std::collections::BTreeMap;

/// Key -> (value, line).
pub fn sysctl(text: &str) -> BTreeMap<String, (String, usize)> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("sysctl:") {
            continue;
        }
        let Some((k, v)) = line.split_once(" = ").or_else(|| line.split_once('=')) else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || k.contains(' ') || !k.contains('.') {
            continue;
        }
        out.insert(k.to_string(), (v.trim().to_string(), i + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sysctl_a() {
        let t = "abi.vsyscall32 = 1\nsysctl: permission denied on key 'fs.protected_fifos'\nnet.bridge.bridge-nf-call-iptables = 1\nnet.ipv4.ip_forward = 0\nkernel.printk = 4\t4\t1\t7\n";
        let m = super::sysctl(t);
        assert_eq!(m["net.ipv4.ip_forward"], ("0".to_string(), 4));
        assert_eq!(m["net.bridge.bridge-nf-call-iptables"].0, "1");
        assert_eq!(m["kernel.printk"].0, "4\t4\t1\t7");
        assert_eq!(m.len(), 4);
    }
}
