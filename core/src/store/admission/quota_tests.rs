//! Tests of ResourceQuota validation and quota admission.

use std::sync::Arc;

use crate::api::pod::{Container, PodPhase, PodSpec};
use crate::api::resources::ResourceList;
use crate::api::*;
use crate::intern::Symbol;
use crate::store::{ApiError, DeleteOptions, Store};

fn quota(name: &str, hard: &[(&str, &str)], scopes: &[&str]) -> ResourceQuota {
    let mut q = ResourceQuota {
        metadata: ObjectMeta::named("default", name),
        ..ResourceQuota::default()
    };
    q.spec.hard = ResourceList::parse(hard.iter().copied()).unwrap();
    q.spec.scopes = scopes.iter().map(|s| Symbol::intern(s)).collect();
    q
}

fn pod(name: &str, cpu: Option<&str>) -> Pod {
    let mut c = Container {
        name: Symbol::intern("app"),
        image: Symbol::intern("nginx"),
        ..Container::default()
    };
    if let Some(cpu) = cpu {
        c.resources.requests = ResourceList::parse([("cpu", cpu)]).unwrap();
        c.resources.limits = ResourceList::parse([("cpu", cpu)]).unwrap();
    }
    Pod {
        metadata: ObjectMeta::named("default", name),
        spec: Arc::new(PodSpec {
            containers: vec![c],
            ..PodSpec::default()
        }),
        node_name: None,
        status: Default::default(),
    }
}

fn errors(e: ApiError) -> Vec<String> {
    e.field_errors().iter().map(ToString::to_string).collect()
}

#[test]
fn quota_object_rules() {
    let mut store = Store::new(1);
    store
        .create(quota(
            "ok",
            &[("pods", "10"), ("count/deployments.apps", "2")],
            &["NotTerminating"],
        ))
        .unwrap();
    let mut bad = quota(
        "bad",
        &[("pods", "10"), ("services", "1")],
        &["BestEffort", "NotBestEffort", "Sometimes"],
    );
    bad.spec.hard.set(Symbol::intern("widgets"), 1);
    bad.spec.hard.set(Symbol::PODS, -1);
    let errs = errors(store.create(bad).unwrap_err());
    let scopes = "[]core.ResourceQuotaScope{\"BestEffort\", \"NotBestEffort\", \"Sometimes\"}";
    assert_eq!(
        errs,
        [
            "spec.hard[pods]: Invalid value: \"-1\": must be greater than or equal to 0".to_string(),
            "spec.hard[widgets]: Invalid value: \"widgets\": must be a standard resource type or fully qualified".into(),
            format!("spec.scopes: Invalid value: {scopes}: unsupported scope applied to resource"),
            format!("spec.scopes: Invalid value: {scopes}: unsupported scope applied to resource"),
            format!("spec.scopes: Invalid value: {scopes}: unsupported scope"),
            format!("spec.scopes: Invalid value: {scopes}: conflicting scopes"),
        ]
    );
}

#[test]
fn pods_fill_a_quota() {
    let mut store = Store::new(1);
    store
        .create(quota("compute", &[("requests.cpu", "2"), ("pods", "5")], &[]))
        .unwrap();
    let a = store.create(pod("a", Some("1"))).unwrap();
    store.create(pod("b", Some("1"))).unwrap();
    let before = store.fingerprint();
    let err = store.create(pod("c", Some("500m"))).unwrap_err();
    assert_eq!(err.code(), 403);
    assert_eq!(
        err.to_string(),
        "pods \"c\" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=2, limited: requests.cpu=2"
    );
    assert_eq!(store.fingerprint(), before);
    let err = store.create(pod("d", None)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "pods \"d\" is forbidden: failed quota: compute: must specify requests.cpu for: app"
    );
    // A deleted pod frees its usage.
    store.delete(a, DeleteOptions::now()).unwrap();
    store.create(pod("c", Some("500m"))).unwrap();
}

#[test]
fn terminal_pods_and_scopes() {
    let mut store = Store::new(1);
    store.create(quota("count", &[("count/pods", "1")], &[])).unwrap();
    store
        .create(quota("be", &[("pods", "1")], &["BestEffort"]))
        .unwrap();
    let a = store.create(pod("a", Some("100m"))).unwrap();
    assert_eq!(
        store.create(pod("b", None)).unwrap_err().to_string(),
        "pods \"b\" is forbidden: exceeded quota: count, requested: count/pods=1, used: count/pods=1, limited: count/pods=1"
    );
    store.update(a, |p| p.status.phase = PodPhase::Succeeded).unwrap();
    store.create(pod("b", None)).unwrap();
    // The BestEffort quota now holds b, so a second best-effort pod is refused.
    assert!(store.create(pod("c", None)).is_err());
}

