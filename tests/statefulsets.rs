//! The guide's StatefulSet story (`shared/seeds/003` chapter 6: `webapp`
//! behind the headless `web-svc`, one claim per pod) and the upstream rules
//! around it: ordered creation, scale-down from the top, retained claims,
//! reverse-ordinal rolling updates with a partition.

use kubesim::api::policy::PvcPhase;
use kubesim::api::service::Endpoints;
use kubesim::api::{PersistentVolumeClaim, Pod, StatefulSet, Time};
use kubesim::sim::{Distribution, KubeletModel, SimConfig, Simulation};
use kubesim::store::{DeleteOptions, Store};

use crate::apps::{apply, messages, pods};

const WEBAPP: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: web-svc
  labels: {app: web}
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector: {app: web}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: webapp
spec:
  selector:
    matchLabels: {app: web}
  serviceName: web-svc
  replicas: 3
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: web
        image: httpd:2.4
        ports:
        - containerPort: 80
          name: http
        volumeMounts:
        - name: www
          mountPath: /var/www/html
  volumeClaimTemplates:
  - metadata:
      name: www
      annotations:
        volume.beta.kubernetes.io/storage-class: www-disk
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
"#;

fn cluster(seed: u64, kubelet: KubeletModel) -> Simulation {
    let config = SimConfig {
        keep_events: true,
        check_invariants: true,
        kubelet,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, seed);
    for i in 0..2 {
        sim.store_mut()
            .create(kubesim::build::node(&format!("node-{i}"), "8", "32Gi").build())
            .unwrap();
    }
    sim
}

fn set(store: &Store) -> StatefulSet {
    store
        .get_named::<StatefulSet>("default", "webapp")
        .unwrap()
        .clone()
}

fn claims(store: &Store) -> Vec<String> {
    let mut v: Vec<String> = store
        .iter::<PersistentVolumeClaim>()
        .map(|(_, c)| c.metadata.name.to_string())
        .collect();
    v.sort();
    v
}

fn names(store: &Store) -> Vec<String> {
    pods(store, "webapp-")
        .iter()
        .map(|p| p.metadata.name.to_string())
        .collect()
}

fn update_set(sim: &mut Simulation, f: impl FnOnce(&mut StatefulSet)) {
    let key = sim.store().lookup::<StatefulSet>("default", "webapp").unwrap();
    sim.store_mut().update(key, f).unwrap();
}

fn assert_clean(sim: &Simulation) {
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert_eq!(
        kubesim::controllers::checks::statefulset_ordinals(sim.store()),
        Vec::<String>::new()
    );
    assert_eq!(
        kubesim::controllers::checks::endpoints_match(sim.store()),
        Vec::<String>::new()
    );
}

#[test]
fn pods_come_up_one_at_a_time_in_ordinal_order_with_their_claims() {
    let mut sim = cluster(1, KubeletModel::default());
    apply(&mut sim, WEBAPP);
    // "there is only one pod created while we asked for three"
    sim.run_for(500);
    assert_eq!(names(sim.store()), ["webapp-0"]);
    assert!(!pods(sim.store(), "webapp-0")[0].is_ready());
    sim.run_until_idle();
    assert_eq!(names(sim.store()), ["webapp-0", "webapp-1", "webapp-2"]);
    let p = pods(sim.store(), "webapp-");
    for w in p.windows(2) {
        let ready = w[0].status.conditions.ready.unwrap().last_transition_time;
        assert!(
            w[1].metadata.creation_timestamp >= ready,
            "{} before its predecessor was ready",
            w[1].metadata.name
        );
    }
    let s = set(sim.store());
    for (i, pod) in p.iter().enumerate() {
        let name = format!("webapp-{i}");
        let l = &pod.metadata.labels;
        assert_eq!(
            l.get_str("statefulset.kubernetes.io/pod-name"),
            Some(name.as_str())
        );
        assert_eq!(
            l.get_str("apps.kubernetes.io/pod-index"),
            Some(i.to_string().as_str())
        );
        assert_eq!(
            l.get_str("controller-revision-hash"),
            Some(s.status.update_revision.as_str())
        );
        assert_eq!(pod.spec.hostname.map(|h| h.as_str()), Some(name.as_str()));
        assert_eq!(pod.spec.subdomain.map(|h| h.as_str()), Some("web-svc"));
        let claim = pod.spec.volumes[0].persistent_volume_claim.as_ref().unwrap();
        assert_eq!(claim.claim_name.as_str(), format!("www-webapp-{i}"));
    }
    assert_eq!(
        messages(sim.events(), "SuccessfulCreate"),
        [
            "create Claim www-webapp-0 Pod webapp-0 in StatefulSet webapp success",
            "create Pod webapp-0 in StatefulSet webapp successful",
            "create Claim www-webapp-1 Pod webapp-1 in StatefulSet webapp success",
            "create Pod webapp-1 in StatefulSet webapp successful",
            "create Claim www-webapp-2 Pod webapp-2 in StatefulSet webapp success",
            "create Pod webapp-2 in StatefulSet webapp successful",
        ]
    );
    assert_eq!(
        claims(sim.store()),
        ["www-webapp-0", "www-webapp-1", "www-webapp-2"]
    );
    for (_, c) in sim.store().iter::<PersistentVolumeClaim>() {
        assert_eq!(c.status.phase, PvcPhase::Bound);
        assert!(c.spec.volume_name.unwrap().as_str().starts_with("pvc-"));
        assert_eq!(c.metadata.labels.get_str("app"), Some("web"));
    }
    assert!(s.status.update_revision.as_str().starts_with("webapp-"));
    assert_eq!(s.status.current_revision, s.status.update_revision);
    assert_eq!(
        (
            s.status.replicas,
            s.status.ready_replicas,
            s.status.current_replicas,
            s.status.updated_replicas
        ),
        (3, 3, 3, 3)
    );
    // The headless Service lists each pod with its hostname.
    let ep = sim.store().get_named::<Endpoints>("default", "web-svc").unwrap();
    let mut hosts: Vec<String> = ep.subsets[0]
        .addresses
        .iter()
        .map(|a| a.hostname.clone().unwrap())
        .collect();
    hosts.sort();
    assert_eq!(hosts, ["webapp-0", "webapp-1", "webapp-2"]);
    assert_eq!(
        ep.metadata.labels.get_str("service.kubernetes.io/headless"),
        Some("")
    );
    assert_clean(&sim);
}

