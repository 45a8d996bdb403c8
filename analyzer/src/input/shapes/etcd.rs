//! `etcdctl endpoint status` in a paste, in its three forms (`-w table` with its `DB SIZE` column,
//! the default simple comma form, `-w json` with `dbSize`/`dbSizeInUse`, and `-w fields`'
//! `"DBSize"`), written as the etcd metrics file the collector reads from etcd's metrics port
//! (node/etcd/metrics.txt), so facts see the DB size against the quota.
//!
//! etcdctl prints the table and simple sizes rounded (go-humanize, decimal units: `2.1 GB`, `57 MB`;
//! etcdctl/ctlv3/command/printer.go), so the largest size the printed one may stand for is kept
//! too (`kdiag_etcd_db_size_max_bytes`): `2.1 GB` may be 2.149 GB, over the default quota of
//! 2 GiB (2.147 GB). The quota is `--quota-backend-bytes` (or `quota-backend-bytes:`,
//! `ETCD_QUOTA_BACKEND_BYTES`) when the paste shows it, else etcd's default, 2 GiB
//! (server/etcdserver/api/v3rpc quota: `DefaultQuotaBytes`), marked as such.

use std::sync::LazyLock;

use regex::Regex;

use super::Line;

/// etcd's default backend quota (`DefaultQuotaBytes`, 2 GiB).
const DEFAULT_QUOTA: u64 = 2 * 1024 * 1024 * 1024;

/// A size as go-humanize's `Bytes` prints it: `25 kB`, `2.1 GB` (also without the space).
static HUMAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+(?:\.\d+)?)\s?(B|kB|KB|MB|GB|TB)$").unwrap());
static QUOTA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:--quota-backend-bytes[= ]|quota-backend-bytes:\s*|ETCD_QUOTA_BACKEND_BYTES[=:]\s*)[\x22']?(\d{6,})")
        .unwrap()
});
static JSON_SIZE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""dbSize"\s*:\s*(\d+)"#).unwrap());
static JSON_IN_USE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""dbSizeInUse"\s*:\s*(\d+)"#).unwrap());
static FIELDS_SIZE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^"DBSize"\s*:\s*"?\s*(\d+)\s*$"#).unwrap());
/// A row of the simple form: an endpoint, then a member ID in hex, then a version.
static SIMPLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:https?://)?[\w.\-*\[\]:]+:\d+,\s*[0-9a-f]{1,16},\s*\d+\.\d+\.\d+").unwrap()
});

/// One member's size: the size as printed, the largest value it may stand for, the size in use.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Size {
    bytes: u64,
    max: u64,
    in_use: Option<u64>,
}

fn human(s: &str) -> Option<Size> {
    let c = HUMAN.captures(s.trim())?;
    let digits = &c[1];
    let n: f64 = digits.parse().ok()?;
    let unit: f64 = match &c[2] {
        "B" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => 1e12,
    };
    // half of the last printed digit: `2.1` is 2.05 .. 2.15
    let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
    let half = 0.5 / 10f64.powi(decimals as i32);
    Some(Size {
        bytes: (n * unit) as u64,
        max: ((n + half) * unit) as u64,
        in_use: None,
    })
}

fn exact(n: u64, in_use: Option<u64>) -> Size {
    Size {
        bytes: n,
        max: n,
        in_use,
    }
}

