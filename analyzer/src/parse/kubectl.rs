//! kubectl output: `-o json` lists (cluster/*.json), `kubectl version -o json`, and the text that
//! people paste: `kubectl get` tables and `kubectl describe` (key: value lines, the Events table).

use serde_json::Value;

/// The items of a `kubectl get ... -o json` list. `Err` says why there is no list: kubectl's
/// error text in place of JSON (`The connection to the server ... was refused`), an empty file,
/// or JSON that is not a list. That is "not collected", never an empty cluster.
pub fn json_list(text: &str) -> Result<Vec<Value>, String> {
    let t = text.trim_start_matches('\u{feff}').trim();
    if t.is_empty() {
        return Err("empty file".into());
    }
    if !t.starts_with('{') {
        return Err(first_line(t));
    }
    match serde_json::from_str::<Value>(t) {
        Ok(v) => match v.get("items") {
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(Value::Null) => Ok(Vec::new()),
            _ => Err(format!(
                "JSON without an items list (kind {})",
                v.get("kind").and_then(Value::as_str).unwrap_or("?")
            )),
        },
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

fn first_line(t: &str) -> String {
    let l = t.lines().next().unwrap_or("").trim();
    let mut s: String = l.chars().take(300).collect();
    if s.len() < l.len() {
        s.push_str("...");
    }
    s
}

/// `kubectl version -o json`: (client gitVersion, server gitVersion).
pub fn version(text: &str) -> (Option<String>, Option<String>) {
    // kubectl prints a JSON object, possibly followed by a warning or an error line.
    let t = text.trim();
    let end = t.rfind('}').map(|i| i + 1).unwrap_or(0);
    let Ok(v) = serde_json::from_str::<Value>(&t[..end]) else {
        return (None, None);
    };
    let get = |k: &str| {
        v.pointer(&format!("/{k}/gitVersion"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    (get("clientVersion"), get("serverVersion"))
}

/// A `kubectl get` table: columns cut at the header words' positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    /// (line, cells); cells align with `columns`.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// Reads the first `NAME ...`/`NAMESPACE ...` header table in a text.
pub fn get_table(text: &str) -> Option<Table> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.find(|(_, l)| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.len() >= 2
            && (w[0] == "NAME" || w[0] == "NAMESPACE")
            && w.iter().all(|x| {
                x.chars()
                    .all(|c| c.is_ascii_uppercase() || "-()_/%".contains(c))
            })
    })?;
    let mut starts = Vec::new();
    let mut columns = Vec::new();
    let hb = header.as_bytes();
    let mut i = 0;
    while i < hb.len() {
        if hb[i] != b' ' && (i == 0 || hb[i - 1] == b' ') {
            // "NODE SELECTOR", "NOMINATED NODE", "READINESS GATES": single spaces join words.
            let prev_two = i >= 2 && hb[i - 1] == b' ' && hb[i - 2] != b' ';
            if prev_two && !columns.is_empty() {
                let end = header[i..].find(' ').map(|e| i + e).unwrap_or(header.len());
                let last: &mut String = columns.last_mut().unwrap();
                last.push(' ');
                last.push_str(&header[i..end]);
                i = end;
                continue;
            }
            starts.push(i);
            let end = header[i..].find(' ').map(|e| i + e).unwrap_or(header.len());
            columns.push(header[i..end].to_string());
            i = end;
            continue;
        }
        i += 1;
    }
    let mut rows = Vec::new();
    for (no, line) in lines {
        if line.trim().is_empty() {
            break;
        }
        let cells = cut_row(line, &starts);
        rows.push((no + 1, cells));
    }
    Some(Table { columns, rows })
}

/// Cuts a row at the column starts; a cell that overflows into the next column (a long name)
/// is split on whitespace instead.
fn cut_row(line: &str, starts: &[usize]) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() == starts.len() {
        return words.iter().map(|w| w.to_string()).collect();
    }
    let mut cells = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(usize::MAX);
        let cell = line.get(s.min(line.len())..e.min(line.len())).unwrap_or("");
        cells.push(cell.trim().to_string());
    }
    cells
}

/// One row of a describe `Events:` table (or a pasted event line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeEvent {
    /// `Normal` / `Warning`
    pub kind: String,
    pub reason: String,
    pub age: String,
    /// `x6` in `12s (x6 over 27s)`; 1 without it.
    pub count: u32,
    pub from: String,
    pub message: String,
    pub line: usize,
}

