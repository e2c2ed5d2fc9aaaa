//! A label selector field as workloads carry it: the structured form the
//! user wrote plus its compiled [`Selector`], computed once on decode.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::labels::{LabelSelector, Labels, Selector};

/// A `metav1.LabelSelector` field with its compiled form.
///
/// An absent field (`None`) compiles to [`Selector::nothing`], as Kubernetes'
/// `LabelSelectorAsSelector(nil)` does; an invalid one also compiles to
/// nothing, and validation reports why. How each kind treats an absent
/// selector is documented on the field that carries it.
#[derive(Clone, Default)]
pub struct PodSelector {
    spec: Option<LabelSelector>,
    compiled: Option<Selector>,
}

impl PodSelector {
    /// Wraps a structured selector (or its absence) and compiles it.
    pub fn new(spec: Option<LabelSelector>) -> PodSelector {
        let compiled = spec.as_ref().and_then(|s| s.to_selector().ok());
        PodSelector { spec, compiled }
    }

    /// A selector of `matchLabels` only.
    pub fn match_labels(labels: Labels) -> PodSelector {
        PodSelector::new(Some(LabelSelector {
            match_labels: labels,
            match_expressions: Vec::new(),
        }))
    }

    /// The structured form as written.
    pub fn spec(&self) -> Option<&LabelSelector> {
        self.spec.as_ref()
    }

    /// Whether the field is absent.
    pub fn is_absent(&self) -> bool {
        self.spec.is_none()
    }

    /// The compiled selector (nothing when absent or invalid).
    pub fn selector(&self) -> &Selector {
        static NOTHING: std::sync::LazyLock<Selector> = std::sync::LazyLock::new(Selector::nothing);
        self.compiled.as_ref().unwrap_or(&NOTHING)
    }

    /// Whether `labels` match.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.selector().matches(labels)
    }
}

impl PartialEq for PodSelector {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl Eq for PodSelector {}

impl Hash for PodSelector {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.selector().to_string().hash(state);
        self.spec.is_some().hash(state);
    }
}

impl fmt::Debug for PodSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.spec {
            None => f.write_str("<absent>"),
            Some(_) => write!(f, "{:?}", self.selector().to_string()),
        }
    }
}

impl Serialize for PodSelector {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.spec.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PodSelector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<LabelSelector>::deserialize(deserializer).map(PodSelector::new)
    }
}
