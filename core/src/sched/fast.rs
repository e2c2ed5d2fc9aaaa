//! The incremental fast path: for pods whose every score is a per-node function (resource
//! scores; TaintToleration constant because no node has a PreferNoSchedule taint; the other
//! plugins skipping the pod), a pod *class* (one template) keeps a [`SelectTree`] over node
//! positions with each node's feasibility (static mask ∧ resource fit) and total score. A
//! placement changes one node, so one leaf per class is updated; a scheduling decision is three
//! O(log N) tree queries that reproduce the general path's choice exactly: the same feasible
//! set, the same start-index advance, the same best score and the same RNG draw.

use std::sync::Arc;

use super::bitset::Bitset;
use super::cache::ClusterCache;
use super::cycle::{num_feasible_nodes_to_find, select};
use super::fast_spread::{SpreadInput, SpreadScorer};
use super::framework::{Builtin, MAX_NODE_SCORE};
use super::plugins::node_resources::{balanced_score, strategy_score};
use super::plugins::{BalancedAllocation, NodeResourcesFit, Strategy};
use super::pod_info::{AffinityTerm, Requests, Template};
use super::profile::Profile;
use super::segtree::SelectTree;
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::rng::Rng;

/// Most classes kept at once (least recently used evicted).
const MAX_CLASSES: usize = 32;

/// How the fast path scores, read once from the profile.
#[derive(Clone)]
pub struct FastScoring {
    fit_filter: Option<Arc<NodeResourcesFit>>,
    fit_score: Option<(Arc<NodeResourcesFit>, i64)>,
    balanced: Option<(Arc<BalancedAllocation>, i64)>,
    taint_weight: i64,
    has_scores: bool,
    /// LeastAllocated and BalancedAllocation over the default resources: leaves are computed
    /// straight from the columns (same functions, fewer indirections).
    simple: bool,
}

impl FastScoring {
    /// The scoring of `profile`, or `None` if it has custom plugins.
    pub fn of(profile: &Profile) -> Option<FastScoring> {
        if !profile.all_builtin() {
            return None;
        }
        let fit = profile.fit.clone();
        let defaults = super::plugins::node_resources::default_resources();
        let simple = fit.as_ref().is_none_or(|f| {
            f.strategy == super::plugins::Strategy::LeastAllocated && f.resources == defaults
        }) && profile.balanced.as_ref().is_none_or(|b| b.resources == defaults);
        Some(FastScoring {
            simple,
            fit_filter: fit
                .clone()
                .filter(|_| profile.has_filter(Builtin::NodeResourcesFit)),
            fit_score: fit.zip(profile.score_weight(Builtin::NodeResourcesFit)),
            balanced: profile
                .balanced
                .clone()
                .zip(profile.score_weight(Builtin::BalancedAllocation)),
            taint_weight: profile.score_weight(Builtin::TaintToleration).unwrap_or(0),
            has_scores: !profile.scores().is_empty(),
        })
    }

    /// The leaf of node `slot` for template `t`: its total score if feasible.
    pub fn leaf(
        &self,
        cache: &ClusterCache,
        t: &Template,
        mask: &Bitset,
        slot: u32,
        anti: Option<&AntiCheck>,
    ) -> Option<i32> {
        if !mask.get(slot as usize) {
            return None;
        }
        if let Some(a) = anti
            && !a.passes(cache, slot)
        {
            return None;
        }
        if self.simple && t.requests.scalars.is_empty() {
            return self.leaf_simple(cache, t, slot);
        }
        self.leaf_general(cache, t, slot)
    }

    /// The leaf through the plugins' own functions (the twin of the column path).
    pub(crate) fn leaf_general(&self, cache: &ClusterCache, t: &Template, slot: u32) -> Option<i32> {
        let node = cache.node_info(slot);
        if let Some(fit) = &self.fit_filter
            && !fit.insufficient_template(t, &node).is_empty()
        {
            return None;
        }
        let mut s = self.taint_weight * MAX_NODE_SCORE;
        if let Some((fit, w)) = &self.fit_score {
            s += w * fit.score_node(t, &node);
        }
        if let Some((b, w)) = &self.balanced
            && !b.skips(t)
        {
            s += w * b.score_node(t, &node);
        }
        Some(s as i32)
    }

