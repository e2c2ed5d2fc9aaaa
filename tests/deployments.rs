//! Deployments as the guide tells them (`shared/seeds/003`, chapter 5):
//! rolling updates event by event, rollover, history and undo, Recreate,
//! scaling, and the spec's worked arithmetic (`shared/spec/kubernetes.md` §3).

use std::sync::Arc;

use kubesim::api::meta::ConditionStatus;
use kubesim::api::{Deployment, Pod, ReplicaSet};
use kubesim::build;
use kubesim::controllers::deployment::{rollback, rollout_history, util};
use kubesim::intern::Symbol;
use kubesim::sim::{ControllerDelays, Distribution, KubeletModel, Millis, RunOutcome, SimConfig, Simulation};
use kubesim::store::{Key, Store};

fn sim_with(kubelet: KubeletModel, delays: ControllerDelays, seed: u64) -> Simulation {
    let config = SimConfig {
        kubelet,
        delays,
        keep_events: true,
        check_invariants: true,
        check_rollouts: true,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, seed);
    for i in 0..3 {
        sim.store_mut()
            .create(build::node(&format!("node-{i}"), "16", "64Gi").build())
            .unwrap();
    }
    sim
}

fn apache(replicas: i32) -> Deployment {
    build::deployment("apache-deployment", replicas)
        .labels(&[("role", "webserver")])
        .image("httpd")
        .build()
}

fn set_image(sim: &mut Simulation, key: Key<Deployment>, image: &str) {
    sim.store_mut()
        .update(key, |d| {
            Arc::make_mut(&mut d.spec.template.spec).containers[0].image = Symbol::intern(image)
        })
        .unwrap();
}

/// `ScalingReplicaSet` events after index `from`, as (replica set, new size).
fn scalings(sim: &Simulation, from: usize) -> Vec<(String, i32)> {
    sim.events()[from..]
        .iter()
        .filter(|e| e.reason == "ScalingReplicaSet")
        .map(|e| {
            let words: Vec<&str> = e.message.split(' ').collect();
            (words[4].to_owned(), words.last().unwrap().parse().unwrap())
        })
        .collect()
}

/// The (new, old) sizes after each scaling event, given the new RS's name.
fn sequence(events: &[(String, i32)], new_rs: &str, old_start: i32) -> Vec<(i32, i32)> {
    let (mut new, mut old) = (0, old_start);
    events
        .iter()
        .map(|(rs, size)| {
            if rs == new_rs {
                new = *size
            } else {
                old = *size
            }
            (new, old)
        })
        .collect()
}

fn replica_sets(store: &Store) -> Vec<ReplicaSet> {
    store.iter::<ReplicaSet>().map(|(_, r)| r.clone()).collect()
}

fn newest_rs_name(store: &Store, d: &Deployment) -> String {
    replica_sets(store)
        .into_iter()
        .find(|rs| util::equal_ignore_hash(&rs.spec.template, &d.spec.template))
        .map(|rs| rs.metadata.name.to_string())
        .unwrap()
}

fn assert_clean(sim: &Simulation) {
    assert!(sim.violations().is_empty(), "violations: {:#?}", sim.violations());
}

/// The Deployment's `Progressing` condition (present once the controller synced it).
fn progressing_condition(d: &Deployment) -> &kubesim::api::meta::Condition {
    d.status
        .conditions
        .iter()
        .find(|c| c.type_.as_str() == "Progressing")
        .expect("a Progressing condition")
}

fn ready_after(ms: i64) -> KubeletModel {
    KubeletModel {
        start_latency: Distribution::fixed_ms(0),
        readiness_delay: Distribution::fixed_ms(ms),
        ..KubeletModel::default()
    }
}

