//! Scheduler profiles compared on the same workloads, for speed and for placement quality.
//!
//! A workload is a cluster of identical nodes (4 CPU / 32Gi / 110 pods, one in ten labelled
//! `pool=special`) and a seeded, shuffled mix of pod shapes; [`fill`] creates every pod and
//! gives each one scheduling attempt (one `schedule_pending` pass, no retries), so pods that
//! fit nowhere at their turn stay pending. The result depends only on the seed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kubesim::Symbol;
use kubesim::api::pod::{Container, PodSpec};
use kubesim::api::{Node, ObjectMeta, Pod, ResourceList, Time};
use kubesim::events::EventLog;
use kubesim::rng::Rng;
use kubesim::sched::plugins::Strategy;
use kubesim::sched::{PlacementQuality, Profile, Scheduler, SchedulerConfig, placement_quality};
use kubesim::store::Store;

use crate::custom_plugin::{MaxPodsPerNode, PreferLabel};

/// The profiles compared: `(name, config)`.
pub fn policies() -> Vec<(&'static str, SchedulerConfig)> {
    let custom = Profile::default()
        .add_filter(Arc::new(MaxPodsPerNode { max: 20 }))
        .add_score(
            Arc::new(PreferLabel {
                key: Symbol::intern("pool"),
                value: Symbol::intern("special"),
            }),
            5,
        );
    vec![
        ("least_allocated", SchedulerConfig::default()),
        (
            "most_allocated",
            SchedulerConfig {
                profile: Profile::with_strategy(Strategy::MostAllocated),
                ..SchedulerConfig::default()
            },
        ),
        ("exhaustive_pct100", SchedulerConfig::exhaustive()),
        (
            "custom_plugin",
            SchedulerConfig {
                profile: custom,
                ..SchedulerConfig::default()
            },
        ),
    ]
}

/// A pod shape: CPU and memory requests, and its weight in the mix.
#[derive(Clone, Copy, Debug)]
pub struct PodShape {
    /// CPU request (`"500m"`).
    pub cpu: &'static str,
    /// Memory request (`"2Gi"`).
    pub memory: &'static str,
    /// Pods of this shape per pod of weight 1.
    pub weight: usize,
}

/// A workload: nodes, and pods drawn from shapes.
#[derive(Clone, Copy, Debug)]
pub struct Mix {
    /// Its name.
    pub name: &'static str,
    /// Nodes.
    pub nodes: usize,
    /// Pods in all.
    pub pods: usize,
    /// The shapes.
    pub shapes: &'static [PodShape],
}

const fn shape(cpu: &'static str, memory: &'static str, weight: usize) -> PodShape {
    PodShape { cpu, memory, weight }
}

const SMALL: &[PodShape] = &[shape("100m", "500Mi", 1)];
const MIXED: &[PodShape] = &[
    shape("100m", "500Mi", 6),
    shape("500m", "2Gi", 3),
    shape("2", "8Gi", 1),
];

/// The workloads: a half-full cluster of small pods (where bin packing shows in nodes used),
/// and a mix of small, medium and large pods asking for ~95% of the CPU (where it shows in
/// fragmentation and pods pending).
pub fn mixes(scale_down: bool) -> Vec<Mix> {
    let d = if scale_down { 10 } else { 1 };
    vec![
        Mix {
            name: "small_half_full",
            nodes: 1_000 / d,
            pods: 20_000 / d,
            shapes: SMALL,
        },
        Mix {
            name: "mixed_95pct_cpu",
            nodes: 500 / d,
            // Mean request: (6·0.1 + 3·0.5 + 1·2) / 10 = 0.41 CPU; 500 nodes · 4 CPU · 0.95.
            pods: 4_630 / d,
            shapes: MIXED,
        },
    ]
}

fn node(i: usize) -> Node {
    let mut n = Node {
        metadata: ObjectMeta::named("", &format!("node-{i:05}")),
        ..Node::default()
    };
    let host = format!("node-{i:05}");
    let mut labels = vec![("kubernetes.io/hostname", host.as_str())];
    if i.is_multiple_of(10) {
        labels.push(("pool", "special"));
    }
    n.metadata.labels = labels.into_iter().collect();
    let mut a = ResourceList::parse([("cpu", "4"), ("memory", "32Gi")]).expect("quantities");
    a.set(Symbol::PODS, 110);
    n.status.allocatable = a;
    n
}

