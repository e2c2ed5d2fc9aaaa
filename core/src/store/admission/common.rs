//! Rules several kinds share: resource lists, replica counts, pod templates.

use std::sync::Arc;

use super::Admission;
use super::pod::{default_pod_spec, validate_pod_spec};
use crate::api::PodSelector;
use crate::api::pod::{PodTemplateSpec, RestartPolicy};
use crate::api::resources::{ResourceList, units_to_quantity};
use crate::field::{FieldError, FieldPath};
use crate::labels::Labels;
use crate::validation;

/// Every quantity is non-negative and every resource name is valid
/// (`ValidateResourceQuantityValue`, `validateResourceName`).
pub fn validate_resources(list: &ResourceList, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    for (name, v) in list.iter() {
        let p = path.key(name.as_str());
        if v < 0 {
            errs.push(FieldError::invalid(
                p.clone(),
                units_to_quantity(name.as_str(), v).to_string(),
                "must be greater than or equal to 0",
            ));
        }
        for msg in validation::qualified_name(name.as_str()) {
            errs.push(FieldError::invalid(p.clone(), name.as_str(), msg));
        }
    }
    errs
}

/// A replica count: non-negative.
pub fn validate_replicas(replicas: i32, path: &FieldPath) -> Vec<FieldError> {
    if replicas < 0 {
        vec![FieldError::invalid(
            path.clone(),
            replicas,
            "must be greater than or equal to 0",
        )]
    } else {
        Vec::new()
    }
}

/// A non-negative integer field.
pub fn non_negative(v: i64, path: &FieldPath) -> Vec<FieldError> {
    if v < 0 {
        vec![FieldError::invalid(
            path.clone(),
            v,
            "must be greater than or equal to 0",
        )]
    } else {
        Vec::new()
    }
}

/// Renders labels the way Go prints a `map[string]string` in messages.
pub fn go_map(labels: &Labels) -> String {
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{:?}:{:?}", k.as_str(), v.as_str()))
        .collect();
    format!("map[string]string{{{}}}", parts.join(", "))
}

/// A workload's selector (required, non-empty, valid) and its template
/// (labels valid and matched by the selector, spec valid, restart policy
/// among `allowed_restart`). Paths follow `apps/validation`.
pub fn validate_pod_template(
    selector: &PodSelector,
    template: &PodTemplateSpec,
    spec_path: &FieldPath,
    allowed_restart: &[RestartPolicy],
    selector_required: bool,
) -> Vec<FieldError> {
    validate_template_for(
        Some("deployment"),
        selector,
        template,
        spec_path,
        allowed_restart,
        selector_required,
    )
}

/// [`validate_pod_template`] for a kind whose empty-selector message names
/// `empty_word` (`daemonset`, `statefulset`; upstream's ReplicaSet says
/// `deployment`), or that allows an empty selector (`None`: Jobs).
pub fn validate_template_for(
    empty_word: Option<&str>,
    selector: &PodSelector,
    template: &PodTemplateSpec,
    spec_path: &FieldPath,
    allowed_restart: &[RestartPolicy],
    selector_required: bool,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let sel_path = spec_path.child("selector");
    match selector.spec() {
        None if selector_required => errs.push(FieldError::required(sel_path, "")),
        None => {}
        Some(sel) => {
            errs.extend(sel.validate(&sel_path));
            if let Some(word) = empty_word
                && sel.match_labels.is_empty()
                && sel.match_expressions.is_empty()
            {
                errs.push(FieldError::invalid(
                    sel_path,
                    "",
                    format!("empty selector is invalid for {word}"),
                ));
            }
        }
    }
    let tpath = spec_path.child("template");
    let labels_path = tpath.child("metadata").child("labels");
    errs.extend(template.metadata.labels.validate(&labels_path));
    if selector.spec().is_some() && !selector.matches(&template.metadata.labels) {
        errs.push(FieldError {
            field: labels_path,
            error_type: crate::field::ErrorType::Invalid,
            value: Some(go_map(&template.metadata.labels)),
            detail: "`selector` does not match template `labels`".into(),
        });
    }
    let spath = tpath.child("spec");
    if !template.spec.derived.validated {
        errs.extend(validate_pod_spec(&template.spec, &spath));
    }
    if !allowed_restart.contains(&template.spec.restart_policy) {
        let names: Vec<&str> = allowed_restart.iter().map(|r| restart_name(*r)).collect();
        errs.push(FieldError::not_supported(
            spath.child("restartPolicy"),
            restart_name(template.spec.restart_policy),
            &names,
        ));
    }
    errs
}

/// The restart policy's name.
pub fn restart_name(r: RestartPolicy) -> &'static str {
    match r {
        RestartPolicy::Always => "Always",
        RestartPolicy::OnFailure => "OnFailure",
        RestartPolicy::Never => "Never",
    }
}

/// Defaults a template's pod spec like a pod's, so that its pods share it.
/// An unknown PriorityClass is left for the pods to report.
pub fn default_template(template: &mut PodTemplateSpec, adm: &Admission<'_>) {
    let _ = default_pod_spec(&mut template.spec, adm);
}

/// Whether two templates are the same allocation or equal.
pub fn same_template(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    Arc::ptr_eq(&a.spec, &b.spec) && a.metadata == b.metadata || a == b
}

/// `ValidateImmutableField`'s error: `<path>: Invalid value: <v>: field is immutable`.
pub fn immutable(path: FieldPath, value: impl std::fmt::Debug) -> FieldError {
    FieldError::invalid(path, value, "field is immutable")
}

/// A Go-style rendering of an optional integer (`null` when absent).
pub fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("null".into(), ToString::to_string)
}

/// A field error whose value is rendered as given (no extra quoting).
pub fn invalid_raw(path: FieldPath, value: String, detail: impl Into<String>) -> FieldError {
    FieldError {
        field: path,
        error_type: crate::field::ErrorType::Invalid,
        value: Some(value),
        detail: detail.into(),
    }
}
