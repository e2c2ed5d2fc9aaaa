//! Each invariant is shown to fail: a test builds the broken state (through
//! the store's unchecked escape hatches where admission would refuse it) and
//! checks that the checker names it, next to a sound state it accepts.

use std::sync::Arc;

use super::*;
use crate::api::meta::{Condition, ConditionStatus};
use crate::api::pod::PodCondition;
use crate::api::scheduling::{TaintEffect, Toleration};
use crate::api::{Deployment, Kind, ObjectMeta, PriorityClass, ReplicaSet, Uid};
use crate::build;
use crate::controllers::controller_ref;
use crate::events::{Event, EventType, InvolvedObject};
use crate::store::Key;

fn store_with_node(cpu: &str) -> Store {
    let mut store = Store::new(7);
    store.create(build::node("n1", cpu, "4Gi").build()).unwrap();
    store
}

fn pod(store: &mut Store, name: &str, cpu: &str) -> Key<Pod> {
    store
        .create(
            build::pod(name)
                .labels(&[("app", "x")])
                .requests(cpu, "100Mi")
                .build(),
        )
        .unwrap()
}

fn names(found: &[Violation]) -> Vec<&'static str> {
    found.iter().map(|v| v.invariant).collect()
}

fn audit_names(store: &mut Store) -> Vec<&'static str> {
    store.take_audit_findings().iter().map(|f| f.invariant).collect()
}

#[test]
fn overcommitted_node_is_reported() {
    let mut store = store_with_node("1");
    let a = pod(&mut store, "a", "600m");
    let b = pod(&mut store, "b", "600m");
    store.bind(a, Symbol::intern("n1")).unwrap();
    assert!(check(&store, Time::ZERO).is_empty());
    store.bind(b, Symbol::intern("n1")).unwrap();
    let found = check(&store, Time::ZERO);
    assert_eq!(names(&found), ["node-overcommit"], "{found:?}");
    assert!(found[0].detail.contains("cpu"), "{}", found[0]);
}

#[test]
fn pod_on_missing_node_is_reported_now_and_at_bind_time() {
    let mut store = store_with_node("1");
    store.set_pod_audit(Some(audit_pod_write));
    let a = pod(&mut store, "a", "100m");
    store.bind(a, Symbol::intern("ghost")).unwrap();
    assert_eq!(names(&check(&store, Time::ZERO)), ["pod-on-missing-node"]);
    assert_eq!(audit_names(&mut store), ["bind-missing-node"]);
}

#[test]
fn binding_to_a_cordoned_tainted_or_unselected_node_is_reported() {
    let mut store = store_with_node("4");
    store.set_pod_audit(Some(audit_pod_write));
    let n1 = store.lookup::<Node>("", "n1").unwrap();
    let fine = pod(&mut store, "fine", "100m");
    store.bind(fine, Symbol::intern("n1")).unwrap();
    assert!(audit_names(&mut store).is_empty());

    store.update(n1, |n| n.spec.unschedulable = true).unwrap();
    let cordoned = pod(&mut store, "cordoned", "100m");
    store.bind(cordoned, Symbol::intern("n1")).unwrap();
    assert_eq!(audit_names(&mut store), ["bind-unschedulable-node"]);
    let tolerant = store
        .create(
            build::pod("tolerant")
                .spec(|s| {
                    s.tolerations.push(Toleration::exists(
                        fit::TAINT_UNSCHEDULABLE,
                        TaintEffect::NoSchedule,
                        None,
                    ))
                })
                .build(),
        )
        .unwrap();
    store.bind(tolerant, Symbol::intern("n1")).unwrap();
    assert!(
        audit_names(&mut store).is_empty(),
        "a tolerated cordon is no violation"
    );

    store
        .update(n1, |n| {
            n.spec.unschedulable = false;
            n.spec.taints.push(crate::api::scheduling::Taint {
                key: Symbol::intern("gpu"),
                value: Symbol::EMPTY,
                effect: TaintEffect::NoSchedule,
                time_added: None,
            })
        })
        .unwrap();
    let tainted = pod(&mut store, "tainted", "100m");
    store.bind(tainted, Symbol::intern("n1")).unwrap();
    let found = store.take_audit_findings();
    assert_eq!(found.len(), 1);
    assert!(found[0].detail.contains("taint gpu"), "{found:?}");

    let selective = store
        .create(build::pod("selective").node_selector(&[("disk", "ssd")]).build())
        .unwrap();
    store.update(n1, |n| n.spec.taints.clear()).unwrap();
    store.bind(selective, Symbol::intern("n1")).unwrap();
    assert_eq!(audit_names(&mut store), ["bind-unschedulable-node"]);
}

