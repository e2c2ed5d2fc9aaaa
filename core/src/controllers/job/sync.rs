//! One Job sync (`syncJob` and `trackJobStatusAndRemoveFinalizers`).

use super::backoff::Finished;
use super::indexes::Intervals;
use super::manage::{delete_active_pods, manage_job};
use super::pods::claim_pods;
use super::status::{
    COMPLETE, FAILED, FAILURE_TARGET, MESSAGE_BACKOFF_LIMIT, MESSAGE_COMPLETIONS_REACHED, MESSAGE_DEADLINE,
    REASON_BACKOFF_LIMIT, REASON_COMPLETIONS_REACHED, REASON_DEADLINE, SUCCESS_CRITERIA_MET, SUSPENDED,
    Verdict, ensure_condition, has_true,
};
use super::{
    API_BACKOFF_MS, JobView, MAX_API_BACKOFF_MS, MAX_UNCOUNTED_PODS, NAME, PodFacts, SyncState, Tracking,
};
use crate::api::meta::{ConditionStatus, find_condition};
use crate::api::pod::PodPhase;
use crate::api::{Kind, Time};
use crate::controllers::Ctx;
use crate::events::EventType;
use crate::intern::Symbol;
use crate::store::object_key;

/// Syncs one unfinished Job. Returns its ledger, or `None` once it finished.
pub(super) fn sync_job(ctx: &mut Ctx<'_>, job: &JobView, mut tracking: Tracking) -> Option<Tracking> {
    let now = ctx.now;
    let keys = claim_pods(ctx, job);
    let mut pods: Vec<PodFacts> = keys
        .iter()
        .filter_map(|k| ctx.store.get(*k).map(|p| PodFacts::of(Some(*k), p)))
        .collect();
    let active: Vec<_> = pods.iter().filter(|p| p.active()).filter_map(|p| p.key).collect();
    let ready = pods.iter().filter(|p| p.active() && p.ready).count() as i32;
    let terminating = pods.iter().filter(|p| p.deleting && !p.terminal()).count() as i32;
    pods.append(&mut tracking.removed);

    // getNewFinishedPods: finished pods not counted yet.
    let uncounted = |p: &&PodFacts| !tracking.counted.contains(&p.uid) && job.valid_index(p.index);
    let finished = |p: &PodFacts| Finished { at: p.finished_at };
    let new_succeeded: Vec<Finished> = pods
        .iter()
        .filter(uncounted)
        .filter(|p| p.phase == PodPhase::Succeeded)
        .map(finished)
        .collect();
    let new_failed: Vec<Finished> = pods
        .iter()
        .filter(uncounted)
        .filter(|p| p.failed())
        .map(finished)
        .collect();
    let mut status = job.status.clone();
    let mut succeeded = status.succeeded + new_succeeded.len() as i32;
    let failed = status.failed + new_failed.len() as i32;
    if status.start_time.is_none() && !job.suspended {
        status.start_time = Some(now);
    }
    let backoff = tracking.backoff.next(&new_succeeded, &new_failed);

    let mut verdict = find_condition(&status.conditions, SUCCESS_CRITERIA_MET)
        .filter(|c| c.status == ConditionStatus::True)
        .map(|c| Verdict {
            type_: SUCCESS_CRITERIA_MET,
            reason: c.reason,
            message: c.message.clone(),
        });
    if verdict.is_none()
        && let Some(c) = find_condition(&status.conditions, FAILURE_TARGET)
        && c.status == ConditionStatus::True
    {
        verdict = Some(Verdict {
            type_: FAILED,
            reason: c.reason,
            message: c.message.clone(),
        });
    }
    if verdict.is_none() {
        if failed > job.backoff_limit || past_backoff_limit_on_failure(job, &pods) {
            verdict = Some(Verdict::new(
                FAILURE_TARGET,
                REASON_BACKOFF_LIMIT,
                MESSAGE_BACKOFF_LIMIT,
            ));
        } else if past_active_deadline(job, status.start_time, now) {
            verdict = Some(Verdict::new(FAILURE_TARGET, REASON_DEADLINE, MESSAGE_DEADLINE));
        } else if let (Some(ads), Some(start), false) =
            (job.active_deadline_seconds, status.start_time, job.suspended)
        {
            ctx.requeue_after(object_key(job.key), ads * 1000 - now.since(start));
        }
    }

    let completions = job.completions.unwrap_or(0);
    let mut prev_succeeded_indexes = Intervals::default();
    let mut succeeded_indexes = Intervals::default();
    if job.indexed {
        // calculateSucceededIndexes.
        prev_succeeded_indexes = Intervals::parse(&status.completed_indexes, completions);
        let mut new_ix: Vec<i32> = pods
            .iter()
            .filter(uncounted)
            .filter(|p| p.phase == PodPhase::Succeeded)
            .filter_map(|p| p.index)
            .collect();
        new_ix.sort_unstable();
        new_ix.dedup();
        succeeded_indexes = prev_succeeded_indexes.with_indexes(&new_ix);
        succeeded = succeeded_indexes.total();
    }
    let mut st = SyncState {
        tracking,
        pods,
        active,
        ready,
        terminating,
        succeeded,
        prev_succeeded_indexes,
        succeeded_indexes,
        backoff,
        api_error: false,
    };

    let active_now;
    if verdict.is_some() {
        // The Job is done: delete what still runs.
        let active = std::mem::take(&mut st.active);
        let (ready_deleted, deleted) = delete_active_pods(ctx, job, &active);
        if deleted != active.len() as i32 {
            verdict = None;
        }
        active_now = active.len() as i32 - deleted;
        st.terminating += deleted;
        st.ready -= ready_deleted;
    } else {
        let manage = job.meta.deletion_timestamp.is_none();
        active_now = if manage {
            manage_job(ctx, job, &mut st)
        } else {
            st.active.len() as i32
        };
        let complete = match job.completions {
            None => st.succeeded > 0 && active_now == 0,
            Some(c) => st.succeeded >= c && active_now == 0,
        };
        if complete {
            verdict = Some(Verdict::new(
                SUCCESS_CRITERIA_MET,
                REASON_COMPLETIONS_REACHED,
                MESSAGE_COMPLETIONS_REACHED,
            ));
        } else if manage {
            update_suspended(ctx, job, &mut status.conditions, &mut status.start_time);
        }
    }
    status.active = active_now;
    status.ready = st.ready;
    status.terminating = Some(st.terminating);
    st.tracking.backoff = st.backoff;
    if st.api_error {
        // `AddRateLimited`: 1 s doubling to 1 min; a clean sync resets it.
        let n = st.tracking.api_failures.min(16);
        let delay = (API_BACKOFF_MS << n).min(MAX_API_BACKOFF_MS);
        ctx.requeue_after(object_key(job.key), delay);
        st.tracking.api_failures += 1;
    } else {
        st.tracking.api_failures = 0;
    }
    let finished = track_and_finish(ctx, job, &mut st, status, verdict);
    (!finished).then_some(st.tracking)
}

