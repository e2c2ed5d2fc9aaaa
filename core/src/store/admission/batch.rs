//! Admission of Jobs and CronJobs (`pkg/apis/batch/validation`,
//! `pkg/apis/batch/v1/defaults.go`, `pkg/registry/batch/job/strategy.go`).

use super::common::{
    default_template, immutable, invalid_raw, non_negative, opt, same_template, validate_template_for,
};
use super::pod::mark_spec_validated;
use super::{Admission, Admit};
use crate::api::batch::{CompletionMode, JobSpec};
use crate::api::pod::RestartPolicy;
use crate::api::{CronJob, Job, PodSelector};
use crate::cron::CronSchedule;
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::labels::Labels;

/// Default `backoffLimit`.
pub const DEFAULT_BACKOFF_LIMIT: i32 = 6;
/// The selector label the API server generates for a Job.
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
/// The job-name label on a Job's pods.
pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
/// The legacy controller-uid label.
pub const LEGACY_CONTROLLER_UID_LABEL: &str = "controller-uid";
/// The legacy job-name label.
pub const LEGACY_JOB_NAME_LABEL: &str = "job-name";
/// Longest CronJob name: the controller appends `-<11 digits>` to name Jobs.
pub const MAX_CRONJOB_NAME: usize = 52;
/// Most pods an Indexed Job may run at once.
pub const MAX_PARALLELISM_INDEXED: i32 = 100_000;

/// `SetDefaults_Job` for a job spec (also a CronJob's job template).
fn default_job_spec(spec: &mut JobSpec, adm: &Admission<'_>) {
    default_template(&mut spec.template, adm);
    if spec.completions.is_none() && spec.parallelism.is_none() {
        spec.completions = Some(1);
    }
    spec.parallelism.get_or_insert(1);
    spec.backoff_limit.get_or_insert(DEFAULT_BACKOFF_LIMIT);
    spec.completion_mode.get_or_insert(CompletionMode::NonIndexed);
    spec.suspend.get_or_insert(false);
}

/// `validateJobSpec`: counts, completion mode, the template and its
/// restart policy (the selector is checked by the callers).
fn validate_job_spec(spec: &JobSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    for (field, v) in [
        ("parallelism", spec.parallelism.map(i64::from)),
        ("completions", spec.completions.map(i64::from)),
        ("activeDeadlineSeconds", spec.active_deadline_seconds),
        ("backoffLimit", spec.backoff_limit.map(i64::from)),
        (
            "ttlSecondsAfterFinished",
            spec.ttl_seconds_after_finished.map(i64::from),
        ),
    ] {
        if let Some(v) = v {
            errs.extend(non_negative(v, &path.child(field)));
        }
    }
    if spec.completion_mode == Some(CompletionMode::Indexed) {
        if spec.completions.is_none() {
            errs.push(FieldError::required(
                path.child("completions"),
                "when completion mode is Indexed",
            ));
        }
        if let Some(p) = spec.parallelism
            && p > MAX_PARALLELISM_INDEXED
        {
            errs.push(FieldError::invalid(
                path.child("parallelism"),
                p,
                format!(
                    "must be less than or equal to {MAX_PARALLELISM_INDEXED} when completion mode is Indexed"
                ),
            ));
        }
    }
}

fn labels_of(selector: &PodSelector) -> String {
    selector.selector().to_string()
}

