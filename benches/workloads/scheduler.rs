//! scheduler_perf-shaped workloads: nodes of 4 CPU / 32Gi / 110 pods, pods of 100m / 500Mi,
//! some pods placed first, then the measured pods.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kubesim::Symbol;
use kubesim::api::pod::{Container, PodSpec};
use kubesim::api::scheduling::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    PodAffinity, PodAffinityTerm, TopologySpreadConstraint, UnsatisfiableConstraintAction,
};
use kubesim::api::{Node, ObjectMeta, Pod, PodSelector, PriorityClass, ResourceList, Time};
use kubesim::events::EventLog;
use kubesim::labels::Labels;
use kubesim::sched::{Scheduler, SchedulerConfig};
use kubesim::store::{DeleteOptions, Key, Store};

/// The shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Plain pods.
    Basic,
    /// Pods with required node affinity to a label every node has.
    NodeAffinity,
    /// Pods with required anti-affinity to each other per hostname.
    PodAntiAffinity,
    /// Pods spread over 3 zones with maxSkew 5 (DoNotSchedule).
    TopologySpreading,
    /// Low-priority pods fill the nodes; high-priority pods preempt them.
    Preemption,
    /// Pods whose nodeSelector matches 1% of the nodes.
    Selective,
}

/// A workload.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Its shape.
    pub shape: Shape,
    /// Nodes.
    pub nodes: usize,
    /// Pods placed before measuring.
    pub init_pods: usize,
    /// Pods measured.
    pub measured_pods: usize,
}

impl Workload {
    /// A name such as `SchedulingBasic/5000Nodes_1000Pods`.
    pub fn name(&self) -> String {
        let shape = match self.shape {
            Shape::Basic => "SchedulingBasic",
            Shape::NodeAffinity => "SchedulingNodeAffinity",
            Shape::PodAntiAffinity => "SchedulingPodAntiAffinity",
            Shape::TopologySpreading => "TopologySpreading",
            Shape::Preemption => "PreemptionBasic",
            Shape::Selective => "NodeSelector1Percent",
        };
        format!("{shape}/{}Nodes_{}Pods", self.nodes, self.measured_pods)
    }
}

fn container(cpu: &str, mem: &str) -> Container {
    let mut c = Container {
        name: Symbol::intern("pause"),
        image: Symbol::intern("registry.k8s.io/pause:3.10"),
        ..Container::default()
    };
    c.resources.requests = ResourceList::parse([("cpu", cpu), ("memory", mem)]).unwrap();
    c
}

fn node(i: usize, shape: Shape) -> Node {
    let mut n = Node {
        metadata: ObjectMeta::named("", &format!("scheduler-perf-{i}")),
        ..Node::default()
    };
    let zone = format!("zone-{}", i % 3);
    let host = format!("scheduler-perf-{i}");
    let mut labels: Vec<(&str, &str)> = vec![("kubernetes.io/hostname", &host)];
    match shape {
        Shape::NodeAffinity => labels.push(("foo", "bar")),
        Shape::TopologySpreading => labels.push(("topology.kubernetes.io/zone", &zone)),
        Shape::Selective if i.is_multiple_of(100) => labels.push(("pool", "special")),
        _ => {}
    }
    n.metadata.labels = labels.into_iter().collect();
    let mut a = ResourceList::parse([("cpu", "4"), ("memory", "32Gi")]).unwrap();
    a.set(Symbol::PODS, 110);
    n.status.allocatable = a;
    n
}

/// The measured pods' spec and labels.
fn measured_spec(shape: Shape) -> (Arc<PodSpec>, Labels) {
    let mut spec = PodSpec {
        containers: vec![container("100m", "500Mi")],
        ..PodSpec::default()
    };
    let mut labels: Labels = [("app", "perf")].into_iter().collect();
    match shape {
        Shape::NodeAffinity => {
            spec.affinity = Some(Affinity {
                node_affinity: Some(NodeAffinity {
                    required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                        node_selector_terms: vec![NodeSelectorTerm {
                            match_expressions: vec![NodeSelectorRequirement {
                                key: Symbol::intern("foo"),
                                operator: NodeSelectorOperator::In,
                                values: vec![Symbol::intern("bar")],
                            }],
                            match_fields: Vec::new(),
                        }],
                    }),
                    preferred_during_scheduling_ignored_during_execution: Vec::new(),
                }),
                ..Affinity::default()
            });
        }
        Shape::PodAntiAffinity => {
            labels = [("color", "green")].into_iter().collect();
            spec.affinity = Some(Affinity {
                pod_anti_affinity: Some(PodAffinity {
                    required_during_scheduling_ignored_during_execution: vec![PodAffinityTerm {
                        label_selector: PodSelector::match_labels(labels.clone()),
                        topology_key: Symbol::HOSTNAME,
                        ..PodAffinityTerm::default()
                    }],
                    preferred_during_scheduling_ignored_during_execution: Vec::new(),
                }),
                ..Affinity::default()
            });
        }
        Shape::TopologySpreading => {
            labels = [("color", "blue")].into_iter().collect();
            spec.topology_spread_constraints = vec![TopologySpreadConstraint {
                max_skew: 5,
                topology_key: Symbol::ZONE,
                when_unsatisfiable: UnsatisfiableConstraintAction::DoNotSchedule,
                label_selector: PodSelector::match_labels(labels.clone()),
                min_domains: None,
                match_label_keys: Vec::new(),
                node_affinity_policy: None,
                node_taints_policy: None,
            }];
        }
        Shape::Preemption => {
            spec.containers = vec![container("3", "500Mi")];
            spec.priority_class_name = Some(Symbol::intern("high"));
        }
        Shape::Selective => {
            spec.node_selector = [("pool", "special")].into_iter().collect();
        }
        Shape::Basic => {}
    }
    (Arc::new(spec), labels)
}

