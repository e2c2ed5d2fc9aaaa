//! The store: kubesim's API server.
//!
//! Objects of each kind live in a typed generational arena (a [`Key<T>`] per
//! kind) with a (namespace, name) index. Secondary indexes answer the
//! questions controllers and the scheduler ask (which pods match this
//! selector, which pods are on this node, which objects does this uid own,
//! which ReplicaSets select this pod) without scanning. Every write goes
//! through [`admission`] and is recorded in the change [`feed`] that
//! consumers read through cursors.
//!
//! **Architecture invariant**: the store knows nothing of controllers, the
//! scheduler or the kubelet; they read it and write back through the same
//! admission path as a user.

pub mod admission;
pub mod allocators;
mod apply;
pub mod arena;
mod audit;
mod binding;
mod consistency;
mod error;
pub mod feed;
mod fingerprint;
mod indexes;
mod kinds;
mod memory;
mod table;
#[cfg(test)]
mod tests;
pub mod usage;

use std::any::Any;

pub use apply::Apply;
pub use arena::Key;
pub use audit::{AuditFinding, PodAudit};
pub use error::ApiError;
pub use feed::{Change, ChangeOp, Cursor, ObjectKey};
pub use kinds::{Indexed, Stored, Tables, object_key, typed_key};
pub use memory::MemoryReport;
pub use table::Table;

use admission::{Admission, Admit, Operation};
use feed::Feed;
use indexes::Indexes;
use kinds::view;

use crate::api::config::NamespacePhase;
use crate::api::name::Name;
use crate::api::*;
use crate::field::FieldError;
use crate::intern::Symbol;
use crate::labels::{Labels, Selector};
use crate::rng::{Rng, mix64};

/// Finalizer that makes the garbage collector orphan the dependents first.
pub const FINALIZER_ORPHAN: &str = "orphan";
/// Finalizer that makes the garbage collector delete the dependents first.
pub const FINALIZER_FOREGROUND: &str = "foregroundDeletion";
/// Finalizer that makes the namespace controller empty a namespace first.
pub const FINALIZER_NAMESPACE: &str = "kubernetes";

/// How a deletion treats the object's dependents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Propagation {
    /// Delete the owner now; the garbage collector deletes the dependents
    /// afterwards (the default).
    #[default]
    Background,
    /// Delete the dependents first, then the owner.
    Foreground,
    /// Release the dependents (remove their owner references), then delete
    /// the owner: `kubectl delete --cascade=orphan` (formerly `--cascade=false`).
    Orphan,
}

/// Options of a delete.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    /// How dependents are treated (default Background).
    pub propagation: Option<Propagation>,
    /// For pods: the grace period; 0 removes the pod at once. Default: the
    /// pod's `terminationGracePeriodSeconds`.
    pub grace_period_seconds: Option<i64>,
}

impl DeleteOptions {
    /// Deletion with a propagation policy.
    pub fn propagation(p: Propagation) -> DeleteOptions {
        DeleteOptions {
            propagation: Some(p),
            grace_period_seconds: None,
        }
    }

    /// Immediate removal (grace period 0).
    pub fn now() -> DeleteOptions {
        DeleteOptions {
            propagation: None,
            grace_period_seconds: Some(0),
        }
    }
}

/// The API server's state.
pub struct Store {
    pub(crate) tables: Tables,
    indexes: Indexes,
    feed: Feed,
    pub(crate) allocators: allocators::Allocators,
    pub(crate) usage: usage::UsageCache,
    rng: Rng,
    uid_offset: u64,
    uid_counter: u64,
    resource_version: u64,
    now: Time,
    pod_audit: Option<PodAudit>,
    audit_findings: Vec<AuditFinding>,
}

impl Store {
    /// An empty store whose uids and generated names derive from `seed`, with
    /// the namespaces every cluster has (`default`, `kube-system`,
    /// `kube-public`, `kube-node-lease`).
    pub fn new(seed: u64) -> Store {
        let mut store = Store {
            tables: Tables::default(),
            indexes: Indexes::default(),
            feed: Feed::default(),
            allocators: allocators::Allocators::default(),
            usage: usage::UsageCache::default(),
            rng: Rng::derive(seed, 0x5701e),
            uid_offset: mix64(seed ^ 0x01d5),
            uid_counter: 0,
            resource_version: 0,
            now: Time::ZERO,
            pod_audit: None,
            audit_findings: Vec::new(),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let namespace = Namespace {
                metadata: ObjectMeta::named("", ns),
                ..Namespace::default()
            };
            store.create(namespace).expect("built-in namespaces are valid");
        }
        store
    }

