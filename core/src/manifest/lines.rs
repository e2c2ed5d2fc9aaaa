//! Byte offsets to 1-based lines and columns, counted as YAML does: lines
//! end at `\n`, `\r\n` or a lone `\r`, and columns count characters.

/// Where each line of a text starts.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// The last offset whose column was asked and its column (0-based):
    /// offsets asked in increasing order on one long line cost only the
    /// characters between them.
    last: (usize, usize),
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
        LineIndex {
            text,
            starts,
            last: (0, 0),
        }
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
    pub(crate) fn chars_before(&mut self, offset: usize) -> usize {
        let start = self.line_start(offset);
        let (from, base) = match self.last {
            (last, chars) if start <= last && last <= offset => (last, chars),
            _ => (start, 0),
        };
        let chars = base + self.text.get(from..offset).map_or(0, |s| s.chars().count());
        self.last = (offset, chars);
        chars
    }

    /// The 1-based line and column of byte `offset`.
    pub(crate) fn position(&mut self, offset: usize) -> (usize, usize) {
        (self.line(offset), self.chars_before(offset) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_as_yaml_does() {
        let mut index = LineIndex::new("ab\ncd\r\nef\rgé h");
        assert_eq!(index.lines(), 4);
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(4), (2, 2));
        assert_eq!(index.position(7), (3, 1));
        assert_eq!(index.position(14), (4, 4));
        assert_eq!(index.position(11), (4, 2));
        assert_eq!(index.position(1), (1, 2));
    }
}