#[test]
fn binding_beyond_capacity_is_reported_at_bind_time() {
    let mut store = store_with_node("1");
    store.set_pod_audit(Some(audit_pod_write));
    let a = pod(&mut store, "a", "700m");
    let b = pod(&mut store, "b", "700m");
    store.bind(a, Symbol::intern("n1")).unwrap();
    assert!(audit_names(&mut store).is_empty());
    store.bind(b, Symbol::intern("n1")).unwrap();
    assert_eq!(audit_names(&mut store), ["node-overcommit"]);
}

fn mark_unschedulable(store: &mut Store, key: Key<Pod>) {
    store
        .update(key, |p| {
            p.status.conditions.pod_scheduled = Some(PodCondition::new(false, Time::ZERO));
            p.status.reason = Some(Symbol::intern("Unschedulable"));
            p.status.message = Some(Arc::from("0/1 nodes are available: 1 Insufficient cpu."));
        })
        .unwrap();
}

#[test]
fn false_unschedulable_verdict_is_reported() {
    let mut store = store_with_node("1");
    store.set_pod_audit(Some(audit_pod_write));
    let big = pod(&mut store, "big", "2");
    mark_unschedulable(&mut store, big);
    assert!(
        audit_names(&mut store).is_empty(),
        "2 cpus fit nowhere: a true verdict"
    );
    let small = pod(&mut store, "small", "500m");
    mark_unschedulable(&mut store, small);
    let found = store.take_audit_findings();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].invariant, "unschedulable-verdict");
    assert!(found[0].detail.contains("fits on node n1"), "{}", found[0].detail);
    assert_eq!(
        names(&check_verdicts(&store, Time::ZERO)),
        ["unschedulable-verdict"]
    );
}

#[test]
fn clearing_a_nomination_is_not_a_verdict() {
    // Preemption clears the nomination of lower-priority pods nominated to
    // the node a higher one takes (upstream `clearNominatedNodeName`); their
    // last verdict stands until the scheduler retries them.
    let mut store = store_with_node("1");
    let small = pod(&mut store, "small", "500m");
    mark_unschedulable(&mut store, small);
    store
        .update(small, |p| {
            p.status.nominated_node_name = Some(Symbol::intern("n1"))
        })
        .unwrap();
    store.set_pod_audit(Some(audit_pod_write));
    store
        .update(small, |p| p.status.nominated_node_name = None)
        .unwrap();
    assert!(audit_names(&mut store).is_empty(), "no new verdict was written");
    store
        .update(small, |p| {
            p.status.message = Some(Arc::from("0/1 nodes are available: 1 Insufficient memory."))
        })
        .unwrap();
    assert_eq!(
        audit_names(&mut store),
        ["unschedulable-verdict"],
        "a verdict written again is judged: it fits now"
    );
}

