//! PodTopologySpread's score: `ScheduleAnyway` constraints (or the system defaults), each
//! node credited with the matching pods of its domains weighted by ln(domains + 2), normalised
//! so that the least crowded node scores 100.

use std::sync::Arc;

use super::{Constraint, PodTopologySpread, counter, counters_apply, counts_per_node, has_all_keys};
use crate::api::scheduling::UnsatisfiableConstraintAction;
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::sched::cache::{ClusterView, NodeInfo};
use crate::sched::counters::DomainMap;
use crate::sched::framework::{Builtin, CycleState, MAX_NODE_SCORE, Score, Slot, Status};
use crate::sched::pod_info::PodInfo;

/// The score's per-pod state.
#[derive(Clone, Debug)]
struct SpreadScoreState {
    constraints: Vec<Constraint>,
    ignored: Vec<u32>,
    /// Per constraint (non-hostname): domain value -> matching pods.
    counts: Vec<FxMap<Symbol, i64>>,
    /// Per constraint: matching pods per node slot (hostname constraints).
    per_node: Vec<Arc<DomainMap>>,
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
        let incremental = (!require_all || constraints.len() == 1) && counters_apply(pod, &constraints);
        let per_node: Vec<Arc<DomainMap>> = if incremental {
            constraints.iter().map(|c| counter(cx, pod, c)).collect()
        } else {
            constraints
                .iter()
                .map(|c| {
                    Arc::new(DomainMap {
                        nodes: counts_per_node(cx, pod, &c.selector),
                        ..DomainMap::default()
                    })
                })
                .collect()
        };
        if incremental {
            for (i, c) in constraints.iter().enumerate() {
                if c.key == Symbol::HOSTNAME {
                    continue;
                }
                let m = &per_node[i];
                for (v, cnt) in counts[i].iter_mut() {
                    *cnt = m.get(Some(*v));
                    if v.is_empty() && !require_all {
                        *cnt += m.get(None);
                    }
                }
            }
        } else {
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
                        *cnt += per_node[i].on_node(n);
                    }
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
                    s.per_node[i].on_node(node.slot())
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
