//! Nodes and pods for the scheduler: no over-commit, true verdicts, preemption of lower priority only.
//! The check lives in `kubesim::fuzzing::scheduler_ops`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubesim::fuzzing::scheduler_ops(data));
