//! `date` after its prompt (`[root@node ~]# date`, `$ date -u`, `date -R`, `date --iso-8601=seconds`,
//! `date +%s`) and the line it printed, in any locale `units::datecmd` reads: node/host/time.txt
//! under a `### date ...` header, as the collector writes its `date -u`. The node's clock is
//! then `facts.time.clock_utc` when the zone names an instant (UTC, GMT, an offset), and the
//! paste's reference time when nothing else gives one (facts/mod.rs).

use crate::units::{datecmd, shell::shell_words};

use super::Line;

/// The last `date` whose output line reads as a date (the paste's newest clock).
pub(super) fn time(lines: &[Line]) -> Option<String> {
    lines.windows(2).rev().find_map(|w| {
        let cmd = date_command(&w[0])?;
        let out = w[1].text.trim();
        (!w[1].cmd && datecmd::parse(out).is_some()).then(|| format!("### {cmd}\n{out}\n"))
    })
}

/// The prompt line of a plain `date` (with `sudo`, options that keep one line of output, or a
/// `+%s` format), as written.
fn date_command(l: &Line) -> Option<String> {
    if !l.cmd {
        return None;
    }
    let words = shell_words(&l.text);
    let words: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|w| *w == "sudo")
        .collect();
    let (first, opts) = words.split_first()?;
    let plain = opts.iter().all(|o| {
        matches!(
            *o,
            "-u" | "--utc" | "--universal" | "-R" | "--rfc-email" | "--rfc-2822" | "+%s"
        ) || o.starts_with("-I")
            || o.starts_with("--iso-8601")
            || o.starts_with("--rfc-3339")
    });
    (*first == "date" && plain).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::super::{derive, get};
    use kdiag_bundle::paths;

    /// openshift/installer#1494 (dev): a Dutch `date` last in the paste.
    #[test]
    fn date_after_its_prompt() {
        let t = "[root@test1-svtfv-master-0 pki]# cat kubelet-server-current.txt | grep Not\n            Not Before: Mar 27 07:02:00 2019 GMT\n            Not After : Mar 28 06:39:39 2019 GMT\n[root@test1-svtfv-master-0 pki]# date\nvr 29 mrt 2019  5:21:18 UTC\n[root@test1-svtfv-master-0 pki]# \n";
        assert_eq!(
            get(&derive(t), paths::TIME),
            Some("### date\nvr 29 mrt 2019  5:21:18 UTC\n")
        );
        let zh = "$ sudo date -R\nFri, 29 Mar 2019 13:21:18 +0800\n";
        assert_eq!(
            get(&derive(zh), paths::TIME),
            Some("### date -R\nFri, 29 Mar 2019 13:21:18 +0800\n")
        );
    }

    /// A custom format, an error, or a `date` setting the clock is no clock reading.
    #[test]
    fn not_a_clock() {
        for t in [
            "# date +%Y%m%d\n20190329\n",
            "# date -s '2019-03-29 05:21:18'\nFri Mar 29 05:21:18 UTC 2019\n",
            "# date\ndate: command not found\n",
            "Fri Mar 29 05:21:18 UTC 2019\n",
        ] {
            assert_eq!(get(&derive(t), paths::TIME), None, "{t}");
        }
    }
}
