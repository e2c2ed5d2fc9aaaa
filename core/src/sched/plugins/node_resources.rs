//! NodeResourcesFit and NodeResourcesBalancedAllocation
//! (`pkg/scheduler/framework/plugins/noderesources`): the resource filter (pod count, CPU,
//! memory, ephemeral storage, extended resources) and the resource scores (LeastAllocated,
//! MostAllocated, RequestedToCapacityRatio; balanced allocation).

use smallvec::SmallVec;

use crate::intern::Symbol;
use crate::sched::cache::{ClusterView, NodeInfo, Res};
use crate::sched::framework::{
    Builtin, Code, CycleState, Filter, MAX_NODE_SCORE, Score, Slot, Status, reason,
};
use crate::sched::pod_info::{PodInfo, Template, is_scalar_resource};

/// The reason for a full node.
pub const ERR_TOO_MANY_PODS: &str = "Too many pods";
/// Insufficient CPU.
pub const ERR_CPU: &str = "Insufficient cpu";
/// Insufficient memory.
pub const ERR_MEMORY: &str = "Insufficient memory";
/// Insufficient ephemeral storage.
pub const ERR_EPHEMERAL: &str = "Insufficient ephemeral-storage";

/// `config.MaxCustomPriorityScore`: shape scores are given in 0..=10.
pub const MAX_CUSTOM_PRIORITY_SCORE: i64 = 10;

/// How NodeResourcesFit scores nodes (`ScoringStrategy.type`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Prefer nodes with the most free resources (the default).
    LeastAllocated,
    /// Prefer the fullest nodes (bin packing).
    MostAllocated,
    /// A piecewise-linear function of utilisation: (utilisation 0..=100, score 0..=10) points
    /// in increasing utilisation.
    RequestedToCapacityRatio(Vec<(i64, i64)>),
}

/// The resources a score looks at, with weights (`ScoringStrategy.resources`).
pub type ResourceWeights = SmallVec<[(Res, i64); 2]>;

/// CPU and memory, weight 1 each (the default).
pub fn default_resources() -> ResourceWeights {
    smallvec::smallvec![(Res::Cpu, 1), (Res::Memory, 1)]
}

/// `leastRequestedScore`: free share of `capacity` on a 0..=100 scale.
pub fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// `mostRequestedScore`: used share of `capacity` on a 0..=100 scale (capped at 100).
pub fn most_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    requested.min(capacity) * MAX_NODE_SCORE / capacity
}

/// `helper.BuildBrokenLinearFunction` over shape points (utilisation, score already scaled).
pub fn broken_linear(shape: &[(i64, i64)], p: i64) -> i64 {
    for (i, (u, s)) in shape.iter().enumerate() {
        if p <= *u {
            if i == 0 {
                return *s;
            }
            let (pu, ps) = shape[i - 1];
            return ps + (s - ps) * (p - pu) / (u - pu);
        }
    }
    shape.last().map_or(0, |(_, s)| *s)
}

/// Go's `math.Round` (half away from zero) of a non-negative ratio.
fn round_ratio(num: i64, den: i64) -> i64 {
    (num as f64 / den as f64).round() as i64
}

/// Combines per-resource (requested, allocatable) pairs with the strategy
/// (`leastResourceScorer`, `mostResourceScorer`, `requestedToCapacityRatioScorer`).
pub fn strategy_score(strategy: &Strategy, pairs: &[(i64, i64, i64)]) -> i64 {
    let (mut node_score, mut weight_sum) = (0i64, 0i64);
    match strategy {
        Strategy::LeastAllocated | Strategy::MostAllocated => {
            for &(req, alloc, w) in pairs {
                if alloc == 0 {
                    continue;
                }
                let s = match strategy {
                    Strategy::LeastAllocated => least_requested_score(req, alloc),
                    _ => most_requested_score(req, alloc),
                };
                node_score += s * w;
                weight_sum += w;
            }
            if weight_sum == 0 {
                0
            } else {
                node_score / weight_sum
            }
        }
        Strategy::RequestedToCapacityRatio(shape) => {
            let scaled: SmallVec<[(i64, i64); 4]> = shape
                .iter()
                .map(|(u, s)| (*u, s * (MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE)))
                .collect();
            for &(req, alloc, w) in pairs {
                if alloc == 0 {
                    continue;
                }
                let s = if req > alloc {
                    broken_linear(&scaled, 100)
                } else {
                    broken_linear(&scaled, req * 100 / alloc)
                };
                if s > 0 {
                    node_score += s * w;
                    weight_sum += w;
                }
            }
            if weight_sum == 0 {
                0
            } else {
                round_ratio(node_score, weight_sum)
            }
        }
    }
}

