//! `cargo xtask new-rule ID` (scaffold a rule: its YAML, a positive and a negative fixture, its
//! catalog line) and `cargo xtask bless` (the one command that rewrites every snapshot and
//! generated file the tests compare against). docs/adding-a-rule.md walks through both.

use std::fs;
use std::process::Command;

use crate::{run_checked, workspace_root};

/// `new-rule ID [--signal TEXT]`.
pub fn new_rule(args: &[String]) -> Result<(), String> {
    let mut id = None;
    let mut signal = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--signal" => signal = Some(it.next().ok_or("--signal needs a text")?.clone()),
            s if s.starts_with('-') => return Err(format!("new-rule: unknown option `{s}`")),
            s => id = Some(s.to_string()),
        }
    }
    let id = id.ok_or("usage: cargo xtask new-rule ID [--signal 'a log text that shows it']")?;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!("new-rule: `{id}` is not a rule id ([a-z0-9-]+)"));
    }
    let root = workspace_root();
    let yaml = root.join("rules").join(format!("{id}.yaml"));
    let fixtures = root.join("testdata/rules").join(&id);
    if yaml.exists() || fixtures.exists() {
        return Err(format!("new-rule: {id} exists already"));
    }
    let signal = signal.unwrap_or_else(|| format!("{id}: the log line that shows it"));
    fs::write(&yaml, template(&id, &signal)).map_err(|e| format!("{}: {e}", yaml.display()))?;
    fs::create_dir_all(&fixtures).map_err(|e| e.to_string())?;
    let pos = format!(
        "Nov 22 08:30:00 node01 kubelet[1234]: E1122 08:30:00.000000    1234 example.go:1] {signal}\n"
    );
    let neg = "Nov 22 08:30:00 node01 kubelet[1234]: I1122 08:30:00.000000    1234 example.go:1] a healthy look-alike\n";
    for (name, text) in [("pos-example.log", pos.as_str()), ("neg-example.log", neg)] {
        fs::write(fixtures.join(name), text).map_err(|e| e.to_string())?;
    }
    add_catalog_line(&id)?;
    println!(
        "new-rule: wrote rules/{id}.yaml, testdata/rules/{id}/pos-example.log and neg-example.log, \
         and added {id} to testdata/catalog-ids.txt.\n\
         next: replace the fixtures with real text (and a real look-alike), write the texts, then\n  \
         cargo xtask bless\n  \
         cargo test -p kdiag-analyzer --test rules {}\n\
         (docs/adding-a-rule.md)",
        id.replace('-', "_")
    );
    Ok(())
}

fn add_catalog_line(id: &str) -> Result<(), String> {
    let path = workspace_root().join("testdata/catalog-ids.txt");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut ids: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if !ids.contains(&id) {
        ids.push(id);
    }
    ids.sort_unstable();
    fs::write(&path, ids.join("\n") + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

fn template(id: &str, signal: &str) -> String {
    let regex = regex_escape(signal);
    format!(
        r#"id: {id}
severity: warning
knowledge: []
title:
  en: "{id}: what is wrong, in a few words"
  zh: "{id}：用几个字说明问题"
why:
  en: |
    What happens, why, and what it breaks.
  zh: |
    发生了什么、为什么，以及会影响什么。
fix:
  en: |
    Commands to paste, read-only ones first:
    ```sh
    journalctl -u kubelet --since -1h | grep -i '{id}'
    ```
  zh: |
    可直接粘贴的命令，先只读检查：
    ```sh
    journalctl -u kubelet --since -1h | grep -i '{id}'
    ```
references:
  - {{ title: "The upstream issue or doc behind the rule", url: "https://kubernetes.io/docs/" }}
explains: []
sources: [kubelet]
message:
  en: >-
    {{{{ matches.signal.count }}}} line(s) show it
  zh: >-
    {{{{ matches.signal.count }}}} 行日志显示了这个问题
when:
  match:
    name: signal
    source: kubelet
    regex: '{regex}'
"#
    )
}

/// The signal as a literal regex, quoted for a single-quoted YAML scalar.
fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out
}

/// `bless`: every snapshot and generated file the analyzer's tests compare against, rewritten
/// from what the code produces now (rule snapshots beside their fixtures, report snapshots,
/// rules/schema.json, docs/rules.md, docs/rules.zh.md). Review the diff before committing.
pub fn bless(args: &[String]) -> Result<(), String> {
    // The corpus record first (docs/accuracy.md, testdata/real/RESULTS.tsv): the corpus test
    // compares the dev half against it.
    crate::eval::run(&[])?;
    let mut cmd = Command::new("cargo");
    cmd.current_dir(workspace_root())
        .args(["test", "-p", "kdiag-analyzer"])
        .args(args)
        .env("KDIAG_BLESS", "1");
    run_checked(&mut cmd)?;
    println!("bless: done; `git diff` shows what changed");
    Ok(())
}
