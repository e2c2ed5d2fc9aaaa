//! One StatefulSet sync (`stateful_set_control.go` `updateStatefulSet`,
//! `processReplica`, `processCondemned`, the rolling update) and the pod and
//! claim writes with their events (`stateful_pod_control.go`).

use super::StsView;
use super::pods::{
    self, fix_identity, healthy, identity_matches, new_claim, new_versioned_pod, ordinal, revision,
    running_and_available, running_and_ready, terminating, wanted_set_ref,
};
use crate::api::pod::PodPhase;
use crate::api::workloads::{StatefulSetStatus, UpdateStrategyType};
use crate::api::{Kind, PersistentVolumeClaim, Pod, Uid};
use crate::collections::FxSet;
use crate::controllers::Ctx;
use crate::events::EventType;
use crate::intern::Symbol;
use crate::store::{ApiError, DeleteOptions, Key, typed_key};

const NAME: &str = super::NAME;

/// What processing one pod says about the rest of the sync.
enum Step {
    /// Go on with the next pod.
    Continue,
    /// Stop here (monotonic mode waits, or a pod was acted on).
    Exit,
    /// A write failed.
    Failed,
}

/// A slot of the ordinal range: a pod, or one still to create.
type Replica = Option<Key<Pod>>;

/// `updateStatefulSet`: returns the status and whether every write worked.
pub(super) fn update_stateful_set(
    ctx: &mut Ctx<'_>,
    set: &StsView,
    owned: &[Key<Pod>],
    condemned_claims: &mut FxSet<(Uid, i32)>,
) -> (StatefulSetStatus, bool) {
    let n = set.spec.replicas.max(0);
    let mut replicas: Vec<Replica> = vec![None; n as usize];
    let mut condemned: Vec<(i32, Key<Pod>)> = Vec::new();
    for &pk in owned {
        let Some(pod) = ctx.store.get(pk) else { continue };
        let ord = ordinal(pod);
        if ord >= set.start && ord < set.start + n {
            replicas[(ord - set.start) as usize] = Some(pk);
        } else if ord >= 0 {
            condemned.push((ord, pk));
        }
    }
    condemned.sort_by_key(|c| std::cmp::Reverse(c.0));
    // The first unhealthy pod: a slot still to fill counts (as `None`).
    let is_healthy = |r: Replica| r.and_then(|k| ctx.store.get(k)).is_some_and(healthy);
    let first_unhealthy: Option<Replica> = replicas.iter().copied().find(|r| !is_healthy(*r)).or_else(|| {
        condemned
            .iter()
            .rev()
            .map(|c| Some(c.1))
            .find(|r| !is_healthy(*r))
    });
    let ok = if set.meta.deletion_timestamp.is_some() {
        true
    } else {
        run(ctx, set, &replicas, &condemned, first_unhealthy, condemned_claims)
    };
    (status_now(ctx, set), ok)
}

fn run(
    ctx: &mut Ctx<'_>,
    set: &StsView,
    replicas: &[Replica],
    condemned: &[(i32, Key<Pod>)],
    first_unhealthy: Option<Replica>,
    condemned_claims: &mut FxSet<(Uid, i32)>,
) -> bool {
    let monotonic = set.monotonic();
    let mut failed = false;
    for (i, r) in replicas.iter().enumerate() {
        match process_replica(ctx, set, *r, set.start + i as i32) {
            Step::Continue => {}
            Step::Exit if monotonic => return true,
            Step::Exit => {}
            Step::Failed => return false,
        }
    }
    // Claims of condemned pods follow the retention policy.
    for &(ord, _) in condemned {
        if !fix_claims(ctx, set, ord, true) {
            failed = true;
        }
    }
    if failed {
        return false;
    }
    for &(ord, pk) in condemned {
        let Some(pod) = ctx.store.get(pk) else { continue };
        if terminating(pod) {
            if monotonic {
                return true;
            }
            continue;
        }
        let first = first_unhealthy == Some(Some(pk));
        if monotonic && !first {
            if !running_and_ready(pod) {
                return true;
            }
            if !running_and_available(pod, set.spec.min_ready_seconds, ctx.now) {
                return true;
            }
        }
        if set.retention().1 == "Delete" {
            condemned_claims.insert((set.meta.uid, ord));
        }
        if !delete_pod(ctx, set, pk) {
            return false;
        }
        if monotonic {
            return true;
        }
    }
    if set.spec.update_strategy.type_ == UpdateStrategyType::OnDelete {
        return true;
    }
    rolling_update(ctx, set, replicas)
}

