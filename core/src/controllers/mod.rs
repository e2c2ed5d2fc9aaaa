//! The controllers of kube-controller-manager, one file (or folder) each,
//! behind one small trait.
//!
//! A controller *observes* every change in the store's feed and enqueues
//! the keys of the objects it must reconcile; later (its reaction delay),
//! it *syncs* each key: reads the store, compares desired with actual state,
//! and writes back through the same admission path as a user. Syncs are
//! level-triggered, so a controller that missed an event still converges.
//!
//! **Architecture invariant**: controllers never touch each other or the
//! scheduler; they communicate only through the store.

pub mod checks;
pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod gc;
pub mod hpa;
pub mod job;
pub mod namespace;
pub mod node_lifecycle;
pub mod podctl;
mod queue;
pub mod quota;
pub mod ranking;
pub mod replicaset;
pub mod service_lb;
pub mod statefulset;
pub mod ttl;

pub use queue::WorkQueue;

use crate::api::{Kind, ObjectMeta, OwnerReference, Time};
use crate::events::{Event, EventLog, EventType, InvolvedObject};
use crate::intern::Symbol;
use crate::rng::Rng;
use crate::sim::timers::{Timer, Timers};
use crate::store::{Change, ObjectKey, Store};

/// What a controller's sync can use.
pub struct Ctx<'a> {
    /// The store (the API server).
    pub store: &'a mut Store,
    /// Where events go.
    pub events: &'a mut EventLog,
    /// Timers, for requeue-after.
    pub timers: &'a mut Timers,
    /// The controllers' RNG stream.
    pub rng: &'a mut Rng,
    /// The current simulated time.
    pub now: Time,
    /// This controller's index (for requeue timers).
    pub controller: usize,
}

impl Ctx<'_> {
    /// Re-queues `key` in this controller after `ms` milliseconds (`AddAfter`).
    pub fn requeue_after(&mut self, key: ObjectKey, ms: i64) {
        self.timers.set(
            self.now.plus_millis(ms.max(0)),
            Timer::Requeue {
                controller: self.controller,
                key,
            },
        );
    }

    /// Records an event about the object `meta` of `kind`.
    pub fn event(
        &mut self,
        kind: Kind,
        meta: &ObjectMeta,
        type_: EventType,
        reason: &'static str,
        source: &'static str,
        message: String,
    ) {
        self.events.push(Event {
            time: self.now,
            type_,
            reason,
            involved: InvolvedObject::of(kind, meta),
            message,
            source,
        });
    }
}

/// A reconciler of some kind of object.
pub trait Controller {
    /// The controller's name, as events report it (`replicaset-controller`).
    fn name(&self) -> &'static str;

    /// Looks at one change and enqueues the keys that need a sync.
    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey));

    /// Reconciles one object.
    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey);
}

/// The controller reference that `owner` (of `kind`) puts on its dependents
/// (`metav1.NewControllerRef`: controller and blockOwnerDeletion true).
pub fn controller_ref(kind: Kind, meta: &ObjectMeta) -> OwnerReference {
    OwnerReference {
        api_version: Symbol::intern(kind.api_version()),
        kind: Symbol::intern(kind.name()),
        name: meta.name.to_symbol(),
        uid: meta.uid,
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// The key of the controller owner of `meta` if it is of `kind` and exists.
pub fn owner_key(store: &Store, meta: &ObjectMeta, kind: Kind) -> Option<ObjectKey> {
    let r = meta.controller_ref()?;
    if r.kind.as_str() != kind.name() {
        return None;
    }
    let key = store.key_of_uid(r.uid)?;
    (key.kind == kind).then_some(key)
}
