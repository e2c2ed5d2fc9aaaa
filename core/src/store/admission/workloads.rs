//! Admission of ReplicaSets and Deployments (`pkg/apis/apps/validation`,
//! `pkg/apis/apps/v1/defaults.go`).

use super::common::{
    default_template, non_negative, same_template, validate_pod_template, validate_replicas,
};
use super::pod::mark_spec_validated;
use super::{Admission, Admit};
use crate::api::meta::IntOrString;
use crate::api::pod::RestartPolicy;
use crate::api::workloads::{DeploymentStrategyType, RollingUpdateDeployment};
use crate::api::{Deployment, PodSelector, ReplicaSet};
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;

/// Default `revisionHistoryLimit` of Deployments, DaemonSets and StatefulSets.
pub const DEFAULT_REVISION_HISTORY_LIMIT: i32 = 10;
/// Default `progressDeadlineSeconds`.
pub const DEFAULT_PROGRESS_DEADLINE_SECONDS: i32 = 600;

/// A selector may not change after creation (apps/v1).
pub fn selector_immutable(new: &PodSelector, old: &PodSelector, path: &FieldPath) -> Vec<FieldError> {
    if new != old {
        vec![FieldError::invalid(
            path.clone(),
            new.selector().to_string(),
            "field is immutable",
        )]
    } else {
        Vec::new()
    }
}

impl Admit for ReplicaSet {
    fn admit_defaults(&mut self, adm: &mut Admission<'_>) {
        default_template(&mut self.spec.template, adm);
        if self.metadata.labels.is_empty() {
            self.metadata.labels = self.spec.template.metadata.labels.clone();
        }
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = FieldPath::new("spec");
        let mut errs = validate_replicas(self.spec.replicas, &spec.child("replicas"));
        errs.extend(non_negative(
            i64::from(self.spec.min_ready_seconds),
            &spec.child("minReadySeconds"),
        ));
        errs.extend(validate_pod_template(
            &self.spec.selector,
            &self.spec.template,
            &spec,
            &[RestartPolicy::Always],
            true,
        ));
        if self.spec.template.spec.active_deadline_seconds.is_some() {
            errs.push(FieldError::forbidden(
                spec.child("template")
                    .child("spec")
                    .child("activeDeadlineSeconds"),
                "activeDeadlineSeconds in ReplicaSet is not Supported",
            ));
        }
        errs
    }

    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        // A write that leaves the spec alone (the controllers' status
        // updates, most of them) cannot make it invalid: it was validated
        // when it was written.
        if !self.spec_changed(old) {
            return Vec::new();
        }
        let mut errs = self.validate(adm);
        errs.extend(selector_immutable(
            &self.spec.selector,
            &old.spec.selector,
            &FieldPath::new("spec.selector"),
        ));
        errs
    }

    fn mark_validated(&mut self) {
        mark_spec_validated(&mut self.spec.template.spec);
    }

    fn spec_changed(&self, old: &Self) -> bool {
        self.spec.replicas != old.spec.replicas
            || self.spec.min_ready_seconds != old.spec.min_ready_seconds
            || self.spec.selector != old.spec.selector
            || !same_template(&self.spec.template, &old.spec.template)
    }
}

/// `ValidatePositiveIntOrPercent`: a non-negative integer or a valid percent.
pub fn percent_or_int(v: &IntOrString, path: &FieldPath, errs: &mut Vec<FieldError>) {
    match v {
        IntOrString::Int(i) if *i < 0 => {
            errs.push(FieldError::invalid(path.clone(), *i, "must be greater than or equal to 0"))
        }
        IntOrString::String(s) => match v.percent() {
            None => errs.push(FieldError::invalid(
                path.clone(),
                s.as_str(),
                "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
            )),
            Some(p) if p < 0 => errs.push(FieldError::invalid(path.clone(), s.as_str(), "must be greater than or equal to 0")),
            Some(_) => {}
        },
        _ => {}
    }
}

/// Whether an optional int-or-percent is absent, 0 or `0%`.
pub fn is_zero(v: &Option<IntOrString>) -> bool {
    match v {
        None => true,
        Some(IntOrString::Int(i)) => *i == 0,
        Some(s) => s.percent() == Some(0),
    }
}

