//! `analyze serve` and `analyze shell`: a read-only Kubernetes API server over bundles, so a
//! support engineer can `kubectl get`, `describe` and `logs` the cluster as it was collected.
//!
//! `objects` loads the bundles once, `http` is the HTTP/1.1 server, `api` routes, `select`
//! filters by label and field, `table` prints the columns kubectl shows. The server listens on
//! loopback unless told otherwise; on any other address every request must carry a token that
//! is generated here and written only into the kubeconfig (mode 0600), as a path prefix of the
//! server URL: kubectl sends no credentials to a plain-HTTP server (the traffic is not
//! encrypted either way; reach a remote desk through an SSH tunnel).

pub mod api;
pub mod http;
pub mod objects;
pub mod select;
pub mod table;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use api::Api;
use objects::Store;

/// Loads the bundles at `paths`, listens on `listen` (IP:PORT), writes the kubeconfig and
/// serves until interrupted, or with `shell` until `$SHELL` (started with KUBECONFIG set)
/// exits; `log_requests` prints each request and its status to stderr. An error is a
/// sentence for the user.
pub fn run(paths: &[PathBuf], listen: &str, shell: bool, log_requests: bool) -> Result<(), String> {
    let addr: SocketAddr = listen
        .parse()
        .map_err(|e| format!("--listen {listen}: {e} (expected IP:PORT, e.g. 127.0.0.1:8001)"))?;
    let store = Store::load(paths)?;
    for w in &store.warnings {
        eprintln!("analyze serve: warning: {w}");
    }
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let token = (!addr.ip().is_loopback()).then(new_token);
    let reach = if bound.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), bound.port())
    } else {
        bound
    };
    remove_stale_kubeconfigs();
    let dir = std::env::temp_dir().join(format!(
        "kdiag-serve-{}-{}",
        std::process::id(),
        bound.port()
    ));
    let server = match &token {
        Some(t) => format!("http://{reach}/{t}"),
        None => format!("http://{reach}"),
    };
    let kubeconfig = write_kubeconfig(&dir, &server)
        .map_err(|e| format!("cannot write the kubeconfig in {}: {e}", dir.display()))?;
    let now = store.collected_unix.unwrap_or_else(unix_now);
    let when = match &store.collected_at {
        Some(t) => format!("objects as collected at {t}; AGE columns count from that time"),
        None => "the bundle has no collection time: AGE columns count from now".to_string(),
    };
    let kinds: Vec<&str> = store.objects.keys().copied().collect();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "export KUBECONFIG={}", kubeconfig.display());
    let _ = writeln!(
        out,
        "# analyze serve: read-only Kubernetes API on http://{bound}; {when}"
    );
    if kinds.is_empty() {
        let _ = writeln!(
            out,
            "# the bundle holds no cluster objects (cluster/*.json)"
        );
    } else {
        let _ = writeln!(out, "# kinds: {}", kinds.join(", "));
    }
    if token.is_some() {
        let _ = writeln!(
            out,
            "# listening beyond loopback: requests need the token in the kubeconfig's server URL"
        );
    }
    let _ = out.flush();
    drop(out);
    let api = Api {
        store,
        token,
        address: reach.to_string(),
        now,
    };
    let log = log_requests;
    let handler: http::Handler = Arc::new(move |req: &http::Request| {
        let resp = api.handle(req);
        if log {
            eprintln!(
                "{} {} {:?} -> {}",
                req.method, req.path, req.query, resp.status
            );
        }
        resp
    });
    if !shell {
        http::serve(listener, handler);
        return Ok(());
    }
    std::thread::spawn(move || http::serve(listener, handler));
    let shell = std::env::var_os("SHELL")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into());
    eprintln!(
        "analyze shell: starting {} with KUBECONFIG set; exit it to stop the server",
        Path::new(&shell).display()
    );
    let status = std::process::Command::new(&shell)
        .env("KUBECONFIG", &kubeconfig)
        .status();
    let _ = std::fs::remove_dir_all(&dir);
    status.map_err(|e| format!("cannot start {}: {e}", Path::new(&shell).display()))?;
    Ok(())
}

/// The kubeconfig folders of earlier servers that were interrupted (serve runs until killed,
/// so it cannot clean up after itself): `kdiag-serve-PID-PORT` whose process is gone. Only
/// where /proc tells which processes live.
fn remove_stale_kubeconfigs() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("kdiag-serve-") else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or("");
        let gone = pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists();
        if gone && e.path().join("kubeconfig").is_file() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// 32 random bytes as hex: from /dev/urandom, else from the standard library's random hash keys.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        use std::hash::{BuildHasher, Hasher};
        for chunk in bytes.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The kubeconfig text: one cluster, context and user, no credentials.
pub fn kubeconfig(server: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kdiag-bundle\n  cluster:\n    server: {server}\ncontexts:\n- name: kdiag-bundle\n  context:\n    cluster: kdiag-bundle\n    user: kdiag-bundle\n    namespace: default\ncurrent-context: kdiag-bundle\nusers:\n- name: kdiag-bundle\n  user: {{}}\npreferences: {{}}\n"
    )
}

/// Writes `DIR/kubeconfig` (the folder and file readable by the user only).
fn write_kubeconfig(dir: &Path, server: &str) -> std::io::Result<PathBuf> {
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        folder.mode(0o700);
        file.mode(0o600);
    }
    folder.create(dir)?;
    let path = dir.join("kubeconfig");
    let mut f = file.open(&path)?;
    f.write_all(kubeconfig(server).as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_names_the_server_and_no_credentials() {
        let k = kubeconfig("http://127.0.0.1:4567");
        assert!(k.contains("    server: http://127.0.0.1:4567\n"), "{k}");
        assert!(k.contains("  user: {}\n"), "{k}");
        assert_eq!(new_token().len(), 64);
        assert_ne!(new_token(), new_token());
    }
}
