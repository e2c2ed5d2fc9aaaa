//! Pod admission: the API server's pod defaults, the Priority and
//! DefaultTolerationSeconds admission plugins, LimitRange defaults, and
//! `ValidatePodSpec` (`pkg/apis/core/validation/validation.go`).
//!
//! Pods created by controllers share their template's spec. Templates are
//! defaulted with the same function when their workload is admitted, so the
//! pods find nothing left to change and keep sharing one allocation.

use std::sync::Arc;

use super::common::validate_resources;
use super::{Admission, Admit, Operation};
use crate::api::pod::{Container, PodSpec, PreemptionPolicy};
use crate::api::scheduling::{
    NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm,
    TaintEffect, Toleration, TolerationOperator, UnsatisfiableConstraintAction,
};
use crate::api::{Pod, PriorityClass};
use crate::collections::FxSet;
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::validation;

/// Default `terminationGracePeriodSeconds`.
pub const DEFAULT_TERMINATION_GRACE_SECONDS: i64 = 30;
/// Default NoExecute toleration added for not-ready and unreachable nodes.
pub const DEFAULT_NOT_READY_TOLERATION_SECONDS: i64 = 300;
/// The taint a node gets when its Ready condition is False.
pub const TAINT_NOT_READY: &str = "node.kubernetes.io/not-ready";
/// The taint a node gets when its Ready condition is Unknown.
pub const TAINT_UNREACHABLE: &str = "node.kubernetes.io/unreachable";
/// The scheduler name pods get by default.
pub const DEFAULT_SCHEDULER_NAME: &str = "default-scheduler";

fn has_toleration_for(spec: &PodSpec, key: &str) -> bool {
    spec.tolerations.iter().any(|t| {
        (t.key.as_str() == key || (t.key.is_empty() && t.operator == TolerationOperator::Exists))
            && t.effect.is_none_or(|e| e == TaintEffect::NoExecute)
    })
}

/// The priority a pod of `spec` gets (Priority admission plugin,
/// `plugin/pkg/admission/priority`): its class's value, or the global
/// default class's, or 0. An unknown class name is an error.
fn resolve_priority(spec: &PodSpec, adm: &Admission<'_>) -> Result<(i32, Option<PreemptionPolicy>), String> {
    let classes = &adm.store.tables.priority_classes;
    match spec.priority_class_name {
        Some(name) => {
            let key = classes.lookup(Symbol::EMPTY, &crate::api::Name::from_symbol(name));
            let class: Option<&PriorityClass> = key.and_then(|k| classes.get(k));
            match class {
                Some(c) => Ok((c.value, c.preemption_policy)),
                None => Err(format!("no PriorityClass with name {name} was found")),
            }
        }
        None => {
            let default = classes
                .iter()
                .map(|(_, c)| c)
                .filter(|c| c.global_default)
                .min_by_key(|c| c.value);
            Ok(default.map_or((0, None), |c| (c.value, c.preemption_policy)))
        }
    }
}

/// Applies pod defaults to a (possibly shared) spec, copying it only if
/// something changes. Returns an error message for an unknown
/// PriorityClass.
pub fn default_pod_spec(spec: &mut Arc<PodSpec>, adm: &Admission<'_>) -> Result<(), String> {
    let (priority, policy) = resolve_priority(spec, adm)?;
    let needs = spec.termination_grace_period_seconds.is_none()
        || spec.scheduler_name.is_none()
        || spec.priority != Some(priority)
        || spec.preemption_policy.is_none()
        || !has_toleration_for(spec, TAINT_NOT_READY)
        || !has_toleration_for(spec, TAINT_UNREACHABLE)
        || spec
            .containers
            .iter()
            .chain(&spec.init_containers)
            .any(request_defaults_from_limits_needed)
        || !spec.derived.computed;
    if !needs {
        return Ok(());
    }
    let s = Arc::make_mut(spec);
    s.termination_grace_period_seconds
        .get_or_insert(DEFAULT_TERMINATION_GRACE_SECONDS);
    s.scheduler_name
        .get_or_insert_with(|| Symbol::intern(DEFAULT_SCHEDULER_NAME));
    s.priority = Some(priority);
    if s.preemption_policy.is_none() {
        s.preemption_policy = Some(policy.unwrap_or_default());
    }
    for key in [TAINT_NOT_READY, TAINT_UNREACHABLE] {
        if !has_toleration_for(s, key) {
            s.tolerations.push(Toleration::exists(
                key,
                TaintEffect::NoExecute,
                Some(DEFAULT_NOT_READY_TOLERATION_SECONDS),
            ));
        }
    }
    for c in s.containers.iter_mut().chain(s.init_containers.iter_mut()) {
        // SetDefaults_Pod: a limit without a request sets the request.
        let limits = c.resources.limits.clone();
        for (name, v) in limits.iter() {
            if !c.resources.requests.contains(name) {
                c.resources.requests.set(name, v);
            }
        }
    }
    s.derived = s.derive();
    Ok(())
}

