//! The guides' Services stories (`shared/seeds/001` "Services Give You
//! Abstraction", `shared/seeds/003` chapter 3): Endpoints that follow pods
//! becoming ready and going away, named ports, headless Services, NodePorts,
//! load balancers, and Services without selectors.

use std::net::Ipv4Addr;

use kubesim::api::service::{EndpointSubset, Endpoints};
use kubesim::api::{Pod, Service};
use kubesim::controllers::checks::endpoints_match;
use kubesim::sim::{Distribution, KubeletModel, SimConfig, Simulation};
use kubesim::store::{ApiError, DeleteOptions, Store};

use crate::apps::{apply, messages, pods};

fn cluster(seed: u64, nodes: usize, kubelet: KubeletModel) -> Simulation {
    let config = SimConfig {
        keep_events: true,
        check_invariants: true,
        kubelet,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, seed);
    for i in 0..nodes {
        sim.store_mut()
            .create(kubesim::build::node(&format!("node-{i}"), "16", "64Gi").build())
            .unwrap();
    }
    sim
}

fn deployment(name: &str, replicas: i32, labels: &str, port: Option<i32>, probe: bool) -> String {
    let ports = port.map_or(String::new(), |p| {
        format!("        ports:\n        - containerPort: {p}\n          name: http\n")
    });
    let probe = if probe {
        "        readinessProbe: {initialDelaySeconds: 5}\n"
    } else {
        ""
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{{labels}}}\n  template:\n    metadata:\n      labels: {{{labels}}}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n{ports}{probe}"
    )
}

const SERVICE: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {tier: frontend}
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: http
"#;

fn endpoints(store: &Store, name: &str) -> Endpoints {
    store.get_named::<Endpoints>("default", name).unwrap().clone()
}

fn counts(ep: &Endpoints) -> (usize, usize) {
    let ready = ep.subsets.iter().map(|s| s.addresses.len()).sum();
    let not_ready = ep.subsets.iter().map(|s| s.not_ready_addresses.len()).sum();
    (ready, not_ready)
}

fn assert_clean(sim: &Simulation) {
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert_eq!(endpoints_match(sim.store()), Vec::<String>::new());
}

#[test]
fn endpoints_follow_pods_becoming_ready_and_being_deleted() {
    let kubelet = KubeletModel {
        termination_latency: Distribution::fixed_ms(5_000),
        ..KubeletModel::default()
    };
    let mut sim = cluster(1, 2, kubelet);
    apply(&mut sim, SERVICE);
    apply(&mut sim, &deployment("web", 3, "app: web", Some(8080), true));
    // Started after 1 s, ready 5 s later: listed as not ready meanwhile.
    sim.run_for(3_000);
    let ep = endpoints(sim.store(), "web");
    assert_eq!(counts(&ep), (0, 3));
    assert_eq!(ep.metadata.labels.get_str("tier"), Some("frontend"));
    sim.run_until_idle();
    let ep = endpoints(sim.store(), "web");
    assert_eq!(counts(&ep), (3, 0));
    assert_eq!(ep.subsets.len(), 1);
    assert_eq!(ep.subsets[0].ports[0].port, 8080);
    for a in &ep.subsets[0].addresses {
        let r = a.target_ref.as_ref().unwrap();
        assert_eq!(r.kind, "Pod");
        let pod = sim.store().get_named::<Pod>("default", &r.name).unwrap();
        assert_eq!(pod.status.pod_ip, Some(a.ip));
        assert_eq!(a.node_name.as_deref(), pod.node_name.map(|n| n.as_str()));
    }
    // A deleted pod leaves at once, though it takes 5 s to terminate; its
    // replacement shows up as not ready.
    let victim = pods(sim.store(), "web-")[0].metadata.name.to_string();
    let key = sim.store().lookup::<Pod>("default", &victim).unwrap();
    sim.store_mut().delete(key, DeleteOptions::default()).unwrap();
    sim.run_for(2_000);
    let ep = endpoints(sim.store(), "web");
    assert_eq!(counts(&ep), (2, 1));
    assert!(
        ep.subsets
            .iter()
            .flat_map(|s| &s.addresses)
            .all(|a| a.target_ref.as_ref().unwrap().name != victim)
    );
    sim.run_until_idle();
    assert_eq!(counts(&endpoints(sim.store(), "web")), (3, 0));
    assert_clean(&sim);
}

