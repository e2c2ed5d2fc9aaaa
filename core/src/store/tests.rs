//! A refused write of any kind leaves the store exactly as it was.

use std::sync::Arc;

use crate::api::pod::{Container, PodSpec, PodTemplateSpec, RestartPolicy, TemplateMeta};
use crate::api::resources::ResourceList;
use crate::api::service::{EndpointSubset, ServicePort, ServiceType};
use crate::api::*;
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::store::{Store, Stored};

fn template(restart: RestartPolicy) -> PodTemplateSpec {
    PodTemplateSpec {
        metadata: TemplateMeta {
            labels: Labels::parse("app=x").unwrap(),
            ..TemplateMeta::default()
        },
        spec: Arc::new(PodSpec {
            containers: vec![Container {
                name: Symbol::intern("c"),
                image: Symbol::intern("img"),
                ..Container::default()
            }],
            restart_policy: restart,
            ..PodSpec::default()
        }),
    }
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta::named("default", name)
}

/// Creates `obj`, which must fail, and checks that nothing changed.
fn refused<T: Stored>(store: &mut Store, obj: T) {
    let before = store.fingerprint();
    let rv = store.resource_version();
    let kind = T::KIND;
    assert!(store.create(obj).is_err(), "{kind} was accepted");
    assert_eq!(store.fingerprint(), before, "{kind} changed the store");
    assert_eq!(store.resource_version(), rv);
}

#[test]
fn refused_writes_change_nothing() {
    let mut store = Store::new(7);
    let mut quota = ResourceQuota {
        metadata: meta("q"),
        ..ResourceQuota::default()
    };
    quota.spec.hard = ResourceList::parse([("pods", "1")]).unwrap();
    store.create(quota).unwrap();
    let ok_pod = Pod {
        metadata: meta("p"),
        spec: template(RestartPolicy::Always).spec,
        node_name: None,
        status: Default::default(),
    };
    store.create(ok_pod.clone()).unwrap();
    // A pod refused by quota.
    refused(
        &mut store,
        Pod {
            metadata: meta("p2"),
            ..ok_pod.clone()
        },
    );
    // A pod refused by validation.
    refused(
        &mut store,
        Pod {
            metadata: meta("p3"),
            spec: Arc::new(PodSpec::default()),
            ..ok_pod
        },
    );

    let mut ds = DaemonSet {
        metadata: meta("ds"),
        ..DaemonSet::default()
    };
    ds.spec.template = template(RestartPolicy::Never);
    refused(&mut store, ds);
    let mut sts = StatefulSet {
        metadata: meta("sts"),
        ..StatefulSet::default()
    };
    sts.spec.replicas = -1;
    refused(&mut store, sts);
    let mut job = Job {
        metadata: meta("job"),
        ..Job::default()
    };
    job.spec.template = template(RestartPolicy::Always);
    refused(&mut store, job);
    let mut cj = CronJob {
        metadata: meta("cj"),
        ..CronJob::default()
    };
    cj.spec.schedule = "not a schedule".into();
    refused(&mut store, cj);

    // A Service whose IP and node port were allocated but whose validation failed.
    let mut svc = Service {
        metadata: meta("svc"),
        ..Service::default()
    };
    svc.spec.type_ = ServiceType::NodePort;
    svc.spec.session_affinity = Some(Symbol::intern("Sometimes"));
    svc.spec.ports = vec![ServicePort {
        name: None,
        protocol: Default::default(),
        port: 80,
        target_port: None,
        node_port: None,
    }];
    refused(&mut store, svc.clone());
    // And one refused for a taken node port after its IP was allocated.
    svc.spec.session_affinity = None;
    svc.spec.ports[0].node_port = Some(31111);
    let taken = Service {
        metadata: meta("taken"),
        ..svc.clone()
    };
    store.create(taken).unwrap();
    refused(&mut store, svc);

    refused(
        &mut store,
        Endpoints {
            metadata: meta("ep"),
            subsets: vec![EndpointSubset::default()],
        },
    );
    let mut cm = ConfigMap {
        metadata: meta("cm"),
        ..ConfigMap::default()
    };
    cm.data.insert("a/b".into(), String::new());
    refused(&mut store, cm);
    let mut secret = Secret {
        metadata: meta("s"),
        ..Secret::default()
    };
    secret.data.insert("k".into(), "???".into());
    refused(&mut store, secret);
    refused(
        &mut store,
        ServiceAccount {
            metadata: meta("Bad_Name"),
        },
    );
    let mut q2 = ResourceQuota {
        metadata: meta("q2"),
        ..ResourceQuota::default()
    };
    q2.spec.scopes = vec![Symbol::intern("Never")];
    refused(&mut store, q2);
    let mut lr = LimitRange {
        metadata: meta("lr"),
        ..LimitRange::default()
    };
    lr.spec.limits.push(Default::default());
    refused(&mut store, lr);
    refused(
        &mut store,
        PriorityClass {
            metadata: ObjectMeta::named("", "too-high"),
            value: 2_000_000_000,
            ..PriorityClass::default()
        },
    );
    let mut pdb = PodDisruptionBudget {
        metadata: meta("pdb"),
        ..PodDisruptionBudget::default()
    };
    pdb.spec.min_available = Some(crate::api::meta::IntOrString::Int(-1));
    refused(&mut store, pdb);
    refused(
        &mut store,
        HorizontalPodAutoscaler {
            metadata: meta("hpa"),
            ..HorizontalPodAutoscaler::default()
        },
    );
    refused(
        &mut store,
        PersistentVolumeClaim {
            metadata: meta("pvc"),
            ..PersistentVolumeClaim::default()
        },
    );
}

#[test]
fn uids_advance_only_on_commit() {
    let mut store = Store::new(8);
    let mut job = Job {
        metadata: meta("bad"),
        ..Job::default()
    };
    job.spec.template = template(RestartPolicy::Always);
    assert!(store.create(job.clone()).is_err());
    job.spec.template = template(RestartPolicy::Never);
    job.metadata.name = Name::new("good");
    let key = store.create(job).unwrap();
    let j = store.get(key).unwrap();
    // The refused Job did not use up a uid: the good one has the uid the
    // selector was generated from.
    let uid = j.metadata.uid.to_string();
    assert_eq!(
        j.spec.selector.selector().to_string(),
        format!("batch.kubernetes.io/controller-uid={uid}")
    );
    let mut fresh = Store::new(8);
    let mut again = store.get(key).unwrap().clone();
    again.metadata = meta("good");
    again.spec.selector = PodSelector::default();
    again.spec.template = template(RestartPolicy::Never);
    let k2 = fresh.create(again).unwrap();
    assert_eq!(
        fresh.get(k2).unwrap().metadata.uid,
        store.get(key).unwrap().metadata.uid
    );
}
