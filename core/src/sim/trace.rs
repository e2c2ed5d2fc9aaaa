//! The trace hash: a digest of every state change, in order, so that two
//! runs can be compared with one number. It covers, per change, the time,
//! the kind, namespace and name, the operation, and the fields that carry
//! the simulation's outcome (a pod's node, phase and readiness, a
//! workload's replica counts), plus every event. It hashes strings, never
//! symbol numbers or hash-map order.

use crate::api::{Deployment, Pod, ReplicaSet, Time};
use crate::events::Fnv;
use crate::store::{Change, ChangeOp, Store, typed_key};

/// Feeds one change into `h`.
pub fn hash_change(h: &mut Fnv, store: &Store, change: &Change, now: Time) {
    h.write_i64(now.millis());
    h.write_u64(change.resource_version);
    h.write(change.key.kind.name().as_bytes());
    let meta = match &change.op {
        ChangeOp::Deleted(obj) => {
            h.write(b"D");
            Some(obj.metadata())
        }
        op => {
            h.write(if matches!(op, ChangeOp::Added) { b"A" } else { b"M" });
            store.metadata_of(change.key)
        }
    };
    let Some(meta) = meta else { return };
    h.write(meta.namespace.as_str().as_bytes());
    let mut name = [0u8; 512];
    match meta.name.text(&mut name) {
        Some(bytes) => h.write(bytes),
        None => h.write(meta.name.to_string().as_bytes()),
    }
    h.write_u64(meta.generation as u64);
    if matches!(change.op, ChangeOp::Deleted(_)) {
        return;
    }
    if let Some(pod) = typed_key::<Pod>(change.key).and_then(|k| store.get(k)) {
        h.write(pod.node_name.map_or("", |n| n.as_str()).as_bytes());
        h.write(&[
            pod.status.phase as u8,
            u8::from(pod.is_ready()),
            u8::from(meta.deletion_timestamp.is_some()),
        ]);
        h.write_u64(u64::from(pod.status.restart_count));
    } else if let Some(rs) = typed_key::<ReplicaSet>(change.key).and_then(|k| store.get(k)) {
        for v in [
            rs.spec.replicas,
            rs.status.replicas,
            rs.status.ready_replicas,
            rs.status.available_replicas,
        ] {
            h.write_i64(i64::from(v));
        }
    } else if let Some(d) = typed_key::<Deployment>(change.key).and_then(|k| store.get(k)) {
        for v in [
            d.spec.replicas,
            d.status.replicas,
            d.status.updated_replicas,
            d.status.available_replicas,
        ] {
            h.write_i64(i64::from(v));
        }
    }
}
