//! Two plugins written outside kubesim, against its public framework only:
//! - `MaxPodsPerNode`: a filter that keeps at most `max` pods on a node (pre-filter reads the
//!   limit once per pod from a label, if the pod sets one);
//! - `PreferLabel`: a score that gives 100 to nodes carrying a label, 0 to the others, then
//!   lets the framework weight it.
//!
//! The benches include this same file (`benches/support.rs`), so a custom profile runs through
//! the same workloads as the default one.

use kubesim::Symbol;
use kubesim::sched::{ClusterView, CycleState, Filter, NodeInfo, PodInfo, Score, Slot, Status};

/// Rejects nodes that already hold `max` pods (or the pod's `max-pods-per-node` label value).
pub struct MaxPodsPerNode {
    /// The default limit.
    pub max: i64,
}

/// The per-pod limit the pre-filter computed.
#[derive(Clone)]
struct Limit(i64);

impl Filter for MaxPodsPerNode {
    fn name(&self) -> &'static str {
        "MaxPodsPerNode"
    }

    fn pre_filter(&self, _: &ClusterView<'_>, pod: &PodInfo, slot: Slot, state: &mut CycleState) -> Status {
        let limit = pod
            .labels
            .get_str("max-pods-per-node")
            .and_then(|v| v.parse().ok())
            .unwrap_or(self.max);
        slot.write(state, Limit(limit));
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
        let limit = slot.read::<Limit>(state).map_or(self.max, |l| l.0);
        if node.pod_count() >= limit {
            Status::unschedulable("node(s) reached the custom pod limit")
        } else {
            Status::success()
        }
    }
}

/// Prefers nodes labelled `key=value`.
pub struct PreferLabel {
    /// Label key.
    pub key: Symbol,
    /// Label value.
    pub value: Symbol,
}

impl Score for PreferLabel {
    fn name(&self) -> &'static str {
        "PreferLabel"
    }

    fn score(&self, _: &ClusterView<'_>, _: &PodInfo, _: Slot, _: &CycleState, node: &NodeInfo<'_>) -> i64 {
        if node.labels().get(self.key) == Some(self.value) {
            100
        } else {
            0
        }
    }
}
