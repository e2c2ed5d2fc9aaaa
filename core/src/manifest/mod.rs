//! Manifests: the objects of YAML or JSON text, as `kubectl apply -f` reads a file.
//!
//! [`parse_manifests`] takes text the caller has read (the core does no I/O)
//! and returns every object in it with where it came from, or the first
//! problem with its line, column and field path:
//!
//! - YAML streams of documents separated by `---` (empty and comment-only
//!   documents are skipped), or JSON: one object, an array of objects, or
//!   one object per line;
//! - a `v1` `List` expands into its `items`;
//! - every object needs `apiVersion` and `kind` of a kind kubesim knows
//!   (refused in `kubectl`'s words: `Object 'Kind' is missing in '...'`,
//!   `apiVersion not set`, `no matches for kind "Foo" in version "bar/v1"`);
//! - fields kubesim does not model are ignored; wrong types, bad quantities
//!   and duplicate keys are errors at the offending value.
//!
//! Each document is read twice, both times straight from the text so that
//! positions are exact: once for `apiVersion` and `kind`, then into the typed
//! struct of that kind. Input is bounded (see [`limits`]) and no input
//! panics. [`locate_field`] maps a field path, such as an admission error's,
//! back to its line and column.

mod decode;
mod diagnose;
mod document;
mod error;
mod header;
mod lenient;
pub mod limits;
mod lines;
mod locate;
mod split;
mod tree;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;

pub use document::decode_document;
pub use error::ManifestError;
pub use locate::locate_field;

use crate::api::AnyObject;
use limits::MAX_BYTES;

/// One object from a manifest, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestObject {
    /// The object.
    pub object: AnyObject,
    /// The file name, as given to [`parse_manifests`].
    pub source: String,
    /// The 0-based index of the YAML document (or JSON value) holding it,
    /// counting empty documents too.
    pub document: usize,
    /// The 1-based line where the document starts (the `---` line when there
    /// is one), or for an item of a `List` or array, where the item starts.
    pub line: usize,
    /// For an item of a `List` or JSON array, its index; `None` for an object
    /// that is a document of its own.
    pub item: Option<usize>,
}

impl ManifestObject {
    /// The 1-based line and column in `text` (the text it was parsed from)
    /// of the field at `field_path` of this object, as [`locate_field`] finds
    /// them; for items, the path is taken inside the item.
    pub fn locate(&self, text: &str, field_path: &str) -> Option<(usize, usize)> {
        let join = |prefix: String| match field_path {
            "" => prefix,
            p if p.starts_with('[') => format!("{prefix}{p}"),
            p => format!("{prefix}.{p}"),
        };
        match self.item {
            None => locate_field(text, self.document, field_path),
            Some(i) => locate_field(text, self.document, &join(format!("items[{i}]")))
                .or_else(|| locate_field(text, self.document, &join(format!("[{i}]")))),
        }
    }
}

/// Parses every object of a manifest: `text` is the file's content and
/// `source` its name, used in errors. YAML or JSON is detected.
///
/// Returns the objects in file order, or the first problem found.
pub fn parse_manifests(text: &str, source: &str) -> Result<Vec<ManifestObject>, ManifestError> {
    if text.len() > MAX_BYTES {
        return Err(ManifestError::new(
            source,
            1,
            1,
            format!("manifest too large: {} bytes, more than {MAX_BYTES}", text.len()),
        ));
    }
    let mut out = Vec::new();
    for slice in split::split(text, source)? {
        decode::decode(&slice, source, &mut out)?;
    }
    Ok(out)
}
