//! Manifest parsing on arbitrary bytes: an error or objects, never a panic.
//! The check lives in `kubesim::fuzzing::manifest_parse`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubesim::fuzzing::manifest_parse(data));
