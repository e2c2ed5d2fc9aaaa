//! Reverse selector indexes: given one label set, which of many registered selectors (ReplicaSets,
//! Services, PodDisruptionBudgets, ...) select it, without testing every selector?
//!
//! [`ReverseIndex`] files each selector under one *anchor*, a requirement every match must satisfy
//! that can be looked up from the label set: `k=v` / `k==v` under the pair `(k, v)`, `k in (..)`
//! under each of its pairs, `k` / `k>n` / `k<n` under the key `k`. Pair anchors are preferred over
//! key anchors, then the anchor whose buckets are currently smallest. Selectors with only negative
//! requirements (or none: everything) go on an always-check list; `nothing()` is kept but never
//! filed, since it matches nothing. [`ReverseIndex::matching`] gathers the candidates from the
//! buckets of the label set's pairs and keys plus the always list, tests each candidate's full
//! selector, then sorts and deduplicates. [`LinearReverseIndex`] tests every selector instead.

use std::collections::BTreeMap;

use smallvec::SmallVec;

use super::requirement::Operator;
use super::selector::Selector;
use super::set::Labels;
use crate::collections::FxMap;
use crate::intern::Symbol;

/// Where a selector is filed.
#[derive(Clone, Debug)]
enum Anchor {
    /// Under the pairs `(key, v)` for each value.
    Pairs(Symbol, SmallVec<[Symbol; 2]>),
    /// Under the key.
    Key(Symbol),
    /// On the always-check list.
    Always,
    /// Nowhere: the selector matches nothing.
    Never,
}

#[derive(Clone, Debug)]
struct Entry {
    selector: Selector,
    anchor: Anchor,
}

/// An index of selectors by `u32` id, answering "which selectors match these labels?".
#[derive(Clone, Debug, Default)]
pub struct ReverseIndex {
    entries: FxMap<u32, Entry>,
    by_pair: FxMap<(Symbol, Symbol), Vec<u32>>,
    by_key: FxMap<Symbol, Vec<u32>>,
    always: Vec<u32>,
}

fn remove_id(bucket: &mut Vec<u32>, id: u32) {
    if let Some(i) = bucket.iter().position(|&x| x == id) {
        bucket.swap_remove(i);
    }
}

impl ReverseIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Chooses where to file `selector`: a pair anchor before a key anchor, then the one whose
    /// buckets hold the fewest selectors now (ties: the first requirement, in key order).
    fn choose_anchor(&self, selector: &Selector) -> Anchor {
        if selector.is_nothing() {
            return Anchor::Never;
        }
        let mut best: Option<((u8, usize), Anchor)> = None;
        for r in selector.requirements() {
            let key = r.key();
            let candidate = match r.operator() {
                Operator::Equals | Operator::DoubleEquals | Operator::In => {
                    let load: usize = r
                        .values()
                        .iter()
                        .map(|&v| self.by_pair.get(&(key, v)).map_or(0, Vec::len) + 1)
                        .sum();
                    (
                        (0, load),
                        Anchor::Pairs(key, r.values().iter().copied().collect()),
                    )
                }
                Operator::Exists | Operator::GreaterThan | Operator::LessThan => {
                    let load = self.by_key.get(&key).map_or(0, Vec::len) + 1;
                    ((1, load), Anchor::Key(key))
                }
                Operator::NotEquals | Operator::NotIn | Operator::DoesNotExist => continue,
            };
            if best.as_ref().is_none_or(|(cost, _)| candidate.0 < *cost) {
                best = Some(candidate);
            }
        }
        best.map_or(Anchor::Always, |(_, anchor)| anchor)
    }

    fn file(&mut self, id: u32, anchor: &Anchor) {
        match anchor {
            Anchor::Pairs(key, values) => {
                for &v in values {
                    self.by_pair.entry((*key, v)).or_default().push(id);
                }
            }
            Anchor::Key(key) => self.by_key.entry(*key).or_default().push(id),
            Anchor::Always => self.always.push(id),
            Anchor::Never => {}
        }
    }

    fn unfile(&mut self, id: u32, anchor: &Anchor) {
        match anchor {
            Anchor::Pairs(key, values) => {
                for &v in values {
                    if let Some(bucket) = self.by_pair.get_mut(&(*key, v)) {
                        remove_id(bucket, id);
                        if bucket.is_empty() {
                            self.by_pair.remove(&(*key, v));
                        }
                    }
                }
            }
            Anchor::Key(key) => {
                if let Some(bucket) = self.by_key.get_mut(key) {
                    remove_id(bucket, id);
                    if bucket.is_empty() {
                        self.by_key.remove(key);
                    }
                }
            }
            Anchor::Always => remove_id(&mut self.always, id),
            Anchor::Never => {}
        }
    }

    /// Registers `selector` under `id`, replacing the selector registered under it before.
    pub fn insert(&mut self, id: u32, selector: Selector) {
        self.remove(id);
        let anchor = self.choose_anchor(&selector);
        self.file(id, &anchor);
        self.entries.insert(id, Entry { selector, anchor });
    }

    /// Unregisters `id` (nothing happens if it is not registered).
    pub fn remove(&mut self, id: u32) {
        if let Some(entry) = self.entries.remove(&id) {
            self.unfile(id, &entry.anchor);
        }
    }

    /// The ids of the selectors that match `labels`, ascending, without duplicates.
    pub fn matching(&self, labels: &Labels) -> Vec<u32> {
        let mut out = Vec::new();
        self.matching_into(labels, &mut out);
        out
    }

    /// Like [`ReverseIndex::matching`], into `out` (cleared first), reusing its allocation.
    pub fn matching_into(&self, labels: &Labels, out: &mut Vec<u32>) {
        out.clear();
        let mut test = |bucket: &[u32]| {
            for &id in bucket {
                if self.entries.get(&id).is_some_and(|e| e.selector.matches(labels)) {
                    out.push(id);
                }
            }
        };
        for (k, v) in labels.iter() {
            if let Some(bucket) = self.by_pair.get(&(k, v)) {
                test(bucket);
            }
            if let Some(bucket) = self.by_key.get(&k) {
                test(bucket);
            }
        }
        test(&self.always);
        // A label set has one value per key, so a selector filed under several pairs of one key is
        // found at most once; the dedup is a safety net.
        out.sort_unstable();
        out.dedup();
    }

    /// The selector registered under `id`.
    pub fn get(&self, id: u32) -> Option<&Selector> {
        self.entries.get(&id).map(|e| &e.selector)
    }

    /// How many selectors are registered.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no selector is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The linear twin of [`ReverseIndex`]: tests every registered selector.
