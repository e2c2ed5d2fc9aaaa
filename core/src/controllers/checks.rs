//! Invariant helpers for the DaemonSet, StatefulSet and Endpoints
//! controllers, for the invariant checker to wire in. Each returns one line
//! per violation, naming the objects. They describe a *converged* cluster:
//! mid-rollout states (a surge pod next to an old one, a StatefulSet pod
//! being replaced) legitimately break them for a while.

use super::daemonset::{add_daemon_tolerations, node_should_run, target_node};
use super::endpoints::{desired_endpoints, endpoints_of, managed_services, selected_pods};
use super::statefulset::pods::parent_and_ordinal;
use crate::api::workloads::PodManagementPolicy;
use crate::api::{DaemonSet, Node, Pod, StatefulSet, Uid};
use crate::store::{Store, typed_key};

/// Active pods whose controller is `uid`.
fn owned_active(store: &Store, uid: Uid) -> Vec<&Pod> {
    store
        .dependents(uid)
        .iter()
        .filter_map(|k| typed_key::<Pod>(*k).and_then(|k| store.get(k)))
        .filter(|p| p.is_active() && p.metadata.controller_ref().is_some_and(|r| r.uid == uid))
        .collect()
}

/// Every DaemonSet runs exactly one active pod on each node that should run
/// one, and none on nodes where it may not continue.
pub fn daemonset_one_per_eligible_node(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    let mut nodes: Vec<&Node> = store.iter::<Node>().map(|(_, n)| n).collect();
    nodes.sort_by_key(|n| n.metadata.name.to_string());
    for (_, ds) in store.iter::<DaemonSet>() {
        if ds.metadata.deletion_timestamp.is_some() {
            continue;
        }
        let mut spec = (*ds.spec.template.spec).clone();
        add_daemon_tolerations(&mut spec);
        let pods = owned_active(store, ds.metadata.uid);
        for node in &nodes {
            let name = node.metadata.name.to_symbol();
            let (run, keep) = node_should_run(node, &spec);
            let count = pods.iter().filter(|p| target_node(p) == Some(name)).count();
            let id = format!("daemonset {}/{}", ds.metadata.namespace, ds.metadata.name);
            if run && count != 1 {
                out.push(format!("{id}: node {name} runs {count} daemon pods, want 1"));
            } else if !keep && count > 0 {
                out.push(format!(
                    "{id}: node {name} runs {count} daemon pods but is not eligible"
                ));
            }
        }
    }
    out
}

/// Every StatefulSet's pods are named `<set>-<ordinal>` with unique
/// ordinals; under OrderedReady the live ones form one run from the start
/// ordinal.
pub fn statefulset_ordinals(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for (_, set) in store.iter::<StatefulSet>() {
        let name = set.metadata.name.to_string();
        let id = format!("statefulset {}/{name}", set.metadata.namespace);
        let mut ords = Vec::new();
        for pod in owned_active(store, set.metadata.uid) {
            match parent_and_ordinal(&pod.metadata.name.to_string()) {
                Some((parent, ord)) if parent == name => ords.push(ord),
                _ => out.push(format!(
                    "{id}: pod {} has no ordinal of the set",
                    pod.metadata.name
                )),
            }
        }
        ords.sort_unstable();
        if ords.windows(2).any(|w| w[0] == w[1]) {
            out.push(format!("{id}: duplicate ordinals {ords:?}"));
        }
        let start = set.spec.ordinals.as_ref().map_or(0, |o| o.start);
        let contiguous = ords.iter().enumerate().all(|(i, o)| *o == start + i as i32);
        if set.spec.pod_management_policy == PodManagementPolicy::OrderedReady && !contiguous {
            out.push(format!("{id}: ordinals {ords:?} are not contiguous from {start}"));
        }
    }
    out
}

/// Every Service with a selector has the Endpoints the controller would
/// write now.
pub fn endpoints_match(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for (_, svc) in managed_services(store) {
        let id = format!("service {}/{}", svc.metadata.namespace, svc.metadata.name);
        let want = desired_endpoints(store, svc, &selected_pods(store, svc));
        match endpoints_of(store, svc) {
            None => out.push(format!("{id}: no Endpoints")),
            Some(have) if have.subsets != want.subsets => out.push(format!(
                "{id}: Endpoints list {} addresses, want {}",
                count(&have.subsets),
                count(&want.subsets)
            )),
            Some(_) => {}
        }
    }
    out
}

fn count(subsets: &[crate::api::service::EndpointSubset]) -> String {
    let ready: usize = subsets.iter().map(|s| s.addresses.len()).sum();
    let not_ready: usize = subsets.iter().map(|s| s.not_ready_addresses.len()).sum();
    format!("{ready} ready + {not_ready} not ready")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pod::{Container, PodSpec, PodTemplateSpec, TemplateMeta};
    use crate::api::{ObjectMeta, PodSelector};
    use crate::build;
    use crate::controllers::controller_ref;
    use crate::labels::Labels;

    fn template_labels() -> Labels {
        Labels::parse("app=web").unwrap()
    }

    fn template() -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: TemplateMeta {
                labels: template_labels(),
                ..TemplateMeta::default()
            },
            spec: std::sync::Arc::new(PodSpec {
                containers: vec![Container {
                    name: "c".into(),
                    image: "nginx".into(),
                    ..Container::default()
                }],
                ..PodSpec::default()
            }),
        }
    }

    #[test]
    fn a_missing_daemon_pod_is_reported() {
        let mut store = Store::new(1);
        store.create(build::node("n1", "1", "1Gi").build()).unwrap();
        let mut ds = DaemonSet {
            metadata: ObjectMeta::named("default", "agent"),
            ..DaemonSet::default()
        };
        ds.spec.selector = PodSelector::match_labels(template_labels());
        ds.spec.template = template();
        store.create(ds).unwrap();
        assert_eq!(
            daemonset_one_per_eligible_node(&store),
            ["daemonset default/agent: node n1 runs 0 daemon pods, want 1"]
        );
    }

    #[test]
    fn a_gap_in_ordinals_is_reported_and_services_need_endpoints() {
        let mut store = Store::new(2);
        let mut set = StatefulSet {
            metadata: ObjectMeta::named("default", "web"),
            ..StatefulSet::default()
        };
        set.spec.selector = PodSelector::match_labels(template_labels());
        set.spec.template = template();
        let key = store.create(set).unwrap();
        let meta = store.get(key).unwrap().metadata.clone();
        for name in ["web-0", "web-2"] {
            let mut pod = build::pod(name).labels(&[("app", "web")]).build();
            pod.metadata
                .owner_references
                .push(controller_ref(crate::api::Kind::StatefulSet, &meta));
            store.create(pod).unwrap();
        }
        assert_eq!(
            statefulset_ordinals(&store),
            ["statefulset default/web: ordinals [0, 2] are not contiguous from 0"]
        );
        store
            .create(crate::build::service("web", template_labels()))
            .unwrap();
        assert_eq!(endpoints_match(&store), ["service default/web: no Endpoints"]);
    }
}
