//! Labels and label selectors, as Kubernetes defines them (apimachinery `pkg/labels`).
//!
//! - [`Labels`]: an immutable, sorted set of interned `key=value` pairs, cheap to clone;
//! - [`Selector`] and [`Requirement`]: the string selector syntax (`app=web,tier in (a,b),!canary`),
//!   parsed, printed and matched exactly as Kubernetes does;
//! - [`LabelSelector`]: the structured `metav1.LabelSelector` (`matchLabels` / `matchExpressions`),
//!   its API validation and its conversion to a [`Selector`];
//! - [`index`]: an inverted index answering "which objects does this selector select?";
//! - [`reverse`]: a reverse index answering "which selectors select this label set?".
//!
//! Nothing observable depends on [`Symbol`](crate::Symbol) numbers: every order is by string.

mod error;
mod label_selector;
mod lexer;
mod parse;
mod planner;
mod requirement;
mod selector;
mod serde_util;
mod set;

pub mod index;
pub mod reverse;

#[cfg(test)]
mod proptests;

pub use error::{LabelError, SelectorError};
pub use label_selector::{LabelSelector, LabelSelectorRequirement, selector_from_option};
pub use requirement::{Operator, Requirement};
pub use selector::Selector;
pub use set::Labels;
