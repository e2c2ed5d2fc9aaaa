//! [`LabelSelector`]: Kubernetes' structured `metav1.LabelSelector` (`matchLabels` /
//! `matchExpressions`), its API validation and its conversion to a [`Selector`].
//!
//! # What an absent selector means
//!
//! [`selector_from_option`]`(None)` is [`Selector::nothing`], as upstream's
//! `LabelSelectorAsSelector(nil)`. Per kind:
//!
//! | kind | `selector` absent | kubesim |
//! |---|---|---|
//! | Service | no selector: the Service's endpoints are not managed by the control plane | no endpoints are computed |
//! | PodDisruptionBudget (policy/v1) | a nil selector selects no pods (an empty one selects all) | [`Selector::nothing`] |
//! | ReplicaSet, Deployment, StatefulSet, DaemonSet, Job | required: validation rejects the object | never reaches a selector |
//! | NetworkPolicy | not modelled | — |

use serde::{Deserialize, Serialize};

use super::error::SelectorError;
use super::requirement::{Operator, Requirement};
use super::selector::Selector;
use super::serde_util::{lenient_list, lenient_symbol, null_default};
use super::set::Labels;
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::validation;

/// Kubernetes' `metav1.LabelSelector`: `{"matchLabels": {...}, "matchExpressions": [...]}`, both
/// optional. The requirements are ANDed; an empty selector selects everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// `key: value` pairs, each meaning `key=value`.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub match_labels: Labels,
    /// Set-based requirements.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` entry: `{"key": .., "operator": "In", "values": [..]}`.
///
/// The operator keeps its raw text, so that validation can report an unknown one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSelectorRequirement {
    /// The label key.
    #[serde(deserialize_with = "lenient_symbol")]
    pub key: Symbol,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(deserialize_with = "lenient_symbol")]
    pub operator: Symbol,
    /// The values (for `In` / `NotIn`).
    #[serde(
        default,
        deserialize_with = "lenient_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<Symbol>,
}

impl LabelSelectorRequirement {
    /// A requirement from plain strings.
    pub fn new(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: Symbol::intern(key),
            operator: Symbol::intern(operator),
            values: values.iter().map(|v| Symbol::intern(v)).collect(),
        }
    }
}

/// The selector operator of a `matchExpressions` operator name (only the four Kubernetes accepts
/// there: `Gt` / `Lt` belong to node selectors, not label selectors).
fn operator_of(name: &str) -> Option<Operator> {
    Some(match name {
        "In" => Operator::In,
        "NotIn" => Operator::NotIn,
        "Exists" => Operator::Exists,
        "DoesNotExist" => Operator::DoesNotExist,
        _ => return None,
    })
}

impl LabelSelector {
    /// Kubernetes' `LabelSelectorAsSelector` (spec §1.6): no labels and no expressions is
    /// [`Selector::everything`]; each `matchLabels` pair becomes `key=value` and each expression
    /// its operator, every one through [`Requirement::new`] (so `In` without values or `Exists`
    /// with values is an error); any other operator (including `Gt`, `Lt`) fails with
    /// `"Gt" is not a valid label selector operator`. Requirements are sorted by key, stably,
    /// `matchLabels` first.
    pub fn to_selector(&self) -> Result<Selector, SelectorError> {
        if self.match_labels.is_empty() && self.match_expressions.is_empty() {
            return Ok(Selector::everything());
        }
        let mut reqs = Vec::with_capacity(self.match_labels.len() + self.match_expressions.len());
        for (k, v) in self.match_labels.iter() {
            reqs.push(Requirement::new(k.as_str(), Operator::Equals, &[v.as_str()])?);
        }
        for expr in &self.match_expressions {
            let op = operator_of(expr.operator.as_str()).ok_or_else(|| {
                SelectorError::new(
                    format!(
                        "{:?} is not a valid label selector operator",
                        expr.operator.as_str()
                    ),
                    None,
                )
            })?;
            let values: Vec<&str> = expr.values.iter().map(|v| v.as_str()).collect();
            reqs.push(Requirement::new(expr.key.as_str(), op, &values)?);
        }
        Ok(Selector::from_requirements(reqs))
    }

    /// Kubernetes' `ValidateLabelSelector` (apimachinery `pkg/apis/meta/v1/validation/validation.go`,
    /// invalid label values not allowed): `matchLabels` as labels (errors at `<path>.matchLabels`);
    /// per expression `i`, at `<path>.matchExpressions[i]`: `In` / `NotIn` without values is
    /// `values: Required value`, `Exists` / `DoesNotExist` with values is `values: Forbidden`, any
    /// other operator is `operator: Invalid value: "..": not a valid selector operator` (upstream
    /// uses Invalid here, not NotSupported); then the key must be a qualified name (`key`) and each
    /// value a label value (`values[j]`).
    pub fn validate(&self, path: &FieldPath) -> Vec<FieldError> {
        let mut errs = self.match_labels.validate(&path.child("matchLabels"));
        let exprs_path = path.child("matchExpressions");
        for (i, expr) in self.match_expressions.iter().enumerate() {
            let p = exprs_path.index(i);
            match expr.operator.as_str() {
                "In" | "NotIn" => {
                    if expr.values.is_empty() {
                        errs.push(FieldError::required(
                            p.child("values"),
                            "must be specified when `operator` is 'In' or 'NotIn'",
                        ));
                    }
                }
                "Exists" | "DoesNotExist" => {
                    if !expr.values.is_empty() {
                        errs.push(FieldError::forbidden(
                            p.child("values"),
                            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                        ));
                    }
                }
                other => errs.push(FieldError::invalid(
                    p.child("operator"),
                    other,
                    "not a valid selector operator",
                )),
            }
            for msg in validation::qualified_name(expr.key.as_str()) {
                errs.push(FieldError::invalid(p.child("key"), expr.key.as_str(), msg));
            }
            let values_path = p.child("values");
            for (j, v) in expr.values.iter().enumerate() {
                for msg in validation::label_value(v.as_str()) {
                    errs.push(FieldError::invalid(values_path.index(j), v.as_str(), msg));
                }
            }
        }
        errs
    }

