//! Seed inputs built from the concept guides' stories: each story is written
//! as operations and encoded into the bytes the targets decode back to the
//! same operations, so the fuzzer starts from meaningful sequences.
//! `tests/fuzz_regressions.rs` checks that `fuzz/corpus/<target>/seed-*`
//! holds exactly these (`KUBESIM_WRITE_SEEDS=1` rewrites them).

use super::controller::{self as c, ControllerOp, ControllerOps, Setup, Shape};
use super::scheduler::{self as s, NodeShape, PodShape, SchedulerOp, SchedulerOps};
use crate::api::scheduling::TaintEffect;
use crate::store::Propagation;

fn at<T: PartialEq + std::fmt::Debug>(items: &[T], item: &T) -> u8 {
    let i = items.iter().position(|x| x == item);
    i.unwrap_or_else(|| panic!("{item:?} is not in {items:?}")) as u8
}

fn shape(out: &mut Vec<u8>, sh: &Shape) {
    out.extend([
        at(c::APPS, &sh.app),
        at(c::TIERS, &sh.tier),
        at(c::CPUS, &sh.cpu),
        at(c::IMAGES, &sh.image),
    ]);
}

/// The bytes that decode to `ops` (the inverse of its `Arbitrary` impl).
pub fn encode_controller(ops: &ControllerOps) -> Vec<u8> {
    use ControllerOp::*;
    let st = &ops.setup;
    let mut out = vec![st.seed as u8, st.kubelet, (st.nodes - 1) as u8];
    for op in &ops.ops {
        match op {
            CreatePod { name, shape: sh } => {
                out.extend([0, at(c::PODS, name)]);
                shape(&mut out, sh);
            }
            DeletePod { pick, graceful } => out.extend([3, *pick, u8::from(*graceful)]),
            RelabelPod { pick, app, tier } => out.extend([6, *pick, at(c::APPS, app), at(c::TIERS, tier)]),
            CreateReplicaSet {
                name,
                replicas,
                shape: sh,
            } => {
                out.extend([8, at(c::REPLICA_SETS, name), *replicas as u8]);
                shape(&mut out, sh);
            }
            ScaleReplicaSet { name, replicas } => {
                out.extend([11, at(c::REPLICA_SETS, name), *replicas as u8])
            }
            DeleteReplicaSet { name, propagation } => {
                out.extend([13, at(c::REPLICA_SETS, name), at(c::PROPAGATIONS, propagation)])
            }
            CreateDeployment {
                name,
                replicas,
                shape: sh,
                strategy,
                min_ready_seconds,
                history,
            } => {
                out.push(15);
                match strategy {
                    None => out.push(0),
                    Some((surge, unavailable)) => {
                        out.extend([1, at(c::SURGES, surge), at(c::SURGES, unavailable)])
                    }
                }
                out.extend([at(c::DEPLOYMENTS, name), *replicas as u8]);
                shape(&mut out, sh);
                out.extend([at(c::MIN_READY, min_ready_seconds), at(c::HISTORY, history)]);
            }
            ScaleDeployment { name, replicas } => out.extend([18, at(c::DEPLOYMENTS, name), *replicas as u8]),
            SetImage { name, image } => out.extend([20, at(c::DEPLOYMENTS, name), at(c::IMAGES, image)]),
            Rollback { name, to_revision } => {
                out.extend([23, at(c::DEPLOYMENTS, name), at(c::REVISIONS, to_revision)])
            }
            DeleteDeployment { name, propagation } => {
                out.extend([24, at(c::DEPLOYMENTS, name), at(c::PROPAGATIONS, propagation)])
            }
            AddNode { name } => out.extend([25, at(c::NODES, name)]),
            Cordon { name, on } => out.extend([26, at(c::NODES, name), u8::from(*on)]),
            FailNode { name } => out.extend([27, at(c::NODES, name)]),
            RecoverNode { name } => out.extend([28, at(c::NODES, name)]),
            Advance { ms } => out.extend([29, at(c::ADVANCE_MS, ms)]),
        }
    }
    out
}

