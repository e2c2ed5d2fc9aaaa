//! The label selector conformance vectors (`../shared/vectors/selectors.json`): parsing and
//! canonical printing, parse failures, matching, and `LabelSelector` conversion.

use std::path::Path;

use kubesim::labels::{LabelSelector, Labels, Selector, selector_from_option};
use serde_json::Value;

fn labels_of(v: &Value) -> Labels {
    let map = v.as_object().expect("labels are an object");
    map.iter()
        .map(|(k, v)| (k.as_str(), v.as_str().expect("label values are strings")))
        .collect()
}

/// Checks every vector in the file; returns the failures and the number of vectors checked.
fn check_file(path: &Path) -> (Vec<String>, usize) {
    let text = std::fs::read_to_string(path).expect("read selectors.json");
    let doc: Value = serde_json::from_str(&text).expect("selectors.json is JSON");
    let section = |name: &str| doc[name].as_array().cloned().unwrap_or_default();
    let mut failures = Vec::new();
    let mut checked = 0;

    for v in section("parse_ok") {
        checked += 1;
        let input = v["input"].as_str().expect("input");
        let want = v["canonical"].as_str().expect("canonical");
        match Selector::parse(input) {
            Ok(s) if s.to_string() == want => {}
            Ok(s) => failures.push(format!(
                "parse_ok {input:?}: printed {:?}, want {want:?}",
                s.to_string()
            )),
            Err(e) => failures.push(format!("parse_ok {input:?}: error {e}")),
        }
    }

    for v in section("parse_fail") {
        checked += 1;
        let input = v["input"].as_str().expect("input");
        if let Ok(s) = Selector::parse(input) {
            failures.push(format!("parse_fail {input:?}: parsed as {s}"));
        }
    }

    for v in section("match") {
        checked += 1;
        let sel = v["selector"].as_str().expect("selector");
        let labels = labels_of(&v["labels"]);
        let want = v["matches"].as_bool().expect("matches");
        match Selector::parse(sel) {
            Ok(s) if s.matches(&labels) == want => {}
            Ok(_) => failures.push(format!("match {sel:?} on {labels:?}: want {want}")),
            Err(e) => failures.push(format!("match {sel:?}: error {e}")),
        }
    }

    for v in section("label_selector") {
        checked += 1;
        let want = v["result"].as_str().expect("result");
        let parsed: Option<LabelSelector> = match serde_json::from_value(v["labelSelector"].clone()) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!(
                    "label_selector {}: does not deserialize: {e}",
                    v["labelSelector"]
                ));
                continue;
            }
        };
        let got = match selector_from_option(parsed.as_ref()) {
            Err(_) => "error".to_owned(),
            Ok(s) if s.is_nothing() => "nothing".to_owned(),
            Ok(s) if s.is_everything() => "everything".to_owned(),
            Ok(s) => s.to_string(),
        };
        if got != want {
            failures.push(format!(
                "label_selector {}: got {got:?}, want {want:?}",
                v["labelSelector"]
            ));
        }
    }
    (failures, checked)
}

#[test]
fn selector_vectors_all_pass() {
    let Some(path) = kubesim_tests::shared_file("vectors/selectors.json") else {
        return;
    };
    let (failures, checked) = check_file(&path);
    assert!(checked > 0, "no vectors found in {}", path.display());
    assert!(
        failures.is_empty(),
        "{} of {checked} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
