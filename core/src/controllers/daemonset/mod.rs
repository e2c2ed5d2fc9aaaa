//! The DaemonSet controller (`pkg/controller/daemon/daemon_controller.go`,
//! `update.go`, `util/daemonset_util.go`): one daemon pod per eligible node,
//! pinned there with required node affinity and placed by the scheduler.
//!
//! A sync claims pods, groups them by target node (nodes in name order,
//! where upstream walks an unordered list), creates pods on nodes that lack
//! one and deletes them from nodes that must not run one
//! (`podsShouldBeOnNode`), keeps the oldest of duplicates, deletes failed
//! pods with a per-node back-off (1 s doubling to 15 min), runs the rolling
//! update when `manage` had nothing to do (upstream waits for its
//! expectations), and writes the status counts. The template revision is
//! the `controller-revision-hash` label: the template's hash (ControllerRevision
//! objects are not modelled), as `deployment::util::compute_hash` computes it.

mod placement;
mod rolling;

pub use placement::{
    NODE_NAME_FIELD, add_daemon_tolerations, node_should_run, pin_to_node, required_affinity_matches,
    target_node, term_matches,
};

use std::cmp::Ordering;
use std::sync::Arc;

use super::deployment::util::compute_hash;
use super::podctl::{claim_pods, enqueue_for_pod};
use super::{Controller, Ctx, controller_ref};
use crate::api::pod::PodPhase;
use crate::api::workloads::{DaemonSetSpec, DaemonSetStatus, UpdateStrategyType};
use crate::api::{DaemonSet, Kind, Node, Object, ObjectMeta, Pod, PodSpec, Time, Uid};
use crate::collections::FxMap;
use crate::events::EventType;
use crate::intern::Symbol;
use crate::store::{Change, ChangeOp, DeleteOptions, Key, ObjectKey, Store, object_key, typed_key};

/// Most pods created or deleted in one sync (`BurstReplicas`).
pub const BURST_REPLICAS: usize = 250;
/// The failed-pod back-off's first delay.
pub const BACKOFF_INITIAL_MS: i64 = 1_000;
/// The failed-pod back-off's cap.
pub const BACKOFF_MAX_MS: i64 = 15 * 60 * 1_000;
/// The pod label carrying the template revision.
pub const REVISION_HASH_LABEL: &str = "controller-revision-hash";

const NAME: &str = "daemonset-controller";

/// A `flowcontrol.Backoff` entry (no jitter).
#[derive(Clone, Copy)]
struct Backoff {
    delay: i64,
    last_update: Time,
}

/// The DaemonSet controller.
#[derive(Default)]
pub struct DaemonSetController {
    /// Failed-pod back-off per (DaemonSet uid, observed generation, node).
    backoff: FxMap<(Uid, i64, Symbol), Backoff>,
    /// Consecutive failed syncs per DaemonSet (the workqueue's rate limiter).
    failures: FxMap<ObjectKey, u32>,
}

impl Controller for DaemonSetController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match change.key.kind {
            Kind::DaemonSet => match &change.op {
                ChangeOp::Deleted(obj) => {
                    if let Some(ds) = DaemonSet::from_any_ref(obj) {
                        let uid = ds.metadata.uid;
                        self.backoff.retain(|k, _| k.0 != uid);
                    }
                    self.failures.remove(&change.key);
                }
                _ => enqueue(change.key),
            },
            Kind::Pod => enqueue_for_pod::<DaemonSet>(store, change, enqueue),
            // A node came, went or changed: every DaemonSet looks again.
            Kind::Node => {
                for (k, _) in store.iter::<DaemonSet>() {
                    enqueue(object_key(k));
                }
            }
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(ds_key) = typed_key::<DaemonSet>(key) else {
            return;
        };
        let ok = self.sync_daemon_set(ctx, ds_key);
        if ok {
            self.failures.remove(&key);
        } else {
            // The workqueue's rate limiter: 5 ms doubling per failure, at most 1000 s.
            let n = self.failures.entry(key).or_insert(0);
            let delay = (5i64 << (*n).min(20)).min(1_000_000);
            *n += 1;
            ctx.requeue_after(key, delay);
        }
    }
}

/// What a sync needs of the DaemonSet.
pub(super) struct DsView {
    pub(super) key: Key<DaemonSet>,
    pub(super) meta: ObjectMeta,
    pub(super) spec: DaemonSetSpec,
    pub(super) status: DaemonSetStatus,
    /// The template revision (`controller-revision-hash`).
    pub(super) hash: Symbol,
    /// The template's spec with the daemon tolerations: what a new pod runs.
    pub(super) base: PodSpec,
}

