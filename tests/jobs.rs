//! The guides' Job stories (`shared/seeds/003` chapter 8 "Jobs, The Task
//! Pods", and the Jobs part of `000`-`002`) played out as written, plus the
//! Job controller's rules: parallelism, back-off, deadline, suspension,
//! Indexed completion, TTL after finished. CronJobs are in `jobs/cronjobs.rs`.

mod cronjobs;
mod rules;

use kubesim::api::meta::{Condition, ConditionStatus};
use kubesim::api::pod::{ContainerState, PodPhase};
use kubesim::api::{AnyObject, Job, Pod, Time};
use kubesim::build;
use kubesim::controllers::job::{check_jobs, check_jobs_settled};
use kubesim::events::{Event, EventType};
use kubesim::manifest::parse_manifests;
use kubesim::sim::{Distribution, KubeletModel, Millis, SimConfig, Simulation};

/// The kubelet of these tests: pods start in 1 s, run `run_ms`, and fail
/// with `crash_probability`; deletions finish at once.
pub fn kubelet(run_ms: i64, crash_probability: f64) -> KubeletModel {
    KubeletModel {
        start_latency: Distribution::fixed_ms(1000),
        readiness_delay: Distribution::fixed_ms(0),
        run_time: Distribution::fixed_ms(run_ms),
        crash_probability,
        termination_latency: Distribution::fixed_ms(0),
        ..KubeletModel::default()
    }
}

/// A two-node cluster with `kubelet`.
pub fn cluster_with(kubelet: KubeletModel, seed: u64) -> Simulation {
    let config = SimConfig {
        kubelet,
        keep_events: true,
        check_invariants: true,
        ..SimConfig::default()
    };
    let mut sim = Simulation::new(config, seed);
    for i in 0..2 {
        sim.store_mut()
            .create(build::node(&format!("node-{i}"), "8", "32Gi").build())
            .unwrap();
    }
    sim
}

/// A two-node cluster whose pods run `run_ms` and fail with `crash_probability`.
pub fn cluster(seed: u64, run_ms: i64, crash_probability: f64) -> Simulation {
    cluster_with(kubelet(run_ms, crash_probability), seed)
}

fn uniform(min: i64, max: i64) -> Distribution {
    Distribution::Uniform {
        min: Millis(min),
        max: Millis(max),
    }
}

/// Applies a YAML manifest.
pub fn apply(sim: &mut Simulation, yaml: &str) {
    let objects: Vec<AnyObject> = parse_manifests(yaml, "test.yaml")
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|o| o.object)
        .collect();
    sim.apply(objects).unwrap_or_else(|e| panic!("{e}"));
}

/// The Job `name` in `default`.
pub fn job(sim: &Simulation, name: &str) -> Job {
    sim.store()
        .get_named::<Job>("default", name)
        .unwrap_or_else(|| panic!("job {name}"))
        .clone()
}

/// The pods of Job `name`, oldest first.
pub fn pods_of(sim: &Simulation, name: &str) -> Vec<Pod> {
    let mut pods: Vec<Pod> = sim
        .store()
        .iter::<Pod>()
        .map(|(_, p)| p.clone())
        .filter(|p| p.metadata.labels.get_str("batch.kubernetes.io/job-name") == Some(name))
        .collect();
    pods.sort_by_key(|p| (p.metadata.creation_timestamp, p.metadata.name.to_string()));
    pods
}

/// The events with `reason`.
pub fn events(sim: &Simulation, reason: &str) -> Vec<Event> {
    sim.events()
        .iter()
        .filter(|e| e.reason == reason)
        .cloned()
        .collect()
}

/// Conditions as (type, reason, message).
pub fn conditions(job: &Job) -> Vec<(String, String, String)> {
    job.status
        .conditions
        .iter()
        .filter(|c| c.status == ConditionStatus::True)
        .map(|c| {
            (
                c.type_.as_str().to_owned(),
                c.reason.as_str().to_owned(),
                c.message.clone(),
            )
        })
        .collect()
}

fn condition<'a>(job: &'a Job, type_: &str) -> Option<&'a Condition> {
    job.status.conditions.iter().find(|c| c.type_.as_str() == type_)
}

/// Runs `total` ms in `step` ms steps, checking the Job invariants after
/// each; returns the most active pods of Job `name` seen at once.
pub fn run_checking(sim: &mut Simulation, total: i64, step: i64, name: &str) -> usize {
    let mut most = 0;
    let end = sim.now().plus_millis(total);
    while sim.now() < end {
        sim.run_for(step);
        assert_eq!(check_jobs(sim.store()), Vec::<String>::new(), "at {}", sim.now());
        let active = pods_of(sim, name).iter().filter(|p| p.is_active()).count();
        most = most.max(active);
    }
    most
}

