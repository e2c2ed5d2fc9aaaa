//! The limits that keep hostile input from exhausting memory, stack or time,
//! and the serde-saphyr options that enforce them.

/// The largest manifest accepted, in bytes (16 MiB).
pub const MAX_BYTES: usize = 16 << 20;

/// The deepest nesting of maps and lists accepted.
pub const MAX_DEPTH: usize = 64;

/// The most YAML documents (or JSON values) one manifest may hold.
pub const MAX_DOCUMENTS: usize = 100_000;

/// The most items one `List` (or JSON array) may hold.
pub const MAX_ITEMS: usize = 100_000;

/// The most events replayed for aliases (`*name`) in one document: bounds
/// "billion laughs" expansion.
pub const MAX_ALIAS_EVENTS: usize = 250_000;

/// The options every document is decoded with: no snippets (the error is
/// printed by [`ManifestError`](super::ManifestError)), comments not kept,
/// duplicate keys rejected (the default), and a budget on depth and size.
/// Node and event caps scale with [`MAX_BYTES`] so that a large `List` (a
/// whole cluster's export) fits; alias expansion has its own cap.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_total_scalar_bytes: MAX_BYTES,
            max_reader_input_bytes: Some(MAX_BYTES),
            flow_nesting_limit: MAX_DEPTH,
            max_nodes: MAX_BYTES / 4,
            max_events: MAX_BYTES / 2,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_EVENTS,
        },
        with_snippet: false,
        emit_comments: false,
    }
}

/// The options of the raw event parser (splitting documents, locating fields).
pub(crate) fn parser_options() -> serde_saphyr::granit_parser::Options {
    let mut options = serde_saphyr::granit_parser::Options::default();
    options.emit_comments = false;
    options.flow_nesting_limit = MAX_DEPTH + 1;
    options.block_nesting_limit = MAX_DEPTH + 1;
    options
}
