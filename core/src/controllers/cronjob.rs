//! The CronJob controller (`pkg/controller/cronjob/cronjob_controllerv2.go`
//! and `utils.go`), UTC only.
//!
//! A sync first deletes the oldest finished Jobs beyond the history limits,
//! then reconciles `status.active` with the CronJob's Jobs, and, unless the
//! CronJob is suspended or being deleted, starts the most recent missed
//! run: a Job `<cronjob>-<scheduledTime.Unix()/60>` from the job template,
//! subject to `startingDeadlineSeconds` and the concurrency policy (Allow,
//! Forbid skips while a run is active, Replace deletes the active runs
//! first). It re-queues itself 100 ms after the next scheduled time. After
//! more than 100 missed start times only the latest one runs, with a
//! warning.
//!
//! Differences: only `UTC` (or `Etc/UTC`) time zones are simulated (others
//! get the `UnknownTimeZone` warning and no runs); the Jobs considered are
//! the CronJob's dependents by uid (upstream also takes Jobs whose
//! controller reference merely has the CronJob's name).

use super::job::{COMPLETE, finish_condition};
use super::{Controller, Ctx, controller_ref, owner_key};
use crate::api::batch::{ConcurrencyPolicy, CronJobStatus};
use crate::api::meta::ObjectReference;
use crate::api::{CronJob, Job, Kind, Name, ObjectMeta, Time, Uid};
use crate::collections::FxMap;
use crate::cron::CronSchedule;
use crate::events::EventType;
use crate::intern::Symbol;
use crate::store::typed_key;
use crate::store::{ApiError, Change, ChangeOp, DeleteOptions, Key, ObjectKey, Propagation, Store};

/// The annotation with the run's scheduled time (`CronJobsScheduledAnnotation`).
pub const SCHEDULED_TIMESTAMP_ANNOTATION: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/// `nextScheduleDelta`: the controller wakes this long after a scheduled time.
pub const NEXT_SCHEDULE_DELTA_MS: i64 = 100;
/// More missed start times than this trigger the `TooManyMissedTimes` warning.
pub const MAX_MISSED_SCHEDULES: i64 = 100;

const NAME: &str = "cronjob-controller";
/// The work queue's rate limiter after an error: 5 ms doubling to 1000 s.
const RETRY_BASE_MS: i64 = 5;
const RETRY_MAX_MS: i64 = 1_000_000;

/// The CronJob controller.
#[derive(Default)]
pub struct CronJobController {
    /// Consecutive failed syncs per CronJob (the rate limiter's memory).
    failures: FxMap<Uid, u32>,
}

/// What a sync needs of one of the CronJob's Jobs.
struct JobInfo {
    key: Key<Job>,
    name: Name,
    uid: Uid,
    /// `Complete` or `Failed`, once finished.
    finished: Option<&'static str>,
    completion_time: Option<Time>,
    start_time: Option<Time>,
}

impl Controller for CronJobController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match change.key.kind {
            Kind::CronJob => match &change.op {
                ChangeOp::Deleted(obj) => {
                    self.failures.remove(&obj.metadata().uid);
                }
                _ => enqueue(change.key),
            },
            Kind::Job => {
                let meta = match &change.op {
                    ChangeOp::Deleted(obj) => obj.metadata(),
                    _ => match store.metadata_of(change.key) {
                        Some(m) => m,
                        None => return,
                    },
                };
                if let Some(cj) = owner_key(store, meta, Kind::CronJob) {
                    enqueue(cj);
                }
            }
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(cj_key) = typed_key::<CronJob>(key) else {
            return;
        };
        let Some(cj) = ctx.store.get(cj_key) else { return };
        let cj = cj.clone();
        let jobs = jobs_of(ctx.store, &cj);
        let mut status = cj.status.clone();
        cleanup_finished_jobs(ctx, &cj, &jobs, &mut status);
        let outcome = sync_cron_job(ctx, &cj, &jobs, &mut status);
        if status != cj.status && ctx.store.update(cj_key, |c| c.status = status).is_err() {
            return self.retry(ctx, key, cj.metadata.uid);
        }
        match outcome {
            Outcome::Requeue(ms) => {
                self.failures.remove(&cj.metadata.uid);
                ctx.requeue_after(key, ms);
            }
            Outcome::Done => {
                self.failures.remove(&cj.metadata.uid);
            }
            Outcome::Error => self.retry(ctx, key, cj.metadata.uid),
        }
    }
}