/// The bytes that decode to `ops`.
pub fn encode_scheduler(ops: &SchedulerOps) -> Vec<u8> {
    let mut out = vec![ops.seed as u8];
    for op in &ops.ops {
        match op {
            SchedulerOp::AddNode { name, shape: n } => {
                out.push(0);
                // `ratio(1, 3)` is true for a byte of 0 and false for 1.
                match n.taint {
                    None => out.push(1),
                    Some((key, effect)) => out.extend([0, at(s::TAINT_KEYS, &key), at(s::EFFECTS, &effect)]),
                }
                out.extend([
                    at(s::NODES, name),
                    at(s::NODE_CPUS, &n.cpu),
                    at(s::NODE_MEMORY, &n.memory),
                    at(s::MAX_PODS, &n.max_pods),
                    at(s::ZONES, &n.zone),
                    at(s::DISKS, &n.disk),
                ]);
            }
            SchedulerOp::Cordon { name, on } => out.extend([4, at(s::NODES, name), u8::from(*on)]),
            SchedulerOp::CreatePod { name, shape: p } => {
                out.push(5);
                match p.node_selector {
                    Some(("zone", z)) => out.extend([0, at(s::ZONES, &z)]),
                    Some((_, d)) => out.extend([1, at(&["ssd", "hdd"], &d)]),
                    None => out.push(2),
                }
                match p.toleration {
                    None => out.push(1),
                    Some(key) => out.extend([0, at(s::TAINT_KEYS, &key)]),
                }
                match p.zone_affinity {
                    None => out.push(1),
                    Some(zone) => out.extend([0, at(s::ZONES, &zone)]),
                }
                out.extend([
                    at(s::PODS, name),
                    at(s::POD_CPUS, &p.cpu),
                    at(s::POD_MEMORY, &p.memory),
                    at(s::POD_CLASSES, &p.class),
                ]);
            }
            SchedulerOp::DeletePod { pick, graceful } => out.extend([11, *pick, u8::from(*graceful)]),
            SchedulerOp::Advance { ms } => out.extend([13, at(s::ADVANCE_MS, ms)]),
        }
    }
    out
}

fn sh(app: &'static str, cpu: &'static str, image: &'static str) -> Shape {
    Shape {
        app,
        tier: None,
        cpu,
        image,
    }
}

fn controller_stories() -> Vec<(&'static str, ControllerOps)> {
    use ControllerOp::*;
    let setup = |kubelet, nodes| Setup {
        seed: 1,
        kubelet,
        nodes,
    };
    let adv = |ms| Advance { ms };
    let web = sh("a", "100m", "v1");
    let rolling = |name, replicas, strategy| CreateDeployment {
        name,
        replicas,
        shape: web,
        strategy,
        min_ready_seconds: 0,
        history: None,
    };
    vec![
        // Chapter 4: a ReplicaSet of four, scaled down to two.
        (
            "seed-replicaset-scale",
            ControllerOps {
                setup: setup(1, 2),
                ops: vec![
                    CreateReplicaSet {
                        name: "r0",
                        replicas: 4,
                        shape: web,
                    },
                    adv(5_000),
                    ScaleReplicaSet {
                        name: "r0",
                        replicas: 2,
                    },
                    adv(5_000),
                ],
            },
        ),
        // A bare pod matching the selector is adopted, then deleted as surplus.
        (
            "seed-bare-pod-adopted",
            ControllerOps {
                setup: setup(1, 2),
                ops: vec![
                    CreateReplicaSet {
                        name: "r0",
                        replicas: 3,
                        shape: web,
                    },
                    adv(5_000),
                    CreatePod {
                        name: "p0",
                        shape: web,
                    },
                    adv(1_000),
                    adv(5_000),
                ],
            },
        ),
        // A pod relabelled out of the selector is released and replaced.
        (
            "seed-relabel-released",
            ControllerOps {
                setup: setup(1, 2),
                ops: vec![
                    CreateReplicaSet {
                        name: "r0",
                        replicas: 3,
                        shape: web,
                    },
                    adv(5_000),
                    RelabelPod {
                        pick: 0,
                        app: "b",
                        tier: None,
                    },
                    adv(5_000),
                ],
            },
        ),
        // Orphan deletion keeps the pods; a new ReplicaSet adopts them.
        (
            "seed-orphan-then-adopt",
            ControllerOps {
                setup: setup(0, 2),
                ops: vec![
                    CreateReplicaSet {
                        name: "r0",
                        replicas: 3,
                        shape: web,
                    },
                    adv(1_000),
                    DeleteReplicaSet {
                        name: "r0",
                        propagation: Propagation::Orphan,
                    },
                    adv(1_000),
                    CreateReplicaSet {
                        name: "r1",
                        replicas: 3,
                        shape: web,
                    },
                    adv(5_000),
                    DeleteReplicaSet {
                        name: "r1",
                        propagation: Propagation::Foreground,
                    },
                    adv(5_000),
                ],
            },
        ),
        // Chapter 5: a rolling update, a rollover mid-rollout, and an undo.
        (
            "seed-rolling-update",
            ControllerOps {
                setup: setup(1, 3),
                ops: vec![
                    rolling("d0", 3, Some(("25%", "25%"))),
                    adv(30_000),
                    SetImage {
                        name: "d0",
                        image: "v2",
                    },
                    adv(1_000),
                    SetImage {
                        name: "d0",
                        image: "v3",
                    },
                    adv(60_000),
                    Rollback {
                        name: "d0",
                        to_revision: None,
                    },
                    adv(60_000),
                    ScaleDeployment {
                        name: "d0",
                        replicas: 5,
                    },
                    adv(60_000),
                ],
            },
        ),
        // Recreate: every old pod stops before a new one starts.
        (
            "seed-recreate",
            ControllerOps {
                setup: setup(2, 2),
                ops: vec![
                    rolling("d1", 4, None),
                    adv(30_000),
                    SetImage {
                        name: "d1",
                        image: "v2",
                    },
                    adv(1_000),
                    adv(30_000),
                ],
            },
        ),
        // A node fails: its pods are evicted after 300 s and replaced.
        (
            "seed-node-failure",
            ControllerOps {
                setup: setup(1, 3),
                ops: vec![
                    rolling("d0", 4, Some(("1", "0"))),
                    adv(30_000),
                    FailNode { name: "n0" },
                    adv(60_000),
                    adv(300_000),
                    RecoverNode { name: "n0" },
                    adv(60_000),
                ],
            },
        ),
        // Cordoned capacity, a scale-up that waits, and a node that frees it.
        (
            "seed-cordon-scale",
            ControllerOps {
                setup: setup(0, 1),
                ops: vec![
                    rolling("d0", 2, Some(("1", "1"))),
                    adv(1_000),
                    Cordon { name: "n0", on: true },
                    ScaleDeployment {
                        name: "d0",
                        replicas: 5,
                    },
                    adv(5_000),
                    AddNode { name: "n3" },
                    adv(5_000),
                    DeleteDeployment {
                        name: "d0",
                        propagation: Propagation::Orphan,
                    },
                    adv(5_000),
                ],
            },
        ),
    ]
}

