//! The simple per-node plugins: NodeUnschedulable, NodeName, TaintToleration and NodePorts
//! (`pkg/scheduler/framework/plugins/{nodeunschedulable,nodename,tainttoleration,nodeports}`).

use crate::api::scheduling::{TaintEffect, Toleration};
use crate::sched::cache::{ClusterView, NodeInfo};
use crate::sched::framework::{
    Builtin, CycleState, Filter, MAX_NODE_SCORE, Score, Slot, Status, default_normalize,
};
use crate::sched::pod_info::{PodInfo, tolerates_do_not_schedule};

/// `nodeunschedulable.ErrReasonUnschedulable`.
pub const ERR_UNSCHEDULABLE: &str = "node(s) were unschedulable";
/// `nodename.ErrReason`.
pub const ERR_NODE_NAME: &str = "node(s) didn't match the requested node name";
/// TaintToleration's filter reason (v1.33+ no longer names the taint).
pub const ERR_TAINT: &str = "node(s) had untolerated taint(s)";
/// `nodeports.ErrReason`.
pub const ERR_NODE_PORTS: &str = "node(s) didn't have free ports for the requested pod ports";

/// Rejects cordoned nodes unless the pod tolerates `node.kubernetes.io/unschedulable:NoSchedule`.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeUnschedulable;

impl Filter for NodeUnschedulable {
    fn name(&self) -> &'static str {
        "NodeUnschedulable"
    }

    fn filter(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        _: Slot,
        _: &CycleState,
        node: &NodeInfo<'_>,
    ) -> Status {
        if node.node().spec.unschedulable && !pod.template.tolerates_unschedulable {
            return Status::unresolvable(ERR_UNSCHEDULABLE);
        }
        Status::success()
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::NodeUnschedulable)
    }
}

/// `spec.nodeName`, when set on a pending pod, must name the node. (kubesim's admission moves a
/// created pod's `nodeName` to its binding, so such pods never reach the scheduler; the plugin is
/// kept for custom profiles and completeness.)
#[derive(Clone, Copy, Debug, Default)]
pub struct NodeName;

impl Filter for NodeName {
    fn name(&self) -> &'static str {
        "NodeName"
    }

    fn filter(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        _: Slot,
        _: &CycleState,
        node: &NodeInfo<'_>,
    ) -> Status {
        match pod.spec().node_name {
            Some(n) if n != node.name() => Status::unresolvable(ERR_NODE_NAME),
            _ => Status::success(),
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::NodeName)
    }
}

/// Filter: every NoSchedule / NoExecute taint must be tolerated. Score: the number of
/// PreferNoSchedule taints the pod does not tolerate, normalised reversed (fewest = 100).
#[derive(Clone, Copy, Debug, Default)]
pub struct TaintToleration;

/// The pod's tolerations that apply to PreferNoSchedule taints (`getAllTolerationPreferNoSchedule`).
#[derive(Clone)]
struct PreferTolerations(Vec<Toleration>);

/// Untolerated PreferNoSchedule taints of `node` (`countIntolerableTaintsPreferNoSchedule`).
pub fn intolerable_prefer_no_schedule(tolerations: &[Toleration], node: &NodeInfo<'_>) -> i64 {
    node.taints()
        .iter()
        .filter(|t| t.effect == TaintEffect::PreferNoSchedule)
        .filter(|t| !tolerations.iter().any(|tol| tol.tolerates(t)))
        .count() as i64
}

/// The tolerations of `pod` with effect PreferNoSchedule or no effect.
pub fn prefer_no_schedule_tolerations(pod: &PodInfo) -> Vec<Toleration> {
    pod.spec()
        .tolerations
        .iter()
        .filter(|t| t.effect.is_none_or(|e| e == TaintEffect::PreferNoSchedule))
        .cloned()
        .collect()
}

impl Filter for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn filter(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        _: Slot,
        _: &CycleState,
        node: &NodeInfo<'_>,
    ) -> Status {
        if tolerates_do_not_schedule(&pod.spec().tolerations, node.taints()) {
            Status::success()
        } else {
            Status::unresolvable(ERR_TAINT)
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::TaintToleration)
    }
}

impl Score for TaintToleration {
    fn name(&self) -> &'static str {
        "TaintToleration"
    }

    fn pre_score(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &mut CycleState,
        _: &[u32],
    ) -> Status {
        slot.write(state, PreferTolerations(prefer_no_schedule_tolerations(pod)));
        Status::success()
    }

    fn score(
        &self,
        _: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &CycleState,
        node: &NodeInfo<'_>,
    ) -> i64 {
        match slot.read::<PreferTolerations>(state) {
            Some(t) => intolerable_prefer_no_schedule(&t.0, node),
            None => intolerable_prefer_no_schedule(&prefer_no_schedule_tolerations(pod), node),
        }
    }

    fn normalize(&self, _: &PodInfo, _: Slot, _: &CycleState, _: &[u32], scores: &mut [i64]) {
        default_normalize(MAX_NODE_SCORE, true, scores);
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::TaintToleration)
    }
}

/// Host ports the pod asks for must be free on the node.
#[derive(Clone, Copy, Debug, Default)]
pub struct NodePorts;

impl Filter for NodePorts {
    fn name(&self) -> &'static str {
        "NodePorts"
    }

    fn pre_filter(&self, _: &ClusterView<'_>, pod: &PodInfo, _: Slot, _: &mut CycleState) -> Status {
        if pod.template.host_ports.is_empty() {
            Status::skip()
        } else {
            Status::success()
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
        if pod.template.host_ports.iter().any(|hp| node.port_conflict(hp)) {
            Status::unschedulable(ERR_NODE_PORTS)
        } else {
            Status::success()
        }
    }

    fn builtin(&self) -> Option<Builtin> {
        Some(Builtin::NodePorts)
    }
}
