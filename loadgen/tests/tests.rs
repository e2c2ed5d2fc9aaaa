//! loadgen's integration tests: the built binary run as a user runs it.
//! One test binary (fewer to link); one file per area.

mod support;

mod apply;
mod bad_input;
mod determinism;
mod generators;
mod plan;
mod reports;
mod sweep;