impl Admit for Deployment {
    fn admit_defaults(&mut self, adm: &mut Admission<'_>) {
        default_template(&mut self.spec.template, adm);
        if self.metadata.labels.is_empty() {
            self.metadata.labels = self.spec.template.metadata.labels.clone();
        }
        let spec = &mut self.spec;
        if spec.strategy.type_ == DeploymentStrategyType::RollingUpdate {
            let ru = spec
                .strategy
                .rolling_update
                .get_or_insert_with(RollingUpdateDeployment::default);
            let quarter = || IntOrString::String(Symbol::intern("25%"));
            ru.max_unavailable.get_or_insert_with(quarter);
            ru.max_surge.get_or_insert_with(quarter);
        }
        spec.revision_history_limit
            .get_or_insert(DEFAULT_REVISION_HISTORY_LIMIT);
        spec.progress_deadline_seconds
            .get_or_insert(DEFAULT_PROGRESS_DEADLINE_SECONDS);
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = &self.spec;
        let path = FieldPath::new("spec");
        let mut errs = validate_replicas(spec.replicas, &path.child("replicas"));
        errs.extend(non_negative(
            i64::from(spec.min_ready_seconds),
            &path.child("minReadySeconds"),
        ));
        errs.extend(validate_pod_template(
            &spec.selector,
            &spec.template,
            &path,
            &[RestartPolicy::Always],
            true,
        ));
        if let Some(limit) = spec.revision_history_limit {
            errs.extend(non_negative(
                i64::from(limit),
                &path.child("revisionHistoryLimit"),
            ));
        }
        if let Some(deadline) = spec.progress_deadline_seconds
            && deadline <= spec.min_ready_seconds
        {
            errs.push(FieldError::invalid(
                path.child("progressDeadlineSeconds"),
                deadline,
                "must be greater than minReadySeconds",
            ));
        }
        let sp = path.child("strategy");
        match (spec.strategy.type_, &spec.strategy.rolling_update) {
            (DeploymentStrategyType::Recreate, Some(_)) => errs.push(FieldError::forbidden(
                sp.child("rollingUpdate"),
                "may not be specified when strategy `type` is 'Recreate'",
            )),
            (DeploymentStrategyType::RollingUpdate, Some(ru)) => {
                let rp = sp.child("rollingUpdate");
                if let Some(v) = &ru.max_unavailable {
                    percent_or_int(v, &rp.child("maxUnavailable"), &mut errs);
                    if v.percent().is_some_and(|p| p > 100) {
                        errs.push(FieldError::invalid(
                            rp.child("maxUnavailable"),
                            v.to_string(),
                            "must not be greater than 100%",
                        ));
                    }
                }
                if let Some(v) = &ru.max_surge {
                    percent_or_int(v, &rp.child("maxSurge"), &mut errs);
                }
                if is_zero(&ru.max_unavailable) && is_zero(&ru.max_surge) {
                    errs.push(FieldError::invalid(
                        rp.child("maxUnavailable"),
                        ru.max_unavailable
                            .as_ref()
                            .map_or("0".into(), ToString::to_string),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
            }
            _ => {}
        }
        errs
    }

    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        // A write that leaves the spec alone (the controllers' status
        // updates, most of them) cannot make it invalid: it was validated
        // when it was written.
        if !self.spec_changed(old) {
            return Vec::new();
        }
        let mut errs = self.validate(adm);
        errs.extend(selector_immutable(
            &self.spec.selector,
            &old.spec.selector,
            &FieldPath::new("spec.selector"),
        ));
        errs
    }

    fn mark_validated(&mut self) {
        mark_spec_validated(&mut self.spec.template.spec);
    }

    fn spec_changed(&self, old: &Self) -> bool {
        let (a, b) = (&self.spec, &old.spec);
        a.replicas != b.replicas
            || a.selector != b.selector
            || a.strategy != b.strategy
            || a.min_ready_seconds != b.min_ready_seconds
            || a.revision_history_limit != b.revision_history_limit
            || a.paused != b.paused
            || a.progress_deadline_seconds != b.progress_deadline_seconds
            || !same_template(&a.template, &b.template)
    }
}
