//! What must hold once the cluster has converged (nothing pending, no
//! injected failure left): each ReplicaSet owns exactly `replicas` active
//! pods; each Deployment's new ReplicaSet (the oldest with its template)
//! holds all its replicas and the others hold none; no active orphan pod
//! (ReplicaSet) is left that a live ReplicaSet (Deployment) selects. Counted from scans of
//! the pods' owner references, independently of the store's indexes. The
//! later kinds' convergence invariants ([`super::kinds`]) are added to the
//! same list.

use super::Violation;
use crate::api::{Deployment, Pod, ReplicaSet, Time, Uid};
use crate::collections::FxMap;
use crate::controllers::deployment::util;

/// The convergence invariants (meaningful only after a run to idle with no
/// failed node; [`Simulation::check_converged`](super::super::Simulation::check_converged)
/// checks that first).
pub fn check_converged(store: &crate::store::Store, now: Time) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut push = |invariant: &'static str, detail: String| {
        out.push(Violation {
            invariant,
            detail,
            at: now,
        })
    };
    let mut active: FxMap<Uid, i32> = FxMap::default();
    for (_, pod) in store.iter::<Pod>() {
        if let Some(r) = pod.metadata.controller_ref()
            && pod.is_active()
        {
            *active.entry(r.uid).or_default() += 1;
        }
    }
    let owned = |uid: Uid| active.get(&uid).copied().unwrap_or(0);
    for (_, rs) in store.iter::<ReplicaSet>() {
        if rs.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let have = owned(rs.metadata.uid);
        if have != rs.spec.replicas {
            push(
                "converged-replicaset",
                format!(
                    "replica set {}/{} owns {have} active pods, wants {}",
                    rs.metadata.namespace, rs.metadata.name, rs.spec.replicas
                ),
            );
        }
    }
    // Adoption: no active orphan is left that a live owner selects.
    for (_, pod) in store.iter::<Pod>() {
        if pod.metadata.controller_ref().is_some() || !pod.is_active() {
            continue;
        }
        let ns = pod.metadata.namespace;
        if let Some((_, rs)) = store.iter::<ReplicaSet>().find(|(_, rs)| {
            rs.metadata.namespace == ns
                && rs.metadata.deletion_timestamp.is_none()
                && rs.spec.selector.matches(&pod.metadata.labels)
        }) {
            push(
                "converged-adoption",
                format!(
                    "pod {ns}/{} is an orphan that replica set {} selects",
                    pod.metadata.name, rs.metadata.name
                ),
            );
        }
    }
    for (_, rs) in store.iter::<ReplicaSet>() {
        if rs.metadata.controller_ref().is_some() || rs.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let ns = rs.metadata.namespace;
        if let Some((_, d)) = store.iter::<Deployment>().find(|(_, d)| {
            d.metadata.namespace == ns
                && d.metadata.deletion_timestamp.is_none()
                && !selects_all(d)
                && d.spec.selector.matches(&rs.metadata.labels)
        }) {
            push(
                "converged-adoption",
                format!(
                    "replica set {ns}/{} is an orphan that deployment {} selects",
                    rs.metadata.name, d.metadata.name
                ),
            );
        }
    }
    for (_, d) in store.iter::<Deployment>() {
        if d.metadata.deletion_timestamp.is_some() || d.spec.paused || selects_all(d) {
            continue;
        }
        let name = format!("{}/{}", d.metadata.namespace, d.metadata.name);
        let rss: Vec<&ReplicaSet> = store
            .iter::<ReplicaSet>()
            .map(|(_, rs)| rs)
            .filter(|rs| {
                rs.metadata.deletion_timestamp.is_none()
                    && rs
                        .metadata
                        .controller_ref()
                        .is_some_and(|r| r.uid == d.metadata.uid)
            })
            .collect();
        // The new ReplicaSet is the oldest with the current template
        // (`FindNewReplicaSet`: a bare ReplicaSet with the same template may
        // be adopted, and then the younger one is old); the rest are old.
        let current = |rs: &&ReplicaSet| util::equal_ignore_hash(&rs.spec.template, &d.spec.template);
        let new = rss.iter().filter(|rs| current(rs)).min_by(|a, b| {
            (a.metadata.creation_timestamp, a.metadata.name.to_string())
                .cmp(&(b.metadata.creation_timestamp, b.metadata.name.to_string()))
        });
        if stalled_by_scaling_event(d, &rss, new.copied()) {
            continue;
        }
        let Some(new) = new else {
            push(
                "converged-deployment",
                format!("deployment {name}: no replica set has its current template"),
            );
            continue;
        };
        let have = owned(new.metadata.uid);
        if new.spec.replicas != d.spec.replicas || have != d.spec.replicas {
            push(
                "converged-deployment",
                format!(
                    "deployment {name}: new replica set {} has replicas {} and {have} active pods, wants {}",
                    new.metadata.name, new.spec.replicas, d.spec.replicas
                ),
            );
        }
        for rs in rss.iter().filter(|rs| rs.metadata.uid != new.metadata.uid) {
            let have = owned(rs.metadata.uid);
            if rs.spec.replicas != 0 || have != 0 {
                push(
                    "converged-deployment",
                    format!(
                        "deployment {name}: old replica set {} has replicas {} and {have} active pods, wants 0",
                        rs.metadata.name, rs.spec.replicas
                    ),
                );
            }
        }
    }
    out.extend(super::kinds::check_converged(store, now));
    out
}

