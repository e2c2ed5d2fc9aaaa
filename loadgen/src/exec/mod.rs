//! The driver: runs a scenario's steps on a [`Simulation`], stepping from
//! one busy instant to the next so that it can sample the cluster, fire
//! background work (churn, trace replay), stream events, watch invariants
//! and show progress, without changing the trace: a run stepped this way
//! passes through exactly the instants one long run would.

mod background;
mod ops;
pub mod recorder;
mod tally;
pub mod throughput;

use std::io::Write;
use std::time::{Duration, Instant};

use kubesim::api::Time;
use kubesim::rng::Rng;
use kubesim::sim::Simulation;

use crate::error::{Failure, Result, input};
use crate::progress::Progress;
use crate::scenario::format::{NodePool, Workload};
use crate::scenario::steps::Op;
use crate::scenario::{Scenario, generate};
use background::Background;
use recorder::Recorder;
use throughput::Throughput;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Nothing was pending any more.
    Converged,
    /// `run.until` was reached.
    Until,
    /// Gave up waiting at the limit.
    Limit,
    /// `--check` found a violation.
    Violation,
}

impl Ending {
    /// As the report writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Converged => "converged",
            Ending::Until => "until",
            Ending::Limit => "limit",
            Ending::Violation => "violation",
        }
    }
}

/// A violation found: the run stops.
struct Stop;

/// What a driver is told besides the scenario.
pub struct Setup<'a> {
    /// The seed.
    pub seed: u64,
    /// Node pools replacing the scenario's (and the trace's) nodes (`plan`).
    pub nodes: Option<Vec<NodePool>>,
    /// The fraction of each node's capacity that is allocatable (`plan --headroom`).
    pub keep: f64,
    /// Keep samples of the cluster over time.
    pub sampling: bool,
    /// Where to stream events (JSON lines).
    pub events: Option<&'a mut dyn Write>,
    /// Progress display.
    pub progress: &'a Progress,
}

/// Runs one scenario on one simulation.
pub struct Driver<'a> {
    /// The simulation.
    pub sim: Simulation,
    scn: &'a Scenario,
    setup: Setup<'a>,
    rng: Rng,
    /// Samples and pod records.
    pub rec: Recorder,
    background: Vec<Background>,
    pool_next: std::collections::BTreeMap<String, u32>,
    /// Wall time spent in the simulation loop.
    pub sim_wall: Duration,
    /// Wall time spent performing steps (generating and admitting objects).
    pub ops_wall: Duration,
    /// Scheduling throughput.
    pub throughput: Throughput,
    /// Things worth reporting (namespaces created, kinds not simulated).
    pub notes: Vec<String>,
    violations_seen: usize,
}

