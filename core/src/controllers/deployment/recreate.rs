//! Recreate (`recreate.go`): scale every old ReplicaSet to zero, wait until
//! no old pod runs, then create the new ReplicaSet at full size.

use super::newrs::{Split, get_all_and_sync_revision};
use super::status::{deployment_complete, sync_rollout_status};
use super::util::RsInfo;
use super::{Ctx, scale_and_record};
use crate::api::{Deployment, Pod};
use crate::store::{Store, typed_key};

/// `rolloutRecreate`.
pub fn rollout_recreate(
    ctx: &mut Ctx<'_>,
    key: crate::store::Key<Deployment>,
    d: &mut Deployment,
    rss: &mut Vec<RsInfo>,
) {
    let Split { new, old } = get_all_and_sync_revision(ctx, key, d, rss, false);
    let mut scaled = false;
    for i in &old {
        if rss[*i].replicas > 0 {
            scaled |= scale_and_record(ctx, &mut rss[*i], 0, d);
        }
    }
    if scaled {
        sync_rollout_status(ctx, key, d, rss, new);
        return;
    }
    if old_pods_running(ctx.store, rss, new, &old) {
        sync_rollout_status(ctx, key, d, rss, new);
        return;
    }
    let (new, old) = match new {
        Some(n) => (n, old),
        None => {
            let split = get_all_and_sync_revision(ctx, key, d, rss, true);
            match split.new {
                Some(n) => (n, split.old),
                None => {
                    sync_rollout_status(ctx, key, d, rss, None);
                    return;
                }
            }
        }
    };
    if rss[new].replicas != d.spec.replicas {
        scale_and_record(ctx, &mut rss[new], d.spec.replicas, d);
    }
    if deployment_complete(d, &d.status) {
        super::history::cleanup(ctx, d, rss, &old);
    }
    sync_rollout_status(ctx, key, d, rss, Some(new));
}

/// `oldPodsRunning`: an old ReplicaSet still reports pods, or a pod of one
/// is not terminal (terminating pods count: they still run).
fn old_pods_running(store: &Store, rss: &[RsInfo], new: Option<usize>, old: &[usize]) -> bool {
    if old.iter().any(|i| rss[*i].status_replicas > 0) {
        return true;
    }
    rss.iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != new)
        .any(|(_, rs)| {
            store
                .dependents(rs.meta.uid)
                .iter()
                .filter_map(|k| typed_key::<Pod>(*k))
                .filter_map(|k| store.get(k))
                .filter(|p| p.metadata.controller_ref().is_some_and(|r| r.uid == rs.meta.uid))
                .any(|p| !p.is_terminal())
        })
}
