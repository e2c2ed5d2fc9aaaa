//! A brute-force "does this pod fit on this node" written from the
//! Kubernetes rules, independently of the scheduler, so the checker can
//! judge the scheduler's bindings and its unschedulable verdicts.
//!
//! It models the filters every default profile runs for plain pods:
//! NodeUnschedulable, TaintToleration (NoSchedule and NoExecute),
//! NodeAffinity (`nodeSelector` and required node affinity) and
//! NodeResourcesFit (pod count and every requested resource, counting bound
//! non-terminal pods, terminating ones included, and pods nominated to the
//! node with at least the pod's priority). Pods using what it does not model
//! (host ports, pod (anti-)affinity, hard topology spread, claims, another
//! scheduler) are left out of verdict checks by [`modeled`].

use crate::api::Node;
use crate::api::pod::Pod;
use crate::api::resources::ResourceList;
use crate::api::scheduling::{
    NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, Taint, TaintEffect,
    UnsatisfiableConstraintAction, tolerated,
};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::store::Store;

/// The taint kube-scheduler's NodeUnschedulable filter lets a pod tolerate
/// to land on a cordoned node.
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";

/// Whether the verdict check can judge `pod`: it uses nothing the brute
/// force does not model.
pub fn modeled(pod: &Pod) -> bool {
    let spec = &pod.spec;
    let hard_spread = spec
        .topology_spread_constraints
        .iter()
        .any(|c| c.when_unsatisfiable == UnsatisfiableConstraintAction::DoNotSchedule);
    let pod_affinity = spec.affinity.as_ref().is_some_and(|a| {
        a.pod_affinity
            .as_ref()
            .is_some_and(|p| !p.required_during_scheduling_ignored_during_execution.is_empty())
            || a.pod_anti_affinity
                .as_ref()
                .is_some_and(|p| !p.required_during_scheduling_ignored_during_execution.is_empty())
    });
    let ports = spec
        .init_containers
        .iter()
        .chain(&spec.containers)
        .any(|c| c.ports.iter().any(|p| p.host_port.is_some_and(|h| h > 0)));
    let claims = spec.volumes.iter().any(|v| v.persistent_volume_claim.is_some());
    let other_scheduler = spec
        .scheduler_name
        .is_some_and(|n| n.as_str() != "default-scheduler");
    !(hard_spread || pod_affinity || ports || claims || other_scheduler)
}

/// Why `node` refuses `pod` whatever its free resources (cordon, taints,
/// node selector, required node affinity), or `Ok`.
pub fn admits(pod: &Pod, node: &Node) -> Result<(), String> {
    let name = node.metadata.name;
    let tolerations = &pod.spec.tolerations;
    if node.spec.unschedulable {
        let cordon = Taint {
            key: Symbol::intern(TAINT_UNSCHEDULABLE),
            value: Symbol::EMPTY,
            effect: TaintEffect::NoSchedule,
            time_added: None,
        };
        if !tolerated(tolerations, &cordon) {
            return Err(format!("node {name} is cordoned"));
        }
    }
    for taint in &node.spec.taints {
        let hard = matches!(taint.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute);
        if hard && !tolerated(tolerations, taint) {
            return Err(format!(
                "node {name} has taint {}={}:{} the pod does not tolerate",
                taint.key,
                taint.value,
                taint.effect.as_str()
            ));
        }
    }
    for (k, v) in pod.spec.node_selector.iter() {
        if node.metadata.labels.get(k) != Some(v) {
            return Err(format!("node {name} lacks nodeSelector label {k}={v}"));
        }
    }
    let required = pod
        .spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref());
    if let Some(required) = required
        && !selector_matches(required, node)
    {
        return Err(format!("node {name} does not match the required node affinity"));
    }
    Ok(())
}

