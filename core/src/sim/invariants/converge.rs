//! What must hold once the cluster has converged (nothing pending, no
//! injected failure left): each ReplicaSet owns exactly `replicas` active
//! pods; each Deployment's newest ReplicaSet (the one with its template)
//! holds all its replicas and the old ones hold none. Counted from scans of
//! the pods' owner references, independently of the store's indexes.

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
    for (_, d) in store.iter::<Deployment>() {
        let selects_all = d
            .spec
            .selector
            .spec()
            .is_some_and(|s| s.match_labels.is_empty() && s.match_expressions.is_empty());
        if d.metadata.deletion_timestamp.is_some() || d.spec.paused || selects_all {
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
        let newest: Vec<&&ReplicaSet> = rss
            .iter()
            .filter(|rs| util::equal_ignore_hash(&rs.spec.template, &d.spec.template))
            .collect();
        match newest.as_slice() {
            [rs] => {
                let have = owned(rs.metadata.uid);
                if rs.spec.replicas != d.spec.replicas || have != d.spec.replicas {
                    push(
                        "converged-deployment",
                        format!(
                            "deployment {name}: newest replica set {} has replicas {} and {have} active pods, \
                             wants {}",
                            rs.metadata.name, rs.spec.replicas, d.spec.replicas
                        ),
                    );
                }
            }
            other => push(
                "converged-deployment",
                format!(
                    "deployment {name}: {} replica sets have its current template, wants 1",
                    other.len()
                ),
            ),
        }
        for rs in rss
            .iter()
            .filter(|rs| !util::equal_ignore_hash(&rs.spec.template, &d.spec.template))
        {
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
    out
}
