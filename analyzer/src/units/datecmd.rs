//! The one line `date` prints, in the forms pastes show: coreutils' default format in the C
//! locale (`Fri Mar 29 05:21:18 UTC 2019`) and in the locale's own `date_fmt` (glibc's
//! localedata: en_US `Fri Mar 29 05:21:18 AM UTC 2019`, en_GB `Fri 29 Mar 05:21:18 UTC 2019`,
//! nl_NL `vr 29 mrt 2019  5:21:18 UTC`, de_DE `Fr 29. Mär 05:21:18 UTC 2019`, fr_FR
//! `ven. 29 mars 2019 05:21:18 UTC`, ru_RU `Пт 29 мар 2019 05:21:18 UTC`, zh_CN
//! `2019年 03月 29日 星期五 05:21:18 CST`, ja_JP `2019年  3月 29日 金曜日 05:21:18 JST`),
//! `date -R` (`Fri, 29 Mar 2019 05:21:18 +0000`), `date --iso-8601=seconds`
//! (`2019-03-29T05:21:18+00:00`), `date --rfc-3339=seconds` and `date +%s`.
//!
//! The zone decides whether the line names an instant: `UTC`/`GMT`/`UCT`/`Z` and numeric
//! offsets do; any other abbreviation is kept as a name only. Abbreviations are not unique
//! (`CST` is China Standard Time, US Central Standard Time and Cuba Standard Time; `IST` India,
//! Ireland or Israel), so no offset is ever assumed for one: [`DateLine::utc`] is then `None`.

use std::sync::LazyLock;

use regex::Regex;

use super::time;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// Seconds east of UTC (0 for `UTC`, `GMT`, `Z`).
    Offset(i64),
    /// An abbreviation other than UTC/GMT (`CST`, `JST`, `CEST`): no offset known.
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateLine {
    /// The wall-clock time printed, as unix seconds if it were UTC.
    pub wall: i64,
    pub zone: Zone,
}

impl DateLine {
    /// The instant, unix seconds, when the zone gives one.
    pub fn utc(&self) -> Option<i64> {
        match self.zone {
            Zone::Offset(o) => Some(self.wall - o),
            Zone::Named(_) => None,
        }
    }
}

static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,]\d+)?(Z|[+-]\d\d(?::?\d\d)?)$",
    )
    .unwrap()
});
static TIME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{1,2}:\d\d:\d\d$").unwrap());

/// Month of an abbreviation or name in the locales above (also es, it, pt), lower-cased with
/// its trailing dot taken off by the caller.
fn month_name(w: &str) -> Option<u32> {
    const NAMES: [&[&str]; 12] = [
        &["jan", "january", "janv", "ene", "gen", "янв", "января"],
        &["feb", "february", "févr", "fev", "фев", "февраля"],
        &["mar", "march", "mrt", "mär", "mrz", "mars", "мар", "марта"],
        &["apr", "april", "avr", "abr", "апр", "апреля"],
        &["may", "mei", "mai", "mag", "мая", "май"],
        &["jun", "june", "juin", "giu", "июн", "июня"],
        &["jul", "july", "juil", "lug", "июл", "июля"],
        &["aug", "august", "août", "ago", "авг", "августа"],
        &["sep", "sept", "september", "set", "сен", "сентября"],
        &["oct", "october", "okt", "ott", "out", "окт", "октября"],
        &["nov", "november", "ноя", "ноября"],
        &["dec", "december", "dez", "déc", "dic", "дек", "декабря"],
    ];
    NAMES
        .iter()
        .position(|names| names.contains(&w))
        .map(|i| i as u32 + 1)
}