/// Whether upstream's controller can never move this Deployment on. Every
/// sync is a scaling event (`isScalingEvent`: an active ReplicaSet carries a
/// `desired-replicas` annotation other than `replicas`), so the rollout
/// never runs, and `scale` never rewrites the annotation because it has
/// nothing to do:
///
/// - one active ReplicaSet already of `replicas` pods (`FindActiveOrLatest`
///   returns it and `scale` returns before `scaleReplicaSet`), any
///   strategy. Reached by scaling the Deployment and, in the same instant,
///   its old ReplicaSet by hand to the same size
///   (`fuzz/regressions/controller_ops/single-active-replicaset-scaled-by-hand`);
/// - a Recreate Deployment with two or more active ReplicaSets and an
///   unsaturated new one (no single active one, new one not saturated,
///   proportional scaling only for RollingUpdate). Reached by scaling the
///   Deployment and, in the same instant, creating a matching bare
///   ReplicaSet it adopts (`fuzz/regressions/controller_ops/
///   recreate-stalled-by-scaling-event`).
///
/// The simulation stalls exactly so, and the convergence invariants do not
/// apply to such a Deployment.
fn stalled_by_scaling_event(d: &Deployment, rss: &[&ReplicaSet], new: Option<&ReplicaSet>) -> bool {
    use crate::api::workloads::DeploymentStrategyType;
    let want = d.spec.replicas;
    let active: Vec<&&ReplicaSet> = rss.iter().filter(|rs| rs.spec.replicas > 0).collect();
    let scaling = active
        .iter()
        .any(|rs| util::int_annotation(&rs.metadata, util::DESIRED_REPLICAS).is_some_and(|v| v != want));
    let saturated = new.is_some_and(|rs| {
        util::int_annotation(&rs.metadata, util::DESIRED_REPLICAS) == Some(want)
            && rs.spec.replicas == want
            && rs.status.available_replicas == want
    });
    let single_at_size = active.len() == 1 && active[0].spec.replicas == want;
    let recreate_split =
        d.spec.strategy.type_ == DeploymentStrategyType::Recreate && active.len() >= 2 && !saturated;
    scaling && (single_at_size || recreate_split)
}

/// A Deployment whose selector is empty selects everything; the controller
/// refuses to act on it.
fn selects_all(d: &Deployment) -> bool {
    d.spec
        .selector
        .spec()
        .is_some_and(|s| s.match_labels.is_empty() && s.match_expressions.is_empty())
}
