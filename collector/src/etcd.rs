//! etcd's size, quota, leader and alarm series from its plain-HTTP loopback metrics port
//! (kubeadm: `--listen-metrics-urls=http://127.0.0.1:2381`), read from its static pod manifest.
//! Never the client port, never with client keys: a node whose etcd has no such URL gets a
//! `not_found` item that says so. One HTTP/1.0 GET over std's TcpStream, every step under a
//! short timeout; the response is bounded and only the kept series reach the spool.

use crate::sources::io_status;
use crate::spool::Spool;
use kdiag_bundle::{Item, Status};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// The whole exchange: connect, send, read.
pub const ETCD_TIMEOUT: Duration = Duration::from_secs(5);
/// etcd's /metrics is a few hundred KiB; more than this is not etcd.
const MAX_RESPONSE: usize = 16 << 20;

/// The series kept (with their `# HELP`/`# TYPE` lines), plus any whose name holds `alarm`.
pub const KEPT: &[&str] = &[
    "etcd_mvcc_db_total_size_in_bytes",
    "etcd_mvcc_db_total_size_in_use_in_bytes",
    "etcd_debugging_mvcc_db_total_size_in_bytes",
    "etcd_server_quota_backend_bytes",
    "etcd_server_has_leader",
    "etcd_server_leader_changes_seen_total",
    "etcd_server_version",
];

/// The loopback address of the first plain-HTTP metrics URL in the manifest's
/// `--listen-metrics-urls` (a loopback or wildcard host; other hosts are not loopback and are
/// not used). `Err` says why there is none.
pub fn metrics_addr(manifest: &str) -> Result<SocketAddr, String> {
    let Some(urls) = manifest.lines().find_map(|l| {
        let l = l
            .trim()
            .trim_start_matches("- ")
            .trim_matches(|c| c == '"' || c == '\'');
        l.strip_prefix("--listen-metrics-urls=")
    }) else {
        return Err("the etcd manifest sets no --listen-metrics-urls: etcd serves metrics only on its client port, which needs client keys (never used by collect)".into());
    };
    let mut seen = Vec::new();
    for u in urls.trim().split(',') {
        let u = u.trim().trim_matches(|c| c == '"' || c == '\'');
        seen.push(u.to_string());
        let Some(hostport) = u.strip_prefix("http://") else {
            continue;
        };
        let hostport = hostport.split('/').next().unwrap_or("");
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p),
            None => continue,
        };
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        let ip = match host {
            "127.0.0.1" | "localhost" | "0.0.0.0" => "127.0.0.1",
            "[::1]" | "[::]" => "[::1]",
            _ => continue,
        };
        if let Ok(a) = format!("{ip}:{port}").parse() {
            return Ok(a);
        }
    }
    Err(format!(
        "no plain-HTTP loopback URL in --listen-metrics-urls ({}): an https or non-loopback metrics port is not read",
        seen.join(",")
    ))
}

/// Reads etcd's metrics for the item: the manifest, then one GET, the kept lines spooled.
pub fn collect(item: &mut Item, manifest: &Path, shown: &str, left: Duration, spool: &mut Spool) {
    let text = match std::fs::read_to_string(manifest) {
        Ok(t) => t,
        Err(e) => {
            let (st, why) = io_status(&e);
            item.status = st;
            item.stderr = if st == Status::NotFound {
                format!("{shown}: {why} (no kubeadm etcd static pod on this node)")
            } else {
                format!("{shown}: {why}")
            };
            return;
        }
    };
    let addr = match metrics_addr(&text) {
        Ok(a) => a,
        Err(why) => {
            item.status = Status::NotFound;
            item.stderr = why;
            return;
        }
    };
    item.source = format!("GET http://{addr}/metrics (from {shown} --listen-metrics-urls)");
    match fetch(addr, ETCD_TIMEOUT.min(left)) {
        Ok(body) => {
            let kept = keep(&body);
            if kept.is_empty() {
                item.status = Status::Failed;
                item.stderr = format!(
                    "http://{addr}/metrics answered without any etcd size, quota or leader series"
                );
                return;
            }
            item.status = Status::Ok;
            if let Err(e) = spool.write_all(kept.as_bytes()) {
                item.status = Status::Failed;
                item.stderr = format!("cannot spool: {e}");
            }
        }
        Err((st, why)) => {
            item.status = st;
            item.stderr = format!("http://{addr}/metrics: {why}");
        }
    }
}

/// One `GET /metrics` (HTTP/1.0: no chunking, the server closes), within `timeout` overall.
/// The body when the status is 200.
pub fn fetch(addr: SocketAddr, timeout: Duration) -> Result<String, (Status, String)> {
    let start = Instant::now();
    let timed_out = |what: &str| {
        (
            Status::Timeout,
            format!("no answer within {}s ({what})", timeout.as_secs_f32()),
        )
    };
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => timed_out("connect"),
        ErrorKind::ConnectionRefused => (
            Status::Failed,
            "connection refused: etcd is not listening there (down, or another port)".into(),
        ),
        _ => (Status::Failed, format!("cannot connect: {e}")),
    })?;
    let rest = |start: Instant| {
        timeout
            .saturating_sub(start.elapsed())
            .max(Duration::from_millis(1))
    };
    let _ = s.set_write_timeout(Some(rest(start)));
    let req = format!("GET /metrics HTTP/1.0\r\nHost: {addr}\r\nUser-Agent: kdiag-collect\r\nAccept: text/plain\r\n\r\n");
    s.write_all(req.as_bytes())
        .map_err(|e| (Status::Failed, format!("cannot send the request: {e}")))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if start.elapsed() >= timeout {
            return Err(timed_out("read"));
        }
        let _ = s.set_read_timeout(Some(rest(start)));
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_RESPONSE {
                    return Err((
                        Status::Failed,
                        format!("response larger than {MAX_RESPONSE} bytes: not etcd's metrics"),
                    ));
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(timed_out("read"));
            }
            Err(e) => return Err((Status::Failed, format!("read failed: {e}"))),
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .ok_or_else(|| (Status::Failed, "not an HTTP response".to_string()))?;
    let status_line = head.lines().next().unwrap_or("");
    let code = status_line.split_whitespace().nth(1).unwrap_or("");
    if !status_line.starts_with("HTTP/") {
        return Err((Status::Failed, "not an HTTP response".into()));
    }
    if code != "200" {
        return Err((Status::Failed, format!("answered {status_line:?}")));
    }
    Ok(body.to_string())
}

