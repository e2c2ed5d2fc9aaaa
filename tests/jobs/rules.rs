//! The Job controller's rules beyond the guides' stories: suspension,
//! parallelism changes, deleted pods, Indexed completion, determinism.

use kubesim::api::meta::ConditionStatus;
use kubesim::api::{Job, Pod};
use kubesim::controllers::job::{check_jobs, check_jobs_settled};
use kubesim::sim::KubeletModel;
use kubesim::store::DeleteOptions;

use super::{
    CONSUMER, SAY_SOMETHING, TWITTER_CONSUMER, WORK_QUEUE, apply, cluster, cluster_with, condition, cronjobs,
    events, job, kubelet, pods_of, settle, uniform,
};

#[test]
fn suspended_job_runs_nothing_until_resumed_and_suspension_deletes_without_failing() {
    let mut sim = cluster(11, 5000, 0.0);
    apply(
        &mut sim,
        &CONSUMER.replace(
            "completions: 5",
            "completions: 4\n  parallelism: 2\n  suspend: true",
        ),
    );
    settle(&mut sim);
    assert!(pods_of(&sim, "consumer").is_empty());
    let j = job(&sim, "consumer");
    assert_eq!(j.status.start_time, None);
    let c = condition(&j, "Suspended").unwrap();
    assert_eq!(
        (c.status, c.reason.as_str(), c.message.as_str()),
        (ConditionStatus::True, "JobSuspended", "Job suspended")
    );
    assert_eq!(events(&sim, "Suspended").len(), 1);

    let key = sim.store().lookup::<Job>("default", "consumer").unwrap();
    let resumed_at = sim.now();
    sim.store_mut()
        .update(key, |j| j.spec.suspend = Some(false))
        .unwrap();
    sim.run_for(2000);
    let j = job(&sim, "consumer");
    assert_eq!(
        j.status.start_time,
        Some(resumed_at.plus_millis(10)),
        "resuming starts the clock"
    );
    let c = condition(&j, "Suspended").unwrap();
    assert_eq!(
        (c.status, c.reason.as_str()),
        (ConditionStatus::False, "JobResumed")
    );
    assert_eq!(events(&sim, "Resumed")[0].message, "Job resumed");
    assert_eq!(
        pods_of(&sim, "consumer").iter().filter(|p| p.is_active()).count(),
        2
    );

    // Suspending a running Job deletes its pods; they do not count as failed.
    sim.store_mut()
        .update(key, |j| j.spec.suspend = Some(true))
        .unwrap();
    sim.run_for(100);
    let j = job(&sim, "consumer");
    assert_eq!((j.status.active, j.status.failed), (0, 0));
    assert_eq!(events(&sim, "SuccessfulDelete").len(), 2);
    assert!(pods_of(&sim, "consumer").is_empty());
    sim.store_mut()
        .update(key, |j| j.spec.suspend = Some(false))
        .unwrap();
    settle(&mut sim);
    let j = job(&sim, "consumer");
    assert_eq!((j.status.succeeded, j.status.failed), (4, 0));
    assert!(condition(&j, "Complete").is_some());
    assert_eq!(events(&sim, "Suspended").len(), 2);
}

#[test]
fn parallelism_zero_pauses_the_job() {
    let mut sim = cluster(12, 5000, 0.0);
    apply(
        &mut sim,
        &CONSUMER.replace("completions: 5", "completions: 2\n  parallelism: 0"),
    );
    settle(&mut sim);
    assert!(pods_of(&sim, "consumer").is_empty());
    assert!(
        job(&sim, "consumer").status.start_time.is_some(),
        "paused is not suspended"
    );
    let key = sim.store().lookup::<Job>("default", "consumer").unwrap();
    sim.store_mut()
        .update(key, |j| j.spec.parallelism = Some(2))
        .unwrap();
    settle(&mut sim);
    assert_eq!(job(&sim, "consumer").status.succeeded, 2);
}

