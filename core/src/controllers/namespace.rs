//! The namespace controller: a namespace being deleted is emptied (every
//! object in it deleted), then removed (`pkg/controller/namespace`).

use super::{Controller, Ctx};
use crate::api::*;
use crate::intern::Symbol;
use crate::store::{
    Change, ChangeOp, DeleteOptions, FINALIZER_NAMESPACE, ObjectKey, Store, Stored, object_key, typed_key,
};

/// The namespace controller.
#[derive(Default)]
pub struct NamespaceController;

fn namespace_key(store: &Store, ns: Symbol) -> Option<ObjectKey> {
    store
        .lookup_name::<Namespace>(Symbol::EMPTY, &Name::from_symbol(ns))
        .map(object_key)
}

impl Controller for NamespaceController {
    fn name(&self) -> &'static str {
        "namespace-controller"
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        if change.key.kind == Kind::Namespace {
            if let Some(k) = typed_key::<Namespace>(change.key)
                && store
                    .get(k)
                    .is_some_and(|n| n.metadata.deletion_timestamp.is_some())
            {
                enqueue(change.key);
            }
            return;
        }
        if let ChangeOp::Deleted(obj) = &change.op {
            let ns = obj.metadata().namespace;
            if !ns.is_empty()
                && let Some(k) = namespace_key(store, ns)
                && store
                    .metadata_of(k)
                    .is_some_and(|m| m.deletion_timestamp.is_some())
            {
                enqueue(k);
            }
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(k) = typed_key::<Namespace>(key) else {
            return;
        };
        let Some(ns) = ctx.store.get(k) else { return };
        if ns.metadata.deletion_timestamp.is_none() {
            return;
        }
        let name = ns.metadata.name.base();
        let mut remaining = 0;
        macro_rules! purge {
            ($($ty:ty),*) => {$( remaining += delete_all::<$ty>(ctx.store, name); )*};
        }
        purge!(
            Pod,
            ReplicaSet,
            Deployment,
            DaemonSet,
            StatefulSet,
            Job,
            CronJob,
            Service,
            Endpoints,
            ConfigMap,
            Secret,
            ServiceAccount,
            ResourceQuota,
            LimitRange,
            PodDisruptionBudget,
            HorizontalPodAutoscaler,
            PersistentVolumeClaim
        );
        if remaining == 0 {
            let _ = ctx.store.update(k, |n| {
                n.metadata
                    .finalizers
                    .retain(|f| f.as_str() != FINALIZER_NAMESPACE)
            });
        }
    }
}

/// Deletes every object of kind `T` in `ns`; returns how many remain.
fn delete_all<T: Stored>(store: &mut Store, ns: Symbol) -> usize {
    let keys: Vec<_> = store
        .iter::<T>()
        .filter(|(_, o)| o.metadata().namespace == ns)
        .map(|(k, o)| (k, o.metadata().deletion_timestamp.is_some()))
        .collect();
    for (k, deleting) in &keys {
        if !deleting {
            let _ = store.delete(*k, DeleteOptions::default());
        }
    }
    store
        .iter::<T>()
        .filter(|(_, o)| o.metadata().namespace == ns)
        .count()
}
