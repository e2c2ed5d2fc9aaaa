//! What a run records as it goes: samples of the cluster over simulated
//! time (pending and running pods, allocation ratios) on a grid that
//! coarsens as the run grows, and the lifetimes of pods that are deleted
//! (read from the store's change feed) so their latencies are not lost.

use std::collections::BTreeMap;

use kubesim::Symbol;
use kubesim::api::{Node, Pod, Time};
use kubesim::sim::Simulation;
use std::time::{Duration, Instant};

use kubesim::store::{ChangeOp, Cursor, Store};

use super::tally::Tally;
use crate::report::{Pods, Sample, secs};

/// Samples kept before the grid coarsens (halving them).
const MAX_SAMPLES: usize = 240;
/// The first grid step, in simulated milliseconds.
const FIRST_INTERVAL_MS: i64 = 100;

/// One pod's life, in simulated time.
#[derive(Clone, Copy, Debug)]
pub struct PodRecord {
    /// Its namespace.
    pub namespace: Symbol,
    /// Created.
    pub created: Time,
    /// Bound to a node.
    pub scheduled: Option<Time>,
    /// Became Ready.
    pub ready: Option<Time>,
}

impl PodRecord {
    /// The record of `pod` as it is now.
    pub fn of(pod: &Pod) -> PodRecord {
        let c = &pod.status.conditions;
        let when = |cond: Option<kubesim::api::pod::PodCondition>| {
            cond.filter(|c| c.status == kubesim::api::meta::ConditionStatus::True)
                .map(|c| c.last_transition_time)
        };
        PodRecord {
            namespace: pod.metadata.namespace,
            created: pod.metadata.creation_timestamp,
            scheduled: when(c.pod_scheduled).filter(|_| pod.node_name.is_some()),
            ready: when(c.ready),
        }
    }
}

/// Samples and pod records.
pub struct Recorder {
    cursor: Option<Cursor>,
    /// Pods deleted during the run.
    pub deleted: Vec<PodRecord>,
    /// The samples, in time order.
    pub samples: Vec<Sample>,
    interval: i64,
    next: i64,
    tally: Option<Tally>,
    /// Wall time spent recording.
    pub wall: Duration,
}

/// Counts pods by state.
pub fn count_pods(store: &Store) -> Pods {
    let mut p = Pods::default();
    for (_, pod) in store.iter::<Pod>() {
        p.total += 1;
        if pod.metadata.deletion_timestamp.is_some() {
            p.terminating += 1;
        } else if pod.status.phase == kubesim::api::pod::PodPhase::Succeeded {
            p.succeeded += 1;
        } else if pod.status.phase == kubesim::api::pod::PodPhase::Failed {
            p.failed += 1;
        } else if pod.node_name.is_some() {
            p.running += 1;
        } else {
            p.pending += 1;
        }
        if pod.is_ready() {
            p.ready += 1;
        }
    }
    p
}

/// Allocation ratio per resource: requests of bound, unfinished pods over
/// the allocatable of Ready nodes (CPU, memory, and every extended resource
/// a node offers).
pub fn allocation(store: &Store) -> BTreeMap<String, f64> {
    let mut alloc: BTreeMap<&'static str, (i64, i64)> = BTreeMap::new();
    for (_, n) in store.iter::<Node>() {
        if !n.is_ready() {
            continue;
        }
        for (r, v) in n.status.allocatable.iter() {
            if r != Symbol::PODS && r != Symbol::EPHEMERAL_STORAGE {
                alloc.entry(r.as_str()).or_default().1 += v;
            }
        }
    }
    for (_, pod) in store.iter::<Pod>() {
        if pod.node_name.is_none() || pod.is_terminal() {
            continue;
        }
        for (r, v) in pod.spec.derived.requests.iter() {
            if let Some(e) = alloc.get_mut(r.as_str()) {
                e.0 += v;
            }
        }
    }
    alloc
        .into_iter()
        .map(|(r, (used, total))| {
            let ratio = if total > 0 {
                used as f64 / total as f64
            } else {
                0.0
            };
            (r.to_owned(), (ratio * 1e6).round() / 1e6)
        })
        .collect()
}

