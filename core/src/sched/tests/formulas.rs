//! The resource score formulas on worked examples (noderesources' tests).

use crate::sched::plugins::Strategy;
use crate::sched::plugins::node_resources::{
    balanced_score, broken_linear, least_requested_score, most_requested_score, strategy_score,
};

#[test]
fn least_allocated_worked_example() {
    // cpu: (4000 - 1000) * 100 / 4000 = 75; memory: (10000 - 2000) * 100 / 10000 = 80.
    assert_eq!(least_requested_score(1000, 4000), 75);
    assert_eq!(least_requested_score(2000, 10000), 80);
    assert_eq!(least_requested_score(5000, 4000), 0);
    assert_eq!(
        strategy_score(&Strategy::LeastAllocated, &[(1000, 4000, 1), (2000, 10000, 1)]),
        77
    );
    // Weights: (75 * 3 + 80 * 1) / 4 = 76; a resource with no capacity is left out.
    assert_eq!(
        strategy_score(&Strategy::LeastAllocated, &[(1000, 4000, 3), (2000, 10000, 1)]),
        76
    );
    assert_eq!(
        strategy_score(&Strategy::LeastAllocated, &[(1000, 4000, 1), (5, 0, 1)]),
        75
    );
}

#[test]
fn most_allocated_worked_example() {
    assert_eq!(most_requested_score(1000, 4000), 25);
    assert_eq!(most_requested_score(9000, 4000), 100);
    assert_eq!(
        strategy_score(&Strategy::MostAllocated, &[(1000, 4000, 1), (2000, 10000, 1)]),
        22
    );
}

#[test]
fn requested_to_capacity_ratio_worked_example() {
    // Shape (0,0)-(100,10) scaled to 0..100: utilisation 25% -> 25, 20% -> 20; mean 22.5
    // rounds half away from zero to 23 (Go math.Round).
    let most = Strategy::RequestedToCapacityRatio(vec![(0, 0), (100, 10)]);
    assert_eq!(strategy_score(&most, &[(1000, 4000, 1), (2000, 10000, 1)]), 23);
    let least = Strategy::RequestedToCapacityRatio(vec![(0, 10), (100, 0)]);
    assert_eq!(strategy_score(&least, &[(1000, 4000, 1), (2000, 10000, 1)]), 78);
    // Over capacity scores as 100% utilisation; zero scores drop out of the weights.
    assert_eq!(strategy_score(&least, &[(9000, 4000, 1), (2000, 10000, 1)]), 80);
    assert_eq!(broken_linear(&[(0, 0), (50, 100), (100, 0)], 75), 50);
}

#[test]
fn balanced_allocation_worked_example() {
    // balanced_allocation_test.go: cpu 3000/4000 = 0.75, memory 5000/10000 = 0.5,
    // std = |0.75 - 0.5| / 2 = 0.125 -> (1 - 0.125) * 100 = 87.
    assert_eq!(balanced_score(&[(3000, 4000), (5000, 10000)]), 87);
    assert_eq!(balanced_score(&[(3000, 6000), (5000, 10000)]), 100);
    // Fractions are capped at 1; three resources use the full standard deviation.
    assert_eq!(balanced_score(&[(8000, 4000), (0, 10000)]), 50);
    assert_eq!(balanced_score(&[(1, 2), (1, 4), (3, 4)]), 79);
}
