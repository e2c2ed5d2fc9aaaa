//! Lenient deserialisation helpers: scalars as their text, `null` as the default.
//!
//! YAML users write `version: 2` or `enabled: true` for label values; Kubernetes would reject the
//! non-string, but reading it as its text and letting validation judge it gives a clearer error.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use crate::intern::Symbol;

/// A symbol read from any scalar: strings as they are, numbers and booleans as their text,
/// `null` as the empty string.
pub(super) struct Lenient(pub(super) Symbol);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string (or a number or boolean, read as its text)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient, E> {
                Ok(Lenient(Symbol::intern(v)))
            }
            fn visit_char<E: de::Error>(self, v: char) -> Result<Lenient, E> {
                Ok(Lenient(Symbol::intern(v.encode_utf8(&mut [0; 4]))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lenient, E> {
                Ok(Lenient(Symbol::intern(&v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient, E> {
                Ok(Lenient(Symbol::intern(&v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lenient, E> {
                Ok(Lenient(Symbol::intern(&v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Lenient, E> {
                Ok(Lenient(Symbol::intern(if v { "true" } else { "false" })))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Lenient, E> {
                Ok(Lenient(Symbol::EMPTY))
            }
            fn visit_none<E: de::Error>(self) -> Result<Lenient, E> {
                Ok(Lenient(Symbol::EMPTY))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// `null` (or an absent field, with `#[serde(default)]`) as `T::default()`.
pub(super) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A list of lenient symbols; `null` is the empty list.
pub(super) fn lenient_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Symbol>, D::Error> {
    let list: Option<Vec<Lenient>> = Option::deserialize(deserializer)?;
    Ok(list.unwrap_or_default().into_iter().map(|l| l.0).collect())
}

/// One lenient symbol (a key or operator written as a number stays its text).
pub(super) fn lenient_symbol<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Symbol, D::Error> {
    Ok(Lenient::deserialize(deserializer)?.0)
}
