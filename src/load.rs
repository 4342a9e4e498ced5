//! Reading a spec file; its errors are rendered with file, line and column ([`crate::diag`]).

use crate::diag::{self, Diagnostic};
use crate::spec::model::Spec;
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
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read spec file {display}: {e}"))?;
        Ok(SpecFile {
            path: crate::workspace::absolute(path),
            display,
            text,
        })
    }

    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Renders diagnostics against this file.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        diag::render(
            &diag::Source {
                display_path: &self.display,
                text: &self.text,
            },
            diagnostics,
        )
    }

    pub fn parse(&self) -> Result<Spec, crate::engine::Rendered> {
        crate::spec::parse::parse_spec(&self.text)
            .map_err(|d| crate::engine::Rendered(self.render(&d)))
    }
}
