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

/// Domain columns by key, rebuilt when nodes change, and reusable scratch.
#[derive(Default)]
pub struct SpreadScorer {
    columns: FxMap<Symbol, DomainColumn>,
    raw: Vec<f64>,
    /// Per slot: matching pods on the node (filled from the counter's few entries, cleared
    /// after use).
    on_node: Vec<i64>,
    seen: Vec<bool>,
    per_value: Vec<i64>,
}

impl SpreadScorer {
    fn column(&mut self, cache: &ClusterCache, key: Symbol) -> &DomainColumn {
        let stale = self
            .columns
            .get(&key)
            .is_none_or(|c| c.epoch != cache.node_epoch || c.ids.len() != cache.slot_capacity());
        if stale {
            self.columns.insert(key, DomainColumn::build(cache, key));
        }
        &self.columns[&key]
    }

    /// Adds `weight ×` the normalised spread score of each of `feasible` (node slots in
    /// examination order) to `totals`. Every feasible node counts (no node is ignored: the
    /// system defaults do not require every key), as the plugin does for such pods.
    pub fn add_scores(
        &mut self,
        cache: &ClusterCache,
        input: &SpreadInput,
        feasible: &[u32],
        totals: &mut [i64],
    ) {
        debug_assert_eq!(feasible.len(), totals.len());
        let n = feasible.len();
        let mut raw = std::mem::take(&mut self.raw);
        raw.clear();
        raw.resize(n, 0.0);
        for term in &input.terms {
            let skew = (term.max_skew - 1) as f64;
            if term.key == Symbol::HOSTNAME {
                let weight = ((n + 2) as f64).ln();
                let mut on_node = std::mem::take(&mut self.on_node);
                on_node.resize(cache.slot_capacity().max(on_node.len()), 0);
                for (&slot, &c) in &term.counts.nodes {
                    if let Some(x) = on_node.get_mut(slot as usize) {
                        *x = c;
                    }
                }
                let col = self.column(cache, term.key);
                for (r, &s) in raw.iter_mut().zip(feasible) {
                    if col.has[s as usize] {
                        *r += on_node[s as usize] as f64 * weight + skew;
                    }
                }
                for &slot in term.counts.nodes.keys() {
                    if let Some(x) = on_node.get_mut(slot as usize) {
                        *x = 0;
                    }
                }
                self.on_node = on_node;
                continue;
            }
            let (mut seen, mut per_value) = (
                std::mem::take(&mut self.seen),
                std::mem::take(&mut self.per_value),
            );
            let col = self.column(cache, term.key);
            seen.clear();
            seen.resize(col.values.len(), false);
            per_value.clear();
            per_value.resize(col.values.len(), 0);
            let mut domains = 0usize;
            for &s in feasible {
                let id = col.ids[s as usize] as usize;
                if !seen[id] {
                    seen[id] = true;
                    domains += 1;
                    let v = col.values[id];
                    per_value[id] =
                        term.counts.get(Some(v)) + if v.is_empty() { term.counts.get(None) } else { 0 };
                }
            }
            let weight = ((domains + 2) as f64).ln();
            for (r, &s) in raw.iter_mut().zip(feasible) {
                if col.has[s as usize] {
                    *r += per_value[col.ids[s as usize] as usize] as f64 * weight + skew;
                }
            }
            self.seen = seen;
            self.per_value = per_value;
        }
        // Normalise as the plugin does: the least crowded node scores 100.
        let (mut min, mut max) = (i64::MAX, 0i64);
        for r in raw.iter_mut() {
            let s = r.round();
            *r = s;
            min = min.min(s as i64);
            max = max.max(s as i64);
        }
        for (t, r) in totals.iter_mut().zip(raw.iter()) {
            let s = *r as i64;
            let normalised = if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - s) / max
            };
            *t += input.weight * normalised;
        }
        self.raw = raw;
    }
}