#[test]
fn first_deployment_scales_its_replica_set_from_zero_to_four() {
    let mut sim = sim_with(ready_after(2000), ControllerDelays::default(), 1);
    let key = sim.store_mut().create(apache(4)).unwrap();
    sim.run_until_idle();
    let d = sim.store().get(key).unwrap().clone();
    let rs = newest_rs_name(sim.store(), &d);
    assert!(rs.starts_with("apache-deployment-"));
    let msgs: Vec<&str> = sim
        .events()
        .iter()
        .filter(|e| e.reason == "ScalingReplicaSet")
        .map(|e| e.message.as_str())
        .collect();
    assert_eq!(msgs, vec![format!("Scaled up replica set {rs} from 0 to 4")]);
    assert_eq!(
        (
            d.status.replicas,
            d.status.updated_replicas,
            d.status.available_replicas
        ),
        (4, 4, 4)
    );
    let progressing = d
        .status
        .conditions
        .iter()
        .find(|c| c.type_.as_str() == "Progressing")
        .unwrap();
    assert_eq!(progressing.reason.as_str(), "NewReplicaSetAvailable");
    assert_eq!(d.metadata.annotations.get(util::REVISION), Some("1"));
    assert_clean(&sim);
}

#[test]
fn rolling_update_with_equal_readiness_delays_gives_the_guides_event_sequence() {
    // Every pod takes 3 s to become ready. The Deployment controller batches
    // its work in 2 s ticks (a change that arrives while the Deployment is
    // queued joins that sync), so a pod created in sync k is available at
    // sync k+2: the model of `shared/vectors/rollout.json`.
    let delays = ControllerDelays {
        deployment: Millis(2000),
        ..ControllerDelays::default()
    };
    let mut sim = sim_with(ready_after(3000), delays, 2);
    let key = sim.store_mut().create(apache(4)).unwrap();
    sim.run_until_idle();
    let from = sim.events().len();
    set_image(&mut sim, key, "httpd:2.4");
    sim.run_until_idle();
    let d = sim.store().get(key).unwrap().clone();
    let new_rs = newest_rs_name(sim.store(), &d);
    let events = scalings(&sim, from);
    let ups_downs: Vec<(bool, i32)> = events.iter().map(|(rs, n)| (*rs == new_rs, *n)).collect();
    // new to 1, old to 3, new to 2, old to 2, new to 3, old to 1, new to 4, old to 0.
    assert_eq!(
        ups_downs,
        vec![
            (true, 1),
            (false, 3),
            (true, 2),
            (false, 2),
            (true, 3),
            (false, 1),
            (true, 4),
            (false, 0)
        ]
    );
    assert_eq!(d.status.updated_replicas, 4);
    assert_eq!(d.metadata.annotations.get(util::REVISION), Some("2"));
    assert_clean(&sim);
}

#[test]
fn rolling_update_with_instant_readiness_follows_kubernetes_arithmetic() {
    // Pods are ready at once, and the Deployment controller reacts after the
    // ReplicaSet controller: the spec's "instant availability" model.
    let delays = ControllerDelays {
        deployment: Millis(100),
        replica_set: Millis(10),
        other: Millis(10),
    };
    let mut sim = sim_with(KubeletModel::instant(), delays, 3);
    let key = sim.store_mut().create(apache(4)).unwrap();
    sim.run_until_idle();
    let from = sim.events().len();
    set_image(&mut sim, key, "httpd:2.4");
    sim.run_until_idle();
    let d = sim.store().get(key).unwrap().clone();
    let seq = sequence(&scalings(&sim, from), &newest_rs_name(sim.store(), &d), 4);
    let mut states = seq.clone();
    states.dedup();
    // Sync 1 is (1,4)->(1,3) within one sync; then (2,3), (2,1), (4,1), (4,0).
    assert_eq!(states, vec![(1, 4), (1, 3), (2, 3), (2, 1), (4, 1), (4, 0)]);
    assert_clean(&sim);
}

#[test]
fn ten_replicas_surge_three_unavailable_two_instant() {
    let delays = ControllerDelays {
        deployment: Millis(100),
        replica_set: Millis(10),
        other: Millis(10),
    };
    let mut sim = sim_with(KubeletModel::instant(), delays, 4);
    let d = build::deployment("web", 10)
        .labels(&[("app", "web")])
        .rolling("3", "2")
        .build();
    let key = sim.store_mut().create(d).unwrap();
    sim.run_until_idle();
    let from = sim.events().len();
    set_image(&mut sim, key, "nginx:2");
    sim.run_until_idle();
    let d = sim.store().get(key).unwrap().clone();
    let mut states = sequence(&scalings(&sim, from), &newest_rs_name(sim.store(), &d), 10);
    states.dedup();
    assert_eq!(states, vec![(3, 10), (3, 8), (5, 8), (5, 3), (10, 3), (10, 0)]);
    assert_clean(&sim);
}

