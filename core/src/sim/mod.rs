//! The simulation loop: simulated time, the event queue, and the actors
//! (controllers, scheduler, kubelet) taking turns on one store.
//!
//! Time is virtual milliseconds; nothing sleeps and nothing reads the wall
//! clock. At each instant the loop runs rounds until nothing more happens:
//! every actor reads the changes it has not seen, due timers fire,
//! controllers sync the keys that are due, the scheduler places pending
//! pods, the kubelet acts. Then the clock jumps to the earliest pending
//! timer or queued key. Every order is fixed, so the same seed gives the
//! same trace, bit for bit.

pub mod config;
pub mod distribution;
pub mod invariants;
mod nodes;
mod peek;
pub mod timers;
mod trace;

pub use config::{ControllerDelays, KubeletModel, NodeLifecycle, SimConfig};
pub use distribution::{Distribution, Millis};

use crate::api::{AnyObject, Time};
use crate::controllers::cronjob::CronJobController;
use crate::controllers::daemonset::DaemonSetController;
use crate::controllers::deployment::DeploymentController;
use crate::controllers::disruption::DisruptionController;
use crate::controllers::endpoints::EndpointsController;
use crate::controllers::gc::GarbageCollector;
use crate::controllers::hpa::HpaController;
use crate::controllers::job::JobController;
use crate::controllers::namespace::NamespaceController;
use crate::controllers::node_lifecycle::TaintEvictionController;
use crate::controllers::quota::ResourceQuotaController;
use crate::controllers::replicaset::ReplicaSetController;
use crate::controllers::service_lb::ServiceLbController;
use crate::controllers::statefulset::StatefulSetController;
use crate::controllers::ttl::TtlAfterFinishedController;
use crate::controllers::{Controller, Ctx, WorkQueue};
use crate::events::{Event, EventLog, Fnv};
use crate::kubelet::Kubelet;
use crate::rng::Rng;
use crate::sched::Scheduler;
use crate::store::{ApiError, Cursor, ObjectKey, Store};
use timers::{Timer, Timers};

/// RNG stream numbers (one per component, so they never shift each other).
mod streams {
    pub const STORE: u64 = 1;
    pub const KUBELET: u64 = 2;
    pub const CONTROLLERS: u64 = 3;
    pub const SCHEDULER: u64 = 4;
}

/// Most rounds at one instant before the loop declares a livelock.
const MAX_ROUNDS_PER_INSTANT: usize = 100_000;

struct Registered {
    controller: Box<dyn Controller>,
    queue: WorkQueue,
    delay_ms: i64,
}

/// Why a run stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Nothing is pending: the cluster converged.
    Idle,
    /// The time limit was reached with work still pending.
    TimeLimit,
    /// User actions set with [`Simulation::schedule_action`] came due (ids,
    /// in order); the caller performs them and runs on.
    Actions(Vec<u64>),
}

/// A simulated cluster.
pub struct Simulation {
    store: Store,
    now: Time,
    timers: Timers,
    controllers: Vec<Registered>,
    cursor: Cursor,
    scheduler: Scheduler,
    kubelet: Kubelet,
    events: EventLog,
    rng: Rng,
    trace: Fnv,
    config: SimConfig,
    seed: u64,
    /// Violations found while checking invariants after every step.
    violations: Vec<invariants::Violation>,
    checks: u64,
    /// The store's resource version at the last [`Simulation::check`].
    checked_rv: u64,
    /// The rolling-update bounds, judged over the run.
    rollouts: invariants::RolloutBounds,
    last_write: Time,
}

