//! Admission of Nodes and Namespaces.

use super::common::validate_resources;
use super::{Admission, Admit};
use crate::api::node::DEFAULT_MAX_PODS;
use crate::api::{Namespace, Node};
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::validation;

impl Admit for Node {
    fn admit_defaults(&mut self, _adm: &mut Admission<'_>) {
        let status = &mut self.status;
        if status.allocatable.is_empty() {
            status.allocatable = status.capacity.clone();
        }
        if !status.allocatable.contains(Symbol::PODS) {
            status.allocatable.set(Symbol::PODS, DEFAULT_MAX_PODS);
        }
        if !status.capacity.contains(Symbol::PODS) {
            let pods = status.allocatable.get_or_zero(Symbol::PODS);
            status.capacity.set(Symbol::PODS, pods);
        }
        let name = self.metadata.name.base();
        if self.metadata.labels.get(Symbol::HOSTNAME).is_none() && self.metadata.name.suffix().is_none() {
            self.metadata.labels = self.metadata.labels.with(Symbol::HOSTNAME, name);
        }
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let status = FieldPath::new("status");
        let mut errs = validate_resources(&self.status.capacity, &status.child("capacity"));
        errs.extend(validate_resources(
            &self.status.allocatable,
            &status.child("allocatable"),
        ));
        for (i, t) in self.spec.taints.iter().enumerate() {
            let p = FieldPath::new("spec").child("taints").index(i);
            for msg in validation::qualified_name(t.key.as_str()) {
                errs.push(FieldError::invalid(p.child("key"), t.key.as_str(), msg));
            }
            for msg in validation::label_value(t.value.as_str()) {
                errs.push(FieldError::invalid(p.child("value"), t.value.as_str(), msg));
            }
        }
        errs
    }
}

impl Admit for Namespace {
    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        Vec::new()
    }

    /// A deleted namespace turns Terminating and keeps the `kubernetes`
    /// finalizer until the namespace controller has emptied it.
    fn begin_deletion(&mut self) {
        self.status.phase = crate::api::config::NamespacePhase::Terminating;
        if !self.metadata.has_finalizer(crate::store::FINALIZER_NAMESPACE) {
            self.metadata
                .finalizers
                .push(Symbol::intern(crate::store::FINALIZER_NAMESPACE));
        }
    }

    fn validate_name(name: &str) -> Vec<String> {
        validation::dns1123_label(name)
    }
}
