//! The guides' autoscaling stories (`shared/seeds/003` 4.7 `kubectl
//! autoscale rs web --max=5` and 5.8 `kubectl autoscale deployment
//! apache-deployment --min=6 --max=10 --cpu-percent=70`) under the
//! simulated load model, and the ResourceQuota and PodDisruptionBudget
//! status controllers.

use kubesim::api::{
    Deployment, HorizontalPodAutoscaler, PodDisruptionBudget, ReplicaSet, ResourceQuota, StatefulSet,
};
use kubesim::controllers::hpa::calc::CPU_UTILIZATION_ANNOTATION;
use kubesim::sim::{KubeletModel, SimConfig, Simulation};
use kubesim::store::Store;
use kubesim::{Symbol, api::Pod};

use crate::apps::{apply, messages};

fn cluster(seed: u64) -> Simulation {
    let config = SimConfig {
        keep_events: true,
        check_invariants: true,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, seed);
    for i in 0..3 {
        sim.store_mut()
            .create(kubesim::build::node(&format!("node-{i}"), "8", "32Gi").build())
            .unwrap();
    }
    sim
}

fn workload(kind: &str, name: &str, replicas: i32, cpu: Option<&str>) -> String {
    let requests = cpu.map_or(String::new(), |c| {
        format!("        resources:\n          requests: {{cpu: {c}}}\n")
    });
    let service = if kind == "StatefulSet" {
        "  serviceName: web\n"
    } else {
        ""
    };
    format!(
        "apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n{service}  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n      - name: web\n        image: httpd\n{requests}"
    )
}

fn hpa(kind: &str, name: &str, min: Option<i32>, max: i32, cpu: Option<i32>) -> String {
    let min = min.map_or(String::new(), |m| format!("  minReplicas: {m}\n"));
    let metrics = cpu.map_or(String::new(), |c| {
        format!(
            "  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n      target:\n        type: Utilization\n        averageUtilization: {c}\n"
        )
    });
    format!(
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: {kind}\n    name: {name}\n{min}  maxReplicas: {max}\n{metrics}"
    )
}

/// `kubectl annotate pods -l app=<app> kubesim.dev/cpu-utilization=<pct> --overwrite`.
fn load(sim: &mut Simulation, app: &str, pct: i32) {
    let keys: Vec<_> = sim
        .store()
        .iter::<Pod>()
        .filter(|(_, p)| p.is_active() && p.metadata.labels.get_str("app") == Some(app))
        .map(|(k, _)| k)
        .collect();
    for k in keys {
        sim.store_mut()
            .update(k, |p| {
                p.metadata
                    .annotations
                    .set(CPU_UTILIZATION_ANNOTATION, &pct.to_string())
            })
            .unwrap();
    }
}

fn replicas<T: kubesim::store::Stored>(store: &Store, name: &str, f: impl Fn(&T) -> i32) -> i32 {
    f(store.get_named::<T>("default", name).unwrap())
}

fn rescales(sim: &Simulation) -> Vec<String> {
    messages(sim.events(), "SuccessfulRescale")
}

const UP: &str = "cpu resource utilization (percentage of request) above target";

