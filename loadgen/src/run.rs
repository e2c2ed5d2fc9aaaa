//! One simulation of a scenario, start to report: the simulation's
//! configuration from the scenario and flags, the driver, and the report.

use std::io::Write;
use std::time::Instant;

use kubesim::api::{Node, Pod};
use kubesim::sim::{SimConfig, Simulation};

use crate::error::Result;
use crate::exec::recorder::{PodRecord, allocation, count_pods};
use crate::exec::{Driver, Ending, Setup};
use crate::progress::Progress;
use crate::report::{self, Invariants, Latency, Nodes, Phases, Placement, RunReport, Violation, latency};
use crate::scenario::Scenario;
use crate::scenario::format::NodePool;

/// How to run a scenario, besides the scenario.
pub struct RunOptions<'a> {
    /// The seed.
    pub seed: u64,
    /// Threads available (rayon's pool; the scheduler's parallelism unless
    /// the scenario sets it or the run is `nested`).
    pub threads: usize,
    /// One of several runs going on in parallel (plan, sweep): the parallelism
    /// is across runs, so the scheduler filters and scores on one thread
    /// (results never depend on it) instead of oversubscribing the pool.
    pub nested: bool,
    /// Check invariants after every step.
    pub check: bool,
    /// Stream events here (JSON lines).
    pub events: Option<&'a mut dyn Write>,
    /// Keep samples over time.
    pub sampling: bool,
    /// Replace the scenario's nodes (plan).
    pub nodes: Option<Vec<NodePool>>,
    /// Fraction of node capacity allocatable (plan's headroom).
    pub keep: f64,
    /// List every pod's node in the report (apply).
    pub placements: bool,
    /// The command that replays this run, printed with a violation.
    pub replay_command: Option<String>,
    /// Progress display.
    pub progress: &'a Progress,
}

impl RunOptions<'_> {
    /// Options for a quiet run (plan and sweep rows: `nested`).
    pub fn quiet(seed: u64, threads: usize, progress: &Progress) -> RunOptions<'_> {
        RunOptions {
            seed,
            threads,
            nested: true,
            check: false,
            events: None,
            sampling: false,
            nodes: None,
            keep: 1.0,
            placements: false,
            replay_command: None,
            progress,
        }
    }
}

/// The simulation's configuration.
pub fn sim_config(scn: &Scenario, threads: usize, check: bool, keep_events: bool) -> SimConfig {
    let f = &scn.file;
    SimConfig {
        kubelet: f.kubelet.clone(),
        delays: f.controllers.clone(),
        node_lifecycle: f.node_lifecycle.clone(),
        scheduler: crate::scenario::sched::config(&f.scheduler, threads),
        keep_events,
        check_invariants: check,
        check_rollouts: false,
        audit_scheduling: check,
        skip_index_checks: false,
        skip_trace: false,
    }
}

/// Rounds a ratio to six decimals, as the report's other ratios.
fn r6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Core's placement quality of the store, as the report writes it.
fn placement(store: &kubesim::store::Store) -> report::PlacementQuality {
    let q = kubesim::sched::placement_quality(store);
    report::PlacementQuality {
        nodes: q.nodes as u64,
        nodes_used: q.nodes_used as u64,
        pods_bound: q.pods_bound as u64,
        pending: q.pending as u64,
        allocation: q
            .allocation
            .iter()
            .map(|a| (a.resource.clone(), r6(a.ratio)))
            .collect(),
        fragmentation_cpu: r6(q.fragmentation_cpu),
        fragmentation_memory: r6(q.fragmentation_memory),
    }
}

fn latencies(records: &[PodRecord]) -> Latency {
    let mut sched: Vec<i64> = records
        .iter()
        .filter_map(|r| r.scheduled.map(|t| t.since(r.created)))
        .collect();
    let mut start: Vec<i64> = records
        .iter()
        .filter_map(|r| r.ready.map(|t| t.since(r.created)))
        .collect();
    Latency {
        scheduling: latency::percentiles(&mut sched),
        startup: latency::percentiles(&mut start),
    }
}

