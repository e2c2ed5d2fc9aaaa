//! Byte offsets to 1-based lines and columns, counted as YAML does: lines
//! end at `\n`, `\r\n` or a lone `\r`, and columns count characters.

/// Where each line of a text starts.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text` (one pass).
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        LineIndex { text, starts }
    }

    /// The number of lines.
    #[cfg(test)]
    pub(crate) fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The 1-based line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// The byte offset where the line holding `offset` starts.
    pub(crate) fn line_start(&self, offset: usize) -> usize {
        self.starts.get(self.line(offset) - 1).copied().unwrap_or(0)
    }

    /// The number of characters between the start of its line and `offset`.
    pub(crate) fn chars_before(&self, offset: usize) -> usize {
        self.text
            .get(self.line_start(offset)..offset)
            .map_or(0, |prefix| prefix.chars().count())
    }

    /// The 1-based line and column of byte `offset`.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        (self.line(offset), self.chars_before(offset) + 1)
    }
}
