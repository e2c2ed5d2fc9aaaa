//! How cost grows with cluster size: scheduling and reconciling at 500, 1,000, 5,000, 15,000 and
//! 50,000 nodes with 30 pods per node (15,000 to 1,500,000 pods), one thread.
//!
//! - `scale_schedule/N`: the scheduler places 30·N pending SchedulingBasic pods (100m / 500Mi)
//!   on N empty nodes of 4 CPU / 32Gi / 110 pods, adaptive `percentageOfNodesToScore`; timed
//!   from the first feed read to the last bind read back.
//! - `scale_reconcile/N`: the ReplicaSet controller syncs 2·N ReplicaSets of 15 replicas each
//!   once, creating all 30·N pods through the store's admission (claiming, slow-start batches,
//!   status updates included); timed over the syncs.
//!
//! Each iteration builds its cluster afresh (untimed). Criterion's throughput is pods/s; after
//! the groups a table of the median ns per pod and pods/s per size prints (the same samples).
//! `cargo bench -p kubesim-benches --bench scale` (about 10 minutes on 2 cores; one size:
//! `... --bench scale -- 'scale_schedule/5000$'`).

use std::cell::RefCell;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use kubesim::api::ReplicaSet;
use kubesim::build;
use kubesim::controllers::replicaset::ReplicaSetController;
use kubesim::controllers::{Controller, Ctx};
use kubesim::events::EventLog;
use kubesim::rng::Rng;
use kubesim::sched::SchedulerConfig;
use kubesim::sim::timers::Timers;
use kubesim::store::{Store, object_key};
use kubesim_benches::scheduler::{Shape, Workload, prepare};
use kubesim_benches::{cluster_5k, test_mode};

/// Pods per node.
const PODS_PER_NODE: usize = 30;
/// Replicas per ReplicaSet (two per node).
const REPLICAS: usize = 15;

/// The node counts (a hundredth of them in criterion's test mode).
fn sizes() -> Vec<usize> {
    let full = [500, 1_000, 5_000, 15_000, 50_000];
    let div = if test_mode() { 100 } else { 1 };
    full.iter().map(|n| n / div).collect()
}

thread_local! {
    /// (group, nodes, ns per pod) of every timed iteration, for the closing table.
    static SAMPLES: RefCell<Vec<(&'static str, usize, f64)>> = const { RefCell::new(Vec::new()) };
}

fn record(group: &'static str, nodes: usize, t: Duration) {
    let pods = (nodes * PODS_PER_NODE) as f64;
    SAMPLES.with(|s| s.borrow_mut().push((group, nodes, t.as_nanos() as f64 / pods)));
}

/// Schedules 30·`nodes` pods on `nodes` empty nodes; returns the time to the last bind.
fn schedule_once(nodes: usize) -> Duration {
    let w = Workload {
        shape: Shape::Basic,
        nodes,
        init_pods: 0,
        measured_pods: nodes * PODS_PER_NODE,
    };
    let mut p = prepare(w, SchedulerConfig::default(), 1);
    p.create_measured();
    let start = Instant::now();
    let bound = p.drain();
    p.sched.sync(&mut p.store, p.now);
    let t = start.elapsed();
    assert_eq!(bound as usize, w.measured_pods, "every pod is bound");
    t
}

/// Syncs 2·`nodes` fresh ReplicaSets once each; returns the time the syncs took.
fn reconcile_once(nodes: usize) -> Duration {
    let mut store = Store::new(1);
    for n in cluster_5k::nodes(nodes) {
        store.create(n).expect("valid node");
    }
    let keys: Vec<_> = (0..nodes * PODS_PER_NODE / REPLICAS)
        .map(|i| {
            let name = format!("rs-{i:06}");
            let rs = build::replica_set(&name, REPLICAS as i32)
                .labels(&[("app", &name)])
                .image("app:v1")
                .requests("100m", "500Mi")
                .build();
            object_key(store.create(rs).expect("valid replicaset"))
        })
        .collect();
    let (mut events, mut timers, mut rng) = (EventLog::counting(), Timers::default(), Rng::new(1));
    let mut controller = ReplicaSetController;
    let now = store.now();
    let start = Instant::now();
    for key in keys {
        let mut ctx = Ctx {
            store: &mut store,
            events: &mut events,
            timers: &mut timers,
            rng: &mut rng,
            now,
            controller: 0,
        };
        controller.sync(&mut ctx, key);
    }
    let t = start.elapsed();
    assert_eq!(store.count::<kubesim::api::Pod>(), nodes * PODS_PER_NODE);
    assert_eq!(store.count::<ReplicaSet>(), nodes * PODS_PER_NODE / REPLICAS);
    t
}

fn group(c: &mut Criterion, name: &'static str, once: fn(usize) -> Duration) {
    let mut group = c.benchmark_group(name);
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for nodes in sizes() {
        // One iteration per sample at the big sizes: 10 samples plus one warm-up iteration.
        let big = nodes >= 5_000;
        group
            .warm_up_time(Duration::from_millis(if big { 1 } else { 500 }))
            .measurement_time(Duration::from_secs(if big { 1 } else { 3 }))
            .throughput(Throughput::Elements((nodes * PODS_PER_NODE) as u64));
        group.bench_function(BenchmarkId::from_parameter(nodes), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let t = once(nodes);
                        record(name, nodes, t);
                        t
                    })
                    .sum()
            })
        });
    }
    group.finish();
}

fn scale_schedule(c: &mut Criterion) {
    group(c, "scale_schedule", schedule_once);
}

fn scale_reconcile(c: &mut Criterion) {
    group(c, "scale_reconcile", reconcile_once);
}

/// Prints the median ns per pod and pods/s of every (group, size), warm-up included.
fn table(_: &mut Criterion) {
    let mut rows = SAMPLES.with(|s| s.take());
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.total_cmp(&b.2)));
    println!("\n| group | nodes | pods | iterations | median ns/pod | pods/s |");
    println!("|---|---:|---:|---:|---:|---:|");
    for chunk in rows.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (name, nodes, _) = chunk[0];
        let median = chunk[chunk.len() / 2].2;
        println!(
            "| {name} | {nodes} | {} | {} | {median:.0} | {:.0} |",
            nodes * PODS_PER_NODE,
            chunk.len(),
            1e9 / median
        );
    }
}

criterion_group!(benches, scale_schedule, scale_reconcile, table);
criterion_main!(benches);
