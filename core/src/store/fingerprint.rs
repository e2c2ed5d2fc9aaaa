//! A digest of the whole store, to prove that a refused write changed
//! nothing and that two runs reached the same state.

use super::{Store, Stored};
use crate::api::*;
use crate::events::Fnv;

fn table_digest<T: Stored>(store: &Store, h: &mut Fnv) {
    h.write(T::KIND.name().as_bytes());
    for (key, obj) in store.iter::<T>() {
        h.write_u64(u64::from(key.index()) | (u64::from(key.generation()) << 32));
        let json = serde_json::to_string(obj).unwrap_or_default();
        h.write(json.as_bytes());
    }
}

impl Store {
    /// A digest of every object (as JSON, in slot order), the counters, the
    /// RNG, the allocators, and the sizes of the indexes and the feed.
    /// Equal digests mean equal stores for every observable purpose.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv::default();
        h.write_u64(self.resource_version);
        h.write_u64(self.uid_counter);
        h.write_i64(self.now.millis());
        h.write(format!("{:?}{:?}", self.rng, self.allocators).as_bytes());
        h.write_u64(self.feed.len() as u64);
        h.write_u64(self.indexes.dependents.len() as u64);
        h.write_u64(self.indexes.uids.len() as u64);
        h.write_u64(self.indexes.node_pods.values().map(Vec::len).sum::<usize>() as u64);
        for index in &self.indexes.labels {
            h.write_u64(index.len());
        }
        macro_rules! all {
            ($($ty:ty),*) => { $( table_digest::<$ty>(self, &mut h); )* };
        }
        all!(
            Namespace,
            Node,
            Pod,
            ReplicaSet,
            Deployment,
            DaemonSet,
            StatefulSet,
            Job,
            CronJob,
            Service,
            Endpoints,
            ConfigMap,
            Secret,
            ServiceAccount,
            ResourceQuota,
            LimitRange,
            PriorityClass,
            PodDisruptionBudget,
            HorizontalPodAutoscaler,
            PersistentVolumeClaim
        );
        h.finish()
    }
}
