//! Policy and capacity kinds: ResourceQuota, LimitRange, PriorityClass,
//! PodDisruptionBudget, HorizontalPodAutoscaler, PersistentVolumeClaim.

use serde::{Deserialize, Serialize};

use super::meta::{IntOrString, ObjectMeta};
use super::resources::{ResourceList, ResourceRequirements};
use super::selector::PodSelector;
use super::time::Time;
use crate::intern::Symbol;

/// A ResourceQuota (`v1`): hard limits on a namespace's usage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceQuota {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: ResourceQuotaSpec,
    /// Observed usage.
    #[serde(default)]
    pub status: ResourceQuotaStatus,
}

/// `resourcequota.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceQuotaSpec {
    /// Limits by resource name (`pods`, `requests.cpu`, `count/deployments.apps`, ...).
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub hard: ResourceList,
    /// Scopes (`Terminating`, `NotTerminating`, `BestEffort`, `NotBestEffort`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<Symbol>,
}

/// `resourcequota.status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceQuotaStatus {
    /// The enforced limits.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub hard: ResourceList,
    /// Current usage.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub used: ResourceList,
}

/// A LimitRange (`v1`): per-container and per-pod bounds and defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitRange {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The limits.
    #[serde(default)]
    pub spec: LimitRangeSpec,
}

/// `limitrange.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitRangeSpec {
    /// One item per type.
    #[serde(default)]
    pub limits: Vec<LimitRangeItem>,
}

/// `limitrange.spec.limits[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LimitRangeItem {
    /// `Container`, `Pod` or `PersistentVolumeClaim`.
    #[serde(rename = "type")]
    pub type_: Symbol,
    /// Upper bounds on limits.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub max: ResourceList,
    /// Lower bounds on requests.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub min: ResourceList,
    /// Default limits.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub default: ResourceList,
    /// Default requests.
    #[serde(default, skip_serializing_if = "ResourceList::is_empty")]
    pub default_request: ResourceList,
    /// Largest limit/request ratio, in thousandths (`2` is stored as 2000),
    /// whatever the resource.
    #[serde(default, skip_serializing_if = "RatioList::is_empty")]
    pub max_limit_request_ratio: RatioList,
}

/// Ratios by resource name, in thousandths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RatioList(pub Vec<(Symbol, i64)>);

impl RatioList {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The ratio of `name` in thousandths.
    pub fn get(&self, name: Symbol) -> Option<i64> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

impl Serialize for RatioList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::quantity::{Format, Quantity};
        serializer.collect_map(
            self.0
                .iter()
                .map(|(k, v)| (k.as_str(), Quantity::from_milli(*v, Format::DecimalSI))),
        )
    }
}

impl<'de> Deserialize<'de> for RatioList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map: std::collections::BTreeMap<String, crate::quantity::Quantity> =
            Deserialize::deserialize(deserializer)?;
        Ok(RatioList(
            map.into_iter()
                .map(|(k, q)| (Symbol::intern(&k), q.milli_value()))
                .collect(),
        ))
    }
}

/// A PriorityClass (`scheduling.k8s.io/v1`), cluster-scoped.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriorityClass {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The priority pods of this class get.
    #[serde(default)]
    pub value: i32,
    /// Whether pods without a class get this one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub global_default: bool,
    /// `PreemptLowerPriority` (default) or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption_policy: Option<super::pod::PreemptionPolicy>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A PodDisruptionBudget (`policy/v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodDisruptionBudget {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: PodDisruptionBudgetSpec,
    /// Observed state.
    #[serde(default)]
    pub status: PodDisruptionBudgetStatus,
}

/// `pdb.spec`. Absent selector: in `policy/v1` a null selector selects no
/// pods and an empty one selects every pod of the namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodDisruptionBudgetSpec {
    /// Pods that must stay available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_available: Option<IntOrString>,
    /// Pods that may be unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
    /// The pods it protects.
    #[serde(default, skip_serializing_if = "PodSelector::is_absent")]
    pub selector: PodSelector,
}

/// `pdb.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodDisruptionBudgetStatus {
    /// Healthy pods now.
    #[serde(default)]
    pub current_healthy: i32,
    /// Healthy pods required.
    #[serde(default)]
    pub desired_healthy: i32,
    /// Evictions allowed now.
    #[serde(default)]
    pub disruptions_allowed: i32,
    /// Pods it counts.
    #[serde(default)]
    pub expected_pods: i32,
}

/// A HorizontalPodAutoscaler (`autoscaling/v2`; the v1 field
/// `targetCPUUtilizationPercentage` is accepted too).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HorizontalPodAutoscaler {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: HpaSpec,
    /// Observed state.
    #[serde(default)]
    pub status: HpaStatus,
}

/// `spec.scaleTargetRef`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossVersionObjectReference {
    /// `Deployment`, `ReplicaSet` or `StatefulSet`.
    pub kind: Symbol,
    /// The target's name.
    pub name: Symbol,
    /// The target's apiVersion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<Symbol>,
}

/// `spec.metrics[]` (only `Resource` metrics with `Utilization` targets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricSpec {
    /// `Resource`.
    #[serde(rename = "type")]
    pub type_: Symbol,
    /// The resource metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceMetricSource>,
}

/// `metrics[].resource`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceMetricSource {
    /// `cpu` or `memory`.
    pub name: Symbol,
    /// The target.
    pub target: MetricTarget,
}

/// `metrics[].resource.target`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricTarget {
    /// `Utilization`.
    #[serde(rename = "type")]
    pub type_: Symbol,
    /// Percent of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_utilization: Option<i32>,
}

/// `hpa.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaSpec {
    /// What it scales.
    #[serde(default)]
    pub scale_target_ref: CrossVersionObjectReference,
    /// Lower bound (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_replicas: Option<i32>,
    /// Upper bound.
    #[serde(default)]
    pub max_replicas: i32,
    /// Targets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSpec>,
    /// The v1 form of a CPU target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_cpu_utilization_percentage: Option<i32>,
}

/// `hpa.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaStatus {
    /// Replicas seen.
    #[serde(default)]
    pub current_replicas: i32,
    /// Replicas wanted.
    #[serde(default)]
    pub desired_replicas: i32,
    /// When it last scaled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_scale_time: Option<Time>,
}

/// A PersistentVolumeClaim (`v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeClaim {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: PvcSpec,
    /// Observed state.
    #[serde(default)]
    pub status: PvcStatus,
}

/// `pvc.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PvcSpec {
    /// `ReadWriteOnce`, ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<Symbol>,
    /// `requests.storage`.
    #[serde(default)]
    pub resources: ResourceRequirements,
    /// The storage class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<Symbol>,
    /// The bound volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_name: Option<Symbol>,
}

/// `Pending`, `Bound` or `Lost`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PvcPhase {
    /// Not bound yet.
    #[default]
    Pending,
    /// Bound (the simulation binds claims at once).
    Bound,
    /// The volume is gone.
    Lost,
}

/// `pvc.status`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PvcStatus {
    /// The phase.
    #[serde(default)]
    pub phase: PvcPhase,
}
