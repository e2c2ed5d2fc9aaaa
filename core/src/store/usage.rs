//! Per-namespace quota usage, kept up to date on every commit so that quota
//! admission costs O(1) in the number of objects.
//!
//! Pods are summed per scope class (Terminating, BestEffort, PriorityClass,
//! cross-namespace affinity: 16 classes), so a quota with scopes adds the
//! classes it selects. A pod being deleted still uses quota until its
//! deletion time passes (`QuotaV1Pod`), which depends on the clock: such
//! pods are kept apart, few and short-lived, and checked at admission time.
//! Terminal pods use nothing. Other kinds are summed per (kind, namespace).

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::feed::ObjectKey;
use crate::api::pod::{QosClass, qos_class};
use crate::api::resources::ResourceList;
use crate::api::{Kind, Object, Pod, PodSpec, Time};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::store::admission::quota::usage;

/// The scope class of a pod: bit 0 Terminating, 1 BestEffort, 2 has a
/// PriorityClass, 3 cross-namespace pod affinity.
pub type ScopeClass = u8;

/// Scope bit: `activeDeadlineSeconds` set.
pub const TERMINATING: ScopeClass = 1;
/// Scope bit: QoS BestEffort.
pub const BEST_EFFORT: ScopeClass = 2;
/// Scope bit: `priorityClassName` set.
pub const PRIORITY_CLASS: ScopeClass = 4;
/// Scope bit: a pod (anti-)affinity term names other namespaces.
pub const CROSS_NAMESPACE: ScopeClass = 8;

/// The scope class of a pod.
pub fn scope_class(pod: &Pod) -> ScopeClass {
    let spec = &pod.spec;
    let qos = if spec.derived.computed {
        spec.derived.qos
    } else {
        qos_class(spec)
    };
    let cross = spec.affinity.as_ref().is_some_and(|a| {
        [&a.pod_affinity, &a.pod_anti_affinity]
            .into_iter()
            .flatten()
            .any(|pa| {
                pa.required_during_scheduling_ignored_during_execution
                    .iter()
                    .chain(
                        pa.preferred_during_scheduling_ignored_during_execution
                            .iter()
                            .map(|w| &w.pod_affinity_term),
                    )
                    .any(|t| !t.namespaces.is_empty() || !t.namespace_selector.is_absent())
            })
    });
    let mut class = 0;
    if spec.active_deadline_seconds.is_some_and(|s| s >= 0) {
        class |= TERMINATING;
    }
    if qos == QosClass::BestEffort {
        class |= BEST_EFFORT;
    }
    if spec.priority_class_name.is_some() {
        class |= PRIORITY_CLASS;
    }
    if cross {
        class |= CROSS_NAMESPACE;
    }
    class
}

/// A pod being deleted: its deletion time, class and usage.
type Deleting = (Time, ScopeClass, ResourceList);

/// The cache.
#[derive(Default)]
pub struct UsageCache {
    objects: FxMap<(Kind, Symbol), ResourceList>,
    pods: FxMap<Symbol, [ResourceList; 16]>,
    /// Keyed by pod so that removing one is O(log n): a rollout of every
    /// Deployment has tens of thousands of pods terminating at once.
    deleting: FxMap<Symbol, BTreeMap<ObjectKey, Deleting>>,
    /// A pod's usage by the address of its spec (the pods of one template share it), the spec
    /// held so that the address stays its own: the usage is worked out once per template, not
    /// on every pod write.
    spec_usage: FxMap<usize, (Arc<PodSpec>, ResourceList)>,
}

/// Most specs whose usage is remembered at once.
const MAX_SPEC_USAGE: usize = 4096;

fn add_into(total: &mut ResourceList, u: &ResourceList, sign: i64) {
    for (k, v) in u.iter() {
        let cur = total.get_or_zero(k).saturating_add(sign.saturating_mul(v));
        if cur == 0 {
            total.remove(k);
        } else {
            total.set(k, cur);
        }
    }
}

/// What a pod contributes: nothing when terminal, live usage, or usage
/// until a deletion time.
enum PodEntry {
    None,
    Live(ScopeClass, ResourceList),
    Deleting(Time, ScopeClass, ResourceList),
}

