//! System-default topology spreading on the fast path.
//!
//! Pods that a Service, ReplicaSet or StatefulSet selects get PodTopologySpread's system
//! default constraints (`kubernetes.io/hostname` maxSkew 3, `topology.kubernetes.io/zone`
//! maxSkew 5, both `ScheduleAnyway`): a score, normalised over the nodes being scored, so not a
//! per-node function a [`SelectTree`](super::segtree::SelectTree) leaf can hold. The fast path
//! still finds the feasible nodes with its tree; this module then adds the spread score over
//! exactly those nodes with the plugin's arithmetic (`score.rs` in
//! `plugins/topology_spread`, after `pkg/scheduler/framework/plugins/podtopologyspread/
//! scoring.go`), reading node domains from columns instead of label lists. The property test
//! `fast_path_makes_the_general_paths_choices` holds it to the plugin's choices.

use std::sync::Arc;

use super::cache::ClusterCache;
use super::counters::DomainMap;
use super::framework::MAX_NODE_SCORE;
use smallvec::SmallVec;

use crate::collections::FxMap;
use crate::intern::Symbol;

/// One node-label key as a column over node slots: each node's domain value as a small id.
struct DomainColumn {
    epoch: u64,
    /// Per slot: the id of the node's value, or of the empty value when the label is missing
    /// (the plugin counts such nodes under the empty value).
    ids: Vec<u32>,
    /// Per slot: whether the node has the label at all.
    has: Vec<bool>,
    /// Id -> value.
    values: Vec<Symbol>,
}

impl DomainColumn {
    fn build(cache: &ClusterCache, key: Symbol) -> DomainColumn {
        let cap = cache.slot_capacity();
        let mut col = DomainColumn {
            epoch: cache.node_epoch,
            ids: vec![0; cap],
            has: vec![false; cap],
            values: Vec::new(),
        };
        let mut index: FxMap<Symbol, u32> = FxMap::default();
        for &s in cache.order() {
            let label = cache.node(s).node.metadata.labels.get(key);
            let v = label.unwrap_or(Symbol::EMPTY);
            let next = index.len() as u32;
            let id = *index.entry(v).or_insert(next);
            if id == next {
                col.values.push(v);
            }
            col.ids[s as usize] = id;
            col.has[s as usize] = label.is_some();
        }
        col
    }
}

/// One spreading constraint as the fast path scores it.
#[derive(Clone, Debug)]
pub struct SpreadTerm {
    /// The topology key.
    pub key: Symbol,
    /// maxSkew.
    pub max_skew: i64,
    /// Matching pods per domain and per node (the scheduler's incremental counter).
    pub counts: Arc<DomainMap>,
}

/// The spread score of one pod: its constraints, in the plugin's order, and the plugin weight.
#[derive(Clone, Debug)]
pub struct SpreadInput {
    /// The constraints.
    pub terms: Vec<SpreadTerm>,
    /// PodTopologySpread's weight in the profile.
    pub weight: i64,
}

/// Nodes grouped by everything the spread score reads from a node apart from per-node pod
/// counts: for each term, whether the node has the key and (for domain keys) which value. All
/// nodes of a class without matching pods of their own score the same, so the score is worked
/// out once per class instead of once per node.
struct ClassColumn {
    epoch: u64,
    /// Per slot: the node's class.
    class_of: Vec<u32>,
    /// Per class, per term: (has the key, value id in that term's domain column).
    classes: Vec<SmallVec<[(bool, u32); 2]>>,
}

/// Domain columns by key and class columns by term keys, rebuilt when nodes change, and
/// reusable scratch.
#[derive(Default)]
pub struct SpreadScorer {
    columns: FxMap<Symbol, DomainColumn>,
    class_columns: FxMap<SmallVec<[Symbol; 2]>, ClassColumn>,
    /// Per slot: whether a hostname term counts matching pods on the node (cleared after use).
    special: Vec<bool>,
    /// Per class: feasible nodes of the class that are not special (cleared after use).
    plain: Vec<u32>,
    /// Per class: whether seen among the feasible nodes (cleared after use).
    seen: Vec<bool>,
    seen_list: Vec<u32>,
    /// Per class: the weighted normalised score.
    class_score: Vec<i64>,
    /// Per term: value id -> seen, and matching pods.
    value_seen: Vec<bool>,
    per_value: Vec<Vec<i64>>,
    weights: Vec<f64>,
    specials: Vec<usize>,
}