/// One node's daemon pods.
pub(super) struct Slot {
    pub(super) node: Symbol,
    /// The node exists (pods may target a deleted one).
    pub(super) exists: bool,
    pub(super) should_run: bool,
    pub(super) should_continue: bool,
    /// Pods targeting the node, oldest first (`podByCreationTimestampAndPhase`).
    pub(super) pods: Vec<Key<Pod>>,
}

/// `podByCreationTimestampAndPhase`: scheduled first, then older, then by name.
fn pod_order(a: &Pod, b: &Pod) -> Ordering {
    b.node_name
        .is_some()
        .cmp(&a.node_name.is_some())
        .then(a.metadata.creation_timestamp.cmp(&b.metadata.creation_timestamp))
        .then_with(|| a.metadata.name.to_string().cmp(&b.metadata.name.to_string()))
}

impl DaemonSetController {
    /// `syncDaemonSet`; false when a write failed (retry with back-off).
    fn sync_daemon_set(&mut self, ctx: &mut Ctx<'_>, key: Key<DaemonSet>) -> bool {
        let Some(ds) = ctx.store.get(key) else {
            return true;
        };
        if ds
            .spec
            .selector
            .spec()
            .is_some_and(|s| s.match_labels.is_empty() && s.match_expressions.is_empty())
        {
            let meta = ds.metadata.clone();
            ctx.event(
                Kind::DaemonSet,
                &meta,
                EventType::Warning,
                "SelectingAll",
                NAME,
                "This daemon set is selecting all pods. A non-empty selector is required.".into(),
            );
            return true;
        }
        if ds.metadata.deletion_timestamp.is_some() {
            return true;
        }
        let mut base = (*ds.spec.template.spec).clone();
        add_daemon_tolerations(&mut base);
        let view = DsView {
            key,
            meta: ds.metadata.clone(),
            spec: ds.spec.clone(),
            status: ds.status.clone(),
            hash: Symbol::intern(&compute_hash(&ds.spec.template, None)),
            base,
        };
        let slots = slots(ctx, &view);
        let (to_delete, to_create) = self.manage(ctx, &view, &slots);
        let mut ok = true;
        if !to_delete.is_empty() || !to_create.is_empty() {
            ok = sync_nodes(ctx, &view, &to_delete, &to_create);
        } else if view.spec.update_strategy.type_ == UpdateStrategyType::RollingUpdate {
            let (del, create) = rolling::rolling_update(ctx, &view, &slots);
            ok = sync_nodes(ctx, &view, &del, &create);
        }
        let slots = slots_now(ctx, &view);
        update_status(ctx, &view, &slots);
        ok
    }

    /// `manage` / `podsShouldBeOnNode`: pods to delete and nodes needing a pod.
    fn manage(&mut self, ctx: &mut Ctx<'_>, ds: &DsView, slots: &[Slot]) -> (Vec<Key<Pod>>, Vec<Symbol>) {
        let mut delete = Vec::new();
        let mut create = Vec::new();
        let surge = rolling::allows_surge(ds);
        for slot in slots.iter().filter(|s| s.exists) {
            if slot.should_run && slot.pods.is_empty() {
                create.push(slot.node);
            } else if slot.should_continue {
                let mut running = Vec::new();
                for &pk in &slot.pods {
                    let Some(pod) = ctx.store.get(pk) else { continue };
                    if pod.metadata.deletion_timestamp.is_some() {
                        continue;
                    }
                    match pod.status.phase {
                        PodPhase::Failed => {
                            let bkey = (ds.meta.uid, ds.status.observed_generation, slot.node);
                            if let Some(delay) = self.in_backoff(bkey, ctx.now) {
                                ctx.requeue_after(object_key(ds.key), delay);
                                continue;
                            }
                            self.next_backoff(bkey, ctx.now);
                            let msg = format!(
                                "Found failed daemon pod {}/{} on node {}, will try to kill it",
                                pod.metadata.namespace, pod.metadata.name, slot.node
                            );
                            ctx.event(
                                Kind::DaemonSet,
                                &ds.meta,
                                EventType::Warning,
                                "FailedDaemonPod",
                                NAME,
                                msg,
                            );
                            delete.push(pk);
                        }
                        PodPhase::Succeeded => {
                            let msg = format!(
                                "Found succeeded daemon pod {}/{} on node {}, will try to delete it",
                                pod.metadata.namespace, pod.metadata.name, slot.node
                            );
                            ctx.event(
                                Kind::DaemonSet,
                                &ds.meta,
                                EventType::Normal,
                                "SucceededDaemonPod",
                                NAME,
                                msg,
                            );
                            delete.push(pk);
                        }
                        _ => running.push(pk),
                    }
                }
                if !surge {
                    // Keep the oldest; the slot is already in that order.
                    delete.extend(running.iter().skip(1));
                } else {
                    rolling::prune_surge(ctx, ds, slot, &running, &mut delete, &mut create);
                }
            } else {
                for &pk in &slot.pods {
                    if ctx
                        .store
                        .get(pk)
                        .is_some_and(|p| p.metadata.deletion_timestamp.is_none())
                    {
                        delete.push(pk);
                    }
                }
            }
        }
        // `getUnscheduledPodsWithoutNode`: unbound pods aimed at nodes that are gone.
        for slot in slots.iter().filter(|s| !s.exists) {
            for &pk in &slot.pods {
                if ctx.store.get(pk).is_some_and(|p| p.node_name.is_none()) {
                    delete.push(pk);
                }
            }
        }
        (delete, create)
    }

