//! Deployment arithmetic and bookkeeping
//! (`pkg/controller/deployment/util/deployment_util.go`): fenceposts,
//! revisions, annotations, the pod-template-hash, and the ReplicaSet
//! orderings the controller relies on.

use std::cmp::Ordering;
use std::sync::Arc;

use crate::api::meta::IntOrString;
use crate::api::pod::PodTemplateSpec;
use crate::api::workloads::DeploymentStrategyType;
use crate::api::{Deployment, ObjectMeta, ReplicaSet, Time};
use crate::intern::Symbol;
use crate::store::Key;

/// The revision annotation on Deployments and their ReplicaSets.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Earlier revisions of a reused ReplicaSet.
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// The Deployment's replicas when the ReplicaSet was last scaled.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// The Deployment's replicas + maxSurge when the ReplicaSet was last scaled.
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// `kubectl --record`'s annotation, shown by rollout history.
pub const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
/// Annotations a Deployment never copies to its ReplicaSets.
const SKIPPED_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "deprecated.deployment.rollback.to",
];

/// `ResolveFenceposts`: (surge, unavailable) for `desired` replicas; surge
/// rounds up, unavailable rounds down; both zero makes unavailable 1.
pub fn resolve_fenceposts(
    max_surge: Option<&IntOrString>,
    max_unavailable: Option<&IntOrString>,
    desired: i32,
) -> (i32, i32) {
    let zero = IntOrString::Int(0);
    let surge = max_surge
        .unwrap_or(&zero)
        .scaled_value(desired, true)
        .unwrap_or(0);
    let unavailable = max_unavailable
        .unwrap_or(&zero)
        .scaled_value(desired, false)
        .unwrap_or(0);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

fn is_rolling(d: &Deployment) -> bool {
    d.spec.strategy.type_ == DeploymentStrategyType::RollingUpdate
}

/// `MaxSurge`: 0 unless rolling.
pub fn max_surge(d: &Deployment) -> i32 {
    if !is_rolling(d) {
        return 0;
    }
    let ru = d.spec.strategy.rolling_update.as_ref();
    resolve_fenceposts(
        ru.and_then(|r| r.max_surge.as_ref()),
        ru.and_then(|r| r.max_unavailable.as_ref()),
        d.spec.replicas,
    )
    .0
}

/// `MaxUnavailable`: 0 unless rolling or when replicas is 0; at most replicas.
pub fn max_unavailable(d: &Deployment) -> i32 {
    if !is_rolling(d) || d.spec.replicas == 0 {
        return 0;
    }
    let ru = d.spec.strategy.rolling_update.as_ref();
    let (_, u) = resolve_fenceposts(
        ru.and_then(|r| r.max_surge.as_ref()),
        ru.and_then(|r| r.max_unavailable.as_ref()),
        d.spec.replicas,
    );
    u.min(d.spec.replicas)
}

/// What the controller knows about one of its ReplicaSets during a sync.
#[derive(Clone, Debug)]
pub struct RsInfo {
    /// The store key.
    pub key: Key<ReplicaSet>,
    /// Metadata (annotations, creation time, uid, name).
    pub meta: ObjectMeta,
    /// `spec.replicas`.
    pub replicas: i32,
    /// `status.replicas`.
    pub status_replicas: i32,
    /// `status.readyReplicas`.
    pub ready: i32,
    /// `status.availableReplicas`.
    pub available: i32,
    /// `status.observedGeneration`.
    pub observed_generation: i64,
    /// The pod template.
    pub template: PodTemplateSpec,
    /// `spec.minReadySeconds`.
    pub min_ready_seconds: i32,
}

impl RsInfo {
    /// Reads what a sync needs.
    pub fn of(key: Key<ReplicaSet>, rs: &ReplicaSet) -> RsInfo {
        RsInfo {
            key,
            meta: rs.metadata.clone(),
            replicas: rs.spec.replicas,
            status_replicas: rs.status.replicas,
            ready: rs.status.ready_replicas,
            available: rs.status.available_replicas,
            observed_generation: rs.status.observed_generation,
            template: rs.spec.template.clone(),
            min_ready_seconds: rs.spec.min_ready_seconds,
        }
    }

    /// The revision annotation (0 when absent or unparsable).
    pub fn revision(&self) -> i64 {
        revision_of(&self.meta)
    }
}

/// The revision annotation of `meta` (0 when absent or unparsable).
pub fn revision_of(meta: &ObjectMeta) -> i64 {
    meta.annotations
        .get(REVISION)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `ReplicaSetsByCreationTimestamp`: older first, then by name.
pub fn by_creation(a: &RsInfo, b: &RsInfo) -> Ordering {
    a.meta
        .creation_timestamp
        .cmp(&b.meta.creation_timestamp)
        .then_with(|| a.meta.name.cmp(&b.meta.name))
}

/// `ReplicaSetsBySizeNewer`: larger first; equal sizes newer first.
pub fn by_size_newer(a: &RsInfo, b: &RsInfo) -> Ordering {
    b.replicas.cmp(&a.replicas).then_with(|| by_creation(b, a))
}

/// `ReplicaSetsBySizeOlder`: larger first; equal sizes older first.
pub fn by_size_older(a: &RsInfo, b: &RsInfo) -> Ordering {
    b.replicas.cmp(&a.replicas).then_with(|| by_creation(a, b))
}

/// `ReplicaSetsByRevision`: lower revision first, then by creation.
pub fn by_revision(a: &RsInfo, b: &RsInfo) -> Ordering {
    a.revision().cmp(&b.revision()).then_with(|| by_creation(a, b))
}

/// `EqualIgnoreHash`: templates equal once `pod-template-hash` is dropped
/// from their labels.
pub fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    let la = a.metadata.labels.without(Symbol::POD_TEMPLATE_HASH);
    let lb = b.metadata.labels.without(Symbol::POD_TEMPLATE_HASH);
    la == lb
        && a.metadata.annotations == b.metadata.annotations
        && (Arc::ptr_eq(&a.spec, &b.spec) || a.spec == b.spec)
}

/// Characters of `rand.SafeEncodeString` (no vowels, no confusables).
const SAFE_ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `ComputeHash`: FNV-32a of the template (here its canonical JSON, where
/// Kubernetes hashes a `spew` dump, so the values differ from a real
/// cluster's while behaving the same) and the collision count, printed in
/// decimal and mapped through the safe alphabet (`6bdd4b58db`).
pub fn compute_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let json = serde_json::to_vec(template).unwrap_or_default();
    let mut h: u32 = 0x811c_9dc5;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u32::from(*b);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    feed(&json);
    if let Some(c) = collision_count {
        feed(&(c as u32).to_le_bytes());
    }
    h.to_string()
        .bytes()
        .map(|b| SAFE_ALPHANUMS[usize::from(b) % SAFE_ALPHANUMS.len()] as char)
        .collect()
}

/// `NewRSNewReplicas`: the new ReplicaSet's target size this sync.
pub fn new_rs_new_replicas(d: &Deployment, all_replicas: i32, new_replicas: i32) -> i32 {
    match d.spec.strategy.type_ {
        DeploymentStrategyType::RollingUpdate => {
            let max_total = d.spec.replicas + max_surge(d);
            if all_replicas >= max_total {
                return new_replicas;
            }
            let up = (max_total - all_replicas).min(d.spec.replicas - new_replicas);
            new_replicas + up
        }
        DeploymentStrategyType::Recreate => d.spec.replicas,
    }
}

/// An annotation as an integer.
pub fn int_annotation(meta: &ObjectMeta, key: &str) -> Option<i32> {
    meta.annotations.get(key)?.parse().ok()
}

/// `IsSaturated`: the ReplicaSet is the whole, available Deployment.
pub fn is_saturated(d: &Deployment, rs: &RsInfo) -> bool {
    int_annotation(&rs.meta, DESIRED_REPLICAS) == Some(d.spec.replicas)
        && rs.replicas == d.spec.replicas
        && rs.available == d.spec.replicas
}

/// Sets the desired/max replica annotations; returns whether they changed.
pub fn set_replicas_annotations(meta: &mut ObjectMeta, desired: i32, max: i32) -> bool {
    let mut changed = false;
    for (key, value) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        let v = value.to_string();
        if meta.annotations.get(key) != Some(v.as_str()) {
            meta.annotations.set(key, &v);
            changed = true;
        }
    }
    changed
}

