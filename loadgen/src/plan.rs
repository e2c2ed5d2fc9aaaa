//! `loadgen plan`: the smallest number of nodes of one shape on which every
//! pod of the scenario is placed, optionally keeping headroom on every node
//! and surviving the worst loss of a zone or of N nodes.
//!
//! A probe run on one node measures the workload's total requests, which
//! gives a lower bound; candidates above it are then simulated in parallel
//! batches (rayon), first growing until one fits, then narrowing until the
//! answer N fits and N-1 was simulated and does not. Every simulated point is
//! reported as the curve. Fitting is assumed monotone in N (more identical
//! nodes never hurt), which holds for the schedulers kubesim models.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Instant;

use kubesim::Symbol;
use kubesim::api::Pod;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cli::PlanArgs;
use crate::error::{Failure, Result, input};
use crate::progress::Progress;
use crate::report::summary::num;
use crate::run::{RunOptions, run};
use crate::scenario::format::{NodePool, Shape};
use crate::scenario::validate::parse_survive;
use crate::scenario::values::parse_fraction;
use crate::scenario::{Scenario, generate, nodespec};

/// What must still fit after a loss.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Survive {
    /// Nothing is lost.
    Nothing,
    /// The worst zone is lost.
    Zone,
    /// This many nodes are lost.
    Nodes(u32),
}

/// The question `plan` answers.
#[derive(Clone, Debug)]
pub struct PlanSpec {
    /// The node shape.
    pub shape: Shape,
    /// Zones the nodes spread over (round-robin).
    pub zones: Vec<String>,
    /// Labels on every node.
    pub labels: BTreeMap<String, String>,
    /// Fraction of every node kept free.
    pub headroom: f64,
    /// The loss to survive.
    pub survive: Survive,
    /// Give up above this many nodes.
    pub max_nodes: u32,
}

/// One simulated node count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Nodes.
    pub nodes: u32,
    /// Whether every pod was placed (in every loss case).
    pub fits: bool,
    /// Pods left pending (the worst case).
    pub pending: u64,
    /// Simulations run for this point (one per loss case).
    pub runs: u32,
    /// Allocation ratios of the worst case.
    pub utilization: BTreeMap<String, f64>,
}

/// The `plan` section of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    /// The node shape.
    pub node_shape: Shape,
    /// Fraction of every node kept free.
    pub headroom: f64,
    /// `none`, `zone` or `N-nodes`.
    pub survive: String,
    /// Zones.
    pub zones: Vec<String>,
    /// The lower bound from total requests.
    pub lower_bound: u32,
    /// The smallest node count that fits.
    pub answer: Option<u32>,
    /// Why no node count fits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impossible: Option<String>,
    /// Every simulated node count, ascending.
    pub curve: Vec<CurvePoint>,
    /// Simulations run, the probe included.
    pub simulations: u32,
}

/// The document `plan` writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    /// The report schema.
    pub schema: String,
    /// `plan`.
    pub command: String,
    /// The scenario's name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Threads.
    pub threads: usize,
    /// Wall time, seconds.
    pub wall_seconds: f64,
    /// The plan.
    pub plan: PlanReport,
}

/// The node pools of `n` nodes spread over the zones, without `lost_zone`.
fn pools(spec: &PlanSpec, n: u32, lost_zone: Option<usize>) -> Vec<NodePool> {
    let base = NodePool {
        name: Some("plan".into()),
        count: n,
        shape: spec.shape.clone(),
        labels: spec.labels.clone(),
        taints: Vec::new(),
        zones: Vec::new(),
        unschedulable: false,
    };
    if spec.zones.is_empty() {
        return vec![base];
    }
    let z = spec.zones.len() as u32;
    spec.zones
        .iter()
        .enumerate()
        .filter(|(j, _)| Some(*j) != lost_zone)
        .map(|(j, zone)| NodePool {
            name: Some(format!("plan-{zone}")),
            count: n / z + u32::from((j as u32) < n % z),
            zones: vec![zone.clone()],
            ..base.clone()
        })
        .filter(|p| p.count > 0)
        .collect()
}

/// The clusters that must all fit for `n` nodes.
fn cases(spec: &PlanSpec, n: u32) -> Vec<Vec<NodePool>> {
    match spec.survive {
        Survive::Nothing => vec![pools(spec, n, None)],
        Survive::Zone => (0..spec.zones.len()).map(|z| pools(spec, n, Some(z))).collect(),
        Survive::Nodes(k) => vec![pools(spec, n.saturating_sub(k), None)],
    }
}

