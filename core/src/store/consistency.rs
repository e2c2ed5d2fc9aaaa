//! Every index against its linear scan: the twin that proves the clever
//! structure right (used by tests, the invariant checker and fuzzing).

use super::{Key, ObjectKey, Store, Stored, object_key};
use crate::api::*;
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::index::LinearLabelIndex;
use crate::labels::reverse::LinearReverseIndex;
use crate::labels::{Labels, Operator, Requirement, Selector};

impl Store {
    /// Compares every index with a scan of the tables; returns one line per
    /// disagreement (empty when all agree).
    pub fn check_indexes(&self) -> Vec<String> {
        let mut problems = Vec::new();
        // Names.
        macro_rules! names {
            ($($ty:ty),*) => {$(
                let table = self.table::<$ty>();
                if table.by_name.len() != table.len() {
                    problems.push(format!("{} name index has {} entries for {} objects",
                        <$ty as Object>::KIND, table.by_name.len(), table.len()));
                }
                for (key, obj) in table.iter() {
                    let m = obj.metadata();
                    if table.lookup(m.namespace, &m.name) != Some(key) {
                        problems.push(format!("{} {}/{} missing from the name index", <$ty as Object>::KIND, m.namespace, m.name));
                    }
                }
            )*};
        }
        names!(
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

        // Dependents and uids, from owner references.
        let mut dependents: FxMap<Uid, Vec<ObjectKey>> = FxMap::default();
        let mut uids: FxMap<Uid, ObjectKey> = FxMap::default();
        macro_rules! owners {
            ($($ty:ty),*) => {$(
                for (key, obj) in self.iter::<$ty>() {
                    let okey = object_key(key);
                    for r in &obj.metadata().owner_references {
                        dependents.entry(r.uid).or_default().push(okey);
                    }
                    if <$ty as Object>::KIND != Kind::Pod {
                        uids.insert(obj.metadata().uid, okey);
                    }
                }
            )*};
        }
        owners!(
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
        let mut indexed: Vec<(Uid, Vec<ObjectKey>)> = self
            .indexes
            .dependents
            .iter()
            .map(|(u, v)| (*u, sorted(v.clone())))
            .collect();
        let mut scanned: Vec<(Uid, Vec<ObjectKey>)> =
            dependents.into_iter().map(|(u, v)| (u, sorted(v))).collect();
        indexed.sort();
        scanned.sort();
        if indexed != scanned {
            problems.push("owner -> dependents index differs from the owner references".into());
        }
        let mut orphans: FxMap<(Kind, Symbol), u32> = FxMap::default();
        for (_, pod) in self.iter::<Pod>() {
            if pod.metadata.controller_ref().is_none() {
                *orphans.entry((Kind::Pod, pod.metadata.namespace)).or_default() += 1;
            }
        }
        for (_, rs) in self.iter::<ReplicaSet>() {
            if rs.metadata.controller_ref().is_none() {
                *orphans
                    .entry((Kind::ReplicaSet, rs.metadata.namespace))
                    .or_default() += 1;
            }
        }
        let order = |x: &((Kind, Symbol), u32), y: &((Kind, Symbol), u32)| {
            (x.0.0 as u8).cmp(&(y.0.0 as u8)).then(x.0.1.cmp_str(y.0.1))
        };
        let mut a: Vec<((Kind, Symbol), u32)> = self.indexes.orphans.iter().map(|(k, c)| (*k, *c)).collect();
        let mut b: Vec<((Kind, Symbol), u32)> = orphans.into_iter().collect();
        a.sort_by(order);
        b.sort_by(order);
        if a != b {
            problems.push(format!(
                "orphan pods and ReplicaSets per namespace: indexed {a:?}, scanned {b:?}"
            ));
        }
        let mut a: Vec<_> = self.indexes.uids.iter().map(|(u, k)| (*u, *k)).collect();
        let mut b: Vec<_> = uids.into_iter().collect();
        a.sort();
        b.sort();
        if a != b {
            problems.push("uid index differs from the objects' uids".into());
        }

        // Node -> pods.
        let mut node_pods: FxMap<crate::Symbol, Vec<Key<Pod>>> = FxMap::default();
        for (key, pod) in self.iter::<Pod>() {
            if let Some(n) = pod.node_name {
                node_pods.entry(n).or_default().push(key);
            }
        }
        let mut a: Vec<_> = self
            .indexes
            .node_pods
            .iter()
            .map(|(n, v)| (n.as_str(), sorted(v.clone())))
            .collect();
        let mut b: Vec<_> = node_pods
            .into_iter()
            .map(|(n, v)| (n.as_str(), sorted(v)))
            .collect();
        a.sort();
        b.sort();
        if a != b {
            problems.push("node -> pods index differs from the pods' nodeName".into());
        }

        // Label indexes: a query per distinct label pair and per namespace.
        problems.extend(self.check_label_index::<Pod>(&self.indexes.labels[0]));
        problems.extend(self.check_label_index::<Node>(&self.indexes.labels[1]));
        problems.extend(self.check_label_index::<ReplicaSet>(&self.indexes.labels[2]));
        problems.extend(self.check_namespace_postings::<Pod>(0));
        problems.extend(self.check_namespace_postings::<ReplicaSet>(2));

        // Reverse selector indexes.
        macro_rules! selectors {
            ($($ty:ty),*) => {$( problems.extend(self.check_reverse::<$ty>()); )*};
        }
        selectors!(
            ReplicaSet,
            Deployment,
            DaemonSet,
            StatefulSet,
            Job,
            PodDisruptionBudget,
            Service
        );
        problems
    }

    fn check_label_index<T: Stored>(&self, index: &crate::labels::index::LabelIndex) -> Vec<String> {
        let mut linear = LinearLabelIndex::new();
        let mut pairs = Vec::new();
        for (key, obj) in self.iter::<T>() {
            let labels = obj.indexed_labels().cloned().unwrap_or_default();
            pairs.extend(labels.iter());
            linear.insert(key.index(), &labels);
        }
        pairs.sort_by(|a, b| a.0.cmp_str(b.0).then(a.1.cmp_str(b.1)));
        pairs.dedup();
        let mut selectors = vec![Selector::everything()];
        for (k, v) in pairs {
            selectors.push(Selector::from_labels(&Labels::from_iter([(
                k.as_str(),
                v.as_str(),
            )])));
            if let Ok(r) = Requirement::new(k.as_str(), Operator::NotEquals, &[v.as_str()]) {
                selectors.push(Selector::from_requirements(vec![r]));
            }
        }
        let mut problems = Vec::new();
        if index.len() != linear.len() {
            problems.push(format!(
                "{} label index holds {} ids for {} objects",
                T::KIND,
                index.len(),
                linear.len()
            ));
        }
        for s in selectors {
            if index.query(&s) != linear.query(&s) {
                problems.push(format!(
                    "{} label index disagrees with the scan on {s:?}",
                    T::KIND
                ));
            }
        }
        problems
    }

    fn check_namespace_postings<T: Stored>(&self, slot: usize) -> Vec<String> {
        let mut problems = Vec::new();
        let mut scanned: FxMap<crate::Symbol, Vec<u32>> = FxMap::default();
        for (k, o) in self.iter::<T>() {
            scanned.entry(o.metadata().namespace).or_default().push(k.index());
        }
        for (ns, set) in &self.indexes.namespaces[slot] {
            let expected = scanned.remove(ns).unwrap_or_default();
            if set.iter().collect::<Vec<_>>() != expected {
                problems.push(format!(
                    "{} namespace postings of {ns} differ from the objects",
                    T::KIND
                ));
            }
        }
        for (ns, ids) in scanned {
            if !ids.is_empty() {
                problems.push(format!(
                    "{} in namespace {ns} missing from the namespace postings",
                    T::KIND
                ));
            }
        }
        problems
    }

    fn check_reverse<T: Stored>(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut by_ns: FxMap<crate::Symbol, LinearReverseIndex> = FxMap::default();
        for (key, obj) in self.iter::<T>() {
            if let Some(sel) = obj.pod_selector() {
                by_ns
                    .entry(obj.metadata().namespace)
                    .or_default()
                    .insert(key.index(), sel.into_owned());
            }
        }
        for (_, pod) in self.iter::<Pod>() {
            let ns = pod.metadata.namespace;
            let expected: Vec<u32> = by_ns
                .get(&ns)
                .map_or(Vec::new(), |l| l.matching(&pod.metadata.labels));
            let got: Vec<u32> = self
                .selecting::<T>(ns, &pod.metadata.labels)
                .into_iter()
                .map(|k| k.index())
                .collect();
            if expected != got {
                problems.push(format!(
                    "{} reverse selector index disagrees for pod {}",
                    T::KIND,
                    pod.metadata.name
                ));
            }
        }
        problems
    }
}

fn sorted<K: Ord>(mut v: Vec<K>) -> Vec<K> {
    v.sort();
    v
}
