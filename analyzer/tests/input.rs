//! read_input over every container form, and over hostile inputs built here (nothing shipped).

mod common;

use common::{gzip, noisy, random_bytes, tar_bytes, tar_header, write, TOP};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use kdiag_analyzer::input::{decode_text, lines, read_input, Limits};
use kdiag_analyzer::texts::node::{InputKind, TextKind};

const MANIFEST: &str = r#"{"format":"kdiag-bundle","format_version":1,"collector_version":"0.1.0",
"hostname":"node01","collected_at":"2026-11-22T08:30:00Z","since":"2026-11-21T08:30:00Z",
"uid":0,"args":["collect"],"items":[{"path":"cluster/pods.json","source":"kubectl get pods -A -o json",
"status":"failed","exit_code":1,"stderr":"The connection to the server localhost:8080 was refused - did you specify the right host or port?"}]}"#;

fn bundle_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("manifest.json", MANIFEST.as_bytes().to_vec()),
        ("node/host/hostname", b"node01\n".to_vec()),
        (
            "node/journal/kubelet.log",
            b"2026-11-22T08:01:02+0800 node01 kubelet[1234]: E1122 08:01:02.123456    1234 kubelet.go:1234] failed to run Kubelet: misconfiguration: kubelet cgroup driver: \"cgroupfs\" is different from docker cgroup driver: \"systemd\"\n".to_vec(),
        ),
        ("node/proc/swaps", b"Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n".to_vec()),
        ("cluster/pods.json", b"".to_vec()),
    ]
}

/// Writes the bundle as an unpacked folder `<dir>/<TOP>/...`.
fn write_folder(dir: &Path) -> PathBuf {
    let top = dir.join(TOP);
    for (p, data) in bundle_files() {
        write(&top, p, &data);
    }
    top
}

fn bundle_tar() -> Vec<u8> {
    let files = bundle_files();
    let named: Vec<(String, &[u8])> = files
        .iter()
        .map(|(p, d)| (format!("{TOP}/{p}"), d.as_slice()))
        .collect();
    let refs: Vec<(&str, &[u8])> = named.iter().map(|(n, d)| (n.as_str(), *d)).collect();
    tar_bytes(&refs)
}

fn bundle_zip() -> Vec<u8> {
    let mut z = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (p, d) in bundle_files() {
        z.start_file(format!("{TOP}/{p}"), opts).unwrap();
        z.write_all(&d).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().path().to_path_buf())
        .collect();
    v.sort();
    v
}

fn expected_files() -> BTreeMap<String, Vec<u8>> {
    bundle_files()
        .into_iter()
        .map(|(p, d)| (p.to_string(), d))
        .collect()
}

#[test]
fn same_bundle_as_tgz_tar_zip_and_folder_gives_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let top = write_folder(dir.path());
    let tar = bundle_tar();
    let forms = [
        ("b.tgz", gzip(&tar)),
        ("b.tar", tar.clone()),
        ("b.zip", bundle_zip()),
        // Content sniffing, not the extension: a .tgz named .dat still reads.
        ("b.dat", gzip(&tar)),
    ];
    let archives = tempfile::tempdir().unwrap();
    for (name, data) in &forms {
        fs::write(archives.path().join(name), data).unwrap();
    }
    let before = listing(dir.path());
    let before_archives = listing(archives.path());
    let mut paths: Vec<PathBuf> = forms.iter().map(|(n, _)| archives.path().join(n)).collect();
    paths.push(top.clone());
    paths.push(dir.path().to_path_buf()); // a folder that contains the top folder
    for p in &paths {
        let node = read_input(p, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(node.files, expected_files(), "{}", p.display());
        assert_eq!(node.name, "node01", "{}", p.display());
        assert_eq!(node.kind, InputKind::Bundle);
        let m = node.manifest.as_ref().expect("manifest read");
        assert_eq!(m.collected_at, "2026-11-22T08:30:00Z");
        assert!(
            node.warnings.is_empty(),
            "{}: {:?}",
            p.display(),
            node.warnings
        );
    }
    // Nothing was written next to the inputs (no extraction).
    assert_eq!(listing(dir.path()), before);
    assert_eq!(listing(archives.path()), before_archives);
}

#[test]
fn bundle_without_top_folder_or_manifest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("kdiag-nodeX-20261122T083000Z.tar");
    fs::write(
        &p,
        tar_bytes(&[
            ("./node/proc/swaps", b"Filename Type Size Used Priority\n"),
            ("node/disk/df.txt", b"x\n"),
        ]),
    )
    .unwrap();
    let node = read_input(&p, &Limits::default()).unwrap();
    assert!(node.manifest.is_none());
    assert_eq!(
        node.files.keys().cloned().collect::<Vec<_>>(),
        vec!["node/disk/df.txt", "node/proc/swaps"]
    );
    assert_eq!(node.name, "kdiag-nodeX-20261122T083000Z");
    assert!(node.warnings.iter().any(|w| w.contains("no manifest.json")));
}

