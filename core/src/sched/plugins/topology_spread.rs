//! PodTopologySpread (`pkg/scheduler/framework/plugins/podtopologyspread`): `DoNotSchedule`
//! constraints as a filter (skew = matching pods in the node's domain + self − global minimum
//! ≤ maxSkew), `ScheduleAnyway` constraints — or the system default constraints for pods that
//! a Service, ReplicaSet or StatefulSet selects — as a score.
//!
//! Matching pods are found through the store's pod label index (`Store::select_pods`) rather
//! than by walking every pod of every node.

use crate::api::scheduling::{NodeInclusionPolicy, TopologySpreadConstraint, UnsatisfiableConstraintAction};
use crate::api::{ReplicaSet, Service, StatefulSet};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::{Labels, Requirement, Selector};
use crate::sched::cache::{ClusterView, NodeInfo};
use crate::sched::framework::{Builtin, CycleState, Filter, MAX_NODE_SCORE, Score, Slot, Status};
use crate::sched::pod_info::{PodInfo, tolerates_do_not_schedule};

/// `ErrReasonConstraintsNotMatch`.
pub const ERR_SKEW: &str = "node(s) didn't match pod topology spread constraints";
/// `ErrReasonNodeLabelNotMatch`.
pub const ERR_MISSING_LABEL: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// A constraint with its selector compiled (`topologySpreadConstraint`).
#[derive(Clone, Debug)]
pub struct Constraint {
    /// maxSkew.
    pub max_skew: i64,
    /// The domain label.
    pub key: Symbol,
    /// Which pods count.
    pub selector: Selector,
    /// minDomains (1 when unset).
    pub min_domains: i64,
    /// Whether the pod's node affinity limits the domains (default Honor).
    pub honor_affinity: bool,
    /// Whether the pod's tolerations limit the domains (default Ignore).
    pub honor_taints: bool,
}

impl Constraint {
    fn includes(&self, pod: &PodInfo, node: &NodeInfo<'_>) -> bool {
        if self.honor_affinity && !pod.template.node_affinity_matches(node.labels(), node.name()) {
            return false;
        }
        !self.honor_taints || tolerates_do_not_schedule(&pod.spec().tolerations, node.taints())
    }
}

/// The system default constraints (`systemDefaultConstraints`).
pub fn system_default_constraints() -> Vec<TopologySpreadConstraint> {
    let c = |key: Symbol, skew| TopologySpreadConstraint {
        max_skew: skew,
        topology_key: key,
        when_unsatisfiable: UnsatisfiableConstraintAction::ScheduleAnyway,
        label_selector: Default::default(),
        min_domains: None,
        match_label_keys: Vec::new(),
        node_affinity_policy: None,
        node_taints_policy: None,
    };
    vec![c(Symbol::HOSTNAME, 3), c(Symbol::ZONE, 5)]
}

/// Compiles the constraints of `action` (`filterTopologySpreadConstraints`): `matchLabelKeys`
/// values are taken from the pod's labels and ANDed into the selector.
pub fn compile(
    list: &[TopologySpreadConstraint],
    labels: &Labels,
    action: UnsatisfiableConstraintAction,
) -> Vec<Constraint> {
    list.iter()
        .filter(|c| c.when_unsatisfiable == action)
        .map(|c| {
            let mut selector = c.label_selector.selector().clone();
            let extra: Vec<Requirement> = c
                .match_label_keys
                .iter()
                .filter_map(|k| labels.get(*k).map(|v| (k, v)))
                .filter_map(|(k, v)| {
                    Requirement::new(k.as_str(), crate::labels::Operator::Equals, &[v.as_str()]).ok()
                })
                .collect();
            if !extra.is_empty() {
                let mut reqs = extra;
                reqs.extend(selector.requirements().iter().cloned());
                selector = Selector::from_requirements(reqs);
            }
            Constraint {
                max_skew: i64::from(c.max_skew),
                key: c.topology_key,
                selector,
                min_domains: c.min_domains.map_or(1, i64::from),
                honor_affinity: c.node_affinity_policy != Some(NodeInclusionPolicy::Ignore),
                honor_taints: c.node_taints_policy == Some(NodeInclusionPolicy::Honor),
            }
        })
        .collect()
}

/// `helper.DefaultSelector`: the selectors of the Services selecting the pod, merged, plus its
/// controlling ReplicaSet's or StatefulSet's selector. `None` when empty.
pub fn default_selector(cx: &ClusterView<'_>, pod: &PodInfo) -> Option<Selector> {
    let store = cx.store;
    let mut set: Vec<(Symbol, Symbol)> = Vec::new();
    for key in store.selecting::<Service>(pod.namespace, &pod.labels) {
        if let Some(svc) = store.get(key)
            && let Some(sel) = &svc.spec.selector
        {
            for (k, v) in sel.iter() {
                match set.iter_mut().find(|(x, _)| *x == k) {
                    Some(e) => e.1 = v,
                    None => set.push((k, v)),
                }
            }
        }
    }
    let mut reqs: Vec<Requirement> = set
        .iter()
        .map(|(k, v)| Requirement::equals_unchecked(*k, *v))
        .collect();
    if let Some((kind, name)) = pod.owner {
        let name = crate::api::Name::from_symbol(name);
        let owner_sel = match kind.as_str() {
            "ReplicaSet" => store
                .lookup_name::<ReplicaSet>(pod.namespace, &name)
                .and_then(|k| store.get(k))
                .map(|rs| rs.spec.selector.selector().clone()),
            "StatefulSet" => store
                .lookup_name::<StatefulSet>(pod.namespace, &name)
                .and_then(|k| store.get(k))
                .map(|s| s.spec.selector.selector().clone()),
            _ => None,
        };
        if let Some(s) = owner_sel {
            reqs.extend(s.requirements().iter().cloned());
        }
    }
    (!reqs.is_empty()).then(|| Selector::from_requirements(reqs))
}

