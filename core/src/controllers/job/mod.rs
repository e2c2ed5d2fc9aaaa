//! The Job controller (`pkg/controller/job/job_controller.go`, as in
//! Kubernetes 1.33 with its default features: delayed terminal conditions
//! (`SuccessCriteriaMet`/`FailureTarget` first, `Complete`/`Failed` once no
//! pod is terminating), `status.terminating`, the index label).
//!
//! A sync claims the Job's pods, counts the ones that finished since the
//! last sync, decides whether the Job has failed (back-off limit, active
//! deadline) or succeeded, and otherwise creates or deletes pods: at most
//! 500 per sync, creations in slow-start batches, after the failure
//! back-off (10 s doubling to 10 min). Finished pods are kept.
//!
//! **Counting without finalizers.** Upstream puts the finalizer
//! `batch.kubernetes.io/job-tracking` on every pod and counts a finished
//! pod when it removes the finalizer, so no pod is counted twice or lost.
//! The simulation keeps the same ledger in the controller instead: per Job,
//! the uids of its pods already counted (or deliberately never counted:
//! pods deleted for suspension or surplus, whose finalizer upstream removes
//! before deleting them). A pod that disappears from the store before a
//! sync counted it is seen in the change feed and counted at the next sync
//! from its last state (Succeeded, else failed), as the finalizer would have
//! held it. The ledger forgets a pod once it is gone, and a Job once it has
//! finished or is deleted. Pods therefore carry no tracking finalizer and
//! the status has no `uncountedTerminatedPods`; the counts are the same.
//!
//! Other differences: pod events enqueue the Job after the controller's
//! reaction delay rather than the 1 s batch period; expectations are not
//! needed (a sync reads the store, never a stale cache).

mod backoff;
mod indexes;
mod manage;
mod pods;
mod status;
mod sync;

pub use backoff::{MAX_POD_FAILURE_BACKOFF_MS, POD_FAILURE_BACKOFF_MS, backoff_for};
pub use indexes::{COMPLETION_INDEX_ANNOTATION, COMPLETION_INDEX_ENV, Intervals, completion_index};
pub use status::{
    COMPLETE, FAILED, FAILURE_TARGET, SUCCESS_CRITERIA_MET, SUSPENDED, check_jobs, check_jobs_settled,
    finish_condition, is_finished,
};

use super::{Controller, Ctx, owner_key};
use crate::api::batch::{CompletionMode, JobStatus};
use crate::api::pod::{PodPhase, PodTemplateSpec, RestartPolicy};
use crate::api::{Job, Kind, Object, ObjectMeta, Pod, Time, Uid};
use crate::collections::{FxMap, FxSet};
use crate::labels::Selector;
use crate::store::{Change, ChangeOp, Key, ObjectKey, Store, object_key, typed_key};
use backoff::BackoffRecord;

/// Most pods created or deleted in one sync (`MaxPodCreateDeletePerSync`).
pub const MAX_POD_CREATE_DELETE_PER_SYNC: usize = 500;
/// Most finished pods counted in one sync (`MaxUncountedPods`).
pub const MAX_UNCOUNTED_PODS: usize = 500;
/// `syncJobBatchPeriod`: the shortest delayed re-sync.
const SYNC_BATCH_PERIOD_MS: i64 = 1000;
/// `DefaultJobApiBackOff`: the first retry after an API error.
const API_BACKOFF_MS: i64 = 1000;
/// `MaxJobApiBackOff`.
const MAX_API_BACKOFF_MS: i64 = 60_000;

const NAME: &str = "job-controller";

/// The Job controller.
#[derive(Default)]
pub struct JobController {
    /// The counting ledger, per Job uid (see the module documentation).
    tracking: FxMap<Uid, Tracking>,
}

/// What the controller remembers of one unfinished Job.
#[derive(Default)]
struct Tracking {
    /// Pods in the store already counted or never to be counted.
    counted: FxSet<Uid>,
    /// Pods removed from the store before they were counted.
    removed: Vec<PodFacts>,
    /// The failure back-off (upstream's `backoffStore`, also in memory).
    backoff: BackoffRecord,
    /// Consecutive syncs that met an API error (the work queue's rate
    /// limiter: retry after 1 s doubling to 1 min).
    api_failures: u32,
}

/// What a sync needs of a pod, read before the sync changes anything.
#[derive(Clone, Debug)]
struct PodFacts {
    /// The pod, if it is still in the store.
    key: Option<Key<Pod>>,
    uid: Uid,
    phase: PodPhase,
    /// Being deleted (or already removed).
    deleting: bool,
    ready: bool,
    restarts: u32,
    index: Option<i32>,
    finished_at: Time,
}

impl PodFacts {
    fn of(key: Option<Key<Pod>>, pod: &Pod) -> PodFacts {
        PodFacts {
            key,
            uid: pod.metadata.uid,
            phase: pod.status.phase,
            deleting: key.is_none() || pod.metadata.deletion_timestamp.is_some(),
            ready: pod.is_ready(),
            restarts: pod.status.restart_count,
            index: completion_index(pod),
            finished_at: backoff::finished_time(pod),
        }
    }