#[test]
fn hostile_tar_entries_are_skipped_with_warnings() {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |name: &str, kind: tar::EntryType, data: &[u8], link: Option<&str>| {
        let h = tar_header(name.as_bytes(), data.len() as u64, kind, link);
        b.append(&h, data).unwrap();
    };
    add(
        "kdiag-n-1/../../etc/x",
        tar::EntryType::Regular,
        b"evil",
        None,
    );
    add("/etc/cron.d/evil", tar::EntryType::Regular, b"evil", None);
    add(
        "kdiag-n-1/node/host/link",
        tar::EntryType::Symlink,
        b"",
        Some("/etc/shadow"),
    );
    add(
        "kdiag-n-1/node/host/hard",
        tar::EntryType::Link,
        b"",
        Some("/etc/shadow"),
    );
    add("kdiag-n-1/node/host/dev", tar::EntryType::Char, b"", None);
    add("kdiag-n-1/node/host/fifo", tar::EntryType::Fifo, b"", None);
    add(
        "kdiag-n-1/node/host/hostname",
        tar::EntryType::Regular,
        b"n\n",
        None,
    );
    let data = b.into_inner().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil.tgz");
    fs::write(&p, gzip(&data)).unwrap();
    let before = listing(dir.path());
    let node = read_input(&p, &Limits::default()).unwrap();
    assert_eq!(
        node.files.keys().collect::<Vec<_>>(),
        vec!["node/host/hostname"]
    );
    let w = node.warnings.join("\n");
    for needle in [
        "../../etc/x",
        "/etc/cron.d/evil",
        "symlink",
        "hardlink",
        "character device",
        "FIFO",
    ] {
        assert!(w.contains(needle), "no warning about {needle}: {w}");
    }
    assert_eq!(listing(dir.path()), before);
    assert!(!Path::new("/etc/x").exists() || fs::read("/etc/x").unwrap() != b"evil");
}

#[test]
fn hostile_zip_entries_are_skipped() {
    let mut z = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    z.start_file("../../etc/x", opts).unwrap();
    z.write_all(b"evil").unwrap();
    z.start_file("/abs/evil", opts).unwrap();
    z.write_all(b"evil").unwrap();
    z.add_symlink("kdiag-n-1/node/link", "/etc/shadow", opts)
        .unwrap();
    z.start_file("kdiag-n-1/node/host/hostname", opts).unwrap();
    z.write_all(b"n\n").unwrap();
    let data = z.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil.zip");
    fs::write(&p, data).unwrap();
    let node = read_input(&p, &Limits::default()).unwrap();
    assert_eq!(
        node.files.keys().collect::<Vec<_>>(),
        vec!["node/host/hostname"]
    );
    let w = node.warnings.join("\n");
    assert!(
        w.contains("../../etc/x") && w.contains("/abs/evil") && w.contains("symlink"),
        "{w}"
    );
}

/// 1 GiB of zeros as one tar entry, gzip'd while streaming (about 1 MiB on disk).
#[test]
fn gzip_bomb_stops_at_the_ratio_guard() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.tgz");
    {
        let gz = GzEncoder::new(File::create(&p).unwrap(), Compression::default());
        let mut b = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_size(1 << 30);
        h.set_mode(0o644);
        h.set_path("kdiag-n-1/node/logs/messages").unwrap();
        h.set_cksum();
        b.append(&h, io::repeat(0).take(1 << 30)).unwrap();
        b.into_inner().unwrap().finish().unwrap();
    }
    assert!(fs::metadata(&p).unwrap().len() < 4 << 20);
    let e = read_input(&p, &Limits::default()).unwrap_err();
    assert!(e.reason.contains("bomb"), "{e}");
    // The total bound also holds when the ratio guard is off.
    let limits = Limits {
        max_ratio: u64::MAX,
        max_total_bytes: 64 << 20,
        ..Limits::default()
    };
    let e = read_input(&p, &limits).unwrap_err();
    assert!(e.reason.contains("size limit"), "{e}");
}

#[test]
fn zip_bomb_stops_at_the_ratio_guard() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bomb.zip");
    {
        let mut z = zip::ZipWriter::new(File::create(&p).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file("kdiag-n-1/node/logs/messages", opts).unwrap();
        io::copy(&mut io::repeat(0).take(1 << 30), &mut z).unwrap();
        z.finish().unwrap();
    }
    assert!(fs::metadata(&p).unwrap().len() < 4 << 20);
    let e = read_input(&p, &Limits::default()).unwrap_err();
    assert!(e.reason.contains("bomb"), "{e}");
}

