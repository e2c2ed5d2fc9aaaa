//! Scenarios: the file format (`format`, `steps`, `values`), the loader
//! with located errors (`load`, `validate`, `overrides`), the short node
//! syntax (`nodespec`) and the generators (`generate`).
//!
//! A [`Scenario`] is a validated scenario file plus everything it refers to,
//! read and checked up front (manifests parsed and dry-run through admission,
//! trace files parsed), so a run never stops half-way on bad input.

pub mod format;
pub mod generate;
mod load;
pub mod nodespec;
pub mod overrides;
pub mod sched;
pub mod steps;
pub mod validate;
pub mod values;
pub mod workloads;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use kubesim::api::AnyObject;

pub use format::ScenarioFile;
pub use load::{ensure_namespace, load, namespace_of, resolve_manifests};
pub use overrides::Override;

use crate::replay::Trace;

/// Where a scenario came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk; references resolve next to it.
    File(PathBuf),
    /// A preset shipped with the binary; references resolve to its data.
    Preset(String),
    /// Built from command-line flags (`apply`); references resolve from the
    /// working directory.
    Flags,
}

/// A scenario's text and origin.
#[derive(Clone, Debug)]
pub struct Input {
    /// Where it came from.
    pub origin: Origin,
    /// How errors name it: the path, or `preset:NAME`.
    pub display: String,
    /// The text.
    pub text: Arc<str>,
}

impl Input {
    /// Reads a scenario file.
    pub fn file(path: &str) -> crate::error::Result<Input> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::error::input(format!("cannot read scenario {path}: {e}")))?;
        Ok(Input {
            origin: Origin::File(PathBuf::from(path)),
            display: path.to_owned(),
            text: text.into(),
        })
    }

    /// A preset by name.
    pub fn preset(name: &str) -> crate::error::Result<Input> {
        let p = crate::presets::get(name).ok_or_else(|| {
            crate::error::input(format!(
                "unknown preset {name:?}: expected one of {} (see `loadgen presets`)",
                crate::presets::names().join(", ")
            ))
        })?;
        Ok(Input {
            origin: Origin::Preset(name.to_owned()),
            display: format!("preset:{name}"),
            text: p.text.into(),
        })
    }

    /// How a command line names this scenario (`PATH` or `--preset NAME`).
    pub fn as_arg(&self) -> String {
        match &self.origin {
            Origin::File(p) => shell_quote(&p.display().to_string()),
            Origin::Preset(n) => format!("--preset {n}"),
            Origin::Flags => String::new(),
        }
    }
}

/// Quotes `s` for a POSIX shell when it needs it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,%+@".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// An object read from a manifest, with where it came from.
#[derive(Clone, Debug)]
pub struct Sourced {
    /// The object.
    pub object: AnyObject,
    /// `file:line` of its start.
    pub origin: String,
}

/// A loaded, validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// One line on what it shows.
    pub description: String,
    /// Where it came from.
    pub input: Input,
    /// The `--set` overrides applied.
    pub overrides: Vec<Override>,
    /// The scenario as read (overrides applied).
    pub file: ScenarioFile,
    /// The objects of each `manifests` / `inline` workload, by its field
    /// path (`workloads[0]`, `timeline[3].apply`).
    pub objects: BTreeMap<String, Arc<Vec<Sourced>>>,
    /// The trace to replay.
    pub trace: Option<Arc<Trace>>,
}

impl Scenario {
    /// The objects of the workload at `path` (empty if none).
    pub fn objects_at(&self, path: &str) -> Arc<Vec<Sourced>> {
        self.objects.get(path).cloned().unwrap_or_default()
    }

    /// The seed to use when none is given on the command line.
    pub fn default_seed(&self) -> u64 {
        self.file.seed.unwrap_or(1)
    }
}
