//! InterPodAffinity (`pkg/scheduler/framework/plugins/interpodaffinity`): required pod
//! affinity and anti-affinity (the pod's own and existing pods' anti-affinity towards it) as a
//! filter; preferred terms (and existing pods' terms towards the pod, hard affinity counting
//! `hardPodAffinityWeight` = 1) as a score normalised between the lowest and highest node.
//!
//! Pods matching a term are found through the store's pod label index per namespace; pods
//! that carry affinity terms themselves are tracked by the cache.

use crate::api::Namespace;
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::Labels;
use std::sync::Arc;

use crate::sched::cache::{ClusterView, NONE, NodeInfo};
use crate::sched::counters::{CounterKey, DomainMap, term_namespaces};
use crate::sched::framework::{Builtin, CycleState, Filter, MAX_NODE_SCORE, Score, Slot, Status};
use crate::sched::plugins::pair_counts::{PairCounts, Part};
use crate::sched::pod_info::{AffinityTerm, PodInfo};

/// `ErrReasonAffinityRulesNotMatch`.
pub const ERR_AFFINITY: &str = "node(s) didn't match pod affinity rules";
/// `ErrReasonAntiAffinityRulesNotMatch`.
pub const ERR_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
/// `ErrReasonExistingAntiAffinityRulesNotMatch`.
pub const ERR_EXISTING_ANTI_AFFINITY: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

type TopologyCounts = FxMap<(Symbol, Symbol), i64>;

/// Namespace labels, looked up once per namespace per cycle.
struct NsLabels<'a> {
    cx: &'a ClusterView<'a>,
    cache: FxMap<Symbol, Labels>,
}

impl<'a> NsLabels<'a> {
    fn new(cx: &'a ClusterView<'a>) -> Self {
        NsLabels {
            cx,
            cache: FxMap::default(),
        }
    }
    fn get(&mut self, ns: Symbol) -> &Labels {
        let cx = self.cx;
        self.cache.entry(ns).or_insert_with(|| cx.namespace_labels(ns))
    }
}

/// Bound pods that `term` (of a pod in `owner_ns`) may match, through the label index.
fn candidates<'a>(cx: &ClusterView<'a>, owner_ns: Symbol, term: &AffinityTerm) -> Vec<&'a PodInfo> {
    let mut namespaces: Vec<Symbol> = term.namespaces.to_vec();
    if term.own_namespace {
        namespaces.push(owner_ns);
    }
    if !term.namespace_selector.is_nothing() {
        for (_, ns) in cx.store.iter::<Namespace>() {
            if term.namespace_selector.matches(&ns.metadata.labels) {
                namespaces.push(ns.metadata.name.base());
            }
        }
    }
    namespaces.sort_by(|a, b| a.cmp_str(*b));
    namespaces.dedup();
    let mut out = Vec::new();
    if term.selector.is_nothing() {
        return out;
    }
    for ns in namespaces {
        for key in cx.store.select_pods(ns, &term.selector) {
            if let Some(rec) = cx.cache.pod_by_key(key)
                && rec.node != NONE
            {
                out.push(&*rec.info);
            }
        }
    }
    out
}

fn node_of<'a>(cx: &ClusterView<'a>, pod: &PodInfo) -> Option<NodeInfo<'a>> {
    let rec = cx.cache.pod_by_key(pod.key)?;
    (rec.node != NONE).then(|| cx.node(rec.node))
}

/// The incremental counter of the pods `term` (of a pod in `owner_ns`) selects, by domain of
/// its key (terminating pods included, as kube-scheduler's node infos include them).
fn term_counter(cx: &ClusterView<'_>, owner_ns: Symbol, term: &AffinityTerm) -> Arc<DomainMap> {
    let namespaces = term_namespaces(term, owner_ns, || {
        cx.store
            .iter::<Namespace>()
            .map(|(_, n)| (n.metadata.name.base(), n.metadata.labels.clone()))
            .collect()
    });
    cx.cache.counter(
        cx.store,
        CounterKey {
            namespaces,
            selector: term.selector.clone(),
            key: term.topology_key,
            skip_deleting: false,
        },
    )
}

/// The filter's per-pod state (`preFilterState`).
#[derive(Clone, Debug, Default)]
pub struct AffinityFilterState {
    /// Topology pairs with existing pods whose required anti-affinity matches the pod.
    pub existing_anti: PairCounts,
    /// Topology pairs with pods matching all of the pod's required affinity terms.
    pub affinity: PairCounts,
    /// Whether `affinity` counts nothing anywhere.
    pub affinity_empty: bool,
    /// Topology pairs with pods matching the pod's required anti-affinity terms.
    pub anti: PairCounts,
    /// The pod's namespace labels.
    pub ns_labels: Labels,
}

