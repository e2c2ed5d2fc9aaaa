//! The concept guides' stories about ReplicaSets and Deployments
//! (`shared/seeds/003`, chapters 4 and 5), played out as written.

use kubesim::api::{Pod, ReplicaSet};
use kubesim::build;
use kubesim::sim::{SimConfig, Simulation};
use kubesim::store::{DeleteOptions, Propagation, Store};

/// A two-node cluster with a kubelet that starts pods in 1 s.
pub fn cluster(seed: u64) -> Simulation {
    let config = SimConfig {
        keep_events: true,
        check_invariants: true,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, seed);
    for i in 0..2 {
        sim.store_mut()
            .create(build::node(&format!("node-{i}"), "8", "32Gi").build())
            .unwrap();
    }
    sim
}

/// Active pods in `default` carrying `label=value`.
pub fn pods_with(store: &Store, key: &str, value: &str) -> Vec<Pod> {
    store
        .iter::<Pod>()
        .map(|(_, p)| p)
        .filter(|p| p.is_active() && p.metadata.labels.get_str(key) == Some(value))
        .cloned()
        .collect()
}

fn owner_name(pod: &Pod) -> Option<String> {
    pod.metadata.controller_ref().map(|r| r.name.as_str().to_owned())
}

fn web_rs(replicas: i32) -> ReplicaSet {
    build::replica_set("web", replicas)
        .labels(&[("role", "web")])
        .image("nginx")
        .build()
}

fn assert_no_violations(sim: &Simulation) {
    assert!(
        sim.violations().is_empty(),
        "invariant violations: {:?}",
        sim.violations()
    );
}

#[test]
fn replicaset_of_four_creates_four_running_pods() {
    let mut sim = cluster(1);
    sim.store_mut().create(web_rs(4)).unwrap();
    sim.run_until_idle();
    let pods = pods_with(sim.store(), "role", "web");
    assert_eq!(pods.len(), 4);
    assert!(
        pods.iter()
            .all(|p| p.is_ready() && p.metadata.name.to_string().starts_with("web-"))
    );
    assert!(pods.iter().all(|p| owner_name(p).as_deref() == Some("web")));
    let rs = sim.store().get_named::<ReplicaSet>("default", "web").unwrap();
    assert_eq!(
        (
            rs.status.replicas,
            rs.status.ready_replicas,
            rs.status.available_replicas
        ),
        (4, 4, 4)
    );
    let created = sim
        .events()
        .iter()
        .filter(|e| e.reason == "SuccessfulCreate")
        .count();
    assert_eq!(created, 4);
    assert_no_violations(&sim);
}

#[test]
fn relabelled_pod_is_released_and_replaced_while_it_keeps_running() {
    let mut sim = cluster(2);
    sim.store_mut().create(web_rs(4)).unwrap();
    sim.run_until_idle();
    let victim = pods_with(sim.store(), "role", "web")[0].metadata.name.to_string();
    let key = sim.store().lookup::<Pod>("default", &victim).unwrap();
    sim.store_mut()
        .update(key, |p| {
            p.metadata.labels = p.metadata.labels.with("role".into(), "isolated".into())
        })
        .unwrap();
    sim.run_until_idle();
    assert_eq!(
        pods_with(sim.store(), "role", "web").len(),
        4,
        "the ReplicaSet replaces the isolated pod"
    );
    let isolated = sim.store().get(key).unwrap();
    assert!(isolated.is_ready(), "the isolated pod keeps running");
    assert!(
        isolated.metadata.controller_ref().is_none(),
        "and is no longer owned"
    );
    assert_eq!(
        sim.store().iter::<Pod>().filter(|(_, p)| p.is_active()).count(),
        5
    );
    assert_no_violations(&sim);
}

#[test]
fn scaling_a_replicaset_to_two_deletes_two_pods() {
    let mut sim = cluster(3);
    let key = sim.store_mut().create(web_rs(4)).unwrap();
    sim.run_until_idle();
    sim.store_mut().update(key, |rs| rs.spec.replicas = 2).unwrap();
    sim.run_until_idle();
    assert_eq!(pods_with(sim.store(), "role", "web").len(), 2);
    assert_eq!(
        sim.events()
            .iter()
            .filter(|e| e.reason == "SuccessfulDelete")
            .count(),
        2
    );
    assert_no_violations(&sim);
}

