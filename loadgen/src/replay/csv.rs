//! A small CSV reader for trace files: a header row names the columns;
//! blank lines and lines starting with `#` (our excerpts name their source
//! that way) are skipped; fields may be double-quoted. Errors name the file,
//! line and column.

use crate::error::Located;

/// One data row: its 1-based line and its fields with their 1-based columns.
pub struct Row<'a> {
    /// The line number.
    pub line: usize,
    /// (column, text) of each field.
    pub fields: Vec<(usize, String)>,
    source: &'a str,
    header: &'a [String],
}

impl Row<'_> {
    fn error(&self, column: usize, message: String) -> Located {
        Located {
            source: self.source.to_owned(),
            line: self.line,
            column,
            field: None,
            message,
        }
    }

    /// The text of column `name` (the header must have it).
    pub fn get(&self, name: &str) -> Result<(usize, &str), Located> {
        let i = self.header.iter().position(|h| h == name).unwrap_or(usize::MAX);
        match self.fields.get(i) {
            Some((col, text)) => Ok((*col, text.trim())),
            None => Err(self.error(
                self.fields.last().map_or(1, |f| f.0),
                format!(
                    "expected {} fields (as the header has), found {}",
                    self.header.len(),
                    self.fields.len()
                ),
            )),
        }
    }

    /// Column `name` as a non-negative integer (`empty` when blank).
    pub fn int(&self, name: &str, empty: Option<i64>) -> Result<i64, Located> {
        let (col, text) = self.get(name)?;
        if text.is_empty()
            && let Some(v) = empty
        {
            return Ok(v);
        }
        match text.parse::<i64>() {
            Ok(v) if v >= 0 => Ok(v),
            _ => match text.parse::<f64>() {
                Ok(v) if v.is_finite() && (0.0..9.0e15).contains(&v) => Ok(v.round() as i64),
                _ => Err(self.error(
                    col,
                    format!("column {name}: invalid value {text:?}: expected a non-negative number"),
                )),
            },
        }
    }

    /// Column `name` as text.
    pub fn text(&self, name: &str) -> Result<&str, Located> {
        self.get(name).map(|(_, t)| t)
    }
}

/// Splits one line into fields with their columns.
fn fields(line: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 1;
    let mut quoted = false;
    let mut chars = line.chars().enumerate().peekable();
    while let Some((i, c)) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek().is_some_and(|(_, n)| *n == '"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.is_empty() => quoted = true,
            (false, ',') => {
                out.push((start, std::mem::take(&mut cur)));
                start = i + 2;
            }
            (false, c) => cur.push(c),
        }
    }
    out.push((start, cur));
    out
}

/// Reads `text` (the file `source`), checks that the header has every
/// column of `required`, and calls `each` for every data row.
pub fn read(
    text: &str,
    source: &str,
    required: &[&str],
    mut each: impl FnMut(&Row<'_>) -> Result<(), Located>,
) -> Result<(), Located> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let Some((hline, htext)) = lines.next() else {
        return Err(Located {
            source: source.to_owned(),
            line: 1,
            column: 1,
            field: None,
            message: format!("empty file: expected a header with {}", required.join(", ")),
        });
    };
    let header: Vec<String> = fields(htext)
        .into_iter()
        .map(|(_, f)| f.trim().to_owned())
        .collect();
    for r in required {
        if !header.iter().any(|h| h == r) {
            return Err(Located {
                source: source.to_owned(),
                line: hline,
                column: 1,
                field: None,
                message: format!(
                    "header has no column {r:?}: expected the columns {}",
                    required.join(", ")
                ),
            });
        }
    }
    for (line, l) in lines {
        let row = Row {
            line,
            fields: fields(l),
            source,
            header: &header,
        };
        each(&row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_locates_errors() {
        let text = "# source\nname,cpu\n\"a,b\",100\nc,x\n";
        let mut seen = Vec::new();
        let e = read(text, "f.csv", &["name", "cpu"], |r| {
            seen.push((r.text("name")?.to_owned(), r.int("cpu", None)?));
            Ok(())
        })
        .unwrap_err();
        assert_eq!(seen, vec![("a,b".to_owned(), 100)]);
        assert_eq!((e.line, e.column), (4, 3), "{e}");
        assert!(e.message.contains("column cpu"), "{e}");
        let e = read("name\n", "f.csv", &["name", "cpu"], |_| Ok(())).unwrap_err();
        assert!(e.message.contains("no column \"cpu\""), "{e}");
    }
}
