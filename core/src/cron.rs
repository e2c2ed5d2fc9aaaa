//! Cron schedules as CronJobs write them: five fields (minute, hour, day of
//! month, month, day of week) or a `@` macro, evaluated in UTC.
//!
//! The grammar and the error messages follow `github.com/robfig/cron/v3`'s
//! `ParseStandard`, which the API server uses to validate `spec.schedule`
//! (`pkg/apis/batch/validation/validation.go`): `*` and `?`, lists (`1,5`),
//! ranges (`1-5`), steps (`*/15`, `5/10` meaning `5-max/10`), month and day
//! names (`jan`, `MON`), and `@yearly`, `@annually`, `@monthly`, `@weekly`,
//! `@daily`, `@midnight`, `@hourly` and `@every <duration>`. As in robfig's
//! `dayMatches`, when both the day of month and the day of week are
//! restricted (neither starts with `*` or `?`), a day matching either runs.

use crate::api::Time;
use crate::api::time::EPOCH_UNIX_SECONDS;

/// A parsed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CronSchedule {
    /// A five-field schedule.
    Spec(SpecSchedule),
    /// `@every <duration>`: a fixed period, in whole seconds (at least one).
    Every(i64),
}

/// The five fields as bit sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecSchedule {
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
    dom_star: bool,
    dow_star: bool,
}

struct Bounds {
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MINUTES: Bounds = Bounds {
    min: 0,
    max: 59,
    names: &[],
};
const HOURS: Bounds = Bounds {
    min: 0,
    max: 23,
    names: &[],
};
const DOM: Bounds = Bounds {
    min: 1,
    max: 31,
    names: &[],
};
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ],
};

/// Go's `strconv.Atoi` followed by robfig's negative check.
fn parse_int(expr: &str) -> Result<u32, String> {
    let digits = expr.strip_prefix(['+', '-']).unwrap_or(expr);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: invalid syntax"
        ));
    }
    let n: i64 = match expr.parse() {
        Ok(n) => n,
        Err(_) => {
            return Err(format!(
                "failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: value out of range"
            ));
        }
    };
    if n < 0 {
        return Err(format!("negative number ({n}) not allowed: {expr}"));
    }
    u32::try_from(n).map_err(|_| format!("end of range ({n}) above maximum: {expr}"))
}

fn parse_int_or_name(expr: &str, b: &Bounds) -> Result<u32, String> {
    let lower = expr.to_ascii_lowercase();
    if let Some((_, v)) = b.names.iter().find(|(n, _)| *n == lower) {
        return Ok(*v);
    }
    parse_int(expr)
}

/// One comma-separated part: returns its bits and whether it was a bare star.
fn parse_range(expr: &str, b: &Bounds) -> Result<(u64, bool), String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end, mut star) = if low_high[0] == "*" || low_high[0] == "?" {
        (b.min, b.max, true)
    } else {
        let start = parse_int_or_name(low_high[0], b)?;
        let end = match low_high.len() {
            1 => start,
            2 => parse_int_or_name(low_high[1], b)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        (start, end, false)
    };
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = parse_int(range_and_step[1])?;
            if single {
                end = b.max;
            }
            if step > 1 {
                star = false;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        ));
    }
    if end > b.max {
        return Err(format!("end of range ({end}) above maximum ({}): {expr}", b.max));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    let mut bits = 0u64;
    let mut v = start;
    while v <= end {
        bits |= 1 << v;
        v += step;
    }
    Ok((bits, star))
}

fn parse_field(field: &str, b: &Bounds) -> Result<(u64, bool), String> {
    let mut bits = 0;
    let mut star = false;
    for part in field.split(',').filter(|p| !p.is_empty()) {
        let (b2, s) = parse_range(part, b)?;
        bits |= b2;
        star |= s;
    }
    Ok((bits, star))
}

/// Go's `time.ParseDuration`, for the units a schedule may use
/// (`h`, `m`, `s`, `ms`, `us`, `ns`, with decimals), in nanoseconds.
fn parse_duration(s: &str) -> Option<i128> {
    if s == "0" {
        return Some(0);
    }
    let mut rest = s;
    let mut total: f64 = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .bytes()
            .take_while(|b| !b.is_ascii_digit() && *b != b'.')
            .count();
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    Some(total as i128)
}

