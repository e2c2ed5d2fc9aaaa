//! Tests of Service and Endpoints admission.

use std::net::Ipv4Addr;

use crate::api::meta::IntOrString;
use crate::api::service::{EndpointAddress, EndpointPort, EndpointSubset, ServicePort, ServiceType};
use crate::api::*;
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::store::{ApiError, DeleteOptions, Store};

fn port(name: Option<&str>, port: i32) -> ServicePort {
    ServicePort {
        name: name.map(Symbol::intern),
        protocol: Default::default(),
        port,
        target_port: None,
        node_port: None,
    }
}

fn svc(name: &str, type_: ServiceType) -> Service {
    let mut s = Service {
        metadata: ObjectMeta::named("default", name),
        ..Service::default()
    };
    s.spec.type_ = type_;
    s.spec.selector = Some(Labels::parse("app=web").unwrap());
    s.spec.ports = vec![port(None, 80)];
    s
}

fn errors(e: ApiError) -> Vec<String> {
    e.field_errors().iter().map(ToString::to_string).collect()
}

#[test]
fn defaults_and_dynamic_allocation() {
    let mut store = Store::new(9);
    let key = store.create(svc("web", ServiceType::ClusterIP)).unwrap();
    let s = store.get(key).unwrap();
    let ip: Ipv4Addr = s.spec.cluster_ip.as_deref().unwrap().parse().unwrap();
    assert!(u32::from(ip) > u32::from(Ipv4Addr::new(10, 0, 0, 16)), "{ip}");
    assert_eq!(s.spec.ports[0].target_port, Some(IntOrString::Int(80)));
    assert_eq!(s.spec.session_affinity.unwrap().as_str(), "None");
    assert_eq!(s.spec.ports[0].node_port, None);

    // Same seed, same history: same IP.
    let mut again = Store::new(9);
    let k2 = again.create(svc("web", ServiceType::ClusterIP)).unwrap();
    assert_eq!(again.get(k2).unwrap().spec.cluster_ip, s.spec.cluster_ip);

    let mut headless = svc("db", ServiceType::ClusterIP);
    headless.spec.cluster_ip = Some("None".into());
    headless.spec.ports.clear();
    let k = store.create(headless).unwrap();
    assert_eq!(store.get(k).unwrap().spec.cluster_ip.as_deref(), Some("None"));

    let mut ext = svc("ext", ServiceType::ExternalName);
    ext.spec.external_name = Some("example.com.".into());
    let k = store.create(ext).unwrap();
    assert_eq!(store.get(k).unwrap().spec.cluster_ip, None);

    let k = store.create(svc("kubernetes", ServiceType::ClusterIP)).unwrap();
    assert_eq!(store.get(k).unwrap().spec.cluster_ip.as_deref(), Some("10.0.0.1"));
}

#[test]
fn requested_cluster_ips() {
    let mut store = Store::new(1);
    let mut a = svc("a", ServiceType::ClusterIP);
    a.spec.cluster_ip = Some("10.0.0.5".into());
    store.create(a.clone()).unwrap();
    a.metadata.name = Name::new("b");
    let before = store.fingerprint();
    assert_eq!(
        errors(store.create(a.clone()).unwrap_err()),
        [
            "spec.clusterIPs: Invalid value: []string{\"10.0.0.5\"}: failed to allocate IP 10.0.0.5: provided IP is already allocated"
        ]
    );
    a.spec.cluster_ip = Some("10.0.1.5".into());
    assert_eq!(
        errors(store.create(a.clone()).unwrap_err()),
        [
            "spec.clusterIPs: Invalid value: []string{\"10.0.1.5\"}: failed to allocate IP 10.0.1.5: the provided IP (10.0.1.5) is not in the valid range. The range of valid IPs is 10.0.0.0/24"
        ]
    );
    a.spec.cluster_ip = Some("ten".into());
    assert_eq!(
        errors(store.create(a).unwrap_err()),
        [
            "spec.clusterIPs[0]: Invalid value: \"ten\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
        ]
    );
    assert_eq!(store.fingerprint(), before);
}

#[test]
fn node_ports() {
    let mut store = Store::new(2);
    let mut np = svc("np", ServiceType::NodePort);
    np.spec.ports = vec![port(Some("http"), 80), port(Some("https"), 443)];
    np.spec.ports[1].node_port = Some(30443);
    let key = store.create(np).unwrap();
    let s = store.get(key).unwrap();
    let auto = s.spec.ports[0].node_port.unwrap();
    assert!((30086..=32767).contains(&auto), "{auto}");
    assert_eq!(s.spec.ports[1].node_port, Some(30443));
    assert_eq!(s.spec.external_traffic_policy.unwrap().as_str(), "Cluster");
    assert!(s.spec.cluster_ip.is_some());

    let mut dup = svc("dup", ServiceType::LoadBalancer);
    dup.spec.ports[0].node_port = Some(30443);
    assert_eq!(
        errors(store.create(dup.clone()).unwrap_err()),
        ["spec.ports[0].nodePort: Invalid value: 30443: provided port is already allocated"]
    );
    dup.spec.ports[0].node_port = Some(8080);
    assert_eq!(
        errors(store.create(dup).unwrap_err()),
        [
            "spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767"
        ]
    );
    let mut cip = svc("cip", ServiceType::ClusterIP);
    cip.spec.ports[0].node_port = Some(30001);
    assert_eq!(
        errors(store.create(cip).unwrap_err()),
        ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    );

    // An update that omits the node port keeps it; switching to ClusterIP frees it.
    store
        .update(key, |s| {
            s.spec.ports[0].node_port = None;
            s.spec.cluster_ip = None;
        })
        .unwrap();
    let s = store.get(key).unwrap();
    assert_eq!(s.spec.ports[0].node_port, Some(auto));
    assert!(s.spec.cluster_ip.is_some());
    assert!(store.allocators.has_node_port(auto));
    store
        .update(key, |s| {
            s.spec.type_ = ServiceType::ClusterIP;
            s.spec.external_traffic_policy = None;
            for p in &mut s.spec.ports {
                p.node_port = None;
            }
        })
        .unwrap();
    assert!(!store.allocators.has_node_port(auto));
    assert!(!store.allocators.has_node_port(30443));
}