#[test]
fn lowering_parallelism_deletes_surplus_pods_without_counting_them() {
    let mut sim = cluster(13, 30_000, 0.0);
    apply(
        &mut sim,
        &CONSUMER.replace("completions: 5", "completions: 6\n  parallelism: 3"),
    );
    sim.run_for(5000);
    let key = sim.store().lookup::<Job>("default", "consumer").unwrap();
    sim.store_mut()
        .update(key, |j| j.spec.parallelism = Some(1))
        .unwrap();
    sim.run_for(100);
    let j = job(&sim, "consumer");
    assert_eq!((j.status.active, j.status.failed), (1, 0));
    assert_eq!(events(&sim, "SuccessfulDelete").len(), 2);
    assert_eq!(check_jobs_settled(sim.store()), Vec::<String>::new());
}

#[test]
fn a_deleted_running_pod_counts_as_failed_and_is_replaced_after_the_back_off() {
    let mut sim = cluster(14, 30_000, 0.0);
    apply(&mut sim, SAY_SOMETHING);
    sim.run_for(5000);
    let pod = &pods_of(&sim, "say-something")[0];
    let key = sim
        .store()
        .lookup::<Pod>("default", &pod.metadata.name.to_string())
        .unwrap();
    let deleted_at = sim.now();
    sim.store_mut().delete(key, DeleteOptions::now()).unwrap();
    sim.run_for(100);
    assert_eq!(
        job(&sim, "say-something").status.failed,
        1,
        "removed at once, still counted"
    );
    settle(&mut sim);
    let pods = pods_of(&sim, "say-something");
    assert_eq!(pods.len(), 1);
    // Its finish time is when it stopped being ready: the deletion.
    assert_eq!(pods[0].metadata.creation_timestamp, deleted_at.plus_secs(10));
    let j = job(&sim, "say-something");
    assert_eq!((j.status.succeeded, j.status.failed), (1, 1));
}

const INDEXED: &str = "
apiVersion: batch/v1
kind: Job
metadata:
  name: sample
spec:
  completions: 5
  parallelism: 2
  completionMode: Indexed
  template:
    spec:
      containers:
      - name: worker
        image: busybox
      restartPolicy: Never
";

#[test]
fn indexed_job_runs_each_index_once_and_compresses_completed_indexes() {
    let mut sim = cluster(15, 5000, 0.0);
    apply(&mut sim, INDEXED);
    sim.run_for(1000);
    let pods = pods_of(&sim, "sample");
    assert_eq!(pods.len(), 2);
    for (i, p) in pods.iter().enumerate() {
        let ix = i.to_string();
        let name = p.metadata.name.to_string();
        assert!(name.starts_with(&format!("sample-{i}-")) && name.len() == "sample-0-".len() + 5);
        let key = "batch.kubernetes.io/job-completion-index";
        assert_eq!(p.metadata.annotations.get(key), Some(ix.as_str()));
        assert_eq!(p.metadata.labels.get_str(key), Some(ix.as_str()));
        assert_eq!(
            p.spec.hostname.map(|h| h.as_str()),
            Some(format!("sample-{i}").as_str())
        );
        let env = &p.spec.containers[0].env;
        let var = env.iter().find(|e| e.name == "JOB_COMPLETION_INDEX").unwrap();
        let field = var.value_from.as_ref().unwrap().field_ref.as_ref().unwrap();
        assert_eq!(field.field_path, format!("metadata.labels['{key}']"));
    }
    sim.run_for(6100);
    let j = job(&sim, "sample");
    assert_eq!(
        (j.status.completed_indexes.as_str(), j.status.succeeded),
        ("0,1", 2)
    );
    settle(&mut sim);
    let j = job(&sim, "sample");
    assert_eq!(
        (j.status.completed_indexes.as_str(), j.status.succeeded),
        ("0-4", 5)
    );
    let mut indexes: Vec<String> = pods_of(&sim, "sample")
        .iter()
        .map(|p| {
            p.metadata
                .labels
                .get_str("batch.kubernetes.io/job-completion-index")
                .unwrap()
                .to_owned()
        })
        .collect();
    indexes.sort();
    assert_eq!(indexes, ["0", "1", "2", "3", "4"]);
    assert!(condition(&j, "Complete").is_some());
}

