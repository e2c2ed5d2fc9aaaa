//! LimitRanges: the object's defaults and validation (`SetDefaults_LimitRangeItem`,
//! `ValidateLimitRange`) and the LimitRanger admission plugin for pods and
//! claims (`plugin/pkg/admission/limitranger/admission.go`).

use std::any::Any;
use std::sync::Arc;

use super::common::validate_resources;
use super::{Admission, Admit};
use crate::api::policy::LimitRangeItem;
use crate::api::resources::{ResourceList, units_to_quantity};
use crate::api::{LimitRange, PersistentVolumeClaim, Pod};
use crate::collections::FxSet;
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::quantity::{Format, Quantity};
use crate::validation;

/// `LimitTypeContainer`.
pub const CONTAINER: &str = "Container";
/// `LimitTypePod`.
pub const POD: &str = "Pod";
/// `LimitTypePersistentVolumeClaim`.
pub const PVC: &str = "PersistentVolumeClaim";

fn q(name: Symbol, v: i64) -> String {
    units_to_quantity(name.as_str(), v).to_string()
}

fn ratio(v: i64) -> String {
    Quantity::from_milli(v, Format::DecimalSI).to_string()
}

/// Resource names a Container or Pod item may bound: the standard ones or
/// any qualified (`example.com/gpu`) name (`validateContainerResourceName`).
fn container_resource(name: &str) -> bool {
    name.contains('/')
        || matches!(name, "cpu" | "memory" | "ephemeral-storage")
        || name.starts_with("hugepages-")
}

impl LimitRange {
    /// The items of type `kind`.
    fn items<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a LimitRangeItem> + 'a {
        self.spec.limits.iter().filter(move |i| i.type_.as_str() == kind)
    }
}

impl Admit for LimitRange {
    /// `SetDefaults_LimitRangeItem` (Container items): a missing default
    /// limit is the max; a missing default request is the default limit,
    /// else the min.
    fn admit_defaults(&mut self, _adm: &mut Admission<'_>) {
        for item in &mut self.spec.limits {
            if item.type_.as_str() != CONTAINER {
                continue;
            }
            for (k, v) in item.max.iter() {
                if !item.default.contains(k) {
                    item.default.set(k, v);
                }
            }
            for (k, v) in item.default.iter() {
                if !item.default_request.contains(k) {
                    item.default_request.set(k, v);
                }
            }
            for (k, v) in item.min.iter() {
                if !item.default_request.contains(k) {
                    item.default_request.set(k, v);
                }
            }
        }
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let mut types = FxSet::default();
        for (i, item) in self.spec.limits.iter().enumerate() {
            let ip = FieldPath::new("spec").child("limits").index(i);
            validate_item(item, &ip, &mut errs);
            if !types.insert(item.type_) {
                errs.push(FieldError::duplicate(ip.child("type"), item.type_.as_str()));
            }
        }
        errs
    }
}