#[test]
fn delete_frees_ip_and_ports() {
    let mut store = Store::new(4);
    let mut s = svc("web", ServiceType::NodePort);
    s.spec.cluster_ip = Some("10.0.0.9".into());
    s.spec.ports[0].node_port = Some(31000);
    let key = store.create(s.clone()).unwrap();
    assert!(
        store
            .create({
                let mut t = s.clone();
                t.metadata.name = Name::new("again");
                t
            })
            .is_err()
    );
    store.delete(key, DeleteOptions::default()).unwrap();
    assert!(!store.allocators.has_ip(Ipv4Addr::new(10, 0, 0, 9)));
    s.metadata.name = Name::new("again");
    store.create(s).unwrap();
    assert!(store.allocators.has_node_port(31000));
}

#[test]
fn service_rules() {
    let mut store = Store::new(5);
    let mut s = svc("1web", ServiceType::ClusterIP);
    s.spec.ports = vec![port(None, 80), port(Some("Http"), 0)];
    s.spec.ports[1].target_port = Some(IntOrString::String(Symbol::intern("web--x")));
    s.spec.session_affinity = Some(Symbol::intern("Sticky"));
    let errs = errors(store.create(s).unwrap_err());
    assert_eq!(
        errs,
        [
            "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            "spec.ports[0].name: Required value",
            "spec.ports[1].name: Invalid value: \"Http\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[1].targetPort: Invalid value: \"web--x\": must not contain consecutive hyphens",
            "spec.sessionAffinity: Unsupported value: \"Sticky\": supported values: \"ClientIP\", \"None\"",
        ]
    );
    let mut none = svc("web", ServiceType::ClusterIP);
    none.spec.ports.clear();
    assert_eq!(
        errors(store.create(none).unwrap_err()),
        ["spec.ports: Required value"]
    );
    let mut ext = svc("ext", ServiceType::ExternalName);
    ext.spec.cluster_ip = Some("10.0.0.3".into());
    assert_eq!(
        errors(store.create(ext).unwrap_err()),
        [
            "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
            "spec.externalName: Required value"
        ]
    );
    let mut np = svc("np", ServiceType::NodePort);
    np.spec.cluster_ip = Some("None".into());
    assert_eq!(
        errors(store.create(np).unwrap_err()),
        ["spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services"]
    );
    let key = store.create(svc("ok", ServiceType::ClusterIP)).unwrap();
    let err = store
        .update(key, |s| s.spec.cluster_ip = Some("10.0.0.200".into()))
        .unwrap_err();
    assert_eq!(
        errors(err),
        ["spec.clusterIP: Invalid value: \"10.0.0.200\": field is immutable"]
    );
}

#[test]
fn endpoints_rules() {
    let mut store = Store::new(6);
    let addr = |ip: [u8; 4]| EndpointAddress {
        ip: Ipv4Addr::from(ip),
        hostname: None,
        node_name: None,
        target_ref: None,
    };
    let mut ep = Endpoints {
        metadata: ObjectMeta::named("default", "web"),
        subsets: vec![EndpointSubset {
            addresses: vec![addr([10, 1, 0, 4])],
            not_ready_addresses: Vec::new(),
            ports: vec![EndpointPort {
                name: None,
                port: 8080,
                protocol: Default::default(),
            }],
        }],
    };
    store.create(ep.clone()).unwrap();
    ep.metadata.name = Name::new("bad");
    ep.subsets[0].addresses.push(addr([127, 0, 0, 1]));
    ep.subsets[0].ports[0].port = 0;
    ep.subsets.push(EndpointSubset::default());
    assert_eq!(
        errors(store.create(ep).unwrap_err()),
        [
            "subsets[0].addresses[1].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
            "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`",
        ]
    );
}

#[test]
fn changing_the_type_drops_node_ports_and_traffic_policy_it_no_longer_needs() {
    let mut store = Store::new(11);
    let key = store.create(svc("lb", ServiceType::LoadBalancer)).unwrap();
    let held = store.get(key).unwrap().spec.ports[0].node_port.unwrap();
    store
        .update(key, |s| {
            s.status.load_balancer.ingress = vec![crate::api::service::LoadBalancerIngress {
                ip: Some(Ipv4Addr::new(203, 0, 113, 1)),
            }]
        })
        .unwrap();
    // `kubectl patch svc lb -p '{"spec":{"type":"ClusterIP"}}'`
    store
        .update(key, |s| s.spec.type_ = ServiceType::ClusterIP)
        .unwrap();
    let s = store.get(key).unwrap();
    assert_eq!(s.spec.ports[0].node_port, None);
    assert_eq!(s.spec.external_traffic_policy, None);
    assert!(s.status.load_balancer.ingress.is_empty());
    // The port went back to the pool.
    let mut again = svc("np", ServiceType::NodePort);
    again.spec.ports[0].node_port = Some(held);
    store.create(again).unwrap();
}
