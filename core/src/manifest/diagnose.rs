//! Turning serde-saphyr's errors into [`ManifestError`]s: the position in
//! the whole file, the field path, and serde-style wording that names the
//! offending value (`invalid type: string "three", expected i32`).

use serde_saphyr::{Error, MessageFormatter, UserMessageFormatter};

use super::error::ManifestError;
use super::locate::path_of;
use super::split::Slice;
use super::tree::{Shape, Tree};

/// The error `err`, met while decoding `slice` of file `source`.
pub(crate) fn diagnose(err: &Error, slice: &Slice, source: &str) -> ManifestError {
    let err = err.without_snippet();
    let pos = err.location().filter(|l| l.line() > 0).map_or(slice.root, |l| {
        slice.absolute(
            usize::try_from(l.line()).unwrap_or(usize::MAX),
            usize::try_from(l.column()).unwrap_or(usize::MAX),
        )
    });
    let syntax = matches!(err, Error::ExternalMessage { .. });
    let tree = if syntax { None } else { Tree::build(slice) };
    // The node the error is about: a missing field is reported where its map
    // starts (serde-saphyr points at the map's last key read).
    let missing_field = matches!(err, Error::SerdeMissingField { .. });
    let target = tree.as_ref().and_then(|t| {
        if missing_field {
            t.map_at(pos)
        } else {
            t.node_at(pos)
        }
    });
    let target_node = tree.as_ref().zip(target).and_then(|(t, i)| t.node(i));
    let pos = match target_node {
        Some(node) if missing_field => node.start,
        _ => pos,
    };
    let found = tree
        .as_ref()
        .zip(target)
        .filter(|_| target_node.is_some_and(|n| n.start == pos))
        .map(|(t, i)| describe(t, i));
    let message = match (err, found) {
        (Error::InvalidScalar { ty, .. }, Some(found)) => {
            let integer = found.starts_with("integer ") && ty.starts_with(['i', 'u']);
            let problem = if integer { "value" } else { "type" };
            format!("invalid {problem}: {found}, expected {ty}")
        }
        (Error::Unexpected { expected, .. }, found) => {
            let expected = match *expected {
                "mapping start" => "a map",
                "sequence start" => "a sequence",
                "string scalar" | "str expected" | "missing string" => "a string",
                "bool expected" | "missing bool" => "a boolean",
                other => other,
            };
            match found {
                Some(found) => format!("invalid type: {found}, expected {expected}"),
                None => format!("expected {expected}"),
            }
        }
        (Error::NullIntoString { .. }, _) => "invalid type: null, expected a string".to_owned(),
        (Error::DuplicateMappingKey { key: Some(key), .. }, _) => {
            format!("key {key:?} already set in map")
        }
        (err, _) => UserMessageFormatter.format_message(err).into_owned(),
    };
    let field = tree.as_ref().zip(target).and_then(|(t, i)| path_of(t, i));
    ManifestError::new(source, pos.0, pos.1, message)
        .in_document(slice.index)
        .with_field(field)
}

/// Describes node `idx` as serde's `Unexpected` does: `string "x"`,
/// `integer 3`, `floating point 1.5`, `boolean true`, `null`, `map`, `sequence`.
fn describe(tree: &Tree, idx: usize) -> String {
    let Some(node) = tree.node(idx) else {
        return "value".to_owned();
    };
    match &node.shape {
        Shape::Scalar { value, plain: false } => format!("string {value:?}"),
        Shape::Scalar { value, plain: true } => match value.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => "null".to_owned(),
            "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => format!("boolean {value}"),
            v if v.parse::<i128>().is_ok() => format!("integer {v}"),
            v if v.bytes().any(|b| b.is_ascii_digit()) && v.parse::<f64>().is_ok() => {
                format!("floating point {v}")
            }
            v => format!("string {v:?}"),
        },
        Shape::Seq(_) => "sequence".to_owned(),
        Shape::Map(_) => "map".to_owned(),
        Shape::Alias => "alias".to_owned(),
    }
}
