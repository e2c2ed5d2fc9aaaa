//! The `jobs`, `daemonSets` and `statefulSets` generators run on core's
//! controllers; the scheduler section is applied (profile, preemption);
//! throughput counts the `collectMetrics` pods only.

use crate::support::*;

#[test]
fn job_daemonset_and_statefulset_generators_run_to_their_counts() {
    let dir = scratch("generators");
    let s = write(
        &dir,
        "s.yaml",
        "nodes:\n  - {count: 6, shape: 8cpu/32Gi, zones: [a, b]}\n\
         workloads:\n\
         \x20 - jobs: {count: 3, parallelism: 2, completions: 2, template: {cpu: 100m, memory: 64Mi}}\n\
         \x20 - daemonSets: {count: 2, namespace: infra, template: {cpu: 50m, memory: 32Mi}}\n\
         \x20 - statefulSets: {count: 2, replicas: 3, template: {cpu: 200m, memory: 128Mi}}\n\
         \x20 - statefulSets: {count: 1, namePrefix: par, replicas: 4, podManagementPolicy: Parallel}\n\
         kubelet: {runTime: 5s}\n",
    );
    let r = run_json(&dir, &["run", &s, "--check"]);
    assert_eq!(r["outcome"], "converged", "{r}");
    assert_eq!(r["invariants"]["violations"].as_array().unwrap().len(), 0);
    // 3 Jobs x 2 completions.
    assert_eq!(r["pods"]["succeeded"], 6);
    // 2 DaemonSets x 6 nodes + 2 x 3 + 4 StatefulSet replicas.
    assert_eq!(r["pods"]["running"], 12 + 6 + 4);
    assert_eq!(r["pods"]["pending"], 0);
    assert!(r["notes"].to_string().contains("created namespace infra"));
    // The same objects whatever the thread count.
    let a = run_json(&dir, &["run", &s, "--threads", "1"])["trace_hash"].clone();
    assert_eq!(a, r["trace_hash"]);
}

#[test]
fn the_scheduler_profile_is_applied() {
    let dir = scratch("profile");
    let scenario = |profile: &str| {
        format!(
            "nodes:\n  - {{count: 10, shape: 4cpu/16Gi}}\n\
             timeline:\n  - createPods: {{count: 10, template: {{cpu: 100m, memory: 128Mi}}}}\n\
             scheduler: {{profile: {profile}, percentageOfNodesToScore: 100}}\n"
        )
    };
    let spread = write(&dir, "spread.yaml", &scenario("default"));
    let packed = write(&dir, "packed.yaml", &scenario("most-allocated"));
    let a = run_json(&dir, &["run", &spread]);
    let b = run_json(&dir, &["run", &packed]);
    // LeastAllocated spreads ten small pods over ten nodes; MostAllocated
    // packs them on one.
    assert_eq!(a["placement"]["nodes_used"], 10, "{}", a["placement"]);
    assert_eq!(b["placement"]["nodes_used"], 1, "{}", b["placement"]);
    assert_eq!(b["placement"]["nodes"], 10);
    assert_eq!(b["placement"]["pods_bound"], 10);
    assert_eq!(b["placement"]["allocation"]["cpu"], 0.025);
    assert!(
        b["notes"].as_array().is_none_or(|n| n.is_empty()),
        "{}",
        b["notes"]
    );
}

#[test]
fn preemptions_are_reported_and_can_be_turned_off() {
    let dir = scratch("preemption");
    let scenario = |preemption: bool| {
        format!(
            "nodes:\n  - {{count: 1, shape: 1cpu/4Gi}}\n\
             workloads:\n\
             \x20 - inline: {{apiVersion: scheduling.k8s.io/v1, kind: PriorityClass, metadata: {{name: high}}, value: 1000}}\n\
             \x20 - pods: {{count: 2, namePrefix: low, template: {{cpu: 500m}}}}\n\
             timeline:\n  - barrier: {{}}\n\
             \x20 - createPods: {{count: 1, namePrefix: high, template: {{cpu: 500m, priorityClassName: high}}}}\n\
             scheduler: {{preemption: {preemption}}}\nrun: {{limit: 10m}}\n"
        )
    };
    let on = write(&dir, "on.yaml", &scenario(true));
    let off = write(&dir, "off.yaml", &scenario(false));
    let a = run_json(&dir, &["run", &on]);
    assert_eq!(a["scheduler"]["preemptions"], 1, "{}", a["scheduler"]);
    assert_eq!(a["scheduler"]["victims"], 1);
    let b = run_json(&dir, &["run", &off]);
    assert_eq!(b["scheduler"]["preemptions"], 0);
    assert_eq!(b["pods"]["pending"], 1);
}

#[test]
fn throughput_counts_the_collect_metrics_pods() {
    let dir = scratch("throughput");
    let s = write(
        &dir,
        "s.yaml",
        "nodes:\n  - {count: 20, shape: 4cpu/32Gi}\n\
         timeline:\n  - createPods: {count: 50, namePrefix: init, template: {cpu: 100m}}\n  - barrier: {}\n\
         \x20 - createPods: {count: 30, namePrefix: measured, collectMetrics: true, template: {cpu: 100m}}\n  - barrier: {}\n\
         \x20 - createPods: {count: 7, namePrefix: after, template: {cpu: 100m}}\n",
    );
    let r = run_json(&dir, &["run", &s]);
    assert_eq!(r["scheduler"]["scheduled"], 87);
    assert_eq!(r["scheduler"]["measured_pods"], 30);
    assert!(r["scheduler"]["measured_seconds"].as_f64().unwrap() > 0.0);
    assert!(r["scheduler"]["pods_per_second"].as_f64().unwrap() > 0.0);
    // Unmarked, every binding counts.
    let plain = write(&dir, "plain.yaml", &small_scenario(6, 10));
    let r = run_json(&dir, &["run", &plain]);
    assert_eq!(r["scheduler"]["measured_pods"], r["scheduler"]["scheduled"]);
}