impl CronSchedule {
    /// Parses a schedule as `cron.ParseStandard` does; the error is robfig's
    /// message, which Kubernetes reports as the field error's detail.
    pub fn parse(spec: &str) -> Result<CronSchedule, String> {
        if spec.is_empty() {
            return Err("empty spec string".into());
        }
        let spec = spec.trim_start();
        if let Some(rest) = spec.strip_prefix('@') {
            let fields = |s: &str| CronSchedule::parse(s);
            return match rest {
                "yearly" | "annually" => fields("0 0 1 1 *"),
                "monthly" => fields("0 0 1 * *"),
                "weekly" => fields("0 0 * * 0"),
                "daily" | "midnight" => fields("0 0 * * *"),
                "hourly" => fields("0 * * * *"),
                _ => match rest.strip_prefix("every ") {
                    Some(d) => match parse_duration(d) {
                        // robfig: at least one second, rounded down to seconds.
                        Some(ns) => Ok(CronSchedule::Every(((ns / 1_000_000_000) as i64).max(1))),
                        None => Err(format!(
                            "failed to parse duration {spec}: time: invalid duration {:?}",
                            d
                        )),
                    },
                    None => Err(format!("unrecognized descriptor: {spec}")),
                },
            };
        }
        let fields: Vec<&str> = spec.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "expected exactly 5 fields, found {}: [{}]",
                fields.len(),
                fields.join(" ")
            ));
        }
        let (minute, _) = parse_field(fields[0], &MINUTES)?;
        let (hour, _) = parse_field(fields[1], &HOURS)?;
        let (dom, dom_star) = parse_field(fields[2], &DOM)?;
        let (month, _) = parse_field(fields[3], &MONTHS)?;
        let (dow, dow_star) = parse_field(fields[4], &DOW)?;
        Ok(CronSchedule::Spec(SpecSchedule {
            minute,
            hour,
            dom,
            month,
            dow,
            dom_star,
            dow_star,
        }))
    }

    /// The first scheduled time strictly after `t` (whole minutes for a
    /// five-field schedule), or `None` when nothing matches within five
    /// years (as robfig gives up), e.g. `0 0 30 2 *`.
    pub fn next_after(&self, t: Time) -> Option<Time> {
        match self {
            CronSchedule::Every(secs) => {
                let whole = t.millis().div_euclid(1000) * 1000;
                Some(Time::from_millis(whole).plus_secs(*secs))
            }
            CronSchedule::Spec(s) => s.next_after(t),
        }
    }
}