fn request_defaults_from_limits_needed(c: &Container) -> bool {
    c.resources
        .limits
        .iter()
        .any(|(name, _)| !c.resources.requests.contains(name))
}

/// Marks a spec as validated so the pods that share it skip validation.
/// Cloning a spec clears the mark (see [`PodDerived`](crate::api::pod::PodDerived)),
/// so only the allocation that admission checked carries it.
pub fn mark_spec_validated(spec: &mut Arc<PodSpec>) {
    if !spec.derived.validated {
        let s = Arc::make_mut(spec);
        if !s.derived.computed {
            s.derived = s.derive();
        }
        s.derived.validated = true;
    }
}

/// `ValidatePodSpec`: containers, ports, resources, scheduling constraints.
pub fn validate_pod_spec(spec: &PodSpec, path: &FieldPath) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut names = FxSet::default();
    if spec.containers.is_empty() {
        errs.push(FieldError::required(path.child("containers"), ""));
    }
    for (field, list) in [
        ("containers", &spec.containers),
        ("initContainers", &spec.init_containers),
    ] {
        for (i, c) in list.iter().enumerate() {
            let p = path.child(field).index(i);
            validate_container(c, &p, &mut names, &mut errs);
        }
    }
    errs.extend(validate_resources(&spec.overhead, &path.child("overhead")));
    errs.extend(spec.node_selector.validate(&path.child("nodeSelector")));
    for (i, t) in spec.tolerations.iter().enumerate() {
        validate_toleration(t, &path.child("tolerations").index(i), &mut errs);
    }
    if let Some(aff) = &spec.affinity {
        let p = path.child("affinity");
        if let Some(na) = &aff.node_affinity {
            let np = p.child("nodeAffinity");
            if let Some(req) = &na.required_during_scheduling_ignored_during_execution {
                validate_node_selector(
                    req,
                    &np.child("requiredDuringSchedulingIgnoredDuringExecution"),
                    &mut errs,
                );
            }
            for (i, pref) in na
                .preferred_during_scheduling_ignored_during_execution
                .iter()
                .enumerate()
            {
                let pp = np
                    .child("preferredDuringSchedulingIgnoredDuringExecution")
                    .index(i);
                validate_weight(pref.weight, &pp.child("weight"), &mut errs);
                validate_node_selector_term(&pref.preference, &pp.child("preference"), &mut errs);
            }
        }
        for (field, pa) in [
            ("podAffinity", &aff.pod_affinity),
            ("podAntiAffinity", &aff.pod_anti_affinity),
        ] {
            let Some(pa) = pa else { continue };
            let ap = p.child(field);
            for (i, term) in pa
                .required_during_scheduling_ignored_during_execution
                .iter()
                .enumerate()
            {
                validate_pod_affinity_term(
                    term,
                    &ap.child("requiredDuringSchedulingIgnoredDuringExecution")
                        .index(i),
                    &mut errs,
                );
            }
            for (i, w) in pa
                .preferred_during_scheduling_ignored_during_execution
                .iter()
                .enumerate()
            {
                let wp = ap
                    .child("preferredDuringSchedulingIgnoredDuringExecution")
                    .index(i);
                validate_weight(w.weight, &wp.child("weight"), &mut errs);
                validate_pod_affinity_term(&w.pod_affinity_term, &wp.child("podAffinityTerm"), &mut errs);
            }
        }
    }
    for (i, c) in spec.topology_spread_constraints.iter().enumerate() {
        let p = path.child("topologySpreadConstraints").index(i);
        if c.max_skew <= 0 {
            errs.push(FieldError::invalid(
                p.child("maxSkew"),
                c.max_skew,
                "must be greater than zero",
            ));
        }
        if c.topology_key.is_empty() {
            errs.push(FieldError::required(p.child("topologyKey"), "can not be empty"));
        } else {
            for msg in validation::qualified_name(c.topology_key.as_str()) {
                errs.push(FieldError::invalid(
                    p.child("topologyKey"),
                    c.topology_key.as_str(),
                    msg,
                ));
            }
        }
        if let Some(min) = c.min_domains {
            if min <= 0 {
                errs.push(FieldError::invalid(
                    p.child("minDomains"),
                    min,
                    "must be greater than 0",
                ));
            } else if c.when_unsatisfiable != UnsatisfiableConstraintAction::DoNotSchedule {
                errs.push(FieldError::invalid(
                    p.child("minDomains"),
                    min,
                    "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
                ));
            }
        }
        if let Some(sel) = c.label_selector.spec() {
            errs.extend(sel.validate(&p.child("labelSelector")));
        }
    }
    if let Some(s) = spec.active_deadline_seconds
        && s <= 0
    {
        errs.push(FieldError::invalid(
            path.child("activeDeadlineSeconds"),
            s,
            "must be between 1 and 2147483647, inclusive",
        ));
    }
    if let Some(g) = spec.termination_grace_period_seconds
        && g < 0
    {
        errs.push(FieldError::invalid(
            path.child("terminationGracePeriodSeconds"),
            g,
            "must be greater than or equal to 0",
        ));
    }
    for (field, v) in [("hostname", spec.hostname), ("subdomain", spec.subdomain)] {
        if let Some(v) = v {
            for msg in validation::dns1123_label(v.as_str()) {
                errs.push(FieldError::invalid(path.child(field), v.as_str(), msg));
            }
        }
    }
    let mut volumes = FxSet::default();
    for (i, v) in spec.volumes.iter().enumerate() {
        let p = path.child("volumes").index(i).child("name");
        for msg in validation::dns1123_label(v.name.as_str()) {
            errs.push(FieldError::invalid(p.clone(), v.name.as_str(), msg));
        }
        if !volumes.insert(v.name) {
            errs.push(FieldError::duplicate(p, v.name.as_str()));
        }
    }
    errs
}

