//! Per-phase timing of one workload outside criterion (reading the feed, scheduling, reading
//! back the binds), for profiling:
//! `cargo run --release -p kubesim-benches --example probe -- basic 5000 10000 1000 [pct100]`
//! (shape basic|aff|anti|spread|pre|sel, nodes, measured pods, initial pods).

use std::time::Instant;

use kubesim::events::EventLog;
use kubesim::sched::SchedulerConfig;
use kubesim_benches::scheduler::{Shape, Workload, prepare};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shape = match args.get(1).map(|s| s.as_str()).unwrap_or("basic") {
        "aff" => Shape::NodeAffinity,
        "anti" => Shape::PodAntiAffinity,
        "spread" => Shape::TopologySpreading,
        "pre" => Shape::Preemption,
        "sel" => Shape::Selective,
        _ => Shape::Basic,
    };
    let arg = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (nodes, measured, init) = (arg(2, 5000), arg(3, 10000), arg(4, 1000));
    let w = Workload {
        shape,
        nodes,
        init_pods: init,
        measured_pods: measured,
    };
    let cfg = if args.get(5).is_some() {
        SchedulerConfig::exhaustive()
    } else {
        SchedulerConfig::default()
    };
    let t = Instant::now();
    let mut p = prepare(w, cfg, 1);
    eprintln!("prepare {:?}", t.elapsed());
    for _ in 0..3 {
        let (a0, f0) = (p.sched.stats().attempts, p.sched.stats().fast_path);
        let keys = p.create_measured();
        let t0 = Instant::now();
        p.sched.sync(&mut p.store, p.now);
        let t1 = Instant::now();
        let mut bound = 0;
        for _ in 0..64 {
            bound += p
                .sched
                .schedule_pending(&mut p.store, p.now, &mut EventLog::counting())
                .scheduled;
            match p.sched.next_wakeup() {
                Some(t) if p.sched.pending() > 0 => p.now = p.now.max(t),
                _ => break,
            }
        }
        let t2 = Instant::now();
        p.sched.sync(&mut p.store, p.now);
        let t3 = Instant::now();
        let per = |a: Instant, b: Instant| (b - a).as_nanos() as f64 / measured as f64;
        eprintln!(
            "feed {:.0} ns, schedule {:.0} ns, binds back {:.0} ns per pod; {:.0} pods/s; bound {bound}, cycles {}, fast {}",
            per(t0, t1),
            per(t1, t2),
            per(t2, t3),
            measured as f64 / (t3 - t0).as_secs_f64(),
            p.sched.stats().attempts - a0,
            p.sched.stats().fast_path - f0
        );
        p.delete(keys);
    }
}
