//! The terminal summary: a few lines a person reads at a glance.

use std::fmt::Write;

use super::{Percentiles, RunReport};

fn pct(p: &Percentiles) -> String {
    if p.count == 0 {
        return "-".into();
    }
    format!(
        "p50 {} p90 {} p99 {} max {}",
        dur(p.p50),
        dur(p.p90),
        dur(p.p99),
        dur(p.max)
    )
}

/// A duration in seconds, compactly.
pub fn dur(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else if s < 120.0 {
        format!("{s:.1}s")
    } else if s < 7200.0 {
        format!("{:.1}m", s / 60.0)
    } else {
        format!("{:.1}h", s / 3600.0)
    }
}

/// A count with thousands separators.
pub fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The summary of one run.
pub fn run_summary(r: &RunReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "scenario   {}  seed {}  threads {}  trace {}",
        r.scenario, r.seed, r.threads, r.trace_hash
    );
    let _ = writeln!(
        s,
        "outcome    {} at {} simulated (last change at {})",
        r.outcome,
        dur(r.sim_seconds),
        dur(r.converged_seconds)
    );
    let _ = writeln!(
        s,
        "nodes      {} ({} ready, {} cordoned)",
        num(r.nodes.total),
        num(r.nodes.ready),
        num(r.nodes.unschedulable)
    );
    let p = &r.pods;
    let _ = writeln!(
        s,
        "pods       {} total: {} running ({} ready), {} pending, {} succeeded, {} failed, {} terminating",
        num(p.total),
        num(p.running),
        num(p.ready),
        num(p.pending),
        num(p.succeeded),
        num(p.failed),
        num(p.terminating)
    );
    let sc = &r.scheduler;
    let _ = writeln!(
        s,
        "scheduler  {} scheduled ({} pods/s over {} pods), {} attempts, {} unschedulable, {} preemptions",
        num(sc.scheduled),
        num(sc.pods_per_second as u64),
        num(sc.measured_pods),
        num(sc.attempts),
        num(sc.unschedulable),
        num(sc.preemptions)
    );
    let _ = writeln!(s, "scheduling {}", pct(&r.latency.scheduling));
    let _ = writeln!(s, "startup    {}", pct(&r.latency.startup));
    let alloc: Vec<String> = r
        .utilization
        .iter()
        .map(|(k, v)| format!("{k} {:.1}%", v * 100.0))
        .collect();
    let _ = writeln!(
        s,
        "allocated  {}",
        if alloc.is_empty() {
            "-".into()
        } else {
            alloc.join("  ")
        }
    );
    let q = &r.placement;
    let _ = writeln!(
        s,
        "placement  {} of {} nodes used; free capacity no pending pod fits: cpu {:.1}%  memory {:.1}%",
        num(q.nodes_used),
        num(q.nodes),
        q.fragmentation_cpu * 100.0,
        q.fragmentation_memory * 100.0
    );
    if let Some(rp) = &r.replay {
        let _ = writeln!(
            s,
            "replay     {} nodes, {} pods: {} placed, {} never placed, {} waited ({})",
            num(rp.nodes),
            num(rp.pods),
            num(rp.placed),
            num(rp.never_placed),
            num(rp.waited),
            pct(&rp.wait)
        );
    }
    let inv = &r.invariants;
    let checks = if inv.checked == 0 {
        "not checked (--check)".to_owned()
    } else {
        format!("{} checks, {} violations", num(inv.checked), inv.violations.len())
    };
    let _ = writeln!(s, "events     {}   invariants: {checks}", num(r.events_total));
    let ph = &r.phases;
    let _ = writeln!(
        s,
        "wall       {:.2}s (load {:.2}s, generate {:.2}s, simulate {:.2}s, report {:.2}s)",
        r.wall_seconds, ph.load, ph.generate, ph.simulate, ph.report
    );
    if r.pending.total > 0 {
        let _ = writeln!(s, "pending    {} pods:", num(r.pending.total));
        let mut reasons: Vec<(&String, &u64)> = r.pending.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (reason, n) in reasons.iter().take(5) {
            let _ = writeln!(s, "  {:>6}  {reason}", num(**n));
        }
    }
    for n in r.notes.iter().take(10) {
        let _ = writeln!(s, "note       {n}");
    }
    s
}