#[test]
fn indexed_job_reruns_only_the_failed_index() {
    let mut sim = cluster(16, 5000, 0.0);
    apply(
        &mut sim,
        &INDEXED.replace(
            "completions: 5\n  parallelism: 2",
            "completions: 3\n  parallelism: 3",
        ),
    );
    sim.run_for(3000);
    let victim = pods_of(&sim, "sample")
        .into_iter()
        .find(|p| {
            p.metadata
                .labels
                .get_str("batch.kubernetes.io/job-completion-index")
                == Some("1")
        })
        .unwrap();
    let key = sim
        .store()
        .lookup::<Pod>("default", &victim.metadata.name.to_string())
        .unwrap();
    sim.store_mut().delete(key, DeleteOptions::now()).unwrap();
    sim.run_for(5000);
    assert_eq!(job(&sim, "sample").status.completed_indexes, "0,2");
    settle(&mut sim);
    let j = job(&sim, "sample");
    assert_eq!((j.status.completed_indexes.as_str(), j.status.failed), ("0-2", 1));
    let rerun: Vec<Pod> = pods_of(&sim, "sample").into_iter().skip(2).collect();
    assert_eq!(rerun.len(), 1);
    assert!(rerun[0].metadata.name.to_string().starts_with("sample-1-"));
}

#[test]
fn same_seed_same_batch_trace() {
    let run = |seed| {
        let model = KubeletModel {
            run_time: uniform(1000, 20_000),
            ..kubelet(0, 0.2)
        };
        let mut sim = cluster_with(model, seed);
        apply(
            &mut sim,
            &CONSUMER.replace("completions: 5", "completions: 20\n  parallelism: 4"),
        );
        apply(&mut sim, INDEXED);
        apply(&mut sim, &WORK_QUEUE.replace("name: consumer", "name: queue"));
        apply(&mut sim, TWITTER_CONSUMER);
        apply(&mut sim, cronjobs::HELLO);
        sim.run_for(600_000);
        assert_eq!(check_jobs(sim.store()), Vec::<String>::new());
        (sim.trace_hash(), sim.event_log().total())
    };
    let a = run(21);
    assert_eq!(a, run(21));
    assert!(a.1 > 60, "{} events", a.1);
    assert_ne!(a.0, run(22).0);
}

const MANUAL: &str = "
apiVersion: batch/v1
kind: Job
metadata:
  name: manual
spec:
  completions: 2
  manualSelector: true
  selector:
    matchLabels:
      app: batch
  template:
    metadata:
      labels:
        app: batch
    spec:
      containers:
      - name: worker
        image: busybox
      restartPolicy: Never
";

#[test]
fn a_matching_orphan_is_adopted_and_counted() {
    let mut sim = cluster(17, 5000, 0.0);
    let orphan = kubesim::build::pod("early")
        .labels(&[("app", "batch")])
        .restart_policy(kubesim::api::pod::RestartPolicy::Never)
        .build();
    sim.store_mut().create(orphan).unwrap();
    apply(&mut sim, MANUAL);
    settle(&mut sim);
    let early = sim.store().get_named::<Pod>("default", "early").unwrap();
    let owner = early.metadata.controller_ref().unwrap();
    assert_eq!(owner.name.as_str(), "manual");
    assert_eq!(early.status.phase, kubesim::api::pod::PodPhase::Succeeded);
    let created = events(&sim, "SuccessfulCreate");
    assert_eq!(created.len(), 1, "the adopted pod is one of the two completions");
    assert_eq!(job(&sim, "manual").status.succeeded, 2);
}

#[test]
fn a_relabelled_pod_is_released_and_replaced() {
    let mut sim = cluster(18, 10_000, 0.0);
    apply(&mut sim, &MANUAL.replace("completions: 2", "completions: 1"));
    sim.run_for(3000);
    let pod = pods_of_label(&sim)[0].clone();
    let key = sim
        .store()
        .lookup::<Pod>("default", &pod.metadata.name.to_string())
        .unwrap();
    sim.store_mut()
        .update(key, |p| {
            p.metadata.labels = kubesim::labels::Labels::parse("app=debug").unwrap()
        })
        .unwrap();
    sim.run_for(100);
    let released = sim.store().get(key).unwrap();
    assert!(released.metadata.controller_ref().is_none());
    assert_eq!(pods_of_label(&sim).len(), 1, "a replacement");
    settle(&mut sim);
    let j = job(&sim, "manual");
    assert_eq!((j.status.succeeded, j.status.failed), (1, 0));
}

