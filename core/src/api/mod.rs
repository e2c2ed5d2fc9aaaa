//! The object kinds: Kubernetes' JSON shapes over a compact representation.
//!
//! Every type serializes with the field names and nesting of Kubernetes'
//! JSON (`apiVersion`, `kind`, `metadata`, `spec`, `status`, camelCase), so a
//! manifest decodes straight into them. Internally they are compact: strings
//! that repeat are interned [`Symbol`](crate::Symbol)s, quantities are
//! integers ([`resources`]), and a pod's spec is shared with its siblings.
//! Fields the simulation has no use for are ignored on decode.
//!
//! This module knows nothing of the store: validation and defaulting live in
//! `store::admission`.

pub mod batch;
pub mod config;
pub mod kind;
pub mod meta;
pub mod name;
pub mod node;
pub mod pod;
mod pod_wire;
pub mod policy;
pub mod resources;
pub mod scheduling;
pub mod selector;
pub mod service;
pub mod time;
pub mod workloads;

pub use batch::{CronJob, Job};
pub use config::{ConfigMap, Namespace, Secret, ServiceAccount};
pub use kind::{AnyObject, Kind, Object};
pub use meta::{ObjectMeta, OwnerReference, Uid};
pub use name::Name;
pub use node::Node;
pub use pod::{Pod, PodSpec, PodTemplateSpec};
pub use policy::{
    HorizontalPodAutoscaler, LimitRange, PersistentVolumeClaim, PodDisruptionBudget, PriorityClass,
    ResourceQuota,
};
pub use resources::{ResourceList, ResourceRequirements};
pub use selector::PodSelector;
pub use service::{Endpoints, Service};
pub use time::Time;
pub use workloads::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
