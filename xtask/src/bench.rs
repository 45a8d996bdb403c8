//! `cargo xtask bench`: measures `analyze` against the floor (gzip decompression) and a grep
//! baseline (ripgrep with every regex the rules use), in one run over the same files, and writes
//! the table to docs/performance.md. Figures are ratios against baselines measured in the same
//! run, so they mean something on any machine.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::gen_bundle::{self, parse_size, Options};
use crate::{run_checked, workspace_root};

/// docs/performance.md: `cargo xtask bench` rewrites what lies between these lines.
const BEGIN: &str = "<!-- cargo xtask bench: generated tables begin -->";
const END: &str = "<!-- cargo xtask bench: generated tables end -->";

struct Row {
    what: String,
    wall_s: f64,
    cpu_s: f64,
    rss_mib: f64,
    input_mib: f64,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut size = 1u64 << 30;
    let mut files = 20_000usize;
    let mut write_doc = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size" => size = parse_size(it.next().ok_or("--size needs a value")?)?,
            "--no-doc" => write_doc = false,
            "--files" => {
                files = it
                    .next()
                    .ok_or("--files needs a value")?
                    .parse()
                    .map_err(|e| format!("--files: {e}"))?
            }
            other => return Err(format!("bench: unknown argument `{other}`")),
        }
    }
    for tool in ["gzip", "tar", "rg", "/usr/bin/time"] {
        if !has(tool) {
            return Err(format!(
                "bench needs `{tool}` (Debian packages: gzip, tar, ripgrep, time)"
            ));
        }
    }
    let root = workspace_root();
    run_checked(Command::new("cargo").current_dir(&root).args([
        "build",
        "--release",
        "-p",
        "kdiag-analyzer",
        "--bin",
        "analyze",
        "-p",
        "kdiag-collector",
        "--bin",
        "collect",
    ]))?;
    let analyze = root.join("target/release/analyze");
    let work = root.join("target/bench");
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;

    // Four nodes' bundles; node 1 is the main subject, 2 and 4 nodes show scaling with input.
    let mut tgzs = Vec::new();
    for n in 1..=4u64 {
        let o = Options {
            size,
            seed: 42 + n,
            hostname: format!("bench-node{n:02}"),
            out: work.clone(),
        };
        eprintln!("bench: generating {} ({} MiB)", o.hostname, size >> 20);
        tgzs.push(gen_bundle::run(&o)?);
    }
    let folder = tgzs[0].with_extension("");
    let input_mib = dir_bytes(&folder) as f64 / (1 << 20) as f64;

    // Every regex the rules use, for the ripgrep baseline and the 10x-rules run.
    let regexes = rule_regexes(&analyze)?;
    let pat_file = work.join("rule-regexes.txt");
    // ripgrep joins -f patterns into one regex, where repeated group names are an error: the
    // baseline matches the same text, so groups become non-capturing.
    let unnamed: Vec<String> = regexes.iter().map(|r| strip_group_names(r)).collect();
    fs::write(&pat_file, unnamed.join("\n") + "\n").map_err(|e| e.to_string())?;
    let rules10 = work.join("rules-x10");
    make_rules_x10(&analyze, &rules10)?;

    let tgz = tgzs[0].to_string_lossy().to_string();
    let dir = folder.to_string_lossy().to_string();
    let a = analyze.to_string_lossy().to_string();
    let pats = pat_file.to_string_lossy().to_string();
    let mut rows = Vec::new();
    let mut m = |what: &str, sh: String, mib: f64| -> Result<(), String> {
        // Warm the page cache once so every row reads from memory, then measure.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(&sh)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // rg: 0 found, 1 nothing found; analyze: 0/1/2 by worst severity; anything else failed.
        let ok: &[i32] = if what.starts_with("baseline") {
            &[0, 1]
        } else {
            &[0, 1, 2]
        };
        let r = measure(what, &sh, mib, ok)?;
        eprintln!(
            "bench: {:<40} {:>8.2} s {:>8.1} MiB",
            r.what, r.wall_s, r.rss_mib
        );
        rows.push(r);
        Ok(())
    };
    m(
        "floor: gzip -dc",
        format!("gzip -dc {tgz} > /dev/null"),
        input_mib,
    )?;
    if has("pigz") {
        m(
            "floor: pigz -dc",
            format!("pigz -dc {tgz} > /dev/null"),
            input_mib,
        )?;
    }
    m(
        "baseline: rg -f rule-regexes (folder)",
        format!("rg -c -f {pats} {dir} > /dev/null"),
        input_mib,
    )?;
    m(
        "analyze .tgz --format json",
        format!("{a} {tgz} --format json > /dev/null"),
        input_mib,
    )?;
    m(
        "analyze folder --format json",
        format!("{a} {dir} --format json > /dev/null"),
        input_mib,
    )?;
    m(
        "analyze .tgz, 10x rules",
        format!(
            "{a} {tgz} --rules {} --format json > /dev/null",
            rules10.display()
        ),
        input_mib,
    )?;
    for n in [2usize, 4] {
        let paths: Vec<String> = tgzs[..n]
            .iter()
            .map(|p| p.to_string_lossy().to_string())
            .collect();
        m(
            &format!("analyze {n} node .tgz"),
            format!("{a} {} --format json > /dev/null", paths.join(" ")),
            input_mib * n as f64,
        )?;
    }

    // The same bundle as collect writes it now: independent sized gzip members
    // (kdiag_bundle::GZIP_MEMBER_BYTES of tar each), which analyze inflates on every core.
    let members = work.join("kdiag-bench-node01-members.tgz");
    repack_members(&tgzs[0], &members)?;
    let mt = members.to_string_lossy().to_string();
    let size_single = fs::metadata(&tgzs[0]).map_err(|e| e.to_string())?.len();
    let size_members = fs::metadata(&members).map_err(|e| e.to_string())?.len();
    if has("pigz") {
        m(
            "floor: pigz -dc (sized members)",
            format!("pigz -dc {mt} > /dev/null"),
            input_mib,
        )?;
    }
    m(
        "analyze .tgz of sized members",
        format!("{a} {mt} --format json > /dev/null"),
        input_mib,
    )?;

    // 20 nodes of a smaller size each: time and peak memory over a whole cluster's bundles.
    let small = (size / 16).max(16 << 20);
    let mut twenty = Vec::new();
    for n in 1..=20u64 {
        let o = Options {
            size: small,
            seed: 100 + n,
            hostname: format!("bench-small{n:02}"),
            out: work.join("twenty"),
        };
        twenty.push(gen_bundle::run(&o)?.to_string_lossy().to_string());
    }
    m(
        &format!("analyze 20 node .tgz ({} MiB each)", small >> 20),
        format!("{a} {} --format json > /dev/null", twenty.join(" ")),
        (small >> 20) as f64 * 20.0,
    )?;

    // 20 scenario-sized bundles in one run against one: start-up and rule compilation are paid
    // once, so the ratio shows what each further bundle costs. The scenario bundles of
    // testdata/bundles, copied under 20 names (each its own input).
    let scen_dir = work.join("scenarios20");
    fs::create_dir_all(&scen_dir).map_err(|e| e.to_string())?;
    let mut scen: Vec<PathBuf> = fs::read_dir(root.join("testdata/bundles"))
        .map_err(|e| format!("testdata/bundles: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tgz"))
        .collect();
    scen.sort();
    if scen.is_empty() {
        return Err("testdata/bundles holds no scenario bundle".into());
    }
    let mut copies = Vec::new();
    for i in 0..20 {
        let src = &scen[i % scen.len()];
        let dst = scen_dir.join(format!("scenario{i:02}.tgz"));
        fs::copy(src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
        copies.push(dst.to_string_lossy().to_string());
    }
    // Uncompressed bytes, like the MiB/s of the other rows.
    let scen_mib = |paths: &[String]| {
        paths
            .iter()
            .map(|p| {
                fs::File::open(p)
                    .and_then(|f| {
                        std::io::copy(
                            &mut flate2::read::MultiGzDecoder::new(f),
                            &mut std::io::sink(),
                        )
                    })
                    .unwrap_or(0)
            })
            .sum::<u64>() as f64
            / (1 << 20) as f64
    };
    m(
        "analyze 1 scenario bundle",
        format!("{a} {} --format json > /dev/null", copies[0]),
        scen_mib(&copies[..1]),
    )?;
    m(
        "analyze 20 scenario bundles",
        format!("{a} {} --format json > /dev/null", copies.join(" ")),
        scen_mib(&copies),
    )?;

    // Scaling with cores: the same .tgz on one core (taskset -c 0) and on all, medians of 5.
    let mut cores = Vec::new();
    if has("taskset") {
        for (label, file) in [("sized members", &mt), ("single stream", &tgz)] {
            for (how, prefix) in [("1 core", "taskset -c 0 "), ("all cores", "")] {
                let sh = format!("{prefix}{a} {file} --format json > /dev/null");
                let mut runs = Vec::new();
                for _ in 0..5 {
                    runs.push(measure(label, &sh, input_mib, &[0, 1, 2])?);
                }
                runs.sort_by(|x, y| x.wall_s.total_cmp(&y.wall_s));
                let mut r = runs.swap_remove(2);
                r.what = format!("analyze .tgz of {label}, {how} (median of 5)");
                eprintln!("bench: {:<40} {:>8.2} s", r.what, r.wall_s);
                cores.push(r);
            }
        }
    }

    // Many small files: a sosreport-like tree, as a folder and as a .tgz, each against its own
    // floor (reading every file; inflating the archive).
    eprintln!("bench: generating a tree of {files} files");
    let tree = crate::gen_tree::run(&work, files, 7)?;
    let tree_tgz = tree.with_extension("tgz");
    if !tree_tgz.exists() {
        run_checked(
            Command::new("tar")
                .arg("czf")
                .arg(&tree_tgz)
                .arg("-C")
                .arg(&work)
                .arg(tree.file_name().expect("a named folder")),
        )?;
    }
    let tree_mib = dir_bytes(&tree) as f64 / (1 << 20) as f64;
    let (t, tt) = (tree.display(), tree_tgz.display());
    let mut tree_rows = Vec::new();
    for (what, sh) in [
        (
            "floor: cat every file (tree)".to_string(),
            format!("find {t} -type f -exec cat {{}} + > /dev/null"),
        ),
        (
            "baseline: rg -f rule-regexes (tree)".into(),
            format!("rg -c -f {pats} {t} > /dev/null"),
        ),
        (
            "analyze tree folder --format json".into(),
            format!("{a} {t} --format json > /dev/null"),
        ),
        (
            "floor: gzip -dc (tree .tgz)".into(),
            format!("gzip -dc {tt} > /dev/null"),
        ),
        (
            "analyze tree .tgz --format json".into(),
            format!("{a} {tt} --format json > /dev/null"),
        ),
    ] {
        let _ = Command::new("sh")
            .arg("-c")
            .arg(&sh)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let ok: &[i32] = if what.starts_with("analyze") {
            &[0, 1, 2]
        } else {
            &[0, 1]
        };
        let r = measure(&what, &sh, tree_mib, ok)?;
        eprintln!(
            "bench: {:<40} {:>8.2} s {:>8.1} MiB",
            r.what, r.wall_s, r.rss_mib
        );
        tree_rows.push(r);
    }

    // collect on the fake node with a journal of the bundle size: bounded by its caps (64 MiB an
    // item, 512 MiB in all) and its deadline, whatever the journal holds.
    let fake = root.join("testdata/fakenode");
    let collect_out = work.join("collect-out");
    let _ = fs::remove_dir_all(&collect_out);
    fs::create_dir_all(&collect_out).map_err(|e| e.to_string())?;
    let path = format!(
        "{}:{}",
        fake.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let journal_mib = size >> 20;
    let collect_sh = format!(
        "PATH='{path}' FAKENODE_DATA='{}' FAKE_JOURNAL_MB={journal_mib} {} --out {} --root {} --min-free 1M --deadline 120s > /dev/null 2>&1",
        fake.join("data").display(),
        root.join("target/release/collect").display(),
        collect_out.display(),
        fake.join("root").display(),
    );
    let r = measure(
        &format!("collect, fake node, {journal_mib} MiB journal"),
        &collect_sh,
        journal_mib as f64,
        &[0, 1],
    )?;
    eprintln!(
        "bench: {:<40} {:>8.2} s {:>8.1} MiB",
        r.what, r.wall_s, r.rss_mib
    );
    rows.push(r);

    let mut doc = render(&rows, size, regexes.len());
    doc.push_str(&format!(
        "\nBundle size: the single-stream .tgz {} bytes, the same tar as sized members {} bytes ({:+.2}%).\n",
        size_single,
        size_members,
        (size_members as f64 / size_single as f64 - 1.0) * 100.0
    ));
    doc.push_str(&render_tree(&tree_rows, files));
    doc.push_str(&render_targets(&rows, &cores, &tree_rows));
    println!("{doc}");
    if write_doc {
        let p = root.join("docs/performance.md");
        // The tables go between the markers; the analysis written around them stays.
        let old = fs::read_to_string(&p).unwrap_or_default();
        let text = match (old.find(BEGIN), old.find(END)) {
            (Some(a), Some(b)) if a < b => format!("{}{BEGIN}\n{doc}\n{}", &old[..a], &old[b..]),
            _ => format!("# Performance\n\n{BEGIN}\n{doc}\n{END}\n"),
        };
        fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        eprintln!("bench: wrote {}", p.display());
    }
    Ok(())
}

fn has(tool: &str) -> bool {
    if tool.starts_with('/') {
        return Path::new(tool).exists();
    }
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Runs `sh -c CMD` under /usr/bin/time: wall seconds, user+sys seconds, peak RSS.
/// analyze exits 1 or 2 when it finds warnings or criticals: only 3 and above are failures here.
fn measure(what: &str, sh: &str, input_mib: f64, ok_codes: &[i32]) -> Result<Row, String> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "KDIAG_TIME %e %U %S %M", "sh", "-c", sh])
        .output()
        .map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find_map(|l| l.strip_prefix("KDIAG_TIME "))
        .ok_or_else(|| format!("{what}: no timing in output: {err}"))?;
    let f: Vec<f64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let code = out.status.code().unwrap_or(-1);
    if f.len() != 4 || !ok_codes.contains(&code) {
        return Err(format!("{what}: `{sh}` failed ({}): {err}", out.status));
    }
    Ok(Row {
        what: what.to_string(),
        wall_s: f[0],
        cpu_s: f[1] + f[2],
        rss_mib: f[3] / 1024.0,
        input_mib,
    })
}

