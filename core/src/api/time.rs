//! Simulated time: milliseconds since the simulation's epoch.
//!
//! The core never reads the wall clock. Timestamps print as RFC 3339 in UTC,
//! counted from a fixed epoch ([`EPOCH_UNIX_SECONDS`], 2026-01-01T00:00:00Z),
//! so reports and manifests look like Kubernetes' and are identical run to run.

use std::fmt;

/// The Unix time (seconds) that simulated time 0 corresponds to: 2026-01-01T00:00:00Z.
pub const EPOCH_UNIX_SECONDS: i64 = 1_767_225_600;

/// A point in simulated time, in milliseconds since the simulation epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub i64);

impl Time {
    /// The simulation epoch.
    pub const ZERO: Time = Time(0);

    /// A time `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: i64) -> Time {
        Time(ms)
    }

    /// A time `s` seconds after the epoch.
    pub const fn from_secs(s: i64) -> Time {
        Time(s.saturating_mul(1000))
    }

    /// Milliseconds since the epoch.
    pub const fn millis(self) -> i64 {
        self.0
    }

    /// This time plus `ms` milliseconds (saturating).
    pub const fn plus_millis(self, ms: i64) -> Time {
        Time(self.0.saturating_add(ms))
    }

    /// This time plus `s` seconds (saturating).
    pub const fn plus_secs(self, s: i64) -> Time {
        Time(self.0.saturating_add(s.saturating_mul(1000)))
    }

    /// Milliseconds from `earlier` to `self` (negative if `earlier` is later).
    pub const fn since(self, earlier: Time) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Unix seconds of this time (floor), for Kubernetes rules stated in Unix time
    /// (such as a CronJob's child Job name).
    pub const fn unix_seconds(self) -> i64 {
        EPOCH_UNIX_SECONDS + self.0.div_euclid(1000)
    }

    /// Parses RFC 3339 (`2026-01-01T00:00:05Z`, optional fraction, `Z` or `+hh:mm`).
    pub fn parse_rfc3339(s: &str) -> Option<Time> {
        let b = s.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse::<i64>().ok() };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
            return None;
        }
        let mut rest = &s[19..];
        let mut millis = 0i64;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let mut scale = 100;
            for d in frac[..digits.min(3)].bytes() {
                millis += i64::from(d - b'0') * scale;
                scale /= 10;
            }
            rest = &frac[digits..];
        }
        let offset_secs = match rest {
            "Z" | "z" => 0,
            _ if rest.len() == 6
                && matches!(rest.as_bytes()[0], b'+' | b'-')
                && rest.as_bytes()[3] == b':' =>
            {
                let h: i64 = rest.get(1..3)?.parse().ok()?;
                let m: i64 = rest.get(4..6)?.parse().ok()?;
                let sign = if rest.starts_with('-') { -1 } else { 1 };
                sign * (h * 3600 + m * 60)
            }
            _ => return None,
        };
        let days = days_from_civil(year, month, day);
        let unix = days * 86_400 + hour * 3600 + min * 60 + sec - offset_secs;
        Some(Time((unix - EPOCH_UNIX_SECONDS) * 1000 + millis))
    }
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

impl fmt::Display for Time {
    /// RFC 3339 with second precision (as Kubernetes' `metav1.Time`), plus
    /// milliseconds when they are not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unix_ms = EPOCH_UNIX_SECONDS * 1000 + self.0;
        let secs = unix_ms.div_euclid(1000);
        let ms = unix_ms.rem_euclid(1000);
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        write!(
            f,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        )?;
        if ms != 0 {
            write!(f, ".{ms:03}")?;
        }
        f.write_str("Z")
    }
}

impl serde::Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Time {
    /// Reads an RFC 3339 time; `null` reads as the zero time, as Kubernetes'
    /// `metav1.Time` does (`kubectl create --dry-run -o yaml` writes
    /// `creationTimestamp: null`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Some(s) = Option::<String>::deserialize(deserializer)? else {
            return Ok(Time::default());
        };
        Time::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid RFC 3339 time {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_parses_rfc3339() {
        assert_eq!(Time::ZERO.to_string(), "2026-01-01T00:00:00Z");
        assert_eq!(Time::from_secs(86_400 + 3661).to_string(), "2026-01-02T01:01:01Z");
        assert_eq!(Time::from_millis(1500).to_string(), "2026-01-01T00:00:01.500Z");
        for t in [0, 1500, 86_400_000 * 400 + 7, -5000] {
            let time = Time(t);
            assert_eq!(Time::parse_rfc3339(&time.to_string()), Some(time));
        }
        assert_eq!(Time::parse_rfc3339("2026-01-01T01:00:00+01:00"), Some(Time::ZERO));
        assert_eq!(Time::parse_rfc3339("not a time"), None);
        assert_eq!(Time::ZERO.unix_seconds(), EPOCH_UNIX_SECONDS);
    }

    #[test]
    fn null_reads_as_the_zero_time() {
        let t: Time = serde_json::from_str("null").expect("null is a time");
        assert_eq!(t, Time::default());
        let t: Time = serde_json::from_str("\"2026-01-01T00:00:01Z\"").expect("a time");
        assert_eq!(t, Time::from_secs(1));
        assert!(serde_json::from_str::<Time>("\"soon\"").is_err());
    }
}