    /// The current simulated time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// Advances the clock (it never goes back).
    pub fn set_now(&mut self, now: Time) {
        self.now = self.now.max(now);
    }

    /// The resourceVersion of the last write.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// The table of kind `T`.
    pub fn table<T: Stored>(&self) -> &Table<T> {
        T::table(&self.tables)
    }

    /// The object at `key`.
    pub fn get<T: Stored>(&self, key: Key<T>) -> Option<&T> {
        T::table(&self.tables).get(key)
    }

    /// The key of `namespace/name` (namespace `""` for cluster-scoped kinds).
    pub fn lookup<T: Stored>(&self, namespace: &str, name: &str) -> Option<Key<T>> {
        let ns = Symbol::lookup(namespace)?;
        let name = Name::lookup(name)?;
        T::table(&self.tables).lookup(ns, &name)
    }

    /// The key of `namespace/name` by symbol and name.
    pub fn lookup_name<T: Stored>(&self, namespace: Symbol, name: &Name) -> Option<Key<T>> {
        T::table(&self.tables).lookup(namespace, name)
    }

    /// The object `namespace/name`.
    pub fn get_named<T: Stored>(&self, namespace: &str, name: &str) -> Option<&T> {
        self.lookup::<T>(namespace, name).and_then(|k| self.get(k))
    }

    /// All objects of kind `T`, in slot order.
    pub fn iter<T: Stored>(&self) -> impl Iterator<Item = (Key<T>, &T)> {
        T::table(&self.tables).iter()
    }

    /// How many objects of kind `T` exist.
    pub fn count<T: Stored>(&self) -> usize {
        T::table(&self.tables).len()
    }

    /// The metadata of any object.
    pub fn metadata_of(&self, key: ObjectKey) -> Option<&ObjectMeta> {
        fn go<T: Stored>(store: &Store, key: ObjectKey) -> Option<&ObjectMeta> {
            store.get(typed_key::<T>(key)?).map(Object::metadata)
        }
        dispatch_kind!(key.kind, go(self, key))
    }

    /// A copy of any object.
    pub fn get_any(&self, key: ObjectKey) -> Option<AnyObject> {
        fn go<T: Stored>(store: &Store, key: ObjectKey) -> Option<AnyObject> {
            store.get(typed_key::<T>(key)?).map(|o| o.clone().into_any())
        }
        dispatch_kind!(key.kind, go(self, key))
    }

    /// Whether `namespace` has a pod without a controller (one a controller could adopt).
    pub fn has_orphan_pods(&self, namespace: Symbol) -> bool {
        self.indexes.orphans.contains_key(&(Kind::Pod, namespace))
    }

    /// Whether `namespace` has a ReplicaSet without a controller (one a Deployment could
    /// adopt).
    pub fn has_orphan_replica_sets(&self, namespace: Symbol) -> bool {
        self.indexes.orphans.contains_key(&(Kind::ReplicaSet, namespace))
    }

    /// The objects whose owner references name `uid`, in no particular order.
    pub fn dependents(&self, uid: Uid) -> &[ObjectKey] {
        self.indexes.dependents.get(&uid).map_or(&[], Vec::as_slice)
    }

    /// The object with `uid` (every kind but pods, which own nothing).
    pub fn key_of_uid(&self, uid: Uid) -> Option<ObjectKey> {
        self.indexes.uids.get(&uid).copied()
    }

    /// Pods bound to `node`, in no particular order.
    pub fn pods_on_node(&self, node: Symbol) -> &[Key<Pod>] {
        self.indexes.node_pods.get(&node).map_or(&[], Vec::as_slice)
    }

    /// Pods in `namespace` whose labels match `selector`, in slot order,
    /// through the inverted label index.
    pub fn select_pods(&self, namespace: Symbol, selector: &Selector) -> Vec<Key<Pod>> {
        self.select::<Pod>(namespace, selector)
    }

    /// Objects of a labelled kind (pods, ReplicaSets) in `namespace` whose
    /// labels match `selector`, in slot order, through the inverted label
    /// index. Empty for kinds without a label index.
    pub fn select<T: Stored>(&self, namespace: Symbol, selector: &Selector) -> Vec<Key<T>> {
        let Some(slot) = indexes::label_slot(T::KIND) else {
            return Vec::new();
        };
        let Some(scope) = self.indexes.namespaces[slot].get(&namespace) else {
            return Vec::new();
        };
        let ids = self.indexes.labels[slot].query_within(selector, scope);
        let table = T::table(&self.tables);
        ids.iter().filter_map(|i| table.key_at(i)).collect()
    }

