//! Placement quality as numbers next to speed: how many nodes are used, how much of the
//! allocatable CPU, memory and each extended resource is requested, how much free capacity no
//! pending pod can use (fragmentation), and how many pods wait.

use serde::Serialize;

use super::pod_info::is_scalar_resource;
use crate::api::{Node, Pod};
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::store::Store;

/// Requested over allocatable for one resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Allocation {
    /// The resource.
    pub resource: String,
    /// Requested by bound pods (canonical units).
    pub requested: i64,
    /// Allocatable in total.
    pub allocatable: i64,
    /// `requested / allocatable` (0 when nothing is allocatable).
    pub ratio: f64,
}

/// The numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PlacementQuality {
    /// Nodes in the cluster.
    pub nodes: usize,
    /// Nodes with at least one bound, non-terminal pod.
    pub nodes_used: usize,
    /// Bound, non-terminal pods.
    pub pods_bound: usize,
    /// Pods waiting for a node (not terminal, not being deleted).
    pub pending: usize,
    /// CPU, memory, then each extended resource (by name).
    pub allocation: Vec<Allocation>,
    /// Share of free CPU on nodes where no pending pod shape fits (0 when nothing is pending).
    pub fragmentation_cpu: f64,
    /// Share of free memory on nodes where no pending pod shape fits.
    pub fragmentation_memory: f64,
}

/// Requested cpu, memory, pod count and scalars of one node.
type Used = (i64, i64, i64, Vec<(Symbol, i64)>);

#[derive(Clone, Default)]
struct Free {
    cpu: i64,
    mem: i64,
    pods: i64,
    scalars: Vec<(Symbol, i64)>,
}

/// Computes the placement quality of the store's current state.
pub fn placement_quality(store: &Store) -> PlacementQuality {
    let mut q = PlacementQuality::default();
    let mut by_node: FxMap<Symbol, Used> = FxMap::default();
    let mut shapes: Vec<Free> = Vec::new();
    for (_, pod) in store.iter::<Pod>() {
        if pod.is_terminal() {
            continue;
        }
        let r = &pod.spec.derived.requests;
        match pod.node_name {
            Some(n) => {
                q.pods_bound += 1;
                let e = by_node.entry(n).or_default();
                e.0 += r.cpu();
                e.1 += r.memory();
                e.2 += 1;
                for (name, v) in r.iter() {
                    if is_scalar_resource(name.as_str()) {
                        match e.3.iter_mut().find(|(x, _)| *x == name) {
                            Some(s) => s.1 += v,
                            None => e.3.push((name, v)),
                        }
                    }
                }
            }
            None if pod.metadata.deletion_timestamp.is_none() => {
                q.pending += 1;
                let shape = Free {
                    cpu: r.cpu(),
                    mem: r.memory(),
                    pods: 1,
                    scalars: r.iter().filter(|(n, _)| is_scalar_resource(n.as_str())).collect(),
                };
                let same = |s: &Free| s.cpu == shape.cpu && s.mem == shape.mem && s.scalars == shape.scalars;
                if !shapes.iter().any(same) {
                    shapes.push(shape);
                }
            }
            None => {}
        }
    }
    let mut totals: Vec<(Symbol, i64, i64)> = vec![(Symbol::CPU, 0, 0), (Symbol::MEMORY, 0, 0)];
    let (mut free_cpu, mut free_mem, mut frag_cpu, mut frag_mem) = (0i64, 0i64, 0i64, 0i64);
    for (_, node) in store.iter::<Node>() {
        q.nodes += 1;
        let name = match node.metadata.name.suffix() {
            None => node.metadata.name.base(),
            Some(_) => Symbol::intern(&node.metadata.name.to_string()),
        };
        let used = by_node.get(&name).cloned().unwrap_or_default();
        if used.2 > 0 {
            q.nodes_used += 1;
        }
        let a = &node.status.allocatable;
        totals[0].1 += used.0;
        totals[0].2 += a.cpu();
        totals[1].1 += used.1;
        totals[1].2 += a.memory();
        for (res, v) in a.iter() {
            if is_scalar_resource(res.as_str()) {
                let u = used.3.iter().find(|(x, _)| *x == res).map_or(0, |(_, u)| *u);
                match totals.iter_mut().find(|(x, _, _)| *x == res) {
                    Some(t) => {
                        t.1 += u;
                        t.2 += v;
                    }
                    None => totals.push((res, u, v)),
                }
            }
        }
        let free = Free {
            cpu: (a.cpu() - used.0).max(0),
            mem: (a.memory() - used.1).max(0),
            pods: a.get_or_zero(Symbol::PODS) - used.2,
            scalars: a
                .iter()
                .filter(|(n, _)| is_scalar_resource(n.as_str()))
                .map(|(n, v)| (n, v - used.3.iter().find(|(x, _)| *x == n).map_or(0, |(_, u)| *u)))
                .collect(),
        };
        free_cpu += free.cpu;
        free_mem += free.mem;
        let usable = shapes.iter().any(|s| {
            s.cpu <= free.cpu
                && s.mem <= free.mem
                && free.pods >= 1
                && s.scalars
                    .iter()
                    .all(|(n, v)| *v <= free.scalars.iter().find(|(x, _)| x == n).map_or(0, |(_, f)| *f))
        });
        if !usable && !shapes.is_empty() {
            frag_cpu += free.cpu;
            frag_mem += free.mem;
        }
    }
    let ratio = |a: i64, b: i64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
    let (head, rest) = totals.split_at(2);
    let mut rest = rest.to_vec();
    rest.sort_by(|a, b| a.0.cmp_str(b.0));
    q.allocation = head
        .iter()
        .chain(rest.iter())
        .map(|(n, r, a)| Allocation {
            resource: n.as_str().to_owned(),
            requested: *r,
            allocatable: *a,
            ratio: ratio(*r, *a),
        })
        .collect();
    q.fragmentation_cpu = ratio(frag_cpu, free_cpu);
    q.fragmentation_memory = ratio(frag_mem, free_mem);
    q
}
