//! kubesim's integration tests, one module per area (one binary to link).

mod apps;
mod autoscaling;
mod deployments;
mod fuzz_regressions;
mod jobs;
mod lifecycle;
mod manifests;
mod quantity_vectors;
mod scheduler;
mod selector_vectors;
mod services;
mod statefulsets;
mod stories;
