//! Stamps of written workspaces: which package key was last written to a folder, with the
//! metadata of every file and folder written.
//!
//! A no-op build must not re-read every generated file of every workflow to find that nothing
//! changed. When the package key is the one stamped and every file and folder still has its
//! stamped metadata, the folder is up to date without reading it — the trust make and cargo
//! give to file metadata, made safe the way git's index is:
//!
//! - a file's signature is its size, mtime, inode and ctime: an edit by hand changes the
//!   mtime, and a file replaced by another of the same size whose mtime was copied over
//!   (`cp -p`, `rsync -t`) has another inode and ctime, which no tool can set back;
//! - a file added or removed by hand changes the mtime of its folder, so folders are stamped
//!   too, rather than walking the tree to count its files (a folder wt does not write, such as
//!   pixi's `.pixi`, appearing in the root costs one comparison, after which the stamp records
//!   the root's new mtime);
//! - timestamps come from a coarse clock (a few milliseconds on Linux, whole seconds on some
//!   filesystems), so an edit made within the same tick as wt's own write would keep the
//!   stamped times. A file whose change time is that close to when the stamp was recorded is
//!   "racy" (git's word) and never trusted: the next build compares it byte by byte and
//!   stamps again, later.
//!
//! When anything differs, the folder is compared byte by byte and repaired. Stamps are local
//! bookkeeping under the cache folder, never shared or part of a key.

use std::path::{Path, PathBuf};

/// The first word of a stamp file. A stamp is text, one line per signed path, so that a no-op
/// build checks each line as it reads it:
///
/// ```text
/// wt-stamp-v2 <package key> <recorded, ns>
/// <size> <mtime ns> <ctime ns> <inode>\t<relative path>    (the written files, sorted)
/// <size> <mtime ns> <ctime ns> <inode>\t<relative folder>  (the root "" and every folder)
/// ```
const HEADER: &str = "wt-stamp-v2";

/// What a file's metadata says about its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    pub size: u64,
    /// Modification and status-change times, in ns since the epoch.
    pub mtime: u128,
    pub ctime: u128,
    pub inode: u64,
}

/// How close to the recording a change may be before it is racy: timestamps of whole seconds
/// (some filesystems) get two seconds, finer ones (Linux's coarse clock ticks every 1–10 ms)
/// get 50 ms.
fn racy_margin(sig: &Signature) -> u128 {
    const MS: u128 = 1_000_000;
    if sig.ctime.is_multiple_of(1_000_000_000) {
        2_000 * MS
    } else {
        50 * MS
    }
}

fn stamp_path(cache: &Path, out_dir: &Path) -> PathBuf {
    let id = crate::digest::bytes(out_dir.to_string_lossy().as_bytes());
    crate::cache::Layout(cache)
        .stamps()
        .join(format!("{}.json", &id[..24]))
}

impl Signature {
    fn of(
        size: u64,
        inode: u64,
        mtime: i64,
        mtime_ns: i64,
        ctime: i64,
        ctime_ns: i64,
    ) -> Option<Signature> {
        let ns = |secs: i64, nsec: i64| -> Option<u128> {
            Some(u128::try_from(secs).ok()? * 1_000_000_000 + u128::try_from(nsec).ok()?)
        };
        Some(Signature {
            size,
            mtime: ns(mtime, mtime_ns)?,
            ctime: ns(ctime, ctime_ns)?,
            inode,
        })
    }
}

/// A written folder, opened once so that the signatures of its files are read relative to it:
/// the kernel then resolves one or two path components per file instead of the whole absolute
/// path (a no-op build of a hundred workflows makes thousands of these calls).
struct OpenDir(std::fs::File);

impl OpenDir {
    fn open(dir: &Path) -> Option<OpenDir> {
        std::fs::File::open(dir).ok().map(OpenDir)
    }

    /// The signature of `rel` (`""` for the folder itself), not following symlinks.
    fn signature(&self, rel: &str) -> Option<Signature> {
        use std::os::fd::AsRawFd;
        let name = std::ffi::CString::new(rel).ok()?;
        let flags = libc::AT_SYMLINK_NOFOLLOW
            | if rel.is_empty() {
                libc::AT_EMPTY_PATH
            } else {
                0
            };
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: the fd is open for the life of `self`, `name` is NUL-terminated, and `st`
        // is only read after fstatat reported that it filled it.
        let st = unsafe {
            if libc::fstatat(self.0.as_raw_fd(), name.as_ptr(), st.as_mut_ptr(), flags) != 0 {
                return None;
            }
            st.assume_init()
        };
        Signature::of(
            u64::try_from(st.st_size).ok()?,
            st.st_ino,
            st.st_mtime,
            st.st_mtime_nsec,
            st.st_ctime,
            st.st_ctime_nsec,
        )
    }
}

fn now_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// Whether `out_dir` still holds exactly what was stamped for `key`.
pub fn is_fresh(cache: &Path, out_dir: &Path, key: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(stamp_path(cache, out_dir)) else {
        return false;
    };
    let mut lines = text.lines();
    let Some(recorded) = lines.next().and_then(|header| {
        let mut words = header.split(' ');
        (words.next() == Some(HEADER) && words.next() == Some(key))
            .then(|| words.next()?.parse::<u128>().ok())
            .flatten()
    }) else {
        return false;
    };
    let Some(dir) = OpenDir::open(out_dir) else {
        return false;
    };
    lines.all(|line| {
        parse_line(line).is_some_and(|(sig, rel)| {
            recorded.saturating_sub(sig.ctime) >= racy_margin(&sig)
                && dir.signature(rel).as_ref() == Some(&sig)
        })
    })
}