/// Required node affinity: terms ORed (none matches nothing), requirements
/// ANDed.
fn selector_matches(selector: &NodeSelector, node: &Node) -> bool {
    selector.node_selector_terms.iter().any(|term| {
        let labels_ok = term.match_expressions.iter().all(|r| {
            let value = node.metadata.labels.get(r.key);
            requirement_matches(r, value.map(|s| s.as_str()))
        });
        let fields_ok = term.match_fields.iter().all(|r| {
            let value = (r.key.as_str() == "metadata.name").then(|| node.metadata.name.to_string());
            requirement_matches(r, value.as_deref())
        });
        (!term.match_expressions.is_empty() || !term.match_fields.is_empty()) && labels_ok && fields_ok
    })
}

fn requirement_matches(r: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    let listed = |v: &str| r.values.iter().any(|x| x.as_str() == v);
    let int = |v: &str| v.parse::<i64>().ok();
    let bound = || r.values.first().and_then(|b| int(b.as_str()));
    match r.operator {
        NodeSelectorOperator::In => value.is_some_and(listed),
        NodeSelectorOperator::NotIn => value.is_none_or(|v| !listed(v)),
        NodeSelectorOperator::Exists => value.is_some(),
        NodeSelectorOperator::DoesNotExist => value.is_none(),
        NodeSelectorOperator::Gt => matches!((value.and_then(int), bound()), (Some(v), Some(b)) if v > b),
        NodeSelectorOperator::Lt => matches!((value.and_then(int), bound()), (Some(v), Some(b)) if v < b),
    }
}

/// What is already spoken for on each node, from a scan of every pod:
/// (requests, pod count).
pub struct NodeUsage(FxMap<Symbol, (ResourceList, i64)>);

impl NodeUsage {
    /// Bound non-terminal pods (terminating ones too), plus pending pods
    /// nominated to a node whose priority is at least `min_priority` (none
    /// when `None`), leaving out the pod with `except` uid.
    pub fn scan(store: &Store, min_priority: Option<i32>, except: crate::api::Uid) -> NodeUsage {
        let mut used: FxMap<Symbol, (ResourceList, i64)> = FxMap::default();
        for (_, p) in store.iter::<Pod>() {
            if p.metadata.uid == except || p.is_terminal() {
                continue;
            }
            let node = match (p.node_name, p.status.nominated_node_name, min_priority) {
                (Some(n), _, _) => n,
                (None, Some(n), Some(min))
                    if p.priority() >= min && p.metadata.deletion_timestamp.is_none() =>
                {
                    n
                }
                _ => continue,
            };
            let entry = used.entry(node).or_default();
            entry.0.add(&p.spec.derived.requests);
            entry.1 += 1;
        }
        NodeUsage(used)
    }

    /// Why `pod` does not fit in what `node` has left, or `Ok`.
    pub fn fits(&self, pod: &Pod, node: &Node) -> Result<(), String> {
        let name = node.metadata.name;
        let empty = (ResourceList::new(), 0);
        let (used, count) = self.0.get(&name.base()).unwrap_or(&empty);
        let alloc = &node.status.allocatable;
        if count + 1 > alloc.get_or_zero(Symbol::PODS) {
            return Err(format!("node {name} has no room for another pod"));
        }
        for (resource, amount) in pod.spec.derived.requests.iter() {
            if amount > 0 && used.get_or_zero(resource) + amount > alloc.get_or_zero(resource) {
                return Err(format!(
                    "node {name} has {} of {resource} left, the pod requests {amount}",
                    alloc.get_or_zero(resource) - used.get_or_zero(resource)
                ));
            }
        }
        Ok(())
    }
}

/// The first node `pod` fits on now (Ready nodes only, to be lenient with
/// schedulers that skip the others), or `None`.
pub fn first_fit(store: &Store, pod: &Pod) -> Option<String> {
    let usage = NodeUsage::scan(store, Some(pod.priority()), pod.metadata.uid);
    store
        .iter::<Node>()
        .map(|(_, n)| n)
        .filter(|n| n.is_ready())
        .find(|n| admits(pod, n).is_ok() && usage.fits(pod, n).is_ok())
        .map(|n| n.metadata.name.to_string())
}
