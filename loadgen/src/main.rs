//! `loadgen`: scenarios, capacity planning, sweeps and reports on top of kubesim.
//!
//! `main` parses the command line, sets up the thread pool and dispatches;
//! each command lives in its own module. Exit codes: 0 success, 1 a check
//! failed (invariant violation, plan impossible), 2 bad input.

mod apply;
mod chart;
mod cli;
mod error;
mod exec;
mod merge;
mod output;
mod plan;
mod presets;
mod progress;
mod replay;
mod report;
mod run;
mod scenario;
mod sweep;

use std::time::Instant;

use clap::Parser;

use cli::{Cli, Command, Global, Source};
use error::{Result, input};
use scenario::{Input, Scenario, overrides};

/// What every command gets: the global flags, the thread count, the start time.
pub struct Ctx {
    /// Global flags.
    pub global: Global,
    /// Threads in rayon's pool.
    pub threads: usize,
    /// When the command started.
    pub started: Instant,
}

/// Loads the scenario a command names, with its `--set` overrides; returns
/// it with the seconds loading took.
pub fn load_source(src: &Source) -> Result<(Scenario, f64)> {
    let t0 = Instant::now();
    let inp = match (&src.scenario, &src.preset) {
        (Some(path), _) => Input::file(path)?,
        (None, Some(name)) => Input::preset(name)?,
        (None, None) => return Err(input("give a SCENARIO file or --preset NAME")),
    };
    let sets = src
        .set
        .iter()
        .map(|s| overrides::parse_set(s).map_err(input))
        .collect::<Result<Vec<_>>>()?;
    let scn = scenario::load(&inp, &sets)?;
    Ok((scn, t0.elapsed().as_secs_f64()))
}

fn presets_command(args: &cli::PresetsArgs) -> Result<i32> {
    match &args.name {
        Some(name) => {
            let p = presets::get(name).ok_or_else(|| {
                input(format!(
                    "unknown preset {name:?}: expected one of {}",
                    presets::names().join(", ")
                ))
            })?;
            print!("{}", p.text);
        }
        None => {
            for p in presets::PRESETS {
                println!("{:<20} {}", p.name, p.summary);
            }
        }
    }
    Ok(0)
}

fn dispatch(cli: Cli) -> Result<i32> {
    let threads = cli
        .global
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(input("--threads must be at least 1"));
    }
    // Only fails if a pool exists already, which is fine.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    let ctx = Ctx {
        global: cli.global,
        threads,
        started: Instant::now(),
    };
    match &cli.command {
        Command::Run(a) => run::command(&ctx, a),
        Command::Apply(a) => apply::command(&ctx, a),
        Command::Plan(a) => plan::command(&ctx, a),
        Command::Sweep(a) => sweep::command(&ctx, a),
        Command::Merge(a) => merge::command(&ctx, a),
        Command::Presets(a) => presets_command(a),
    }
}

fn main() {
    let cli = Cli::parse();
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("loadgen: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
