//! The pod failure back-off of a Job (`pkg/controller/job/backoff_utils.go`):
//! after `n` consecutive failures (counted since the last success) the
//! controller waits `min(10 s * 2^(n-1), 10 min)` from the last failure
//! before it creates pods again.

use crate::api::meta::ConditionStatus;
use crate::api::pod::{ContainerState, PodCondition};
use crate::api::{Pod, Time};

/// `DefaultJobPodFailureBackOff`.
pub const POD_FAILURE_BACKOFF_MS: i64 = 10_000;
/// `MaxJobPodFailureBackOff`: ten minutes.
pub const MAX_POD_FAILURE_BACKOFF_MS: i64 = 600_000;

/// What the back-off needs of a pod that finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// When it finished (`getFinishedTime`).
    pub at: Time,
}

/// `backoffRecord`: consecutive failures since the last success.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackoffRecord {
    /// Failures after the last success.
    pub failures_after_last_success: i32,
    /// When the last of them happened.
    pub last_failure: Option<Time>,
}

impl BackoffRecord {
    /// `newBackoffRecord`: the record after the pods that newly succeeded
    /// and failed (each list in any order).
    pub fn next(self, succeeded: &[Finished], failed: &[Finished]) -> BackoffRecord {
        let mut failed: Vec<Time> = failed.iter().map(|f| f.at).collect();
        failed.sort_unstable();
        let last_success = succeeded.iter().map(|f| f.at).max();
        match last_success {
            None => match failed.last() {
                None => self,
                Some(last) => BackoffRecord {
                    failures_after_last_success: self.failures_after_last_success + failed.len() as i32,
                    last_failure: Some(*last),
                },
            },
            Some(success) => {
                let after: Vec<Time> = failed.into_iter().filter(|t| *t > success).collect();
                BackoffRecord {
                    failures_after_last_success: after.len() as i32,
                    last_failure: after.last().copied(),
                }
            }
        }
    }

    /// `getRemainingTime`: how long pod creation must still wait at `now`.
    pub fn remaining_ms(&self, now: Time) -> i64 {
        let Some(last) = self.last_failure else { return 0 };
        if self.failures_after_last_success == 0 {
            return 0;
        }
        let backoff = backoff_for(self.failures_after_last_success);
        let elapsed = now.since(last);
        if backoff < elapsed { 0 } else { backoff - elapsed }
    }
}

/// The delay after `failures` consecutive failures: 10 s doubling, capped
/// at 10 minutes.
pub fn backoff_for(failures: i32) -> i64 {
    let mut d = POD_FAILURE_BACKOFF_MS;
    for _ in 1..failures {
        d *= 2;
        if d >= MAX_POD_FAILURE_BACKOFF_MS {
            return MAX_POD_FAILURE_BACKOFF_MS;
        }
    }
    d
}

/// `getFinishedTime`: when the containers terminated; else when the pod
/// stopped being Ready; else its deletion time (the deletion timestamp
/// less the grace period); else its creation time.
pub fn finished_time(pod: &Pod) -> Time {
    if let ContainerState::Terminated { finished_at, .. } = pod.status.container_state {
        return finished_at;
    }
    if let Some(PodCondition {
        status: ConditionStatus::False,
        last_transition_time,
    }) = pod.status.conditions.ready
    {
        return last_transition_time;
    }
    if let Some(deleted) = pod.metadata.deletion_timestamp {
        // The simulation does not keep deletionGracePeriodSeconds; the pod's
        // own grace period is what a plain delete used.
        let grace = if pod.node_name.is_some() {
            pod.spec.termination_grace_period_seconds.unwrap_or(0)
        } else {
            0
        };
        return deleted.plus_secs(-grace).max(pod.metadata.creation_timestamp);
    }
    pod.metadata.creation_timestamp
}

/// [`finished_time`] of a pod removed from the store at `now`: a pod
/// removed without a deletion timestamp (grace period 0, or never bound)
/// was deleted then, as upstream's tracking finalizer would have recorded.
pub fn finished_time_at_removal(pod: &Pod, now: Time) -> Time {
    let running = !matches!(pod.status.container_state, ContainerState::Terminated { .. })
        && !pod
            .status
            .conditions
            .ready
            .is_some_and(|c| c.status == ConditionStatus::False);
    if running && pod.metadata.deletion_timestamp.is_none() {
        now
    } else {
        finished_time(pod)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Finished {
        Finished {
            at: Time::from_secs(s),
        }
    }

    #[test]
    fn doubles_from_ten_seconds_to_ten_minutes() {
        let delays: Vec<i64> = (1..=8).map(backoff_for).collect();
        assert_eq!(
            delays,
            [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]
        );
    }

    #[test]
    fn a_success_resets_the_count() {
        let r = BackoffRecord::default().next(&[], &[at(5), at(3)]);
        assert_eq!(r.failures_after_last_success, 2);
        assert_eq!(r.last_failure, Some(Time::from_secs(5)));
        assert_eq!(r.remaining_ms(Time::from_secs(10)), 15_000);
        assert_eq!(r.remaining_ms(Time::from_secs(25)), 0);
        let r = r.next(&[at(30)], &[at(31), at(29)]);
        assert_eq!(r.failures_after_last_success, 1);
        assert_eq!(r.last_failure, Some(Time::from_secs(31)));
        let r = r.next(&[at(40)], &[]);
        assert_eq!(r, BackoffRecord::default());
        assert_eq!(r.remaining_ms(Time::from_secs(40)), 0);
    }
}
