//! Scheduling throughput on kube-scheduler's `scheduler_perf` workloads (pods/s of the
//! measured pods, binding through the store included): SchedulingBasic, SchedulingNodeAffinity,
//! SchedulingPodAntiAffinity, TopologySpreading, PreemptionBasic at 500 and 5,000 nodes, with
//! the adaptive `percentageOfNodesToScore` and with 100 (every feasible node scored); a
//! 10,000-pod SchedulingBasic; a `nodeSelector` matching 1% of 5,000 nodes through the node
//! label index versus filtering every node; and a custom-plugin profile.
//!
//! `cargo bench -p kubesim-benches --bench scheduler`

use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use kubesim::Symbol;
use kubesim::sched::{Profile, SchedulerConfig};
use kubesim_benches::custom_plugin::{MaxPodsPerNode, PreferLabel};
use kubesim_benches::scheduler::{Shape, Workload, prepare, workloads};

fn configs() -> [(&'static str, SchedulerConfig); 2] {
    [
        ("default", SchedulerConfig::default()),
        ("pct100", SchedulerConfig::exhaustive()),
    ]
}

fn run(c: &mut Criterion, group_name: &str, w: Workload, label: &str, config: SchedulerConfig) {
    let mut group = c.benchmark_group(group_name);
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(800))
        .throughput(Throughput::Elements(w.measured_pods as u64));
    let rebuild = w.shape == Shape::Preemption;
    let mut prepared = None;
    group.bench_function(BenchmarkId::new(w.name(), label), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if rebuild || prepared.is_none() {
                    prepared = Some(prepare(w, config.clone(), 1));
                }
                let p = prepared.as_mut().expect("prepared");
                let (t, bound) = p.round();
                assert_eq!(
                    bound as usize,
                    w.measured_pods,
                    "{}: every measured pod is bound",
                    w.name()
                );
                total += t;
            }
            total
        })
    });
    group.finish();
}

fn scheduler_perf(c: &mut Criterion) {
    for nodes in [500, 5000] {
        for w in workloads(nodes) {
            for (label, config) in configs() {
                run(c, "scheduler_perf", w, label, config);
            }
        }
    }
    let basic_10k = Workload {
        shape: Shape::Basic,
        nodes: 5000,
        init_pods: 1000,
        measured_pods: 10_000,
    };
    for (label, config) in configs() {
        run(c, "scheduler_perf", basic_10k, label, config);
    }
}

/// A nodeSelector matching 1% of 5,000 nodes: static masks through the node label index (and
/// the fast path) versus running every filter on every node. The ratio is printed from one run.
fn node_selector(c: &mut Criterion) {
    let w = Workload {
        shape: Shape::Selective,
        nodes: 5000,
        init_pods: 0,
        measured_pods: 200,
    };
    let indexed = SchedulerConfig::default();
    let scan = SchedulerConfig {
        node_index: false,
        fast_path: false,
        ..SchedulerConfig::default()
    };
    // The median of 5 rounds of each, in this run.
    let time = |config: &SchedulerConfig| {
        let mut p = prepare(w, config.clone(), 1);
        let mut rounds: Vec<Duration> = (0..5)
            .map(|_| {
                let (t, bound) = p.round();
                assert_eq!(bound, 200);
                t
            })
            .collect();
        rounds.sort();
        rounds[2]
    };
    let (a, b) = (time(&indexed), time(&scan));
    eprintln!(
        "nodeSelector 1% of 5000 nodes: index {:.0} pods/s, every node {:.0} pods/s, ratio {:.1}x",
        200.0 / a.as_secs_f64(),
        200.0 / b.as_secs_f64(),
        b.as_secs_f64() / a.as_secs_f64()
    );
    run(c, "node_selector_1pct", w, "label_index", indexed);
    run(c, "node_selector_1pct", w, "every_node", scan);
}

/// The default profile plus the custom plugins of `core/examples/custom_plugin` (general path).
fn custom_plugin(c: &mut Criterion) {
    let profile = Profile::default()
        .add_filter(Arc::new(MaxPodsPerNode { max: 100 }))
        .add_score(
            Arc::new(PreferLabel {
                key: Symbol::intern("pool"),
                value: Symbol::intern("special"),
            }),
            1,
        );
    let config = SchedulerConfig {
        profile,
        ..SchedulerConfig::default()
    };
    let w = Workload {
        shape: Shape::Basic,
        nodes: 5000,
        init_pods: 1000,
        measured_pods: 1000,
    };
    run(c, "custom_plugin", w, "default+custom", config);
}

criterion_group!(benches, scheduler_perf, node_selector, custom_plugin);
criterion_main!(benches);
