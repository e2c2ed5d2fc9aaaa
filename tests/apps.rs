//! The guides' DaemonSet and StatefulSet stories (`shared/seeds/001`
//! "DaemonSets and Jobs", `shared/seeds/003` chapter 6), applied as YAML
//! the way `kubectl apply -f` would, plus the upstream rules around them.

use kubesim::api::pod::PodPhase;
use kubesim::api::scheduling::TaintEffect;
use kubesim::api::{DaemonSet, Node, Pod};
use kubesim::build;
use kubesim::controllers::checks::{daemonset_one_per_eligible_node, statefulset_ordinals};
use kubesim::controllers::daemonset::target_node;
use kubesim::events::Event;
use kubesim::manifest::parse_manifests;
use kubesim::sim::{SimConfig, Simulation};
use kubesim::store::{DeleteOptions, Store};

/// A cluster of `nodes` nodes (`node-0`...) whose kubelet starts pods in 1 s.
pub fn cluster(nodes: usize, seed: u64) -> Simulation {
    let config = SimConfig {
        keep_events: true,
        check_invariants: true,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, seed);
    for i in 0..nodes {
        sim.store_mut()
            .create(build::node(&format!("node-{i}"), "8", "32Gi").build())
            .unwrap();
    }
    sim
}

/// Applies a YAML manifest (`kubectl apply -f`).
pub fn apply(sim: &mut Simulation, yaml: &str) {
    let objs = parse_manifests(yaml, "test.yaml").unwrap_or_else(|e| panic!("{e}"));
    sim.apply(objs.into_iter().map(|o| o.object))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Active pods whose name starts with `prefix`, sorted by name.
pub fn pods(store: &Store, prefix: &str) -> Vec<Pod> {
    let mut out: Vec<Pod> = store
        .iter::<Pod>()
        .map(|(_, p)| p)
        .filter(|p| p.is_active() && p.metadata.name.to_string().starts_with(prefix))
        .cloned()
        .collect();
    out.sort_by_key(|p| p.metadata.name.to_string());
    out
}

/// Messages of events with `reason`, in order.
pub fn messages(events: &[Event], reason: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.reason == reason)
        .map(|e| e.message.clone())
        .collect()
}

fn assert_clean(sim: &Simulation) {
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert_eq!(daemonset_one_per_eligible_node(sim.store()), Vec::<String>::new());
    assert_eq!(statefulset_ordinals(sim.store()), Vec::<String>::new());
}

const FLUENTD: &str = r#"
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluentd
spec:
  selector:
    matchLabels: {app: fluentd}
  template:
    metadata:
      labels: {app: fluentd}
    spec:
      containers:
      - name: fluentd
        image: fluentd:v1
        resources:
          requests: {cpu: 100m, memory: 200Mi}
"#;

fn ds(store: &Store, name: &str) -> DaemonSet {
    store.get_named::<DaemonSet>("default", name).unwrap().clone()
}

#[test]
fn daemonset_runs_one_pod_on_every_node_and_on_new_nodes() {
    let mut sim = cluster(3, 1);
    apply(&mut sim, FLUENTD);
    sim.run_until_idle();
    let p = pods(sim.store(), "fluentd-");
    assert_eq!(p.len(), 3);
    let mut nodes: Vec<String> = p.iter().map(|p| p.node_name.unwrap().to_string()).collect();
    nodes.sort();
    assert_eq!(nodes, ["node-0", "node-1", "node-2"]);
    for pod in &p {
        // Pinned by node affinity, placed by the scheduler.
        assert_eq!(target_node(pod), pod.node_name);
        assert!(pod.is_ready());
        assert!(pod.metadata.labels.get_str("controller-revision-hash").is_some());
        let keys: Vec<&str> = pod.spec.tolerations.iter().map(|t| t.key.as_str()).collect();
        assert!(keys.contains(&"node.kubernetes.io/unschedulable"), "{keys:?}");
    }
    let created = messages(sim.events(), "SuccessfulCreate");
    assert_eq!(created.len(), 3);
    assert!(created.iter().all(|m| m.starts_with("Created pod: fluentd-")));
    let s = ds(sim.store(), "fluentd").status;
    assert_eq!(
        (
            s.desired_number_scheduled,
            s.current_number_scheduled,
            s.number_ready,
            s.number_available
        ),
        (3, 3, 3, 3)
    );
    assert_eq!(
        (
            s.updated_number_scheduled,
            s.number_misscheduled,
            s.number_unavailable
        ),
        (3, 0, 0)
    );

    // "It creates Pods on each added node."
    sim.store_mut()
        .create(build::node("node-3", "8", "32Gi").build())
        .unwrap();
    sim.run_until_idle();
    let p = pods(sim.store(), "fluentd-");
    assert_eq!(p.len(), 4);
    assert!(
        p.iter()
            .any(|p| p.node_name.map(|n| n.as_str()) == Some("node-3"))
    );
    assert_eq!(ds(sim.store(), "fluentd").status.number_available, 4);

    assert_clean(&sim);
}