#[test]
fn readiness_gates_the_next_ordinal() {
    let mut sim = cluster(2, KubeletModel::default());
    apply(
        &mut sim,
        &WEBAPP.replace(
            "        image: httpd:2.4\n",
            "        image: httpd:2.4\n        readinessProbe: {initialDelaySeconds: 10}\n",
        ),
    );
    sim.run_until_idle();
    let p = pods(sim.store(), "webapp-");
    assert_eq!(p.len(), 3);
    // Each pod starts after 1 s and turns ready 10 s later.
    let created: Vec<Time> = p.iter().map(|p| p.metadata.creation_timestamp).collect();
    assert!(created[1].since(created[0]) >= 11_000, "{created:?}");
    assert!(created[2].since(created[1]) >= 11_000, "{created:?}");
    assert_clean(&sim);
}

#[test]
fn scale_down_goes_from_the_highest_ordinal_and_keeps_the_claims() {
    let kubelet = KubeletModel {
        termination_latency: Distribution::fixed_ms(2_000),
        ..KubeletModel::default()
    };
    let mut sim = cluster(3, kubelet);
    apply(&mut sim, WEBAPP);
    sim.run_until_idle();
    update_set(&mut sim, |s| s.spec.replicas = 1);
    sim.run_until_idle();
    assert_eq!(names(sim.store()), ["webapp-0"]);
    let deletes: Vec<_> = sim
        .events()
        .iter()
        .filter(|e| e.reason == "SuccessfulDelete")
        .collect();
    assert_eq!(
        deletes.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
        [
            "delete Pod webapp-2 in StatefulSet webapp successful",
            "delete Pod webapp-1 in StatefulSet webapp successful",
        ]
    );
    // webapp-1 waits for webapp-2 to finish terminating.
    assert!(deletes[1].time.since(deletes[0].time) >= 2_000);
    assert_eq!(
        claims(sim.store()),
        ["www-webapp-0", "www-webapp-1", "www-webapp-2"]
    );
    // Scaling back up reuses the claims.
    let before = messages(sim.events(), "SuccessfulCreate").len();
    update_set(&mut sim, |s| s.spec.replicas = 3);
    sim.run_until_idle();
    assert_eq!(names(sim.store()), ["webapp-0", "webapp-1", "webapp-2"]);
    let created = &messages(sim.events(), "SuccessfulCreate")[before..];
    assert_eq!(
        created,
        [
            "create Pod webapp-1 in StatefulSet webapp successful",
            "create Pod webapp-2 in StatefulSet webapp successful",
        ]
    );
    assert_clean(&sim);
}

