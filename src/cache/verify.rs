//! A full check of the local cache: every blob re-hashed, every entry's blobs present and
//! matching. What is bad is removed, so the next build rebuilds it.

use super::local::{StoredFile, hash_file};
use super::{Cache, CacheError, Manifest};
use std::collections::BTreeMap;
use std::fs;
use std::io;

/// What [`Cache::verify`] found (and removed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    pub blobs_checked: usize,
    pub entries_checked: usize,
    /// Digests of blobs whose content did not match (removed).
    pub corrupt_blobs: Vec<String>,
    /// Entries that could not hit (removed).
    pub bad_entries: Vec<BadEntry>,
}

/// An action-cache entry that was removed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEntry {
    pub key: String,
    pub reason: String,
}

impl VerifyReport {
    /// Nothing was wrong.
    pub fn is_clean(&self) -> bool {
        self.corrupt_blobs.is_empty() && self.bad_entries.is_empty()
    }
}

/// A blob's state: its size when it verified, `None` when absent or corrupt.
type Checked = BTreeMap<String, Option<u64>>;

impl Cache {
    /// Re-hashes every blob and checks every entry's blobs; removes what is bad and reports it.
    pub fn verify(&self) -> Result<VerifyReport, CacheError> {
        let mut report = VerifyReport::default();
        let mut checked = Checked::new();
        for file in self.store.blobs()? {
            report.blobs_checked += 1;
            self.verify_blob(&file, &mut checked, &mut report)?;
        }
        for file in self.store.entries()? {
            report.entries_checked += 1;
            if let Some(reason) = self.entry_problem(&file, &mut checked, &mut report)? {
                self.store.remove(&file.path)?;
                report.bad_entries.push(BadEntry {
                    key: file.name,
                    reason,
                });
            }
        }
        Ok(report)
    }

    fn verify_blob(
        &self,
        file: &StoredFile,
        checked: &mut Checked,
        report: &mut VerifyReport,
    ) -> Result<Option<u64>, CacheError> {
        let state = match hash_file(&file.path) {
            Ok((digest, size)) if digest == file.name => Some(size),
            Ok(_) => {
                self.store.remove(&file.path)?;
                report.corrupt_blobs.push(file.name.clone());
                None
            }
            // Removed meanwhile (a concurrent gc or read that found it corrupt).
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(CacheError::io("read", &file.path, e)),
        };
        checked.insert(file.name.clone(), state);
        Ok(state)
    }

    /// Why an entry cannot hit, or `None` when it can.
    fn entry_problem(
        &self,
        file: &StoredFile,
        checked: &mut Checked,
        report: &mut VerifyReport,
    ) -> Result<Option<String>, CacheError> {
        let bytes = match fs::read(&file.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(CacheError::io("read", &file.path, e)),
        };
        let manifest = match Manifest::from_json(&bytes) {
            Ok(m) => m,
            Err(e) => return Ok(Some(format!("not a valid manifest ({e})"))),
        };
        for blob in manifest.blobs() {
            let state = match checked.get(&blob.digest) {
                Some(state) => *state,
                // Stored after the blob scan (a concurrent build): check it now.
                None => {
                    let path = self.store.blob_path(&blob.digest);
                    let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                    let stored = StoredFile {
                        name: blob.digest.clone(),
                        path,
                        size,
                        modified: std::time::SystemTime::now(),
                    };
                    self.verify_blob(&stored, checked, report)?
                }
            };
            match state {
                None => {
                    return Ok(Some(format!(
                        "blob {} is missing or was corrupt",
                        blob.digest
                    )));
                }
                Some(size) if size != blob.size => {
                    return Ok(Some(format!(
                        "says blob {} has {} bytes, it has {size}",
                        blob.digest, blob.size
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(None)
    }
}
