//! CronJobs: a Job each scheduled minute named after the minute, the
//! concurrency policies, history limits, missed start times.

use kubesim::api::{CronJob, Job, Time};
use kubesim::events::EventType;
use kubesim::sim::Simulation;

use super::{apply, cluster, events, job, pods_of, settle};

/// The `hello` CronJob of the Kubernetes documentation, every minute.
pub const HELLO: &str = r#"
apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox
            command: ["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"]
          restartPolicy: OnFailure
"#;

/// Minutes since the Unix epoch at simulated time 0 (2026-01-01T00:00:00Z).
const MINUTE_ZERO: i64 = 29_453_760;

fn name_at(minute: i64) -> String {
    format!("hello-{}", MINUTE_ZERO + minute)
}

fn job_names(sim: &Simulation) -> Vec<String> {
    let mut names: Vec<String> = sim
        .store()
        .iter::<Job>()
        .map(|(_, j)| j.metadata.name.to_string())
        .collect();
    names.sort();
    names
}

fn cron(sim: &Simulation) -> CronJob {
    sim.store()
        .get_named::<CronJob>("default", "hello")
        .unwrap()
        .clone()
}

fn messages(sim: &Simulation, reason: &str) -> Vec<String> {
    events(sim, reason).into_iter().map(|e| e.message).collect()
}

fn at(secs: i64, millis: i64) -> Time {
    Time::from_secs(secs).plus_millis(millis)
}

#[test]
fn every_minute_a_job_named_after_its_minute() {
    let mut sim = cluster(31, 5000, 0.0);
    apply(&mut sim, HELLO);
    sim.run_until(at(60, 99));
    assert!(job_names(&sim).is_empty());
    sim.run_until(at(60, 100));
    assert_eq!(job_names(&sim), [name_at(1)]);
    let first = job(&sim, &name_at(1));
    assert_eq!(
        first.metadata.creation_timestamp,
        at(60, 100),
        "100 ms after the minute"
    );
    assert_eq!(
        first
            .metadata
            .annotations
            .get("batch.kubernetes.io/cronjob-scheduled-timestamp"),
        Some("2026-01-01T00:01:00Z")
    );
    let owner = first.metadata.controller_ref().unwrap();
    assert_eq!((owner.kind.as_str(), owner.name.as_str()), ("CronJob", "hello"));
    let cj = cron(&sim);
    assert_eq!(cj.status.last_schedule_time, Some(at(60, 0)));
    assert_eq!(cj.status.active.len(), 1);
    assert_eq!(cj.status.active[0].name.to_string(), name_at(1));
    assert_eq!(cj.status.active[0].kind.as_str(), "Job");
    let created: Vec<String> = messages(&sim, "SuccessfulCreate")
        .into_iter()
        .filter(|m| m.starts_with("Created job"))
        .collect();
    assert_eq!(created, [format!("Created job {}", name_at(1))]);

    sim.run_until(at(70, 0));
    let done = job(&sim, &name_at(1));
    assert_eq!(done.status.completion_time, Some(at(66, 120)));
    let cj = cron(&sim);
    assert_eq!(cj.status.last_successful_time, done.status.completion_time);
    assert!(cj.status.active.is_empty());
    assert_eq!(
        messages(&sim, "SawCompletedJob"),
        [format!("Saw completed job: {}, status: Complete", name_at(1))]
    );
    sim.run_until(at(130, 0));
    assert_eq!(job_names(&sim), [name_at(1), name_at(2)]);
    assert_eq!(cron(&sim).status.last_successful_time, Some(at(126, 120)));
    assert_eq!(
        pods_of(&sim, &name_at(1)).len(),
        1,
        "a finished Job keeps its pod"
    );
}

#[test]
fn history_keeps_the_three_newest_successful_jobs() {
    let mut sim = cluster(32, 5000, 0.0);
    apply(&mut sim, HELLO);
    sim.run_until(at(330, 0));
    assert_eq!(job_names(&sim), [name_at(3), name_at(4), name_at(5)]);
    assert_eq!(
        messages(&sim, "SuccessfulDelete")
            .into_iter()
            .filter(|m| m.starts_with("Deleted job"))
            .collect::<Vec<_>>(),
        [
            format!("Deleted job {}", name_at(1)),
            format!("Deleted job {}", name_at(2))
        ]
    );
    assert!(
        pods_of(&sim, &name_at(1)).is_empty(),
        "the pods went with their Job"
    );
    assert_eq!(pods_of(&sim, &name_at(3)).len(), 1);
    assert_eq!(super::check_jobs(sim.store()), Vec::<String>::new());
}

#[test]
fn failed_history_keeps_one_failed_job() {
    let mut sim = cluster(33, 1000, 1.0);
    apply(
        &mut sim,
        &HELLO
            .replace("restartPolicy: OnFailure", "restartPolicy: Never")
            .replace(
                "  jobTemplate:\n    spec:\n",
                "  jobTemplate:\n    spec:\n      backoffLimit: 0\n",
            ),
    );
    sim.run_until(at(200, 0));
    assert_eq!(job_names(&sim), [name_at(3)]);
    let failed = job(&sim, &name_at(3));
    let reason = failed
        .status
        .conditions
        .iter()
        .find(|c| c.type_.as_str() == "Failed")
        .map(|c| c.reason.as_str());
    assert_eq!(reason, Some("BackoffLimitExceeded"));
    assert_eq!(cron(&sim).status.last_successful_time, None);
    assert!(
        messages(&sim, "SawCompletedJob")
            .contains(&format!("Saw completed job: {}, status: Failed", name_at(1)))
    );
}

