//! The ReplicaSet controller (`pkg/controller/replicaset/replica_set.go`).
//!
//! A sync claims pods (adopts matching orphans, releases owned pods whose
//! labels no longer match), creates or deletes pods to reach `replicas`
//! (at most 500 per sync, creations in slow-start batches of 1, 2, 4, ...),
//! deletes in the upstream ranking order, and writes the status counts.
//! The simulation reads the store directly, so client-go's expectations
//! (which guard against a stale cache) are not needed: a sync always sees
//! every pod the previous sync created.

use std::sync::Arc;

use super::podctl::enqueue_for_pod;
use super::ranking::{Ranked, deletion_order};
use super::{Controller, Ctx, controller_ref, owner_key};
use crate::api::pod::PodTemplateSpec;
use crate::api::workloads::ReplicaSetStatus;
use crate::api::{Kind, ObjectMeta, Pod, ReplicaSet, Time};
use crate::collections::FxMap;
use crate::events::EventType;
use crate::intern::Symbol;
use crate::labels::Selector;
use crate::store::{Change, ChangeOp, DeleteOptions, Key, ObjectKey, Store, object_key, typed_key};

/// Most pods created or deleted in one sync (`burstReplicas`).
pub const BURST_REPLICAS: usize = 500;
/// The first slow-start batch (`controller.SlowStartInitialBatchSize`).
const SLOW_START_INITIAL_BATCH: usize = 1;

const NAME: &str = "replicaset-controller";

/// The ReplicaSet controller.
#[derive(Default)]
pub struct ReplicaSetController;

impl Controller for ReplicaSetController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match change.key.kind {
            Kind::ReplicaSet if !matches!(change.op, ChangeOp::Deleted(_)) => enqueue(change.key),
            Kind::Pod => enqueue_for_pod::<ReplicaSet>(store, change, enqueue),
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(rs_key) = typed_key::<ReplicaSet>(key) else {
            return;
        };
        sync_replica_set(ctx, rs_key);
    }
}

/// What a sync needs of the ReplicaSet (copied out so the store can be written).
struct RsView {
    key: Key<ReplicaSet>,
    meta: ObjectMeta,
    selector: Selector,
    replicas: i32,
    min_ready_seconds: i32,
    template: PodTemplateSpec,
    generation: i64,
    status: ReplicaSetStatus,
}

fn sync_replica_set(ctx: &mut Ctx<'_>, rs_key: Key<ReplicaSet>) {
    let Some(rs) = ctx.store.get(rs_key) else { return };
    let rs = RsView {
        key: rs_key,
        meta: rs.metadata.clone(),
        selector: rs.spec.selector.selector().clone(),
        replicas: rs.spec.replicas,
        min_ready_seconds: rs.spec.min_ready_seconds,
        template: rs.spec.template.clone(),
        generation: rs.metadata.generation,
        status: rs.status.clone(),
    };
    let owned = claim_pods(ctx, &rs);
    let active: Vec<Key<Pod>> = owned
        .iter()
        .copied()
        .filter(|k| ctx.store.get(*k).is_some_and(Pod::is_active))
        .collect();
    if rs.meta.deletion_timestamp.is_none() {
        manage_replicas(ctx, &rs, &active);
    }
    update_status(ctx, rs_key, &rs, &active);
}

