//! Counters and the scheduling-latency histogram (enqueue to bind, simulated milliseconds).

use serde::Serialize;

/// Latencies in power-of-two millisecond buckets: bucket `i` holds values in
/// `[2^(i-1), 2^i)` (bucket 0 holds 0 ms).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LatencyHistogram {
    /// Counts per bucket.
    pub buckets: Vec<u64>,
    /// Samples.
    pub count: u64,
    /// Sum of samples (ms).
    pub sum_ms: i64,
    /// Largest sample (ms).
    pub max_ms: i64,
}

impl LatencyHistogram {
    /// Records one sample.
    pub fn record(&mut self, ms: i64) {
        let ms = ms.max(0);
        let b = if ms == 0 {
            0
        } else {
            64 - (ms as u64).leading_zeros() as usize
        };
        if self.buckets.len() <= b {
            self.buckets.resize(b + 1, 0);
        }
        self.buckets[b] += 1;
        self.count += 1;
        self.sum_ms += ms;
        self.max_ms = self.max_ms.max(ms);
    }

    /// Mean in ms (0 without samples).
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ms as f64 / self.count as f64
        }
    }

    /// The upper bound (ms) of the bucket holding quantile `q` (0..=1).
    pub fn quantile_ms(&self, q: f64) -> i64 {
        if self.count == 0 {
            return 0;
        }
        let target = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in self.buckets.iter().enumerate() {
            seen += c;
            if seen >= target {
                return if i == 0 { 0 } else { (1i64 << i) - 1 };
            }
        }
        self.max_ms
    }
}

/// What the scheduler did since it was created.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SchedulerStats {
    /// Scheduling cycles run.
    pub attempts: u64,
    /// Pods bound.
    pub scheduled: u64,
    /// Cycles that found no node.
    pub unschedulable: u64,
    /// Successful preemptions (a node nominated after evicting victims).
    pub preemptions: u64,
    /// Pods evicted by preemption.
    pub victims: u64,
    /// Cycles decided by the incremental fast path.
    pub fast_path: u64,
    /// Of those, cycles that also scored system-default topology spreading.
    pub fast_path_spread: u64,
    /// Enqueue-to-bind latency (simulated ms).
    pub latency: LatencyHistogram,
}

/// What one call of `schedule_pending` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CycleStats {
    /// Scheduling cycles run.
    pub attempts: u64,
    /// Pods bound.
    pub scheduled: u64,
    /// Cycles that found no node.
    pub unschedulable: u64,
    /// Successful preemptions.
    pub preemptions: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles() {
        let mut h = LatencyHistogram::default();
        for ms in [0, 1, 3, 900, 1000] {
            h.record(ms);
        }
        assert_eq!(h.count, 5);
        assert_eq!(h.max_ms, 1000);
        assert_eq!(h.quantile_ms(0.2), 0);
        assert_eq!(h.quantile_ms(0.6), 3);
        assert_eq!(h.quantile_ms(1.0), 1023);
        assert!((h.mean_ms() - 380.8).abs() < 1e-9);
    }
}