#[test]
fn rollover_abandons_the_half_rolled_replica_set() {
    let mut sim = sim_with(ready_after(5000), ControllerDelays::default(), 5);
    let d = build::deployment("myapp", 10)
        .labels(&[("app", "myapp")])
        .image("myapp:1.0")
        .build();
    let key = sim.store_mut().create(d).unwrap();
    sim.run_until_idle();
    set_image(&mut sim, key, "myapp:1.1");
    sim.run_for(3000); // part of the way: some 1.1 pods exist, none ready
    let mid = sim.store().get(key).unwrap().clone();
    let v11 = newest_rs_name(sim.store(), &mid);
    let v11_size = sim
        .store()
        .get_named::<ReplicaSet>("default", &v11)
        .unwrap()
        .spec
        .replicas;
    assert!(v11_size > 0 && v11_size < 10, "mid-rollout, 1.1 has {v11_size}");
    set_image(&mut sim, key, "myapp:1.2");
    sim.run_until_idle();
    let rs11 = sim.store().get_named::<ReplicaSet>("default", &v11).unwrap();
    assert_eq!(rs11.spec.replicas, 0, "the 1.1 replica set is scaled away");
    let pods: Vec<Pod> = sim
        .store()
        .iter::<Pod>()
        .map(|(_, p)| p.clone())
        .filter(|p| p.is_active())
        .collect();
    assert_eq!(pods.len(), 10);
    assert!(
        pods.iter()
            .all(|p| p.spec.containers[0].image.as_str() == "myapp:1.2")
    );
    let max11 = scalings(&sim, 0)
        .iter()
        .filter(|(rs, _)| *rs == v11)
        .map(|(_, n)| *n)
        .max()
        .unwrap();
    assert!(max11 < 10, "1.1 never completed ({max11})");
    assert_clean(&sim);
}

#[test]
fn history_lists_template_changes_and_undo_restores_a_revision() {
    let mut sim = sim_with(KubeletModel::instant(), ControllerDelays::default(), 6);
    let mut d = apache(4);
    d.metadata.annotations.set(
        util::CHANGE_CAUSE,
        "kubectl apply --filename=apache_deployment.yaml --record=true",
    );
    let key = sim.store_mut().create(d).unwrap();
    sim.run_until_idle();
    // Scaling is not a revision.
    sim.store_mut().update(key, |d| d.spec.replicas = 6).unwrap();
    sim.run_until_idle();
    sim.store_mut()
        .update(key, |d| {
            d.metadata.annotations.set(
                util::CHANGE_CAUSE,
                "kubectl set image deployment apache-deployment frontend=nginx:1.7.9 --record=true",
            );
            Arc::make_mut(&mut d.spec.template.spec).containers[0].image = Symbol::intern("nginx:1.7.9");
        })
        .unwrap();
    sim.run_until_idle();
    let history = rollout_history(sim.store(), key);
    assert_eq!(history.iter().map(|h| h.revision).collect::<Vec<_>>(), vec![1, 2]);
    assert!(
        history[1]
            .change_cause
            .as_deref()
            .unwrap()
            .contains("nginx:1.7.9")
    );
    // kubectl rollout undo: back to revision 1 (httpd), which becomes revision 3.
    assert_eq!(rollback(sim.store_mut(), key, None).unwrap(), 1);
    sim.run_until_idle();
    let pods: Vec<Pod> = sim
        .store()
        .iter::<Pod>()
        .map(|(_, p)| p.clone())
        .filter(|p| p.is_active())
        .collect();
    assert_eq!(pods.len(), 6);
    assert!(
        pods.iter()
            .all(|p| p.spec.containers[0].image.as_str() == "httpd")
    );
    let history = rollout_history(sim.store(), key);
    assert_eq!(history.iter().map(|h| h.revision).collect::<Vec<_>>(), vec![2, 3]);
    let reused = sim
        .store()
        .iter::<ReplicaSet>()
        .map(|(_, r)| r)
        .find(|r| util::revision_of(&r.metadata) == 3)
        .unwrap();
    assert_eq!(reused.metadata.annotations.get(util::REVISION_HISTORY), Some("1"));
    // --to-revision=2 goes back to nginx.
    assert_eq!(rollback(sim.store_mut(), key, Some(2)).unwrap(), 2);
    sim.run_until_idle();
    assert!(
        sim.store()
            .iter::<Pod>()
            .all(|(_, p)| !p.is_active() || p.spec.containers[0].image.as_str() == "nginx:1.7.9")
    );
    assert!(rollback(sim.store_mut(), key, Some(42)).is_err());
    assert_clean(&sim);
}

