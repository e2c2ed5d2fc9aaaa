//! The scheduler's cache of the cluster: nodes as columns (structure of arrays, by node slot),
//! the pods bound to each node, and kube-scheduler's node order (`nodeTree`: zones visited
//! round-robin). Plugins see a node through [`NodeInfo`] and the cluster through
//! [`ClusterView`].

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use smallvec::SmallVec;

use super::counters::Counters;
use super::pod_info::{HostPort, PodInfo, is_scalar_resource};
pub use super::view::{ClusterView, NodeInfo, Overlay};
use crate::api::scheduling::TaintEffect;
use crate::api::{Node, Pod};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::store::Key;

/// "No slot".
pub(crate) const NONE: u32 = u32::MAX;

/// A resource as the scheduler's columns know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Res {
    /// Milli-CPU.
    Cpu,
    /// Memory bytes.
    Memory,
    /// Ephemeral storage bytes.
    Ephemeral,
    /// A scalar (extended) resource.
    Scalar(Symbol),
}

/// One cached node (the slow-changing, per-node part).
pub struct NodeRec {
    /// The store key.
    pub key: Key<Node>,
    /// The node name as a symbol (what pods' `nodeName` holds).
    pub name: Symbol,
    /// A copy of the node object.
    pub node: Node,
    /// Pods bound here (pod slots), in binding order.
    pub pods: Vec<u32>,
    /// Host ports in use: (protocol, ip, port) with a use count.
    pub used_ports: SmallVec<[(HostPort, u32); 2]>,
    /// Whether the node has a PreferNoSchedule taint.
    pub prefer_no_schedule: bool,
    /// Whether the node has NoSchedule/NoExecute taints or is cordoned (checked one by one by
    /// the static masks; all other nodes pass those filters for every pod).
    pub special: bool,
    /// The zone key (`region:\0:zone`) that orders nodes.
    pub zone: String,
}

/// One cached bound pod.
pub struct PodRec {
    /// What the scheduler knows of it.
    pub info: Arc<PodInfo>,
    /// The node slot it is bound to (`NONE` while its node is unknown).
    pub node: u32,
    /// The node name it is bound to.
    pub node_name: Symbol,
}

/// Node resources as columns indexed by node slot.
#[derive(Default)]
pub struct Columns {
    /// Allocatable milli-CPU.
    pub alloc_cpu: Vec<i64>,
    /// Allocatable memory.
    pub alloc_mem: Vec<i64>,
    /// Allocatable ephemeral storage.
    pub alloc_eph: Vec<i64>,
    /// Allocatable pod count (kubelet maxPods).
    pub allowed_pods: Vec<i64>,
    /// Requested milli-CPU.
    pub req_cpu: Vec<i64>,
    /// Requested memory.
    pub req_mem: Vec<i64>,
    /// Requested ephemeral storage.
    pub req_eph: Vec<i64>,
    /// Requested milli-CPU counting 100m for containers without a request.
    pub nz_cpu: Vec<i64>,
    /// Requested memory counting 200 MiB for containers without a request.
    pub nz_mem: Vec<i64>,
    /// Pods bound.
    pub pod_count: Vec<i64>,
    /// Scalar resource names (column order).
    pub scalar_names: Vec<Symbol>,
    /// Allocatable per scalar resource, then per slot.
    pub scalar_alloc: Vec<Vec<i64>>,
    /// Requested per scalar resource, then per slot.
    pub scalar_req: Vec<Vec<i64>>,
}

impl Columns {
    fn grow(&mut self, slots: usize) {
        for c in [
            &mut self.alloc_cpu,
            &mut self.alloc_mem,
            &mut self.alloc_eph,
            &mut self.allowed_pods,
            &mut self.req_cpu,
            &mut self.req_mem,
            &mut self.req_eph,
            &mut self.nz_cpu,
            &mut self.nz_mem,
            &mut self.pod_count,
        ] {
            if c.len() < slots {
                c.resize(slots, 0);
            }
        }
        for c in self.scalar_alloc.iter_mut().chain(self.scalar_req.iter_mut()) {
            if c.len() < slots {
                c.resize(slots, 0);
            }
        }
    }

