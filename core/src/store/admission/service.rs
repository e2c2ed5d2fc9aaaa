//! Admission of Services and Endpoints: `ValidateService`,
//! `validateEndpointSubsets` (`pkg/apis/core/validation/validation.go`), the
//! Service defaults, and ClusterIP / NodePort allocation
//! (`pkg/registry/core/service/storage/alloc.go`).

use std::net::Ipv4Addr;

use super::common::invalid_raw;
use super::{Admission, Admit, Operation};
use crate::api::meta::IntOrString;
use crate::api::pod::Protocol;
use crate::api::service::{ServiceSpec, ServiceType};
use crate::api::{Endpoints, Service};
use crate::collections::{FxMap, FxSet};
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::store::allocators::{
    AllocError, Allocators, KUBERNETES_SERVICE_IP, NODE_PORT_RANGE, SERVICE_CIDR,
};
use crate::validation;

/// The kubelet's port, which a LoadBalancer may not expose.
pub const KUBELET_PORT: i32 = 10250;

const IP_FORMAT: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

/// Whether the Service gets a cluster IP (not ExternalName, not headless).
fn needs_ip(spec: &ServiceSpec) -> bool {
    spec.type_ != ServiceType::ExternalName && !spec.is_headless()
}

/// Whether the Service gets node ports.
fn needs_node_ports(spec: &ServiceSpec) -> bool {
    matches!(spec.type_, ServiceType::NodePort | ServiceType::LoadBalancer)
}

/// The cluster IP a stored Service holds.
fn held_ip(spec: &ServiceSpec) -> Option<Ipv4Addr> {
    if !needs_ip(spec) {
        return None;
    }
    spec.cluster_ip.as_deref().and_then(|s| s.parse().ok())
}

/// The node ports a stored Service holds.
fn held_ports(spec: &ServiceSpec) -> Vec<i32> {
    if !needs_node_ports(spec) {
        return Vec::new();
    }
    spec.ports
        .iter()
        .filter_map(|p| p.node_port)
        .filter(|p| *p != 0)
        .collect()
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::TCP => "TCP",
        Protocol::UDP => "UDP",
        Protocol::SCTP => "SCTP",
    }
}

fn ip_error(ip: &str, err: AllocError) -> FieldError {
    let why = match err {
        AllocError::NotInRange => format!(
            "the provided IP ({ip}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR}"
        ),
        AllocError::Allocated => "provided IP is already allocated".into(),
        AllocError::Full => "range is full".into(),
    };
    invalid_raw(
        FieldPath::new("spec").child("clusterIPs"),
        format!("[]string{{{ip:?}}}"),
        format!("failed to allocate IP {ip}: {why}"),
    )
}

fn port_error(i: usize, port: i32, err: AllocError) -> FieldError {
    let why = match err {
        AllocError::NotInRange => {
            format!("provided port is not in the valid range. The range of valid ports is {NODE_PORT_RANGE}")
        }
        AllocError::Allocated => "provided port is already allocated".into(),
        AllocError::Full => "range is full".into(),
    };
    FieldError::invalid(
        FieldPath::new("spec").child("ports").index(i).child("nodePort"),
        port,
        why,
    )
}

