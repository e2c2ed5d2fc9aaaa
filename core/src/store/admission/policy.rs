//! Admission of PriorityClasses (`pkg/apis/scheduling/validation`, the
//! Priority plugin's global-default rule), PodDisruptionBudgets
//! (`pkg/apis/policy/validation`), HorizontalPodAutoscalers
//! (`pkg/apis/autoscaling/validation`, v2 defaults) and
//! PersistentVolumeClaims (`ValidatePersistentVolumeClaim[Update]`).

use super::apps::not_more_than_100;
use super::common::{invalid_raw, validate_resources};
use super::workloads::percent_or_int;
use super::{Admission, Admit};
use crate::api::policy::{MetricSpec, MetricTarget, PvcPhase, ResourceMetricSource};
use crate::api::resources::units_to_quantity;
use crate::api::{HorizontalPodAutoscaler, PersistentVolumeClaim, PodDisruptionBudget, PriorityClass};
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::validation;

/// The highest value a user-defined PriorityClass may have.
pub const HIGHEST_USER_DEFINABLE_PRIORITY: i32 = 1_000_000_000;
/// Names with this prefix are reserved for the system classes.
pub const SYSTEM_PRIORITY_CLASS_PREFIX: &str = "system-";
/// The system classes: name, value.
pub const SYSTEM_PRIORITY_CLASSES: [(&str, i32); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];
/// The CPU utilization an HPA without metrics targets.
pub const DEFAULT_CPU_UTILIZATION: i32 = 80;

impl Admit for PriorityClass {
    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let name = self.metadata.name.to_string();
        if name.starts_with(SYSTEM_PRIORITY_CLASS_PREFIX) {
            let why = match SYSTEM_PRIORITY_CLASSES.iter().find(|(n, _)| *n == name) {
                None => Some(format!("{name} is not a known system priority class")),
                Some((n, v)) if *v != self.value => Some(format!("value of {n} PriorityClass must be {v}")),
                Some((n, _)) if self.global_default => {
                    Some(format!("globalDefault of {n} PriorityClass must be false"))
                }
                Some(_) => None,
            };
            if let Some(why) = why {
                errs.push(FieldError::forbidden(
                    FieldPath::new("metadata").child("name"),
                    format!(
                        "priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: {why}"
                    ),
                ));
            }
        } else if self.value > HIGHEST_USER_DEFINABLE_PRIORITY {
            errs.push(FieldError::forbidden(
                FieldPath::new("value"),
                format!(
                    "maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
                ),
            ));
        }
        errs
    }

    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        if self.value != old.value {
            errs.push(FieldError::forbidden(
                FieldPath::new("value"),
                "may not be changed in an update.",
            ));
        }
        if self.preemption_policy != old.preemption_policy {
            errs.push(FieldError::invalid(
                FieldPath::new("preemptionPolicy"),
                format!("{:?}", self.preemption_policy.unwrap_or_default()),
                "field is immutable",
            ));
        }
        errs.extend(self.validate(adm));
        errs
    }
}

/// The Priority admission plugin: only one class may be the global default.
pub fn check_global_default(pc: &PriorityClass, adm: &Admission<'_>) -> Result<(), String> {
    if !pc.global_default {
        return Ok(());
    }
    let other = adm
        .store
        .iter::<PriorityClass>()
        .map(|(_, c)| c)
        .find(|c| c.global_default && c.metadata.name != pc.metadata.name);
    match other {
        Some(c) => Err(format!(
            "PriorityClass {} is already marked as default. Only one default can exist",
            c.metadata.name
        )),
        None => Ok(()),
    }
}

