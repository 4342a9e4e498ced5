//! Run records kept on disk, so a restarted server still lists its runs and their pages still
//! open: `<results root>/.wt-runs/<run id>.json` (parameters, status, times, where the results
//! are, the error; never secrets, never the result, which stays in result.json) and, next to
//! it, `<run id>.progress.jsonl`, the spans the run's page reads while it runs.
//!
//! Writes are atomic (a temporary file renamed over the record). Records that cannot be read
//! are skipped with a warning, never fatal: history is a convenience, not the truth, which
//! is result.json in each run's results folder.

use std::path::{Path, PathBuf};

pub const FOLDER: &str = ".wt-runs";

#[derive(Debug, Clone)]
pub struct History {
    folder: PathBuf,
}

impl History {
    pub fn new(results_root: &Path) -> History {
        History {
            folder: results_root.join(FOLDER),
        }
    }

    fn record_file(&self, run_id: &str) -> PathBuf {
        self.folder.join(format!("{run_id}.json"))
    }

    /// Where a run's spans go while it runs (`WT_RUN_PROGRESS`).
    pub fn progress_file(&self, run_id: &str) -> PathBuf {
        self.folder.join(format!("{run_id}.progress.jsonl"))
    }

    /// Writes `record` (a JSON object) as the run's record.
    pub fn save(&self, run_id: &str, record: &serde_json::Value) {
        let file = self.record_file(run_id);
        let partial = self.folder.join(format!(".{run_id}.json.partial"));
        let written = std::fs::create_dir_all(&self.folder)
            .and_then(|_| std::fs::write(&partial, record.to_string()))
            .and_then(|_| std::fs::rename(&partial, &file));
        if let Err(e) = written {
            tracing::warn!(
                "could not keep the record of run {run_id} in {}: {e}",
                file.display()
            );
        }
    }

    /// Every record on disk (unordered).
    pub fn load(&self) -> Vec<serde_json::Value> {
        let Ok(entries) = std::fs::read_dir(&self.folder) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
            {
                Ok(record) => out.push(record),
                Err(e) => tracing::warn!("skipping the run record {}: {e}", path.display()),
            }
        }
        out
    }

    /// Deletes a run's record and progress file.
    pub fn forget(&self, run_id: &str) {
        for file in [self.record_file(run_id), self.progress_file(run_id)] {
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("could not delete {}: {e}", file.display()),
            }
        }
    }
}