#[test]
fn bare_pod_created_after_the_replicaset_is_adopted_and_deleted_as_surplus() {
    let mut sim = cluster(4);
    sim.store_mut().create(web_rs(4)).unwrap();
    sim.run_until_idle();
    let orphan = build::pod("orphan")
        .labels(&[("role", "web")])
        .image("httpd")
        .build();
    let key = sim.store_mut().create(orphan).unwrap();
    sim.run_until_idle();
    assert!(
        sim.store().get(key).is_none_or(|p| !p.is_active()),
        "the adopted orphan is the surplus pod"
    );
    assert_eq!(pods_with(sim.store(), "role", "web").len(), 4);
    let adopted_then_deleted = sim
        .events()
        .iter()
        .any(|e| e.reason == "SuccessfulDelete" && e.message.contains("orphan"));
    assert!(
        adopted_then_deleted,
        "the ReplicaSet deleted the orphan: {:?}",
        sim.events()
    );
    assert_no_violations(&sim);
}

#[test]
fn bare_pod_created_before_the_replicaset_is_adopted_and_counted_then_replaced_from_the_template() {
    let mut sim = cluster(5);
    let orphan = build::pod("orphan")
        .labels(&[("role", "web")])
        .image("httpd")
        .build();
    let orphan_key = sim.store_mut().create(orphan).unwrap();
    sim.run_until_idle();
    sim.store_mut().create(web_rs(4)).unwrap();
    sim.run_until_idle();
    let pods = pods_with(sim.store(), "role", "web");
    assert_eq!(pods.len(), 4);
    let orphan = sim.store().get(orphan_key).unwrap();
    assert_eq!(
        owner_name(orphan).as_deref(),
        Some("web"),
        "the orphan was adopted"
    );
    let images: Vec<&str> = pods.iter().map(|p| p.spec.containers[0].image.as_str()).collect();
    assert_eq!(images.iter().filter(|i| **i == "httpd").count(), 1);
    // Delete the Apache pod: the ReplicaSet replaces it from its own template (nginx).
    sim.store_mut()
        .delete(orphan_key, DeleteOptions::default())
        .unwrap();
    sim.run_until_idle();
    let pods = pods_with(sim.store(), "role", "web");
    assert_eq!(pods.len(), 4);
    assert!(
        pods.iter()
            .all(|p| p.spec.containers[0].image.as_str() == "nginx")
    );
    assert_no_violations(&sim);
}

#[test]
fn orphan_deletion_keeps_the_pods_and_a_new_replicaset_adopts_them() {
    let mut sim = cluster(6);
    let key = sim.store_mut().create(web_rs(4)).unwrap();
    sim.run_until_idle();
    let before: Vec<String> = pods_with(sim.store(), "role", "web")
        .iter()
        .map(|p| p.metadata.name.to_string())
        .collect();
    sim.store_mut()
        .delete(key, DeleteOptions::propagation(Propagation::Orphan))
        .unwrap();
    sim.run_until_idle();
    assert_eq!(sim.store().count::<ReplicaSet>(), 0);
    let pods = pods_with(sim.store(), "role", "web");
    assert_eq!(
        pods.len(),
        4,
        "kubectl delete --cascade=orphan leaves the pods running"
    );
    assert!(
        pods.iter()
            .all(|p| p.metadata.owner_references.is_empty() && p.is_ready())
    );
    sim.store_mut().create(web_rs(4)).unwrap();
    sim.run_until_idle();
    let pods = pods_with(sim.store(), "role", "web");
    let after: Vec<String> = pods.iter().map(|p| p.metadata.name.to_string()).collect();
    assert_eq!(before, after, "the same pods, adopted");
    assert!(pods.iter().all(|p| owner_name(p).as_deref() == Some("web")));
    assert_eq!(
        sim.events()
            .iter()
            .filter(|e| e.reason == "SuccessfulCreate")
            .count(),
        4
    );
    assert_no_violations(&sim);
}

#[test]
fn background_deletion_removes_the_pods() {
    let mut sim = cluster(7);
    let key = sim.store_mut().create(web_rs(3)).unwrap();
    sim.run_until_idle();
    sim.store_mut().delete(key, DeleteOptions::default()).unwrap();
    sim.run_until_idle();
    assert_eq!(sim.store().count::<Pod>(), 0);
    assert_no_violations(&sim);
}

#[test]
fn foreground_deletion_removes_the_pods_before_the_owner() {
    let mut sim = cluster(8);
    let key = sim.store_mut().create(web_rs(3)).unwrap();
    sim.run_until_idle();
    sim.store_mut()
        .delete(key, DeleteOptions::propagation(Propagation::Foreground))
        .unwrap();
    assert!(
        sim.store()
            .get(key)
            .is_some_and(|rs| rs.metadata.deletion_timestamp.is_some())
    );
    sim.run_until_idle();
    assert_eq!(sim.store().count::<Pod>(), 0);
    assert_eq!(sim.store().count::<ReplicaSet>(), 0);
    assert_no_violations(&sim);
}
