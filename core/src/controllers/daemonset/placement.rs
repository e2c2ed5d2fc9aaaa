//! Where daemon pods belong: `NodeShouldRunDaemonPod` and its predicates
//! (`daemon_controller.go`), the tolerations every daemon pod gets and the
//! node affinity that pins it (`util/daemonset_util.go`).

use crate::api::scheduling::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    TaintEffect, Toleration, tolerated,
};
use crate::api::{Node, Pod, PodSpec};
use crate::intern::Symbol;
use crate::labels::Labels;

/// The field key of a node's name in `matchFields`.
pub const NODE_NAME_FIELD: &str = "metadata.name";

/// Taint keys the DaemonSet controller tolerates on every daemon pod.
const NOT_READY: &str = "node.kubernetes.io/not-ready";
const UNREACHABLE: &str = "node.kubernetes.io/unreachable";
const DISK_PRESSURE: &str = "node.kubernetes.io/disk-pressure";
const MEMORY_PRESSURE: &str = "node.kubernetes.io/memory-pressure";
const PID_PRESSURE: &str = "node.kubernetes.io/pid-pressure";
const UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
const NETWORK_UNAVAILABLE: &str = "node.kubernetes.io/network-unavailable";

/// `AddOrUpdateTolerationInPodSpec`: a toleration with the same key,
/// operator, value and effect is replaced; otherwise it is appended.
fn add_or_update_toleration(spec: &mut PodSpec, toleration: Toleration) {
    let same = |t: &Toleration| {
        t.key == toleration.key
            && t.operator == toleration.operator
            && t.value == toleration.value
            && t.effect == toleration.effect
    };
    match spec.tolerations.iter_mut().find(|t| same(t)) {
        Some(existing) => *existing = toleration,
        None => spec.tolerations.push(toleration),
    }
}

/// `AddOrUpdateDaemonPodTolerations`: not-ready and unreachable NoExecute
/// (forever), disk-, memory- and pid-pressure and unschedulable NoSchedule,
/// and network-unavailable NoSchedule for host-network pods.
pub fn add_daemon_tolerations(spec: &mut PodSpec) {
    let exists = |key: &str, effect| Toleration::exists(key, effect, None);
    add_or_update_toleration(spec, exists(NOT_READY, TaintEffect::NoExecute));
    add_or_update_toleration(spec, exists(UNREACHABLE, TaintEffect::NoExecute));
    for key in [DISK_PRESSURE, MEMORY_PRESSURE, PID_PRESSURE, UNSCHEDULABLE] {
        add_or_update_toleration(spec, exists(key, TaintEffect::NoSchedule));
    }
    if spec.host_network {
        add_or_update_toleration(spec, exists(NETWORK_UNAVAILABLE, TaintEffect::NoSchedule));
    }
}

/// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required node affinity
/// becomes the single term `matchFields metadata.name In [node]`.
pub fn pin_to_node(spec: &mut PodSpec, node: Symbol) {
    let term = NodeSelectorTerm {
        match_expressions: Vec::new(),
        match_fields: vec![NodeSelectorRequirement {
            key: Symbol::intern(NODE_NAME_FIELD),
            operator: NodeSelectorOperator::In,
            values: vec![node],
        }],
    };
    let affinity = spec.affinity.get_or_insert_with(Affinity::default);
    let node_affinity = affinity.node_affinity.get_or_insert_with(NodeAffinity::default);
    node_affinity.required_during_scheduling_ignored_during_execution = Some(NodeSelector {
        node_selector_terms: vec![term],
    });
}

/// `GetTargetNodeName`: the bound node, or the node the pod's required
/// affinity pins it to.
pub fn target_node(pod: &Pod) -> Option<Symbol> {
    if let Some(n) = pod.node_name {
        return Some(n);
    }
    let required = pod
        .spec
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?;
    required
        .node_selector_terms
        .iter()
        .flat_map(|t| &t.match_fields)
        .find(|r| r.key.as_str() == NODE_NAME_FIELD && r.operator == NodeSelectorOperator::In)
        .filter(|r| r.values.len() == 1)
        .map(|r| r.values[0])
}

/// Whether one node selector requirement holds for `value` (a label's
/// value, or the node name for `matchFields`).
fn requirement_matches(r: &NodeSelectorRequirement, value: Option<Symbol>) -> bool {
    let int = |s: Symbol| s.as_str().parse::<i64>().ok();
    match r.operator {
        NodeSelectorOperator::In => value.is_some_and(|v| r.values.contains(&v)),
        NodeSelectorOperator::NotIn => !value.is_some_and(|v| r.values.contains(&v)),
        NodeSelectorOperator::Exists => value.is_some(),
        NodeSelectorOperator::DoesNotExist => value.is_none(),
        NodeSelectorOperator::Gt | NodeSelectorOperator::Lt => {
            let (Some(have), Some(bound)) = (value.and_then(int), r.values.first().copied().and_then(int))
            else {
                return false;
            };
            if r.operator == NodeSelectorOperator::Gt {
                have > bound
            } else {
                have < bound
            }
        }
    }
}

