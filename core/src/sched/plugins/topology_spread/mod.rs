//! PodTopologySpread (`pkg/scheduler/framework/plugins/podtopologyspread`): `DoNotSchedule`
//! constraints as a filter (skew = matching pods in the node's domain + self − global minimum
//! ≤ maxSkew), `ScheduleAnyway` constraints — or the system default constraints for pods that
//! a Service, ReplicaSet or StatefulSet selects — as a score.
//!
//! Matching pods are found through the store's pod label index (`Store::select_pods`) rather
//! than by walking every pod of every node.

use crate::api::scheduling::{NodeInclusionPolicy, TopologySpreadConstraint, UnsatisfiableConstraintAction};
use std::sync::Arc;

use crate::api::{ReplicaSet, Service, StatefulSet};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::{Labels, Requirement, Selector};
use crate::sched::cache::{ClusterView, NodeInfo};
use crate::sched::counters::{CounterKey, DomainMap};
use crate::sched::framework::{Builtin, CycleState, Filter, Slot, Status};
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
pub(super) fn counts_per_node(cx: &ClusterView<'_>, pod: &PodInfo, selector: &Selector) -> FxMap<u32, i64> {
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

fn self_matches(pod: &PodInfo, constraints: &[Constraint]) -> Vec<i64> {
    constraints
        .iter()
        .map(|c| i64::from(c.selector.matches(&pod.labels)))
        .collect()
}

pub(super) fn has_all_keys(node: &NodeInfo<'_>, constraints: &[Constraint]) -> bool {
    constraints.iter().all(|c| node.labels().contains_key(c.key))
}

/// One constraint's matching pods per domain: computed for this pod, or a snapshot of the
/// incremental counter with the domain census.
#[derive(Clone, Debug)]
pub enum DomainCounts {
    /// Domain value -> matching pods, every eligible domain listed.
    Owned(FxMap<Symbol, i64>),
    /// The counter's snapshot; every node with the key is an eligible domain.
    Shared {
        /// Matching pods by domain.
        map: Arc<DomainMap>,
        /// Nodes per domain value.
        domains: Arc<FxMap<Symbol, u32>>,
        /// The global minimum over the domains.
        min: i64,
    },
}

impl DomainCounts {
    fn shared(map: Arc<DomainMap>, domains: Arc<FxMap<Symbol, u32>>) -> DomainCounts {
        let mut nonzero = 0usize;
        let mut min = i64::MAX;
        for (v, c) in &map.values {
            if *c > 0 && domains.contains_key(v) {
                nonzero += 1;
                min = min.min(*c);
            }
        }
        let min = if domains.is_empty() {
            i64::from(i32::MAX)
        } else if nonzero < domains.len() {
            0
        } else {
            min
        };
        DomainCounts::Shared { map, domains, min }
    }

    /// Matching pods in domain `v`.
    pub fn get(&self, v: Symbol) -> i64 {
        match self {
            DomainCounts::Owned(m) => m.get(&v).copied().unwrap_or(0),
            DomainCounts::Shared { map, .. } => map.get(Some(v)),
        }
    }

    /// Number of eligible domains.
    pub fn len(&self) -> usize {
        match self {
            DomainCounts::Owned(m) => m.len(),
            DomainCounts::Shared { domains, .. } => domains.len(),
        }
    }

    /// Whether no domain is eligible.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The global minimum (`MaxInt32` without domains).
    pub fn min(&self) -> i64 {
        match self {
            DomainCounts::Owned(m) => m.values().copied().min().unwrap_or(i64::from(i32::MAX)),
            DomainCounts::Shared { min, .. } => *min,
        }
    }

    fn owned(&mut self) -> &mut FxMap<Symbol, i64> {
        if let DomainCounts::Shared { map, domains, .. } = self {
            let m = domains.keys().map(|v| (*v, map.get(Some(*v)))).collect();
            *self = DomainCounts::Owned(m);
        }
        match self {
            DomainCounts::Owned(m) => m,
            DomainCounts::Shared { .. } => unreachable!("materialised"),
        }
    }
}

/// The filter's per-pod state: domain counts per constraint.
#[derive(Clone, Debug)]
pub struct SpreadFilterState {
    /// The hard constraints.
    pub constraints: Vec<Constraint>,
    /// Per constraint: domain value -> matching pods.
    pub counts: Vec<DomainCounts>,
    /// Per constraint: whether the pod matches its own selector.
    pub self_match: Vec<i64>,
}

impl SpreadFilterState {
    fn min_match(&self, i: usize) -> i64 {
        let c = &self.counts[i];
        if (c.len() as i64) < self.constraints[i].min_domains {
            return 0;
        }
        c.min()
    }
}

/// Whether every constraint counts every node (no node-affinity or taint limits apply), so the
/// incremental counters give the exact domain counts.
pub(crate) fn counters_apply(pod: &PodInfo, constraints: &[Constraint]) -> bool {
    constraints
        .iter()
        .all(|c| !c.honor_taints && (!c.honor_affinity || pod.template.no_node_affinity()))
}

pub(crate) fn counter(cx: &ClusterView<'_>, pod: &PodInfo, c: &Constraint) -> Arc<DomainMap> {
    cx.cache.counter(
        cx.store,
        CounterKey {
            namespaces: Some(smallvec::smallvec![pod.namespace]),
            selector: c.selector.clone(),
            key: c.key,
            skip_deleting: true,
        },
    )
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
    /// The compiled constraints of `action` for `pod`: its own, or the defaults with the
    /// default selector (none when it has no selector).
    pub(crate) fn constraints(
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
        if constraints.len() == 1 && counters_apply(pod, &constraints) {
            let c = &constraints[0];
            let counts = vec![DomainCounts::shared(counter(cx, pod, c), cx.cache.census(c.key))];
            let self_match = self_matches(pod, &constraints);
            slot.write(
                state,
                SpreadFilterState {
                    constraints,
                    counts,
                    self_match,
                },
            );
            return Status::success();
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
        let counts = counts.into_iter().map(DomainCounts::Owned).collect();
        let self_match = self_matches(pod, &constraints);
        slot.write(
            state,
            SpreadFilterState {
                constraints,
                counts,
                self_match,
            },
        );
        Status::success()
    }

    fn filter(
        &self,
        _: &ClusterView<'_>,
        _: &PodInfo,
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
            let matched = s.counts[i].get(v);
            if matched + s.self_match[i] - s.min_match(i) > c.max_skew {
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
            *s.counts[i].owned().entry(v).or_default() += if add { 1 } else { -1 };
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::PodTopologySpread)
    }
}

mod score;
