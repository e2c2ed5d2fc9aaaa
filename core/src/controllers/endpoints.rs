//! The Endpoints controller (`pkg/controller/endpoint/endpoints_controller.go`,
//! `pkg/api/v1/endpoints/util.go` `RepackSubsets`): for every Service with a
//! selector, an Endpoints object named like it listing the selected pods
//! that have an IP.
//!
//! Ready pods go to `addresses`, others to `notReadyAddresses` (all to
//! `addresses` with `publishNotReadyAddresses`, which also keeps
//! terminating pods); terminal pods and, otherwise, terminating pods are
//! dropped. A named `targetPort` is resolved per pod; pods lacking it are
//! left out of that port. Addresses sharing a port set share a subset
//! (not-ready wins when an address is both). More than 1000 addresses are
//! truncated with `endpoints.kubernetes.io/over-capacity: truncated`.
//! Deleting a Service deletes its Endpoints; Services without a selector
//! (and ExternalName ones) are left alone.
//!
//! Ordering: addresses are sorted by IP text then pod, as upstream; upstream
//! sorts ports and subsets by an MD5 of their `spew` dump, which kubesim
//! replaces with sorting by content (ports by name, number, protocol).

use std::collections::BTreeMap;

use super::podctl::Membership;
use super::{Controller, Ctx};
use crate::api::meta::IntOrString;
use crate::api::pod::find_port;
use crate::api::service::{EndpointAddress, EndpointPort, EndpointSubset, ServiceType, TargetRef};
use crate::api::{Endpoints, Kind, Object, ObjectMeta, Pod, Service};
use crate::intern::Symbol;
use crate::labels::{Labels, Selector};
use crate::store::{Change, ChangeOp, DeleteOptions, Key, ObjectKey, Store, object_key, typed_key};

/// Most addresses an Endpoints object lists (`maxCapacity`).
pub const MAX_CAPACITY: usize = 1000;
/// Set when addresses were left out (`v1.EndpointsOverCapacity`).
pub const OVER_CAPACITY_ANNOTATION: &str = "endpoints.kubernetes.io/over-capacity";
/// Label of a headless Service's Endpoints (`v1.IsHeadlessService`).
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";

/// The Endpoints controller.
#[derive(Default)]
pub struct EndpointsController {
    members: Membership,
}

fn same_named_service(store: &Store, meta: &ObjectMeta) -> Option<Key<Service>> {
    store.lookup_name::<Service>(meta.namespace, &meta.name)
}

impl Controller for EndpointsController {
    fn name(&self) -> &'static str {
        "endpoint-controller"
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        match (change.key.kind, &change.op) {
            (Kind::Service, ChangeOp::Deleted(obj)) => {
                self.members.remove_owner(change.key);
                let meta = obj.metadata();
                if let Some(ep) = store.lookup_name::<Endpoints>(meta.namespace, &meta.name) {
                    enqueue(object_key(ep));
                }
            }
            (Kind::Service, _) => enqueue(change.key),
            (Kind::Pod, op) => {
                let pod = match op {
                    ChangeOp::Deleted(obj) => Pod::from_any_ref(obj),
                    _ => typed_key::<Pod>(change.key).and_then(|k| store.get(k)),
                };
                let Some(pod) = pod else { return };
                for s in store.selecting::<Service>(pod.metadata.namespace, &pod.metadata.labels) {
                    enqueue(object_key(s));
                }
                if let Some(pk) = typed_key::<Pod>(change.key) {
                    for o in self.members.owners_of(pk) {
                        enqueue(*o);
                    }
                }
            }
            (Kind::Endpoints, op) => {
                let meta = match op {
                    ChangeOp::Deleted(obj) => Some(obj.metadata()),
                    ChangeOp::Modified => store.metadata_of(change.key),
                    ChangeOp::Added => None,
                };
                if let Some(s) = meta.and_then(|m| same_named_service(store, m)) {
                    enqueue(object_key(s));
                }
            }
            _ => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        if let Some(ek) = typed_key::<Endpoints>(key) {
            // Enqueued when its Service went away.
            let Some(ep) = ctx.store.get(ek) else { return };
            match same_named_service(ctx.store, &ep.metadata) {
                Some(s) => self.sync_service(ctx, s),
                None => {
                    let _ = ctx.store.delete(ek, DeleteOptions::default());
                }
            }
        } else if let Some(sk) = typed_key::<Service>(key) {
            self.sync_service(ctx, sk);
        }
    }
}

