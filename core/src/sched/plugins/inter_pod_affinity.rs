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
use crate::sched::cache::{ClusterView, NONE, NodeInfo};
use crate::sched::framework::{Builtin, CycleState, Filter, MAX_NODE_SCORE, Score, Slot, Status};
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

fn bump(counts: &mut TopologyCounts, node: &NodeInfo<'_>, key: Symbol, by: i64) {
    if let Some(v) = node.labels().get(key) {
        let e = counts.entry((key, v)).or_default();
        *e += by;
        if *e == 0 {
            counts.remove(&(key, v));
        }
    }
}

fn node_of<'a>(cx: &ClusterView<'a>, pod: &PodInfo) -> Option<NodeInfo<'a>> {
    let rec = cx.cache.pod_by_key(pod.key)?;
    (rec.node != NONE).then(|| cx.node(rec.node))
}

/// The filter's per-pod state (`preFilterState`).
#[derive(Clone, Debug, Default)]
pub struct AffinityFilterState {
    /// Topology pairs with existing pods whose required anti-affinity matches the pod.
    pub existing_anti: TopologyCounts,
    /// Topology pairs with pods matching all of the pod's required affinity terms.
    pub affinity: TopologyCounts,
    /// Topology pairs with pods matching the pod's required anti-affinity terms.
    pub anti: TopologyCounts,
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
        for &p in &cx.cache.anti_affinity_pods {
            let Some(rec) = cx.cache.pod(p) else { continue };
            if rec.node == NONE {
                continue;
            }
            let node = cx.node(rec.node);
            let e = &rec.info;
            for t in &e.template.affinity.required_anti_affinity {
                if t.matches(e.namespace, pod.namespace, &pod.labels, &own_labels) {
                    bump(&mut s.existing_anti, &node, t.topology_key, 1);
                }
            }
        }
        let a = &pod.template.affinity;
        if let Some(first) = a.required_affinity.first() {
            for other in candidates(cx, pod.namespace, first) {
                if matches_all(&a.required_affinity, pod.namespace, other, &mut ns)
                    && let Some(node) = node_of(cx, other)
                {
                    for t in &a.required_affinity {
                        bump(&mut s.affinity, &node, t.topology_key, 1);
                    }
                }
            }
        }
        for t in &a.required_anti_affinity {
            for other in candidates(cx, pod.namespace, t) {
                if t.matches(
                    pod.namespace,
                    other.namespace,
                    &other.labels,
                    ns.get(other.namespace),
                ) && let Some(node) = node_of(cx, other)
                {
                    bump(&mut s.anti, &node, t.topology_key, 1);
                }
            }
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
                    if s.affinity.get(&(t.topology_key, v)).copied().unwrap_or(0) <= 0 {
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
            if !(s.affinity.is_empty() && self_match) {
                return Status::unresolvable(ERR_AFFINITY);
            }
        }
        // satisfyPodAntiAffinity
        if !s.anti.is_empty() {
            for t in &a.required_anti_affinity {
                if let Some(v) = labels.get(t.topology_key)
                    && s.anti.get(&(t.topology_key, v)).copied().unwrap_or(0) > 0
                {
                    return Status::unschedulable(ERR_ANTI_AFFINITY);
                }
            }
        }
        // satisfyExistingPodsAntiAffinity
        if !s.existing_anti.is_empty()
            && labels
                .iter()
                .any(|kv| s.existing_anti.get(&kv).copied().unwrap_or(0) > 0)
        {
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
                bump(&mut s.existing_anti, node, t.topology_key, by);
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
                bump(&mut s.affinity, node, t.topology_key, by);
            }
        }
        for t in &a.required_anti_affinity {
            if t.matches(pod.namespace, other.namespace, &other.labels, &other_ns) {
                bump(&mut s.anti, node, t.topology_key, by);
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
    /// The pairs the score adds up (`PreScore`); empty when the plugin skips the pod.
    fn topology_scores(&self, cx: &ClusterView<'_>, pod: &PodInfo) -> (TopologyCounts, bool) {
        let mut ns = NsLabels::new(cx);
        let own_labels = ns.get(pod.namespace).clone();
        let a = &pod.template.affinity;
        let mut scores = TopologyCounts::default();
        let mut touched = false;
        let mut add = |scores: &mut TopologyCounts, node: &NodeInfo<'_>, key: Symbol, w: i64| {
            if let Some(v) = node.labels().get(key) {
                *scores.entry((key, v)).or_default() += w;
                touched = true;
            }
        };
        for (sign, terms) in [(1, &a.preferred_affinity), (-1, &a.preferred_anti_affinity)] {
            for (w, t) in terms {
                for other in candidates(cx, pod.namespace, t) {
                    let Some(node) = node_of(cx, other) else { continue };
                    if node.labels().is_empty() {
                        continue;
                    }
                    if t.matches(
                        pod.namespace,
                        other.namespace,
                        &other.labels,
                        ns.get(other.namespace),
                    ) {
                        add(&mut scores, &node, t.topology_key, sign * i64::from(*w));
                    }
                }
            }
        }
        for &p in &cx.cache.affinity_pods {
            let Some(rec) = cx.cache.pod(p) else { continue };
            if rec.node == NONE {
                continue;
            }
            let node = cx.node(rec.node);
            if node.labels().is_empty() {
                continue;
            }
            let e = &rec.info;
            let ea = &e.template.affinity;
            let m = |t: &AffinityTerm| t.matches(e.namespace, pod.namespace, &pod.labels, &own_labels);
            if self.hard_pod_affinity_weight > 0 {
                for t in &ea.required_affinity {
                    if m(t) {
                        add(&mut scores, &node, t.topology_key, self.hard_pod_affinity_weight);
                    }
                }
            }
            for (w, t) in &ea.preferred_affinity {
                if m(t) {
                    add(&mut scores, &node, t.topology_key, i64::from(*w));
                }
            }
            for (w, t) in &ea.preferred_anti_affinity {
                if m(t) {
                    add(&mut scores, &node, t.topology_key, -i64::from(*w));
                }
            }
        }
        (scores, touched)
    }

    /// Whether the score plugin skips `pod` (no pair gets a weight).
    pub fn score_skips(&self, cx: &ClusterView<'_>, pod: &PodInfo) -> bool {
        let a = &pod.template.affinity;
        if cx.cache.affinity_pods.is_empty()
            && a.preferred_affinity.is_empty()
            && a.preferred_anti_affinity.is_empty()
        {
            return true;
        }
        !self.topology_scores(cx, pod).1
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