#[test]
fn apache_deployment_scales_between_six_and_ten_with_a_stabilized_scale_down() {
    let mut sim = cluster(1);
    apply(
        &mut sim,
        &workload("Deployment", "apache-deployment", 6, Some("200m")),
    );
    sim.run_until_idle();
    apply(
        &mut sim,
        &hpa("Deployment", "apache-deployment", Some(6), 10, Some(70)),
    );
    // 50 % of the request against a 70 % target would be 5 pods: held at 6.
    sim.run_for(60_000);
    assert!(rescales(&sim).is_empty());
    let h = sim
        .store()
        .get_named::<HorizontalPodAutoscaler>("default", "apache-deployment")
        .unwrap();
    assert_eq!((h.status.current_replicas, h.status.desired_replicas), (6, 6));
    // Load rises to 90 %: ceil(6 × 90/70) = 8.
    load(&mut sim, "apache-deployment", 90);
    sim.run_for(15_000);
    assert_eq!(rescales(&sim), [format!("New size: 8; reason: {UP}")]);
    // The new pods idle at 50 %: (6×180 + 2×100)/1600 = 80 % → 10, then
    // 74 % is within the 10 % tolerance.
    sim.run_for(120_000);
    assert_eq!(
        rescales(&sim).last().unwrap(),
        &format!("New size: 10; reason: {UP}")
    );
    assert_eq!(
        replicas::<Deployment>(sim.store(), "apache-deployment", |d| d.spec.replicas),
        10
    );
    // Load drops: the scale-down waits out five minutes of recommendations.
    load(&mut sim, "apache-deployment", 20);
    let dropped = sim.now();
    sim.run_for(284_000);
    assert_eq!(
        replicas::<Deployment>(sim.store(), "apache-deployment", |d| d.spec.replicas),
        10
    );
    sim.run_for(46_000);
    assert_eq!(
        replicas::<Deployment>(sim.store(), "apache-deployment", |d| d.spec.replicas),
        6
    );
    assert_eq!(
        rescales(&sim).last().unwrap(),
        "New size: 6; reason: All metrics below target"
    );
    let h = sim
        .store()
        .get_named::<HorizontalPodAutoscaler>("default", "apache-deployment")
        .unwrap();
    assert!(h.status.last_scale_time.unwrap().since(dropped) > 285_000);
    sim.run_for(30_000);
    let pods = sim
        .store()
        .iter::<Pod>()
        .filter(|(_, p)| p.is_active() && p.metadata.labels.get_str("app") == Some("apache-deployment"))
        .count();
    assert_eq!(pods, 6);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn autoscaling_a_replicaset_up_to_five_and_back_down_to_the_default_minimum() {
    let mut sim = cluster(2);
    apply(&mut sim, &workload("ReplicaSet", "web", 4, Some("100m")));
    sim.run_until_idle();
    // `kubectl scale --replicas=2 rs/web`, then `kubectl autoscale rs web --max=5`.
    let k = sim.store().lookup::<ReplicaSet>("default", "web").unwrap();
    sim.store_mut().update(k, |r| r.spec.replicas = 2).unwrap();
    sim.run_until_idle();
    apply(
        &mut sim,
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: ReplicaSet\n    name: web\n  maxReplicas: 5\n",
    );
    sim.run_for(30_000);
    assert!(rescales(&sim).is_empty());
    load(&mut sim, "web", 200);
    sim.run_for(90_000);
    // 2.5 × 2 = 5 is capped by the scale-up limit max(2 × 2, 4) = 4 first.
    assert_eq!(
        rescales(&sim),
        [
            format!("New size: 4; reason: {UP}"),
            format!("New size: 5; reason: {UP}")
        ]
    );
    assert_eq!(replicas::<ReplicaSet>(sim.store(), "web", |r| r.spec.replicas), 5);
    load(&mut sim, "web", 10);
    sim.run_for(330_000);
    // The guide says it stays at two; the API's default minReplicas is 1.
    assert_eq!(
        rescales(&sim).last().unwrap(),
        "New size: 1; reason: All metrics below target"
    );
    assert_eq!(replicas::<ReplicaSet>(sim.store(), "web", |r| r.spec.replicas), 1);
}

#[test]
fn bounds_missing_requests_and_missing_targets() {
    let mut sim = cluster(3);
    apply(&mut sim, &workload("StatefulSet", "db", 1, Some("500m")));
    apply(&mut sim, &workload("Deployment", "norequests", 1, None));
    sim.run_until_idle();
    apply(&mut sim, &hpa("StatefulSet", "db", Some(3), 5, Some(60)));
    apply(&mut sim, &hpa("Deployment", "norequests", None, 5, None));
    apply(&mut sim, &hpa("Deployment", "nope", None, 5, None));
    sim.run_for(20_000);
    assert_eq!(
        rescales(&sim),
        ["New size: 3; reason: Current number of replicas below Spec.MinReplicas"]
    );
    assert_eq!(replicas::<StatefulSet>(sim.store(), "db", |s| s.spec.replicas), 3);
    let pod = sim
        .store()
        .iter::<Pod>()
        .find(|(_, p)| p.metadata.labels.get_str("app") == Some("norequests"))
        .map(|(_, p)| p.metadata.name.to_string())
        .unwrap();
    let why = format!("failed to get cpu utilization: missing request for cpu in container web of Pod {pod}");
    assert_eq!(
        messages(sim.events(), "FailedGetResourceMetric"),
        std::slice::from_ref(&why)
    );
    assert_eq!(
        messages(sim.events(), "FailedComputeMetricsReplicas"),
        [format!(
            "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: {why}"
        )]
    );
    assert_eq!(
        messages(sim.events(), "FailedGetScale"),
        ["deployments.apps \"nope\" not found"]
    );
    let h = sim
        .store()
        .get_named::<HorizontalPodAutoscaler>("default", "norequests")
        .unwrap();
    assert_eq!(h.status.current_replicas, 1);
}

#[test]
fn resource_quota_status_tracks_usage() {
    let mut sim = cluster(4);
    apply(
        &mut sim,
        "apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: compute\nspec:\n  hard:\n    pods: \"10\"\n    requests.cpu: \"2\"\n    count/deployments.apps: \"5\"\n    services: \"3\"\n",
    );
    apply(&mut sim, &workload("Deployment", "web", 3, Some("200m")));
    sim.run_until_idle();
    let used = |sim: &Simulation, r: &str| {
        let q = sim
            .store()
            .get_named::<ResourceQuota>("default", "compute")
            .unwrap();
        assert_eq!(q.status.hard, q.spec.hard);
        q.status.used.get(Symbol::intern(r))
    };
    assert_eq!(used(&sim, "pods"), Some(3));
    assert_eq!(used(&sim, "requests.cpu"), Some(600));
    assert_eq!(used(&sim, "count/deployments.apps"), Some(1));
    assert_eq!(used(&sim, "services"), Some(0));
    let k = sim.store().lookup::<Deployment>("default", "web").unwrap();
    sim.store_mut().update(k, |d| d.spec.replicas = 1).unwrap();
    sim.run_until_idle();
    assert_eq!(used(&sim, "pods"), Some(1));
    assert_eq!(used(&sim, "requests.cpu"), Some(200));
}

fn pdb(name: &str, selector: &str, rule: &str) -> String {
    format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\nspec:\n  {rule}\n  selector:\n    matchLabels: {{app: {selector}}}\n"
    )
}

