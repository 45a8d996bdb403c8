//! The minijinja environment rules are evaluated in, with the custom filters of
//! docs/rule-format.md.

use crate::units::cidr::cidr_has;
use crate::units::quantity::parse_quantity;
use crate::units::version::compare_versions;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use crate::parse::docker::registry_name;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use regex::Regex;

/// A new environment with kdiag's filters and tests.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.add_filter("regex_match", regex_match);
    env.add_test("regex_match", regex_match);
    env.add_filter("regex_capture", regex_capture);
    env.add_filter("number", number);
    env.add_filter("quantity", quantity);
    env.add_filter("version_cmp", version_cmp);
    env.add_filter("cidr_contains", cidr_contains);
    env.add_test("cidr_contains", cidr_contains);
    env.add_filter("registry_in", registry_in);
    env.add_test("registry_in", registry_in);
    env.add_filter("version_lt", |a: Value, b: Value| -> bool {
        version_cmp(a, b).as_i64() == Some(-1)
    });
    env.add_filter("clock_seconds", |v: Value| -> Value {
        text_of(&v)
            .and_then(|t| crate::units::logtime::seconds_of_day(&t))
            .map_or(Value::UNDEFINED, Value::from)
    });
    env
}

static REGEX_CACHE: LazyLock<Mutex<HashMap<String, Regex>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn cached_regex(pattern: &str) -> Result<Regex, Error> {
    let mut cache = REGEX_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(re) = cache.get(pattern) {
        return Ok(re.clone());
    }
    let re = Regex::new(pattern).map_err(|e| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("bad regex {pattern:?}: {e}"),
        )
    })?;
    if cache.len() < 1000 {
        cache.insert(pattern.to_string(), re.clone());
    }
    Ok(re)
}

fn text_of(v: &Value) -> Option<String> {
    if v.is_undefined() || v.is_none() {
        return None;
    }
    Some(match v.as_str() {
        Some(s) => s.to_string(),
        None => v.to_string(),
    })
}

fn regex_match(v: Value, pattern: String) -> Result<bool, Error> {
    let re = cached_regex(&pattern)?;
    Ok(text_of(&v).is_some_and(|s| re.is_match(&s)))
}

fn regex_capture(v: Value, pattern: String, group: Option<Value>) -> Result<Value, Error> {
    let re = cached_regex(&pattern)?;
    let Some(s) = text_of(&v) else {
        return Ok(Value::UNDEFINED);
    };
    let Some(caps) = re.captures(&s) else {
        return Ok(Value::UNDEFINED);
    };
    let m = match group {
        None => caps.get(if caps.len() > 1 { 1 } else { 0 }),
        Some(g) => match (g.as_str(), i64::try_from(g.clone()).ok()) {
            (Some(name), _) => caps.name(name),
            (None, Some(i)) if i >= 0 => caps.get(i as usize),
            _ => None,
        },
    };
    Ok(m.map(|m| Value::from(m.as_str()))
        .unwrap_or(Value::UNDEFINED))
}

/// The number a value holds or starts with: 85, "85%", " 12.5 " -> number; else undefined.
fn number(v: Value) -> Value {
    if v.is_number() {
        return v;
    }
    let Some(s) = v.as_str() else {
        return Value::UNDEFINED;
    };
    let s = s.trim();
    let end = s
        .char_indices()
        .take_while(|(i, c)| {
            c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))
        })
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    let head = &s[..end];
    if let Ok(i) = head.parse::<i64>() {
        return Value::from(i);
    }
    head.parse::<f64>()
        .map(Value::from)
        .unwrap_or(Value::UNDEFINED)
}

fn quantity(v: Value) -> Value {
    if v.is_number() {
        return v;
    }
    match v.as_str().and_then(parse_quantity) {
        Some(n) if n.fract() == 0.0 && n.abs() < 9e15 => Value::from(n as i64),
        Some(n) => Value::from(n),
        None => Value::UNDEFINED,
    }
}

/// -1/0/1, or undefined when either side is missing (so a rule over an uncollected version is
/// silent rather than an error).
fn version_cmp(a: Value, b: Value) -> Value {
    match (text_of(&a), text_of(&b)) {
        (Some(a), Some(b)) => Value::from(compare_versions(&a, &b) as i64),
        _ => Value::UNDEFINED,
    }
}

/// `ip | cidr_contains(cidrs)` / `ip is cidr_contains(cidrs)`: `cidrs` is one CIDR, a
/// comma-separated list (`10.96.0.0/12,fd00::/108`) or a list of them. False for an undefined
/// or unparsable side.
fn cidr_contains(ip: Value, cidrs: Value) -> bool {
    let Some(ip) = text_of(&ip) else {
        return false;
    };
    string_list(&cidrs).iter().any(|c| cidr_has(c, &ip))
}

