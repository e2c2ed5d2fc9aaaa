//! Pod bookkeeping shared by the workload and service controllers:
//! `ClaimPods` (adoption and release, `controller_ref_manager.go`) and a
//! pod-to-selector membership map for controllers that must find the owners
//! a pod *used to* match after its labels change.

use smallvec::SmallVec;

use super::{Ctx, controller_ref};
use crate::api::{Kind, ObjectMeta, Pod};
use crate::collections::FxMap;
use crate::labels::Selector;
use crate::store::{Key, ObjectKey, typed_key};

/// `ClaimPods`: the pods `owner` (of `kind`) controls after adopting
/// matching orphans and releasing owned pods that no longer match.
/// `member` is an extra filter (the StatefulSet's `isMemberOf`); a pod
/// matches when the selector and the filter both accept it. Returned in
/// key order.
pub fn claim_pods(
    ctx: &mut Ctx<'_>,
    kind: Kind,
    owner: &ObjectMeta,
    selector: &Selector,
    member: &dyn Fn(&Pod) -> bool,
) -> Vec<Key<Pod>> {
    let mut candidates = ctx.store.select_pods(owner.namespace, selector);
    candidates.extend(
        ctx.store
            .dependents(owner.uid)
            .iter()
            .filter_map(|k| typed_key::<Pod>(*k)),
    );
    candidates.sort();
    candidates.dedup();
    let can_adopt = owner.deletion_timestamp.is_none();
    let mut owned = Vec::with_capacity(candidates.len());
    for key in candidates {
        let Some(pod) = ctx.store.get(key) else { continue };
        let matches = selector.matches(&pod.metadata.labels) && member(pod);
        match pod.metadata.controller_ref() {
            Some(r) if r.uid == owner.uid => {
                if matches {
                    owned.push(key);
                } else if pod.metadata.deletion_timestamp.is_none() {
                    let uid = owner.uid;
                    let _ = ctx
                        .store
                        .update(key, |p| p.metadata.owner_references.retain(|r| r.uid != uid));
                }
            }
            Some(_) => {}
            None => {
                if matches && can_adopt && pod.metadata.deletion_timestamp.is_none() {
                    let reference = controller_ref(kind, owner);
                    if ctx
                        .store
                        .update(key, |p| p.metadata.owner_references.push(reference))
                        .is_ok()
                    {
                        owned.push(key);
                    }
                }
            }
        }
    }
    owned
}

/// Which selector owners (Services, PodDisruptionBudgets) each pod belonged
/// to at their last sync, so a pod whose labels change wakes the owners it
/// left as well as those it joins.
#[derive(Default)]
pub struct Membership {
    by_pod: FxMap<Key<Pod>, SmallVec<[ObjectKey; 2]>>,
    by_owner: FxMap<ObjectKey, Vec<Key<Pod>>>,
}

impl Membership {
    /// The owners `pod` belonged to.
    pub fn owners_of(&self, pod: Key<Pod>) -> &[ObjectKey] {
        self.by_pod.get(&pod).map_or(&[], |v| v.as_slice())
    }

    /// Records that `owner` now has exactly `pods`.
    pub fn set(&mut self, owner: ObjectKey, pods: Vec<Key<Pod>>) {
        let old = self.by_owner.remove(&owner).unwrap_or_default();
        for p in &old {
            if let Some(list) = self.by_pod.get_mut(p) {
                list.retain(|o| *o != owner);
                if list.is_empty() {
                    self.by_pod.remove(p);
                }
            }
        }
        for p in &pods {
            let list = self.by_pod.entry(*p).or_default();
            if !list.contains(&owner) {
                list.push(owner);
            }
        }
        if !pods.is_empty() {
            self.by_owner.insert(owner, pods);
        }
    }

    /// Forgets `owner`.
    pub fn remove_owner(&mut self, owner: ObjectKey) {
        self.set(owner, Vec::new());
    }
}

/// The watch side of `ClaimPods`, shared by the controllers that own pods
/// through a selector: a changed pod wakes its controller owner of kind
/// `T`, and a live orphan wakes every `T` whose selector matches it (each
/// one a candidate adopter).
pub fn enqueue_for_pod<T: crate::store::Stored>(
    store: &crate::store::Store,
    change: &crate::store::Change,
    enqueue: &mut dyn FnMut(ObjectKey),
) {
    use crate::api::Object;
    use crate::store::{ChangeOp, object_key};
    let deleted = matches!(change.op, ChangeOp::Deleted(_));
    let pod = match &change.op {
        ChangeOp::Deleted(obj) => Pod::from_any_ref(obj),
        _ => typed_key::<Pod>(change.key).and_then(|k| store.get(k)),
    };
    let Some(pod) = pod else { return };
    if pod.metadata.controller_ref().is_some() {
        if let Some(owner) = super::owner_key(store, &pod.metadata, T::KIND) {
            enqueue(owner);
        }
    } else if !deleted {
        for key in store.selecting::<T>(pod.metadata.namespace, &pod.metadata.labels) {
            enqueue(object_key(key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn okey(i: u32) -> ObjectKey {
        ObjectKey {
            kind: Kind::Service,
            index: i,
            generation: 0,
        }
    }

    #[test]
    fn membership_tracks_joins_and_leaves() {
        let mut m = Membership::default();
        let (p1, p2) = (Key::<Pod>::new(1, 0), Key::<Pod>::new(2, 0));
        m.set(okey(1), vec![p1, p2]);
        m.set(okey(2), vec![p1]);
        assert_eq!(m.owners_of(p1), &[okey(1), okey(2)]);
        m.set(okey(1), vec![p2]);
        assert_eq!(m.owners_of(p1), &[okey(2)]);
        m.remove_owner(okey(2));
        assert!(m.owners_of(p1).is_empty());
        assert_eq!(m.owners_of(p2), &[okey(1)]);
    }
}