/// `(?P<name>...)` and `(?<name>...)` become `(?:...)`.
fn strip_group_names(re: &str) -> String {
    let mut out = String::with_capacity(re.len());
    let mut rest = re;
    while let Some(i) = rest.find("(?") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let named = tail.strip_prefix("(?P<").or_else(|| {
            tail.strip_prefix("(?<")
                .filter(|t| !t.starts_with('=') && !t.starts_with('!'))
        });
        match named.and_then(|t| t.find('>').map(|j| &t[j + 1..])) {
            Some(after) => {
                out.push_str("(?:");
                rest = after;
            }
            None => {
                out.push_str("(?");
                rest = &tail[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn rule_regexes(analyze: &Path) -> Result<Vec<String>, String> {
    let out = Command::new(analyze)
        .args(["rules", "regexes"])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "`analyze rules regexes` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// Ten variants of every rule (ids suffixed, each regex made distinct), via `analyze rules export-variants`.
fn make_rules_x10(analyze: &Path, dir: &PathBuf) -> Result<(), String> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| e.to_string())?;
    }
    run_checked(
        Command::new(analyze)
            .args(["rules", "variants", "--count", "9", "--out"])
            .arg(dir),
    )
}

fn dir_bytes(dir: &Path) -> u64 {
    fn walk(p: &Path, acc: &mut u64) {
        if let Ok(rd) = fs::read_dir(p) {
            for e in rd.flatten() {
                match e.file_type() {
                    Ok(t) if t.is_dir() => walk(&e.path(), acc),
                    Ok(t) if t.is_file() => *acc += e.metadata().map(|m| m.len()).unwrap_or(0),
                    _ => {}
                }
            }
        }
    }
    let mut n = 0;
    walk(dir, &mut n);
    n
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{} GiB", kb >> 20))
        .unwrap_or_else(|| "unknown memory".into());
    format!("{cpu}, {cores} cores, {mem}")
}

fn render(rows: &[Row], size: u64, n_regex: usize) -> String {
    let find = |prefix: &str| rows.iter().find(|r| r.what.starts_with(prefix));
    let gzip = find("floor: gzip");
    let rg = find("baseline: rg");
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Generated by `cargo xtask bench --size {}M` (bundle from `cargo xtask gen-bundle`, seed 43..46). \
         Machine: {}. {} rule regexes. Every row ran in the same command over the same files, page cache warm; \
         wall and peak RSS from /usr/bin/time.\n",
        size >> 20,
        machine(),
        n_regex
    );
    let _ = writeln!(
        s,
        "| run | wall s | CPU s | peak RSS MiB | MiB/s (uncompressed) | / gzip floor | / ripgrep |"
    );
    let _ = writeln!(s, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        let ratio = |b: Option<&Row>| match b {
            Some(b) if b.wall_s > 0.0 => format!("{:.2}", r.wall_s / b.wall_s),
            _ => "-".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {:.2} | {:.2} | {:.1} | {:.0} | {} | {} |",
            r.what,
            r.wall_s,
            r.cpu_s,
            r.rss_mib,
            if r.wall_s > 0.0 {
                r.input_mib / r.wall_s
            } else {
                0.0
            },
            ratio(gzip),
            ratio(rg)
        );
    }
    s
}

/// The ratios the performance issue sets as targets, each from rows of this same run.
fn render_targets(rows: &[Row], cores: &[Row], tree: &[Row]) -> String {
    let wall = |set: &[Row], prefix: &str| {
        set.iter()
            .find(|r| r.what.starts_with(prefix))
            .map(|r| r.wall_s)
    };
    let mut s = String::from(
        "\n## Targets\n\nEach ratio is wall time over wall time, both rows of the run above.\n\n\
         | ratio | measured | target |\n| --- | ---: | ---: |\n",
    );
    let mut row = |what: &str, a: Option<f64>, b: Option<f64>, target: &str| {
        let v = match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
            _ => "-".into(),
        };
        let _ = writeln!(s, "| {what} | {v} | {target} |");
    };
    row(
        "tree folder / cat every file",
        wall(tree, "analyze tree folder"),
        wall(tree, "floor: cat"),
        "<= 2.0",
    );
    row(
        "tree .tgz / gzip -dc of it",
        wall(tree, "analyze tree .tgz"),
        wall(tree, "floor: gzip"),
        "<= 1.5 (of tar -xzf -O)",
    );
    row(
        "2 big bundles / 1",
        wall(rows, "analyze 2 node"),
        wall(rows, "analyze .tgz --format"),
        "<= 2.0",
    );
    row(
        "20 scenario bundles / 1",
        wall(rows, "analyze 20 scenario"),
        wall(rows, "analyze 1 scenario"),
        "<= 6.0",
    );
    for label in ["sized members", "single stream"] {
        row(
            &format!("{label} .tgz: all cores / 1 core"),
            wall(cores, &format!("analyze .tgz of {label}, all")),
            wall(cores, &format!("analyze .tgz of {label}, 1 core")),
            if label == "sized members" {
                "<= 0.55"
            } else {
                "(for comparison)"
            },
        );
    }
    row(
        "folder / rg -c -f rule regexes",
        wall(rows, "analyze folder"),
        wall(rows, "baseline: rg"),
        "<= 0.5",
    );
    if !cores.is_empty() {
        s.push_str("\n| run | wall s | CPU s | peak RSS MiB |\n| --- | ---: | ---: | ---: |\n");
        for r in cores {
            let _ = writeln!(
                s,
                "| {} | {:.2} | {:.2} | {:.1} |",
                r.what, r.wall_s, r.cpu_s, r.rss_mib
            );
        }
    }
    s
}

