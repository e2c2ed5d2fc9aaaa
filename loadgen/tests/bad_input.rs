//! Every kind of bad input gets an error with file, line, column and what
//! was expected, exit code 2, no panic, and nothing written.

use crate::support::*;

/// (file name, content, expected `file:line:col`, expected words).
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "quantity.yaml",
        "nodes:\n  - count: 1\n    shape: {cpu: \"4\", memory: 16Gi}\n  - count: 1\n    name: b\n    shape: {cpu: \"4\", memory: 16Gi}\n  - count: 1\n    name: c\n    shape:\n      cpu: 4 cores\n      memory: 1Gi\n",
        "quantity.yaml:10:12",
        "nodes[2].shape.cpu: invalid quantity \"4 cores\"",
    ),
    (
        "unknown-field.yaml",
        "nodes:\n  - count: 1\n    shap: 4cpu/1Gi\n",
        "unknown-field.yaml:3:5",
        "unknown field `shap`",
    ),
    (
        "type.json",
        "{\"nodes\": [{\"count\": \"three\", \"shape\": \"4cpu/16Gi\"}]}",
        "type.json:1:22",
        "nodes[0].count: invalid type: string \"three\"",
    ),
    ("syntax.yaml", "nodes: [{count: 1\n", "syntax.yaml:1:", "unclosed"),
    (
        "shape.yaml",
        "nodes:\n  - count: 1\n    shape: 4cpu\n",
        "shape.yaml:3:12",
        "expected CPU/MEMORY",
    ),
    (
        "taint.yaml",
        "nodes:\n  - count: 1\n    shape: 4cpu/1Gi\n    taints: [\"a=b:Sometimes\"]\n",
        "taint.yaml:4:14",
        "invalid taint effect",
    ),
    (
        "label.yaml",
        "nodes:\n  - count: 1\n    shape: 4cpu/1Gi\n    labels: {\"bad key!\": x}\n",
        "label.yaml:4:",
        "nodes[0].labels",
    ),
    (
        "duplicate-pool.yaml",
        "nodes:\n  - {count: 1, shape: 4cpu/1Gi}\n  - {count: 1, shape: 4cpu/1Gi}\n",
        "duplicate-pool.yaml:3:",
        "already used",
    ),
    (
        "distribution.yaml",
        "workloads:\n  - deployments:\n      count: 1\n      replicas: {uniform: {min: 5, max: 2}}\n",
        "distribution.yaml:4:17",
        "min must not be greater than max",
    ),
    (
        "dist-kind.yaml",
        "workloads:\n  - deployments:\n      count: 1\n      replicas: {normal: 3}\n",
        "dist-kind.yaml:4:",
        "unknown variant `normal`",
    ),
    (
        "duration.yaml",
        "kubelet:\n  startLatency: 2 days\n",
        "duration.yaml:2:17",
        "invalid duration \"2 days\"",
    ),
    (
        "job-completions.yaml",
        "workloads:\n  - jobs:\n      count: 3\n      completions: {uniform: {min: 4, max: 2}}\n",
        "job-completions.yaml:4:20",
        "workloads[0].jobs.completions: uniform min must not be greater than max",
    ),
    (
        "job-restart.yaml",
        "workloads:\n  - jobs:\n      count: 1\n      restartPolicy: Always\n",
        "job-restart.yaml:4:22",
        "expected \"Never\" or \"OnFailure\"",
    ),
    (
        "job-indexed.yaml",
        "workloads:\n  - jobs: {count: 1, completionMode: Indexed}\n",
        "job-indexed.yaml:2:",
        "completions: Required value",
    ),
    (
        "daemonset-field.yaml",
        "workloads:\n  - daemonSets:\n      count: 1\n      replicas: 3\n",
        "daemonset-field.yaml:4:7",
        "unknown field `replicas`",
    ),
    (
        "statefulset-policy.yaml",
        "workloads:\n  - statefulSets:\n      count: 1\n      replicas: 2\n      podManagementPolicy: AllAtOnce\n",
        "statefulset-policy.yaml:5:28",
        "expected \"OrderedReady\" or \"Parallel\"",
    ),
    (
        "statefulset-replicas.yaml",
        "workloads:\n  - statefulSets: {count: 1}\n",
        "statefulset-replicas.yaml:2:",
        "missing field `replicas`",
    ),
    (
        "profile.yaml",
        "scheduler:\n  profile: fastest\n",
        "profile.yaml:2:12",
        "scheduler.profile: unknown profile \"fastest\"",
    ),
    (
        "percentage.yaml",
        "scheduler:\n  percentageOfNodesToScore: 150\n",
        "percentage.yaml:2:29",
        "between 0 and 100",
    ),
    (
        "op.yaml",
        "timeline:\n  - explode: {}\n",
        "op.yaml:2:",
        "unknown operation `explode`",
    ),
    (
        "two-ops.yaml",
        "timeline:\n  - barrier: {}\n    sleep: 1s\n",
        "two-ops.yaml:2:",
        "one operation per step",
    ),
    (
        "selector.yaml",
        "timeline:\n  - scale: {selector: \"app in (a\", replicas: 3}\n",
        "selector.yaml:2:23",
        "invalid selector",
    ),
    (
        "scale.yaml",
        "timeline:\n  - scale: {selector: app=a}\n",
        "scale.yaml:2:",
        "expected one of replicas or factor",
    ),
    (
        "order.yaml",
        "timeline:\n  - {at: 2m, sleep: 1s}\n  - {at: 1m, sleep: 1s}\n",
        "order.yaml:3:",
        "time order",
    ),
    (
        "missing-manifest.yaml",
        "workloads:\n  - manifests: nowhere.yaml\n",
        "missing-manifest.yaml:2:16",
        "cannot read",
    ),
    (
        "inline.yaml",
        "workloads:\n  - inline:\n      apiVersion: v1\n      kind: Pod\n      metadata: {name: p}\n      spec:\n        containers:\n          - name: c\n            image: nginx\n            resources: {requests: {cpu: lots}}\n",
        "inline.yaml:10:",
        "requests[cpu]",
    ),
    (
        "inline-kind.yaml",
        "workloads:\n  - inline: {apiVersion: v1, kind: Gizmo, metadata: {name: x}}\n",
        "inline-kind.yaml:2:",
        "Gizmo",
    ),
    (
        "replay-format.yaml",
        "replay: {format: borg, nodes: n.csv, pods: p.csv}\n",
        "replay-format.yaml:1:",
        "unknown trace format",
    ),
    (
        "survive.yaml",
        "plan: {survive: everything}\n",
        "survive.yaml:1:",
        "invalid survive",
    ),
    ("empty.yaml", "# nothing here\n", "empty.yaml:1:1", "empty file"),
];