impl Admit for Job {
    fn admit_defaults(&mut self, adm: &mut Admission<'_>) {
        if self.metadata.labels.is_empty() {
            self.metadata.labels = self.spec.template.metadata.labels.clone();
        }
        default_job_spec(&mut self.spec, adm);
        // `generateSelector` (job strategy): unless the user chose the
        // selector, it is the job's uid, and the pods carry it.
        if self.spec.manual_selector != Some(true) && self.metadata.uid.0 != 0 {
            let uid = Symbol::intern(&self.metadata.uid.to_string());
            let name = Symbol::intern(&self.metadata.name.to_string());
            let mut labels = self.spec.template.metadata.labels.clone();
            for (k, v) in [
                (CONTROLLER_UID_LABEL, uid),
                (JOB_NAME_LABEL, name),
                (LEGACY_CONTROLLER_UID_LABEL, uid),
                (LEGACY_JOB_NAME_LABEL, name),
            ] {
                labels = labels.with(Symbol::intern(k), v);
            }
            self.spec.template.metadata.labels = labels;
            if self.spec.selector.is_absent() {
                self.spec.selector =
                    PodSelector::match_labels(Labels::new().with(Symbol::intern(CONTROLLER_UID_LABEL), uid));
            }
        }
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let path = FieldPath::new("spec");
        let mut errs = Vec::new();
        if self.spec.manual_selector != Some(true) && !self.spec.selector.is_absent() {
            // ValidateGeneratedSelector: the selector must be the generated one.
            let uid = self.metadata.uid.to_string();
            let expected = Labels::new().with(Symbol::intern(CONTROLLER_UID_LABEL), Symbol::intern(&uid));
            if !self.spec.selector.matches(&expected) {
                errs.push(FieldError::invalid(
                    path.child("selector"),
                    labels_of(&self.spec.selector),
                    "`selector` not auto-generated",
                ));
            }
        }
        validate_job_spec(&self.spec, &path, &mut errs);
        errs.extend(validate_template_for(
            None,
            &self.spec.selector,
            &self.spec.template,
            &path,
            &[RestartPolicy::OnFailure, RestartPolicy::Never],
            true,
        ));
        errs
    }

    /// `ValidateJobSpecUpdate`: completions, selector, template and
    /// completion mode are immutable.
    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = self.validate(adm);
        let (a, b) = (&self.spec, &old.spec);
        let path = FieldPath::new("spec");
        if a.completions != b.completions {
            errs.push(invalid_raw(
                path.child("completions"),
                opt(&a.completions),
                "field is immutable",
            ));
        }
        if a.selector != b.selector {
            errs.push(immutable(path.child("selector"), labels_of(&a.selector)));
        }
        if !same_template(&a.template, &b.template) {
            errs.push(invalid_raw(
                path.child("template"),
                "core.PodTemplateSpec{...}".into(),
                "field is immutable",
            ));
        }
        if a.completion_mode != b.completion_mode {
            errs.push(immutable(
                path.child("completionMode"),
                format!("{:?}", a.completion_mode.unwrap_or_default()),
            ));
        }
        errs
    }

    fn mark_validated(&mut self) {
        mark_spec_validated(&mut self.spec.template.spec);
    }

    fn spec_changed(&self, old: &Self) -> bool {
        let (a, b) = (&self.spec, &old.spec);
        let mut x = a.clone();
        x.template = b.template.clone();
        x != *b || !same_template(&a.template, &b.template)
    }
}