fn validate_container(c: &Container, p: &FieldPath, names: &mut FxSet<Symbol>, errs: &mut Vec<FieldError>) {
    let name = c.name.as_str();
    if name.is_empty() {
        errs.push(FieldError::required(p.child("name"), ""));
    } else {
        for msg in validation::dns1123_label(name) {
            errs.push(FieldError::invalid(p.child("name"), name, msg));
        }
        if !names.insert(c.name) {
            errs.push(FieldError::duplicate(p.child("name"), name));
        }
    }
    if c.image.is_empty() {
        errs.push(FieldError::required(p.child("image"), ""));
    }
    let mut port_names = FxSet::default();
    for (j, port) in c.ports.iter().enumerate() {
        let pp = p.child("ports").index(j);
        for msg in validation::port_number(i64::from(port.container_port)) {
            errs.push(FieldError::invalid(
                pp.child("containerPort"),
                port.container_port,
                msg,
            ));
        }
        if let Some(hp) = port.host_port
            && hp != 0
        {
            for msg in validation::port_number(i64::from(hp)) {
                errs.push(FieldError::invalid(pp.child("hostPort"), hp, msg));
            }
        }
        if let Some(n) = port.name {
            for msg in validation::port_name(n.as_str()) {
                errs.push(FieldError::invalid(pp.child("name"), n.as_str(), msg));
            }
            if !port_names.insert(n) {
                errs.push(FieldError::duplicate(pp.child("name"), n.as_str()));
            }
        }
    }
    for (j, e) in c.env.iter().enumerate() {
        let ep = p.child("env").index(j);
        for msg in validation::env_var_name(&e.name) {
            errs.push(FieldError::invalid(ep.child("name"), &e.name, msg));
        }
        if let Some(from) = &e.value_from {
            let sources = usize::from(from.config_map_key_ref.is_some())
                + usize::from(from.secret_key_ref.is_some())
                + usize::from(from.field_ref.is_some());
            if e.value.as_deref().is_some_and(|v| !v.is_empty()) {
                errs.push(FieldError::invalid(
                    ep.child("valueFrom"),
                    "",
                    "may not be specified when `value` is not empty",
                ));
            } else if sources != 1 {
                errs.push(FieldError::invalid(
                    ep.child("valueFrom"),
                    "",
                    "may not have more than one field specified at a time",
                ));
            }
        }
    }
    let rp = p.child("resources");
    errs.extend(validate_resources(&c.resources.requests, &rp.child("requests")));
    errs.extend(validate_resources(&c.resources.limits, &rp.child("limits")));
    for (name, req) in c.resources.requests.iter() {
        if let Some(lim) = c.resources.limits.get(name) {
            let extended = name.as_str().contains('/') && !name.as_str().starts_with("kubernetes.io/");
            if extended && req != lim {
                errs.push(FieldError::invalid(
                    rp.child("requests"),
                    crate::api::resources::units_to_quantity(name.as_str(), req).to_string(),
                    format!(
                        "must be equal to {name} limit of {}",
                        crate::api::resources::units_to_quantity(name.as_str(), lim)
                    ),
                ));
            } else if req > lim {
                errs.push(FieldError::invalid(
                    rp.child("requests"),
                    crate::api::resources::units_to_quantity(name.as_str(), req).to_string(),
                    format!(
                        "must be less than or equal to {name} limit of {}",
                        crate::api::resources::units_to_quantity(name.as_str(), lim)
                    ),
                ));
            }
        } else if name.as_str().contains('/') && !name.as_str().starts_with("kubernetes.io/") {
            errs.push(FieldError::forbidden(
                rp.child("limits"),
                "Limit must be set for non overcommitable resources",
            ));
        }
    }
}

