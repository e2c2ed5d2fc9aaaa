//! `scheduler_ops`: nodes (sizes, pod limits, zone and disk labels, cordons,
//! taints) and pods (requests, priorities, node selectors, tolerations,
//! node affinity) arriving and leaving in arbitrary order, with time
//! passing. Checked after every step: no node is over-committed, every
//! binding went to a node that admits the pod, every unschedulable verdict
//! is true when written, every preemption evicted lower priority only; at
//! the end, after ten quiet minutes, no pending pod fits anywhere.
//!
//! Written against the scheduler's stable surface (nodes and pods in the
//! store, the simulation running the scheduler, `PodScheduled=False` with
//! reason `Unschedulable`, `Preempted` events), so it judges the real
//! scheduler (`crate::sched`: filters, verdicts, preemption) through what it
//! writes, with the brute force of [`invariants::fit`] as the oracle:
//!
//! - over-commit: each binding is audited against its node as it is written,
//!   and every node's bound requests are summed after every step;
//! - verdicts: each new `PodScheduled=False`/`Unschedulable` is audited when
//!   written: the pod must fit on no Ready node then (cordons, taints,
//!   node selector, required node affinity, resources, pod count, and room
//!   held for nominated pods of at least its priority);
//! - preemption: each `Preempted` event's victim has a lower priority than
//!   its preemptor (priorities recorded at creation, since victims go).

use arbitrary::{Arbitrary, Unstructured};

use super::{decode, pick};
use crate::api::scheduling::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    TaintEffect, Toleration,
};
use crate::api::{Node, ObjectMeta, Pod, PriorityClass, Uid};
use crate::build;
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::sim::{KubeletModel, SimConfig, Simulation, invariants};
use crate::store::DeleteOptions;

pub(super) const NODES: &[&str] = &["n0", "n1", "n2", "n3", "n4"];
pub(super) const PODS: &[&str] = &["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"];
pub(super) const NODE_CPUS: &[&str] = &["1", "2", "4"];
pub(super) const NODE_MEMORY: &[&str] = &["1Gi", "2Gi", "4Gi"];
pub(super) const MAX_PODS: &[i64] = &[1, 2, 4, 110];
pub(super) const POD_CPUS: &[&str] = &["0", "100m", "500m", "1", "2"];
pub(super) const POD_MEMORY: &[&str] = &["0", "128Mi", "512Mi", "1Gi"];
pub(super) const ZONES: &[&str] = &["a", "b"];
pub(super) const DISKS: &[Option<&str>] = &[None, Some("ssd"), Some("hdd")];
pub(super) const TAINT_KEYS: &[&str] = &["dedicated", "gpu"];
pub(super) const EFFECTS: &[TaintEffect] = &[
    TaintEffect::NoSchedule,
    TaintEffect::NoExecute,
    TaintEffect::PreferNoSchedule,
];
pub(super) const POD_CLASSES: &[Option<&str>] = &[None, Some("low"), Some("mid"), Some("high")];
/// PriorityClasses the setup creates, with their values.
const CLASSES: &[(&str, i32)] = &[("low", 10), ("mid", 100), ("high", 1000)];
pub(super) const ADVANCE_MS: &[i64] = &[0, 100, 1_000, 10_000, 60_000, 300_000];
const MAX_OPS: usize = 64;

/// A node's shape.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct NodeShape {
    pub cpu: &'static str,
    pub memory: &'static str,
    pub max_pods: i64,
    pub zone: &'static str,
    pub disk: Option<&'static str>,
    pub taint: Option<(&'static str, TaintEffect)>,
}

/// A pod's shape.
#[derive(Clone, Copy, Debug)]
#[allow(missing_docs)]
pub struct PodShape {
    pub cpu: &'static str,
    pub memory: &'static str,
    pub class: Option<&'static str>,
    pub node_selector: Option<(&'static str, &'static str)>,
    pub toleration: Option<&'static str>,
    pub zone_affinity: Option<&'static str>,
}

