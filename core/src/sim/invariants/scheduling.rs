//! The scheduler's decisions judged at the moment they are written: each
//! binding (through the store's pod audit hook, so the node is seen as it
//! was at bind time), each unschedulable verdict (the pod must fit on no
//! node then, by the brute force in [`super::fit`]), and each preemption
//! (every victim has a lower priority than its preemptor).

use super::Violation;
use super::fit;
use crate::api::meta::ConditionStatus;
use crate::api::{Kind, Node, Pod, Time, Uid};
use crate::events::Event;
use crate::intern::Symbol;
use crate::store::Store;

/// The pod audit the simulation installs (see
/// [`Store::set_pod_audit`](crate::store::Store::set_pod_audit)): a write
/// that binds a pod is checked against its node as it is now; a write that
/// records a new unschedulable verdict is checked against every node.
pub fn audit_pod_write(store: &Store, old: &Pod, new: &Pod, found: &mut Vec<(&'static str, String)>) {
    if old.node_name.is_none()
        && let Some(node) = new.node_name
    {
        check_binding(store, new, node, found);
    } else if new.node_name.is_none() && is_verdict(new) && verdict_changed(old, new) {
        check_verdict(store, new, found);
    }
}

fn pod_name(pod: &Pod) -> String {
    format!("{}/{}", pod.metadata.namespace, pod.metadata.name)
}

/// A binding: the node exists, admits the pod (not cordoned, taints
/// tolerated, selector and affinity met), and has room for it.
fn check_binding(store: &Store, pod: &Pod, node: Symbol, found: &mut Vec<(&'static str, String)>) {
    let Some(n) = store.get_named::<Node>("", node.as_str()) else {
        found.push((
            "bind-missing-node",
            format!("pod {} bound to node {node}, which does not exist", pod_name(pod)),
        ));
        return;
    };
    if let Err(why) = fit::admits(pod, n) {
        found.push((
            "bind-unschedulable-node",
            format!("pod {} bound although {why}", pod_name(pod)),
        ));
    }
    // The node's other pods, through the node index (checked against its
    // scan by `check`), so a binding costs the node's pods, not the store's.
    let mut used = crate::api::ResourceList::new();
    let mut count = 1;
    for k in store.pods_on_node(node) {
        if let Some(p) = store.get(*k)
            && p.metadata.uid != pod.metadata.uid
            && !p.is_terminal()
        {
            used.add(&p.spec.derived.requests);
            count += 1;
        }
    }
    used.add(&pod.spec.derived.requests);
    let alloc = &n.status.allocatable;
    let over = count > alloc.get_or_zero(Symbol::PODS)
        || used.iter().any(|(r, v)| v > 0 && v > alloc.get_or_zero(r));
    if over {
        found.push((
            "node-overcommit",
            format!(
                "binding pod {} to node {node} overcommits it: {count} pods, requests {used:?}",
                pod_name(pod)
            ),
        ));
    }
}

/// Whether the pod carries the scheduler's verdict `PodScheduled=False`,
/// reason `Unschedulable`.
fn is_verdict(pod: &Pod) -> bool {
    pod.status
        .conditions
        .pod_scheduled
        .is_some_and(|c| c.status == ConditionStatus::False)
        && pod.status.reason.is_some_and(|r| r.as_str() == "Unschedulable")
}

/// Whether a write records a verdict: the condition, reason or message
/// changed, or the pod was nominated. Clearing a nomination alone is not
/// one: preemption does that to lower-priority pods nominated to the node a
/// higher one now takes (upstream `clearNominatedNodeName`), and their last
/// verdict stands until the scheduler retries them.
fn verdict_changed(old: &Pod, new: &Pod) -> bool {
    let (a, b) = (&old.status, &new.status);
    a.conditions.pod_scheduled != b.conditions.pod_scheduled
        || a.reason != b.reason
        || a.message != b.message
        || (a.nominated_node_name != b.nominated_node_name && b.nominated_node_name.is_some())
}

/// An unschedulable verdict: the pod fits on no node now.
fn check_verdict(store: &Store, pod: &Pod, found: &mut Vec<(&'static str, String)>) {
    if !fit::modeled(pod) || pod.metadata.deletion_timestamp.is_some() {
        return;
    }
    if let Some(node) = fit::first_fit(store, pod) {
        found.push((
            "unschedulable-verdict",
            format!(
                "pod {} marked Unschedulable ({}) but it fits on node {node}",
                pod_name(pod),
                pod.status.message.as_deref().unwrap_or("")
            ),
        ));
    }
}

/// Every pod marked Unschedulable now fits on no node (the verdict check run
/// on demand, for states built without the audit hook).
pub fn check_verdicts(store: &Store, now: Time) -> Vec<Violation> {
    let mut found = Vec::new();
    for (_, pod) in store.iter::<Pod>() {
        if pod.node_name.is_none() && is_verdict(pod) {
            check_verdict(store, pod, &mut found);
        }
    }
    found
        .into_iter()
        .map(|(invariant, detail)| Violation {
            invariant,
            detail,
            at: now,
        })
        .collect()
}

/// Preemption only evicts lower priority: for every `Preempted` event
/// (Kubernetes' message `Preempted by pod <uid> on node <node>`, about the
/// victim), the victim's priority is below the preemptor's. `priority_of`
/// answers for pods that may be gone by now; an event it cannot judge is
/// reported too, so the check never passes by not understanding.
pub fn check_preemptions(events: &[Event], priority_of: impl Fn(Uid) -> Option<i32>) -> Vec<Violation> {
    let mut out = Vec::new();
    for e in events
        .iter()
        .filter(|e| e.reason == "Preempted" && e.involved.kind == Kind::Pod)
    {
        let victim = e.involved.uid;
        let preemptor = e
            .message
            .strip_prefix("Preempted by pod ")
            .and_then(|rest| rest.split(" on node ").next())
            .map(Uid::parse);
        let push = |out: &mut Vec<Violation>, invariant, detail| {
            out.push(Violation {
                invariant,
                detail,
                at: e.time,
            })
        };
        match (preemptor, priority_of(victim), preemptor.and_then(&priority_of)) {
            (Some(_), Some(v), Some(p)) if v < p => {}
            (Some(_), Some(v), Some(p)) => push(
                &mut out,
                "preemption-priority",
                format!(
                    "pod {}/{} (priority {v}) preempted by a pod of priority {p}: {}",
                    e.involved.namespace, e.involved.name, e.message
                ),
            ),
            _ => push(
                &mut out,
                "preemption-unjudged",
                format!("cannot tell the priorities in preemption event: {}", e.message),
            ),
        }
    }
    out
}

/// After the scheduler has had time to retry every pending pod (past its
/// longest back-off and its periodic flush of unschedulable pods), no
/// pending pod fits on a node: the eventual form of the verdict check, which
/// holds for any scheduler, whether or not it writes verdicts.
pub fn check_pending(store: &Store, now: Time) -> Vec<Violation> {
    let mut out = Vec::new();
    for (_, pod) in store.iter::<Pod>() {
        if pod.node_name.is_some() || !pod.is_active() || !fit::modeled(pod) {
            continue;
        }
        if let Some(node) = fit::first_fit(store, pod) {
            out.push(Violation {
                invariant: "pending-pod-fits",
                detail: format!("pod {} is still pending but fits on node {node}", pod_name(pod)),
                at: now,
            });
        }
    }
    out
}
