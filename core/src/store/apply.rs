//! `kubectl apply` semantics: create the object, or replace the desired
//! state (labels, annotations and spec-like fields) of the existing one while
//! keeping its status and identity.

use super::{ApiError, ObjectKey, Store, Stored, dispatch_kind, object_key};
use crate::api::*;

/// Takes the desired state of `other` into `self`.
pub trait Apply {
    /// Copies what a user owns from `other`: labels, annotations, owner
    /// references and the kind's desired-state fields.
    fn apply_from(&mut self, other: Self);
}

fn apply_meta(meta: &mut ObjectMeta, other: &ObjectMeta) {
    meta.labels = other.labels.clone();
    meta.annotations = other.annotations.clone();
    if !other.owner_references.is_empty() {
        meta.owner_references = other.owner_references.clone();
    }
}

macro_rules! apply_fields {
    ($($ty:ty => [$($field:ident),*]),* $(,)?) => {$(
        impl Apply for $ty {
            fn apply_from(&mut self, other: Self) {
                apply_meta(&mut self.metadata, &other.metadata);
                $( self.$field = other.$field; )*
            }
        }
    )*};
}

apply_fields! {
    Namespace => [],
    Node => [spec],
    ReplicaSet => [spec],
    Deployment => [spec],
    DaemonSet => [spec],
    StatefulSet => [spec],
    Job => [spec],
    CronJob => [spec],
    Service => [spec],
    Endpoints => [subsets],
    ConfigMap => [data, binary_data, immutable],
    Secret => [data, string_data, type_, immutable],
    ServiceAccount => [],
    ResourceQuota => [spec],
    LimitRange => [spec],
    PriorityClass => [value, global_default, preemption_policy, description],
    PodDisruptionBudget => [spec],
    HorizontalPodAutoscaler => [spec],
    PersistentVolumeClaim => [spec],
}

impl Apply for Pod {
    fn apply_from(&mut self, other: Self) {
        apply_meta(&mut self.metadata, &other.metadata);
        self.spec = other.spec;
    }
}

impl Store {
    /// Creates `obj`, or applies it onto the existing object of the same
    /// kind, namespace and name.
    pub fn apply(&mut self, obj: AnyObject) -> Result<ObjectKey, ApiError> {
        fn go<T: Stored + Apply>(store: &mut Store, obj: AnyObject) -> Result<ObjectKey, ApiError> {
            let Ok(mut obj) = T::from_any(obj) else {
                unreachable!("kind checked by the caller");
            };
            let meta = obj.metadata_mut();
            if T::KIND.is_namespaced() && meta.namespace.is_empty() {
                meta.namespace = crate::intern::Symbol::DEFAULT;
            }
            let existing = if meta.name.is_empty() {
                None
            } else {
                store.lookup_name::<T>(meta.namespace, &meta.name)
            };
            match existing {
                Some(key) => store
                    .update(key, |cur| cur.apply_from(obj))
                    .map(|()| object_key(key)),
                None => store.create(obj).map(object_key),
            }
        }
        dispatch_kind!(obj.kind(), go(self, obj))
    }
}