#[test]
fn room_reserved_for_a_nominated_pod_of_higher_priority_makes_a_verdict_true() {
    let mut store = store_with_node("1");
    store.set_pod_audit(Some(audit_pod_write));
    let class = PriorityClass {
        metadata: ObjectMeta::named("", "high"),
        value: 1000,
        ..PriorityClass::default()
    };
    store.create(class).unwrap();
    let high = store
        .create(
            build::pod("high")
                .requests("800m", "1Mi")
                .priority_class("high")
                .build(),
        )
        .unwrap();
    store
        .update(high, |p| {
            p.status.nominated_node_name = Some(Symbol::intern("n1"))
        })
        .unwrap();
    let low = pod(&mut store, "low", "500m");
    mark_unschedulable(&mut store, low);
    assert!(
        audit_names(&mut store).is_empty(),
        "n1's room is reserved for the nominated pod"
    );
}

#[test]
fn two_controller_owners_are_reported() {
    let mut store = Store::new(1);
    let a = store
        .create(build::replica_set("a", 1).labels(&[("app", "a")]).build())
        .unwrap();
    let b = store
        .create(build::replica_set("b", 1).labels(&[("app", "b")]).build())
        .unwrap();
    let refs = [a, b].map(|k| controller_ref(Kind::ReplicaSet, &store.get(k).unwrap().metadata));
    let p = pod(&mut store, "p", "100m");
    assert!(check(&store, Time::ZERO).is_empty());
    store.update_unchecked(p, |p| p.metadata.owner_references.extend(refs));
    assert_eq!(names(&check(&store, Time::ZERO)), ["multiple-controllers"]);
}

#[test]
fn owner_cycle_is_reported() {
    let mut store = Store::new(1);
    let a = store
        .create(build::replica_set("a", 1).labels(&[("app", "a")]).build())
        .unwrap();
    let b = store
        .create(build::replica_set("b", 1).labels(&[("app", "b")]).build())
        .unwrap();
    let ref_a = controller_ref(Kind::ReplicaSet, &store.get(a).unwrap().metadata);
    let ref_b = controller_ref(Kind::ReplicaSet, &store.get(b).unwrap().metadata);
    store.update_unchecked(a, |r| r.metadata.owner_references.push(ref_b));
    assert!(check(&store, Time::ZERO).is_empty(), "a chain is fine");
    store.update_unchecked(b, |r| r.metadata.owner_references.push(ref_a));
    let found = names(&check(&store, Time::ZERO));
    assert_eq!(found, ["owner-cycle", "owner-cycle"], "both members are named");
}

#[test]
fn index_that_disagrees_with_its_scan_is_reported() {
    let mut store = store_with_node("1");
    let a = pod(&mut store, "a", "100m");
    store.bind(a, Symbol::intern("n1")).unwrap();
    store.corrupt_node_index(a);
    let found = check(&store, Time::ZERO);
    assert_eq!(names(&found), ["index-consistency"]);
    assert!(found[0].detail.contains("node -> pods"), "{}", found[0]);
}

#[test]
fn orphan_count_that_disagrees_with_its_scan_is_reported() {
    let mut store = store_with_node("1");
    pod(&mut store, "a", "100m");
    assert!(
        check(&store, Time::ZERO).is_empty(),
        "a bare pod is counted as an orphan"
    );
    store.corrupt_orphan_index(Symbol::DEFAULT);
    let found = check(&store, Time::ZERO);
    assert_eq!(names(&found), ["index-consistency"]);
    assert!(found[0].detail.contains("orphan pods"), "{}", found[0]);
}

fn owned_pods(store: &mut Store, owner: &ObjectMeta, kind: Kind, labels: &[(&str, &str)], n: usize) {
    for _ in 0..n {
        let mut p = build::pod("").labels(labels).build();
        p.metadata.generate_name = Some(Symbol::intern("p-"));
        p.metadata.owner_references.push(controller_ref(kind, owner));
        store.create(p).unwrap();
    }
}