fn validate_item(item: &LimitRangeItem, ip: &FieldPath, errs: &mut Vec<FieldError>) {
    let t = item.type_.as_str();
    let tmsgs = validation::qualified_name(t);
    if !tmsgs.is_empty() {
        for msg in tmsgs {
            errs.push(FieldError::invalid(ip.child("type"), t, msg));
        }
    } else if !t.contains('/') && ![CONTAINER, POD, PVC].contains(&t) {
        errs.push(FieldError::invalid(
            ip.child("type"),
            t,
            "must be a standard limit type or fully qualified",
        ));
    }
    let lists: [(&str, &ResourceList); 4] = [
        ("max", &item.max),
        ("min", &item.min),
        ("default", &item.default),
        ("defaultRequest", &item.default_request),
    ];
    for (field, list) in lists {
        if t == POD && matches!(field, "default" | "defaultRequest") {
            if !list.is_empty() {
                errs.push(FieldError::forbidden(
                    ip.child(field),
                    "may not be specified when `type` is 'Pod'",
                ));
            }
            continue;
        }
        errs.extend(validate_resources(list, &ip.child(field)));
        if t == CONTAINER || t == POD {
            for (k, _) in list.iter() {
                if !container_resource(k.as_str()) {
                    errs.push(FieldError::invalid(
                        ip.child(field).key(k.as_str()),
                        k.as_str(),
                        "must be a standard resource for containers",
                    ));
                }
            }
        }
    }
    let storage = Symbol::intern("storage");
    if t == PVC && !item.min.contains(storage) && !item.max.contains(storage) {
        errs.push(FieldError::required(
            ip.child("limits"),
            "either minimum or maximum storage value is required, but neither was provided",
        ));
    }
    let mut keys: Vec<Symbol> = Vec::new();
    for list in [&item.max, &item.min, &item.default, &item.default_request] {
        keys.extend(list.iter().map(|(k, _)| k));
    }
    keys.extend(item.max_limit_request_ratio.0.iter().map(|(k, _)| *k));
    keys.sort_by(|a, b| a.cmp_str(*b));
    keys.dedup();
    for k in keys {
        let key = k.as_str();
        let (min, max) = (item.min.get(k), item.max.get(k));
        let (def, req) = if t == POD {
            (None, None)
        } else {
            (item.default.get(k), item.default_request.get(k))
        };
        let path = |f: &str| ip.child(f).key(key);
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            errs.push(FieldError::invalid(
                path("min"),
                q(k, min),
                format!("min value {} is greater than max value {}", q(k, min), q(k, max)),
            ));
        }
        if let (Some(req), Some(min)) = (req, min)
            && min > req
        {
            errs.push(FieldError::invalid(
                path("defaultRequest"),
                q(k, req),
                format!(
                    "min value {} is greater than default request value {}",
                    q(k, min),
                    q(k, req)
                ),
            ));
        }
        if let (Some(req), Some(max)) = (req, max)
            && req > max
        {
            errs.push(FieldError::invalid(
                path("defaultRequest"),
                q(k, req),
                format!(
                    "default request value {} is greater than max value {}",
                    q(k, req),
                    q(k, max)
                ),
            ));
        }
        if let (Some(req), Some(def)) = (req, def)
            && req > def
        {
            errs.push(FieldError::invalid(
                path("defaultRequest"),
                q(k, req),
                format!(
                    "default request value {} is greater than default limit value {}",
                    q(k, req),
                    q(k, def)
                ),
            ));
        }
        if let (Some(def), Some(min)) = (def, min)
            && min > def
        {
            errs.push(FieldError::invalid(
                path("default"),
                q(k, min),
                format!(
                    "min value {} is greater than default value {}",
                    q(k, min),
                    q(k, def)
                ),
            ));
        }
        if let (Some(def), Some(max)) = (def, max)
            && def > max
        {
            errs.push(FieldError::invalid(
                path("default"),
                q(k, max),
                format!(
                    "default value {} is greater than max value {}",
                    q(k, def),
                    q(k, max)
                ),
            ));
        }
        if let Some(r) = item.max_limit_request_ratio.get(k) {
            if r < 1000 {
                errs.push(FieldError::invalid(
                    path("maxLimitRequestRatio"),
                    ratio(r),
                    format!("ratio {} is less than 1", ratio(r)),
                ));
            }
            if let (Some(min), Some(max)) = (min, max)
                && min > 0
            {
                let limit = max as f64 / min as f64;
                if r as f64 / 1000.0 > limit {
                    errs.push(FieldError::invalid(
                        path("maxLimitRequestRatio"),
                        ratio(r),
                        format!("ratio {} is greater than max/min = {limit:.6}", ratio(r)),
                    ));
                }
            }
        }
    }
}

/// The Container items' defaults of every LimitRange in `ns`: (limits, requests).
fn container_defaults(adm: &Admission<'_>, ns: Symbol) -> Option<(ResourceList, ResourceList)> {
    let mut limits = ResourceList::new();
    let mut requests = ResourceList::new();
    let mut any = false;
    for (_, lr) in adm.store.iter::<LimitRange>() {
        if lr.metadata.namespace != ns {
            continue;
        }
        for item in lr.items(CONTAINER) {
            any = true;
            for (k, v) in item.default.iter() {
                limits.set(k, v);
            }
            for (k, v) in item.default_request.iter() {
                requests.set(k, v);
            }
        }
    }
    (any && !(limits.is_empty() && requests.is_empty())).then_some((limits, requests))
}

fn needs_defaults(c: &crate::api::pod::Container, limits: &ResourceList, requests: &ResourceList) -> bool {
    limits.iter().any(|(k, _)| !c.resources.limits.contains(k))
        || requests.iter().any(|(k, _)| !c.resources.requests.contains(k))
}

/// LimitRanger's mutation of a new pod: every container gets the default
/// limits and requests it lacks. The shared spec is copied only when
/// something changes, and its derived figures are then recomputed.
pub fn apply_defaults(pod: &mut Pod, adm: &Admission<'_>) {
    let Some((limits, requests)) = container_defaults(adm, pod.metadata.namespace) else {
        return;
    };
    let spec = &pod.spec;
    if !spec
        .containers
        .iter()
        .chain(&spec.init_containers)
        .any(|c| needs_defaults(c, &limits, &requests))
    {
        return;
    }
    let s = Arc::make_mut(&mut pod.spec);
    for c in s.containers.iter_mut().chain(s.init_containers.iter_mut()) {
        for (k, v) in limits.iter() {
            if !c.resources.limits.contains(k) {
                c.resources.limits.set(k, v);
            }
        }
        for (k, v) in requests.iter() {
            if !c.resources.requests.contains(k) {
                c.resources.requests.set(k, v);
            }
        }
    }
    s.derived = s.derive();
}

fn min_constraint(
    kind: &str,
    k: Symbol,
    enforced: i64,
    req: &ResourceList,
    lim: &ResourceList,
    errs: &mut Vec<String>,
) {
    let name = k.as_str();
    match (req.get(k), lim.get(k)) {
        (None, _) => errs.push(format!(
            "minimum {name} usage per {kind} is {}.  No request is specified",
            q(k, enforced)
        )),
        (Some(r), _) if r < enforced => errs.push(format!(
            "minimum {name} usage per {kind} is {}, but request is {}",
            q(k, enforced),
            q(k, r)
        )),
        (_, Some(l)) if l < enforced => errs.push(format!(
            "minimum {name} usage per {kind} is {}, but limit is {}",
            q(k, enforced),
            q(k, l)
        )),
        _ => {}
    }
}