/// `processReplica`.
fn process_replica(ctx: &mut Ctx<'_>, set: &StsView, replica: Replica, ord: i32) -> Step {
    let monotonic = set.monotonic();
    let Some(pk) = replica else {
        // Not created yet: claims first, then the pod.
        if !create_pod(ctx, set, ord) {
            return Step::Failed;
        }
        return if monotonic { Step::Exit } else { Step::Continue };
    };
    let Some(pod) = ctx.store.get(pk) else {
        return Step::Continue;
    };
    if matches!(pod.status.phase, PodPhase::Failed | PodPhase::Succeeded) {
        if !terminating(pod) && !delete_pod(ctx, set, pk) {
            return Step::Failed;
        }
        return Step::Exit;
    }
    if pod.status.phase == PodPhase::Pending {
        let name = pod.metadata.name.to_string();
        if create_claims(ctx, set, ord, &name).is_err() {
            return Step::Failed;
        }
    }
    let Some(pod) = ctx.store.get(pk) else {
        return Step::Continue;
    };
    if monotonic
        && (terminating(pod)
            || !running_and_ready(pod)
            || !running_and_available(pod, set.spec.min_ready_seconds, ctx.now))
    {
        return Step::Exit;
    }
    let identity = identity_matches(set, pod);
    let claims = claims_match(ctx, set, ord, false);
    if identity && claims {
        return Step::Continue;
    }
    let name = pod.metadata.name.to_string();
    let mut result = if identity {
        Ok(())
    } else {
        ctx.store.update(pk, fix_identity).map_err(|e| e.to_string())
    };
    if result.is_ok() && !claims && !fix_claims(ctx, set, ord, false) {
        result = Err("claims could not be updated".into());
    }
    pod_event(
        ctx,
        set,
        "update",
        &name,
        result.as_ref().err().map(String::as_str),
    );
    if result.is_err() {
        Step::Failed
    } else {
        Step::Continue
    }
}

/// The rolling update: the highest ordinal at or above the partition that
/// is not at the update revision goes first, one at a time (or up to
/// `maxUnavailable` when that is set, `updateStatefulSetAfterInvariantEstablished`).
fn rolling_update(ctx: &mut Ctx<'_>, set: &StsView, replicas: &[Replica]) -> bool {
    let update_min = set.partition().unwrap_or(0).max(0) as usize;
    let update_rev = set.update_revision.as_str();
    let max_unavailable = set
        .spec
        .update_strategy
        .rolling_update
        .as_ref()
        .and_then(|r| r.max_unavailable.as_ref());
    let pod_of = |ctx: &Ctx<'_>, r: Replica| r.and_then(|k| ctx.store.get(k).map(|p| (k, p.clone())));
    if let Some(mu) = max_unavailable {
        let n = replicas.len() as i32;
        let max = mu.scaled_value(n, false).unwrap_or(1).max(1);
        let unavailable = replicas
            .iter()
            .filter(|r| !pod_of(&*ctx, **r).is_some_and(|(_, p)| healthy(&p)))
            .count() as i32;
        if unavailable >= max {
            return true;
        }
        let mut budget = max - unavailable;
        for target in (update_min..replicas.len()).rev() {
            if budget == 0 {
                break;
            }
            let Some((k, p)) = pod_of(&*ctx, replicas[target]) else {
                continue;
            };
            if revision(&p) != Some(update_rev) && !terminating(&p) {
                if !delete_pod(ctx, set, k) {
                    return false;
                }
                budget -= 1;
            }
        }
        return true;
    }
    for target in (update_min..replicas.len()).rev() {
        let Some((k, p)) = pod_of(&*ctx, replicas[target]) else {
            return true;
        };
        if revision(&p) != Some(update_rev) && !terminating(&p) {
            return delete_pod(ctx, set, k);
        }
        if !healthy(&p) {
            return true;
        }
    }
    true
}

