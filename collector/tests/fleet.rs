//! `collect --nodes` against real OpenSSH servers (Debian's openssh-server), each started by the
//! test on a loopback address and port of its own, with key authentication and strict host key
//! checking through an ssh config of the test's own (`--ssh-config`). Each node gets its own copy
//! of the fake node (testdata/fakenode) through per-host options in the nodes file, so their
//! bundles differ as real nodes do. The servers need root (sshd's privilege separation, logins
//! as root and as an unprivileged user, a tmpfs for the full disk): without root or sshd the
//! tests say so and pass, except under CI, where they fail.
//!
//! `KDIAG_KEEP_CASE=DIR` copies the three-node case archive into DIR: that is how
//! testdata/cases/three-nodes-one-hung.tgz (read by the analyzer's tests) was made.

mod common;

use kdiag_bundle::case::{CaseManifest, CaseStatus};
use kdiag_bundle::Manifest;
use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";
/// The unprivileged login of the "no sudo" node.
const NOSUDO_USER: &str = "kdiag-nosudo";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A lab of ssh servers; everything it started is killed when it drops.
struct Lab {
    dir: tempfile::TempDir,
    servers: Vec<Child>,
    listeners: Vec<TcpListener>,
    held: std::sync::Arc<std::sync::Mutex<Vec<TcpStream>>>,
    client_key: PathBuf,
    known_hosts: PathBuf,
    ssh_config: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.servers {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn run(cmd: &mut Command) -> Output {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{cmd:?}: {}", common::stderr(&o));
    o
}

/// Why the lab cannot run here, if it cannot.
fn missing() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root (sshd's privilege separation and the test logins need it)".into());
    }
    for tool in [SSHD, "/usr/bin/ssh", "/usr/bin/ssh-keygen"] {
        if !Path::new(tool).exists() {
            return Some(format!(
                "{tool} is missing (Debian: openssh-server, openssh-client)"
            ));
        }
    }
    None
}

fn lab(test: &str) -> Option<Lab> {
    if let Some(why) = missing() {
        assert!(
            !in_ci(),
            "{test}: {why}; .ci/run installs openssh-server and runs as root"
        );
        eprintln!("skipped {test}: {why}");
        return None;
    }
    // sshd checks its privilege separation folder even when run by hand.
    fs::create_dir_all("/run/sshd").unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The unprivileged login reads the fake nodes and its own bundle folder.
    chmod(dir.path(), 0o755);
    let client_key = dir.path().join("client_key");
    run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "kdiag-test", "-f"])
        .arg(&client_key));
    let known_hosts = dir.path().join("known_hosts");
    fs::write(&known_hosts, "").unwrap();
    let ssh_config = dir.path().join("ssh_config");
    fs::write(
        &ssh_config,
        format!(
            "Host *\n  IdentityFile {}\n  IdentitiesOnly yes\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n",
            client_key.display(),
            known_hosts.display()
        ),
    )
    .unwrap();
    // The fake node's commands and data, readable by every login.
    for sub in ["bin", "data"] {
        common::copy_tree(&common::fakenode().join(sub), &dir.path().join(sub));
    }
    Some(Lab {
        dir,
        servers: Vec::new(),
        listeners: Vec::new(),
        held: Default::default(),
        client_key,
        known_hosts,
        ssh_config,
    })
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