impl<'a> Driver<'a> {
    /// A driver for `scn` on `sim`.
    pub fn new(mut sim: Simulation, scn: &'a Scenario, setup: Setup<'a>) -> Driver<'a> {
        let rec = Recorder::new(&mut sim, setup.sampling);
        let rng = Rng::derive(setup.seed, generate::stream_of("loadgen"));
        Driver {
            sim,
            scn,
            setup,
            rng,
            rec,
            background: Vec::new(),
            pool_next: Default::default(),
            sim_wall: Duration::ZERO,
            ops_wall: Duration::ZERO,
            throughput: Throughput::default(),
            notes: Vec::new(),
            violations_seen: 0,
        }
    }

    /// Runs the simulation up to and including instant `to`, then records.
    fn step_to(&mut self, to: Time) -> Result<(), Stop> {
        self.rec.before_advance(&mut self.sim, to);
        let bound = self.sim.scheduler().stats().scheduled;
        let t0 = Instant::now();
        self.sim.run_until(to);
        let wall = t0.elapsed();
        self.sim_wall += wall;
        let bound = self.sim.scheduler().stats().scheduled - bound;
        self.throughput.step(bound, wall);
        self.rec.sync(&mut self.sim);
        if let Some(w) = self.setup.events.as_deref_mut() {
            for e in self.sim.drain_events() {
                // A failed write (a closed pipe) must not change the run.
                let _ = writeln!(w, "{}", e.to_json_line());
            }
        }
        self.setup.progress.tick(&self.sim);
        if self.sim.violations().len() > self.violations_seen {
            self.violations_seen = self.sim.violations().len();
            return Err(Stop);
        }
        Ok(())
    }

    /// Processes what the last writes at the current instant set off.
    fn settle(&mut self) -> Result<(), Stop> {
        let now = self.sim.now();
        self.step_to(now)
    }

    /// The earliest time background work is due.
    fn next_background(&self) -> Option<Time> {
        self.background.iter().filter_map(Background::next).min()
    }

    /// Fires every background task due at or before now.
    fn fire_background(&mut self) -> Result<()> {
        let now = self.sim.now();
        let mut tasks = std::mem::take(&mut self.background);
        for task in &mut tasks {
            while task.next().is_some_and(|t| t <= now) {
                task.fire(self)?;
            }
        }
        tasks.retain(|t| t.next().is_some());
        // Tasks started while firing (none today) would be in self.background.
        tasks.append(&mut self.background);
        self.background = tasks;
        Ok(())
    }

    /// Runs until `to`: every busy instant up to it, background work on
    /// the way; the clock ends at `to`.
    fn advance_to(&mut self, to: Time) -> Result<Result<(), Stop>> {
        loop {
            if let Err(s) = self.settle() {
                return Ok(Err(s));
            }
            let next = [self.sim.next_event_time(), self.next_background()]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= to => {
                    if let Err(s) = self.step_to(t) {
                        return Ok(Err(s));
                    }
                    self.fire_background()?;
                }
                _ => {
                    if to > self.sim.now() {
                        return Ok(self.step_to(to));
                    }
                    return Ok(Ok(()));
                }
            }
        }
    }

    /// Runs until nothing is pending (and, with `background`, no background
    /// work is left), or `deadline`. Returns whether it converged.
    fn wait_idle(&mut self, deadline: Time, background: bool) -> Result<Result<bool, Stop>> {
        loop {
            if let Err(s) = self.settle() {
                return Ok(Err(s));
            }
            let ev = self.sim.next_event_time();
            let bg = self.next_background();
            let next = match (ev, bg) {
                (Some(e), Some(b)) => Some(e.min(b)),
                (Some(e), None) => Some(e),
                (None, b) if background => b,
                (None, _) => None,
            };
            match next {
                None => return Ok(Ok(true)),
                Some(t) if t > deadline => {
                    return Ok(self.step_to(deadline).map(|()| false));
                }
                Some(t) => {
                    if let Err(s) = self.step_to(t) {
                        return Ok(Err(s));
                    }
                    self.fire_background()?;
                }
            }
        }
    }

    /// Performs an operation now (timed by `ops_wall`).
    fn perform(&mut self, op: &Op, path: &str) -> Result<()> {
        let t0 = Instant::now();
        let r = self.op(op, path);
        self.ops_wall += t0.elapsed();
        let measured = match op {
            Op::CreatePods(g) | Op::Apply(Workload::Pods(g)) => g.collect_metrics,
            _ => false,
        };
        if measured {
            self.throughput.open();
        }
        r
    }

    /// Runs the whole scenario: nodes, workloads, timeline, then until
    /// convergence (or `run.until`).
    pub fn run(&mut self) -> Result<Ending> {
        let ending = self.run_steps();
        self.rec.finish(&mut self.sim);
        ending
    }

    fn run_steps(&mut self) -> Result<Ending> {
        let file = &self.scn.file;
        let limit = file.run.limit.map_or(24 * 3_600_000, |m| m.0);
        let t0 = Instant::now();
        self.create_initial_nodes()?;
        self.ops_wall += t0.elapsed();
        for (i, w) in file.workloads.iter().enumerate() {
            self.perform(&Op::Apply(w.clone()), &format!("workloads[{i}]"))?;
        }
        if self.scn.trace.is_some() {
            self.start_replay()?;
        }
        let mut last = self.sim.now();
        for (i, step) in file.timeline.iter().enumerate() {
            let at = match (step.at, step.after) {
                (Some(at), _) => Time::from_millis(at.0),
                (None, Some(after)) => last.plus_millis(after.0),
                (None, None) => self.sim.now(),
            };
            if at > self.sim.now() && self.advance_to(at)?.is_err() {
                return Ok(Ending::Violation);
            }
            let path = format!("timeline[{i}].{}", step.op.name());
            match &step.op {
                Op::Barrier(b) => {
                    let deadline = self.sim.now().plus_millis(b.timeout.map_or(limit, |t| t.0));
                    if self.wait_idle(deadline, false)?.is_err() {
                        return Ok(Ending::Violation);
                    }
                    self.throughput.close();
                }
                Op::Sleep(d) => {
                    let to = self.sim.now().plus_millis(d.0);
                    if self.advance_to(to)?.is_err() {
                        return Ok(Ending::Violation);
                    }
                }
                op => self.perform(op, &path)?,
            }
            last = self.sim.now();
        }
        if let Some(until) = file.run.until {
            let r = self.advance_to(Time::from_millis(until.0))?;
            return Ok(if r.is_err() {
                Ending::Violation
            } else {
                Ending::Until
            });
        }
        // The limit counts from the last step or the end of background work.
        let busy_until = self.background.iter().filter_map(Background::last).max();
        let deadline = self
            .sim
            .now()
            .max(busy_until.unwrap_or(Time::ZERO))
            .plus_millis(limit);
        Ok(match self.wait_idle(deadline, true)? {
            Err(Stop) => Ending::Violation,
            Ok(true) => Ending::Converged,
            Ok(false) => Ending::Limit,
        })
    }

    /// The scenario's node pools (or the plan's), and the trace's nodes.
    fn create_initial_nodes(&mut self) -> Result<()> {
        let pools = match &self.setup.nodes {
            Some(p) => p.clone(),
            None => self.scn.file.nodes.clone(),
        };
        for pool in &pools {
            self.create_nodes(pool)?;
        }
        if self.setup.nodes.is_none()
            && let Some(trace) = self.scn.trace.clone()
        {
            let mode = background::gpu_mode(self.scn);
            for n in &trace.nodes {
                self.sim
                    .store_mut()
                    .create(n.to_node(mode))
                    .map_err(|e| input(format!("replay node {}: {e}", n.name)))?;
            }
        }
        Ok(())
    }

    /// Fails with a message about the step at `path`.
    fn fail(path: &str, message: impl std::fmt::Display) -> Failure {
        input(format!("{path}: {message}"))
    }
}