impl SpecSchedule {
    fn day_matches(&self, year: i64, month: i64, day: i64) -> bool {
        let dom = self.dom & (1 << day) != 0;
        let dow = self.dow & (1 << weekday(year, month, day)) != 0;
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    fn next_after(&self, t: Time) -> Option<Time> {
        let unix = t.unix_seconds();
        let start = unix.div_euclid(60) * 60 + 60;
        let days = start.div_euclid(86_400);
        let (mut y, mut mo, mut d) = civil_from_days(days);
        let sod = start.rem_euclid(86_400);
        let (mut h, mut mi) = (sod / 3600, sod / 60 % 60);
        let year_limit = y + 5;
        'wrap: loop {
            if y > year_limit {
                return None;
            }
            while self.month & (1 << mo) == 0 {
                (d, h, mi) = (1, 0, 0);
                mo += 1;
                if mo > 12 {
                    (y, mo) = (y + 1, 1);
                    continue 'wrap;
                }
            }
            while !self.day_matches(y, mo, d) {
                (h, mi) = (0, 0);
                d += 1;
                if d > days_in_month(y, mo) {
                    d = 1;
                    mo += 1;
                    if mo > 12 {
                        (y, mo) = (y + 1, 1);
                    }
                    continue 'wrap;
                }
            }
            while self.hour & (1 << h) == 0 {
                mi = 0;
                h += 1;
                if h > 23 {
                    h = 0;
                    (y, mo, d) = civil_from_days(days_from_civil(y, mo, d) + 1);
                    continue 'wrap;
                }
            }
            while self.minute & (1 << mi) == 0 {
                mi += 1;
                if mi > 59 {
                    mi = 0;
                    h += 1;
                    if h > 23 {
                        h = 0;
                        (y, mo, d) = civil_from_days(days_from_civil(y, mo, d) + 1);
                    }
                    continue 'wrap;
                }
            }
            let unix = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60;
            return Some(Time::from_secs(unix - EPOCH_UNIX_SECONDS));
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// 0 = Sunday.
fn weekday(y: i64, m: i64, d: i64) -> i64 {
    // 1970-01-01 was a Thursday.
    (days_from_civil(y, m, d) + 4).rem_euclid(7)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Time {
        Time::parse_rfc3339(s).unwrap()
    }

    fn next(spec: &str, from: &str) -> String {
        CronSchedule::parse(spec)
            .unwrap()
            .next_after(at(from))
            .map_or("none".into(), |t| t.to_string())
    }

    #[test]
    fn basic_fields() {
        assert_eq!(next("* * * * *", "2026-01-01T00:00:00Z"), "2026-01-01T00:01:00Z");
        assert_eq!(next("* * * * *", "2026-01-01T00:00:30Z"), "2026-01-01T00:01:00Z");
        assert_eq!(
            next("*/15 * * * *", "2026-01-01T00:00:00Z"),
            "2026-01-01T00:15:00Z"
        );
        assert_eq!(
            next("*/15 * * * *", "2026-01-01T00:50:00Z"),
            "2026-01-01T01:00:00Z"
        );
        assert_eq!(next("5 4 * * *", "2026-01-01T04:05:00Z"), "2026-01-02T04:05:00Z");
        assert_eq!(next("0 0 1 * *", "2026-01-15T00:00:00Z"), "2026-02-01T00:00:00Z");
        assert_eq!(next("30 2 * 3 *", "2026-01-15T00:00:00Z"), "2026-03-01T02:30:00Z");
        assert_eq!(
            next("0 9-17/4 * * *", "2026-01-01T10:00:00Z"),
            "2026-01-01T13:00:00Z"
        );
        assert_eq!(
            next("0 22 * * 1-5", "2026-01-02T23:00:00Z"),
            "2026-01-05T22:00:00Z"
        );
        assert_eq!(
            next("10,20 * * * *", "2026-01-01T00:10:00Z"),
            "2026-01-01T00:20:00Z"
        );
        assert_eq!(
            next("5/20 * * * *", "2026-01-01T00:30:00Z"),
            "2026-01-01T00:45:00Z"
        );
    }

    #[test]
    fn names_and_macros() {
        assert_eq!(
            next("0 0 * JAN,feb Mon", "2026-01-01T00:00:00Z"),
            "2026-01-05T00:00:00Z"
        );
        assert_eq!(
            next("0 12 * * sun", "2026-01-01T00:00:00Z"),
            "2026-01-04T12:00:00Z"
        );
        assert_eq!(next("@hourly", "2026-01-01T00:30:00Z"), "2026-01-01T01:00:00Z");
        assert_eq!(next("@daily", "2026-01-01T00:30:00Z"), "2026-01-02T00:00:00Z");
        assert_eq!(next("@midnight", "2026-01-01T00:30:00Z"), "2026-01-02T00:00:00Z");
        assert_eq!(next("@weekly", "2026-01-01T00:00:00Z"), "2026-01-04T00:00:00Z");
        assert_eq!(next("@monthly", "2026-01-01T00:00:00Z"), "2026-02-01T00:00:00Z");
        assert_eq!(next("@yearly", "2026-01-01T00:00:00Z"), "2027-01-01T00:00:00Z");
        assert_eq!(next("@annually", "2026-03-01T00:00:00Z"), "2027-01-01T00:00:00Z");
        assert_eq!(
            next("@every 90s", "2026-01-01T00:00:00.500Z"),
            "2026-01-01T00:01:30Z"
        );
        assert_eq!(
            next("@every 1h30m", "2026-01-01T00:00:00Z"),
            "2026-01-01T01:30:00Z"
        );
    }

    #[test]
    fn day_of_month_or_day_of_week() {
        // Both restricted: either matches (the 13th, or any Friday).
        assert_eq!(next("0 0 13 * 5", "2026-01-01T00:00:00Z"), "2026-01-02T00:00:00Z");
        assert_eq!(next("0 0 13 * 5", "2026-01-09T00:00:00Z"), "2026-01-13T00:00:00Z");
        // A star on one side: both must match.
        assert_eq!(next("0 0 * * 5", "2026-01-01T00:00:00Z"), "2026-01-02T00:00:00Z");
        assert_eq!(next("0 0 13 * *", "2026-01-01T00:00:00Z"), "2026-01-13T00:00:00Z");
    }

    #[test]
    fn calendar_edges() {
        assert_eq!(next("0 0 29 2 *", "2026-01-01T00:00:00Z"), "2028-02-29T00:00:00Z");
        assert_eq!(next("0 0 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T00:00:00Z");
        assert_eq!(
            next("59 23 31 12 *", "2026-12-31T23:59:00Z"),
            "2027-12-31T23:59:00Z"
        );
        assert_eq!(next("0 0 30 2 *", "2026-01-01T00:00:00Z"), "none");
        assert_eq!(next("* * * * *", "2026-12-31T23:59:59Z"), "2027-01-01T00:00:00Z");
    }

    #[test]
    fn errors_in_robfig_words() {
        let err = |s: &str| CronSchedule::parse(s).unwrap_err();
        assert_eq!(err(""), "empty spec string");
        assert_eq!(err("* * * *"), "expected exactly 5 fields, found 4: [* * * *]");
        assert_eq!(err("60 * * * *"), "end of range (60) above maximum (59): 60");
        assert_eq!(err("* * 0 * *"), "beginning of range (0) below minimum (1): 0");
        assert_eq!(
            err("5-2 * * * *"),
            "beginning of range (5) beyond end of range (2): 5-2"
        );
        assert_eq!(
            err("*/0 * * * *"),
            "step of range should be a positive number: */0"
        );
        assert_eq!(
            err("x * * * *"),
            "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(err("* * * * 7"), "end of range (7) above maximum (6): 7");
        assert_eq!(err("1-2-3 * * * *"), "too many hyphens: 1-2-3");
        assert_eq!(err("*/2/3 * * * *"), "too many slashes: */2/3");
        assert_eq!(err("@often"), "unrecognized descriptor: @often");
        assert!(CronSchedule::parse("0 0 ? * MON-FRI").is_ok());
    }
}
