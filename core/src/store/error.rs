//! Errors the API server returns, printed as `kubectl` prints them.

use std::fmt;

use crate::api::Kind;
use crate::field::{FieldError, join_errors};

/// Why a write was refused. A refused write changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// 422: the object breaks validation rules.
    Invalid {
        /// The kind.
        kind: Kind,
        /// The object's name.
        name: String,
        /// Every broken rule.
        errors: Vec<FieldError>,
    },
    /// 409: an object of that kind and name exists.
    AlreadyExists {
        /// The kind.
        kind: Kind,
        /// The name.
        name: String,
    },
    /// 404: no such object (or namespace).
    NotFound {
        /// The kind.
        kind: Kind,
        /// The name.
        name: String,
    },
    /// 403: forbidden by admission (quota, a terminating namespace).
    Forbidden {
        /// The kind.
        kind: Kind,
        /// The name.
        name: String,
        /// Why.
        message: String,
    },
    /// 409: the object changed underneath (a stale key).
    Conflict {
        /// The kind.
        kind: Kind,
        /// The name.
        name: String,
        /// Why.
        message: String,
    },
}

/// `deployments.apps`, `pods`: how error messages name a resource.
fn resource(kind: Kind) -> String {
    match kind.group() {
        "" => kind.plural().to_owned(),
        g => format!("{}.{}", kind.plural(), g),
    }
}

/// `Deployment.apps`, `Pod`: how validation errors name a kind.
fn qualified_kind(kind: Kind) -> String {
    match kind.group() {
        "" => kind.name().to_owned(),
        g => format!("{}.{}", kind.name(), g),
    }
}

impl ApiError {
    /// An `Invalid` error from field errors.
    pub fn invalid(kind: Kind, name: impl fmt::Display, errors: Vec<FieldError>) -> ApiError {
        ApiError::Invalid {
            kind,
            name: name.to_string(),
            errors,
        }
    }

    /// The field errors, for `Invalid`.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ApiError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The HTTP status code Kubernetes would answer.
    pub fn code(&self) -> u16 {
        match self {
            ApiError::Invalid { .. } => 422,
            ApiError::AlreadyExists { .. } | ApiError::Conflict { .. } => 409,
            ApiError::NotFound { .. } => 404,
            ApiError::Forbidden { .. } => 403,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Invalid { kind, name, errors } => {
                write!(
                    f,
                    "{} {:?} is invalid: {}",
                    qualified_kind(*kind),
                    name,
                    join_errors(errors)
                )
            }
            ApiError::AlreadyExists { kind, name } => {
                write!(f, "{} {:?} already exists", resource(*kind), name)
            }
            ApiError::NotFound { kind, name } => write!(f, "{} {:?} not found", resource(*kind), name),
            ApiError::Forbidden { kind, name, message } => {
                write!(f, "{} {:?} is forbidden: {}", resource(*kind), name, message)
            }
            ApiError::Conflict { kind, name, message } => {
                write!(
                    f,
                    "Operation cannot be fulfilled on {} {:?}: {}",
                    resource(*kind),
                    name,
                    message
                )
            }
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldPath;

    #[test]
    fn prints_like_kubectl() {
        let e = ApiError::invalid(
            Kind::Deployment,
            "web",
            vec![FieldError::invalid(
                FieldPath::new("spec.replicas"),
                -1,
                "must be greater than or equal to 0",
            )],
        );
        assert_eq!(
            e.to_string(),
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        let n = ApiError::NotFound {
            kind: Kind::Namespace,
            name: "team-a".into(),
        };
        assert_eq!(n.to_string(), "namespaces \"team-a\" not found");
        assert_eq!(n.code(), 404);
    }
}
