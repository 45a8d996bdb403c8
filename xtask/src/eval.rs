//! `cargo xtask eval`: the diagnosis scored on the real-world corpus (testdata/real/), both halves;
//! writes docs/accuracy.md and testdata/real/RESULTS.tsv (the record tests/corpus.rs holds the
//! dev half to).
//!
//! `--half dev` scores only the half rules are tuned on (what a rule author looks at while
//! tuning); `--parts NAME[,NAME]` only the rows one collection batch added
//! (testdata/real/parts/NAME.tsv: a batch added after the rules were tuned is, on its test half,
//! a measure no rule was tuned on); `--rules DIR` adds or overrides rules as `analyze --rules`
//! does. Any of them only prints: the record is always of the embedded rules over both halves.
//!
//! `--reshape KIND|all` scores the dev half as pasted and re-pasted in each way a ticket, mail
//! client or terminal hands text over (CRLF, `> ` quotes, indented or fenced Markdown, colour
//! codes, an 80-column terminal wrap, a mail client's word wrap at 76, GBK;
//! analyzer/src/eval/reshape.rs), and lists every dev row whose findings change: a reader gap
//! found without looking at the held-out half, which it never runs on.

use std::path::PathBuf;

use kdiag_analyzer::eval;
use kdiag_analyzer::eval::reshape::Reshape;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut write = true;
    let mut half: Option<String> = None;
    let mut parts: Vec<String> = Vec::new();
    let mut rules: Option<PathBuf> = None;
    let mut reshapes: Vec<Reshape> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--no-write" => write = false,
            "--half" => match it.next().map(String::as_str) {
                Some(h @ ("dev" | "test")) => half = Some(h.to_string()),
                _ => return Err("eval: --half dev|test".into()),
            },
            "--parts" => parts.extend(
                it.next()
                    .ok_or("eval: --parts NAME[,NAME]")?
                    .split(',')
                    .map(str::to_string),
            ),
            "--rules" => rules = Some(it.next().ok_or("eval: --rules DIR")?.into()),
            "--reshape" => match it.next().map(String::as_str) {
                Some("all") => reshapes = Reshape::ALL.to_vec(),
                Some(k) if Reshape::parse(k).is_some() => reshapes.extend(Reshape::parse(k)),
                _ => return Err(format!("eval: --reshape {}|all", kinds())),
            },
            other => {
                return Err(format!(
                    "eval: unknown argument `{other}` (--no-write, --half dev|test, --parts \
                     NAME[,NAME], --rules DIR, --reshape {}|all)",
                    kinds()
                ))
            }
        }
    }
    let root = workspace_root();
    let corpus = root.join("testdata/real");
    let mut rows = eval::read_index(&corpus)?;
    if !reshapes.is_empty() {
        if half.as_deref() == Some("test") {
            return Err("eval: --reshape runs on the dev half only".into());
        }
        rows.retain(|r| r.split == "dev");
        return reshaped(&root, &corpus, &rows, rules.as_deref(), &reshapes);
    }
    if let Some(h) = &half {
        rows.retain(|r| &r.split == h);
        write = false;
    }
    if !parts.is_empty() {
        let files = batch_files(&corpus, &parts)?;
        rows.retain(|r| files.contains(&r.file));
        write = false;
    }
    write &= rules.is_none();
    let scratch = root.join("target/eval");
    let _ = std::fs::remove_dir_all(&scratch);
    let scored = eval::score(&corpus, &rows, &scratch, rules.as_deref(), None)?;
    let why = eval::read_misses(&corpus)?;
    let md = eval::accuracy_md(&scored, "cargo xtask eval", &why);
    print!("{md}");
    println!("\n{}", eval::summary(&scored));
    if write {
        std::fs::write(root.join("docs/accuracy.md"), &md).map_err(|e| e.to_string())?;
        std::fs::write(corpus.join("RESULTS.tsv"), eval::results_tsv(&scored))
            .map_err(|e| e.to_string())?;
        println!("eval: wrote docs/accuracy.md and testdata/real/RESULTS.tsv");
    }
    Ok(())
}

/// The snippet files the collection batches `parts` added (column 1 of parts/NAME.tsv).
fn batch_files(
    corpus: &std::path::Path,
    parts: &[String],
) -> Result<std::collections::BTreeSet<String>, String> {
    let mut files = std::collections::BTreeSet::new();
    for name in parts {
        let path = corpus.join("parts").join(format!("{name}.tsv"));
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("eval: --parts {name}: {}: {e}", path.display()))?;
        files.extend(
            text.lines()
                .filter_map(|l| l.split('\t').next())
                .filter(|f| f.ends_with(".txt"))
                .map(str::to_string),
        );
    }
    Ok(files)
}

fn kinds() -> String {
    Reshape::ALL.map(Reshape::name).join("|")
}

/// The dev half scored as pasted and under each reshape; prints each reshape's summary and the
/// rows whose findings or first alarm differ from the plain run. Fails when any row differs, so
/// the command can gate a change.
fn reshaped(
    root: &std::path::Path,
    corpus: &std::path::Path,
    rows: &[eval::Row],
    rules: Option<&std::path::Path>,
    reshapes: &[Reshape],
) -> Result<(), String> {
    let scratch = root.join("target/eval");
    let _ = std::fs::remove_dir_all(&scratch);
    let plain = eval::score(corpus, rows, &scratch, rules, None)?;
    print!("as pasted {}", eval::summary(&plain));
    let mut changed = 0;
    for &r in reshapes {
        let got = eval::score(corpus, rows, &scratch, rules, Some(r))?;
        print!("{:>9} {}", r.name(), eval::summary(&got));
        for (a, b) in plain.iter().zip(&got) {
            if a.fired != b.fired || a.alarms.first() != b.alarms.first() {
                changed += 1;
                println!("  {}: {} -> {}", a.row.file, dash(&a.fired), dash(&b.fired));
            }
        }
    }
    if changed > 0 {
        return Err(format!(
            "eval: {changed} row(s) read differently once re-pasted"
        ));
    }
    Ok(())
}

fn dash(ids: &[String]) -> String {
    if ids.is_empty() {
        "-".into()
    } else {
        ids.join(",")
    }
}