    /// `IsInBackOffSinceUpdate`: the current delay when still backing off.
    fn in_backoff(&self, key: (Uid, i64, Symbol), now: Time) -> Option<i64> {
        let b = self.backoff.get(&key)?;
        let since = now.since(b.last_update);
        (since <= 2 * BACKOFF_MAX_MS && since < b.delay).then_some(b.delay)
    }

    /// `Backoff.Next`: start at 1 s (or again after a long quiet), else double.
    fn next_backoff(&mut self, key: (Uid, i64, Symbol), now: Time) {
        let entry = self.backoff.entry(key).or_insert(Backoff {
            delay: 0,
            last_update: now,
        });
        if entry.delay == 0 || now.since(entry.last_update) > 2 * BACKOFF_MAX_MS {
            entry.delay = BACKOFF_INITIAL_MS;
        } else {
            entry.delay = (entry.delay * 2).min(BACKOFF_MAX_MS);
        }
        entry.last_update = now;
    }
}

/// Claims the DaemonSet's pods and groups them by node.
fn slots(ctx: &mut Ctx<'_>, ds: &DsView) -> Vec<Slot> {
    let owned = claim_pods(
        ctx,
        Kind::DaemonSet,
        &ds.meta,
        ds.spec.selector.selector(),
        &|_| true,
    );
    group(ctx.store, ds, &owned)
}

/// The DaemonSet's pods now, without claiming (after this sync's writes).
fn slots_now(ctx: &mut Ctx<'_>, ds: &DsView) -> Vec<Slot> {
    let uid = ds.meta.uid;
    let owned: Vec<Key<Pod>> = ctx
        .store
        .dependents(uid)
        .iter()
        .filter_map(|k| typed_key::<Pod>(*k))
        .filter(|k| {
            ctx.store
                .get(*k)
                .is_some_and(|p| p.metadata.controller_ref().is_some_and(|r| r.uid == uid))
        })
        .collect();
    group(ctx.store, ds, &owned)
}

/// Every node (in name order) with its daemon pods, then slots for pods
/// aimed at nodes that no longer exist. Terminal pods being deleted are left
/// out, as upstream leaves them to their deleter.
pub(super) fn group(store: &Store, ds: &DsView, owned: &[Key<Pod>]) -> Vec<Slot> {
    let mut by_node: FxMap<Symbol, Vec<Key<Pod>>> = FxMap::default();
    for &pk in owned {
        let Some(pod) = store.get(pk) else { continue };
        if pod.is_terminal() && pod.metadata.deletion_timestamp.is_some() {
            continue;
        }
        if let Some(node) = target_node(pod) {
            by_node.entry(node).or_default().push(pk);
        }
    }
    let mut nodes: Vec<&Node> = store.iter::<Node>().map(|(_, n)| n).collect();
    nodes.sort_by_cached_key(|n| n.metadata.name.to_string());
    let mut out = Vec::with_capacity(nodes.len());
    let sort = |mut pods: Vec<Key<Pod>>| {
        pods.sort_by(|a, b| match (store.get(*a), store.get(*b)) {
            (Some(x), Some(y)) => pod_order(x, y),
            _ => Ordering::Equal,
        });
        pods
    };
    for node in nodes {
        let name = node.metadata.name.to_symbol();
        let (should_run, should_continue) = node_should_run(node, &ds.base);
        out.push(Slot {
            node: name,
            exists: true,
            should_run,
            should_continue,
            pods: sort(by_node.remove(&name).unwrap_or_default()),
        });
    }
    let mut gone: Vec<(Symbol, Vec<Key<Pod>>)> = by_node.into_iter().collect();
    gone.sort_by(|a, b| a.0.cmp_str(b.0));
    for (node, pods) in gone {
        out.push(Slot {
            node,
            exists: false,
            should_run: false,
            should_continue: false,
            pods: sort(pods),
        });
    }
    out
}

