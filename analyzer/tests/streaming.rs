//! The streaming path (big logs scanned chunk by chunk as they are read, never held) gives the
//! same findings as reading every file into memory: over every rule fixture and scenario with
//! every log streamed in 4 KiB chunks, and over a generated bundle whose journals span hundreds
//! of chunks (counts, first/last evidence lines with their numbers, captures, `evidence: file:`
//! on a big kernel journal, the kubelet version line).

mod common;

use common::root;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kdiag_analyzer::pipeline::{Case, Options, Streaming};
use kdiag_analyzer::rules::Lang;

/// Findings and the timeline's totals, as JSON text; `stream`: every log streamed in 4 KiB chunks.
fn run(paths: &[PathBuf], stream: bool) -> (String, Vec<String>, bool) {
    let mut opts = Options::new(paths.to_vec(), Lang::En);
    opts.report = true;
    opts.stream = if stream {
        Streaming {
            min_bytes: Some(0),
            chunk_bytes: Some(4096),
        }
    } else {
        Streaming {
            min_bytes: Some(u64::MAX),
            chunk_bytes: None,
        }
    };
    let case = Case::analyze(&opts);
    let (doc, data) = (case.document, case.report_data);
    let repaired = doc
        .warnings
        .iter()
        .any(|w| w.contains("undone before the scan"));
    let findings = serde_json::to_string_pretty(&doc.findings).unwrap();
    let timeline = data
        .iter()
        .map(|d| {
            let mut s = String::new();
            let _ = write!(s, "{:?} untimed {}", d.counts.files, d.counts.untimed);
            if let Some(t) = kdiag_analyzer::render::timeline::Timeline::layout(
                &d.counts,
                d.window,
                d.reference,
                &[],
            ) {
                let _ = write!(
                    s,
                    " w{} e{} rows {:?}",
                    t.total_warnings,
                    t.total_errors,
                    t.rows.iter().map(|r| (r.source, r.max)).collect::<Vec<_>>()
                );
            }
            s
        })
        .collect();
    (findings, timeline, repaired)
}

/// Whether the findings were compared: a loose paste repaired when held whole (marks, a hard
/// wrap, a frame or broken log lines undone: input/prefix.rs, unwrap.rs, frame.rs, rejoin.rs) is
/// read as it is when streamed, which only a file over the streaming threshold (8 MiB) is.
fn same(paths: &[PathBuf], what: &str) -> bool {
    let held = run(paths, false);
    if held.2 {
        return false;
    }
    let streamed = run(paths, true);
    assert_eq!(held.0, streamed.0, "{what}: findings differ when streamed");
    assert_eq!(held.1, streamed.1, "{what}: timeline differs when streamed");
    true
}

/// A bundle folder with journals of many chunks: hits spread over them.
fn big_bundle(dir: &Path) -> PathBuf {
    let top = dir.join("kdiag-big-20261122T083000Z");
    let j = top.join("node/journal");
    std::fs::create_dir_all(&j).unwrap();
    let mut kubelet = String::new();
    let mut kernel = String::new();
    for i in 0..40_000u32 {
        let (h, m, s) = (8 + i / 3600 % 10, i / 60 % 60, i % 60);
        let ts = format!("2026-11-21T{h:02}:{m:02}:{s:02}+0000 big");
        if i % 997 == 0 {
            let _ = writeln!(kubelet, "{ts} kubelet[1]: E1121 {h:02}:{m:02}:{s:02}.000001    1 kuberuntime_manager.go:758] createPodSandbox for pod \"web-{i}_shop(x)\" failed: rpc error: write /proc/self/attr/keycreate: permission denied\": unknown");
        } else if i == 123 || i == 30_001 {
            let _ = writeln!(kubelet, "{ts} kubelet[1]: I1121 00:00:00.000001    1 server.go:440] \"Kubelet version\" kubeletVersion=\"v1.2{}.3\"", i % 7);
        } else {
            let _ = writeln!(kubelet, "{ts} kubelet[1]: W1121 {h:02}:{m:02}:{s:02}.000001    1 reconciler.go:224] \"operationExecutor.VerifyControllerAttachedVolume started\" pod=\"shop/web-{i}\" UniqueName: x");
        }
        if i % 1499 == 0 {
            let _ = writeln!(kernel, "{ts} kernel: Memory cgroup out of memory: Kill process {i} (java) score 1 or sacrifice child");
            let _ = writeln!(kernel, "{ts} kernel: Task in /kubepods/burstable/pod{i} killed as a result of limit of /kubepods/burstable/pod{i}");
        } else {
            let _ = writeln!(kernel, "{ts} kernel: eth0: link up {i}");
        }
    }
    std::fs::write(j.join("kubelet.log"), kubelet).unwrap();
    std::fs::write(j.join("kernel.log"), kernel).unwrap();
    top
}

