//! `sweep`: rows in grid order whatever the thread count, and shards joined
//! by `merge` reproduce the unsharded rows.

use serde_json::Value;

use crate::support::*;

/// The rows without the wall-clock fields (which differ run to run).
fn rows(doc: &Value) -> Vec<Value> {
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let o = r.as_object_mut().unwrap();
            for f in ["wall_seconds", "phases", "threads"] {
                o.remove(f);
            }
            let sched = o["scheduler"].as_object_mut().unwrap();
            sched.remove("pods_per_second");
            sched.remove("measured_seconds");
            r
        })
        .collect()
}

fn sweep(dir: &std::path::Path, s: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "sweep",
        s,
        "--vary",
        "nodes[0].count=3,6",
        "--vary",
        "kubelet.startLatency=1s,3s",
        "--seeds",
        "2",
    ];
    args.extend_from_slice(extra);
    run_json(dir, &args)
}

#[test]
fn sharded_sweeps_merge_into_the_unsharded_rows() {
    let dir = scratch("sweep");
    let s = write(&dir, "s.yaml", &small_scenario(3, 8));
    let whole = sweep(&dir, &s, &["--threads", "2"]);
    assert_eq!(whole["grid"]["rows"], 8);
    let all = rows(&whole);
    assert_eq!(all.len(), 8);
    for (i, r) in all.iter().enumerate() {
        assert_eq!(r["index"], i as u64);
    }
    assert_eq!(all[0]["params"]["nodes[0].count"], 3);
    assert_eq!(all[7]["params"]["kubelet.startLatency"], "3s");
    assert_eq!(
        all[1]["seed"].as_u64().unwrap(),
        all[0]["seed"].as_u64().unwrap() + 1
    );
    // One thread: the same rows.
    assert_eq!(rows(&sweep(&dir, &s, &["--threads", "1"])), all);
    // Two shards, merged.
    let mut shards = Vec::new();
    for i in 0..2 {
        let shard = format!("{i}/2");
        let doc = sweep(&dir, &s, &["--shard", &shard]);
        let path = dir.join(format!("shard-{i}.json"));
        std::fs::write(&path, doc.to_string()).unwrap();
        shards.push(path.display().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    let merged = run_json(&dir, &args);
    assert_eq!(rows(&merged), all);
    assert_eq!(merged["grid"], whole["grid"]);
    // A missing shard is an error.
    let out = loadgen(&["merge", &shards[0]]);
    assert_code(&out, 2);
    assert!(text(&out).1.contains("rows missing"));
}

#[test]
fn the_indexed_job_example_is_valid_and_its_scenario_loads() {
    let manifest = "loadgen/examples/sweep-indexed-job.yaml";
    let out = loadgen(&["apply", "-f", manifest, "--nodes", "3x8cpu/32Gi", "-q"]);
    assert_code(&out, 0);
    // The scenario embedded in the ConfigMap (indented four spaces under `scenario.yaml: |`).
    let text = std::fs::read_to_string(root().join(manifest)).unwrap();
    let scenario: String = text
        .lines()
        .skip_while(|l| !l.contains("scenario.yaml: |"))
        .skip(1)
        .take_while(|l| l.starts_with("    ") || l.is_empty())
        .map(|l| format!("{}\n", l.get(4..).unwrap_or("")))
        .collect();
    let dir = scratch("indexed-job");
    let s = write(&dir, "scenario.yaml", &scenario);
    let out = loadgen(&["run", &s, "--dry-run"]);
    assert_code(&out, 0);
    assert!(text_of(&out).contains("200 nodes"), "{}", text_of(&out));
}

fn text_of(out: &std::process::Output) -> String {
    text(out).0
}
