//! A hook for audits that must look at the store at the moment a pod is
//! written (the invariant checker checks each binding and each
//! unschedulable verdict against the cluster as it was then), and, for the
//! checker's own tests, writes that bypass admission to build broken states.
//!
//! The store knows nothing of what the audit checks: it calls a plain
//! function after every committed pod update and keeps what it reports.

use super::{Key, Store, Stored};
use crate::api::{Pod, Time};

/// An audit of one committed pod update: the store after the write, the pod
/// before and after; it pushes (invariant, detail) pairs for what is wrong.
pub type PodAudit = fn(store: &Store, old: &Pod, new: &Pod, found: &mut Vec<(&'static str, String)>);

/// What an audit reported, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditFinding {
    /// A short stable name of the broken invariant.
    pub invariant: &'static str,
    /// What is wrong, naming the objects.
    pub detail: String,
    /// The simulated time of the write.
    pub at: Time,
}

impl Store {
    /// Installs (or removes) the audit run after every committed pod update.
    pub fn set_pod_audit(&mut self, audit: Option<PodAudit>) {
        self.pod_audit = audit;
    }

    /// Takes what the audit has reported so far.
    pub fn take_audit_findings(&mut self) -> Vec<AuditFinding> {
        std::mem::take(&mut self.audit_findings)
    }

    /// Runs the audit, if any, on a committed update of `key` from `old`.
    pub(super) fn audit_update<T: Stored>(&mut self, key: Key<T>, old: &T) {
        let Some(audit) = self.pod_audit else { return };
        let (Some(old), Some(new)) = (
            (old as &dyn std::any::Any).downcast_ref::<Pod>(),
            self.get(key)
                .and_then(|n| (n as &dyn std::any::Any).downcast_ref::<Pod>()),
        ) else {
            return;
        };
        let mut found = Vec::new();
        audit(self, old, new, &mut found);
        let at = self.now;
        self.audit_findings
            .extend(found.into_iter().map(|(invariant, detail)| AuditFinding {
                invariant,
                detail,
                at,
            }));
    }

    /// Edits an object with no admission at all (indexes, usage and the
    /// feed are kept in step): for building the broken states that the
    /// invariant checker's tests must see reported.
    #[doc(hidden)]
    #[cfg(any(test, feature = "testing"))]
    pub fn update_unchecked<T: Stored>(&mut self, key: Key<T>, f: impl FnOnce(&mut T)) {
        let Some(old) = self.get(key) else { return };
        let mut new = old.clone();
        f(&mut new);
        self.force_commit(key, new);
    }

    /// Drops `pod` from the node -> pods index only, so that the index and
    /// its scan disagree (for the checker's tests).
    #[doc(hidden)]
    #[cfg(any(test, feature = "testing"))]
    pub fn corrupt_node_index(&mut self, pod: Key<Pod>) {
        for list in self.indexes.node_pods.values_mut() {
            list.retain(|k| *k != pod);
        }
    }

    /// Forgets every orphan pod of `namespace` in the orphan count only (for the checker's
    /// tests: a claim would then miss pods to adopt).
    #[doc(hidden)]
    #[cfg(any(test, feature = "testing"))]
    pub fn corrupt_orphan_index(&mut self, namespace: crate::intern::Symbol) {
        self.indexes.orphans.remove(&(crate::api::Kind::Pod, namespace));
    }
}
