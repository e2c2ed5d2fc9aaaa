//! Quantity parsing on arbitrary text: no panic; printed and canonical forms parse back to the same value.
//! The check lives in `kubesim::fuzzing::quantity_parse`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubesim::fuzzing::quantity_parse(data));
