//! A StatefulSet's pods and claims (`stateful_set_utils.go`,
//! `stateful_pod_control.go`): names, ordinals, identity labels, storage,
//! and the claims' owner references under the retention policy.

use std::sync::Arc;

use super::StsView;
use crate::api::pod::{ClaimVolumeSource, PodPhase, PodTemplateSpec, Volume};
use crate::api::policy::PvcPhase;
use crate::api::{Kind, Name, ObjectMeta, OwnerReference, PersistentVolumeClaim, Pod, Time};
use crate::controllers::controller_ref;
use crate::intern::Symbol;

/// `statefulset.kubernetes.io/pod-name`.
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
/// `apps.kubernetes.io/pod-index`.
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
/// `controller-revision-hash`.
pub const REVISION_LABEL: &str = "controller-revision-hash";

/// `getParentNameAndOrdinal`: `web-3` is (`web`, 3); a name without a
/// numeric suffix has no ordinal.
pub fn parent_and_ordinal(name: &str) -> Option<(&str, i32)> {
    let (parent, ord) = name.rsplit_once('-')?;
    if ord.is_empty() || !ord.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((parent, ord.parse().ok()?))
}

/// The pod's ordinal (`getOrdinal`), or -1.
pub fn ordinal(pod: &Pod) -> i32 {
    parent_and_ordinal(&pod.metadata.name.to_string()).map_or(-1, |(_, o)| o)
}

/// `isMemberOf`: the pod's name says it belongs to the set named `set`.
pub fn is_member_of(set: &str, pod: &Pod) -> bool {
    parent_and_ordinal(&pod.metadata.name.to_string()).is_some_and(|(p, _)| p == set)
}

/// The pod's revision (`getPodRevision`).
pub fn revision(pod: &Pod) -> Option<&'static str> {
    pod.metadata.labels.get_str(REVISION_LABEL)
}

/// `isRunningAndReady`.
pub fn running_and_ready(pod: &Pod) -> bool {
    pod.status.phase == PodPhase::Running && pod.is_ready()
}

/// `isRunningAndAvailable`.
pub fn running_and_available(pod: &Pod, min_ready_seconds: i32, now: Time) -> bool {
    pod.status.phase == PodPhase::Running && pod.is_available(min_ready_seconds, now)
}

/// `isTerminating`.
pub fn terminating(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_some()
}

/// `isHealthy`: running, ready and not terminating.
pub fn healthy(pod: &Pod) -> bool {
    running_and_ready(pod) && !terminating(pod)
}

/// `getPodName`.
pub fn pod_name(set: &StsView, ordinal: i32) -> String {
    format!("{}-{ordinal}", set.meta.name)
}

/// `getPersistentVolumeClaimName`: `<template>-<set>-<ordinal>`.
pub fn claim_name(template: &PersistentVolumeClaim, set: &StsView, ordinal: i32) -> String {
    format!("{}-{}-{ordinal}", template.metadata.name, set.meta.name)
}

/// `newVersionedStatefulSetPod`: the pod for `ordinal` from the revision
/// its index calls for (below the partition: the current one).
pub fn new_versioned_pod(set: &StsView, ordinal: i32) -> Pod {
    let index = ordinal - set.start;
    let partition = set.partition();
    let use_current = match partition {
        Some(p) => index < p,
        None => false,
    };
    if use_current {
        new_pod(set, &set.current_template, set.current_revision, ordinal)
    } else {
        new_pod(set, &set.spec.template, set.update_revision, ordinal)
    }
}