fn replay_report(scn: &Scenario, records: &[PodRecord]) -> Option<report::Replay> {
    let trace = scn.trace.as_ref()?;
    let ns = scn
        .file
        .replay
        .as_ref()
        .and_then(|r| r.namespace.clone())
        .unwrap_or_else(|| "replay".into());
    let mine: Vec<&PodRecord> = records.iter().filter(|r| r.namespace.as_str() == ns).collect();
    let placed = mine.iter().filter(|r| r.scheduled.is_some()).count() as u64;
    let mut waits: Vec<i64> = mine
        .iter()
        .filter_map(|r| r.scheduled.map(|t| t.since(r.created)))
        .filter(|w| *w > 0)
        .collect();
    Some(report::Replay {
        nodes: trace.nodes.len() as u64,
        pods: mine.len() as u64,
        placed,
        never_placed: mine.len() as u64 - placed,
        waited: waits.len() as u64,
        wait: latency::percentiles(&mut waits),
    })
}

fn placements(sim: &Simulation) -> Vec<Placement> {
    let mut out: Vec<Placement> = sim
        .store()
        .iter::<Pod>()
        .filter_map(|(_, p)| {
            p.node_name.map(|n| Placement {
                pod: format!("{}/{}", p.metadata.namespace.as_str(), p.metadata.name),
                node: n.as_str().to_owned(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.pod.cmp(&b.pod));
    out
}

/// Runs `scn` and reports. `started` is when the command started (for
/// `wall_seconds`); `load_seconds` how long loading the scenario took.
pub fn run<'a>(
    scn: &'a Scenario,
    opts: RunOptions<'a>,
    started: Instant,
    load_seconds: f64,
) -> Result<(RunReport, Ending)> {
    let sched_threads = if opts.nested { 1 } else { opts.threads };
    let config = sim_config(scn, sched_threads, opts.check, opts.events.is_some());
    let sim = Simulation::new(config, opts.seed);
    let setup = Setup {
        seed: opts.seed,
        nodes: opts.nodes,
        keep: opts.keep,
        sampling: opts.sampling,
        events: opts.events,
        progress: opts.progress,
    };
    let mut driver = Driver::new(sim, scn, setup);
    let ending = driver.run()?;
    let t_report = Instant::now();
    let sim = &driver.sim;
    let store = sim.store();
    let stats = sim.scheduler().stats();
    let records = driver.rec.all_records(store);
    let simulate = driver.sim_wall.as_secs_f64();
    let notes = std::mem::take(&mut driver.notes);
    let violations: Vec<Violation> = sim
        .violations()
        .iter()
        .map(|v| Violation {
            invariant: v.invariant.to_owned(),
            detail: v.detail.clone(),
            at_seconds: report::secs(v.at.millis()),
        })
        .collect();
    let mut rep = RunReport {
        scenario: scn.name.clone(),
        seed: opts.seed,
        trace_hash: report::hash_hex(sim.trace_hash()),
        threads: opts.threads,
        wall_seconds: 0.0,
        phases: Phases {
            load: load_seconds,
            generate: driver.ops_wall.as_secs_f64(),
            simulate,
            report: driver.rec.wall.as_secs_f64(),
        },
        sim_seconds: report::secs(sim.now().millis()),
        converged_seconds: report::secs(sim.last_write_time().millis()),
        outcome: ending.as_str().to_owned(),
        nodes: Nodes {
            total: store.count::<Node>() as u64,
            ready: store.iter::<Node>().filter(|(_, n)| n.is_ready()).count() as u64,
            unschedulable: store.iter::<Node>().filter(|(_, n)| n.spec.unschedulable).count() as u64,
        },
        pods: count_pods(store),
        scheduler: report::Scheduler {
            attempts: stats.attempts,
            scheduled: stats.scheduled,
            unschedulable: stats.unschedulable,
            pods_per_second: driver.throughput.pods_per_second(),
            measured_pods: driver.throughput.pods,
            measured_seconds: driver.throughput.wall.as_secs_f64(),
            preemptions: stats.preemptions,
            victims: stats.victims,
            fast_path: stats.fast_path,
        },
        utilization: allocation(store),
        placement: placement(store),
        latency: latencies(&records),
        events_total: sim.event_log().total(),
        invariants: Invariants {
            checked: sim.checks(),
            replay_command: (!violations.is_empty())
                .then(|| opts.replay_command.clone())
                .flatten(),
            violations,
        },
        pending: report::pending::pending(store),
        timeline: std::mem::take(&mut driver.rec.samples),
        replay: replay_report(scn, &records),
        placements: opts.placements.then(|| placements(sim)),
        notes,
    };
    rep.phases.report += t_report.elapsed().as_secs_f64();
    rep.wall_seconds = started.elapsed().as_secs_f64();
    Ok((rep, ending))
}

/// The command that replays a run of `scn` with `seed` under `--check`.
pub fn replay_command(scn: &Scenario, seed: u64) -> String {
    let mut cmd = format!("loadgen run {} --seed {seed} --check", scn.input.as_arg());
    for o in &scn.overrides {
        cmd.push_str(&format!(" --set {}", crate::scenario::shell_quote(&o.to_arg())));
    }
    cmd
}

/// Prints a run's violations and the command that replays them.
pub fn print_violations(rep: &RunReport) {
    for v in &rep.invariants.violations {
        eprintln!("violation at {}s: {}: {}", v.at_seconds, v.invariant, v.detail);
    }
    if let Some(cmd) = &rep.invariants.replay_command {
        eprintln!("replay with: {cmd}");
    }
}

/// Runs a scenario with the command's flags and writes every output.
pub fn run_and_write(
    ctx: &crate::Ctx,
    scn: &Scenario,
    load_seconds: f64,
    command: &str,
    placements: bool,
    replay: String,
) -> Result<RunReport> {
    let g = &ctx.global;
    let seed = g.seed.unwrap_or_else(|| scn.default_seed());
    let mut events = g
        .events
        .as_deref()
        .map(crate::output::EventsFile::create)
        .transpose()?;
    let progress = Progress::spinner(!g.quiet);
    let opts = RunOptions {
        seed,
        threads: ctx.threads,
        nested: false,
        check: g.check,
        events: events.as_mut().map(|e| &mut e.out as &mut dyn Write),
        sampling: true,
        nodes: None,
        keep: 1.0,
        placements,
        replay_command: Some(replay),
        progress: &progress,
    };
    let result = run(scn, opts, ctx.started, load_seconds);
    progress.finish();
    let (rep, ending) = match result {
        Ok(r) => r,
        Err(e) => {
            if let Some(ev) = events {
                ev.discard();
            }
            return Err(e);
        }
    };
    if let Some(ev) = events {
        ev.finish()?;
    }
    if let Some(path) = &g.json {
        let doc = report::RunDocument {
            schema: report::SCHEMA.into(),
            command: command.into(),
            run: rep.clone(),
        };
        crate::output::write_json(path, &doc)?;
    }
    if let Some(path) = &g.svg {
        crate::output::write_text(path, &crate::chart::run_chart(&rep))?;
    }
    if ending == Ending::Violation {
        print_violations(&rep);
    }
    Ok(rep)
}

/// `loadgen run`.
pub fn command(ctx: &crate::Ctx, args: &crate::cli::RunArgs) -> Result<i32> {
    let (scn, load_seconds) = crate::load_source(&args.source)?;
    if args.dry_run {
        let f = &scn.file;
        let nodes: u64 = f.nodes.iter().map(|p| u64::from(p.count)).sum();
        let replay = scn.trace.as_ref().map_or(String::new(), |t| {
            format!(", a trace of {} nodes and {} pods", t.nodes.len(), t.pods.len())
        });
        let objects: usize = scn.objects.values().map(|o| o.len()).sum();
        println!(
            "{}: ok: {nodes} nodes in {} pools, {} workloads ({objects} manifest objects), {} steps{replay}",
            scn.input.display,
            f.nodes.len(),
            f.workloads.len(),
            f.timeline.len()
        );
        return Ok(0);
    }
    let seed = ctx.global.seed.unwrap_or_else(|| scn.default_seed());
    let replay = replay_command(&scn, seed);
    let rep = run_and_write(ctx, &scn, load_seconds, "run", false, replay)?;
    if !ctx.global.quiet && ctx.global.json.as_deref() != Some(std::path::Path::new("-")) {
        print!("{}", report::summary::run_summary(&rep));
    }
    if !rep.invariants.violations.is_empty() {
        return Err(crate::error::Failure::Check(format!(
            "{} invariant violation(s)",
            rep.invariants.violations.len()
        )));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Input, load, overrides::parse_set};

    #[test]
    fn the_replay_command_names_the_scenario_seed_and_overrides() {
        let inp = Input::preset("zone-outage").unwrap();
        let scn = load(&inp, &[parse_set("kubelet.startLatency={fixed: 2s}").unwrap()]).unwrap();
        assert_eq!(
            replay_command(&scn, 3),
            "loadgen run --preset zone-outage --seed 3 --check --set 'kubelet.startLatency={fixed: 2s}'"
        );
    }
}