#[test]
fn bad_scenarios_get_located_errors_and_exit_2() {
    let dir = scratch("bad");
    let report = dir.join("never.json").display().to_string();
    for (name, content, at, words) in CASES {
        let path = write(&dir, name, content);
        let out = loadgen(&["run", &path, "--json", &report]);
        let (_, err) = text(&out);
        assert_code(&out, 2);
        assert!(err.contains(at), "{name}: expected {at} in {err}");
        assert!(err.contains(words), "{name}: expected {words:?} in {err}");
        assert!(
            !std::path::Path::new(&report).exists(),
            "{name}: a report was written"
        );
    }
}

#[test]
fn bad_manifests_are_located_in_their_own_file() {
    let dir = scratch("bad-manifest");
    write(
        &dir,
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: -1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: nginx}]\n",
    );
    let scenario = write(&dir, "s.yaml", "workloads:\n  - manifests: deploy.yaml\n");
    let out = loadgen(&["run", &scenario]);
    assert_code(&out, 2);
    let (_, err) = text(&out);
    assert!(err.contains("deploy.yaml:6:13"), "{err}");
    assert!(err.contains("spec.replicas: Invalid value: -1"), "{err}");
    // The same through apply.
    let manifest = dir.join("deploy.yaml").display().to_string();
    let out = loadgen(&["apply", "-f", &manifest, "--nodes", "1x4cpu/16Gi"]);
    assert_code(&out, 2);
    assert!(text(&out).1.contains("deploy.yaml:6:13"));
}

#[test]
fn bad_trace_rows_are_located() {
    let dir = scratch("bad-trace");
    write(
        &dir,
        "n.csv",
        "sn,cpu_milli,memory_mib,gpu,model\nn0,32000,lots,0,\n",
    );
    write(
        &dir,
        "p.csv",
        "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,creation_time,deletion_time\n",
    );
    let s = write(
        &dir,
        "s.yaml",
        "replay: {format: openb, nodes: n.csv, pods: p.csv}\n",
    );
    let out = loadgen(&["run", &s]);
    assert_code(&out, 2);
    assert!(
        text(&out).1.contains("n.csv:2:10: column memory_mib"),
        "{}",
        text(&out).1
    );
}

#[test]
fn bad_flags_exit_2_with_what_was_expected() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--preset", "nope"], "unknown preset"),
        (
            &[
                "run",
                "--preset",
                "microservices-demo",
                "--set",
                "nodes[0].count=abc",
            ],
            "--set nodes[0].count=abc: nodes[0].count: invalid type",
        ),
        (
            &[
                "run",
                "--preset",
                "microservices-demo",
                "--set",
                "nodes[4].count=1",
            ],
            "does not exist",
        ),
        (
            &[
                "apply",
                "-f",
                "tests/fixtures/microservices-demo.yaml",
                "--nodes",
                "3x4 cores/16Gi",
            ],
            "cpu: invalid quantity \"4 cores\"",
        ),
        (
            &["apply", "-f", "nowhere.yaml", "--nodes", "1x4cpu/16Gi"],
            "cannot read nowhere.yaml",
        ),
        (&["plan", "--preset", "microservices-demo"], "--node-shape"),
        (
            &[
                "plan",
                "--preset",
                "microservices-demo",
                "--node-shape",
                "4cpu/16Gi",
                "--survive",
                "zone",
            ],
            "at least two zones",
        ),
        (
            &[
                "plan",
                "--preset",
                "microservices-demo",
                "--node-shape",
                "4cpu/16Gi",
                "--headroom",
                "150%",
            ],
            "--headroom",
        ),
        (
            &[
                "sweep",
                "--preset",
                "microservices-demo",
                "--vary",
                "nodes[0].count=1,x",
            ],
            "--vary nodes[0].count=x",
        ),
        (
            &["sweep", "--preset", "microservices-demo", "--shard", "2/2"],
            "invalid --shard",
        ),
        (
            &["run", "--preset", "microservices-demo", "--threads", "0"],
            "--threads",
        ),
    ];
    for (args, words) in cases {
        let out = loadgen(args);
        assert_code(&out, 2);
        let (_, err) = text(&out);
        assert!(err.contains(words), "{args:?}: expected {words:?} in {err}");
    }
}