/// `ClaimPods`: the pods this ReplicaSet owns after adopting and releasing.
fn claim_pods(ctx: &mut Ctx<'_>, rs: &RsView) -> Vec<Key<Pod>> {
    let ns = rs.meta.namespace;
    // Pods owned by another controller are never claimed, so without orphans in the
    // namespace the owned pods are every candidate.
    let mut candidates = if ctx.store.has_orphan_pods(ns) {
        ctx.store.select_pods(ns, &rs.selector)
    } else {
        Vec::new()
    };
    for dep in ctx.store.dependents(rs.meta.uid) {
        if let Some(k) = typed_key::<Pod>(*dep) {
            candidates.push(k);
        }
    }
    candidates.sort();
    candidates.dedup();
    let mut owned = Vec::with_capacity(candidates.len());
    let can_adopt = rs.meta.deletion_timestamp.is_none();
    for key in candidates {
        let Some(pod) = ctx.store.get(key) else { continue };
        let matches = rs.selector.matches(&pod.metadata.labels);
        match pod.metadata.controller_ref() {
            Some(r) if r.uid == rs.meta.uid => {
                if matches {
                    owned.push(key);
                } else if pod.metadata.deletion_timestamp.is_none() {
                    // Release: the pod's labels no longer match.
                    let uid = rs.meta.uid;
                    let _ = ctx
                        .store
                        .update(key, |p| p.metadata.owner_references.retain(|r| r.uid != uid));
                }
            }
            Some(_) => {}
            None => {
                if matches && can_adopt && pod.metadata.deletion_timestamp.is_none() {
                    let reference = controller_ref(Kind::ReplicaSet, &rs.meta);
                    if ctx
                        .store
                        .update(key, |p| p.metadata.owner_references.push(reference))
                        .is_ok()
                    {
                        owned.push(key);
                    }
                }
            }
        }
    }
    owned
}

fn manage_replicas(ctx: &mut Ctx<'_>, rs: &RsView, active: &[Key<Pod>]) {
    let diff = active.len() as i64 - i64::from(rs.replicas);
    if diff < 0 {
        let want = ((-diff) as usize).min(BURST_REPLICAS);
        let created = slow_start_create(ctx, rs, want);
        if created < (-diff) as usize {
            // More to do (burst limit or an error): come back.
            ctx.requeue_after(object_key_of(rs), 0);
        }
    } else if diff > 0 {
        let n = (diff as usize).min(BURST_REPLICAS);
        let victims = pods_to_delete(ctx.store, rs, active, n, ctx.now);
        for key in victims {
            let Some(pod) = ctx.store.get(key) else { continue };
            let meta = pod.metadata.clone();
            match ctx.store.delete(key, DeleteOptions::default()) {
                Ok(()) => ctx.event(
                    Kind::ReplicaSet,
                    &rs.meta,
                    EventType::Normal,
                    "SuccessfulDelete",
                    NAME,
                    format!("Deleted pod: {}", meta.name),
                ),
                Err(e) => ctx.event(
                    Kind::ReplicaSet,
                    &rs.meta,
                    EventType::Warning,
                    "FailedDelete",
                    NAME,
                    format!("Error deleting: {e}"),
                ),
            }
        }
        if (diff as usize) > BURST_REPLICAS {
            ctx.requeue_after(object_key_of(rs), 0);
        }
    }
}

fn object_key_of(rs: &RsView) -> ObjectKey {
    object_key(rs.key)
}

/// Creates `count` pods in batches of 1, 2, 4, ... stopping at the first
/// batch with an error (`slowStartBatch`). Returns how many were created.
fn slow_start_create(ctx: &mut Ctx<'_>, rs: &RsView, count: usize) -> usize {
    let mut remaining = count;
    let mut batch = SLOW_START_INITIAL_BATCH.min(remaining);
    let mut created = 0;
    while batch > 0 {
        let mut failed = false;
        for _ in 0..batch {
            match ctx.store.create(pod_from_template(rs)) {
                Ok(key) => {
                    created += 1;
                    let name = ctx
                        .store
                        .get(key)
                        .map(|p| p.metadata.name.to_string())
                        .unwrap_or_default();
                    ctx.event(
                        Kind::ReplicaSet,
                        &rs.meta,
                        EventType::Normal,
                        "SuccessfulCreate",
                        NAME,
                        format!("Created pod: {name}"),
                    );
                }
                Err(e) => {
                    failed = true;
                    ctx.event(
                        Kind::ReplicaSet,
                        &rs.meta,
                        EventType::Warning,
                        "FailedCreate",
                        NAME,
                        format!("Error creating: {e}"),
                    );
                    break;
                }
            }
        }
        if failed {
            break;
        }
        remaining -= batch;
        batch = (2 * batch).min(remaining);
    }
    created
}

