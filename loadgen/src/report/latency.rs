//! Percentiles of durations (nearest rank), for pod latencies in simulated
//! time.

use super::Percentiles;

/// Percentiles of `ms` (milliseconds; sorted in place), in seconds.
pub fn percentiles(ms: &mut [i64]) -> Percentiles {
    if ms.is_empty() {
        return Percentiles::default();
    }
    ms.sort_unstable();
    let at = |p: f64| {
        // Nearest rank: the smallest value with at least p of the values at or below it.
        let rank = ((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len());
        super::secs(ms[rank - 1])
    };
    Percentiles {
        count: ms.len() as u64,
        p50: at(0.50),
        p90: at(0.90),
        p99: at(0.99),
        max: super::secs(ms[ms.len() - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut v: Vec<i64> = (1..=100).map(|i| i * 1000).collect();
        let p = percentiles(&mut v);
        assert_eq!(
            (p.count, p.p50, p.p90, p.p99, p.max),
            (100, 50.0, 90.0, 99.0, 100.0)
        );
        assert_eq!(percentiles(&mut []).count, 0);
        assert_eq!(percentiles(&mut [7]).p99, 0.007);
    }
}
