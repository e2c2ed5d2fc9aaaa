//! [`Labels`]: an immutable set of interned `key=value` pairs, sorted by key, cheap to clone.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};

use super::error::LabelError;
use super::serde_util::Lenient;
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::validation;

/// An immutable set of labels: `(key, value)` pairs of [`Symbol`]s with unique keys, sorted by key
/// string (byte order).
///
/// It is 16 bytes (`Option<Arc<[(Symbol, Symbol)]>>`, `None` when empty), and cloning shares the
/// pairs, so the pods of one template share one allocation. "Changing" a set ([`Labels::with`],
/// [`Labels::without`]) returns a new one.
///
/// Equality and hashing are by symbols, which are exact (equal strings have equal symbols), so they
/// agree with equality of the strings; hash *values* depend on interning order and must not reach an
/// outcome (use them only as map keys, never to order anything).
#[derive(Clone, Default)]
pub struct Labels(Option<Arc<[(Symbol, Symbol)]>>);

impl Labels {
    /// The empty set.
    pub fn new() -> Labels {
        Labels(None)
    }

    /// Pairs already sorted by key string with unique keys.
    fn from_sorted(pairs: Vec<(Symbol, Symbol)>) -> Labels {
        if pairs.is_empty() {
            Labels(None)
        } else {
            Labels(Some(pairs.into()))
        }
    }

    /// Builds a set from pairs in any order; a later pair replaces an earlier one with the same key.
    fn from_pairs(mut pairs: Vec<(Symbol, Symbol)>) -> Labels {
        // A stable sort keeps equal keys in input order, so the last one of each run wins.
        pairs.sort_by(|a, b| a.0.cmp_str(b.0));
        let mut out: Vec<(Symbol, Symbol)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        Labels::from_sorted(out)
    }

    /// The pairs, sorted by key string.
    pub fn as_slice(&self) -> &[(Symbol, Symbol)] {
        self.0.as_deref().unwrap_or(&[])
    }

    /// Parses `key=value,key=value` (Kubernetes `ConvertSelectorToLabelsMap`): items separated by
    /// `,`, each exactly one `=`, whitespace around keys and values trimmed; every key must be a
    /// qualified name and every value a label value. The empty string is the empty set. Unlike
    /// Kubernetes (where the last one wins), a repeated key is an error.
    pub fn parse(s: &str) -> Result<Labels, LabelError> {
        if s.is_empty() {
            return Ok(Labels::new());
        }
        let mut pairs: Vec<(Symbol, Symbol)> = Vec::new();
        for item in s.split(',') {
            let mut parts = item.split('=');
            let (Some(key), Some(value), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(LabelError::Syntax {
                    item: item.to_owned(),
                });
            };
            let (key, value) = (key.trim(), value.trim());
            let reasons = validation::qualified_name(key);
            if !reasons.is_empty() {
                return Err(LabelError::InvalidKey {
                    key: key.to_owned(),
                    reasons,
                });
            }
            let reasons = validation::label_value(value);
            if !reasons.is_empty() {
                return Err(LabelError::InvalidValue {
                    key: key.to_owned(),
                    value: value.to_owned(),
                    reasons,
                });
            }
            let key = Symbol::intern(key);
            if pairs.iter().any(|p| p.0 == key) {
                return Err(LabelError::DuplicateKey {
                    key: key.as_str().to_owned(),
                });
            }
            pairs.push((key, Symbol::intern(value)));
        }
        Ok(Labels::from_pairs(pairs))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: Symbol) -> Option<Symbol> {
        // Label sets are small: a scan comparing symbols beats a binary search comparing strings.
        self.as_slice().iter().find(|p| p.0 == key).map(|p| p.1)
    }

