//! Pods over time: node failure and eviction, crash loops, missing
//! ConfigMaps, namespace deletion, and determinism of the whole trace.

use kubesim::api::pod::{ContainerState, PodPhase, RestartPolicy, WaitingReason};
use kubesim::api::{ConfigMap, Deployment, Namespace, Node, ObjectMeta, Pod};
use kubesim::build;
use kubesim::sim::{Distribution, KubeletModel, Millis, SimConfig, Simulation};
use kubesim::store::DeleteOptions;

fn sim(kubelet: KubeletModel, seed: u64) -> Simulation {
    let config = SimConfig {
        kubelet,
        keep_events: true,
        check_invariants: true,
        ..SimConfig::default()
    };
    Simulation::new(config, seed)
}

fn active_pods(sim: &Simulation) -> Vec<Pod> {
    sim.store()
        .iter::<Pod>()
        .map(|(_, p)| p.clone())
        .filter(|p| p.is_active())
        .collect()
}

#[test]
fn failed_node_is_tainted_and_its_pods_are_replaced_after_the_default_toleration() {
    let mut sim = sim(KubeletModel::default(), 1);
    for i in 0..3 {
        sim.store_mut()
            .create(build::node(&format!("n{i}"), "4", "16Gi").build())
            .unwrap();
    }
    sim.store_mut()
        .create(
            build::deployment("web", 6)
                .labels(&[("app", "web")])
                .requests("1", "1Gi")
                .build(),
        )
        .unwrap();
    sim.run_until_idle();
    let victim = active_pods(&sim)[0].node_name.unwrap().as_str().to_owned();
    let on_victim = active_pods(&sim)
        .iter()
        .filter(|p| p.node_name.map(|n| n.as_str()) == Some(victim.as_str()))
        .count();
    assert!(on_victim > 0);
    sim.fail_node(&victim).unwrap();
    sim.run_for(41_000);
    let node = sim.store().get_named::<Node>("", &victim).unwrap();
    assert!(!node.is_ready(), "NotReady after the 40 s grace period");
    assert!(
        node.spec
            .taints
            .iter()
            .any(|t| t.key.as_str() == "node.kubernetes.io/unreachable")
    );
    assert_eq!(
        active_pods(&sim).len(),
        6,
        "pods stay during their 300 s toleration"
    );
    sim.run_for(300_000);
    let pods = active_pods(&sim);
    assert_eq!(pods.len(), 6, "replacements exist");
    assert!(
        pods.iter()
            .all(|p| p.node_name.map(|n| n.as_str()) != Some(victim.as_str()))
    );
    sim.run_for(10_000);
    assert!(active_pods(&sim).iter().all(Pod::is_ready));
    // The evicted pods stay Terminating until the node comes back.
    let terminating = sim
        .store()
        .iter::<Pod>()
        .filter(|(_, p)| p.metadata.deletion_timestamp.is_some())
        .count();
    assert_eq!(terminating, on_victim);
    sim.recover_node(&victim).unwrap();
    sim.run_until_idle();
    assert_eq!(sim.store().count::<Pod>(), 6);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

// Found by controller_ops (pod-start-lost-while-node-down): the kubelet
// dropped the steps that came due while its node was down, so a pod that was
// starting when the node failed stayed ContainerCreating forever after it
// recovered.
#[test]
fn pod_starting_when_its_node_fails_starts_once_the_node_recovers() {
    let mut sim = sim(KubeletModel::default(), 1);
    sim.store_mut()
        .create(build::node("n0", "2", "8Gi").build())
        .unwrap();
    sim.store_mut().create(build::pod("p").build()).unwrap();
    sim.run_for(100);
    let pod = |sim: &Simulation| sim.store().get_named::<Pod>("default", "p").unwrap().clone();
    assert!(
        pod(&sim).node_name.is_some() && !pod(&sim).is_ready(),
        "bound, starting (1 s)"
    );
    sim.fail_node("n0").unwrap();
    sim.run_for(10_000);
    assert_eq!(
        pod(&sim).status.phase,
        PodPhase::Pending,
        "a stopped kubelet starts nothing"
    );
    sim.recover_node("n0").unwrap();
    sim.run_for(0);
    assert_eq!(pod(&sim).status.phase, PodPhase::Running);
    assert!(
        pod(&sim).is_ready(),
        "the recovered kubelet finishes the start it missed"
    );
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn crashing_container_restarts_with_crash_loop_back_off() {
    let model = KubeletModel {
        crash_probability: 1.0,
        crash_after: Distribution::fixed_ms(1000),
        ..KubeletModel::instant()
    };
    let mut sim = sim(model, 2);
    sim.store_mut()
        .create(build::node("n0", "4", "16Gi").build())
        .unwrap();
    let key = sim.store_mut().create(build::pod("crashy").build()).unwrap();
    // Crash at 1 s, restart after 10 s, crash 1 s later, restart after 20 s...
    sim.run_for(1_500);
    let p = sim.store().get(key).unwrap();
    assert_eq!(
        p.status.container_state,
        ContainerState::Waiting(WaitingReason::CrashLoopBackOff)
    );
    assert!(!p.is_ready());
    sim.run_for(10_000);
    assert_eq!(sim.store().get(key).unwrap().status.restart_count, 1);
    sim.run_for(22_000);
    assert_eq!(sim.store().get(key).unwrap().status.restart_count, 2);
    assert_eq!(sim.store().get(key).unwrap().status.phase, PodPhase::Running);
}

#[test]
fn run_to_completion_pods_succeed_or_fail_per_restart_policy() {
    let model = KubeletModel {
        run_time: Distribution::fixed_ms(5000),
        ..KubeletModel::instant()
    };
    let mut sim = sim(model, 3);
    sim.store_mut()
        .create(build::node("n0", "4", "16Gi").build())
        .unwrap();
    let key = sim
        .store_mut()
        .create(build::pod("batch").restart_policy(RestartPolicy::Never).build())
        .unwrap();
    sim.run_until_idle();
    assert_eq!(sim.store().get(key).unwrap().status.phase, PodPhase::Succeeded);
    let model = KubeletModel {
        crash_probability: 1.0,
        ..KubeletModel::instant()
    };
    let mut sim = self::sim(model, 4);
    sim.store_mut()
        .create(build::node("n0", "4", "16Gi").build())
        .unwrap();
    let key = sim
        .store_mut()
        .create(build::pod("fails").restart_policy(RestartPolicy::Never).build())
        .unwrap();
    sim.run_until_idle();
    assert_eq!(sim.store().get(key).unwrap().status.phase, PodPhase::Failed);
}

#[test]
fn pod_waits_for_its_config_map() {
    let mut sim = sim(KubeletModel::instant(), 5);
    sim.store_mut()
        .create(build::node("n0", "4", "16Gi").build())
        .unwrap();
    let pod = build::pod("app")
        .spec(|s| {
            s.volumes.push(kubesim::api::pod::Volume {
                name: "config".into(),
                config_map: Some(kubesim::api::pod::ObjectRefSelector {
                    name: "settings".into(),
                    optional: None,
                }),
                secret: None,
                persistent_volume_claim: None,
            })
        })
        .build();
    let key = sim.store_mut().create(pod).unwrap();
    sim.run_for(5_000);
    let p = sim.store().get(key).unwrap();
    assert_eq!(
        p.status.container_state,
        ContainerState::Waiting(WaitingReason::CreateContainerConfigError)
    );
    assert_eq!(
        p.status.message.as_deref(),
        Some("configmap \"settings\" not found")
    );
    let cm = ConfigMap {
        metadata: ObjectMeta::named("default", "settings"),
        ..ConfigMap::default()
    };
    sim.store_mut().create(cm).unwrap();
    sim.run_for(11_000);
    assert!(
        sim.store().get(key).unwrap().is_ready(),
        "the kubelet retries and starts the pod"
    );
}

#[test]
fn deleting_a_namespace_deletes_everything_in_it() {
    let mut sim = sim(KubeletModel::instant(), 6);
    sim.store_mut()
        .create(build::node("n0", "8", "32Gi").build())
        .unwrap();
    sim.store_mut()
        .create(Namespace {
            metadata: ObjectMeta::named("", "myapp-test"),
            ..Namespace::default()
        })
        .unwrap();
    sim.store_mut()
        .create(
            build::deployment("web", 3)
                .labels(&[("app", "web")])
                .namespace("myapp-test")
                .build(),
        )
        .unwrap();
    sim.store_mut()
        .create(build::deployment("web", 2).labels(&[("app", "web")]).build())
        .unwrap();
    sim.run_until_idle();
    assert_eq!(active_pods(&sim).len(), 5);
    let ns = sim.store().lookup::<Namespace>("", "myapp-test").unwrap();
    sim.store_mut().delete(ns, DeleteOptions::default()).unwrap();
    // New objects are refused while it terminates.
    let refused = sim
        .store_mut()
        .create(build::pod("late").namespace("myapp-test").build());
    assert!(refused.unwrap_err().to_string().contains("is being terminated"));
    sim.run_until_idle();
    assert!(sim.store().lookup::<Namespace>("", "myapp-test").is_none());
    assert_eq!(active_pods(&sim).len(), 2, "the default namespace is untouched");
    assert_eq!(sim.store().count::<Deployment>(), 1);
}

fn busy_cluster(seed: u64, threads: usize) -> (u64, u64) {
    let run = || {
        let model = KubeletModel {
            start_latency: Distribution::Uniform {
                min: Millis(500),
                max: Millis(3000),
            },
            readiness_delay: Distribution::LogNormal {
                median: Millis(2000),
                sigma: 0.5,
            },
            ..KubeletModel::default()
        };
        let mut sim = Simulation::new(
            SimConfig {
                kubelet: model,
                ..SimConfig::default()
            },
            seed,
        );
        for i in 0..40 {
            let zone = ["a", "b", "c"][i % 3];
            sim.store_mut()
                .create(
                    build::node(&format!("n{i}"), "8", "32Gi")
                        .label("topology.kubernetes.io/zone", zone)
                        .build(),
                )
                .unwrap();
        }
        for d in 0..60 {
            let dep = build::deployment(&format!("app-{d}"), 5)
                .labels(&[("app", &format!("app-{d}"))])
                .requests("200m", "256Mi")
                .build();
            sim.store_mut().create(dep).unwrap();
        }
        sim.run_until_idle();
        for (key, _) in sim
            .store()
            .iter::<Deployment>()
            .map(|(k, d)| (k, d.clone()))
            .collect::<Vec<_>>()
        {
            sim.store_mut()
                .update(key, |d| {
                    std::sync::Arc::make_mut(&mut d.spec.template.spec).containers[0].image = "nginx:2".into()
                })
                .unwrap();
        }
        sim.fail_node("n3").unwrap();
        sim.run_until_idle();
        (sim.trace_hash(), sim.event_log().total())
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(run)
}

#[test]
fn same_seed_same_trace_hash_with_one_and_two_threads() {
    let a = busy_cluster(42, 1);
    let b = busy_cluster(42, 1);
    let c = busy_cluster(42, 2);
    assert_eq!(a, b, "run after run");
    assert_eq!(a, c, "1 thread vs 2");
    assert!(a.1 > 1000, "a busy run: {} events", a.1);
    assert_ne!(a.0, busy_cluster(43, 1).0, "another seed, another trace");
}