#[test]
fn rolling_update_goes_in_reverse_ordinal_order_and_respects_the_partition() {
    let mut sim = cluster(4, KubeletModel::default());
    apply(&mut sim, WEBAPP);
    sim.run_until_idle();
    let old = set(sim.store()).status.update_revision;
    let deletes_before = messages(sim.events(), "SuccessfulDelete").len();
    update_set(&mut sim, |s| {
        s.spec.update_strategy.rolling_update.as_mut().unwrap().partition = 1;
        std::sync::Arc::make_mut(&mut s.spec.template.spec).containers[0].image = "httpd:2.4.39".into();
    });
    sim.run_until_idle();
    assert_eq!(
        &messages(sim.events(), "SuccessfulDelete")[deletes_before..],
        [
            "delete Pod webapp-2 in StatefulSet webapp successful",
            "delete Pod webapp-1 in StatefulSet webapp successful",
        ]
    );
    let images = |sim: &Simulation| -> Vec<String> {
        pods(sim.store(), "webapp-")
            .iter()
            .map(|p| p.spec.containers[0].image.to_string())
            .collect()
    };
    assert_eq!(images(&sim), ["httpd:2.4", "httpd:2.4.39", "httpd:2.4.39"]);
    let s = set(sim.store()).status;
    assert_eq!(s.current_revision, old);
    assert_ne!(s.update_revision, old);
    assert_eq!((s.current_replicas, s.updated_replicas), (1, 2));
    // Below the partition a deleted pod comes back at the current revision.
    let k = sim.store().lookup::<Pod>("default", "webapp-0").unwrap();
    sim.store_mut().delete(k, DeleteOptions::default()).unwrap();
    sim.run_until_idle();
    assert_eq!(images(&sim), ["httpd:2.4", "httpd:2.4.39", "httpd:2.4.39"]);
    // Lowering the partition finishes the rollout.
    update_set(&mut sim, |s| {
        s.spec.update_strategy.rolling_update.as_mut().unwrap().partition = 0
    });
    sim.run_until_idle();
    assert_eq!(images(&sim), ["httpd:2.4.39", "httpd:2.4.39", "httpd:2.4.39"]);
    let s = set(sim.store()).status;
    assert_eq!(s.current_revision, s.update_revision);
    assert_eq!((s.current_replicas, s.updated_replicas), (3, 3));
    assert_clean(&sim);
}

#[test]
fn parallel_creates_every_pod_at_once_and_ordinals_can_start_elsewhere() {
    let mut sim = cluster(5, KubeletModel::default());
    apply(
        &mut sim,
        &WEBAPP.replace(
            "  replicas: 3\n",
            "  replicas: 3\n  podManagementPolicy: Parallel\n  ordinals: {start: 5}\n",
        ),
    );
    sim.run_for(500);
    assert_eq!(names(sim.store()), ["webapp-5", "webapp-6", "webapp-7"]);
    sim.run_until_idle();
    assert_eq!(
        claims(sim.store()),
        ["www-webapp-5", "www-webapp-6", "www-webapp-7"]
    );
    assert_clean(&sim);
}

#[test]
fn retention_policy_delete_removes_claims_on_scale_down_and_deletion() {
    let mut sim = cluster(6, KubeletModel::default());
    apply(
        &mut sim,
        &WEBAPP.replace(
            "  replicas: 3\n",
            "  replicas: 3\n  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete, whenDeleted: Delete}\n",
        ),
    );
    sim.run_until_idle();
    update_set(&mut sim, |s| s.spec.replicas = 1);
    sim.run_until_idle();
    assert_eq!(claims(sim.store()), ["www-webapp-0"]);
    let key = sim.store().lookup::<StatefulSet>("default", "webapp").unwrap();
    sim.store_mut().delete(key, DeleteOptions::default()).unwrap();
    sim.run_until_idle();
    assert!(claims(sim.store()).is_empty());
    assert!(names(sim.store()).is_empty());
}

#[test]
fn on_delete_replaces_only_deleted_pods() {
    let mut sim = cluster(7, KubeletModel::default());
    apply(
        &mut sim,
        &WEBAPP.replace(
            "  replicas: 3\n",
            "  replicas: 3\n  updateStrategy: {type: OnDelete}\n",
        ),
    );
    sim.run_until_idle();
    update_set(&mut sim, |s| {
        std::sync::Arc::make_mut(&mut s.spec.template.spec).containers[0].image = "httpd:2.4.39".into()
    });
    sim.run_until_idle();
    assert!(
        pods(sim.store(), "webapp-")
            .iter()
            .all(|p| p.spec.containers[0].image.as_str() == "httpd:2.4")
    );
    let k = sim.store().lookup::<Pod>("default", "webapp-1").unwrap();
    sim.store_mut().delete(k, DeleteOptions::default()).unwrap();
    sim.run_until_idle();
    let p = pods(sim.store(), "webapp-1");
    assert_eq!(p[0].spec.containers[0].image.as_str(), "httpd:2.4.39");
    assert_eq!(set(sim.store()).status.updated_replicas, 1);
    assert_clean(&sim);
}