impl UsageCache {
    /// `usage(pod, Kind::Pod)`, remembered per spec.
    fn spec_usage(&mut self, pod: &Pod) -> ResourceList {
        let addr = Arc::as_ptr(&pod.spec) as usize;
        if let Some((_, u)) = self.spec_usage.get(&addr) {
            return u.clone();
        }
        if self.spec_usage.len() >= MAX_SPEC_USAGE {
            self.spec_usage.clear();
        }
        let u = usage(pod, Kind::Pod);
        self.spec_usage.insert(addr, (Arc::clone(&pod.spec), u.clone()));
        u
    }

    fn pod_entry(&mut self, pod: &Pod) -> PodEntry {
        if pod.is_terminal() {
            return PodEntry::None;
        }
        let usage = self.spec_usage(pod);
        match pod.metadata.deletion_timestamp {
            Some(t) => PodEntry::Deleting(t, scope_class(pod), usage),
            None => PodEntry::Live(scope_class(pod), usage),
        }
    }

    /// Records a commit: `old` is replaced by `new` (either may be absent).
    pub fn update<T: Object>(&mut self, key: ObjectKey, old: Option<&T>, new: Option<&T>) {
        if T::KIND == Kind::Pod {
            let old = old.and_then(|o| (o as &dyn Any).downcast_ref::<Pod>());
            let new = new.and_then(|n| (n as &dyn Any).downcast_ref::<Pod>());
            if let (Some(a), Some(b)) = (old, new)
                && Arc::ptr_eq(&a.spec, &b.spec)
                && a.is_terminal() == b.is_terminal()
                && a.metadata.deletion_timestamp == b.metadata.deletion_timestamp
            {
                return;
            }
            if let Some(o) = old {
                self.pod(key, o, -1);
            }
            if let Some(n) = new {
                self.pod(key, n, 1);
            }
            return;
        }
        // Only Services and claims have usage that an update can change.
        let changes = matches!(T::KIND, Kind::Service | Kind::PersistentVolumeClaim);
        if old.is_some() && new.is_some() && !changes {
            return;
        }
        for (obj, sign) in [(old, -1), (new, 1)] {
            if let Some(o) = obj {
                let u = usage(o, T::KIND);
                let total = self.objects.entry((T::KIND, o.metadata().namespace)).or_default();
                add_into(total, &u, sign);
            }
        }
    }

    fn pod(&mut self, key: ObjectKey, pod: &Pod, sign: i64) {
        let ns = pod.metadata.namespace;
        match self.pod_entry(pod) {
            PodEntry::None => {}
            PodEntry::Live(class, u) => {
                let buckets = self.pods.entry(ns).or_default();
                add_into(&mut buckets[class as usize], &u, sign);
            }
            PodEntry::Deleting(t, class, u) => {
                let list = self.deleting.entry(ns).or_default();
                if sign > 0 {
                    list.insert(key, (t, class, u));
                } else {
                    list.remove(&key);
                }
            }
        }
    }

    /// The usage of `namespace`'s pods whose scope class `selects`, at `now`.
    pub fn pod_usage(
        &self,
        namespace: Symbol,
        now: Time,
        selects: impl Fn(ScopeClass) -> bool,
    ) -> ResourceList {
        let mut total = ResourceList::new();
        if let Some(buckets) = self.pods.get(&namespace) {
            for (class, u) in buckets.iter().enumerate() {
                if selects(class as ScopeClass) {
                    add_into(&mut total, u, 1);
                }
            }
        }
        for (t, class, u) in self.deleting.get(&namespace).into_iter().flat_map(|l| l.values()) {
            if now <= *t && selects(*class) {
                add_into(&mut total, u, 1);
            }
        }
        total
    }

    /// The usage of `namespace`'s objects of `kind` (not pods).
    pub fn object_usage(&self, kind: Kind, namespace: Symbol) -> ResourceList {
        self.objects.get(&(kind, namespace)).cloned().unwrap_or_default()
    }
}
