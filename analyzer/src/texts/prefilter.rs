//! Required literals: for a regex, a set of strings one of which every match contains.
//!
//! The scanner searches a text for these literals first (one literal alternation, which the regex
//! engine runs with its SIMD multi-literal searchers) and runs a probe's regex only on the lines
//! holding one of its literals. Most rule regexes start with optional groups or `.*?`, which leave
//! the regex engine no prefix literal: without this, the combined regex ran its lazy DFA over
//! every byte.
//!
//! Correctness: a literal is only a filter. A probe is given literals only when every match
//! provably contains one (zero-width assertions do not break a run of literals); otherwise it has
//! none and is searched with its regex, as before.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Shortest literal worth searching for: shorter ones select most lines anyway.
const MIN_LEN: usize = 3;
/// Most strings an exact set (a product of small alternatives) may hold.
const MAX_EXACT: usize = 16;
/// Most literals one probe may need (the alternatives of its top alternation).
const MAX_LITS: usize = 64;

/// One required literal: its bytes (ASCII lower-cased when `fold`), and whether it matches
/// ASCII case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lit {
    pub bytes: Vec<u8>,
    pub fold: bool,
    /// Only at a line start (the regex has `^` right before it): the buffer search then skips
    /// the literal's other occurrences (`^Name:` is not `UniqueName:`).
    pub line_start: bool,
}

impl Lit {
    /// The literal as a regex fragment.
    pub fn fragment(&self) -> String {
        let s = String::from_utf8_lossy(&self.bytes);
        let esc = regex_syntax::escape(&s);
        let esc = if self.line_start {
            format!("(?m:^){esc}")
        } else {
            esc
        };
        if self.fold && self.bytes.is_ascii() {
            format!("(?i-u:{esc})")
        } else if self.fold {
            format!("(?i:{esc})")
        } else {
            esc
        }
    }
}

/// Required literals of `pattern`, or `None` when some match may contain none of a useful length.
pub fn required(pattern: &str) -> Option<Vec<Lit>> {
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()?;
    let set = req(&hir)?;
    if set.is_empty() || set.len() > MAX_LITS || set.iter().any(|l| l.bytes.len() < MIN_LEN) {
        return None;
    }
    // A literal whose bytes are not UTF-8 cannot become a fragment reliably.
    if set.iter().any(|l| std::str::from_utf8(&l.bytes).is_err()) {
        return None;
    }
    let mut set = set;
    set.sort();
    set.dedup();
    Some(set)
}

/// A piece of an exact set: bytes, and whether any part of it was case-folded.
type Exact = Vec<Lit>;

fn score(set: &[Lit]) -> (usize, std::cmp::Reverse<usize>) {
    let min = set.iter().map(|l| l.bytes.len()).min().unwrap_or(0);
    (min, std::cmp::Reverse(set.len()))
}

fn better(a: Option<Vec<Lit>>, b: Option<Vec<Lit>>) -> Option<Vec<Lit>> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => Some(if score(&b) > score(&a) { b } else { a }),
    }
}

/// A set one of which every match contains, or `None`.
fn req(h: &Hir) -> Option<Vec<Lit>> {
    if let Some(e) = exact(h) {
        if e.iter().all(|l| !l.bytes.is_empty()) {
            return Some(e);
        }
    }
    match h.kind() {
        HirKind::Capture(c) => req(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => req(&r.sub),
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(req(a)?);
                if out.len() > MAX_LITS {
                    return None;
                }
            }
            Some(out)
        }
        HirKind::Concat(parts) => {
            let mut best: Option<Vec<Lit>> = None;
            let mut run: Exact = vec![Lit {
                bytes: Vec::new(),
                fold: false,
                line_start: false,
            }];
            let close = |run: &Exact, best: &mut Option<Vec<Lit>>| {
                if run.iter().all(|l| !l.bytes.is_empty()) {
                    *best = better(best.take(), Some(run.clone()));
                }
            };
            for p in parts {
                let at_start = matches!(p.kind(), HirKind::Look(l) if matches!(l, Look::Start | Look::StartLF | Look::StartCRLF));
                if at_start && run.iter().all(|l| l.bytes.is_empty()) {
                    run = vec![Lit {
                        bytes: Vec::new(),
                        fold: false,
                        line_start: true,
                    }];
                    continue;
                }
                match exact(p) {
                    Some(e) if run.len() * e.len() <= MAX_EXACT => run = product(&run, &e),
                    Some(e) => {
                        close(&run, &mut best);
                        run = e;
                    }
                    None => {
                        close(&run, &mut best);
                        best = better(best, req(p));
                        run = vec![Lit {
                            bytes: Vec::new(),
                            fold: false,
                            line_start: false,
                        }];
                    }
                }
            }
            close(&run, &mut best);
            best
        }
        _ => None,
    }
}

