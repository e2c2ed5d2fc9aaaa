//! Instruction counts (gungraun under valgrind's callgrind) of the hottest paths, which repeat
//! exactly on a shared machine where wall time does not: one scheduling cycle at 5,000 nodes
//! (fast path, adaptive and exhaustive scoring), one selector query over 100,000 pods (label
//! index and linear scan), and one ReplicaSet sync creating 15 pods. Set-up is not counted.
//!
//! Opt-in: `benches/iai.sh` (installs the matching `gungraun-runner` if needed, then runs
//! `cargo bench -p kubesim-benches --features iai --bench iai`).

// gungraun's macros generate public modules and constants without docs.
#![allow(missing_docs)]

use std::hint::black_box;

use gungraun::{library_benchmark, library_benchmark_group, main};
use kubesim::build;
use kubesim::controllers::replicaset::ReplicaSetController;
use kubesim::controllers::{Controller, Ctx};
use kubesim::events::EventLog;
use kubesim::labels::index::{LabelIndex, LinearLabelIndex};
use kubesim::labels::{Labels, Selector};
use kubesim::rng::Rng;
use kubesim::sched::SchedulerConfig;
use kubesim::sim::timers::Timers;
use kubesim::store::{ObjectKey, Store, object_key};
use kubesim_benches::scheduler::{Prepared, Shape, Workload, prepare};

/// SchedulingBasic at 5,000 nodes with 1,000 pods placed and one more pending.
fn one_pending(config: SchedulerConfig) -> Prepared {
    let w = Workload {
        shape: Shape::Basic,
        nodes: 5_000,
        init_pods: 1_000,
        measured_pods: 1,
    };
    let mut p = prepare(w, config, 1);
    p.create_measured();
    p
}

#[library_benchmark]
#[bench::adaptive(one_pending(SchedulerConfig::default()))]
#[bench::pct100(one_pending(SchedulerConfig::exhaustive()))]
fn schedule_one_pod_5000_nodes(mut p: Prepared) -> Prepared {
    assert_eq!(black_box(p.drain()), 1);
    p
}

/// 100,000 pods: `app` of 1,000 values, `tier` of 4, `zone` of 3.
fn pod_labels(i: u32) -> Labels {
    [
        ("app", format!("app-{}", i % 1_000)),
        (
            "tier",
            ["frontend", "backend", "cache", "db"][(i % 4) as usize].to_owned(),
        ),
        (
            "zone",
            ["zone-a", "zone-b", "zone-c"][(i % 3) as usize].to_owned(),
        ),
    ]
    .into_iter()
    .collect()
}

fn indexed() -> (LabelIndex, Selector) {
    let mut index = LabelIndex::new();
    for i in 0..100_000 {
        index.insert(i, &pod_labels(i));
    }
    (index, Selector::parse("app=app-17,tier=backend").expect("valid"))
}

fn linear() -> (LinearLabelIndex, Selector) {
    let mut index = LinearLabelIndex::new();
    for i in 0..100_000 {
        index.insert(i, &pod_labels(i));
    }
    (index, Selector::parse("app=app-17,tier=backend").expect("valid"))
}

#[library_benchmark]
#[bench::indexed(indexed())]
fn selector_query_100k_pods((index, selector): (LabelIndex, Selector)) -> u64 {
    black_box(index.query(black_box(&selector)).len())
}

#[library_benchmark]
#[bench::linear(linear())]
fn selector_scan_100k_pods((index, selector): (LinearLabelIndex, Selector)) -> u64 {
    black_box(index.query(black_box(&selector)).len())
}

/// A store with one ReplicaSet of 15 replicas and no pods yet.
fn replica_set() -> (Store, ObjectKey) {
    let mut store = Store::new(1);
    let rs = build::replica_set("web", 15)
        .labels(&[("app", "web")])
        .image("app:v1")
        .requests("100m", "500Mi")
        .build();
    let key = object_key(store.create(rs).expect("valid replicaset"));
    (store, key)
}

#[library_benchmark]
#[bench::create_15_pods(replica_set())]
fn replicaset_sync((mut store, key): (Store, ObjectKey)) -> Store {
    let (mut events, mut timers, mut rng) = (EventLog::counting(), Timers::default(), Rng::new(1));
    let mut ctx = Ctx {
        store: &mut store,
        events: &mut events,
        timers: &mut timers,
        rng: &mut rng,
        now: kubesim::api::Time::ZERO,
        controller: 0,
    };
    ReplicaSetController.sync(&mut ctx, key);
    assert_eq!(store.count::<kubesim::api::Pod>(), 15);
    store
}

library_benchmark_group!(
    name = hot_paths,
    benchmarks = [
        schedule_one_pod_5000_nodes,
        selector_query_100k_pods,
        selector_scan_100k_pods,
        replicaset_sync
    ]
);

main!(library_benchmark_groups = hot_paths);
