//! The cloud service controller's load balancers
//! (`k8s.io/cloud-provider/controllers/service`), simulated: a
//! `LoadBalancer` Service gets `status.loadBalancer.ingress[0].ip` from the
//! pool 203.0.113.0/24 (TEST-NET-3), the lowest free address first; a
//! Service that stops being a LoadBalancer loses it (and frees it).

use std::net::Ipv4Addr;

use super::{Controller, Ctx};
use crate::api::service::{LoadBalancerIngress, ServiceType};
use crate::api::{Kind, Service};
use crate::collections::FxSet;
use crate::events::EventType;
use crate::store::{Change, ChangeOp, ObjectKey, Store, typed_key};

/// The pool's network address (203.0.113.0/24); hosts .1 to .254 are handed out.
pub const POOL: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 0);

const NAME: &str = "service-controller";

/// The simulated load-balancer controller.
#[derive(Default)]
pub struct ServiceLbController {
    /// Services that have a load balancer (the controller's cache).
    provisioned: FxSet<ObjectKey>,
}

fn in_pool(ip: Ipv4Addr) -> bool {
    ip.octets()[..3] == POOL.octets()[..3]
}

/// The lowest pool address no Service holds.
fn free_address(store: &Store) -> Option<Ipv4Addr> {
    let used: FxSet<Ipv4Addr> = store
        .iter::<Service>()
        .flat_map(|(_, s)| s.status.load_balancer.ingress.iter().filter_map(|i| i.ip))
        .filter(|ip| in_pool(*ip))
        .collect();
    (1..=254u8)
        .map(|h| Ipv4Addr::new(203, 0, 113, h))
        .find(|ip| !used.contains(ip))
}

impl Controller for ServiceLbController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, _store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        if change.key.kind != Kind::Service {
            return;
        }
        match change.op {
            ChangeOp::Deleted(_) => {
                self.provisioned.remove(&change.key);
            }
            _ => enqueue(change.key),
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(sk) = typed_key::<Service>(key) else {
            return;
        };
        let Some(svc) = ctx.store.get(sk) else { return };
        let meta = svc.metadata.clone();
        let wants = svc.spec.type_ == ServiceType::LoadBalancer && meta.deletion_timestamp.is_none();
        let has = !svc.status.load_balancer.ingress.is_empty();
        if wants {
            self.provisioned.insert(key);
        }
        if wants && !has {
            ctx.event(
                Kind::Service,
                &meta,
                EventType::Normal,
                "EnsuringLoadBalancer",
                NAME,
                "Ensuring load balancer".into(),
            );
            let Some(ip) = free_address(ctx.store) else {
                ctx.event(
                    Kind::Service,
                    &meta,
                    EventType::Warning,
                    "SyncLoadBalancerFailed",
                    NAME,
                    "Error syncing load balancer: failed to ensure load balancer: no free address in 203.0.113.0/24"
                        .into(),
                );
                return;
            };
            let ingress = LoadBalancerIngress { ip: Some(ip) };
            if ctx
                .store
                .update(sk, |s| s.status.load_balancer.ingress = vec![ingress])
                .is_ok()
            {
                ctx.event(
                    Kind::Service,
                    &meta,
                    EventType::Normal,
                    "EnsuredLoadBalancer",
                    NAME,
                    "Ensured load balancer".into(),
                );
            }
        } else if !wants && (has || self.provisioned.contains(&key)) {
            self.provisioned.remove(&key);
            ctx.event(
                Kind::Service,
                &meta,
                EventType::Normal,
                "DeletingLoadBalancer",
                NAME,
                "Deleting load balancer".into(),
            );
            if !has
                || ctx
                    .store
                    .update(sk, |s| s.status.load_balancer.ingress.clear())
                    .is_ok()
            {
                ctx.event(
                    Kind::Service,
                    &meta,
                    EventType::Normal,
                    "DeletedLoadBalancer",
                    NAME,
                    "Deleted load balancer".into(),
                );
            }
        }
    }
}
