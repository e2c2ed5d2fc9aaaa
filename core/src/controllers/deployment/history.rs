//! Revision history: cleaning up old ReplicaSets beyond
//! `revisionHistoryLimit` (`cleanupDeployment`), and what `kubectl rollout
//! history` and `kubectl rollout undo` do on the user's side.

use super::Ctx;
use super::util::{self, RsInfo};
use crate::api::{Deployment, Kind, ReplicaSet};
use crate::intern::Symbol;
use crate::store::{ApiError, DeleteOptions, Key, Store};

/// `cleanupDeployment`: delete the oldest revisions beyond the limit, only
/// ReplicaSets that are scaled to zero and have no pods left.
pub fn cleanup(ctx: &mut Ctx<'_>, d: &Deployment, rss: &[RsInfo], old: &[usize]) {
    let Some(limit) = d.spec.revision_history_limit else {
        return;
    };
    let mut cleanable: Vec<&RsInfo> = old
        .iter()
        .map(|i| &rss[*i])
        .filter(|r| r.meta.deletion_timestamp.is_none())
        .collect();
    let diff = cleanable.len() as i64 - i64::from(limit);
    if diff <= 0 {
        return;
    }
    cleanable.sort_by(|a, b| util::by_revision(a, b));
    for rs in cleanable.into_iter().take(diff as usize) {
        if rs.status_replicas != 0 || rs.replicas != 0 || rs.meta.generation > rs.observed_generation {
            continue;
        }
        let _ = ctx.store.delete(rs.key, DeleteOptions::default());
    }
}

/// One line of `kubectl rollout history`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutRevision {
    /// The revision number.
    pub revision: i64,
    /// The `kubernetes.io/change-cause` annotation, if recorded.
    pub change_cause: Option<String>,
    /// The ReplicaSet that holds this revision.
    pub replica_set: String,
}

fn owned_replica_sets(store: &Store, d: &Deployment) -> Vec<(Key<ReplicaSet>, i64)> {
    let mut out: Vec<(Key<ReplicaSet>, i64)> = store
        .iter::<ReplicaSet>()
        .filter(|(_, rs)| {
            rs.metadata
                .controller_ref()
                .is_some_and(|r| r.uid == d.metadata.uid)
        })
        .map(|(k, rs)| (k, util::revision_of(&rs.metadata)))
        .filter(|(_, rev)| *rev > 0)
        .collect();
    out.sort_by_key(|(_, rev)| *rev);
    out
}

/// `kubectl rollout history deployment/<name>`: revisions in order.
pub fn rollout_history(store: &Store, deployment: Key<Deployment>) -> Vec<RolloutRevision> {
    let Some(d) = store.get(deployment) else {
        return Vec::new();
    };
    owned_replica_sets(store, d)
        .into_iter()
        .filter_map(|(k, rev)| {
            let rs = store.get(k)?;
            Some(RolloutRevision {
                revision: rev,
                change_cause: rs.metadata.annotations.get(util::CHANGE_CAUSE).map(str::to_owned),
                replica_set: rs.metadata.name.to_string(),
            })
        })
        .collect()
}

/// `kubectl rollout undo deployment/<name> [--to-revision=N]`: copies the
/// revision's template (without the pod-template-hash label) into the
/// Deployment, which is an ordinary template change from then on. `None`
/// means the previous revision. Returns the revision rolled back to.
pub fn rollback(
    store: &mut Store,
    deployment: Key<Deployment>,
    to_revision: Option<i64>,
) -> Result<i64, ApiError> {
    let not_found = |msg: String| ApiError::Conflict {
        kind: Kind::Deployment,
        name: String::new(),
        message: msg,
    };
    let d = store
        .get(deployment)
        .ok_or_else(|| not_found("deployment not found".into()))?
        .clone();
    let revisions = owned_replica_sets(store, &d);
    let target = match to_revision {
        Some(rev) => revisions
            .iter()
            .find(|(_, r)| *r == rev)
            .ok_or_else(|| not_found(format!("unable to find specified revision {rev} in history")))?,
        None => {
            if revisions.len() < 2 {
                return Err(not_found("no rollout history found for deployment".into()));
            }
            &revisions[revisions.len() - 2]
        }
    };
    let (rs_key, rev) = *target;
    let rs = store
        .get(rs_key)
        .ok_or_else(|| not_found("revision vanished".into()))?;
    let mut template = rs.spec.template.clone();
    template.metadata.labels = template.metadata.labels.without(Symbol::POD_TEMPLATE_HASH);
    if util::equal_ignore_hash(&template, &d.spec.template) {
        return Ok(rev);
    }
    store.update(deployment, |x| x.spec.template = template)?;
    Ok(rev)
}
