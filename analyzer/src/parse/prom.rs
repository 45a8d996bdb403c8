//! The Prometheus text exposition format (etcd's /metrics, node/etcd/metrics.txt): samples by
//! series (name with its labels as printed), value and 1-based line. Pure; comments skipped.

use std::collections::BTreeMap;

/// `series -> (value, line)`; the value as Go prints it (`2.147483648e+09`, `1`, `+Inf`).
pub fn samples(text: &str) -> BTreeMap<String, (f64, usize)> {
    let mut out = BTreeMap::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        // The value follows the series; labels may hold spaces inside quotes.
        let split = match l.rfind('}') {
            Some(b) => b + 1,
            None => l.find(char::is_whitespace).unwrap_or(l.len()),
        };
        let (series, rest) = l.split_at(split);
        let Some(v) = rest.split_whitespace().next() else {
            continue;
        };
        let v = match v {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            _ => match v.parse::<f64>() {
                Ok(v) => v,
                Err(_) => continue,
            },
        };
        out.insert(series.to_string(), (v, i + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_values_and_lines() {
        // Lines as etcd 3.4 serves them (etcd-io/etcd#18805 quotes the same layout).
        let t = "# HELP etcd_mvcc_db_total_size_in_bytes Total size of the underlying database physically allocated in bytes.\n# TYPE etcd_mvcc_db_total_size_in_bytes gauge\netcd_mvcc_db_total_size_in_bytes 2.147467264e+09\netcd_server_version{server_version=\"3.4.13\"} 1\n";
        let s = samples(t);
        assert_eq!(s["etcd_mvcc_db_total_size_in_bytes"], (2147467264.0, 3));
        assert_eq!(s["etcd_server_version{server_version=\"3.4.13\"}"].0, 1.0);
        assert!(samples("curl: (7) Failed to connect").is_empty());
    }
}
