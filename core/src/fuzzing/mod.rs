//! Fuzz harnesses: the checks behind the thin targets in `fuzz/fuzz_targets/`
//! (one call each), also replayed by `cargo test` on stable from the inputs
//! committed under `fuzz/regressions/<target>/`.
//!
//! Every harness takes the raw bytes libFuzzer produced; the structured ones
//! decode them with [`arbitrary`] exactly as `libfuzzer-sys` does
//! (`arbitrary_take_rest`), so a crash file replays the same operations
//! anywhere. A harness panics, with a message naming the broken property
//! and the operations that led to it, when a property fails.
//!
//! - [`selector_parse`], [`quantity_parse`], [`manifest_parse`]: parsers on
//!   arbitrary text never panic and print what parses back to itself;
//! - [`label_index`]: the label and reverse indexes against their linear twins;
//! - [`controller_ops`]: user actions, failures and time on a small cluster,
//!   with the invariant checker after every step and convergence at the end;
//! - [`scheduler_ops`]: nodes and pods for the scheduler: no over-commit,
//!   true unschedulable verdicts, preemption of lower priority only.

mod controller;
mod label_index;
mod scheduler;
mod seeds;
mod text;

pub use controller::{ControllerOp, ControllerOps, Setup, Shape, controller_ops};
pub use label_index::{IndexOp, LabelIndexOps, label_index};
pub use scheduler::{NodeShape, PodShape, SchedulerOp, SchedulerOps, SchedulerRun, scheduler_ops};
pub use seeds::{encode_controller, encode_scheduler, scheduler_stories, seeds};
pub use text::{manifest_parse, quantity_parse, selector_parse};

use arbitrary::{Arbitrary, Unstructured};

/// The targets, by name (the names of `fuzz/fuzz_targets/*.rs` and of the
/// folders under `fuzz/corpus/` and `fuzz/regressions/`).
pub const TARGETS: &[&str] = &[
    "selector_parse",
    "quantity_parse",
    "label_index",
    "manifest_parse",
    "controller_ops",
    "scheduler_ops",
];

/// Runs the harness of target `name` on `data`; false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "selector_parse" => selector_parse(data),
        "quantity_parse" => quantity_parse(data),
        "label_index" => label_index(data),
        "manifest_parse" => manifest_parse(data),
        "controller_ops" => controller_ops(data),
        "scheduler_ops" => scheduler_ops(data),
        _ => return false,
    }
    true
}

/// The operations a structured target's input decodes to, printed one per
/// line (what `cargo fuzz fmt` would show), or `None` for a text target or
/// an input too short to decode.
pub fn describe(name: &str, data: &[u8]) -> Option<String> {
    match name {
        "controller_ops" => decode::<ControllerOps>(data).map(|o| lines(&o.ops, &o.setup)),
        "scheduler_ops" => decode::<SchedulerOps>(data).map(|o| lines(&o.ops, &"")),
        "label_index" => decode::<LabelIndexOps>(data).map(|o| lines(&o.0, &"")),
        _ => None,
    }
}

fn lines<T: std::fmt::Debug>(ops: &[T], head: &dyn std::fmt::Debug) -> String {
    let mut s = format!("{head:?}\n");
    for (i, op) in ops.iter().enumerate() {
        s.push_str(&format!("#{i}: {op:?}\n"));
    }
    s
}

/// Decodes an input as `libfuzzer-sys` does for a typed `fuzz_target!`.
pub fn decode<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}

/// One of `items`, chosen by a byte (never fails: an exhausted input reads
/// zeros, so short inputs pick the first items).
fn pick<T: Copy>(u: &mut Unstructured<'_>, items: &[T]) -> arbitrary::Result<T> {
    let i = usize::from(u8::arbitrary(u)?) % items.len();
    Ok(items[i])
}