/// The kept series of a Prometheus text exposition, with their HELP and TYPE lines.
pub fn keep(body: &str) -> String {
    let wanted = |name: &str| KEPT.contains(&name) || name.contains("alarm");
    let mut out = String::new();
    for l in body.lines() {
        let name = if let Some(r) = l
            .strip_prefix("# HELP ")
            .or_else(|| l.strip_prefix("# TYPE "))
        {
            r.split_whitespace().next().unwrap_or("")
        } else if l.starts_with('#') {
            continue;
        } else {
            l.split(['{', ' ']).next().unwrap_or("")
        };
        if !name.is_empty() && wanted(name) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A metrics page in etcd 3.4's format (its HELP texts; most series left out, values of a DB
    /// at its 2 GiB quota).
    const METRICS: &str = "# HELP etcd_debugging_mvcc_db_compaction_keys_total Total number of db keys compacted.\n\
# TYPE etcd_debugging_mvcc_db_compaction_keys_total counter\n\
etcd_debugging_mvcc_db_compaction_keys_total 274578\n\
# HELP etcd_mvcc_db_total_size_in_bytes Total size of the underlying database physically allocated in bytes.\n\
# TYPE etcd_mvcc_db_total_size_in_bytes gauge\n\
etcd_mvcc_db_total_size_in_bytes 2.147467264e+09\n\
# HELP etcd_server_has_leader Whether or not a leader exists. 1 is existence, 0 is not.\n\
# TYPE etcd_server_has_leader gauge\n\
etcd_server_has_leader 1\n\
# HELP etcd_server_quota_backend_bytes Current backend storage quota size in bytes.\n\
# TYPE etcd_server_quota_backend_bytes gauge\n\
etcd_server_quota_backend_bytes 2.147483648e+09\n";

    #[test]
    fn the_loopback_http_url_of_the_manifest() {
        let m = "    - --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.11:2379\n    - --listen-metrics-urls=http://127.0.0.1:2381\n";
        assert_eq!(metrics_addr(m).unwrap().to_string(), "127.0.0.1:2381");
        let m = "    - --listen-metrics-urls=https://127.0.0.1:2381,http://10.0.0.11:2381\n";
        assert!(metrics_addr(m)
            .unwrap_err()
            .contains("no plain-HTTP loopback URL"));
        assert!(metrics_addr("    - --data-dir=/var/lib/etcd\n")
            .unwrap_err()
            .contains("no --listen-metrics-urls"));
    }

    #[test]
    fn only_the_size_quota_leader_and_alarm_series_are_kept() {
        let k = keep(METRICS);
        assert!(!k.contains("compaction"), "{k}");
        assert!(k.contains("etcd_mvcc_db_total_size_in_bytes 2.147467264e+09\n"));
        assert!(k.contains("# TYPE etcd_server_quota_backend_bytes gauge\n"));
        assert!(k.contains("etcd_server_has_leader 1\n"));
    }

    fn serve_once(reply: &'static str, delay: Duration) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut c, _)) = l.accept() {
                let mut req = [0u8; 1024];
                let n = c.read(&mut req).unwrap_or(0);
                assert!(req[..n].starts_with(b"GET /metrics HTTP/1.0\r\n"));
                std::thread::sleep(delay);
                let _ = c.write_all(reply.as_bytes());
            }
        });
        a
    }

    #[test]
    fn a_tiny_listener_answers_and_a_silent_one_times_out() {
        let body: &'static str = Box::leak(
            format!("HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\r\n{METRICS}")
                .into_boxed_str(),
        );
        let a = serve_once(body, Duration::ZERO);
        let got = fetch(a, Duration::from_secs(5)).unwrap();
        assert!(keep(&got).contains("etcd_server_quota_backend_bytes 2.147483648e+09"));

        let a = serve_once("HTTP/1.0 404 Not Found\r\n\r\n", Duration::ZERO);
        let (st, why) = fetch(a, Duration::from_secs(5)).unwrap_err();
        assert_eq!(st, Status::Failed);
        assert!(why.contains("404"), "{why}");

        let a = serve_once("", Duration::from_secs(3));
        let t = Instant::now();
        let (st, why) = fetch(a, Duration::from_millis(300)).unwrap_err();
        assert_eq!(st, Status::Timeout, "{why}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());

        // Nothing listens: a port just freed.
        let a = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let (st, why) = fetch(a, Duration::from_secs(2)).unwrap_err();
        assert_eq!(st, Status::Failed);
        assert!(why.contains("connection refused"), "{why}");
    }
}
