//! The errors of label parsing ([`LabelError`]) and selector parsing or conversion ([`SelectorError`]).

use std::fmt;

/// Why a `key=value,...` label string was rejected by [`Labels::parse`](super::Labels::parse).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// An item is not of the form `key=value` (no `=`, or more than one).
    #[error("invalid label {item:?}: expected key=value")]
    Syntax {
        /// The offending item, untrimmed.
        item: String,
    },
    /// A key is not a qualified name.
    #[error("invalid label key {key:?}: {}", .reasons.join("; "))]
    InvalidKey {
        /// The key.
        key: String,
        /// The broken rules, in Kubernetes' words.
        reasons: Vec<String>,
    },
    /// A value is not a valid label value.
    #[error("invalid value {value:?} for label {key:?}: {}", .reasons.join("; "))]
    InvalidValue {
        /// The key whose value is wrong.
        key: String,
        /// The value.
        value: String,
        /// The broken rules, in Kubernetes' words.
        reasons: Vec<String>,
    },
    /// A key appears twice.
    #[error("duplicate label key {key:?}")]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
}

/// Why a selector string could not be parsed, or a requirement or `LabelSelector` could not be
/// turned into a [`Selector`](super::Selector).
///
/// The message follows Kubernetes' wording (lowercase); parse errors also carry the 0-based byte
/// offset of the offending token in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    message: String,
    position: Option<usize>,
}

impl SelectorError {
    pub(crate) fn new(message: impl Into<String>, position: Option<usize>) -> SelectorError {
        SelectorError {
            message: message.into(),
            position,
        }
    }

    pub(crate) fn at(mut self, position: usize) -> SelectorError {
        self.position = Some(position);
        self
    }

    /// What is wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the parsed input (0-based byte offset), for errors of [`Selector::parse`](super::Selector::parse).
    pub fn position(&self) -> Option<usize> {
        self.position
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(p) => write!(f, "{} (at position {p})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SelectorError {}