/// One step of the `scheduler_ops` target.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub enum SchedulerOp {
    AddNode { name: &'static str, shape: NodeShape },
    Cordon { name: &'static str, on: bool },
    CreatePod { name: &'static str, shape: PodShape },
    DeletePod { pick: u8, graceful: bool },
    Advance { ms: i64 },
}

/// The input of the `scheduler_ops` target.
#[derive(Clone, Debug)]
pub struct SchedulerOps {
    /// The simulation seed.
    pub seed: u64,
    /// The steps.
    pub ops: Vec<SchedulerOp>,
}

impl<'a> Arbitrary<'a> for SchedulerOp {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u.int_in_range(0..=15u8)? {
            0..=3 => {
                let taint = if u.ratio(1, 3)? {
                    Some((pick(u, TAINT_KEYS)?, pick(u, EFFECTS)?))
                } else {
                    None
                };
                SchedulerOp::AddNode {
                    name: pick(u, NODES)?,
                    shape: NodeShape {
                        cpu: pick(u, NODE_CPUS)?,
                        memory: pick(u, NODE_MEMORY)?,
                        max_pods: pick(u, MAX_PODS)?,
                        zone: pick(u, ZONES)?,
                        disk: pick(u, DISKS)?,
                        taint,
                    },
                }
            }
            4 => SchedulerOp::Cordon {
                name: pick(u, NODES)?,
                on: bool::arbitrary(u)?,
            },
            5..=10 => {
                let node_selector = match u.int_in_range(0..=3u8)? {
                    0 => Some(("zone", pick(u, ZONES)?)),
                    1 => Some(("disk", pick(u, &["ssd", "hdd"])?)),
                    _ => None,
                };
                let toleration = if u.ratio(1, 3)? {
                    Some(pick(u, TAINT_KEYS)?)
                } else {
                    None
                };
                let zone_affinity = if u.ratio(1, 4)? {
                    Some(pick(u, ZONES)?)
                } else {
                    None
                };
                SchedulerOp::CreatePod {
                    name: pick(u, PODS)?,
                    shape: PodShape {
                        cpu: pick(u, POD_CPUS)?,
                        memory: pick(u, POD_MEMORY)?,
                        class: pick(u, POD_CLASSES)?,
                        node_selector,
                        toleration,
                        zone_affinity,
                    },
                }
            }
            11..=12 => SchedulerOp::DeletePod {
                pick: u8::arbitrary(u)?,
                graceful: bool::arbitrary(u)?,
            },
            _ => SchedulerOp::Advance {
                ms: pick(u, ADVANCE_MS)?,
            },
        })
    }
}

impl<'a> Arbitrary<'a> for SchedulerOps {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let seed = u64::from(u8::arbitrary(u)?);
        let mut ops = Vec::new();
        while !u.is_empty() && ops.len() < MAX_OPS {
            ops.push(SchedulerOp::arbitrary(u)?);
        }
        Ok(SchedulerOps { seed, ops })
    }
}

fn node(name: &str, s: &NodeShape) -> Node {
    let mut b = build::node(name, s.cpu, s.memory)
        .label("zone", s.zone)
        .resource("pods", s.max_pods);
    if let Some(disk) = s.disk {
        b = b.label("disk", disk);
    }
    if let Some((key, effect)) = s.taint {
        b = b.taint(key, "true", effect);
    }
    b.build()
}

fn pod(name: &str, s: &PodShape) -> Pod {
    let mut b = build::pod(name).requests(s.cpu, s.memory);
    if let Some(class) = s.class {
        b = b.priority_class(class);
    }
    if let Some((k, v)) = s.node_selector {
        b = b.node_selector(&[(k, v)]);
    }
    let (toleration, zone) = (s.toleration, s.zone_affinity);
    b.spec(|spec| {
        if let Some(key) = toleration {
            spec.tolerations
                .push(Toleration::exists(key, TaintEffect::NoSchedule, None));
            spec.tolerations
                .push(Toleration::exists(key, TaintEffect::NoExecute, None));
        }
        if let Some(zone) = zone {
            let term = NodeSelectorTerm {
                match_expressions: vec![NodeSelectorRequirement {
                    key: Symbol::intern("zone"),
                    operator: NodeSelectorOperator::In,
                    values: vec![Symbol::intern(zone)],
                }],
                match_fields: Vec::new(),
            };
            spec.affinity = Some(Affinity {
                node_affinity: Some(NodeAffinity {
                    required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                        node_selector_terms: vec![term],
                    }),
                    preferred_during_scheduling_ignored_during_execution: Vec::new(),
                }),
                ..Affinity::default()
            });
        }
    })
    .build()
}

