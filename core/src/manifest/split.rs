//! Splitting a manifest into documents: YAML documents (`---`), or JSON
//! values (one object, an array, or one object per line). Each document
//! becomes a [`Slice`] of text that decodes on its own and still reports the
//! lines and columns of the whole file.

use serde::de::IgnoredAny;
use serde_saphyr::granit_parser::{ErrorKind, Event, Parser, Span};

use super::error::ManifestError;
use super::limits::{MAX_DEPTH, MAX_DOCUMENTS, parser_options};
use super::lines::LineIndex;

/// One document's text and where it sits in the whole file.
pub(crate) struct Slice {
    /// The 0-based index of the document in the stream.
    pub index: usize,
    /// The document's text (its first line may start mid-line, after the
    /// previous document's end).
    pub text: String,
    /// The 1-based line of the whole file where `text` begins.
    pub first_line: usize,
    /// The characters before `text` on its first line.
    pub first_column: usize,
    /// The 1-based line where the document starts (`---` or its first node).
    pub line: usize,
    /// The 1-based line and column of the document's root node.
    pub root: (usize, usize),
}

impl Slice {
    /// Converts a 1-based line and column of `text` into those of the whole file.
    pub(crate) fn absolute(&self, line: usize, column: usize) -> (usize, usize) {
        let column = if line <= 1 {
            column.saturating_add(self.first_column)
        } else {
            column
        };
        (self.first_line.saturating_add(line.saturating_sub(1)), column)
    }
}

/// Splits `text` into documents: JSON when it starts with `{` or `[` and
/// reads as JSON values, YAML otherwise.
pub(crate) fn split(text: &str, source: &str) -> Result<Vec<Slice>, ManifestError> {
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.starts_with(['{', '['])
        && let Some(slices) = split_json(text, source)?
    {
        return Ok(slices);
    }
    split_yaml(text, source)
}

/// What the first pass learns about one YAML document.
struct DocMark {
    /// Byte offset of the document start (`---`, or the first node).
    start: usize,
    /// 1-based line and column of the root node.
    root: Option<(usize, usize)>,
    /// Byte offset just after an explicit end marker (`...`).
    explicit_end: Option<usize>,
}

fn byte(span_marker: &serde_saphyr::granit_parser::Marker) -> usize {
    span_marker.byte_offset().unwrap_or(0)
}

fn position(span: &Span) -> (usize, usize) {
    (span.start.line().max(1), span.start.col() + 1)
}

/// Walks the YAML event stream once: syntax errors, depth and document
/// count are checked here, for the whole file.
fn split_yaml(text: &str, source: &str) -> Result<Vec<Slice>, ManifestError> {
    let mut docs: Vec<DocMark> = Vec::new();
    let mut depth = 0usize;
    for item in Parser::new_from_str_with_options(text, parser_options()) {
        let (event, span) = match item {
            Ok(pair) => pair,
            Err(e) => {
                let m = e.marker();
                let message = if matches!(e.kind(), ErrorKind::RecursionLimitExceeded) {
                    format!("nesting too deep: more than {MAX_DEPTH} levels")
                } else {
                    e.info()
                };
                return Err(ManifestError::new(source, m.line(), m.col() + 1, message)
                    .in_document(docs.len().saturating_sub(1)));
            }
        };
        match event {
            Event::DocumentStart(..) => {
                if docs.len() >= MAX_DOCUMENTS {
                    let (line, column) = position(&span);
                    return Err(ManifestError::new(
                        source,
                        line,
                        column,
                        format!("too many documents: more than {MAX_DOCUMENTS}"),
                    ));
                }
                docs.push(DocMark {
                    start: byte(&span.start),
                    root: None,
                    explicit_end: None,
                });
                depth = 0;
            }
            Event::DocumentEnd => {
                if let Some(doc) = docs.last_mut()
                    && byte(&span.end) > byte(&span.start)
                {
                    doc.explicit_end = Some(byte(&span.end));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let (line, column) = position(&span);
                    return Err(ManifestError::new(
                        source,
                        line,
                        column,
                        format!("nesting too deep: more than {MAX_DEPTH} levels"),
                    )
                    .in_document(docs.len().saturating_sub(1)));
                }
                mark_root(&mut docs, &span);
            }
            Event::MappingEnd | Event::SequenceEnd => depth = depth.saturating_sub(1),
            Event::Scalar(..) | Event::Alias(..) => mark_root(&mut docs, &span),
            _ => {}
        }
    }
    let mut index = LineIndex::new(text);
    let mut bounds = Vec::with_capacity(docs.len() + 1);
    bounds.push(0);
    for k in 1..docs.len() {
        let prev = bounds.last().copied().unwrap_or(0);
        let b = docs[k - 1]
            .explicit_end
            .unwrap_or_else(|| index.line_start(docs[k].start));
        bounds.push(if b >= prev && text.is_char_boundary(b) {
            b
        } else {
            prev
        });
    }
    bounds.push(text.len());
    Ok(docs
        .iter()
        .enumerate()
        .map(|(k, doc)| {
            let (line, column) = index.position(doc.start);
            let root = doc.root.unwrap_or((line, column));
            slice(text, &mut index, k, bounds[k], bounds[k + 1], line, root)
        })
        .collect())
}

fn mark_root(docs: &mut [DocMark], span: &Span) {
    if let Some(doc) = docs.last_mut()
        && doc.root.is_none()
    {
        doc.root = Some(position(span));
    }
}

/// Splits a stream of JSON values. `Ok(None)` when the first value is not
/// JSON (the text is then read as YAML, which covers flow-style YAML).
fn split_json(text: &str, source: &str) -> Result<Option<Vec<Slice>>, ManifestError> {
    let mut index = LineIndex::new(text);
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>();
    let mut slices = Vec::new();
    let mut start = 0;
    while let Some(value) = stream.next() {
        if let Err(e) = value {
            if slices.is_empty() {
                return Ok(None);
            }
            let text = e.to_string();
            let message = text
                .rsplit_once(" at line ")
                .map_or(text.as_str(), |(m, _)| m)
                .to_owned();
            return Err(ManifestError::new(source, e.line(), e.column(), message).in_document(slices.len()));
        }
        if slices.len() >= MAX_DOCUMENTS {
            let (line, column) = index.position(start);
            return Err(ManifestError::new(
                source,
                line,
                column,
                format!("too many documents: more than {MAX_DOCUMENTS}"),
            ));
        }
        let end = stream.byte_offset().clamp(start, text.len());
        let lead = text.get(start..end).map_or(0, |s| s.len() - s.trim_start().len());
        let root = index.position(start + lead);
        slices.push(slice(text, &mut index, slices.len(), start, end, root.0, root));
        start = end;
    }
    Ok(Some(slices))
}

/// The slice of `text` between bytes `start` and `end`.
fn slice(
    text: &str,
    index: &mut LineIndex<'_>,
    k: usize,
    start: usize,
    end: usize,
    line: usize,
    root: (usize, usize),
) -> Slice {
    Slice {
        index: k,
        text: text.get(start..end).unwrap_or("").to_owned(),
        first_line: index.line(start),
        first_column: index.chars_before(start),
        line,
        root,
    }
}