/// Runs to idle and checks every invariant.
pub fn settle(sim: &mut Simulation) {
    sim.run_until_idle();
    assert_eq!(check_jobs(sim.store()), Vec::<String>::new());
    assert_eq!(check_jobs_settled(sim.store()), Vec::<String>::new());
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

fn finished_at(p: &Pod) -> Time {
    match p.status.container_state {
        ContainerState::Terminated { finished_at, .. } => finished_at,
        ref s => panic!("{} not terminated: {s:?}", p.metadata.name),
    }
}

const SAY_SOMETHING: &str = "
apiVersion: batch/v1
kind: Job
metadata:
  name: say-something
spec:
  template:
    metadata:
      name: say-something
    spec:
      containers:
        - name: say-something
          image: busybox
          command: [\"echo\", \"Running a job\"]
      restartPolicy: OnFailure
";

#[test]
fn first_job_runs_one_pod_to_completion_and_keeps_it() {
    let mut sim = cluster(1, 2000, 0.0);
    apply(&mut sim, SAY_SOMETHING);
    sim.run_for(2000);
    let pods = pods_of(&sim, "say-something");
    assert_eq!(pods.len(), 1);
    assert_eq!(
        pods[0].status.phase,
        PodPhase::Running,
        "ContainerCreating, then Running"
    );
    settle(&mut sim);
    let pods = pods_of(&sim, "say-something");
    assert_eq!(pods.len(), 1, "the finished pod is kept (its logs stay readable)");
    let pod = &pods[0];
    let name = pod.metadata.name.to_string();
    assert!(name.starts_with("say-something-") && name.len() == "say-something-".len() + 5);
    assert_eq!(pod.status.phase, PodPhase::Succeeded, "Completed");
    let job = job(&sim, "say-something");
    let r = pod.metadata.controller_ref().unwrap();
    assert_eq!((r.kind.as_str(), r.uid), ("Job", job.metadata.uid));
    let uid = job.metadata.uid.to_string();
    assert_eq!(
        pod.metadata.labels.get_str("batch.kubernetes.io/controller-uid"),
        Some(uid.as_str())
    );
    let s = &job.status;
    assert_eq!(
        (s.active, s.ready, s.succeeded, s.failed, s.terminating),
        (0, 0, 1, 0, Some(0))
    );
    assert_eq!(s.start_time, Some(Time::from_millis(10)));
    let done = finished_at(pod);
    assert_eq!(s.completion_time, Some(done.plus_millis(10)));
    let reached = ("CompletionsReached", "Reached expected number of succeeded pods");
    assert_eq!(
        conditions(&job),
        [
            ("SuccessCriteriaMet".into(), reached.0.into(), reached.1.into()),
            ("Complete".into(), reached.0.into(), reached.1.into()),
        ]
    );
    let created = events(&sim, "SuccessfulCreate");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].message, format!("Created pod: {name}"));
    assert_eq!(created[0].source, "job-controller");
    let completed = events(&sim, "Completed");
    assert_eq!(completed.len(), 1);
    assert_eq!(
        (completed[0].message.as_str(), completed[0].type_),
        ("Job completed", EventType::Normal)
    );
}

const CONSUMER: &str = "
apiVersion: batch/v1
kind: Job
metadata:
  name: consumer