/// Matching, non-terminating pods of `pod`'s namespace per node slot.
fn counts_per_node(cx: &ClusterView<'_>, pod: &PodInfo, selector: &Selector) -> FxMap<u32, i64> {
    let mut out: FxMap<u32, i64> = FxMap::default();
    if selector.is_nothing() {
        return out;
    }
    for key in cx.store.select_pods(pod.namespace, selector) {
        if let Some(rec) = cx.cache.pod_by_key(key)
            && !rec.info.deleting
            && rec.node != crate::sched::cache::NONE
        {
            *out.entry(rec.node).or_default() += 1;
        }
    }
    out
}

fn has_all_keys(node: &NodeInfo<'_>, constraints: &[Constraint]) -> bool {
    constraints.iter().all(|c| node.labels().contains_key(c.key))
}

/// The filter's per-pod state: domain counts per constraint.
#[derive(Clone, Debug)]
pub struct SpreadFilterState {
    /// The hard constraints.
    pub constraints: Vec<Constraint>,
    /// Per constraint: domain value -> matching pods.
    pub counts: Vec<FxMap<Symbol, i64>>,
}

impl SpreadFilterState {
    fn min_match(&self, i: usize) -> i64 {
        let c = &self.counts[i];
        if (c.len() as i64) < self.constraints[i].min_domains {
            return 0;
        }
        c.values().copied().min().unwrap_or(i64::from(i32::MAX))
    }
}

/// The PodTopologySpread plugin.
#[derive(Clone, Debug)]
pub struct PodTopologySpread {
    /// Cluster-level default constraints (the system defaults unless configured).
    pub default_constraints: Vec<TopologySpreadConstraint>,
    /// Whether the defaults are the system defaults (then nodes without a zone label still get
    /// hostname spreading).
    pub system_defaulted: bool,
}

impl Default for PodTopologySpread {
    fn default() -> Self {
        PodTopologySpread {
            default_constraints: system_default_constraints(),
            system_defaulted: true,
        }
    }
}

impl PodTopologySpread {
    fn constraints(
        &self,
        cx: &ClusterView<'_>,
        pod: &PodInfo,
        action: UnsatisfiableConstraintAction,
    ) -> Vec<Constraint> {
        let own = &pod.spec().topology_spread_constraints;
        if !own.is_empty() {
            return compile(own, &pod.labels, action);
        }
        let mut cs = compile(&self.default_constraints, &pod.labels, action);
        if cs.is_empty() {
            return cs;
        }
        match default_selector(cx, pod) {
            Some(sel) => {
                for c in &mut cs {
                    c.selector = sel.clone();
                }
                cs
            }
            None => Vec::new(),
        }
    }

    /// Whether the pod gets no constraint of either kind (the plugin skips it entirely).
    pub fn skips(&self, cx: &ClusterView<'_>, pod: &PodInfo) -> bool {
        pod.spec().topology_spread_constraints.is_empty()
            && (self.default_constraints.is_empty() || default_selector(cx, pod).is_none())
    }
}

impl Filter for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn pre_filter(&self, cx: &ClusterView<'_>, pod: &PodInfo, slot: Slot, state: &mut CycleState) -> Status {
        let constraints = self.constraints(cx, pod, UnsatisfiableConstraintAction::DoNotSchedule);
        if constraints.is_empty() {
            return Status::skip();
        }
        let per_node: Vec<FxMap<u32, i64>> = constraints
            .iter()
            .map(|c| counts_per_node(cx, pod, &c.selector))
            .collect();
        let mut counts: Vec<FxMap<Symbol, i64>> = vec![FxMap::default(); constraints.len()];
        for &n in cx.nodes() {
            let node = cx.node(n);
            if !has_all_keys(&node, &constraints) {
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if !c.includes(pod, &node) {
                    continue;
                }
                let v = node.labels().get(c.key).unwrap_or(Symbol::EMPTY);
                *counts[i].entry(v).or_default() += per_node[i].get(&n).copied().unwrap_or(0);
            }
        }
        slot.write(state, SpreadFilterState { constraints, counts });
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
        let Some(s) = slot.read::<SpreadFilterState>(state) else {
            return Status::success();
        };
        for (i, c) in s.constraints.iter().enumerate() {
            let Some(v) = node.labels().get(c.key) else {
                return Status::unresolvable(ERR_MISSING_LABEL);
            };
            let self_match = i64::from(c.selector.matches(&pod.labels));
            let matched = s.counts[i].get(&v).copied().unwrap_or(0);
            if matched + self_match - s.min_match(i) > c.max_skew {
                return Status::unschedulable(ERR_SKEW);
            }
        }
        Status::success()
    }

    fn update_for_pod(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &mut CycleState,
        other: &PodInfo,
        node: &NodeInfo<'_>,
        add: bool,
    ) {
        let Some(s) = slot.read_mut::<SpreadFilterState>(state) else {
            return;
        };
        if other.namespace != pod.namespace || !has_all_keys(node, &s.constraints) {
            return;
        }
        for i in 0..s.constraints.len() {
            let c = &s.constraints[i];
            if !c.selector.matches(&other.labels) || !c.includes(pod, node) {
                continue;
            }
            let v = node.labels().get(c.key).unwrap_or(Symbol::EMPTY);
            *s.counts[i].entry(v).or_default() += if add { 1 } else { -1 };
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::PodTopologySpread)
    }
}

