//! The controllers at scale: 10,000 Deployments of 15 replicas (150,000
//! pods) on 5,000 nodes, from apply to all pods ready, then a rolling update
//! of every Deployment to completion. Reports wall time, and the simulated
//! time each phase took.
//!
//! `KUBESIM_BENCH_SCALE` (default 1.0) scales the Deployment and node
//! counts down for quick runs; criterion's test mode (`cargo test --benches`)
//! runs at a fiftieth.

use std::sync::Arc;
use std::time::Instant;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use kubesim::api::Deployment;
use kubesim::sim::{SimConfig, Simulation};
use kubesim_benches::cluster_5k;

fn scale() -> f64 {
    let quick = if kubesim_benches::test_mode() { 0.02 } else { 1.0 };
    quick
        * std::env::var("KUBESIM_BENCH_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1.0)
}

/// Applies the workload and runs to all-ready; returns the simulation.
fn apply_to_ready(deployments: usize, nodes: usize) -> Simulation {
    let mut sim = Simulation::new(SimConfig::default(), 1);
    for obj in cluster_5k::nodes(nodes) {
        sim.store_mut().create(obj).expect("valid node");
    }
    for d in cluster_5k::deployments(deployments) {
        sim.store_mut().create(d).expect("valid deployment");
    }
    sim.run_until_idle();
    sim
}

fn roll_all(sim: &mut Simulation) {
    let keys: Vec<_> = sim.store().iter::<Deployment>().map(|(k, _)| k).collect();
    for key in keys {
        sim.store_mut()
            .update(key, |d| {
                Arc::make_mut(&mut d.spec.template.spec).containers[0].image = "app:v2".into()
            })
            .expect("valid update");
    }
    sim.run_until_idle();
}

fn report() {
    let (deployments, nodes) = ((10_000.0 * scale()) as usize, (5_000.0 * scale()) as usize);
    let start = Instant::now();
    let mut sim = apply_to_ready(deployments, nodes);
    let ready_wall = start.elapsed();
    let ready_sim = sim.last_write_time();
    let pods = sim.store().count::<kubesim::api::Pod>();
    // Idle timers (progress-deadline requeues) may have moved the clock on:
    // the rollout starts now, not when the cluster became ready.
    let roll_start = sim.now();
    let start = Instant::now();
    roll_all(&mut sim);
    let roll_wall = start.elapsed();
    let roll_sim = sim.last_write_time().since(roll_start);
    println!(
        "controllers: {deployments} deployments, {pods} pods on {nodes} nodes: apply to all ready {:.2} s wall ({:.1} s simulated); rolling update of all {:.2} s wall ({:.1} s simulated); trace {:016x}",
        ready_wall.as_secs_f64(),
        ready_sim.millis() as f64 / 1000.0,
        roll_wall.as_secs_f64(),
        roll_sim as f64 / 1000.0,
        sim.trace_hash()
    );
}

fn bench(c: &mut Criterion) {
    report();
    let (deployments, nodes) = ((1_000.0 * scale()) as usize, (500.0 * scale()) as usize);
    let mut group = c.benchmark_group("controllers");
    group.sample_size(10);
    let parameter = format!("{deployments}_deployments_{nodes}_nodes");
    group.bench_function(BenchmarkId::new("apply_to_ready", &parameter), |b| {
        b.iter(|| apply_to_ready(deployments, nodes))
    });
    group.bench_function(BenchmarkId::new("rolling_update", &parameter), |b| {
        b.iter_batched(
            || apply_to_ready(deployments, nodes),
            |mut sim| roll_all(&mut sim),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
