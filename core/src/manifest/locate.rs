//! Field paths and positions: the line and column of a field given its path
//! ([`locate_field`]), and the path of the field at a position (for errors).

use super::limits::MAX_BYTES;
use super::split::split;
use super::tree::{Shape, Tree};

/// One step of a field path.
#[derive(Debug, PartialEq, Eq)]
enum Step<'a> {
    /// `.name`: a struct field.
    Field(&'a str),
    /// `[key]` or `[3]`: a map key or a list index.
    Key(&'a str),
}

/// Parses `spec.containers[0].resources.requests[cpu]` (the syntax of
/// [`FieldPath`](crate::field::FieldPath)); `None` if malformed.
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    let mut rest = path;
    let mut first = true;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let (key, tail) = after.split_once(']')?;
            out.push(Step::Key(key));
            rest = tail;
        } else {
            let name = if first { rest } else { rest.strip_prefix('.')? };
            let end = name.find(['.', '[']).unwrap_or(name.len());
            if end == 0 {
                return None;
            }
            out.push(Step::Field(&name[..end]));
            rest = &name[end..];
        }
        first = false;
    }
    Some(out)
}

/// The 1-based line and column of the field at `field_path` in document
/// `document` (0-based, counting every YAML document or JSON value, empty
/// ones included) of `text`.
///
/// `field_path` uses the syntax of [`FieldPath`](crate::field::FieldPath):
/// `spec.template.spec.containers[0].resources.requests[cpu]`; `.name` and
/// `[name]` both match a map key, `[3]` a list index. In a `List` the items
/// are under `items[i]`, in a JSON array under `[i]`. The empty path is the
/// document itself. `None` when the document or the field is not there (or
/// the text does not parse, or is over [`MAX_BYTES`]); never panics.
pub fn locate_field(text: &str, document: usize, field_path: &str) -> Option<(usize, usize)> {
    if text.len() > MAX_BYTES {
        return None;
    }
    let steps = steps(field_path)?;
    let slices = split(text, "").ok()?;
    let slice = slices.into_iter().find(|s| s.index == document)?;
    let tree = Tree::build(&slice)?;
    let mut idx = 0;
    for step in steps {
        let (Step::Field(name) | Step::Key(name)) = step;
        idx = match &tree.node(idx)?.shape {
            Shape::Map(_) => tree.entry(idx, name)?,
            Shape::Seq(items) => *items.get(name.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    tree.node(idx).map(|n| n.start)
}

/// Fields whose value is a map with free-form keys, printed as `[key]`.
const MAP_FIELDS: &[&str] = &[
    "labels",
    "annotations",
    "matchLabels",
    "nodeSelector",
    "selector",
    "requests",
    "limits",
    "hard",
    "used",
    "capacity",
    "allocatable",
    "overhead",
    "data",
    "stringData",
    "binaryData",
    "max",
    "min",
    "default",
    "defaultRequest",
    "maxLimitRequestRatio",
];

/// Whether `key` can be printed as `.key`.
fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The path of the child `key` of a map reached by `path`, whose own key was
/// `parent_key`.
fn child_path(path: &str, parent_key: Option<&str>, key: &str) -> String {
    let free_form = parent_key.is_some_and(|p| {
        MAP_FIELDS.contains(&p) && !(p == "selector" && matches!(key, "matchLabels" | "matchExpressions"))
    });
    if free_form || !is_identifier(key) {
        format!("{path}[{key}]")
    } else if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The field path of node `idx`, such as
/// `spec.template.spec.containers[0].resources.requests[cpu]`: map keys
/// print as `.key`, or `[key]` under fields whose keys are free-form
/// (`labels`, `requests`, ...) and when they are not identifiers.
pub(crate) fn path_of(tree: &Tree, idx: usize) -> Option<String> {
    let steps = tree.steps_to(idx)?;
    let mut path = String::new();
    let mut parent_key: Option<&str> = None;
    for step in steps {
        match step {
            Ok(key) => {
                path = child_path(&path, parent_key, key);
                parent_key = Some(key);
            }
            Err(i) => {
                path = format!("{path}[{i}]");
                parent_key = None;
            }
        }
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_field_paths() {
        assert_eq!(
            steps("spec.containers[0].resources.requests[cpu]"),
            Some(vec![
                Step::Field("spec"),
                Step::Field("containers"),
                Step::Key("0"),
                Step::Field("resources"),
                Step::Field("requests"),
                Step::Key("cpu"),
            ])
        );
        assert_eq!(
            steps("[2].metadata.labels[app.kubernetes.io/name]"),
            Some(vec![
                Step::Key("2"),
                Step::Field("metadata"),
                Step::Field("labels"),
                Step::Key("app.kubernetes.io/name"),
            ])
        );
        assert_eq!(steps(""), Some(vec![]));
        assert_eq!(steps("spec..x"), None);
        assert_eq!(steps("spec[0"), None);
        assert_eq!(steps("spec[0]x"), None);
    }
}
