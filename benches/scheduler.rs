//! Scheduling throughput on kube-scheduler's `scheduler_perf` workloads (pods/s of the
//! measured pods, binding through the store included): SchedulingBasic, SchedulingNodeAffinity,
//! SchedulingPodAntiAffinity, TopologySpreading, PreemptionBasic at 500 and 5,000 nodes, with
//! the adaptive `percentageOfNodesToScore` and with 100 (every feasible node scored); a
//! 10,000-pod SchedulingBasic; a `nodeSelector` matching 1% of 5,000 nodes through the node
//! label index versus filtering every node; the plugin path on 1 and 2 threads; and a
//! custom-plugin profile next to the default one.
//!
//! Groups put the compared variants side by side: `scheduler_perf/<shape>` holds `default` and
//! `pct100` at each node count (`default/5000Nodes_1000Pods`, ...), `threads/<shape>` the
//! thread counts, `node_selector_1pct` the label index and the scan, `custom_plugin/...` the
//! default profile and the custom one. One group: `... --bench scheduler -- scheduler_perf/SchedulingBasic`.
//!
//! `cargo bench -p kubesim-benches --bench scheduler`

use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use kubesim::Symbol;
use kubesim::sched::{Profile, SchedulerConfig};
use kubesim_benches::custom_plugin::{MaxPodsPerNode, PreferLabel};
use kubesim_benches::scheduler::{Shape, Workload, prepare, workloads};
use kubesim_benches::{size, test_mode};

fn configs() -> [(&'static str, SchedulerConfig); 2] {
    [
        ("default", SchedulerConfig::default()),
        ("pct100", SchedulerConfig::exhaustive()),
    ]
}

/// Benchmarks `w` under `config` as `function/parameter` in `group` (pods/s of the measured pods).
fn run(
    group: &mut BenchmarkGroup<'_, WallTime>,
    function: &str,
    parameter: &str,
    w: Workload,
    config: SchedulerConfig,
) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(800))
        .throughput(Throughput::Elements(w.measured_pods as u64));
    let rebuild = w.shape == Shape::Preemption;
    let mut prepared = None;
    group.bench_function(BenchmarkId::new(function, parameter), |b| {
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
}

/// `SchedulingBasic/5000Nodes_1000Pods` → (`SchedulingBasic`, `5000Nodes_1000Pods`).
fn split(w: &Workload) -> (String, String) {
    let name = w.name();
    let (shape, size) = name.split_once('/').expect("shape/size");
    (shape.to_owned(), size.to_owned())
}

/// One group per workload shape; in it `default` and `pct100` at each node count.
fn scheduler_perf(c: &mut Criterion) {
    // Test mode: the smallest sizes at which every measured pod still fits (anti-affinity).
    let sizes = [500, size(5000, 2000)];
    let shapes = workloads(sizes[0]).len();
    for k in 0..shapes {
        let (shape, _) = split(&workloads(sizes[0])[k]);
        let mut group = c.benchmark_group(format!("scheduler_perf/{shape}"));
        for nodes in sizes {
            let w = workloads(nodes)[k];
            let (_, parameter) = split(&w);
            for (label, config) in configs() {
                run(&mut group, label, &parameter, w, config);
            }
        }
        group.finish();
    }
    let basic_10k = Workload {
        shape: Shape::Basic,
        nodes: size(5000, 100),
        init_pods: size(1000, 100),
        measured_pods: size(10_000, 100),
    };
    let (shape, parameter) = split(&basic_10k);
    let mut group = c.benchmark_group(format!("scheduler_perf/{shape}_10k"));
    for (label, config) in configs() {
        run(&mut group, label, &parameter, basic_10k, config);
    }
    group.finish();
}

/// The plugin path (TopologySpreading at 5,000 nodes) on 1 and 2 threads; results are the same.
fn threads(c: &mut Criterion) {
    let w = Workload {
        shape: Shape::TopologySpreading,
        nodes: size(5000, 100),
        init_pods: size(5000, 100),
        measured_pods: size(1000, 100),
    };
    let (shape, parameter) = split(&w);
    let mut group = c.benchmark_group(format!("threads/{shape}"));
    for threads in [1, 2] {
        let config = SchedulerConfig {
            parallelism: threads,
            ..SchedulerConfig::default()
        };
        run(&mut group, &format!("{threads}_threads"), &parameter, w, config);
    }
    group.finish();
}

/// A nodeSelector matching 1% of 5,000 nodes: static masks through the node label index (and
/// the fast path) versus running every filter on every node. The ratio is printed from one run.
fn node_selector(c: &mut Criterion) {
    let w = Workload {
        shape: Shape::Selective,
        nodes: size(5000, 500),
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
    let (_, parameter) = split(&w);
    let mut group = c.benchmark_group("node_selector_1pct");
    run(&mut group, "label_index", &parameter, w, indexed);
    run(&mut group, "every_node", &parameter, w, scan);
    group.finish();
    if test_mode() {
        return;
    }
    eprintln!(
        "nodeSelector 1% of 5000 nodes: index {:.0} pods/s, every node {:.0} pods/s, ratio {:.1}x",
        200.0 / a.as_secs_f64(),
        200.0 / b.as_secs_f64(),
        b.as_secs_f64() / a.as_secs_f64()
    );
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
        nodes: size(5000, 100),
        init_pods: size(1000, 100),
        measured_pods: size(1000, 100),
    };
    let (_, parameter) = split(&w);
    let mut group = c.benchmark_group("custom_plugin/SchedulingBasic");
    run(&mut group, "default", &parameter, w, SchedulerConfig::default());
    run(&mut group, "default+custom", &parameter, w, config);
    group.finish();
}

criterion_group!(benches, scheduler_perf, threads, node_selector, custom_plugin);
criterion_main!(benches);
