//! The rolling-update bounds, judged over a run rather than on one state.
//!
//! The surge bound is a property of one state: the sum of a Deployment's
//! ReplicaSet sizes never exceeds `replicas + maxSurge`.
//!
//! The availability bound is not. Kubernetes' Deployment controller decides
//! how far to scale old ReplicaSets down from the ReplicaSets' *statuses*,
//! which trail the pods: a pod that became Ready in the same instant as a
//! template change still counts as unavailable, so the controller may scale
//! its ReplicaSet down as an unhealthy one, and the pods left available dip
//! below `replicas - maxUnavailable` (kube-controller-manager does the same;
//! `cleanupUnhealthyReplicas` trusts `status.availableReplicas`). The
//! Deployment's `Available` condition trails too, so it cannot say when the
//! floor applies either. The bound that does hold: once the controller has
//! *seen* the Deployment available (every ReplicaSet's status agrees with
//! its pods, the Deployment's status with the ReplicaSets', and it says
//! `Available=True`), the pods never drop below the floor again
//! while the size and strategy stay the same and no pod fails. So
//! [`RolloutBounds`] arms the floor per Deployment at such a moment and
//! judges every later state against it.
//!
//! The floor counts Ready pods. The controller's arithmetic counts pods
//! available (Ready for `minReadySeconds`), but the ReplicaSet controller
//! chooses which pods to delete by readiness and by how doubled-up their
//! nodes are, not by availability (`ActivePodsWithRanks`), so a scale-down
//! can take an available pod and keep one still inside its
//! `minReadySeconds`: Kubernetes keeps `replicas - maxUnavailable` pods
//! Ready, not available. With `minReadySeconds: 0` the two are the same.

use super::Violation;
use crate::api::meta::{ConditionStatus, find_condition};
use crate::api::workloads::DeploymentStrategyType;
use crate::api::{Deployment, Pod, ReplicaSet, Time, Uid};
use crate::collections::FxMap;
use crate::controllers::deployment::util;
use crate::store::{Store, typed_key};

/// The rolling-update bounds of every Deployment over a run (see the module
/// documentation): the surge bound on every state, the availability floor
/// (`replicas - maxUnavailable` Ready pods) from the moment the controller
/// has seen the Deployment available.
/// Neither is judged while a scale of the Deployment is being applied, nor
/// before the controller has observed its latest generation.
#[derive(Clone, Debug, Default)]
pub struct RolloutBounds {
    /// Deployments whose availability floor is armed, with the
    /// `(replicas, replicas - maxUnavailable)` it was armed for.
    armed: FxMap<Uid, (i32, i32)>,
}

impl RolloutBounds {
    /// No floor armed yet.
    pub fn new() -> RolloutBounds {
        RolloutBounds::default()
    }

    /// Whether the availability floor of the Deployment with `uid` is armed.
    pub fn is_armed(&self, uid: Uid) -> bool {
        self.armed.contains_key(&uid)
    }

    /// Judges the current state: the surge bound of every rolling
    /// Deployment, and the availability floor of those armed; then arms the
    /// floor of every Deployment the controller now sees available.
    pub fn check(&mut self, store: &Store, now: Time) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut seen: Vec<Uid> = Vec::new();
        for (_, d) in store.iter::<Deployment>() {
            // Until the controller has seen the latest spec, its status (the
            // Available condition) and sizes answer for the previous one.
            if d.spec.strategy.type_ != DeploymentStrategyType::RollingUpdate
                || d.metadata.deletion_timestamp.is_some()
            {
                continue;
            }
            let uid = d.metadata.uid;
            seen.push(uid);
            if d.status.observed_generation < d.metadata.generation {
                continue;
            }
            let rss: Vec<&ReplicaSet> = store
                .dependents(uid)
                .iter()
                .filter_map(|k| typed_key::<ReplicaSet>(*k))
                .filter_map(|k| store.get(k))
                .collect();
            let scaling = rss.iter().any(|rs| {
                rs.spec.replicas > 0
                    && util::int_annotation(&rs.metadata, util::DESIRED_REPLICAS)
                        .is_some_and(|v| v != d.spec.replicas)
            });
            if scaling {
                continue;
            }
            let total: i32 = rss.iter().map(|rs| rs.spec.replicas).sum();
            let max_total = d.spec.replicas + util::max_surge(d);
            if total > max_total {
                out.push(Violation {
                    invariant: "rollout-surge",
                    detail: format!(
                        "deployment {}/{}: replica sets sum to {total} > replicas + maxSurge = {max_total}",
                        d.metadata.namespace, d.metadata.name
                    ),
                    at: now,
                });
            }
            let floor = (d.spec.replicas, d.spec.replicas - util::max_unavailable(d));
            let mut ready = 0;
            let mut statuses_current = true;
            for rs in &rss {
                // Ready (the floor) and available by the ReplicaSet's
                // minReadySeconds (what its status should say).
                let (mut rs_active, mut for_floor, mut for_status) = (0, 0, 0);
                for k in store.dependents(rs.metadata.uid) {
                    let Some(p) = typed_key::<Pod>(*k).and_then(|k| store.get(k)) else {
                        continue;
                    };
                    if p.metadata
                        .controller_ref()
                        .is_none_or(|r| r.uid != rs.metadata.uid)
                        || !p.is_active()
                    {
                        continue;
                    }
                    rs_active += 1;
                    for_floor += i32::from(p.is_ready());
                    for_status += i32::from(p.is_available(rs.spec.min_ready_seconds, now));
                }
                ready += for_floor;
                statuses_current &= rs.status.observed_generation == rs.metadata.generation
                    && rs.status.replicas == rs_active
                    && rs.status.available_replicas == for_status;
            }
            match self.armed.get(&uid) {
                Some(armed) if *armed == floor => {
                    if ready < floor.1 {
                        out.push(Violation {
                            invariant: "rollout-availability",
                            detail: format!(
                                "deployment {}/{}: {ready} ready pods < replicas - maxUnavailable = {}",
                                d.metadata.namespace, d.metadata.name, floor.1
                            ),
                            at: now,
                        });
                    }
                }
                _ => {
                    // Not armed, or armed for another size: arm when the
                    // controller sees the Deployment available.
                    self.armed.remove(&uid);
                    let seen_available = statuses_current
                        && d.status.available_replicas
                            == rss.iter().map(|rs| rs.status.available_replicas).sum::<i32>()
                        && find_condition(&d.status.conditions, "Available")
                            .is_some_and(|c| c.status == ConditionStatus::True);
                    if seen_available && ready >= floor.1 {
                        self.armed.insert(uid, floor);
                    }
                }
            }
        }
        self.armed.retain(|uid, _| seen.contains(uid));
        out
    }
}
