//! Manifest parsing on arbitrary bytes: no input may panic, and every error
//! and located field has a 1-based position.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match kubesim::manifest::parse_manifests(&text, "fuzz.yaml") {
        Ok(objects) => {
            for o in &objects {
                assert!(o.line >= 1);
                let _ = o.locate(&text, "metadata.name");
            }
        }
        Err(e) => assert!(e.line() >= 1 && e.column() >= 1 && !e.to_string().is_empty()),
    }
    for path in ["", "spec.template.spec.containers[0].resources.requests[cpu]", "items[0].kind", "[0]"] {
        if let Some((line, column)) = kubesim::manifest::locate_field(&text, 0, path) {
            assert!(line >= 1 && column >= 1);
        }
    }
});
