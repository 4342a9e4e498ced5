//! Reading a spec file; its errors are rendered with file, line and column ([`crate::diag`]).

use crate::diag::{self, Diagnostic};
use std::path::{Path, PathBuf};

/// A spec file read from disk.
pub struct SpecFile {
    pub path: PathBuf,
    pub display: String,
    pub text: String,
}

impl SpecFile {
    pub fn read(path: &Path) -> anyhow::Result<SpecFile> {
        let display = crate::workspace::display(path);
        if path.is_dir() {
            let inner = path.join("spec.yaml");
            if inner.is_file() {
                return SpecFile::read(&inner);
            }
            anyhow::bail!("{display} is a folder without a spec.yaml");
        }
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read spec file {display}: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!(
                "{}\n  = help: a spec is UTF-8 text; re-save it as UTF-8",
                not_utf8(&display, e.as_bytes(), e.utf8_error())
            )
        })?;
        Ok(SpecFile {
            path: crate::workspace::absolute(path),
            display,
            text,
        })
    }

    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    fn source(&self) -> diag::Source<'_> {
        diag::Source {
            display_path: &self.display,
            text: &self.text,
        }
    }

    /// Renders diagnostics against this file.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        diag::render(&self.source(), diagnostics)
    }

    /// Renders warnings against this file ("" for none).
    pub fn render_warnings(&self, diagnostics: &[Diagnostic]) -> String {
        diag::render_warnings(&self.source(), diagnostics)
    }
}

/// "file:line:col: not UTF-8" for the first invalid byte of `bytes`, with its value.
fn not_utf8(display: &str, bytes: &[u8], e: std::str::Utf8Error) -> String {
    let valid = &bytes[..e.valid_up_to()];
    let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
    let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    // Columns count characters, as in every other diagnostic.
    let col = 1 + String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count();
    format!(
        "{display}:{line}:{col}: the spec is not valid UTF-8 (byte 0x{:02x} at offset {})",
        bytes[e.valid_up_to()],
        e.valid_up_to()
    )
}
