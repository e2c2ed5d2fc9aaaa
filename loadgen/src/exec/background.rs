//! Background work that runs while later steps wait: `churn` ticks and the
//! trace replay's pod arrivals and departures.

use std::sync::Arc;

use kubesim::api::{Pod, Time};
use kubesim::store::DeleteOptions;

use super::Driver;
use crate::error::Result;
use crate::replay::{GpuMode, Trace};
use crate::scenario::Scenario;
use crate::scenario::steps::{ChurnOp, PodTarget};

/// A trace event: create or delete pod `index` of the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TraceEvent {
    /// Delete it.
    Delete(usize),
    /// Create it.
    Create(usize),
}

/// A task that fires at times of its own.
pub enum Background {
    /// Deletes `op.count` matching pods every `op.every` until `end`.
    Churn {
        /// The churn step.
        op: ChurnOp,
        /// The next tick.
        next: Time,
        /// No tick at or after this.
        end: Time,
        /// The step's field path, for errors.
        path: String,
    },
    /// Replays a trace's pods.
    Replay {
        /// The trace.
        trace: Arc<Trace>,
        /// Its events, in time order.
        events: Vec<(i64, TraceEvent)>,
        /// The next event.
        pos: usize,
        /// The namespace of replayed pods.
        namespace: String,
        /// GPU modelling.
        mode: GpuMode,
    },
}

/// The scenario's GPU modelling for replays.
pub fn gpu_mode(scn: &Scenario) -> GpuMode {
    match scn.file.replay.as_ref().and_then(|r| r.gpu.as_deref()) {
        Some("milli") => GpuMode::Milli,
        _ => GpuMode::Whole,
    }
}

impl Background {
    /// When it next fires.
    pub fn next(&self) -> Option<Time> {
        match self {
            Background::Churn { next, end, .. } => (next < end).then_some(*next),
            Background::Replay { events, pos, .. } => events.get(*pos).map(|(t, _)| Time::from_millis(*t)),
        }
    }

    /// When it last fires.
    pub fn last(&self) -> Option<Time> {
        match self {
            Background::Churn { end, .. } => Some(*end),
            Background::Replay { events, .. } => events.last().map(|(t, _)| Time::from_millis(*t)),
        }
    }

    /// Fires once (the caller loops while it is due).
    pub fn fire(&mut self, d: &mut Driver<'_>) -> Result<()> {
        match self {
            Background::Churn { op, next, path, .. } => {
                let target = PodTarget {
                    selector: op.selector.clone(),
                    namespace: op.namespace.clone(),
                    count: Some(op.count),
                };
                d.delete_pods(&target, path)?;
                *next = next.plus_millis(op.every.0);
            }
            Background::Replay {
                trace,
                events,
                pos,
                namespace,
                mode,
            } => {
                let Some((_, ev)) = events.get(*pos).copied() else {
                    return Ok(());
                };
                *pos += 1;
                let store = d.sim.store_mut();
                match ev {
                    TraceEvent::Create(i) => {
                        let p = &trace.pods[i];
                        if let Err(e) = store.create(p.to_pod(namespace, *mode))
                            && d.notes.len() < 20
                        {
                            d.notes.push(format!("replay pod {} skipped: {e}", p.name));
                        }
                    }
                    TraceEvent::Delete(i) => {
                        if let Some(k) = store.lookup::<Pod>(namespace, &trace.pods[i].name) {
                            // Already gone is fine: the trace deletes what it created.
                            let _ = store.delete(k, DeleteOptions::now());
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Driver<'_> {
    /// Starts a churn step.
    pub(super) fn start_churn(&mut self, op: &ChurnOp, path: &str) {
        let now = self.sim.now();
        self.background.push(Background::Churn {
            op: op.clone(),
            next: now,
            end: now.plus_millis(op.duration.0),
            path: path.to_owned(),
        });
    }

    /// Starts replaying the scenario's trace (pods at their trace times,
    /// counted from now).
    pub(super) fn start_replay(&mut self) -> Result<()> {
        let Some(trace) = self.scn.trace.clone() else {
            return Ok(());
        };
        let namespace = self
            .scn
            .file
            .replay
            .as_ref()
            .and_then(|r| r.namespace.clone())
            .unwrap_or_else(|| "replay".to_owned());
        crate::scenario::ensure_namespace(self.sim.store_mut(), &namespace)
            .map_err(|e| Self::fail("replay.namespace", e))?;
        let base = self.sim.now().millis();
        let mut events: Vec<(i64, TraceEvent)> = Vec::with_capacity(trace.pods.len() * 2);
        for (i, p) in trace.pods.iter().enumerate() {
            events.push((base + p.created_ms, TraceEvent::Create(i)));
            if let Some(d) = p.deleted_ms {
                events.push((base + d, TraceEvent::Delete(i)));
            }
        }
        // Time order; at one instant departures first, then arrivals, in trace order.
        events.sort();
        self.background.push(Background::Replay {
            trace,
            events,
            pos: 0,
            namespace,
            mode: gpu_mode(self.scn),
        });
        Ok(())
    }
}
