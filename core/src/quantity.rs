//! PLACEHOLDER (replaced by the quantity branch): just enough to compile against.
#![allow(missing_docs)]
use std::fmt;
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    DecimalSI,
    BinarySI,
    DecimalExponent,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity {
    nanos: i128,
}
#[derive(Debug, Clone)]
pub struct QuantityError(String);
impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for QuantityError {}
impl std::str::FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(s: &str) -> Result<Self, QuantityError> {
        Quantity::parse(s)
    }
}
impl Quantity {
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        let (num, mul): (&str, i128) = if let Some(n) = s.strip_suffix("Mi") {
            (n, 1 << 20)
        } else if let Some(n) = s.strip_suffix("Gi") {
            (n, 1 << 30)
        } else if let Some(n) = s.strip_suffix("Ki") {
            (n, 1 << 10)
        } else if let Some(n) = s.strip_suffix('m') {
            (n, 1)
        } else {
            (s, 1000)
        };
        let mul = if s.ends_with('m') {
            mul * 1_000_000
        } else {
            mul * 1_000_000_000 / if mul == 1000 { 1000 } else { 1 }
        };
        let v: f64 = num
            .parse()
            .map_err(|_| QuantityError(format!("quantity {s:?}: invalid")))?;
        Ok(Quantity {
            nanos: (v * mul as f64) as i128,
        })
    }
    pub fn format(&self) -> Format {
        Format::DecimalSI
    }
    pub fn milli_value(&self) -> i64 {
        (self.nanos + 999_999).div_euclid(1_000_000) as i64
    }
    pub fn value(&self) -> i64 {
        (self.nanos + 999_999_999).div_euclid(1_000_000_000) as i64
    }
    pub fn from_milli(milli: i64, _f: Format) -> Quantity {
        Quantity {
            nanos: milli as i128 * 1_000_000,
        }
    }
    pub fn from_value(v: i64, _f: Format) -> Quantity {
        Quantity {
            nanos: v as i128 * 1_000_000_000,
        }
    }
    pub fn zero() -> Quantity {
        Quantity { nanos: 0 }
    }
}
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}m", self.milli_value())
    }
}
impl serde::Serialize for Quantity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> serde::Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: String = serde::Deserialize::deserialize(d)?;
        Quantity::parse(&s).map_err(serde::de::Error::custom)
    }
}