struct Planner<'a> {
    scn: &'a Scenario,
    spec: &'a PlanSpec,
    seed: u64,
    threads: usize,
    keep: f64,
    quiet: Progress,
}

impl Planner<'_> {
    fn simulate(&self, nodes: Vec<NodePool>) -> Result<crate::report::RunReport> {
        let opts = RunOptions {
            nodes: Some(nodes),
            keep: self.keep,
            ..RunOptions::quiet(self.seed, self.threads, &self.quiet)
        };
        run(self.scn, opts, Instant::now(), 0.0).map(|(r, _)| r)
    }

    fn evaluate(&self, n: u32) -> Result<CurvePoint> {
        let runs: Vec<crate::report::RunReport> = cases(self.spec, n)
            .into_par_iter()
            .map(|c| self.simulate(c))
            .collect::<Result<_>>()?;
        let worst = runs
            .iter()
            .max_by_key(|r| r.pods.pending)
            .ok_or_else(|| input("no case to simulate"))?;
        Ok(CurvePoint {
            nodes: n,
            fits: runs.iter().all(|r| r.pods.pending == 0),
            pending: worst.pods.pending,
            runs: runs.len() as u32,
            utilization: worst.utilization.clone(),
        })
    }

    /// The probe: one node, to measure total and largest requests.
    fn lower_bound(&self) -> Result<(u32, Option<String>)> {
        let one = pools(
            &PlanSpec {
                zones: Vec::new(),
                ..self.spec.clone()
            },
            1,
            None,
        );
        // One of many simulations in parallel: the scheduler runs on one thread.
        let config = crate::run::sim_config(self.scn, 1, false, false);
        let sim = kubesim::sim::Simulation::new(config, self.seed);
        let setup = crate::exec::Setup {
            seed: self.seed,
            nodes: Some(one.clone()),
            keep: self.keep,
            sampling: false,
            events: None,
            progress: &self.quiet,
        };
        let mut d = crate::exec::Driver::new(sim, self.scn, setup);
        d.run()?;
        let node = &generate::pool_nodes(&one[0], 0, self.keep)[0];
        let cap = &node.status.allocatable;
        let mut totals: std::collections::HashMap<Symbol, i64> = std::collections::HashMap::new();
        let mut pods = 0i64;
        for (_, p) in d.sim.store().iter::<Pod>() {
            if p.is_terminal() || p.metadata.deletion_timestamp.is_some() {
                continue;
            }
            pods += 1;
            for (r, v) in p.spec.derived.requests.iter() {
                *totals.entry(r).or_default() += v;
                if v > cap.get_or_zero(r) {
                    let why = format!(
                        "pod {}/{} requests {} {} but a node of this shape offers {} (after headroom)",
                        p.metadata.namespace.as_str(),
                        p.metadata.name,
                        v,
                        r.as_str(),
                        cap.get_or_zero(r)
                    );
                    return Ok((0, Some(why)));
                }
            }
        }
        let mut lb = 1i64;
        for (r, total) in totals {
            let c = cap.get_or_zero(r);
            if c > 0 {
                lb = lb.max((total + c - 1) / c);
            }
        }
        let max_pods = cap.get_or_zero(Symbol::PODS).max(1);
        lb = lb.max((pods + max_pods - 1) / max_pods);
        let mut lb = u32::try_from(lb).unwrap_or(u32::MAX);
        match self.spec.survive {
            Survive::Nothing => {}
            Survive::Zone => {
                let z = self.spec.zones.len() as u64;
                lb = ((u64::from(lb) * z).div_ceil(z - 1)).min(u64::from(u32::MAX)) as u32;
            }
            Survive::Nodes(k) => lb = lb.saturating_add(k),
        }
        Ok((lb.max(1), None))
    }
}

