//! The simulated CPU load and the replica calculator
//! (`pkg/controller/podautoscaler/replica_calculator.go` `GetResourceReplicas`,
//! `groupPods`, `calculatePodRequests`, `metrics/utilization.go`).
//!
//! Load model: a pod whose containers run uses `request × u / 100` of CPU,
//! where `u` is the pod's `kubesim.dev/cpu-utilization` annotation (percent,
//! default 50). Metrics are sampled at the sync (timestamp now) over a
//! [`METRIC_WINDOW_MS`] window, as metrics-server reports them.

use crate::api::pod::{ContainerState, PodPhase, PodSpec, RestartPolicy};
use crate::api::{Pod, Time};
use crate::intern::Symbol;
use crate::labels::Selector;
use crate::store::{Key, Store};

/// The pod annotation that sets its simulated CPU utilization (percent of request).
pub const CPU_UTILIZATION_ANNOTATION: &str = "kubesim.dev/cpu-utilization";
/// Utilization of pods without the annotation.
pub const DEFAULT_CPU_UTILIZATION: i64 = 50;
/// `--horizontal-pod-autoscaler-tolerance`.
pub const TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
pub const CPU_INITIALIZATION_PERIOD_MS: i64 = 5 * 60 * 1000;
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
pub const INITIAL_READINESS_DELAY_MS: i64 = 30 * 1000;
/// The window a metrics-server CPU sample covers.
pub const METRIC_WINDOW_MS: i64 = 15 * 1000;

/// The containers whose requests count (`calculatePodRequests`): app
/// containers and restartable (sidecar) init containers.
fn counted(spec: &PodSpec) -> impl Iterator<Item = &crate::api::pod::Container> {
    spec.containers.iter().chain(
        spec.init_containers
            .iter()
            .filter(|c| c.restart_policy == Some(RestartPolicy::Always)),
    )
}

/// The pod's simulated CPU usage in millicores, or `None` when metrics-server
/// has no sample (its containers are not running).
pub fn pod_cpu_usage(pod: &Pod) -> Option<i64> {
    if pod.status.phase != PodPhase::Running
        || !matches!(pod.status.container_state, ContainerState::Running { .. })
    {
        return None;
    }
    let utilization = pod
        .metadata
        .annotations
        .get(CPU_UTILIZATION_ANNOTATION)
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(DEFAULT_CPU_UTILIZATION)
        .max(0);
    let request: i64 = counted(&pod.spec)
        .map(|c| c.resources.requests.get_or_zero(Symbol::CPU))
        .sum();
    Some(request.saturating_mul(utilization) / 100)
}

/// `calculatePodRequests` for CPU.
fn pod_request(pod: &Pod) -> Result<i64, String> {
    let mut sum = 0;
    for c in counted(&pod.spec) {
        match c.resources.requests.get(Symbol::CPU) {
            Some(v) => sum += v,
            None => {
                return Err(format!(
                    "missing request for cpu in container {} of Pod {}",
                    c.name, pod.metadata.name
                ));
            }
        }
    }
    Ok(sum)
}

/// How `groupPods` sorts a pod.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Group {
    Ready,
    Unready,
    Missing,
    Ignored,
}

/// `groupPods` (CPU): deleted and failed pods are ignored; pending ones,
/// and ones not ready or ready for less than a metric window during their
/// first five minutes (or never ready since the initial readiness delay),
/// are unready; pods without a sample are missing.
fn group(pod: &Pod, has_metric: bool, now: Time) -> Group {
    if pod.metadata.deletion_timestamp.is_some() || pod.status.phase == PodPhase::Failed {
        return Group::Ignored;
    }
    if pod.status.phase == PodPhase::Pending {
        return Group::Unready;
    }
    if !has_metric {
        return Group::Missing;
    }
    let (Some(cond), Some(start)) = (pod.status.conditions.ready, pod.status.start_time) else {
        return Group::Unready;
    };
    let ready = cond.status == crate::api::meta::ConditionStatus::True;
    let unready = if start.plus_millis(CPU_INITIALIZATION_PERIOD_MS) > now {
        !ready || now < cond.last_transition_time.plus_millis(METRIC_WINDOW_MS)
    } else {
        !ready && start.plus_millis(INITIAL_READINESS_DELAY_MS) > cond.last_transition_time
    };
    if unready { Group::Unready } else { Group::Ready }
}

/// One pod's numbers for the calculation.
struct Sample {
    group: Group,
    usage: Option<i64>,
    request: i64,
}

/// `GetResourceUtilizationRatio`: (ratio to target, utilization percent).
fn utilization_ratio(samples: &[(i64, i64)], target: i32) -> Result<(f64, i32), String> {
    let used: i64 = samples.iter().map(|s| s.0).sum();
    let requested: i64 = samples.iter().map(|s| s.1).sum();
    if requested == 0 {
        return Err("no metrics returned matched known pods".into());
    }
    let utilization = (used * 100 / requested) as i32;
    Ok((f64::from(utilization) / f64::from(target), utilization))
}

fn within_tolerance(ratio: f64) -> bool {
    ((1.0 - TOLERANCE)..=(1.0 + TOLERANCE)).contains(&ratio)
}

/// What the calculator proposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// Proposed replicas.
    pub replicas: i32,
    /// The current average utilization (percent of request) of ready pods.
    pub utilization: i32,
}