/// A sample by scanning every pod: the twin of [`Tally::sample`].
pub fn sample(store: &Store, t: i64) -> Sample {
    let pods = count_pods(store);
    Sample {
        t: secs(t),
        pending: pods.pending,
        running: pods.running,
        allocation: allocation(store),
    }
}

impl Recorder {
    /// A recorder watching `sim`'s store from now on; `sampling` off keeps
    /// no samples (plan's many runs do not need them).
    pub fn new(sim: &mut Simulation, sampling: bool) -> Recorder {
        Recorder {
            cursor: Some(sim.store_mut().watch()),
            deleted: Vec::new(),
            samples: Vec::new(),
            interval: FIRST_INTERVAL_MS,
            next: if sampling { 0 } else { i64::MAX },
            tally: sampling.then(Tally::default),
            wall: Duration::ZERO,
        }
    }

    /// Halves the samples and doubles the grid step.
    fn coarsen(&mut self) {
        self.interval *= 2;
        let step = self.interval;
        self.samples
            .retain(|s| ((s.t * 1000.0).round() as i64) % step == 0);
        self.next = self.next.div_euclid(step) * step + if self.next % step == 0 { 0 } else { step };
    }

    /// Before the clock moves from now to `to`: samples the grid times in
    /// `[now, to)`, when the cluster is as it is now.
    pub fn before_advance(&mut self, sim: &mut Simulation, to: Time) {
        let to = to.millis();
        if self.next >= to {
            return;
        }
        let t0 = Instant::now();
        self.sync(sim);
        while (to - self.next) / self.interval > MAX_SAMPLES as i64 {
            self.coarsen();
        }
        let store = sim.store();
        let s = match &mut self.tally {
            Some(t) => t.sample(store, self.next),
            None => sample(store, self.next),
        };
        while self.next < to {
            self.samples.push(Sample {
                t: secs(self.next),
                ..s.clone()
            });
            self.next += self.interval;
            if self.samples.len() >= 2 * MAX_SAMPLES {
                self.coarsen();
            }
        }
        self.wall += t0.elapsed();
    }

    /// Reads the changes since the last call: records deleted pods and
    /// keeps the running totals.
    pub fn sync(&mut self, sim: &mut Simulation) {
        let t0 = Instant::now();
        let Some(cursor) = &self.cursor else { return };
        let store = sim.store();
        for change in store.changes(cursor) {
            if let ChangeOp::Deleted(obj) = &change.op
                && let kubesim::api::AnyObject::Pod(pod) = obj.as_ref()
            {
                self.deleted.push(PodRecord::of(pod));
            }
            if let Some(t) = &mut self.tally {
                t.observe(store, change);
            }
        }
        sim.store_mut().ack(cursor);
        self.wall += t0.elapsed();
    }

    /// At the end: the last sample, and the watch released.
    pub fn finish(&mut self, sim: &mut Simulation) {
        self.sync(sim);
        if self.next != i64::MAX {
            let now = sim.now().millis();
            if self.samples.last().is_none_or(|s| secs(now) > s.t) {
                self.samples.push(sample(sim.store(), now));
            }
        }
        if let Some(c) = self.cursor.take() {
            sim.store_mut().unwatch(c);
        }
    }

    /// Every pod's record: the deleted ones and those still in the store.
    pub fn all_records(&self, store: &Store) -> Vec<PodRecord> {
        let mut out = self.deleted.clone();
        out.extend(store.iter::<Pod>().map(|(_, p)| PodRecord::of(p)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_coarsens_and_keeps_aligned_samples() {
        let mut sim = Simulation::new(Default::default(), 1);
        let mut r = Recorder::new(&mut sim, true);
        r.before_advance(&mut sim, Time::from_millis(1_000_000));
        assert!(r.samples.len() <= 2 * MAX_SAMPLES);
        assert!(r.samples.len() >= MAX_SAMPLES / 2, "{}", r.samples.len());
        let step = ((r.samples[1].t - r.samples[0].t) * 1000.0).round() as i64;
        assert!(
            r.samples
                .windows(2)
                .all(|w| ((w[1].t - w[0].t) * 1000.0).round() as i64 == step)
        );
        r.before_advance(&mut sim, Time::from_millis(2_000_000));
        assert!(r.samples.len() <= 2 * MAX_SAMPLES);
        assert!(r.samples.last().unwrap().t < 2000.0);
    }
}