impl EndpointsController {
    /// `syncService`.
    fn sync_service(&mut self, ctx: &mut Ctx<'_>, key: Key<Service>) {
        let Some(svc) = ctx.store.get(key) else { return };
        if svc.spec.type_ == ServiceType::ExternalName {
            return;
        }
        let Some(selector) = &svc.spec.selector else {
            return;
        };
        let pods = ctx
            .store
            .select_pods(svc.metadata.namespace, &Selector::from_labels(selector));
        let desired = desired_endpoints(ctx.store, svc, &pods);
        self.members.set(object_key(key), pods);
        let existing = ctx
            .store
            .lookup_name::<Endpoints>(desired.metadata.namespace, &desired.metadata.name);
        match existing {
            None => {
                let _ = ctx.store.create(desired);
            }
            Some(ek) => {
                let Some(current) = ctx.store.get(ek) else { return };
                let mut annotations = current.metadata.annotations.clone();
                annotations.remove(OVER_CAPACITY_ANNOTATION);
                for (k, v) in desired.metadata.annotations.iter() {
                    annotations.set(k, v);
                }
                if current.subsets == desired.subsets
                    && current.metadata.labels == desired.metadata.labels
                    && current.metadata.annotations == annotations
                {
                    return;
                }
                let _ = ctx.store.update(ek, |e| {
                    e.subsets = desired.subsets;
                    e.metadata.labels = desired.metadata.labels;
                    e.metadata.annotations = annotations;
                });
            }
        }
    }
}

/// Whether the Service has a cluster IP (`helper.IsServiceIPSet`).
fn ip_set(svc: &Service) -> bool {
    svc.spec
        .cluster_ip
        .as_deref()
        .is_some_and(|ip| !ip.is_empty() && ip != "None")
}

/// The Endpoints object the controller wants for `svc` over `pods` (the
/// pods its selector matches): subsets, the Service's labels (plus the
/// headless label), and the over-capacity annotation when truncated.
pub fn desired_endpoints(store: &Store, svc: &Service, pods: &[Key<Pod>]) -> Endpoints {
    let mut subsets = repack(raw_endpoints(store, svc, pods));
    let mut meta = ObjectMeta {
        name: svc.metadata.name,
        namespace: svc.metadata.namespace,
        labels: svc.metadata.labels.clone(),
        ..ObjectMeta::default()
    };
    if !ip_set(svc) {
        meta.labels = meta.labels.with(Symbol::intern(HEADLESS_LABEL), Symbol::EMPTY);
    }
    if truncate(&mut subsets) {
        meta.annotations.set(OVER_CAPACITY_ANNOTATION, "truncated");
    }
    Endpoints {
        metadata: meta,
        subsets,
    }
}

/// One (address, readiness, port) triple per pod and Service port.
type Raw = (EndpointAddress, bool, Option<EndpointPort>);

/// The per-pod part of `syncService`: `ShouldPodBeInEndpoints`,
/// `podToEndpointAddressForService`, `FindPort`, `addEndpointSubset`.
fn raw_endpoints(store: &Store, svc: &Service, pods: &[Key<Pod>]) -> Vec<Raw> {
    let tolerate = svc.spec.publish_not_ready_addresses;
    let mut out = Vec::new();
    for &pk in pods {
        let Some(pod) = store.get(pk) else { continue };
        if pod.is_terminal() || (!tolerate && pod.metadata.deletion_timestamp.is_some()) {
            continue;
        }
        let Some(ip) = pod.status.pod_ip else { continue };
        let hostname = pod
            .spec
            .hostname
            .filter(|h| {
                !h.is_empty()
                    && pod.spec.subdomain == Some(svc.metadata.name.to_symbol())
                    && pod.metadata.namespace == svc.metadata.namespace
            })
            .map(|h| h.as_str().to_owned());
        let epa = EndpointAddress {
            ip,
            hostname,
            node_name: pod.node_name.map(|n| n.as_str().to_owned()),
            target_ref: Some(TargetRef {
                kind: "Pod".into(),
                namespace: pod.metadata.namespace.as_str().to_owned(),
                name: pod.metadata.name.to_string(),
            }),
        };
        let ready = tolerate || pod.is_ready();
        if svc.spec.ports.is_empty() {
            if svc.spec.is_headless() {
                out.push((epa, ready, None));
            }
            continue;
        }
        for sp in &svc.spec.ports {
            let target = sp.target_port.clone().unwrap_or(IntOrString::Int(sp.port));
            let Some(port) = find_port(&pod.spec, &target, sp.protocol) else {
                continue;
            };
            let epp = EndpointPort {
                name: sp.name.map(|n| n.as_str().to_owned()),
                port,
                protocol: sp.protocol,
            };
            out.push((epa.clone(), ready, Some(epp)));
        }
    }
    out
}