impl Admit for CronJob {
    fn admit_defaults(&mut self, adm: &mut Admission<'_>) {
        let spec = &mut self.spec;
        spec.suspend.get_or_insert(false);
        spec.successful_jobs_history_limit.get_or_insert(3);
        spec.failed_jobs_history_limit.get_or_insert(1);
        default_job_spec(&mut spec.job_template.spec, adm);
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let name = self.metadata.name.to_string();
        if name.len() > MAX_CRONJOB_NAME {
            errs.push(FieldError::invalid(
                FieldPath::new("metadata").child("name"),
                &name,
                format!("must be no more than {MAX_CRONJOB_NAME} characters"),
            ));
        }
        let spec = &self.spec;
        let path = FieldPath::new("spec");
        let sched = path.child("schedule");
        if spec.schedule.is_empty() {
            errs.push(FieldError::required(sched, ""));
        } else {
            if let Err(msg) = CronSchedule::parse(&spec.schedule) {
                errs.push(FieldError::invalid(sched.clone(), &spec.schedule, msg));
            }
            if spec.schedule.contains("TZ") {
                errs.push(FieldError::invalid(
                    sched,
                    &spec.schedule,
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                ));
            }
        }
        if let Some(tz) = &spec.time_zone {
            let tp = path.child("timeZone");
            if tz.is_empty() {
                errs.push(FieldError::invalid(
                    tp,
                    tz,
                    "timeZone must be nil or non-empty string",
                ));
            } else if tz.eq_ignore_ascii_case("local") {
                errs.push(FieldError::invalid(
                    tp,
                    tz,
                    "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
                ));
            }
        }
        if let Some(s) = spec.starting_deadline_seconds {
            errs.extend(non_negative(s, &path.child("startingDeadlineSeconds")));
        }
        for (field, v) in [
            ("successfulJobsHistoryLimit", spec.successful_jobs_history_limit),
            ("failedJobsHistoryLimit", spec.failed_jobs_history_limit),
        ] {
            if let Some(v) = v {
                errs.extend(non_negative(i64::from(v), &path.child(field)));
            }
        }
        // ValidateJobTemplateSpec: the job spec's rules; the selector is generated.
        let jt = path.child("jobTemplate").child("spec");
        let job = &spec.job_template.spec;
        validate_job_spec(job, &jt, &mut errs);
        if !job.selector.is_absent() {
            errs.push(FieldError::invalid(
                jt.child("selector"),
                labels_of(&job.selector),
                "`selector` will be auto-generated",
            ));
        }
        if job.manual_selector == Some(true) {
            errs.push(FieldError::not_supported(
                jt.child("manualSelector"),
                true,
                &["nil", "false"],
            ));
        }
        errs.extend(validate_template_for(
            None,
            &PodSelector::default(),
            &job.template,
            &jt,
            &[RestartPolicy::OnFailure, RestartPolicy::Never],
            false,
        ));
        errs
    }

    fn mark_validated(&mut self) {
        mark_spec_validated(&mut self.spec.job_template.spec.template.spec);
    }

    fn spec_changed(&self, old: &Self) -> bool {
        let (a, b) = (&self.spec, &old.spec);
        let mut x = a.clone();
        x.job_template.spec.template = b.job_template.spec.template.clone();
        x != *b || !same_template(&a.job_template.spec.template, &b.job_template.spec.template)
    }
}

#[cfg(test)]
mod tests {
    use crate::api::batch::CompletionMode;
    use crate::api::pod::{Container, PodSpec, PodTemplateSpec, RestartPolicy};
    use crate::api::*;
    use crate::intern::Symbol;
    use crate::store::{ApiError, Store};
    use std::sync::Arc;

    fn template(restart: RestartPolicy) -> PodTemplateSpec {
        PodTemplateSpec {
            spec: Arc::new(PodSpec {
                containers: vec![Container {
                    name: Symbol::intern("c"),
                    image: Symbol::intern("busybox"),
                    ..Container::default()
                }],
                restart_policy: restart,
                ..PodSpec::default()
            }),
            ..PodTemplateSpec::default()
        }
    }

    fn job(name: &str) -> Job {
        let mut j = Job {
            metadata: ObjectMeta::named("default", name),
            ..Job::default()
        };
        j.spec.template = template(RestartPolicy::Never);
        j
    }