    fn terminal(&self) -> bool {
        matches!(self.phase, PodPhase::Succeeded | PodPhase::Failed)
    }

    fn active(&self) -> bool {
        !self.terminal() && !self.deleting
    }

    /// `isPodFailed` (podReplacementPolicy TerminatingOrFailed): Failed, or
    /// deleted without having succeeded.
    fn failed(&self) -> bool {
        self.phase == PodPhase::Failed || (self.deleting && self.phase != PodPhase::Succeeded)
    }
}

/// What a sync needs of the Job (copied out so the store can be written).
struct JobView {
    key: Key<Job>,
    meta: ObjectMeta,
    selector: Selector,
    parallelism: i32,
    completions: Option<i32>,
    backoff_limit: i32,
    active_deadline_seconds: Option<i64>,
    suspended: bool,
    indexed: bool,
    restart_on_failure: bool,
    template: PodTemplateSpec,
    status: JobStatus,
}

impl JobView {
    fn of(key: Key<Job>, job: &Job) -> JobView {
        let spec = &job.spec;
        JobView {
            key,
            meta: job.metadata.clone(),
            selector: spec.selector.selector().clone(),
            parallelism: spec.parallelism.unwrap_or(1),
            completions: spec.completions,
            // Admission defaults it to 6.
            backoff_limit: spec.backoff_limit.unwrap_or(6),
            active_deadline_seconds: spec.active_deadline_seconds,
            suspended: spec.suspend == Some(true),
            indexed: spec.completion_mode == Some(CompletionMode::Indexed),
            restart_on_failure: spec.template.spec.restart_policy == RestartPolicy::OnFailure,
            template: spec.template.clone(),
            status: job.status.clone(),
        }
    }

    /// Whether a finished pod's index counts (always, for NonIndexed Jobs).
    fn valid_index(&self, index: Option<i32>) -> bool {
        !self.indexed || index.is_some_and(|i| i < self.completions.unwrap_or(0))
    }
}

/// The working state of one sync (`syncJobCtx`).
struct SyncState {
    tracking: Tracking,
    /// Owned pods as they were when the sync began, then the removed ones.
    pods: Vec<PodFacts>,
    active: Vec<Key<Pod>>,
    ready: i32,
    terminating: i32,
    succeeded: i32,
    prev_succeeded_indexes: Intervals,
    succeeded_indexes: Intervals,
    backoff: BackoffRecord,
    /// A pod create or delete failed (`manageJobErr`).
    api_error: bool,
}

impl Controller for JobController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match change.key.kind {
            Kind::Job => match &change.op {
                ChangeOp::Deleted(obj) => {
                    self.tracking.remove(&obj.metadata().uid);
                }
                _ => enqueue(change.key),
            },
            Kind::Pod => match &change.op {
                ChangeOp::Deleted(obj) => {
                    let Some(pod) = Pod::from_any_ref(obj) else { return };
                    if let Some(job) = owner_key(store, &pod.metadata, Kind::Job) {
                        self.pod_removed(store, job, pod);
                        enqueue(job);
                    }
                }
                _ => {
                    let Some(pod) = typed_key::<Pod>(change.key).and_then(|k| store.get(k)) else {
                        return;
                    };
                    if pod.metadata.controller_ref().is_some() {
                        if let Some(job) = owner_key(store, &pod.metadata, Kind::Job) {
                            enqueue(job);
                        }
                    } else if pod.metadata.deletion_timestamp.is_none() {
                        // An orphan: every Job that could adopt it.
                        for job in store.selecting::<Job>(pod.metadata.namespace, &pod.metadata.labels) {
                            enqueue(object_key(job));
                        }
                    }
                }
            },
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(job_key) = typed_key::<Job>(key) else {
            return;
        };
        let Some(job) = ctx.store.get(job_key) else { return };
        let uid = job.metadata.uid;
        if is_finished(job) {
            self.tracking.remove(&uid);
            return;
        }
        let view = JobView::of(job_key, job);
        let tracking = self.tracking.remove(&uid).unwrap_or_default();
        if let Some(tracking) = sync::sync_job(ctx, &view, tracking) {
            self.tracking.insert(uid, tracking);
        }
    }
}

impl JobController {
    /// A pod of `job` left the store: forget it if it was counted, else
    /// keep its last state for the next sync to count.
    fn pod_removed(&mut self, store: &Store, job: ObjectKey, pod: &Pod) {
        let Some(j) = typed_key::<Job>(job).and_then(|k| store.get(k)) else {
            return;
        };
        if is_finished(j) {
            return;
        }
        let t = self.tracking.entry(j.metadata.uid).or_default();
        if !t.counted.remove(&pod.metadata.uid) {
            let mut facts = PodFacts::of(None, pod);
            facts.finished_at = backoff::finished_time_at_removal(pod, store.now());
            t.removed.push(facts);
        }
    }
}