/// The score's per-pod state.
#[derive(Clone, Debug)]
struct SpreadScoreState {
    constraints: Vec<Constraint>,
    ignored: Vec<u32>,
    /// Per constraint (non-hostname): domain value -> matching pods.
    counts: Vec<FxMap<Symbol, i64>>,
    /// Per constraint: matching pods per node slot (hostname constraints).
    per_node: Vec<FxMap<u32, i64>>,
    weights: Vec<f64>,
}

impl Score for PodTopologySpread {
    fn name(&self) -> &'static str {
        "PodTopologySpread"
    }

    fn pre_score(
        &self,
        cx: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &mut CycleState,
        nodes: &[u32],
    ) -> Status {
        if cx.nodes().is_empty() {
            return Status::skip();
        }
        let require_all = !pod.spec().topology_spread_constraints.is_empty() || !self.system_defaulted;
        let constraints = self.constraints(cx, pod, UnsatisfiableConstraintAction::ScheduleAnyway);
        if constraints.is_empty() {
            return Status::skip();
        }
        let mut ignored = Vec::new();
        let mut counts: Vec<FxMap<Symbol, i64>> = vec![FxMap::default(); constraints.len()];
        for &n in nodes {
            let node = cx.node(n);
            if require_all && !has_all_keys(&node, &constraints) {
                ignored.push(n);
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if c.key != Symbol::HOSTNAME {
                    counts[i]
                        .entry(node.labels().get(c.key).unwrap_or(Symbol::EMPTY))
                        .or_default();
                }
            }
        }
        let weights = constraints
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let size = if c.key == Symbol::HOSTNAME {
                    nodes.len() - ignored.len()
                } else {
                    counts[i].len()
                };
                ((size + 2) as f64).ln()
            })
            .collect();
        let per_node: Vec<FxMap<u32, i64>> = constraints
            .iter()
            .map(|c| counts_per_node(cx, pod, &c.selector))
            .collect();
        for &n in cx.nodes() {
            let node = cx.node(n);
            if require_all && !has_all_keys(&node, &constraints) {
                continue;
            }
            for (i, c) in constraints.iter().enumerate() {
                if c.key == Symbol::HOSTNAME || !c.includes(pod, &node) {
                    continue;
                }
                let v = node.labels().get(c.key).unwrap_or(Symbol::EMPTY);
                if let Some(cnt) = counts[i].get_mut(&v) {
                    *cnt += per_node[i].get(&n).copied().unwrap_or(0);
                }
            }
        }
        ignored.sort_unstable();
        slot.write(
            state,
            SpreadScoreState {
                constraints,
                ignored,
                counts,
                per_node,
                weights,
            },
        );
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
        let Some(s) = slot.read::<SpreadScoreState>(state) else {
            return 0;
        };
        if s.ignored.binary_search(&node.slot()).is_ok() {
            return 0;
        }
        let mut score = 0.0f64;
        for (i, c) in s.constraints.iter().enumerate() {
            if let Some(v) = node.labels().get(c.key) {
                let cnt = if c.key == Symbol::HOSTNAME {
                    s.per_node[i].get(&node.slot()).copied().unwrap_or(0)
                } else {
                    s.counts[i].get(&v).copied().unwrap_or(0)
                };
                score += cnt as f64 * s.weights[i] + (c.max_skew - 1) as f64;
            }
        }
        score.round() as i64
    }

    fn normalize(&self, _: &PodInfo, slot: Slot, state: &CycleState, nodes: &[u32], scores: &mut [i64]) {
        let Some(s) = slot.read::<SpreadScoreState>(state) else {
            return;
        };
        let ignored = |n: u32| s.ignored.binary_search(&n).is_ok();
        let (mut min, mut max) = (i64::MAX, 0i64);
        for (i, &n) in nodes.iter().enumerate() {
            if ignored(n) {
                continue;
            }
            min = min.min(scores[i]);
            max = max.max(scores[i]);
        }
        for (i, &n) in nodes.iter().enumerate() {
            scores[i] = if ignored(n) {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - scores[i]) / max
            };
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::PodTopologySpread)
    }
}