#[test]
fn named_target_ports_resolve_per_pod() {
    let mut sim = cluster(2, 2, KubeletModel::instant());
    apply(&mut sim, SERVICE);
    apply(
        &mut sim,
        &deployment("v1", 2, "app: web, version: v1", Some(8080), false),
    );
    apply(
        &mut sim,
        &deployment("v2", 1, "app: web, version: v2", Some(9090), false),
    );
    apply(
        &mut sim,
        &deployment("bare", 1, "app: web, version: bare", None, false),
    );
    sim.run_until_idle();
    let ep = endpoints(sim.store(), "web");
    let mut by_port: Vec<(i32, usize)> = ep
        .subsets
        .iter()
        .map(|s: &EndpointSubset| (s.ports[0].port, s.addresses.len()))
        .collect();
    by_port.sort();
    // The pod without an `http` port is left out.
    assert_eq!(by_port, [(8080, 2), (9090, 1)]);
    assert_clean(&sim);
}

#[test]
fn headless_service_with_publish_not_ready_lists_every_pod() {
    let mut sim = cluster(3, 1, KubeletModel::default());
    apply(
        &mut sim,
        &SERVICE.replace(
            "spec:\n",
            "spec:\n  clusterIP: None\n  publishNotReadyAddresses: true\n",
        ),
    );
    apply(&mut sim, &deployment("web", 2, "app: web", Some(8080), true));
    sim.run_for(3_000);
    let ep = endpoints(sim.store(), "web");
    assert_eq!(counts(&ep), (2, 0));
    assert_eq!(
        ep.metadata.labels.get_str("service.kubernetes.io/headless"),
        Some("")
    );
    let svc = sim.store().get_named::<Service>("default", "web").unwrap();
    assert!(svc.spec.is_headless());
    sim.run_until_idle();
    assert_clean(&sim);
}

#[test]
fn node_ports_are_allocated_from_the_range_and_kept_unique() {
    let mut sim = cluster(4, 1, KubeletModel::instant());
    let frontend = r#"
apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: 30000
      targetPort: 80
  selector:
    app: web
"#;
    apply(&mut sim, frontend);
    apply(
        &mut sim,
        &frontend
            .replace("name: frontend", "name: other")
            .replace("      nodePort: 30000\n", ""),
    );
    let port = |sim: &Simulation, name: &str| {
        sim.store()
            .get_named::<Service>("default", name)
            .unwrap()
            .spec
            .ports[0]
            .node_port
            .unwrap()
    };
    assert_eq!(port(&sim, "frontend"), 30000);
    assert!((30000..=32767).contains(&port(&sim, "other")));
    assert_ne!(port(&sim, "other"), 30000);
    let taken = frontend.replace("name: frontend", "name: clash");
    let objs = kubesim::manifest::parse_manifests(&taken, "clash.yaml").unwrap();
    let err = sim.apply(objs.into_iter().map(|o| o.object)).unwrap_err();
    assert!(matches!(err, ApiError::Invalid { .. }), "{err}");
    assert!(
        err.to_string().contains("provided port is already allocated"),
        "{err}"
    );
    apply(&mut sim, &deployment("web", 1, "app: web", Some(80), false));
    sim.run_until_idle();
    assert_eq!(counts(&endpoints(sim.store(), "frontend")), (1, 0));
    assert_clean(&sim);
}

#[test]
fn load_balancers_get_addresses_from_the_pool() {
    let mut sim = cluster(5, 1, KubeletModel::instant());
    let lb = |name: &str| {
        SERVICE
            .replace("name: web", &format!("name: {name}"))
            .replace("spec:\n", "spec:\n  type: LoadBalancer\n")
    };
    apply(&mut sim, &lb("a"));
    apply(&mut sim, &lb("b"));
    sim.run_until_idle();
    let ip = |sim: &Simulation, name: &str| {
        sim.store()
            .get_named::<Service>("default", name)
            .unwrap()
            .status
            .load_balancer
            .ingress
            .first()
            .and_then(|i| i.ip)
    };
    assert_eq!(ip(&sim, "a"), Some(Ipv4Addr::new(203, 0, 113, 1)));
    assert_eq!(ip(&sim, "b"), Some(Ipv4Addr::new(203, 0, 113, 2)));
    assert_eq!(messages(sim.events(), "EnsuredLoadBalancer").len(), 2);
    // Back to ClusterIP: the address goes, and the next LoadBalancer gets it.
    let a = sim.store().lookup::<Service>("default", "a").unwrap();
    sim.store_mut()
        .update(a, |s| {
            s.spec.type_ = kubesim::api::service::ServiceType::ClusterIP
        })
        .unwrap();
    sim.run_until_idle();
    assert_eq!(ip(&sim, "a"), None);
    assert_eq!(
        messages(sim.events(), "DeletedLoadBalancer"),
        ["Deleted load balancer"]
    );
    apply(&mut sim, &lb("c"));
    sim.run_until_idle();
    assert_eq!(ip(&sim, "c"), Some(Ipv4Addr::new(203, 0, 113, 1)));
    assert_clean(&sim);
}

