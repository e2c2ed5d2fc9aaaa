//! The later kinds' invariants shown to fail: each test builds a sound
//! state the checker accepts, breaks it, and checks the checker names it.

use super::*;
use crate::api::pod::PodPhase;
use crate::api::{DaemonSet, Job, Kind, ResourceQuota, StatefulSet};
use crate::build;
use crate::controllers::controller_ref;
use crate::manifest::parse_manifests;
use crate::store::{DeleteOptions, Key};

fn names(found: &[Violation]) -> Vec<&'static str> {
    found.iter().map(|v| v.invariant).collect()
}

/// Creates the objects of a YAML manifest (admission fills the defaults).
fn apply(store: &mut Store, yaml: &str) {
    for o in parse_manifests(yaml, "test.yaml").unwrap() {
        store.create_any(o.object).unwrap();
    }
}

/// A pod named `name` with labels `app=web` controlled by `owner`.
fn owned_pod<T: Stored>(store: &mut Store, owner: Key<T>, kind: Kind, name: &str) -> Key<Pod> {
    let meta = store.get(owner).unwrap().metadata().clone();
    let mut p = build::pod(name).labels(&[("app", "web")]).build();
    p.metadata.owner_references.push(controller_ref(kind, &meta));
    store.create(p).unwrap()
}

const DAEMONSET: &str = "
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: agent}]}
";

#[test]
fn daemonset_missing_or_doubled_on_an_eligible_node_is_reported() {
    let mut store = Store::new(1);
    for n in ["n1", "n2"] {
        store.create(build::node(n, "1", "1Gi").build()).unwrap();
    }
    apply(&mut store, DAEMONSET);
    let ds = store.lookup::<DaemonSet>("default", "agent").unwrap();
    let on = |store: &mut Store, name: &str, node: &str| {
        let k = owned_pod(store, ds, Kind::DaemonSet, name);
        store.bind(k, Symbol::intern(node)).unwrap();
        k
    };
    on(&mut store, "agent-a", "n1");
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-daemonset"], "{found:?}");
    assert!(
        found[0].detail.contains("node n2 runs 0 daemon pods"),
        "{}",
        found[0]
    );
    let b = on(&mut store, "agent-b", "n2");
    assert!(check_converged(&store, Time::ZERO).is_empty());
    on(&mut store, "agent-c", "n2");
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-daemonset"], "{found:?}");
    assert!(
        found[0].detail.contains("node n2 runs 2 daemon pods"),
        "{}",
        found[0]
    );
    store.delete(b, DeleteOptions::now()).unwrap();
    assert!(
        check_converged(&store, Time::ZERO).is_empty(),
        "the delete removed the pod"
    );
    // A node the daemon may not run on (an untolerated NoExecute taint).
    let n1 = store.lookup::<Node>("", "n1").unwrap();
    store
        .update(n1, |n| {
            n.spec.taints.push(crate::api::scheduling::Taint {
                key: Symbol::intern("gpu"),
                value: Symbol::EMPTY,
                effect: crate::api::scheduling::TaintEffect::NoExecute,
                time_added: None,
            })
        })
        .unwrap();
    let found = check_converged(&store, Time::ZERO);
    assert!(
        found[0]
            .detail
            .contains("node n1 runs 1 daemon pods but is not eligible")
    );
}

const STATEFULSET: &str = "
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  podManagementPolicy: Parallel
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
";

#[test]
fn statefulset_ordinals_other_than_zero_to_replicas_are_reported() {
    let mut store = Store::new(1);
    apply(&mut store, STATEFULSET);
    let set = store.lookup::<StatefulSet>("default", "web").unwrap();
    for name in ["web-0", "web-1"] {
        owned_pod(&mut store, set, Kind::StatefulSet, name);
    }
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-statefulset"], "{found:?}");
    assert!(found[0].detail.contains("[0, 1], want [0, 1, 2]"), "{}", found[0]);
    let two = owned_pod(&mut store, set, Kind::StatefulSet, "web-2");
    assert!(check_converged(&store, Time::ZERO).is_empty());
    let three = owned_pod(&mut store, set, Kind::StatefulSet, "web-3");
    assert_eq!(
        names(&check_converged(&store, Time::ZERO)),
        ["converged-statefulset"]
    );
    store.delete(three, DeleteOptions::now()).unwrap();
    store.delete(two, DeleteOptions::now()).unwrap();
    // `web-01` has ordinal 1 too: a duplicate, and 2 is missing.
    owned_pod(&mut store, set, Kind::StatefulSet, "web-01");
    let found = names(&check_converged(&store, Time::ZERO));
    assert_eq!(found, ["statefulset-ordinals", "converged-statefulset"]);
}

const JOB: &str = "
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  completions: 2
  parallelism: 1
  template:
    metadata: {labels: {app: web}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: perl}]
";

#[test]
fn job_counts_beyond_completions_or_missing_a_finished_pod_are_reported() {
    let mut store = Store::new(1);
    apply(&mut store, JOB);
    let job = store.lookup::<Job>("default", "pi").unwrap();
    let pod = owned_pod(&mut store, job, Kind::Job, "pi-a");
    store.update_unchecked(job, |j| j.status.active = 1);
    assert!(check(&store, Time::ZERO).is_empty());
    assert!(check_converged(&store, Time::ZERO).is_empty());
    // The pod succeeds; a status that has not counted it is wrong once idle.
    store.update_unchecked(pod, |p| p.status.phase = PodPhase::Succeeded);
    store.update_unchecked(job, |j| j.status.active = 0);
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-job"], "{found:?}");
    assert!(found[0].detail.contains("succeeded 0 < 1"), "{}", found[0]);
    store.update_unchecked(job, |j| j.status.succeeded = 1);
    assert!(check_converged(&store, Time::ZERO).is_empty());
    // More successes than completions is wrong at any time.
    store.update_unchecked(job, |j| j.status.succeeded = 3);
    let found = check(&store, Time::ZERO);
    assert_eq!(names(&found), ["job-counts"], "{found:?}");
    assert!(
        found[0].detail.contains("succeeded 3 > completions 2"),
        "{}",
        found[0]
    );
    // Status `active` that does not match the pods, once idle.
    store.update_unchecked(job, |j| {
        j.status.succeeded = 1;
        j.status.active = 1;
    });
    assert_eq!(names(&check_converged(&store, Time::ZERO)), ["converged-job"]);
}

const QUOTA: &str = "
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec:
  hard: {pods: '10', requests.cpu: '4', configmaps: '5'}
";

#[test]
fn quota_usage_that_disagrees_with_the_objects_is_reported() {
    let mut store = Store::new(1);
    apply(&mut store, QUOTA);
    let q = store.lookup::<ResourceQuota>("default", "q").unwrap();
    store
        .create(build::pod("a").requests("500m", "1Mi").build())
        .unwrap();
    let b = store
        .create(build::pod("b").requests("250m", "1Mi").build())
        .unwrap();
    store.update_unchecked(q, |q| q.status.hard = q.spec.hard.clone());
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-quota"], "{found:?}");
    let right =
        crate::api::ResourceList::parse([("pods", "2"), ("requests.cpu", "750m"), ("configmaps", "0")])
            .unwrap();
    store.update_unchecked(q, |q| q.status.used = right);
    assert!(check_converged(&store, Time::ZERO).is_empty());
    // A pod gone without the usage following.
    store.delete(b, DeleteOptions::now()).unwrap();
    let found = check_converged(&store, Time::ZERO);
    assert_eq!(names(&found), ["converged-quota"], "{found:?}");
    assert!(found[0].detail.contains("status.used"), "{}", found[0]);
}
