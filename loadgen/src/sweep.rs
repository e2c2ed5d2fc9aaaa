//! `loadgen sweep`: a grid of runs (the product of every `--vary` list,
//! times `--seeds` seeds), run in parallel (rayon), one report row per run,
//! in grid order whatever the thread count. `--shard I/N` runs rows I, I+N,
//! I+2N, ... so a big grid runs as a Kubernetes Indexed Job and `merge`
//! joins the shard reports.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cli::SweepArgs;
use crate::error::{Failure, Result, input};
use crate::progress::Progress;
use crate::report::summary::{dur, num};
use crate::report::{RunReport, SCHEMA};
use crate::run::{RunOptions, replay_command, run};
use crate::scenario::{self, Override, Scenario, overrides};

/// One parameter of the grid and its values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The field path.
    pub path: String,
    /// Its values, as read.
    pub values: Vec<Value>,
}

/// The grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Parameters, the first varying slowest.
    pub params: Vec<Param>,
    /// Seeds, varying fastest.
    pub seeds: Vec<u64>,
    /// Rows in the whole grid.
    pub rows: u64,
    /// A digest of the scenario and the grid, equal in every shard.
    pub hash: String,
}

/// Which shard a report holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, 0-based.
    pub index: u64,
    /// How many shards.
    pub count: u64,
}

/// One row: its grid position and the run's report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Row number in the whole grid.
    pub index: u64,
    /// The parameter values of this row, by path.
    pub params: BTreeMap<String, Value>,
    /// The run.
    #[serde(flatten)]
    pub run: RunReport,
}

/// The document `sweep` and `merge` write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepDocument {
    /// The report schema.
    pub schema: String,
    /// `sweep`.
    pub command: String,
    /// The scenario's name.
    pub scenario: String,
    /// Threads.
    pub threads: usize,
    /// Wall time, seconds.
    pub wall_seconds: f64,
    /// The grid.
    pub grid: Grid,
    /// The shard these rows are (absent for a whole grid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// The rows, by index.
    pub rows: Vec<Row>,
}

/// Parses `I/N`.
pub fn parse_shard(s: &str) -> Result<Shard> {
    let bad = || {
        input(format!(
            "invalid --shard {s:?}: expected I/N with 0 <= I < N, e.g. 0/4"
        ))
    };
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (index, count): (u64, u64) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if count == 0 || index >= count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// The values of each parameter at grid point `point`.
fn point_values(axes: &[Vec<Override>], mut point: usize) -> Vec<Override> {
    let mut out = vec![None; axes.len()];
    for (i, axis) in axes.iter().enumerate().rev() {
        out[i] = Some(axis[point % axis.len()].clone());
        point /= axis.len();
    }
    out.into_iter().flatten().collect()
}

fn grid_hash(text: &str, sets: &[String], axes: &[Vec<Override>], seeds: &[u64]) -> String {
    let mut h = kubesim::events::Fnv::default();
    h.write(text.as_bytes());
    for s in sets {
        h.write(s.as_bytes());
    }
    for axis in axes {
        for o in axis {
            h.write(o.to_arg().as_bytes());
        }
    }
    for s in seeds {
        h.write_u64(*s);
    }
    crate::report::hash_hex(h.finish())
}

/// The rows of a sweep, loaded and checked (each grid point's scenario).
pub struct Plan {
    grid: Grid,
    points: Vec<Arc<Scenario>>,
    rows: Vec<(u64, usize, u64)>,
}

/// Builds the grid and loads every grid point's scenario (bad values fail here, before any run).
pub fn prepare(args: &SweepArgs, seed: Option<u64>, shard: Option<&Shard>) -> Result<Plan> {
    let (base, _) = crate::load_source(&args.source)?;
    let axes: Vec<Vec<Override>> = args
        .vary
        .iter()
        .map(|v| overrides::parse_vary(v).map_err(input))
        .collect::<Result<_>>()?;
    if args.seeds == 0 {
        return Err(input("--seeds must be at least 1"));
    }
    let first = seed.unwrap_or_else(|| base.default_seed());
    let seeds: Vec<u64> = (0..u64::from(args.seeds))
        .map(|i| first.wrapping_add(i))
        .collect();
    let n_points: usize = axes.iter().map(Vec::len).product();
    let mut points = Vec::with_capacity(n_points);
    for p in 0..n_points {
        let mut sets = base.overrides.clone();
        sets.extend(point_values(&axes, p));
        points.push(Arc::new(scenario::load(&base.input, &sets)?));
    }
    let total = (n_points * seeds.len()) as u64;
    let rows = (0..total)
        .filter(|i| shard.is_none_or(|s| i % s.count == s.index))
        .map(|i| {
            (
                i,
                (i / seeds.len() as u64) as usize,
                seeds[(i % seeds.len() as u64) as usize],
            )
        })
        .collect();
    let grid = Grid {
        params: axes
            .iter()
            .map(|a| Param {
                path: a[0].path.clone(),
                values: a.iter().map(|o| o.value.clone()).collect(),
            })
            .collect(),
        hash: grid_hash(&base.input.text, &args.source.set, &axes, &seeds),
        seeds,
        rows: total,
    };
    Ok(Plan { grid, points, rows })
}

fn row_params(scn: &Scenario, base_sets: usize) -> BTreeMap<String, Value> {
    scn.overrides[base_sets..]
        .iter()
        .map(|o| (o.path.clone(), o.value.clone()))
        .collect()
}

/// Runs the plan's rows in parallel; rows come back in index order.
pub fn run_rows(
    plan: &Plan,
    threads: usize,
    check: bool,
    base_sets: usize,
    progress: &Progress,
) -> Result<Vec<Row>> {
    let quiet = Progress::hidden();
    plan.rows
        .par_iter()
        .map(|&(index, point, seed)| {
            let scn = &plan.points[point];
            let opts = RunOptions {
                check,
                replay_command: Some(replay_command(scn, seed)),
                ..RunOptions::quiet(seed, threads, &quiet)
            };
            let (run, _) = run(scn, opts, Instant::now(), 0.0)?;
            progress.inc();
            Ok(Row {
                index,
                params: row_params(scn, base_sets),
                run,
            })
        })
        .collect()
}

/// The terminal table of rows.
pub fn table(rows: &[Row]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>5}  {:<32} {:>6}  {:<16} {:>8} {:>9} {:>9} {:>8}",
        "row", "params", "seed", "trace", "pending", "sched p99", "start p99", "wall"
    );
    for r in rows {
        let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            s,
            "{:>5}  {:<32} {:>6}  {:<16} {:>8} {:>9} {:>9} {:>8}",
            r.index,
            params.join(" "),
            r.run.seed,
            r.run.trace_hash,
            num(r.run.pods.pending),
            dur(r.run.latency.scheduling.p99),
            dur(r.run.latency.startup.p99),
            dur(r.run.wall_seconds)
        );
    }
    s
}