/// `balancedResourceScorer`: 100 × (1 − standard deviation of the utilisation fractions), in
/// float64 as Kubernetes computes it.
pub fn balanced_score(pairs: &[(i64, i64)]) -> i64 {
    if let [(r1, a1), (r2, a2)] = *pairs
        && a1 != 0
        && a2 != 0
    {
        let f1 = (r1 as f64 / a1 as f64).min(1.0);
        let f2 = (r2 as f64 / a2 as f64).min(1.0);
        return ((1.0 - ((f1 - f2) / 2.0).abs()) * MAX_NODE_SCORE as f64) as i64;
    }
    let mut fractions: SmallVec<[f64; 4]> = SmallVec::new();
    let mut total = 0.0f64;
    for &(req, alloc) in pairs {
        if alloc == 0 {
            continue;
        }
        let f = (req as f64 / alloc as f64).min(1.0);
        total += f;
        fractions.push(f);
    }
    let std = match fractions.len() {
        2 => ((fractions[0] - fractions[1]) / 2.0).abs(),
        n if n > 2 => {
            let mean = total / n as f64;
            let sum: f64 = fractions.iter().map(|f| (f - mean) * (f - mean)).sum();
            (sum / n as f64).sqrt()
        }
        _ => 0.0,
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// The pod's request of `r` for scoring: CPU and memory with non-zero defaults unless
/// `use_requested` (`calculatePodResourceRequest`).
pub fn pod_score_request(t: &Template, r: Res, use_requested: bool) -> i64 {
    match r {
        Res::Cpu if use_requested => t.requests.cpu,
        Res::Cpu => t.non_zero_cpu,
        Res::Memory if use_requested => t.requests.memory,
        Res::Memory => t.non_zero_memory,
        Res::Ephemeral => t.requests.ephemeral,
        Res::Scalar(n) => t.requests.scalar(n),
    }
}

/// (allocatable, requested with the pod) of `r` on `node` (`calculateResourceAllocatableRequest`);
/// (0, 0) skips the resource.
pub fn alloc_request(node: &NodeInfo<'_>, r: Res, pod_request: i64, use_requested: bool) -> (i64, i64) {
    match r {
        Res::Cpu => {
            let used = if use_requested {
                node.requested(Res::Cpu)
            } else {
                node.non_zero_cpu()
            };
            (node.allocatable(Res::Cpu), used + pod_request)
        }
        Res::Memory => {
            let used = if use_requested {
                node.requested(Res::Memory)
            } else {
                node.non_zero_memory()
            };
            (node.allocatable(Res::Memory), used + pod_request)
        }
        Res::Ephemeral => (
            node.allocatable(Res::Ephemeral),
            node.requested(Res::Ephemeral) + pod_request,
        ),
        Res::Scalar(n) => {
            if pod_request == 0 || !node.has_scalar(n) {
                return (0, 0);
            }
            (node.allocatable(r), node.requested(r) + pod_request)
        }
    }
}

/// The NodeResourcesFit plugin: filter and score.
#[derive(Clone, Debug)]
pub struct NodeResourcesFit {
    /// The scoring strategy.
    pub strategy: Strategy,
    /// Resources scored, with weights.
    pub resources: ResourceWeights,
    /// Extended resources the filter ignores.
    pub ignored_resources: Vec<Symbol>,
    /// Extended resource groups (the part before `/`) the filter ignores.
    pub ignored_groups: Vec<String>,
}

impl Default for NodeResourcesFit {
    fn default() -> Self {
        NodeResourcesFit {
            strategy: Strategy::LeastAllocated,
            resources: default_resources(),
            ignored_resources: Vec::new(),
            ignored_groups: Vec::new(),
        }
    }
}

/// One failure of the resource filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insufficient {
    /// The reason (`Insufficient cpu`).
    pub reason: &'static str,
    /// Whether even an empty node could not hold the pod (no preemption can help).
    pub unresolvable: bool,
}

impl NodeResourcesFit {
    /// A fit plugin scoring with `strategy` over `resources`.
    pub fn with_strategy(strategy: Strategy, resources: ResourceWeights) -> NodeResourcesFit {
        NodeResourcesFit {
            strategy,
            resources,
            ..NodeResourcesFit::default()
        }
    }

    fn ignored(&self, name: Symbol) -> bool {
        let s = name.as_str();
        let extended = s.contains('/') && !s.contains("kubernetes.io/");
        extended
            && (self.ignored_resources.contains(&name)
                || self
                    .ignored_groups
                    .iter()
                    .any(|g| s.split('/').next() == Some(g.as_str())))
    }

    /// `fitsRequest`: every resource the pod lacks on `node`, in Kubernetes' order.
    pub fn insufficient(&self, pod: &PodInfo, node: &NodeInfo<'_>) -> SmallVec<[Insufficient; 2]> {
        self.insufficient_template(&pod.template, node)
    }

    /// [`NodeResourcesFit::insufficient`] for a template.
    pub fn insufficient_template(&self, t: &Template, node: &NodeInfo<'_>) -> SmallVec<[Insufficient; 2]> {
        let mut out = SmallVec::new();
        if node.pod_count() + 1 > node.allowed_pods() {
            out.push(Insufficient {
                reason: ERR_TOO_MANY_PODS,
                unresolvable: false,
            });
        }
        let req = &t.requests;
        if req.is_zero() {
            return out;
        }
        let check = |amount: i64, r: Res, reason: &'static str, out: &mut SmallVec<[Insufficient; 2]>| {
            let alloc = node.allocatable(r);
            if amount > 0 && amount > alloc - node.requested(r) {
                out.push(Insufficient {
                    reason,
                    unresolvable: amount > alloc,
                });
            }
        };
        check(req.cpu, Res::Cpu, ERR_CPU, &mut out);
        check(req.memory, Res::Memory, ERR_MEMORY, &mut out);
        check(req.ephemeral, Res::Ephemeral, ERR_EPHEMERAL, &mut out);
        for (name, amount) in &req.scalars {
            if *amount == 0 || self.ignored(*name) {
                continue;
            }
            let r = Res::Scalar(*name);
            let alloc = node.allocatable(r);
            if *amount > alloc - node.requested(r) {
                out.push(Insufficient {
                    reason: reason(&format!("Insufficient {}", name.as_str())),
                    unresolvable: *amount > alloc,
                });
            }
        }
        out
    }

    /// Whether `t` fits `node` (what [`NodeResourcesFit::insufficient`] finds empty, without
    /// building the reasons).
    pub fn fits(&self, t: &Template, node: &NodeInfo<'_>) -> bool {
        if node.pod_count() + 1 > node.allowed_pods() {
            return false;
        }
        let r = &t.requests;
        let short =
            |amount: i64, res: Res| amount > 0 && amount > node.allocatable(res) - node.requested(res);
        if short(r.cpu, Res::Cpu) || short(r.memory, Res::Memory) || short(r.ephemeral, Res::Ephemeral) {
            return false;
        }
        r.scalars.is_empty() || self.insufficient_template(t, node).is_empty()
    }

    /// The score of `node` for `t` (without the plugin weight).
    pub fn score_node(&self, t: &Template, node: &NodeInfo<'_>) -> i64 {
        if self.strategy == Strategy::LeastAllocated
            && self.resources.as_slice() == default_resources().as_slice()
        {
            // The default: CPU and memory, weight 1 each (same arithmetic as strategy_score).
            let (mut sum, mut weights) = (0, 0);
            for (req, alloc) in [
                (node.non_zero_cpu() + t.non_zero_cpu, node.allocatable(Res::Cpu)),
                (
                    node.non_zero_memory() + t.non_zero_memory,
                    node.allocatable(Res::Memory),
                ),
            ] {
                if alloc != 0 {
                    sum += least_requested_score(req, alloc);
                    weights += 1;
                }
            }
            return if weights == 0 { 0 } else { sum / weights };
        }
        let mut pairs: SmallVec<[(i64, i64, i64); 4]> = SmallVec::new();
        for &(r, w) in &self.resources {
            let (alloc, req) = alloc_request(node, r, pod_score_request(t, r, false), false);
            pairs.push((req, alloc, w));
        }
        strategy_score(&self.strategy, &pairs)
    }
}

