//! Reports carry the fields the schema promises; `--events` streams every
//! event; `--svg` draws; `--check` checks; presets load; steps act.

use crate::support::*;

#[test]
fn run_report_has_the_documented_fields() {
    let dir = scratch("report-fields");
    let s = write(&dir, "s.yaml", &small_scenario(6, 10));
    let events = dir.join("events.jsonl");
    let svg = dir.join("chart.svg");
    let (e, g) = (events.display().to_string(), svg.display().to_string());
    let r = run_json(&dir, &["run", &s, "--events", &e, "--svg", &g, "--check"]);
    for f in [
        "schema",
        "command",
        "scenario",
        "seed",
        "trace_hash",
        "threads",
        "wall_seconds",
        "sim_seconds",
        "converged_seconds",
        "outcome",
        "nodes",
        "pods",
        "scheduler",
        "utilization",
        "latency",
        "events_total",
        "invariants",
        "pending",
        "timeline",
        "phases",
    ] {
        assert!(r.get(f).is_some(), "missing {f}");
    }
    for f in ["total", "running", "pending", "succeeded", "failed"] {
        assert!(r["pods"][f].is_u64(), "pods.{f}");
    }
    for f in [
        "attempts",
        "scheduled",
        "unschedulable",
        "pods_per_second",
        "preemptions",
    ] {
        assert!(r["scheduler"].get(f).is_some(), "scheduler.{f}");
    }
    for l in ["scheduling", "startup"] {
        for f in ["p50", "p90", "p99", "max"] {
            assert!(r["latency"][l][f].is_f64(), "latency.{l}.{f}");
        }
    }
    assert!(r["utilization"]["cpu"].as_f64().unwrap() > 0.0);
    assert!(r["utilization"]["memory"].is_f64());
    assert_eq!(r["outcome"], "converged");
    assert_eq!(r["pods"]["pending"], 0);
    assert!(r["latency"]["startup"]["max"].as_f64().unwrap() <= 2.1);
    assert!(r["invariants"]["checked"].as_u64().unwrap() > 0);
    assert_eq!(r["invariants"]["violations"].as_array().unwrap().len(), 0);
    let lines = std::fs::read_to_string(&events).unwrap();
    assert_eq!(lines.lines().count() as u64, r["events_total"].as_u64().unwrap());
    for l in lines.lines() {
        let _: serde_json::Value = serde_json::from_str(l).expect("each event is JSON");
    }
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("pending pods"));
}

#[test]
fn every_preset_loads() {
    let out = loadgen(&["presets"]);
    assert_code(&out, 0);
    let listing = text(&out).0;
    for name in [
        "scheduling-basic",
        "cluster-5k",
        "rollout-storm",
        "zone-outage",
        "microservices-demo",
        "openb-replay",
        "capacity-plan",
    ] {
        assert!(listing.contains(name), "{listing}");
        let out = loadgen(&["run", "--preset", name, "--dry-run"]);
        assert_code(&out, 0);
    }
}

#[test]
fn zone_outage_replaces_the_lost_pods() {
    let dir = scratch("zone-outage");
    let r = run_json(&dir, &["run", "--preset", "zone-outage"]);
    assert_eq!(r["nodes"]["ready"], 20);
    assert_eq!(r["pods"]["pending"], 0);
    let terminating = r["pods"]["terminating"].as_u64().unwrap();
    assert!(
        terminating > 0,
        "pods on the lost zone stay Terminating (their kubelet is gone)"
    );
    // Every Deployment is whole again on the two zones left.
    assert!(r["pods"]["running"].as_u64().unwrap() > terminating);
}

#[test]
fn openb_replay_reports_placement_and_allocation_over_time() {
    let dir = scratch("openb");
    let r = run_json(&dir, &["run", "--preset", "openb-replay"]);
    let rp = &r["replay"];
    assert_eq!(rp["nodes"], 153);
    assert_eq!(rp["pods"], 816);
    assert_eq!(
        rp["placed"].as_u64().unwrap() + rp["never_placed"].as_u64().unwrap(),
        816
    );
    let timeline = r["timeline"].as_array().unwrap();
    assert!(timeline.len() > 50);
    assert!(
        timeline
            .iter()
            .any(|s| s["allocation"]["nvidia.com/gpu"].as_f64().unwrap_or(0.0) > 0.0)
    );
}

#[test]
fn timeline_steps_act_on_the_cluster() {
    let dir = scratch("steps");
    let s = write(
        &dir,
        "s.yaml",
        "nodes:\n  - {name: w, count: 4, shape: 4cpu/16Gi, zones: [a, b]}\n\
         workloads:\n  - deployments: {count: 2, replicas: 2, template: {cpu: 100m, labels: {tier: web}}}\n\
         timeline:\n  - barrier: {}\n  - scale: {selector: tier=web, replicas: 5}\n  - barrier: {}\n\
         \x20 - rollout: {selector: tier=web, image: nginx:2}\n  - barrier: {}\n\
         \x20 - cordon: {names: [w-0]}\n  - drain: {names: [w-1]}\n  - barrier: {}\n\
         \x20 - createNodes: {name: extra, count: 1, shape: 8cpu/32Gi}\n\
         \x20 - churn: {selector: tier=web, count: 1, every: 10s, for: 1m}\n",
    );
    let r = run_json(&dir, &["run", &s, "--check"]);
    assert_eq!(r["outcome"], "converged", "{r}");
    assert_eq!(r["nodes"]["total"], 5);
    assert_eq!(r["nodes"]["unschedulable"], 2);
    assert_eq!(r["pods"]["running"], 10);
    assert_eq!(r["pods"]["pending"], 0);
    assert_eq!(r["invariants"]["violations"].as_array().unwrap().len(), 0);
}

/// The full openb trace in `../shared/fixtures/openb/` (next to the project,
/// or next to the worktree folder), if it is there.
fn shared_openb() -> Option<std::path::PathBuf> {
    let root = root();
    [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .map(|s| s.join("fixtures/openb"))
        .find(|d| d.join("openb_pod_list_default.csv").is_file())
}

#[test]
fn the_full_openb_trace_loads_and_replays_when_present() {
    let Some(openb) = shared_openb() else {
        println!("skipped: ../shared/fixtures/openb/ is absent (the committed excerpt is tested above)");
        return;
    };
    let dir = scratch("openb-full");
    let nodes = openb.join("openb_node_list_all_node.csv").display().to_string();
    let pods = openb.join("openb_pod_list_default.csv").display().to_string();
    let s = write(
        &dir,
        "s.yaml",
        &format!("replay: {{format: openb, nodes: {nodes:?}, pods: {pods:?}, maxPods: 1500}}\n"),
    );
    let r = run_json(&dir, &["run", &s]);
    let rp = &r["replay"];
    assert_eq!(rp["nodes"], 1523);
    assert_eq!(rp["pods"], 1500);
    assert_eq!(
        rp["placed"].as_u64().unwrap() + rp["never_placed"].as_u64().unwrap(),
        1500
    );
    assert!(rp["placed"].as_u64().unwrap() > 0);
}
