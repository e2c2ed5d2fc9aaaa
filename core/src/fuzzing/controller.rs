//! `controller_ops`: a weighted sequence of user actions (pods, ReplicaSets
//! and Deployments created, scaled, relabelled, re-templated, rolled back and
//! deleted with every propagation policy), node events (add, cordon, fail,
//! recover) and time, on a cluster of one to three small nodes. Names and
//! labels come from small sets so objects collide, select each other's pods
//! and adopt each other's orphans.
//!
//! The invariant checker runs after every round of the simulation that
//! wrote something and after every operation (the index comparisons, the
//! costliest part, every `INDEX_CHECK_EVERY` operations and at the end),
//! scheduling decisions are audited as they are written, the rolling-update
//! bounds are checked until the first action that may legitimately break
//! them (a pod deleted or relabelled by hand, a node failed, a ReplicaSet
//! touched by hand, a Deployment deleted or sharing its selector), and at
//! the end every node is recovered and uncordoned, a spare node with room
//! for every pod is added, the cluster runs until nothing is pending, and
//! the indexes and the convergence invariants are checked.

use arbitrary::{Arbitrary, Unstructured};

use super::{decode, pick};
use crate::api::{Deployment, Node, Pod, ReplicaSet};
use crate::build;
use crate::controllers::deployment::rollback;
use crate::intern::Symbol;
use crate::sim::{Distribution, KubeletModel, SimConfig, Simulation};
use crate::store::{DeleteOptions, Propagation};

pub(super) const PODS: &[&str] = &["p0", "p1", "p2", "p3"];
pub(super) const REPLICA_SETS: &[&str] = &["r0", "r1", "r2"];
pub(super) const DEPLOYMENTS: &[&str] = &["d0", "d1", "d2"];
pub(super) const NODES: &[&str] = &["n0", "n1", "n2", "n3"];
pub(super) const APPS: &[&str] = &["a", "b", "c"];
pub(super) const TIERS: &[Option<&str>] = &[None, Some("x"), Some("y")];
pub(super) const IMAGES: &[&str] = &["v1", "v2", "v3"];
pub(super) const CPUS: &[&str] = &["0", "100m", "250m", "1"];
pub(super) const SURGES: &[&str] = &["0", "1", "2", "25%", "50%"];
pub(super) const ADVANCE_MS: &[i64] = &[1, 10, 100, 1_000, 5_000, 30_000, 60_000, 300_000];
pub(super) const PROPAGATIONS: &[Propagation] = &[
    Propagation::Background,
    Propagation::Foreground,
    Propagation::Orphan,
];
pub(super) const MIN_READY: &[i32] = &[0, 1, 5];
pub(super) const HISTORY: &[Option<i32>] = &[None, Some(0), Some(1), Some(3)];
pub(super) const REVISIONS: &[Option<i64>] = &[None, Some(1), Some(2), Some(3)];
/// Most operations read from one input.
const MAX_OPS: usize = 64;
/// The index comparisons, the costliest check, run after every this many
/// operations (when something changed) and always at the end.
const INDEX_CHECK_EVERY: usize = 8;

/// Pod labels and template of a workload or bare pod.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// `app` label (the workloads' selector).
    pub app: &'static str,
    /// An optional `tier` label the selector does not mention.
    pub tier: Option<&'static str>,
    /// The container's CPU request.
    pub cpu: &'static str,
    /// The container's image.
    pub image: &'static str,
}

/// One step of the `controller_ops` target.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub enum ControllerOp {
    CreatePod {
        name: &'static str,
        shape: Shape,
    },
    DeletePod {
        pick: u8,
        graceful: bool,
    },
    RelabelPod {
        pick: u8,
        app: &'static str,
        tier: Option<&'static str>,
    },
    CreateReplicaSet {
        name: &'static str,
        replicas: i32,
        shape: Shape,
    },
    ScaleReplicaSet {
        name: &'static str,
        replicas: i32,
    },
    DeleteReplicaSet {
        name: &'static str,
        propagation: Propagation,
    },
    CreateDeployment {
        name: &'static str,
        replicas: i32,
        shape: Shape,
        strategy: Option<(&'static str, &'static str)>,
        min_ready_seconds: i32,
        history: Option<i32>,
    },
    ScaleDeployment {
        name: &'static str,
        replicas: i32,
    },
    SetImage {
        name: &'static str,
        image: &'static str,
    },
    Rollback {
        name: &'static str,
        to_revision: Option<i64>,
    },
    DeleteDeployment {
        name: &'static str,
        propagation: Propagation,
    },
    AddNode {
        name: &'static str,
    },
    Cordon {
        name: &'static str,
        on: bool,
    },
    FailNode {
        name: &'static str,
    },
    RecoverNode {
        name: &'static str,
    },
    Advance {
        ms: i64,
    },
}

