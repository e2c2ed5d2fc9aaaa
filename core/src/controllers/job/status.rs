//! Job conditions (`Complete`, `Failed`, their interim forms
//! `SuccessCriteriaMet` and `FailureTarget`, and `Suspended`), and the
//! checks of a Job's status that the invariant checker can call.

use crate::api::batch::CompletionMode;
use crate::api::meta::{Condition, ConditionStatus, find_condition};
use crate::api::{Job, Pod, Time};
use crate::intern::Symbol;
use crate::store::{Store, typed_key};

use super::indexes::Intervals;

/// Condition type: the Job finished successfully.
pub const COMPLETE: &str = "Complete";
/// Condition type: the Job failed.
pub const FAILED: &str = "Failed";
/// Condition type: success is decided, pods are still terminating.
pub const SUCCESS_CRITERIA_MET: &str = "SuccessCriteriaMet";
/// Condition type: failure is decided, pods are still terminating.
pub const FAILURE_TARGET: &str = "FailureTarget";
/// Condition type: the Job is suspended.
pub const SUSPENDED: &str = "Suspended";

/// Reason of success by completions.
pub const REASON_COMPLETIONS_REACHED: &str = "CompletionsReached";
/// Message of success by completions.
pub const MESSAGE_COMPLETIONS_REACHED: &str = "Reached expected number of succeeded pods";
/// Reason of failure by the back-off limit.
pub const REASON_BACKOFF_LIMIT: &str = "BackoffLimitExceeded";
/// Message of failure by the back-off limit.
pub const MESSAGE_BACKOFF_LIMIT: &str = "Job has reached the specified backoff limit";
/// Reason of failure by the active deadline.
pub const REASON_DEADLINE: &str = "DeadlineExceeded";
/// Message of failure by the active deadline.
pub const MESSAGE_DEADLINE: &str = "Job was active longer than specified deadline";

/// A condition the sync decided on (`finishedCondition`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The condition type.
    pub type_: &'static str,
    /// Its reason.
    pub reason: Symbol,
    /// Its message.
    pub message: String,
}

impl Verdict {
    /// A verdict of `type_`.
    pub fn new(type_: &'static str, reason: &str, message: &str) -> Verdict {
        Verdict {
            type_,
            reason: Symbol::intern(reason),
            message: message.to_owned(),
        }
    }

    /// The same reason and message under another type.
    pub fn retyped(&self, type_: &'static str) -> Verdict {
        Verdict {
            type_,
            ..self.clone()
        }
    }

    /// Whether this is the interim success condition.
    pub fn is_success_criteria_met(&self) -> bool {
        self.type_ == SUCCESS_CRITERIA_MET
    }
}

/// Whether `conditions` has `type_` with status True.
pub fn has_true(conditions: &[Condition], type_: &str) -> bool {
    find_condition(conditions, type_).is_some_and(|c| c.status == ConditionStatus::True)
}

/// `IsJobFinished`: Complete or Failed is True.
pub fn is_finished(job: &Job) -> bool {
    finish_condition(job).is_some()
}

/// The True Complete or Failed condition of a finished Job.
pub fn finish_condition(job: &Job) -> Option<&Condition> {
    job.status.conditions.iter().find(|c| {
        (c.type_.as_str() == COMPLETE || c.type_.as_str() == FAILED) && c.status == ConditionStatus::True
    })
}

/// `ensureJobConditionStatus`: sets the condition of `type_` (a new one is
/// only added when its status is not False). Returns whether it changed.
pub fn ensure_condition(
    conditions: &mut Vec<Condition>,
    type_: &str,
    status: ConditionStatus,
    reason: Symbol,
    message: &str,
    now: Time,
) -> bool {
    let fresh = || Condition {
        type_: Symbol::intern(type_),
        status,
        last_transition_time: now,
        last_update_time: None,
        reason,
        message: message.to_owned(),
    };
    match conditions.iter_mut().find(|c| c.type_.as_str() == type_) {
        Some(c) if c.status != status || c.reason != reason || c.message != message => {
            *c = fresh();
            true
        }
        Some(_) => false,
        None if status != ConditionStatus::False => {
            conditions.push(fresh());
            true
        }
        None => false,
    }
}

