//! Scheduler profiles side by side on the same seeded workloads: the time one scheduling pass
//! takes (criterion, one group per workload, one function per profile) and the placement
//! quality it leaves (nodes used, allocation ratios, fragmentation, pods pending).
//!
//! Profiles: `least_allocated` (the default), `most_allocated` (bin packing),
//! `exhaustive_pct100` (`percentageOfNodesToScore = 100`) and `custom_plugin` (the default plus
//! the out-of-crate plugins of `core/examples/custom_plugin`: at most 20 pods per node, prefer
//! `pool=special` ×5). Quality is deterministic per seed; it prints as a table before the
//! timings and is written to `target/kubesim-policies.json`.
//!
//! `cargo bench -p kubesim-benches --bench policies` (`KUBESIM_POLICY_SEED` picks the seed, 1
//! by default).

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use kubesim_benches::policies::{Row, fill, mixes, policies, quality_rows, table};
use kubesim_benches::test_mode;

fn seed() -> u64 {
    std::env::var("KUBESIM_POLICY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// Writes the rows to `target/kubesim-policies.json` (next to the bench's `target/` directory).
fn write_json(rows: &[Row]) {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target").to_owned());
    let path = std::path::Path::new(&dir).join("kubesim-policies.json");
    let body: Vec<String> = rows.iter().map(Row::json).collect();
    match std::fs::write(&path, format!("[\n{}\n]\n", body.join(",\n"))) {
        Ok(()) => println!("placement quality written to {}", path.display()),
        Err(e) => eprintln!("could not write {}: {e}", path.display()),
    }
}

fn quality(_: &mut Criterion) {
    let rows = quality_rows(&mixes(test_mode()), seed());
    println!("\nplacement quality, seed {}:\n{}", seed(), table(&rows));
    if !test_mode() {
        write_json(&rows);
    }
}

fn speed(c: &mut Criterion) {
    let seed = seed();
    for mix in mixes(test_mode()) {
        let mut group = c.benchmark_group(format!("policies/{}", mix.name));
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2))
            .throughput(Throughput::Elements(mix.pods as u64));
        for (policy, config) in policies() {
            group.bench_function(BenchmarkId::from_parameter(policy), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| fill(&mix, config.clone(), seed).elapsed).sum())
            });
        }
        group.finish();
    }
}

criterion_group!(benches, quality, speed);
criterion_main!(benches);
