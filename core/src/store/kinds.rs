//! Which table each kind lives in, and what of each kind is indexed.

use std::borrow::Cow;

use super::admission::Admit;
use super::arena::Key;
use super::feed::ObjectKey;
use super::indexes::IndexView;
use super::table::Table;
use crate::api::*;
use crate::intern::Symbol;
use crate::labels::{Labels, Selector};

macro_rules! tables {
    ($( $kind:ident : $ty:ty => $field:ident ),* $(,)?) => {
        /// One table per kind.
        #[derive(Default)]
        pub struct Tables {
            $(
                #[doc = concat!("The ", stringify!($kind), " objects.")]
                pub $field: Table<$ty>,
            )*
        }

        $(
            impl Stored for $ty {
                fn table(t: &Tables) -> &Table<Self> { &t.$field }
                fn table_mut(t: &mut Tables) -> &mut Table<Self> { &mut t.$field }
            }
        )*

    };
}

tables! {
    Namespace: Namespace => namespaces,
    Node: Node => nodes,
    Pod: Pod => pods,
    ReplicaSet: ReplicaSet => replica_sets,
    Deployment: Deployment => deployments,
    DaemonSet: DaemonSet => daemon_sets,
    StatefulSet: StatefulSet => stateful_sets,
    Job: Job => jobs,
    CronJob: CronJob => cron_jobs,
    Service: Service => services,
    Endpoints: Endpoints => endpoints,
    ConfigMap: ConfigMap => config_maps,
    Secret: Secret => secrets,
    ServiceAccount: ServiceAccount => service_accounts,
    ResourceQuota: ResourceQuota => resource_quotas,
    LimitRange: LimitRange => limit_ranges,
    PriorityClass: PriorityClass => priority_classes,
    PodDisruptionBudget: PodDisruptionBudget => pod_disruption_budgets,
    HorizontalPodAutoscaler: HorizontalPodAutoscaler => horizontal_pod_autoscalers,
    PersistentVolumeClaim: PersistentVolumeClaim => persistent_volume_claims,
}

/// A kind the store holds: its table, and what of it is indexed.
pub trait Stored: Admit + Indexed {
    /// The kind's table.
    fn table(t: &Tables) -> &Table<Self>;
    /// The kind's table, mutably.
    fn table_mut(t: &mut Tables) -> &mut Table<Self>;
}

/// What the indexes see of an object; the defaults index nothing but owners.
pub trait Indexed: Object {
    /// Labels to put in the kind's label index (pods and nodes).
    fn indexed_labels(&self) -> Option<&Labels> {
        None
    }
    /// The node a pod is bound to.
    fn bound_node(&self) -> Option<Symbol> {
        None
    }
    /// The pod selector of kinds that select pods (for the reverse index).
    fn pod_selector(&self) -> Option<Cow<'_, Selector>> {
        None
    }
}

/// The index view of an object.
pub(super) fn view<T: Indexed>(obj: &T) -> IndexView<'_> {
    let meta = obj.metadata();
    IndexView {
        namespace: meta.namespace,
        uid: meta.uid,
        owners: meta.owner_references.iter().map(|r| r.uid).collect(),
        labels: obj.indexed_labels(),
        node: obj.bound_node(),
        selector: obj.pod_selector(),
        orphan: meta.controller_ref().is_none(),
    }
}

/// The untyped key of a typed key.
pub fn object_key<T: Object>(key: Key<T>) -> ObjectKey {
    ObjectKey {
        kind: T::KIND,
        index: key.index(),
        generation: key.generation(),
    }
}

/// The typed key of an untyped key, if the kinds agree.
pub fn typed_key<T: Object>(key: ObjectKey) -> Option<Key<T>> {
    (key.kind == T::KIND).then(|| Key::new(key.index, key.generation))
}

impl Indexed for Pod {
    fn indexed_labels(&self) -> Option<&Labels> {
        Some(&self.metadata.labels)
    }
    fn bound_node(&self) -> Option<Symbol> {
        self.node_name
    }
}

impl Indexed for Node {
    fn indexed_labels(&self) -> Option<&Labels> {
        Some(&self.metadata.labels)
    }
}

impl Indexed for ReplicaSet {
    fn indexed_labels(&self) -> Option<&Labels> {
        Some(&self.metadata.labels)
    }
    fn pod_selector(&self) -> Option<Cow<'_, Selector>> {
        (!self.spec.selector.is_absent()).then(|| Cow::Borrowed(self.spec.selector.selector()))
    }
}

macro_rules! selects_pods {
    ($($ty:ty),*) => {$(
        impl Indexed for $ty {
            fn pod_selector(&self) -> Option<Cow<'_, Selector>> {
                (!self.spec.selector.is_absent()).then(|| Cow::Borrowed(self.spec.selector.selector()))
            }
        }
    )*};
}
selects_pods!(Deployment, DaemonSet, StatefulSet, Job, PodDisruptionBudget);

impl Indexed for Service {
    fn pod_selector(&self) -> Option<Cow<'_, Selector>> {
        self.spec
            .selector
            .as_ref()
            .map(|l| Cow::Owned(Selector::from_labels(l)))
    }
}

macro_rules! not_indexed {
    ($($ty:ty),*) => {$( impl Indexed for $ty {} )*};
}
not_indexed!(
    Namespace,
    CronJob,
    Endpoints,
    ConfigMap,
    Secret,
    ServiceAccount,
    ResourceQuota,
    LimitRange,
    PriorityClass,
    HorizontalPodAutoscaler,
    PersistentVolumeClaim
);