impl Admit for PodDisruptionBudget {
    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = &self.spec;
        let path = FieldPath::new("spec");
        let mut errs = Vec::new();
        if spec.min_available.is_some() && spec.max_unavailable.is_some() {
            errs.push(invalid_raw(
                path.clone(),
                format!(
                    "policy.PodDisruptionBudgetSpec{{MinAvailable:{}, MaxUnavailable:{}}}",
                    spec.min_available
                        .as_ref()
                        .map_or(String::new(), ToString::to_string),
                    spec.max_unavailable
                        .as_ref()
                        .map_or(String::new(), ToString::to_string)
                ),
                "minAvailable and maxUnavailable cannot be both set",
            ));
        }
        for (field, v) in [
            ("minAvailable", &spec.min_available),
            ("maxUnavailable", &spec.max_unavailable),
        ] {
            if let Some(v) = v {
                percent_or_int(v, &path.child(field), &mut errs);
                not_more_than_100(v, &path.child(field), &mut errs);
            }
        }
        if let Some(sel) = spec.selector.spec() {
            errs.extend(sel.validate(&path.child("selector")));
        }
        errs
    }

    fn spec_changed(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
}

fn validate_metric(m: &MetricSpec, path: &FieldPath, errs: &mut Vec<FieldError>) {
    const TYPES: [&str; 5] = ["ContainerResource", "External", "Object", "Pods", "Resource"];
    if m.type_.is_empty() {
        errs.push(FieldError::required(
            path.child("type"),
            "must specify a metric source type",
        ));
    }
    if !TYPES.contains(&m.type_.as_str()) {
        errs.push(FieldError::not_supported(
            path.child("type"),
            m.type_.as_str(),
            &TYPES,
        ));
    }
    match (&m.resource, m.type_.as_str()) {
        (None, "Resource") => errs.push(FieldError::required(
            path.child("resource"),
            "must populate information for the given metric source",
        )),
        (Some(r), _) => validate_resource_source(r, &path.child("resource"), errs),
        (None, _) => {}
    }
}

fn validate_resource_source(r: &ResourceMetricSource, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if r.name.is_empty() {
        errs.push(FieldError::required(
            path.child("name"),
            "must specify a resource name",
        ));
    }
    let tp = path.child("target");
    let t: &MetricTarget = &r.target;
    if t.type_.is_empty() {
        errs.push(FieldError::required(
            tp.child("type"),
            "must specify a metric target type",
        ));
    }
    if !matches!(t.type_.as_str(), "Utilization" | "Value" | "AverageValue") {
        errs.push(FieldError::invalid(
            tp.child("type"),
            t.type_.as_str(),
            "must be either Utilization, Value, or AverageValue",
        ));
    }
    match t.average_utilization {
        Some(u) if u < 1 => errs.push(FieldError::invalid(
            tp.child("averageUtilization"),
            u,
            "must be greater than 0",
        )),
        Some(_) => {}
        None => errs.push(FieldError::required(
            tp.child("averageUtilization"),
            "must set either a target raw value or a target utilization",
        )),
    }
}

