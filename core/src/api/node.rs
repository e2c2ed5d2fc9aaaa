//! Nodes: capacity, allocatable (including extended resources such as
//! `nvidia.com/gpu`), labels, taints, cordoning and the Ready condition.

use serde::{Deserialize, Serialize};

use super::meta::{Condition, ConditionStatus, ObjectMeta};
use super::resources::ResourceList;
use super::scheduling::Taint;

/// A node (`v1/Node`), cluster-scoped.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// Metadata (labels such as `topology.kubernetes.io/zone`).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: NodeSpec,
    /// Observed state.
    #[serde(default)]
    pub status: NodeStatus,
}

/// `node.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    /// Cordoned: new pods are not scheduled here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unschedulable: bool,
    /// Taints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
}

/// `node.status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// Total resources.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub capacity: ResourceList,
    /// Resources available to pods (defaults to capacity). `pods` is the
    /// kubelet's maxPods (default 110).
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub allocatable: ResourceList,
    /// Conditions; `Ready` is the one the simulation drives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// The kubelet's default maxPods.
pub const DEFAULT_MAX_PODS: i64 = 110;

impl Node {
    /// Whether the Ready condition is True (a node with no conditions yet
    /// counts as ready: the simulated kubelet reports on registration).
    pub fn is_ready(&self) -> bool {
        super::meta::find_condition(&self.status.conditions, "Ready")
            .is_none_or(|c| c.status == ConditionStatus::True)
    }
}