    /// Whether the selector matches `labels`; a selector that cannot be converted matches nothing.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.to_selector().is_ok_and(|s| s.matches(labels))
    }
}

/// The selector of an optional `LabelSelector`: `None` is [`Selector::nothing`] (see the module
/// documentation for what that means per kind), `Some` is [`LabelSelector::to_selector`].
pub fn selector_from_option(sel: Option<&LabelSelector>) -> Result<Selector, SelectorError> {
    match sel {
        None => Ok(Selector::nothing()),
        Some(s) => s.to_selector(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(json: &str) -> LabelSelector {
        serde_json::from_str(json).unwrap()
    }

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().copied().collect()
    }

    #[test]
    fn conversion() {
        assert!(ls("{}").to_selector().unwrap().is_everything());
        assert!(
            ls(r#"{"matchLabels": {}, "matchExpressions": []}"#)
                .to_selector()
                .unwrap()
                .is_everything()
        );
        assert!(
            ls(r#"{"matchLabels": null, "matchExpressions": null}"#)
                .to_selector()
                .unwrap()
                .is_everything()
        );
        assert!(selector_from_option(None).unwrap().is_nothing());
        let s = ls(r#"{"matchExpressions": [
            {"key": "a", "operator": "Exists"},
            {"key": "c", "operator": "DoesNotExist"},
            {"key": "b", "operator": "NotIn", "values": ["q"]}]}"#);
        assert_eq!(
            selector_from_option(Some(&s)).unwrap().to_string(),
            "a,b notin (q),!c"
        );
        let s = ls(r#"{"matchLabels": {"app": "web", "a": "1"},
            "matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}"#);
        assert_eq!(
            s.to_selector().unwrap().to_string(),
            "a=1,app=web,app in (api,web)"
        );
        assert!(s.matches(&l(&[("a", "1"), ("app", "web")])));
        assert!(!s.matches(&l(&[("a", "1"), ("app", "api")])));
    }

    #[test]
    fn conversion_errors() {
        let e = ls(r#"{"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}"#)
            .to_selector()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("values set must be empty for exists and does not exist"),
            "{e}"
        );
        let gt = ls(r#"{"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}"#);
        assert_eq!(
            gt.to_selector().unwrap_err().to_string(),
            "\"Gt\" is not a valid label selector operator"
        );
        assert!(!gt.matches(&l(&[("a", "2")])));
        let e = ls(r#"{"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}"#).to_selector();
        assert!(e.unwrap_err().to_string().contains("values set can't be empty"));
        let e = ls(r#"{"matchLabels": {"-bad": "x"}}"#).to_selector();
        assert!(
            e.unwrap_err()
                .to_string()
                .starts_with("key: Invalid value: \"-bad\"")
        );
    }

    #[test]
    fn validation_paths_and_messages() {
        let s = ls(r#"{"matchLabels": {"ok": "-v"}, "matchExpressions": [
            {"key": "a", "operator": "In"},
            {"key": "b", "operator": "Exists", "values": ["x"]},
            {"key": "c", "operator": "Gt", "values": ["1"]},
            {"key": "-d", "operator": "NotIn", "values": ["ok", "bad value"]}]}"#);
        let errs: Vec<String> = s
            .validate(&FieldPath::new("spec").child("selector"))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(errs.len(), 6, "{errs:#?}");
        assert!(errs[0].starts_with("spec.selector.matchLabels: Invalid value: \"-v\": a valid label must"));
        assert_eq!(
            errs[1],
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
        );
        assert_eq!(
            errs[2],
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
        );
        assert_eq!(
            errs[3],
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Gt\": not a valid selector operator"
        );
        assert!(
            errs[4]
                .starts_with("spec.selector.matchExpressions[3].key: Invalid value: \"-d\": name part must")
        );
        assert!(errs[5].starts_with(
            "spec.selector.matchExpressions[3].values[1]: Invalid value: \"bad value\": a valid label"
        ));
        assert!(LabelSelector::default().validate(&FieldPath::new("x")).is_empty());
    }

    #[test]
    fn serde_shape() {
        let s = LabelSelector {
            match_labels: l(&[("app", "web")]),
            match_expressions: vec![LabelSelectorRequirement::new("tier", "In", &["a", "b"])],
        };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]}]}"#
        );
        assert_eq!(ls(&json), s);
        assert_eq!(serde_json::to_string(&LabelSelector::default()).unwrap(), "{}");
        let lenient = ls(r#"{"matchExpressions": [{"key": "v", "operator": "In", "values": [2, true]}]}"#);
        assert_eq!(lenient.to_selector().unwrap().to_string(), "v in (2,true)");
    }
}