    /// [`FastScoring::leaf`] from the columns, for pods without scalar resources under the
    /// default resource scorers.
    fn leaf_simple(&self, cache: &ClusterCache, t: &Template, slot: u32) -> Option<i32> {
        let c = &cache.cols;
        let s = slot as usize;
        let r = &t.requests;
        if self.fit_filter.is_some() {
            if c.pod_count[s] + 1 > c.allowed_pods[s] {
                return None;
            }
            let short = |amount: i64, alloc: i64, used: i64| amount > 0 && amount > alloc - used;
            if short(r.cpu, c.alloc_cpu[s], c.req_cpu[s])
                || short(r.memory, c.alloc_mem[s], c.req_mem[s])
                || short(r.ephemeral, c.alloc_eph[s], c.req_eph[s])
            {
                return None;
            }
        }
        let mut total = self.taint_weight * MAX_NODE_SCORE;
        if let Some((_, w)) = &self.fit_score {
            let pairs = [
                (c.nz_cpu[s] + t.non_zero_cpu, c.alloc_cpu[s], 1),
                (c.nz_mem[s] + t.non_zero_memory, c.alloc_mem[s], 1),
            ];
            total += w * strategy_score(&Strategy::LeastAllocated, &pairs);
        }
        if let Some((_, w)) = &self.balanced
            && (r.cpu != 0 || r.memory != 0)
        {
            let pairs = [
                (c.req_cpu[s] + r.cpu, c.alloc_cpu[s]),
                (c.req_mem[s] + r.memory, c.alloc_mem[s]),
            ];
            total += w * balanced_score(&pairs);
        }
        Some(total as i32)
    }
}

/// Required anti-affinity over `kubernetes.io/hostname` (unique per node) checked node by node:
/// the pod's own terms against the pods on the node, and those pods' terms against the pod.
/// Both change only where a pod lands or leaves, so a class's leaves stay exact.
#[derive(Clone, Debug)]
pub struct AntiCheck {
    /// The pod's labels.
    pub labels: Labels,
    /// The pod's namespace.
    pub namespace: Symbol,
    /// The pod's required anti-affinity terms (all on the hostname key, without namespace
    /// selectors).
    pub terms: Vec<AffinityTerm>,
}

impl AntiCheck {
    /// Whether InterPodAffinity's filter passes on node `slot`.
    pub fn passes(&self, cache: &ClusterCache, slot: u32) -> bool {
        let node = cache.node(slot);
        if node.node.metadata.labels.get(Symbol::HOSTNAME).is_none() {
            return true;
        }
        let none = Labels::new();
        node.pods.iter().filter_map(|p| cache.pod(*p)).all(|r| {
            let e = &r.info;
            !self
                .terms
                .iter()
                .any(|t| t.matches(self.namespace, e.namespace, &e.labels, &none))
                && !e.template.affinity.required_anti_affinity.iter().any(|t| {
                    t.topology_key == Symbol::HOSTNAME
                        && t.matches(e.namespace, self.namespace, &self.labels, &none)
                })
        })
    }
}

/// A class: what a node's leaf depends on. Leaves are functions of the request alone (plus the
/// static mask), so templates with equal requests share a class: 10,000 Deployments drawing
/// their requests from a few sizes make a few classes, not 10,000. With anti-affinity the
/// template itself (its terms), the labels and the namespace matter too.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ClassKey {
    requests: Requests,
    non_zero: (i64, i64),
    /// The address of the (interned) static mask.
    mask: usize,
    /// Template address, labels address and namespace, for pods with an anti-affinity check.
    anti: Option<(usize, usize, Symbol)>,
}

struct Class {
    template: Arc<Template>,
    anti: Option<AntiCheck>,
    mask: Arc<Bitset>,
    epoch: u64,
    tree: SelectTree,
    used: u64,
}

/// The per-class trees.
#[derive(Default)]
pub struct FastPath {
    classes: FxMap<ClassKey, Class>,
    tick: u64,
    /// System-default spreading over the feasible nodes a tree finds.
    spread: SpreadScorer,
    /// Scratch: the feasible slots and their totals, for spread-scored choices.
    slots: Vec<u32>,
    totals: Vec<i64>,
}

/// A fast-path decision.
pub struct FastChoice {
    /// The chosen node slot.
    pub slot: u32,
    /// How many feasible nodes were considered.
    pub feasible: usize,
}

