//! The StatefulSet controller (`pkg/controller/statefulset/`): pods with
//! stable names `<set>-<ordinal>` and claims `<template>-<set>-<ordinal>`,
//! created in order (OrderedReady) or all at once (Parallel), scaled down
//! from the highest ordinal, updated in descending ordinal order above the
//! partition.
//!
//! Revisions: upstream stores each template in a ControllerRevision named
//! `<set>-<hash>`; kubesim does not model that kind, so the controller keeps
//! the templates of the current and update revisions in memory (keyed by the
//! set's uid and revision name) and the names in `status.currentRevision`/
//! `updateRevision`, as upstream does. A current revision whose template is
//! unknown falls back to the update revision (`getStatefulSetRevisions`).

mod control;
pub mod pods;

use super::deployment::util::compute_hash;
use super::podctl::{claim_pods, enqueue_for_pod};
use super::{Controller, Ctx};
use crate::api::pod::PodTemplateSpec;
use crate::api::workloads::{PodManagementPolicy, StatefulSetSpec, StatefulSetStatus, UpdateStrategyType};
use crate::api::{Kind, Object, ObjectMeta, Pod, StatefulSet, Uid};
use crate::collections::{FxMap, FxSet};
use crate::intern::Symbol;
use crate::store::{Change, ChangeOp, Key, ObjectKey, Store, object_key, typed_key};

const NAME: &str = "statefulset-controller";

/// The StatefulSet controller.
#[derive(Default)]
pub struct StatefulSetController {
    /// Templates by (set uid, revision name): the ControllerRevisions.
    revisions: FxMap<(Uid, Symbol), PodTemplateSpec>,
    /// Ordinals whose pod was deleted for a scale-down under
    /// `whenScaled: Delete`: their claims go once the pod is gone.
    condemned: FxSet<(Uid, i32)>,
    /// Consecutive failed syncs per set (the workqueue's rate limiter).
    failures: FxMap<ObjectKey, u32>,
}

/// What a sync needs of the set.
pub struct StsView {
    meta: ObjectMeta,
    spec: StatefulSetSpec,
    status: StatefulSetStatus,
    /// The first ordinal.
    start: i32,
    current_revision: Symbol,
    update_revision: Symbol,
    /// The current revision's template.
    current_template: PodTemplateSpec,
}

impl StsView {
    /// The partition, under RollingUpdate.
    fn partition(&self) -> Option<i32> {
        let s = &self.spec.update_strategy;
        (s.type_ == UpdateStrategyType::RollingUpdate)
            .then(|| s.rolling_update.as_ref().map_or(0, |r| r.partition))
    }

    /// (whenDeleted, whenScaled).
    fn retention(&self) -> (&'static str, &'static str) {
        let p = self.spec.persistent_volume_claim_retention_policy.as_ref();
        let get = |s: Option<Symbol>| s.map_or("Retain", Symbol::as_str);
        (
            get(p.and_then(|p| p.when_deleted)),
            get(p.and_then(|p| p.when_scaled)),
        )
    }

    /// `allowsBurst`: Parallel.
    fn monotonic(&self) -> bool {
        self.spec.pod_management_policy != PodManagementPolicy::Parallel
    }
}

impl Controller for StatefulSetController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match change.key.kind {
            Kind::StatefulSet => match &change.op {
                ChangeOp::Deleted(obj) => {
                    if let Some(set) = StatefulSet::from_any_ref(obj) {
                        let uid = set.metadata.uid;
                        self.revisions.retain(|k, _| k.0 != uid);
                        self.condemned.retain(|k| k.0 != uid);
                    }
                    self.failures.remove(&change.key);
                }
                _ => enqueue(change.key),
            },
            Kind::Pod => enqueue_for_pod::<StatefulSet>(store, change, enqueue),
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(set_key) = typed_key::<StatefulSet>(key) else {
            return;
        };
        if self.sync_set(ctx, set_key) {
            self.failures.remove(&key);
        } else {
            let n = self.failures.entry(key).or_insert(0);
            let delay = (5i64 << (*n).min(20)).min(1_000_000);
            *n += 1;
            ctx.requeue_after(key, delay);
        }
    }
}

impl StatefulSetController {
    /// `syncStatefulSet`; false when a write failed.
    fn sync_set(&mut self, ctx: &mut Ctx<'_>, key: Key<StatefulSet>) -> bool {
        let Some(set) = ctx.store.get(key) else {
            return true;
        };
        let set = set.clone();
        let uid = set.metadata.uid;
        // `getStatefulSetRevisions`: the update revision is the template's.
        let update_revision = Symbol::intern(&format!(
            "{}-{}",
            set.metadata.name,
            compute_hash(&set.spec.template, None)
        ));
        self.revisions
            .entry((uid, update_revision))
            .or_insert_with(|| set.spec.template.clone());
        let (current_revision, current_template) = match self
            .revisions
            .get(&(uid, set.status.current_revision))
        {
            Some(t) if !set.status.current_revision.is_empty() => (set.status.current_revision, t.clone()),
            _ => (update_revision, set.spec.template.clone()),
        };
        let view = StsView {
            start: set.spec.ordinals.as_ref().map_or(0, |o| o.start),
            meta: set.metadata.clone(),
            status: set.status.clone(),
            spec: set.spec,
            current_revision,
            update_revision,
            current_template,
        };
        let name = view.meta.name.to_string();
        let pods = claim_pods(
            ctx,
            Kind::StatefulSet,
            &view.meta,
            view.spec.selector.selector(),
            &|p| pods::is_member_of(&name, p),
        );
        let (status, ok) = control::update_stateful_set(ctx, &view, &pods, &mut self.condemned);
        self.cleanup_claims(ctx, &view);
        let status = control::complete_rolling_update(&view, status);
        if status != view.status {
            let _ = ctx.store.update(key, |s| s.status = status.clone());
        }
        // Forget revisions no longer current or updating.
        let (cur, upd) = (status.current_revision, status.update_revision);
        self.revisions
            .retain(|k, _| k.0 != uid || k.1 == cur || k.1 == upd);
        if view.spec.min_ready_seconds > 0 && status.available_replicas != view.spec.replicas {
            ctx.requeue_after(object_key(key), i64::from(view.spec.min_ready_seconds) * 1000);
        }
        ok
    }

    /// Deletes the claims of scaled-down ordinals (`whenScaled: Delete`)
    /// once their pod is gone; forgets ordinals that came back in range.
    fn cleanup_claims(&mut self, ctx: &mut Ctx<'_>, set: &StsView) {
        let uid = set.meta.uid;
        let mut ords: Vec<i32> = self
            .condemned
            .iter()
            .filter(|k| k.0 == uid)
            .map(|k| k.1)
            .collect();
        ords.sort_unstable();
        let end = set.start + set.spec.replicas;
        for ord in ords {
            if (set.start..end).contains(&ord) {
                self.condemned.remove(&(uid, ord));
                continue;
            }
            let ns = set.meta.namespace.as_str();
            if ctx.store.lookup::<Pod>(ns, &pods::pod_name(set, ord)).is_some() {
                continue;
            }
            self.condemned.remove(&(uid, ord));
            for t in &set.spec.volume_claim_templates {
                let claim = pods::claim_name(t, set, ord);
                if let Some(k) = ctx.store.lookup::<crate::api::PersistentVolumeClaim>(ns, &claim) {
                    let _ = ctx.store.delete(k, Default::default());
                }
            }
        }
    }
}