#[test]
fn forbid_skips_a_run_while_the_previous_one_is_active() {
    let mut sim = cluster(34, 90_000, 0.0);
    let forbid = HELLO.replace("  jobTemplate:", "  concurrencyPolicy: Forbid\n  jobTemplate:");
    apply(&mut sim, &forbid);
    sim.run_until(at(200, 0));
    let skipped = events(&sim, "JobAlreadyActive");
    assert_eq!(skipped.len(), 2);
    assert_eq!((skipped[0].time, skipped[1].time), (at(120, 100), at(180, 100)));
    assert_eq!(
        skipped[0].message,
        "Not starting job because prior execution is running and concurrency policy is Forbid"
    );
    // Without a starting deadline the skipped 00:02 run is still due: it
    // starts as soon as the first run (60.1 s + 1 s + 90 s) is over.
    assert_eq!(job_names(&sim), [name_at(1), name_at(2)]);
    let first_done = job(&sim, &name_at(1)).status.completion_time.unwrap();
    assert_eq!(first_done, at(151, 120));
    assert_eq!(
        job(&sim, &name_at(2)).metadata.creation_timestamp,
        first_done.plus_millis(10)
    );

    // With a 10 s starting deadline the 00:02 run is missed for good.
    let mut sim = cluster(34, 90_000, 0.0);
    apply(
        &mut sim,
        &forbid.replace("  jobTemplate:", "  startingDeadlineSeconds: 10\n  jobTemplate:"),
    );
    sim.run_until(at(200, 0));
    assert_eq!(job_names(&sim), [name_at(1), name_at(3)]);
}

#[test]
fn replace_deletes_the_active_run_before_starting_the_next() {
    let mut sim = cluster(35, 90_000, 0.0);
    apply(
        &mut sim,
        &HELLO.replace("  jobTemplate:", "  concurrencyPolicy: Replace\n  jobTemplate:"),
    );
    sim.run_until(at(121, 0));
    assert_eq!(job_names(&sim), [name_at(2)]);
    let deleted = events(&sim, "SuccessfulDelete");
    let replaced: Vec<_> = deleted
        .iter()
        .filter(|e| e.source == "cronjob-controller")
        .collect();
    assert_eq!(replaced.len(), 1);
    assert_eq!(replaced[0].message, format!("Deleted job {}", name_at(1)));
    assert_eq!(replaced[0].time, at(120, 100));
    assert!(pods_of(&sim, &name_at(1)).is_empty());
    let cj = cron(&sim);
    assert_eq!(cj.status.active.len(), 1);
    assert_eq!(cj.status.active[0].name.to_string(), name_at(2));
}

#[test]
fn allow_overlaps_runs() {
    let mut sim = cluster(36, 90_000, 0.0);
    apply(&mut sim, HELLO);
    sim.run_until(at(121, 0));
    assert_eq!(job_names(&sim), [name_at(1), name_at(2)]);
    assert_eq!(cron(&sim).status.active.len(), 2);
}

#[test]
fn after_more_than_a_hundred_missed_start_times_only_the_latest_runs() {
    let mut sim = cluster(37, 5000, 0.0);
    apply(
        &mut sim,
        &HELLO.replace("  jobTemplate:", "  suspend: true\n  jobTemplate:"),
    );
    sim.run_until(at(3 * 3600 + 30, 0));
    assert!(job_names(&sim).is_empty(), "suspended");
    let key = sim.store().lookup::<CronJob>("default", "hello").unwrap();
    sim.store_mut()
        .update(key, |c| c.spec.suspend = Some(false))
        .unwrap();
    sim.run_for(1000);
    assert_eq!(job_names(&sim), [name_at(180)]);
    let warned = events(&sim, "TooManyMissedTimes");
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].type_, EventType::Warning);
    assert_eq!(
        warned[0].message,
        "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
    );
    assert_eq!(cron(&sim).status.last_schedule_time, Some(at(3 * 3600, 0)));
}

#[test]
fn a_starting_deadline_limits_how_late_a_missed_run_starts() {
    let mut sim = cluster(38, 5000, 0.0);
    let yaml = HELLO.replace(
        "  jobTemplate:",
        "  suspend: true\n  startingDeadlineSeconds: 30\n  jobTemplate:",
    );
    apply(&mut sim, &yaml);
    sim.run_until(at(3 * 3600 + 45, 0));
    let key = sim.store().lookup::<CronJob>("default", "hello").unwrap();
    sim.store_mut()
        .update(key, |c| c.spec.suspend = Some(false))
        .unwrap();
    sim.run_for(1000);
    assert!(
        job_names(&sim).is_empty(),
        "3:00:00 is 46 s late, beyond the 30 s deadline"
    );
    assert!(events(&sim, "TooManyMissedTimes").is_empty());
    sim.run_until(at(3 * 3600 + 61, 0));
    assert_eq!(job_names(&sim), [name_at(181)]);

    let mut sim = cluster(39, 5000, 0.0);
    apply(&mut sim, &yaml);
    sim.run_until(at(3 * 3600 + 20, 0));
    let key = sim.store().lookup::<CronJob>("default", "hello").unwrap();
    sim.store_mut()
        .update(key, |c| c.spec.suspend = Some(false))
        .unwrap();
    sim.run_for(1000);
    assert_eq!(
        job_names(&sim),
        [name_at(180)],
        "20 s late is within the deadline"
    );
}

#[test]
fn a_suspended_cronjob_stays_idle() {
    let mut sim = cluster(40, 5000, 0.0);
    apply(
        &mut sim,
        &HELLO.replace("  jobTemplate:", "  suspend: true\n  jobTemplate:"),
    );
    settle(&mut sim);
    assert!(job_names(&sim).is_empty());
    assert_eq!(sim.now(), at(0, 10), "no timers are left behind");
}