/// A pod for `rs` (`GetPodFromTemplate`): generateName `<rs>-`, the
/// template's labels and annotations, a controller reference, and the
/// template's spec shared, not copied.
fn pod_from_template(rs: &RsView) -> Pod {
    let mut meta = ObjectMeta {
        namespace: rs.meta.namespace,
        generate_name: Some(Symbol::intern(&format!("{}-", rs.meta.name))),
        labels: rs.template.metadata.labels.clone(),
        annotations: rs.template.metadata.annotations.clone(),
        ..ObjectMeta::default()
    };
    meta.owner_references
        .push(controller_ref(Kind::ReplicaSet, &rs.meta));
    Pod {
        metadata: meta,
        spec: Arc::clone(&rs.template.spec),
        node_name: None,
        status: Default::default(),
    }
}

/// `getPodsToDelete`: the first `n` of the active pods in ranking order,
/// ranked by related pods on the same node (the pods of every ReplicaSet of
/// the same Deployment, `getIndirectlyRelatedPods`).
fn pods_to_delete(store: &Store, rs: &RsView, active: &[Key<Pod>], n: usize, now: Time) -> Vec<Key<Pod>> {
    if n >= active.len() {
        return active.to_vec();
    }
    let related = related_pods(store, rs, active);
    let mut on_node: FxMap<Symbol, usize> = FxMap::default();
    for key in &related {
        if let Some(node) = store
            .get(*key)
            .and_then(|p| p.is_active().then_some(p.node_name).flatten())
        {
            *on_node.entry(node).or_default() += 1;
        }
    }
    let mut ranked: Vec<(Key<Pod>, Ranked<'_>)> = active
        .iter()
        .filter_map(|k| {
            let pod = store.get(*k)?;
            let rank = pod.node_name.map_or(0, |n| on_node.get(&n).copied().unwrap_or(0));
            Some((*k, Ranked { pod, rank }))
        })
        .collect();
    ranked.sort_by(|a, b| deletion_order(&a.1, &b.1, now));
    ranked.into_iter().take(n).map(|(k, _)| k).collect()
}

fn related_pods(store: &Store, rs: &RsView, active: &[Key<Pod>]) -> Vec<Key<Pod>> {
    let Some(deployment) = owner_key(store, &rs.meta, Kind::Deployment) else {
        return active.to_vec();
    };
    let Some(d_uid) = store.metadata_of(deployment).map(|m| m.uid) else {
        return active.to_vec();
    };
    let mut out = Vec::new();
    for sibling in store.dependents(d_uid) {
        if sibling.kind != Kind::ReplicaSet {
            continue;
        }
        let Some(uid) = store.metadata_of(*sibling).map(|m| m.uid) else {
            continue;
        };
        out.extend(store.dependents(uid).iter().filter_map(|k| typed_key::<Pod>(*k)));
    }
    out
}

fn update_status(ctx: &mut Ctx<'_>, rs_key: Key<ReplicaSet>, rs: &RsView, active: &[Key<Pod>]) {
    let now = ctx.now;
    let mut status = ReplicaSetStatus {
        replicas: active.len() as i32,
        observed_generation: rs.generation,
        conditions: rs.status.conditions.clone(),
        ..ReplicaSetStatus::default()
    };
    let mut not_yet_available = false;
    for key in active {
        let Some(pod) = ctx.store.get(*key) else { continue };
        if pod.metadata.labels.is_superset_of(&rs.template.metadata.labels) {
            status.fully_labeled_replicas += 1;
        }
        if pod.is_ready() {
            status.ready_replicas += 1;
            if pod.is_available(rs.min_ready_seconds, now) {
                status.available_replicas += 1;
            } else {
                not_yet_available = true;
            }
        }
    }
    if status != rs.status {
        let _ = ctx.store.update(rs_key, |r| r.status = status);
    }
    if not_yet_available && rs.min_ready_seconds > 0 {
        // Check again when the pods pass minReadySeconds.
        ctx.requeue_after(object_key(rs_key), i64::from(rs.min_ready_seconds) * 1000 + 1);
    }
}