/// `GetResourceReplicas` for CPU utilization against `target` percent.
pub fn resource_replicas(
    store: &Store,
    namespace: Symbol,
    selector: &Selector,
    current: i32,
    target: i32,
    now: Time,
) -> Result<Proposal, String> {
    let pods: Vec<Key<Pod>> = store.select_pods(namespace, selector);
    let mut samples = Vec::with_capacity(pods.len());
    for pk in &pods {
        let Some(pod) = store.get(*pk) else { continue };
        let usage = pod_cpu_usage(pod);
        samples.push((pod, usage));
    }
    if samples.iter().all(|(_, u)| u.is_none()) {
        return Err(
            "unable to get metrics for resource cpu: no metrics returned from resource metrics API".into(),
        );
    }
    if samples.is_empty() {
        return Err("no pods returned by selector while calculating replica count".into());
    }
    let mut data = Vec::with_capacity(samples.len());
    for (pod, usage) in &samples {
        data.push(Sample {
            group: group(pod, usage.is_some(), now),
            usage: *usage,
            request: 0,
        });
    }
    let ready_count = data.iter().filter(|s| s.group == Group::Ready).count() as i32;
    let unready = data.iter().filter(|s| s.group == Group::Unready).count();
    let missing = data.iter().filter(|s| s.group == Group::Missing).count();
    if !data.iter().any(|s| s.group == Group::Ready) {
        return Err("did not receive metrics for targeted pods (pods might be unready)".into());
    }
    for ((pod, _), s) in samples.iter().zip(data.iter_mut()) {
        s.request = pod_request(pod)?;
    }
    let ready: Vec<(i64, i64)> = data
        .iter()
        .filter(|s| s.group == Group::Ready)
        .map(|s| (s.usage.unwrap_or(0), s.request))
        .collect();
    let (ratio, utilization) = utilization_ratio(&ready, target)?;
    let proposal = |replicas| {
        Ok(Proposal {
            replicas,
            utilization,
        })
    };
    let scale_up_with_unready = unready > 0 && ratio > 1.0;
    if !scale_up_with_unready && missing == 0 {
        if within_tolerance(ratio) {
            return proposal(current);
        }
        return proposal((ratio * f64::from(ready_count)).ceil() as i32);
    }
    // Fill in the blanks against the direction of the change.
    let mut filled = ready;
    if missing > 0 {
        for s in data.iter().filter(|s| s.group == Group::Missing) {
            let usage = if ratio < 1.0 {
                s.request * i64::from(target.max(100)) / 100
            } else {
                0
            };
            if ratio != 1.0 {
                filled.push((usage, s.request));
            }
        }
    }
    if scale_up_with_unready {
        for s in data.iter().filter(|s| s.group == Group::Unready) {
            filled.push((0, s.request));
        }
    }
    let (new_ratio, _) = utilization_ratio(&filled, target)?;
    if within_tolerance(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0) {
        return proposal(current);
    }
    let new_replicas = (new_ratio * filled.len() as f64).ceil() as i32;
    if (new_ratio < 1.0 && new_replicas > current) || (new_ratio > 1.0 && new_replicas < current) {
        return proposal(current);
    }
    proposal(new_replicas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_uses_integer_utilization() {
        // 3 pods of 200m at 90%: 540/600 = 90% of request; target 70.
        let s = vec![(180, 200), (180, 200), (180, 200)];
        let (ratio, u) = utilization_ratio(&s, 70).unwrap();
        assert_eq!(u, 90);
        assert!((ratio - 90.0 / 70.0).abs() < 1e-12);
        assert!(within_tolerance(1.1));
        assert!(!within_tolerance(1.11));
        assert!(utilization_ratio(&[], 70).is_err());
    }
}

#[cfg(test)]
mod group_tests {
    use super::*;
    use crate::api::pod::{ContainerState, PodCondition};
    use crate::build;

    fn pod(phase: PodPhase, started: i64, ready: Option<(bool, i64)>) -> Pod {
        let mut p = build::pod("p").requests("200m", "64Mi").build();
        p.status.phase = phase;
        p.status.start_time = Some(Time::from_secs(started));
        p.status.conditions.ready = ready.map(|(r, at)| PodCondition::new(r, Time::from_secs(at)));
        p.status.container_state = ContainerState::Running {
            started_at: Time::from_secs(started),
        };
        p
    }

    #[test]
    fn pods_are_grouped_like_group_pods() {
        let now = Time::from_secs(100);
        let running = PodPhase::Running;
        assert_eq!(
            group(&pod(PodPhase::Pending, 90, None), false, now),
            Group::Unready
        );
        assert_eq!(
            group(&pod(running, 10, Some((true, 11))), false, now),
            Group::Missing
        );
        // Within the CPU initialization period: ready for a whole metric window?
        assert_eq!(
            group(&pod(running, 10, Some((true, 90))), true, now),
            Group::Unready
        );
        assert_eq!(
            group(&pod(running, 10, Some((true, 80))), true, now),
            Group::Ready
        );
        assert_eq!(
            group(&pod(running, 10, Some((false, 80))), true, now),
            Group::Unready
        );
        // Later: unready only if it never became ready after the initial delay.
        let late = Time::from_secs(1000);
        assert_eq!(
            group(&pod(running, 10, Some((false, 20))), true, late),
            Group::Unready
        );
        assert_eq!(
            group(&pod(running, 10, Some((false, 600))), true, late),
            Group::Ready
        );
        let mut deleting = pod(running, 10, Some((true, 11)));
        deleting.metadata.deletion_timestamp = Some(now);
        assert_eq!(group(&deleting, true, now), Group::Ignored);
    }

    #[test]
    fn usage_follows_the_annotation() {
        let mut p = pod(PodPhase::Running, 0, Some((true, 0)));
        assert_eq!(pod_cpu_usage(&p), Some(100));
        p.metadata.annotations.set(CPU_UTILIZATION_ANNOTATION, "150");
        assert_eq!(pod_cpu_usage(&p), Some(300));
        p.status.container_state = ContainerState::Waiting(crate::api::pod::WaitingReason::CrashLoopBackOff);
        assert_eq!(pod_cpu_usage(&p), None);
    }
}
