//! What a pod says about where it may run: taints and tolerations, node and
//! pod affinity, topology spread constraints (`core/v1` types).

use serde::{Deserialize, Serialize};

use super::selector::PodSelector;
use super::time::Time;
use crate::intern::Symbol;

/// A taint's effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaintEffect {
    /// New pods that do not tolerate it are not scheduled.
    NoSchedule,
    /// The scheduler avoids the node when it can.
    PreferNoSchedule,
    /// Like NoSchedule, and running pods that do not tolerate it are evicted.
    NoExecute,
}

impl TaintEffect {
    /// The effect's name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

/// A node taint (`node.spec.taints[]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Taint {
    /// The taint key.
    pub key: Symbol,
    /// The taint value (may be empty).
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub value: Symbol,
    /// What it does to pods that do not tolerate it.
    pub effect: TaintEffect,
    /// When a NoExecute taint was added (eviction counts from here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_added: Option<Time>,
}

/// A toleration's operator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TolerationOperator {
    /// Key and value must be equal (the default).
    #[default]
    Equal,
    /// Any value; with an empty key, any taint.
    Exists,
}

/// A pod toleration (`spec.tolerations[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Toleration {
    /// The taint key it tolerates; empty with `Exists` tolerates every key.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub key: Symbol,
    /// `Equal` (default) or `Exists`.
    #[serde(default)]
    pub operator: TolerationOperator,
    /// The value for `Equal`.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub value: Symbol,
    /// The effect it tolerates; empty tolerates every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    /// For NoExecute: how long the pod stays after the taint appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// Whether this toleration tolerates `taint` (`ToleratesTaint` in
    /// `k8s.io/api/core/v1/toleration.go`): effects equal or the toleration's
    /// empty; then `Exists` with an empty key matches all keys, `Exists` with a
    /// key needs equal keys, `Equal` needs equal keys and values.
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(effect) = self.effect
            && effect != taint.effect
        {
            return false;
        }
        if !self.key.is_empty() && self.key != taint.key {
            return false;
        }
        match self.operator {
            TolerationOperator::Exists => true,
            TolerationOperator::Equal => self.value == taint.value,
        }
    }

    /// A toleration of `key` with operator Exists and `effect`.
    pub fn exists(key: &str, effect: TaintEffect, seconds: Option<i64>) -> Toleration {
        Toleration {
            key: Symbol::intern(key),
            operator: TolerationOperator::Exists,
            value: Symbol::EMPTY,
            effect: Some(effect),
            toleration_seconds: seconds,
        }
    }
}

/// Whether some toleration in `tolerations` tolerates `taint`.
pub fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| t.tolerates(taint))
}

/// An operator of a node selector requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodeSelectorOperator {
    /// The label's value is in the list.
    In,
    /// The label is absent or its value is not in the list.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
    /// The label's value, as an integer, is greater than the single value.
    Gt,
    /// The label's value, as an integer, is less than the single value.
    Lt,
}

/// One requirement of a node selector term.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSelectorRequirement {
    /// The label key (or `metadata.name` in `matchFields`).
    pub key: Symbol,
    /// How to compare.
    pub operator: NodeSelectorOperator,
    /// The values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Symbol>,
}

/// A node selector term: requirements ANDed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSelectorTerm {
    /// Requirements on node labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<NodeSelectorRequirement>,
    /// Requirements on node fields (only `metadata.name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_fields: Vec<NodeSelectorRequirement>,
}

/// Required node selector: terms ORed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSelector {
    /// The terms; an empty list matches nothing.
    #[serde(default)]
    pub node_selector_terms: Vec<NodeSelectorTerm>,
}

/// A weighted preferred term.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreferredSchedulingTerm {
    /// 1..=100.
    pub weight: i32,
    /// The term.
    pub preference: NodeSelectorTerm,
}

/// Node affinity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeAffinity {
    /// Hard requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_during_scheduling_ignored_during_execution: Option<NodeSelector>,
    /// Soft preferences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<PreferredSchedulingTerm>,
}

/// A pod (anti-)affinity term: pods matching `label_selector` in
/// `namespaces`, counted per domain of `topology_key`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodAffinityTerm {
    /// Which pods; absent selects none.
    #[serde(default, skip_serializing_if = "PodSelector::is_absent")]
    pub label_selector: PodSelector,
    /// Namespaces to look in; empty (and no namespaceSelector) means the pod's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<Symbol>,
    /// Namespaces by label; an empty selector means all namespaces.
    #[serde(default, skip_serializing_if = "PodSelector::is_absent")]
    pub namespace_selector: PodSelector,
    /// The node label that defines a domain (e.g. `topology.kubernetes.io/zone`).
    pub topology_key: Symbol,
}

/// A weighted pod affinity term.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightedPodAffinityTerm {
    /// 1..=100.
    pub weight: i32,
    /// The term.
    pub pod_affinity_term: PodAffinityTerm,
}

/// Pod affinity or anti-affinity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodAffinity {
    /// Hard terms (all must hold).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_during_scheduling_ignored_during_execution: Vec<PodAffinityTerm>,
    /// Soft terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<WeightedPodAffinityTerm>,
}

/// `spec.affinity`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Affinity {
    /// Node affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<NodeAffinity>,
    /// Pod affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_affinity: Option<PodAffinity>,
    /// Pod anti-affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_anti_affinity: Option<PodAffinity>,
}

/// What a topology spread constraint does when it cannot be met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnsatisfiableConstraintAction {
    /// A filter: the pod stays pending.
    DoNotSchedule,
    /// A score: the scheduler prefers less skew.
    ScheduleAnyway,
}

/// Whether node affinity or taints count when computing spread domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodeInclusionPolicy {
    /// Respect it.
    Honor,
    /// Ignore it.
    Ignore,
}

/// `spec.topologySpreadConstraints[]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopologySpreadConstraint {
    /// Largest allowed difference between domains.
    pub max_skew: i32,
    /// The node label that defines a domain.
    pub topology_key: Symbol,
    /// Filter or score.
    pub when_unsatisfiable: UnsatisfiableConstraintAction,
    /// Which pods count.
    #[serde(default, skip_serializing_if = "PodSelector::is_absent")]
    pub label_selector: PodSelector,
    /// Minimum number of eligible domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_domains: Option<i32>,
    /// Label keys whose values are copied from the pod into the selector.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_label_keys: Vec<Symbol>,
    /// Default Honor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity_policy: Option<NodeInclusionPolicy>,
    /// Default Ignore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_taints_policy: Option<NodeInclusionPolicy>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
        Taint {
            key: Symbol::intern(key),
            value: Symbol::intern(value),
            effect,
            time_added: None,
        }
    }

    #[test]
    fn toleration_rules() {
        let t = taint("gpu", "true", TaintEffect::NoSchedule);
        let equal = Toleration {
            key: Symbol::intern("gpu"),
            value: Symbol::intern("true"),
            ..Toleration::default()
        };
        assert!(equal.tolerates(&t));
        let wrong_value = Toleration {
            value: Symbol::intern("false"),
            ..equal.clone()
        };
        assert!(!wrong_value.tolerates(&t));
        let wrong_effect = Toleration {
            effect: Some(TaintEffect::NoExecute),
            ..equal.clone()
        };
        assert!(!wrong_effect.tolerates(&t));
        let everything = Toleration {
            operator: TolerationOperator::Exists,
            ..Toleration::default()
        };
        assert!(everything.tolerates(&t));
        assert!(Toleration::exists("gpu", TaintEffect::NoSchedule, None).tolerates(&t));
    }
}