/// `LessEndpointAddress`: IP text, then the pod.
fn address_order(a: &EndpointAddress, b: &EndpointAddress) -> std::cmp::Ordering {
    a.ip.to_string()
        .cmp(&b.ip.to_string())
        .then_with(|| a.target_ref.cmp(&b.target_ref))
}

/// `RepackSubsets`: addresses grouped by the exact set of ports they offer.
fn repack(raw: Vec<Raw>) -> Vec<EndpointSubset> {
    // Unique addresses, by (ip, pod).
    let mut addrs: Vec<EndpointAddress> = Vec::new();
    let mut index: BTreeMap<(std::net::Ipv4Addr, Option<TargetRef>), usize> = BTreeMap::new();
    // Port (None: the no-port sentinel) -> address index -> ready.
    let mut by_port: BTreeMap<Option<EndpointPort>, BTreeMap<usize, bool>> = BTreeMap::new();
    for (epa, ready, port) in raw {
        let key = (epa.ip, epa.target_ref.clone());
        let i = *index.entry(key).or_insert_with(|| {
            addrs.push(epa);
            addrs.len() - 1
        });
        // Not-ready always trumps ready.
        let set = by_port.entry(port).or_default();
        if set.get(&i).copied() != Some(false) {
            set.insert(i, ready);
        }
    }
    // Address set -> the ports it offers.
    let mut groups: BTreeMap<Vec<(usize, bool)>, Vec<EndpointPort>> = BTreeMap::new();
    for (port, set) in by_port {
        let key: Vec<(usize, bool)> = set.into_iter().collect();
        let ports = groups.entry(key).or_default();
        if let Some(p) = port {
            ports.push(p);
        }
    }
    let mut out: Vec<EndpointSubset> = groups
        .into_iter()
        .map(|(set, mut ports)| {
            let mut ready = Vec::new();
            let mut not_ready = Vec::new();
            for (i, r) in set {
                if r {
                    ready.push(addrs[i].clone());
                } else {
                    not_ready.push(addrs[i].clone());
                }
            }
            ready.sort_by(address_order);
            not_ready.sort_by(address_order);
            ports.sort();
            EndpointSubset {
                addresses: ready,
                not_ready_addresses: not_ready,
                ports,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.ports.cmp(&b.ports).then_with(|| {
            let first = |s: &EndpointSubset| {
                s.addresses
                    .first()
                    .or(s.not_ready_addresses.first())
                    .map(|a| a.ip.to_string())
            };
            first(a).cmp(&first(b))
        })
    });
    out
}

/// `truncateEndpoints`: at most [`MAX_CAPACITY`] addresses, each subset
/// keeping its share (rounded up) of the ready addresses, or of the
/// not-ready ones when the ready ones fit. Returns whether it truncated.
fn truncate(subsets: &mut [EndpointSubset]) -> bool {
    let ready: usize = subsets.iter().map(|s| s.addresses.len()).sum();
    let not_ready: usize = subsets.iter().map(|s| s.not_ready_addresses.len()).sum();
    if ready + not_ready <= MAX_CAPACITY {
        return false;
    }
    let truncate_ready = ready > MAX_CAPACITY;
    let (max, total) = if truncate_ready {
        (MAX_CAPACITY, ready)
    } else {
        (MAX_CAPACITY - ready, not_ready)
    };
    let mut can_add = max;
    for s in subsets.iter_mut() {
        let n = if truncate_ready {
            s.addresses.len()
        } else {
            s.not_ready_addresses.len()
        };
        let share = ((n as f64 / total as f64) * max as f64).ceil() as usize;
        let keep = share.min(can_add);
        if truncate_ready {
            s.addresses.truncate(keep);
            s.not_ready_addresses.clear();
            can_add -= s.addresses.len();
        } else {
            s.not_ready_addresses.truncate(keep);
            can_add -= s.not_ready_addresses.len();
        }
    }
    true
}

/// The Services whose Endpoints a check should compare: with a selector,
/// not ExternalName.
pub fn managed_services(store: &Store) -> Vec<(Key<Service>, &Service)> {
    store
        .iter::<Service>()
        .filter(|(_, s)| s.spec.selector.is_some() && s.spec.type_ != ServiceType::ExternalName)
        .collect()
}

/// The pods a Service's selector matches.
pub fn selected_pods(store: &Store, svc: &Service) -> Vec<Key<Pod>> {
    svc.spec.selector.as_ref().map_or_else(Vec::new, |sel: &Labels| {
        store.select_pods(svc.metadata.namespace, &Selector::from_labels(sel))
    })
}

/// The Endpoints named like a Service.
pub fn endpoints_of<'a>(store: &'a Store, svc: &Service) -> Option<&'a Endpoints> {
    store
        .lookup_name::<Endpoints>(svc.metadata.namespace, &svc.metadata.name)
        .and_then(|k| store.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn addr(last: u8, pod: &str) -> EndpointAddress {
        EndpointAddress {
            ip: Ipv4Addr::new(10, 0, 1, last),
            hostname: None,
            node_name: None,
            target_ref: Some(TargetRef {
                kind: "Pod".into(),
                namespace: "default".into(),
                name: pod.into(),
            }),
        }
    }

    fn port(name: &str, n: i32) -> Option<EndpointPort> {
        Some(EndpointPort {
            name: Some(name.into()),
            port: n,
            protocol: Default::default(),
        })
    }

    #[test]
    fn repack_groups_addresses_by_port_set_and_not_ready_wins() {
        let raw = vec![
            (addr(2, "a"), true, port("http", 80)),
            (addr(2, "a"), true, port("metrics", 9090)),
            (addr(10, "b"), true, port("http", 80)),
            (addr(10, "b"), false, port("metrics", 9090)),
        ];
        let subsets = repack(raw);
        assert_eq!(subsets.len(), 2);
        // http: both ready, IP text order puts 10.0.1.10 before 10.0.1.2.
        let http = subsets
            .iter()
            .find(|s| s.ports == vec![port("http", 80).unwrap()])
            .unwrap();
        assert_eq!(http.addresses.len(), 2);
        assert_eq!(http.addresses[0].ip, Ipv4Addr::new(10, 0, 1, 10));
        let metrics = subsets
            .iter()
            .find(|s| s.ports == vec![port("metrics", 9090).unwrap()])
            .unwrap();
        assert_eq!(metrics.addresses.len(), 1);
        assert_eq!(metrics.not_ready_addresses.len(), 1);
    }

    #[test]
    fn repack_merges_ports_with_equal_address_sets() {
        let raw = vec![
            (addr(1, "a"), true, port("http", 80)),
            (addr(1, "a"), true, port("https", 443)),
            (addr(3, "c"), true, None),
        ];
        let subsets = repack(raw);
        assert_eq!(subsets.len(), 2);
        assert!(subsets.iter().any(|s| s.ports.len() == 2));
        assert!(
            subsets
                .iter()
                .any(|s| s.ports.is_empty() && s.addresses.len() == 1)
        );
    }

    #[test]
    fn truncation_keeps_a_thousand_proportionally() {
        let mk = |n: usize, base: u32| EndpointSubset {
            addresses: (0..n)
                .map(|i| EndpointAddress {
                    ip: Ipv4Addr::from(base + i as u32),
                    hostname: None,
                    node_name: None,
                    target_ref: None,
                })
                .collect(),
            not_ready_addresses: Vec::new(),
            ports: Vec::new(),
        };
        let mut subsets = vec![mk(900, 0x0a00_0000), mk(300, 0x0b00_0000)];
        assert!(truncate(&mut subsets));
        assert_eq!(subsets[0].addresses.len(), 750);
        assert_eq!(subsets[1].addresses.len(), 250);
        let mut small = vec![mk(10, 0x0a00_0000)];
        assert!(!truncate(&mut small));
    }
}
