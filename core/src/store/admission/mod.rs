//! Admission: the only way into the store.
//!
//! Every create and update runs, in the API server's order: metadata
//! (namespace, generated name, uid, timestamps), the kind's defaults and
//! mutating admission (priority, default tolerations, LimitRange defaults),
//! validation (the kind's rules, as `pkg/apis/*/validation` words them), and
//! quota. Only then does the store commit. A write that fails any step
//! returns an error naming the field and the rule, and the store is exactly
//! as it was: admission works on a copy and writes back nothing but the
//! committed object, the advanced RNG and the allocations it made.

mod apps;
mod base64;
mod batch;
mod common;
mod config;
pub mod limit_range;
pub mod meta;
mod node;
mod pod;
mod policy;
pub mod quota;
mod service;
mod workloads;

pub use common::{validate_pod_template, validate_replicas};
pub use meta::validate_object_meta;
pub use pod::{
    DEFAULT_SCHEDULER_NAME, TAINT_NOT_READY, TAINT_UNREACHABLE, default_pod_spec, mark_spec_validated,
    validate_pod_spec,
};
pub use quota::check_quota;

/// The validating admission plugins that run after a write passed
/// validation, in the API server's order: LimitRanger (pods and claims on
/// create), the Priority plugin's one-global-default rule (PriorityClasses)
/// and ResourceQuota (creates). `Err` carries the Forbidden message.
pub fn validating_plugins<T: super::Stored>(
    obj: &T,
    old: Option<&T>,
    adm: &Admission<'_>,
) -> Result<(), String> {
    let any = obj as &dyn std::any::Any;
    if old.is_none() {
        limit_range::check(any, adm)?;
    }
    if let Some(pc) = any.downcast_ref::<crate::api::PriorityClass>() {
        policy::check_global_default(pc, adm)?;
    }
    if old.is_none() {
        check_quota(obj, adm)?;
    }
    Ok(())
}

/// The grace period of a pod that does not set one.
pub fn pod_grace_default() -> i64 {
    pod::DEFAULT_TERMINATION_GRACE_SECONDS
}

use super::Store;
use crate::api::Object;
use crate::field::FieldError;
use crate::rng::Rng;
use crate::validation;

/// Create or update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A new object.
    Create,
    /// A change to an existing object.
    Update,
}

/// What admission can read and the little it can change (the RNG and the
/// allocators, written back only when the write commits).
pub struct Admission<'a> {
    /// The store as it is before this write.
    pub store: &'a Store,
    /// A copy of the store's RNG (generated names, allocations).
    pub rng: Rng,
    /// Create or update.
    pub operation: Operation,
    /// ClusterIP and NodePort allocations, cloned on first use.
    pub allocators: Option<super::allocators::Allocators>,
    /// Errors found while defaulting (a failed allocation), which the
    /// kind's `validate` reports when its own rules pass, as the API server
    /// allocates only after validation.
    pub deferred: Vec<FieldError>,
}

impl Admission<'_> {
    /// The allocators, cloned from the store on first use.
    pub fn allocators(&mut self) -> &mut super::allocators::Allocators {
        let store = self.store;
        self.allocators.get_or_insert_with(|| store.allocators.clone())
    }
}

/// The kind-specific part of admission.
pub trait Admit: Object {
    /// Defaults and mutating admission. Must be idempotent: it also runs on
    /// updates.
    fn admit_defaults(&mut self, _adm: &mut Admission<'_>) {}

    /// The kind's validation rules on create.
    fn validate(&self, adm: &Admission<'_>) -> Vec<FieldError>;

    /// The rules on update (default: the create rules).
    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let _ = old;
        self.validate(adm)
    }

    /// Called once validation passed, before commit: marks shared pod specs
    /// as validated so the pods created from them skip re-validation.
    fn mark_validated(&mut self) {}

    /// Whether the spec changed, which bumps `metadata.generation`.
    fn spec_changed(&self, _old: &Self) -> bool {
        false
    }

    /// Called when deletion starts (the object stays, with a
    /// deletionTimestamp, until its finalizers are gone). Namespaces turn
    /// Terminating here.
    fn begin_deletion(&mut self) {}

    /// Called when the object leaves the store: frees what it holds in the
    /// allocators (a Service's cluster IP and node ports).
    fn release(&self, _allocators: &mut super::allocators::Allocators) {}

    /// The rule for the kind's names (DNS-1123 subdomain for most kinds).
    fn validate_name(name: &str) -> Vec<String> {
        validation::dns1123_subdomain(name)
    }
}
