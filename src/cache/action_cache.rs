//! Action lookups and records: the local action cache first, then the remote.

use super::local::{Entry, check_key};
use super::remote::{Remote, RemoteError, Store};
use super::{BlobRef, Cache, CacheError, HitSource, Lookup, Manifest};
use std::fs;

/// The state of a local entry's blobs.
enum Blobs {
    /// All present and verified.
    Complete,
    /// One is absent: the entry is not trusted, but nothing is broken.
    Incomplete,
    /// One did not match its digest (and has been removed).
    Corrupt(String),
}

impl Cache {
    /// Looks a step key up: a local entry whose blobs all exist and verify is a local hit (and
    /// is marked used, for LRU); otherwise the remote, if configured, is asked, and a complete,
    /// verified remote entry is stored locally and is a remote hit. A local entry that is
    /// garbled or names a corrupt blob is removed and returned as [`Lookup::Corrupt`]. Remote
    /// failures are a miss plus a warning, never an error.
    pub fn get_action(&self, key: &str) -> Result<Lookup, CacheError> {
        match self.get_action_unchecked(key)? {
            Lookup::Hit {
                manifest,
                source: HitSource::Local,
            } => match self.check_blobs_memoized(key, &manifest)? {
                Blobs::Complete => Ok(Lookup::Hit {
                    manifest,
                    source: HitSource::Local,
                }),
                Blobs::Incomplete => {
                    self.remove_entry(key)?;
                    self.get_remote(key)
                }
                Blobs::Corrupt(reason) => {
                    self.remove_entry(key)?;
                    Ok(Lookup::Corrupt {
                        reason: format!("action cache entry {key}: {reason}"),
                    })
                }
            },
            other => Ok(other),
        }
    }

    /// [`Cache::get_action`], except that a local entry is a hit without its blobs being
    /// looked at: a build that never reads a step's outputs (a no-op build reads none) need
    /// not `stat` them. Whoever reads them checks them first with [`Cache::check_entry`].
    /// Remote hits are checked as they are fetched.
    pub fn get_action_unchecked(&self, key: &str) -> Result<Lookup, CacheError> {
        check_key(key)?;
        match self.read_entry(key)? {
            Entry::Found(manifest, age) => {
                self.touch_entry(key, age);
                Ok(Lookup::Hit {
                    manifest,
                    source: HitSource::Local,
                })
            }
            Entry::Garbled(reason) => {
                self.remove_entry(key)?;
                Ok(Lookup::Corrupt { reason })
            }
            Entry::Missing => self.get_remote(key),
        }
    }

    /// Checks that the blobs of a local hit are all present and unaltered (see
    /// [`Cache::check_blobs_memoized`]). When one is missing or corrupt the entry is removed
    /// and the reason returned: the step must run again.
    pub fn check_entry(
        &self,
        key: &str,
        manifest: &Manifest,
    ) -> Result<Option<String>, CacheError> {
        check_key(key)?;
        let lost = match self.check_blobs_memoized(key, manifest)? {
            Blobs::Complete => return Ok(None),
            Blobs::Incomplete => "a blob is missing".to_string(),
            Blobs::Corrupt(reason) => reason,
        };
        self.remove_entry(key)?;
        Ok(Some(format!("action cache entry {key}: {lost}")))
    }

    /// The remote's answer for a key the local cache does not have.
    fn get_remote(&self, key: &str) -> Result<Lookup, CacheError> {
        Ok(match self.fetch_remote(key)? {
            Some(manifest) => Lookup::Hit {
                manifest,
                source: HitSource::Remote,
            },
            None => Lookup::Miss,
        })
    }

    /// Records a step's result after its blobs are stored with [`Cache::put_blob`]: writes the
    /// local entry atomically, then, with a writable remote, uploads every blob the remote does
    /// not have before the entry itself (so the remote never names a blob it lacks because of
    /// us). Upload failures are warnings.
    pub fn put_action(&self, key: &str, manifest: &Manifest) -> Result<(), CacheError> {
        check_key(key)?;
        manifest.check()?;
        for blob in manifest.blobs() {
            if !self.has_blob(blob) {
                return Err(CacheError::MissingBlob {
                    digest: blob.digest.clone(),
                });
            }
        }
        self.write_entry(key, manifest)?;
        if let Some(remote) = &self.remote {
            self.upload(remote, key, manifest);
        }
        Ok(())
    }

    /// [`Cache::check_blobs`], skipped when every blob file still has the (size, inode,
    /// change time) it had when this entry's blobs were last hashed and found right. Blob files
    /// are never modified in place by wt, and any write to one (corruption, a hand edit)
    /// changes its ctime, which no tool can set back; so a matching signature proves the bytes
    /// were not touched. This turns the hashing of every output of every step on a no-op build
    /// into a few `stat` calls.
    fn check_blobs_memoized(&self, key: &str, manifest: &Manifest) -> Result<Blobs, CacheError> {
        let signature = self.blob_signature(manifest);
        // Beside the action cache, not in it: `<v1>/verified/<2 hex>/<key>`.
        let entry = self.store.entry_path(key);
        let v1 = entry
            .ancestors()
            .nth(3)
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        let memo = v1.join("verified").join(&key[..2]).join(key);
        if let Some(sig) = &signature
            && fs::read_to_string(&memo).is_ok_and(|m| &m == sig)
        {
            return Ok(Blobs::Complete);
        }
        let verdict = self.check_blobs(manifest)?;
        if matches!(verdict, Blobs::Complete)
            && let Some(sig) = self.blob_signature(manifest)
        {
            let tmp = self
                .store
                .tmp_dir()
                .join(format!("verified-{key}-{}", std::process::id()));
            if let Some(dir) = memo.parent() {
                let _ = fs::create_dir_all(dir);
            }
            if fs::write(&tmp, sig).is_ok() {
                let _ = fs::rename(&tmp, &memo);
            }
        }
        Ok(verdict)
    }