    fn errors(e: ApiError) -> Vec<String> {
        e.field_errors().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn job_defaults_and_generated_selector() {
        let mut store = Store::new(3);
        let before = store.fingerprint();
        let key = store.create(job("pi")).unwrap();
        assert_ne!(store.fingerprint(), before);
        let j = store.get(key).unwrap();
        let uid = j.metadata.uid.to_string();
        assert_eq!(j.spec.completions, Some(1));
        assert_eq!(j.spec.parallelism, Some(1));
        assert_eq!(j.spec.backoff_limit, Some(6));
        assert_eq!(j.spec.completion_mode, Some(CompletionMode::NonIndexed));
        assert_eq!(j.spec.suspend, Some(false));
        assert_eq!(
            j.spec.selector.selector().to_string(),
            format!("batch.kubernetes.io/controller-uid={uid}")
        );
        let labels = &j.spec.template.metadata.labels;
        assert_eq!(
            labels.get_str("batch.kubernetes.io/controller-uid"),
            Some(uid.as_str())
        );
        assert_eq!(labels.get_str("controller-uid"), Some(uid.as_str()));
        assert_eq!(labels.get_str("batch.kubernetes.io/job-name"), Some("pi"));
        assert_eq!(labels.get_str("job-name"), Some("pi"));

        // Only parallelism set: completions stay unset (work queue).
        let mut q = job("queue");
        q.spec.parallelism = Some(3);
        let k = store.create(q).unwrap();
        assert_eq!(store.get(k).unwrap().spec.completions, None);
    }

    #[test]
    fn job_rules() {
        let mut store = Store::new(3);
        let mut bad = job("bad");
        bad.spec.parallelism = Some(-1);
        bad.spec.backoff_limit = Some(-1);
        bad.spec.completion_mode = Some(CompletionMode::Indexed);
        bad.spec.template = template(RestartPolicy::Always);
        assert_eq!(
            errors(store.create(bad).unwrap_err()),
            [
                "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
                "spec.completions: Required value: when completion mode is Indexed",
                "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
            ]
        );
        let mut manual = job("manual");
        manual.spec.manual_selector = Some(true);
        manual.spec.selector = PodSelector::match_labels(crate::labels::Labels::parse("a=b").unwrap());
        assert_eq!(
            errors(store.create(manual).unwrap_err()),
            [
                "spec.template.metadata.labels: Invalid value: map[string]string{}: `selector` does not match template `labels`"
            ]
        );
        let mut manual = job("manual");
        manual.spec.manual_selector = Some(true);
        assert_eq!(
            errors(store.create(manual).unwrap_err()),
            ["spec.selector: Required value"]
        );

        let key = store.create(job("ok")).unwrap();
        let err = store.update(key, |j| j.spec.completions = Some(4)).unwrap_err();
        assert_eq!(
            errors(err),
            ["spec.completions: Invalid value: 4: field is immutable"]
        );
        let err = store
            .update(key, |j| j.spec.template = template(RestartPolicy::OnFailure))
            .unwrap_err();
        assert!(
            errors(err)
                .iter()
                .any(|e| e.starts_with("spec.template: Invalid value"))
        );
        store.update(key, |j| j.spec.suspend = Some(true)).unwrap();
        assert_eq!(store.get(key).unwrap().metadata.generation, 2);
    }

    fn cron(name: &str, schedule: &str) -> CronJob {
        let mut c = CronJob {
            metadata: ObjectMeta::named("default", name),
            ..CronJob::default()
        };
        c.spec.schedule = schedule.into();
        c.spec.job_template.spec.template = template(RestartPolicy::OnFailure);
        c
    }

    #[test]
    fn cronjob_defaults_and_rules() {
        let mut store = Store::new(4);
        let key = store.create(cron("nightly", "@daily")).unwrap();
        let c = store.get(key).unwrap();
        assert_eq!(c.spec.suspend, Some(false));
        assert_eq!(c.spec.successful_jobs_history_limit, Some(3));
        assert_eq!(c.spec.failed_jobs_history_limit, Some(1));
        assert_eq!(c.spec.job_template.spec.backoff_limit, Some(6));
        assert!(c.spec.job_template.spec.selector.is_absent());

        assert_eq!(
            errors(store.create(cron("bad", "61 * * * *")).unwrap_err()),
            ["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"]
        );
        assert_eq!(
            errors(store.create(cron("empty", "")).unwrap_err()),
            ["spec.schedule: Required value"]
        );
        let long = "a".repeat(53);
        assert_eq!(
            errors(store.create(cron(&long, "* * * * *")).unwrap_err()),
            [format!(
                "metadata.name: Invalid value: \"{long}\": must be no more than 52 characters"
            )]
        );
        let mut never_restart = cron("always", "* * * * *");
        never_restart.spec.job_template.spec.template = template(RestartPolicy::Always);
        never_restart.spec.job_template.spec.parallelism = Some(-2);
        assert_eq!(
            errors(store.create(never_restart).unwrap_err()),
            [
                "spec.jobTemplate.spec.parallelism: Invalid value: -2: must be greater than or equal to 0",
                "spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
            ]
        );
    }
}
