//! Selector parsing on arbitrary text: no panic, and what parses prints back to itself.
//! The check lives in `kubesim::fuzzing::selector_parse`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubesim::fuzzing::selector_parse(data));