fn pdb_status(store: &Store, name: &str) -> (i32, i32, i32, i32) {
    let s = &store
        .get_named::<PodDisruptionBudget>("default", name)
        .unwrap()
        .status;
    (
        s.expected_pods,
        s.current_healthy,
        s.desired_healthy,
        s.disruptions_allowed,
    )
}

#[test]
fn disruption_budgets_count_healthy_pods_against_the_controllers_scale() {
    let config = SimConfig {
        keep_events: true,
        kubelet: KubeletModel::instant(),
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, 5);
    for i in 0..2 {
        sim.store_mut()
            .create(kubesim::build::node(&format!("node-{i}"), "8", "32Gi").build())
            .unwrap();
    }
    apply(&mut sim, &workload("Deployment", "web", 3, Some("100m")));
    apply(&mut sim, &pdb("min-two", "web", "minAvailable: 2"));
    apply(&mut sim, &pdb("half-down", "web", "maxUnavailable: 50%"));
    apply(&mut sim, &pdb("half-up", "web", "minAvailable: 50%"));
    apply(&mut sim, &pdb("nothing", "none", "minAvailable: 1"));
    sim.run_until_idle();
    assert_eq!(pdb_status(sim.store(), "min-two"), (3, 3, 2, 1));
    assert_eq!(pdb_status(sim.store(), "half-down"), (3, 3, 1, 2));
    assert_eq!(pdb_status(sim.store(), "half-up"), (3, 3, 2, 1));
    assert_eq!(pdb_status(sim.store(), "nothing"), (0, 0, 1, 0));
    assert!(messages(sim.events(), "NoPods").contains(&"No matching pods found".to_string()));
    // Scaling the Deployment moves the percentage budgets.
    let k = sim.store().lookup::<Deployment>("default", "web").unwrap();
    sim.store_mut().update(k, |d| d.spec.replicas = 5).unwrap();
    sim.run_until_idle();
    assert_eq!(pdb_status(sim.store(), "half-down"), (5, 5, 2, 3));
    assert_eq!(pdb_status(sim.store(), "min-two"), (5, 5, 2, 3));
    // DaemonSet pods have no scale: a percentage budget over them fails safe.
    apply(
        &mut sim,
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      containers:\n      - name: a\n        image: agent\n",
    );
    apply(&mut sim, &pdb("agents", "agent", "maxUnavailable: 1"));
    sim.run_until_idle();
    assert_eq!(pdb_status(sim.store(), "agents").3, 0);
    assert_eq!(
        messages(sim.events(), "CalculateExpectedPodCountFailed")
            .last()
            .unwrap(),
        "Failed to calculate the number of expected pods: daemonsets.apps does not implement the scale subresource"
    );
}
