//! Validation of `metadata` shared by every kind
//! (`pkg/api/validation/objectmeta.go`).

use crate::api::ObjectMeta;
use crate::field::{FieldError, FieldPath};
use crate::validation;

/// Total size cap of annotations (256 KiB).
pub const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// Validates metadata: the name by `name_rule`, namespace, labels,
/// annotations, and owner references (at most one controller).
pub fn validate_object_meta(
    meta: &ObjectMeta,
    namespaced: bool,
    name_rule: fn(&str) -> Vec<String>,
) -> Vec<FieldError> {
    let path = FieldPath::new("metadata");
    let mut errs = Vec::new();
    let name = meta.name.to_string();
    if name.is_empty() {
        errs.push(FieldError::required(
            path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for msg in name_rule(&name) {
            errs.push(FieldError::invalid(path.child("name"), &name, msg));
        }
    }
    if namespaced {
        let ns = meta.namespace.as_str();
        if ns.is_empty() {
            errs.push(FieldError::required(path.child("namespace"), ""));
        } else {
            for msg in validation::dns1123_label(ns) {
                errs.push(FieldError::invalid(path.child("namespace"), ns, msg));
            }
        }
    }
    errs.extend(meta.labels.validate(&path.child("labels")));
    let ann = path.child("annotations");
    for (k, _) in meta.annotations.iter() {
        for msg in validation::qualified_name(&k.to_lowercase()) {
            errs.push(FieldError::invalid(ann.clone(), k, msg));
        }
    }
    if meta.annotations.total_size() > TOTAL_ANNOTATION_SIZE_LIMIT {
        errs.push(FieldError::too_long(ann, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    let owners = path.child("ownerReferences");
    let controllers = meta.owner_references.iter().filter(|r| r.is_controller()).count();
    if controllers > 1 {
        let names: Vec<String> = meta
            .owner_references
            .iter()
            .filter(|r| r.is_controller())
            .map(|r| format!("{}/{}", r.kind, r.name))
            .collect();
        errs.push(FieldError::invalid(
            owners.clone(),
            meta.owner_references.len(),
            format!(
                "Only one reference can have Controller set to true. Found \"true\" in references for {}",
                names.join(" and ")
            ),
        ));
    }
    for (i, r) in meta.owner_references.iter().enumerate() {
        // Built only for an error: most writes have valid owner references.
        let p = || owners.index(i);
        if r.api_version.is_empty() {
            errs.push(FieldError::invalid(
                p().child("apiVersion"),
                r.api_version.as_str(),
                "version must not be empty",
            ));
        }
        if r.kind.is_empty() {
            errs.push(FieldError::invalid(
                p().child("kind"),
                r.kind.as_str(),
                "kind must not be empty",
            ));
        }
        if r.name.is_empty() {
            errs.push(FieldError::invalid(
                p().child("name"),
                r.name.as_str(),
                "name must not be empty",
            ));
        }
        if r.uid.0 == 0 {
            errs.push(FieldError::invalid(p().child("uid"), "", "uid must not be empty"));
        }
    }
    errs
}

/// Immutable metadata on update: name, namespace, uid, creationTimestamp.
pub fn validate_object_meta_update(new: &ObjectMeta, old: &ObjectMeta) -> Vec<FieldError> {
    let path = FieldPath::new("metadata");
    let mut errs = Vec::new();
    if new.name != old.name {
        errs.push(FieldError::invalid(
            path.child("name"),
            new.name.to_string(),
            "field is immutable",
        ));
    }
    if new.namespace != old.namespace {
        errs.push(FieldError::invalid(
            path.child("namespace"),
            new.namespace.as_str(),
            "field is immutable",
        ));
    }
    if new.uid != old.uid {
        errs.push(FieldError::invalid(
            path.child("uid"),
            new.uid.to_string(),
            "field is immutable",
        ));
    }
    if new.creation_timestamp != old.creation_timestamp {
        errs.push(FieldError::invalid(
            path.child("creationTimestamp"),
            new.creation_timestamp.to_string(),
            "field is immutable",
        ));
    }
    if old.deletion_timestamp.is_some() && new.deletion_timestamp != old.deletion_timestamp {
        errs.push(FieldError::invalid(
            path.child("deletionTimestamp"),
            format!("{:?}", new.deletion_timestamp),
            "field is immutable; may only be changed via deletion",
        ));
    }
    errs
}
