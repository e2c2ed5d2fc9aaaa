//! User actions, node failures and time on a small cluster: invariants after every step, convergence at the end.
//! The check lives in `kubesim::fuzzing::controller_ops`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubesim::fuzzing::controller_ops(data));