#[test]
fn recreate_stops_every_old_pod_before_a_new_one_starts() {
    let kubelet = KubeletModel {
        termination_latency: Distribution::fixed_ms(2000),
        ..ready_after(1000)
    };
    let mut sim = sim_with(kubelet, ControllerDelays::default(), 7);
    let d = build::deployment("db", 3)
        .labels(&[("app", "db")])
        .image("postgres:15")
        .recreate()
        .build();
    let key = sim.store_mut().create(d).unwrap();
    sim.run_until_idle();
    set_image(&mut sim, key, "postgres:16");
    for _ in 0..200 {
        sim.run_for(100);
        let pods: Vec<Pod> = sim.store().iter::<Pod>().map(|(_, p)| p.clone()).collect();
        let old = pods
            .iter()
            .filter(|p| p.spec.containers[0].image.as_str() == "postgres:15")
            .count();
        let new = pods
            .iter()
            .filter(|p| p.spec.containers[0].image.as_str() == "postgres:16")
            .count();
        assert!(
            old == 0 || new == 0,
            "old and new pods coexist: {old} old, {new} new"
        );
    }
    let d = sim.store().get(key).unwrap();
    assert_eq!(d.status.available_replicas, 3);
    assert_clean(&sim);
}

#[test]
fn scaling_from_four_to_six_adds_two_pods() {
    let mut sim = sim_with(KubeletModel::instant(), ControllerDelays::default(), 8);
    let key = sim.store_mut().create(apache(4)).unwrap();
    sim.run_until_idle();
    let from = sim.events().len();
    sim.store_mut().update(key, |d| d.spec.replicas = 6).unwrap();
    sim.run_until_idle();
    let rs = newest_rs_name(sim.store(), sim.store().get(key).unwrap());
    let msgs: Vec<String> = sim.events()[from..]
        .iter()
        .filter(|e| e.reason == "ScalingReplicaSet")
        .map(|e| e.message.clone())
        .collect();
    assert_eq!(msgs, vec![format!("Scaled up replica set {rs} from 4 to 6")]);
    assert_eq!(sim.store().iter::<Pod>().filter(|(_, p)| p.is_ready()).count(), 6);
    assert_eq!(
        rollout_history(sim.store(), key).len(),
        1,
        "a scale is not a revision"
    );
    assert_clean(&sim);
}

