//! The store's secondary indexes, kept in step with every write:
//! pod and node labels (inverted), pods per namespace, pods per node,
//! dependents per owner uid, objects per uid, and the reverse index of
//! workload selectors per (kind, namespace).

use std::borrow::Cow;

use roaring::RoaringBitmap;

use super::arena::Key;
use super::feed::ObjectKey;
use crate::api::{Kind, Pod, Uid};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::index::LabelIndex;
use crate::labels::reverse::ReverseIndex;
use crate::labels::{Labels, Selector};

/// What of an object the indexes look at.
pub struct IndexView<'a> {
    /// The object's namespace.
    pub namespace: Symbol,
    /// The object's uid.
    pub uid: Uid,
    /// Owner uids from its owner references.
    pub owners: Vec<Uid>,
    /// Labels, for kinds with a label index (pods, nodes).
    pub labels: Option<&'a Labels>,
    /// The node a pod is bound to.
    pub node: Option<Symbol>,
    /// The pod selector, for kinds that select pods.
    pub selector: Option<Cow<'a, Selector>>,
    /// Whether no owner reference is a controller's.
    pub orphan: bool,
}

/// The kinds with a label index, and their slot in [`Indexes::labels`].
pub(super) const LABELLED: [Kind; 3] = [Kind::Pod, Kind::Node, Kind::ReplicaSet];

/// The label-index slot of `kind`, if it has one.
pub(super) fn label_slot(kind: Kind) -> Option<usize> {
    LABELLED.iter().position(|k| *k == kind)
}

/// All secondary indexes.
#[derive(Default)]
pub struct Indexes {
    /// Label indexes of pods, nodes and ReplicaSets (slots as [`LABELLED`]).
    pub(super) labels: [LabelIndex; 3],
    /// Slot indices per namespace, for the namespaced labelled kinds.
    pub(super) namespaces: [FxMap<Symbol, RoaringBitmap>; 3],
    pub(super) node_pods: FxMap<Symbol, Vec<Key<Pod>>>,
    pub(super) dependents: FxMap<Uid, Vec<ObjectKey>>,
    pub(super) uids: FxMap<Uid, ObjectKey>,
    pub(super) selectors: FxMap<(Kind, Symbol), ReverseIndex>,
    /// Pods and ReplicaSets without a controller per (kind, namespace): when a namespace has
    /// none, a controller's claim needs only what it already owns (no orphan to adopt).
    pub(super) orphans: FxMap<(Kind, Symbol), u32>,
}

impl Indexes {
    /// Brings the indexes from `old` to `new` for the object at `key`
    /// (`None` = absent before / after).
    pub(super) fn update(
        &mut self,
        key: ObjectKey,
        old: Option<&IndexView<'_>>,
        new: Option<&IndexView<'_>>,
    ) {
        let idx = key.index;
        // Owners -> dependents.
        let old_owners: &[Uid] = old.map_or(&[], |o| &o.owners);
        let new_owners: &[Uid] = new.map_or(&[], |n| &n.owners);
        if old_owners != new_owners {
            for uid in old_owners.iter().filter(|u| !new_owners.contains(u)) {
                if let Some(list) = self.dependents.get_mut(uid) {
                    if let Some(pos) = list.iter().position(|k| *k == key) {
                        list.swap_remove(pos);
                    }
                    if list.is_empty() {
                        self.dependents.remove(uid);
                    }
                }
            }
            for uid in new_owners.iter().filter(|u| !old_owners.contains(u)) {
                self.dependents.entry(*uid).or_default().push(key);
            }
        }
        // Uid -> key (pods are never owners, so they are not indexed).
        if key.kind != Kind::Pod {
            match (old, new) {
                (None, Some(n)) => {
                    self.uids.insert(n.uid, key);
                }
                (Some(o), None) => {
                    self.uids.remove(&o.uid);
                }
                _ => {}
            }
        }
        // Labels and namespace postings.
        if let Some(slot) = label_slot(key.kind) {
            let index = &mut self.labels[slot];
            match (old.and_then(|o| o.labels), new.and_then(|n| n.labels)) {
                (None, Some(l)) => index.insert(idx, l),
                (Some(l), None) => index.remove(idx, l),
                (Some(a), Some(b)) if a != b => index.update(idx, a, b),
                _ => {}
            }
            if key.kind.is_namespaced() {
                match (old, new) {
                    (None, Some(n)) => {
                        self.namespaces[slot].entry(n.namespace).or_default().insert(idx);
                    }
                    (Some(o), None) => {
                        if let Some(set) = self.namespaces[slot].get_mut(&o.namespace) {
                            set.remove(idx);
                        }
                    }
                    _ => {}
                }
            }
        }
        if matches!(key.kind, Kind::Pod | Kind::ReplicaSet) {
            // Orphans per (kind, namespace).
            let (was, is) = (old.filter(|o| o.orphan), new.filter(|n| n.orphan));
            if let Some(o) = was {
                let n = self.orphans.entry((key.kind, o.namespace)).or_default();
                *n -= 1;
                if *n == 0 {
                    self.orphans.remove(&(key.kind, o.namespace));
                }
            }
            if let Some(n) = is {
                *self.orphans.entry((key.kind, n.namespace)).or_default() += 1;
            }
        }
        if key.kind == Kind::Pod {
            // Node -> pods.
            let pod_key = Key::<Pod>::new(key.index, key.generation);
            let (old_node, new_node) = (old.and_then(|o| o.node), new.and_then(|n| n.node));
            if old_node != new_node {
                if let Some(node) = old_node
                    && let Some(list) = self.node_pods.get_mut(&node)
                {
                    if let Some(pos) = list.iter().position(|k| *k == pod_key) {
                        list.swap_remove(pos);
                    }
                    if list.is_empty() {
                        self.node_pods.remove(&node);
                    }
                }
                if let Some(node) = new_node {
                    self.node_pods.entry(node).or_default().push(pod_key);
                }
            }
        }
        // Workload selectors.
        let (old_sel, new_sel) = (
            old.and_then(|o| o.selector.as_deref()),
            new.and_then(|n| n.selector.as_deref()),
        );
        if old_sel != new_sel {
            if let Some(o) = old
                && old_sel.is_some()
                && let Some(rev) = self.selectors.get_mut(&(key.kind, o.namespace))
            {
                rev.remove(idx);
            }
            if let (Some(n), Some(sel)) = (new, new_sel) {
                self.selectors
                    .entry((key.kind, n.namespace))
                    .or_default()
                    .insert(idx, sel.clone());
            }
        }
    }

    /// Approximate heap bytes held by the pod-related indexes.
    pub(super) fn pod_index_bytes(&self) -> usize {
        let namespaces: usize = self.namespaces[0].values().map(|b| b.serialized_size()).sum();
        let node_pods: usize = self
            .node_pods
            .values()
            .map(|v| {
                v.capacity() * std::mem::size_of::<Key<Pod>>() + std::mem::size_of::<Vec<Key<Pod>>>() + 8
            })
            .sum();
        let dependents: usize = self
            .dependents
            .values()
            .map(|v| {
                v.capacity() * std::mem::size_of::<ObjectKey>() + std::mem::size_of::<Vec<ObjectKey>>() + 16
            })
            .sum();
        self.labels[0].heap_bytes() + namespaces + node_pods + dependents
    }
}
