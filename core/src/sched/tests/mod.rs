//! Tests of the scheduler as a whole: helpers to build clusters, then one module per area.

mod basic;
mod formulas;
mod plugins;
mod props;
mod random;

use std::sync::Arc;

use crate::api::pod::Container;
pub use crate::api::{Node, ObjectMeta, Pod, PodSpec, ResourceList, Time};
use crate::events::EventLog;
use crate::store::{Key, Store};

use super::{Profile, Scheduler, SchedulerConfig};

/// A node with allocatable cpu/memory/pods and labels.
pub fn node(name: &str, cpu: &str, mem: &str, pods: i64, labels: &[(&str, &str)]) -> Node {
    let mut n = Node {
        metadata: ObjectMeta::named("", name),
        ..Node::default()
    };
    n.metadata.labels = labels.iter().copied().collect();
    let mut a = ResourceList::parse([("cpu", cpu), ("memory", mem)]).unwrap();
    a.set(crate::Symbol::PODS, pods);
    n.status.allocatable = a;
    n
}

/// A spec with one container requesting `cpu` / `mem` (None: no request).
pub fn spec(cpu: Option<&str>, mem: Option<&str>) -> PodSpec {
    let mut c = Container {
        name: crate::Symbol::intern("c"),
        image: crate::Symbol::intern("img"),
        ..Container::default()
    };
    let pairs: Vec<(&str, &str)> = [("cpu", cpu), ("memory", mem)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    c.resources.requests = ResourceList::parse(pairs).unwrap();
    PodSpec {
        containers: vec![c],
        ..PodSpec::default()
    }
}

/// A pending pod.
pub fn pod(name: &str, spec: &Arc<PodSpec>, labels: &[(&str, &str)]) -> Pod {
    let mut p = Pod {
        metadata: ObjectMeta::named("default", name),
        spec: spec.clone(),
        node_name: None,
        status: Default::default(),
    };
    p.metadata.labels = labels.iter().copied().collect();
    p
}

/// Creates `pods` in the store.
pub fn create_all(store: &mut Store, pods: Vec<Pod>) -> Vec<Key<Pod>> {
    pods.into_iter().map(|p| store.create(p).unwrap()).collect()
}

/// Runs the scheduler until nothing is left to do at `now` (no time passes).
pub fn run_once(sched: &mut Scheduler, store: &mut Store, now: Time) -> EventLog {
    let mut events = EventLog::keeping();
    sched.schedule_pending(store, now, &mut events);
    events
}

/// A store with `n` identical nodes, and a scheduler attached to it.
pub fn cluster(n: usize, cpu: &str, mem: &str, config: SchedulerConfig, seed: u64) -> (Store, Scheduler) {
    let mut store = Store::new(seed);
    for i in 0..n {
        store
            .create(node(&format!("node-{i}"), cpu, mem, 110, &[]))
            .unwrap();
    }
    let mut sched = Scheduler::new(config, seed);
    sched.attach(&mut store);
    (store, sched)
}

/// Node name of each pod (None if pending).
pub fn placements(store: &Store, keys: &[Key<Pod>]) -> Vec<Option<String>> {
    keys.iter()
        .map(|k| {
            store
                .get(*k)
                .and_then(|p| p.node_name)
                .map(|n| n.as_str().to_owned())
        })
        .collect()
}
