//! The scheduler through the public API: system default spreading for pods a ReplicaSet
//! owns, the same seed giving the same event trace, the unschedulable verdict.

use std::sync::Arc;

use kubesim::Symbol;
use kubesim::api::pod::Container;
use kubesim::api::{
    Node, ObjectMeta, OwnerReference, Pod, PodSelector, PodSpec, ReplicaSet, ResourceList, Time,
};
use kubesim::events::EventLog;
use kubesim::sched::{Scheduler, SchedulerConfig, placement_quality};
use kubesim::store::Store;

fn node(name: &str, zone: &str, cpu: &str) -> Node {
    let mut n = Node {
        metadata: ObjectMeta::named("", name),
        ..Node::default()
    };
    n.metadata.labels = [
        ("kubernetes.io/hostname", name),
        ("topology.kubernetes.io/zone", zone),
    ]
    .into_iter()
    .collect();
    let mut a = ResourceList::parse([("cpu", cpu), ("memory", "64Gi")]).unwrap();
    a.set(Symbol::PODS, 110);
    n.status.allocatable = a;
    n
}

fn spec() -> Arc<PodSpec> {
    let mut c = Container {
        name: Symbol::intern("app"),
        image: Symbol::intern("nginx"),
        ..Container::default()
    };
    c.resources.requests = ResourceList::parse([("cpu", "500m"), ("memory", "1Gi")]).unwrap();
    Arc::new(PodSpec {
        containers: vec![c],
        ..PodSpec::default()
    })
}

/// A cluster where LeastAllocated alone would pack zone `a` (its nodes are four times larger):
/// 3 zones, 2 nodes each.
fn cluster(seed: u64) -> Store {
    let mut store = Store::new(seed);
    for (i, zone) in ["a", "a", "b", "b", "c", "c"].into_iter().enumerate() {
        let cpu = if zone == "a" { "64" } else { "16" };
        store.create(node(&format!("n{i}"), zone, cpu)).unwrap();
    }
    store
}

fn replica_set(store: &mut Store) -> OwnerReference {
    let labels: kubesim::labels::Labels = [("app", "web")].into_iter().collect();
    let mut rs = ReplicaSet {
        metadata: ObjectMeta::named("default", "web"),
        ..ReplicaSet::default()
    };
    rs.spec.selector = PodSelector::match_labels(labels.clone());
    rs.spec.template.metadata.labels = labels;
    rs.spec.template.spec = spec();
    let key = store.create(rs).unwrap();
    let uid = store.get(key).unwrap().metadata.uid;
    OwnerReference {
        api_version: Symbol::intern("apps/v1"),
        kind: Symbol::intern("ReplicaSet"),
        name: Symbol::intern("web"),
        uid,
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

fn pods(store: &mut Store, n: usize, owner: Option<&OwnerReference>) {
    let s = spec();
    for i in 0..n {
        let mut p = Pod {
            metadata: ObjectMeta::named("default", &format!("web-{i}")),
            spec: s.clone(),
            node_name: None,
            status: Default::default(),
        };
        p.metadata.labels = [("app", "web")].into_iter().collect();
        if let Some(o) = owner {
            p.metadata.owner_references.push(o.clone());
        }
        store.create(p).unwrap();
    }
}

fn per_zone(store: &Store) -> Vec<usize> {
    ["a", "b", "c"]
        .iter()
        .map(|z| {
            store
                .iter::<Pod>()
                .filter(|(_, p)| {
                    p.node_name.is_some_and(|n| {
                        store.get_named::<Node>("", n.as_str()).is_some_and(|node| {
                            node.metadata.labels.get_str("topology.kubernetes.io/zone") == Some(z)
                        })
                    })
                })
                .count()
        })
        .collect()
}

#[test]
fn replica_set_pods_get_system_default_spreading() {
    // Without an owner, LeastAllocated favours the large nodes of zone a.
    let mut store = cluster(1);
    let mut sched = Scheduler::new(SchedulerConfig::default(), 1);
    sched.attach(&mut store);
    pods(&mut store, 12, None);
    sched.schedule_pending(&mut store, Time::ZERO, &mut EventLog::counting());
    let bare = per_zone(&store);
    assert_eq!(bare.iter().sum::<usize>(), 12);
    assert_eq!(bare, [6, 4, 2], "bare pods favour the big zone");
    // Owned by a ReplicaSet, the default constraints (hostname skew 3, zone skew 5) spread them.
    let mut store = cluster(1);
    let mut sched = Scheduler::new(SchedulerConfig::default(), 1);
    sched.attach(&mut store);
    let owner = replica_set(&mut store);
    pods(&mut store, 12, Some(&owner));
    sched.schedule_pending(&mut store, Time::ZERO, &mut EventLog::counting());
    let spread = per_zone(&store);
    assert_eq!(spread.iter().sum::<usize>(), 12);
    assert_eq!(spread, [4, 4, 4], "zones evened out");
    assert_eq!(
        sched.stats().fast_path_spread,
        12,
        "default spreading is scored on the fast path"
    );
    // The plugins alone place them the same.
    let mut plugins_only = cluster(1);
    let config = SchedulerConfig {
        fast_path: false,
        ..SchedulerConfig::default()
    };
    let mut sched = Scheduler::new(config, 1);
    sched.attach(&mut plugins_only);
    let owner = replica_set(&mut plugins_only);
    pods(&mut plugins_only, 12, Some(&owner));
    sched.schedule_pending(&mut plugins_only, Time::ZERO, &mut EventLog::counting());
    assert_eq!(sched.stats().fast_path, 0);
    assert_eq!(per_zone(&plugins_only), spread);
}

#[test]
fn same_seed_same_trace() {
    let run = |seed| {
        let mut store = cluster(7);
        let mut sched = Scheduler::new(SchedulerConfig::default(), seed);
        sched.attach(&mut store);
        pods(&mut store, 60, None);
        let mut events = EventLog::counting();
        sched.schedule_pending(&mut store, Time::ZERO, &mut events);
        (events.digest(), placement_quality(&store).nodes_used)
    };
    assert_eq!(run(3), run(3));
}

#[test]
fn verdict_through_the_public_api() {
    let mut store = cluster(2);
    let mut sched = Scheduler::new(SchedulerConfig::default(), 2);
    sched.attach(&mut store);
    let mut c = Container {
        name: Symbol::intern("big"),
        image: Symbol::intern("img"),
        ..Container::default()
    };
    c.resources.requests = ResourceList::parse([("cpu", "100")]).unwrap();
    let p = Pod {
        metadata: ObjectMeta::named("default", "big"),
        spec: Arc::new(PodSpec {
            containers: vec![c],
            ..PodSpec::default()
        }),
        node_name: None,
        status: Default::default(),
    };
    let key = store.create(p).unwrap();
    let mut events = EventLog::keeping();
    sched.schedule_pending(&mut store, Time::ZERO, &mut events);
    let pod = store.get(key).unwrap();
    assert_eq!(
        pod.status.message.as_deref(),
        Some(
            "0/6 nodes are available: 6 Insufficient cpu. preemption: 0/6 nodes are available: \
             6 Preemption is not helpful for scheduling."
        )
    );
    assert_eq!(events.events()[0].reason, "FailedScheduling");
    assert_eq!(sched.pending(), 1);
    assert!(sched.next_wakeup().is_some());
}
