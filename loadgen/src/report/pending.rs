//! Why pods stay pending, in Kubernetes' words: the scheduler's own verdict
//! when it left one on the pod (`status.message`), otherwise the same
//! diagnosis kube-scheduler's filters would give, formatted as its
//! `FailedScheduling` message (`0/3 nodes are available: 3 Insufficient cpu.`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use kubesim::Symbol;
use kubesim::api::scheduling::{NodeSelectorOperator, NodeSelectorRequirement, TaintEffect, tolerated};
use kubesim::api::{Node, Pod, PodSpec, ResourceList};
use kubesim::labels::Labels;
use kubesim::store::Store;

use super::{Pending, PendingPod};

/// How many pending pods a report lists by name.
const LISTED: usize = 50;

/// A node as the filters see it: labels, taints, and what is left free.
struct NodeView {
    labels: Labels,
    node: Node,
    free: ResourceList,
    pods_free: i64,
}

/// Whether a pod counts as pending: not bound, not finished, not being deleted.
pub fn is_pending(pod: &Pod) -> bool {
    pod.node_name.is_none() && !pod.is_terminal() && pod.metadata.deletion_timestamp.is_none()
}

fn views(store: &Store) -> Vec<NodeView> {
    store
        .iter::<Node>()
        .map(|(_, n)| {
            let mut free = n.status.allocatable.clone();
            let mut count = 0;
            for k in store.pods_on_node(n.metadata.name.base()) {
                if let Some(p) = store.get(*k)
                    && !p.is_terminal()
                {
                    count += 1;
                    for (r, v) in p.spec.derived.requests.iter() {
                        free.set(r, free.get_or_zero(r) - v);
                    }
                }
            }
            NodeView {
                labels: n.metadata.labels.clone(),
                free,
                pods_free: n.status.allocatable.get_or_zero(Symbol::PODS) - count,
                node: n.clone(),
            }
        })
        .collect()
}

fn requirement_matches(r: &NodeSelectorRequirement, labels: &Labels) -> bool {
    let value = labels.get(r.key);
    let int = |s: Symbol| s.as_str().parse::<i64>().ok();
    match r.operator {
        NodeSelectorOperator::In => value.is_some_and(|v| r.values.contains(&v)),
        NodeSelectorOperator::NotIn => value.is_none_or(|v| !r.values.contains(&v)),
        NodeSelectorOperator::Exists => value.is_some(),
        NodeSelectorOperator::DoesNotExist => value.is_none(),
        NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => {
            match (value.and_then(int), r.values.first().copied().and_then(int)) {
                (Some(v), Some(bound)) if r.operator == NodeSelectorOperator::Gt => v > bound,
                (Some(v), Some(bound)) => v < bound,
                _ => false,
            }
        }
    }
}

fn affinity_matches(spec: &PodSpec, labels: &Labels) -> bool {
    if !labels.is_superset_of(&spec.node_selector) {
        return false;
    }
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| na.required_during_scheduling_ignored_during_execution.as_ref());
    match required {
        None => true,
        Some(sel) => sel.node_selector_terms.iter().any(|t| {
            !t.match_expressions.is_empty()
                && t.match_expressions.iter().all(|r| requirement_matches(r, labels))
        }),
    }
}

/// The reasons one node refuses `spec` (kube-scheduler's filter order; the
/// first failing filter speaks, NodeResourcesFit lists every resource short).
fn node_reasons(spec: &PodSpec, n: &NodeView) -> Vec<String> {
    if n.node.spec.unschedulable {
        return vec!["node(s) were unschedulable".into()];
    }
    for t in &n.node.spec.taints {
        if matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute)
            && !tolerated(&spec.tolerations, t)
        {
            return vec![format!(
                "node(s) had untolerated taint {{{}: {}}}",
                t.key.as_str(),
                t.value.as_str()
            )];
        }
    }
    if !n.node.is_ready() {
        return vec!["node(s) had untolerated taint {node.kubernetes.io/not-ready: }".into()];
    }
    if !affinity_matches(spec, &n.labels) {
        return vec!["node(s) didn't match Pod's node affinity/selector".into()];
    }
    let mut out = Vec::new();
    if n.pods_free < 1 {
        out.push("Too many pods".to_owned());
    }
    let requests = if spec.derived.computed {
        std::borrow::Cow::Borrowed(&spec.derived.requests)
    } else {
        std::borrow::Cow::Owned(spec.derive().requests)
    };
    for (r, v) in requests.iter() {
        if v > 0 && r != Symbol::PODS && v > n.free.get_or_zero(r) {
            out.push(format!("Insufficient {}", r.as_str()));
        }
    }
    out
}

/// kube-scheduler's message for a pod no node accepts.
fn diagnose(spec: &PodSpec, nodes: &[NodeView]) -> String {
    let mut histogram: BTreeMap<String, usize> = BTreeMap::new();
    for n in nodes {
        for r in node_reasons(spec, n) {
            *histogram.entry(r).or_default() += 1;
        }
    }
    let mut parts: Vec<String> = histogram.into_iter().map(|(r, c)| format!("{c} {r}")).collect();
    parts.sort();
    if parts.is_empty() {
        if nodes.is_empty() {
            return "0/0 nodes are available: no nodes registered.".into();
        }
        // Every node accepts it: the scheduler has not got to it yet.
        return format!(
            "{}/{} nodes could take it: waiting for the scheduler",
            nodes.len(),
            nodes.len()
        );
    }
    format!("0/{} nodes are available: {}.", nodes.len(), parts.join(", "))
}

/// Every pending pod with its reason: counts per reason and the first pods.
pub fn pending(store: &Store) -> Pending {
    let pods: Vec<&Pod> = store
        .iter::<Pod>()
        .map(|(_, p)| p)
        .filter(|p| is_pending(p))
        .collect();
    let mut out = Pending {
        total: pods.len() as u64,
        ..Pending::default()
    };
    if pods.is_empty() {
        return out;
    }
    let nodes = views(store);
    // Pods of one template share their spec: diagnose each spec once.
    let mut cache: HashMap<*const PodSpec, String> = HashMap::new();
    for pod in pods {
        let reason = match &pod.status.message {
            Some(m) if !m.is_empty() => m.to_string(),
            _ => cache
                .entry(Arc::as_ptr(&pod.spec))
                .or_insert_with(|| diagnose(&pod.spec, &nodes))
                .clone(),
        };
        if out.pods.len() < LISTED {
            out.pods.push(PendingPod {
                pod: format!("{}/{}", pod.metadata.namespace.as_str(), pod.metadata.name),
                reason: reason.clone(),
            });
        }
        *out.reasons.entry(reason).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubesim::build;

    #[test]
    fn explains_like_kube_scheduler() {
        let mut store = Store::new(1);
        store.create(build::node("small", "1", "1Gi").build()).unwrap();
        store
            .create(
                build::node("tainted", "8", "8Gi")
                    .taint("gpu", "yes", TaintEffect::NoSchedule)
                    .build(),
            )
            .unwrap();
        store
            .create(build::pod("big").requests("2", "2Gi").build())
            .unwrap();
        let p = pending(&store);
        assert_eq!(p.total, 1);
        assert_eq!(
            p.pods[0].reason,
            "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) had untolerated taint {gpu: yes}."
        );
        assert_eq!(p.reasons.values().sum::<u64>(), 1);
    }
}
