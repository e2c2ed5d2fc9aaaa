//! Scaling a Deployment, proportionally while a rollout is under way
//! (`sync.go`: `isScalingEvent`, `sync`, `scale`; `GetReplicaSetProportion`).

use super::newrs::{Split, get_all_and_sync_revision};
use super::status::sync_deployment_status;
use super::util::{self, RsInfo};
use super::{Ctx, scale_and_record, scale_replica_set};
use crate::api::Deployment;
use crate::api::workloads::DeploymentStrategyType;
use crate::store::Key;

/// `isScalingEvent`: an active ReplicaSet's desired-replicas annotation
/// differs from the Deployment's replicas.
pub fn is_scaling_event(
    ctx: &mut Ctx<'_>,
    key: Key<Deployment>,
    d: &mut Deployment,
    rss: &mut Vec<RsInfo>,
) -> bool {
    let Split { new, old } = get_all_and_sync_revision(ctx, key, d, rss, false);
    new.into_iter()
        .chain(old)
        .filter(|i| rss[*i].replicas > 0)
        .any(|i| {
            util::int_annotation(&rss[i].meta, util::DESIRED_REPLICAS).is_some_and(|v| v != d.spec.replicas)
        })
}

/// `sync`: scale, clean up history when paused, update the status.
pub fn sync_scale(ctx: &mut Ctx<'_>, key: Key<Deployment>, d: &mut Deployment, rss: &mut Vec<RsInfo>) {
    let Split { new, old } = get_all_and_sync_revision(ctx, key, d, rss, false);
    scale(ctx, d, rss, new, &old);
    if d.spec.paused {
        super::history::cleanup(ctx, d, rss, &old);
    }
    sync_deployment_status(ctx, key, d, rss, new);
}

/// `FindActiveOrLatest`: the only active ReplicaSet, or the newest when
/// none is active, or none when several are.
fn active_or_latest(rss: &[RsInfo], new: Option<usize>, old: &[usize]) -> Option<usize> {
    if new.is_none() && old.is_empty() {
        return None;
    }
    let mut old_newest_first = old.to_vec();
    old_newest_first.sort_by(|a, b| util::by_creation(&rss[*b], &rss[*a]));
    let active: Vec<usize> = old_newest_first
        .iter()
        .copied()
        .chain(new)
        .filter(|i| rss[*i].replicas > 0)
        .collect();
    match active.len() {
        0 => new.or_else(|| old_newest_first.first().copied()),
        1 => Some(active[0]),
        _ => None,
    }
}

/// `scale`.
fn scale(ctx: &mut Ctx<'_>, d: &Deployment, rss: &mut [RsInfo], new: Option<usize>, old: &[usize]) {
    if let Some(i) = active_or_latest(rss, new, old) {
        if rss[i].replicas != d.spec.replicas {
            scale_and_record(ctx, &mut rss[i], d.spec.replicas, d);
        }
        return;
    }
    if let Some(n) = new
        && util::is_saturated(d, &rss[n])
    {
        for i in old {
            if rss[*i].replicas > 0 {
                scale_and_record(ctx, &mut rss[*i], 0, d);
            }
        }
        return;
    }
    if d.spec.strategy.type_ != DeploymentStrategyType::RollingUpdate {
        return;
    }
    let mut active: Vec<usize> = old
        .iter()
        .copied()
        .chain(new)
        .filter(|i| rss[*i].replicas > 0)
        .collect();
    let all: i32 = active.iter().map(|i| rss[*i].replicas).sum();
    let allowed = if d.spec.replicas > 0 {
        d.spec.replicas + util::max_surge(d)
    } else {
        0
    };
    let to_add = allowed - all;
    let operation = match to_add.cmp(&0) {
        std::cmp::Ordering::Greater => {
            active.sort_by(|a, b| util::by_size_newer(&rss[*a], &rss[*b]));
            "up"
        }
        std::cmp::Ordering::Less => {
            active.sort_by(|a, b| util::by_size_older(&rss[*a], &rss[*b]));
            "down"
        }
        std::cmp::Ordering::Equal => "",
    };
    let mut added = 0;
    let mut sizes: Vec<i32> = Vec::with_capacity(active.len());
    for i in &active {
        if to_add != 0 {
            let p = proportion(&rss[*i], d, to_add, added);
            sizes.push(rss[*i].replicas + p);
            added += p;
        } else {
            sizes.push(rss[*i].replicas);
        }
    }
    for (n, i) in active.iter().enumerate() {
        if n == 0 && to_add != 0 {
            sizes[0] = (sizes[0] + to_add - added).max(0);
        }
        scale_replica_set(ctx, &mut rss[*i], sizes[n], d, operation);
    }
}

/// `GetReplicaSetProportion`.
fn proportion(rs: &RsInfo, d: &Deployment, to_add: i32, added: i32) -> i32 {
    if rs.replicas == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// `getReplicaSetFraction`: the ReplicaSet's share of the new allowed size,
/// in proportion to the max-replicas annotation it was last scaled with.
fn fraction(rs: &RsInfo, d: &Deployment) -> i32 {
    if d.spec.replicas == 0 {
        return -rs.replicas;
    }
    let max_now = d.spec.replicas + util::max_surge(d);
    let before = util::int_annotation(&rs.meta, util::MAX_REPLICAS).unwrap_or(d.status.replicas);
    if before == 0 {
        return 0;
    }
    let size = f64::from(rs.replicas) * f64::from(max_now) / f64::from(before);
    // integer.RoundToInt32: math.Round, half away from zero.
    size.round() as i32 - rs.replicas
}