#[test]
fn truncated_tgz_gives_a_partial_node_and_names_the_entry() {
    let a = noisy(200_000, 1);
    let b = noisy(200_000, 2);
    let c = noisy(200_000, 3);
    let tar = tar_bytes(&[
        ("kdiag-n-1/node/a.log", &a),
        ("kdiag-n-1/node/b.log", &b),
        ("kdiag-n-1/node/c.log", &c),
    ]);
    let gz = gzip(&tar);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("cut.tgz");
    fs::write(&p, &gz[..gz.len() / 2]).unwrap();
    let node = read_input(&p, &Limits::default()).unwrap();
    assert_eq!(node.files.get("node/a.log"), Some(&a));
    assert!(!node.files.contains_key("node/c.log"));
    let w = node.warnings.join("\n");
    assert!(w.contains("truncated") && w.contains("node/b.log"), "{w}");
}

#[test]
fn tar_whose_size_header_lies() {
    let mut tar = tar_bytes(&[
        ("kdiag-n-1/node/a.log", b"hello\n"),
        ("kdiag-n-1/node/b.log", b"world\n"),
    ]);
    // Second header at 1024: claim 10 MiB.
    let h = &mut tar[1024..1536];
    let size = format!("{:011o}\0", 10u64 << 20);
    h[124..136].copy_from_slice(size.as_bytes());
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&c| c as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("lie.tar");
    fs::write(&p, &tar).unwrap();
    let node = read_input(&p, &Limits::default()).unwrap();
    assert_eq!(
        node.files.get("node/a.log").map(|v| v.as_slice()),
        Some(&b"hello\n"[..])
    );
    let w = node.warnings.join("\n");
    assert!(w.contains("node/b.log") && w.contains("truncated"), "{w}");
}

#[test]
fn zip_with_a_corrupt_central_directory_is_read_from_local_headers() {
    let mut data = bundle_zip();
    let eocd = data.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    for b in &mut data[eocd..] {
        *b = 0xAA;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.zip");
    fs::write(&p, &data).unwrap();
    // Every entry is still read, from the local headers, and the warning says why.
    let node = read_input(&p, &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(node.files, expected_files());
    assert!(node
        .warnings
        .iter()
        .any(|w| w.contains("central directory")));
}

#[test]
fn empty_random_and_text_files() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.tgz");
    fs::write(&empty, b"").unwrap();
    assert!(read_input(&empty, &Limits::default())
        .unwrap_err()
        .reason
        .contains("empty"));

    let random = dir.path().join("random.bin");
    let bytes = random_bytes(100_000);
    fs::write(&random, &bytes).unwrap();
    let e = read_input(&random, &Limits::default()).unwrap_err();
    assert!(e.reason.contains("not a bundle"), "{e}");

    // Random bytes behind a gzip magic: a clear error, no panic.
    let mut fake = vec![0x1f, 0x8b];
    fake.extend_from_slice(&bytes[..1000]);
    let fgz = dir.path().join("fake.tgz");
    fs::write(&fgz, &fake).unwrap();
    assert!(read_input(&fgz, &Limits::default()).is_err());

    // A .tgz name over plain text: sniffed as text.
    let t = dir.path().join("kubelet.tgz");
    fs::write(&t, "Nov 22 08:01:02 node01 kubelet[1234]: E1122 08:01:02.123456 1234 server.go:302] failed to run Kubelet\n").unwrap();
    let node = read_input(&t, &Limits::default()).unwrap();
    assert_eq!(node.kind, InputKind::Loose(TextKind::KubeletJournal));
}

#[test]
fn loose_text_file_is_sniffed_and_named_by_its_stem() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("describe-pod.txt");
    let text = "Name:         mypod\nNamespace:    default\nNode:         node01/10.0.0.1\nStatus:       Pending\nEvents:\n  Type     Reason            Age                From               Message\n  ----     ------            ----               ----               -------\n  Warning  FailedScheduling  12s (x6 over 27s)  default-scheduler  0/4 nodes are available: 2 Insufficient cpu.\n";
    fs::write(&p, text).unwrap();
    let node = read_input(&p, &Limits::default()).unwrap();
    assert_eq!(node.kind, InputKind::Loose(TextKind::KubectlDescribe));
    assert_eq!(node.name, "describe-pod");
    // the pasted file, and the pod the describe shows, as the collector's pod list path
    // (facts keep a described pod apart: facts.cluster.described_pods)
    assert_eq!(
        node.files.keys().collect::<Vec<_>>(),
        vec!["cluster/pods.json", "describe-pod.txt"]
    );
    let pods: serde_json::Value = serde_json::from_slice(&node.files["cluster/pods.json"]).unwrap();
    assert_eq!(pods["items"][0]["metadata"]["name"], "mypod");
    assert!(node.manifest.is_none());
}

