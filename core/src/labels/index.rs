//! Inverted label indexes: which of many labelled objects (dense `u32` ids, such as the store's
//! arena slots) does a selector select?
//!
//! [`LabelIndex`] keeps, per key, a posting bitmap of the ids that have the key and, per value of
//! that key, the ids that have exactly that pair; a query plans over those postings (see the
//! `planner` module). [`LinearLabelIndex`] is its linear-scan twin, used as the reference in tests
//! and benchmarks; both always give the same answer.

use std::collections::BTreeMap;
use std::mem::size_of;

use roaring::RoaringBitmap;

use super::planner;
use super::requirement::parse_int;
use super::selector::Selector;
use super::set::Labels;
use crate::collections::FxMap;
use crate::intern::Symbol;

/// The ids holding one `key=value` pair.
#[derive(Clone, Debug, Default)]
pub(super) struct ValuePosting {
    pub(super) ids: RoaringBitmap,
    /// The value read as an int64 (for `>` / `<`), parsed once when the value first appears.
    pub(super) int: Option<i64>,
}

/// Everything indexed under one key.
#[derive(Clone, Debug, Default)]
pub(super) struct KeyPostings {
    /// The ids that have the key (any value).
    pub(super) ids: RoaringBitmap,
    /// Per value of the key, the ids with that value.
    pub(super) values: FxMap<Symbol, ValuePosting>,
}

/// An inverted index from labels to object ids, answering [`Selector`] queries with bitmap algebra.
///
/// The caller keeps each object's labels: [`LabelIndex::remove`] and [`LabelIndex::update`] take
/// the labels the object was indexed with.
#[derive(Clone, Debug, Default)]
pub struct LabelIndex {
    keys: FxMap<Symbol, KeyPostings>,
    all: RoaringBitmap,
}

impl LabelIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn key_postings(&self, key: Symbol) -> Option<&KeyPostings> {
        self.keys.get(&key)
    }

    fn add_pair(&mut self, id: u32, key: Symbol, value: Symbol, add_key: bool) {
        let kp = self.keys.entry(key).or_default();
        if add_key {
            kp.ids.insert(id);
        }
        kp.values
            .entry(value)
            .or_insert_with(|| ValuePosting {
                ids: RoaringBitmap::new(),
                int: parse_int(value),
            })
            .ids
            .insert(id);
    }

    fn remove_pair(&mut self, id: u32, key: Symbol, value: Symbol, remove_key: bool) {
        let Some(kp) = self.keys.get_mut(&key) else {
            return;
        };
        if remove_key {
            kp.ids.remove(id);
        }
        if let Some(vp) = kp.values.get_mut(&value) {
            vp.ids.remove(id);
            if vp.ids.is_empty() {
                kp.values.remove(&value);
            }
        }
        if kp.ids.is_empty() && kp.values.is_empty() {
            self.keys.remove(&key);
        }
    }

    /// Indexes object `id` with `labels`. The id must not be indexed already (use
    /// [`LabelIndex::update`] to change an object's labels).
    pub fn insert(&mut self, id: u32, labels: &Labels) {
        let fresh = self.all.insert(id);
        debug_assert!(
            fresh,
            "LabelIndex::insert: id {id} is already indexed (use update)"
        );
        for (k, v) in labels.iter() {
            self.add_pair(id, k, v, true);
        }
    }

    /// Removes object `id`, which was indexed with `labels`.
    pub fn remove(&mut self, id: u32, labels: &Labels) {
        self.all.remove(id);
        for (k, v) in labels.iter() {
            self.remove_pair(id, k, v, true);
        }
    }

    /// Re-indexes object `id` from `old` labels to `new` ones, touching only the pairs that changed.
    pub fn update(&mut self, id: u32, old: &Labels, new: &Labels) {
        if old == new {
            return;
        }
        for (k, v) in old.iter() {
            match new.get(k) {
                Some(nv) if nv == v => {}
                Some(_) => self.remove_pair(id, k, v, false),
                None => self.remove_pair(id, k, v, true),
            }
        }
        for (k, v) in new.iter() {
            match old.get(k) {
                Some(ov) if ov == v => {}
                Some(_) => self.add_pair(id, k, v, false),
                None => self.add_pair(id, k, v, true),
            }
        }
    }

    /// The ids whose labels `selector` matches, in ascending order.
    pub fn query(&self, selector: &Selector) -> RoaringBitmap {
        planner::plan(self, selector).run(&self.all, None)
    }

    /// The ids in `scope` (for example one namespace's objects) whose labels `selector` matches.
    pub fn query_within(&self, selector: &Selector, scope: &RoaringBitmap) -> RoaringBitmap {
        planner::plan(self, selector).run(&self.all, Some(scope))
    }

    /// How many ids `selector` matches (without building the result when one or two postings
    /// decide it).
    pub fn count(&self, selector: &Selector) -> u64 {
        planner::plan(self, selector).count(&self.all, None)
    }

    /// How many ids are indexed.
    pub fn len(&self) -> u64 {
        self.all.len()
    }

    /// Whether no id is indexed.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// An estimate of the heap memory held: the bitmaps' serialized sizes (close to their
    /// in-memory size) plus the hash tables' slots.
    pub fn heap_bytes(&self) -> usize {
        fn table<K, V>(m: &FxMap<K, V>) -> usize {
            m.capacity() * (size_of::<(K, V)>() + 1)
        }
        let mut bytes = self.all.serialized_size() + table(&self.keys);
        for kp in self.keys.values() {
            bytes += kp.ids.serialized_size() + table(&kp.values);
            bytes += kp
                .values
                .values()
                .map(|vp| vp.ids.serialized_size())
                .sum::<usize>();
        }
        bytes
    }
}

