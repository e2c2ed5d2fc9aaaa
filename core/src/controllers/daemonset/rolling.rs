//! The DaemonSet RollingUpdate strategy (`update.go` `rollingUpdate`,
//! `util.SurgeCount`/`UnavailableCount`) and the surge branch of
//! `podsShouldBeOnNode`. Nodes are visited in name order where upstream
//! walks a Go map.

use super::{DsView, Slot, is_updated};
use crate::api::workloads::UpdateStrategyType;
use crate::api::{Pod, Time};
use crate::controllers::Ctx;
use crate::intern::Symbol;
use crate::store::{Key, Store};

/// `SurgeCount` / `UnavailableCount`: (maxSurge, maxUnavailable) resolved
/// against `desired`, percentages rounded up; both 0 outside RollingUpdate.
fn counts(ds: &DsView, desired: i32) -> (i32, i32) {
    if ds.spec.update_strategy.type_ != UpdateStrategyType::RollingUpdate {
        return (0, 0);
    }
    let Some(ru) = &ds.spec.update_strategy.rolling_update else {
        return (0, 0);
    };
    let scaled = |v: &Option<crate::api::meta::IntOrString>| {
        v.as_ref()
            .and_then(|v| v.scaled_value(desired, true).ok())
            .unwrap_or(0)
    };
    (scaled(&ru.max_surge), scaled(&ru.max_unavailable))
}

/// `AllowsSurge`: maxSurge resolves to more than 0 (for one node).
pub(super) fn allows_surge(ds: &DsView) -> bool {
    counts(ds, 1).0 != 0
}

fn available(pod: &Pod, ds: &DsView, now: Time) -> bool {
    pod.is_available(ds.spec.min_ready_seconds, now)
}

/// The surge branch of `podsShouldBeOnNode`: one pod of each revision may
/// coexist while the new one is not available and the old one is ready;
/// everything else beyond the oldest of each goes.
pub(super) fn prune_surge(
    ctx: &Ctx<'_>,
    ds: &DsView,
    slot: &Slot,
    running: &[Key<Pod>],
    delete: &mut Vec<Key<Pod>>,
    create: &mut Vec<Symbol>,
) {
    if running.len() <= 1 {
        if running.is_empty() && slot.should_run {
            create.push(slot.node);
        }
        return;
    }
    let mut oldest_new = None;
    let mut oldest_old = None;
    for &pk in running {
        let Some(pod) = ctx.store.get(pk) else { continue };
        let slot_ref = if is_updated(pod, ds.hash) {
            &mut oldest_new
        } else {
            &mut oldest_old
        };
        if slot_ref.is_none() {
            *slot_ref = Some(pk);
        } else {
            delete.push(pk);
        }
    }
    if let (Some(new), Some(old)) = (oldest_new, oldest_old) {
        let (Some(np), Some(op)) = (ctx.store.get(new), ctx.store.get(old)) else {
            return;
        };
        if !op.is_ready() || available(np, ds, ctx.now) {
            delete.push(old);
        }
    }
}

/// A node's (new, old) live pod.
type NewAndOld = (Option<Key<Pod>>, Option<Key<Pod>>);

/// `findUpdatedPodsOnNode`: the node's live new and old pod, or `None`
/// when there are several of either.
fn find_updated(store: &Store, ds: &DsView, pods: &[Key<Pod>]) -> Option<NewAndOld> {
    let (mut new, mut old) = (None, None);
    for &pk in pods {
        let Some(pod) = store.get(pk) else { continue };
        if pod.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let slot = if is_updated(pod, ds.hash) {
            &mut new
        } else {
            &mut old
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(pk);
    }
    Some((new, old))
}

/// `rollingUpdate`: old pods to delete and nodes to surge onto.
pub(super) fn rolling_update(ctx: &Ctx<'_>, ds: &DsView, slots: &[Slot]) -> (Vec<Key<Pod>>, Vec<Symbol>) {
    let store = &*ctx.store;
    let now = ctx.now;
    let desired = slots.iter().filter(|s| s.exists && s.should_run).count() as i32;
    let (max_surge, mut max_unavailable) = counts(ds, desired);
    if desired > 0 && max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    // `updatedDesiredNodeCounts`: nodes with pods, and nodes that want one.
    let nodes: Vec<&Slot> = slots
        .iter()
        .filter(|s| s.exists && (!s.pods.is_empty() || s.should_run))
        .collect();
    let avail = |pk: Key<Pod>| store.get(pk).is_some_and(|p| available(p, ds, now));
    if max_surge == 0 {
        let mut num_unavailable = 0;
        let mut allowed = Vec::new();
        let mut candidates = Vec::new();
        for slot in &nodes {
            let Some((new, old)) = find_updated(store, ds, &slot.pods) else {
                num_unavailable += 1;
                continue;
            };
            match (new, old) {
                (None, None) | (Some(_), Some(_)) => num_unavailable += 1,
                (Some(n), None) => {
                    if !avail(n) {
                        num_unavailable += 1;
                    }
                }
                (None, Some(o)) => {
                    if !avail(o) {
                        allowed.push(o);
                        num_unavailable += 1;
                    } else if num_unavailable < max_unavailable {
                        candidates.push(o);
                    }
                }
            }
        }
        let remaining = (max_unavailable - num_unavailable).clamp(0, candidates.len() as i32) as usize;
        allowed.extend_from_slice(&candidates[..remaining]);
        return (allowed, Vec::new());
    }
    let mut old_to_delete = Vec::new();
    let mut should_not_run = Vec::new();
    let mut candidates = Vec::new();
    let mut allowed = Vec::new();
    let mut num_surge = 0;
    let mut num_available = 0;
    for slot in &nodes {
        let Some((new, old)) = find_updated(store, ds, &slot.pods) else {
            num_surge += 1;
            continue;
        };
        match (old, new) {
            (Some(o), _) if avail(o) => num_available += 1,
            (None, Some(n)) if avail(n) => num_available += 1,
            _ => {}
        }
        match (old, new) {
            (None, _) => {}
            (Some(o), None) => {
                if !avail(o) {
                    if !slot.should_run {
                        old_to_delete.push(o);
                        continue;
                    }
                    allowed.push(slot.node);
                } else {
                    if !slot.should_run {
                        should_not_run.push(o);
                        continue;
                    }
                    if num_surge >= max_surge {
                        continue;
                    }
                    candidates.push(slot.node);
                }
            }
            (Some(o), Some(n)) => {
                if !avail(n) {
                    num_surge += 1;
                    continue;
                }
                old_to_delete.push(o);
            }
        }
    }
    let deletable = num_available - desired;
    if deletable > 0 {
        let n = (deletable as usize).min(should_not_run.len());
        old_to_delete.extend_from_slice(&should_not_run[..n]);
    }
    let remaining = (max_surge - num_surge).clamp(0, candidates.len() as i32) as usize;
    allowed.extend_from_slice(&candidates[..remaining]);
    (old_to_delete, allowed)
}
