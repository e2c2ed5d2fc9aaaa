//! How plugins see the cluster: [`NodeInfo`] (one node, possibly with hypothetical changes
//! in an [`Overlay`]) and [`ClusterView`] (the cache plus the store).

use smallvec::SmallVec;

use super::cache::{ClusterCache, NodeRec, Res};
use super::pod_info::{HostPort, PodInfo};
use crate::api::scheduling::Taint;
use crate::api::{Namespace, Node};
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::store::Store;

/// Changes to a node's state for a hypothetical evaluation (pods removed by preemption,
/// nominated pods added): resource deltas, pod count and host ports.
#[derive(Clone, Debug, Default)]
pub struct Overlay {
    /// Requested deltas: cpu, memory, ephemeral, non-zero cpu, non-zero memory, pods.
    pub delta: [i64; 6],
    /// Scalar deltas.
    pub scalars: SmallVec<[(Symbol, i64); 1]>,
    /// Host ports added (+1) or removed (-1).
    pub ports: SmallVec<[(HostPort, i32); 1]>,
    /// Pod slots removed from the node.
    pub removed: SmallVec<[u32; 4]>,
}

impl Overlay {
    /// Applies `pod` with sign +1 (added) or -1 (removed).
    pub fn apply(&mut self, pod: &PodInfo, sign: i64) {
        let t = &pod.template;
        for (d, v) in self.delta.iter_mut().zip([
            t.requests.cpu,
            t.requests.memory,
            t.requests.ephemeral,
            t.non_zero_cpu,
            t.non_zero_memory,
            1,
        ]) {
            *d += sign * v;
        }
        for (name, v) in &t.requests.scalars {
            match self.scalars.iter_mut().find(|(n, _)| n == name) {
                Some((_, d)) => *d += sign * v,
                None => self.scalars.push((*name, sign * v)),
            }
        }
        for hp in &t.host_ports {
            match self.ports.iter_mut().find(|(h, _)| h == hp) {
                Some((_, d)) => *d += sign as i32,
                None => self.ports.push((*hp, sign as i32)),
            }
        }
    }
}

/// A node as plugins see it.
#[derive(Clone, Copy)]
pub struct NodeInfo<'a> {
    pub(crate) cache: &'a ClusterCache,
    pub(crate) slot: u32,
    pub(crate) overlay: Option<&'a Overlay>,
}

impl<'a> NodeInfo<'a> {
    /// The same node with hypothetical changes.
    pub fn with_overlay(self, overlay: &'a Overlay) -> NodeInfo<'a> {
        NodeInfo {
            overlay: Some(overlay),
            ..self
        }
    }

    fn delta(&self, i: usize) -> i64 {
        self.overlay.map_or(0, |o| o.delta[i])
    }

    /// The node slot.
    pub fn slot(&self) -> u32 {
        self.slot
    }

    /// The cached record.
    pub fn rec(&self) -> &'a NodeRec {
        self.cache.node(self.slot)
    }