impl Simulation {
    /// A cluster with no nodes, built from `config` and `seed`.
    pub fn new(config: SimConfig, seed: u64) -> Simulation {
        let mut store = Store::new(crate::rng::mix64(seed ^ streams::STORE));
        let cursor = store.watch();
        let mut scheduler = Scheduler::new(
            config.scheduler.clone(),
            crate::rng::mix64(seed ^ streams::SCHEDULER),
        );
        scheduler.attach(&mut store);
        if config.check_invariants || config.audit_scheduling {
            store.set_pod_audit(Some(invariants::audit_pod_write));
        }
        let d = &config.delays;
        let mut sim = Simulation {
            store,
            now: Time::ZERO,
            timers: Timers::default(),
            controllers: Vec::new(),
            cursor,
            scheduler,
            kubelet: Kubelet::new(config.kubelet.clone(), Rng::derive(seed, streams::KUBELET)),
            events: if config.keep_events {
                EventLog::keeping()
            } else {
                EventLog::counting()
            },
            rng: Rng::derive(seed, streams::CONTROLLERS),
            trace: Fnv::default(),
            seed,
            violations: Vec::new(),
            checks: 0,
            checked_rv: 0,
            rollouts: invariants::RolloutBounds::new(),
            last_write: Time::ZERO,
            config: config.clone(),
        };
        // Within one instant the ReplicaSet controller goes first: it is the
        // nearer to the pods, as the faster of two equal-latency controllers.
        sim.register(Box::new(ReplicaSetController), d.replica_set.0);
        sim.register(Box::new(DeploymentController), d.deployment.0);
        sim.register(Box::new(GarbageCollector), d.other.0);
        sim.register(Box::new(NamespaceController), d.other.0);
        sim.register(Box::new(TaintEvictionController), d.other.0);
        sim.register(Box::new(JobController::default()), d.other.0);
        sim.register(Box::new(CronJobController::default()), d.other.0);
        sim.register(Box::new(TtlAfterFinishedController), d.other.0);
        sim.register(Box::new(DaemonSetController::default()), d.other.0);
        sim.register(Box::new(StatefulSetController::default()), d.other.0);
        sim.register(Box::new(EndpointsController::default()), d.other.0);
        sim.register(Box::new(ServiceLbController::default()), d.other.0);
        sim.register(Box::new(HpaController::default()), d.other.0);
        sim.register(Box::new(ResourceQuotaController::default()), d.other.0);
        sim.register(Box::new(DisruptionController::default()), d.other.0);
        sim
    }