/// The Suspended condition follows `spec.suspend`; resuming restarts the
/// active deadline clock (`startTime` becomes now).
fn update_suspended(
    ctx: &mut Ctx<'_>,
    job: &JobView,
    conditions: &mut Vec<crate::api::meta::Condition>,
    start_time: &mut Option<Time>,
) {
    let now = ctx.now;
    if job.suspended {
        let reason = Symbol::intern("JobSuspended");
        if ensure_condition(
            conditions,
            SUSPENDED,
            ConditionStatus::True,
            reason,
            "Job suspended",
            now,
        ) {
            ctx.event(
                Kind::Job,
                &job.meta,
                EventType::Normal,
                "Suspended",
                NAME,
                "Job suspended".into(),
            );
        }
    } else {
        let reason = Symbol::intern("JobResumed");
        if ensure_condition(
            conditions,
            SUSPENDED,
            ConditionStatus::False,
            reason,
            "Job resumed",
            now,
        ) {
            ctx.event(
                Kind::Job,
                &job.meta,
                EventType::Normal,
                "Resumed",
                NAME,
                "Job resumed".into(),
            );
            *start_time = Some(now);
        }
    }
}

/// `pastBackoffLimitOnFailure`: for restartPolicy OnFailure, the restarts
/// of the pods still Pending or Running reach the back-off limit (any
/// restart, when the limit is 0).
fn past_backoff_limit_on_failure(job: &JobView, pods: &[PodFacts]) -> bool {
    if !job.restart_on_failure {
        return false;
    }
    let restarts: i64 = pods
        .iter()
        .filter(|p| p.key.is_some() && matches!(p.phase, PodPhase::Running | PodPhase::Pending))
        .map(|p| i64::from(p.restarts))
        .sum();
    if job.backoff_limit == 0 {
        restarts > 0
    } else {
        restarts >= i64::from(job.backoff_limit)
    }
}

/// `pastActiveDeadline`: active for `activeDeadlineSeconds` (never while
/// suspended).
fn past_active_deadline(job: &JobView, start: Option<Time>, now: Time) -> bool {
    match (job.active_deadline_seconds, start) {
        (Some(ads), Some(start)) if !job.suspended => now.since(start) >= ads * 1000,
        _ => false,
    }
}