/// Violations of what holds for every Job at every moment: `succeeded` at
/// most `completions` (unless a user hands a Job more finished pods to
/// adopt than it needs, which upstream reports as `TooManySucceededPods`); an Indexed Job's `completedIndexes` below
/// `completions` and counting `succeeded`; never both Complete and Failed;
/// `completionTime` set exactly when Complete; a finished Job has no active
/// pods in its status; counts not negative.
pub fn check_jobs(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for (_, job) in store.iter::<Job>() {
        let name = format!("job {}/{}", job.metadata.namespace, job.metadata.name);
        let s = &job.status;
        if let Some(c) = job.spec.completions
            && s.succeeded > c
        {
            out.push(format!("{name}: succeeded {} > completions {c}", s.succeeded));
        }
        if s.active < 0 || s.succeeded < 0 || s.failed < 0 || s.ready < 0 {
            out.push(format!(
                "{name}: bad counts active {} ready {} succeeded {} failed {}",
                s.active, s.ready, s.succeeded, s.failed
            ));
        }
        if job.spec.completion_mode == Some(CompletionMode::Indexed) {
            let completions = job.spec.completions.unwrap_or(0);
            let parsed = Intervals::parse(&s.completed_indexes, i32::MAX);
            if parsed.to_string() != s.completed_indexes || parsed.max().is_some_and(|m| m >= completions) {
                out.push(format!(
                    "{name}: completedIndexes {:?} malformed or out of range",
                    s.completed_indexes
                ));
            } else if parsed.total() != s.succeeded {
                out.push(format!(
                    "{name}: completedIndexes {:?} count {} != succeeded {}",
                    s.completed_indexes,
                    parsed.total(),
                    s.succeeded
                ));
            }
        }
        let complete = has_true(&s.conditions, COMPLETE);
        let failed = has_true(&s.conditions, FAILED);
        if complete && failed {
            out.push(format!("{name}: both Complete and Failed"));
        }
        if complete != s.completion_time.is_some() {
            out.push(format!(
                "{name}: completionTime {:?} with Complete {complete}",
                s.completion_time
            ));
        }
        if (complete || failed) && s.active != 0 {
            out.push(format!("{name}: finished with {} active", s.active));
        }
    }
    out
}

/// Violations of what holds once a simulation is idle (nothing pending):
/// each unfinished Job's `active` and `ready` are its owned active and
/// ready pods, and `active` is at most `parallelism`. (Right after a user
/// lowers `parallelism`, and while a Job waits out its back-off, the
/// status may disagree until the next sync, so these are not checked at
/// every step.)
pub fn check_jobs_settled(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for (_, job) in store.iter::<Job>() {
        if is_finished(job) || has_true(&job.status.conditions, FAILURE_TARGET) {
            continue;
        }
        let name = format!("job {}/{}", job.metadata.namespace, job.metadata.name);
        let pods: Vec<&Pod> = store
            .dependents(job.metadata.uid)
            .iter()
            .filter_map(|k| typed_key::<Pod>(*k).and_then(|k| store.get(k)))
            .filter(|p| {
                p.metadata
                    .controller_ref()
                    .is_some_and(|r| r.uid == job.metadata.uid)
            })
            .filter(|p| p.is_active())
            .collect();
        let ready = pods.iter().filter(|p| p.is_ready()).count() as i32;
        let s = &job.status;
        if s.active != pods.len() as i32 || s.ready != ready {
            out.push(format!(
                "{name}: status active {} ready {}, pods active {} ready {ready}",
                s.active,
                s.ready,
                pods.len()
            ));
        }
        if s.active > job.spec.parallelism.unwrap_or(1) {
            out.push(format!(
                "{name}: active {} > parallelism {}",
                s.active,
                job.spec.parallelism.unwrap_or(1)
            ));
        }
    }
    out
}
