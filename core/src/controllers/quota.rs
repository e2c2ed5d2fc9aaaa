//! The ResourceQuota controller's status (`pkg/controller/resourcequota/`):
//! `status.hard` mirrors `spec.hard` and `status.used` is recalculated
//! whenever something in the quota's namespace changes (upstream replenishes
//! on deletions and resyncs every 5 minutes; the simulation recalculates on
//! every change, from the same usage the admission plugin checks,
//! [`quota_used`]).

use super::{Controller, Ctx};
use crate::api::policy::ResourceQuotaStatus;
use crate::api::{Kind, ResourceQuota};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::store::admission::quota::quota_used;
use crate::store::{Change, ChangeOp, ObjectKey, Store, typed_key};

/// The ResourceQuota controller.
#[derive(Default)]
pub struct ResourceQuotaController {
    /// Quotas by namespace, kept from the feed.
    by_ns: FxMap<Symbol, Vec<ObjectKey>>,
}

impl Controller for ResourceQuotaController {
    fn name(&self) -> &'static str {
        "resourcequota-controller"
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        let kind = change.key.kind;
        if !kind.is_namespaced() || kind == Kind::Endpoints {
            return;
        }
        let ns = match &change.op {
            ChangeOp::Deleted(obj) => obj.metadata().namespace,
            _ => match store.metadata_of(change.key) {
                Some(m) => m.namespace,
                None => return,
            },
        };
        if kind == Kind::ResourceQuota {
            let list = self.by_ns.entry(ns).or_default();
            match change.op {
                ChangeOp::Deleted(_) => list.retain(|k| *k != change.key),
                ChangeOp::Added => list.push(change.key),
                ChangeOp::Modified => {}
            }
        }
        for k in self.by_ns.get(&ns).into_iter().flatten() {
            enqueue(*k);
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(qk) = typed_key::<ResourceQuota>(key) else {
            return;
        };
        let Some(quota) = ctx.store.get(qk) else { return };
        let status = ResourceQuotaStatus {
            hard: quota.spec.hard.clone(),
            used: quota_used(ctx.store, quota),
        };
        if status != quota.status {
            let _ = ctx.store.update(qk, |q| q.status = status);
        }
    }
}