    /// `digest size inode ctime` of every blob file, or `None` if one cannot be read.
    fn blob_signature(&self, manifest: &Manifest) -> Option<String> {
        let mut sig = String::with_capacity(manifest.outputs.len() * 110);
        for blob in manifest.blobs() {
            sig.push_str(&blob.digest);
            sig.push(' ');
            self.store.push_blob_stat(&blob.digest, &mut sig)?;
            sig.push('\n');
        }
        Some(sig)
    }

    fn check_blobs(&self, manifest: &Manifest) -> Result<Blobs, CacheError> {
        for blob in manifest.blobs() {
            match self.check_blob(blob) {
                Ok(()) => {}
                Err(CacheError::MissingBlob { .. }) => return Ok(Blobs::Incomplete),
                Err(CacheError::Corrupt { digest, reason }) => {
                    return Ok(Blobs::Corrupt(format!(
                        "blob {digest} is corrupt: {reason}"
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Blobs::Complete)
    }

    /// The remote's entry for `key`, with every blob fetched, verified and stored locally, and
    /// the entry written locally; `None` on a miss, an untrustworthy entry or a remote failure.
    fn fetch_remote(&self, key: &str) -> Result<Option<Manifest>, CacheError> {
        let Some(remote) = self.remote.as_ref().filter(|r| !r.is_down()) else {
            return Ok(None);
        };
        let bytes = match remote.get(Store::Ac, key) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(None),
            Err(e) => {
                self.remote_failed(remote, e, "treating it as a miss");
                return Ok(None);
            }
        };
        let manifest = match Manifest::from_json(&bytes) {
            Ok(m) => m,
            Err(e) => {
                self.warn(format!(
                    "remote cache entry {}/ac/{key} is not a valid manifest ({e}); ignoring it",
                    remote.base()
                ));
                return Ok(None);
            }
        };
        for blob in manifest.blobs() {
            match self.check_blob(blob) {
                Ok(()) => continue,
                Err(CacheError::MissingBlob { .. } | CacheError::Corrupt { .. }) => {}
                Err(e) => return Err(e),
            }
            let data = match remote.get(Store::Cas, &blob.digest) {
                Ok(Some(data)) => data,
                // The remote names a blob it does not have (evicted, or a half upload by a
                // client that does not order its writes): not a hit.
                Ok(None) => return Ok(None),
                Err(e) => {
                    self.remote_failed(remote, e, "treating it as a miss");
                    return Ok(None);
                }
            };
            let got = BlobRef::of(&data);
            if got != *blob {
                self.warn(format!(
                    "remote cache blob {}/cas/{} has sha256 {} and {} bytes, not what its name says; ignoring entry {key}",
                    remote.base(),
                    blob.digest,
                    got.digest,
                    got.size
                ));
                return Ok(None);
            }
            self.put_blob(&data)?;
        }
        self.write_entry(key, &manifest)?;
        Ok(Some(manifest))
    }

    fn upload(&self, remote: &Remote, key: &str, manifest: &Manifest) {
        const ACTION: &str = "not uploading to it for the rest of this run";
        if remote.uploads_off() {
            return;
        }
        for blob in manifest.blobs() {
            match remote.head(Store::Cas, &blob.digest) {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => return self.upload_failed(remote, e, ACTION),
            }
            let data = match self.read_blob(blob) {
                Ok(data) => data,
                Err(e) => {
                    return self.warn(format!(
                        "not uploading action {key} to the remote cache: {e}"
                    ));
                }
            };
            if let Err(e) = remote.put(Store::Cas, &blob.digest, &data) {
                return self.upload_failed(remote, e, ACTION);
            }
        }
        if let Err(e) = remote.put(Store::Ac, key, &manifest.to_canonical_json()) {
            self.upload_failed(remote, e, ACTION);
        }
    }

    fn upload_failed(&self, remote: &Remote, e: RemoteError, action: &str) {
        if matches!(e, RemoteError::Status(_) | RemoteError::Denied(_)) && !remote.uploads_off() {
            remote.set_uploads_off();
            self.warn(format!("remote cache: {e}; {action}"));
        } else {
            self.remote_failed(remote, e, action);
        }
    }

    /// Warns once about a remote that cannot be reached or refuses wt's credentials and switches
    /// it off; warns about each other error answer.
    fn remote_failed(&self, remote: &Remote, e: RemoteError, action: &str) {
        match e {
            RemoteError::Unreachable(_) => {
                if remote.set_down() {
                    self.warn(format!(
                        "remote cache {} is unreachable ({e}); continuing without it",
                        remote.base()
                    ));
                }
            }
            RemoteError::Denied(_) => {
                if remote.set_down() {
                    self.warn(format!(
                        "remote cache {} refused wt ({e}); continuing without it\n  = help: check the credentials of the remote cache: its URL (https://user:password@host/...) and any --remote-cache-header",
                        remote.base()
                    ));
                }
            }
            RemoteError::Status(_) => self.warn(format!("remote cache: {e}; {action}")),
        }
    }
}
