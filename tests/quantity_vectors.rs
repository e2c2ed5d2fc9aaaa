//! The resource.Quantity conformance vectors (`../shared/vectors/quantities.json`):
//! exact parsed values and formats, canonical strings, milli/int values, and inputs
//! that must not parse.

use std::path::Path;

use kubesim::quantity::{Format, Quantity};
use serde_json::Value;

/// An exact decimal string such as `"-102435.84"` in nano-units, computed without
/// the code under test.
fn decimal_to_nanos(s: &str) -> Option<i128> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.len() > 9 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{int}{frac:0<9}");
    let nanos: i128 = padded.parse().ok()?;
    Some(if negative { -nanos } else { nanos })
}

fn format_named(name: &str) -> Option<Format> {
    match name {
        "DecimalSI" => Some(Format::DecimalSI),
        "BinarySI" => Some(Format::BinarySI),
        "DecimalExponent" => Some(Format::DecimalExponent),
        _ => None,
    }
}

fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("vector {v} has no string {name:?}"))
}

/// Checks every vector in the file; returns the failures and the number of vectors checked.
fn check_file(path: &Path) -> (Vec<String>, usize) {
    let text = std::fs::read_to_string(path).expect("read quantities.json");
    let doc: Value = serde_json::from_str(&text).expect("quantities.json is JSON");
    let section = |name: &str| {
        doc[name]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("quantities.json has no {name:?} section"))
    };
    let mut failures = Vec::new();
    let mut checked = 0;

    for v in section("parse") {
        checked += 1;
        let input = str_field(&v, "input");
        let want = decimal_to_nanos(str_field(&v, "value")).expect("value is an exact decimal");
        let want_format = format_named(str_field(&v, "format")).expect("format is known");
        match Quantity::parse(input) {
            Ok(q) if q.as_nanos() == want && q.format() == want_format => {}
            Ok(q) => failures.push(format!(
                "parse {input:?}: got {} nanos, {:?}; want {want} nanos, {want_format:?}",
                q.as_nanos(),
                q.format()
            )),
            Err(e) => failures.push(format!("parse {input:?}: error {e}")),
        }
    }

    for v in section("canonical") {
        checked += 1;
        let input = str_field(&v, "input");
        let want = str_field(&v, "canonical");
        match Quantity::parse(input) {
            Ok(q) if q.to_string() == want => {}
            Ok(q) => failures.push(format!(
                "canonical {input:?}: printed {:?}, want {want:?}",
                q.to_string()
            )),
            Err(e) => failures.push(format!("canonical {input:?}: error {e}")),
        }
    }

    for v in section("milli") {
        checked += 1;
        let input = str_field(&v, "input");
        let want_milli = v["milli_value"].as_i64().expect("milli_value is an integer");
        let want_value = v["value"].as_i64().expect("value is an integer");
        match Quantity::parse(input) {
            Ok(q) if q.milli_value() == want_milli && q.value() == want_value => {}
            Ok(q) => failures.push(format!(
                "milli {input:?}: got milli {} value {}, want milli {want_milli} value {want_value}",
                q.milli_value(),
                q.value()
            )),
            Err(e) => failures.push(format!("milli {input:?}: error {e}")),
        }
    }

    for v in section("invalid") {
        checked += 1;
        let input = str_field(&v, "input");
        match Quantity::parse(input) {
            Err(e) if e.to_string().starts_with("quantity \"") => {}
            Err(e) => failures.push(format!("invalid {input:?}: unexpected message {e}")),
            Ok(q) => failures.push(format!("invalid {input:?}: parsed as {q}")),
        }
    }
    (failures, checked)
}

#[test]
fn quantity_vectors_all_pass() {
    let Some(path) = kubesim_tests::shared_file("vectors/quantities.json") else {
        return;
    };
    let (failures, checked) = check_file(&path);
    assert!(checked > 0, "no vectors in {}", path.display());
    assert!(
        failures.is_empty(),
        "{} of {checked} quantity vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("quantity vectors: {checked} passed");
}

#[test]
fn decimal_to_nanos_reads_exact_decimals() {
    assert_eq!(decimal_to_nanos("0"), Some(0));
    assert_eq!(decimal_to_nanos("0.000000005"), Some(5));
    assert_eq!(decimal_to_nanos("102435.84"), Some(102_435_840_000_000));
    assert_eq!(decimal_to_nanos("-1.5"), Some(-1_500_000_000));
    assert_eq!(decimal_to_nanos("0.0000000001"), None);
}