impl CronJobController {
    /// `AddRateLimited`: try again after 5 ms, doubling per failure.
    fn retry(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey, uid: Uid) {
        let n = self.failures.entry(uid).or_default();
        let delay = RETRY_BASE_MS
            .saturating_mul(1i64 << (*n).min(40))
            .min(RETRY_MAX_MS);
        *n += 1;
        ctx.requeue_after(key, delay);
    }
}

/// How a sync ends.
enum Outcome {
    /// Sync again after this many milliseconds.
    Requeue(i64),
    /// Nothing more until something changes.
    Done,
    /// An API error: sync again with the rate limiter's delay.
    Error,
}

/// The Jobs controlled by `cj`, in slot order.
fn jobs_of(store: &Store, cj: &CronJob) -> Vec<JobInfo> {
    let mut keys: Vec<Key<Job>> = store
        .dependents(cj.metadata.uid)
        .iter()
        .filter_map(|k| typed_key::<Job>(*k))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let job = store.get(k)?;
            let r = job.metadata.controller_ref()?;
            (r.uid == cj.metadata.uid).then(|| JobInfo {
                key: k,
                name: job.metadata.name,
                uid: job.metadata.uid,
                finished: finish_condition(job).map(|c| {
                    if c.type_.as_str() == COMPLETE {
                        "Complete"
                    } else {
                        "Failed"
                    }
                }),
                completion_time: job.status.completion_time,
                start_time: job.status.start_time,
            })
        })
        .collect()
}

fn event(ctx: &mut Ctx<'_>, cj: &CronJob, type_: EventType, reason: &'static str, message: String) {
    ctx.event(Kind::CronJob, &cj.metadata, type_, reason, NAME, message);
}

/// `deleteJob`: deletes a Job (background propagation) and drops it from
/// the active list.
fn delete_job(
    ctx: &mut Ctx<'_>,
    cj: &CronJob,
    job: Key<Job>,
    name: Name,
    uid: Uid,
    status: &mut CronJobStatus,
) -> bool {
    match ctx
        .store
        .delete(job, DeleteOptions::propagation(Propagation::Background))
    {
        Ok(()) => {
            status.active.retain(|r| r.uid != uid);
            event(
                ctx,
                cj,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted job {name}"),
            );
            true
        }
        Err(e) => {
            event(
                ctx,
                cj,
                EventType::Warning,
                "FailedDelete",
                format!("Deleted job: {e}"),
            );
            false
        }
    }
}

/// `cleanupFinishedJobs`: beyond the history limits, the finished Jobs
/// that started first are deleted.
fn cleanup_finished_jobs(ctx: &mut Ctx<'_>, cj: &CronJob, jobs: &[JobInfo], status: &mut CronJobStatus) {
    for (kind, limit) in [
        ("Complete", cj.spec.successful_jobs_history_limit),
        ("Failed", cj.spec.failed_jobs_history_limit),
    ] {
        let Some(limit) = limit else { continue };
        let mut done: Vec<&JobInfo> = jobs.iter().filter(|j| j.finished == Some(kind)).collect();
        let excess = done.len() as i64 - i64::from(limit);
        if excess <= 0 {
            continue;
        }
        // byJobStartTime: started first, unstarted last, ties by name.
        done.sort_by(|a, b| match (a.start_time, b.start_time) {
            (Some(x), Some(y)) if x != y => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            _ => a.name.to_string().cmp(&b.name.to_string()),
        });
        for j in done.into_iter().take(excess as usize) {
            delete_job(ctx, cj, j.key, j.name, j.uid, status);
        }
    }
}

fn job_ref(cj: &CronJob, name: Name, uid: Uid) -> ObjectReference {
    ObjectReference {
        kind: Symbol::intern("Job"),
        namespace: cj.metadata.namespace,
        name,
        uid,
        api_version: Symbol::intern("batch/v1"),
    }
}