/// A free port on `addr` (bound, read, released: sshd binds it right after).
fn free_port(addr: &str) -> u16 {
    TcpListener::bind((addr, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Lab {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Starts sshd on `addr`. `accept`: the test's key is authorized; `force`: a ForceCommand
    /// (a session that hangs). Returns the port, its host key trusted in known_hosts.
    fn sshd(&mut self, addr: &str, accept: bool, force: Option<&str>) -> u16 {
        let port = free_port(addr);
        let d = self.path().join(format!("sshd-{addr}-{port}"));
        fs::create_dir_all(&d).unwrap();
        let host_key = d.join("host_key");
        run(Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&host_key));
        let auth = d.join("authorized_keys");
        let key = fs::read_to_string(self.client_key.with_extension("pub")).unwrap();
        fs::write(&auth, if accept { key } else { String::new() }).unwrap();
        chmod(&d, 0o755);
        chmod(&auth, 0o644);
        let bin = self.path().join("bin");
        let mut conf = format!(
            "Port {port}\nListenAddress {addr}\nHostKey {}\nPidFile none\nAuthorizedKeysFile {}\n\
             StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\nLogLevel ERROR\n\
             SetEnv PATH={}:/usr/sbin:/usr/bin:/sbin:/bin FAKENODE_DATA={}\n",
            host_key.display(),
            auth.display(),
            bin.display(),
            self.path().join("data").display()
        );
        if let Some(f) = force {
            conf.push_str(&format!("ForceCommand {f}\n"));
        }
        let conf_path = d.join("sshd_config");
        fs::write(&conf_path, conf).unwrap();
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .unwrap();
        self.servers.push(child);
        let pubkey = fs::read_to_string(host_key.with_extension("pub")).unwrap();
        let mut kh = fs::read_to_string(&self.known_hosts).unwrap();
        kh.push_str(&format!("[{addr}]:{port} {pubkey}"));
        fs::write(&self.known_hosts, kh).unwrap();
        let t = Instant::now();
        while TcpStream::connect((addr, port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "sshd on {addr}:{port} did not start: {}",
                fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        port
    }

    /// A host whose ssh port accepts connections and never says a word (a hung sshd, a
    /// half-dead machine).
    fn hanging(&mut self, addr: &str) -> u16 {
        let l = TcpListener::bind((addr, 0)).unwrap();
        let port = l.local_addr().unwrap().port();
        let l2 = l.try_clone().unwrap();
        let held = self.held.clone();
        std::thread::spawn(move || {
            for s in l2.incoming().flatten() {
                held.lock().unwrap().push(s);
            }
        });
        self.listeners.push(l);
        port
    }

    /// A copy of the fake node's root named `host`, with `tweak` applied.
    fn node_root(&self, host: &str, tweak: impl FnOnce(&Path)) -> PathBuf {
        let root = self.path().join(format!("root-{host}"));
        common::copy_tree(&common::fakenode().join("root"), &root);
        for f in ["etc/hostname", "proc/sys/kernel/hostname"] {
            fs::write(root.join(f), format!("{host}\n")).unwrap();
        }
        tweak(&root);
        root
    }

    /// `collect --nodes-file` with `nodes` into a fresh out folder.
    fn collect(&self, nodes: &str, extra: &[&str]) -> (Output, Duration, PathBuf) {
        let out = tempfile::tempdir_in(self.path()).unwrap().keep();
        let nodes_file = self.path().join(format!(
            "nodes-{}.txt",
            out.file_name().unwrap().to_string_lossy()
        ));
        fs::write(&nodes_file, nodes).unwrap();
        let t = Instant::now();
        let o = Command::new(env!("CARGO_BIN_EXE_collect"))
            .arg("--nodes-file")
            .arg(&nodes_file)
            .arg("--out")
            .arg(&out)
            .arg("--ssh-config")
            .arg(&self.ssh_config)
            .args([
                "--connect-timeout",
                "3s",
                "--deadline",
                "60s",
                "--min-free",
                "1M",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (o, t.elapsed(), out)
    }
}

/// The case archive in `out`: its path, its manifest and its members (name -> bytes).
fn open_case(out: &Path) -> (PathBuf, CaseManifest, Vec<(String, Vec<u8>)>) {
    let archives: Vec<PathBuf> = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        archives.len(),
        1,
        "{archives:?}: one case archive and no leftovers"
    );
    let p = archives[0].clone();
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("kdiag-case-") && name.ends_with(".tgz"),
        "{name}"
    );
    let top = name.trim_end_matches(".tgz").to_string();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(fs::File::open(&p).unwrap()));
    let mut members = Vec::new();
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        let rel = path
            .strip_prefix(&format!("{top}/"))
            .expect(&path)
            .to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        members.push((rel, data));
    }
    let json = &members
        .iter()
        .find(|(n, _)| n == "case.json")
        .expect("case.json")
        .1;
    let m = CaseManifest::from_json(json).unwrap();
    (p, m, members)
}

/// The manifest of a bundle given as .tgz bytes.
fn bundle_manifest(tgz: &[u8]) -> Manifest {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().ends_with("manifest.json") {
            let mut s = Vec::new();
            e.read_to_end(&mut s).unwrap();
            return serde_json::from_slice(&s).unwrap();
        }
    }
    panic!("bundle without manifest.json");
}

fn node<'m>(m: &'m CaseManifest, target_has: &str) -> &'m kdiag_bundle::case::CaseNode {
    m.nodes
        .iter()
        .find(|n| n.target.contains(target_has))
        .unwrap_or_else(|| panic!("no node {target_has} in {m:#?}"))
}

fn empty_dir(p: &Path) -> bool {
    fs::read_dir(p)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}

