//! Hostile bundles through the `analyze` binary, end to end: each gets a clear message or a
//! partial report, in bounded memory (peak RSS of the child, measured with /usr/bin/time), and
//! nothing is written anywhere but the one --output file (the working folder is a fresh temp dir
//! and is listed afterwards; the input is compared byte for byte before and after).
//!
//! The library-level cases (what `read_input` keeps and warns) are in tests/input.rs; these add
//! the binary's behaviour: exit codes, messages, memory, and the absence of stray writes.
//! The huge inputs are generated streaming (nothing large is committed).

mod common;

use common::{gzip, noisy, random_bytes, raw_tar, write, RawEntry, TOP};
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::Value;

/// Generous memory bound for the analyze process on any one hostile input.
const MAX_RSS_KIB: u64 = 512 * 1024;
/// Generous guard against a hang (not a timing assertion): the child is killed past it.
const HANG_GUARD: Duration = Duration::from_secs(300);

const MANIFEST: &str = r#"{"format":"kdiag-bundle","format_version":1,"collector_version":"0.1.0",
"hostname":"node01","collected_at":"2026-11-22T08:30:00Z","since":"2026-11-21T08:30:00Z",
"uid":0,"args":["collect"],"items":[]}"#;

/// A rule of our own (given with --rules) that fires on KUBELET_LINE, so the tests do not depend
/// on what the embedded rules need besides the journal.
const RULE: &str = "zz-hostile-cgroup";

fn rules_dir(root: &Path) -> PathBuf {
    let dir = root.join("rules");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join(format!("{RULE}.yaml")),
        format!(
            "id: {RULE}\nseverity: warning\nknowledge: []\n\
title: {{ en: cgroup, zh: cgroup }}\nwhy: {{ en: w, zh: w }}\nfix: {{ en: f, zh: f }}\n\
message: {{ en: cgroup driver, zh: cgroup driver }}\n\
when:\n  match: {{ source: kubelet, regex: 'kubelet cgroup driver: .* is different from docker cgroup driver' }}\n"
        ),
    )
    .unwrap();
    dir
}

const KUBELET_LINE: &str = "2026-11-22T08:01:02+0800 node01 kubelet[1234]: E1122 08:01:02.123456    1234 kubelet.go:1234] failed to run Kubelet: misconfiguration: kubelet cgroup driver: \"cgroupfs\" is different from docker cgroup driver: \"systemd\"\n";

struct Outcome {
    code: i32,
    stderr: String,
    /// The findings document (when --output was written).
    doc: Option<Value>,
    /// Peak RSS of the analyze process in KiB (None when /usr/bin/time is missing).
    rss_kib: Option<u64>,
    elapsed: Duration,
}

