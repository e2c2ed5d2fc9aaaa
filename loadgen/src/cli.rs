//! The command line (clap): global flags and one subcommand per job, each
//! with an example in its `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Scenarios, capacity planning, parallel sweeps and reports on top of kubesim.
#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    version,
    about = "Simulate a Kubernetes cluster and workload, deterministically and fast, and read the answer",
    after_help = "Examples:\n  loadgen presets\n  loadgen run --preset zone-outage --svg outage.svg\n  loadgen apply -f k8s/ --nodes 3x4cpu/16Gi\n  loadgen plan --preset capacity-plan\n  loadgen sweep my.yaml --vary nodes[0].count=10,20 --seeds 8 --json rows.json\n\nExit codes: 0 success, 1 a check failed (invariant violation, plan impossible), 2 bad input."
)]
pub struct Cli {
    /// Flags every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Clone, Debug, Args)]
pub struct Global {
    /// Seed of the simulation (default: the scenario's `seed`, else 1).
    #[arg(long, global = true, value_name = "N")]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Write the report as JSON to PATH (`-` for stdout).
    #[arg(long, global = true, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write every event as a JSON line to PATH (simulating commands).
    #[arg(long, global = true, value_name = "PATH")]
    pub events: Option<PathBuf>,
    /// Write charts as SVG to PATH.
    #[arg(long, global = true, value_name = "PATH")]
    pub svg: Option<PathBuf>,
    /// Check invariants after every step; a violation stops the run, is
    /// printed with the command that replays it, and exits with code 1.
    #[arg(long, global = true)]
    pub check: bool,
    /// Print no summary.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Which scenario: a file or a preset.
#[derive(Clone, Debug, Args)]
pub struct Source {
    /// A scenario file (YAML or JSON; see docs/scenario-format.md).
    #[arg(
        value_name = "SCENARIO",
        required_unless_present = "preset",
        conflicts_with = "preset"
    )]
    pub scenario: Option<String>,
    /// A preset instead of a file (see `loadgen presets`).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Override a field of the scenario, e.g. `--set nodes[0].count=20`
    /// (repeatable; VALUE is YAML).
    #[arg(long = "set", value_name = "PARAM=VALUE")]
    pub set: Vec<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one simulation of a scenario and report.
    #[command(
        after_help = "Example:\n  loadgen run --preset cluster-5k --json report.json\n  loadgen run my-cluster.yaml --seed 7 --check --events events.jsonl --svg run.svg"
    )]
    Run(RunArgs),
    /// Simulate Kubernetes manifests on a cluster described inline, and show
    /// where every pod went and what stayed pending, and why.
    #[command(
        after_help = "Example:\n  loadgen apply -f tests/fixtures/microservices-demo.yaml --nodes 3x4cpu/16Gi\n  loadgen apply -f k8s/ -f extra.yaml --nodes 3x4cpu/16Gi,2x8cpu/32Gi/zone=b/gpu=1\n\nNode groups: [COUNTx]CPU/MEMORY[/pods=N][/gpu=N][/zone=Z][/taint=K=V:Effect][/res:NAME=N][/LABEL=VALUE]"
    )]
    Apply(ApplyArgs),
    /// Find the smallest number of nodes of a shape on which every pod of
    /// the scenario is placed; reports the measured curve.
    #[command(
        after_help = "Example:\n  loadgen plan my-workload.yaml --node-shape 16cpu/64Gi --headroom 20% --survive zone --zones a,b,c\n  loadgen plan --preset capacity-plan --svg plan.svg"
    )]
    Plan(PlanArgs),
    /// Run a grid of simulations in parallel, one report row per run.
    #[command(
        after_help = "Example:\n  loadgen sweep my.yaml --vary nodes[0].count=10,20,40 --vary kubelet.startLatency=1s,5s --seeds 4 --json rows.json\n  loadgen sweep my.yaml --vary nodes[0].count=10,20 --seeds 100 --shard 3/10 --json shard-3.json\n\nRows are ordered by parameter values (first --vary slowest), then seed; shard I/N runs rows I, I+N, I+2N, ..."
    )]
    Sweep(SweepArgs),
    /// Join the reports of a sharded sweep into one.
    #[command(after_help = "Example:\n  loadgen merge shard-*.json --json rows.json")]
    Merge(MergeArgs),
    /// List the presets (or print one).
    #[command(after_help = "Example:\n  loadgen presets\n  loadgen presets zone-outage > my-outage.yaml")]
    Presets(PresetsArgs),
}

/// `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario.
    #[command(flatten)]
    pub source: Source,
    /// Only read and check the scenario and everything it refers to.
    #[arg(long)]
    pub dry_run: bool,
}

/// `apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Manifest files or folders (YAML or JSON, multi-document), as `kubectl apply -f` takes them.
    #[arg(short = 'f', long = "filename", value_name = "PATH", required = true, num_args = 1..)]
    pub files: Vec<String>,
    /// The cluster: node groups joined by commas, e.g. `3x4cpu/16Gi,2x8cpu/32Gi/zone=b`.
    #[arg(long, value_name = "SPEC")]
    pub nodes: String,
}

/// `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The scenario.
    #[command(flatten)]
    pub source: Source,
    /// The node shape to count, e.g. `16cpu/64Gi` or `8cpu/32Gi/gpu=1` (default: the scenario's `plan.nodeShape`).
    #[arg(long, value_name = "SHAPE")]
    pub node_shape: Option<String>,
    /// Capacity to keep free on every node, e.g. `20%`.
    #[arg(long, value_name = "PERCENT")]
    pub headroom: Option<String>,
    /// Still fit after the worst loss of a zone (`zone`) or of N nodes (`2-nodes`).
    #[arg(long, value_name = "zone|N-nodes")]
    pub survive: Option<String>,
    /// Zones to spread the nodes over, e.g. `a,b,c`.
    #[arg(long, value_name = "Z1,Z2,...")]
    pub zones: Option<String>,
    /// Give up above this many nodes (default 20000).
    #[arg(long, value_name = "N")]
    pub max_nodes: Option<u32>,
}

/// `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario.
    #[command(flatten)]
    pub source: Source,
    /// A parameter and its values, e.g. `nodes[0].count=10,20` (repeatable: the grid is their product).
    #[arg(long, value_name = "PARAM=V1,V2,...")]
    pub vary: Vec<String>,
    /// Seeds per grid point: `--seed`, `--seed`+1, ...
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seeds: u32,
    /// Run only shard I of N (0-based), e.g. `3/10`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

/// `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard reports written by `sweep --shard ... --json`.
    #[arg(value_name = "REPORT", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,
}

/// `presets`.
#[derive(Debug, Args)]
pub struct PresetsArgs {
    /// Print this preset's scenario file.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
}