    /// Nodes whose labels match `selector`, in slot order.
    pub fn select_nodes(&self, selector: &Selector) -> Vec<Key<Node>> {
        let ids = self.indexes.labels[1].query(selector);
        let table = &self.tables.nodes;
        ids.iter().filter_map(|i| table.key_at(i)).collect()
    }

    /// Objects of kind `T` in `namespace` whose pod selector matches
    /// `labels` (through the reverse selector index), in slot order.
    pub fn selecting<T: Stored>(&self, namespace: Symbol, labels: &Labels) -> Vec<Key<T>> {
        let Some(rev) = self.indexes.selectors.get(&(T::KIND, namespace)) else {
            return Vec::new();
        };
        let table = T::table(&self.tables);
        rev.matching(labels)
            .into_iter()
            .filter_map(|i| table.key_at(i))
            .collect()
    }

    /// A cursor that sees every change from now on.
    pub fn watch(&mut self) -> Cursor {
        self.feed.watch()
    }

    /// Releases a cursor.
    pub fn unwatch(&mut self, cursor: Cursor) {
        self.feed.unwatch(cursor);
    }

    /// Changes the cursor has not seen.
    pub fn changes(&self, cursor: &Cursor) -> &[Change] {
        self.feed.pending(cursor)
    }

    /// Whether the cursor has unseen changes.
    pub fn has_changes(&self, cursor: &Cursor) -> bool {
        self.feed.has_pending(cursor)
    }

    /// Marks the first `n` unseen changes as seen.
    pub fn advance(&mut self, cursor: &Cursor, n: usize) {
        self.feed.advance(cursor, n);
    }

    /// Marks every change as seen.
    pub fn ack(&mut self, cursor: &Cursor) {
        self.feed.ack_all(cursor);
    }

    /// The uid the next create gets and the counter after it, without
    /// committing it (admission sees the uid; a refused write must not
    /// advance the counter).
    fn peek_uid(&self) -> (Uid, u64) {
        let mut counter = self.uid_counter;
        loop {
            counter += 1;
            let uid = mix64(counter.wrapping_add(self.uid_offset));
            if uid != 0 {
                return (Uid(uid), counter);
            }
        }
    }

