//! The parsers on arbitrary text: selectors, quantities, manifests. None may
//! panic; what parses prints to text that parses back to an equal value.

use crate::labels::Selector;
use crate::quantity::Quantity;

/// Any text as a selector: parsing never panics, and a parsed selector
/// prints to a string that parses back to an equal selector, which prints
/// the same.
pub fn selector_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(selector) = Selector::parse(&text) else {
        return;
    };
    let printed = selector.to_string();
    let again = Selector::parse(&printed)
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(
        again, selector,
        "{text:?} printed as {printed:?}, which parses to another selector"
    );
    assert_eq!(again.to_string(), printed, "printing {text:?} is not stable");
}

/// The canonical text of `q` (the value in its format, not the kept input
/// spelling).
fn canonical(q: &Quantity) -> String {
    Quantity::from_nanos(q.as_nanos(), q.format())
        .map(|c| c.to_string())
        .unwrap_or_default()
}

/// Any text as a quantity: parsing never panics; a parsed quantity prints
/// (Kubernetes' `String()`) to text that parses back to the same value and,
/// from the second print on, prints the same; its canonical form parses
/// back to the same value and is its own canonical form.
pub fn quantity_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(q) = Quantity::parse(&text) else {
        return;
    };
    let printed = q.to_string();
    let again = Quantity::parse(&printed)
        .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which does not parse: {e}"));
    assert_eq!(
        again, q,
        "{text:?} printed as {printed:?}, which has another value"
    );
    // Kubernetes' `String()` keeps the format, so one reprint may change the
    // text: a BinarySI value that is no exact multiple of 1024 prints
    // without a suffix (`312.5Ki` -> `320000`), which parses back as
    // DecimalSI and prints as `320k`. From the second print on it is fixed.
    let reprinted = again.to_string();
    let third = Quantity::parse(&reprinted)
        .unwrap_or_else(|e| panic!("{text:?} reprinted as {reprinted:?}, which does not parse: {e}"));
    assert_eq!(
        third, q,
        "{text:?} reprinted as {reprinted:?}, which has another value"
    );
    assert_eq!(third.to_string(), reprinted, "printing {text:?} is not stable");
    let canon = canonical(&q);
    let back = Quantity::parse(&canon)
        .unwrap_or_else(|e| panic!("{text:?} has canonical form {canon:?}, which does not parse: {e}"));
    assert_eq!(
        back, q,
        "{text:?} has canonical form {canon:?}, which has another value"
    );
    // The same holds for the canonical form: stable from the second round.
    let canon2 = canonical(&back);
    let back2 = Quantity::parse(&canon2)
        .unwrap_or_else(|e| panic!("{text:?} has canonical form {canon2:?}, which does not parse: {e}"));
    assert_eq!(
        back2, q,
        "{text:?} has canonical form {canon2:?}, which has another value"
    );
    assert_eq!(
        canonical(&back2),
        canon2,
        "the canonical form of {text:?} is not stable"
    );
}

/// Arbitrary bytes as YAML/JSON manifests: an error or objects, never a
/// panic; every error and located field has a 1-based position.
pub fn manifest_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match crate::manifest::parse_manifests(&text, "fuzz.yaml") {
        Ok(objects) => {
            for o in &objects {
                assert!(o.line >= 1);
                let _ = o.locate(&text, "metadata.name");
            }
        }
        Err(e) => assert!(e.line() >= 1 && e.column() >= 1 && !e.to_string().is_empty()),
    }
    for path in [
        "",
        "spec.template.spec.containers[0].resources.requests[cpu]",
        "items[0].kind",
        "[0]",
    ] {
        if let Some((line, column)) = crate::manifest::locate_field(&text, 0, path) {
            assert!(line >= 1 && column >= 1);
        }
    }
}
