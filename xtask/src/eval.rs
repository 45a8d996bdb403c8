//! `cargo xtask eval`: the diagnosis scored on the real-world corpus (testdata/real/), both halves;
//! writes docs/accuracy.md and testdata/real/RESULTS.tsv (the record tests/corpus.rs holds the
//! dev half to).
//!
//! `--half dev` scores only the half rules are tuned on (what a rule author looks at while
//! tuning); `--rules DIR` adds or overrides rules as `analyze --rules` does. Either one only
//! prints: the record is always of the embedded rules over both halves.

use std::path::PathBuf;

use kdiag_analyzer::eval;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut write = true;
    let mut half: Option<String> = None;
    let mut rules: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--no-write" => write = false,
            "--half" => match it.next().map(String::as_str) {
                Some(h @ ("dev" | "test")) => half = Some(h.to_string()),
                _ => return Err("eval: --half dev|test".into()),
            },
            "--rules" => rules = Some(it.next().ok_or("eval: --rules DIR")?.into()),
            other => {
                return Err(format!(
                    "eval: unknown argument `{other}` (--no-write, --half dev|test, --rules DIR)"
                ))
            }
        }
    }
    let root = workspace_root();
    let corpus = root.join("testdata/real");
    let mut rows = eval::read_index(&corpus)?;
    if let Some(h) = &half {
        rows.retain(|r| &r.split == h);
        write = false;
    }
    write &= rules.is_none();
    let scratch = root.join("target/eval");
    let _ = std::fs::remove_dir_all(&scratch);
    let scored = eval::score(&corpus, &rows, &scratch, rules.as_deref())?;
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