impl FastPath {
    /// A node's resources changed: refresh its leaf in every live class.
    pub fn node_changed(&mut self, scoring: &FastScoring, cache: &ClusterCache, slot: u32) {
        let Some(pos) = cache.position_of(slot) else {
            return;
        };
        for c in self.classes.values_mut() {
            if c.epoch == cache.node_epoch {
                let v = scoring.leaf(cache, &c.template, &c.mask, slot, c.anti.as_ref());
                c.tree.set(pos, v);
            }
        }
    }

    /// Drops every class (the profile or node set changed wholesale).
    pub fn clear(&mut self) {
        self.classes.clear();
    }

    /// Number of classes held.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Whether no class is held.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// Chooses a node for a pod of template `t` (static mask `mask`), advancing `next_start`
    /// exactly as the general path would. With `spread`, the feasible nodes are scored with
    /// system-default topology spreading on top of their leaves, as the plugins would. `None`
    /// when no node is feasible (the caller then runs the general path for the diagnosis).
    #[allow(clippy::too_many_arguments)]
    pub fn choose(
        &mut self,
        scoring: &FastScoring,
        cache: &ClusterCache,
        t: &Arc<Template>,
        mask: Arc<Bitset>,
        anti: Option<AntiCheck>,
        spread: Option<&SpreadInput>,
        percentage: Option<u32>,
        next_start: &mut usize,
        rng: &mut Rng,
    ) -> Option<FastChoice> {
        self.tick += 1;
        let addr = ClassKey {
            requests: t.requests.clone(),
            non_zero: (t.non_zero_cpu, t.non_zero_memory),
            mask: Arc::as_ptr(&mask) as usize,
            anti: anti.as_ref().map(|a| {
                (
                    Arc::as_ptr(t) as usize,
                    a.labels.as_slice().as_ptr() as usize,
                    a.namespace,
                )
            }),
        };
        let epoch = cache.node_epoch;
        let stale = self
            .classes
            .get(&addr)
            .is_none_or(|c| c.epoch != epoch || !Arc::ptr_eq(&c.mask, &mask));
        if stale {
            if !self.classes.contains_key(&addr) && self.classes.len() >= MAX_CLASSES {
                // Ticks are unique, so the least recently used class is unique too.
                let oldest = self
                    .classes
                    .iter()
                    .min_by_key(|(_, c)| c.used)
                    .map(|(a, _)| a.clone());
                if let Some(a) = oldest {
                    self.classes.remove(&a);
                }
            }
            let tree = SelectTree::build(
                cache
                    .order()
                    .iter()
                    .map(|s| scoring.leaf(cache, t, &mask, *s, anti.as_ref()))
                    .collect::<Vec<_>>()
                    .into_iter(),
            );
            self.classes.insert(
                addr.clone(),
                Class {
                    template: t.clone(),
                    anti,
                    mask,
                    epoch,
                    tree,
                    used: 0,
                },
            );
        }
        let class = self.classes.get_mut(&addr).expect("class");
        class.used = self.tick;
        let tree = &class.tree;
        let n = cache.node_count();
        let total = tree.count();
        if total == 0 || n == 0 {
            return None;
        }
        let k = if scoring.has_scores {
            num_feasible_nodes_to_find(percentage, n)
        } else {
            1
        };
        let start = *next_start % n;
        let processed = match tree.kth_from(start, k + 1) {
            Some(q) => (q + n - start) % n,
            None => n,
        };
        *next_start = (*next_start + processed) % n;
        let feasible = k.min(total);
        let last = tree.kth_from(start, feasible).expect("feasible node");
        let span = (last + n - start) % n + 1;
        let pos = if feasible == 1 {
            last
        } else if let Some(input) = spread {
            // The feasible nodes in examination order, scored by the leaves plus spreading.
            self.slots.clear();
            self.totals.clear();
            let order = cache.order();
            tree.for_each_in(start, span, |p, v| {
                self.slots.push(order[p]);
                self.totals.push(i64::from(v));
            });
            debug_assert_eq!(self.slots.len(), feasible);
            self.spread
                .add_scores(cache, input, &self.slots, &mut self.totals);
            return Some(FastChoice {
                slot: select(&self.slots, &self.totals, rng),
                feasible,
            });
        } else {
            let (max, count) = tree.max_circular(start, span);
            let j = rng.index(count);
            tree.nth_with(start, span, max, j).expect("best node")
        };
        Some(FastChoice {
            slot: cache.order()[pos],
            feasible,
        })
    }
}