/// A ReplicaSet `name` of `replicas` (`app=web`, image `image`) under the Deployment `dmeta`,
/// not yet created.
fn deployment_rs(dmeta: &ObjectMeta, name: &str, image: &str, replicas: i32) -> ReplicaSet {
    let mut rs = build::replica_set(name, replicas)
        .labels(&[("app", "web")])
        .image(image)
        .build();
    rs.metadata
        .owner_references
        .push(controller_ref(Kind::Deployment, dmeta));
    rs
}

/// Creates `rs` with `n` pods it controls (`app=web`).
fn create_with_pods(store: &mut Store, rs: ReplicaSet, n: usize) -> Key<ReplicaSet> {
    let key = store.create(rs).unwrap();
    let meta = store.get(key).unwrap().metadata.clone();
    owned_pods(store, &meta, Kind::ReplicaSet, &[("app", "web")], n);
    key
}

#[test]
fn replicaset_short_of_pods_after_convergence_is_reported() {
    let mut store = Store::new(1);
    let rs = store
        .create(build::replica_set("web", 3).labels(&[("app", "web")]).build())
        .unwrap();
    let meta = store.get(rs).unwrap().metadata.clone();
    owned_pods(&mut store, &meta, Kind::ReplicaSet, &[("app", "web")], 2);
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-replicaset"]);
    owned_pods(&mut store, &meta, Kind::ReplicaSet, &[("app", "web")], 1);
    assert!(check_converged(&store, Time::ZERO).is_empty());
}

#[test]
fn deployment_whose_old_replicaset_keeps_pods_after_convergence_is_reported() {
    let mut store = Store::new(1);
    let d = build::deployment("web", 2)
        .labels(&[("app", "web")])
        .image("v2")
        .build();
    let d = store.create(d).unwrap();
    let dmeta = store.get(d).unwrap().metadata.clone();
    let rs_of = |store: &mut Store, name: &str, image: &str, replicas: i32| {
        create_with_pods(
            store,
            deployment_rs(&dmeta, name, image, replicas),
            replicas as usize,
        )
    };
    let new = rs_of(&mut store, "web-new", "v2", 2);
    let old = rs_of(&mut store, "web-old", "v1", 0);
    assert!(check_converged(&store, Time::ZERO).is_empty());
    store.update(old, |r| r.spec.replicas = 1).unwrap();
    let meta = store.get(old).unwrap().metadata.clone();
    owned_pods(&mut store, &meta, Kind::ReplicaSet, &[("app", "web")], 1);
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-deployment"], "{found:?}");
    assert!(found[0].detail.contains("old replica set web-old"));
    store.delete(new, crate::store::DeleteOptions::default()).unwrap();
    let found = check_converged(&store, Time::ZERO);
    assert!(
        found
            .iter()
            .any(|v| v.detail.contains("no replica set has its current template")),
        "{found:?}"
    );
}

#[test]
fn rolling_update_beyond_surge_is_reported() {
    let mut store = Store::new(1);
    let d = build::deployment("web", 4)
        .labels(&[("app", "web")])
        .rolling("1", "1")
        .build();
    let d: Key<Deployment> = store.create(d).unwrap();
    let dmeta = store.get(d).unwrap().metadata.clone();
    for (name, image, replicas) in [("web-a", "v1", 3), ("web-b", "v2", 2)] {
        store
            .create(deployment_rs(&dmeta, name, image, replicas))
            .unwrap();
    }
    store.update(d, |d| d.status.observed_generation = 1).unwrap();
    let mut bounds = RolloutBounds::new();
    assert!(bounds.check(&store, Time::ZERO).is_empty(), "5 <= 4 + 1");
    let b = store.lookup::<ReplicaSet>("default", "web-b").unwrap();
    store.update(b, |r| r.spec.replicas = 3).unwrap();
    assert_eq!(names(&bounds.check(&store, Time::ZERO)), ["rollout-surge"]);
    store.update(d, |d| d.spec.replicas = 6).unwrap();
    assert!(
        bounds.check(&store, Time::ZERO).is_empty(),
        "a spec the controller has not observed yet is not judged"
    );
}

