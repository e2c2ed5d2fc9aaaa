//! What the store's pods cost in memory, for the README's bytes-per-pod
//! figure.

use super::Store;
use crate::api::Pod;

/// Bytes held for pods, by part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryReport {
    /// Number of pods.
    pub pods: usize,
    /// The pod arena's slots and the name index.
    pub table_bytes: usize,
    /// Heap the pods own privately (not shared with siblings).
    pub owned_heap_bytes: usize,
    /// Label, namespace, node and owner indexes.
    pub index_bytes: usize,
}

impl MemoryReport {
    /// All bytes.
    pub fn total(&self) -> usize {
        self.table_bytes + self.owned_heap_bytes + self.index_bytes
    }

    /// Bytes per pod.
    pub fn per_pod(&self) -> f64 {
        if self.pods == 0 {
            0.0
        } else {
            self.total() as f64 / self.pods as f64
        }
    }
}

/// Heap a pod owns that its siblings do not share: spilled owner references,
/// finalizers, a private spec (an `Arc` with one owner), a status message.
fn owned_heap(pod: &Pod) -> usize {
    let meta = &pod.metadata;
    let mut bytes = 0;
    if meta.owner_references.spilled() {
        bytes += meta.owner_references.capacity() * std::mem::size_of::<crate::api::OwnerReference>();
    }
    bytes += meta.finalizers.heap_bytes();
    if std::sync::Arc::strong_count(&pod.spec) == 1 {
        bytes += std::mem::size_of::<crate::api::PodSpec>();
    }
    if let Some(m) = &pod.status.message
        && std::sync::Arc::strong_count(m) == 1
    {
        bytes += m.len() + 16;
    }
    bytes
}

impl Store {
    /// Measures the bytes the store holds for its pods, indexes included.
    pub fn pod_memory(&self) -> MemoryReport {
        let pods = &self.tables.pods;
        MemoryReport {
            pods: pods.len(),
            table_bytes: pods.table_bytes(),
            owned_heap_bytes: pods.iter().map(|(_, p)| owned_heap(p)).sum(),
            index_bytes: self.indexes.pod_index_bytes(),
        }
    }
}
