//! Rule tooling for benchmarks: the list of every regex the rules use (the ripgrep baseline
//! searches with exactly these), and N distinct variants of every rule (to measure how cost
//! grows with the number of rules).

use std::collections::BTreeSet;
use std::path::Path;

use serde_yaml::Value;

use super::load::RuleSet;

/// Every distinct `match` regex of the loaded rules, sorted. `slow`: only those with no
/// required literal, which the scanner runs on every line of the texts they read (the cost the
/// prefilter cannot save; docs/performance.md).
pub fn regexes(set: &RuleSet, slow: bool) -> Vec<String> {
    let mut out = BTreeSet::new();
    for r in &set.rules {
        for (_, m) in r.rule.matches() {
            let keep = !slow
                || crate::texts::scan::Probe::new(&m.regex, None)
                    .is_ok_and(|p| p.literals.is_none());
            if keep {
                out.insert(if slow {
                    format!("{}\t{}", r.rule.id, m.regex)
                } else {
                    m.regex.clone()
                });
            }
        }
    }
    out.into_iter().collect()
}

/// Writes `count` variants of each rule text into `out`: id `<id>-vK`, and every `match` regex
/// `R` turned into `(?:R)|kdiag-variant-K-absent`, so no two variants share a regex (the engine
/// cannot deduplicate them) while each still matches what the original matches.
pub fn write_variants(
    texts: &[(String, String)],
    count: usize,
    out: &Path,
) -> Result<usize, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut written = 0;
    for (origin, text) in texts {
        let base: Value = serde_yaml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let Some(id) = base.get("id").and_then(Value::as_str).map(str::to_string) else {
            return Err(format!("{origin}: no id"));
        };
        if base.get("when").is_none() && base.get("items").is_none() {
            continue;
        }
        for k in 1..=count {
            let mut v = base.clone();
            let new_id = format!("{id}-v{k}");
            v["id"] = Value::String(new_id.clone());
            if let Some(when) = v.get_mut("when") {
                vary(when, k);
            }
            let yaml = serde_yaml::to_string(&v).map_err(|e| e.to_string())?;
            let path = out.join(format!("{new_id}.yaml"));
            std::fs::write(&path, yaml).map_err(|e| format!("{}: {e}", path.display()))?;
            written += 1;
        }
    }
    Ok(written)
}

fn vary(v: &mut Value, k: usize) {
    match v {
        Value::Mapping(m) => {
            if let Some(Value::Mapping(spec)) = m.get_mut("match") {
                if let Some(Value::String(re)) = spec.get_mut("regex") {
                    *re = format!("(?:{re})|kdiag-variant-{k}-absent");
                }
            }
            for (_, child) in m.iter_mut() {
                vary(child, k);
            }
        }
        Value::Sequence(s) => s.iter_mut().for_each(|c| vary(c, k)),
        _ => {}
    }
}

/// `analyze rules lint PATHS`: prints the report; exit 0 clean, 1 problems, 4 unreadable.
pub fn print_lint(paths: &[std::path::PathBuf], allow_incomplete: bool) -> i32 {
    match super::load::lint_paths(paths, allow_incomplete) {
        Ok(report) => {
            print!("{report}");
            i32::from(!report.problems.is_empty())
        }
        Err(e) => {
            eprintln!("analyze rules lint: {e}");
            4
        }
    }
}

/// `analyze rules list`: id, severity and title of every rule; exit 0.
pub fn print_list(rules: Option<&Path>, lang: super::Lang) -> i32 {
    let set = RuleSet::load(rules);
    for w in &set.warnings {
        eprintln!("warning: {w}");
    }
    let rules: Vec<_> = set.rules.iter().map(|r| &r.rule).collect();
    print!("{}", super::doc::list(&rules, lang));
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = r#"
id: demo
severity: warning
knowledge: []
title: { en: "t", zh: "t" }
why: { en: "w", zh: "w" }
fix: { en: "f", zh: "f" }
references: []
message: { en: "m", zh: "m" }
when:
  all:
    - match: { source: kubelet, regex: 'swap on' }
    - not: { match: { source: docker, regex: 'ok (?P<x>\d+)' } }
"#;

    #[test]
    fn variants_are_distinct_loadable_rules() {
        let dir = tempfile::tempdir().unwrap();
        let n = write_variants(&[("demo.yaml".into(), RULE.into())], 3, dir.path()).unwrap();
        assert_eq!(n, 3);
        let mut set = RuleSet::default();
        for k in 1..=3 {
            let p = dir.path().join(format!("demo-v{k}.yaml"));
            let text = std::fs::read_to_string(&p).unwrap();
            set.add(&p.display().to_string(), &text, false);
        }
        assert!(set.warnings.is_empty(), "{:?}", set.warnings);
        assert_eq!(set.rules.len(), 3);
        let res = regexes(&set, false);
        assert_eq!(res.len(), 6, "{res:?}");
        assert!(res.contains(&"(?:swap on)|kdiag-variant-2-absent".to_string()));
        assert!(res.contains(&r"(?:ok (?P<x>\d+))|kdiag-variant-3-absent".to_string()));
    }

    /// A regex with no required literal runs on every line of what it reads: on the big logs
    /// (journals, messages, container logs) that is most of the scan's time (docs/performance.md).
    /// Such a regex may read only small files (a /proc file, a manifest).
    #[test]
    fn no_shipped_regex_without_a_literal_reads_a_big_log() {
        let set = RuleSet::load(None);
        let big = [
            "kubelet",
            "docker",
            "containerd",
            "kernel",
            "messages",
            "container-logs",
            "any",
            "paste",
            "events",
        ];
        let mut bad = Vec::new();
        for r in &set.rules {
            for (_, m) in r.rule.matches() {
                let reads_big = m.source.as_slice().iter().any(|s| {
                    big.contains(&s.as_str())
                        || s.starts_with("node/journal")
                        || s.contains("/logs/")
                        || s.starts_with("node/pods")
                });
                let slow = crate::texts::scan::Probe::new(&m.regex, None)
                    .is_ok_and(|p| p.literals.is_none());
                if reads_big && slow {
                    bad.push(format!("{}: {}", r.rule.id, m.regex));
                }
            }
        }
        assert!(
            bad.is_empty(),
            "regexes with no required literal over big logs:\n{}",
            bad.join("\n")
        );
    }
}
