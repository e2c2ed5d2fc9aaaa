use kubesim::events::EventLog;
use kubesim::sched::SchedulerConfig;
use kubesim_benches::scheduler::{Shape, Workload, prepare};
use std::time::Instant;
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
    let nodes: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5000);
    let measured: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10000);
    let init: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let exhaustive = args.get(5).is_some();
    let w = Workload {
        shape,
        nodes,
        init_pods: init,
        measured_pods: measured,
    };
    let cfg = if exhaustive {
        SchedulerConfig::exhaustive()
    } else {
        SchedulerConfig::default()
    };
    let t = Instant::now();
    let mut p = prepare(w, cfg, 1);
    eprintln!("prepare {:?}", t.elapsed());
    for _ in 0..1 {
        let a0 = p.sched.stats().attempts;
        let f0 = p.sched.stats().fast_path;
        let keys = p.create_measured();
        let t0 = Instant::now();
        p.sched.sync(&mut p.store, p.now);
        let t1 = Instant::now();
        let mut ev = EventLog::counting();
        let s = p.sched.schedule_pending(&mut p.store, p.now, &mut ev);
        let t2 = Instant::now();
        p.sched.sync(&mut p.store, p.now);
        let t3 = Instant::now();
        let b = s.scheduled;
        let per = |a: Instant, b: Instant| (b - a).as_nanos() as f64 / measured as f64;
        eprintln!(
            "sync-in {:.0}ns sched {:.0}ns sync-out {:.0}ns per pod; total {:.0} pods/s; bound {b} attempts {} fast {}",
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
