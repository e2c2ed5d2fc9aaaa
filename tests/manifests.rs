//! Reading a real application's manifests (`fixtures/microservices-demo.yaml`,
//! GoogleCloudPlatform/microservices-demo's release manifests) and applying
//! every object to a store, as `kubectl apply -f` would.

use std::collections::BTreeMap;

use kubesim::api::service::ServiceType;
use kubesim::api::{AnyObject, Deployment, Kind, Service, ServiceAccount};
use kubesim::manifest::{ManifestObject, locate_field, parse_manifests};
use kubesim::store::Store;

const DEMO: &str = include_str!("fixtures/microservices-demo.yaml");
const SOURCE: &str = "microservices-demo.yaml";

fn objects() -> Vec<ManifestObject> {
    parse_manifests(DEMO, SOURCE).unwrap_or_else(|e| panic!("{e}"))
}

fn deployments(objs: &[ManifestObject]) -> Vec<&Deployment> {
    objs.iter()
        .filter_map(|o| match &o.object {
            AnyObject::Deployment(d) => Some(d),
            _ => None,
        })
        .collect()
}

#[test]
fn demo_has_twelve_deployments_twelve_services_eleven_service_accounts() {
    let objs = objects();
    let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
    for o in &objs {
        *counts.entry(o.object.kind()).or_default() += 1;
    }
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        vec![
            (Kind::Deployment, 12),
            (Kind::Service, 12),
            (Kind::ServiceAccount, 11)
        ]
    );
    // One object per document, each document starting at its `---` line.
    let lines: Vec<&str> = DEMO.lines().collect();
    for (i, o) in objs.iter().enumerate() {
        assert_eq!((o.document, o.item, o.source.as_str()), (i, None, SOURCE));
        assert_eq!(lines[o.line - 1], "---", "object {i} at line {}", o.line);
    }
    let first = objs[0].object.metadata();
    assert_eq!(
        (objs[0].object.kind(), first.name.to_string().as_str()),
        (Kind::Deployment, "frontend")
    );
}

#[test]
fn every_demo_container_has_cpu_and_memory_requests_and_limits() {
    let objs = objects();
    for d in deployments(&objs) {
        let spec = &d.spec.template.spec;
        assert!(!spec.containers.is_empty(), "{}", d.metadata.name);
        for c in &spec.containers {
            let r = &c.resources;
            let all = [
                r.requests.cpu(),
                r.requests.memory(),
                r.limits.cpu(),
                r.limits.memory(),
            ];
            assert!(
                all.iter().all(|&v| v > 0),
                "{}/{}: {r:?}",
                d.metadata.name,
                c.name
            );
            assert!(r.requests.cpu() <= r.limits.cpu() && r.requests.memory() <= r.limits.memory());
        }
    }
    let frontend = deployments(&objs)
        .into_iter()
        .find(|d| d.metadata.name.to_string() == "frontend")
        .expect("frontend Deployment");
    let server = &frontend.spec.template.spec.containers[0];
    assert_eq!(server.name.as_str(), "server");
    assert_eq!(server.resources.requests.cpu(), 100);
    assert_eq!(server.resources.requests.memory(), 64 << 20);
    assert_eq!(server.resources.limits.cpu(), 200);
    assert_eq!(server.resources.limits.memory(), 128 << 20);
    let cart = deployments(&objs)
        .into_iter()
        .find(|d| d.metadata.name.to_string() == "cartservice")
        .expect("cartservice Deployment");
    assert_eq!(
        cart.spec.template.spec.containers[0].resources.requests.cpu(),
        200
    );
}

#[test]
fn demo_fields_are_located() {
    let objs = objects();
    let frontend = &objs[0];
    let path = "spec.template.spec.containers[0].resources.requests[cpu]";
    let (line, column) = frontend.locate(DEMO, path).expect("located");
    assert_eq!(DEMO.lines().nth(line - 1), Some("              cpu: 100m"));
    assert_eq!(column, 20);
    assert_eq!(locate_field(DEMO, frontend.document, path), Some((line, column)));
    let external = objs
        .iter()
        .find(|o| o.object.metadata().name.to_string() == "frontend-external")
        .expect("frontend-external");
    let AnyObject::Service(svc) = &external.object else {
        panic!("not a Service");
    };
    assert_eq!(svc.spec.type_, ServiceType::LoadBalancer);
    let (line, _) = external.locate(DEMO, "spec.type").expect("spec.type located");
    assert_eq!(DEMO.lines().nth(line - 1), Some("  type: LoadBalancer"));
}

#[test]
fn every_demo_object_applies_to_a_store() {
    let mut store = Store::new(1);
    let mut refused = Vec::new();
    for o in objects() {
        let kind = o.object.kind();
        let name = o.object.metadata().name.to_string();
        if let Err(e) = store.apply(o.object.clone()) {
            let at = e
                .field_errors()
                .first()
                .and_then(|f| o.locate(DEMO, f.field.as_str()))
                .map_or(String::new(), |(l, c)| format!(" (at {SOURCE}:{l}:{c})"));
            refused.push(format!("{kind} {name}: {e}{at}"));
        }
    }
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
    assert_eq!(store.count::<Deployment>(), 12);
    assert_eq!(store.count::<Service>(), 12);
    assert_eq!(store.count::<ServiceAccount>(), 11);
    // Applying again updates in place.
    for o in objects() {
        store.apply(o.object).unwrap_or_else(|e| panic!("re-apply: {e}"));
    }
    assert_eq!(store.count::<Deployment>(), 12);
}