#[test]
fn scaling_a_complete_deployment_past_capacity_leaves_pods_pending_and_the_cluster_idle() {
    // Three 16-CPU nodes hold three 10-CPU pods. Scaled to five, two stay
    // Pending; the Deployment keeps `NewReplicaSetAvailable` (upstream skips
    // the progress check for one active, once-complete ReplicaSet), and the
    // simulation goes idle instead of resyncing it every simulated second.
    let mut sim = sim_with(KubeletModel::instant(), ControllerDelays::default(), 12);
    let d = build::deployment("big", 3)
        .labels(&[("app", "big")])
        .requests("10", "1Gi")
        .progress_deadline_seconds(30)
        .build();
    let key = sim.store_mut().create(d).unwrap();
    sim.run_until_idle();
    sim.store_mut().update(key, |d| d.spec.replicas = 5).unwrap();
    let scaled_at = sim.now();
    assert_eq!(sim.run_until_idle(), RunOutcome::Idle);
    assert!(
        sim.now().since(scaled_at) < 60_000,
        "idle {} ms after the scale: no resync loop",
        sim.now().since(scaled_at)
    );
    assert_eq!(sim.store().count::<Pod>(), 5);
    let unbound = sim
        .store()
        .iter::<Pod>()
        .filter(|(_, p)| p.node_name.is_none())
        .count();
    assert_eq!(unbound, 2);
    let d = sim.store().get(key).unwrap();
    let c = progressing_condition(d);
    assert_eq!(c.reason.as_str(), "NewReplicaSetAvailable");
    assert_eq!((d.status.replicas, d.status.available_replicas), (5, 3));
    // Running on still passes the scheduler's 5-minute retries and nothing else.
    let events = sim.events().len();
    sim.run_for(3_600_000);
    assert!(
        sim.events()[events..]
            .iter()
            .all(|e| e.reason == "FailedScheduling"),
        "only the scheduler's retries in an hour"
    );
    assert_clean(&sim);
}

#[test]
fn scaling_mid_rollout_is_proportional() {
    // New pods never fit anywhere (their nodeSelector matches no node), so
    // the rollout sticks at (new 5, old 8) with maxSurge 3, maxUnavailable 2.
    let mut sim = sim_with(KubeletModel::instant(), ControllerDelays::default(), 9);
    let d = build::deployment("web", 10)
        .labels(&[("app", "web")])
        .rolling("3", "2")
        .build();
    let key = sim.store_mut().create(d).unwrap();
    sim.run_until_idle();
    sim.store_mut()
        .update(key, |d| {
            Arc::make_mut(&mut d.spec.template.spec).node_selector = [("disk", "nvme")].into_iter().collect()
        })
        .unwrap();
    sim.run_for(60_000);
    let d = sim.store().get(key).unwrap().clone();
    let new_rs = newest_rs_name(sim.store(), &d);
    let size = |sim: &Simulation, name: &str| {
        sim.store()
            .get_named::<ReplicaSet>("default", name)
            .unwrap()
            .spec
            .replicas
    };
    let old_rs = replica_sets(sim.store())
        .into_iter()
        .map(|r| r.metadata.name.to_string())
        .find(|n| *n != new_rs)
        .unwrap();
    assert_eq!((size(&sim, &new_rs), size(&sim, &old_rs)), (5, 8));
    // Scale to 20: allowed 23, to add 10; old gets round(8*23/13)-8 = 6, new round(5*23/13)-5 = 4.
    sim.store_mut().update(key, |d| d.spec.replicas = 20).unwrap();
    sim.run_for(1000);
    assert_eq!((size(&sim, &new_rs), size(&sim, &old_rs)), (9, 14));
    let new_meta = sim
        .store()
        .get_named::<ReplicaSet>("default", &new_rs)
        .unwrap()
        .metadata
        .clone();
    assert_eq!(new_meta.annotations.get(util::DESIRED_REPLICAS), Some("20"));
    assert_eq!(new_meta.annotations.get(util::MAX_REPLICAS), Some("23"));
}

#[test]
fn progress_deadline_exceeded_when_new_pods_never_become_available() {
    let mut sim = sim_with(KubeletModel::instant(), ControllerDelays::default(), 10);
    let d = build::deployment("stuck", 2)
        .labels(&[("app", "stuck")])
        .progress_deadline_seconds(30)
        .build();
    let key = sim.store_mut().create(d).unwrap();
    sim.run_until_idle();
    sim.store_mut()
        .update(key, |d| {
            Arc::make_mut(&mut d.spec.template.spec).node_selector = [("gpu", "a100")].into_iter().collect()
        })
        .unwrap();
    sim.run_for(120_000);
    let d = sim.store().get(key).unwrap();
    let c = progressing_condition(d);
    assert_eq!(
        (c.status, c.reason.as_str()),
        (ConditionStatus::False, "ProgressDeadlineExceeded")
    );
    assert!(c.message.contains("has timed out progressing"));
}