/// Searches for the answer; returns (answer, why impossible, curve).
fn search(
    p: &Planner<'_>,
    lb: u32,
    progress: &Progress,
) -> Result<(Option<u32>, Option<String>, Vec<CurvePoint>)> {
    let k = p.threads.max(2) as u32;
    let max = p.spec.max_nodes;
    let mut seen: BTreeMap<u32, CurvePoint> = BTreeMap::new();
    let eval = |cands: Vec<u32>, seen: &mut BTreeMap<u32, CurvePoint>| -> Result<()> {
        let todo: Vec<u32> = cands.into_iter().filter(|c| !seen.contains_key(c)).collect();
        let points: Vec<CurvePoint> = todo
            .par_iter()
            .map(|&n| {
                let r = p.evaluate(n);
                progress.inc();
                r
            })
            .collect::<Result<_>>()?;
        for pt in points {
            seen.insert(pt.nodes, pt);
        }
        Ok(())
    };
    // Grow until something fits.
    let mut step = (lb / 20).max(1);
    let mut start = lb;
    loop {
        let cands: Vec<u32> = (0..k)
            .map(|j| start.saturating_add(j * step))
            .filter(|n| *n <= max)
            .collect();
        if cands.is_empty() {
            return Ok((
                None,
                Some(format!("no node count up to {max} fits (--max-nodes)")),
                seen.into_values().collect(),
            ));
        }
        eval(cands.clone(), &mut seen)?;
        if seen.values().any(|c| c.fits) {
            break;
        }
        let last = &seen[cands.last().unwrap_or(&start)];
        if last.utilization.values().all(|u| *u < 0.5) && last.pending > 0 {
            let why = format!(
                "{} pods stay pending at {} nodes with more than half of every resource free: they fit no node of this shape (see `run --set` with this shape for the reason)",
                last.pending, last.nodes
            );
            return Ok((None, Some(why), seen.into_values().collect()));
        }
        start = cands.last().copied().unwrap_or(start).saturating_add(step);
        step = step.saturating_mul(2);
    }
    // Narrow until N fits and N-1 does not, both simulated.
    loop {
        let hi = seen
            .values()
            .filter(|c| c.fits)
            .map(|c| c.nodes)
            .min()
            .unwrap_or(max);
        let lo = seen
            .values()
            .filter(|c| !c.fits && c.nodes < hi)
            .map(|c| c.nodes)
            .max();
        let cands: Vec<u32> = match lo {
            Some(lo) if lo + 1 == hi => return Ok((Some(hi), None, seen.into_values().collect())),
            Some(lo) => {
                let mut c: Vec<u32> = (1..=k)
                    .map(|j| lo + (hi - lo) * j / (k + 1))
                    .filter(|n| *n > lo && *n < hi)
                    .collect();
                c.dedup();
                if c.is_empty() {
                    c.push(lo + 1);
                }
                c
            }
            None if hi == 0 => return Ok((Some(0), None, seen.into_values().collect())),
            None => (1..=k).filter_map(|j| hi.checked_sub(j)).collect(),
        };
        eval(cands, &mut seen)?;
    }
}

fn spec_from(scn: &Scenario, args: &PlanArgs) -> Result<PlanSpec> {
    let defaults = scn.file.plan.clone().unwrap_or_default();
    let shape = match (&args.node_shape, defaults.node_shape) {
        (Some(s), _) => nodespec::parse_shape(s).map_err(|e| input(format!("--node-shape: {e}")))?,
        (None, Some(s)) => s,
        (None, None) => {
            return Err(input(
                "give --node-shape SHAPE (or plan.nodeShape in the scenario), e.g. 16cpu/64Gi",
            ));
        }
    };
    let zones = match &args.zones {
        Some(z) => z
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        None => defaults.zones,
    };
    let headroom = match &args.headroom {
        Some(h) => {
            parse_fraction(h)
                .map_err(|e| input(format!("--headroom: {e}")))?
                .0
        }
        None => defaults.headroom.map_or(0.0, |f| f.0),
    };
    if headroom >= 1.0 {
        return Err(input("--headroom must be below 100%"));
    }
    let survive = match args.survive.clone().or(defaults.survive) {
        None => Survive::Nothing,
        Some(s) => match parse_survive(&s).map_err(|e| input(format!("--survive: {e}")))? {
            None => Survive::Zone,
            Some(k) => Survive::Nodes(k),
        },
    };
    if survive == Survive::Zone && zones.len() < 2 {
        return Err(input(
            "--survive zone needs at least two zones (--zones a,b,c or plan.zones)",
        ));
    }
    Ok(PlanSpec {
        shape,
        zones,
        labels: defaults.labels,
        headroom,
        survive,
        max_nodes: args.max_nodes.or(defaults.max_nodes).unwrap_or(20_000),
    })
}

