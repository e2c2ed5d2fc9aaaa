//! The steps of a pod's life on a node, each one store write.

use std::sync::Arc;

use super::{CONFIG_RETRY_MS, Kubelet, crash_backoff_ms};
use crate::api::pod::{ContainerState, PodCondition, PodPhase, RestartPolicy, WaitingReason};
use crate::api::{Pod, Time};
use crate::intern::Symbol;
use crate::sim::timers::{PodStep, Timer, Timers};
use crate::store::{DeleteOptions, Key, Store};

/// The kubelet admits a bound pod: `ContainerCreating`.
pub(super) fn accept(store: &mut Store, key: Key<Pod>, now: Time) {
    let _ = store.update(key, |p| {
        let init = p.spec.init_containers.is_empty();
        p.status.start_time = Some(now);
        p.status.phase = PodPhase::Pending;
        p.status.container_state = ContainerState::Waiting(if init {
            WaitingReason::ContainerCreating
        } else {
            WaitingReason::PodInitializing
        });
        p.status.conditions.initialized = Some(PodCondition::new(init, now));
        p.status.conditions.containers_ready = Some(PodCondition::new(false, now));
        p.status.conditions.ready = Some(PodCondition::new(false, now));
    });
}

/// How long after start the pod becomes ready: the model's delay plus the
/// longest readiness probe `initialDelaySeconds`.
fn readiness_delay(k: &mut Kubelet, pod: &Pod) -> i64 {
    let probe = pod
        .spec
        .containers
        .iter()
        .filter_map(|c| c.readiness_probe.as_ref())
        .map(|p| i64::from(p.initial_delay_seconds.max(0)) * 1000)
        .max()
        .unwrap_or(0);
    let model = k.model.readiness_delay.clone();
    k.draw(&model) + probe
}

fn runs_to_completion(pod: &Pod) -> bool {
    pod.spec.restart_policy != RestartPolicy::Always
}

/// Schedules the containers' exit, if this run ends.
fn schedule_exit(k: &mut Kubelet, timers: &mut Timers, key: Key<Pod>, pod: &Pod, now: Time) {
    let uid = pod.metadata.uid;
    let crash = k.model.crash_probability;
    if runs_to_completion(pod) {
        let model = k.model.run_time.clone();
        let run = k.draw(&model);
        let success = !k.rng.chance(crash);
        timers.set(
            now.plus_millis(run),
            Timer::Pod {
                pod: key,
                uid,
                step: PodStep::Exited { success },
            },
        );
    } else if k.rng.chance(crash) {
        let model = k.model.crash_after.clone();
        let after = k.draw(&model);
        timers.set(
            now.plus_millis(after),
            Timer::Pod {
                pod: key,
                uid,
                step: PodStep::Exited { success: false },
            },
        );
    }
}

/// Runs one timed step for a live pod on a live node.
pub(super) fn step(
    k: &mut Kubelet,
    store: &mut Store,
    timers: &mut Timers,
    key: Key<Pod>,
    step: PodStep,
    now: Time,
) {
    let Some(pod) = store.get(key) else { return };
    let deleting = pod.metadata.deletion_timestamp.is_some();
    let uid = pod.metadata.uid;
    match step {
        PodStep::Started | PodStep::RetryConfig | PodStep::Restart => {
            if deleting || pod.is_terminal() {
                return;
            }
            if let Some(missing) = super::config_refs::missing(store, pod) {
                let message: Arc<str> = Arc::from(missing.as_str());
                let _ = store.update(key, |p| {
                    p.status.container_state =
                        ContainerState::Waiting(WaitingReason::CreateContainerConfigError);
                    p.status.message = Some(message);
                });
                timers.set(
                    now.plus_millis(CONFIG_RETRY_MS),
                    Timer::Pod {
                        pod: key,
                        uid,
                        step: PodStep::RetryConfig,
                    },
                );
                return;
            }
            let pod = pod.clone();
            let delay = readiness_delay(k, &pod);
            let node = pod.node_name.unwrap_or(Symbol::EMPTY);
            let ip = pod.status.pod_ip.unwrap_or_else(|| k.allocate_ip(node));
            let restart = step == PodStep::Restart;
            let _ = store.update(key, |p| {
                p.status.phase = PodPhase::Running;
                p.status.container_state = ContainerState::Running { started_at: now };
                p.status.pod_ip = Some(ip);
                p.status.message = None;
                if restart {
                    p.status.restart_count += 1;
                }
                p.status.conditions.initialized = Some(PodCondition::new(true, now));
                if delay == 0 {
                    p.status.conditions.containers_ready = Some(PodCondition::new(true, now));
                    p.status.conditions.ready = Some(PodCondition::new(true, now));
                }
            });
            if delay > 0 {
                timers.set(
                    now.plus_millis(delay),
                    Timer::Pod {
                        pod: key,
                        uid,
                        step: PodStep::Ready,
                    },
                );
            }
            schedule_exit(k, timers, key, &pod, now);
        }
        PodStep::Ready => {
            if deleting || !matches!(pod.status.container_state, ContainerState::Running { .. }) {
                return;
            }
            let _ = store.update(key, |p| {
                p.status.conditions.containers_ready = Some(PodCondition::new(true, now));
                p.status.conditions.ready = Some(PodCondition::new(true, now));
            });
        }
        PodStep::Exited { success } => {
            if deleting || !matches!(pod.status.container_state, ContainerState::Running { .. }) {
                return;
            }
            let policy = pod.spec.restart_policy;
            let restarts = pod.status.restart_count;
            let finished = match policy {
                RestartPolicy::Never => true,
                RestartPolicy::OnFailure => success,
                RestartPolicy::Always => false,
            };
            let exit_code = if success { 0 } else { 1 };
            let _ = store.update(key, |p| {
                p.status.conditions.containers_ready = Some(PodCondition::new(false, now));
                p.status.conditions.ready = Some(PodCondition::new(false, now));
                if finished {
                    p.status.phase = if success {
                        PodPhase::Succeeded
                    } else {
                        PodPhase::Failed
                    };
                    p.status.container_state = ContainerState::Terminated {
                        exit_code,
                        finished_at: now,
                    };
                } else {
                    p.status.container_state = ContainerState::Waiting(WaitingReason::CrashLoopBackOff);
                }
            });
            if !finished {
                timers.set(
                    now.plus_millis(crash_backoff_ms(restarts)),
                    Timer::Pod {
                        pod: key,
                        uid,
                        step: PodStep::Restart,
                    },
                );
            }
        }
        PodStep::Terminated => {
            let _ = store.delete(key, DeleteOptions::now());
        }
    }
}
