//! Advisory file locks between wt processes (and the rattler code they run), so `wt cache gc`
//! never deletes what a build, a `wt run` or a `wt serve` is using.
//!
//! Users of a thing hold a shared lock on its lock file for as long as they use it; whoever
//! builds it holds an exclusive one meanwhile; gc evicts only what it can lock exclusively
//! without waiting. The locks are `flock`s (as rattler's own), released by the kernel when a
//! process dies, so a killed wt never leaves anything pinned.
//!
//! gc may delete a lock file (with the thing it guards). A process that opened the old file
//! just before would then hold a lock nobody else can see, so every lock is taken on the file
//! that is at the path *after* locking: if the path now names another file, the lock is
//! dropped and taken again on the new one.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

/// A held lock: shared while the thing is used, exclusive while it is built or removed. Clones
/// share the one lock, which is released when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct FileLock(Arc<File>);

impl FileLock {
    /// Waits for a shared lock (blocks only while the thing is being built or removed).
    pub fn shared(path: &Path) -> io::Result<FileLock> {
        lock_current(path, |f| f.lock_shared()).map(|f| FileLock(Arc::new(f)))
    }

    /// Waits for an exclusive lock.
    pub fn exclusive(path: &Path) -> io::Result<FileLock> {
        lock_current(path, |f| f.lock()).map(|f| FileLock(Arc::new(f)))
    }

    /// An exclusive lock if nobody holds one of any kind now (for gc), else `None`.
    pub fn try_exclusive(path: &Path) -> io::Result<Option<FileLock>> {
        let attempt = lock_current(path, |f| match f.try_lock() {
            Ok(()) => Ok(()),
            Err(TryLockError::WouldBlock) => Err(io::ErrorKind::WouldBlock.into()),
            Err(TryLockError::Error(e)) => Err(e),
        });
        match attempt {
            Ok(f) => Ok(Some(FileLock(Arc::new(f)))),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Turns the exclusive lock of a builder into the shared lock of a user. (`flock` does not
    /// promise the change is atomic; users also record their use, which gc's grace honours.)
    pub fn downgrade(self) -> io::Result<FileLock> {
        self.0.lock_shared()?;
        Ok(self)
    }
}

/// Opens (creating) the lock file at `path`, locks it with `lock`, and returns it once the lock
/// is held on the file the path names.
fn lock_current(path: &Path, lock: impl Fn(&File) -> io::Result<()>) -> io::Result<File> {
    loop {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        lock(&file)?;
        let held = file.metadata()?;
        match std::fs::metadata(path) {
            Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => return Ok(file),
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FileLock;

    #[test]
    fn shared_holders_block_gc_and_builders_block_users() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.lock");
        let user = FileLock::shared(&path).unwrap();
        let other_user = FileLock::shared(&path).unwrap();
        assert!(FileLock::try_exclusive(&path).unwrap().is_none());
        drop(user);
        assert!(FileLock::try_exclusive(&path).unwrap().is_none());
        drop(other_user);
        let gc = FileLock::try_exclusive(&path).unwrap();
        assert!(gc.is_some());
        drop(gc);
        let builder = FileLock::exclusive(&path).unwrap();
        assert!(FileLock::try_exclusive(&path).unwrap().is_none());
        let user = builder.downgrade().unwrap();
        assert!(FileLock::try_exclusive(&path).unwrap().is_none());
        drop(user);
        assert!(FileLock::try_exclusive(&path).unwrap().is_some());
    }

    #[test]
    fn a_deleted_lock_file_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.lock");
        let gc = FileLock::try_exclusive(&path).unwrap().unwrap();
        std::fs::remove_file(&path).unwrap();
        // The path names no file now: a new user locks a new one, which gc's old lock does not
        // cover, and a second gc sees the user.
        let user = FileLock::shared(&path).unwrap();
        assert!(FileLock::try_exclusive(&path).unwrap().is_none());
        drop((gc, user));
    }
}
