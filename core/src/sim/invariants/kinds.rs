//! The invariants of the kinds that arrived after the ReplicaSet and
//! Deployment: DaemonSet, StatefulSet, Job and ResourceQuota. Each is
//! counted from scans of the store (owner references, pod names and
//! phases, the namespace's objects), independently of the controllers'
//! own bookkeeping and of the store's usage cache.
//!
//! - [`check_always`], at any time: each Job's counts (`succeeded` at most
//!   `completions`, `completedIndexes` counting `succeeded`, never both
//!   Complete and Failed, no active pods once finished; see
//!   [`check_jobs`](crate::controllers::job::check_jobs));
//! - [`check_converged`], after a run to idle: each DaemonSet runs one pod
//!   on every eligible node; each StatefulSet's pods are exactly
//!   `<set>-<start>` .. `<set>-<start + replicas - 1>`; each unfinished
//!   Job's `active`/`ready` are its pods and every finished pod it still
//!   owns is counted in its status; each ResourceQuota's `status.used` is
//!   the sum over the live objects it covers.

use super::Violation;
use crate::api::meta::{ConditionStatus, find_condition};
use crate::api::pod::PodPhase;
use crate::api::{Job, Pod, ResourceQuota, StatefulSet, Time, Uid};
use crate::controllers::checks::{daemonset_one_per_eligible_node, statefulset_ordinals};
use crate::controllers::job::{
    FAILURE_TARGET, Intervals, SUCCESS_CRITERIA_MET, check_jobs, check_jobs_settled, completion_index,
};
use crate::controllers::statefulset::pods::parent_and_ordinal;
use crate::store::admission::quota::quota_used_by_scan;
use crate::store::{Store, typed_key};

/// The invariants of these kinds that hold at every moment.
pub fn check_always(store: &Store, push: &mut impl FnMut(&'static str, String)) {
    for line in check_jobs(store) {
        push("job-counts", line);
    }
}

/// The invariants of these kinds that hold once the cluster has converged.
pub fn check_converged(store: &Store, now: Time) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut push = |invariant: &'static str, detail: String| {
        out.push(Violation {
            invariant,
            detail,
            at: now,
        })
    };
    for line in daemonset_one_per_eligible_node(store) {
        push("converged-daemonset", line);
    }
    for line in statefulset_ordinals(store) {
        push("statefulset-ordinals", line);
    }
    statefulset_members(store, &mut push);
    for line in check_jobs_settled(store) {
        push("converged-job", line);
    }
    jobs_count_their_pods(store, &mut push);
    quota_usage(store, &mut push);
    out
}

/// Pods whose controller is `uid` (active or not).
fn owned(store: &Store, uid: Uid) -> impl Iterator<Item = &Pod> {
    store
        .dependents(uid)
        .iter()
        .filter_map(|k| typed_key::<Pod>(*k).and_then(|k| store.get(k)))
        .filter(move |p| p.metadata.controller_ref().is_some_and(|r| r.uid == uid))
}

/// Each live StatefulSet's active pods are exactly the ordinals `start` ..
/// `start + replicas - 1`, one pod each (whatever the pod management
/// policy: a converged Parallel set has no gap either).
fn statefulset_members(store: &Store, push: &mut impl FnMut(&'static str, String)) {
    for (_, set) in store.iter::<StatefulSet>() {
        if set.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let name = set.metadata.name.to_string();
        let mut ords: Vec<i32> = owned(store, set.metadata.uid)
            .filter(|p| p.is_active())
            .filter_map(|p| match parent_and_ordinal(&p.metadata.name.to_string()) {
                Some((parent, ord)) if parent == name => Some(ord),
                _ => None,
            })
            .collect();
        ords.sort_unstable();
        let start = set.spec.ordinals.as_ref().map_or(0, |o| o.start);
        let want: Vec<i32> = (start..start + set.spec.replicas.max(0)).collect();
        if ords != want {
            push(
                "converged-statefulset",
                format!(
                    "statefulset {}/{name}: active pod ordinals {ords:?}, want {want:?}",
                    set.metadata.namespace
                ),
            );
        }
    }
}

/// Every finished pod an unfinished Job still owns has been counted: the
/// controller's ledger counts each finished pod exactly once, including
/// pods that left the store since, so the status holds at least the pods
/// still there (for an Indexed Job, each succeeded pod's index is in
/// `completedIndexes`). Pods with an index outside the Job are never
/// counted.
fn jobs_count_their_pods(store: &Store, push: &mut impl FnMut(&'static str, String)) {
    use crate::api::batch::CompletionMode;
    use crate::controllers::job::is_finished;
    for (_, job) in store.iter::<Job>() {
        // Finished, or deciding to (pods still terminating): the counts
        // are final or about to be.
        let deciding = [FAILURE_TARGET, SUCCESS_CRITERIA_MET].iter().any(|t| {
            find_condition(&job.status.conditions, t).is_some_and(|c| c.status == ConditionStatus::True)
        });
        if is_finished(job) || deciding {
            continue;
        }
        let id = format!("job {}/{}", job.metadata.namespace, job.metadata.name);
        let indexed = job.spec.completion_mode == Some(CompletionMode::Indexed);
        let completions = job.spec.completions.unwrap_or(0);
        let valid = |p: &Pod| !indexed || completion_index(p).is_some_and(|i| i < completions);
        let (mut succeeded, mut failed) = (0, 0);
        let done = Intervals::parse(&job.status.completed_indexes, completions);
        for pod in owned(store, job.metadata.uid).filter(|p| valid(p)) {
            match pod.status.phase {
                PodPhase::Succeeded => {
                    succeeded += 1;
                    if let Some(ix) = completion_index(pod).filter(|_| indexed)
                        && !done.has(ix)
                    {
                        push(
                            "converged-job",
                            format!(
                                "{id}: pod {} succeeded with index {ix}, not in completedIndexes {:?}",
                                pod.metadata.name, job.status.completed_indexes
                            ),
                        );
                    }
                }
                PodPhase::Failed => failed += 1,
                _ => {}
            }
        }
        // An Indexed Job counts distinct indexes, not pods.
        if !indexed && job.status.succeeded < succeeded {
            push(
                "converged-job",
                format!(
                    "{id}: status succeeded {} < {succeeded} succeeded pods it owns",
                    job.status.succeeded
                ),
            );
        }
        if job.status.failed < failed {
            push(
                "converged-job",
                format!(
                    "{id}: status failed {} < {failed} failed pods it owns",
                    job.status.failed
                ),
            );
        }
    }
}

/// Each ResourceQuota's `status.hard` is its `spec.hard` and its
/// `status.used` the usage of the objects it covers, by a scan.
fn quota_usage(store: &Store, push: &mut impl FnMut(&'static str, String)) {
    for (_, quota) in store.iter::<ResourceQuota>() {
        if quota.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let id = format!(
            "resourcequota {}/{}",
            quota.metadata.namespace, quota.metadata.name
        );
        let want = quota_used_by_scan(store, quota);
        if quota.status.used != want {
            push(
                "converged-quota",
                format!(
                    "{id}: status.used {:?}, the objects use {want:?}",
                    quota.status.used
                ),
            );
        }
        if quota.status.hard != quota.spec.hard {
            push(
                "converged-quota",
                format!(
                    "{id}: status.hard {:?} differs from spec.hard {:?}",
                    quota.status.hard, quota.spec.hard
                ),
            );
        }
    }
}
