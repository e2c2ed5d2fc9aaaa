//! Counts by topology pair (key, value) for InterPodAffinity: shared per-key snapshots of the
//! incremental counters, plus a local delta for the hypothetical pods preemption and
//! nominations add or remove.

use std::sync::Arc;

use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::sched::cache::NodeInfo;
use crate::sched::counters::DomainMap;

/// One key's counts by value.
#[derive(Clone, Debug)]
pub enum Part {
    /// A term group's counts.
    Map(Arc<FxMap<Symbol, i64>>),
    /// A counter's counts (nodes with the key).
    Domain(Arc<DomainMap>),
}

impl Part {
    fn get(&self, v: Symbol) -> i64 {
        match self {
            Part::Map(m) => m.get(&v).copied().unwrap_or(0),
            Part::Domain(d) => d.get(Some(v)),
        }
    }

    fn entries(&self) -> Box<dyn Iterator<Item = (Symbol, i64)> + '_> {
        match self {
            Part::Map(m) => Box::new(m.iter().map(|(k, v)| (*k, *v))),
            Part::Domain(d) => Box::new(d.values.iter().map(|(k, v)| (*k, *v))),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Part::Map(m) => m.values().all(|c| *c == 0),
            Part::Domain(d) => d.values.values().all(|c| *c == 0),
        }
    }
}

/// Counts by topology pair: the sum of the parts with the pair's key, plus the delta.
#[derive(Clone, Debug, Default)]
pub struct PairCounts {
    parts: Vec<(Symbol, Part)>,
    delta: FxMap<(Symbol, Symbol), i64>,
    /// The distinct keys of the parts and the delta.
    keys: smallvec::SmallVec<[Symbol; 4]>,
}

impl PairCounts {
    /// Adds a part for `key`.
    pub fn add(&mut self, key: Symbol, part: Part) {
        if !part.is_empty() {
            self.parts.push((key, part));
            if !self.keys.contains(&key) {
                self.keys.push(key);
            }
        }
    }

    /// Counts of a whole map keyed by pair (the general path).
    pub fn from_pairs(pairs: FxMap<(Symbol, Symbol), i64>) -> PairCounts {
        let mut by_key: FxMap<Symbol, FxMap<Symbol, i64>> = FxMap::default();
        for ((k, v), c) in pairs {
            if c != 0 {
                by_key.entry(k).or_default().insert(v, c);
            }
        }
        let mut out = PairCounts::default();
        let mut keys: Vec<Symbol> = by_key.keys().copied().collect();
        keys.sort_by(|a, b| a.cmp_str(*b));
        for k in keys {
            let m = by_key.remove(&k).expect("key");
            out.add(k, Part::Map(Arc::new(m)));
        }
        out
    }

    /// The count of (`key`, `value`).
    pub fn get(&self, key: Symbol, value: Symbol) -> i64 {
        self.parts
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, p)| p.get(value))
            .sum::<i64>()
            + self.delta.get(&(key, value)).copied().unwrap_or(0)
    }

    /// Adds `by` to the pair of `key` on `node` (if the node has the key).
    pub fn bump(&mut self, node: &NodeInfo<'_>, key: Symbol, by: i64) {
        if let Some(v) = node.labels().get(key) {
            *self.delta.entry((key, v)).or_default() += by;
            if !self.keys.contains(&key) {
                self.keys.push(key);
            }
        }
    }

    /// Whether every pair counts zero (`len(map) == 0` upstream).
    pub fn is_empty(&self) -> bool {
        let parts_empty = self.parts.is_empty();
        if parts_empty {
            return self.delta.values().all(|d| *d == 0);
        }
        if self.delta.values().all(|d| *d == 0) {
            return false;
        }
        let mut pairs: Vec<(Symbol, Symbol)> = self.delta.keys().copied().collect();
        for (k, p) in &self.parts {
            pairs.extend(p.entries().map(|(v, _)| (*k, v)));
        }
        pairs.into_iter().all(|(k, v)| self.get(k, v) == 0)
    }

    /// Whether some label of `labels` is a pair with a positive count.
    pub fn positive_on(&self, labels: &Labels) -> bool {
        self.keys
            .iter()
            .any(|k| labels.get(*k).is_some_and(|v| self.get(*k, v) > 0))
    }
}
