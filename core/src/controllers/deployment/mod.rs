//! The Deployment controller (`pkg/controller/deployment/`): one
//! ReplicaSet per pod template, rolled over with RollingUpdate or Recreate,
//! scaled proportionally mid-rollout, with revisions, history clean-up and
//! the Progressing and Available conditions.

mod history;
mod newrs;
mod recreate;
mod rolling;
mod scale;
mod status;
pub mod util;

pub use history::{RolloutRevision, rollback, rollout_history};

use super::{Controller, Ctx, controller_ref, owner_key};
use crate::api::workloads::DeploymentStrategyType;
use crate::api::{Deployment, Kind, Object, Pod, ReplicaSet};
use crate::events::EventType;
use crate::store::{Change, ChangeOp, Key, ObjectKey, Store, object_key, typed_key};
use util::RsInfo;

/// Events' source.
pub(crate) const NAME: &str = "deployment-controller";

/// The Deployment controller.
#[derive(Default)]
pub struct DeploymentController;

impl Controller for DeploymentController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match change.key.kind {
            Kind::Deployment if !matches!(change.op, ChangeOp::Deleted(_)) => enqueue(change.key),
            Kind::ReplicaSet => {
                let rs = match &change.op {
                    ChangeOp::Deleted(obj) => ReplicaSet::from_any_ref(obj),
                    _ => typed_key::<ReplicaSet>(change.key).and_then(|k| store.get(k)),
                };
                let Some(rs) = rs else { return };
                match rs.metadata.controller_ref() {
                    Some(_) => {
                        if let Some(d) = owner_key(store, &rs.metadata, Kind::Deployment) {
                            enqueue(d);
                        }
                    }
                    None if !matches!(change.op, ChangeOp::Deleted(_)) => {
                        // An orphan ReplicaSet: Deployments that could adopt it.
                        for key in store.selecting::<Deployment>(rs.metadata.namespace, &rs.metadata.labels) {
                            enqueue(object_key(key));
                        }
                    }
                    None => {}
                }
            }
            Kind::Pod => {
                // Recreate waits for old pods to be gone (`deletePod`).
                let ChangeOp::Deleted(obj) = &change.op else {
                    return;
                };
                let Some(pod) = Pod::from_any_ref(obj) else { return };
                let Some(rs) = owner_key(store, &pod.metadata, Kind::ReplicaSet) else {
                    return;
                };
                let Some(meta) = store.metadata_of(rs) else { return };
                if let Some(d) = owner_key(store, meta, Kind::Deployment)
                    && store
                        .get(typed_key::<Deployment>(d).expect("deployment key"))
                        .is_some_and(|d| d.spec.strategy.type_ == DeploymentStrategyType::Recreate)
                {
                    enqueue(d);
                }
            }
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        if let Some(d) = typed_key::<Deployment>(key) {
            sync_deployment(ctx, d);
        }
    }
}

/// `syncDeployment`.
fn sync_deployment(ctx: &mut Ctx<'_>, key: Key<Deployment>) {
    let Some(d) = ctx.store.get(key) else { return };
    let mut d = d.clone();
    let selects_all = d
        .spec
        .selector
        .spec()
        .is_some_and(|s| s.match_labels.is_empty() && s.match_expressions.is_empty());
    if selects_all {
        ctx.event(
            Kind::Deployment,
            &d.metadata,
            EventType::Warning,
            "SelectingAll",
            NAME,
            "This deployment is selecting all pods. A non-empty selector is required.".into(),
        );
        if d.status.observed_generation < d.metadata.generation {
            let generation = d.metadata.generation;
            let _ = ctx
                .store
                .update(key, |x| x.status.observed_generation = generation);
        }
        return;
    }
    let mut rss = claim_replica_sets(ctx, key, &d);
    if d.metadata.deletion_timestamp.is_some() {
        status::sync_status_only(ctx, key, &mut d, &mut rss);
        return;
    }
    status::check_paused_conditions(ctx, key, &mut d);
    if d.spec.paused {
        scale::sync_scale(ctx, key, &mut d, &mut rss);
        return;
    }
    if scale::is_scaling_event(ctx, key, &mut d, &mut rss) {
        scale::sync_scale(ctx, key, &mut d, &mut rss);
        return;
    }
    match d.spec.strategy.type_ {
        DeploymentStrategyType::Recreate => recreate::rollout_recreate(ctx, key, &mut d, &mut rss),
        DeploymentStrategyType::RollingUpdate => rolling::rollout_rolling(ctx, key, &mut d, &mut rss),
    }
}

