//! Scheduling throughput: pods bound per wall second of the simulation steps
//! that bound them (scheduling and binding through the store, plus whatever
//! controllers and kubelets did at the same instants; creating the pods is
//! not counted, as in kubesim's scheduler benchmark, and is in the report's
//! `phases.generate`). When the scenario marks `createPods` steps with
//! `collectMetrics: true`, only those pods count, until the next `barrier`
//! ends, as scheduler_perf measures its `collectMetrics` operations and not
//! the initial pods.

use std::time::Duration;

/// The measurement so far.
#[derive(Clone, Debug, Default)]
pub struct Throughput {
    /// Pods counted.
    pub pods: u64,
    /// Wall time counted.
    pub wall: Duration,
    /// Whether the scenario marks steps (`collectMetrics`).
    marked: bool,
    /// Whether a marked window is open.
    open: bool,
}

impl Throughput {
    /// A simulation step bound `bound` pods in `wall`.
    pub fn step(&mut self, bound: u64, wall: Duration) {
        if bound > 0 && (!self.marked || self.open) {
            self.pods += bound;
            self.wall += wall;
        }
    }

    /// A `collectMetrics` step created its pods: a window opens (the first
    /// one discards what was counted before it).
    pub fn open(&mut self) {
        if !self.marked {
            *self = Throughput {
                marked: true,
                ..Throughput::default()
            };
        }
        self.open = true;
    }

    /// A barrier ended: the window, if any, closes.
    pub fn close(&mut self) {
        self.open = false;
    }

    /// Pods per second, rounded (0 without a measurement).
    pub fn pods_per_second(&self) -> f64 {
        let s = self.wall.as_secs_f64();
        if self.pods == 0 || s <= 0.0 {
            0.0
        } else {
            (self.pods as f64 / s).round()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn without_marks_every_binding_step_counts() {
        let mut t = Throughput::default();
        t.step(100, 10 * MS);
        t.step(0, 500 * MS);
        t.step(100, 10 * MS);
        assert_eq!(t.pods, 200);
        assert_eq!(t.pods_per_second(), 10_000.0);
    }

    #[test]
    fn marked_windows_count_only_their_pods_and_creation() {
        let mut t = Throughput::default();
        t.step(1000, 100 * MS);
        t.open();
        t.step(500, 10 * MS);
        t.step(0, 30 * MS);
        t.close();
        t.step(700, 70 * MS);
        assert_eq!(t.pods, 500);
        assert_eq!(t.wall, 10 * MS);
        assert_eq!(t.pods_per_second(), 50_000.0);
        assert_eq!(Throughput::default().pods_per_second(), 0.0);
    }
}