impl SpreadScorer {
    /// Rebuilds the domain column of `key` if missing or stale.
    fn refresh_column(columns: &mut FxMap<Symbol, DomainColumn>, cache: &ClusterCache, key: Symbol) {
        let stale = columns
            .get(&key)
            .is_none_or(|c| c.epoch != cache.node_epoch || c.ids.len() != cache.slot_capacity());
        if stale {
            columns.insert(key, DomainColumn::build(cache, key));
        }
    }

    fn class_column(&mut self, cache: &ClusterCache, keys: &SmallVec<[Symbol; 2]>) {
        let fresh = self
            .class_columns
            .get(keys)
            .is_some_and(|c| c.epoch == cache.node_epoch && c.class_of.len() == cache.slot_capacity());
        if fresh {
            return;
        }
        for &k in keys {
            Self::refresh_column(&mut self.columns, cache, k);
        }
        let cols: Vec<&DomainColumn> = keys.iter().map(|k| &self.columns[k]).collect();
        let mut col = ClassColumn {
            epoch: cache.node_epoch,
            class_of: vec![0; cache.slot_capacity()],
            classes: Vec::new(),
        };
        let mut index: FxMap<SmallVec<[(bool, u32); 2]>, u32> = FxMap::default();
        for &s in cache.order() {
            let tuple: SmallVec<[(bool, u32); 2]> = cols
                .iter()
                .zip(keys)
                .map(|(c, k)| {
                    let id = if *k == Symbol::HOSTNAME {
                        0
                    } else {
                        c.ids[s as usize]
                    };
                    (c.has[s as usize], id)
                })
                .collect();
            let next = col.classes.len() as u32;
            let class = *index.entry(tuple.clone()).or_insert(next);
            if class == next {
                col.classes.push(tuple);
            }
            col.class_of[s as usize] = class;
        }
        self.class_columns.insert(keys.clone(), col);
    }

