//! The label and reverse selector indexes against their linear twins under arbitrary operations.
//! The check lives in `kubesim::fuzzing::label_index`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubesim::fuzzing::label_index(data));
