//! [`ManifestError`]: what is wrong with a manifest, and where.

use std::fmt;

/// Why a manifest could not be read: the file, the 1-based line and column of
/// the offending text, the field path when known, and what is wrong.
///
/// Prints as `<source>:<line>:<column>: [<field path>: ]<message>`, for
/// example `deploy.yaml:14:18: spec.replicas: invalid type: string "three", expected i32`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    source: String,
    line: usize,
    column: usize,
    document: Option<usize>,
    field: Option<String>,
    message: String,
}

impl ManifestError {
    /// An error at `line`:`column` (both 1-based) of `source`.
    pub(crate) fn new(source: &str, line: usize, column: usize, message: impl Into<String>) -> ManifestError {
        ManifestError {
            source: source.to_owned(),
            line: line.max(1),
            column: column.max(1),
            document: None,
            field: None,
            message: sanitize(message.into()),
        }
    }

    /// The same error, attributed to document `document` (0-based).
    pub(crate) fn in_document(mut self, document: usize) -> ManifestError {
        self.document = Some(document);
        self
    }

    /// The same error, about the field at `path` (nothing when `None` or empty).
    pub(crate) fn with_field(mut self, path: Option<String>) -> ManifestError {
        self.field = path.filter(|p| !p.is_empty());
        self
    }

    /// The file name, as given to [`parse_manifests`](super::parse_manifests).
    ///
    /// This inherent method shadows [`std::error::Error::source`], which is
    /// always `None` for this type.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The 1-based line of the offending text.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column (in characters) of the offending text.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The 0-based index of the YAML document (or JSON value), when the
    /// error is inside one.
    pub fn document(&self) -> Option<usize> {
        self.document
    }

    /// The path of the offending field (`spec.replicas`), when known.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// What is wrong, without the location and field path.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.source, self.line, self.column)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ManifestError {}

/// Replaces control characters (line breaks included) so that an error
/// prints on one line and cannot drive a terminal.
fn sanitize(message: String) -> String {
    if message.chars().any(char::is_control) {
        message
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        message
    }
}