/// Allocates what `svc` needs that `old` (its stored version on update)
/// does not hold, and frees what `old` held that `svc` no longer uses.
/// Failures are deferred to `validate`.
fn allocate(svc: &mut Service, old: Option<&Service>, adm: &mut Admission<'_>) {
    let old_ip = old.and_then(|o| held_ip(&o.spec));
    let old_ports = old.map(|o| held_ports(&o.spec)).unwrap_or_default();
    let mut rng = adm.rng.clone();
    let mut deferred = Vec::new();
    let is_kubernetes =
        svc.metadata.namespace == Symbol::DEFAULT && svc.metadata.name.to_string() == "kubernetes";
    let a: &mut Allocators = adm.allocators();
    if needs_ip(&svc.spec) {
        match svc.spec.cluster_ip.as_deref() {
            None | Some("") if old_ip.is_none() => {
                let ip = if is_kubernetes && a.allocate_ip(KUBERNETES_SERVICE_IP).is_ok() {
                    Ok(KUBERNETES_SERVICE_IP)
                } else {
                    a.allocate_next_ip(&mut rng)
                };
                match ip {
                    Ok(ip) => svc.spec.cluster_ip = Some(ip.to_string()),
                    Err(_) => deferred.push(invalid_raw(
                        FieldPath::new("spec").child("clusterIPs"),
                        "[]string(nil)".into(),
                        "failed to allocate a serviceIP: range is full",
                    )),
                }
            }
            Some(s) => {
                if let Ok(ip) = s.parse::<Ipv4Addr>()
                    && old_ip.is_none()
                    && let Err(e) = a.allocate_ip(ip)
                {
                    deferred.push(ip_error(s, e));
                }
            }
            None => {}
        }
    }
    if let Some(ip) = old_ip
        && held_ip(&svc.spec) != Some(ip)
    {
        a.release_ip(ip);
    }
    let mut kept: Vec<i32> = Vec::new();
    if needs_node_ports(&svc.spec) {
        let mut by_port: FxMap<i32, i32> = FxMap::default();
        for (i, p) in svc.spec.ports.iter_mut().enumerate() {
            match p.node_port.filter(|np| *np != 0) {
                Some(np) => {
                    if !old_ports.contains(&np)
                        && !kept.contains(&np)
                        && let Err(e) = a.allocate_node_port(np)
                    {
                        deferred.push(port_error(i, np, e));
                        continue;
                    }
                    kept.push(np);
                    by_port.entry(p.port).or_insert(np);
                }
                None => {
                    let np = match by_port.get(&p.port) {
                        Some(np) => *np,
                        None => match a.allocate_next_node_port(&mut rng) {
                            Ok(np) => np,
                            Err(_) => {
                                deferred.push(invalid_raw(
                                    FieldPath::new("spec").child("ports").index(i).child("nodePort"),
                                    "0".into(),
                                    "failed to allocate a nodePort: range is full",
                                ));
                                continue;
                            }
                        },
                    };
                    p.node_port = Some(np);
                    kept.push(np);
                    by_port.entry(p.port).or_insert(np);
                }
            }
        }
    }
    for np in old_ports {
        if !kept.contains(&np) {
            a.release_node_port(np);
        }
    }
    adm.rng = rng;
    adm.deferred.extend(deferred);
}

/// `dropTypeDependentFields` (`pkg/registry/core/service/strategy.go`): a
/// type change that leaves node ports and the external traffic policy
/// untouched drops them when the new type has no use for them, and a
/// Service that is no longer a LoadBalancer loses its load-balancer status.
fn drop_type_dependent_fields(new: &mut Service, old: &Service) {
    if needs_node_ports(&old.spec) && !needs_node_ports(&new.spec) {
        let same_ports = new.spec.ports.len() == old.spec.ports.len()
            && new
                .spec
                .ports
                .iter()
                .zip(&old.spec.ports)
                .all(|(a, b)| a.node_port == b.node_port);
        if same_ports {
            for p in &mut new.spec.ports {
                p.node_port = None;
            }
        }
        if new.spec.external_traffic_policy == old.spec.external_traffic_policy {
            new.spec.external_traffic_policy = None;
        }
    }
    if new.spec.type_ != ServiceType::LoadBalancer {
        new.status.load_balancer = Default::default();
    }
}

impl Admit for Service {
    fn admit_defaults(&mut self, adm: &mut Admission<'_>) {
        let spec = &mut self.spec;
        for p in &mut spec.ports {
            let unset = match &p.target_port {
                None => true,
                Some(IntOrString::Int(0)) => true,
                Some(IntOrString::String(s)) => s.is_empty(),
                Some(IntOrString::Int(_)) => false,
            };
            if unset {
                p.target_port = Some(IntOrString::Int(p.port));
            }
        }
        spec.session_affinity.get_or_insert(Symbol::intern("None"));
        if needs_node_ports(spec) {
            spec.external_traffic_policy
                .get_or_insert(Symbol::intern("Cluster"));
        }
        let old = match adm.operation {
            Operation::Update => adm
                .store
                .get_named::<Service>(self.metadata.namespace.as_str(), &self.metadata.name.to_string())
                .cloned(),
            Operation::Create => None,
        };
        if let Some(old) = &old {
            drop_type_dependent_fields(self, old);
        }
        // patchAllocatedValues: an update that omits allocated values keeps them.
        if let Some(old) = &old {
            if self.spec.cluster_ip.is_none() && needs_ip(&old.spec) && needs_ip(&self.spec) {
                self.spec.cluster_ip = old.spec.cluster_ip.clone();
            }
            if needs_node_ports(&old.spec) && needs_node_ports(&self.spec) {
                for p in self.spec.ports.iter_mut().filter(|p| p.node_port.is_none()) {
                    p.node_port = old
                        .spec
                        .ports
                        .iter()
                        .find(|o| o.port == p.port && o.protocol == p.protocol)
                        .and_then(|o| o.node_port);
                }
            }
        }
        allocate(self, old.as_ref(), adm);
    }