/// Counts the finished pods into the status (at most 500 per sync), records
/// the interim and final conditions, writes the status and reports the end
/// of the Job. Returns whether the Job finished.
fn track_and_finish(
    ctx: &mut Ctx<'_>,
    job: &JobView,
    st: &mut SyncState,
    mut status: crate::api::batch::JobStatus,
    mut verdict: Option<Verdict>,
) -> bool {
    let now = ctx.now;
    let job_deleting = job.meta.deletion_timestamp.is_some();
    let failing = verdict.as_ref().is_some_and(|v| !v.is_success_criteria_met());
    let mut order: Vec<usize> = (0..st.pods.len()).collect();
    if job.indexed {
        order.sort_by_key(|i| st.pods[*i].index.map_or(-1, i64::from));
    }
    let mut new_indexes = Vec::new();
    let mut added = 0;
    let mut reached_max = false;
    for (n, &i) in order.iter().enumerate() {
        let p = &st.pods[i];
        if st.tracking.counted.contains(&p.uid) {
            continue;
        }
        let considered_failed = p.failed();
        let can_count =
            job_deleting || verdict.is_some() || p.phase == PodPhase::Succeeded || considered_failed;
        if !can_count {
            continue;
        }
        if p.key.is_some() {
            st.tracking.counted.insert(p.uid);
        }
        if p.phase == PodPhase::Succeeded {
            if job.indexed {
                if let Some(ix) = p.index.filter(|_| job.valid_index(p.index))
                    && !st.prev_succeeded_indexes.has(ix)
                {
                    new_indexes.push(ix);
                    added += 1;
                }
            } else {
                status.succeeded += 1;
                added += 1;
            }
        } else if (considered_failed || failing) && job.valid_index(p.index) {
            status.failed += 1;
            added += 1;
        }
        if added >= MAX_UNCOUNTED_PODS {
            reached_max = true;
            // Removed pods not reached yet wait for the next sync.
            let rest = order[n + 1..].iter().map(|&j| &st.pods[j]);
            let pending: Vec<PodFacts> = rest.filter(|q| q.key.is_none()).cloned().collect();
            st.tracking.removed.extend(pending);
            break;
        }
    }
    if job.indexed {
        new_indexes.sort_unstable();
        new_indexes.dedup();
        let all = st.succeeded_indexes.with_indexes(&new_indexes);
        status.succeeded = all.total();
        status.completed_indexes = all.to_string();
    }
    if let Some(v) = verdict.as_ref().filter(|v| v.type_ == FAILURE_TARGET) {
        status.conditions.push(condition(v, now));
        verdict = Some(v.retyped(FAILED));
    }
    if let Some(v) = verdict.as_ref().filter(|v| v.is_success_criteria_met()) {
        if !has_true(&status.conditions, SUCCESS_CRITERIA_MET) {
            status.conditions.push(condition(v, now));
        }
        verdict = Some(v.retyped(COMPLETE));
    }
    let mut finished = false;
    if let Some(v) = verdict.as_ref()
        && !reached_max
        && st.terminating == 0
    {
        ensure_condition(
            &mut status.conditions,
            v.type_,
            ConditionStatus::True,
            v.reason,
            &v.message,
            now,
        );
        if v.type_ == COMPLETE {
            status.completion_time = Some(now);
        }
        finished = true;
    }
    if status != job.status {
        let _ = ctx.store.update(job.key, |j| j.status = status.clone());
    }
    if finished && let Some(v) = verdict {
        if v.type_ == COMPLETE {
            if job.completions.is_some_and(|c| status.succeeded > c) {
                ctx.event(
                    Kind::Job,
                    &job.meta,
                    EventType::Warning,
                    "TooManySucceededPods",
                    NAME,
                    "Too many succeeded pods running after completion count reached".into(),
                );
            }
            ctx.event(
                Kind::Job,
                &job.meta,
                EventType::Normal,
                "Completed",
                NAME,
                "Job completed".into(),
            );
        } else {
            ctx.event(
                Kind::Job,
                &job.meta,
                EventType::Warning,
                v.reason.as_str(),
                NAME,
                v.message,
            );
        }
    }
    finished
}

fn condition(v: &Verdict, now: Time) -> crate::api::meta::Condition {
    crate::api::meta::Condition {
        type_: Symbol::intern(v.type_),
        status: ConditionStatus::True,
        last_transition_time: now,
        last_update_time: None,
        reason: v.reason,
        message: v.message.clone(),
    }
}
