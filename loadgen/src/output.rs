//! Writing what a command produces: the JSON report (`-` for stdout), the
//! event stream, the SVG charts. Nothing is opened before the input has
//! been read and checked, so bad input writes nothing.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Result, input};

/// Writes `value` as pretty JSON to `path` (`-`: stdout).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(input)?;
    if path == Path::new("-") {
        println!("{text}");
        return Ok(());
    }
    std::fs::write(path, text + "\n").map_err(|e| input(format!("cannot write {}: {e}", path.display())))
}

/// Writes `text` to `path`.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| input(format!("cannot write {}: {e}", path.display())))
}

/// An event stream file, removed again if the command fails on bad input.
pub struct EventsFile {
    path: PathBuf,
    /// The buffered writer.
    pub out: BufWriter<File>,
}

impl EventsFile {
    /// Creates the file.
    pub fn create(path: &Path) -> Result<EventsFile> {
        let f = File::create(path).map_err(|e| input(format!("cannot write {}: {e}", path.display())))?;
        Ok(EventsFile {
            path: path.to_owned(),
            out: BufWriter::new(f),
        })
    }

    /// Flushes it.
    pub fn finish(mut self) -> Result<()> {
        self.out
            .flush()
            .map_err(|e| input(format!("cannot write {}: {e}", self.path.display())))
    }

    /// Removes it (the run failed on bad input).
    pub fn discard(self) {
        let path = self.path.clone();
        drop(self);
        let _ = std::fs::remove_file(path);
    }
}