    fn validate(&self, adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = &self.spec;
        let path = FieldPath::new("spec");
        let ports_path = path.child("ports");
        let headless = spec.is_headless();
        let mut errs = Vec::new();
        if spec.ports.is_empty() && !headless && spec.type_ != ServiceType::ExternalName {
            errs.push(FieldError::required(ports_path.clone(), ""));
        }
        match spec.type_ {
            ServiceType::LoadBalancer | ServiceType::NodePort => {
                if spec.type_ == ServiceType::LoadBalancer {
                    for (i, p) in spec.ports.iter().enumerate() {
                        if p.port == KUBELET_PORT {
                            errs.push(FieldError::invalid(
                                ports_path.index(i),
                                p.port,
                                format!("may not expose port {KUBELET_PORT} externally since it is used by kubelet"),
                            ));
                        }
                    }
                }
                if headless {
                    let t = if spec.type_ == ServiceType::NodePort {
                        "NodePort"
                    } else {
                        "LoadBalancer"
                    };
                    errs.push(FieldError::invalid(
                        path.child("clusterIP"),
                        "None",
                        format!("may not be set to 'None' for {t} services"),
                    ));
                }
            }
            ServiceType::ExternalName => {
                if spec.cluster_ip.as_deref().is_some_and(|s| !s.is_empty()) {
                    errs.push(FieldError::forbidden(
                        path.child("clusterIPs"),
                        "may not be set for ExternalName services",
                    ));
                }
                let cname = spec.external_name.as_deref().unwrap_or("");
                let cname = cname.strip_suffix('.').unwrap_or(cname);
                if cname.is_empty() {
                    errs.push(FieldError::required(path.child("externalName"), ""));
                } else {
                    for msg in validation::dns1123_subdomain(cname) {
                        errs.push(FieldError::invalid(path.child("externalName"), cname, msg));
                    }
                }
            }
            ServiceType::ClusterIP => {}
        }
        let mut names = FxSet::default();
        let require_name = spec.ports.len() > 1;
        for (i, p) in spec.ports.iter().enumerate() {
            let pp = ports_path.index(i);
            match p.name.filter(|n| !n.is_empty()) {
                None if require_name => errs.push(FieldError::required(pp.child("name"), "")),
                None => {}
                Some(n) => {
                    for msg in validation::dns1123_label(n.as_str()) {
                        errs.push(FieldError::invalid(pp.child("name"), n.as_str(), msg));
                    }
                    if !names.insert(n) {
                        errs.push(FieldError::duplicate(pp.child("name"), n.as_str()));
                    }
                }
            }
            for msg in validation::port_number(i64::from(p.port)) {
                errs.push(FieldError::invalid(pp.child("port"), p.port, msg));
            }
            match &p.target_port {
                Some(IntOrString::Int(t)) => {
                    for msg in validation::port_number(i64::from(*t)) {
                        errs.push(FieldError::invalid(pp.child("targetPort"), *t, msg));
                    }
                }
                Some(IntOrString::String(s)) => {
                    for msg in validation::port_name(s.as_str()) {
                        errs.push(FieldError::invalid(pp.child("targetPort"), s.as_str(), msg));
                    }
                }
                None => {}
            }
        }
        if let Some(sel) = &spec.selector {
            errs.extend(sel.validate(&path.child("selector")));
        }
        if let Some(a) = spec.session_affinity
            && !matches!(a.as_str(), "ClientIP" | "None")
        {
            errs.push(FieldError::not_supported(
                path.child("sessionAffinity"),
                a.as_str(),
                &["ClientIP", "None"],
            ));
        }
        if let Some(ip) = spec.cluster_ip.as_deref()
            && !ip.is_empty()
            && ip != "None"
            && ip.parse::<Ipv4Addr>().is_err()
        {
            errs.push(FieldError::invalid(
                path.child("clusterIPs").index(0),
                ip,
                IP_FORMAT,
            ));
        }
        if matches!(spec.type_, ServiceType::ClusterIP | ServiceType::ExternalName) {
            let t = if spec.type_ == ServiceType::ClusterIP {
                "ClusterIP"
            } else {
                "ExternalName"
            };
            for (i, p) in spec.ports.iter().enumerate() {
                if p.node_port.is_some_and(|np| np != 0) {
                    errs.push(FieldError::forbidden(
                        ports_path.index(i).child("nodePort"),
                        format!("may not be used when `type` is '{t}'"),
                    ));
                }
            }
        }
        let mut node_ports = FxSet::default();
        let mut port_keys = FxSet::default();
        for (i, p) in spec.ports.iter().enumerate() {
            if let Some(np) = p.node_port.filter(|np| *np != 0)
                && !node_ports.insert((p.protocol, np))
            {
                errs.push(FieldError::duplicate(ports_path.index(i).child("nodePort"), np));
            }
            if !port_keys.insert((p.protocol, p.port)) {
                errs.push(invalid_raw(
                    ports_path.index(i),
                    format!(
                        "core.ServicePort{{Name:\"\", Protocol:\"{}\", AppProtocol:(*string)(nil), Port:{}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}",
                        protocol_name(p.protocol),
                        p.port
                    ),
                    "",
                ));
                if let Some(e) = errs.last_mut() {
                    e.error_type = crate::field::ErrorType::Duplicate;
                }
            }
        }
        let tp = path.child("externalTrafficPolicy");
        match (needs_node_ports(spec), spec.external_traffic_policy) {
            (false, Some(p)) => errs.push(FieldError::invalid(
                tp,
                p.as_str(),
                "may only be set for externally-accessible services",
            )),
            (true, Some(p)) if !matches!(p.as_str(), "Cluster" | "Local") => {
                errs.push(FieldError::not_supported(tp, p.as_str(), &["Cluster", "Local"]))
            }
            _ => {}
        }
        if errs.is_empty() {
            errs.extend(adm.deferred.iter().cloned());
        }
        errs
    }

    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        if self.spec.type_ != ServiceType::ExternalName
            && old.spec.type_ != ServiceType::ExternalName
            && old.spec.cluster_ip.as_deref().is_some_and(|s| !s.is_empty())
            && self.spec.cluster_ip != old.spec.cluster_ip
        {
            errs.push(FieldError::invalid(
                FieldPath::new("spec").child("clusterIP"),
                self.spec.cluster_ip.as_deref().unwrap_or(""),
                "field is immutable",
            ));
        }
        errs.extend(self.validate(adm));
        errs
    }

    fn spec_changed(&self, old: &Self) -> bool {
        self.spec != old.spec
    }

    fn release(&self, allocators: &mut Allocators) {
        if let Some(ip) = held_ip(&self.spec) {
            allocators.release_ip(ip);
        }
        for np in held_ports(&self.spec) {
            allocators.release_node_port(np);
        }
    }

    fn validate_name(name: &str) -> Vec<String> {
        validation::dns1035_label(name)
    }
}

