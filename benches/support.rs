//! Workload builders shared by the criterion benches.
//!
//! [`scheduler`] builds clusters and pods shaped like kube-scheduler's `scheduler_perf`
//! workloads (`test/integration/scheduler_perf/config/performance-config.yaml`); the custom
//! plugins of `core/examples/custom_plugin` are included so that a custom profile runs through
//! the same workloads.

#[allow(missing_docs, dead_code)]
#[path = "../core/examples/custom_plugin/plugin.rs"]
pub mod custom_plugin;

#[path = "workloads/scheduler.rs"]
pub mod scheduler;

#[path = "workloads/policies.rs"]
pub mod policies;

/// Whether the bench binary runs in criterion's test mode (`cargo test --benches`, or
/// `cargo bench -- --test`): each benchmark then runs once, to show it still works, and the
/// benches shrink set-ups that would take minutes (the figures of such a run are not
/// measurements). Criterion's own rule: test mode unless `--bench` is given without `--test`.
pub fn test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    !has("--bench") || has("--test")
}

/// `full` when benchmarking, `quick` in [`test_mode`].
pub fn size(full: usize, quick: usize) -> usize {
    if test_mode() { quick } else { full }
}

/// The `cluster-5k` shape: nodes of 4 CPU / 32 GiB in three zones, and
/// Deployments of 15 replicas requesting 100m / 500Mi each.
pub mod cluster_5k {
    use kubesim::api::{Deployment, Node};
    use kubesim::build;

    /// `n` nodes, spread over three zones.
    pub fn nodes(n: usize) -> Vec<Node> {
        (0..n)
            .map(|i| {
                build::node(&format!("node-{i:05}"), "4", "32Gi")
                    .label(
                        "topology.kubernetes.io/zone",
                        ["zone-a", "zone-b", "zone-c"][i % 3],
                    )
                    .build()
            })
            .collect()
    }

    /// `n` Deployments of 15 replicas each.
    pub fn deployments(n: usize) -> Vec<Deployment> {
        (0..n)
            .map(|i| {
                let name = format!("app-{i:05}");
                build::deployment(&name, 15)
                    .labels(&[("app", &name), ("tier", ["web", "api", "worker"][i % 3])])
                    .image("app:v1")
                    .requests("100m", "500Mi")
                    .build()
            })
            .collect()
    }
}
