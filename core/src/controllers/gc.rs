//! The garbage collector (`pkg/controller/garbagecollector`): deletes
//! dependents whose owners are all gone (background), deletes dependents
//! before their owner (foreground), or releases them (orphan).

use super::{Controller, Ctx};
use crate::api::ObjectMeta;
use crate::store::{
    Change, ChangeOp, DeleteOptions, FINALIZER_FOREGROUND, FINALIZER_ORPHAN, ObjectKey, Propagation, Store,
};

/// The garbage collector.
#[derive(Default)]
pub struct GarbageCollector;

fn owner_state(store: &Store, meta: &ObjectMeta) -> (usize, usize, Option<ObjectKey>) {
    // (owners present, owners missing, an owner in foreground deletion)
    let mut present = 0;
    let mut missing = 0;
    let mut foreground = None;
    for r in &meta.owner_references {
        match store
            .key_of_uid(r.uid)
            .filter(|k| k.kind.name() == r.kind.as_str())
        {
            Some(k) => {
                present += 1;
                if let Some(m) = store.metadata_of(k)
                    && m.deletion_timestamp.is_some()
                    && m.has_finalizer(FINALIZER_FOREGROUND)
                    && r.block_owner_deletion == Some(true)
                {
                    foreground = Some(k);
                }
            }
            None => missing += 1,
        }
    }
    (present, missing, foreground)
}

impl Controller for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector-controller"
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match &change.op {
            ChangeOp::Deleted(obj) => {
                let meta = obj.metadata();
                for dep in store.dependents(meta.uid) {
                    enqueue(*dep);
                }
                // An owner waiting in foreground deletion may now be free.
                for r in &meta.owner_references {
                    if let Some(k) = store.key_of_uid(r.uid) {
                        enqueue(k);
                    }
                }
            }
            ChangeOp::Added | ChangeOp::Modified => {
                let Some(meta) = store.metadata_of(change.key) else {
                    return;
                };
                let deleting = meta.deletion_timestamp.is_some()
                    && (meta.has_finalizer(FINALIZER_ORPHAN) || meta.has_finalizer(FINALIZER_FOREGROUND));
                let dangling = matches!(change.op, ChangeOp::Added)
                    && meta
                        .owner_references
                        .iter()
                        .any(|r| store.key_of_uid(r.uid).is_none());
                if deleting || dangling {
                    enqueue(change.key);
                }
                if deleting && meta.has_finalizer(FINALIZER_FOREGROUND) {
                    for dep in store.dependents(meta.uid) {
                        enqueue(*dep);
                    }
                }
            }
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(meta) = ctx.store.metadata_of(key) else {
            return;
        };
        let meta = meta.clone();
        if meta.deletion_timestamp.is_some() {
            if meta.has_finalizer(FINALIZER_ORPHAN) {
                orphan_dependents(ctx, &meta);
                let _ = ctx
                    .store
                    .update_metadata(key, |m| m.finalizers.retain(|f| f.as_str() != FINALIZER_ORPHAN));
                return;
            }
            if meta.has_finalizer(FINALIZER_FOREGROUND) {
                let deps: Vec<ObjectKey> = ctx.store.dependents(meta.uid).to_vec();
                let mut blocking = 0;
                for dep in deps {
                    let Some(dm) = ctx.store.metadata_of(dep) else {
                        continue;
                    };
                    let blocks = dm
                        .owner_references
                        .iter()
                        .any(|r| r.uid == meta.uid && r.block_owner_deletion == Some(true));
                    if blocks {
                        blocking += 1;
                    }
                    if dm.deletion_timestamp.is_none() {
                        let _ = ctx
                            .store
                            .delete_any(dep, DeleteOptions::propagation(Propagation::Foreground));
                    }
                }
                if blocking == 0 {
                    let _ = ctx.store.update_metadata(key, |m| {
                        m.finalizers.retain(|f| f.as_str() != FINALIZER_FOREGROUND)
                    });
                }
            }
            return;
        }
        if meta.owner_references.is_empty() {
            return;
        }
        let (present, missing, foreground) = owner_state(ctx.store, &meta);
        if present == 0 {
            // Every owner is gone: delete, in the background.
            let _ = ctx.store.delete_any(key, DeleteOptions::default());
        } else if foreground.is_some() {
            // An owner is being deleted in the foreground and waits for us.
            let _ = ctx
                .store
                .delete_any(key, DeleteOptions::propagation(Propagation::Foreground));
        } else if missing > 0 {
            // Drop references to owners that no longer exist.
            let store = &*ctx.store;
            let live: Vec<_> = meta
                .owner_references
                .iter()
                .filter(|r| store.key_of_uid(r.uid).is_some())
                .map(|r| r.uid)
                .collect();
            let _ = ctx
                .store
                .update_metadata(key, |m| m.owner_references.retain(|r| live.contains(&r.uid)));
        }
    }
}

/// Removes the owner's references from all its dependents.
fn orphan_dependents(ctx: &mut Ctx<'_>, owner: &ObjectMeta) {
    let deps: Vec<ObjectKey> = ctx.store.dependents(owner.uid).to_vec();
    for dep in deps {
        let uid = owner.uid;
        let _ = ctx
            .store
            .update_metadata(dep, |m| m.owner_references.retain(|r| r.uid != uid));
    }
}