/// One line of `date` output (see the module doc), else `None`.
pub fn parse(line: &str) -> Option<DateLine> {
    let line = line.trim();
    if let Some(c) = ISO.captures(line) {
        let n = |i: usize| c[i].parse::<u32>().ok();
        let wall = time::unix(c[1].parse().ok()?, n(2)?, n(3)?, n(4)?, n(5)?, n(6)?)?;
        let zone = Zone::Offset(time::offset(&c[7])?);
        return Some(DateLine { wall, zone });
    }
    // `date +%s`: seconds since the epoch (2001..2100)
    if line.len() == 10 && line.bytes().all(|b| b.is_ascii_digit()) {
        let s: i64 = line.parse().ok()?;
        return (s >= 1_000_000_000).then_some(DateLine {
            wall: s,
            zone: Zone::Offset(0),
        });
    }
    let (mut year, mut day, mut hms, mut zone) = (None, None, None, None);
    let mut months: Vec<(usize, u32)> = Vec::new();
    let (mut pm, mut am, mut words) = (false, false, 0);
    for (i, raw) in line.split_whitespace().enumerate() {
        let w = raw.trim_end_matches([',', '.']);
        let lower = w.to_lowercase();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let num = w.trim_end_matches(['年', '日']);
        if TIME.is_match(w) && hms.is_none() {
            hms = time::hms(w);
        } else if let Some(m) = w.strip_suffix('月').filter(|m| digits(m)) {
            months.push((i, m.parse().ok()?));
        } else if digits(num) && num.len() == 4 && !w.ends_with('日') && year.is_none() {
            year = num.parse::<i64>().ok();
        } else if digits(num) && num.len() <= 2 && !w.ends_with('年') && day.is_none() {
            day = num.parse::<u32>().ok();
        } else if let Some(m) = month_name(&lower) {
            months.push((i, m));
        } else if matches!(w, "UTC" | "GMT" | "UCT" | "Z") && zone.is_none() {
            zone = Some(Zone::Offset(0));
        } else if w.starts_with(['+', '-']) && zone.is_none() {
            zone = Some(Zone::Offset(time::offset(w)?));
        } else if w.len() >= 2
            && w.len() <= 5
            && w.bytes().all(|b| b.is_ascii_uppercase())
            && !matches!(w, "AM" | "PM")
            && zone.is_none()
        {
            zone = Some(Zone::Named(w.to_string()));
        } else if lower == "pm" {
            pm = true;
        } else if lower == "am" {
            am = true;
        } else if w.chars().any(|c| c.is_ascii_digit()) {
            return None;
        } else {
            // a weekday (`Fri`, `vr`, `星期五`); more than two other words is no `date` line
            words += 1;
            if words > 2 {
                return None;
            }
        }
    }
    // Spanish `mar` (martes) and French `mar.` (mardi) are weekdays too: with two month words
    // the first one, in front of the line, is the weekday.
    if months.len() == 2 && months[0].0 == 0 {
        months.remove(0);
    }
    let [(_, mo)] = months[..] else {
        return None;
    };
    let (mut h, mi, s) = hms?;
    if (am || pm) && !(1..=12).contains(&h) {
        return None;
    }
    if pm && h < 12 {
        h += 12;
    } else if am && h == 12 {
        h = 0;
    }
    let wall = time::unix(year?, mo, day?, h, mi, s)?;
    Some(DateLine { wall, zone: zone? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(l: &str) -> Option<String> {
        parse(l).and_then(|d| d.utc()).map(time::iso)
    }

    #[test]
    fn locales_and_options() {
        let want = Some("2019-03-29T05:21:18Z".to_string());
        // openshift/installer#1494 (dev): nl_NL, `%k` pads the hour with a space
        assert_eq!(utc("vr 29 mrt 2019  5:21:18 UTC"), want);
        for l in [
            "Fri Mar 29 05:21:18 UTC 2019",
            "Fri Mar 29 05:21:18 AM UTC 2019",
            "Fri 29 Mar 05:21:18 UTC 2019",
            "Fr 29. Mär 05:21:18 UTC 2019",
            "ven. 29 mars 2019 05:21:18 UTC",
            "Пт 29 мар 2019 05:21:18 UTC",
            "vie 29 mar 2019 05:21:18 UTC",
            "Fri, 29 Mar 2019 05:21:18 +0000",
            "Fri, 29 Mar 2019 13:21:18 +0800",
            "2019-03-29T05:21:18+00:00",
            "2019-03-29T07:21:18,123456789+02:00",
            "2019-03-29 05:21:18+00:00",
            "1553836878",
        ] {
            assert_eq!(utc(l), want, "{l}");
        }
        assert_eq!(
            utc("Fri Mar 29 05:21:18 PM GMT 2019").unwrap(),
            "2019-03-29T17:21:18Z"
        );
        // French Tuesday `mar.` before the month
        assert_eq!(
            utc("mar. 26 mars 2019 05:21:18 UTC").unwrap(),
            "2019-03-26T05:21:18Z"
        );
        assert_eq!(
            utc("mar 02 abr 2019 05:21:18 UTC").unwrap(),
            "2019-04-02T05:21:18Z"
        );
    }

    #[test]
    fn named_zones_are_no_instant() {
        let zh = parse("2019年 03月 29日 星期五 05:21:18 CST").unwrap();
        assert_eq!(zh.zone, Zone::Named("CST".into()));
        assert_eq!(time::iso(zh.wall), "2019-03-29T05:21:18Z");
        assert_eq!(zh.utc(), None);
        let ja = parse("2019年  3月 29日 金曜日 05:21:18 JST").unwrap();
        assert_eq!(ja.utc(), None);
        assert_eq!(parse("Fri Mar 29 05:21:18 CDT 2019").unwrap().utc(), None);
    }

    #[test]
    fn not_a_date_line() {
        for l in [
            "Last login: Fri Mar 29 05:21:18 2019 from 10.0.0.1",
            "date: invalid date ‘x’",
            "Fri Mar 29 2019",
            "05:21:18 up 3 days,  2:01,  1 user,  load average: 0.00, 0.01, 0.05",
            "123",
        ] {
            assert_eq!(parse(l), None, "{l}");
        }
    }
}
