//! Fuzzing on stable, without cargo-fuzz: every input under
//! `fuzz/regressions/<target>/` (each with a one-line note in `notes.txt`)
//! and every seed under `fuzz/corpus/<target>/seed-*` replays through its
//! harness in `kubesim::fuzzing`, and the seeds are the guides' stories.

use std::fs;
use std::path::{Path, PathBuf};

use kubesim::fuzzing::{self, TARGETS};

fn fuzz_dir() -> PathBuf {
    kubesim_tests::project_root().join("fuzz")
}

fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep));
    out.sort();
    out
}

fn replay(target: &str, path: &Path) {
    let data = fs::read(path).unwrap();
    let outcome = std::panic::catch_unwind(|| fuzzing::run(target, &data));
    match outcome {
        Ok(known) => assert!(known, "no harness for {target}"),
        Err(_) => panic!(
            "{} fails; replay with `cargo fuzz run {target} -s none {}`",
            path.display(),
            path.display()
        ),
    }
}

#[test]
fn every_regression_replays_clean_and_has_a_note() {
    let mut count = 0;
    for target in TARGETS {
        let dir = fuzz_dir().join("regressions").join(target);
        let notes = fs::read_to_string(dir.join("notes.txt")).unwrap_or_default();
        for path in files(&dir, |n| n != "notes.txt") {
            let name = path.file_name().unwrap().to_str().unwrap();
            assert!(
                notes.lines().any(|l| l.starts_with(&format!("{name}: "))),
                "{name} has no line `{name}: <what broke>` in {}/notes.txt",
                dir.display()
            );
            replay(target, &path);
            count += 1;
        }
    }
    assert!(count > 0, "no regression inputs found under fuzz/regressions");
}

#[test]
fn every_seed_replays_clean() {
    for target in TARGETS {
        let seeds = files(&fuzz_dir().join("corpus").join(target), |n| {
            n.starts_with("seed-")
        });
        assert!(!seeds.is_empty(), "{target} has no seeds");
        for path in seeds {
            replay(target, &path);
        }
    }
}

/// The committed seeds are exactly what `fuzzing::seeds()` encodes from the
/// guides' stories; `KUBESIM_WRITE_SEEDS=1 cargo test -p kubesim-tests seed`
/// rewrites them after a change to the stories or the encodings.
#[test]
fn seed_corpus_is_the_encoded_stories() {
    let write = std::env::var_os("KUBESIM_WRITE_SEEDS").is_some();
    for (target, name, bytes) in fuzzing::seeds() {
        let path = fuzz_dir().join("corpus").join(target).join(&name);
        if write {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, &bytes).unwrap();
        }
        let on_disk = fs::read(&path).unwrap_or_default();
        assert!(
            on_disk == bytes,
            "{} is stale: run with KUBESIM_WRITE_SEEDS=1",
            path.display()
        );
    }
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    for target in TARGETS {
        let path = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let text = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            text.contains(&format!("kubesim::fuzzing::{target}(data)")),
            "{}",
            path.display()
        );
    }
}

// controller_ops found that a Deployment adopting a bare ReplicaSet of 1-CPU
// pods on a full node never converged: new pods found no room and the old ones
// could not go without breaking maxUnavailable. Kubernetes stalls the same way,
// so the harness now adds a spare node before judging convergence.
#[test]
fn starved_rolling_update_is_judged_only_with_capacity() {
    let path = fuzz_dir().join("regressions/controller_ops/starved-rollout-adopted-replicaset");
    replay("controller_ops", &path);
}

// controller_ops found a pod that never started: its node failed while it was
// starting and the recovered kubelet had dropped the steps that came due
// meanwhile (core bug, fixed in kubelet/mod.rs; see also tests/lifecycle.rs).
#[test]
fn pod_starting_on_a_failed_node_starts_after_recovery() {
    let path = fuzz_dir().join("regressions/controller_ops/pod-start-lost-while-node-down");
    replay("controller_ops", &path);
}

// controller_ops reported the availability floor broken where Kubernetes'
// controller breaks it too (a scale-down decided on a ReplicaSet status that
// trailed its pods); the floor is now armed once the controller has seen the
// Deployment available (checker refinement, core/src/sim/invariants/rollouts.rs).
#[test]
fn availability_floor_waits_for_the_controller_to_see_the_deployment_available() {
    let path = fuzz_dir().join("regressions/controller_ops/availability-floor-before-status-caught-up");
    replay("controller_ops", &path);
}

// controller_ops reported the availability floor broken by a scale-down that
// deleted the available pods on a doubled-up node and kept one still inside
// minReadySeconds, as Kubernetes' victim ranking does; the floor counts Ready
// pods now (checker refinement, core/src/sim/invariants/rollouts.rs).
#[test]
fn availability_floor_counts_ready_pods_inside_min_ready_seconds() {
    let path = fuzz_dir().join("regressions/controller_ops/ready-pod-kept-inside-min-ready-seconds");
    replay("controller_ops", &path);
}

// controller_ops found a Deployment that never rolled out after its only,
// old ReplicaSet was scaled by hand to the Deployment's new size in the same
// instant; upstream's scale() stalls the same way, so convergence does not
// judge that state (checker refinement, core/src/sim/invariants/converge.rs).
#[test]
fn deployment_stalled_by_a_hand_scaled_replicaset_is_not_judged() {
    let path = fuzz_dir().join("regressions/controller_ops/single-active-replicaset-scaled-by-hand");
    replay("controller_ops", &path);
}