#[test]
fn node_selector_limits_the_daemonset_and_follows_node_labels() {
    let mut sim = cluster(0, 2);
    for (name, ssd) in [("a", true), ("b", false), ("c", true)] {
        let mut n = build::node(name, "4", "8Gi");
        if ssd {
            n = n.label("disktype", "ssd");
        }
        sim.store_mut().create(n.build()).unwrap();
    }
    apply(
        &mut sim,
        &FLUENTD.replace(
            "    spec:\n      containers:",
            "    spec:\n      nodeSelector: {disktype: ssd}\n      containers:",
        ),
    );
    sim.run_until_idle();
    let on = |sim: &Simulation| {
        let mut v: Vec<String> = pods(sim.store(), "fluentd-")
            .iter()
            .map(|p| p.node_name.unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(on(&sim), ["a", "c"]);
    // Labelling node b gives it a daemon pod; unlabelling a takes a's away.
    let b = sim.store().lookup::<Node>("", "b").unwrap();
    sim.store_mut()
        .update(b, |n| {
            n.metadata.labels = n.metadata.labels.with("disktype".into(), "ssd".into())
        })
        .unwrap();
    let a = sim.store().lookup::<Node>("", "a").unwrap();
    sim.store_mut()
        .update(a, |n| {
            n.metadata.labels = n.metadata.labels.without("disktype".into())
        })
        .unwrap();
    sim.run_until_idle();
    assert_eq!(on(&sim), ["b", "c"]);
    let s = ds(sim.store(), "fluentd").status;
    assert_eq!((s.desired_number_scheduled, s.number_misscheduled), (2, 0));
    assert_clean(&sim);
}

#[test]
fn taints_keep_daemon_pods_off_and_no_execute_evicts_but_cordoning_does_not() {
    let mut sim = cluster(0, 3);
    sim.store_mut()
        .create(build::node("cordoned", "4", "8Gi").unschedulable().build())
        .unwrap();
    sim.store_mut()
        .create(
            build::node("gpu", "4", "8Gi")
                .taint("dedicated", "gpu", TaintEffect::NoSchedule)
                .build(),
        )
        .unwrap();
    sim.store_mut()
        .create(build::node("plain", "4", "8Gi").build())
        .unwrap();
    apply(&mut sim, FLUENTD);
    sim.run_until_idle();
    let nodes = |sim: &Simulation| {
        let mut v: Vec<String> = pods(sim.store(), "fluentd-")
            .iter()
            .filter_map(|p| p.node_name.map(|n| n.to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(nodes(&sim), ["cordoned", "plain"]);
    // A NoSchedule taint lets the running pod stay; NoExecute removes it.
    let plain = sim.store().lookup::<Node>("", "plain").unwrap();
    sim.store_mut()
        .update(plain, |n| {
            n.spec.taints.push(kubesim::api::scheduling::Taint {
                key: "maintenance".into(),
                value: kubesim::Symbol::EMPTY,
                effect: TaintEffect::NoSchedule,
                time_added: None,
            })
        })
        .unwrap();
    sim.run_until_idle();
    assert_eq!(nodes(&sim), ["cordoned", "plain"]);
    let s = ds(sim.store(), "fluentd").status;
    assert_eq!((s.desired_number_scheduled, s.number_misscheduled), (1, 1));
    sim.store_mut()
        .update(plain, |n| n.spec.taints[0].effect = TaintEffect::NoExecute)
        .unwrap();
    sim.run_until_idle();
    assert_eq!(nodes(&sim), ["cordoned"]);
    assert_clean(&sim);
}

fn rolling(sim: &mut Simulation, strategy: &str) {
    let yaml = FLUENTD.replace(
        "spec:\n  selector:",
        &format!("spec:\n  updateStrategy:\n{strategy}\n  selector:"),
    );
    apply(sim, &yaml);
    sim.run_until_idle();
}

fn set_image(sim: &mut Simulation, image: &str) {
    let key = sim.store().lookup::<DaemonSet>("default", "fluentd").unwrap();
    sim.store_mut()
        .update(key, |d| {
            std::sync::Arc::make_mut(&mut d.spec.template.spec).containers[0].image = image.into()
        })
        .unwrap();
}

#[test]
fn rolling_update_replaces_one_node_at_a_time() {
    let mut sim = cluster(4, 4);
    rolling(&mut sim, "    type: RollingUpdate");
    let old_hash = pods(sim.store(), "fluentd-")[0]
        .metadata
        .labels
        .get_str("controller-revision-hash");
    set_image(&mut sim, "fluentd:v2");
    // Step through time: never more than one node without an available pod.
    let mut worst = 0;
    for _ in 0..200 {
        sim.run_for(100);
        let available = pods(sim.store(), "fluentd-")
            .iter()
            .filter(|p| p.is_ready() && p.metadata.deletion_timestamp.is_none())
            .count();
        worst = worst.max(4 - available);
    }
    assert_eq!(worst, 1);
    let p = pods(sim.store(), "fluentd-");
    assert_eq!(p.len(), 4);
    assert!(
        p.iter()
            .all(|p| p.spec.containers[0].image.as_str() == "fluentd:v2")
    );
    assert!(
        p.iter()
            .all(|p| p.metadata.labels.get_str("controller-revision-hash") != old_hash)
    );
    assert_eq!(messages(sim.events(), "SuccessfulDelete").len(), 4);
    assert_eq!(ds(sim.store(), "fluentd").status.updated_number_scheduled, 4);
    assert_clean(&sim);
}

#[test]
fn max_surge_starts_the_new_pod_before_deleting_the_old_one() {
    let mut sim = cluster(2, 5);
    rolling(
        &mut sim,
        "    type: RollingUpdate\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}",
    );
    set_image(&mut sim, "fluentd:v2");
    let mut most = 0;
    for _ in 0..100 {
        sim.run_for(100);
        most = most.max(pods(sim.store(), "fluentd-").len());
        let ready = pods(sim.store(), "fluentd-")
            .iter()
            .filter(|p| p.is_ready())
            .count();
        assert!(ready >= 2, "maxUnavailable 0 keeps every node served");
    }
    assert_eq!(most, 3);
    let p = pods(sim.store(), "fluentd-");
    assert_eq!(p.len(), 2);
    assert!(
        p.iter()
            .all(|p| p.spec.containers[0].image.as_str() == "fluentd:v2")
    );
    assert_clean(&sim);
}

#[test]
fn on_delete_updates_only_deleted_pods() {
    let mut sim = cluster(2, 6);
    rolling(&mut sim, "    type: OnDelete");
    set_image(&mut sim, "fluentd:v2");
    sim.run_until_idle();
    assert!(
        pods(sim.store(), "fluentd-")
            .iter()
            .all(|p| p.spec.containers[0].image.as_str() == "fluentd:v1")
    );
    assert_eq!(ds(sim.store(), "fluentd").status.updated_number_scheduled, 0);
    let victim = pods(sim.store(), "fluentd-")[0].metadata.name.to_string();
    let key = sim.store().lookup::<Pod>("default", &victim).unwrap();
    sim.store_mut().delete(key, DeleteOptions::default()).unwrap();
    sim.run_until_idle();
    let images: Vec<&str> = pods(sim.store(), "fluentd-")
        .iter()
        .map(|p| p.spec.containers[0].image.as_str())
        .collect();
    assert_eq!(images.iter().filter(|i| **i == "fluentd:v2").count(), 1);
    assert_eq!(ds(sim.store(), "fluentd").status.updated_number_scheduled, 1);
    assert_clean(&sim);
}

#[test]
fn failed_daemon_pods_are_replaced_and_extra_pods_pruned() {
    let mut sim = cluster(1, 7);
    apply(&mut sim, FLUENTD);
    sim.run_until_idle();
    let name = pods(sim.store(), "fluentd-")[0].metadata.name.to_string();
    let key = sim.store().lookup::<Pod>("default", &name).unwrap();
    sim.store_mut()
        .update(key, |p| p.status.phase = PodPhase::Failed)
        .unwrap();
    sim.run_until_idle();
    let warn = messages(sim.events(), "FailedDaemonPod");
    assert_eq!(
        warn,
        [format!(
            "Found failed daemon pod default/{name} on node node-0, will try to kill it"
        )]
    );
    let p = pods(sim.store(), "fluentd-");
    assert_eq!(p.len(), 1);
    assert_ne!(p[0].metadata.name.to_string(), name);
    // An orphan with the DaemonSet's labels on the same node is adopted,
    // and the younger of the two goes.
    let orphan = build::pod("stray")
        .labels(&[("app", "fluentd")])
        .spec(|s| s.node_name = Some("node-0".into()))
        .build();
    sim.store_mut().create(orphan).unwrap();
    sim.run_until_idle();
    assert!(sim.store().get_named::<Pod>("default", "stray").is_none());
    assert_eq!(pods(sim.store(), "fluentd-").len(), 1);
    assert_clean(&sim);
}

/// Everything this module's controllers do replays bit for bit.
#[test]
fn mixed_workloads_replay_bit_for_bit() {
    let run = |seed: u64| {
        let mut sim = cluster(3, seed);
        apply(&mut sim, FLUENTD);
        apply(
            &mut sim,
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 2\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres\n        resources:\n          requests: {cpu: 250m}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: db\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}\n  minReplicas: 3\n  maxReplicas: 4\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: db}\n",
        );
        sim.run_for(120_000);
        (
            sim.trace_hash(),
            pods(sim.store(), "db-").len(),
            sim.events().len(),
        )
    };
    let a = run(11);
    assert_eq!(a, run(11));
    assert_eq!(a.1, 3, "the HPA raised the StatefulSet to its minimum");
}

const CONVERGED_KINDS: &str = r#"
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec:
  hard: {pods: "20", requests.cpu: "10", count/jobs.batch: "5"}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: agent, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: perl, resources: {requests: {cpu: 100m}}}]
"#;

/// The convergence invariants of the later kinds hold on a real run: a
/// DaemonSet on every node, a StatefulSet's ordinals 0..3, a finished Job's
/// counts and a quota's usage, after scaling the set down and a node joins.
#[test]
fn the_later_kinds_pass_the_convergence_checker_after_a_run() {
    let mut sim = cluster(2, 5);
    apply(&mut sim, CONVERGED_KINDS);
    sim.run_for(120_000);
    sim.store_mut()
        .create(build::node("node-2", "8", "32Gi").build())
        .unwrap();
    let set = sim
        .store()
        .lookup::<kubesim::api::StatefulSet>("default", "web")
        .unwrap();
    sim.store_mut().update(set, |s| s.spec.replicas = 2).unwrap();
    sim.run_until_idle();
    assert!(sim.check_converged(), "the run went idle");
    assert_clean(&sim);
    assert_eq!(pods(sim.store(), "web-").len(), 2);
    assert_eq!(pods(sim.store(), "agent-").len(), 3);
    let q = sim
        .store()
        .get_named::<kubesim::api::ResourceQuota>("default", "q")
        .unwrap();
    assert_eq!(
        q.status.used.get_or_zero(kubesim::intern::Symbol::intern("pods")),
        5
    );
}