#[test]
fn services_without_selectors_keep_user_endpoints_until_deleted() {
    let mut sim = cluster(6, 1, KubeletModel::instant());
    apply(
        &mut sim,
        r#"
apiVersion: v1
kind: Endpoints
metadata:
  name: external-backend
subsets:
  - addresses:
    - ip: 159.76.214.243
    ports:
      - port: 3000
---
apiVersion: v1
kind: Service
metadata:
  name: external-backend
spec:
  ports:
    - protocol: TCP
      port: 3000
      targetPort: 3000
"#,
    );
    sim.run_until_idle();
    let ep = endpoints(sim.store(), "external-backend");
    assert_eq!(ep.subsets[0].addresses[0].ip, Ipv4Addr::new(159, 76, 214, 243));
    // Deleting a Service deletes the Endpoints named like it.
    let svc = sim
        .store()
        .lookup::<Service>("default", "external-backend")
        .unwrap();
    sim.store_mut().delete(svc, DeleteOptions::default()).unwrap();
    sim.run_until_idle();
    assert!(
        sim.store()
            .get_named::<Endpoints>("default", "external-backend")
            .is_none()
    );
    assert_clean(&sim);
}

#[test]
fn relabelled_pods_leave_and_deleted_services_take_their_endpoints() {
    let mut sim = cluster(7, 1, KubeletModel::instant());
    apply(&mut sim, SERVICE);
    apply(&mut sim, &deployment("web", 2, "app: web", Some(8080), false));
    sim.run_until_idle();
    assert_eq!(counts(&endpoints(sim.store(), "web")), (2, 0));
    // The guide's isolation trick: the relabelled pod leaves the Service
    // (and its ReplicaSet, which replaces it).
    let name = pods(sim.store(), "web-")[0].metadata.name.to_string();
    let key = sim.store().lookup::<Pod>("default", &name).unwrap();
    sim.store_mut()
        .update(key, |p| {
            p.metadata.labels = p.metadata.labels.with("app".into(), "isolated".into())
        })
        .unwrap();
    sim.run_until_idle();
    let ep = endpoints(sim.store(), "web");
    assert_eq!(counts(&ep), (2, 0));
    assert!(
        ep.subsets[0]
            .addresses
            .iter()
            .all(|a| a.target_ref.as_ref().unwrap().name != name)
    );
    let svc = sim.store().lookup::<Service>("default", "web").unwrap();
    sim.store_mut().delete(svc, DeleteOptions::default()).unwrap();
    sim.run_until_idle();
    assert!(sim.store().get_named::<Endpoints>("default", "web").is_none());
    assert_clean(&sim);
}

#[test]
fn more_than_a_thousand_addresses_are_truncated() {
    let mut sim = cluster(8, 10, KubeletModel::instant());
    apply(&mut sim, SERVICE);
    apply(&mut sim, &deployment("web", 1001, "app: web", Some(8080), false));
    sim.run_until_idle();
    let ep = endpoints(sim.store(), "web");
    assert_eq!(counts(&ep), (1000, 0));
    assert_eq!(
        ep.metadata
            .annotations
            .get("endpoints.kubernetes.io/over-capacity"),
        Some("truncated")
    );
    let key = sim
        .store()
        .lookup::<kubesim::api::Deployment>("default", "web")
        .unwrap();
    sim.store_mut().update(key, |d| d.spec.replicas = 999).unwrap();
    sim.run_until_idle();
    let ep = endpoints(sim.store(), "web");
    assert_eq!(counts(&ep), (999, 0));
    assert_eq!(
        ep.metadata
            .annotations
            .get("endpoints.kubernetes.io/over-capacity"),
        None
    );
    assert_clean(&sim);
}