fn product(a: &Exact, b: &Exact) -> Exact {
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let fold = x.fold || y.fold;
            let mut bytes = x.bytes.clone();
            bytes.extend_from_slice(&y.bytes);
            if fold {
                bytes.make_ascii_lowercase();
            }
            // A prefix anchor survives only at the front of the product.
            let line_start = x.line_start || (x.bytes.is_empty() && y.line_start);
            out.push(Lit {
                bytes,
                fold,
                line_start,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every string `h` can match, when that is a small finite set.
fn exact(h: &Hir) -> Option<Exact> {
    let lit = |bytes: Vec<u8>, fold: bool| Lit {
        bytes,
        fold,
        line_start: false,
    };
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![lit(Vec::new(), false)]),
        HirKind::Literal(l) => Some(vec![lit(l.0.to_vec(), false)]),
        HirKind::Class(c) => class(c),
        HirKind::Capture(c) => exact(&c.sub),
        HirKind::Repetition(r) if Some(r.min) == r.max && r.min <= 8 => {
            let one = exact(&r.sub)?;
            let mut acc = vec![lit(Vec::new(), false)];
            for _ in 0..r.min {
                if acc.len() * one.len() > MAX_EXACT {
                    return None;
                }
                acc = product(&acc, &one);
            }
            Some(acc)
        }
        HirKind::Concat(parts) => {
            let mut acc = vec![lit(Vec::new(), false)];
            for p in parts {
                let e = exact(p)?;
                if acc.len() * e.len() > MAX_EXACT {
                    return None;
                }
                acc = product(&acc, &e);
            }
            Some(acc)
        }
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for a in alts {
                out.extend(exact(a)?);
                if out.len() > MAX_EXACT {
                    return None;
                }
            }
            out.sort();
            out.dedup();
            Some(out)
        }
        _ => None,
    }
}

/// A class of one byte, or of the two cases of one ASCII letter (then case-folded), or of at
/// most four single bytes.
fn class(c: &Class) -> Option<Exact> {
    let mut chars: Vec<Vec<u8>> = Vec::new();
    match c {
        Class::Unicode(u) => {
            for r in u.ranges() {
                if (r.end() as u32 - r.start() as u32) >= 4 {
                    return None;
                }
                for ch in r.start()..=r.end() {
                    let mut b = [0u8; 4];
                    chars.push(ch.encode_utf8(&mut b).as_bytes().to_vec());
                    if chars.len() > 4 {
                        return None;
                    }
                }
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                if (r.end() - r.start()) >= 4 {
                    return None;
                }
                for byte in r.start()..=r.end() {
                    chars.push(vec![byte]);
                    if chars.len() > 4 {
                        return None;
                    }
                }
            }
        }
    }
    if chars.len() == 2
        && chars
            .iter()
            .all(|c| c.len() == 1 && c[0].is_ascii_alphabetic())
        && chars[0][0].eq_ignore_ascii_case(&chars[1][0])
    {
        return Some(vec![Lit {
            bytes: vec![chars[0][0].to_ascii_lowercase()],
            fold: true,
            line_start: false,
        }]);
    }
    Some(
        chars
            .into_iter()
            .map(|bytes| Lit {
                bytes,
                fold: false,
                line_start: false,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required(p).map(|v| {
            v.into_iter()
                .map(|l| {
                    let s = String::from_utf8(l.bytes).unwrap();
                    if l.fold {
                        format!("i:{s}")
                    } else {
                        s
                    }
                })
                .collect()
        })
    }

    #[test]
    fn literals() {
        assert_eq!(
            lits(r"Container (?:\S+ )?failed (?:liveness|startup) probe").unwrap(),
            vec!["failed liveness probe", "failed startup probe"]
        );
        assert_eq!(
            lits(r"(?:(?P<x>a+)b)?.*?(?P<err>no basic auth|unauthorized)").unwrap(),
            vec!["no basic auth", "unauthorized"]
        );
        // (?i)s is [Ss\u{17F}]: three strings, not one folded letter.
        assert_eq!(
            lits(r"(?i)running with swap").unwrap(),
            vec!["i:running with swap", "i:running with \u{17F}wap"]
        );
        assert_eq!(lits(r"\bF\d{4} kubelet\b").unwrap(), vec![" kubelet"]);
        assert_eq!(
            lits(r"XFS \(\S+\): .*[Cc]orrupt").unwrap(),
            vec!["i:corrupt"]
        );
        // No literal every match holds: searched with the regex.
        assert_eq!(lits(r"^ *\t"), None);
        assert_eq!(lits(r"a|\d+"), None);
        assert_eq!(lits(r"(?:abc)?\s+"), None);
        assert_eq!(lits(r"ab"), None);
        let name = required(r"^Name:\s+(?P<p>\S+)$").unwrap();
        assert!(name[0].line_start && name[0].fragment() == "(?m:^)Name:");
    }
}
#[cfg(test)]
mod dump {
    #[test]
    #[ignore]
    fn dump_rule_literals() {
        let set = crate::rules::RuleSet::load(None);
        for re in crate::rules::tools::regexes(&set, false) {
            let l = super::required(&re).map(|v| {
                v.iter()
                    .map(|l| {
                        format!(
                            "{:?}{}",
                            String::from_utf8_lossy(&l.bytes),
                            if l.fold { "/i" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" | ")
            });
            println!("LIT {:?} <= {}", l, &re[..re.len().min(60)]);
            for x in super::required(&re).unwrap_or_default() {
                println!("RAW {}", String::from_utf8_lossy(&x.bytes));
            }
        }
    }
}