/// The status from the set's pods as they are now (`updateStatus`).
fn status_now(ctx: &Ctx<'_>, set: &StsView) -> StatefulSetStatus {
    let mut s = StatefulSetStatus {
        observed_generation: set.meta.generation,
        current_revision: set.current_revision,
        update_revision: set.update_revision,
        ..StatefulSetStatus::default()
    };
    let uid = set.meta.uid;
    let name = set.meta.name.to_string();
    for dep in ctx.store.dependents(uid) {
        let Some(pod) = typed_key::<Pod>(*dep).and_then(|k| ctx.store.get(k)) else {
            continue;
        };
        if pod.metadata.controller_ref().is_none_or(|r| r.uid != uid) || !pods::is_member_of(&name, pod) {
            continue;
        }
        s.replicas += 1;
        if running_and_ready(pod) {
            s.ready_replicas += 1;
            if running_and_available(pod, set.spec.min_ready_seconds, ctx.now) {
                s.available_replicas += 1;
            }
        }
        if !terminating(pod) {
            let rev = revision(pod);
            if rev == Some(set.current_revision.as_str()) {
                s.current_replicas += 1;
            }
            if rev == Some(set.update_revision.as_str()) {
                s.updated_replicas += 1;
            }
        }
    }
    s
}

/// `completeRollingUpdate`: once every pod is updated and ready, the update
/// revision becomes the current one.
pub(super) fn complete_rolling_update(set: &StsView, mut s: StatefulSetStatus) -> StatefulSetStatus {
    if set.spec.update_strategy.type_ == UpdateStrategyType::RollingUpdate
        && s.updated_replicas == s.replicas
        && s.ready_replicas == s.replicas
    {
        s.current_replicas = s.updated_replicas;
        s.current_revision = s.update_revision;
    }
    s
}

/// `recordPodEvent`.
fn pod_event(ctx: &mut Ctx<'_>, set: &StsView, verb: &str, pod: &str, err: Option<&str>) {
    let (type_, reason, message) = match err {
        None => (
            EventType::Normal,
            success_reason(verb),
            format!("{verb} Pod {pod} in StatefulSet {} successful", set.meta.name),
        ),
        Some(e) => (
            EventType::Warning,
            failure_reason(verb),
            format!(
                "{verb} Pod {pod} in StatefulSet {} failed error: {e}",
                set.meta.name
            ),
        ),
    };
    ctx.event(Kind::StatefulSet, &set.meta, type_, reason, NAME, message);
}

fn success_reason(verb: &str) -> &'static str {
    match verb {
        "create" => "SuccessfulCreate",
        "update" => "SuccessfulUpdate",
        _ => "SuccessfulDelete",
    }
}

fn failure_reason(verb: &str) -> &'static str {
    match verb {
        "create" => "FailedCreate",
        "update" => "FailedUpdate",
        _ => "FailedDelete",
    }
}

/// `CreateStatefulPod`: the claims, then the pod.
fn create_pod(ctx: &mut Ctx<'_>, set: &StsView, ord: i32) -> bool {
    let pod = new_versioned_pod(set, ord);
    let name = pod.metadata.name.to_string();
    if let Err(e) = create_claims(ctx, set, ord, &name) {
        pod_event(ctx, set, "create", &name, Some(&e));
        return false;
    }
    match ctx.store.create(pod) {
        Ok(_) => {
            pod_event(ctx, set, "create", &name, None);
            true
        }
        Err(ApiError::AlreadyExists { .. }) => false,
        Err(e) => {
            pod_event(ctx, set, "create", &name, Some(&e.to_string()));
            false
        }
    }
}

