//! [`decode_document`]: one YAML or JSON document read into any serde type,
//! with the manifest reader's located errors (for tools that read their own
//! file formats, such as loadgen's scenarios).

use serde::de::DeserializeOwned;

use super::diagnose::diagnose;
use super::error::ManifestError;
use super::header::{Root, read_root};
use super::limits::{MAX_BYTES, yaml_options};
use super::split::split;

/// Reads the single YAML or JSON document of `text` (a file named `source`)
/// into `T`, strictly as `T`'s `Deserialize` says (no Kubernetes leniency).
///
/// Errors carry the file, line, column and field path of the offending
/// value, as [`parse_manifests`](super::parse_manifests)' do; a text with no
/// document or with several is an error too. Never panics.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Shape { cpu: u32 }
/// let err = kubesim::manifest::decode_document::<Shape>("cpu: lots\n", "s.yaml").err().unwrap();
/// assert_eq!((err.line(), err.column(), err.field()), (1, 6, Some("cpu")));
/// ```
pub fn decode_document<T: DeserializeOwned>(text: &str, source: &str) -> Result<T, ManifestError> {
    if text.len() > MAX_BYTES {
        return Err(ManifestError::new(
            source,
            1,
            1,
            format!("file too large: {} bytes, more than {MAX_BYTES}", text.len()),
        ));
    }
    let slices = split(text, source)?;
    // Empty and comment-only documents do not count.
    let mut documents = slices.iter().filter(|s| !matches!(read_root(s), Ok(Root::Empty)));
    let Some(slice) = documents.next() else {
        return Err(ManifestError::new(
            source,
            1,
            1,
            "empty file: expected a document",
        ));
    };
    if let Some(extra) = documents.next() {
        return Err(ManifestError::new(
            source,
            extra.line,
            1,
            "expected a single document, found another one here",
        ));
    }
    serde_saphyr::with_deserializer_from_str_with_options(&slice.text, yaml_options(), |d| T::deserialize(d))
        .map_err(|e| diagnose(&e, slice, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Pool {
        count: u32,
        shape: Shape,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        cpu: crate::quantity::Quantity,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Scenario {
        nodes: Vec<Pool>,
    }

    #[test]
    fn errors_name_file_line_column_and_field() {
        let text = "# c\nnodes:\n- count: 1\n  shape: {cpu: 4}\n- count: 2\n  shape:\n    cpu: 4 cores\n";
        let e = decode_document::<Scenario>(text, "s.yaml").unwrap_err();
        assert_eq!((e.line(), e.column()), (7, 10), "{e}");
        assert_eq!(e.field(), Some("nodes[1].shape.cpu"));
        assert!(e.message().contains("4 cores"), "{e}");
        let e = decode_document::<Scenario>("nodes:\n- count: 1\n  shap: {}\n", "s.yaml").unwrap_err();
        assert_eq!((e.line(), e.field()), (3, Some("nodes[0].shap")), "{e}");
        let e = decode_document::<Scenario>("{\"nodes\": [{\"count\": \"x\"}]}", "s.json").unwrap_err();
        assert_eq!((e.line(), e.field()), (1, Some("nodes[0].count")), "{e}");
    }

    #[test]
    fn one_document_only() {
        assert!(decode_document::<Scenario>("# nothing\n", "s.yaml").is_err());
        let e = decode_document::<Scenario>("nodes: []\n---\nnodes: []\n", "s.yaml").unwrap_err();
        assert_eq!(e.line(), 2, "{e}");
        assert!(decode_document::<Scenario>("---\n# c\n---\nnodes: []\n", "s.yaml").is_ok());
    }
}