fn available_condition(status: bool) -> Condition {
    Condition {
        type_: Symbol::intern("Available"),
        status: ConditionStatus::from_bool(status),
        last_transition_time: Time::ZERO,
        last_update_time: None,
        reason: Symbol::intern("MinimumReplicasAvailable"),
        message: String::new(),
    }
}

/// A Deployment of 4 (maxUnavailable 1: at least 3 available) rolling from
/// `web-a` (3 Ready pods) to `web-b` (2 pods not Ready yet). The statuses
/// say what the controllers would write, except that `web-a`'s says
/// `a_seen_available` of its pods are available. Returns the Deployment and
/// `web-a`'s pods.
fn rollout_in_progress(store: &mut Store, a_seen_available: i32) -> (Key<Deployment>, Vec<Key<Pod>>) {
    let d = build::deployment("web", 4)
        .labels(&[("app", "web")])
        .rolling("1", "1")
        .build();
    let d: Key<Deployment> = store.create(d).unwrap();
    let dmeta = store.get(d).unwrap().metadata.clone();
    let mut a_pods = Vec::new();
    for (name, image, replicas, ready, seen) in [
        ("web-a", "v1", 3, true, a_seen_available),
        ("web-b", "v2", 2, false, 0),
    ] {
        let rs = store
            .create(deployment_rs(&dmeta, name, image, replicas))
            .unwrap();
        let meta = store.get(rs).unwrap().metadata.clone();
        for i in 0..replicas {
            let mut p = build::pod(&format!("{name}-{i}"))
                .labels(&[("app", "web")])
                .build();
            p.metadata
                .owner_references
                .push(controller_ref(Kind::ReplicaSet, &meta));
            let p = store.create(p).unwrap();
            store
                .update(p, |p| {
                    p.status.conditions.ready = Some(PodCondition::new(ready, Time::ZERO))
                })
                .unwrap();
            if ready {
                a_pods.push(p);
            }
        }
        store
            .update(rs, |r| {
                r.status.replicas = replicas;
                r.status.ready_replicas = seen;
                r.status.available_replicas = seen;
                r.status.observed_generation = r.metadata.generation;
            })
            .unwrap();
    }
    store
        .update(d, |d| {
            d.status.observed_generation = d.metadata.generation;
            d.status.available_replicas = a_seen_available;
            d.status.conditions.push(available_condition(true));
        })
        .unwrap();
    (d, a_pods)
}

#[test]
fn rolling_update_below_availability_is_reported_once_the_controller_saw_it_available() {
    let mut store = Store::new(1);
    let (d, a_pods) = rollout_in_progress(&mut store, 3);
    let uid = store.get(d).unwrap().metadata.uid;
    let mut bounds = RolloutBounds::new();
    assert!(
        bounds.check(&store, Time::ZERO).is_empty(),
        "3 available >= 4 - 1"
    );
    assert!(
        bounds.is_armed(uid),
        "every status agrees with the pods and says Available"
    );
    store
        .delete(a_pods[0], crate::store::DeleteOptions::default())
        .unwrap();
    assert_eq!(
        names(&bounds.check(&store, Time::ZERO)),
        ["rollout-availability"],
        "2 available < 3, whatever the statuses say now"
    );
    // A new size is a new floor, armed again only once it is seen.
    store.update(d, |d| d.spec.replicas = 6).unwrap();
    store
        .update(d, |d| d.status.observed_generation = d.metadata.generation)
        .unwrap();
    assert!(bounds.check(&store, Time::ZERO).is_empty());
    assert!(
        !bounds.is_armed(uid),
        "web-a's status still counts the deleted pod"
    );
}

