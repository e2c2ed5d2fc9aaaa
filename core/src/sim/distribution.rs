//! Durations drawn from distributions: the kubelet model's start latency,
//! readiness delay and run time, as scenario parameters.
//!
//! In a scenario a duration is written `"2s"`, `"1500ms"`, `"1m"`, and a
//! distribution as one of:
//! `{fixed: 2s}` (or just `2s`), `{uniform: {min: 1s, max: 3s}}`,
//! `{lognormal: {median: 2s, sigma: 0.5}}`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// Parses `"2s"`, `"1500ms"`, `"1m"`, `"1h"`, `"0"`, or a bare number of
/// milliseconds, into milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "ms"),
    };
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("invalid duration {s:?}: expected e.g. \"2s\" or \"500ms\""))?;
    let scale = match unit {
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => {
            return Err(format!(
                "invalid duration {s:?}: unknown unit {unit:?} (ms, s, m, h)"
            ));
        }
    };
    let ms = value * scale;
    if !ms.is_finite() || !(0.0..=1e15).contains(&ms) {
        return Err(format!("invalid duration {s:?}: must be between 0 and 1e15 ms"));
    }
    Ok(ms.round() as i64)
}

/// A non-negative duration in milliseconds, written as `"2s"` in scenarios.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub i64);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 % 1000 == 0 {
            write!(f, "{}s", self.0 / 1000)
        } else {
            write!(f, "{}ms", self.0)
        }
    }
}

impl Serialize for Millis {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Millis;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"2s\" or \"500ms\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Millis, E> {
                parse_duration_ms(v).map(Millis).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Millis, E> {
                i64::try_from(v)
                    .map(Millis)
                    .map_err(|_| E::custom("duration too large"))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Millis, E> {
                if v < 0 {
                    Err(E::custom("duration must not be negative"))
                } else {
                    Ok(Millis(v))
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A distribution of durations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Distribution {
    /// Always the same.
    Fixed(Millis),
    /// Uniform between two bounds.
    Uniform {
        /// Lower bound.
        min: Millis,
        /// Upper bound.
        max: Millis,
    },
    /// Log-normal with the given median and shape (sigma of the log).
    #[serde(rename = "lognormal")]
    LogNormal {
        /// The median.
        median: Millis,
        /// The standard deviation of the natural log.
        sigma: f64,
    },
}

impl Default for Distribution {
    fn default() -> Self {
        Distribution::Fixed(Millis(0))
    }
}

impl Distribution {
    /// A fixed duration.
    pub fn fixed_ms(ms: i64) -> Distribution {
        Distribution::Fixed(Millis(ms))
    }

    /// Draws a duration in milliseconds. Fixed draws consume no randomness.
    pub fn sample(&self, rng: &mut Rng) -> i64 {
        match self {
            Distribution::Fixed(d) => d.0,
            Distribution::Uniform { min, max } => rng.between(min.0.min(max.0), max.0.max(min.0)),
            Distribution::LogNormal { median, sigma } => {
                let x = (median.0.max(1) as f64).ln() + sigma * rng.normal();
                x.exp().clamp(0.0, 1e15).round() as i64
            }
        }
    }

    /// Checks parameters (sigma finite and non-negative).
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Distribution::LogNormal { sigma, .. } if !sigma.is_finite() || *sigma < 0.0 => Err(format!(
                "lognormal sigma must be a finite number >= 0, got {sigma}"
            )),
            _ => Ok(()),
        }
    }
}

/// Accepts a bare duration (`2s`) as a fixed distribution, or one of the
/// long forms; errors say what was expected and why the value is not it.
pub fn deserialize_distribution<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Distribution, D::Error> {
    use serde::de::{self, value::MapAccessDeserializer};
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Distribution;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "a duration such as \"2s\", or {fixed: 2s}, {uniform: {min: 1s, max: 3s}} or {lognormal: {median: 2s, sigma: 0.5}}",
            )
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Distribution, E> {
            parse_duration_ms(v)
                .map(Distribution::fixed_ms)
                .map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Distribution, E> {
            i64::try_from(v)
                .map(Distribution::fixed_ms)
                .map_err(|_| E::custom("duration too large"))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Distribution, E> {
            if v < 0 {
                Err(E::custom("duration must not be negative"))
            } else {
                Ok(Distribution::fixed_ms(v))
            }
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Distribution, A::Error> {
            Distribution::deserialize(MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration_ms("2s"), Ok(2000));
        assert_eq!(parse_duration_ms("1500ms"), Ok(1500));
        assert_eq!(parse_duration_ms("1.5m"), Ok(90_000));
        assert_eq!(parse_duration_ms("250"), Ok(250));
        assert!(parse_duration_ms("2 days").is_err());
        assert!(parse_duration_ms("-1s").is_err());
    }

    #[test]
    fn distributions_sample_in_range() {
        let mut rng = Rng::new(1);
        assert_eq!(Distribution::fixed_ms(7).sample(&mut rng), 7);
        let u = Distribution::Uniform {
            min: Millis(10),
            max: Millis(20),
        };
        for _ in 0..100 {
            let v = u.sample(&mut rng);
            assert!((10..=20).contains(&v));
        }
        let ln = Distribution::LogNormal {
            median: Millis(1000),
            sigma: 0.5,
        };
        let mut v: Vec<i64> = (0..2001).map(|_| ln.sample(&mut rng)).collect();
        v.sort();
        assert!((800..1250).contains(&v[1000]), "median {}", v[1000]);
    }

    #[test]
    fn scenario_syntax() {
        let d: Distribution = serde_json::from_str(r#"{"uniform": {"min": "1s", "max": "3s"}}"#).unwrap();
        assert_eq!(
            d,
            Distribution::Uniform {
                min: Millis(1000),
                max: Millis(3000)
            }
        );
        let d: Distribution = serde_json::from_str(r#"{"fixed": "2s"}"#).unwrap();
        assert_eq!(d, Distribution::fixed_ms(2000));
        let model: super::super::KubeletModel = serde_json::from_str(
            r#"{"startLatency": "2s", "readinessDelay": {"uniform": {"min": "1s", "max": "2s"}}}"#,
        )
        .unwrap();
        assert_eq!(model.start_latency, Distribution::fixed_ms(2000));
        let e =
            serde_json::from_str::<super::super::KubeletModel>(r#"{"startLatency": "2 days"}"#).unwrap_err();
        assert!(e.to_string().contains("invalid duration \"2 days\""), "{e}");
    }
}