fn node(name: &'static str, cpu: &'static str, disk: Option<&'static str>) -> SchedulerOp {
    SchedulerOp::AddNode {
        name,
        shape: NodeShape {
            cpu,
            memory: "4Gi",
            max_pods: 110,
            zone: "a",
            disk,
            taint: None,
        },
    }
}

fn pod(name: &'static str, cpu: &'static str, class: Option<&'static str>) -> SchedulerOp {
    SchedulerOp::CreatePod {
        name,
        shape: PodShape {
            cpu,
            memory: "128Mi",
            class,
            node_selector: None,
            toleration: None,
            zone_affinity: None,
        },
    }
}

/// The `scheduler_ops` stories, by seed file name.
pub fn scheduler_stories() -> Vec<(&'static str, SchedulerOps)> {
    use SchedulerOp::*;
    vec![
        // Pods fill two nodes; the rest wait until a third node arrives.
        (
            "seed-fill-then-grow",
            SchedulerOps {
                seed: 1,
                ops: vec![
                    node("n0", "1", None),
                    node("n1", "1", None),
                    pod("p0", "500m", None),
                    pod("p1", "500m", None),
                    pod("p2", "500m", None),
                    pod("p3", "500m", None),
                    pod("p4", "500m", None),
                    Advance { ms: 1_000 },
                    node("n2", "2", None),
                    Advance { ms: 10_000 },
                ],
            },
        ),
        // Low-priority pods fill the node; a high-priority one arrives.
        (
            "seed-priority",
            SchedulerOps {
                seed: 2,
                ops: vec![
                    node("n0", "2", None),
                    pod("p0", "1", Some("low")),
                    pod("p1", "1", Some("low")),
                    Advance { ms: 1_000 },
                    pod("p2", "1", Some("high")),
                    Advance { ms: 10_000 },
                    DeletePod {
                        pick: 0,
                        graceful: true,
                    },
                    Advance { ms: 60_000 },
                ],
            },
        ),
        // A pod that needs an ssd node waits for one; a cordon holds others back.
        (
            "seed-selector-cordon",
            SchedulerOps {
                seed: 3,
                ops: vec![
                    node("n0", "4", Some("hdd")),
                    CreatePod {
                        name: "p0",
                        shape: PodShape {
                            cpu: "100m",
                            memory: "128Mi",
                            class: None,
                            node_selector: Some(("disk", "ssd")),
                            toleration: None,
                            zone_affinity: None,
                        },
                    },
                    Cordon { name: "n0", on: true },
                    pod("p1", "100m", None),
                    Advance { ms: 1_000 },
                    node("n1", "2", Some("ssd")),
                    Cordon {
                        name: "n0",
                        on: false,
                    },
                    Advance { ms: 10_000 },
                ],
            },
        ),
        // A dedicated (tainted) node in zone a takes only the pod that
        // tolerates it; a pod that needs zone a but tolerates nothing waits
        // (a true verdict) until an untainted zone-a node arrives.
        (
            "seed-taints-affinity",
            SchedulerOps {
                seed: 4,
                ops: vec![
                    zoned("n0", "a", Some(("dedicated", TaintEffect::NoSchedule))),
                    zoned("n1", "b", None),
                    placed("p0", Some("dedicated"), Some("a")),
                    placed("p1", None, None),
                    placed("p2", None, Some("a")),
                    Advance { ms: 1_000 },
                    zoned("n2", "a", None),
                    Advance { ms: 10_000 },
                ],
            },
        ),
    ]
}