    /// The value of `key` (a plain string), if present.
    pub fn get_str(&self, key: &str) -> Option<&'static str> {
        Symbol::lookup(key).and_then(|k| self.get(k)).map(Symbol::as_str)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: Symbol) -> bool {
        self.as_slice().iter().any(|p| p.0 == key)
    }

    /// The pairs in key-string order.
    pub fn iter(&self) -> impl Iterator<Item = (Symbol, Symbol)> + '_ {
        self.as_slice().iter().copied()
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// A set with `key` set to `value` (inserted, or replacing the old value).
    pub fn with(&self, key: Symbol, value: Symbol) -> Labels {
        let pairs = self.as_slice();
        if let Some(i) = pairs.iter().position(|p| p.0 == key) {
            if pairs[i].1 == value {
                return self.clone();
            }
            let mut v = pairs.to_vec();
            v[i].1 = value;
            return Labels::from_sorted(v);
        }
        let key_str = key.as_str();
        let at = pairs.partition_point(|p| p.0.as_str() < key_str);
        let mut v = Vec::with_capacity(pairs.len() + 1);
        v.extend_from_slice(&pairs[..at]);
        v.push((key, value));
        v.extend_from_slice(&pairs[at..]);
        Labels::from_sorted(v)
    }

    /// A set without `key`.
    pub fn without(&self, key: Symbol) -> Labels {
        if !self.contains_key(key) {
            return self.clone();
        }
        Labels::from_sorted(self.iter().filter(|p| p.0 != key).collect())
    }

    /// Kubernetes' `ValidateLabels`: every key a qualified name, every value a label value. Each
    /// broken rule is one `Invalid` error at `path` itself (Kubernetes does not add the key to the
    /// path), e.g. `metadata.labels: Invalid value: "-x": a valid label must be ...`; errors come in
    /// key order (Kubernetes walks a Go map, in random order).
    pub fn validate(&self, path: &FieldPath) -> Vec<FieldError> {
        let mut errs = Vec::new();
        for (k, v) in self.iter() {
            for msg in validation::qualified_name(k.as_str()) {
                errs.push(FieldError::invalid(path.clone(), k.as_str(), msg));
            }
            for msg in validation::label_value(v.as_str()) {
                errs.push(FieldError::invalid(path.clone(), v.as_str(), msg));
            }
        }
        errs
    }

    /// Whether every pair of `other` is also in `self`.
    pub fn is_superset_of(&self, other: &Labels) -> bool {
        if self == other {
            return true;
        }
        other.len() <= self.len() && other.iter().all(|(k, v)| self.get(k) == Some(v))
    }
}

impl PartialEq for Labels {
    fn eq(&self, other: &Labels) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a[..] == b[..],
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for Labels {}

impl Hash for Labels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Labels {
    /// Trusted input: no validation; a later pair replaces an earlier one with the same key.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Labels {
        let pairs = iter
            .into_iter()
            .map(|(k, v)| (Symbol::intern(k.as_ref()), Symbol::intern(v.as_ref())))
            .collect();
        Labels::from_pairs(pairs)
    }
}

impl FromIterator<(Symbol, Symbol)> for Labels {
    /// Trusted input: no validation; a later pair replaces an earlier one with the same key.
    fn from_iter<I: IntoIterator<Item = (Symbol, Symbol)>>(iter: I) -> Labels {
        Labels::from_pairs(iter.into_iter().collect())
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish()
    }
}

impl fmt::Display for Labels {
    /// Kubernetes' `Set.String()`: the `key=value` strings sorted as whole strings (not by key:
    /// `a1=x` sorts before `a=y`, since `1` < `=`) and joined by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items: Vec<String> = self.iter().map(|(k, v)| format!("{k}={v}")).collect();
        items.sort_unstable();
        f.write_str(&items.join(","))
    }
}

impl serde::Serialize for Labels {
    /// A map of strings, in key order.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k.as_str(), v.as_str())?;
        }
        map.end()
    }
}

