//! The `batch/v1` kinds: Job and CronJob.

use serde::{Deserialize, Serialize};

use super::meta::{Condition, ObjectMeta, ObjectReference};
use super::pod::{PodTemplateSpec, TemplateMeta};
use super::selector::PodSelector;
use super::time::Time;

/// A Job (`batch/v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: JobSpec,
    /// Observed state.
    #[serde(default)]
    pub status: JobStatus,
}

/// `NonIndexed` or `Indexed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CompletionMode {
    /// Any `completions` successes finish the job (the default).
    #[default]
    NonIndexed,
    /// Each index 0..completions needs one success.
    Indexed,
}

/// `job.spec`.
///
/// Absent selector: unless `manualSelector` is true the API server generates
/// one (`batch.kubernetes.io/controller-uid=<uid>`), so a Job always has one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    /// Pods running at once (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<i32>,
    /// Successes needed (default 1 when parallelism is also unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<i32>,
    /// Seconds the job may run before it fails with `DeadlineExceeded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<i64>,
    /// Failures tolerated (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<i32>,
    /// Which pods it owns.
    #[serde(default, skip_serializing_if = "PodSelector::is_absent")]
    pub selector: PodSelector,
    /// Whether the user chose the selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_selector: Option<bool>,
    /// The pods' template (restartPolicy OnFailure or Never).
    #[serde(default)]
    pub template: PodTemplateSpec,
    /// Delete the job this long after it finishes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<i32>,
    /// NonIndexed (default) or Indexed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_mode: Option<CompletionMode>,
    /// Suspended: no pods run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

/// `job.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    /// `Complete`, `Failed`, `Suspended`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// When the job started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    /// When it completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_time: Option<Time>,
    /// Pods running.
    #[serde(default)]
    pub active: i32,
    /// Pods that succeeded.
    #[serde(default)]
    pub succeeded: i32,
    /// Pods that failed.
    #[serde(default)]
    pub failed: i32,
    /// Ready pods.
    #[serde(default)]
    pub ready: i32,
    /// Pods being deleted that have not finished yet (set by the Job
    /// controller, as with the `JobPodReplacementPolicy` feature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminating: Option<i32>,
    /// Completed indexes, compressed (`1,3-5`), for Indexed jobs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub completed_indexes: String,
}

/// A CronJob (`batch/v1`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CronJob {
    /// Metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Desired state.
    #[serde(default)]
    pub spec: CronJobSpec,
    /// Observed state.
    #[serde(default)]
    pub status: CronJobStatus,
}

/// `Allow`, `Forbid` or `Replace`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConcurrencyPolicy {
    /// Runs may overlap (the default).
    #[default]
    Allow,
    /// Skip a run while one is active.
    Forbid,
    /// Replace the active run.
    Replace,
}

/// `cronjob.spec.jobTemplate`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobTemplateSpec {
    /// Labels and annotations for the jobs.
    #[serde(default)]
    pub metadata: TemplateMeta,
    /// The jobs' spec.
    #[serde(default)]
    pub spec: JobSpec,
}

/// `cronjob.spec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CronJobSpec {
    /// A five-field cron schedule.
    #[serde(default)]
    pub schedule: String,
    /// Time zone (only `UTC`/`Etc/UTC` are simulated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// A run later than this many seconds is skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_deadline_seconds: Option<i64>,
    /// Allow (default), Forbid or Replace.
    #[serde(default)]
    pub concurrency_policy: ConcurrencyPolicy,
    /// Suspended: no new runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
    /// The jobs it creates.
    #[serde(default)]
    pub job_template: JobTemplateSpec,
    /// Successful jobs kept (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successful_jobs_history_limit: Option<i32>,
    /// Failed jobs kept (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_jobs_history_limit: Option<i32>,
}

/// `cronjob.status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CronJobStatus {
    /// Jobs running.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub active: Vec<ObjectReference>,
    /// The last scheduled run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_schedule_time: Option<Time>,
    /// The last successful run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_successful_time: Option<Time>,
}
