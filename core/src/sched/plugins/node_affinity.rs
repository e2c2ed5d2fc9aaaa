//! NodeAffinity (`pkg/scheduler/framework/plugins/nodeaffinity`): `nodeSelector` and required
//! node affinity as a filter (terms ORed, requirements ANDed, `metadata.name` fields narrowing
//! the candidate nodes in the pre-filter), preferred terms as a score (sum of the weights of
//! the matching terms, normalised to 0..100).

use crate::intern::Symbol;
use crate::sched::cache::{ClusterView, NodeInfo};
use crate::sched::framework::{
    Builtin, Code, CycleState, Filter, MAX_NODE_SCORE, Score, Slot, Status, default_normalize,
};
use crate::sched::pod_info::PodInfo;

/// `nodeaffinity.ErrReasonPod`.
pub const ERR_NODE_AFFINITY: &str = "node(s) didn't match Pod's node affinity/selector";
/// `nodeaffinity.errReasonConflict`.
pub const ERR_CONFLICT: &str = "pod affinity terms conflict";

/// The NodeAffinity plugin.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeAffinity;

/// The node names the required terms' `metadata.name In` fields allow, if every term has one
/// (`PreFilterResult`); `Some(empty)` when they conflict.
pub fn node_names_from_fields(pod: &PodInfo) -> Option<Vec<Symbol>> {
    let terms = pod.template.required_terms.as_ref()?;
    if terms.is_empty() {
        return None;
    }
    let mut union: Vec<Symbol> = Vec::new();
    for t in terms {
        let mut term_names: Option<Vec<Symbol>> = None;
        for (is_in, names) in &t.fields {
            if !*is_in {
                continue;
            }
            term_names = Some(match term_names {
                None => names.to_vec(),
                Some(prev) => prev.into_iter().filter(|n| names.contains(n)).collect(),
            });
        }
        let names = term_names?;
        for n in names {
            if !union.contains(&n) {
                union.push(n);
            }
        }
    }
    Some(union)
}

impl Filter for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn pre_filter(&self, _: &ClusterView<'_>, pod: &PodInfo, _: Slot, state: &mut CycleState) -> Status {
        if pod.template.no_node_affinity() {
            return Status::skip();
        }
        match node_names_from_fields(pod) {
            Some(names) if names.is_empty() => Status::new(Code::UnschedulableAndUnresolvable, ERR_CONFLICT),
            Some(names) => {
                state.restrict_nodes("NodeAffinity", names);
                Status::success()
            }
            None => Status::success(),
        }
    }

    fn filter(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        _: Slot,
        _: &CycleState,
        node: &NodeInfo<'_>,
    ) -> Status {
        if pod.template.node_affinity_matches(node.labels(), node.name()) {
            Status::success()
        } else {
            Status::unresolvable(ERR_NODE_AFFINITY)
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::NodeAffinity)
    }
}

/// The sum of the weights of `pod`'s preferred terms that `node` matches.
pub fn preferred_score(pod: &PodInfo, node: &NodeInfo<'_>) -> i64 {
    let (labels, name) = (node.labels(), node.name());
    pod.template
        .preferred_terms
        .iter()
        .filter(|(_, t)| t.matches(labels, name))
        .map(|(w, _)| i64::from(*w))
        .sum()
}

impl Score for NodeAffinity {
    fn name(&self) -> &'static str {
        "NodeAffinity"
    }

    fn pre_score(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        _: Slot,
        _: &mut CycleState,
        _: &[u32],
    ) -> Status {
        if pod.template.has_preferred_terms {
            Status::success()
        } else {
            Status::skip()
        }
    }

    fn score(&self, _: &ClusterView<'_>, pod: &PodInfo, _: Slot, _: &CycleState, node: &NodeInfo<'_>) -> i64 {
        preferred_score(pod, node)
    }

    fn normalize(&self, _: &PodInfo, _: Slot, _: &CycleState, _: &[u32], scores: &mut [i64]) {
        default_normalize(MAX_NODE_SCORE, false, scores);
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::NodeAffinity)
    }
}