    /// The node object.
    pub fn node(&self) -> &'a Node {
        &self.rec().node
    }

    /// The node name.
    pub fn name(&self) -> Symbol {
        self.rec().name
    }

    /// Labels.
    pub fn labels(&self) -> &'a Labels {
        &self.rec().node.metadata.labels
    }

    /// Taints.
    pub fn taints(&self) -> &'a [Taint] {
        &self.rec().node.spec.taints
    }

    /// Allocatable amount of `r`.
    pub fn allocatable(&self, r: Res) -> i64 {
        let c = &self.cache.cols;
        let s = self.slot as usize;
        match r {
            Res::Cpu => c.alloc_cpu[s],
            Res::Memory => c.alloc_mem[s],
            Res::Ephemeral => c.alloc_eph[s],
            Res::Scalar(n) => c.scalar_index(n).map_or(0, |i| c.scalar_alloc[i][s]),
        }
    }

    /// Whether the node lists scalar resource `name` in its allocatable.
    pub fn has_scalar(&self, name: Symbol) -> bool {
        self.node().status.allocatable.contains(name)
    }

    /// Requested amount of `r` by the pods on the node.
    pub fn requested(&self, r: Res) -> i64 {
        let c = &self.cache.cols;
        let s = self.slot as usize;
        match r {
            Res::Cpu => c.req_cpu[s] + self.delta(0),
            Res::Memory => c.req_mem[s] + self.delta(1),
            Res::Ephemeral => c.req_eph[s] + self.delta(2),
            Res::Scalar(n) => {
                let base = c.scalar_index(n).map_or(0, |i| c.scalar_req[i][s]);
                let d = self
                    .overlay
                    .and_then(|o| o.scalars.iter().find(|(x, _)| *x == n))
                    .map_or(0, |(_, d)| *d);
                base + d
            }
        }
    }

    /// Requested milli-CPU with non-zero defaults.
    pub fn non_zero_cpu(&self) -> i64 {
        self.cache.cols.nz_cpu[self.slot as usize] + self.delta(3)
    }

    /// Requested memory with non-zero defaults.
    pub fn non_zero_memory(&self) -> i64 {
        self.cache.cols.nz_mem[self.slot as usize] + self.delta(4)
    }

    /// Pods bound to the node.
    pub fn pod_count(&self) -> i64 {
        self.cache.cols.pod_count[self.slot as usize] + self.delta(5)
    }

    /// The kubelet's maxPods.
    pub fn allowed_pods(&self) -> i64 {
        self.cache.cols.allowed_pods[self.slot as usize]
    }

    /// The pods bound to the node (without those an overlay removed).
    pub fn pods(&self) -> impl Iterator<Item = &'a PodInfo> + 'a {
        let cache = self.cache;
        let removed: &'a [u32] = self.overlay.map_or(&[], |o| &o.removed);
        self.rec()
            .pods
            .iter()
            .filter(move |p| !removed.contains(p))
            .filter_map(move |p| cache.pod(*p).map(|r| &*r.info))
    }

    /// Whether host port `hp` conflicts with one in use (`HostPortInfo.CheckConflict`: an empty
    /// or `0.0.0.0` IP conflicts with every IP).
    pub fn port_conflict(&self, hp: &HostPort) -> bool {
        if hp.port <= 0 {
            return false;
        }
        let wildcard = |ip: Symbol| ip.is_empty() || ip.as_str() == "0.0.0.0";
        let count = |h: &HostPort| -> i64 {
            let base = self
                .rec()
                .used_ports
                .iter()
                .find(|(x, _)| x == h)
                .map_or(0, |(_, n)| i64::from(*n));
            let d = self
                .overlay
                .and_then(|o| o.ports.iter().find(|(x, _)| x == h))
                .map_or(0, |(_, d)| i64::from(*d));
            base + d
        };
        let mut used: SmallVec<[HostPort; 4]> = SmallVec::new();
        for (h, _) in &self.rec().used_ports {
            used.push(*h);
        }
        if let Some(o) = self.overlay {
            for (h, _) in &o.ports {
                if !used.contains(h) {
                    used.push(*h);
                }
            }
        }
        used.iter().any(|u| {
            u.protocol == hp.protocol
                && u.port == hp.port
                && count(u) > 0
                && (wildcard(hp.ip) || wildcard(u.ip) || u.ip == hp.ip)
        })
    }
}

/// The cluster as plugins see it: the cache plus the store (namespaces, services, owners).
#[derive(Clone, Copy)]
pub struct ClusterView<'a> {
    /// The cache.
    pub cache: &'a ClusterCache,
    /// The store.
    pub store: &'a Store,
}

impl<'a> ClusterView<'a> {
    /// The node in `slot`.
    pub fn node(&self, slot: u32) -> NodeInfo<'a> {
        self.cache.node_info(slot)
    }

    /// Node slots in scheduling order.
    pub fn nodes(&self) -> &'a [u32] {
        self.cache.order()
    }

    /// The labels of namespace `ns` (empty when it does not exist).
    pub fn namespace_labels(&self, ns: Symbol) -> Labels {
        self.store
            .lookup_name::<Namespace>(Symbol::EMPTY, &crate::api::Name::from_symbol(ns))
            .and_then(|k| self.store.get(k))
            .map(|n| n.metadata.labels.clone())
            .unwrap_or_default()
    }
}
