//! The civil calendar, dependency-free: days since 1970-01-01 <-> proleptic Gregorian
//! (year, month, day), after Howard Hinnant's `days_from_civil` / `civil_from_days`
//! (<http://howardhinnant.github.io/date_algorithms.html>).
//!
//! One copy for the whole workspace: the collector stamps bundle names and the manifest with it,
//! the analyzer reads journal and RFC 3339 times with it, xtask dates synthetic journals with it.
//! Formatting and parsing stay with each side; only the arithmetic is shared.

/// Days since 1970-01-01 of a proleptic Gregorian date. `m` is 1..=12, `d` 1..=31; out-of-range
/// days roll over arithmetically (Feb 30 is Mar 1 or 2), callers validate when they must.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day count since 1970-01-01 (negative before it).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        // 2000-02-29 (a leap day of a century divisible by 400) is day 11016.
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        // 2026-11-22, the collection date of the test bundles.
        assert_eq!(days_from_civil(2026, 11, 22) * 86_400, 1_795_305_600);
        // 1900 is not a leap year: Feb 28 is followed by Mar 1.
        assert_eq!(
            days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28),
            1
        );
        assert_eq!(
            civil_from_days(days_from_civil(-4713, 11, 24)),
            (-4713, 11, 24)
        );
    }

    #[test]
    fn every_day_of_five_centuries_round_trips_in_order() {
        let start = days_from_civil(1800, 1, 1);
        let end = days_from_civil(2300, 1, 1);
        let mut prev = civil_from_days(start - 1);
        for z in start..end {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z, "{y}-{m}-{d}");
            assert!((1..=12).contains(&m) && (1..=31).contains(&d));
            // The next day is the next day of the month, or the 1st of the next month.
            let next_day = (prev.0, prev.1, prev.2 + 1);
            let next_month = if prev.1 == 12 {
                (prev.0 + 1, 1, 1)
            } else {
                (prev.0, prev.1 + 1, 1)
            };
            assert!(
                (y, m, d) == next_day || (y, m, d) == next_month,
                "{prev:?} -> {y}-{m}-{d}"
            );
            prev = (y, m, d);
        }
    }
}