/// The cluster a `controller_ops` input starts from.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The simulation seed.
    pub seed: u64,
    /// 0: instant kubelet; 1: the default (1 s start); 2: slow (3 s start,
    /// 2 s to ready, 1 s to terminate).
    pub kubelet: u8,
    /// Nodes `n0`.. created first (1 to 3, 2 CPUs each).
    pub nodes: usize,
}

/// The input of the `controller_ops` target.
#[derive(Clone, Debug)]
pub struct ControllerOps {
    /// The starting cluster.
    pub setup: Setup,
    /// The steps.
    pub ops: Vec<ControllerOp>,
}

fn shape(u: &mut Unstructured<'_>) -> arbitrary::Result<Shape> {
    Ok(Shape {
        app: pick(u, APPS)?,
        tier: pick(u, TIERS)?,
        cpu: pick(u, CPUS)?,
        image: pick(u, IMAGES)?,
    })
}

fn replicas(u: &mut Unstructured<'_>) -> arbitrary::Result<i32> {
    u.int_in_range(0..=5)
}

impl<'a> Arbitrary<'a> for ControllerOp {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        use ControllerOp::*;
        Ok(match u.int_in_range(0..=32u8)? {
            0..=2 => CreatePod {
                name: pick(u, PODS)?,
                shape: shape(u)?,
            },
            3..=5 => DeletePod {
                pick: u8::arbitrary(u)?,
                graceful: bool::arbitrary(u)?,
            },
            6..=7 => RelabelPod {
                pick: u8::arbitrary(u)?,
                app: pick(u, APPS)?,
                tier: pick(u, TIERS)?,
            },
            8..=10 => CreateReplicaSet {
                name: pick(u, REPLICA_SETS)?,
                replicas: replicas(u)?,
                shape: shape(u)?,
            },
            11..=12 => ScaleReplicaSet {
                name: pick(u, REPLICA_SETS)?,
                replicas: replicas(u)?,
            },
            13..=14 => DeleteReplicaSet {
                name: pick(u, REPLICA_SETS)?,
                propagation: pick(u, PROPAGATIONS)?,
            },
            15..=17 => {
                let strategy = if u.ratio(1, 4)? {
                    None
                } else {
                    let surge = pick(u, SURGES)?;
                    let unavailable = pick(u, SURGES)?;
                    // Both zero is invalid: make the pair one the API accepts.
                    Some((
                        surge,
                        if surge == "0" && unavailable == "0" {
                            "1"
                        } else {
                            unavailable
                        },
                    ))
                };
                CreateDeployment {
                    name: pick(u, DEPLOYMENTS)?,
                    replicas: replicas(u)?,
                    shape: shape(u)?,
                    strategy,
                    min_ready_seconds: pick(u, MIN_READY)?,
                    history: pick(u, HISTORY)?,
                }
            }
            18..=19 => ScaleDeployment {
                name: pick(u, DEPLOYMENTS)?,
                replicas: replicas(u)?,
            },
            20..=22 => SetImage {
                name: pick(u, DEPLOYMENTS)?,
                image: pick(u, IMAGES)?,
            },
            23 => Rollback {
                name: pick(u, DEPLOYMENTS)?,
                to_revision: pick(u, REVISIONS)?,
            },
            24 => DeleteDeployment {
                name: pick(u, DEPLOYMENTS)?,
                propagation: pick(u, PROPAGATIONS)?,
            },
            25 => AddNode {
                name: pick(u, NODES)?,
            },
            26 => Cordon {
                name: pick(u, NODES)?,
                on: bool::arbitrary(u)?,
            },
            27 => FailNode {
                name: pick(u, NODES)?,
            },
            28 => RecoverNode {
                name: pick(u, NODES)?,
            },
            _ => Advance {
                ms: pick(u, ADVANCE_MS)?,
            },
        })
    }
}

impl<'a> Arbitrary<'a> for ControllerOps {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let setup = Setup {
            seed: u64::from(u8::arbitrary(u)?),
            kubelet: u8::arbitrary(u)? % 3,
            nodes: usize::from(u8::arbitrary(u)? % 3) + 1,
        };
        let mut ops = Vec::new();
        while !u.is_empty() && ops.len() < MAX_OPS {
            ops.push(ControllerOp::arbitrary(u)?);
        }
        Ok(ControllerOps { setup, ops })
    }
}

