//! Running totals of the cluster (pending and running pods, requested
//! resources), kept up to date from the change feed so that a sample costs
//! O(resources) instead of a scan of every pod. `count_pods` and
//! `allocation` in the recorder are the scanning twins the tests compare
//! it with.

use std::collections::BTreeMap;

use kubesim::collections::FxMap;

use kubesim::Symbol;
use kubesim::api::{Kind, Node, Pod, ResourceList};
use kubesim::store::{Change, ChangeOp, ObjectKey, Store, typed_key};

use crate::report::{Sample, secs};

/// How a pod counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Pending,
    Running,
    Other,
}

struct Entry {
    state: State,
    /// Requests, while it is bound and not finished.
    requests: Option<ResourceList>,
}

/// The totals.
#[derive(Default)]
pub struct Tally {
    pods: FxMap<ObjectKey, Entry>,
    pending: u64,
    running: u64,
    used: FxMap<Symbol, i64>,
    /// Allocatable of Ready nodes per resource; `None` after a node changed.
    capacity: Option<BTreeMap<&'static str, (Symbol, i64)>>,
}

fn entry(pod: &Pod) -> Entry {
    let deleting = pod.metadata.deletion_timestamp.is_some();
    let state = match (pod.node_name.is_some(), pod.is_terminal() || deleting) {
        (_, true) => State::Other,
        (false, false) => State::Pending,
        (true, false) => State::Running,
    };
    let requests = (pod.node_name.is_some() && !pod.is_terminal()).then(|| pod.spec.derived.requests.clone());
    Entry { state, requests }
}

impl Tally {
    fn count(&mut self, e: &Entry, sign: i64) {
        match e.state {
            State::Pending => self.pending = self.pending.wrapping_add_signed(sign),
            State::Running => self.running = self.running.wrapping_add_signed(sign),
            State::Other => {}
        }
        if let Some(r) = &e.requests {
            for (name, v) in r.iter() {
                *self.used.entry(name).or_default() += sign * v;
            }
        }
    }

    /// Takes one change into account (the store as it is now).
    pub fn observe(&mut self, store: &Store, change: &Change) {
        match change.key.kind {
            Kind::Node => self.capacity = None,
            Kind::Pod => {
                if let Some(old) = self.pods.remove(&change.key) {
                    self.count(&old, -1);
                }
                if matches!(change.op, ChangeOp::Deleted(_)) {
                    return;
                }
                if let Some(pod) = typed_key::<Pod>(change.key).and_then(|k| store.get(k)) {
                    let e = entry(pod);
                    self.count(&e, 1);
                    self.pods.insert(change.key, e);
                }
            }
            _ => {}
        }
    }

    /// The cluster now, as a sample at `t` (milliseconds).
    pub fn sample(&mut self, store: &Store, t: i64) -> Sample {
        let capacity = self.capacity.get_or_insert_with(|| {
            let mut cap: BTreeMap<&'static str, (Symbol, i64)> = BTreeMap::new();
            for (_, n) in store.iter::<Node>() {
                if !n.is_ready() {
                    continue;
                }
                for (r, v) in n.status.allocatable.iter() {
                    if r != Symbol::PODS && r != Symbol::EPHEMERAL_STORAGE {
                        cap.entry(r.as_str()).or_insert((r, 0)).1 += v;
                    }
                }
            }
            cap
        });
        let allocation = capacity
            .iter()
            .map(|(name, (sym, total))| {
                let used = self.used.get(sym).copied().unwrap_or(0);
                let ratio = if *total > 0 {
                    used as f64 / *total as f64
                } else {
                    0.0
                };
                ((*name).to_owned(), (ratio * 1e6).round() / 1e6)
            })
            .collect();
        Sample {
            t: secs(t),
            pending: self.pending,
            running: self.running,
            allocation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::recorder::sample;
    use kubesim::build;
    use kubesim::sim::{SimConfig, Simulation};
    use kubesim::store::DeleteOptions;

    #[test]
    fn totals_agree_with_a_scan_at_every_step() {
        let mut sim = Simulation::new(SimConfig::default(), 3);
        let cursor = sim.store_mut().watch();
        let mut tally = Tally::default();
        let store = sim.store_mut();
        for i in 0..3 {
            store
                .create(build::node(&format!("n{i}"), "1", "4Gi").build())
                .unwrap();
        }
        store
            .create(
                build::deployment("web", 12)
                    .labels(&[("app", "web")])
                    .requests("300m", "64Mi")
                    .build(),
            )
            .unwrap();
        let check = |sim: &mut Simulation, tally: &mut Tally| {
            for c in sim.store().changes(&cursor) {
                tally.observe(sim.store(), c);
            }
            sim.store_mut().ack(&cursor);
            assert_eq!(tally.sample(sim.store(), 0), sample(sim.store(), 0));
        };
        let mut steps = 0;
        // The writes above are seen once the simulation settles the instant.
        sim.run_until(sim.now());
        check(&mut sim, &mut tally);
        while let Some(t) = sim.next_event_time() {
            sim.run_until(t);
            check(&mut sim, &mut tally);
            steps += 1;
            if steps == 8 {
                let keys: Vec<_> = sim.store().iter::<Pod>().map(|(k, _)| k).take(4).collect();
                for k in keys {
                    sim.store_mut().delete(k, DeleteOptions::default()).unwrap();
                }
                sim.fail_node("n1").unwrap();
                check(&mut sim, &mut tally);
            }
        }
        assert!(steps > 8, "{steps} steps");
        let s = tally.sample(sim.store(), 0);
        assert!(s.pending > 0 && s.running > 0, "{s:?}");
    }
}
