//! The `apps/v1` workloads: ReplicaSet, Deployment, DaemonSet, StatefulSet.
//!
//! Absent selectors: all four require `spec.selector` (validation rejects an
//! absent one, as the API server does), so an absent selector never reaches a
//! controller.

use serde::{Deserialize, Serialize};

use super::meta::{Condition, IntOrString, ObjectMeta};
use super::pod::PodTemplateSpec;
use super::policy::PersistentVolumeClaim;
use super::selector::PodSelector;
use crate::intern::Symbol;

fn one() -> i32 {
    1
}

/// A ReplicaSet (`apps/v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaSet {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: ReplicaSetSpec,
    /// Observed state.
    #[serde(default)]
    pub status: ReplicaSetStatus,
}

/// `replicaset.spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaSetSpec {
    /// Desired pods (default 1).
    #[serde(default = "one")]
    pub replicas: i32,
    /// Seconds a pod must be Ready to count as available.
    #[serde(default)]
    pub min_ready_seconds: i32,
    /// Which pods it owns (required).
    #[serde(default)]
    pub selector: PodSelector,
    /// The pods it creates.
    #[serde(default)]
    pub template: PodTemplateSpec,
}

impl Default for ReplicaSetSpec {
    fn default() -> Self {
        ReplicaSetSpec {
            replicas: 1,
            min_ready_seconds: 0,
            selector: PodSelector::default(),
            template: PodTemplateSpec::default(),
        }
    }
}

/// `replicaset.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaSetStatus {
    /// Active pods owned.
    #[serde(default)]
    pub replicas: i32,
    /// Owned pods whose labels match the template's.
    #[serde(default)]
    pub fully_labeled_replicas: i32,
    /// Owned pods that are Ready.
    #[serde(default)]
    pub ready_replicas: i32,
    /// Owned pods Ready for minReadySeconds.
    #[serde(default)]
    pub available_replicas: i32,
    /// The generation the controller last acted on.
    #[serde(default)]
    pub observed_generation: i64,
    /// Conditions (`ReplicaFailure`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// A Deployment (`apps/v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: DeploymentSpec,
    /// Observed state.
    #[serde(default)]
    pub status: DeploymentStatus,
}

/// `RollingUpdate` or `Recreate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeploymentStrategyType {
    /// Replace pods gradually (the default).
    #[default]
    RollingUpdate,
    /// Stop every old pod before starting new ones.
    Recreate,
}

/// `spec.strategy.rollingUpdate`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingUpdateDeployment {
    /// Pods that may be unavailable (default 25%, rounded down).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
    /// Pods above replicas (default 25%, rounded up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrString>,
}

/// `spec.strategy`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStrategy {
    /// The strategy.
    #[serde(default, rename = "type")]
    pub type_: DeploymentStrategyType,
    /// Parameters of RollingUpdate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateDeployment>,
}

/// `deployment.spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSpec {
    /// Desired pods (default 1).
    #[serde(default = "one")]
    pub replicas: i32,
    /// Which pods it manages (required).
    #[serde(default)]
    pub selector: PodSelector,
    /// The pods' template; changing it starts a rollout.
    #[serde(default)]
    pub template: PodTemplateSpec,
    /// How to replace pods.
    #[serde(default)]
    pub strategy: DeploymentStrategy,
    /// Seconds a pod must be Ready to count as available.
    #[serde(default)]
    pub min_ready_seconds: i32,
    /// Old ReplicaSets to keep for rollback (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    /// Paused: no rollout progress.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paused: bool,
    /// Seconds without progress before `ProgressDeadlineExceeded` (default 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Option<i32>,
}

impl Default for DeploymentSpec {
    fn default() -> Self {
        DeploymentSpec {
            replicas: 1,
            selector: PodSelector::default(),
            template: PodTemplateSpec::default(),
            strategy: DeploymentStrategy::default(),
            min_ready_seconds: 0,
            revision_history_limit: None,
            paused: false,
            progress_deadline_seconds: None,
        }
    }
}

/// `deployment.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStatus {
    /// The generation the controller last acted on.
    #[serde(default)]
    pub observed_generation: i64,
    /// Pods of all its ReplicaSets.
    #[serde(default)]
    pub replicas: i32,
    /// Pods of the newest template.
    #[serde(default)]
    pub updated_replicas: i32,
    /// Ready pods.
    #[serde(default)]
    pub ready_replicas: i32,
    /// Available pods.
    #[serde(default)]
    pub available_replicas: i32,
    /// replicas - available (at least 0).
    #[serde(default)]
    pub unavailable_replicas: i32,
    /// `Progressing`, `Available`, `ReplicaFailure`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Hash collisions seen (feeds the pod-template-hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
}

/// A DaemonSet (`apps/v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonSet {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: DaemonSetSpec,
    /// Observed state.
    #[serde(default)]
    pub status: DaemonSetStatus,
}

/// `RollingUpdate` or `OnDelete`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UpdateStrategyType {
    /// Replace pods automatically (the default).
    #[default]
    RollingUpdate,
    /// Replace a pod only when the user deletes it.
    OnDelete,
}

/// `daemonset.spec.updateStrategy.rollingUpdate`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingUpdateDaemonSet {
    /// Nodes whose pod may be unavailable (default 1; percentages round up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
    /// Nodes that may run an extra new pod (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrString>,
}

