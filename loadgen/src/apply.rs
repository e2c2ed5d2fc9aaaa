//! `loadgen apply -f PATH... --nodes SPEC`: the quickest what-if. Real
//! manifests on a cluster described inline; prints where every pod went and
//! what stayed pending, and why.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use crate::cli::ApplyArgs;
use crate::error::{Failure, Result, input};
use crate::report::RunReport;
use crate::report::summary::num;
use crate::scenario::format::{ScenarioFile, Workload};
use crate::scenario::values::Paths;
use crate::scenario::{Input, Origin, Scenario, nodespec, resolve_manifests, shell_quote};

/// The scenario `apply` runs: the node groups and the manifests.
pub fn scenario(args: &ApplyArgs) -> Result<Scenario> {
    let pools = nodespec::parse_nodes(&args.nodes).map_err(input)?;
    let objects = resolve_manifests(&args.files)?;
    let file = ScenarioFile {
        nodes: pools,
        workloads: vec![Workload::Manifests(Paths(args.files.clone()))],
        ..ScenarioFile::default()
    };
    Ok(Scenario {
        name: "apply".into(),
        description: format!("{} on {}", args.files.join(", "), args.nodes),
        input: Input {
            origin: Origin::Flags,
            display: "apply".into(),
            text: "".into(),
        },
        overrides: Vec::new(),
        file,
        objects: BTreeMap::from([("workloads[0]".to_owned(), Arc::new(objects))]),
        trace: None,
    })
}

/// What `apply` prints: each pod's node, then the pending pods and why.
pub fn placement_table(rep: &RunReport) -> String {
    let mut s = String::new();
    let placements = rep.placements.as_deref().unwrap_or_default();
    let width = placements
        .iter()
        .map(|p| p.pod.len())
        .chain(rep.pending.pods.iter().map(|p| p.pod.len()))
        .max()
        .unwrap_or(3)
        .max(3);
    if !placements.is_empty() {
        let _ = writeln!(s, "{:<width$}  NODE", "POD");
        for p in placements {
            let _ = writeln!(s, "{:<width$}  {}", p.pod, p.node);
        }
    }
    if rep.pending.total > 0 {
        let _ = writeln!(s, "\n{} pending:", num(rep.pending.total));
        for p in &rep.pending.pods {
            let _ = writeln!(s, "{:<width$}  {}", p.pod, p.reason);
        }
        let listed = rep.pending.pods.len() as u64;
        if rep.pending.total > listed {
            let _ = writeln!(s, "... and {} more", num(rep.pending.total - listed));
        }
    } else {
        let _ = writeln!(s, "\nevery pod placed");
    }
    s
}

/// `loadgen apply`.
pub fn command(ctx: &crate::Ctx, args: &ApplyArgs) -> Result<i32> {
    let t0 = std::time::Instant::now();
    let scn = scenario(args)?;
    let load = t0.elapsed().as_secs_f64();
    let seed = ctx.global.seed.unwrap_or(1);
    let files: Vec<String> = args
        .files
        .iter()
        .map(|f| format!("-f {}", shell_quote(f)))
        .collect();
    let replay = format!(
        "loadgen apply {} --nodes {} --seed {seed} --check",
        files.join(" "),
        shell_quote(&args.nodes)
    );
    let rep = crate::run::run_and_write(ctx, &scn, load, "apply", true, replay)?;
    if !ctx.global.quiet && ctx.global.json.as_deref() != Some(std::path::Path::new("-")) {
        print!("{}", placement_table(&rep));
        println!();
        print!("{}", crate::report::summary::run_summary(&rep));
    }
    if !rep.invariants.violations.is_empty() {
        return Err(Failure::Check(format!(
            "{} invariant violation(s)",
            rep.invariants.violations.len()
        )));
    }
    Ok(0)
}
