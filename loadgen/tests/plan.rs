//! `plan`: the answer is minimal (N fits, N-1 does not, both simulated and
//! re-checked with `run`), headroom and zone loss raise it, and an
//! impossible plan exits 1.

use crate::support::*;

/// Seven pods of 1.5 CPU: two per 4-CPU node, so four nodes, though the
/// total (10.5 CPU) would fit three.
const SEVEN: &str = "name: seven\nnodes:\n  - count: 1\n    shape: 4cpu/16Gi\nworkloads:\n  - deployments:\n      count: 7\n      replicas: 1\n      template: {cpu: 1500m, memory: 1Gi}\n";

fn pending_with(dir: &std::path::Path, scenario: &str, nodes: u32) -> u64 {
    let set = format!("nodes[0].count={nodes}");
    let r = run_json(dir, &["run", scenario, "--set", &set]);
    r["pods"]["pending"].as_u64().unwrap()
}

#[test]
fn plan_answer_is_minimal() {
    let dir = scratch("plan-min");
    let s = write(&dir, "seven.yaml", SEVEN);
    let r = run_json(&dir, &["plan", &s, "--node-shape", "4cpu/16Gi", "--threads", "2"]);
    let plan = &r["plan"];
    assert_eq!(plan["answer"], 4, "{plan}");
    assert_eq!(plan["lower_bound"], 3);
    let curve = plan["curve"].as_array().unwrap();
    let point = |n: u64| {
        curve
            .iter()
            .find(|c| c["nodes"] == n)
            .unwrap_or_else(|| panic!("{n} not simulated: {plan}"))
    };
    assert_eq!(point(4)["fits"], true);
    assert_eq!(point(3)["fits"], false);
    // And independently, with `run` on the scenario's own pool.
    assert_eq!(pending_with(&dir, &s, 4), 0);
    assert_eq!(pending_with(&dir, &s, 3), 1);
}

#[test]
fn headroom_and_zone_loss_need_more_nodes() {
    let dir = scratch("plan-survive");
    let s = write(&dir, "seven.yaml", SEVEN);
    // 20% headroom: 3.2 CPU allocatable, still two pods per node.
    let r = run_json(
        &dir,
        &["plan", &s, "--node-shape", "4cpu/16Gi", "--headroom", "20%"],
    );
    assert_eq!(r["plan"]["answer"], 4);
    // 30% headroom: 2.8 CPU, one pod per node.
    let r = run_json(
        &dir,
        &["plan", &s, "--node-shape", "4cpu/16Gi", "--headroom", "30%"],
    );
    assert_eq!(r["plan"]["answer"], 7);
    // Survive a zone of three: 4 nodes must remain after losing the largest zone.
    let r = run_json(
        &dir,
        &[
            "plan",
            &s,
            "--node-shape",
            "4cpu/16Gi",
            "--survive",
            "zone",
            "--zones",
            "a,b,c",
        ],
    );
    assert_eq!(r["plan"]["answer"], 6, "{}", r["plan"]);
    let r = run_json(
        &dir,
        &["plan", &s, "--node-shape", "4cpu/16Gi", "--survive", "2-nodes"],
    );
    assert_eq!(r["plan"]["answer"], 6);
}

#[test]
fn an_impossible_plan_exits_1_with_the_reason() {
    let dir = scratch("plan-impossible");
    let s = write(&dir, "seven.yaml", SEVEN);
    let out = loadgen(&["plan", &s, "--node-shape", "1cpu/16Gi"]);
    assert_code(&out, 1);
    let (stdout, stderr) = text(&out);
    assert!(stderr.contains("plan impossible"), "{stderr}");
    assert!(stdout.contains("requests 1500 cpu"), "{stdout}");
}