#[test]
fn streaming_gives_the_findings_of_reading_whole_files() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_bundle(dir.path());
    assert!(same(std::slice::from_ref(&big), "generated big bundle"));
    // The generated bundle does fire, with evidence from both ends of the journal.
    let (findings, _, _) = run(&[big], true);
    assert!(findings.contains("selinux-keycreate-denied"), "{findings}");
    assert!(
        findings.contains("\"n\": 39881"),
        "last hit line kept: {findings}"
    );

    let mut cases: Vec<PathBuf> = Vec::new();
    for d in ["testdata/rules", "testdata/scenarios"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root().join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            if d.ends_with("rules") && e.is_dir() {
                let mut inner: Vec<PathBuf> = std::fs::read_dir(&e)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                inner.sort();
                cases.extend(inner);
            } else if e.is_dir() {
                cases.push(e);
            }
        }
    }
    assert!(cases.len() > 50, "{} cases", cases.len());
    let compared = cases
        .iter()
        .filter(|c| same(std::slice::from_ref(c), &c.display().to_string()))
        .count();
    // repaired pastes are the exception, not the rule
    assert!(
        compared * 10 > cases.len() * 9,
        "{compared} of {} compared",
        cases.len()
    );
}

/// A bundle whose kubelet journal was written under a zh_CN GBK locale: the evidence lies in
/// non-ASCII characters (coreutils' typographic quotes, easzlab/kubeasz#575), so it is read only
/// when the file is decoded before the scan, held whole or streamed in chunks.
#[test]
fn a_gbk_journal_in_a_bundle_is_scanned_decoded_held_or_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("kdiag-gbk-20261122T083000Z");
    let j = top.join("node/journal");
    std::fs::create_dir_all(&j).unwrap();
    let mut zh = String::new();
    for i in 0..2000u32 {
        let _ = writeln!(
            zh,
            "11月 22 08:{:02}:{:02} node01 systemd[1]: 正在启动 kubelet: The Kubernetes Node Agent...",
            i / 60 % 60,
            i % 60
        );
    }
    zh.push_str("11月 22 08:30:00 node01 mkdir[69427]: /bin/mkdir: 无法创建目录‘/sys/fs/cgroup/pids’: 只读文件系统\n");
    zh.push_str("11月 22 08:30:00 node01 kubelet[69428]: /bin/mkdir: cannot create directory ‘/sys/fs/cgroup/pids’: Read-only file system\n");
    let (gbk, _, had_errors) = encoding_rs::GBK.encode(&zh);
    assert!(!had_errors && std::str::from_utf8(&gbk).is_err());
    std::fs::write(j.join("kubelet.log"), &gbk).unwrap();
    for stream in [false, true] {
        let (findings, _, _) = run(std::slice::from_ref(&top), stream);
        assert!(
            findings.contains("cgroup-pids-unsupported"),
            "stream={stream}: GBK journal not read decoded: {findings}"
        );
        assert!(
            findings.contains("‘/sys/fs/cgroup/pids’"),
            "stream={stream}: evidence not shown decoded: {findings}"
        );
    }
    assert!(same(&[top], "GBK journal"));
}