/// Plans for `scn`; the report and whether an answer was found.
pub fn plan(
    scn: &Scenario,
    spec: &PlanSpec,
    seed: u64,
    threads: usize,
    progress: &Progress,
) -> Result<PlanReport> {
    let planner = Planner {
        scn,
        spec,
        seed,
        threads,
        keep: 1.0 - spec.headroom,
        quiet: Progress::hidden(),
    };
    let (lb, impossible) = planner.lower_bound()?;
    let (answer, impossible, curve) = match impossible {
        Some(why) => (None, Some(why), Vec::new()),
        None => search(&planner, lb, progress)?,
    };
    let simulations = 1 + curve.iter().map(|c| c.runs).sum::<u32>();
    Ok(PlanReport {
        node_shape: spec.shape.clone(),
        headroom: spec.headroom,
        survive: match spec.survive {
            Survive::Nothing => "none".into(),
            Survive::Zone => "zone".into(),
            Survive::Nodes(k) => format!("{k}-nodes"),
        },
        zones: spec.zones.clone(),
        lower_bound: lb,
        answer,
        impossible,
        curve,
        simulations,
    })
}

fn summary(scn: &Scenario, p: &PlanReport, wall: f64, threads: usize) -> String {
    let mut s = String::new();
    let sh = &p.node_shape;
    let _ = writeln!(
        s,
        "plan       {}: nodes of {} CPU / {}, headroom {:.0}%, survive {}{}",
        scn.name,
        sh.cpu.0,
        sh.memory.0,
        p.headroom * 100.0,
        p.survive,
        if p.zones.is_empty() {
            String::new()
        } else {
            format!(" (zones {})", p.zones.join(", "))
        }
    );
    match (p.answer, &p.impossible) {
        (Some(n), _) => {
            let below = p.curve.iter().find(|c| c.nodes + 1 == n);
            let _ = writeln!(
                s,
                "answer     {} nodes{}",
                num(u64::from(n)),
                below.map_or(String::new(), |b| format!(
                    " ({} leave {} pods pending)",
                    b.nodes,
                    num(b.pending)
                ))
            );
        }
        (None, Some(why)) => {
            let _ = writeln!(s, "answer     impossible: {why}");
        }
        (None, None) => {
            let _ = writeln!(s, "answer     none");
        }
    }
    let _ = writeln!(
        s,
        "curve      {:>7}  {:>4}  {:>8}  allocation (worst case)",
        "nodes", "fits", "pending"
    );
    for c in &p.curve {
        let alloc: Vec<String> = c
            .utilization
            .iter()
            .map(|(k, v)| format!("{k} {:.0}%", v * 100.0))
            .collect();
        let _ = writeln!(
            s,
            "           {:>7}  {:>4}  {:>8}  {}",
            num(u64::from(c.nodes)),
            if c.fits { "yes" } else { "no" },
            num(c.pending),
            alloc.join("  ")
        );
    }
    let _ = writeln!(
        s,
        "wall       {wall:.2}s, {} simulations on {threads} threads",
        p.simulations
    );
    s
}

/// `loadgen plan`.
pub fn command(ctx: &crate::Ctx, args: &PlanArgs) -> Result<i32> {
    let (scn, _) = crate::load_source(&args.source)?;
    let spec = spec_from(&scn, args)?;
    if ctx.global.events.is_some() || ctx.global.check {
        eprintln!("loadgen: note: --events and --check apply to run and apply, not to plan's simulations");
    }
    let seed = ctx.global.seed.unwrap_or_else(|| scn.default_seed());
    let progress = Progress::bar(0, "node counts", !ctx.global.quiet);
    let report = plan(&scn, &spec, seed, ctx.threads, &progress)?;
    progress.finish();
    let wall = ctx.started.elapsed().as_secs_f64();
    if let Some(path) = &ctx.global.json {
        let doc = PlanDocument {
            schema: crate::report::SCHEMA.into(),
            command: "plan".into(),
            scenario: scn.name.clone(),
            seed,
            threads: ctx.threads,
            wall_seconds: wall,
            plan: report.clone(),
        };
        crate::output::write_json(path, &doc)?;
    }
    if let Some(path) = &ctx.global.svg {
        let curve: Vec<(u32, bool, u64)> = report
            .curve
            .iter()
            .map(|c| (c.nodes, c.fits, c.pending))
            .collect();
        let title = format!("{}: pending pods by node count", scn.name);
        crate::output::write_text(path, &crate::chart::plan_chart(&title, &curve, report.answer))?;
    }
    if !ctx.global.quiet && ctx.global.json.as_deref() != Some(std::path::Path::new("-")) {
        print!("{}", summary(&scn, &report, wall, ctx.threads));
    }
    match report.answer {
        Some(_) => Ok(0),
        None => Err(Failure::Check(format!(
            "plan impossible: {}",
            report.impossible.as_deref().unwrap_or("no node count fits")
        ))),
    }
}
