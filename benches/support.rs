//! Workload builders shared by the criterion benches.