/// `DeleteStatefulPod`.
fn delete_pod(ctx: &mut Ctx<'_>, set: &StsView, pk: Key<Pod>) -> bool {
    let Some(name) = ctx.store.get(pk).map(|p| p.metadata.name.to_string()) else {
        return true;
    };
    match ctx.store.delete(pk, DeleteOptions::default()) {
        Ok(()) => {
            pod_event(ctx, set, "delete", &name, None);
            true
        }
        Err(e) => {
            pod_event(ctx, set, "delete", &name, Some(&e.to_string()));
            false
        }
    }
}

/// `createPersistentVolumeClaims`: every missing claim of the pod, bound at
/// once (the volume is named `pvc-<uid>`).
fn create_claims(ctx: &mut Ctx<'_>, set: &StsView, ord: i32, pod: &str) -> Result<(), String> {
    let ns = set.meta.namespace.as_str();
    for t in &set.spec.volume_claim_templates {
        let claim = pods::claim_name(t, set, ord);
        if ctx.store.lookup::<PersistentVolumeClaim>(ns, &claim).is_some() {
            continue;
        }
        match ctx.store.create(new_claim(set, t, ord, false)) {
            Ok(k) => {
                let uid = ctx.store.get(k).map(|c| c.metadata.uid).unwrap_or_default();
                let volume = Symbol::intern(&format!("pvc-{uid}"));
                let _ = ctx.store.update(k, |c| c.spec.volume_name = Some(volume));
                let message = format!(
                    "create Claim {claim} Pod {pod} in StatefulSet {} success",
                    set.meta.name
                );
                ctx.event(
                    Kind::StatefulSet,
                    &set.meta,
                    EventType::Normal,
                    "SuccessfulCreate",
                    NAME,
                    message,
                );
            }
            Err(e) => {
                let message = format!(
                    "create Claim {claim} for Pod {pod} in StatefulSet {} failed error: {e}",
                    set.meta.name
                );
                ctx.event(
                    Kind::StatefulSet,
                    &set.meta,
                    EventType::Warning,
                    "FailedCreate",
                    NAME,
                    message,
                );
                return Err(e.to_string());
            }
        }
    }
    Ok(())
}

/// `ClaimsMatchRetentionPolicy`: every existing claim of ordinal `ord`
/// carries exactly the set reference the policy asks for.
fn claims_match(ctx: &Ctx<'_>, set: &StsView, ord: i32, condemned: bool) -> bool {
    let want = wanted_set_ref(set, condemned).is_some();
    let ns = set.meta.namespace.as_str();
    set.spec.volume_claim_templates.iter().all(|t| {
        ctx.store
            .get_named::<PersistentVolumeClaim>(ns, &pods::claim_name(t, set, ord))
            .is_none_or(|c| c.metadata.owner_references.iter().any(|r| r.uid == set.meta.uid) == want)
    })
}

/// `UpdatePodClaimForRetentionPolicy`: adds or removes the set reference.
fn fix_claims(ctx: &mut Ctx<'_>, set: &StsView, ord: i32, condemned: bool) -> bool {
    if claims_match(ctx, set, ord, condemned) {
        return true;
    }
    let want = wanted_set_ref(set, condemned);
    let uid = set.meta.uid;
    let ns = set.meta.namespace.as_str();
    for t in &set.spec.volume_claim_templates {
        let Some(k) = ctx
            .store
            .lookup::<PersistentVolumeClaim>(ns, &pods::claim_name(t, set, ord))
        else {
            continue;
        };
        let want = want.clone();
        let res = ctx.store.update(k, |c| {
            c.metadata.owner_references.retain(|r| r.uid != uid);
            if let Some(r) = want {
                c.metadata.owner_references.push(r);
            }
        });
        if res.is_err() {
            return false;
        }
    }
    true
}