impl Outcome {
    fn warnings(&self) -> String {
        self.doc
            .as_ref()
            .and_then(|d| d["warnings"].as_array())
            .map(|w| {
                w.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }
    fn finding_ids(&self) -> Vec<String> {
        self.doc
            .as_ref()
            .and_then(|d| d["findings"].as_array())
            .map(|f| {
                f.iter()
                    .filter_map(|x| x["rule"].as_str().or(x["id"].as_str()))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
    fn assert_rss(&self, what: &str) {
        match self.rss_kib {
            Some(kib) => {
                eprintln!(
                    "{what}: peak RSS {} MiB, {:.1} s",
                    kib / 1024,
                    self.elapsed.as_secs_f64()
                );
                assert!(
                    kib < MAX_RSS_KIB,
                    "{what}: analyze peaked at {} MiB",
                    kib / 1024
                );
            }
            None => eprintln!("{what}: /usr/bin/time missing, RSS not measured"),
        }
    }
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap().path().strip_prefix(dir).unwrap().to_path_buf())
        .collect();
    v.sort();
    v
}

/// Runs `analyze ARGS... INPUT --format json --output out.json` with its working folder a fresh
/// temp dir two levels deep (so `../../x` from there is still inside the temp dir we inspect),
/// then checks that the only new file anywhere under that temp dir is out.json and that the
/// input and its folder are unchanged.
fn analyze(input: &Path, extra: &[&str]) -> Outcome {
    let base = tempfile::tempdir().unwrap();
    let cwd = base.path().join("d1/d2");
    fs::create_dir_all(&cwd).unwrap();
    let meta = tempfile::tempdir().unwrap();
    let rss_file = meta.path().join("rss");
    let rules = rules_dir(meta.path());
    let input_dir = input.parent().unwrap().to_path_buf();
    let before_dir = listing(&input_dir);
    let before = snapshot(input);

    let bin = env!("CARGO_BIN_EXE_analyze");
    let time = Path::new("/usr/bin/time");
    let mut c = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-o").arg(&rss_file).args(["-f", "%M"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    c.current_dir(&cwd)
        .arg(input)
        .args(extra)
        .arg("--rules")
        .arg(&rules)
        .args(["--format", "json", "--output", "out.json", "--lang", "en"])
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t = Instant::now();
    let mut child = c.spawn().expect("analyze runs");
    let mut stderr = String::new();
    let mut err_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if t.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!(
                "analyze hung on {} (killed after the guard)",
                input.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = t.elapsed();
    stderr.push_str(&reader.join().unwrap());
    // The exit code of analyze itself (/usr/bin/time passes it through).
    let code = status.code().expect("exited, not killed by a signal");
    assert!(
        !stderr.contains("panicked"),
        "analyze panicked on {}: {stderr}",
        input.display()
    );
    let rss_kib = fs::read_to_string(&rss_file).ok().and_then(|s| {
        s.lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .next_back()
    });
    let out = cwd.join("out.json");
    let doc = fs::read(&out)
        .ok()
        .map(|b| serde_json::from_slice::<Value>(&b).expect("out.json is JSON"));
    // Nothing but out.json was written under the temp dir, whatever the bundle's entries said.
    let written = listing(base.path());
    let allowed: Vec<PathBuf> = ["d1", "d1/d2", "d1/d2/out.json"]
        .iter()
        .map(PathBuf::from)
        .filter(|p| p.file_name() != Some("out.json".as_ref()) || doc.is_some())
        .collect();
    assert_eq!(written, allowed, "stray files for {}", input.display());
    assert_eq!(
        listing(&input_dir),
        before_dir,
        "the input's folder changed"
    );
    assert!(snapshot(input) == before, "the input changed");
    Outcome {
        code,
        stderr,
        doc,
        rss_kib,
        elapsed,
    }
}

/// Content digest (FNV-1a 64 over the bytes) plus size and mtime of a file, or of every file of
/// a folder.
fn snapshot(p: &Path) -> Vec<(PathBuf, u64, u64, Option<std::time::SystemTime>)> {
    let files: Vec<PathBuf> = if p.is_dir() {
        walkdir::WalkDir::new(p)
            .follow_links(false)
            .into_iter()
            .map(|e| e.unwrap().path().to_path_buf())
            .filter(|p| p.symlink_metadata().map(|m| m.is_file()).unwrap_or(false))
            .collect()
    } else {
        vec![p.to_path_buf()]
    };
    files
        .into_iter()
        .map(|f| {
            let m = f.symlink_metadata().unwrap();
            let mut h: u64 = 0xcbf29ce484222325;
            let mut r = io::BufReader::new(File::open(&f).unwrap());
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = r.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                for &b in &buf[..n] {
                    h = (h ^ b as u64).wrapping_mul(0x100000001b3);
                }
            }
            (f, m.len(), h, m.modified().ok())
        })
        .collect()
}

fn ok_entries() -> Vec<(String, Vec<u8>)> {
    vec![
        (format!("{TOP}/manifest.json"), MANIFEST.as_bytes().to_vec()),
        (format!("{TOP}/node/host/hostname"), b"node01\n".to_vec()),
        (
            format!("{TOP}/node/journal/kubelet.log"),
            KUBELET_LINE.as_bytes().to_vec(),
        ),
    ]
}

/// A readable partial report: exit code from the findings (0-2), a document, the node read.
fn assert_report(o: &Outcome, what: &str) {
    assert!(
        matches!(o.code, 0..=2),
        "{what}: exit {} {}",
        o.code,
        o.stderr
    );
    let doc = o.doc.as_ref().expect("a findings document");
    assert_eq!(doc["nodes"].as_array().map(Vec::len), Some(1), "{what}");
}

/// No input could be read: exit 3 and a message on stderr naming why.
fn assert_refused(o: &Outcome, why: &str) {
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(
        o.stderr.contains(why) || o.warnings().contains(why),
        "no {why:?} in: {} / {}",
        o.stderr,
        o.warnings()
    );
}

#[test]
fn traversal_absolute_links_and_devices_are_skipped_and_nothing_lands_outside() {
    let dir = tempfile::tempdir().unwrap();
    #[allow(clippy::type_complexity)]
    let mut entries: Vec<(Vec<u8>, tar::EntryType, Vec<u8>, Option<&str>)> = ok_entries()
        .into_iter()
        .map(|(n, d)| (n.into_bytes(), tar::EntryType::Regular, d, None))
        .collect();
    use tar::EntryType as T;
    for (name, kind, link) in [
        ("../../evil-traversal", T::Regular, None),
        ("kdiag-node01/../../../evil-traversal2", T::Regular, None),
        ("/tmp/kdiag-evil-absolute", T::Regular, None),
        (
            "kdiag-node01/node/host/shadow",
            T::Symlink,
            Some("/etc/shadow"),
        ),
        (
            "kdiag-node01/node/host/up",
            T::Symlink,
            Some("../../../../evil"),
        ),
        ("kdiag-node01/node/host/hard", T::Link, Some("/etc/passwd")),
        ("kdiag-node01/node/host/null", T::Char, None),
        ("kdiag-node01/node/host/sda", T::Block, None),
        ("kdiag-node01/node/host/fifo", T::Fifo, None),
    ] {
        entries.push((name.as_bytes().to_vec(), kind, b"evil\n".to_vec(), link));
    }
    let refs: Vec<RawEntry<'_>> = entries
        .iter()
        .map(|(n, k, d, l)| (n.as_slice(), *k, d.as_slice(), *l))
        .collect();
    let tar = raw_tar(&refs);
    for (name, data) in [("evil.tgz", gzip(&tar)), ("evil.tar", tar.clone())] {
        let p = write(dir.path(), name, &data);
        let o = analyze(&p, &[]);
        assert_report(&o, name);
        let w = o.warnings();
        for needle in [
            "../../evil-traversal",
            "path traversal",
            "/tmp/kdiag-evil-absolute",
            "absolute path",
            "symlink",
            "hardlink",
            "character device",
            "block device",
            "FIFO",
        ] {
            assert!(w.contains(needle), "{name}: no warning about {needle}: {w}");
        }
        assert!(!Path::new("/tmp/kdiag-evil-absolute").exists());
        // The good entries were still analysed.
        assert!(
            o.finding_ids().iter().any(|id| id == RULE),
            "{name}: {:?}",
            o.finding_ids()
        );
    }
    // The same through a zip.
    let mut z = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (n, d) in ok_entries() {
        z.start_file(n, opts).unwrap();
        z.write_all(&d).unwrap();
    }
    z.start_file("../../evil-traversal", opts).unwrap();
    z.write_all(b"evil").unwrap();
    z.start_file("/tmp/kdiag-evil-absolute", opts).unwrap();
    z.write_all(b"evil").unwrap();
    z.add_symlink(format!("{TOP}/node/host/shadow"), "/etc/shadow", opts)
        .unwrap();
    let p = write(dir.path(), "evil.zip", &z.finish().unwrap().into_inner());
    let o = analyze(&p, &[]);
    assert_report(&o, "evil.zip");
    let w = o.warnings();
    for needle in [
        "../../evil-traversal",
        "/tmp/kdiag-evil-absolute",
        "symlink",
    ] {
        assert!(w.contains(needle), "zip: no warning about {needle}: {w}");
    }
}

#[test]
fn folder_with_links_outside_a_fifo_and_a_non_utf8_name() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join(TOP);
    for (n, d) in ok_entries() {
        write(dir.path(), &n, &d);
    }
    let host = top.join("node/host");
    std::os::unix::fs::symlink("/etc/shadow", host.join("shadow")).unwrap();
    std::os::unix::fs::symlink("/", host.join("rootdir")).unwrap();
    let fifo = host.join("fifo");
    let st = Command::new("mkfifo").arg(&fifo).status();
    let have_fifo = st.map(|s| s.success()).unwrap_or(false);
    // A hard link to a file outside the bundle is a regular file of the folder: it is read like
    // any other (it is the user's own file on their own disk), never written to.
    let outside = dir.path().join("outside.txt");
    fs::write(&outside, "outside\n").unwrap();
    fs::hard_link(&outside, host.join("hard")).unwrap();
    let bad = std::ffi::OsStr::from_bytes(b"name-\xff\xfe.log");
    fs::write(top.join("node").join(bad), "x\n").unwrap();
    let o = analyze(&top, &[]);
    assert_report(&o, "folder");
    let w = o.warnings();
    assert!(
        w.contains("node/host/shadow") && w.contains("symlink"),
        "{w}"
    );
    assert!(w.contains("node/host/rootdir"), "{w}");
    if have_fifo {
        assert!(
            w.contains("node/host/fifo") && w.contains("not a regular file"),
            "{w}"
        );
    }
    assert!(o.finding_ids().iter().any(|id| id == RULE));
}

/// A tar stream of `entry` holding `size` bytes from `content`, gzip'd while streaming into
/// `path` (nothing of that size is ever in memory or on disk).
fn streamed_tgz(path: &Path, entry: &str, size: u64, content: impl Read, level: u32) {
    let gz = GzEncoder::new(
        BufWriter::new(File::create(path).unwrap()),
        Compression::new(level),
    );
    let mut b = tar::Builder::new(gz);
    let mut h = tar::Header::new_gnu();
    h.set_size(size);
    h.set_mode(0o644);
    h.set_path(entry).unwrap();
    h.set_cksum();
    b.append(&h, content.take(size)).unwrap();
    b.into_inner().unwrap().finish().unwrap();
}

#[test]
fn gzip_bomb_and_zip_bomb_stop_with_a_message_in_bounded_memory() {
    if !common::slow_tests(module_path!()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 2 GiB of zeros: about 2 MiB of gzip.
    let p = dir.path().join("bomb.tgz");
    streamed_tgz(
        &p,
        &format!("{TOP}/node/logs/messages"),
        2 << 30,
        io::repeat(0),
        6,
    );
    assert!(fs::metadata(&p).unwrap().len() < 32 << 20);
    let o = analyze(&p, &[]);
    assert_refused(&o, "bomb");
    o.assert_rss("gzip bomb");

    let p = dir.path().join("bomb.zip");
    {
        let mut z = zip::ZipWriter::new(BufWriter::new(File::create(&p).unwrap()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file(format!("{TOP}/node/logs/messages"), opts)
            .unwrap();
        io::copy(&mut io::repeat(b'a').take(2 << 30), &mut z).unwrap();
        z.finish().unwrap();
    }
    assert!(fs::metadata(&p).unwrap().len() < 32 << 20);
    let o = analyze(&p, &[]);
    assert_refused(&o, "bomb");
    o.assert_rss("zip bomb");
}

/// A reader of `len` bytes of one line of printable text with no newline, made of short runs so
/// it compresses about 60:1 (under the ratio guard, so the whole line really is decompressed).
struct OneLine {
    left: u64,
    x: u32,
}

impl Read for OneLine {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        let mut i = 0;
        while i < n {
            self.x ^= self.x << 13;
            self.x ^= self.x >> 17;
            self.x ^= self.x << 5;
            let run = 100 + (self.x % 150) as usize;
            let c = b'a' + (self.x >> 8) as u8 % 26;
            let end = (i + run).min(n);
            buf[i..end].fill(c);
            i = end;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The 2 GiB single line (no newline at all), as a gzipped log generated on the fly (about
/// 150 MiB of gzip in a temp file, removed after): exactly the input size limit, so it is read
/// through, and the per-file cap keeps its newest 256 MiB. KDIAG_HUGE_LINE_MIB lowers the size.
/// One byte more than the limit is refused with a message (the second half).
#[test]
fn a_2gib_single_line_is_read_in_bounded_memory() {
    if !common::slow_tests(module_path!()) {
        return;
    }
    let mib: u64 = std::env::var("KDIAG_HUGE_LINE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("kubelet.log.gz");
    let t = Instant::now();
    {
        let mut gz = GzEncoder::new(
            BufWriter::new(File::create(&p).unwrap()),
            Compression::new(1),
        );
        io::copy(
            &mut OneLine {
                left: mib << 20,
                x: 7,
            },
            &mut gz,
        )
        .unwrap();
        gz.finish().unwrap();
    }
    eprintln!(
        "generated a {mib} MiB line as {} MiB of gzip in {:.1} s",
        fs::metadata(&p).unwrap().len() >> 20,
        t.elapsed().as_secs_f64()
    );
    let o = analyze(&p, &[]);
    assert_report(&o, "huge line");
    o.assert_rss("2 GiB line");
    let w = o.warnings();
    assert!(w.contains("per-file cap"), "{w}");

    // Past the input limit: refused, with the limit named.
    if mib == 2048 {
        let p = dir.path().join("over.log.gz");
        {
            let mut gz = GzEncoder::new(
                BufWriter::new(File::create(&p).unwrap()),
                Compression::new(1),
            );
            io::copy(
                &mut OneLine {
                    left: (2 << 30) + (1 << 20),
                    x: 9,
                },
                &mut gz,
            )
            .unwrap();
            gz.finish().unwrap();
        }
        let o = analyze(&p, &[]);
        assert_refused(&o, "size limit");
        o.assert_rss("2 GiB + 1 MiB line");
    }
}

#[test]
fn a_pax_size_header_that_lies_gives_a_partial_report() {
    // A PAX extended header claiming 10 MiB for an entry whose data is 6 bytes, then the archive
    // ends: the reader must stop at the end of the stream, keep what came before, and say so.
    let mut tar = Vec::new();
    for (n, d) in ok_entries() {
        let mut h = tar::Header::new_gnu();
        h.set_size(d.len() as u64);
        h.set_mode(0o644);
        h.set_path(&n).unwrap();
        h.set_cksum();
        tar.extend_from_slice(h.as_bytes());
        tar.extend_from_slice(&d);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    let rec = "size=10485760\n";
    let pax = format!("{} {rec}", rec.len() + 3);
    assert_eq!(pax.len(), rec.len() + 3);
    let mut x = tar::Header::new_ustar();
    x.set_path("PaxHeaders/lie").unwrap();
    x.set_size(pax.len() as u64);
    x.set_entry_type(tar::EntryType::XHeader);
    x.set_mode(0o644);
    x.set_cksum();
    tar.extend_from_slice(x.as_bytes());
    tar.extend_from_slice(pax.as_bytes());
    tar.resize(tar.len().div_ceil(512) * 512, 0);
    let mut h = tar::Header::new_ustar();
    h.set_path(format!("{TOP}/node/lie.log")).unwrap();
    h.set_size(6);
    h.set_mode(0o644);
    h.set_cksum();
    tar.extend_from_slice(h.as_bytes());
    tar.extend_from_slice(b"hello\n");
    tar.resize(tar.len().div_ceil(512) * 512 + 1024, 0);
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in [("pax.tar", tar.clone()), ("pax.tgz", gzip(&tar))] {
        let p = write(dir.path(), name, &data);
        let o = analyze(&p, &[]);
        assert_report(&o, name);
        let w = o.warnings();
        assert!(
            w.contains("node/lie.log") && w.contains("truncated"),
            "{name}: {w}"
        );
        assert!(o.finding_ids().iter().any(|id| id == RULE));
    }
}

#[test]
fn truncated_gzip_corrupt_zip_empty_and_random_inputs() {
    let dir = tempfile::tempdir().unwrap();
    // Truncated .tgz: the first entries are kept, the cut is named.
    let mut entries = ok_entries();
    entries.push((format!("{TOP}/node/logs/a.log"), noisy(300_000, 1)));
    entries.push((format!("{TOP}/node/logs/b.log"), noisy(300_000, 2)));
    let refs: Vec<RawEntry<'_>> = entries
        .iter()
        .map(|(n, d)| (n.as_bytes(), tar::EntryType::Regular, d.as_slice(), None))
        .collect();
    let gz = gzip(&raw_tar(&refs));
    let p = write(dir.path(), "cut.tgz", &gz[..gz.len() * 3 / 4]);
    let o = analyze(&p, &[]);
    assert_report(&o, "cut.tgz");
    assert!(o.warnings().contains("truncated"), "{}", o.warnings());
    assert!(o.finding_ids().iter().any(|id| id == RULE));
    // Cut inside the gzip header: nothing readable.
    let p = write(dir.path(), "header.tgz", &gz[..6]);
    let o = analyze(&p, &[]);
    assert_refused(&o, "gzip");

    // A zip whose central directory is garbage: read from the local headers.
    let mut z = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    for (n, d) in ok_entries() {
        z.start_file(n, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&d).unwrap();
    }
    let mut data = z.finish().unwrap().into_inner();
    let cd = data.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    for b in &mut data[cd..] {
        *b = 0x5A;
    }
    let p = write(dir.path(), "cd.zip", &data);
    let o = analyze(&p, &[]);
    assert_report(&o, "cd.zip");
    assert!(
        o.warnings().contains("central directory"),
        "{}",
        o.warnings()
    );

    let p = write(dir.path(), "empty.tgz", b"");
    assert_refused(&analyze(&p, &[]), "empty");
    let random = random_bytes(1 << 20);
    let p = write(dir.path(), "random.bin", &random);
    assert_refused(&analyze(&p, &[]), "not a bundle");
    // Random bytes behind each magic.
    for (name, magic) in [
        ("r.tgz", &b"\x1f\x8b\x08\x00"[..]),
        ("r.zip", b"PK\x03\x04"),
        ("r.xz", b"\xfd7zXZ\x00"),
        ("r.tar.bz2", b"BZh9"),
    ] {
        let mut d = magic.to_vec();
        d.extend_from_slice(&random[..4096]);
        let p = write(dir.path(), name, &d);
        let o = analyze(&p, &[]);
        assert_eq!(o.code, 3, "{name}: {}", o.stderr);
        assert!(o.stderr.contains(name), "{name}: {}", o.stderr);
    }
}

#[test]
fn a_million_tiny_entries_and_deep_nesting() {
    if !common::slow_tests(module_path!()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.tgz");
    let add = |b: &mut tar::Builder<_>, name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).unwrap();
    };
    {
        let gz = GzEncoder::new(
            BufWriter::new(File::create(&p).unwrap()),
            Compression::new(1),
        );
        let mut b = tar::Builder::new(gz);
        for (n, d) in ok_entries().into_iter().skip(1) {
            add(&mut b, &n, &d);
        }
        // Deep nesting: a 300-level path (GNU long name) and 10 000-deep JSON in pods.json.
        let deep = format!("{TOP}/node/{}deep.log", "d/".repeat(300));
        add(&mut b, &deep, b"deep\n");
        let json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        add(&mut b, &format!("{TOP}/cluster/pods.json"), json.as_bytes());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        for i in 0..1_000_000u32 {
            h.set_path(format!("{TOP}/node/many/{:03}/{i}", i % 1000))
                .unwrap();
            h.set_cksum();
            b.append(&h, &b"x"[..]).unwrap();
        }
        // The manifest comes last, as `collect` writes it: kept past the file count limit.
        let manifest = MANIFEST.replace("\"node01\"", "\"node-from-manifest\"");
        add(&mut b, &format!("{TOP}/manifest.json"), manifest.as_bytes());
        b.into_inner().unwrap().finish().unwrap();
    }
    let o = analyze(&p, &[]);
    assert_report(&o, "many");
    o.assert_rss("a million entries");
    assert!(o.finding_ids().iter().any(|id| id == RULE));
    let w = o.warnings();
    assert!(
        w.contains("950004 more files past the first 50000 were skipped"),
        "{w}"
    );
    let doc = o.doc.as_ref().unwrap();
    assert_eq!(
        doc["nodes"][0]["name"], "node-from-manifest",
        "{}",
        doc["nodes"]
    );
}

#[test]
fn gbk_crlf_logs_and_kubectl_error_text_in_place_of_json() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join(TOP);
    for (n, d) in ok_entries() {
        write(dir.path(), &n, &d);
    }
    // The kubelet journal in GBK with CRLF endings (a Windows paste of a zh_CN node's log).
    let text = format!(
        "12月 22 08:00:00 node01 kubelet[1234]: I1222 08:00:00.000000 1234 server.go:1] 启动\r\n{}",
        KUBELET_LINE.replace('\n', "\r\n")
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    fs::write(top.join("node/journal/kubelet.log"), &gbk).unwrap();
    // kubectl's error text where pods.json should be.
    fs::create_dir_all(top.join("cluster")).unwrap();
    let refused = "The connection to the server localhost:8080 was refused - did you specify the right host or port?\n";
    fs::write(top.join("cluster/pods.json"), refused).unwrap();
    fs::write(
        top.join("cluster/nodes.json"),
        "{\"kind\": \"Status\", \"items\": 42}",
    )
    .unwrap();
    fs::write(
        top.join("cluster/events.json"),
        "{\"items\": [1, \"x\", null, {\"kind\": []}]}",
    )
    .unwrap();
    let o = analyze(&top, &[]);
    assert_report(&o, "gbk");
    assert!(
        o.finding_ids().iter().any(|id| id == RULE),
        "GBK+CRLF journal not matched: {:?}",
        o.finding_ids()
    );
    // The same GBK log pasted loose.
    let p = write(dir.path(), "paste.log", &gbk);
    let o = analyze(&p, &[]);
    assert_report(&o, "paste");
    assert!(o.finding_ids().iter().any(|id| id == RULE));
    // A GBK paste whose evidence lies in non-ASCII characters (the typographic quotes coreutils
    // prints under a zh_CN locale, easzlab/kubeasz#575): read only when the paste is decoded.
    let zh = "启动报错：\nmkdir[69427]: /bin/mkdir: cannot create directory ‘/sys/fs/cgroup/pids’: Read-only file system\n";
    let (gbk, _, had_errors) = encoding_rs::GBK.encode(zh);
    assert!(!had_errors);
    let p = write(dir.path(), "pids.txt", &gbk);
    let o = analyze(&p, &[]);
    assert!(
        o.finding_ids()
            .iter()
            .any(|id| id == "cgroup-pids-unsupported"),
        "GBK paste not read as decoded: {:?}",
        o.finding_ids()
    );
}

/// A `kubectl get pod -o yaml` paste (pid-exhaustion__awslabs-amazon-eks-ami-239.txt, dev) copied
/// again from a terminal 80 columns wide: the key's line of the folded status message is cut
/// inside `docker-containerd-shim:`. The hard wrap is joined and then the YAML fold, across the
/// line the join left empty; before, the fold stopped at that line and nothing fired.
#[test]
fn a_folded_yaml_message_cut_by_a_terminal_is_read_whole() {
    use kdiag_analyzer::eval::reshape::Reshape;
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read(
        common::root()
            .join("testdata/real/snippets/pid-exhaustion__awslabs-amazon-eks-ami-239.txt"),
    )
    .unwrap();
    let wrapped = Reshape::Wrap80.apply(&text);
    assert!(
        String::from_utf8_lossy(&wrapped).contains("docker-containerd-shi\nm:"),
        "the cut falls inside the message's key line"
    );
    let p = write(dir.path(), "wrapped.txt", &wrapped);
    let o = analyze(&p, &[]);
    assert!(
        o.finding_ids().iter().any(|id| id == "pid-exhaustion"),
        "{:?}",
        o.finding_ids()
    );
}

/// etcd's JSON log (etcd-slow-requests__etcd-io-etcd-18385.txt and etcd-io-etcd-12094.txt, dev)
/// re-pasted by a plain-text mail client at 76 columns: every object broken at its spaces. Each
/// object is read as one line again (not joined to the fence before it, nor to the next object).
#[test]
fn json_log_lines_word_wrapped_by_mail_are_read_whole() {
    use kdiag_analyzer::eval::reshape::Reshape;
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "etcd-slow-requests__etcd-io-etcd-18385.txt",
        "etcd-slow-requests__etcd-io-etcd-12094.txt",
    ] {
        let text = fs::read(common::root().join("testdata/real/snippets").join(name)).unwrap();
        let wrapped = Reshape::Plain76.apply(&text);
        assert_ne!(wrapped, text, "{name}: nothing wrapped");
        let p = write(dir.path(), name, &wrapped);
        let o = analyze(&p, &[]);
        assert!(
            o.finding_ids().iter().any(|id| id == "etcd-slow-requests"),
            "{name}: {:?}",
            o.finding_ids()
        );
    }
}

// ---- secrets ---------------------------------------------------------------------------------

/// Secrets planted in a hand-made (never redacted) bundle: (file, 1-based line, kind, value).
const PLANTED: &[(&str, usize, &str, &str)] = &[
    (
        "node/kubelet/config.json",
        3,
        "secret-value",
        "HandMadeKubeletPass-91x",
    ),
    (
        "node/journal/containerd.log",
        2,
        "bearer-token",
        "eyHandMadeBearerTok-55q",
    ),
    (
        "cluster/configmaps.json",
        4,
        "private-key",
        "HandMadePEMBody-0001",
    ),
    ("cluster/pods.json", 6, "env-value", "HandMadeEnvValue-77z"),
    (
        "node/network/proxy.env",
        1,
        "url-credentials",
        "HandMadeUrlPass-3k",
    ),
];

fn hand_made_bundle(dir: &Path) -> PathBuf {
    let top = dir.join(TOP);
    let files: &[(&str, String)] = &[
        ("manifest.json", MANIFEST.to_string()),
        ("node/host/hostname", "node01\n".into()),
        // Shown as evidence by RULE: a marker the collector left must come out as it went in.
        (
            "node/journal/kubelet.log",
            KUBELET_LINE.replace('\n', " token=[REDACTED]\n"),
        ),
        (
            "node/kubelet/config.json",
            "{\n  \"auths\": {},\n  \"password\": \"HandMadeKubeletPass-91x\"\n}\n".into(),
        ),
        (
            "node/journal/containerd.log",
            "2026-11-22T08:00:00+0800 node01 containerd[1]: level=info msg=start\n\
             2026-11-22T08:00:01+0800 node01 containerd[1]: GET /v2/ Authorization: Bearer eyHandMadeBearerTok-55q\n"
                .into(),
        ),
        (
            "cluster/configmaps.json",
            "{\"items\": [{\"data\": {\n\"a\": \"b\",\n\"tls.crt\": \"x\",\n\"k\": \"-----BEGIN EC PRIVATE KEY-----\\nHandMadePEMBody-0001\\n-----END EC PRIVATE KEY-----\\n\"\n}}]}\n"
                .into(),
        ),
        (
            "cluster/pods.json",
            "{\"items\": [{\"spec\": {\"containers\": [{\"env\": [\n  {\n\"name\": \"x\"},\n  {\n    \"name\": \"DB_PASSWORD\",\n    \"value\": \"HandMadeEnvValue-77z\"\n  }\n]}]}}]}\n"
                .into(),
        ),
        (
            "node/network/proxy.env",
            "HTTPS_PROXY=http://bob:HandMadeUrlPass-3k@proxy.corp:3128\n".into(),
        ),
    ];
    for (p, d) in files {
        write(&top, p, &d);
    }
    top
}

fn run_bin(cwd: &Path, args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_analyze"))
        .current_dir(cwd)
        .args(args)
        .env("LANG", "C")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn analyze_secrets_flags_planted_secrets_at_path_and_line_masked() {
    let dir = tempfile::tempdir().unwrap();
    let top = hand_made_bundle(dir.path());
    // The same bundle as a .tgz.
    let tgz = dir.path().join(format!("{TOP}.tgz"));
    let st = Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(dir.path())
        .arg(TOP)
        .status()
        .unwrap();
    assert!(st.success());
    let before = snapshot(&top);
    let cwd = tempfile::tempdir().unwrap();
    let (code, out, err) = run_bin(
        cwd.path(),
        &["secrets".as_ref(), top.as_os_str(), tgz.as_os_str()],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    for input in [&top, &tgz] {
        for (file, line, kind, value) in PLANTED {
            let want = format!("{}: {file}:{line}: {kind}", input.display());
            assert!(out.contains(&want), "no {want:?} in:\n{out}");
            assert!(
                !out.contains(value) && !err.contains(value),
                "{value} printed"
            );
        }
    }
    // Exactly the planted ones (no false positive on the [REDACTED] marker or the rest).
    assert_eq!(out.lines().count(), 2 * PLANTED.len(), "{out}");
    assert!(err.contains("values are masked"), "{err}");
    assert!(snapshot(&top) == before, "the bundle changed");
    assert_eq!(fs::read_dir(cwd.path()).unwrap().count(), 0);

    // After redaction with the collector's redactor, the same bundle scans clean: exit 0.
    for (file, _, _, _) in PLANTED {
        let p = top.join(file);
        let (red, n) =
            kdiag_bundle::redact::Redactor::redact_text(&fs::read_to_string(&p).unwrap());
        assert!(n > 0, "{file}");
        fs::write(&p, red).unwrap();
    }
    let (code, out, err) = run_bin(cwd.path(), &["secrets".as_ref(), top.as_os_str()]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("no secret found"), "{err}");

    // Nothing readable: exit 3.
    let (code, _, err) = run_bin(
        cwd.path(),
        &["secrets".as_ref(), dir.path().join("nope.tgz").as_os_str()],
    );
    assert_eq!(code, 3, "{err}");
}

/// What analyze shows is evidence: the lines its rules matched (and facts parsed from the
/// files). A secret that sits only in a file no rule shows must not reach any output, and the
/// collector's `[REDACTED]` markers come out exactly as they went in.
#[test]
fn reports_keep_markers_and_show_no_secret_from_unshown_files() {
    let dir = tempfile::tempdir().unwrap();
    let top = hand_made_bundle(dir.path());
    let meta = tempfile::tempdir().unwrap();
    let rules = rules_dir(meta.path());
    let cwd = tempfile::tempdir().unwrap();
    let (code, _, err) = run_bin(
        cwd.path(),
        &[
            top.as_os_str(),
            "--rules".as_ref(),
            rules.as_os_str(),
            "--out".as_ref(),
            "reports".as_ref(),
            "--lang".as_ref(),
            "en".as_ref(),
        ],
    );
    assert!(matches!(code, 0..=2), "{err}");
    let (_, json_out, _) = run_bin(
        cwd.path(),
        &[
            top.as_os_str(),
            "--rules".as_ref(),
            rules.as_os_str(),
            "--format".as_ref(),
            "md".as_ref(),
        ],
    );
    let mut outputs: Vec<(String, Vec<u8>)> = vec![("stdout md".into(), json_out.into_bytes())];
    for name in ["report.html", "report.md", "findings.json"] {
        outputs.push((
            name.into(),
            fs::read(cwd.path().join("reports").join(name)).unwrap(),
        ));
    }
    let listed: Vec<_> = listing(cwd.path());
    assert_eq!(
        listed,
        [
            "reports",
            "reports/findings.json",
            "reports/report.html",
            "reports/report.md"
        ]
        .iter()
        .map(PathBuf::from)
        .collect::<Vec<_>>()
    );
    let doc: Value = serde_json::from_slice(&outputs[3].1).unwrap();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == RULE),
        "{doc}"
    );
    for (name, bytes) in &outputs {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            text.contains("token=[REDACTED]"),
            "{name}: the marker was not shown as it is"
        );
        for (file, _, _, value) in PLANTED {
            // Not a single distinctive piece of the value either (its 8-byte windows).
            for w in value.as_bytes().windows(8) {
                assert!(
                    !bytes.windows(8).any(|b| b == w),
                    "{name} shows part of the secret from {file}: {}",
                    String::from_utf8_lossy(w)
                );
            }
        }
    }
}