/// The InterPodAffinity plugin.
#[derive(Clone, Copy, Debug)]
pub struct InterPodAffinity {
    /// Weight of existing pods' required affinity terms in the score (default 1).
    pub hard_pod_affinity_weight: i64,
}

impl Default for InterPodAffinity {
    fn default() -> Self {
        InterPodAffinity {
            hard_pod_affinity_weight: 1,
        }
    }
}

fn matches_all(terms: &[AffinityTerm], owner_ns: Symbol, other: &PodInfo, ns: &mut NsLabels<'_>) -> bool {
    !terms.is_empty()
        && terms
            .iter()
            .all(|t| t.matches(owner_ns, other.namespace, &other.labels, ns.get(other.namespace)))
}

impl Filter for InterPodAffinity {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    fn pre_filter(&self, cx: &ClusterView<'_>, pod: &PodInfo, slot: Slot, state: &mut CycleState) -> Status {
        let mut ns = NsLabels::new(cx);
        let own_labels = ns.get(pod.namespace).clone();
        let mut s = AffinityFilterState {
            ns_labels: own_labels.clone(),
            ..Default::default()
        };
        {
            let counters = cx.cache.counters.lock().expect("counters");
            for g in counters.groups.values() {
                for (j, t) in g.template.affinity.required_anti_affinity.iter().enumerate() {
                    if t.matches(g.namespace, pod.namespace, &pod.labels, &own_labels) {
                        s.existing_anti.add(t.topology_key, Part::Map(g.anti[j].clone()));
                    }
                }
            }
        }
        let a = &pod.template.affinity;
        match a.required_affinity.as_slice() {
            [] => {}
            [t] => s
                .affinity
                .add(t.topology_key, Part::Domain(term_counter(cx, pod.namespace, t))),
            terms => {
                let mut pairs: FxMap<(Symbol, Symbol), i64> = FxMap::default();
                for other in candidates(cx, pod.namespace, &terms[0]) {
                    if matches_all(terms, pod.namespace, other, &mut ns)
                        && let Some(node) = node_of(cx, other)
                    {
                        for t in terms {
                            if let Some(v) = node.labels().get(t.topology_key) {
                                *pairs.entry((t.topology_key, v)).or_default() += 1;
                            }
                        }
                    }
                }
                s.affinity = PairCounts::from_pairs(pairs);
            }
        }
        s.affinity_empty = s.affinity.is_empty();
        for t in &a.required_anti_affinity {
            s.anti
                .add(t.topology_key, Part::Domain(term_counter(cx, pod.namespace, t)));
        }
        if s.existing_anti.is_empty() && a.required_affinity.is_empty() && a.required_anti_affinity.is_empty()
        {
            return Status::skip();
        }
        slot.write(state, s);
        Status::success()
    }

    fn filter(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &CycleState,
        node: &NodeInfo<'_>,
    ) -> Status {
        let Some(s) = slot.read::<AffinityFilterState>(state) else {
            return Status::success();
        };
        let a = &pod.template.affinity;
        let labels = node.labels();
        // satisfyPodAffinity
        let mut pods_exist = true;
        for t in &a.required_affinity {
            match labels.get(t.topology_key) {
                Some(v) => {
                    if s.affinity.get(t.topology_key, v) <= 0 {
                        pods_exist = false;
                    }
                }
                None => return Status::unresolvable(ERR_AFFINITY),
            }
        }
        if !pods_exist {
            let self_match = !a.required_affinity.is_empty()
                && a.required_affinity
                    .iter()
                    .all(|t| t.matches(pod.namespace, pod.namespace, &pod.labels, &s.ns_labels));
            if !(s.affinity_empty && self_match) {
                return Status::unresolvable(ERR_AFFINITY);
            }
        }
        // satisfyPodAntiAffinity
        for t in &a.required_anti_affinity {
            if let Some(v) = labels.get(t.topology_key)
                && s.anti.get(t.topology_key, v) > 0
            {
                return Status::unschedulable(ERR_ANTI_AFFINITY);
            }
        }
        // satisfyExistingPodsAntiAffinity
        if s.existing_anti.positive_on(labels) {
            return Status::unschedulable(ERR_EXISTING_ANTI_AFFINITY);
        }
        Status::success()
    }

    fn update_for_pod(
        &self,
        cx: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &mut CycleState,
        other: &PodInfo,
        node: &NodeInfo<'_>,
        add: bool,
    ) {
        let Some(s) = slot.read_mut::<AffinityFilterState>(state) else {
            return;
        };
        let by = if add { 1 } else { -1 };
        for t in &other.template.affinity.required_anti_affinity {
            if t.matches(other.namespace, pod.namespace, &pod.labels, &s.ns_labels) {
                s.existing_anti.bump(node, t.topology_key, by);
            }
        }
        let a = &pod.template.affinity;
        let other_ns = cx.namespace_labels(other.namespace);
        if !a.required_affinity.is_empty()
            && a.required_affinity
                .iter()
                .all(|t| t.matches(pod.namespace, other.namespace, &other.labels, &other_ns))
        {
            for t in &a.required_affinity {
                s.affinity.bump(node, t.topology_key, by);
            }
            s.affinity_empty = s.affinity.is_empty();
        }
        for t in &a.required_anti_affinity {
            if t.matches(pod.namespace, other.namespace, &other.labels, &other_ns) {
                s.anti.bump(node, t.topology_key, by);
            }
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::InterPodAffinity)
    }
}