    /// The column index of scalar `name`, if known.
    pub fn scalar_index(&self, name: Symbol) -> Option<usize> {
        self.scalar_names.iter().position(|n| *n == name)
    }

    fn scalar_index_or_add(&mut self, name: Symbol) -> usize {
        if let Some(i) = self.scalar_index(name) {
            return i;
        }
        let slots = self.alloc_cpu.len();
        self.scalar_names.push(name);
        self.scalar_alloc.push(vec![0; slots]);
        self.scalar_req.push(vec![0; slots]);
        self.scalar_names.len() - 1
    }

    fn apply_pod(&mut self, slot: usize, info: &PodInfo, sign: i64) {
        let t = &info.template;
        self.req_cpu[slot] += sign * t.requests.cpu;
        self.req_mem[slot] += sign * t.requests.memory;
        self.req_eph[slot] += sign * t.requests.ephemeral;
        self.nz_cpu[slot] += sign * t.non_zero_cpu;
        self.nz_mem[slot] += sign * t.non_zero_memory;
        self.pod_count[slot] += sign;
        for (name, v) in &t.requests.scalars {
            let i = self.scalar_index_or_add(*name);
            self.scalar_req[i][slot] += sign * v;
        }
    }
}

/// What changed about a node, for the queue's cluster events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeChange {
    /// The node is new.
    pub added: bool,
    /// Labels changed.
    pub labels: bool,
    /// Taints changed.
    pub taints: bool,
    /// Allocatable changed.
    pub allocatable: bool,
    /// `spec.unschedulable` changed.
    pub unschedulable: bool,
}

impl NodeChange {
    /// Whether anything the filters look at changed.
    pub fn any(&self) -> bool {
        self.added || self.labels || self.taints || self.allocatable || self.unschedulable
    }
}

/// The cluster as the scheduler sees it.
#[derive(Default)]
pub struct ClusterCache {
    nodes: Vec<Option<NodeRec>>,
    by_name: FxMap<Symbol, u32>,
    /// Columns by node slot.
    pub cols: Columns,
    /// Position -> node slot, in kube-scheduler's node order.
    order: Vec<u32>,
    /// Node slot -> position.
    pos_of: Vec<u32>,
    zones: Vec<(String, Vec<u32>)>,
    pods: Vec<Option<PodRec>>,
    /// Pods bound to nodes the cache does not know yet, by node name.
    orphans: FxMap<Symbol, Vec<u32>>,
    /// Bound pods with a podAffinity or podAntiAffinity section (pod slots).
    pub(crate) affinity_pods: BTreeSet<u32>,
    /// Bound pods with required anti-affinity terms (pod slots).
    pub(crate) anti_affinity_pods: BTreeSet<u32>,
    /// Nodes with a PreferNoSchedule taint.
    pub(crate) prefer_no_schedule_nodes: usize,
    /// Nodes with NoSchedule/NoExecute taints or cordoned (slots).
    pub(crate) special_nodes: BTreeSet<u32>,
    /// Bumped whenever node labels, taints, cordoning or the node set change.
    pub(crate) node_epoch: u64,
    /// Node slots whose resources changed since the fast path last looked.
    pub(crate) dirty: Vec<u32>,
    /// Incremental topology counts and inter-pod term groups.
    pub(crate) counters: Mutex<Counters>,
    /// The node set or zones changed: the order is rebuilt by [`ClusterCache::refresh`].
    order_dirty: bool,
}