/// `daemonset.spec.updateStrategy`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonSetUpdateStrategy {
    /// The strategy.
    #[serde(default, rename = "type")]
    pub type_: UpdateStrategyType,
    /// Parameters of RollingUpdate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateDaemonSet>,
}

/// `daemonset.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonSetSpec {
    /// Which pods it manages (required).
    #[serde(default)]
    pub selector: PodSelector,
    /// The pods' template.
    #[serde(default)]
    pub template: PodTemplateSpec,
    /// How to replace pods.
    #[serde(default)]
    pub update_strategy: DaemonSetUpdateStrategy,
    /// Seconds a pod must be Ready to count as available.
    #[serde(default)]
    pub min_ready_seconds: i32,
    /// Old revisions to keep (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
}

/// `daemonset.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonSetStatus {
    /// Nodes running a daemon pod that should.
    #[serde(default)]
    pub current_number_scheduled: i32,
    /// Nodes running a daemon pod that should not.
    #[serde(default)]
    pub number_misscheduled: i32,
    /// Nodes that should run a daemon pod.
    #[serde(default)]
    pub desired_number_scheduled: i32,
    /// Nodes whose daemon pod is Ready.
    #[serde(default)]
    pub number_ready: i32,
    /// The generation the controller last acted on.
    #[serde(default)]
    pub observed_generation: i64,
    /// Nodes running the current template.
    #[serde(default)]
    pub updated_number_scheduled: i32,
    /// Nodes whose daemon pod is available.
    #[serde(default)]
    pub number_available: i32,
    /// Nodes whose daemon pod is not available.
    #[serde(default)]
    pub number_unavailable: i32,
}

/// A StatefulSet (`apps/v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSet {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: StatefulSetSpec,
    /// Observed state.
    #[serde(default)]
    pub status: StatefulSetStatus,
}

/// `OrderedReady` or `Parallel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PodManagementPolicy {
    /// One at a time, in ordinal order (the default).
    #[default]
    OrderedReady,
    /// All at once.
    Parallel,
}

/// `statefulset.spec.updateStrategy.rollingUpdate`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingUpdateStatefulSet {
    /// Ordinals below this keep the old revision.
    #[serde(default)]
    pub partition: i32,
    /// Pods that may be unavailable during the update (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
}

/// `statefulset.spec.updateStrategy`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetUpdateStrategy {
    /// The strategy.
    #[serde(default, rename = "type")]
    pub type_: UpdateStrategyType,
    /// Parameters of RollingUpdate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateStatefulSet>,
}

/// `spec.ordinals`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetOrdinals {
    /// The first ordinal (default 0).
    #[serde(default)]
    pub start: i32,
}

/// What happens to claims when the set is deleted or scaled down.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PvcRetentionPolicy {
    /// `Retain` (default) or `Delete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_deleted: Option<Symbol>,
    /// `Retain` (default) or `Delete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_scaled: Option<Symbol>,
}

/// `statefulset.spec`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetSpec {
    /// Desired pods (default 1).
    #[serde(default = "one")]
    pub replicas: i32,
    /// Which pods it manages (required).
    #[serde(default)]
    pub selector: PodSelector,
    /// The pods' template.
    #[serde(default)]
    pub template: PodTemplateSpec,
    /// One claim per pod per template: `<template>-<set>-<ordinal>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_claim_templates: Vec<PersistentVolumeClaim>,
    /// The governing headless Service.
    #[serde(default)]
    pub service_name: Symbol,
    /// OrderedReady (default) or Parallel.
    #[serde(default)]
    pub pod_management_policy: PodManagementPolicy,
    /// How to replace pods.
    #[serde(default)]
    pub update_strategy: StatefulSetUpdateStrategy,
    /// Old revisions to keep (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    /// Seconds a pod must be Ready to count as available.
    #[serde(default)]
    pub min_ready_seconds: i32,
    /// Claim retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim_retention_policy: Option<PvcRetentionPolicy>,
    /// The ordinal range's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordinals: Option<StatefulSetOrdinals>,
}

impl Default for StatefulSetSpec {
    fn default() -> Self {
        StatefulSetSpec {
            replicas: 1,
            selector: PodSelector::default(),
            template: PodTemplateSpec::default(),
            volume_claim_templates: Vec::new(),
            service_name: Symbol::EMPTY,
            pod_management_policy: PodManagementPolicy::default(),
            update_strategy: StatefulSetUpdateStrategy::default(),
            revision_history_limit: None,
            min_ready_seconds: 0,
            persistent_volume_claim_retention_policy: None,
            ordinals: None,
        }
    }
}

/// `statefulset.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetStatus {
    /// The generation the controller last acted on.
    #[serde(default)]
    pub observed_generation: i64,
    /// Pods created.
    #[serde(default)]
    pub replicas: i32,
    /// Ready pods.
    #[serde(default)]
    pub ready_replicas: i32,
    /// Pods at the current revision.
    #[serde(default)]
    pub current_replicas: i32,
    /// Pods at the update revision.
    #[serde(default)]
    pub updated_replicas: i32,
    /// Available pods.
    #[serde(default)]
    pub available_replicas: i32,
    /// The revision of pods before the update.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub current_revision: Symbol,
    /// The revision being rolled out.
    #[serde(default, skip_serializing_if = "Symbol::is_empty")]
    pub update_revision: Symbol,
}