impl Filter for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn filter(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        _: Slot,
        _: &CycleState,
        node: &NodeInfo<'_>,
    ) -> Status {
        if self.fits(&pod.template, node) {
            return Status::success();
        }
        let ins = self.insufficient(pod, node);
        let code = if ins.iter().any(|i| i.unresolvable) {
            Code::UnschedulableAndUnresolvable
        } else {
            Code::Unschedulable
        };
        Status {
            code,
            reasons: ins.iter().map(|i| i.reason).collect(),
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::NodeResourcesFit)
    }
}

impl Score for NodeResourcesFit {
    fn name(&self) -> &'static str {
        "NodeResourcesFit"
    }

    fn score(&self, _: &ClusterView<'_>, pod: &PodInfo, _: Slot, _: &CycleState, node: &NodeInfo<'_>) -> i64 {
        self.score_node(&pod.template, node)
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::NodeResourcesFit)
    }
}

/// The NodeResourcesBalancedAllocation score plugin.
#[derive(Clone, Debug)]
pub struct BalancedAllocation {
    /// Resources considered (weights unused).
    pub resources: ResourceWeights,
}

impl Default for BalancedAllocation {
    fn default() -> Self {
        BalancedAllocation {
            resources: default_resources(),
        }
    }
}

impl BalancedAllocation {
    /// Whether the pod requests none of the resources (best-effort: the plugin skips it).
    pub fn skips(&self, t: &Template) -> bool {
        self.resources
            .iter()
            .all(|(r, _)| pod_score_request(t, *r, true) == 0)
    }