fn spec(s: &PodShape) -> Arc<PodSpec> {
    let mut c = Container {
        name: Symbol::intern("app"),
        image: Symbol::intern("app:v1"),
        ..Container::default()
    };
    c.resources.requests = ResourceList::parse([("cpu", s.cpu), ("memory", s.memory)]).expect("quantities");
    Arc::new(PodSpec {
        containers: vec![c],
        ..PodSpec::default()
    })
}

/// The shape index of every pod, in creation order: the weighted mix, shuffled by `seed`.
fn order(mix: &Mix, seed: u64) -> Vec<usize> {
    let total: usize = mix.shapes.iter().map(|s| s.weight).sum();
    let mut out: Vec<usize> = (0..mix.pods)
        .map(|i| {
            let mut r = i % total;
            mix.shapes
                .iter()
                .position(|s| {
                    let hit = r < s.weight;
                    r = r.saturating_sub(s.weight);
                    hit
                })
                .expect("weights cover the mix")
        })
        .collect();
    let mut rng = Rng::derive(seed, 0x90_1c1e5);
    for i in (1..out.len()).rev() {
        out.swap(i, rng.index(i + 1));
    }
    out
}

/// A filled cluster.
pub struct Filled {
    /// The store after scheduling.
    pub store: Store,
    /// The time the scheduling pass took (pod creation excluded).
    pub elapsed: Duration,
}

/// Builds `mix` (seeded), creates its pods and gives each one attempt under `config`.
pub fn fill(mix: &Mix, config: SchedulerConfig, seed: u64) -> Filled {
    let mut store = Store::new(seed);
    for i in 0..mix.nodes {
        store.create(node(i)).expect("valid node");
    }
    let mut sched = Scheduler::new(config, seed);
    sched.attach(&mut store);
    let specs: Vec<_> = mix.shapes.iter().map(spec).collect();
    let labels: kubesim::labels::Labels = [("app", mix.name)].into_iter().collect();
    for (i, s) in order(mix, seed).into_iter().enumerate() {
        let mut p = Pod {
            metadata: ObjectMeta::named("default", &format!("pod-{i:06}")),
            spec: specs[s].clone(),
            node_name: None,
            status: Default::default(),
        };
        p.metadata.labels = labels.clone();
        store.create(p).expect("valid pod");
    }
    let start = Instant::now();
    sched.schedule_pending(&mut store, Time::ZERO, &mut EventLog::counting());
    sched.sync(&mut store, Time::ZERO);
    Filled {
        store,
        elapsed: start.elapsed(),
    }
}

/// One row of the quality table.
#[derive(Clone, Debug)]
pub struct Row {
    /// The workload.
    pub workload: &'static str,
    /// The profile.
    pub policy: &'static str,
    /// The seed.
    pub seed: u64,
    /// The quality numbers.
    pub quality: PlacementQuality,
}

impl Row {
    /// The row as a JSON object (placement quality as `kubesim` serialises it).
    pub fn json(&self) -> String {
        format!(
            r#"{{"workload":"{}","policy":"{}","seed":{},"quality":{}}}"#,
            self.workload,
            self.policy,
            self.seed,
            serde_json::to_string(&self.quality).expect("serialisable")
        )
    }
}

/// The quality of every (workload, policy) at `seed`.
pub fn quality_rows(mixes: &[Mix], seed: u64) -> Vec<Row> {
    let mut rows = Vec::new();
    for mix in mixes {
        for (policy, config) in policies() {
            rows.push(Row {
                workload: mix.name,
                policy,
                seed,
                quality: placement_quality(&fill(mix, config, seed).store),
            });
        }
    }
    rows
}

/// The rows as a markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| workload | policy | nodes used | CPU allocated | memory allocated | CPU fragmentation | pods bound | pods pending |\n|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let q = &r.quality;
        let ratio = |i: usize| q.allocation.get(i).map_or(0.0, |a| a.ratio * 100.0);
        s.push_str(&format!(
            "| {} | {} | {} / {} | {:.1}% | {:.1}% | {:.1}% | {} | {} |\n",
            r.workload,
            r.policy,
            q.nodes_used,
            q.nodes,
            ratio(0),
            ratio(1),
            q.fragmentation_cpu * 100.0,
            q.pods_bound,
            q.pending
        ));
    }
    s
}