fn zoned(name: &'static str, zone: &'static str, taint: Option<(&'static str, TaintEffect)>) -> SchedulerOp {
    SchedulerOp::AddNode {
        name,
        shape: NodeShape {
            cpu: "2",
            memory: "4Gi",
            max_pods: 110,
            zone,
            disk: None,
            taint,
        },
    }
}

fn placed(
    name: &'static str,
    toleration: Option<&'static str>,
    zone_affinity: Option<&'static str>,
) -> SchedulerOp {
    SchedulerOp::CreatePod {
        name,
        shape: PodShape {
            cpu: "500m",
            memory: "128Mi",
            class: None,
            node_selector: None,
            toleration,
            zone_affinity,
        },
    }
}

/// Every seed: (target, file name, bytes).
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, ops) in controller_stories() {
        out.push(("controller_ops", name.to_owned(), encode_controller(&ops)));
    }
    for (name, ops) in scheduler_stories() {
        out.push(("scheduler_ops", name.to_owned(), encode_scheduler(&ops)));
    }
    let text: &[(&str, &[&str])] = &[
        (
            "selector_parse",
            &[
                "app=web,tier in (frontend,backend),!canary",
                "environment in (production, qa)",
                "tier notin (frontend, backend)",
                "partition",
                "!partition",
                "x>1,y<10",
                "environment=production,tier!=frontend",
            ],
        ),
        (
            "quantity_parse",
            &[
                "100m",
                "1.5Gi",
                "1e3",
                "128974848",
                "129e6",
                "129M",
                "123Mi",
                "-1",
                "+.5",
                "0.9n",
                "1E3",
            ],
        ),
    ];
    for (target, inputs) in text {
        for (i, t) in inputs.iter().enumerate() {
            out.push((*target, format!("seed-{i:02}"), t.as_bytes().to_vec()));
        }
    }
    let manifests = [
        ("seed-web-replicaset", include_str!("seeds/web-replicaset.yaml")),
        (
            "seed-apache-deployment",
            include_str!("seeds/apache-deployment.yaml"),
        ),
    ];
    for (name, text) in manifests {
        out.push(("manifest_parse", name.to_owned(), text.as_bytes().to_vec()));
    }
    let mixed: Vec<u8> = (0..=255u8).map(|b| b.wrapping_mul(37)).collect();
    out.push(("label_index", "seed-mixed".to_owned(), mixed));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::decode;

    #[test]
    fn stories_decode_to_themselves() {
        for (name, ops) in controller_stories() {
            let back = decode::<ControllerOps>(&encode_controller(&ops)).expect(name);
            assert_eq!(format!("{:?}", back.ops), format!("{:?}", ops.ops), "{name}");
            assert_eq!(format!("{:?}", back.setup), format!("{:?}", ops.setup), "{name}");
        }
        for (name, ops) in scheduler_stories() {
            let back = decode::<SchedulerOps>(&encode_scheduler(&ops)).expect(name);
            assert_eq!(format!("{:?}", back.ops), format!("{:?}", ops.ops), "{name}");
        }
    }

    #[test]
    fn stories_run_clean() {
        for (name, ops) in controller_stories() {
            eprintln!("{name}");
            c::run(&ops);
        }
        let mut total = s::SchedulerRun::default();
        for (name, ops) in scheduler_stories() {
            eprintln!("{name}");
            let seen = s::run(&ops);
            total.bindings += seen.bindings;
            total.verdicts += seen.verdicts;
            total.preemptions += seen.preemptions;
        }
        // Each scheduler check has something to judge from the seeds on.
        assert!(total.bindings > 0, "{total:?}");
        assert!(total.verdicts > 0, "{total:?}");
        assert!(total.preemptions > 0, "{total:?}");
    }
}