#[test]
fn min_ready_seconds_delays_availability() {
    let mut sim = sim_with(KubeletModel::instant(), ControllerDelays::default(), 11);
    let d = build::deployment("slow", 2)
        .labels(&[("app", "slow")])
        .min_ready_seconds(10)
        .build();
    let key = sim.store_mut().create(d).unwrap();
    sim.run_for(5000);
    let d = sim.store().get(key).unwrap();
    assert_eq!((d.status.ready_replicas, d.status.available_replicas), (2, 0));
    sim.run_until_idle();
    let d = sim.store().get(key).unwrap();
    assert_eq!(d.status.available_replicas, 2);
    assert!(sim.now().millis() >= 10_000);
}

#[test]
fn paused_deployment_does_not_roll_out_until_resumed() {
    let mut sim = sim_with(KubeletModel::instant(), ControllerDelays::default(), 12);
    let key = sim.store_mut().create(apache(3)).unwrap();
    sim.run_until_idle();
    sim.store_mut().update(key, |d| d.spec.paused = true).unwrap();
    set_image(&mut sim, key, "httpd:2.4");
    sim.run_until_idle();
    assert_eq!(
        sim.store().count::<ReplicaSet>(),
        1,
        "no new replica set while paused"
    );
    sim.store_mut().update(key, |d| d.spec.paused = false).unwrap();
    sim.run_until_idle();
    assert_eq!(sim.store().count::<ReplicaSet>(), 2);
    assert!(
        sim.store()
            .iter::<Pod>()
            .all(|(_, p)| p.spec.containers[0].image.as_str() == "httpd:2.4")
    );
}

#[test]
fn revision_history_limit_keeps_only_that_many_old_replica_sets() {
    let mut sim = sim_with(KubeletModel::instant(), ControllerDelays::default(), 13);
    let key = sim
        .store_mut()
        .create(
            build::deployment("web", 2)
                .labels(&[("app", "web")])
                .revision_history_limit(2)
                .build(),
        )
        .unwrap();
    sim.run_until_idle();
    for v in 1..=4 {
        set_image(&mut sim, key, &format!("nginx:{v}"));
        sim.run_until_idle();
    }
    assert_eq!(
        sim.store().count::<ReplicaSet>(),
        3,
        "the new one and two old ones"
    );
    let revs: Vec<i64> = rollout_history(sim.store(), key)
        .iter()
        .map(|h| h.revision)
        .collect();
    assert_eq!(revs, vec![3, 4, 5]);
}

#[test]
fn a_recreated_deployment_adopts_the_replica_set_its_predecessor_orphaned() {
    let mut sim = sim_with(ready_after(0), ControllerDelays::default(), 1);
    let key = sim.store_mut().create(apache(3)).unwrap();
    sim.run_until_idle();
    let pods: Vec<String> = sim
        .store()
        .iter::<Pod>()
        .map(|(_, p)| p.metadata.name.to_string())
        .collect();
    assert_eq!(pods.len(), 3);
    sim.store_mut()
        .delete(
            key,
            kubesim::store::DeleteOptions::propagation(kubesim::store::Propagation::Orphan),
        )
        .unwrap();
    sim.run_until_idle();
    let orphaned = replica_sets(sim.store());
    assert_eq!(orphaned.len(), 1, "the ReplicaSet stays");
    assert!(orphaned[0].metadata.controller_ref().is_none(), "released");
    let again = sim.store_mut().create(apache(3)).unwrap();
    sim.run_until_idle();
    let uid = sim.store().get(again).unwrap().metadata.uid;
    let rss = replica_sets(sim.store());
    assert_eq!(rss.len(), 1, "adopted, not replaced");
    assert_eq!(rss[0].metadata.controller_ref().map(|r| r.uid), Some(uid));
    let after: Vec<String> = sim
        .store()
        .iter::<Pod>()
        .map(|(_, p)| p.metadata.name.to_string())
        .collect();
    assert_eq!(after, pods, "the same pods keep running");
    assert_clean(&sim);
}