#[derive(Clone, Debug, Default)]
pub struct LinearReverseIndex {
    selectors: BTreeMap<u32, Selector>,
}

impl LinearReverseIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `selector` under `id`, replacing the selector registered under it before.
    pub fn insert(&mut self, id: u32, selector: Selector) {
        self.selectors.insert(id, selector);
    }

    /// Unregisters `id`.
    pub fn remove(&mut self, id: u32) {
        self.selectors.remove(&id);
    }

    /// The ids of the selectors that match `labels`, ascending.
    pub fn matching(&self, labels: &Labels) -> Vec<u32> {
        let mut out = Vec::new();
        self.matching_into(labels, &mut out);
        out
    }

    /// Like [`LinearReverseIndex::matching`], into `out` (cleared first).
    pub fn matching_into(&self, labels: &Labels, out: &mut Vec<u32>) {
        out.clear();
        out.extend(
            self.selectors
                .iter()
                .filter(|(_, s)| s.matches(labels))
                .map(|(&id, _)| id),
        );
    }

    /// The selector registered under `id`.
    pub fn get(&self, id: u32) -> Option<&Selector> {
        self.selectors.get(&id)
    }

    /// How many selectors are registered.
    pub fn len(&self) -> usize {
        self.selectors.len()
    }

    /// Whether no selector is registered.
    pub fn is_empty(&self) -> bool {
        self.selectors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    fn sel(s: &str) -> Selector {
        Selector::parse(s).unwrap()
    }

    #[test]
    fn finds_matching_selectors_of_every_shape() {
        let mut index = ReverseIndex::new();
        let mut linear = LinearReverseIndex::new();
        let selectors = [
            (1, sel("app=web")),
            (2, sel("app=web,tier=front")),
            (3, sel("app in (web,db)")),
            (4, sel("tier")),
            (5, sel("n>3")),
            (6, sel("app!=db")),
            (7, sel("")),
            (8, Selector::nothing()),
            (9, sel("!tier")),
            (10, sel("app=db")),
        ];
        for (id, s) in selectors {
            index.insert(id, s.clone());
            linear.insert(id, s);
        }
        assert_eq!(index.len(), 10);
        let cases = [
            (l(&[("app", "web"), ("tier", "front")]), vec![1, 2, 3, 4, 6, 7]),
            (l(&[("app", "db"), ("n", "4")]), vec![3, 5, 7, 9, 10]),
            (l(&[]), vec![6, 7, 9]),
        ];
        for (labels, want) in cases {
            assert_eq!(index.matching(&labels), want, "{labels:?}");
            assert_eq!(linear.matching(&labels), want, "{labels:?}");
        }
        // Replace and remove.
        index.insert(1, sel("app=db"));
        index.remove(7);
        index.remove(3);
        index.remove(42);
        let mut out = vec![99];
        index.matching_into(&l(&[("app", "db")]), &mut out);
        assert_eq!(out, [1, 9, 10]);
        assert_eq!(index.get(1).unwrap().to_string(), "app=db");
        assert!(index.get(7).is_none());
        for id in [1, 2, 4, 5, 6, 8, 9, 10] {
            index.remove(id);
        }
        assert!(index.is_empty());
        assert!(index.by_pair.is_empty() && index.by_key.is_empty() && index.always.is_empty());
    }

    #[test]
    fn anchors_prefer_pairs_then_small_buckets() {
        let mut index = ReverseIndex::new();
        index.insert(1, sel("app=a,hash=1"));
        index.insert(2, sel("app=a,hash=2"));
        // The second selector goes under hash=2, whose bucket was empty, not under app=a.
        assert!(
            matches!(&index.entries[&2].anchor, Anchor::Pairs(k, v) if k.as_str() == "hash" && v[0].as_str() == "2")
        );
        index.insert(3, sel("tier,app notin (x)"));
        assert!(matches!(&index.entries[&3].anchor, Anchor::Key(k) if k.as_str() == "tier"));
        index.insert(4, sel("app notin (x)"));
        assert!(matches!(index.entries[&4].anchor, Anchor::Always));
    }
}
