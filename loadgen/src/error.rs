//! How loadgen fails: bad input (exit code 2) or a check that failed after a
//! good run (exit code 1), and [`Located`], a problem at a line and column
//! of an input file.

use std::fmt;

use kubesim::manifest::{ManifestError, locate_field};

/// A problem at a place in an input file: prints as
/// `file:line:column: field.path: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// The file (or `preset:NAME`).
    pub source: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The field path, when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Located {
    /// A problem with the field at `field` of the single document in `text`:
    /// the position is looked up; the document start when the field is absent.
    pub fn at_field(source: &str, text: &str, field: &str, message: impl Into<String>) -> Located {
        let (line, column) = locate_field(text, 0, field)
            .or_else(|| parent_position(text, field))
            .unwrap_or((1, 1));
        Located {
            source: source.to_owned(),
            line,
            column,
            field: (!field.is_empty()).then(|| field.to_owned()),
            message: message.into(),
        }
    }
}

/// The position of the nearest ancestor of `field` that is present.
fn parent_position(text: &str, field: &str) -> Option<(usize, usize)> {
    let mut path = field;
    while let Some(cut) = path.rfind(['.', '[']) {
        path = &path[..cut];
        if let Some(pos) = locate_field(text, 0, path) {
            return Some(pos);
        }
    }
    None
}

impl From<ManifestError> for Located {
    fn from(e: ManifestError) -> Located {
        Located {
            source: e.source().to_owned(),
            line: e.line(),
            column: e.column(),
            field: e.field().map(str::to_owned),
            message: e.message().to_owned(),
        }
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.source, self.line, self.column)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Bad input (a scenario, manifest, flag or trace): exit code 2.
    Input(String),
    /// The input was good but a check failed (an invariant violation, an
    /// impossible plan): exit code 1. The report was still written.
    Check(String),
}

impl Failure {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Input(_) => 2,
            Failure::Check(_) => 1,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Input(m) | Failure::Check(m) => f.write_str(m),
        }
    }
}

impl From<Located> for Failure {
    fn from(e: Located) -> Failure {
        Failure::Input(e.to_string())
    }
}

impl From<ManifestError> for Failure {
    fn from(e: ManifestError) -> Failure {
        Failure::Input(e.to_string())
    }
}

/// A bad-input failure from anything printable.
pub fn input(message: impl fmt::Display) -> Failure {
    Failure::Input(message.to_string())
}

/// Results of loadgen's commands.
pub type Result<T, E = Failure> = std::result::Result<T, E>;