/// Writes a sweep document and prints the table; fails when a row found a violation.
pub fn finish(ctx: &crate::Ctx, doc: &SweepDocument) -> Result<i32> {
    if let Some(path) = &ctx.global.json {
        crate::output::write_json(path, doc)?;
    }
    if !ctx.global.quiet && ctx.global.json.as_deref() != Some(std::path::Path::new("-")) {
        print!("{}", table(&doc.rows));
        println!(
            "{} rows in {:.2}s on {} threads",
            doc.rows.len(),
            doc.wall_seconds,
            doc.threads
        );
    }
    let bad: Vec<&Row> = doc
        .rows
        .iter()
        .filter(|r| !r.run.invariants.violations.is_empty())
        .collect();
    for r in &bad {
        eprintln!("row {}:", r.index);
        crate::run::print_violations(&r.run);
    }
    if !bad.is_empty() {
        return Err(Failure::Check(format!(
            "{} row(s) with invariant violations",
            bad.len()
        )));
    }
    Ok(0)
}

/// `loadgen sweep`.
pub fn command(ctx: &crate::Ctx, args: &SweepArgs) -> Result<i32> {
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    if ctx.global.events.is_some() || ctx.global.svg.is_some() {
        eprintln!("loadgen: note: --events and --svg apply to run, apply and plan, not to sweep rows");
    }
    let plan = prepare(args, ctx.global.seed, shard.as_ref())?;
    let base_sets = args.source.set.len();
    let progress = Progress::bar(plan.rows.len() as u64, "runs", !ctx.global.quiet);
    let rows = run_rows(&plan, ctx.threads, ctx.global.check, base_sets, &progress)?;
    progress.finish();
    let doc = SweepDocument {
        schema: SCHEMA.into(),
        command: "sweep".into(),
        scenario: plan.points[0].name.clone(),
        threads: ctx.threads,
        wall_seconds: ctx.started.elapsed().as_secs_f64(),
        grid: plan.grid,
        shard,
        rows,
    };
    finish(ctx, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_points_vary_the_first_parameter_slowest() {
        let a = overrides::parse_vary("a=1,2").unwrap();
        let b = overrides::parse_vary("b=x,y,z").unwrap();
        let axes = vec![a, b];
        let p = point_values(&axes, 4);
        assert_eq!((p[0].raw.as_str(), p[1].raw.as_str()), ("2", "y"));
        assert!(parse_shard("2/2").is_err());
        assert_eq!(parse_shard("1/4").unwrap(), Shard { index: 1, count: 4 });
    }
}