/// `ValidateNonSpecialIP`.
fn special_ip(ip: Ipv4Addr, path: &FieldPath, errs: &mut Vec<FieldError>) {
    let s = ip.to_string();
    if ip.is_unspecified() {
        errs.push(FieldError::invalid(
            path.clone(),
            &s,
            format!("may not be unspecified ({s})"),
        ));
    }
    if ip.is_loopback() {
        errs.push(FieldError::invalid(
            path.clone(),
            &s,
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ));
    }
    if ip.is_link_local() {
        errs.push(FieldError::invalid(
            path.clone(),
            &s,
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ));
    }
    if ip.octets()[..3] == [224, 0, 0] {
        errs.push(FieldError::invalid(
            path.clone(),
            &s,
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ));
    }
}

impl Admit for Endpoints {
    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        for (i, ss) in self.subsets.iter().enumerate() {
            let sp = FieldPath::new("subsets").index(i);
            if ss.addresses.is_empty() && ss.not_ready_addresses.is_empty() {
                errs.push(FieldError::required(
                    sp.clone(),
                    "must specify `addresses` or `notReadyAddresses`",
                ));
            }
            for (field, list) in [
                ("addresses", &ss.addresses),
                ("notReadyAddresses", &ss.not_ready_addresses),
            ] {
                for (j, a) in list.iter().enumerate() {
                    let ap = sp.child(field).index(j);
                    if let Some(h) = a.hostname.as_deref().filter(|h| !h.is_empty()) {
                        for msg in validation::dns1123_label(h) {
                            errs.push(FieldError::invalid(ap.child("hostname"), h, msg));
                        }
                    }
                    if let Some(n) = a.node_name.as_deref() {
                        for msg in validation::dns1123_subdomain(n) {
                            errs.push(FieldError::invalid(ap.child("nodeName"), n, msg));
                        }
                    }
                    special_ip(a.ip, &ap.child("ip"), &mut errs);
                }
            }
            let require_name = ss.ports.len() > 1;
            for (j, p) in ss.ports.iter().enumerate() {
                let pp = sp.child("ports").index(j);
                match p.name.as_deref().filter(|n| !n.is_empty()) {
                    None if require_name => errs.push(FieldError::required(pp.child("name"), "")),
                    None => {}
                    Some(n) => {
                        for msg in validation::dns1123_label(n) {
                            errs.push(FieldError::invalid(pp.child("name"), n, msg));
                        }
                    }
                }
                for msg in validation::port_number(i64::from(p.port)) {
                    errs.push(FieldError::invalid(pp.child("port"), p.port, msg));
                }
            }
        }
        errs
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
