//! A plugin written outside the crate: run it with
//! `cargo run -p kubesim --example custom_plugin`.
//!
//! Builds a small cluster, adds `MaxPodsPerNode` (filter) and `PreferLabel` (score, weight 5)
//! to the default profile, schedules 40 pods and prints where they went.

mod plugin;

use std::sync::Arc;

use kubesim::Symbol;
use kubesim::api::pod::Container;
use kubesim::api::{Node, ObjectMeta, Pod, PodSpec, ResourceList, Time};
use kubesim::events::EventLog;
use kubesim::sched::{Profile, Scheduler, SchedulerConfig, placement_quality};
use kubesim::store::Store;

fn main() {
    let mut store = Store::new(7);
    for i in 0..8 {
        let mut n = Node {
            metadata: ObjectMeta::named("", &format!("node-{i}")),
            ..Node::default()
        };
        if i < 3 {
            n.metadata.labels = [("tier", "fast")].into_iter().collect();
        }
        let mut a = ResourceList::parse([("cpu", "4"), ("memory", "16Gi")]).unwrap();
        a.set(Symbol::PODS, 110);
        n.status.allocatable = a;
        store.create(n).unwrap();
    }
    let profile = Profile::default()
        .add_filter(Arc::new(plugin::MaxPodsPerNode { max: 6 }))
        .add_score(
            Arc::new(plugin::PreferLabel {
                key: Symbol::intern("tier"),
                value: Symbol::intern("fast"),
            }),
            5,
        );
    println!("profile: {}", profile.describe());
    let config = SchedulerConfig {
        profile,
        ..SchedulerConfig::default()
    };
    let mut sched = Scheduler::new(config, 7);
    sched.attach(&mut store);
    let mut c = Container {
        name: Symbol::intern("app"),
        image: Symbol::intern("nginx"),
        ..Container::default()
    };
    c.resources.requests = ResourceList::parse([("cpu", "100m"), ("memory", "128Mi")]).unwrap();
    let spec = Arc::new(PodSpec {
        containers: vec![c],
        ..PodSpec::default()
    });
    for i in 0..40 {
        let p = Pod {
            metadata: ObjectMeta::named("default", &format!("web-{i}")),
            spec: spec.clone(),
            node_name: None,
            status: Default::default(),
        };
        store.create(p).unwrap();
    }
    let mut events = EventLog::keeping();
    let stats = sched.schedule_pending(&mut store, Time::ZERO, &mut events);
    println!("{stats:?}");
    for i in 0..8 {
        let name = Symbol::intern(&format!("node-{i}"));
        println!("node-{i}: {} pods", store.pods_on_node(name).len());
    }
    let q = placement_quality(&store);
    println!("nodes used {}/{}, pending {}", q.nodes_used, q.nodes, q.pending);
    if let Some(e) = events.events().iter().find(|e| e.reason == "FailedScheduling") {
        println!("first failure: {}", e.message);
    }
}
