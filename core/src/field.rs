//! Field errors in Kubernetes' shape: a field path, what kind of problem, and
//! the rule that was broken.
//!
//! Messages print as the API server prints them
//! (apimachinery `pkg/util/validation/field/errors.go`), for example
//! `spec.replicas: Invalid value: -1: must be greater than or equal to 0`.

use std::fmt;

/// A path to a field, such as `spec.template.spec.containers[0].image`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(String);

impl FieldPath {
    /// The path of a top-level field.
    pub fn new(root: &str) -> FieldPath {
        FieldPath(root.to_owned())
    }

    /// The path of a child field: `spec` -> `spec.replicas`.
    pub fn child(&self, name: &str) -> FieldPath {
        if self.0.is_empty() {
            FieldPath(name.to_owned())
        } else {
            self.joined(".", name, "")
        }
    }

    /// The path of a list element: `containers` -> `containers[2]`.
    pub fn index(&self, i: usize) -> FieldPath {
        self.joined("[", &i.to_string(), "]")
    }

    /// The path of a map entry: `labels` -> `labels[app]`.
    pub fn key(&self, k: &str) -> FieldPath {
        self.joined("[", k, "]")
    }

    /// This path, then `open`, `part` and `close` (admission builds a path
    /// for every field it visits, so this avoids the formatting machinery).
    fn joined(&self, open: &str, part: &str, close: &str) -> FieldPath {
        let mut s = String::with_capacity(self.0.len() + open.len() + part.len() + close.len());
        s.push_str(&self.0);
        s.push_str(open);
        s.push_str(part);
        s.push_str(close);
        FieldPath(s)
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of problem a field has (Kubernetes' `field.ErrorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    /// A required field is missing.
    Required,
    /// A value breaks a rule.
    Invalid,
    /// A value is not one of the supported values.
    NotSupported,
    /// A value appears twice where it must be unique.
    Duplicate,
    /// A field may not be set or changed.
    Forbidden,
    /// A value is longer than allowed.
    TooLong,
    /// A list has more items than allowed.
    TooMany,
    /// A referenced object does not exist.
    NotFound,
}

impl ErrorType {
    fn text(self) -> &'static str {
        match self {
            ErrorType::Required => "Required value",
            ErrorType::Invalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::NotFound => "Not found",
        }
    }
}

/// One broken rule on one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Where the problem is.
    pub field: FieldPath,
    /// What kind of problem it is.
    pub error_type: ErrorType,
    /// The offending value, already rendered (strings quoted), if any.
    pub value: Option<String>,
    /// The rule, in Kubernetes' words.
    pub detail: String,
}

impl FieldError {
    /// A missing required field.
    pub fn required(field: FieldPath, detail: impl Into<String>) -> FieldError {
        FieldError {
            field,
            error_type: ErrorType::Required,
            value: None,
            detail: detail.into(),
        }
    }

    /// A value that breaks a rule; `value` is rendered with `Debug` (strings quoted).
    pub fn invalid(field: FieldPath, value: impl fmt::Debug, detail: impl Into<String>) -> FieldError {
        FieldError {
            field,
            error_type: ErrorType::Invalid,
            value: Some(format!("{value:?}")),
            detail: detail.into(),
        }
    }

    /// A value outside the supported set.
    pub fn not_supported(field: FieldPath, value: impl fmt::Debug, supported: &[&str]) -> FieldError {
        let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
        FieldError {
            field,
            error_type: ErrorType::NotSupported,
            value: Some(format!("{value:?}")),
            detail: format!("supported values: {}", list.join(", ")),
        }
    }

    /// A value that repeats.
    pub fn duplicate(field: FieldPath, value: impl fmt::Debug) -> FieldError {
        FieldError {
            field,
            error_type: ErrorType::Duplicate,
            value: Some(format!("{value:?}")),
            detail: String::new(),
        }
    }

    /// A field that may not be set or changed.
    pub fn forbidden(field: FieldPath, detail: impl Into<String>) -> FieldError {
        FieldError {
            field,
            error_type: ErrorType::Forbidden,
            value: None,
            detail: detail.into(),
        }
    }

    /// A value longer than `max` bytes.
    pub fn too_long(field: FieldPath, max: usize) -> FieldError {
        FieldError {
            field,
            error_type: ErrorType::TooLong,
            value: None,
            detail: format!("may not be more than {max} bytes"),
        }
    }

    /// A reference to something that does not exist.
    pub fn not_found(field: FieldPath, value: impl fmt::Debug) -> FieldError {
        FieldError {
            field,
            error_type: ErrorType::NotFound,
            value: Some(format!("{value:?}")),
            detail: String::new(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.error_type.text())?;
        if let Some(v) = &self.value {
            write!(f, ": {v}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldError {}

/// Renders a list of field errors the way Kubernetes aggregates them: one
/// error bare, several in brackets separated by `, `.
pub fn join_errors(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => {
            let parts: Vec<String> = many.iter().map(ToString::to_string).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_like_the_api_server() {
        let e = FieldError::invalid(
            FieldPath::new("spec").child("replicas"),
            -1,
            "must be greater than or equal to 0",
        );
        assert_eq!(
            e.to_string(),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        let r = FieldError::required(
            FieldPath::new("metadata").child("name"),
            "name or generateName is required",
        );
        assert_eq!(
            r.to_string(),
            "metadata.name: Required value: name or generateName is required"
        );
        let n = FieldError::not_supported(
            FieldPath::new("spec").child("restartPolicy"),
            "Sometimes",
            &["Always", "Never"],
        );
        assert_eq!(
            n.to_string(),
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\""
        );
        let p = FieldPath::new("spec").child("containers").index(2).child("ports");
        assert_eq!(p.as_str(), "spec.containers[2].ports");
    }
}
