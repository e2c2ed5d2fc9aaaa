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
