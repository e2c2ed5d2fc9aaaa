//! `apply`: real manifests on an inline cluster; every pod placed when it
//! fits, pending pods with kube-scheduler's reason when it does not.
//! On kubesim's scheduler (kube-scheduler's default profile).

use crate::support::*;

const DEMO: &str = "tests/fixtures/microservices-demo.yaml";

#[test]
fn microservices_demo_fits_three_4cpu_16gi_nodes() {
    let dir = scratch("apply-fits");
    let r = run_json(&dir, &["apply", "-f", DEMO, "--nodes", "3x4cpu/16Gi"]);
    assert_eq!(r["command"], "apply");
    assert_eq!(r["pods"]["pending"], 0);
    let placements = r["placements"].as_array().expect("placements");
    // 12 Deployments of one replica each.
    assert_eq!(placements.len(), 12);
    assert_eq!(r["pods"]["total"], 12);
    for p in placements {
        assert!(p["node"].as_str().is_some_and(|n| n.starts_with("node-")), "{p}");
    }
    assert_eq!(r["nodes"]["total"], 3);
}

#[test]
fn a_cluster_too_small_reports_pending_pods_with_the_reason() {
    let out = loadgen(&["apply", "-f", DEMO, "--nodes", "1x1cpu/1Gi"]);
    assert_code(&out, 0);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("pending:"), "{stdout}");
    assert!(
        stdout.contains("0/1 nodes are available: 1 Insufficient cpu"),
        "{stdout}"
    );
    let dir = scratch("apply-small");
    let r = run_json(&dir, &["apply", "-f", DEMO, "--nodes", "1x1cpu/1Gi"]);
    let pending = r["pending"]["total"].as_u64().unwrap();
    assert!(pending > 0);
    assert_eq!(r["pods"]["pending"], pending);
    let listed = r["pending"]["pods"].as_array().unwrap();
    assert_eq!(listed.len() as u64, pending);
    assert!(listed.iter().all(|p| {
        p["reason"]
            .as_str()
            .unwrap()
            .starts_with("0/1 nodes are available: ")
    }));
}

#[test]
fn apply_reads_folders_and_runs_every_kind() {
    let dir = scratch("apply-folder");
    write(
        &dir,
        "a.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: 100m}}}]}\n",
    );
    write(
        &dir,
        "b.json",
        r#"{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"}, "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": "agent"}]}}}}"#,
    );
    write(&dir, "notes.txt", "not a manifest");
    let folder = dir.display().to_string();
    let r = run_json(&dir, &["apply", "-f", &folder, "--nodes", "2x2cpu/4Gi/zone=a"]);
    // Two web replicas and one agent per node.
    assert_eq!(r["pods"]["running"], 4);
    let notes = r["notes"].to_string();
    assert!(notes.contains("created namespace shop"), "{notes}");
}
