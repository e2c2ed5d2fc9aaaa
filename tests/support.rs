//! Helpers shared by the integration tests: locating `../shared` fixtures and
//! the project's own test data.

use std::path::PathBuf;

/// The project's root directory (the workspace root).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file under `../shared` (next to the project), or `None` with a printed
/// notice when that folder is absent, so a clone of the project alone passes.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    let path = project_root().join("..").join("shared").join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "notice: {} is absent; skipping the checks that use it",
            path.display()
        );
        None
    }
}