/// Event rows of `kubectl describe`: lines starting with `Normal`/`Warning`, fields separated by
/// two or more spaces (the message may hold single spaces and more).
pub fn describe_events(text: &str) -> Vec<DescribeEvent> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if !(t.starts_with("Normal ") || t.starts_with("Warning ")) {
            continue;
        }
        let parts: Vec<&str> = t
            .split("  ")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() < 4 {
            continue;
        }
        let (age, from, msg) = if parts.len() == 4 {
            (parts[2], parts[3], String::new())
        } else {
            (parts[2], parts[3], parts[4..].join("  "))
        };
        let count = age
            .split_once("(x")
            .and_then(|(_, r)| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        out.push(DescribeEvent {
            kind: parts[0].to_string(),
            reason: parts[1].to_string(),
            age: age.to_string(),
            count,
            from: from.to_string(),
            message: msg,
            line: i + 1,
        });
    }
    out
}

/// Top-level `Key:   value` fields of a describe text (not indented), in order.
pub fn describe_fields(text: &str) -> Vec<(String, String, usize)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with(' ') && !l.starts_with('\t'))
        .filter_map(|(i, l)| {
            let (k, v) = l.split_once(':')?;
            (!k.is_empty() && !k.contains("  "))
                .then(|| (k.trim().to_string(), v.trim().to_string(), i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lists_and_errors() {
        let pods = r#"{"apiVersion":"v1","items":[{"metadata":{"name":"a","namespace":"kube-system"}}],"kind":"List","metadata":{"resourceVersion":""}}"#;
        assert_eq!(json_list(pods).unwrap().len(), 1);
        let e = json_list("The connection to the server localhost:8080 was refused - did you specify the right host or port?\n").unwrap_err();
        assert!(e.starts_with("The connection to the server localhost:8080"));
        assert!(json_list("").is_err());
        assert!(json_list("{\"items\": [")
            .unwrap_err()
            .starts_with("invalid JSON"));
        assert!(json_list("{\"kind\":\"Status\"}").is_err());
        let v = r#"{
  "clientVersion": {"major": "1", "minor": "22", "gitVersion": "v1.22.2"},
  "serverVersion": {"major": "1", "minor": "22", "gitVersion": "v1.22.17"}
}
WARNING: version difference between client (1.22) and server (1.22) exceeds the supported minor version skew of +/-1
"#;
        assert_eq!(
            version(v),
            (Some("v1.22.2".into()), Some("v1.22.17".into()))
        );
        assert_eq!(
            version("error: You must be logged in to the server (Unauthorized)"),
            (None, None)
        );
    }

    #[test]
    fn get_tables_from_knowledge() {
        let t = "NAME                               DESIRED   CURRENT   READY     UP-TO-DATE   AVAILABLE   NODE SELECTOR   AGE\nmy-prom-prometheus-node-exporter   0         0         0         0            0           <none>          17m\n";
        let tb = get_table(t).unwrap();
        assert_eq!(
            tb.columns,
            vec![
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "NODE SELECTOR",
                "AGE"
            ]
        );
        assert_eq!(tb.rows[0].1[tb.col("DESIRED").unwrap()], "0");
        assert_eq!(tb.rows[0].1[tb.col("NODE SELECTOR").unwrap()], "<none>");
        let t = "NAMESPACE     NAME                                            READY   STATUS             RESTARTS   AGE\nkube-system   calico-kube-controllers-858fbfbc9-frnsg         1/1     Running            0          36s\nkube-system   coredns-546565776c-j6bw8                        0/1     CrashLoopBackOff   5          3m32s\n";
        let tb = get_table(t).unwrap();
        let st = tb.col("STATUS").unwrap();
        assert_eq!(tb.rows[1].1[st], "CrashLoopBackOff");
        assert_eq!(tb.rows[1].0, 3);
        assert!(get_table("no table here").is_none());
    }

    #[test]
    fn describe_events_from_knowledge() {
        let t = "Events:\n  Type     Reason     Age                From            Message\n  ----     ------     ----               ----            -------\n  Normal   Pulled     13m (x4 over 5h)   kubelet, node1  Container image \"dhub.juxinli.com/cloudnativelabs/kube-router\" already present on machine\n  Warning  Unhealthy  1m (x25 over 59m)  kubelet, node1  Liveness probe failed: HTTP probe failed with statuscode: 500\nWarning  Failed                  44m (x2 over 46m)   kubelet, m7-power-k8s03  Failed to pull image \"172.27.129.211:35000/filebeat-with-module:6.0.0\": pull QPS exceeded.\n";
        let ev = describe_events(t);
        assert_eq!(ev.len(), 3);
        assert_eq!(
            (ev[1].reason.as_str(), ev[1].count, ev[1].from.as_str()),
            ("Unhealthy", 25, "kubelet, node1")
        );
        assert!(ev[1].message.starts_with("Liveness probe failed"));
        assert_eq!(ev[2].line, 6);
        assert!(ev[2].message.ends_with("pull QPS exceeded."));
        let f = describe_fields("Name:         mypod\nNamespace:    default\nContainers:\n  sh:\n    State:  Terminated\n");
        assert_eq!(f[0], ("Name".into(), "mypod".into(), 1));
        assert_eq!(f.len(), 3);
    }
}
