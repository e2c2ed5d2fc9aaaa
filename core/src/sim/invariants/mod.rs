//! The invariant checker: one function that checks a whole simulation
//! state and returns every violation with the objects involved. Tests, fuzz
//! targets and `loadgen --check` all use it.
//!
//! - [`check`], at any time: no node's requests exceed its allocatable; no
//!   pod is bound to a missing node; at most one controller owner per object
//!   and no owner cycle; every index equals its linear scan;
//! - [`audit_pod_write`], installed as the store's pod audit: each binding
//!   goes to an existing node that admits the pod and has room for it, each
//!   unschedulable verdict is true (the pod fits on no node, by the brute
//!   force in [`fit`]), both judged at the moment they are written;
//! - [`RolloutBounds`], during rolling updates while no pod fails: the
//!   surge bound on every state, the availability floor from the moment
//!   the controller has seen the Deployment available (judged over a run:
//!   it keeps which floors are armed);
//! - [`check_converged`], after a run to idle with no failure left: each
//!   ReplicaSet owns `replicas` active pods, each Deployment's newest
//!   ReplicaSet holds them all;
//! - [`check_preemptions`], over the events: victims have lower priority
//!   than their preemptor;
//! - the later kinds ([`kinds`]): Job counts at all times (in [`check`]);
//!   after convergence (in [`check_converged`]) DaemonSet one pod per
//!   eligible node, StatefulSet ordinals `0..replicas`, Job counts against
//!   its pods, ResourceQuota `status.used` against a scan.

mod converge;
pub mod fit;
pub mod kinds;
mod rollouts;
mod scheduling;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_kinds;

pub use converge::check_converged;
pub use rollouts::RolloutBounds;
pub use scheduling::{audit_pod_write, check_pending, check_preemptions, check_verdicts};

use std::fmt;

use crate::api::{Node, Pod, Time};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::store::{Store, Stored};

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant (a short stable name such as `node-overcommit`).
    pub invariant: &'static str,
    /// What is wrong, naming the objects.
    pub detail: String,
    /// When it was seen.
    pub at: Time,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] at {}: {}", self.invariant, self.at, self.detail)
    }
}

/// Checks every invariant that must hold at all times.
pub fn check(store: &Store, now: Time) -> Vec<Violation> {
    let mut out = check_objects(store, now);
    out.extend(check_indexes(store, now));
    out
}

/// The invariants on objects that must hold at all times (capacity, bound
/// nodes, owners, Job counts): [`check`] without the index comparison, its costliest part.
pub fn check_objects(store: &Store, now: Time) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut push = |invariant: &'static str, detail: String| {
        out.push(Violation {
            invariant,
            detail,
            at: now,
        })
    };
    check_node_capacity(store, &mut push);
    check_controller_owners(store, &mut push);
    kinds::check_always(store, &mut push);
    out
}

/// Every index equals its linear scan ([`Store::check_indexes`]).
pub fn check_indexes(store: &Store, now: Time) -> Vec<Violation> {
    store
        .check_indexes()
        .into_iter()
        .map(|detail| Violation {
            invariant: "index-consistency",
            detail,
            at: now,
        })
        .collect()
}

/// No node's requested resources exceed its allocatable; every bound pod's
/// node exists.
fn check_node_capacity(store: &Store, push: &mut impl FnMut(&'static str, String)) {
    let mut used: FxMap<Symbol, (crate::api::ResourceList, i64)> = FxMap::default();
    for (_, pod) in store.iter::<Pod>() {
        let Some(node) = pod.node_name else { continue };
        if pod.is_terminal() {
            continue;
        }
        let entry = used.entry(node).or_default();
        entry.0.add(&pod.spec.derived.requests);
        entry.1 += 1;
    }
    let mut nodes: Vec<(Symbol, (crate::api::ResourceList, i64))> = used.into_iter().collect();
    nodes.sort_by(|a, b| a.0.cmp_str(b.0));
    for (name, (requests, count)) in nodes {
        let node = store
            .lookup_name::<Node>(Symbol::EMPTY, &crate::api::name::Name::from_symbol(name))
            .and_then(|k| store.get(k));
        let Some(node) = node else {
            push(
                "pod-on-missing-node",
                format!("{count} pod(s) bound to node {name}, which does not exist"),
            );
            continue;
        };
        let alloc = &node.status.allocatable;
        if count > alloc.get_or_zero(Symbol::PODS) {
            push(
                "node-overcommit",
                format!(
                    "node {name}: {count} pods > allocatable pods {}",
                    alloc.get_or_zero(Symbol::PODS)
                ),
            );
        }
        for (resource, amount) in requests.iter() {
            let have = alloc.get_or_zero(resource);
            if amount > have {
                push(
                    "node-overcommit",
                    format!("node {name}: requested {resource} {amount} > allocatable {have}"),
                );
            }
        }
    }
}

/// At most one controller owner per object, and no object owns itself
/// through a cycle.
fn check_controller_owners(store: &Store, push: &mut impl FnMut(&'static str, String)) {
    fn each<T: Stored>(store: &Store, push: &mut impl FnMut(&'static str, String)) {
        for (_, obj) in store.iter::<T>() {
            let meta = obj.metadata();
            let controllers = meta.owner_references.iter().filter(|r| r.is_controller()).count();
            if controllers > 1 {
                push(
                    "multiple-controllers",
                    format!(
                        "{} {}/{} has {controllers} controller owners",
                        T::KIND,
                        meta.namespace,
                        meta.name
                    ),
                );
            }
            // Follow controller refs; a chain longer than the object count is a cycle.
            if meta.controller_ref().is_none() {
                continue;
            }
            let mut seen: smallvec::SmallVec<[crate::api::Uid; 4]> = smallvec::smallvec![meta.uid];
            let mut current = meta;
            while let Some(r) = current.controller_ref() {
                if seen.contains(&r.uid) {
                    push(
                        "owner-cycle",
                        format!(
                            "{} {}/{} is its own owner through {} step(s)",
                            T::KIND,
                            meta.namespace,
                            meta.name,
                            seen.len()
                        ),
                    );
                    break;
                }
                seen.push(r.uid);
                match store.key_of_uid(r.uid).and_then(|k| store.metadata_of(k)) {
                    Some(m) => current = m,
                    None => break,
                }
            }
        }
    }
    use crate::api::*;
    each::<Pod>(store, push);
    each::<ReplicaSet>(store, push);
    each::<Deployment>(store, push);
    each::<DaemonSet>(store, push);
    each::<StatefulSet>(store, push);
    each::<Job>(store, push);
    each::<CronJob>(store, push);
}