/// `SetNewReplicaSetAnnotations`: copy the Deployment's annotations, set
/// the revision (appending a superseded one to the history), and the
/// replica annotations. Returns whether anything changed.
pub fn set_new_rs_annotations(d: &Deployment, rs: &mut ObjectMeta, new_revision: i64, exists: bool) -> bool {
    let mut changed = false;
    for (k, v) in d.metadata.annotations.iter() {
        if SKIPPED_ANNOTATIONS.contains(&k) || rs.annotations.get(k) == Some(v) {
            continue;
        }
        rs.annotations.set(k, v);
        changed = true;
    }
    let old = revision_of(rs);
    if old < new_revision {
        if exists && old > 0 {
            let history = match rs.annotations.get(REVISION_HISTORY) {
                Some(h) if !h.is_empty() => format!("{h},{old}"),
                _ => old.to_string(),
            };
            rs.annotations.set(REVISION_HISTORY, &history);
        }
        rs.annotations.set(REVISION, &new_revision.to_string());
        changed = true;
    }
    if !exists {
        set_replicas_annotations(rs, d.spec.replicas, d.spec.replicas + max_surge(d));
        changed = true;
    }
    changed
}

/// Progress deadline: `lastUpdate + deadline < now`.
pub fn timed_out(last_update: Time, deadline_seconds: i32, now: Time) -> bool {
    last_update.plus_secs(i64::from(deadline_seconds)) < now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(s: &str) -> IntOrString {
        IntOrString::String(Symbol::intern(s))
    }

    #[test]
    fn fenceposts_match_the_vectors() {
        assert_eq!(
            resolve_fenceposts(Some(&pct("25%")), Some(&pct("25%")), 4),
            (1, 1)
        );
        assert_eq!(
            resolve_fenceposts(Some(&pct("25%")), Some(&pct("25%")), 1),
            (1, 0)
        );
        assert_eq!(resolve_fenceposts(Some(&pct("1%")), Some(&pct("0%")), 2), (1, 0));
        assert_eq!(
            resolve_fenceposts(Some(&pct("25%")), Some(&pct("25%")), 0),
            (0, 1)
        );
        assert_eq!(
            resolve_fenceposts(Some(&IntOrString::Int(0)), Some(&IntOrString::Int(0)), 3),
            (0, 1)
        );
        assert_eq!(
            resolve_fenceposts(Some(&IntOrString::Int(3)), Some(&IntOrString::Int(2)), 10),
            (3, 2)
        );
    }

    #[test]
    fn hash_is_safe_encoded_and_stable() {
        let t = PodTemplateSpec::default();
        let h = compute_hash(&t, None);
        assert!(h.bytes().all(|b| SAFE_ALPHANUMS.contains(&b)));
        assert_eq!(h, compute_hash(&t, None));
        assert_ne!(h, compute_hash(&t, Some(1)));
    }
}