fn kubelet(preset: u8) -> KubeletModel {
    match preset {
        0 => KubeletModel::instant(),
        1 => KubeletModel::default(),
        _ => KubeletModel {
            start_latency: Distribution::fixed_ms(3_000),
            readiness_delay: Distribution::fixed_ms(2_000),
            termination_latency: Distribution::fixed_ms(1_000),
            ..KubeletModel::default()
        },
    }
}

fn labels<'a>(app: &'a str, tier: Option<&'a str>) -> Vec<(&'static str, &'a str)> {
    let mut l = vec![("app", app)];
    if let Some(t) = tier {
        l.push(("tier", t));
    }
    l
}

/// Applies one operation (errors are part of the game: a name taken, an
/// object gone). Returns whether it may legitimately break the
/// rolling-update bounds.
fn apply(sim: &mut Simulation, op: &ControllerOp) -> bool {
    use ControllerOp::*;
    let store = sim.store_mut();
    match *op {
        CreatePod { name, shape } => {
            let pod = build::pod(name)
                .labels(&labels(shape.app, shape.tier))
                .image(shape.image)
                .requests(shape.cpu, "64Mi")
                .build();
            let _ = store.create(pod);
            false
        }
        DeletePod { pick, graceful } => {
            let pods: Vec<_> = store.iter::<Pod>().map(|(k, _)| k).collect();
            if let Some(k) = pods.get(usize::from(pick) % pods.len().max(1)) {
                let opts = if graceful {
                    DeleteOptions::default()
                } else {
                    DeleteOptions::now()
                };
                let _ = store.delete(*k, opts);
            }
            true
        }
        RelabelPod { pick, app, tier } => {
            let pods: Vec<_> = store.iter::<Pod>().map(|(k, _)| k).collect();
            if let Some(k) = pods.get(usize::from(pick) % pods.len().max(1)) {
                let new: crate::labels::Labels = labels(app, tier).into_iter().collect();
                let _ = store.update(*k, |p| p.metadata.labels = new);
            }
            true
        }
        CreateReplicaSet {
            name,
            replicas,
            shape,
        } => {
            let rs = build::replica_set(name, replicas)
                .labels(&labels(shape.app, shape.tier))
                .image(shape.image)
                .requests(shape.cpu, "64Mi")
                .build();
            let mut rs = rs;
            // Select on `app` only, so a tier label on the template is extra.
            rs.spec.selector =
                crate::api::PodSelector::match_labels([("app", shape.app)].into_iter().collect());
            let _ = store.create(rs);
            true
        }
        ScaleReplicaSet { name, replicas } => {
            if let Some(k) = store.lookup::<ReplicaSet>("default", name) {
                let _ = store.update(k, |r| r.spec.replicas = replicas);
            }
            true
        }
        DeleteReplicaSet { name, propagation } => {
            if let Some(k) = store.lookup::<ReplicaSet>("default", name) {
                let _ = store.delete(k, DeleteOptions::propagation(propagation));
            }
            true
        }
        CreateDeployment {
            name,
            replicas,
            shape,
            strategy,
            min_ready_seconds,
            history,
        } => {
            let mut b = build::deployment(name, replicas)
                .labels(&labels(shape.app, shape.tier))
                .image(shape.image)
                .requests(shape.cpu, "64Mi")
                .min_ready_seconds(min_ready_seconds);
            b = match strategy {
                Some((surge, unavailable)) => b.rolling(surge, unavailable),
                None => b.recreate(),
            };
            if let Some(h) = history {
                b = b.revision_history_limit(h);
            }
            let mut d = b.build();
            d.spec.selector =
                crate::api::PodSelector::match_labels([("app", shape.app)].into_iter().collect());
            // Sharing a selector with another workload lets them adopt each
            // other's objects, which the bounds do not allow for.
            let shared = store.iter::<Deployment>().any(|(_, o)| {
                o.metadata.name.to_string() != name
                    && o.spec.selector.matches(&d.spec.template.metadata.labels)
            }) || store
                .iter::<ReplicaSet>()
                .any(|(_, r)| d.spec.selector.matches(&r.metadata.labels));
            let created = store.create(d).is_ok();
            created && shared
        }
        ScaleDeployment { name, replicas } => {
            if let Some(k) = store.lookup::<Deployment>("default", name) {
                let _ = store.update(k, |d| d.spec.replicas = replicas);
            }
            false
        }
        SetImage { name, image } => {
            if let Some(k) = store.lookup::<Deployment>("default", name) {
                let _ = store.update(k, |d| {
                    std::sync::Arc::make_mut(&mut d.spec.template.spec).containers[0].image =
                        Symbol::intern(image)
                });
            }
            false
        }
        Rollback { name, to_revision } => {
            if let Some(k) = store.lookup::<Deployment>("default", name) {
                let _ = rollback(store, k, to_revision);
            }
            false
        }
        DeleteDeployment { name, propagation } => {
            if let Some(k) = store.lookup::<Deployment>("default", name) {
                let _ = store.delete(k, DeleteOptions::propagation(propagation));
            }
            true
        }
        AddNode { name } => {
            let _ = store.create(build::node(name, "2", "8Gi").build());
            false
        }
        Cordon { name, on } => {
            if let Some(k) = store.lookup::<Node>("", name) {
                let _ = store.update(k, |n| n.spec.unschedulable = on);
            }
            false
        }
        FailNode { name } => {
            let _ = sim.fail_node(name);
            true
        }
        RecoverNode { name } => {
            let _ = sim.recover_node(name);
            false
        }
        Advance { ms } => {
            sim.run_for(ms);
            false
        }
    }
}