impl ClusterCache {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.order.len()
    }

    /// Node slots in kube-scheduler's order.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// The position of node `slot` in the order.
    pub fn position(&self, slot: u32) -> usize {
        self.pos_of[slot as usize] as usize
    }

    /// The position of node `slot`, if it is a live node.
    pub fn position_of(&self, slot: u32) -> Option<usize> {
        self.pos_of
            .get(slot as usize)
            .filter(|p| **p != NONE)
            .map(|p| *p as usize)
    }

    /// The node in `slot`.
    pub fn node(&self, slot: u32) -> &NodeRec {
        self.nodes[slot as usize].as_ref().expect("live node slot")
    }

    /// The slot of the node named `name`.
    pub fn slot_of(&self, name: Symbol) -> Option<u32> {
        self.by_name.get(&name).copied()
    }

    /// Number of node slots (an upper bound of slots).
    pub fn slot_capacity(&self) -> usize {
        self.nodes.len()
    }

    /// The bound pod in pod slot `slot`.
    pub fn pod(&self, slot: u32) -> Option<&PodRec> {
        self.pods.get(slot as usize).and_then(Option::as_ref)
    }

    /// The bound pod with key `key`.
    pub fn pod_by_key(&self, key: Key<Pod>) -> Option<&PodRec> {
        self.pod(key.index())
            .filter(|r| r.info.key.generation() == key.generation())
    }

    /// All bound pods (slot order).
    pub fn pods(&self) -> impl Iterator<Item = &PodRec> {
        self.pods.iter().filter_map(Option::as_ref)
    }

    /// Adds or updates a node; returns what changed.
    pub fn upsert_node(&mut self, key: Key<Node>, node: &Node) -> NodeChange {
        let slot = key.index() as usize;
        if self.nodes.len() <= slot {
            self.nodes.resize_with(slot + 1, || None);
            self.pos_of.resize(slot + 1, NONE);
        }
        self.cols.grow(self.nodes.len());
        let name = match node.metadata.name.suffix() {
            None => node.metadata.name.base(),
            Some(_) => Symbol::intern(&node.metadata.name.to_string()),
        };
        let prefer = node
            .spec
            .taints
            .iter()
            .any(|t| t.effect == TaintEffect::PreferNoSchedule);
        let special = node.spec.unschedulable
            || node
                .spec
                .taints
                .iter()
                .any(|t| matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute));
        let zone = zone_key(&node.metadata.labels);
        let mut change = NodeChange::default();
        match self.nodes[slot].as_mut() {
            Some(rec) => {
                let old = &rec.node;
                change.labels = old.metadata.labels != node.metadata.labels;
                if change.labels {
                    let counters = self.counters.get_mut().expect("counters");
                    counters.clear_domains();
                    for &p in &rec.pods {
                        if let Some(r) = self.pods[p as usize].as_ref() {
                            counters.on_pod(&r.info, slot as u32, &old.metadata.labels, -1);
                            counters.on_pod(&r.info, slot as u32, &node.metadata.labels, 1);
                        }
                    }
                }
                change.taints = old.spec.taints != node.spec.taints;
                change.allocatable = old.status.allocatable != node.status.allocatable;
                change.unschedulable = old.spec.unschedulable != node.spec.unschedulable;
                if rec.prefer_no_schedule != prefer {
                    if prefer {
                        self.prefer_no_schedule_nodes += 1;
                    } else {
                        self.prefer_no_schedule_nodes -= 1;
                    }
                }
                rec.prefer_no_schedule = prefer;
                rec.special = special;
                rec.node = node.clone();
                if rec.zone != zone {
                    let old_zone = std::mem::replace(&mut rec.zone, zone.clone());
                    self.zone_remove(&old_zone, slot as u32);
                    self.zone_add(&zone, slot as u32);
                    self.order_dirty = true;
                }
            }
            None => {
                change.added = true;
                if prefer {
                    self.prefer_no_schedule_nodes += 1;
                }
                self.nodes[slot] = Some(NodeRec {
                    key,
                    name,
                    node: node.clone(),
                    pods: Vec::new(),
                    used_ports: SmallVec::new(),
                    prefer_no_schedule: prefer,
                    special,
                    zone: zone.clone(),
                });
                self.by_name.insert(name, slot as u32);
                self.zone_add(&zone, slot as u32);
                self.order_dirty = true;
                self.set_node_columns(slot, node);
                if let Some(orphans) = self.orphans.remove(&name) {
                    for p in orphans {
                        self.attach_pod(p, slot as u32);
                    }
                }
            }
        }
        if change.allocatable {
            self.set_node_columns(slot, node);
        }
        if special {
            self.special_nodes.insert(slot as u32);
        } else {
            self.special_nodes.remove(&(slot as u32));
        }
        if change.added || change.labels || change.taints || change.unschedulable {
            self.node_epoch += 1;
        }
        if change.added {
            self.counters.get_mut().expect("counters").clear_domains();
        }
        change
    }

    fn set_node_columns(&mut self, slot: usize, node: &Node) {
        self.dirty.push(slot as u32);
        let a = &node.status.allocatable;
        self.cols.alloc_cpu[slot] = a.cpu();
        self.cols.alloc_mem[slot] = a.memory();
        self.cols.alloc_eph[slot] = a.get_or_zero(Symbol::EPHEMERAL_STORAGE);
        self.cols.allowed_pods[slot] = a.get_or_zero(Symbol::PODS);
        for c in &mut self.cols.scalar_alloc {
            c[slot] = 0;
        }
        for (name, v) in a.iter() {
            if is_scalar_resource(name.as_str()) {
                let i = self.cols.scalar_index_or_add(name);
                self.cols.scalar_alloc[i][slot] = v;
            }
        }
    }

    /// Removes a node (its pods become orphans until a node of that name returns).
    pub fn remove_node(&mut self, key: Key<Node>) -> bool {
        let slot = key.index() as usize;
        let Some(rec) = self.nodes.get_mut(slot).and_then(Option::take) else {
            return false;
        };
        self.by_name.remove(&rec.name);
        if rec.prefer_no_schedule {
            self.prefer_no_schedule_nodes -= 1;
        }
        self.special_nodes.remove(&(slot as u32));
        let counters = self.counters.get_mut().expect("counters");
        counters.clear_domains();
        for &p in &rec.pods {
            let info = self.pods[p as usize].as_ref().expect("pod").info.clone();
            counters.on_pod(&info, slot as u32, &rec.node.metadata.labels, -1);
            self.cols.apply_pod(slot, &info, -1);
            if let Some(r) = self.pods[p as usize].as_mut() {
                r.node = NONE;
            }
            self.orphans.entry(rec.name).or_default().push(p);
        }
        self.zone_remove(&rec.zone, slot as u32);
        self.order_dirty = true;
        self.node_epoch += 1;
        true
    }

    fn zone_add(&mut self, zone: &str, slot: u32) {
        match self.zones.iter_mut().find(|(z, _)| z == zone) {
            Some((_, list)) => list.push(slot),
            None => self.zones.push((zone.to_owned(), vec![slot])),
        }
    }

    fn zone_remove(&mut self, zone: &str, slot: u32) {
        if let Some(i) = self.zones.iter().position(|(z, _)| z == zone) {
            let list = &mut self.zones[i].1;
            if let Some(p) = list.iter().position(|s| *s == slot) {
                list.remove(p);
            }
            if list.is_empty() {
                self.zones.remove(i);
            }
        }
    }

    /// Brings the node order up to date after nodes were added, removed or moved between
    /// zones (once per batch of changes rather than once per node).
    pub fn refresh(&mut self) {
        if self.order_dirty {
            self.order_dirty = false;
            self.rebuild_order();
        }
    }

    /// `nodeTree.list()`: one node from each zone in turn, zones in order of appearance.
    fn rebuild_order(&mut self) {
        self.order.clear();
        let longest = self.zones.iter().map(|(_, l)| l.len()).max().unwrap_or(0);
        for i in 0..longest {
            for (_, list) in &self.zones {
                if let Some(s) = list.get(i) {
                    self.order.push(*s);
                }
            }
        }
        for p in self.pos_of.iter_mut() {
            *p = NONE;
        }
        for (pos, s) in self.order.iter().enumerate() {
            self.pos_of[*s as usize] = pos as u32;
        }
    }

    /// Records a bound pod (or updates it: a new node, terminating). Returns the node slot it
    /// was on before, if any.
    pub fn upsert_pod(&mut self, info: Arc<PodInfo>, node_name: Symbol) {
        let p = info.key.index() as usize;
        if self.pods.len() <= p {
            self.pods.resize_with(p + 1, || None);
        }
        if self.pods[p].is_some() {
            self.remove_pod(p as u32);
        }
        if info.template.has_pod_affinity {
            self.affinity_pods.insert(p as u32);
        }
        if !info.template.affinity.required_anti_affinity.is_empty() {
            self.anti_affinity_pods.insert(p as u32);
        }
        self.pods[p] = Some(PodRec {
            info,
            node: NONE,
            node_name,
        });
        match self.by_name.get(&node_name).copied() {
            Some(slot) => self.attach_pod(p as u32, slot),
            None => self.orphans.entry(node_name).or_default().push(p as u32),
        }
    }

    fn attach_pod(&mut self, p: u32, slot: u32) {
        let rec = self.pods[p as usize].as_mut().expect("pod");
        rec.node = slot;
        let info = rec.info.clone();
        self.cols.apply_pod(slot as usize, &info, 1);
        self.dirty.push(slot);
        let node = self.nodes[slot as usize].as_mut().expect("node");
        self.counters
            .get_mut()
            .expect("counters")
            .on_pod(&info, slot, &node.node.metadata.labels, 1);
        node.pods.push(p);
        for hp in &info.template.host_ports {
            match node.used_ports.iter_mut().find(|(h, _)| h == hp) {
                Some((_, n)) => *n += 1,
                None => node.used_ports.push((*hp, 1)),
            }
        }
    }

    /// Forgets a bound pod; returns the node slot it was on.
    pub fn remove_pod(&mut self, p: u32) -> Option<u32> {
        let rec = self.pods.get_mut(p as usize).and_then(Option::take)?;
        self.affinity_pods.remove(&p);
        self.anti_affinity_pods.remove(&p);
        if rec.node == NONE {
            if let Some(list) = self.orphans.get_mut(&rec.node_name) {
                list.retain(|x| *x != p);
            }
            return None;
        }
        let slot = rec.node;
        self.cols.apply_pod(slot as usize, &rec.info, -1);
        self.dirty.push(slot);
        let node = self.nodes[slot as usize].as_mut().expect("node");
        self.counters
            .get_mut()
            .expect("counters")
            .on_pod(&rec.info, slot, &node.node.metadata.labels, -1);
        if let Some(i) = node.pods.iter().position(|x| *x == p) {
            node.pods.remove(i);
        }
        for hp in &rec.info.template.host_ports {
            if let Some(i) = node.used_ports.iter().position(|(h, _)| h == hp) {
                node.used_ports[i].1 -= 1;
                if node.used_ports[i].1 == 0 {
                    node.used_ports.remove(i);
                }
            }
        }
        Some(slot)
    }

    /// A node's view.
    pub fn node_info(&self, slot: u32) -> NodeInfo<'_> {
        NodeInfo {
            cache: self,
            slot,
            overlay: None,
        }
    }
}

/// `utilnode.GetZoneKey`: region and zone labels (GA names, then the beta ones).
fn zone_key(labels: &Labels) -> String {
    let get = |ga: Symbol, beta: &str| {
        labels
            .get(ga)
            .or_else(|| labels.get_str(beta).map(Symbol::intern))
            .map(Symbol::as_str)
            .unwrap_or("")
    };
    let zone = get(Symbol::ZONE, "failure-domain.beta.kubernetes.io/zone");
    let region = get(
        Symbol::intern("topology.kubernetes.io/region"),
        "failure-domain.beta.kubernetes.io/region",
    );
    if region.is_empty() && zone.is_empty() {
        return String::new();
    }
    format!("{region}:\0:{zone}")
}