    /// Adds `weight ×` the normalised spread score of each of `feasible` (node slots in
    /// examination order) to `totals`. Every feasible node counts (no node is ignored: the
    /// system defaults do not require every key), as the plugin does for such pods: for term
    /// `t`, `cnt × ln(domains + 2) + maxSkew − 1` on nodes with the key, summed in term order,
    /// rounded, then `100 × (max + min − s) / max` over the feasible nodes.
    pub fn add_scores(
        &mut self,
        cache: &ClusterCache,
        input: &SpreadInput,
        feasible: &[u32],
        totals: &mut [i64],
    ) {
        debug_assert_eq!(feasible.len(), totals.len());
        let n = feasible.len();
        let keys: SmallVec<[Symbol; 2]> = input.terms.iter().map(|t| t.key).collect();
        self.class_column(cache, &keys);
        let col = &self.class_columns[&keys];
        let cap = cache.slot_capacity();
        self.special.resize(cap.max(self.special.len()), false);
        for t in input.terms.iter().filter(|t| t.key == Symbol::HOSTNAME) {
            for (&slot, &c) in &t.counts.nodes {
                if c != 0
                    && let Some(x) = self.special.get_mut(slot as usize)
                {
                    *x = true;
                }
            }
        }
        let classes = col.classes.len();
        self.plain.clear();
        self.plain.resize(classes, 0);
        self.seen.clear();
        self.seen.resize(classes, false);
        self.seen_list.clear();
        self.specials.clear();
        for (j, &s) in feasible.iter().enumerate() {
            let c = col.class_of[s as usize] as usize;
            if !self.seen[c] {
                self.seen[c] = true;
                self.seen_list.push(c as u32);
            }
            if self.special[s as usize] {
                self.specials.push(j);
            } else {
                self.plain[c] += 1;
            }
        }
        // Per term: its weight (hostname: one domain per feasible node; others: the distinct
        // values among the feasible nodes, a missing label counting as the empty value) and
        // the matching pods per value.
        self.weights.clear();
        self.per_value.resize(input.terms.len(), Vec::new());
        for (i, term) in input.terms.iter().enumerate() {
            if term.key == Symbol::HOSTNAME {
                self.weights.push(((n + 2) as f64).ln());
                continue;
            }
            let dc = &self.columns[&term.key];
            self.value_seen.clear();
            self.value_seen.resize(dc.values.len(), false);
            let per_value = &mut self.per_value[i];
            per_value.clear();
            per_value.resize(dc.values.len(), 0);
            let mut domains = 0usize;
            for &c in &self.seen_list {
                let id = col.classes[c as usize][i].1 as usize;
                if !self.value_seen[id] {
                    self.value_seen[id] = true;
                    domains += 1;
                    let v = dc.values[id];
                    per_value[id] =
                        term.counts.get(Some(v)) + if v.is_empty() { term.counts.get(None) } else { 0 };
                }
            }
            self.weights.push(((domains + 2) as f64).ln());
        }
        let raw = |tuple: &[(bool, u32)], on_node: &dyn Fn(usize) -> i64| -> i64 {
            let mut score = 0.0f64;
            for (i, term) in input.terms.iter().enumerate() {
                let (has, id) = tuple[i];
                if has {
                    let cnt = if term.key == Symbol::HOSTNAME {
                        on_node(i)
                    } else {
                        self.per_value[i][id as usize]
                    };
                    score += cnt as f64 * self.weights[i] + (term.max_skew - 1) as f64;
                }
            }
            round_non_negative(score)
        };
        // Rounded scores: per class (its nodes without pods of their own), per special node.
        self.class_score.clear();
        self.class_score.resize(classes, 0);
        let (mut min, mut max) = (i64::MAX, 0i64);
        for &c in &self.seen_list {
            let s = raw(&col.classes[c as usize], &|_| 0);
            self.class_score[c as usize] = s;
            if self.plain[c as usize] > 0 {
                min = min.min(s);
                max = max.max(s);
            }
        }
        let mut special_scores: SmallVec<[i64; 16]> = SmallVec::new();
        for &j in &self.specials {
            let slot = feasible[j];
            let tuple = &col.classes[col.class_of[slot as usize] as usize];
            let s = raw(tuple, &|i| input.terms[i].counts.on_node(slot));
            special_scores.push(s);
            min = min.min(s);
            max = max.max(s);
        }
        let weighted = |s: i64| {
            let normalised = if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - s) / max
            };
            input.weight * normalised
        };
        for &c in &self.seen_list {
            self.class_score[c as usize] = weighted(self.class_score[c as usize]);
        }
        for (t, &s) in totals.iter_mut().zip(feasible) {
            *t += self.class_score[col.class_of[s as usize] as usize];
        }
        for (&j, &s) in self.specials.iter().zip(&special_scores) {
            let class = col.class_of[feasible[j] as usize] as usize;
            totals[j] += weighted(s) - self.class_score[class];
        }
        // Leave the per-slot and per-class scratch clear for the next pod.
        for t in input.terms.iter().filter(|t| t.key == Symbol::HOSTNAME) {
            for &slot in t.counts.nodes.keys() {
                if let Some(x) = self.special.get_mut(slot as usize) {
                    *x = false;
                }
            }
        }
    }
}

/// `x.round() as i64` for a finite `x >= 0` (half away from zero), without the libm call:
/// the truncation is exact, and so is `x - t` (`t <= x < t + 1`).
fn round_non_negative(x: f64) -> i64 {
    debug_assert!((0.0..9.0e15).contains(&x));
    let t = x as i64;
    t + i64::from(x - t as f64 >= 0.5)
}

#[cfg(test)]
mod tests {
    use super::round_non_negative;

    #[test]
    fn rounding_matches_f64_round_on_edges_and_spread_like_values() {
        let edges = [
            0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            2.4999999999999996,
            4503599627370495.5,
            1e15 + 0.5,
        ];
        for x in edges {
            assert_eq!(round_non_negative(x), x.round() as i64, "{x}");
        }
        for n in 0..2000usize {
            let w = ((n + 2) as f64).ln();
            for cnt in 0..40i64 {
                let x = cnt as f64 * w + 2.0 + (cnt as f64 * 0.5) * w + 4.0;
                assert_eq!(round_non_negative(x), x.round() as i64, "{x}");
            }
        }
    }
}