fn fail(ops: &SchedulerOps, step: &str, found: &[invariants::Violation]) -> ! {
    let found: Vec<String> = found.iter().map(ToString::to_string).collect();
    panic!(
        "invariant violated {step} (seed {}):\n  {}\noperations:\n{}",
        ops.seed,
        found.join("\n  "),
        super::lines(&ops.ops, &"")
    );
}

/// Runs the operations with the checks described in the module
/// documentation; panics on the first violation.
pub fn scheduler_ops(data: &[u8]) {
    let Some(ops) = decode::<SchedulerOps>(data) else {
        return;
    };
    run(&ops);
}

/// What a [`run`] saw the scheduler do: the decisions its checks judged (a
/// test shows the seeds make each check bite rather than pass vacuously).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SchedulerRun {
    /// `Scheduled` events (bindings audited for fit and over-commit).
    pub bindings: usize,
    /// `FailedScheduling` events (verdicts, each audited when it changed).
    pub verdicts: usize,
    /// `Preempted` events (victims judged against their preemptor).
    pub preemptions: usize,
}

/// [`scheduler_ops`] on decoded operations; returns what the scheduler did.
pub fn run(ops: &SchedulerOps) -> SchedulerRun {
    let config = SimConfig {
        kubelet: KubeletModel::instant(),
        keep_events: true,
        audit_scheduling: true,
        skip_trace: true,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, ops.seed);
    for (name, value) in CLASSES {
        let class = PriorityClass {
            metadata: ObjectMeta::named("", name),
            value: *value,
            ..PriorityClass::default()
        };
        sim.store_mut().create(class).expect("priority classes are valid");
    }
    let mut priorities: FxMap<Uid, i32> = FxMap::default();
    let mut checked_events = 0;
    for (i, op) in ops.ops.iter().enumerate() {
        let store = sim.store_mut();
        match *op {
            SchedulerOp::AddNode { name, ref shape } => {
                let _ = store.create(node(name, shape));
            }
            SchedulerOp::Cordon { name, on } => {
                if let Some(k) = store.lookup::<Node>("", name) {
                    let _ = store.update(k, |n| n.spec.unschedulable = on);
                }
            }
            SchedulerOp::CreatePod { name, ref shape } => {
                if let Ok(k) = store.create(pod(name, shape))
                    && let Some(p) = store.get(k)
                {
                    priorities.insert(p.metadata.uid, p.priority());
                }
            }
            SchedulerOp::DeletePod { pick, graceful } => {
                let pods: Vec<_> = store.iter::<Pod>().map(|(k, _)| k).collect();
                if let Some(k) = pods.get(usize::from(pick) % pods.len().max(1)) {
                    let opts = if graceful {
                        DeleteOptions::default()
                    } else {
                        DeleteOptions::now()
                    };
                    let _ = store.delete(*k, opts);
                }
            }
            SchedulerOp::Advance { ms } => {
                sim.run_for(ms);
            }
        }
        sim.run_for(0);
        sim.check();
        let mut found = sim.violations().to_vec();
        found.extend(invariants::check_preemptions(
            &sim.events()[checked_events..],
            |uid| priorities.get(&uid).copied(),
        ));
        checked_events = sim.events().len();
        if !found.is_empty() {
            fail(ops, &format!("after op #{i} {op:?}"), &found);
        }
    }
    sim.run_for(600_000);
    sim.check();
    let mut found = sim.violations().to_vec();
    found.extend(invariants::check_pending(sim.store(), sim.now()));
    if !found.is_empty() {
        fail(ops, "after ten quiet minutes", &found);
    }
    let count = |reason: &str| sim.events().iter().filter(|e| e.reason == reason).count();
    SchedulerRun {
        bindings: count("Scheduled"),
        verdicts: count("FailedScheduling"),
        preemptions: count("Preempted"),
    }
}