    fn admission(&self, operation: Operation) -> Admission<'_> {
        Admission {
            store: self,
            rng: self.rng.clone(),
            operation,
            allocators: None,
            deferred: Vec::new(),
        }
    }

    fn namespace_check<T: Stored>(&self, meta: &ObjectMeta) -> Result<(), ApiError> {
        if !T::KIND.is_namespaced() {
            return Ok(());
        }
        let ns = &self.tables.namespaces;
        let found = ns
            .lookup(Symbol::EMPTY, &Name::from_symbol(meta.namespace))
            .and_then(|k| ns.get(k));
        match found {
            None => Err(ApiError::NotFound {
                kind: Kind::Namespace,
                name: meta.namespace.as_str().to_owned(),
            }),
            Some(n) if n.status.phase == NamespacePhase::Terminating => Err(ApiError::Forbidden {
                kind: T::KIND,
                name: meta.name.to_string(),
                message: format!(
                    "unable to create new content in namespace {} because it is being terminated",
                    meta.namespace
                ),
            }),
            Some(_) => Ok(()),
        }
    }

    /// Creates an object through admission. On error nothing changes.
    pub fn create<T: Stored>(&mut self, mut obj: T) -> Result<Key<T>, ApiError> {
        let kind = T::KIND;
        {
            let meta = obj.metadata_mut();
            if kind.is_namespaced() {
                if meta.namespace.is_empty() {
                    meta.namespace = Symbol::DEFAULT;
                }
            } else {
                meta.namespace = Symbol::EMPTY;
            }
        }
        self.namespace_check::<T>(obj.metadata())?;
        let mut adm = self.admission(Operation::Create);
        if obj.metadata().name.is_empty()
            && let Some(prefix) = obj.metadata().generate_name
        {
            let table = T::table(&self.tables);
            let base = truncate_generate_name(prefix);
            let ns = obj.metadata().namespace;
            let rng = &mut adm.rng;
            let mut name = Name::generated(base, || rng.index(27));
            for _ in 0..16 {
                if table.lookup(ns, &name).is_none() {
                    break;
                }
                name = Name::generated(base, || rng.index(27));
            }
            obj.metadata_mut().name = name;
        }
        let name = obj.metadata().name;
        if !name.is_empty()
            && T::table(&self.tables)
                .lookup(obj.metadata().namespace, &name)
                .is_some()
        {
            return Err(ApiError::AlreadyExists {
                kind,
                name: name.to_string(),
            });
        }
        // The uid is known to admission (a Job's generated selector names it)
        // but the counter only advances on commit.
        let (uid, uid_counter) = self.peek_uid();
        obj.metadata_mut().uid = uid;
        obj.admit_defaults(&mut adm);
        let mut errors = admission::validate_object_meta(
            obj.metadata(),
            kind.is_namespaced(),
            <T as Admit>::validate_name,
        );
        errors.extend(obj.validate(&adm));
        if !errors.is_empty() {
            return Err(ApiError::invalid(kind, name, errors));
        }
        admission::validating_plugins(&obj, None, &adm).map_err(|message| ApiError::Forbidden {
            kind,
            name: name.to_string(),
            message,
        })?;
        let Admission { rng, allocators, .. } = adm;
        obj.mark_validated();
        self.rng = rng;
        if let Some(a) = allocators {
            self.allocators = a;
        }
        self.uid_counter = uid_counter;
        self.resource_version += 1;
        let now = self.now;
        let rv = self.resource_version;
        let meta = obj.metadata_mut();
        meta.uid = uid;
        meta.creation_timestamp = now;
        meta.resource_version = rv;
        meta.generation = 1;
        meta.deletion_timestamp = None;
        let key = T::table_mut(&mut self.tables).insert(obj);
        let okey = object_key(key);
        let stored = T::table(&self.tables).get(key).expect("just inserted");
        self.indexes.update(okey, None, Some(&view(stored)));
        self.usage.update(okey, None, Some(stored));
        self.feed.push(Change {
            resource_version: rv,
            key: okey,
            op: ChangeOp::Added,
        });
        Ok(key)
    }

    /// Creates an object of any kind.
    pub fn create_any(&mut self, obj: AnyObject) -> Result<ObjectKey, ApiError> {
        fn go<T: Stored>(store: &mut Store, obj: AnyObject) -> Result<ObjectKey, ApiError> {
            match T::from_any(obj) {
                Ok(o) => store.create(o).map(object_key),
                Err(_) => unreachable!("kind checked by the caller"),
            }
        }
        dispatch_kind!(obj.kind(), go(self, obj))
    }

    /// Changes an object through admission: `f` edits a copy, admission
    /// validates the change, and only then is it committed. On error nothing
    /// changes.
    pub fn update<T: Stored>(&mut self, key: Key<T>, f: impl FnOnce(&mut T)) -> Result<(), ApiError> {
        let old = self.get(key).ok_or_else(|| ApiError::NotFound {
            kind: T::KIND,
            name: format!("{key:?}"),
        })?;
        let mut new = old.clone();
        f(&mut new);
        self.commit_update(key, new)
    }

    /// Replaces an object through admission (the object must be `key`'s).
    pub fn replace<T: Stored>(&mut self, key: Key<T>, new: T) -> Result<(), ApiError> {
        if self.get(key).is_none() {
            return Err(ApiError::NotFound {
                kind: T::KIND,
                name: new.metadata().name.to_string(),
            });
        }
        self.commit_update(key, new)
    }

    fn commit_update<T: Stored>(&mut self, key: Key<T>, mut new: T) -> Result<(), ApiError> {
        let old = self.get(key).expect("checked by the caller");
        let name = old.metadata().name;
        let mut adm = self.admission(Operation::Update);
        new.admit_defaults(&mut adm);
        let mut errors = admission::meta::validate_object_meta_update(new.metadata(), old.metadata());
        if new.metadata().labels != old.metadata().labels {
            errors.extend(
                new.metadata()
                    .labels
                    .validate(&crate::field::FieldPath::new("metadata.labels")),
            );
        }
        if new.metadata().owner_references != old.metadata().owner_references {
            errors.extend(
                admission::validate_object_meta(new.metadata(), T::KIND.is_namespaced(), |_| Vec::new())
                    .into_iter()
                    .filter(|e| e.field.as_str().starts_with("metadata.ownerReferences")),
            );
        }
        errors.extend(new.validate_update(old, &adm));
        if !errors.is_empty() {
            return Err(ApiError::invalid(T::KIND, name, errors));
        }
        admission::validating_plugins(&new, Some(old), &adm).map_err(|message| ApiError::Forbidden {
            kind: T::KIND,
            name: name.to_string(),
            message,
        })?;
        let Admission { rng, allocators, .. } = adm;
        new.mark_validated();
        let spec_changed = new.spec_changed(old);
        let finalized = new.metadata().deletion_timestamp.is_some()
            && new.metadata().finalizers.is_empty()
            && !old.metadata().finalizers.is_empty();
        self.rng = rng;
        if let Some(a) = allocators {
            self.allocators = a;
        }
        self.resource_version += 1;
        let rv = self.resource_version;
        let meta = new.metadata_mut();
        meta.resource_version = rv;
        if spec_changed {
            meta.generation += 1;
        }
        if finalized {
            self.remove(key);
            return Ok(());
        }
        let okey = object_key(key);
        let table = T::table_mut(&mut self.tables);
        let slot = table.arena.get_mut(key).expect("checked by the caller");
        let old = std::mem::replace(slot, new);
        let stored = T::table(&self.tables).get(key).expect("present");
        self.indexes.update(okey, Some(&view(&old)), Some(&view(stored)));
        self.usage.update(okey, Some(&old), Some(stored));
        self.feed.push(Change {
            resource_version: rv,
            key: okey,
            op: ChangeOp::Modified,
        });
        self.audit_update(key, &old);
        Ok(())
    }

    /// Deletes an object: at once, or by marking it (deletionTimestamp) when
    /// finalizers, a propagation policy or a pod's grace period ask for it.
    pub fn delete<T: Stored>(&mut self, key: Key<T>, opts: DeleteOptions) -> Result<(), ApiError> {
        let old = self.get(key).ok_or_else(|| ApiError::NotFound {
            kind: T::KIND,
            name: format!("{key:?}"),
        })?;
        let mut new = old.clone();
        let now = self.now;
        let meta = new.metadata_mut();
        match opts.propagation.unwrap_or_default() {
            Propagation::Background => {}
            Propagation::Orphan => {
                meta.finalizers.retain(|f| f.as_str() != FINALIZER_FOREGROUND);
                if !meta.has_finalizer(FINALIZER_ORPHAN) {
                    meta.finalizers.push(Symbol::intern(FINALIZER_ORPHAN));
                }
            }
            Propagation::Foreground => {
                meta.finalizers.retain(|f| f.as_str() != FINALIZER_ORPHAN);
                if !meta.has_finalizer(FINALIZER_FOREGROUND) {
                    meta.finalizers.push(Symbol::intern(FINALIZER_FOREGROUND));
                }
            }
        }
        let grace = (&new as &dyn Any).downcast_ref::<Pod>().and_then(|pod| {
            let g = opts
                .grace_period_seconds
                .or(pod.spec.termination_grace_period_seconds)
                .unwrap_or(admission::pod_grace_default());
            (pod.node_name.is_some() && g > 0).then_some(g)
        });
        new.begin_deletion();
        let meta = new.metadata_mut();
        if meta.finalizers.is_empty() && grace.is_none() {
            self.remove(key);
            return Ok(());
        }
        if meta.deletion_timestamp.is_none() {
            meta.deletion_timestamp = Some(now.plus_secs(grace.unwrap_or(0)));
        }
        self.force_commit(key, new);
        Ok(())
    }

    /// Deletes any object.
    pub fn delete_any(&mut self, key: ObjectKey, opts: DeleteOptions) -> Result<(), ApiError> {
        fn go<T: Stored>(store: &mut Store, opts: DeleteOptions, key: ObjectKey) -> Result<(), ApiError> {
            store.delete(typed_key::<T>(key).expect("kind dispatched"), opts)
        }
        dispatch_kind!(key.kind, go(self, opts, key))
    }

    /// Edits the metadata of any object through admission (the garbage
    /// collector's patches: owner references and finalizers).
    pub fn update_metadata(
        &mut self,
        key: ObjectKey,
        f: impl FnOnce(&mut ObjectMeta),
    ) -> Result<(), ApiError> {
        fn go<T: Stored>(
            store: &mut Store,
            f: &mut dyn FnMut(&mut ObjectMeta),
            key: ObjectKey,
        ) -> Result<(), ApiError> {
            store.update(typed_key::<T>(key).expect("kind dispatched"), |o| {
                f(o.metadata_mut())
            })
        }
        let mut f = Some(f);
        let mut call = |m: &mut ObjectMeta| {
            if let Some(f) = f.take() {
                f(m);
            }
        };
        dispatch_kind!(key.kind, go(self, &mut call, key))
    }

    /// Commits without admission: only deletion marking, which admission
    /// would refuse as a change of deletionTimestamp.
    fn force_commit<T: Stored>(&mut self, key: Key<T>, mut new: T) {
        self.resource_version += 1;
        let rv = self.resource_version;
        new.metadata_mut().resource_version = rv;
        let okey = object_key(key);
        let slot = T::table_mut(&mut self.tables)
            .arena
            .get_mut(key)
            .expect("present");
        let old = std::mem::replace(slot, new);
        let stored = T::table(&self.tables).get(key).expect("present");
        self.indexes.update(okey, Some(&view(&old)), Some(&view(stored)));
        self.usage.update(okey, Some(&old), Some(stored));
        self.feed.push(Change {
            resource_version: rv,
            key: okey,
            op: ChangeOp::Modified,
        });
    }

    fn remove<T: Stored>(&mut self, key: Key<T>) {
        let Some(obj) = T::table_mut(&mut self.tables).remove(key) else {
            return;
        };
        obj.release(&mut self.allocators);
        self.resource_version += 1;
        let okey = object_key(key);
        self.indexes.update(okey, Some(&view(&obj)), None);
        self.usage.update(okey, Some(&obj), None);
        self.feed.push(Change {
            resource_version: self.resource_version,
            key: okey,
            op: ChangeOp::Deleted(Box::new(obj.into_any())),
        });
    }

    /// Field errors of `obj` as a create would report them, without
    /// creating it.
    pub fn dry_run<T: Stored>(&self, mut obj: T) -> Vec<FieldError> {
        let mut adm = self.admission(Operation::Create);
        obj.metadata_mut().uid = self.peek_uid().0;
        obj.admit_defaults(&mut adm);
        let mut errors = admission::validate_object_meta(
            obj.metadata(),
            T::KIND.is_namespaced(),
            <T as Admit>::validate_name,
        );
        errors.extend(obj.validate(&adm));
        errors
    }
}