/// The done-when of the whole-cluster issue: three nodes, two answer, one hangs; the case ends
/// within its deadline with two bundles and the third node's failure explained.
#[test]
fn three_nodes_two_answer_one_hangs() {
    let Some(mut lab) = lab("three_nodes_two_answer_one_hangs") else {
        return;
    };
    let p1 = lab.sshd("127.0.0.11", true, None);
    let p2 = lab.sshd("127.0.0.12", true, None);
    let p3 = lab.hanging("127.0.0.13");
    let r1 = lab.node_root("node01", |_| {});
    // node02 runs its kubelet with the systemd cgroup driver and more pods: a drift analyze shows.
    let r2 = lab.node_root("node02", |r| {
        let p = r.join("var/lib/kubelet/config.yaml");
        let c = fs::read_to_string(&p).unwrap().replace(
            "cgroupDriver: cgroupfs",
            "cgroupDriver: systemd\nmaxPods: 250",
        );
        fs::write(p, c).unwrap();
    });
    let (d1, d2) = (lab.path().join("remote1"), lab.path().join("remote2"));
    fs::create_dir_all(&d1).unwrap();
    fs::create_dir_all(&d2).unwrap();
    let nodes = format!(
        "# a test cluster\nroot@127.0.0.11:{p1} --root {} --remote-dir {}\nroot@127.0.0.12:{p2} --root={} --remote-dir={}\nroot@127.0.0.13:{p3}\n",
        r1.display(),
        d1.display(),
        r2.display(),
        d2.display()
    );
    let deadline = 90;
    let (o, took, out) = lab.collect(&nodes, &["--case-deadline", &format!("{deadline}s")]);
    let err = common::stderr(&o);
    eprintln!("{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(took < Duration::from_secs(deadline), "took {took:?}");
    assert!(
        !err.contains('\x1b'),
        "no progress drawing when stderr is not a terminal: {err}"
    );
    let (archive, m, members) = open_case(&out);
    assert_eq!(m.nodes.len(), 3);
    assert_eq!(m.answered(), 2, "{m:#?}");
    for (i, (host, remote)) in [("node01", &d1), ("node02", &d2)].into_iter().enumerate() {
        let n = &m.nodes[i];
        assert_eq!(n.status, CaseStatus::Ok, "{n:#?}");
        assert_eq!(n.ran_as.as_deref(), Some("root"));
        assert_eq!(n.arch.as_deref(), Some(std::env::consts::ARCH));
        let b = n.bundle.as_deref().unwrap();
        assert!(b.starts_with(&format!("kdiag-{host}-")), "{b}");
        let data = &members
            .iter()
            .find(|(name, _)| name == b)
            .unwrap_or_else(|| {
                panic!(
                    "{b} not in {:?}",
                    members.iter().map(|m| &m.0).collect::<Vec<_>>()
                )
            })
            .1;
        assert_eq!(Some(data.len() as u64), n.bytes);
        let bm = bundle_manifest(data);
        assert_eq!(bm.hostname, host);
        assert_eq!(bm.uid, 0);
        assert!(
            bm.args.iter().any(|a| a.starts_with("--deadline=")),
            "{:?}",
            bm.args
        );
        assert!(
            empty_dir(remote),
            "{host}: the binary and bundle were removed from {remote:?}"
        );
        assert!(
            n.steps
                .iter()
                .map(|s| s.step.as_str())
                .eq(["probe", "upload", "collect", "fetch", "cleanup"]),
            "{:?}",
            n.steps
        );
    }
    let hung = &m.nodes[2];
    assert_eq!(hung.status, CaseStatus::Timeout, "{hung:#?}");
    let why = hung.reason.as_deref().unwrap();
    assert!(why.contains("did not answer"), "{why}");
    assert!(hung.bundle.is_none());
    assert!(err.contains("2 of 3 nodes answered"), "{err}");
    assert!(err.contains(why), "the terminal names the failure: {err}");
    if let Some(keep) = std::env::var_os("KDIAG_KEEP_CASE") {
        let keep = PathBuf::from(keep);
        fs::create_dir_all(&keep).unwrap();
        fs::copy(&archive, keep.join("three-nodes-one-hung.tgz")).unwrap();
    }
}

/// A node that refuses the key, a login without sudo, a node whose disk is full and one whose
/// session hangs after login: each recorded with its reason; the hung one is cut by the case
/// deadline and the others are not held up by it.
#[test]
fn refusal_no_sudo_full_disk_and_a_hung_session() {
    let Some(mut lab) = lab("refusal_no_sudo_full_disk_and_a_hung_session") else {
        return;
    };
    ensure_user(NOSUDO_USER);
    let p_ok = lab.sshd("127.0.0.21", true, None);
    let p_refuse = lab.sshd("127.0.0.22", false, None);
    let p_hang = lab.sshd("127.0.0.23", true, Some("sleep 600"));
    let r3 = lab.node_root("node03", |_| {});
    let r4 = lab.node_root("node04", |_| {});
    let user_dir = lab.path().join("remote-user");
    fs::create_dir_all(&user_dir).unwrap();
    chmod(&user_dir, 0o1777);
    // The full disk: a tmpfs with room for the binary and 2 MiB more.
    let tiny = lab.path().join("tiny");
    fs::create_dir_all(&tiny).unwrap();
    let bin_kib = fs::metadata(env!("CARGO_BIN_EXE_collect")).unwrap().len() / 1024 + 2048;
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={bin_kib}k"), "tmpfs"])
        .arg(&tiny)
        .status()
        .is_ok_and(|s| s.success());
    let _unmount = Unmount(mounted.then(|| tiny.clone()));
    let mut nodes = format!(
        "root@127.0.0.22:{p_refuse}\n{NOSUDO_USER}@127.0.0.21:{p_ok} --root {} --remote-dir {}\nroot@127.0.0.23:{p_hang}\n",
        r3.display(),
        user_dir.display()
    );
    if mounted {
        nodes.push_str(&format!(
            "root@127.0.0.21:{p_ok} --root {} --remote-dir {} --min-free=64M\n",
            r4.display(),
            tiny.display()
        ));
    } else {
        assert!(!in_ci(), "cannot mount a tmpfs for the full-disk node");
        eprintln!("no tmpfs mount here: the full-disk node is left out");
    }
    let deadline = 40;
    let (o, took, out) = lab.collect(
        &nodes,
        &[
            "--case-deadline",
            &format!("{deadline}s"),
            "--parallel",
            "4",
        ],
    );
    let err = common::stderr(&o);
    eprintln!("{err}");
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(took < Duration::from_secs(deadline), "took {took:?}: {err}");
    let (_, m, members) = open_case(&out);

    let refused = node(&m, "127.0.0.22");
    assert_eq!(refused.status, CaseStatus::Failed);
    let why = refused.reason.as_deref().unwrap();
    assert!(
        why.contains("ssh refused the login") && why.contains("Permission denied"),
        "{why}"
    );

    let user = node(&m, NOSUDO_USER);
    assert!(user.status.answered(), "{user:#?}");
    assert_eq!(user.ran_as.as_deref(), Some("user"));
    let why = user.reason.as_deref().unwrap();
    assert!(why.contains("not root") && why.contains("sudo -n"), "{why}");
    let data = &members
        .iter()
        .find(|(n, _)| Some(n) == user.bundle.as_ref())
        .unwrap()
        .1;
    let bm = bundle_manifest(data);
    assert_ne!(bm.uid, 0, "collected as the login user");
    assert_eq!(bm.hostname, "node03");
    assert!(empty_dir(&user_dir), "the user's folder was removed");

    let hung = node(&m, "127.0.0.23");
    assert_eq!(hung.status, CaseStatus::Timeout, "{hung:#?}");
    assert!(
        hung.reason.as_deref().unwrap().contains("no answer within"),
        "{hung:#?}"
    );

    if mounted {
        let full = m
            .nodes
            .iter()
            .find(|n| n.options.iter().any(|o| o == "--min-free=64M"))
            .unwrap_or_else(|| panic!("{m:#?}"));
        assert_eq!(full.status, CaseStatus::Failed, "{full:#?}");
        let why = full.reason.as_deref().unwrap();
        assert!(
            why.contains("collect wrote no bundle") && why.contains("free space"),
            "{why}"
        );
        assert!(empty_dir(&tiny), "the full disk was cleaned up");
    }
}

struct Unmount(Option<PathBuf>);

impl Drop for Unmount {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = Command::new("umount").arg(p).status();
        }
    }
}

/// An unprivileged login without sudo rights: created once on this machine when missing (a
/// system user with no password, "*", which sshd does not count as locked).
fn ensure_user(name: &str) {
    if Command::new("id")
        .arg(name)
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return;
    }
    let o = Command::new("useradd")
        .args([
            "--system",
            "--no-create-home",
            "--shell",
            "/bin/sh",
            "-p",
            "*",
            name,
        ])
        .output()
        .unwrap();
    // Another test binary may have created it meanwhile.
    assert!(
        o.status.success() || Command::new("id").arg(name).status().unwrap().success(),
        "useradd {name}: {}",
        common::stderr(&o)
    );
}