#[test]
fn availability_floor_counts_ready_pods() {
    // The ReplicaSet controller deletes by readiness and spreading, not by
    // availability, so Kubernetes keeps `replicas - maxUnavailable` pods
    // Ready (some may still be inside minReadySeconds).
    let mut store = Store::new(1);
    let (_, a_pods) = rollout_in_progress(&mut store, 3);
    let mut bounds = RolloutBounds::new();
    let later = Time::from_secs(60);
    assert!(bounds.check(&store, later).is_empty());
    store
        .update(a_pods[0], |p| {
            p.status.conditions.ready = Some(PodCondition::new(true, later))
        })
        .unwrap();
    assert!(
        bounds.check(&store, later).is_empty(),
        "Ready just now still counts"
    );
    store
        .update(a_pods[1], |p| {
            p.status.conditions.ready = Some(PodCondition::new(false, later))
        })
        .unwrap();
    assert_eq!(names(&bounds.check(&store, later)), ["rollout-availability"]);
}

#[test]
fn availability_floor_is_not_judged_before_the_controller_saw_it() {
    // The state Kubernetes' controller can produce too: web-a's pods became
    // Ready in the instant of a template change, its status still says
    // none is available, so the controller scaled it down as unhealthy.
    let mut store = Store::new(1);
    let (d, a_pods) = rollout_in_progress(&mut store, 0);
    let uid = store.get(d).unwrap().metadata.uid;
    let mut bounds = RolloutBounds::new();
    assert!(bounds.check(&store, Time::ZERO).is_empty());
    assert!(!bounds.is_armed(uid), "web-a's status trails its pods");
    store
        .delete(a_pods[0], crate::store::DeleteOptions::default())
        .unwrap();
    assert!(
        bounds.check(&store, Time::ZERO).is_empty(),
        "a Deployment never seen available has no floor yet"
    );
}

fn preempted(victim: Uid, preemptor: Uid) -> Event {
    Event {
        time: Time::ZERO,
        type_: EventType::Normal,
        reason: "Preempted",
        involved: InvolvedObject {
            kind: Kind::Pod,
            namespace: Symbol::DEFAULT,
            name: crate::api::Name::from_symbol(Symbol::intern("victim")),
            uid: victim,
        },
        message: format!("Preempted by pod {preemptor} on node n1"),
        source: "default-scheduler",
    }
}

#[test]
fn preemption_of_an_equal_or_higher_priority_pod_is_reported() {
    let priority = |uid: Uid| {
        Some(match uid.0 {
            1 => 10,
            2 => 100,
            3 => 100,
            _ => return None,
        })
    };
    assert!(check_preemptions(&[preempted(Uid(1), Uid(2))], priority).is_empty());
    let found = check_preemptions(&[preempted(Uid(3), Uid(2)), preempted(Uid(2), Uid(1))], priority);
    assert_eq!(names(&found), ["preemption-priority", "preemption-priority"]);
    let found = check_preemptions(&[preempted(Uid(9), Uid(2))], priority);
    assert_eq!(
        names(&found),
        ["preemption-unjudged"],
        "never passes by not understanding"
    );
}

#[test]
fn pending_pod_that_fits_is_reported() {
    let mut store = store_with_node("1");
    pod(&mut store, "huge", "3");
    assert!(check_pending(&store, Time::ZERO).is_empty());
    pod(&mut store, "small", "100m");
    assert_eq!(names(&check_pending(&store, Time::ZERO)), ["pending-pod-fits"]);
}

#[test]
fn orphan_left_unadopted_after_convergence_is_reported() {
    let mut store = Store::new(1);
    let rs = store
        .create(build::replica_set("web", 1).labels(&[("app", "web")]).build())
        .unwrap();
    let meta = store.get(rs).unwrap().metadata.clone();
    owned_pods(&mut store, &meta, Kind::ReplicaSet, &[("app", "web")], 1);
    assert!(check_converged(&store, Time::ZERO).is_empty());
    store
        .create(build::pod("stray").labels(&[("app", "web")]).build())
        .unwrap();
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-adoption"], "{found:?}");
    assert!(found[0].detail.contains("pod default/stray"));
    store
        .create(build::deployment("d", 1).labels(&[("app", "web")]).build())
        .unwrap();
    let found = check_converged(&store, Time::ZERO);
    assert!(
        found
            .iter()
            .any(|v| v.detail.contains("replica set default/web is an orphan")),
        "{found:?}"
    );
}

