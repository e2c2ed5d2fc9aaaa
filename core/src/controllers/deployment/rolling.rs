//! RollingUpdate (`rolling.go`): scale the new ReplicaSet up within
//! maxSurge, then the old ones down within maxUnavailable, one step per sync.

use super::newrs::{Split, get_all_and_sync_revision};
use super::status::sync_rollout_status;
use super::util::{self, RsInfo};
use super::{Ctx, scale_and_record};
use crate::api::Deployment;
use crate::store::Key;

/// `rolloutRolling`.
pub fn rollout_rolling(ctx: &mut Ctx<'_>, key: Key<Deployment>, d: &mut Deployment, rss: &mut Vec<RsInfo>) {
    let Split { new, old } = get_all_and_sync_revision(ctx, key, d, rss, true);
    let Some(new) = new else {
        // Creation failed; status only.
        sync_rollout_status(ctx, key, d, rss, None);
        return;
    };
    if reconcile_new(ctx, d, rss, new) {
        sync_rollout_status(ctx, key, d, rss, Some(new));
        return;
    }
    let active_old: Vec<usize> = old.iter().copied().filter(|i| rss[*i].replicas > 0).collect();
    if reconcile_old(ctx, d, rss, new, &active_old) {
        sync_rollout_status(ctx, key, d, rss, Some(new));
        return;
    }
    if super::status::deployment_complete(d, &d.status) {
        super::history::cleanup(ctx, d, rss, &old);
    }
    sync_rollout_status(ctx, key, d, rss, Some(new));
}

/// `reconcileNewReplicaSet`.
fn reconcile_new(ctx: &mut Ctx<'_>, d: &Deployment, rss: &mut [RsInfo], new: usize) -> bool {
    let desired = d.spec.replicas;
    if rss[new].replicas == desired {
        return false;
    }
    if rss[new].replicas > desired {
        return scale_and_record(ctx, &mut rss[new], desired, d);
    }
    let all: i32 = rss.iter().map(|r| r.replicas).sum();
    let target = util::new_rs_new_replicas(d, all, rss[new].replicas);
    scale_and_record(ctx, &mut rss[new], target, d)
}

/// `reconcileOldReplicaSets`.
fn reconcile_old(ctx: &mut Ctx<'_>, d: &Deployment, rss: &mut [RsInfo], new: usize, old: &[usize]) -> bool {
    let old_pods: i32 = old.iter().map(|i| rss[*i].replicas).sum();
    if old_pods == 0 {
        return false;
    }
    let all_pods: i32 = rss.iter().map(|r| r.replicas).sum();
    let min_available = d.spec.replicas - util::max_unavailable(d);
    let new_unavailable = rss[new].replicas - rss[new].available;
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return false;
    }
    let cleaned = cleanup_unhealthy(ctx, d, rss, old, max_scaled_down);
    let scaled = scale_down_old(ctx, d, rss, old);
    cleaned + scaled > 0
}

fn oldest_first(rss: &[RsInfo], old: &[usize]) -> Vec<usize> {
    let mut order = old.to_vec();
    order.sort_by(|a, b| util::by_creation(&rss[*a], &rss[*b]));
    order
}

/// `cleanupUnhealthyReplicas`: remove unavailable old replicas first,
/// oldest ReplicaSet first, within the `max` budget.
fn cleanup_unhealthy(ctx: &mut Ctx<'_>, d: &Deployment, rss: &mut [RsInfo], old: &[usize], max: i32) -> i32 {
    let mut total = 0;
    for i in oldest_first(rss, old) {
        if total >= max {
            break;
        }
        let rs = &rss[i];
        if rs.replicas == 0 || rs.replicas == rs.available {
            continue;
        }
        let down = (max - total).min(rs.replicas - rs.available);
        let target = rs.replicas - down;
        scale_and_record(ctx, &mut rss[i], target, d);
        total += down;
    }
    total
}

/// `scaleDownOldReplicaSetsForRollingUpdate`: while more than minAvailable
/// pods are available, scale old ReplicaSets down, oldest first.
fn scale_down_old(ctx: &mut Ctx<'_>, d: &Deployment, rss: &mut [RsInfo], old: &[usize]) -> i32 {
    let min_available = d.spec.replicas - util::max_unavailable(d);
    let available: i32 = rss.iter().map(|r| r.available).sum();
    if available <= min_available {
        return 0;
    }
    let budget = available - min_available;
    let mut total = 0;
    for i in oldest_first(rss, old) {
        if total >= budget {
            break;
        }
        if rss[i].replicas == 0 {
            continue;
        }
        let down = rss[i].replicas.min(budget - total);
        let target = rss[i].replicas - down;
        scale_and_record(ctx, &mut rss[i], target, d);
        total += down;
    }
    total
}