#[test]
fn gbk_crlf_text_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("paste.log");
    let (gbk, _, _) = encoding_rs::GBK.encode("12月 22 17:53:24 kubernetes kubelet[290264]: E1222 17:53:24.370155  290264 kuberuntime_manager.go:818] 容器启动失败\r\n第二行\r\n");
    fs::write(&p, &gbk).unwrap();
    let node = read_input(&p, &Limits::default()).unwrap();
    assert_eq!(node.kind, InputKind::Loose(TextKind::KubeletJournal));
    let bytes = &node.files["paste.log"];
    // kept decoded, so that the scan reads its Chinese words, not replacement characters
    assert!(
        std::str::from_utf8(bytes).is_ok(),
        "a GBK paste is stored decoded"
    );
    let ls: Vec<String> = lines(bytes, 1 << 16)
        .map(|l| decode_text(l.bytes).into_owned())
        .collect();
    assert_eq!(ls.len(), 2);
    assert!(ls[0].ends_with("容器启动失败"));
    assert_eq!(ls[1], "第二行");
}

#[test]
fn huge_single_line_is_capped_and_huge_file_keeps_its_tail() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.log");
    let mut data = vec![b'x'; 5 << 20];
    data.extend_from_slice(b"\nlast line\n");
    fs::write(&p, &data).unwrap();
    let limits = Limits {
        max_line_bytes: 4096,
        ..Limits::default()
    };
    let node = read_input(&p, &limits).unwrap();
    let v: Vec<_> = lines(&node.files["huge.log"], limits.max_line_bytes).collect();
    assert_eq!(v.len(), 2);
    assert!(v[0].cut && v[0].bytes.len() == 4096);
    assert_eq!(v[1].bytes, b"last line");

    // Per-file cap: the newest lines are kept, from a line start.
    let p = dir.path().join("long.log");
    let body: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
    fs::write(&p, &body).unwrap();
    let limits = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    let node = read_input(&p, &limits).unwrap();
    let kept = String::from_utf8(node.files["long.log"].clone()).unwrap();
    assert!(kept.len() <= 1000 && kept.starts_with("line ") && kept.ends_with("line 99999\n"));
    assert!(node.warnings.iter().any(|w| w.contains("per-file cap")));
}

#[test]
fn folder_symlinks_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let top = write_folder(dir.path());
    std::os::unix::fs::symlink("/etc/passwd", top.join("node/host/passwd")).unwrap();
    let node = read_input(&top, &Limits::default()).unwrap();
    assert!(!node.files.contains_key("node/host/passwd"));
    assert!(node
        .warnings
        .iter()
        .any(|w| w.contains("node/host/passwd") && w.contains("symlink")));
}

#[test]
fn missing_path_is_a_clear_error() {
    let e = read_input(Path::new("/nonexistent/kdiag-x.tgz"), &Limits::default()).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/kdiag-x.tgz"));
}

/// The tar as `collect` writes bundles (docs/bundle-format.md): sized gzip members, made by its
/// own writer, of `member` bytes of tar each.
fn sized_members(tar: &[u8], member: usize) -> Vec<u8> {
    let mut w = kdiag_collector::members::MemberWriter::with_member_bytes(
        Vec::new(),
        Compression::fast(),
        member,
    );
    w.write_all(tar).unwrap();
    w.finish().unwrap()
}

#[test]
fn a_bundle_of_sized_gzip_members_reads_as_the_single_stream_one_and_truncation_is_said() {
    let shipped = common::root().join("testdata/bundles/disk-full-eviction.tgz");
    let mut tar = Vec::new();
    flate2::read::MultiGzDecoder::new(File::open(&shipped).unwrap())
        .read_to_end(&mut tar)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Small members, so the archive has many and a batch boundary falls inside entries.
    let members = sized_members(&tar, 64 << 10);
    let p = write(dir.path(), "members.tgz", &members);
    let a = read_input(&shipped, &Limits::default()).unwrap();
    let b = read_input(&p, &Limits::default()).unwrap();
    assert_eq!(a.files, b.files);
    assert_eq!(a.name, b.name);
    // Cut inside the last third: what was whole before the cut is kept, with a warning.
    let cut = write(dir.path(), "cut.tgz", &members[..members.len() * 2 / 3]);
    let c = read_input(&cut, &Limits::default()).unwrap();
    assert!(c.files.len() < a.files.len() && !c.files.is_empty());
    assert!(
        c.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        c.warnings
    );
}
