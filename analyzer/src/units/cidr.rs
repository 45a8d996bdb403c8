//! CIDRs and addresses (IPv4 and IPv6), with ipnet.

use std::net::IpAddr;

use ipnet::IpNet;

/// `"10.96.0.0/12"` -> the network; a bare address is a /32 or /128. Host bits may be set
/// (`10.96.0.1/12` is the /12 around that address), as kube-apiserver flags are written.
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if s.contains('/') {
        s.parse().ok()
    } else {
        s.parse::<IpAddr>().ok().map(IpNet::from)
    }
}

/// True when `ip` lies in `cidr` (v4 never matches v6; false when either does not parse).
pub fn cidr_has(cidr: &str, ip: &str) -> bool {
    match (parse_cidr(cidr), ip.trim().parse::<IpAddr>()) {
        (Some(net), Ok(ip)) => net.contains(&ip),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_v6_bare_and_host_bits() {
        assert!(cidr_has("10.96.0.0/12", "10.111.255.254"));
        assert!(!cidr_has("10.96.0.0/12", "10.112.0.1"));
        assert!(cidr_has("10.96.0.1/12", "10.96.0.10"));
        assert!(cidr_has("10.43.0.1", "10.43.0.1"));
        assert!(!cidr_has("10.43.0.1", "10.43.0.2"));
        assert!(cidr_has("fd00::/108", "fd00::1"));
        assert!(!cidr_has("fd00::/108", "10.96.0.1"));
        assert!(cidr_has("0.0.0.0/0", "192.0.2.1"));
        assert!(!cidr_has("10.96.0.0/33", "10.96.0.1"));
        assert!(!cidr_has("nonsense", "10.96.0.1"));
    }
}