spec:
  completions: 5
  template:
    metadata:
      name: consumer
    spec:
      containers:
        - name: consumer
          image: busybox
          command: [\"/bin/sh\", \"-c\"]
          args: [\"echo 'consuming a message'; sleep 5\"]
      restartPolicy: OnFailure
";

#[test]
fn five_completions_run_one_after_another() {
    let mut sim = cluster(2, 5000, 0.0);
    apply(&mut sim, CONSUMER);
    let most = run_checking(&mut sim, 60_000, 250, "consumer");
    assert_eq!(most, 1, "parallelism defaults to 1");
    settle(&mut sim);
    let pods = pods_of(&sim, "consumer");
    assert_eq!(pods.len(), 5);
    assert!(pods.iter().all(|p| p.status.phase == PodPhase::Succeeded));
    for pair in pods.windows(2) {
        // Each pod is created when the sync after the previous success runs.
        assert_eq!(
            pair[1].metadata.creation_timestamp,
            finished_at(&pair[0]).plus_millis(10)
        );
    }
    let j = job(&sim, "consumer");
    assert_eq!((j.status.succeeded, j.status.failed, j.status.active), (5, 0, 0));
    assert!(condition(&j, "Complete").is_some());
}

#[test]
fn completions_five_parallelism_two_never_runs_more_than_two() {
    let mut sim = cluster(3, 5000, 0.0);
    apply(
        &mut sim,
        &CONSUMER.replace("completions: 5", "completions: 5\n  parallelism: 2"),
    );
    let most = run_checking(&mut sim, 60_000, 100, "consumer");
    assert_eq!(most, 2);
    settle(&mut sim);
    let pods = pods_of(&sim, "consumer");
    assert_eq!(
        pods.len(),
        5,
        "the fifth pod starts alone: 5 - 4 succeeded = 1 wanted"
    );
    let j = job(&sim, "consumer");
    assert_eq!((j.status.succeeded, j.status.active), (5, 0));
    assert_eq!(events(&sim, "SuccessfulCreate").len(), 5);
}

const WORK_QUEUE: &str = "
apiVersion: batch/v1
kind: Job
metadata:
  name: consumer
spec:
  parallelism: 5
  template:
    metadata:
      name: consumer
    spec:
      containers:
      - name: consumer
        image: busybox
        command: [\"/bin/sh\",\"-c\"]
        args: [\"echo 'consuming a message'; sleep $(shuf -i 5-10 -n 1)\"]
      restartPolicy: OnFailure
";

#[test]
fn work_queue_job_is_done_when_one_pod_succeeded_and_none_runs() {
    let model = KubeletModel {
        run_time: uniform(5000, 10_000),
        ..kubelet(0, 0.0)
    };
    let mut sim = cluster_with(model, 4);
    apply(&mut sim, WORK_QUEUE);
    sim.run_for(1000);
    assert_eq!(pods_of(&sim, "consumer").len(), 5, "five pods at once");
    assert_eq!(job(&sim, "consumer").spec.completions, None);
    let most = run_checking(&mut sim, 30_000, 100, "consumer");
    assert_eq!(most, 5);
    settle(&mut sim);
    let pods = pods_of(&sim, "consumer");
    assert_eq!(pods.len(), 5, "no pod is started after the first success");
    let first = pods.iter().map(finished_at).min().unwrap();
    let last = pods.iter().map(finished_at).max().unwrap();
    assert!(first < last, "the pods finish at different times");
    let j = job(&sim, "consumer");
    assert_eq!((j.status.succeeded, j.status.active), (5, 0));
    assert_eq!(j.status.completion_time, Some(last.plus_millis(10)));
}

#[test]
fn failures_back_off_ten_twenty_forty_seconds_then_the_backoff_limit_fails_the_job() {
    let mut sim = cluster(5, 1000, 1.0);
    apply(
        &mut sim,
        &SAY_SOMETHING
            .replace("restartPolicy: OnFailure", "restartPolicy: Never")
            .replace("spec:\n  template:", "spec:\n  backoffLimit: 3\n  template:"),
    );
    settle(&mut sim);
    let pods = pods_of(&sim, "say-something");
    assert_eq!(pods.len(), 4, "backoffLimit 3: the fourth failure ends it");
    assert!(pods.iter().all(|p| p.status.phase == PodPhase::Failed));
    let gaps: Vec<i64> = pods
        .windows(2)
        .map(|w| w[1].metadata.creation_timestamp.since(finished_at(&w[0])))
        .collect();
    assert_eq!(gaps, [10_000, 20_000, 40_000]);
    let j = job(&sim, "say-something");
    assert_eq!((j.status.failed, j.status.succeeded, j.status.active), (4, 0, 0));
    let reason = (
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    );
    assert_eq!(
        conditions(&j),
        [
            ("FailureTarget".into(), reason.0.into(), reason.1.into()),
            ("Failed".into(), reason.0.into(), reason.1.into()),
        ]
    );
    assert_eq!(j.status.completion_time, None);
    let e = events(&sim, "BackoffLimitExceeded");
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].type_, e[0].message.as_str()),
        (EventType::Warning, reason.1)
    );
}

#[test]
fn back_off_is_capped_at_ten_minutes() {
    let mut sim = cluster(6, 1000, 1.0);
    apply(
        &mut sim,
        &SAY_SOMETHING
            .replace("restartPolicy: OnFailure", "restartPolicy: Never")
            .replace("spec:\n  template:", "spec:\n  backoffLimit: 9\n  template:"),
    );
    settle(&mut sim);
    let pods = pods_of(&sim, "say-something");
    assert_eq!(pods.len(), 10);
    let gaps: Vec<i64> = pods
        .windows(2)
        .map(|w| w[1].metadata.creation_timestamp.since(finished_at(&w[0])) / 1000)
        .collect();
    assert_eq!(gaps, [10, 20, 40, 80, 160, 320, 600, 600, 600]);
}

const TWITTER_CONSUMER: &str = "
apiVersion: batch/v1
kind: Job
metadata:
  name: twitter-consumer
spec:
  backoffLimit: 5
  activeDeadlineSeconds: 20
  template:
    spec:
      containers:
        - name: consumer
          image: busybox
          command: [\"/bin/sh\", \"-c\"]
          args: [\"echo 'Consuming data'; sleep 1; exit 1\"]
      restartPolicy: OnFailure
";

#[test]
fn active_deadline_stops_a_restarting_pod_before_the_backoff_limit() {
    let mut sim = cluster(7, 1000, 1.0);
    apply(&mut sim, TWITTER_CONSUMER);
    sim.run_for(19_000);
    let pods = pods_of(&sim, "twitter-consumer");
    assert_eq!(
        pods.len(),
        1,
        "OnFailure: the kubelet restarts the container in place"
    );
    assert_eq!(pods[0].status.restart_count, 1);
    assert!(condition(&job(&sim, "twitter-consumer"), "Failed").is_none());
    settle(&mut sim);
    assert!(
        pods_of(&sim, "twitter-consumer").is_empty(),
        "deleted at the deadline"
    );
    let j = job(&sim, "twitter-consumer");
    let reason = (
        "DeadlineExceeded",
        "Job was active longer than specified deadline",
    );
    assert_eq!(
        conditions(&j),
        [
            ("FailureTarget".into(), reason.0.into(), reason.1.into()),
            ("Failed".into(), reason.0.into(), reason.1.into()),
        ]
    );
    let start = j.status.start_time.unwrap();
    let target = condition(&j, "FailureTarget").unwrap().last_transition_time;
    assert_eq!(target, start.plus_secs(20), "exactly at the deadline");
    assert_eq!(
        (j.status.failed, j.status.active),
        (1, 0),
        "the killed pod counts as failed"
    );
    let deleted = events(&sim, "SuccessfulDelete");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].time, target);
    assert_eq!(events(&sim, "DeadlineExceeded").len(), 1);
}

#[test]
fn on_failure_restarts_count_against_the_backoff_limit() {
    let mut sim = cluster(8, 1000, 1.0);
    apply(
        &mut sim,
        &TWITTER_CONSUMER
            .replace("backoffLimit: 5", "backoffLimit: 2")
            .replace("  activeDeadlineSeconds: 20\n", ""),
    );
    settle(&mut sim);
    let j = job(&sim, "twitter-consumer");
    assert_eq!(
        condition(&j, "Failed").unwrap().reason.as_str(),
        "BackoffLimitExceeded"
    );
    // Running at 1 s, exits at 2 s, restarts at 12 s (1), exits at 13 s,
    // restarts at 33 s (2): two restarts reach the limit.
    assert_eq!(
        condition(&j, "FailureTarget").unwrap().last_transition_time,
        Time::from_millis(33_020)
    );
    assert_eq!(j.status.failed, 1);
    assert!(pods_of(&sim, "twitter-consumer").is_empty());
}

#[test]
fn ttl_after_finished_deletes_the_job_and_its_pods() {
    let mut sim = cluster(9, 2000, 0.0);
    apply(
        &mut sim,
        &SAY_SOMETHING.replace(
            "spec:\n  template:",
            "spec:\n  ttlSecondsAfterFinished: 60\n  template:",
        ),
    );
    sim.run_for(10_000);
    let j = job(&sim, "say-something");
    let done = condition(&j, "Complete").unwrap().last_transition_time;
    assert_eq!(pods_of(&sim, "say-something").len(), 1);
    sim.run_until(done.plus_secs(60).plus_millis(-1));
    assert!(sim.store().get_named::<Job>("default", "say-something").is_some());
    sim.run_until(done.plus_secs(60));
    let deleting = job(&sim, "say-something");
    assert!(deleting.metadata.deletion_timestamp.is_some());
    assert!(deleting.metadata.has_finalizer("foregroundDeletion"));
    sim.run_for(100);
    assert!(sim.store().get_named::<Job>("default", "say-something").is_none());
    assert!(
        pods_of(&sim, "say-something").is_empty(),
        "foreground: the pods went first"
    );
    settle(&mut sim);
}

#[test]
fn the_guides_ttl_story_deletes_the_failed_job_a_minute_after_its_deadline() {
    let mut sim = cluster(10, 1000, 1.0);
    apply(
        &mut sim,
        &TWITTER_CONSUMER.replace(
            "activeDeadlineSeconds: 20",
            "activeDeadlineSeconds: 20\n  ttlSecondsAfterFinished: 60",
        ),
    );
    sim.run_for(30_000);
    let failed_at = condition(&job(&sim, "twitter-consumer"), "Failed")
        .unwrap()
        .last_transition_time;
    sim.run_until(failed_at.plus_secs(60).plus_millis(-1));
    assert!(
        sim.store()
            .get_named::<Job>("default", "twitter-consumer")
            .is_some()
    );
    sim.run_for(100);
    assert!(
        sim.store()
            .get_named::<Job>("default", "twitter-consumer")
            .is_none()
    );
    settle(&mut sim);
}
