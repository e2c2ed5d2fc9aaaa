//! Same seed, same scenario: the same trace hash, run after run and
//! whatever the thread count; another seed, another trace.

use crate::support::*;

fn hash(dir: &std::path::Path, args: &[&str]) -> String {
    run_json(dir, args)["trace_hash"].as_str().unwrap().to_owned()
}

#[test]
fn same_seed_same_trace_whatever_the_threads() {
    let dir = scratch("determinism");
    // 2,500 pods: above the threshold where generation runs in parallel.
    let s = write(
        &dir,
        "s.yaml",
        "nodes:\n  - {count: 40, shape: 8cpu/32Gi, zones: [a, b]}\n\
         timeline:\n  - createPods: {count: 2500, template: {cpu: {choice: [50m, 100m]}, memory: 64Mi}}\n  - barrier: {}\n  - deletePods: {count: 100}\n\
         kubelet: {startLatency: {lognormal: {median: 1s, sigma: 0.6}}}\n",
    );
    let a = hash(&dir, &["run", &s, "--seed", "7", "--threads", "1"]);
    let b = hash(&dir, &["run", &s, "--seed", "7", "--threads", "2"]);
    let c = hash(&dir, &["run", &s, "--seed", "7", "--threads", "2"]);
    assert_eq!(a, b);
    assert_eq!(b, c);
    let d = hash(&dir, &["run", &s, "--seed", "8", "--threads", "2"]);
    assert_ne!(a, d);
}

#[test]
fn presets_replay_the_same_trace() {
    let dir = scratch("determinism-presets");
    for preset in ["zone-outage", "openb-replay", "microservices-demo"] {
        let a = hash(&dir, &["run", "--preset", preset, "--threads", "1"]);
        let b = hash(
            &dir,
            &["run", "--preset", preset, "--threads", "2", "--svg", "/dev/null"],
        );
        assert_eq!(a, b, "{preset}");
    }
}