/// The score's per-pod state: weight sums per topology pair.
#[derive(Clone, Debug, Default)]
struct AffinityScoreState {
    topology: TopologyCounts,
    keys: Vec<Symbol>,
}

impl InterPodAffinity {
    /// The pairs the score adds up (`PreScore`) and whether any pair got a weight (else the
    /// plugin skips the pod).
    fn topology_scores(&self, cx: &ClusterView<'_>, pod: &PodInfo) -> (TopologyCounts, bool) {
        let own_labels = cx.namespace_labels(pod.namespace);
        let a = &pod.template.affinity;
        let mut scores = TopologyCounts::default();
        let mut touched = false;
        let mut add = |scores: &mut TopologyCounts,
                       key: Symbol,
                       counts: &mut dyn Iterator<Item = (Symbol, i64)>,
                       w: i64| {
            for (v, c) in counts {
                if c != 0 {
                    *scores.entry((key, v)).or_default() += w * c;
                    touched = true;
                }
            }
        };
        for (sign, terms) in [(1, &a.preferred_affinity), (-1, &a.preferred_anti_affinity)] {
            for (w, t) in terms {
                let m = term_counter(cx, pod.namespace, t);
                add(
                    &mut scores,
                    t.topology_key,
                    &mut m.values.iter().map(|(k, v)| (*k, *v)),
                    sign * i64::from(*w),
                );
            }
        }
        let counters = cx.cache.counters.lock().expect("counters");
        for g in counters.groups.values() {
            let ga = &g.template.affinity;
            let m = |t: &AffinityTerm| t.matches(g.namespace, pod.namespace, &pod.labels, &own_labels);
            let iter = |c: &Arc<FxMap<Symbol, i64>>| c.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>();
            if self.hard_pod_affinity_weight > 0 {
                for (j, t) in ga.required_affinity.iter().enumerate() {
                    if m(t) {
                        add(
                            &mut scores,
                            t.topology_key,
                            &mut iter(&g.affinity[j]).into_iter(),
                            self.hard_pod_affinity_weight,
                        );
                    }
                }
            }
            for (j, (w, t)) in ga.preferred_affinity.iter().enumerate() {
                if m(t) {
                    add(
                        &mut scores,
                        t.topology_key,
                        &mut iter(&g.preferred[j]).into_iter(),
                        i64::from(*w),
                    );
                }
            }
            for (j, (w, t)) in ga.preferred_anti_affinity.iter().enumerate() {
                if m(t) {
                    add(
                        &mut scores,
                        t.topology_key,
                        &mut iter(&g.preferred_anti[j]).into_iter(),
                        -i64::from(*w),
                    );
                }
            }
        }
        (scores, touched)
    }
}

impl Score for InterPodAffinity {
    fn name(&self) -> &'static str {
        "InterPodAffinity"
    }

    fn pre_score(
        &self,
        cx: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &mut CycleState,
        _: &[u32],
    ) -> Status {
        let (topology, touched) = self.topology_scores(cx, pod);
        if !touched {
            return Status::skip();
        }
        let mut keys: Vec<Symbol> = topology.keys().map(|(k, _)| *k).collect();
        keys.sort_by(|a, b| a.cmp_str(*b));
        keys.dedup();
        slot.write(state, AffinityScoreState { topology, keys });
        Status::success()
    }

    fn score(
        &self,
        _: &ClusterView<'_>,
        _: &PodInfo,
        slot: Slot,
        state: &CycleState,
        node: &NodeInfo<'_>,
    ) -> i64 {
        let Some(s) = slot.read::<AffinityScoreState>(state) else {
            return 0;
        };
        s.keys
            .iter()
            .filter_map(|k| node.labels().get(*k).map(|v| (*k, v)))
            .map(|kv| s.topology.get(&kv).copied().unwrap_or(0))
            .sum()
    }

    fn normalize(&self, _: &PodInfo, slot: Slot, state: &CycleState, _: &[u32], scores: &mut [i64]) {
        if slot.read::<AffinityScoreState>(state).is_none() {
            return;
        }
        let min = scores.iter().copied().min().unwrap_or(0);
        let max = scores.iter().copied().max().unwrap_or(0);
        let diff = max - min;
        for s in scores.iter_mut() {
            let f = if diff > 0 {
                MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)
            } else {
                0.0
            };
            *s = f as i64;
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::InterPodAffinity)
    }
}