fn pods_of_label(sim: &kubesim::sim::Simulation) -> Vec<Pod> {
    sim.store()
        .iter::<Pod>()
        .map(|(_, p)| p.clone())
        .filter(|p| p.metadata.labels.get_str("app") == Some("batch"))
        .collect()
}

#[test]
fn at_most_five_hundred_pods_are_created_per_sync() {
    let mut sim = cluster(19, 5000, 0.0);
    apply(
        &mut sim,
        &CONSUMER.replace("completions: 5", "completions: 1200\n  parallelism: 1200"),
    );
    sim.run_for(100);
    let mut per_instant = std::collections::BTreeMap::new();
    for p in pods_of(&sim, "consumer") {
        *per_instant
            .entry(p.metadata.creation_timestamp.millis())
            .or_insert(0) += 1;
    }
    assert_eq!(
        per_instant.into_iter().collect::<Vec<_>>(),
        [(10, 500), (20, 500), (30, 200)]
    );
    assert_eq!(job(&sim, "consumer").status.active, 1200);
}

#[test]
fn failed_creations_are_retried_with_the_rate_limiter() {
    let mut sim = cluster(20, 5000, 0.0);
    apply(
        &mut sim,
        "
apiVersion: v1
kind: ResourceQuota
metadata:
  name: one-pod
spec:
  hard:
    pods: \"1\"
",
    );
    apply(
        &mut sim,
        &CONSUMER.replace("completions: 5", "completions: 2\n  parallelism: 2"),
    );
    settle(&mut sim);
    let failed = events(&sim, "FailedCreate");
    assert!(failed[0].message.starts_with("Error creating: pods \"consumer-"));
    assert!(failed[0].message.ends_with(
        "is forbidden: exceeded quota: one-pod, requested: pods=1, used: pods=1, limited: pods=1"
    ));
    // Each failing sync doubles the retry delay (1 s, 2 s, 4 s...); syncs
    // triggered by the Job's own changes fail too and count.
    let times: Vec<i64> = failed.iter().map(|e| e.time.millis()).collect();
    assert_eq!(times, [10, 20, 1010, 1020, 2020, 5010]);
    // The first pod's success (at 6.01 s) frees the quota.
    let pods = pods_of(&sim, "consumer");
    assert_eq!(pods[1].metadata.creation_timestamp.millis(), 6020);
    assert_eq!(job(&sim, "consumer").status.succeeded, 2);
}

#[test]
fn at_most_five_hundred_finished_pods_are_counted_per_sync() {
    // A slow controller (20 s reaction) sees all 1,200 pods finish between
    // two syncs; it counts 500 per sync (upstream `MaxUncountedPods`).
    let config = kubesim::sim::SimConfig {
        kubelet: kubelet(30_000, 0.0),
        delays: kubesim::sim::ControllerDelays {
            other: kubesim::sim::Millis(20_000),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut sim = kubesim::sim::Simulation::new(config, 23);
    for i in 0..12 {
        sim.store_mut()
            .create(kubesim::build::node(&format!("n{i}"), "64", "256Gi").build())
            .unwrap();
    }
    apply(
        &mut sim,
        &CONSUMER.replace("completions: 5", "completions: 1200\n  parallelism: 1200"),
    );
    let mut seen = Vec::new();
    while seen.len() < 6 {
        sim.run_for(1000);
        let s = job(&sim, "consumer").status.succeeded;
        if seen.last() != Some(&s) {
            let done = pods_of(&sim, "consumer")
                .iter()
                .filter(|p| p.status.phase == kubesim::api::pod::PodPhase::Succeeded)
                .count() as i32;
            seen.push(s);
            assert!(s <= done);
            if s == 1200 {
                break;
            }
        }
    }
    assert_eq!(seen[0], 0);
    assert_eq!(seen[1], 500, "capped: {seen:?}");
    assert_eq!(*seen.last().unwrap(), 1200);
    assert!(seen.windows(2).all(|w| w[1] - w[0] <= 500), "{seen:?}");
    settle(&mut sim);
}