    /// Adds a controller that reacts `delay_ms` after a change.
    pub fn register(&mut self, controller: Box<dyn Controller>, delay_ms: i64) {
        self.controllers.push(Registered {
            controller,
            queue: WorkQueue::default(),
            delay_ms,
        });
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The current simulated time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// Read access to the store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Write access to the store, for user actions (scale, relabel, delete):
    /// writes still go through admission.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The scheduler.
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// The kubelet model.
    pub fn kubelet(&self) -> &Kubelet {
        &self.kubelet
    }

    /// Events kept so far (all of them when `keep_events` is set).
    pub fn events(&self) -> &[Event] {
        self.events.events()
    }

    /// The event log (counts and digest even when events are not kept).
    pub fn event_log(&self) -> &EventLog {
        &self.events
    }

    /// Removes the kept events (to stream them out).
    pub fn drain_events(&mut self) -> Vec<Event> {
        self.events.drain()
    }

    /// When the store last changed: after [`Simulation::run_until_idle`],
    /// the time the cluster converged (the clock may have moved on to
    /// timers that changed nothing).
    pub fn last_write_time(&self) -> Time {
        self.last_write
    }

    /// A digest of every state change and event so far.
    pub fn trace_hash(&self) -> u64 {
        let mut h = self.trace;
        h.write_u64(self.events.digest());
        h.finish()
    }

    /// Applies objects (`kubectl apply`): creates them or updates existing
    /// ones, through admission. Stops at the first error.
    pub fn apply(
        &mut self,
        objects: impl IntoIterator<Item = AnyObject>,
    ) -> Result<Vec<ObjectKey>, ApiError> {
        let mut keys = Vec::new();
        for obj in objects {
            keys.push(self.store.apply(obj)?);
        }
        Ok(keys)
    }

    /// Sets a timer for a user action: the run that reaches `at` stops there
    /// and returns [`RunOutcome::Actions`] with `id`.
    pub fn schedule_action(&mut self, at: Time, id: u64) {
        self.timers.set(at, Timer::Action(id));
    }

    /// Runs until nothing is pending (or 24 hours of simulated time pass);
    /// the clock stops at the last instant that had work.
    pub fn run_until_idle(&mut self) -> RunOutcome {
        let limit = self.now.plus_millis(24 * 3_600_000);
        self.run(limit, false)
    }

    /// Runs for `ms` of simulated time; the clock ends `ms` later.
    pub fn run_for(&mut self, ms: i64) -> RunOutcome {
        self.run_until(self.now.plus_millis(ms))
    }

    /// Runs until simulated time `end`; the clock ends at `end` (or earlier
    /// when user actions come due).
    pub fn run_until(&mut self, end: Time) -> RunOutcome {
        self.run(end, true)
    }

    fn run(&mut self, end: Time, advance_to_end: bool) -> RunOutcome {
        let mut actions = Vec::new();
        loop {
            self.settle(&mut actions);
            if !actions.is_empty() {
                return RunOutcome::Actions(actions);
            }
            // Running to a fixed end passes through the periodic retries of
            // unschedulable pods; running to idle does not wait for them.
            let next = self.next_time(advance_to_end);
            let outcome = match next {
                Some(t) if t <= end => {
                    self.now = self.now.max(t);
                    self.store.set_now(self.now);
                    continue;
                }
                Some(_) => RunOutcome::TimeLimit,
                None => RunOutcome::Idle,
            };
            if advance_to_end && end > self.now {
                self.now = end;
                self.store.set_now(end);
            }
            return outcome;
        }
    }

    /// The earliest time anything is scheduled.
    fn next_time(&self, include_flush: bool) -> Option<Time> {
        let mut next = self.timers.next_time();
        for c in &self.controllers {
            if let Some(t) = c.queue.next_time() {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        let wakeup = if include_flush {
            self.scheduler.next_wakeup()
        } else {
            self.scheduler.next_busy_wakeup()
        };
        if let Some(t) = wakeup {
            next = Some(next.map_or(t, |n| n.min(t)));
        }
        next.map(|t| t.max(self.now))
    }

    /// Reads the feed: every actor observes every change once, in order.
    fn dispatch(&mut self) {
        let changes = self.store.changes(&self.cursor);
        if changes.is_empty() {
            return;
        }
        let now = self.now;
        self.last_write = now;
        for change in changes {
            if !self.config.skip_trace {
                trace::hash_change(&mut self.trace, &self.store, change, now);
            }
            for c in &mut self.controllers {
                let at = now.plus_millis(c.delay_ms);
                let queue = &mut c.queue;
                c.controller
                    .observe(&self.store, change, &mut |k| queue.add(k, at));
            }
            self.kubelet.observe(&self.store, change);
        }
        self.store.ack(&self.cursor);
    }

    /// Runs rounds at the current instant until nothing more happens.
    fn settle(&mut self, actions: &mut Vec<u64>) {
        for _ in 0..MAX_ROUNDS_PER_INSTANT {
            let rv = self.store.resource_version();
            self.dispatch();
            let mut busy = false;
            while let Some(timer) = self.timers.pop_due(self.now) {
                busy = true;
                self.fire(timer, actions);
                self.dispatch();
            }
            for i in 0..self.controllers.len() {
                while let Some(key) = self.controllers[i].queue.pop_due(self.now) {
                    busy = true;
                    let mut ctx = Ctx {
                        store: &mut self.store,
                        events: &mut self.events,
                        timers: &mut self.timers,
                        rng: &mut self.rng,
                        now: self.now,
                        controller: i,
                    };
                    self.controllers[i].controller.sync(&mut ctx, key);
                    self.dispatch();
                }
            }
            self.scheduler.sync(&mut self.store, self.now);
            let cycle = self
                .scheduler
                .schedule_pending(&mut self.store, self.now, &mut self.events);
            busy |= cycle.attempts > 0;
            self.dispatch();
            busy |= self
                .kubelet
                .act(&mut self.store, &mut self.timers, self.now, &mut self.events);
            if self.config.check_invariants && self.store.resource_version() != rv {
                self.check();
            }
            self.collect_audits();
            if !busy && self.store.resource_version() == rv && !self.store.has_changes(&self.cursor) {
                return;
            }
        }
        panic!(
            "livelock: more than {MAX_ROUNDS_PER_INSTANT} rounds at {} (seed {})",
            self.now, self.seed
        );
    }

    fn fire(&mut self, timer: Timer, actions: &mut Vec<u64>) {
        match timer {
            Timer::Pod { pod, uid, step } => {
                self.kubelet
                    .on_timer(&mut self.store, &mut self.timers, pod, uid, step, self.now);
            }
            Timer::Requeue { controller, key } => {
                if let Some(c) = self.controllers.get_mut(controller) {
                    c.queue.add(key, self.now);
                }
            }
            Timer::NodeSilent { node, uid } => nodes::mark_unreachable(self, node, uid),
            Timer::Evict { .. } | Timer::SchedulerWakeup => {}
            Timer::Action(id) => actions.push(id),
        }
    }

    /// Moves what the store's pod audit found into the violations.
    fn collect_audits(&mut self) {
        for f in self.store.take_audit_findings() {
            self.violations.push(invariants::Violation {
                invariant: f.invariant,
                detail: f.detail,
                at: f.at,
            });
        }
    }

    /// Whether no controller, kubelet or node work is pending (no timer, no
    /// queued key) and no node is failed: the state
    /// [`Simulation::check_converged`] can judge. The scheduler's own retry
    /// wake-ups do not count: a pod that fits nowhere is retried forever.
    pub fn is_quiescent(&self) -> bool {
        self.timers.is_empty()
            && self.controllers.iter().all(|c| c.queue.next_time().is_none())
            && !self
                .store
                .iter::<crate::api::Node>()
                .any(|(_, n)| self.kubelet.is_down(n.metadata.name.base()))
    }

    /// Checks the convergence invariants ([`invariants::check_converged`])
    /// and keeps the violations; does nothing and returns false unless the
    /// simulation [is quiescent](Simulation::is_quiescent) (run it to idle
    /// after recovering every failed node first).
    pub fn check_converged(&mut self) -> bool {
        if !self.is_quiescent() {
            return false;
        }
        self.collect_audits();
        let found = invariants::check_converged(&self.store, self.now);
        self.violations.extend(found);
        true
    }

    /// Checks the invariants now; violations are kept (see [`Simulation::violations`]).
    pub fn check(&mut self) {
        self.collect_audits();
        self.checks += 1;
        self.checked_rv = self.store.resource_version();
        let found = if self.config.skip_index_checks {
            invariants::check_objects(&self.store, self.now)
        } else {
            invariants::check(&self.store, self.now)
        };
        self.violations.extend(found);
        if self.config.check_rollouts {
            let found = self.rollouts.check(&self.store, self.now);
            self.violations.extend(found);
        }
    }

    /// [`Simulation::check`], unless the store has not changed since the
    /// last check (after a run with `check_invariants`, the last round that
    /// wrote was checked already); returns whether it checked.
    pub fn check_if_changed(&mut self) -> bool {
        if self.store.resource_version() == self.checked_rv {
            self.collect_audits();
            return false;
        }
        self.check();
        true
    }

    /// Turns the rolling-update bound checks after every step on or off (a
    /// fuzz harness turns them off once it has done something that may
    /// legitimately break them, such as deleting a pod by hand).
    pub fn set_check_rollouts(&mut self, on: bool) {
        self.config.check_rollouts = on;
    }

    /// Compares every index with its scan now; violations are kept.
    pub fn check_indexes(&mut self) {
        let found = invariants::check_indexes(&self.store, self.now);
        self.violations.extend(found);
    }

    /// Invariant violations found by checks so far.
    pub fn violations(&self) -> &[invariants::Violation] {
        &self.violations
    }

    /// How many invariant checks ran.
    pub fn checks(&self) -> u64 {
        self.checks
    }
}
