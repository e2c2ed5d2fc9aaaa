//! kubesim: a deterministic, in-memory simulation of a Kubernetes control plane.
//!
//! The crate is organised in rooms that depend on each other in one direction
//! only (see `docs/ARCHITECTURE.md`):
//!
//! - [`quantity`], [`intern`], [`labels`], [`validation`], [`field`]: the
//!   vocabulary (resource quantities, interned strings, labels and selectors,
//!   Kubernetes' naming rules, field errors);
//! - `api`: the object kinds;
//! - `store`: the API server (admission, indexes, the change feed);
//! - `sched`, `controllers`, `kubelet`: the actors;
//! - `sim`: the loop that ties them together in simulated time.
//!
//! The core does no I/O and reads no wall clock; every random choice comes from
//! a seeded RNG, so the same seed gives the same result, bit for bit.

pub mod api;
pub mod build;
pub mod collections;
pub mod controllers;
pub mod cron;
pub mod events;
pub mod field;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod intern;
pub mod kubelet;
pub mod labels;
pub mod manifest;
pub mod quantity;
pub mod rng;
pub mod sched;
pub mod sim;
pub mod store;
pub mod validation;

pub use intern::Symbol;