/// `newStatefulSetPod` + `setPodRevision`: name, identity, storage, revision.
fn new_pod(set: &StsView, template: &PodTemplateSpec, revision: Symbol, ordinal: i32) -> Pod {
    let name = pod_name(set, ordinal);
    let mut spec = (*template.spec).clone();
    spec.hostname = Some(Symbol::intern(&name));
    spec.subdomain = (!set.spec.service_name.is_empty()).then_some(set.spec.service_name);
    let mut volumes: Vec<Volume> = set
        .spec
        .volume_claim_templates
        .iter()
        .map(|t| Volume {
            name: t.metadata.name.to_symbol(),
            config_map: None,
            secret: None,
            persistent_volume_claim: Some(ClaimVolumeSource {
                claim_name: Symbol::intern(&claim_name(t, set, ordinal)),
            }),
        })
        .collect();
    for v in &spec.volumes {
        if !volumes.iter().any(|c| c.name == v.name) {
            volumes.push(v.clone());
        }
    }
    spec.volumes = volumes;
    let labels = template
        .metadata
        .labels
        .with(Symbol::intern(POD_NAME_LABEL), Symbol::intern(&name))
        .with(
            Symbol::intern(POD_INDEX_LABEL),
            Symbol::intern(&ordinal.to_string()),
        )
        .with(Symbol::intern(REVISION_LABEL), revision);
    let mut meta = ObjectMeta {
        name: Name::new(&name),
        generate_name: Some(Symbol::intern(&format!("{}-", set.meta.name))),
        namespace: set.meta.namespace,
        labels,
        annotations: template.metadata.annotations.clone(),
        ..ObjectMeta::default()
    };
    meta.owner_references
        .push(controller_ref(Kind::StatefulSet, &set.meta));
    Pod {
        metadata: meta,
        spec: Arc::new(spec),
        node_name: None,
        status: Default::default(),
    }
}

/// `identityMatches` (the labels part; hostname and subdomain cannot change
/// on a live pod).
pub fn identity_matches(set: &StsView, pod: &Pod) -> bool {
    let name = pod.metadata.name.to_string();
    let ord = ordinal(pod);
    ord >= 0
        && is_member_of(&set.meta.name.to_string(), pod)
        && pod.metadata.namespace == set.meta.namespace
        && pod.metadata.labels.get_str(POD_NAME_LABEL) == Some(name.as_str())
        && pod.metadata.labels.get_str(POD_INDEX_LABEL) == Some(ord.to_string().as_str())
}

/// `updateIdentity`'s labels.
pub fn fix_identity(pod: &mut Pod) {
    let name = pod.metadata.name.to_string();
    let ord = ordinal(pod);
    pod.metadata.labels = pod
        .metadata
        .labels
        .with(Symbol::intern(POD_NAME_LABEL), Symbol::intern(&name))
        .with(Symbol::intern(POD_INDEX_LABEL), Symbol::intern(&ord.to_string()));
}

/// The owner references a claim should carry (`updateClaimOwnerRefForSetAndPod`):
/// the set's when `whenDeleted: Delete`, except for a condemned pod's claim
/// under `whenScaled: Delete` (the pod owns that one upstream; here the
/// controller deletes it once the pod is gone).
pub fn wanted_set_ref(set: &StsView, condemned: bool) -> Option<OwnerReference> {
    let (when_deleted, when_scaled) = set.retention();
    let scaled_delete = when_scaled == "Delete" && condemned;
    (when_deleted == "Delete" && !scaled_delete).then(|| OwnerReference {
        controller: None,
        block_owner_deletion: None,
        ..controller_ref(Kind::StatefulSet, &set.meta)
    })
}

/// `getPersistentVolumeClaims` for one template: the claim of `ordinal`,
/// labelled with the set's matchLabels, bound at once.
pub fn new_claim(
    set: &StsView,
    template: &PersistentVolumeClaim,
    ordinal: i32,
    condemned: bool,
) -> PersistentVolumeClaim {
    let mut claim = template.clone();
    claim.metadata = ObjectMeta {
        name: Name::new(&claim_name(template, set, ordinal)),
        namespace: set.meta.namespace,
        labels: template.metadata.labels.clone(),
        annotations: template.metadata.annotations.clone(),
        ..ObjectMeta::default()
    };
    if let Some(sel) = set.spec.selector.spec() {
        for (k, v) in sel.match_labels.iter() {
            claim.metadata.labels = claim.metadata.labels.with(k, v);
        }
    }
    if let Some(r) = wanted_set_ref(set, condemned) {
        claim.metadata.owner_references.push(r);
    }
    claim.status.phase = PvcPhase::Bound;
    claim
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_parse_like_upstream() {
        assert_eq!(parent_and_ordinal("web-0"), Some(("web", 0)));
        assert_eq!(parent_and_ordinal("my-db-12"), Some(("my-db", 12)));
        assert_eq!(parent_and_ordinal("web"), None);
        assert_eq!(parent_and_ordinal("web-x1"), None);
        assert_eq!(parent_and_ordinal("web-"), None);
    }
}