/// The linear-scan twin of [`LabelIndex`]: stores each id's labels and tests the selector on every
/// one. The same API; the reference for tests and the baseline for benchmarks.
#[derive(Clone, Debug, Default)]
pub struct LinearLabelIndex {
    objects: BTreeMap<u32, Labels>,
}

impl LinearLabelIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores object `id` with `labels` (replacing what it had).
    pub fn insert(&mut self, id: u32, labels: &Labels) {
        self.objects.insert(id, labels.clone());
    }

    /// Forgets object `id`.
    pub fn remove(&mut self, id: u32, _labels: &Labels) {
        self.objects.remove(&id);
    }

    /// Replaces object `id`'s labels with `new`.
    pub fn update(&mut self, id: u32, _old: &Labels, new: &Labels) {
        self.objects.insert(id, new.clone());
    }

    /// The ids whose labels `selector` matches, in ascending order.
    pub fn query(&self, selector: &Selector) -> RoaringBitmap {
        let ids = self
            .objects
            .iter()
            .filter(|(_, l)| selector.matches(l))
            .map(|(&id, _)| id);
        RoaringBitmap::from_sorted_iter(ids).unwrap_or_default()
    }

    /// The ids in `scope` whose labels `selector` matches.
    pub fn query_within(&self, selector: &Selector, scope: &RoaringBitmap) -> RoaringBitmap {
        let ids = self
            .objects
            .iter()
            .filter(|(id, l)| scope.contains(**id) && selector.matches(l))
            .map(|(&id, _)| id);
        RoaringBitmap::from_sorted_iter(ids).unwrap_or_default()
    }

    /// How many ids `selector` matches.
    pub fn count(&self, selector: &Selector) -> u64 {
        self.objects.values().filter(|l| selector.matches(l)).count() as u64
    }

    /// The labels stored for `id`.
    pub fn get(&self, id: u32) -> Option<&Labels> {
        self.objects.get(&id)
    }

    /// How many ids are stored.
    pub fn len(&self) -> u64 {
        self.objects.len() as u64
    }

    /// Whether no id is stored.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    fn ids(b: &RoaringBitmap) -> Vec<u32> {
        b.iter().collect()
    }

    fn fixture() -> (LabelIndex, LinearLabelIndex) {
        let objects = [
            l(&[("app", "web"), ("tier", "front"), ("n", "1")]),
            l(&[("app", "web"), ("tier", "back"), ("n", "5")]),
            l(&[("app", "db"), ("n", "x")]),
            l(&[("app", "web"), ("canary", "")]),
            l(&[]),
        ];
        let mut index = LabelIndex::new();
        let mut linear = LinearLabelIndex::new();
        for (i, o) in objects.iter().enumerate() {
            index.insert(i as u32 * 10, o);
            linear.insert(i as u32 * 10, o);
        }
        (index, linear)
    }

    #[test]
    fn queries_agree_with_the_scan() {
        let (index, linear) = fixture();
        let cases = [
            ("", vec![0, 10, 20, 30, 40]),
            ("app=web", vec![0, 10, 30]),
            ("app==web,tier", vec![0, 10]),
            ("app in (web,db),!canary", vec![0, 10, 20]),
            ("app!=web", vec![20, 40]),
            ("tier notin (front)", vec![10, 20, 30, 40]),
            ("!app", vec![40]),
            ("n>0", vec![0, 10]),
            ("n<2", vec![0]),
            ("n>100", vec![]),
            ("app=nope", vec![]),
            ("nokey", vec![]),
            ("app=web,app=db", vec![]),
        ];
        for (s, want) in cases {
            let sel = Selector::parse(s).unwrap();
            assert_eq!(ids(&index.query(&sel)), want, "{s}");
            assert_eq!(ids(&linear.query(&sel)), want, "{s}");
            assert_eq!(index.count(&sel), want.len() as u64, "{s}");
            assert_eq!(linear.count(&sel), want.len() as u64, "{s}");
        }
        assert!(index.query(&Selector::nothing()).is_empty());
        assert_eq!(index.count(&Selector::nothing()), 0);
        assert!(linear.query(&Selector::nothing()).is_empty());
    }

    #[test]
    fn scoped_queries() {
        let (index, linear) = fixture();
        let scope: RoaringBitmap = [10, 20, 40, 99].into_iter().collect();
        for (s, want) in [
            ("", vec![10, 20, 40]),
            ("app=web", vec![10]),
            ("!canary", vec![10, 20, 40]),
        ] {
            let sel = Selector::parse(s).unwrap();
            assert_eq!(ids(&index.query_within(&sel, &scope)), want, "{s}");
            assert_eq!(ids(&linear.query_within(&sel, &scope)), want, "{s}");
        }
        assert!(index.query_within(&Selector::nothing(), &scope).is_empty());
    }

    #[test]
    fn updates_and_removals() {
        let (mut index, _) = fixture();
        let old = l(&[("app", "web"), ("tier", "front"), ("n", "1")]);
        let new = l(&[("app", "api"), ("n", "1"), ("zone", "a")]);
        index.update(0, &old, &new);
        let q = |index: &LabelIndex, s: &str| ids(&index.query(&Selector::parse(s).unwrap()));
        assert_eq!(q(&index, "app=web"), [10, 30]);
        assert_eq!(q(&index, "app=api"), [0]);
        assert_eq!(q(&index, "tier"), [10]);
        assert_eq!(q(&index, "zone"), [0]);
        assert_eq!(q(&index, "n>0"), [0, 10]);
        index.remove(0, &new);
        assert_eq!(q(&index, "app=api"), Vec::<u32>::new());
        assert_eq!(q(&index, ""), [10, 20, 30, 40]);
        assert!(index.key_postings(Symbol::intern("zone")).is_none());
        assert_eq!(index.len(), 4);
        assert!(index.heap_bytes() > 0);
        for (id, labels) in [
            (10, l(&[("app", "web"), ("tier", "back"), ("n", "5")])),
            (20, l(&[("app", "db"), ("n", "x")])),
        ] {
            index.remove(id, &labels);
        }
        index.remove(30, &l(&[("app", "web"), ("canary", "")]));
        index.remove(40, &Labels::new());
        assert!(index.is_empty());
        assert!(index.keys.is_empty());
    }
}