/// `syncCronJob`.
fn sync_cron_job(ctx: &mut Ctx<'_>, cj: &CronJob, jobs: &[JobInfo], status: &mut CronJobStatus) -> Outcome {
    let now = ctx.now;
    for j in jobs {
        let found = status.active.iter().any(|r| r.uid == j.uid);
        match (found, j.finished) {
            (false, None) => event(
                ctx,
                cj,
                EventType::Warning,
                "UnexpectedJob",
                format!(
                    "Saw a job that the controller did not create or forgot: {}",
                    j.name
                ),
            ),
            (true, Some(state)) => {
                status.active.retain(|r| r.uid != j.uid);
                event(
                    ctx,
                    cj,
                    EventType::Normal,
                    "SawCompletedJob",
                    format!("Saw completed job: {}, status: {state}", j.name),
                );
            }
            (_, Some("Complete")) => {
                if status.last_successful_time.is_none() {
                    status.last_successful_time = j.completion_time;
                }
                if let (Some(t), Some(last)) = (j.completion_time, status.last_successful_time)
                    && t > last
                {
                    status.last_successful_time = Some(t);
                }
            }
            _ => {}
        }
    }
    for r in status.active.clone() {
        if jobs.iter().any(|j| j.uid == r.uid) || ctx.store.lookup_name::<Job>(r.namespace, &r.name).is_some()
        {
            continue;
        }
        event(
            ctx,
            cj,
            EventType::Normal,
            "MissingJob",
            format!("Active job went missing: {}", r.name),
        );
        status.active.retain(|a| a.uid != r.uid);
    }
    if cj.metadata.deletion_timestamp.is_some() {
        return Outcome::Done;
    }
    if let Some(tz) = &cj.spec.time_zone
        && tz != "UTC"
        && tz != "Etc/UTC"
    {
        event(
            ctx,
            cj,
            EventType::Warning,
            "UnknownTimeZone",
            format!("invalid timeZone: {tz:?}: unknown time zone {tz} (only UTC is simulated)"),
        );
        return Outcome::Done;
    }
    if cj.spec.suspend == Some(true) {
        return Outcome::Done;
    }
    let sched = match CronSchedule::parse(&cj.spec.schedule) {
        Ok(s) => s,
        Err(e) => {
            let msg = format!("unparseable schedule: {:?} : {e}", cj.spec.schedule);
            event(ctx, cj, EventType::Warning, "UnparseableSchedule", msg);
            return Outcome::Done;
        }
    };
    let next_wake = |status: &CronJobStatus| next_schedule_delay(cj, status, now, &sched);
    let scheduled = match most_recent_schedule(cj, status, now, &sched, true) {
        Err(e) => {
            let msg = format!("invalid schedule: {} : {e}", cj.spec.schedule);
            event(ctx, cj, EventType::Warning, "InvalidSchedule", msg);
            return Outcome::Done;
        }
        Ok(m) => {
            if m.missed > MAX_MISSED_SCHEDULES && m.most_recent.is_some() {
                event(
                    ctx,
                    cj,
                    EventType::Warning,
                    "TooManyMissedTimes",
                    "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
                        .into(),
                );
            }
            m.most_recent
        }
    };
    let Some(scheduled) = scheduled else {
        return next_wake(status);
    };
    if let Some(sds) = cj.spec.starting_deadline_seconds
        && scheduled.plus_secs(sds) < now
    {
        let msg = format!("Missed scheduled time to start a job: {}", rfc1123z(scheduled));
        event(ctx, cj, EventType::Warning, "MissSchedule", msg);
        return next_wake(status);
    }
    let name = job_name(cj, scheduled);
    if status.active.iter().any(|r| r.name.to_string() == name)
        || status.last_schedule_time == Some(scheduled)
    {
        return next_wake(status);
    }
    if cj.spec.concurrency_policy == ConcurrencyPolicy::Forbid && !status.active.is_empty() {
        event(
            ctx,
            cj,
            EventType::Normal,
            "JobAlreadyActive",
            "Not starting job because prior execution is running and concurrency policy is Forbid".into(),
        );
        return next_wake(status);
    }
    if cj.spec.concurrency_policy == ConcurrencyPolicy::Replace {
        for r in status.active.clone() {
            let Some(job) = ctx.store.lookup_name::<Job>(r.namespace, &r.name) else {
                let msg = format!("Get job: jobs.batch {:?} not found", r.name.to_string());
                event(ctx, cj, EventType::Warning, "FailedGet", msg);
                return Outcome::Error;
            };
            let uid = ctx.store.get(job).map_or(Uid(0), |j| j.metadata.uid);
            if !delete_job(ctx, cj, job, r.name, uid, status) {
                return Outcome::Error;
            }
        }
    }
    let (job_key, created) = match ctx.store.create(job_from_template(cj, scheduled, &name)) {
        Ok(k) => (k, true),
        Err(ApiError::AlreadyExists { .. }) => {
            let Some(k) = ctx.store.lookup::<Job>(cj.metadata.namespace.as_str(), &name) else {
                return Outcome::Error;
            };
            let job = ctx.store.get(k).expect("just looked up");
            let controlled = job
                .metadata
                .controller_ref()
                .is_some_and(|r| r.uid == cj.metadata.uid);
            if !controlled || status.active.iter().any(|r| r.uid == job.metadata.uid) {
                return Outcome::Done;
            }
            (k, false)
        }
        Err(e) => {
            event(
                ctx,
                cj,
                EventType::Warning,
                "FailedCreate",
                format!("Error creating job: {e}"),
            );
            return Outcome::Error;
        }
    };
    let job = ctx.store.get(job_key).expect("present");
    let (job_name, job_uid) = (job.metadata.name, job.metadata.uid);
    if created {
        event(
            ctx,
            cj,
            EventType::Normal,
            "SuccessfulCreate",
            format!("Created job {job_name}"),
        );
    }
    status.active.push(job_ref(cj, job_name, job_uid));
    status.last_schedule_time = Some(scheduled);
    next_wake(status)
}

