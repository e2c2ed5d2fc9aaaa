//! The small value types of a scenario: quantities, percentages, taints,
//! and distributions of integers and quantities, each read with errors that
//! say what was expected (so the loader can point at the offending value).

use std::fmt;
use std::marker::PhantomData;

use kubesim::api::resources::quantity_to_units;
use kubesim::quantity::Quantity;
use kubesim::rng::Rng;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use serde::{Deserialize, Serialize};

/// A Kubernetes quantity (`"4"`, `"500m"`, `"16Gi"`, or a number).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Qty(pub Quantity);

impl Qty {
    /// The amount in the canonical units of resource `name` (milli-CPU for
    /// `cpu`, bytes for memory, whole units otherwise).
    pub fn units(&self, name: &str) -> i64 {
        quantity_to_units(name, &self.0)
    }
}

/// Parses a quantity with the error wording scenarios use.
pub fn parse_qty(s: &str) -> Result<Qty, String> {
    Quantity::parse(s.trim()).map(Qty).map_err(|e| {
        let detail = e.to_string();
        let detail = detail
            .split_once(": ")
            .map_or(detail.as_str(), |(_, d)| d)
            .to_owned();
        format!("invalid quantity {s:?}: {detail} (expected e.g. \"4\", \"500m\" or \"16Gi\")")
    })
}

impl<'de> Deserialize<'de> for Qty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Qty, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Qty;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as \"4\", \"500m\" or \"16Gi\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Qty, E> {
                parse_qty(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Qty, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Qty, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Qty, E> {
                if !v.is_finite() {
                    return Err(E::custom(format!("invalid quantity {v}: not a finite number")));
                }
                self.visit_str(&format!("{v}"))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Qty {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A fraction written `"20%"` or `0.2`, between 0 and 1 inclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Fraction(pub f64);

/// Parses `"20%"` or `"0.2"` into a fraction of 1.
pub fn parse_fraction(s: &str) -> Result<Fraction, String> {
    let t = s.trim();
    let (num, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (t, 1.0),
    };
    match num.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=1.0).contains(&(v / scale)) => Ok(Fraction(v / scale)),
        _ => Err(format!(
            "invalid fraction {s:?}: expected a percentage such as \"20%\" or a number between 0 and 1"
        )),
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fraction, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Fraction;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a percentage such as \"20%\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Fraction, E> {
                parse_fraction(v).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Fraction, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Fraction, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Fraction, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V)
    }
}

/// A node taint, written `"key=value:Effect"`, `"key:Effect"` or as a map
/// `{key, value, effect}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaintSpec {
    /// The key.
    pub key: String,
    /// The value (may be empty).
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Parses `key=value:Effect` or `key:Effect`.
pub fn parse_taint(s: &str) -> Result<TaintSpec, String> {
    let bad = || format!("invalid taint {s:?}: expected \"key=value:Effect\" or \"key:Effect\"");
    let (kv, effect) = s.rsplit_once(':').ok_or_else(bad)?;
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    if key.is_empty() {
        return Err(bad());
    }
    check_effect(effect)?;
    Ok(TaintSpec {
        key: key.to_owned(),
        value: value.to_owned(),
        effect: effect.to_owned(),
    })
}

fn check_effect(effect: &str) -> Result<(), String> {
    if EFFECTS.contains(&effect) {
        Ok(())
    } else {
        Err(format!(
            "invalid taint effect {effect:?}: expected one of NoSchedule, PreferNoSchedule, NoExecute"
        ))
    }
}

