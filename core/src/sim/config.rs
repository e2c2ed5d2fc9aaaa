//! A simulation's parameters: the kubelet model, controller reaction
//! delays, the scheduler's configuration, and node-failure timings.

use serde::{Deserialize, Serialize};

use super::distribution::{Distribution, Millis, deserialize_distribution};
use crate::sched::SchedulerConfig;

/// How the simulated kubelet behaves (Kubernetes leaves this to the
/// workload; the simulation states it as distributions drawn from the seeded
/// RNG).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct KubeletModel {
    /// From binding to containers running (image pull + start).
    #[serde(deserialize_with = "deserialize_distribution")]
    pub start_latency: Distribution,
    /// From running to Ready (added to a readiness probe's initialDelaySeconds).
    #[serde(deserialize_with = "deserialize_distribution")]
    pub readiness_delay: Distribution,
    /// How long run-to-completion containers (restartPolicy Never or
    /// OnFailure) run before they exit.
    #[serde(deserialize_with = "deserialize_distribution")]
    pub run_time: Distribution,
    /// Probability that a container run fails (exit code 1): a Job pod fails,
    /// a long-running pod crashes after `crash_after` and restarts with
    /// CrashLoopBackOff.
    pub crash_probability: f64,
    /// When a crashing long-running container crashes.
    #[serde(deserialize_with = "deserialize_distribution")]
    pub crash_after: Distribution,
    /// From a graceful deletion to the containers having stopped (capped by
    /// the pod's grace period).
    #[serde(deserialize_with = "deserialize_distribution")]
    pub termination_latency: Distribution,
}

impl Default for KubeletModel {
    fn default() -> Self {
        KubeletModel {
            start_latency: Distribution::fixed_ms(1000),
            readiness_delay: Distribution::fixed_ms(0),
            run_time: Distribution::fixed_ms(10_000),
            crash_probability: 0.0,
            crash_after: Distribution::fixed_ms(30_000),
            termination_latency: Distribution::fixed_ms(0),
        }
    }
}

impl KubeletModel {
    /// Everything instant: pods start and become ready at once.
    pub fn instant() -> KubeletModel {
        KubeletModel {
            start_latency: Distribution::fixed_ms(0),
            readiness_delay: Distribution::fixed_ms(0),
            termination_latency: Distribution::fixed_ms(0),
            ..KubeletModel::default()
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.crash_probability) {
            return Err(format!(
                "crashProbability must be between 0 and 1, got {}",
                self.crash_probability
            ));
        }
        for d in [
            &self.start_latency,
            &self.readiness_delay,
            &self.run_time,
            &self.crash_after,
            &self.termination_latency,
        ] {
            d.validate()?;
        }
        Ok(())
    }
}

/// How long after a change each controller acts on it. Kubernetes'
/// controllers react within milliseconds; the delays batch work and order
/// the controllers in time the way watch latency does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ControllerDelays {
    /// The Deployment controller.
    pub deployment: Millis,
    /// The ReplicaSet controller.
    pub replica_set: Millis,
    /// Every other controller.
    pub other: Millis,
}

impl Default for ControllerDelays {
    fn default() -> Self {
        ControllerDelays {
            deployment: Millis(10),
            replica_set: Millis(10),
            other: Millis(10),
        }
    }
}

/// Node failure detection (kube-controller-manager's node lifecycle
/// controller).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NodeLifecycle {
    /// `--node-monitor-grace-period`: how long a silent node stays Ready.
    pub node_monitor_grace_period: Millis,
}

impl Default for NodeLifecycle {
    fn default() -> Self {
        NodeLifecycle {
            node_monitor_grace_period: Millis(40_000),
        }
    }
}

/// Everything a [`Simulation`](super::Simulation) is built from, besides its seed.
#[derive(Clone, Debug, Default)]
pub struct SimConfig {
    /// The kubelet model.
    pub kubelet: KubeletModel,
    /// Controller reaction delays.
    pub delays: ControllerDelays,
    /// Node failure detection.
    pub node_lifecycle: NodeLifecycle,
    /// The scheduler.
    pub scheduler: SchedulerConfig,
    /// Keep every event in memory (tests, `--events`); otherwise only count
    /// and hash them.
    pub keep_events: bool,
    /// Check the invariants after every step (slow; `loadgen --check`).
    pub check_invariants: bool,
    /// Also check the rolling-update bounds after every step
    /// ([`RolloutBounds`]; valid only while no pod fails, so off unless
    /// asked for).
    ///
    /// [`RolloutBounds`]: super::invariants::RolloutBounds
    pub check_rollouts: bool,
    /// Check each binding and each unschedulable verdict as it is written
    /// (cheap: the cost is per scheduling decision, not per step; implied
    /// by `check_invariants`).
    pub audit_scheduling: bool,
    /// Leave the index-versus-scan comparison, the costliest check, out of
    /// the checks after every step (call [`Simulation::check_indexes`]
    /// yourself, as the fuzz harnesses do every few operations and at the
    /// end).
    ///
    /// [`Simulation::check_indexes`]: super::Simulation::check_indexes
    pub skip_index_checks: bool,
    /// Leave the state changes out of the trace hash, which then digests
    /// the events only ([`Simulation::trace_hash`]): for runs that never
    /// compare traces, such as the fuzz harnesses (hashing every change is a
    /// few percent of a small simulation).
    ///
    /// [`Simulation::trace_hash`]: super::Simulation::trace_hash
    pub skip_trace: bool,
}