/// `getJobName`: `<cronjob>-<minutes since the Unix epoch>`.
pub fn job_name(cj: &CronJob, scheduled: Time) -> String {
    format!("{}-{}", cj.metadata.name, scheduled.unix_seconds().div_euclid(60))
}

/// `getJobFromTemplate2`: the template's labels, annotations (plus the
/// scheduled time) and spec, with the CronJob as controller.
fn job_from_template(cj: &CronJob, scheduled: Time, name: &str) -> Job {
    let template = &cj.spec.job_template;
    let mut annotations = template.metadata.annotations.clone();
    annotations.set(SCHEDULED_TIMESTAMP_ANNOTATION, &scheduled.to_string());
    let mut meta = ObjectMeta {
        name: Name::new(name),
        namespace: cj.metadata.namespace,
        labels: template.metadata.labels.clone(),
        annotations,
        ..ObjectMeta::default()
    };
    meta.owner_references
        .push(controller_ref(Kind::CronJob, &cj.metadata));
    Job {
        metadata: meta,
        spec: template.spec.clone(),
        status: Default::default(),
    }
}

/// What `mostRecentScheduleTime` finds.
struct MostRecent {
    /// The last schedule time, else the creation time (possibly moved up to
    /// the starting deadline).
    earliest: Time,
    /// The latest scheduled time not after now, if one was missed.
    most_recent: Option<Time>,
    /// Roughly how many were missed (0 for none).
    missed: i64,
}

/// `mostRecentScheduleTime`.
fn most_recent_schedule(
    cj: &CronJob,
    status: &CronJobStatus,
    now: Time,
    sched: &CronSchedule,
    with_deadline: bool,
) -> Result<MostRecent, String> {
    let mut earliest = status
        .last_schedule_time
        .unwrap_or(cj.metadata.creation_timestamp);
    if with_deadline && let Some(sds) = cj.spec.starting_deadline_seconds {
        earliest = earliest.max(now.plus_secs(-sds));
    }
    let none = |earliest| MostRecent {
        earliest,
        most_recent: None,
        missed: 0,
    };
    let invalid = || "time difference between two schedules is less than 1 second".to_owned();
    let t1 = sched.next_after(earliest).ok_or_else(invalid)?;
    if now < t1 {
        return Ok(none(earliest));
    }
    let t2 = sched.next_after(t1).ok_or_else(invalid)?;
    if now < t2 {
        return Ok(MostRecent {
            earliest,
            most_recent: Some(t1),
            missed: 0,
        });
    }
    let between = (t2.since(t1) + 500).div_euclid(1000);
    if between < 1 {
        return Err(invalid());
    }
    let elapsed = now.since(t1).div_euclid(1000);
    let missed = elapsed / between + 1;
    let potential = t1.plus_secs((missed - 2) * between);
    let mut most_recent = None;
    let mut t = sched.next_after(potential);
    while let Some(x) = t.filter(|x| *x <= now) {
        most_recent = Some(x);
        t = sched.next_after(x);
    }
    Ok(MostRecent {
        earliest,
        most_recent,
        missed,
    })
}