impl<'de> serde::Deserialize<'de> for Labels {
    /// A map of strings (numbers and booleans are read as their text, `null` as the empty set or
    /// the empty string); a repeated key keeps its last value. No validation: see [`Labels::validate`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapV;
        impl<'de> Visitor<'de> for MapV {
            type Value = Labels;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of label keys to values")
            }
            fn visit_none<E: de::Error>(self) -> Result<Labels, E> {
                Ok(Labels::new())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Labels, E> {
                Ok(Labels::new())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Labels, D::Error> {
                d.deserialize_map(MapV)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Labels, A::Error> {
                let mut pairs = Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
                while let Some((Lenient(k), Lenient(v))) = access.next_entry::<Lenient, Lenient>()? {
                    pairs.push((k, v));
                }
                Ok(Labels::from_pairs(pairs))
            }
        }
        deserializer.deserialize_option(MapV)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    #[test]
    fn is_sixteen_bytes_and_sorted_by_key_string() {
        assert_eq!(std::mem::size_of::<Labels>(), 16);
        let s = l(&[("zeta", "1"), ("alpha", "2"), ("mid", "3")]);
        let keys: Vec<&str> = s.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["alpha", "mid", "zeta"]);
        assert_eq!(s.get_str("mid"), Some("3"));
        assert_eq!(s.get_str("never-interned-key-xyz"), None);
        assert!(Labels::new().is_empty());
        assert_eq!(l(&[]), Labels::new());
    }

    #[test]
    fn later_duplicates_win_in_from_iter() {
        let s = l(&[("a", "1"), ("b", "2"), ("a", "3")]);
        assert_eq!(s.len(), 2);
        assert_eq!(s.get_str("a"), Some("3"));
    }

    #[test]
    fn with_and_without() {
        let s = l(&[("b", "2")]);
        let t = s
            .with(Symbol::intern("a"), Symbol::intern("1"))
            .with(Symbol::intern("c"), Symbol::intern("3"));
        assert_eq!(t.to_string(), "a=1,b=2,c=3");
        let u = t.with(Symbol::intern("b"), Symbol::intern("9"));
        assert_eq!(u.to_string(), "a=1,b=9,c=3");
        assert_eq!(u.without(Symbol::intern("a")).to_string(), "b=9,c=3");
        assert_eq!(s.without(Symbol::intern("b")), Labels::new());
        assert_eq!(s.with(Symbol::intern("b"), Symbol::intern("2")), s);
        assert_eq!(s, l(&[("b", "2")]));
    }

    #[test]
    fn display_sorts_whole_items_like_set_string() {
        // Kubernetes sorts "k=v" strings: "a1=x" < "a=y" because '1' < '='.
        assert_eq!(l(&[("a", "y"), ("a1", "x")]).to_string(), "a1=x,a=y");
        assert_eq!(l(&[("app", "foo"), ("a", "b")]).to_string(), "a=b,app=foo");
        assert_eq!(Labels::new().to_string(), "");
        assert_eq!(
            format!("{:?}", l(&[("b", "2"), ("a", "1")])),
            r#"{"a": "1", "b": "2"}"#
        );
    }

    #[test]
    fn parse_ok_and_errors() {
        assert_eq!(Labels::parse("").unwrap(), Labels::new());
        let s = Labels::parse(" app = web ,tier=").unwrap();
        assert_eq!(s.get_str("app"), Some("web"));
        assert_eq!(s.get_str("tier"), Some(""));
        assert_eq!(
            Labels::parse("a=b,c").unwrap_err(),
            LabelError::Syntax { item: "c".to_owned() }
        );
        assert!(matches!(Labels::parse("a=b=c"), Err(LabelError::Syntax { .. })));
        assert!(matches!(Labels::parse("a=b,"), Err(LabelError::Syntax { .. })));
        let e = Labels::parse("a=b,-x=1").unwrap_err();
        assert!(
            matches!(&e, LabelError::InvalidKey { key, .. } if key == "-x"),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with("invalid label key \"-x\": name part must consist"),
            "{e}"
        );
        let e = Labels::parse("app=-web").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid value \"-web\" for label \"app\": a valid label must"),
            "{e}"
        );
        let e = Labels::parse("app=a,app=b").unwrap_err();
        assert_eq!(e.to_string(), "duplicate label key \"app\"");
        let long = "v".repeat(64);
        let e = Labels::parse(&format!("k={long}")).unwrap_err();
        assert!(
            e.to_string().contains("must be no more than 63 characters"),
            "{e}"
        );
    }

    #[test]
    fn validate_reports_like_validate_labels() {
        let s = l(&[("good", "ok"), ("Bad Key", "-v")]);
        let errs = s.validate(&FieldPath::new("metadata").child("labels"));
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text[0].starts_with("metadata.labels: Invalid value: \"Bad Key\": name part must"));
        assert!(text[1].starts_with("metadata.labels: Invalid value: \"-v\": a valid label must"));
        assert!(
            l(&[("example.com/x", ""), ("y", "1.2")])
                .validate(&FieldPath::new("m"))
                .is_empty()
        );
    }

    #[test]
    fn superset() {
        let big = l(&[("a", "1"), ("b", "2"), ("c", "3")]);
        assert!(big.is_superset_of(&l(&[("a", "1"), ("c", "3")])));
        assert!(big.is_superset_of(&Labels::new()));
        assert!(!big.is_superset_of(&l(&[("a", "2")])));
        assert!(!l(&[("a", "1")]).is_superset_of(&big));
    }

    #[test]
    fn serde_round_trip_and_lenient_scalars() {
        let s = l(&[("b", "2"), ("a", "x")]);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"a":"x","b":"2"}"#);
        assert_eq!(serde_json::from_str::<Labels>(&json).unwrap(), s);
        let t: Labels = serde_json::from_str(r#"{"version": 2, "on": true, "f": 1.5, "n": null}"#).unwrap();
        assert_eq!(t.to_string(), "f=1.5,n=,on=true,version=2");
        assert_eq!(serde_json::from_str::<Labels>("null").unwrap(), Labels::new());
        assert_eq!(
            serde_json::from_str::<Labels>(r#"{"a":"1","a":"2"}"#)
                .unwrap()
                .get_str("a"),
            Some("2")
        );
        // No validation in serde.
        assert_eq!(
            serde_json::from_str::<Labels>(r#"{"Bad Key":"-"}"#)
                .unwrap()
                .len(),
            1
        );
        assert!(serde_json::from_str::<Labels>("[1]").is_err());
    }
}
