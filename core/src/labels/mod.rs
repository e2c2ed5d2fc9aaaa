//! PLACEHOLDER (replaced by the labels branch): just enough to compile against.
#![allow(missing_docs)]
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use std::sync::Arc;
pub mod index;
pub mod reverse;
#[derive(Clone, Default, PartialEq, Eq, Hash, Debug)]
pub struct Labels(Option<Arc<[(Symbol, Symbol)]>>);
impl Labels {
    pub fn new() -> Labels {
        Labels(None)
    }
    pub fn get(&self, key: Symbol) -> Option<Symbol> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
    pub fn get_str(&self, key: &str) -> Option<&'static str> {
        Symbol::lookup(key).and_then(|k| self.get(k)).map(Symbol::as_str)
    }
    pub fn contains_key(&self, key: Symbol) -> bool {
        self.get(key).is_some()
    }
    pub fn iter(&self) -> impl Iterator<Item = (Symbol, Symbol)> + '_ {
        self.0.iter().flat_map(|a| a.iter().copied())
    }
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |a| a.len())
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn with(&self, key: Symbol, value: Symbol) -> Labels {
        let mut v: Vec<_> = self.iter().filter(|(k, _)| *k != key).collect();
        v.push((key, value));
        v.sort_by(|a, b| a.0.cmp_str(b.0));
        Labels(Some(v.into()))
    }
    pub fn without(&self, key: Symbol) -> Labels {
        let v: Vec<_> = self.iter().filter(|(k, _)| *k != key).collect();
        if v.is_empty() {
            Labels(None)
        } else {
            Labels(Some(v.into()))
        }
    }
    pub fn validate(&self, _path: &FieldPath) -> Vec<FieldError> {
        Vec::new()
    }
    pub fn is_superset_of(&self, other: &Labels) -> bool {
        other.iter().all(|(k, v)| self.get(k) == Some(v))
    }
}
impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(it: I) -> Self {
        let mut l = Labels::new();
        for (k, v) in it {
            l = l.with(Symbol::intern(k.as_ref()), Symbol::intern(v.as_ref()));
        }
        l
    }
}
impl std::fmt::Display for Labels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p: Vec<String> = self.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&p.join(","))
    }
}
impl serde::Serialize for Labels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}
impl<'de> serde::Deserialize<'de> for Labels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m: std::collections::BTreeMap<String, String> = serde::Deserialize::deserialize(d)?;
        Ok(m.into_iter().collect())
    }
}
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selector {
    reqs: Vec<(Symbol, Symbol)>,
    nothing: bool,
}
#[derive(Debug, Clone)]
pub struct SelectorError(String);
impl std::fmt::Display for SelectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SelectorError {}
impl Selector {
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        Ok(Selector {
            reqs: Labels::from_iter(
                s.split(',')
                    .filter(|p| !p.is_empty())
                    .map(|p| p.split_once('=').unwrap_or((p, ""))),
            )
            .iter()
            .collect(),
            nothing: false,
        })
    }
    pub fn everything() -> Selector {
        Selector {
            reqs: vec![],
            nothing: false,
        }
    }
    pub fn nothing() -> Selector {
        Selector {
            reqs: vec![],
            nothing: true,
        }
    }
    pub fn from_labels(l: &Labels) -> Selector {
        Selector {
            reqs: l.iter().collect(),
            nothing: false,
        }
    }
    pub fn matches(&self, l: &Labels) -> bool {
        !self.nothing && self.reqs.iter().all(|(k, v)| l.get(*k) == Some(*v))
    }
    pub fn is_everything(&self) -> bool {
        !self.nothing && self.reqs.is_empty()
    }
    pub fn is_nothing(&self) -> bool {
        self.nothing
    }
}
impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p: Vec<String> = self.reqs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&p.join(","))
    }
}
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: Labels,
    #[serde(default)]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LabelSelectorRequirement {
    pub key: Symbol,
    pub operator: Symbol,
    #[serde(default)]
    pub values: Vec<Symbol>,
}
impl LabelSelector {
    pub fn to_selector(&self) -> Result<Selector, SelectorError> {
        Ok(Selector::from_labels(&self.match_labels))
    }
    pub fn validate(&self, _path: &FieldPath) -> Vec<FieldError> {
        Vec::new()
    }
    pub fn matches(&self, l: &Labels) -> bool {
        self.to_selector().is_ok_and(|s| s.matches(l))
    }
}
pub fn selector_from_option(sel: Option<&LabelSelector>) -> Result<Selector, SelectorError> {
    sel.map_or(Ok(Selector::nothing()), |s| s.to_selector())
}
