//! Reports: the JSON documents of every command (schema in
//! `docs/report-format.md`; field names are stable), the latency and
//! pending-pod analyses they carry, and the terminal summary.

pub mod latency;
pub mod pending;
pub mod summary;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `schema` field of every report.
pub const SCHEMA: &str = "kubesim-loadgen-report/v1";

/// Simulated-time percentiles of a set of durations, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// How many durations.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// Pod latencies in simulated time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// From creation to `PodScheduled`.
    pub scheduling: Percentiles,
    /// From creation to `Ready`.
    pub startup: Percentiles,
}

/// Node counts at the end.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Nodes {
    /// Every node.
    pub total: u64,
    /// Ready.
    pub ready: u64,
    /// Cordoned.
    pub unschedulable: u64,
}

/// Pod counts at the end.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pods {
    /// Every pod in the store.
    pub total: u64,
    /// Bound and not finished (`Running`, or starting).
    pub running: u64,
    /// Not bound to a node (and not being deleted).
    pub pending: u64,
    /// Finished successfully.
    pub succeeded: u64,
    /// Finished in failure.
    pub failed: u64,
    /// Being deleted (graceful termination, or stuck on a failed node).
    pub terminating: u64,
    /// Ready.
    pub ready: u64,
}

/// The scheduler's counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scheduler {
    /// Scheduling attempts.
    pub attempts: u64,
    /// Pods bound.
    pub scheduled: u64,
    /// Attempts that found no node.
    pub unschedulable: u64,
    /// Pods bound per wall second of the steps that bound them (only the
    /// `collectMetrics` pods' steps when the scenario marks some).
    pub pods_per_second: f64,
    /// The pods `pods_per_second` counts.
    #[serde(default)]
    pub measured_pods: u64,
    /// The wall seconds `pods_per_second` divides by.
    #[serde(default)]
    pub measured_seconds: f64,
    /// Successful preemptions (a node nominated after evicting victims).
    pub preemptions: u64,
    /// Pods evicted by preemption.
    #[serde(default)]
    pub victims: u64,
    /// Scheduling cycles decided by the incremental fast path.
    #[serde(default)]
    pub fast_path: u64,
}

/// Placement quality at the end (core's `sched::placement_quality`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PlacementQuality {
    /// Nodes in the cluster.
    pub nodes: u64,
    /// Nodes with at least one bound, unfinished pod.
    pub nodes_used: u64,
    /// Bound, unfinished pods.
    pub pods_bound: u64,
    /// Pods waiting for a node.
    pub pending: u64,
    /// Requested over allocatable per resource, over every node (Ready or not).
    pub allocation: BTreeMap<String, f64>,
    /// Share of free CPU on nodes where no pending pod's shape fits (0 when
    /// nothing is pending).
    pub fragmentation_cpu: f64,
    /// The same for memory.
    pub fragmentation_memory: f64,
}

/// Invariant checking.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Invariants {
    /// How many checks ran (0 without `--check`).
    pub checked: u64,
    /// Violations found.
    pub violations: Vec<Violation>,
    /// The command that replays the run, when a violation was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_command: Option<String>,
}

/// One invariant violation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// The invariant.
    pub invariant: String,
    /// What is wrong.
    pub detail: String,
    /// When, in simulated seconds.
    pub at_seconds: f64,
}

/// Pods left pending, and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// How many.
    pub total: u64,
    /// How many per reason (Kubernetes' `FailedScheduling` message).
    pub reasons: BTreeMap<String, u64>,
    /// The first pods (up to 50) with their reason.
    pub pods: Vec<PendingPod>,
}

/// One pending pod.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingPod {
    /// `namespace/name`.
    pub pod: String,
    /// Why it is not placed.
    pub reason: String,
}

/// Where a pod went (`apply`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// `namespace/name`.
    pub pod: String,
    /// The node.
    pub node: String,
}

/// The cluster at one simulated instant.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Simulated seconds.
    pub t: f64,
    /// Pending pods.
    pub pending: u64,
    /// Running pods.
    pub running: u64,
    /// Allocation ratio per resource (requested by bound pods / allocatable of Ready nodes).
    pub allocation: BTreeMap<String, f64>,
}

/// What a trace replay did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    /// Nodes imported.
    pub nodes: u64,
    /// Pods in the trace (replayed).
    pub pods: u64,
    /// Pods that were placed before they left.
    pub placed: u64,
    /// Pods never placed.
    pub never_placed: u64,
    /// Pods that waited (were not placed at once).
    pub waited: u64,
    /// How long the pods that waited waited (simulated seconds).
    pub wait: Percentiles,
}

/// Wall-clock phases, in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Phases {
    /// Reading and checking the scenario and everything it refers to.
    pub load: f64,
    /// Generating objects and writing them through admission (steps).
    pub generate: f64,
    /// Running the simulation loop.
    pub simulate: f64,
    /// Sampling, analysing and writing the report.
    pub report: f64,
}

/// One simulation's report (`run`, `apply`, and each sweep row).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// The scenario's name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// The trace hash (16 hex digits): same seed and scenario, same hash.
    pub trace_hash: String,
    /// Threads available to the run.
    pub threads: usize,
    /// Wall time, seconds.
    pub wall_seconds: f64,
    /// Wall time by phase.
    pub phases: Phases,
    /// Simulated time at the end, seconds.
    pub sim_seconds: f64,
    /// When the store last changed (the cluster converged), simulated seconds.
    pub converged_seconds: f64,
    /// `converged`, `until` (stopped at `run.until`), `limit` (gave up
    /// waiting) or `violation` (stopped by `--check`).
    pub outcome: String,
    /// Nodes.
    pub nodes: Nodes,
    /// Pods.
    pub pods: Pods,
    /// The scheduler.
    pub scheduler: Scheduler,
    /// Allocation ratio per resource at the end.
    pub utilization: BTreeMap<String, f64>,
    /// Placement quality at the end.
    #[serde(default)]
    pub placement: PlacementQuality,
    /// Pod latencies.
    pub latency: Latency,
    /// Events recorded.
    pub events_total: u64,
    /// Invariant checking.
    pub invariants: Invariants,
    /// Pending pods and why.
    pub pending: Pending,
    /// The cluster over simulated time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<Sample>,
    /// Trace replay results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<Replay>,
    /// Where each pod went (`apply`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placements: Option<Vec<Placement>>,
    /// Things worth knowing (objects not simulated, namespaces created).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The document `run` and `apply` write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDocument {
    /// [`SCHEMA`].
    pub schema: String,
    /// `run` or `apply`.
    pub command: String,
    /// The run.
    #[serde(flatten)]
    pub run: RunReport,
}

/// Formats a trace hash.
pub fn hash_hex(h: u64) -> String {
    format!("{h:016x}")
}

/// Seconds from milliseconds.
pub fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}