/// `generateName` is truncated to 58 characters before the 5-character
/// suffix (apiserver `names.SimpleNameGenerator`).
fn truncate_generate_name(prefix: Symbol) -> Symbol {
    let s = prefix.as_str();
    if s.len() > 58 {
        let mut end = 58;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        Symbol::intern(&s[..end])
    } else {
        prefix
    }
}

/// Calls `$f::<T>(args...)` for the type of `$kind`.
macro_rules! dispatch_kind {
    ($kind:expr, $f:ident ( $($arg:expr),* )) => {
        match $kind {
            Kind::Namespace => $f::<Namespace>($($arg),*),
            Kind::Node => $f::<Node>($($arg),*),
            Kind::Pod => $f::<Pod>($($arg),*),
            Kind::ReplicaSet => $f::<ReplicaSet>($($arg),*),
            Kind::Deployment => $f::<Deployment>($($arg),*),
            Kind::DaemonSet => $f::<DaemonSet>($($arg),*),
            Kind::StatefulSet => $f::<StatefulSet>($($arg),*),
            Kind::Job => $f::<Job>($($arg),*),
            Kind::CronJob => $f::<CronJob>($($arg),*),
            Kind::Service => $f::<Service>($($arg),*),
            Kind::Endpoints => $f::<Endpoints>($($arg),*),
            Kind::ConfigMap => $f::<ConfigMap>($($arg),*),
            Kind::Secret => $f::<Secret>($($arg),*),
            Kind::ServiceAccount => $f::<ServiceAccount>($($arg),*),
            Kind::ResourceQuota => $f::<ResourceQuota>($($arg),*),
            Kind::LimitRange => $f::<LimitRange>($($arg),*),
            Kind::PriorityClass => $f::<PriorityClass>($($arg),*),
            Kind::PodDisruptionBudget => $f::<PodDisruptionBudget>($($arg),*),
            Kind::HorizontalPodAutoscaler => $f::<HorizontalPodAutoscaler>($($arg),*),
            Kind::PersistentVolumeClaim => $f::<PersistentVolumeClaim>($($arg),*),
        }
    };
}
pub(crate) use dispatch_kind;