/// A filter argument given as one comma-separated string or as a list of strings; empty when
/// undefined or none.
fn string_list(v: &Value) -> Vec<String> {
    if let Some(s) = v.as_str() {
        s.split(',').map(String::from).collect()
    } else if v.is_undefined() || v.is_none() {
        Vec::new()
    } else {
        match v.try_iter() {
            Ok(it) => it.filter_map(|v| text_of(&v)).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Removes nulls from objects, so a fact that was not collected is undefined in expressions.
pub fn strip_nulls(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(strip_nulls).collect())
        }
        other => other,
    }
}

pub(crate) fn error_text(e: &minijinja::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(x) = src {
        s.push_str(&format!(": {x}"));
        src = x.source();
    }
    s
}

/// dockerd's test of a registry against its insecure list (moby registry/config.go
/// `isSecureIndex`): an entry equal to the registry's `host[:port]` (after dropping the
/// `http://`/`https://` dockerd drops), or a CIDR entry holding its host's address (`localhost`
/// is 127.0.0.1; a DNS name, which dockerd would resolve, matches no CIDR here). A bare address
/// entry is a registry name, not a /32: `10.0.0.5` does not cover `10.0.0.5:5000`.
fn registry_in(registry: Value, entries: Value) -> bool {
    let Some(reg) = text_of(&registry) else {
        return false;
    };
    let strip = |s: &str| registry_name(s.trim()).to_ascii_lowercase();
    let reg = strip(&reg);
    let host = match reg.strip_prefix('[') {
        Some(r) => r.split(']').next().unwrap_or(r).to_string(),
        None if reg.matches(':').count() == 1 => reg.split(':').next().unwrap_or("").to_string(),
        None => reg.clone(),
    };
    let host = if host == "localhost" {
        "127.0.0.1".to_string()
    } else {
        host
    };
    string_list(&entries).iter().any(|e| {
        let e = strip(e);
        e == reg || (e.contains('/') && cidr_has(&e, &host))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str) -> String {
        let env = environment();
        let e = env.compile_expression(expr).unwrap();
        e.eval(minijinja::context! { cidrs => vec!["10.96.0.0/12", "fd00::/108"] })
            .unwrap()
            .to_string()
    }

    #[test]
    fn registry_in_as_dockerd_matches() {
        let t = |e: &str| eval(e);
        assert_eq!(t(r#""myip:5000" is registry_in(["myip:5000"])"#), "True");
        assert_eq!(
            t(r#""10.0.0.5:5000" is registry_in(["10.0.0.5"])"#),
            "False"
        );
        assert_eq!(
            t(r#""10.0.0.5:5000" is registry_in(["10.0.0.0/8"])"#),
            "True"
        );
        assert_eq!(
            t(r#""localhost:5000" is registry_in("127.0.0.0/8")"#),
            "True"
        );
        assert_eq!(
            t(r#""reg.local" is registry_in(["http://reg.local/"])"#),
            "True"
        );
        assert_eq!(
            t(r#""reg.local:5000" is registry_in(["10.0.0.0/8"])"#),
            "False"
        );
        assert_eq!(t(r#""reg.local" is registry_in(nothing)"#), "False");
        assert_eq!(
            t(
                r#"["a:1", "10.1.2.3:5000", "b:2"] | reject("registry_in", ["a:1", "10.0.0.0/8"]) | list"#
            ),
            r#"["b:2"]"#
        );
    }

    #[test]
    fn cidr_contains_as_test_and_filter() {
        assert_eq!(
            eval(r#""10.96.0.1" is cidr_contains("10.96.0.0/12")"#),
            "True"
        );
        assert_eq!(
            eval(r#""10.111.255.254" is cidr_contains("10.96.0.0/12")"#),
            "True"
        );
        assert_eq!(
            eval(r#""10.112.0.1" is cidr_contains("10.96.0.0/12")"#),
            "False"
        );
        assert_eq!(
            eval(r#""10.95.255.255" | cidr_contains("10.96.0.0/12")"#),
            "False"
        );
        assert_eq!(eval(r#""fd00::a" is cidr_contains(cidrs)"#), "True");
        assert_eq!(eval(r#""10.100.0.1" is cidr_contains(cidrs)"#), "True");
        assert_eq!(
            eval(r#""10.100.0.1" is cidr_contains("192.168.0.0/16,10.96.0.0/12")"#),
            "True"
        );
        assert_eq!(eval(r#""1.2.3.4" is cidr_contains("0.0.0.0/0")"#), "True");
        assert_eq!(eval(r#""1.2.3.4" is cidr_contains("1.2.3.4")"#), "True");
        // never an error: bad or absent sides are false
        assert_eq!(eval(r#""10.96.0.1" is cidr_contains(nothing)"#), "False");
        assert_eq!(eval(r#"nothing is cidr_contains("10.96.0.0/12")"#), "False");
        assert_eq!(eval(r#""x" is cidr_contains("10.96.0.0/40")"#), "False");
        assert_eq!(
            eval(r#""::ffff:a60:1" is cidr_contains("10.96.0.0/12")"#),
            "False"
        );
        assert_eq!(
            eval(r#"["10.96.0.1", "192.168.1.9"] | select('cidr_contains', cidrs) | list"#),
            r#"["10.96.0.1"]"#
        );
    }
}