fn validate_toleration(t: &Toleration, p: &FieldPath, errs: &mut Vec<FieldError>) {
    if !t.key.is_empty() {
        for msg in validation::qualified_name(t.key.as_str()) {
            errs.push(FieldError::invalid(p.child("key"), t.key.as_str(), msg));
        }
    }
    if t.key.is_empty() && t.operator != TolerationOperator::Exists {
        errs.push(FieldError::invalid(
            p.child("operator"),
            "Equal",
            "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
        ));
    }
    if t.operator == TolerationOperator::Exists && !t.value.is_empty() {
        errs.push(FieldError::invalid(
            p.child("operator"),
            t.value.as_str(),
            "value must be empty when `operator` is 'Exists'",
        ));
    }
    if t.operator == TolerationOperator::Equal {
        for msg in validation::label_value(t.value.as_str()) {
            errs.push(FieldError::invalid(p.child("value"), t.value.as_str(), msg));
        }
    }
    if t.toleration_seconds.is_some() && t.effect != Some(TaintEffect::NoExecute) {
        errs.push(FieldError::invalid(
            p.child("effect"),
            t.effect.map_or("", |e| e.as_str()),
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ));
    }
}

fn validate_weight(w: i32, p: &FieldPath, errs: &mut Vec<FieldError>) {
    if !(1..=100).contains(&w) {
        errs.push(FieldError::invalid(p.clone(), w, "must be in the range 1-100"));
    }
}

fn validate_node_selector(sel: &NodeSelector, p: &FieldPath, errs: &mut Vec<FieldError>) {
    let tp = p.child("nodeSelectorTerms");
    if sel.node_selector_terms.is_empty() {
        errs.push(FieldError::required(
            tp.clone(),
            "must have at least one node selector term",
        ));
    }
    for (i, term) in sel.node_selector_terms.iter().enumerate() {
        validate_node_selector_term(term, &tp.index(i), errs);
    }
}

fn validate_node_selector_term(term: &NodeSelectorTerm, p: &FieldPath, errs: &mut Vec<FieldError>) {
    for (i, r) in term.match_expressions.iter().enumerate() {
        validate_node_requirement(r, &p.child("matchExpressions").index(i), false, errs);
    }
    for (i, r) in term.match_fields.iter().enumerate() {
        validate_node_requirement(r, &p.child("matchFields").index(i), true, errs);
    }
}