#[test]
fn object_counts() {
    let mut store = Store::new(1);
    store
        .create(quota(
            "objects",
            &[("configmaps", "1"), ("count/secrets", "0")],
            &[],
        ))
        .unwrap();
    let cm = |n: &str| ConfigMap {
        metadata: ObjectMeta::named("default", n),
        ..ConfigMap::default()
    };
    store.create(cm("one")).unwrap();
    assert_eq!(
        store.create(cm("two")).unwrap_err().to_string(),
        "configmaps \"two\" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=1, limited: configmaps=1"
    );
    let secret = Secret {
        metadata: ObjectMeta::named("default", "s"),
        ..Secret::default()
    };
    assert!(store.create(secret).is_err());
    // Other namespaces are not limited.
    let mut other = cm("two");
    other.metadata.namespace = Symbol::intern("kube-system");
    store.create(other).unwrap();
}

/// The usage cache agrees with a scan of the namespace after every kind of
/// change: creates, terminal phases, graceful and immediate deletes, the
/// clock passing a deletion time, Service type changes.
#[test]
fn usage_cache_matches_a_scan() {
    use crate::api::service::{ServicePort, ServiceType};
    use crate::rng::Rng;
    use crate::store::admission::quota::{used_by_scan, used_cached};
    use crate::store::admission::{Admission, Operation};

    let mut store = Store::new(11);
    let scopes: [&[&str]; 5] = [
        &[],
        &["BestEffort"],
        &["NotBestEffort"],
        &["Terminating"],
        &["NotTerminating"],
    ];
    for (i, s) in scopes.iter().enumerate() {
        // Only NotBestEffort pods can be asked to state their CPU.
        let hard: &[(&str, &str)] = if *s == ["NotBestEffort"] {
            &[("pods", "1000"), ("requests.cpu", "1000"), ("limits.cpu", "1000")]
        } else {
            &[("pods", "1000"), ("count/pods", "1000")]
        };
        store.create(quota(&format!("q{i}"), hard, s)).unwrap();
    }
    store
        .create(quota(
            "svc",
            &[
                ("services", "100"),
                ("services.nodeports", "100"),
                ("configmaps", "100"),
            ],
            &[],
        ))
        .unwrap();
    let check = |store: &Store| {
        let adm = Admission {
            store,
            rng: Rng::new(0),
            operation: Operation::Create,
            allocators: None,
            deferred: Vec::new(),
        };
        for (_, q) in store.iter::<ResourceQuota>() {
            let ns = q.metadata.namespace;
            assert_eq!(
                used_cached::<Pod>(&adm, ns, q),
                used_by_scan::<Pod>(&adm, ns, q),
                "{}",
                q.metadata.name
            );
            assert_eq!(
                used_cached::<Service>(&adm, ns, q),
                used_by_scan::<Service>(&adm, ns, q)
            );
            assert_eq!(
                used_cached::<ConfigMap>(&adm, ns, q),
                used_by_scan::<ConfigMap>(&adm, ns, q)
            );
        }
    };
    let mut keys = Vec::new();
    for i in 0..12 {
        let mut p = pod(&format!("p{i}"), (i % 3 != 0).then_some("100m"));
        let spec = Arc::make_mut(&mut p.spec);
        if i % 4 == 0 {
            spec.active_deadline_seconds = Some(60);
        }
        if i % 2 == 0 {
            spec.node_name = Some(Symbol::intern("n1"));
        }
        keys.push(store.create(p).unwrap());
        check(&store);
    }
    store
        .update(keys[1], |p| p.status.phase = PodPhase::Failed)
        .unwrap();
    check(&store);
    // Bound pods keep a grace period: they still count until it passes.
    store.delete(keys[2], DeleteOptions::default()).unwrap();
    store.delete(keys[4], DeleteOptions::default()).unwrap();
    check(&store);
    store.set_now(Time::from_secs(31));
    check(&store);
    store.delete(keys[3], DeleteOptions::now()).unwrap();
    store.delete(keys[2], DeleteOptions::now()).unwrap();
    check(&store);

    let mut svc = Service {
        metadata: ObjectMeta::named("default", "web"),
        ..Service::default()
    };
    svc.spec.type_ = ServiceType::NodePort;
    svc.spec.ports = vec![ServicePort {
        name: None,
        protocol: Default::default(),
        port: 80,
        target_port: None,
        node_port: None,
    }];
    let s = store.create(svc).unwrap();
    check(&store);
    store
        .update(s, |s| {
            s.spec.type_ = ServiceType::ClusterIP;
            s.spec.external_traffic_policy = None;
            s.spec.ports[0].node_port = None;
        })
        .unwrap();
    check(&store);
    let cm = store
        .create(ConfigMap {
            metadata: ObjectMeta::named("default", "c"),
            ..ConfigMap::default()
        })
        .unwrap();
    check(&store);
    store.delete(cm, DeleteOptions::default()).unwrap();
    check(&store);
    store.delete(s, DeleteOptions::default()).unwrap();
    check(&store);
}
