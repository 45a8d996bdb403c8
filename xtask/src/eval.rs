//! `cargo xtask eval`: the diagnosis scored on the real-world corpus (testdata/real/), both halves;
//! writes docs/accuracy.md and testdata/real/RESULTS.tsv (the record tests/corpus.rs holds the
//! dev half to).

use kdiag_analyzer::eval;

use crate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let mut write = true;
    for a in args {
        match a.as_str() {
            "--no-write" => write = false,
            other => {
                return Err(format!(
                    "eval: unknown argument `{other}` (only --no-write)"
                ))
            }
        }
    }
    let root = workspace_root();
    let corpus = root.join("testdata/real");
    let rows = eval::read_index(&corpus)?;
    let scratch = root.join("target/eval");
    let _ = std::fs::remove_dir_all(&scratch);
    let scored = eval::score(&corpus, &rows, &scratch)?;
    let md = eval::accuracy_md(&scored, "cargo xtask eval");
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
