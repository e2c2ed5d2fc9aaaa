//! Tests of PriorityClass, PodDisruptionBudget, HPA and PVC admission.

use crate::api::meta::IntOrString;
use crate::api::policy::PvcPhase;
use crate::api::resources::ResourceList;
use crate::api::*;
use crate::intern::Symbol;
use crate::store::{ApiError, Store};

fn errors(e: ApiError) -> Vec<String> {
    e.field_errors().iter().map(ToString::to_string).collect()
}

fn pc(name: &str, value: i32, global_default: bool) -> PriorityClass {
    PriorityClass {
        metadata: ObjectMeta::named("", name),
        value,
        global_default,
        ..PriorityClass::default()
    }
}

#[test]
fn priority_classes() {
    let mut store = Store::new(1);
    let key = store.create(pc("high", 1000, true)).unwrap();
    store
        .create(pc("system-node-critical", 2_000_001_000, false))
        .unwrap();
    assert_eq!(
        errors(store.create(pc("huge", 1_000_000_001, false)).unwrap_err()),
        ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]
    );
    assert_eq!(
        errors(store.create(pc("system-mine", 5, false)).unwrap_err()),
        [
            "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"
        ]
    );
    let before = store.fingerprint();
    let err = store.create(pc("other", 5, true)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "priorityclasses.scheduling.k8s.io \"other\" is forbidden: PriorityClass high is already marked as default. Only one default can exist"
    );
    assert_eq!(store.fingerprint(), before);
    let err = store.update(key, |c| c.value = 7).unwrap_err();
    assert_eq!(
        errors(err),
        ["value: Forbidden: may not be changed in an update."]
    );
    // Updating the default class itself is fine.
    store.update(key, |c| c.description = Some("d".into())).unwrap();
}

fn pdb(name: &str) -> PodDisruptionBudget {
    PodDisruptionBudget {
        metadata: ObjectMeta::named("default", name),
        ..PodDisruptionBudget::default()
    }
}

#[test]
fn disruption_budgets() {
    let mut store = Store::new(1);
    let mut ok = pdb("ok");
    ok.spec.min_available = Some(IntOrString::String(Symbol::intern("50%")));
    store.create(ok).unwrap();
    let mut both = pdb("both");
    both.spec.min_available = Some(IntOrString::Int(1));
    both.spec.max_unavailable = Some(IntOrString::Int(-1));
    assert_eq!(
        errors(store.create(both).unwrap_err()),
        [
            "spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:1, MaxUnavailable:-1}: minAvailable and maxUnavailable cannot be both set",
            "spec.maxUnavailable: Invalid value: -1: must be greater than or equal to 0",
        ]
    );
    let mut pct = pdb("pct");
    pct.spec.max_unavailable = Some(IntOrString::String(Symbol::intern("120%")));
    assert_eq!(
        errors(store.create(pct).unwrap_err()),
        ["spec.maxUnavailable: Invalid value: \"120%\": must not be greater than 100%"]
    );
}

fn hpa(name: &str) -> HorizontalPodAutoscaler {
    let mut h = HorizontalPodAutoscaler {
        metadata: ObjectMeta::named("default", name),
        ..HorizontalPodAutoscaler::default()
    };
    h.spec.scale_target_ref.kind = Symbol::intern("Deployment");
    h.spec.scale_target_ref.name = Symbol::intern("web");
    h.spec.max_replicas = 5;
    h
}

#[test]
fn autoscalers() {
    let mut store = Store::new(1);
    let key = store.create(hpa("web")).unwrap();
    let h = store.get(key).unwrap();
    assert_eq!(h.spec.min_replicas, Some(1));
    assert_eq!(h.spec.metrics.len(), 1);
    assert_eq!(
        h.spec.metrics[0]
            .resource
            .as_ref()
            .unwrap()
            .target
            .average_utilization,
        Some(80)
    );
    let mut bad = hpa("bad");
    bad.spec.min_replicas = Some(3);
    bad.spec.max_replicas = 2;
    bad.spec.scale_target_ref.name = Symbol::EMPTY;
    bad.spec.target_cpu_utilization_percentage = Some(0);
    assert_eq!(
        errors(store.create(bad).unwrap_err()),
        [
            "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`",
            "spec.scaleTargetRef.name: Required value",
            "spec.targetCPUUtilizationPercentage: Invalid value: 0: must be greater than 0",
        ]
    );
    let mut zero = hpa("zero");
    zero.spec.min_replicas = Some(0);
    zero.spec.max_replicas = 0;
    assert_eq!(
        errors(store.create(zero).unwrap_err()),
        [
            "spec.minReplicas: Invalid value: 0: must be greater than or equal to 1",
            "spec.maxReplicas: Invalid value: 0: must be greater than 0",
        ]
    );
}

fn pvc(name: &str, storage: &str) -> PersistentVolumeClaim {
    let mut p = PersistentVolumeClaim {
        metadata: ObjectMeta::named("default", name),
        ..PersistentVolumeClaim::default()
    };
    p.spec.access_modes = vec![Symbol::intern("ReadWriteOnce")];
    p.spec.resources.requests = ResourceList::parse([("storage", storage)]).unwrap();
    p
}

#[test]
fn claims() {
    let mut store = Store::new(1);
    let key = store.create(pvc("data", "1Gi")).unwrap();
    let mut bad = pvc("bad", "1Gi");
    bad.spec.access_modes = vec![Symbol::intern("ReadWriteSometimes")];
    bad.spec.resources.requests = ResourceList::new();
    assert_eq!(
        errors(store.create(bad).unwrap_err()),
        [
            "spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
            "spec.resources[storage]: Required value",
        ]
    );
    let mut none = pvc("none", "1Gi");
    none.spec.access_modes.clear();
    assert_eq!(
        errors(store.create(none).unwrap_err()),
        ["spec.accessModes: Required value: at least 1 access mode is required"]
    );
    // Pending: the storage request is immutable too.
    let err = store
        .update(key, |p| {
            p.spec.resources.requests.set(Symbol::intern("storage"), 2 << 30)
        })
        .unwrap_err();
    assert_eq!(
        errors(err),
        [
            "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
        ]
    );
    store.update(key, |p| p.status.phase = PvcPhase::Bound).unwrap();
    store
        .update(key, |p| {
            p.spec.resources.requests.set(Symbol::intern("storage"), 2 << 30)
        })
        .unwrap();
    let err = store
        .update(key, |p| {
            p.spec.resources.requests.set(Symbol::intern("storage"), 1 << 30)
        })
        .unwrap_err();
    assert_eq!(
        errors(err),
        ["spec.resources.requests.storage: Forbidden: field can not be less than previous value"]
    );
    store
        .update(key, |p| p.spec.volume_name = Some(Symbol::intern("pv-1")))
        .unwrap();
}