impl<'de> Deserialize<'de> for TaintSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TaintSpec, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            key: String,
            #[serde(default)]
            value: String,
            effect: String,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TaintSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a taint \"key=value:Effect\" or a map with key, value and effect")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TaintSpec, E> {
                parse_taint(v).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TaintSpec, A::Error> {
                let f = Fields::deserialize(MapAccessDeserializer::new(map))?;
                check_effect(&f.effect).map_err(de::Error::custom)?;
                Ok(TaintSpec {
                    key: f.key,
                    value: f.value,
                    effect: f.effect,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A value a distribution draws: an integer or a quantity.
pub trait Drawn: Sized + Clone + fmt::Debug {
    /// Reads a bare value (the fixed form).
    fn from_str_value(s: &str) -> Result<Self, String>;
    /// The value in integer units (`resource` names the unit for quantities).
    fn units(&self, resource: &str) -> i64;
    /// What a bare value looks like, for errors.
    const EXPECTING: &'static str;
}

impl Drawn for i64 {
    fn from_str_value(s: &str) -> Result<i64, String> {
        s.trim()
            .parse()
            .map_err(|_| format!("invalid integer {s:?}: expected a whole number"))
    }
    fn units(&self, _: &str) -> i64 {
        *self
    }
    const EXPECTING: &'static str =
        "an integer or a distribution ({uniform: {min, max}}, {choice: [...]}, {lognormal: {median, sigma}})";
}

impl Drawn for Qty {
    fn from_str_value(s: &str) -> Result<Qty, String> {
        parse_qty(s)
    }
    fn units(&self, resource: &str) -> i64 {
        Qty::units(self, resource)
    }
    const EXPECTING: &'static str =
        "a quantity or a distribution ({uniform: {min, max}}, {choice: [...]}, {lognormal: {median, sigma}})";
}

/// A bare value of type `T`, read from a string or a number.
#[derive(Clone, Debug, PartialEq)]
pub struct Bare<T>(pub T);

impl<'de, T: Drawn> Deserialize<'de> for Bare<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bare<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<T: Drawn> Visitor<'_> for V<T> {
            type Value = Bare<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bare<T>, E> {
                T::from_str_value(v).map(Bare).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bare<T>, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bare<T>, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Bare<T>, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// The long forms of a distribution.
#[derive(Clone, Debug, Deserialize)]
#[serde(
    rename_all = "lowercase",
    deny_unknown_fields,
    bound(deserialize = "T: Drawn")
)]
enum Form<T: Drawn> {
    Fixed(Bare<T>),
    Uniform {
        min: Bare<T>,
        max: Bare<T>,
    },
    Choice(Vec<Bare<T>>),
    #[serde(rename = "lognormal")]
    LogNormal {
        median: Bare<T>,
        sigma: f64,
        #[serde(default)]
        min: Option<Bare<T>>,
        #[serde(default)]
        max: Option<Bare<T>>,
    },
}

/// A distribution of integers or quantities: a bare value (fixed), or
/// `{uniform: {min, max}}`, `{choice: [a, b, ...]}` (each equally likely),
/// `{lognormal: {median, sigma, min?, max?}}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist<T> {
    /// Always this value.
    Fixed(T),
    /// Uniform between two bounds, inclusive.
    Uniform(T, T),
    /// One of these, equally likely.
    Choice(Vec<T>),
    /// Log-normal with this median and shape, clamped to the bounds.
    LogNormal {
        /// The median.
        median: T,
        /// The standard deviation of the natural log.
        sigma: f64,
        /// Lower clamp.
        min: Option<T>,
        /// Upper clamp.
        max: Option<T>,
    },
}

/// A distribution of integers (replica counts).
pub type IntDist = Dist<i64>;
/// A distribution of quantities (requests).
pub type QtyDist = Dist<Qty>;

impl<T: Drawn> Dist<T> {
    /// Draws one value, in units of `resource`.
    pub fn sample(&self, rng: &mut Rng, resource: &str) -> i64 {
        match self {
            Dist::Fixed(v) => v.units(resource),
            Dist::Uniform(a, b) => {
                let (a, b) = (a.units(resource), b.units(resource));
                rng.between(a.min(b), a.max(b))
            }
            Dist::Choice(vs) => vs.get(rng.index(vs.len())).map_or(0, |v| v.units(resource)),
            Dist::LogNormal {
                median,
                sigma,
                min,
                max,
            } => {
                let m = median.units(resource).max(1) as f64;
                let x = (m.ln() + sigma * rng.normal()).exp().clamp(0.0, 9.0e18).round() as i64;
                let lo = min.as_ref().map_or(0, |v| v.units(resource));
                let hi = max.as_ref().map_or(i64::MAX, |v| v.units(resource));
                x.clamp(lo, hi.max(lo))
            }
        }
    }

    /// The mean, approximately (for lower bounds and summaries).
    pub fn mean(&self, resource: &str) -> f64 {
        match self {
            Dist::Fixed(v) => v.units(resource) as f64,
            Dist::Uniform(a, b) => (a.units(resource) + b.units(resource)) as f64 / 2.0,
            Dist::Choice(vs) => {
                vs.iter().map(|v| v.units(resource) as f64).sum::<f64>() / vs.len().max(1) as f64
            }
            Dist::LogNormal { median, sigma, .. } => {
                median.units(resource) as f64 * (sigma * sigma / 2.0).exp()
            }
        }
    }

    /// The largest value it can draw (for "does one pod fit a node").
    pub fn max(&self, resource: &str) -> i64 {
        match self {
            Dist::Fixed(v) => v.units(resource),
            Dist::Uniform(a, b) => a.units(resource).max(b.units(resource)),
            Dist::Choice(vs) => vs.iter().map(|v| v.units(resource)).max().unwrap_or(0),
            Dist::LogNormal { max, .. } => max.as_ref().map_or(i64::MAX, |v| v.units(resource)),
        }
    }

    /// Checks the parameters; `Err` says what is wrong.
    pub fn validate(&self, resource: &str) -> Result<(), String> {
        match self {
            Dist::Choice(vs) if vs.is_empty() => Err("choice needs at least one value".into()),
            Dist::LogNormal { sigma, .. } if !sigma.is_finite() || *sigma < 0.0 => Err(format!(
                "lognormal sigma must be a finite number >= 0, got {sigma}"
            )),
            Dist::Uniform(a, b) if a.units(resource) > b.units(resource) => {
                Err("uniform min must not be greater than max".into())
            }
            _ => {
                let negative = match self {
                    Dist::Fixed(v) => v.units(resource) < 0,
                    Dist::Uniform(a, _) => a.units(resource) < 0,
                    Dist::Choice(vs) => vs.iter().any(|v| v.units(resource) < 0),
                    Dist::LogNormal { median, .. } => median.units(resource) < 0,
                };
                if negative {
                    Err("values must not be negative".into())
                } else {
                    Ok(())
                }
            }
        }
    }
}

impl<'de, T: Drawn + 'de> Deserialize<'de> for Dist<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dist<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Drawn + 'de> Visitor<'de> for V<T> {
            type Value = Dist<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dist<T>, E> {
                T::from_str_value(v).map(Dist::Fixed).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dist<T>, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dist<T>, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dist<T>, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Dist<T>, A::Error> {
                Ok(match Form::<T>::deserialize(MapAccessDeserializer::new(map))? {
                    Form::Fixed(v) => Dist::Fixed(v.0),
                    Form::Uniform { min, max } => Dist::Uniform(min.0, max.0),
                    Form::Choice(vs) => Dist::Choice(vs.into_iter().map(|v| v.0).collect()),
                    Form::LogNormal {
                        median,
                        sigma,
                        min,
                        max,
                    } => Dist::LogNormal {
                        median: median.0,
                        sigma,
                        min: min.map(|v| v.0),
                        max: max.map(|v| v.0),
                    },
                })
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// One path or several (`manifests: a.yaml` or `manifests: [a.yaml, dir/]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths(pub Vec<String>);

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Paths, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Paths;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path or a list of paths")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Paths, E> {
                Ok(Paths(vec![v.to_owned()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Paths, A::Error> {
                let mut out = Vec::new();
                while let Some(p) = seq.next_element::<String>()? {
                    out.push(p);
                }
                Ok(Paths(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, String> {
        kubesim::manifest::decode_document::<T>(s, "t.yaml").map_err(|e| e.to_string())
    }

    #[test]
    fn quantities_read_with_a_clear_error() {
        assert_eq!(yaml::<Qty>("500m").unwrap().units("cpu"), 500);
        assert_eq!(yaml::<Qty>("4").unwrap().units("cpu"), 4000);
        assert_eq!(yaml::<Qty>("1Gi").unwrap().units("memory"), 1 << 30);
        let e = yaml::<Qty>("\"4 cores\"").unwrap_err();
        assert!(e.contains("invalid quantity \"4 cores\""), "{e}");
    }

    #[test]
    fn distributions_read_bare_and_long_forms() {
        assert_eq!(yaml::<IntDist>("3").unwrap(), Dist::Fixed(3));
        assert_eq!(
            yaml::<IntDist>("{uniform: {min: 1, max: 4}}").unwrap(),
            Dist::Uniform(1, 4)
        );
        let q = yaml::<QtyDist>("{choice: [100m, 250m]}").unwrap();
        let mut rng = Rng::new(1);
        for _ in 0..20 {
            assert!([100, 250].contains(&q.sample(&mut rng, "cpu")));
        }
        let ln = yaml::<QtyDist>("{lognormal: {median: 200m, sigma: 0.5, max: 1}}").unwrap();
        for _ in 0..100 {
            assert!(ln.sample(&mut rng, "cpu") <= 1000);
        }
        assert!(
            yaml::<IntDist>("{normal: 3}")
                .unwrap_err()
                .contains("unknown variant")
        );
        assert!(yaml::<IntDist>("x").is_err());
    }

    #[test]
    fn taints_and_fractions() {
        let t = yaml::<TaintSpec>("dedicated=gpu:NoSchedule").unwrap();
        assert_eq!(
            (t.key.as_str(), t.value.as_str(), t.effect.as_str()),
            ("dedicated", "gpu", "NoSchedule")
        );
        assert!(
            yaml::<TaintSpec>("a=b:Never")
                .unwrap_err()
                .contains("invalid taint effect")
        );
        assert_eq!(yaml::<Fraction>("20%").unwrap(), Fraction(0.2));
        assert!(yaml::<Fraction>("120%").is_err());
    }
}