/// `getReplicaSetsForDeployment`: the ReplicaSets this Deployment owns after
/// adopting matching orphans and releasing owned ones that no longer match.
fn claim_replica_sets(ctx: &mut Ctx<'_>, key: Key<Deployment>, d: &Deployment) -> Vec<RsInfo> {
    let _ = key;
    let selector = d.spec.selector.selector().clone();
    let ns = d.metadata.namespace;
    let uid = d.metadata.uid;
    // Candidates through the indexes: ReplicaSets the selector matches (label
    // index) and those this Deployment owns (owner index), in key order.
    // ReplicaSets another controller owns are never claimed, so without orphans in the
    // namespace the owned ones are every candidate.
    let mut candidates: Vec<Key<ReplicaSet>> = if ctx.store.has_orphan_replica_sets(ns) {
        ctx.store.select::<ReplicaSet>(ns, &selector)
    } else {
        Vec::new()
    };
    candidates.extend(
        ctx.store
            .dependents(uid)
            .iter()
            .filter_map(|k| typed_key::<ReplicaSet>(*k)),
    );
    candidates.sort();
    candidates.dedup();
    let mut owned = Vec::new();
    for rs_key in candidates {
        let Some(rs) = ctx.store.get(rs_key) else { continue };
        let matches = selector.matches(&rs.metadata.labels);
        match rs.metadata.controller_ref() {
            Some(r) if r.uid == uid => {
                if matches {
                    owned.push(RsInfo::of(rs_key, rs));
                } else if rs.metadata.deletion_timestamp.is_none() {
                    let _ = ctx
                        .store
                        .update(rs_key, |r| r.metadata.owner_references.retain(|o| o.uid != uid));
                }
            }
            Some(_) => {}
            None => {
                if matches
                    && d.metadata.deletion_timestamp.is_none()
                    && rs.metadata.deletion_timestamp.is_none()
                {
                    let reference = controller_ref(Kind::Deployment, &d.metadata);
                    if ctx
                        .store
                        .update(rs_key, |r| r.metadata.owner_references.push(reference))
                        .is_ok()
                        && let Some(rs) = ctx.store.get(rs_key)
                    {
                        owned.push(RsInfo::of(rs_key, rs));
                    }
                }
            }
        }
    }
    owned
}

/// Writes the local copy's annotations and status to the store.
fn write_back(ctx: &mut Ctx<'_>, key: Key<Deployment>, d: &Deployment) {
    let (annotations, status) = (d.metadata.annotations.clone(), d.status.clone());
    let _ = ctx.store.update(key, |x| {
        x.metadata.annotations = annotations;
        x.status = status;
    });
}

/// `scaleReplicaSet`: sets the size and the replica annotations, and
/// records `Scaled up replica set web-6bdd4b58db from 0 to 4`. Returns
/// whether the size changed.
fn scale_replica_set(
    ctx: &mut Ctx<'_>,
    rs: &mut RsInfo,
    new_scale: i32,
    d: &Deployment,
    operation: &str,
) -> bool {
    let desired = d.spec.replicas;
    let max = desired + util::max_surge(d);
    let size_changed = rs.replicas != new_scale;
    let mut meta = rs.meta.clone();
    let annotations_changed = util::set_replicas_annotations(&mut meta, desired, max);
    if !size_changed && !annotations_changed {
        return false;
    }
    let annotations = meta.annotations.clone();
    let ok = ctx
        .store
        .update(rs.key, |r| {
            r.spec.replicas = new_scale;
            r.metadata.annotations = annotations;
        })
        .is_ok();
    if !ok {
        return false;
    }
    let old = rs.replicas;
    if let Some(updated) = ctx.store.get(rs.key) {
        *rs = RsInfo::of(rs.key, updated);
    }
    if size_changed {
        ctx.event(
            Kind::Deployment,
            &d.metadata,
            EventType::Normal,
            "ScalingReplicaSet",
            NAME,
            format!(
                "Scaled {operation} replica set {} from {old} to {new_scale}",
                rs.meta.name
            ),
        );
    }
    size_changed
}

/// `scaleReplicaSetAndRecordEvent`.
fn scale_and_record(ctx: &mut Ctx<'_>, rs: &mut RsInfo, new_scale: i32, d: &Deployment) -> bool {
    if rs.replicas == new_scale {
        return false;
    }
    let op = if rs.replicas < new_scale { "up" } else { "down" };
    scale_replica_set(ctx, rs, new_scale, d, op)
}

/// For tests and tools: the key of the Deployment that owns a ReplicaSet.
pub fn owning_deployment(store: &Store, rs: &ReplicaSet) -> Option<Key<Deployment>> {
    owner_key(store, &rs.metadata, Kind::Deployment).and_then(typed_key)
}