fn validate_node_requirement(
    r: &NodeSelectorRequirement,
    p: &FieldPath,
    field: bool,
    errs: &mut Vec<FieldError>,
) {
    use NodeSelectorOperator::*;
    match r.operator {
        In | NotIn if r.values.is_empty() => errs.push(FieldError::required(
            p.child("values"),
            "must be specified when `operator` is 'In' or 'NotIn'",
        )),
        Exists | DoesNotExist if !r.values.is_empty() => errs.push(FieldError::forbidden(
            p.child("values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        )),
        Gt | Lt => {
            if r.values.len() != 1 {
                errs.push(FieldError::required(
                    p.child("values"),
                    "must be specified single value when `operator` is 'Lt' or 'Gt'",
                ));
            } else if r.values[0].as_str().parse::<i64>().is_err() {
                errs.push(FieldError::invalid(
                    p.child("values").index(0),
                    r.values[0].as_str(),
                    "must be an integer",
                ));
            }
        }
        _ => {}
    }
    if field {
        if r.key.as_str() != "metadata.name" {
            errs.push(FieldError::not_supported(
                p.child("key"),
                r.key.as_str(),
                &["metadata.name"],
            ));
        }
        if !matches!(r.operator, In | NotIn) || r.values.len() != 1 {
            errs.push(FieldError::invalid(
                p.child("values"),
                r.values.len(),
                "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
            ));
        }
    } else {
        for msg in validation::qualified_name(r.key.as_str()) {
            errs.push(FieldError::invalid(p.child("key"), r.key.as_str(), msg));
        }
    }
}

fn validate_pod_affinity_term(term: &PodAffinityTerm, p: &FieldPath, errs: &mut Vec<FieldError>) {
    if term.topology_key.is_empty() {
        errs.push(FieldError::required(p.child("topologyKey"), "can not be empty"));
    } else {
        for msg in validation::qualified_name(term.topology_key.as_str()) {
            errs.push(FieldError::invalid(
                p.child("topologyKey"),
                term.topology_key.as_str(),
                msg,
            ));
        }
    }
    if let Some(sel) = term.label_selector.spec() {
        errs.extend(sel.validate(&p.child("labelSelector")));
    }
    if let Some(sel) = term.namespace_selector.spec() {
        errs.extend(sel.validate(&p.child("namespaceSelector")));
    }
    for (i, ns) in term.namespaces.iter().enumerate() {
        for msg in validation::dns1123_label(ns.as_str()) {
            errs.push(FieldError::invalid(
                p.child("namespaces").index(i),
                ns.as_str(),
                msg,
            ));
        }
    }
}

/// `ValidatePodUpdate`: only images, activeDeadlineSeconds, added
/// tolerations and (once) the node binding may change.
fn validate_pod_spec_update(new: &Pod, old: &Pod) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if old.node_name.is_some() && new.node_name != old.node_name {
        errs.push(FieldError::forbidden(
            FieldPath::new("spec").child("nodeName"),
            "pod is already bound to a node",
        ));
    }
    if Arc::ptr_eq(&new.spec, &old.spec) {
        return errs;
    }
    let mut a = (*new.spec).clone();
    let mut b = (*old.spec).clone();
    for (x, y) in a
        .containers
        .iter_mut()
        .zip(b.containers.iter_mut())
        .chain(a.init_containers.iter_mut().zip(b.init_containers.iter_mut()))
    {
        x.image = Symbol::EMPTY;
        y.image = Symbol::EMPTY;
    }
    a.active_deadline_seconds = None;
    b.active_deadline_seconds = None;
    let added_only = b.tolerations.iter().all(|t| a.tolerations.contains(t));
    if added_only {
        a.tolerations.clear();
        b.tolerations.clear();
    }
    a.derived = Default::default();
    b.derived = Default::default();
    if a != b {
        errs.push(FieldError::forbidden(
            FieldPath::new("spec"),
            "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        ));
    }
    errs
}

impl Admit for Pod {
    fn admit_defaults(&mut self, adm: &mut Admission<'_>) {
        if adm.operation == Operation::Create
            && let Some(node) = Arc::get_mut(&mut self.spec).and_then(|s| s.node_name.take())
        {
            self.node_name = Some(node);
        }
        // An unknown PriorityClass is reported by `validate`.
        let _ = default_pod_spec(&mut self.spec, adm);
        if adm.operation == Operation::Create {
            super::limit_range::apply_defaults(self, adm);
        }
    }

    fn mark_validated(&mut self) {
        mark_spec_validated(&mut self.spec);
    }

    fn validate(&self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        if let Err(msg) = resolve_priority(&self.spec, adm) {
            errs.push(FieldError::forbidden(
                FieldPath::new("spec").child("priorityClassName"),
                msg,
            ));
        }
        if !self.spec.derived.validated {
            errs.extend(validate_pod_spec(&self.spec, &FieldPath::new("spec")));
        }
        errs
    }

    fn validate_update(&self, old: &Self, _adm: &Admission<'_>) -> Vec<FieldError> {
        validate_pod_spec_update(self, old)
    }
}
