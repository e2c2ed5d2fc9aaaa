//! The disruption controller's PodDisruptionBudget status
//! (`pkg/controller/disruption/disruption.go` `trySync`): expected pods,
//! desired and current healthy pods, and the disruptions allowed, which
//! eviction and the scheduler's preemption read.
//!
//! `expectedPods` is the number of selected pods for an integer
//! `minAvailable`, and otherwise the summed scale of the pods' controllers
//! (a ReplicaSet's Deployment when it has one, the ReplicaSet, the
//! StatefulSet; kinds without a scale subresource are an error, which sets
//! `disruptionsAllowed` to 0, `failSafe`). Healthy means Ready and not being
//! deleted. The eviction API's `disruptedPods` is not modelled.

use super::podctl::Membership;
use super::{Controller, Ctx};
use crate::api::meta::IntOrString;
use crate::api::policy::PodDisruptionBudgetStatus;
use crate::api::{Deployment, Kind, Object, Pod, PodDisruptionBudget, ReplicaSet, StatefulSet, Uid};
use crate::events::EventType;
use crate::store::{Change, ChangeOp, Key, ObjectKey, Store, object_key, typed_key};

const NAME: &str = "controllermanager";

/// The disruption controller.
#[derive(Default)]
pub struct DisruptionController {
    members: Membership,
}

impl Controller for DisruptionController {
    fn name(&self) -> &'static str {
        "disruption-controller"
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match (change.key.kind, &change.op) {
            (Kind::PodDisruptionBudget, ChangeOp::Deleted(_)) => self.members.remove_owner(change.key),
            (Kind::PodDisruptionBudget, _) => enqueue(change.key),
            (Kind::Pod, op) => {
                let pod = match op {
                    ChangeOp::Deleted(obj) => Pod::from_any_ref(obj),
                    _ => typed_key::<Pod>(change.key).and_then(|k| store.get(k)),
                };
                let Some(pod) = pod else { return };
                for p in store.selecting::<PodDisruptionBudget>(pod.metadata.namespace, &pod.metadata.labels)
                {
                    enqueue(object_key(p));
                }
                if let Some(pk) = typed_key::<Pod>(change.key) {
                    for o in self.members.owners_of(pk) {
                        enqueue(*o);
                    }
                }
            }
            // A controller's scale feeds percentage budgets.
            (Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet, op) => {
                let ns = match op {
                    ChangeOp::Deleted(obj) => obj.metadata().namespace,
                    _ => match store.metadata_of(change.key) {
                        Some(m) => m.namespace,
                        None => return,
                    },
                };
                for (k, p) in store.iter::<PodDisruptionBudget>() {
                    if p.metadata.namespace == ns {
                        enqueue(object_key(k));
                    }
                }
            }
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(pk) = typed_key::<PodDisruptionBudget>(key) else {
            return;
        };
        let Some(pdb) = ctx.store.get(pk) else { return };
        let pdb = pdb.clone();
        let pods = if pdb.spec.selector.is_absent() {
            Vec::new()
        } else {
            ctx.store
                .select_pods(pdb.metadata.namespace, pdb.spec.selector.selector())
        };
        self.members.set(key, pods.clone());
        let event = |ctx: &mut Ctx<'_>, t, reason, msg: String| {
            ctx.event(Kind::PodDisruptionBudget, &pdb.metadata, t, reason, NAME, msg);
        };
        if pods.is_empty() {
            event(ctx, EventType::Normal, "NoPods", "No matching pods found".into());
        }
        let (expected, desired, unmanaged) = match expected_pod_count(ctx.store, &pdb, &pods) {
            Ok(v) => v,
            Err(e) => {
                event(
                    ctx,
                    EventType::Warning,
                    "CalculateExpectedPodCountFailed",
                    format!("Failed to calculate the number of expected pods: {e}"),
                );
                if pdb.status.disruptions_allowed != 0 {
                    let _ = ctx.store.update(pk, |p| p.status.disruptions_allowed = 0);
                }
                return;
            }
        };
        if unmanaged {
            event(
                ctx,
                EventType::Warning,
                "UnmanagedPods",
                format!(
                    "Pods selected by this PodDisruptionBudget (selector: {}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.",
                    pdb.spec.selector.selector()
                ),
            );
        }
        let current = pods
            .iter()
            .filter_map(|k| ctx.store.get(*k))
            .filter(|p| p.metadata.deletion_timestamp.is_none() && p.is_ready())
            .count() as i32;
        let mut allowed = current - desired;
        if expected <= 0 || allowed <= 0 {
            allowed = 0;
        }
        let status = PodDisruptionBudgetStatus {
            current_healthy: current,
            desired_healthy: desired,
            disruptions_allowed: allowed,
            expected_pods: expected,
        };
        if status != pdb.status {
            let _ = ctx.store.update(pk, |p| p.status = status);
        }
    }
}