fn max_constraint(
    kind: &str,
    k: Symbol,
    enforced: i64,
    req: &ResourceList,
    lim: &ResourceList,
    errs: &mut Vec<String>,
) {
    let name = k.as_str();
    match (req.get(k), lim.get(k)) {
        (_, None) => errs.push(format!(
            "maximum {name} usage per {kind} is {}.  No limit is specified",
            q(k, enforced)
        )),
        (_, Some(l)) if l > enforced => errs.push(format!(
            "maximum {name} usage per {kind} is {}, but limit is {}",
            q(k, enforced),
            q(k, l)
        )),
        (Some(r), _) if r > enforced => errs.push(format!(
            "maximum {name} usage per {kind} is {}, but request is {}",
            q(k, enforced),
            q(k, r)
        )),
        _ => {}
    }
}

fn ratio_constraint(
    kind: &str,
    k: Symbol,
    enforced_milli: i64,
    req: &ResourceList,
    lim: &ResourceList,
    errs: &mut Vec<String>,
) {
    let name = k.as_str();
    let shown = ratio(enforced_milli);
    match (req.get(k).filter(|r| *r != 0), lim.get(k).filter(|l| *l != 0)) {
        (None, _) => errs.push(format!(
            "{name} max limit to request ratio per {kind} is {shown}, but no request is specified or request is 0"
        )),
        (_, None) => errs.push(format!(
            "{name} max limit to request ratio per {kind} is {shown}, but no limit is specified or limit is 0"
        )),
        (Some(r), Some(l)) => {
            let observed = l as f64 / r as f64;
            if observed * 1000.0 > enforced_milli as f64 {
                errs.push(format!(
                    "{name} max limit to request ratio per {kind} is {shown}, but provided ratio is {observed:.6}"
                ));
            }
        }
    }
}

fn check_item(
    kind: &str,
    item: &LimitRangeItem,
    req: &ResourceList,
    lim: &ResourceList,
    errs: &mut Vec<String>,
) {
    for (k, v) in item.min.iter() {
        min_constraint(kind, k, v, req, lim, errs);
    }
    for (k, v) in item.max.iter() {
        max_constraint(kind, k, v, req, lim, errs);
    }
    for (k, v) in &item.max_limit_request_ratio.0 {
        ratio_constraint(kind, *k, *v, req, lim, errs);
    }
}

/// `PodValidateLimitFunc` / `PersistentVolumeClaimValidateLimitFunc`: the
/// bounds of every LimitRange in the object's namespace. `Err` is the
/// Forbidden message (several violations aggregated as `[a, b]`).
pub fn check(obj: &dyn Any, adm: &Admission<'_>) -> Result<(), String> {
    let (ns, pod, pvc) = if let Some(p) = obj.downcast_ref::<Pod>() {
        (p.metadata.namespace, Some(p), None)
    } else if let Some(c) = obj.downcast_ref::<PersistentVolumeClaim>() {
        (c.metadata.namespace, None, Some(c))
    } else {
        return Ok(());
    };
    let mut errs = Vec::new();
    for (_, lr) in adm.store.iter::<LimitRange>() {
        if lr.metadata.namespace != ns {
            continue;
        }
        for item in &lr.spec.limits {
            match (item.type_.as_str(), pod, pvc) {
                (CONTAINER, Some(p), _) => {
                    for c in p.spec.containers.iter().chain(&p.spec.init_containers) {
                        check_item(
                            CONTAINER,
                            item,
                            &c.resources.requests,
                            &c.resources.limits,
                            &mut errs,
                        );
                    }
                }
                (POD, Some(p), _) => {
                    let d = if p.spec.derived.computed {
                        std::borrow::Cow::Borrowed(&p.spec.derived)
                    } else {
                        std::borrow::Cow::Owned(p.spec.derive())
                    };
                    check_item(POD, item, &d.requests, &d.limits, &mut errs);
                }
                (PVC, _, Some(c)) => {
                    // Claims are bounded by their request: `minConstraint` on
                    // it as the request, `maxConstraint` on it as the limit.
                    let (req, none) = (&c.spec.resources.requests, ResourceList::new());
                    for (k, v) in item.min.iter() {
                        min_constraint(PVC, k, v, req, &none, &mut errs);
                    }
                    for (k, v) in item.max.iter() {
                        max_constraint(PVC, k, v, &none, req, &mut errs);
                    }
                }
                _ => {}
            }
        }
    }
    match errs.len() {
        0 => Ok(()),
        1 => Err(errs.remove(0)),
        _ => Err(format!("[{}]", errs.join(", "))),
    }
}

#[cfg(test)]
#[path = "limit_range_tests.rs"]
mod tests;
