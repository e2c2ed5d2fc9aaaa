//! kubesim's integration tests, one module per area (one binary to link).

mod deployments;
mod fuzz_regressions;
mod manifests;
mod quantity_vectors;
mod selector_vectors;
mod stories;
