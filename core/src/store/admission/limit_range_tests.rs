//! Tests of LimitRange admission and the LimitRanger plugin.

use std::sync::Arc;

use crate::api::pod::{Container, PodSpec, PodTemplateSpec, TemplateMeta};
use crate::api::policy::{LimitRangeItem, RatioList};
use crate::api::resources::ResourceList;
use crate::api::*;
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::store::{ApiError, Store};

fn rl(pairs: &[(&str, &str)]) -> ResourceList {
    ResourceList::parse(pairs.iter().copied()).unwrap()
}

fn item(t: &str) -> LimitRangeItem {
    LimitRangeItem {
        type_: Symbol::intern(t),
        ..LimitRangeItem::default()
    }
}

fn limit_range(name: &str, items: Vec<LimitRangeItem>) -> LimitRange {
    let mut lr = LimitRange {
        metadata: ObjectMeta::named("default", name),
        ..LimitRange::default()
    };
    lr.spec.limits = items;
    lr
}

fn container(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> Container {
    let mut c = Container {
        name: Symbol::intern("app"),
        image: Symbol::intern("nginx"),
        ..Container::default()
    };
    c.resources.requests = rl(requests);
    c.resources.limits = rl(limits);
    c
}

fn pod(name: &str, c: Container) -> Pod {
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
fn item_defaults() {
    let mut store = Store::new(1);
    let mut c = item("Container");
    c.max = rl(&[("cpu", "2"), ("memory", "1Gi")]);
    c.min = rl(&[("cpu", "100m"), ("ephemeral-storage", "1Gi")]);
    c.default = rl(&[("memory", "512Mi")]);
    let key = store.create(limit_range("lr", vec![c])).unwrap();
    let i = &store.get(key).unwrap().spec.limits[0];
    assert_eq!(i.default, rl(&[("cpu", "2"), ("memory", "512Mi")]));
    assert_eq!(
        i.default_request,
        rl(&[("cpu", "2"), ("ephemeral-storage", "1Gi"), ("memory", "512Mi")])
    );
}

#[test]
fn item_rules() {
    let mut store = Store::new(1);
    let mut c = item("Container");
    c.min = rl(&[("cpu", "100m")]);
    c.max = rl(&[("cpu", "50m")]);
    c.default = rl(&[("cpu", "50m")]);
    c.default_request = rl(&[("cpu", "50m")]);
    let mut p = item("Pod");
    p.default = rl(&[("cpu", "1")]);
    p.max_limit_request_ratio = RatioList(vec![(Symbol::CPU, 500)]);
    let bogus = item("Node");
    assert_eq!(
        errors(store.create(limit_range("bad", vec![c, p, bogus])).unwrap_err()),
        [
            "spec.limits[0].min[cpu]: Invalid value: \"100m\": min value 100m is greater than max value 50m",
            "spec.limits[0].defaultRequest[cpu]: Invalid value: \"50m\": min value 100m is greater than default request value 50m",
            "spec.limits[0].default[cpu]: Invalid value: \"100m\": min value 100m is greater than default value 50m",
            "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
            "spec.limits[1].maxLimitRequestRatio[cpu]: Invalid value: \"500m\": ratio 500m is less than 1",
            "spec.limits[2].type: Invalid value: \"Node\": must be a standard limit type or fully qualified",
        ]
    );
    let pvc = item("PersistentVolumeClaim");
    assert_eq!(
        errors(store.create(limit_range("pvc", vec![pvc])).unwrap_err()),
        [
            "spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided"
        ]
    );
}

#[test]
fn pod_defaults_are_applied() {
    let mut store = Store::new(1);
    let mut c = item("Container");
    c.default = rl(&[("cpu", "500m"), ("memory", "256Mi")]);
    c.default_request = rl(&[("cpu", "100m")]);
    store.create(limit_range("lr", vec![c])).unwrap();
    let key = store.create(pod("p", container(&[], &[]))).unwrap();
    let p = store.get(key).unwrap();
    let r = &p.spec.containers[0].resources;
    assert_eq!(r.limits, rl(&[("cpu", "500m"), ("memory", "256Mi")]));
    // memory's defaultRequest was defaulted from its default limit.
    assert_eq!(r.requests, rl(&[("cpu", "100m"), ("memory", "256Mi")]));
    assert_eq!(p.spec.derived.requests.cpu(), 100);
    assert_eq!(p.spec.derived.limits.memory(), 256 << 20);
    assert!(p.spec.derived.validated);

    // A request above the default limit fails pod validation.
    let err = store
        .create(pod("q", container(&[("cpu", "1")], &[])))
        .unwrap_err();
    assert_eq!(
        errors(err),
        [
            "spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m"
        ]
    );
}

#[test]
fn siblings_keep_sharing_when_nothing_is_defaulted() {
    let mut store = Store::new(1);
    let mut c = item("Container");
    c.default = rl(&[("cpu", "500m")]);
    store.create(limit_range("lr", vec![c])).unwrap();
    let rs = ReplicaSet {
        metadata: ObjectMeta::named("default", "web"),
        spec: crate::api::workloads::ReplicaSetSpec {
            selector: PodSelector::match_labels(Labels::parse("app=web").unwrap()),
            template: PodTemplateSpec {
                metadata: TemplateMeta {
                    labels: Labels::parse("app=web").unwrap(),
                    ..TemplateMeta::default()
                },
                spec: Arc::new(PodSpec {
                    containers: vec![container(&[("cpu", "200m")], &[("cpu", "200m")])],
                    ..PodSpec::default()
                }),
            },
            ..Default::default()
        },
        ..ReplicaSet::default()
    };
    let rs_key = store.create(rs).unwrap();
    let shared = store.get(rs_key).unwrap().spec.template.spec.clone();
    let mut keys = Vec::new();
    for name in ["web-1", "web-2"] {
        let mut p = pod(name, Container::default());
        p.spec = shared.clone();
        keys.push(store.create(p).unwrap());
    }
    let a = &store.get(keys[0]).unwrap().spec;
    let b = &store.get(keys[1]).unwrap().spec;
    assert!(Arc::ptr_eq(a, b));
    assert!(Arc::ptr_eq(a, &shared));

    // When a default applies, the pod gets its own copy.
    let mut spec = (*shared).clone();
    spec.containers[0].resources.limits = ResourceList::new();
    let mut p = pod("web-3", Container::default());
    p.spec = Arc::new(spec);
    let k = store.create(p).unwrap();
    assert_eq!(
        store.get(k).unwrap().spec.containers[0].resources.limits.cpu(),
        500
    );
}

#[test]
fn pod_bounds_are_forbidden() {
    let mut store = Store::new(1);
    let mut c = item("Container");
    c.min = rl(&[("cpu", "100m")]);
    c.max_limit_request_ratio = RatioList(vec![(Symbol::CPU, 2000)]);
    let mut p = item("Pod");
    p.max = rl(&[("memory", "1Gi")]);
    store.create(limit_range("lr", vec![c, p])).unwrap();
    let before = store.fingerprint();
    let err = store
        .create(pod(
            "low",
            container(
                &[("cpu", "50m"), ("memory", "1Gi")],
                &[("cpu", "200m"), ("memory", "1Gi")],
            ),
        ))
        .unwrap_err();
    assert_eq!(err.code(), 403);
    assert_eq!(
        err.to_string(),
        "pods \"low\" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000]"
    );
    let err = store
        .create(pod(
            "big",
            container(&[("cpu", "100m"), ("memory", "2Gi")], &[("cpu", "100m")]),
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "pods \"big\" is forbidden: maximum memory usage per Pod is 1Gi.  No limit is specified"
    );
    assert_eq!(store.fingerprint(), before);
    store
        .create(pod(
            "ok",
            container(
                &[("cpu", "100m"), ("memory", "1Gi")],
                &[("cpu", "200m"), ("memory", "1Gi")],
            ),
        ))
        .unwrap();
}

#[test]
fn claim_bounds() {
    let mut store = Store::new(1);
    let mut i = item("PersistentVolumeClaim");
    i.max = rl(&[("storage", "2Gi")]);
    store.create(limit_range("lr", vec![i])).unwrap();
    let mut c = PersistentVolumeClaim {
        metadata: ObjectMeta::named("default", "data"),
        ..PersistentVolumeClaim::default()
    };
    c.spec.access_modes = vec![Symbol::intern("ReadWriteOnce")];
    c.spec.resources.requests = rl(&[("storage", "5Gi")]);
    assert_eq!(
        store.create(c).unwrap_err().to_string(),
        "persistentvolumeclaims \"data\" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but limit is 5Gi"
    );
}
