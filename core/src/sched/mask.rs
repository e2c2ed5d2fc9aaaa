//! Static eligibility masks: for one pod template, the nodes that pass the filters that do not
//! change while the pod waits (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity).
//! `nodeSelector` and required node affinity are answered by the store's node label index
//! (`Store::select_nodes`) instead of testing every node; taints and cordoning are checked
//! only on the few nodes that have them. A mask is cached per template and recomputed when
//! node labels, taints, cordoning or the node set change. [`linear_mask`] is the twin that
//! runs the plugins on every node.

use std::sync::Arc;

use super::bitset::{Bitset, LinearBitset};
use super::cache::ClusterView;
use super::framework::{Builtin, CycleState, Slot};
use super::pod_info::{PodInfo, Template, tolerates_do_not_schedule};
use super::profile::Profile;
use crate::collections::FxMap;

/// Masks by template address, with the node epoch they were computed at. Equal masks are
/// shared (interned by content), so that the fast path's classes, keyed by the mask's address,
/// join templates that differ only in what the mask does not depend on.
#[derive(Default)]
pub struct StaticMasks {
    map: FxMap<usize, (u64, Arc<Template>, Arc<Bitset>)>,
    /// The distinct masks of the current node epoch (content-hashed).
    interned: crate::collections::FxSet<Arc<Bitset>>,
    interned_epoch: u64,
}

impl StaticMasks {
    /// The mask of `t`, computed through the label index if missing or stale.
    pub fn get(&mut self, cx: &ClusterView<'_>, profile: &Profile, t: &Arc<Template>) -> Arc<Bitset> {
        let addr = Arc::as_ptr(t) as usize;
        let epoch = cx.cache.node_epoch;
        if let Some((e, _, m)) = self.map.get(&addr)
            && *e == epoch
        {
            return m.clone();
        }
        if self.interned_epoch != epoch {
            self.interned.clear();
            self.interned_epoch = epoch;
        }
        let m = compute_mask(cx, profile, t);
        let m = match self.interned.get(&m) {
            Some(shared) => shared.clone(),
            None => {
                let m = Arc::new(m);
                self.interned.insert(m.clone());
                m
            }
        };
        self.map.insert(addr, (epoch, t.clone(), m.clone()));
        m
    }

    /// Drops masks of templates nobody uses any more.
    pub fn gc(&mut self) {
        self.map.retain(|_, (_, t, _)| Arc::strong_count(t) > 1);
        self.interned.retain(|m| Arc::strong_count(m) > 1);
    }
}

/// The static mask of `t` over node slots, through the node label index.
pub fn compute_mask(cx: &ClusterView<'_>, profile: &Profile, t: &Template) -> Bitset {
    let cache = cx.cache;
    let cap = cache.slot_capacity();
    let mut m = Bitset::new(cap);
    for &s in cache.order() {
        m.set(s as usize, true);
    }
    if profile.has_filter(Builtin::NodeAffinity) && !t.no_node_affinity() {
        if let Some(sel) = &t.node_selector {
            let mut hits = Bitset::new(cap);
            for k in cx.store.select_nodes(sel) {
                if (k.index() as usize) < cap {
                    hits.set(k.index() as usize, true);
                }
            }
            m.and_with(&hits);
        }
        if let Some(terms) = &t.required_terms {
            let mut union = Bitset::new(cap);
            for term in terms {
                if term.matches_nothing {
                    continue;
                }
                let candidates: Vec<u32> = match &term.labels {
                    Some(sel) => cx
                        .store
                        .select_nodes(sel)
                        .into_iter()
                        .map(|k| k.index())
                        .filter(|s| (*s as usize) < cap)
                        .collect(),
                    None => cache.order().to_vec(),
                };
                for s in candidates {
                    if !m.get(s as usize) {
                        continue;
                    }
                    let name = cache.node(s).name;
                    if term
                        .fields
                        .iter()
                        .all(|(is_in, names)| names.contains(&name) == *is_in)
                    {
                        union.set(s as usize, true);
                    }
                }
            }
            m.and_with(&union);
        }
    }
    if profile.has_filter(Builtin::NodeName)
        && let Some(name) = t.spec.node_name
    {
        let keep = cache.slot_of(name);
        for s in cache.order() {
            if Some(*s) != keep {
                m.set(*s as usize, false);
            }
        }
    }
    let check_cordon = profile.has_filter(Builtin::NodeUnschedulable);
    let check_taints = profile.has_filter(Builtin::TaintToleration);
    for &s in &cache.special_nodes {
        if !m.get(s as usize) {
            continue;
        }
        let node = &cache.node(s).node;
        let cordoned = check_cordon && node.spec.unschedulable && !t.tolerates_unschedulable;
        let tainted = check_taints && !tolerates_do_not_schedule(&t.spec.tolerations, &node.spec.taints);
        if cordoned || tainted {
            m.set(s as usize, false);
        }
    }
    m
}

/// The twin of [`compute_mask`]: runs the profile's static built-in filters on every node.
pub fn linear_mask(cx: &ClusterView<'_>, profile: &Profile, pod: &PodInfo) -> LinearBitset {
    let cache = cx.cache;
    let mut out = vec![false; cache.slot_capacity()];
    let state = CycleState::new(profile.filters().len(), 0);
    for &s in cache.order() {
        let node = cache.node_info(s);
        out[s as usize] = profile.filters().iter().enumerate().all(|(i, f)| {
            !matches!(
                f.builtin(),
                Some(
                    Builtin::NodeUnschedulable
                        | Builtin::NodeName
                        | Builtin::TaintToleration
                        | Builtin::NodeAffinity
                )
            ) || f.filter(cx, pod, Slot::filter(i), &state, &node).is_success()
        });
    }
    LinearBitset(out)
}