/// `getExpectedPodCount`: (expected, desired healthy, some pods unmanaged).
fn expected_pod_count(
    store: &Store,
    pdb: &PodDisruptionBudget,
    pods: &[Key<Pod>],
) -> Result<(i32, i32, bool), String> {
    if let Some(mu) = &pdb.spec.max_unavailable {
        let (expected, unmanaged) = expected_scale(store, pods)?;
        let max = mu.scaled_value(expected, true)?;
        return Ok((expected, (expected - max).max(0), unmanaged));
    }
    match &pdb.spec.min_available {
        Some(IntOrString::Int(n)) => Ok((pods.len() as i32, *n, false)),
        Some(v) => {
            let (expected, unmanaged) = expected_scale(store, pods)?;
            Ok((expected, v.scaled_value(expected, true)?, unmanaged))
        }
        None => Ok((0, 0, false)),
    }
}

/// `getExpectedScale`: the summed scale of the pods' controllers.
fn expected_scale(store: &Store, pods: &[Key<Pod>]) -> Result<(i32, bool), String> {
    let mut seen: Vec<(Uid, i32)> = Vec::new();
    let mut unmanaged = false;
    for &pk in pods {
        let Some(pod) = store.get(pk) else { continue };
        let Some(r) = pod.metadata.controller_ref() else {
            unmanaged = true;
            continue;
        };
        if seen.iter().any(|(u, _)| *u == r.uid) {
            continue;
        }
        let found = controller_scale(store, r.kind.as_str(), r.uid)?;
        match found {
            Some(entry) => {
                if !seen.iter().any(|(u, _)| *u == entry.0) {
                    seen.push(entry);
                }
                // Remember the pod's own controller too, to skip its siblings.
                if entry.0 != r.uid {
                    seen.push((r.uid, 0));
                }
            }
            None => {
                return Err(format!(
                    "found no controllers for pod {:?}",
                    pod.metadata.name.to_string()
                ));
            }
        }
    }
    Ok((seen.iter().map(|(_, s)| *s).sum(), unmanaged))
}

/// The finders: (uid, scale) of the controller behind `kind`/`uid`.
fn controller_scale(store: &Store, kind: &str, uid: Uid) -> Result<Option<(Uid, i32)>, String> {
    let key = store.key_of_uid(uid);
    match kind {
        "ReplicaSet" => {
            let Some(rs) = key.and_then(typed_key::<ReplicaSet>).and_then(|k| store.get(k)) else {
                return Ok(None);
            };
            match rs.metadata.controller_ref() {
                Some(d) if d.kind.as_str() == "Deployment" => Ok(store
                    .key_of_uid(d.uid)
                    .and_then(typed_key::<Deployment>)
                    .and_then(|k| store.get(k))
                    .map(|d| (d.metadata.uid, d.spec.replicas))),
                _ => Ok(Some((uid, rs.spec.replicas))),
            }
        }
        "StatefulSet" => Ok(key
            .and_then(typed_key::<StatefulSet>)
            .and_then(|k| store.get(k))
            .map(|s| (uid, s.spec.replicas))),
        "Deployment" => Ok(key
            .and_then(typed_key::<Deployment>)
            .and_then(|k| store.get(k))
            .map(|d| (uid, d.spec.replicas))),
        "DaemonSet" => Err("daemonsets.apps does not implement the scale subresource".into()),
        "Job" => Err("jobs.batch does not implement the scale subresource".into()),
        _ => Ok(None),
    }
}
