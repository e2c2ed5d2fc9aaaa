//! Helpers: run the built `loadgen`, scratch folders, JSON reports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root (tests run from there, so fixture paths are stable).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `loadgen` with `args` from the workspace root.
pub fn loadgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("loadgen runs")
}

/// stdout and stderr as text.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts the exit code, printing the output when it differs.
pub fn assert_code(out: &Output, code: i32) {
    let (o, e) = text(out);
    assert_eq!(out.status.code(), Some(code), "stdout:\n{o}\nstderr:\n{e}");
    assert!(!e.contains("panicked"), "panic: {e}");
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loadgen-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

/// Reads a JSON report.
pub fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

/// Runs with `--json` into `dir/report.json` and returns the report.
pub fn run_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let report = dir.join("report.json");
    let _ = std::fs::remove_file(&report);
    let report_arg = report.display().to_string();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--json", &report_arg, "-q"]);
    let out = loadgen(&all);
    assert_code(&out, 0);
    json(&report)
}

/// A small scenario: `nodes` nodes of 4 CPU / 16Gi over three zones, and
/// `deployments` Deployments of 3 replicas.
pub fn small_scenario(nodes: u32, deployments: u32) -> String {
    format!(
        "name: small\nnodes:\n  - count: {nodes}\n    shape: 4cpu/16Gi\n    zones: [a, b, c]\n\
         workloads:\n  - deployments:\n      count: {deployments}\n      replicas: {{uniform: {{min: 1, max: 4}}}}\n\
         \x20     template:\n        cpu: {{choice: [100m, 250m]}}\n        memory: 256Mi\n\
         kubelet:\n  startLatency: {{uniform: {{min: 200ms, max: 2s}}}}\n"
    )
}