    /// The score of `node` for `t`.
    pub fn score_node(&self, t: &Template, node: &NodeInfo<'_>) -> i64 {
        if self.resources.as_slice() == default_resources().as_slice() {
            let pairs = [
                (
                    node.requested(Res::Cpu) + t.requests.cpu,
                    node.allocatable(Res::Cpu),
                ),
                (
                    node.requested(Res::Memory) + t.requests.memory,
                    node.allocatable(Res::Memory),
                ),
            ];
            return balanced_score(&pairs);
        }
        let mut pairs: SmallVec<[(i64, i64); 4]> = SmallVec::new();
        for &(r, _) in &self.resources {
            let (alloc, req) = alloc_request(node, r, pod_score_request(t, r, true), true);
            pairs.push((req, alloc));
        }
        balanced_score(&pairs)
    }
}

impl Score for BalancedAllocation {
    fn name(&self) -> &'static str {
        "NodeResourcesBalancedAllocation"
    }

    fn pre_score(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        _: Slot,
        _: &mut CycleState,
        _: &[u32],
    ) -> Status {
        if self.skips(&pod.template) {
            Status::skip()
        } else {
            Status::success()
        }
    }

    fn score(&self, _: &ClusterView<'_>, pod: &PodInfo, _: Slot, _: &CycleState, node: &NodeInfo<'_>) -> i64 {
        self.score_node(&pod.template, node)
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::BalancedAllocation)
    }
}

/// Whether `name` is a resource the columns track as a scalar.
pub fn tracked_scalar(name: Symbol) -> bool {
    is_scalar_resource(name.as_str())
}