/// A line of a stamp: a path's signature and the path.
fn parse_line(line: &str) -> Option<(Signature, &str)> {
    let (numbers, rel) = line.split_once('\t')?;
    let mut n = numbers.split(' ');
    let sig = Signature {
        size: n.next()?.parse().ok()?,
        mtime: n.next()?.parse().ok()?,
        ctime: n.next()?.parse().ok()?,
        inode: n.next()?.parse().ok()?,
    };
    n.next().is_none().then_some((sig, rel))
}

/// The folders (relative, `""` for the root) holding `files`, their ancestors included.
fn folders<'a>(files: impl Iterator<Item = &'a str>) -> std::collections::BTreeSet<String> {
    let mut dirs = std::collections::BTreeSet::from([String::new()]);
    for rel in files {
        let mut path = Path::new(rel);
        while let Some(parent) = path.parent() {
            dirs.insert(parent.to_string_lossy().into_owned());
            path = parent;
        }
    }
    dirs
}

/// Records that `out_dir` now holds `files` for `key`.
pub fn record<'a>(
    cache: &Path,
    out_dir: &Path,
    key: &str,
    files: impl Iterator<Item = &'a String>,
) {
    let Some(dir) = OpenDir::open(out_dir) else {
        return;
    };
    let signed = |rel: String| dir.signature(&rel).map(|sig| (rel, sig));
    let mut entries: Vec<(String, Signature)> = files.cloned().filter_map(signed).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let dirs: Vec<(String, Signature)> = folders(entries.iter().map(|(rel, _)| rel.as_str()))
        .into_iter()
        .filter_map(signed)
        .collect();
    // A path that cannot be written on one line is never trusted: without a stamp the
    // folder is compared byte by byte.
    if entries
        .iter()
        .any(|(rel, _)| rel.contains(['\n', '\r', '\t']))
    {
        return;
    }
    let mut text = format!("{HEADER} {key} {}\n", now_ns());
    for (rel, sig) in entries.iter().chain(&dirs) {
        text.push_str(&format!(
            "{} {} {} {}\t{rel}\n",
            sig.size, sig.mtime, sig.ctime, sig.inode
        ));
    }
    crate::workspace::write_memo(&stamp_path(cache, out_dir), text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    const KEY: &str = "k";

    struct Written {
        _dir: tempfile::TempDir,
        cache: PathBuf,
        out: PathBuf,
        files: Vec<String>,
    }

    /// A workspace of two files (one in a subfolder), stamped once its writes are out of the
    /// racy window, as they are by the next build.
    fn written() -> Written {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("ws");
        std::fs::create_dir_all(out.join("pkg")).unwrap();
        std::fs::write(out.join("README.md"), "hello\n").unwrap();
        std::fs::write(out.join("pkg/cli.py"), "print(1)\n").unwrap();
        let files = vec!["README.md".to_string(), "pkg/cli.py".to_string()];
        std::thread::sleep(Duration::from_millis(120));
        let cache = dir.path().join("cache");
        record(&cache, &out, KEY, files.iter());
        Written {
            _dir: dir,
            cache,
            out,
            files,
        }
    }

    impl Written {
        fn fresh(&self) -> bool {
            is_fresh(&self.cache, &self.out, KEY)
        }
    }

    #[test]
    fn an_untouched_workspace_is_fresh_for_its_key_only() {
        let w = written();
        assert!(w.fresh());
        assert!(!is_fresh(&w.cache, &w.out, "other key"));
    }

    #[test]
    fn an_edit_of_equal_size_right_after_the_write_is_caught() {
        // Written and stamped within one clock tick, then edited within it: the times may all
        // be equal, so only the racy rule can catch it.
        let w = written();
        std::fs::write(w.out.join("README.md"), "hello\n").unwrap();
        record(&w.cache, &w.out, KEY, w.files.iter());
        std::fs::write(w.out.join("README.md"), "HELLO\n").unwrap();
        assert!(!w.fresh());
    }

    #[test]
    fn a_file_replaced_by_one_of_equal_size_and_mtime_is_caught() {
        let w = written();
        let path = w.out.join("pkg/cli.py");
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        let other = w.out.join("pkg/other");
        std::fs::write(&other, "print(2)\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&other)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert!(!w.fresh());
    }

    #[test]
    fn a_touched_but_unchanged_file_is_caught() {
        let w = written();
        std::fs::File::options()
            .write(true)
            .open(w.out.join("README.md"))
            .unwrap()
            .set_modified(SystemTime::now())
            .unwrap();
        assert!(!w.fresh());
    }

    #[test]
    fn added_and_removed_files_are_caught_without_walking_the_tree() {
        let w = written();
        std::fs::write(w.out.join("pkg/extra.py"), "").unwrap();
        assert!(!w.fresh());
        let w = written();
        std::fs::create_dir_all(w.out.join("new/deeper")).unwrap();
        assert!(!w.fresh());
        let w = written();
        std::fs::remove_file(w.out.join("pkg/cli.py")).unwrap();
        assert!(!w.fresh());
    }
}
