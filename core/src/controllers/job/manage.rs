//! `manageJob`: bring a Job's active pods to the wanted number, deleting
//! first (suspension, lower parallelism, repeated indexes), otherwise
//! creating in slow-start batches once the failure back-off has passed.

use std::sync::Arc;

use super::indexes::completion_index;
use super::pods::{indexed_spec, new_pod, pods_for_removal};
use super::{JobView, MAX_POD_CREATE_DELETE_PER_SYNC, NAME, SYNC_BATCH_PERIOD_MS, SyncState};
use crate::api::{Kind, Pod};
use crate::controllers::Ctx;
use crate::events::EventType;
use crate::store::{DeleteOptions, Key, object_key};

/// `SlowStartInitialBatchSize`.
const SLOW_START_INITIAL_BATCH: usize = 1;

/// Runs `manageJob`; returns the number of active pods to report.
pub(super) fn manage_job(ctx: &mut Ctx<'_>, job: &JobView, st: &mut SyncState) -> i32 {
    let active = st.active.len();
    if job.suspended {
        let victims = pods_for_removal(ctx, job, &st.active, active);
        let (ready, removed) = delete_job_pods(ctx, job, st, &victims);
        st.terminating += removed;
        st.ready -= ready;
        return active as i32 - removed;
    }
    let want = match job.completions {
        None if st.succeeded > 0 => active as i32,
        None => job.parallelism,
        Some(c) => (c - st.succeeded).min(job.parallelism).max(0),
    };
    let rm_at_least = (active as i32 - want).max(0) as usize;
    let mut victims = pods_for_removal(ctx, job, &st.active, rm_at_least);
    victims.truncate(MAX_POD_CREATE_DELETE_PER_SYNC);
    if !victims.is_empty() {
        // Deletion and creation never happen in the same sync.
        let (ready, removed) = delete_job_pods(ctx, job, st, &victims);
        st.terminating += removed;
        st.ready -= ready;
        return active as i32 - removed;
    }
    // With podReplacementPolicy TerminatingOrFailed (the default without a
    // podFailurePolicy) terminating pods are replaced at once.
    let mut diff = want - active as i32;
    if diff <= 0 {
        return active as i32;
    }
    let remaining = st.backoff.remaining_ms(ctx.now);
    if remaining > 0 {
        // `enqueueSyncJobWithDelay`; upstream reports 0 active meanwhile.
        ctx.requeue_after(object_key(job.key), remaining.max(SYNC_BATCH_PERIOD_MS));
        return 0;
    }
    diff = diff.min(MAX_POD_CREATE_DELETE_PER_SYNC as i32);
    let indexes: Option<Vec<i32>> = job.indexed.then(|| {
        let active_ix: Vec<i32> = st
            .active
            .iter()
            .filter_map(|k| ctx.store.get(*k).and_then(completion_index))
            .collect();
        let completions = job.completions.unwrap_or(0);
        st.succeeded_indexes
            .first_pending(&active_ix, diff as usize, completions)
    });
    if let Some(ix) = &indexes {
        diff = ix.len() as i32;
    }
    let (created, failed) = slow_start_create(ctx, job, diff as usize, indexes.as_deref());
    st.api_error |= failed;
    active as i32 + created as i32
}

/// Creates `count` pods in batches of 1, 2, 4, ...; a batch with an error
/// ends the sync's creations (`slowStartBatch` inside `manageJob`).
/// Returns how many were created and whether any creation failed.
fn slow_start_create(
    ctx: &mut Ctx<'_>,
    job: &JobView,
    count: usize,
    indexes: Option<&[i32]>,
) -> (usize, bool) {
    let spec = if job.indexed {
        indexed_spec(&job.template.spec)
    } else {
        Arc::clone(&job.template.spec)
    };
    let mut next_index = indexes.unwrap_or(&[]).iter().copied();
    let mut remaining = count;
    let mut batch = SLOW_START_INITIAL_BATCH.min(remaining);
    let mut created = 0;
    while batch > 0 {
        let mut failed = false;
        for _ in 0..batch {
            let index = if job.indexed { next_index.next() } else { None };
            match ctx.store.create(new_pod(job, index, &spec)) {
                Ok(key) => {
                    created += 1;
                    let name = ctx
                        .store
                        .get(key)
                        .map(|p| p.metadata.name.to_string())
                        .unwrap_or_default();
                    ctx.event(
                        Kind::Job,
                        &job.meta,
                        EventType::Normal,
                        "SuccessfulCreate",
                        NAME,
                        format!("Created pod: {name}"),
                    );
                }
                Err(e) => {
                    failed = true;
                    ctx.event(
                        Kind::Job,
                        &job.meta,
                        EventType::Warning,
                        "FailedCreate",
                        NAME,
                        format!("Error creating: {e}"),
                    );
                }
            }
        }
        remaining -= batch;
        if failed {
            // The skipped pods wait for the rate-limited retry.
            return (created, true);
        }
        batch = (2 * batch).min(remaining);
    }
    (created, false)
}

/// `deleteJobPods`: deletes pods the Job no longer wants. Like upstream,
/// which removes their tracking finalizer first, such pods are never
/// counted as failed. Returns (ready pods deleted, pods deleted).
fn delete_job_pods(ctx: &mut Ctx<'_>, job: &JobView, st: &mut SyncState, pods: &[Key<Pod>]) -> (i32, i32) {
    let mut ready = 0;
    let mut deleted = 0;
    for key in pods {
        let Some(pod) = ctx.store.get(*key) else { continue };
        let (name, uid, is_ready) = (pod.metadata.name, pod.metadata.uid, pod.is_ready());
        st.tracking.counted.insert(uid);
        match ctx.store.delete(*key, DeleteOptions::default()) {
            Ok(()) => {
                deleted += 1;
                ready += i32::from(is_ready);
                ctx.event(
                    Kind::Job,
                    &job.meta,
                    EventType::Normal,
                    "SuccessfulDelete",
                    NAME,
                    format!("Deleted pod: {name}"),
                );
            }
            Err(e) => {
                st.api_error = true;
                st.tracking.counted.remove(&uid);
                ctx.event(
                    Kind::Job,
                    &job.meta,
                    EventType::Warning,
                    "FailedDelete",
                    NAME,
                    format!("Error deleting: {e}"),
                );
            }
        }
    }
    (ready, deleted)
}

/// `deleteActivePods`: deletes the active pods of a Job that has failed or
/// succeeded; they stay uncounted, so the status counts them as failed.
/// Returns (ready pods deleted, pods deleted).
pub(super) fn delete_active_pods(ctx: &mut Ctx<'_>, job: &JobView, pods: &[Key<Pod>]) -> (i32, i32) {
    let mut ready = 0;
    let mut deleted = 0;
    for key in pods {
        let Some(pod) = ctx.store.get(*key) else { continue };
        let (name, is_ready) = (pod.metadata.name, pod.is_ready());
        match ctx.store.delete(*key, DeleteOptions::default()) {
            Ok(()) => {
                deleted += 1;
                ready += i32::from(is_ready);
                ctx.event(
                    Kind::Job,
                    &job.meta,
                    EventType::Normal,
                    "SuccessfulDelete",
                    NAME,
                    format!("Deleted pod: {name}"),
                );
            }
            Err(e) => ctx.event(
                Kind::Job,
                &job.meta,
                EventType::Warning,
                "FailedDelete",
                NAME,
                format!("Error deleting: {e}"),
            ),
        }
    }
    (ready, deleted)
}