/// The members' sizes, in any of the forms.
fn sizes(lines: &[Line]) -> Vec<Size> {
    let mut out = Vec::new();
    let text: Vec<&str> = lines
        .iter()
        .filter(|l| !l.cmd)
        .map(|l| l.text.as_str())
        .collect();
    // -w table: the `DB SIZE` (and `DB SIZE IN USE`) columns of the rows under its header
    let mut cols: Option<(usize, Option<usize>)> = None;
    for t in &text {
        let t = t.trim();
        if !t.starts_with('|') {
            if !t.starts_with('+') {
                cols = None;
            }
            continue;
        }
        let cells: Vec<&str> = t.trim_matches('|').split('|').map(str::trim).collect();
        if let Some(i) = cells.iter().position(|c| *c == "DB SIZE") {
            cols = Some((i, cells.iter().position(|c| *c == "DB SIZE IN USE")));
            continue;
        }
        if let Some((i, u)) = cols {
            if let Some(mut s) = cells.get(i).and_then(|c| human(c)) {
                s.in_use = u
                    .and_then(|u| cells.get(u))
                    .and_then(|c| human(c))
                    .map(|s| s.bytes);
                out.push(s);
            }
        }
    }
    // the simple form: the first size of the row is the DB size (3.6 prints its size in use next)
    for t in &text {
        if SIMPLE.is_match(t) {
            let mut hs = t.split(',').filter_map(human);
            if let Some(mut s) = hs.next() {
                s.in_use = hs.next().map(|s| s.bytes);
                out.push(s);
            }
        }
    }
    // -w json (one line or indented) and -w fields
    let joined = text.join("\n");
    let in_use: Vec<u64> = JSON_IN_USE
        .captures_iter(&joined)
        .filter_map(|c| c[1].parse().ok())
        .collect();
    for (k, c) in JSON_SIZE.captures_iter(&joined).enumerate() {
        if let Ok(n) = c[1].parse() {
            out.push(exact(n, in_use.get(k).copied()));
        }
    }
    for t in &text {
        if let Some(n) = FIELDS_SIZE
            .captures(t.trim())
            .and_then(|c| c[1].parse().ok())
        {
            out.push(exact(n, None));
        }
    }
    out
}