/// A daemon pod for `node` (`CreatePodTemplate` plus the node affinity):
/// generateName `<ds>-`, the template's labels with the revision hash, the
/// template's annotations, a controller reference.
fn new_pod(ds: &DsView, node: Symbol) -> Pod {
    let mut spec = ds.base.clone();
    pin_to_node(&mut spec, node);
    let labels = ds
        .spec
        .template
        .metadata
        .labels
        .with(Symbol::intern(REVISION_HASH_LABEL), ds.hash);
    let mut meta = ObjectMeta {
        namespace: ds.meta.namespace,
        generate_name: Some(Symbol::intern(&format!("{}-", ds.meta.name))),
        labels,
        annotations: ds.spec.template.metadata.annotations.clone(),
        ..ObjectMeta::default()
    };
    meta.owner_references
        .push(controller_ref(Kind::DaemonSet, &ds.meta));
    Pod {
        metadata: meta,
        spec: Arc::new(spec),
        node_name: None,
        status: Default::default(),
    }
}

/// `syncNodes`: deletes then creates (at most [`BURST_REPLICAS`] each,
/// creations in slow-start batches of 1, 2, 4, ... stopping at a failed
/// batch). Returns false if anything failed.
pub(super) fn sync_nodes(ctx: &mut Ctx<'_>, ds: &DsView, delete: &[Key<Pod>], create: &[Symbol]) -> bool {
    let mut ok = true;
    let create = &create[..create.len().min(BURST_REPLICAS)];
    let mut pos = 0;
    let mut batch = create.len().min(1);
    while batch > 0 {
        let mut failed = false;
        for &node in &create[pos..pos + batch] {
            match ctx.store.create(new_pod(ds, node)) {
                Ok(k) => {
                    let name = ctx
                        .store
                        .get(k)
                        .map(|p| p.metadata.name.to_string())
                        .unwrap_or_default();
                    ctx.event(
                        Kind::DaemonSet,
                        &ds.meta,
                        EventType::Normal,
                        "SuccessfulCreate",
                        NAME,
                        format!("Created pod: {name}"),
                    );
                }
                Err(e) => {
                    failed = true;
                    ctx.event(
                        Kind::DaemonSet,
                        &ds.meta,
                        EventType::Warning,
                        "FailedCreate",
                        NAME,
                        format!("Error creating: {e}"),
                    );
                }
            }
        }
        pos += batch;
        if failed {
            ok = false;
            break;
        }
        batch = (2 * batch).min(create.len() - pos);
    }
    for &pk in delete.iter().take(BURST_REPLICAS) {
        let Some(name) = ctx.store.get(pk).map(|p| p.metadata.name.to_string()) else {
            continue;
        };
        match ctx.store.delete(pk, DeleteOptions::default()) {
            Ok(()) => ctx.event(
                Kind::DaemonSet,
                &ds.meta,
                EventType::Normal,
                "SuccessfulDelete",
                NAME,
                format!("Deleted pod: {name}"),
            ),
            Err(e) => {
                ok = false;
                ctx.event(
                    Kind::DaemonSet,
                    &ds.meta,
                    EventType::Warning,
                    "FailedDelete",
                    NAME,
                    format!("Error deleting: {e}"),
                );
            }
        }
    }
    ok
}

/// `updateDaemonSetStatus`: counts over nodes, looking at each node's oldest pod.
fn update_status(ctx: &mut Ctx<'_>, ds: &DsView, slots: &[Slot]) {
    let now = ctx.now;
    let mut s = DaemonSetStatus {
        observed_generation: ds.meta.generation,
        ..DaemonSetStatus::default()
    };
    let min_ready = ds.spec.min_ready_seconds;
    for slot in slots.iter().filter(|s| s.exists) {
        let oldest = slot.pods.first().and_then(|k| ctx.store.get(*k));
        if slot.should_run {
            s.desired_number_scheduled += 1;
            let Some(pod) = oldest else { continue };
            s.current_number_scheduled += 1;
            if pod.is_ready() {
                s.number_ready += 1;
                if pod.is_available(min_ready, now) {
                    s.number_available += 1;
                }
            }
            if is_updated(pod, ds.hash) {
                s.updated_number_scheduled += 1;
            }
        } else if oldest.is_some() {
            s.number_misscheduled += 1;
        }
    }
    s.number_unavailable = s.desired_number_scheduled - s.number_available;
    if s != ds.status {
        let _ = ctx.store.update(ds.key, |d| d.status = s.clone());
    }
    if min_ready > 0 && s.number_ready != s.number_available {
        ctx.requeue_after(object_key(ds.key), i64::from(min_ready) * 1000 + 1);
    }
}

/// `IsPodUpdated`: the pod carries the current revision hash.
pub(super) fn is_updated(pod: &Pod, hash: Symbol) -> bool {
    pod.metadata.labels.get_str(REVISION_HASH_LABEL) == Some(hash.as_str())
}