impl Admit for HorizontalPodAutoscaler {
    fn admit_defaults(&mut self, _adm: &mut Admission<'_>) {
        let spec = &mut self.spec;
        spec.min_replicas.get_or_insert(1);
        if spec.metrics.is_empty() && spec.target_cpu_utilization_percentage.is_none() {
            spec.metrics.push(MetricSpec {
                type_: Symbol::intern("Resource"),
                resource: Some(ResourceMetricSource {
                    name: Symbol::CPU,
                    target: MetricTarget {
                        type_: Symbol::intern("Utilization"),
                        average_utilization: Some(DEFAULT_CPU_UTILIZATION),
                    },
                }),
            });
        }
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = &self.spec;
        let path = FieldPath::new("spec");
        let mut errs = Vec::new();
        if let Some(min) = spec.min_replicas
            && min < 1
        {
            errs.push(FieldError::invalid(
                path.child("minReplicas"),
                min,
                "must be greater than or equal to 1",
            ));
        }
        if spec.max_replicas < 1 {
            errs.push(FieldError::invalid(
                path.child("maxReplicas"),
                spec.max_replicas,
                "must be greater than 0",
            ));
        }
        if let Some(min) = spec.min_replicas
            && spec.max_replicas < min
        {
            errs.push(FieldError::invalid(
                path.child("maxReplicas"),
                spec.max_replicas,
                "must be greater than or equal to `minReplicas`",
            ));
        }
        let rp = path.child("scaleTargetRef");
        let r = &spec.scale_target_ref;
        for (field, v) in [("kind", r.kind), ("name", r.name)] {
            if v.is_empty() {
                errs.push(FieldError::required(rp.child(field), ""));
            } else if v.as_str() == "." || v.as_str() == ".." || v.as_str().contains(['/', '%']) {
                let msg = match v.as_str() {
                    "." | ".." => format!("may not be '{}'", v.as_str()),
                    s if s.contains('/') => "may not contain '/'".to_string(),
                    _ => "may not contain '%'".to_string(),
                };
                errs.push(FieldError::invalid(rp.child(field), v.as_str(), msg));
            }
        }
        for (i, m) in spec.metrics.iter().enumerate() {
            validate_metric(m, &path.child("metrics").index(i), &mut errs);
        }
        if let Some(t) = spec.target_cpu_utilization_percentage
            && t < 1
        {
            errs.push(FieldError::invalid(
                path.child("targetCPUUtilizationPercentage"),
                t,
                "must be greater than 0",
            ));
        }
        errs
    }

    fn spec_changed(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
}

const ACCESS_MODES: [&str; 4] = [
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOnce",
    "ReadWriteOncePod",
];

impl Admit for PersistentVolumeClaim {
    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = &self.spec;
        let path = FieldPath::new("spec");
        let mut errs = Vec::new();
        if spec.access_modes.is_empty() {
            errs.push(FieldError::required(
                path.child("accessModes"),
                "at least 1 access mode is required",
            ));
        }
        for m in &spec.access_modes {
            if !ACCESS_MODES.contains(&m.as_str()) {
                errs.push(FieldError::not_supported(
                    path.child("accessModes"),
                    m.as_str(),
                    &ACCESS_MODES,
                ));
            }
        }
        let sp = path.child("resources").key("storage");
        match spec.resources.requests.get(Symbol::intern("storage")) {
            None => errs.push(FieldError::required(sp, "")),
            Some(v) if v <= 0 => errs.push(FieldError::invalid(
                sp,
                units_to_quantity("storage", v).to_string(),
                "must be greater than zero",
            )),
            Some(_) => {}
        }
        let rp = path.child("resources");
        errs.extend(validate_resources(
            &spec.resources.requests,
            &rp.child("requests"),
        ));
        errs.extend(validate_resources(&spec.resources.limits, &rp.child("limits")));
        if let Some(class) = spec.storage_class_name.filter(|c| !c.is_empty()) {
            for msg in validation::dns1123_subdomain(class.as_str()) {
                errs.push(FieldError::invalid(
                    path.child("storageClassName"),
                    class.as_str(),
                    msg,
                ));
            }
        }
        errs
    }

    /// The spec is immutable but for the volume name (set once) and, on a
    /// bound claim, a larger storage request.
    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = self.validate(adm);
        let storage = Symbol::intern("storage");
        let mut new = self.spec.clone();
        let mut was = old.spec.clone();
        if was.volume_name.is_none() {
            was.volume_name = new.volume_name;
        }
        if self.status.phase == PvcPhase::Bound
            && let Some(v) = old.spec.resources.requests.get(storage)
        {
            new.resources.requests.set(storage, v);
        }
        if new != was {
            errs.push(FieldError::forbidden(
                FieldPath::new("spec"),
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            ));
        }
        let (old_size, new_size) = (
            old.spec.resources.requests.get_or_zero(storage),
            self.spec.resources.requests.get_or_zero(storage),
        );
        if new_size < old_size {
            errs.push(FieldError::forbidden(
                FieldPath::new("spec")
                    .child("resources")
                    .child("requests")
                    .child("storage"),
                "field can not be less than previous value",
            ));
        }
        errs
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