fn fail(ops: &ControllerOps, step: &str, sim: &Simulation) -> ! {
    let found: Vec<String> = sim.violations().iter().map(ToString::to_string).collect();
    panic!(
        "invariant violated {step} (seed {}, t={}):\n  {}\noperations:\n{}",
        ops.setup.seed,
        sim.now(),
        found.join("\n  "),
        super::lines(&ops.ops, &ops.setup)
    );
}

/// Runs the operations on a fresh cluster with the checks described in the
/// module documentation; panics on the first violation.
pub fn controller_ops(data: &[u8]) {
    let Some(ops) = decode::<ControllerOps>(data) else {
        return;
    };
    run(&ops);
}

/// [`controller_ops`] on decoded operations.
pub fn run(ops: &ControllerOps) {
    let config = SimConfig {
        kubelet: kubelet(ops.setup.kubelet),
        check_invariants: true,
        check_rollouts: true,
        skip_index_checks: true,
        skip_trace: true,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, ops.setup.seed);
    for name in &NODES[..ops.setup.nodes] {
        let _ = sim.store_mut().create(build::node(name, "2", "8Gi").build());
    }
    let mut indexed_rv = sim.store().resource_version();
    for (i, op) in ops.ops.iter().enumerate() {
        if apply(&mut sim, op) {
            sim.set_check_rollouts(false);
        }
        // Let the instant settle; rounds that wrote were checked, now the
        // action itself (unless a round after it was checked already).
        sim.run_for(0);
        sim.check_if_changed();
        if i % INDEX_CHECK_EVERY == INDEX_CHECK_EVERY - 1 && sim.store().resource_version() != indexed_rv {
            indexed_rv = sim.store().resource_version();
            sim.check_indexes();
        }
        if !sim.violations().is_empty() {
            fail(ops, &format!("after op #{i} {op:?}"), &sim);
        }
    }
    // Convergence needs capacity: a rolling update whose new pods find no
    // room while the old ones may not go stalls, in Kubernetes as here. So
    // recover, uncordon, and add a node with room for every pod.
    sim.set_check_rollouts(false);
    for name in NODES {
        if sim.kubelet().is_down(Symbol::intern(name)) {
            let _ = sim.recover_node(name);
        }
        if let Some(k) = sim.store().lookup::<Node>("", name)
            && sim.store().get(k).is_some_and(|n| n.spec.unschedulable)
        {
            let _ = sim.store_mut().update(k, |n| n.spec.unschedulable = false);
        }
    }
    if sim.store().count::<ReplicaSet>() + sim.store().count::<Deployment>() == 0 {
        // Nothing for the convergence invariants to judge.
        if sim.store().resource_version() != indexed_rv {
            sim.check_indexes();
            if !sim.violations().is_empty() {
                fail(ops, "after the last op", &sim);
            }
        }
        return;
    }
    let _ = sim
        .store_mut()
        .create(build::node("spare", "64", "256Gi").build());
    // Straight to the last instant with work: the scheduler's periodic
    // retry of unschedulable pods cannot change an outcome (every event
    // that could make a pod fit moves it back at once).
    sim.run_until_idle();
    sim.check_indexes();
    if !sim.check_converged() {
        panic!(
            "the cluster did not settle within a day\noperations:\n{}",
            super::lines(&ops.ops, &ops.setup)
        );
    }
    if !sim.violations().is_empty() {
        fail(ops, "at convergence", &sim);
    }
}