/// The metrics file for the largest member in `etcdctl endpoint status` output, if any.
pub(super) fn endpoint_status(lines: &[Line]) -> Option<String> {
    let biggest = sizes(lines).into_iter().max_by_key(|s| s.max)?;
    let quota = lines.iter().find_map(|l| {
        QUOTA
            .captures(&l.text)
            .and_then(|c| c[1].parse::<u64>().ok())
    });
    let mut body =
        String::from("# kdiag: from a pasted `etcdctl endpoint status` (largest member)\n");
    body.push_str("kdiag_etcd_endpoint_status 1\n");
    body.push_str(&format!(
        "etcd_mvcc_db_total_size_in_bytes {}\n",
        biggest.bytes
    ));
    if biggest.max != biggest.bytes {
        body.push_str(&format!("kdiag_etcd_db_size_max_bytes {}\n", biggest.max));
    }
    if let Some(u) = biggest.in_use {
        body.push_str(&format!("etcd_mvcc_db_total_size_in_use_in_bytes {u}\n"));
    }
    match quota {
        Some(q) => body.push_str(&format!("etcd_server_quota_backend_bytes {q}\n")),
        None => {
            body.push_str(&format!(
                "etcd_server_quota_backend_bytes {DEFAULT_QUOTA}\n"
            ));
            body.push_str("kdiag_etcd_quota_default 1\n");
        }
    }
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    fn metric(body: &str, k: &str) -> Option<u64> {
        body.lines()
            .find_map(|l| l.strip_prefix(k)?.trim().parse().ok())
    }

    /// etcd-io/etcd#7117 (dev): the simple form of four members, one of them 11 GB.
    #[test]
    fn simple_form_from_etcd_7117() {
        let t = "```\n/ # ectl  put a 1\nError:  etcdserver: mvcc: database space exceeded\n```\n\n```\nhttps://tess-master-cbtkd-8128.dev.*.*:4001, 87e6a178ab5a0f63, 3.0.15, 11 GB, true, 2868, 59480228\nhttps://tess-master-temb2-9053.dev.*.*:4001, b3f0b5ddc047ed37, 3.0.15, 57 MB, false, 2868, 59480355\nhttps://tess-master-13mny-8094.dev.*.*:4001, cc83177fcd721b4f, 3.0.15, 57 MB, false, 2868, 59480510\nhttps://salt-master-7505.dev.*.*:4001, ea015efc8847afdf, 3.0.15, 57 MB, false, 2868, 59480579\n```\n";
        let d = derive(t);
        let m = get(&d, paths::ETCD_METRICS).unwrap();
        assert_eq!(
            metric(m, "etcd_mvcc_db_total_size_in_bytes "),
            Some(11_000_000_000)
        );
        assert_eq!(
            metric(m, "kdiag_etcd_db_size_max_bytes "),
            Some(11_500_000_000)
        );
        assert_eq!(
            metric(m, "etcd_server_quota_backend_bytes "),
            Some(2147483648)
        );
        assert_eq!(metric(m, "kdiag_etcd_quota_default "), Some(1));
    }

    /// bitnami/charts#16615: the -w table form of 3.5 (20 kB members), and etcd-io/etcd#7117's
    /// `-w fields` answer (DBSize 114688).
    #[test]
    fn table_and_fields_forms() {
        let t = "$ etcdctl --write-out=table  endpoint status\n+------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+\n|     ENDPOINT     |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |\n+------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+\n| 10.244.0.70:2379 | 7bff01e54b7e3ab3 |   3.5.9 |   20 kB |     false |      false |         5 |        273 |                273 |        |\n| 10.244.0.69:2379 | 255a93b858aa876d |   3.5.9 |   20 kB |     false |      false |         5 |        273 |                273 |        |\n";
        let m = get(&derive(t), paths::ETCD_METRICS).unwrap().to_string();
        assert_eq!(
            metric(&m, "etcd_mvcc_db_total_size_in_bytes "),
            Some(20_000)
        );
        assert_eq!(metric(&m, "kdiag_etcd_db_size_max_bytes "), Some(20_500));
        let f = "```\n\"ClusterID\" : 17237436991929493444\n\"MemberID\" : 9372538179322589801\n\"Revision\" : 601\n\"RaftTerm\" : 17\n\"Version\" : \"3.1.0-rc.1+git\"\n\"DBSize\" :\" 114688\n\"Leader\" :\" 9372538179322589801\n```\n";
        let m = get(&derive(f), paths::ETCD_METRICS).unwrap().to_string();
        assert_eq!(
            metric(&m, "etcd_mvcc_db_total_size_in_bytes "),
            Some(114688)
        );
        assert_eq!(metric(&m, "kdiag_etcd_db_size_max_bytes "), None);
    }

    /// -w json with dbSize and dbSizeInUse, and a quota named in the paste.
    #[test]
    fn json_form_and_quota_flag() {
        let t = "[{\"Endpoint\":\"127.0.0.1:2379\",\"Status\":{\"header\":{\"cluster_id\":1,\"member_id\":2,\"revision\":3,\"raft_term\":4},\"version\":\"3.5.0\",\"dbSize\":8589934592,\"leader\":2,\"raftIndex\":5,\"raftTerm\":4,\"raftAppliedIndex\":5,\"dbSizeInUse\":4294967296}}]\n    - --quota-backend-bytes=8589934592\n";
        let m = get(&derive(t), paths::ETCD_METRICS).unwrap().to_string();
        assert_eq!(
            metric(&m, "etcd_mvcc_db_total_size_in_bytes "),
            Some(8589934592)
        );
        assert_eq!(
            metric(&m, "etcd_mvcc_db_total_size_in_use_in_bytes "),
            Some(4294967296)
        );
        assert_eq!(
            metric(&m, "etcd_server_quota_backend_bytes "),
            Some(8589934592)
        );
        assert_eq!(metric(&m, "kdiag_etcd_quota_default "), None);
        // no status output: nothing
        assert!(get(
            &derive("etcdserver: mvcc: database space exceeded\n"),
            paths::ETCD_METRICS
        )
        .is_none());
    }
}