/// Re-compresses `tgz`'s tar stream as sized gzip members, as collect writes bundles.
fn repack_members(tgz: &Path, out: &Path) -> Result<(), String> {
    use std::io::{Read, Write};
    let mut tar = Vec::new();
    flate2::read::MultiGzDecoder::new(fs::File::open(tgz).map_err(|e| e.to_string())?)
        .read_to_end(&mut tar)
        .map_err(|e| format!("{}: {e}", tgz.display()))?;
    let f = fs::File::create(out).map_err(|e| e.to_string())?;
    let mut w = kdiag_collector::members::MemberWriter::new(f, flate2::Compression::new(6));
    w.write_all(&tar)
        .and_then(|()| w.finish().map(drop))
        .map_err(|e| format!("{}: {e}", out.display()))
}

/// The many-files table: the folder against reading every file, the .tgz against inflating it.
fn render_tree(rows: &[Row], files: usize) -> String {
    let find = |prefix: &str| rows.iter().find(|r| r.what.starts_with(prefix));
    let mut s = format!(
        "\n## Many small files\n\nA sosreport-like tree of {files} files \
         (`sos_commands/<plugin>/<command>`, `etc/`, `proc/`, `var/log/`; xtask/src/gen_tree.rs), \
         as a folder and as a .tgz, in the same run.\n\n\
         | run | wall s | CPU s | peak RSS MiB | / its floor | / ripgrep |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n"
    );
    for r in rows {
        let floor = if r.what.contains(".tgz") {
            find("floor: gzip")
        } else {
            find("floor: cat")
        };
        let ratio = |b: Option<&Row>| match b {
            Some(b) if b.wall_s > 0.0 => format!("{:.2}", r.wall_s / b.wall_s),
            _ => "-".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {:.2} | {:.2} | {:.1} | {} | {} |",
            r.what,
            r.wall_s,
            r.cpu_s,
            r.rss_mib,
            ratio(floor),
            ratio(find("baseline: rg"))
        );
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn group_names_are_stripped() {
        assert_eq!(
            super::strip_group_names(r"a(?P<x>\d+)(?<y>b)(?i)c(?:d)"),
            r"a(?:\d+)(?:b)(?i)c(?:d)"
        );
    }
}