/// Whether a node selector term holds: every expression on the labels and
/// every field (only `metadata.name`) holds; an empty term matches nothing.
pub fn term_matches(term: &NodeSelectorTerm, labels: &Labels, name: Symbol) -> bool {
    if term.match_expressions.is_empty() && term.match_fields.is_empty() {
        return false;
    }
    term.match_expressions
        .iter()
        .all(|r| requirement_matches(r, labels.get(r.key)))
        && term
            .match_fields
            .iter()
            .all(|r| r.key.as_str() == NODE_NAME_FIELD && requirement_matches(r, Some(name)))
}

/// `GetRequiredNodeAffinity(pod).Match(node)`: the nodeSelector and the
/// required node affinity terms (ORed) both hold.
pub fn required_affinity_matches(spec: &PodSpec, node: &Node) -> bool {
    let labels = &node.metadata.labels;
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
        Some(sel) => {
            let name = node.metadata.name.to_symbol();
            sel.node_selector_terms
                .iter()
                .any(|t| term_matches(t, labels, name))
        }
    }
}

/// `NodeShouldRunDaemonPod` for a daemon pod of `spec` (the template with
/// the daemon tolerations): (should run, should continue running). The
/// template's nodeName must match, the node must satisfy the nodeSelector
/// and required affinity, and no NoSchedule or NoExecute taint may go
/// untolerated; an untolerated NoSchedule taint lets an existing pod stay.
/// Cordoning is ignored (daemon pods tolerate it).
pub fn node_should_run(node: &Node, spec: &PodSpec) -> (bool, bool) {
    let name = node.metadata.name.to_symbol();
    if spec.node_name.is_some_and(|n| n != name) {
        return (false, false);
    }
    if !required_affinity_matches(spec, node) {
        return (false, false);
    }
    let untolerated = |effects: &[TaintEffect]| {
        node.spec
            .taints
            .iter()
            .any(|t| effects.contains(&t.effect) && !tolerated(&spec.tolerations, t))
    };
    if untolerated(&[TaintEffect::NoSchedule, TaintEffect::NoExecute]) {
        return (false, !untolerated(&[TaintEffect::NoExecute]));
    }
    (true, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::scheduling::TolerationOperator;
    use crate::build;

    fn spec() -> PodSpec {
        let mut s = PodSpec::default();
        add_daemon_tolerations(&mut s);
        s
    }

    #[test]
    fn tolerations_are_added_once_and_replace_timed_ones() {
        let mut s = PodSpec::default();
        s.tolerations
            .push(Toleration::exists(NOT_READY, TaintEffect::NoExecute, Some(300)));
        add_daemon_tolerations(&mut s);
        add_daemon_tolerations(&mut s);
        assert_eq!(s.tolerations.len(), 6);
        assert_eq!(s.tolerations[0].toleration_seconds, None);
        assert!(
            s.tolerations
                .iter()
                .all(|t| t.operator == TolerationOperator::Exists)
        );
        s.host_network = true;
        add_daemon_tolerations(&mut s);
        assert_eq!(s.tolerations.len(), 7);
    }

    #[test]
    fn taints_decide_run_and_continue() {
        let s = spec();
        let plain = build::node("a", "1", "1Gi").build();
        assert_eq!(node_should_run(&plain, &s), (true, true));
        let cordoned = build::node("a", "1", "1Gi").unschedulable().build();
        assert_eq!(node_should_run(&cordoned, &s), (true, true));
        let no_schedule = build::node("a", "1", "1Gi")
            .taint("dedicated", "gpu", TaintEffect::NoSchedule)
            .build();
        assert_eq!(node_should_run(&no_schedule, &s), (false, true));
        let no_execute = build::node("a", "1", "1Gi")
            .taint("dedicated", "gpu", TaintEffect::NoExecute)
            .build();
        assert_eq!(node_should_run(&no_execute, &s), (false, false));
        let pressure = build::node("a", "1", "1Gi")
            .taint(MEMORY_PRESSURE, "", TaintEffect::NoSchedule)
            .build();
        assert_eq!(node_should_run(&pressure, &s), (true, true));
    }

    #[test]
    fn affinity_and_selector_match_labels_and_names() {
        let mut s = spec();
        let node = build::node("n1", "1", "1Gi")
            .label("disk", "ssd")
            .label("cores", "8")
            .build();
        s.node_selector = Labels::parse("disk=ssd").unwrap();
        assert!(required_affinity_matches(&s, &node));
        pin_to_node(&mut s, Symbol::intern("n1"));
        assert!(required_affinity_matches(&s, &node));
        pin_to_node(&mut s, Symbol::intern("n2"));
        assert!(!required_affinity_matches(&s, &node));
        let gt = NodeSelectorTerm {
            match_expressions: vec![NodeSelectorRequirement {
                key: Symbol::intern("cores"),
                operator: NodeSelectorOperator::Gt,
                values: vec![Symbol::intern("4")],
            }],
            match_fields: Vec::new(),
        };
        assert!(term_matches(&gt, &node.metadata.labels, Symbol::intern("n1")));
        assert!(!term_matches(
            &NodeSelectorTerm::default(),
            &node.metadata.labels,
            Symbol::intern("n1")
        ));
        s.node_selector = Labels::parse("disk=hdd").unwrap();
        assert_eq!(node_should_run(&node, &s), (false, false));
    }
}