/// The state `recreate-stalled-by-scaling-event` reaches: a Recreate
/// Deployment scaled to 0 while it adopts an active bare ReplicaSet. Upstream
/// never moves it on, so convergence does not judge it; the same state under
/// RollingUpdate (proportional scaling acts) or with a single active
/// ReplicaSet (`FindActiveOrLatest` acts) is still reported.
#[test]
fn only_the_upstream_recreate_stall_is_exempt_from_deployment_convergence() {
    use crate::api::workloads::DeploymentStrategyType;
    use crate::controllers::deployment::util::DESIRED_REPLICAS;
    let build_state = |strategy: DeploymentStrategyType, old_replicas: i32| {
        let mut store = Store::new(1);
        let mut d = build::deployment("web", 0)
            .labels(&[("app", "web")])
            .image("v2")
            .build();
        d.spec.strategy.type_ = strategy;
        if strategy == DeploymentStrategyType::Recreate {
            d.spec.strategy.rolling_update = None;
        }
        let d = store.create(d).unwrap();
        let dmeta = store.get(d).unwrap().metadata.clone();
        for (name, image, replicas, desired) in [
            ("web-new", "v2", 3, Some("3")),
            ("web-old", "v1", old_replicas, None),
        ] {
            let mut rs = deployment_rs(&dmeta, name, image, replicas);
            if let Some(v) = desired {
                rs.metadata.annotations.set(DESIRED_REPLICAS, v);
            }
            create_with_pods(&mut store, rs, replicas as usize);
        }
        check_converged(&store, Time::ZERO)
    };
    let stalled = build_state(DeploymentStrategyType::Recreate, 2);
    assert!(stalled.is_empty(), "{stalled:?}");
    let rolling = build_state(DeploymentStrategyType::RollingUpdate, 2);
    assert_eq!(
        names(&rolling),
        ["converged-deployment", "converged-deployment"],
        "{rolling:?}"
    );
    let single = build_state(DeploymentStrategyType::Recreate, 0);
    assert_eq!(names(&single), ["converged-deployment"], "{single:?}");
}

#[test]
fn single_active_replicaset_at_size_with_a_stale_annotation_is_exempt_from_deployment_convergence() {
    use crate::controllers::deployment::util::DESIRED_REPLICAS;
    // A Deployment of 3 whose only active ReplicaSet is an old one: upstream
    // stalls when that one already has 3 pods and a stale desired-replicas
    // annotation (every sync a scaling event, `scale` with nothing to do).
    let build_state = |old_replicas: i32, desired: &str| {
        let mut store = Store::new(1);
        let d = build::deployment("web", 3)
            .labels(&[("app", "web")])
            .image("v2")
            .build();
        let d = store.create(d).unwrap();
        let dmeta = store.get(d).unwrap().metadata.clone();
        let mut rs = deployment_rs(&dmeta, "web-old", "v1", old_replicas);
        rs.metadata.annotations.set(DESIRED_REPLICAS, desired);
        create_with_pods(&mut store, rs, old_replicas as usize);
        check_converged(&store, Time::ZERO)
    };
    let stalled = build_state(3, "0");
    assert!(stalled.is_empty(), "{stalled:?}");
    let current_annotation = build_state(3, "3");
    assert_eq!(
        names(&current_annotation),
        ["converged-deployment"],
        "{current_annotation:?}"
    );
    let other_size = build_state(2, "0");
    assert_eq!(names(&other_size), ["converged-deployment"], "{other_size:?}");
}