/// `nextScheduleTimeDuration`: sync again 100 ms after the next run.
fn next_schedule_delay(cj: &CronJob, status: &CronJobStatus, now: Time, sched: &CronSchedule) -> Outcome {
    let base = match most_recent_schedule(cj, status, now, sched, false) {
        Err(_) => now,
        Ok(MostRecent {
            most_recent: Some(t), ..
        }) => t,
        Ok(m) if m.missed == 0 => m.earliest,
        Ok(_) => now,
    };
    match sched.next_after(base) {
        Some(next) => Outcome::Requeue(next.plus_millis(NEXT_SCHEDULE_DELTA_MS).since(now)),
        None => Outcome::Done,
    }
}

/// A time as Go's `time.RFC1123Z` prints it in UTC
/// (`Thu, 01 Jan 2026 00:01:00 +0000`).
pub fn rfc1123z(t: Time) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let whole = Time::from_millis(t.millis().div_euclid(1000) * 1000).to_string();
    let (year, month, day, clock) = (&whole[0..4], &whole[5..7], &whole[8..10], &whole[11..19]);
    let weekday = (t.unix_seconds().div_euclid(86_400) + 4).rem_euclid(7) as usize;
    let month = MONTHS[month.parse::<usize>().unwrap_or(1) - 1];
    format!("{}, {day} {month} {year} {clock} +0000", DAYS[weekday])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cron(schedule: &str, created: Time) -> CronJob {
        let mut cj = CronJob::default();
        cj.metadata.name = Name::new("hello");
        cj.metadata.creation_timestamp = created;
        cj.spec.schedule = schedule.into();
        cj
    }

    #[test]
    fn formats_rfc1123z() {
        assert_eq!(rfc1123z(Time::from_secs(60)), "Thu, 01 Jan 2026 00:01:00 +0000");
        assert_eq!(
            rfc1123z(Time::from_secs(86_400 * 31 + 3_723)),
            "Sun, 01 Feb 2026 01:02:03 +0000"
        );
    }

    #[test]
    fn job_names_count_minutes_since_the_unix_epoch() {
        let cj = cron("*/1 * * * *", Time::ZERO);
        assert_eq!(job_name(&cj, Time::from_secs(60)), "hello-29453761");
    }

    #[test]
    fn most_recent_of_many_missed_runs() {
        let cj = cron("*/1 * * * *", Time::ZERO);
        let sched = CronSchedule::parse(&cj.spec.schedule).unwrap();
        let status = CronJobStatus::default();
        let at = |s| Time::from_secs(s);
        let m = most_recent_schedule(&cj, &status, at(30), &sched, true).unwrap();
        assert_eq!((m.most_recent, m.missed), (None, 0));
        let m = most_recent_schedule(&cj, &status, at(61), &sched, true).unwrap();
        assert_eq!((m.most_recent, m.missed), (Some(at(60)), 0));
        let m = most_recent_schedule(&cj, &status, at(150 * 60 + 5), &sched, true).unwrap();
        assert_eq!((m.most_recent, m.missed), (Some(at(150 * 60)), 150));
        let mut late = cj.clone();
        late.spec.starting_deadline_seconds = Some(200);
        let m = most_recent_schedule(&late, &status, at(150 * 60 + 5), &sched, true).unwrap();
        assert_eq!((m.most_recent, m.missed), (Some(at(150 * 60)), 4));
        match next_schedule_delay(&cj, &status, at(61), &sched) {
            Outcome::Requeue(ms) => assert_eq!(ms, 59_100),
            _ => panic!("expected a requeue"),
        }
    }
}