/// The pods placed before measuring.
fn init_spec(shape: Shape) -> (Arc<PodSpec>, Labels) {
    match shape {
        Shape::Preemption => {
            let spec = PodSpec {
                containers: vec![container("900m", "500Mi")],
                priority_class_name: Some(Symbol::intern("low")),
                termination_grace_period_seconds: Some(0),
                ..PodSpec::default()
            };
            (Arc::new(spec), [("app", "low")].into_iter().collect())
        }
        Shape::Selective => measured_spec(Shape::Basic),
        s => measured_spec(s),
    }
}

fn create_pods(
    store: &mut Store,
    prefix: &str,
    n: usize,
    spec: &Arc<PodSpec>,
    labels: &Labels,
) -> Vec<Key<Pod>> {
    (0..n)
        .map(|i| {
            let mut p = Pod {
                metadata: ObjectMeta::named("default", &format!("{prefix}-{i}")),
                spec: spec.clone(),
                node_name: None,
                status: Default::default(),
            };
            p.metadata.labels = labels.clone();
            store.create(p).expect("pod")
        })
        .collect()
}

/// A cluster with the initial pods placed, ready for measured rounds.
pub struct Prepared {
    /// The workload.
    pub workload: Workload,
    /// The store.
    pub store: Store,
    /// The scheduler.
    pub sched: Scheduler,
    /// Simulated time.
    pub now: Time,
    round: usize,
}

/// Builds the cluster of `w` and schedules its initial pods.
pub fn prepare(w: Workload, config: SchedulerConfig, seed: u64) -> Prepared {
    let mut store = Store::new(seed);
    for (name, value) in [("low", -10), ("high", 1000)] {
        let pc = PriorityClass {
            metadata: ObjectMeta::named("", name),
            value,
            ..PriorityClass::default()
        };
        store.create(pc).expect("priority class");
    }
    for i in 0..w.nodes {
        store.create(node(i, w.shape)).expect("node");
    }
    let mut sched = Scheduler::new(config, seed);
    sched.attach(&mut store);
    let (spec, labels) = init_spec(w.shape);
    create_pods(&mut store, "init", w.init_pods, &spec, &labels);
    let mut prepared = Prepared {
        workload: w,
        store,
        sched,
        now: Time::ZERO,
        round: 0,
    };
    prepared.drain();
    prepared
}

impl Prepared {
    /// Schedules until nothing is pending or nothing more can happen; returns pods bound.
    pub fn drain(&mut self) -> u64 {
        let mut events = EventLog::counting();
        let mut bound = 0;
        for _ in 0..64 {
            let s = self
                .sched
                .schedule_pending(&mut self.store, self.now, &mut events);
            bound += s.scheduled;
            if self.sched.pending() == 0 {
                break;
            }
            match self.sched.next_wakeup() {
                Some(t) if t > self.now => self.now = t,
                Some(_) => {}
                None => break,
            }
        }
        bound
    }

    /// Creates the measured pods of the next round (pending).
    pub fn create_measured(&mut self) -> Vec<Key<Pod>> {
        self.round += 1;
        let (spec, labels) = measured_spec(self.workload.shape);
        create_pods(
            &mut self.store,
            &format!("measured-{}", self.round),
            self.workload.measured_pods,
            &spec,
            &labels,
        )
    }

    /// Deletes pods and lets the scheduler see it.
    pub fn delete(&mut self, keys: Vec<Key<Pod>>) {
        for k in keys {
            let _ = self.store.delete(k, DeleteOptions::now());
        }
        self.sched.sync(&mut self.store, self.now);
    }

    /// Creates the measured pods (untimed), schedules them and reads back the scheduler's own
    /// binding events from the feed (timed), then deletes them again (untimed) so that the
    /// next round starts from the same cluster. Returns the time spent scheduling and the pods
    /// bound.
    pub fn round(&mut self) -> (Duration, u64) {
        let keys = self.create_measured();
        let start = Instant::now();
        let bound = self.drain();
        self.sched.sync(&mut self.store, self.now);
        let elapsed = start.elapsed();
        self.delete(keys);
        (elapsed, bound)
    }
}

/// The scheduler_perf workloads at `nodes` nodes.
pub fn workloads(nodes: usize) -> Vec<Workload> {
    let small = nodes <= 500;
    let w = |shape, init_pods, measured_pods| Workload {
        shape,
        nodes,
        init_pods,
        measured_pods,
    };
    vec![
        w(Shape::Basic, if small { 500 } else { 1000 }, 1000),
        w(Shape::NodeAffinity, nodes, 1000),
        w(
            Shape::PodAntiAffinity,
            if small { 100 } else { 1000 },
            if small { 400 } else { 1000 },
        ),
        w(Shape::TopologySpreading, nodes, 1000),
        // scheduler_perf measures 5,000 preemptors at 5,000 nodes; 500 keep the bench short.
        w(Shape::Preemption, nodes * 4, 500),
    ]
}
