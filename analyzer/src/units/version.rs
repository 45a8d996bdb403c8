//! Versions: comparing dotted versions, finding the kubelet's version in its start-up line.

/// Compares dotted versions numerically ("17.03.2-ce" < "17.12.1", "v1.20.4" > "1.9").
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<u64> {
        s.trim()
            .trim_start_matches(['v', 'V'])
            .split(|c: char| !c.is_ascii_digit())
            .take_while(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    }
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let o = pa.get(i).unwrap_or(&0).cmp(pb.get(i).unwrap_or(&0));
        if o.is_ne() {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

/// `"Kubelet version" kubeletVersion="v1.27.3"` (structured) or `Version: v1.18.19` (older).
pub fn kubelet_version_in(line: &str) -> Option<String> {
    let v = if let Some(p) = line.find("kubeletVersion=\"") {
        line[p + 16..].split('"').next()?
    } else if line.contains("server.go") {
        line.split("] Version: ")
            .nth(1)?
            .split_whitespace()
            .next()?
    } else {
        return None;
    };
    (v.starts_with('v') && v.len() > 3).then(|| v.to_string())
}
