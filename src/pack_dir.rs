//! Reading a pack from a directory: the only file-system code in the library, for the CLI and
//! tests (the WebAssembly modules never call it, so it is dropped from them). The engine itself only
//! ever sees [`PackFile`]s.

use std::fs;
use std::path::{Path, PathBuf};

use crate::definitions::PackFile;
use crate::error::Diagnostic;

/// The pack root for `dir`: `dir` itself when it holds `workflows/`, else `dir/.kiket` when that
/// exists (a pack may have no workflow: a bundle's `.kiket/` holds only `project.yaml`).
pub fn resolve(dir: &Path) -> PathBuf {
    let nested = dir.join(".kiket");
    if !dir.join("workflows").is_dir() && nested.is_dir() { nested } else { dir.to_path_buf() }
}

/// Reads every `.yaml` / `.yml` file under the pack root of `dir`, with paths relative to it.
/// A file that cannot be read, or is not UTF-8, is an error naming it.
pub fn read(dir: &Path) -> Result<Vec<PackFile>, Diagnostic> {
    let root = resolve(dir);
    let problem = |path: &Path, message: String| Diagnostic { file: path.display().to_string(), line: 0, column: 0, message };
    if !root.is_dir() {
        return Err(problem(&root, "not a directory".to_owned()));
    }
    let mut files = Vec::new();
    let mut todo = vec![root.clone()];
    while let Some(current) = todo.pop() {
        let entries = fs::read_dir(&current).map_err(|e| problem(&current, format!("cannot list: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| problem(&current, format!("cannot list: {e}")))?;
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if !is_yaml {
                continue;
            }
            let relative = path.strip_prefix(&root).unwrap_or(&path);
            let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            let bytes = fs::read(&path).map_err(|e| problem(&path, format!("cannot read: {e}")))?;
            let text = String::from_utf8(bytes).map_err(|e| Diagnostic {
                file: name.clone(),
                line: 0,
                column: 0,
                message: format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()),
            })?;
            files.push(PackFile::new(name, text));
        }
    }
    crate::sort::by(&mut files, |a, b| a.path.cmp(&b.path));
    Ok(files)
}
