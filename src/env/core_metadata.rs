//! The core metadata (`METADATA`, PEP 566) of each locked PyPI file: its `Requires-Dist` and
//! `Requires-Python`.
//!
//! pixi.lock records both for every PyPI package, and pixi relies on them: it accepts a lock
//! only when every locked PyPI package is reachable from the manifest through the
//! `requires_dist` of the packages before it. uv's PEP 751 output names files, not their
//! dependencies, so wt reads each file's own metadata.
//!
//! A wheel's METADATA is read with HTTP range requests (the end of the zip, its central
//! directory, then the one member), a few kilobytes of a file that may weigh megabytes; an
//! sdist is read whole for its `PKG-INFO`. What was read is kept beside uv's downloads under the
//! file's sha256, so a file's metadata is fetched once per machine and an offline solve
//! reuses it.

use super::metadata_text::MetadataText;
use crate::env::pypi_lock::PypiPin;
use anyhow::{Context, Result, anyhow, bail};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// What the lock records of a PyPI file's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct CoreMetadata {
    /// `Requires-Dist` lines, as written (PEP 508).
    pub requires_dist: Vec<String>,
    /// `Requires-Python`, when given.
    pub requires_python: Option<String>,
}

impl CoreMetadata {
    /// Reads the fields the lock needs from a METADATA / PKG-INFO text ([`MetadataText`]).
    /// `Ok(None)` when the text does not vouch for them: an sdist's PKG-INFO older than
    /// metadata 2.2, or one that marks them dynamic (computed only by building). A text that
    /// cannot be read, or that lacks `Metadata-Version`, `Name` or `Version`, is an error
    /// naming the line: a record without dependencies is never the result of a misread.
    pub fn parse(text: &str, from_sdist: bool) -> Result<Option<CoreMetadata>> {
        CoreMetadata::from_text(&MetadataText::parse(text)?, from_sdist)
    }

    /// [`CoreMetadata::parse`] of a text already split into headers.
    pub fn from_text(doc: &MetadataText, from_sdist: bool) -> Result<Option<CoreMetadata>> {
        let header = doc.fields("Metadata-Version").next().with_context(|| {
            "line 1: no `Metadata-Version` header (core metadata starts with `Metadata-Version: 2.x`)"
        })?;
        let version = header.value.trim();
        let (major, minor) = metadata_version(version).with_context(|| {
            format!(
                "line {}: `Metadata-Version: {version}` is not a metadata version wt reads (1.0 to 2.x)",
                header.line
            )
        })?;
        for required in ["Name", "Version"] {
            if doc.first(required).is_none_or(str::is_empty) {
                bail!(
                    "line {}: no `{required}` header before the headers end",
                    doc.end_line
                );
            }
        }
        if from_sdist {
            let dynamic = doc.all("Dynamic").any(|d| {
                d.eq_ignore_ascii_case("Requires-Dist") || d.eq_ignore_ascii_case("Requires-Python")
            });
            if (major, minor) < (2, 2) || dynamic {
                return Ok(None);
            }
        }
        Ok(Some(CoreMetadata {
            requires_dist: doc.all("Requires-Dist").map(str::to_string).collect(),
            requires_python: doc
                .first("Requires-Python")
                .filter(|v| !v.is_empty())
                .map(str::to_string),
        }))
    }
}

/// `major.minor` of a `Metadata-Version` of the 1.x or 2.x series.
fn metadata_version(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.').unwrap_or((text, "0"));
    let version = (major.parse().ok()?, minor.parse().ok()?);
    matches!(version.0, 1 | 2).then_some(version)
}

impl CoreMetadata {
    /// What a `path:` library's pyproject.toml declares, as a build backend writes it into
    /// METADATA (optional dependencies gated by their `extra`), which is what pixi compares the
    /// lock with. `None` when the dependencies are not static (no `[project]` table, or listed in
    /// `dynamic`): only a build could tell them.
    pub fn from_pyproject(dir: &Path) -> Result<Option<CoreMetadata>> {
        let path = dir.join("pyproject.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let doc: toml::Table = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        let Some(project) = doc.get("project").and_then(toml::Value::as_table) else {
            return Ok(None);
        };
        let dynamic = |field: &str| {
            project
                .get("dynamic")
                .and_then(toml::Value::as_array)
                .is_some_and(|d| d.iter().any(|v| v.as_str() == Some(field)))
        };
        if dynamic("dependencies") || dynamic("optional-dependencies") {
            return Ok(None);
        }
        let strings = |v: Option<&toml::Value>| -> Vec<String> {
            v.and_then(toml::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut requires_dist = strings(project.get("dependencies"));
        if let Some(optional) = project
            .get("optional-dependencies")
            .and_then(toml::Value::as_table)
        {
            for (extra, reqs) in optional {
                for r in strings(Some(reqs)) {
                    requires_dist.push(gated_by_extra(&r, extra));
                }
            }
        }
        Ok(Some(CoreMetadata {
            requires_dist,
            requires_python: project
                .get("requires-python")
                .and_then(toml::Value::as_str)
                .map(str::to_string),
        }))
    }
}

/// `requirement` needed only with `extra`: its marker (if any) and `extra == "<extra>"`.
fn gated_by_extra(requirement: &str, extra: &str) -> String {
    match requirement.split_once(';') {
        Some((head, marker)) => format!(
            "{} ; ({}) and extra == \"{extra}\"",
            head.trim(),
            marker.trim()
        ),
        None => format!("{} ; extra == \"{extra}\"", requirement.trim()),
    }
}

/// The METADATA text of a wheel on disk.
pub fn wheel_file_text(path: &Path) -> Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let name = path.to_string_lossy();
    member_text(std::io::Cursor::new(bytes), &name, false)
        .with_context(|| format!("could not read the metadata of {}", path.display()))
}

/// The METADATA of a git source (a commit: it never changes), kept in the same store as the
/// files' under a digest of its URL; `build` makes it (a wheel's METADATA text) when it is not
/// there yet.
pub fn for_git_source(
    cache: &Path,
    pin: &PypiPin,
    offline: bool,
    build: impl FnOnce() -> Result<String>,
) -> Result<Option<CoreMetadata>> {
    let name = format!("git-{}", crate::digest::bytes(pin.url.as_bytes()));
    Store::new(cache).get_or(&name, pin, offline, false, build)
}

/// Fetches what is missing from the cache, in parallel, and returns the metadata of every
/// pin that has a sha256 (git sources have none, and no file to read), keyed by it.
pub fn for_pins<'a>(
    pins: impl IntoIterator<Item = &'a PypiPin>,
    cache: &Path,
    offline: bool,
) -> Result<BTreeMap<String, CoreMetadata>> {
    let mut wanted: BTreeMap<String, &PypiPin> = BTreeMap::new();
    for pin in pins {
        // The hash names a file in the store: only a real sha256 may.
        let sha = pin.sha256.as_ref().filter(|h| {
            h.len() == 64
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if let Some(sha) = sha {
            wanted.entry(sha.clone()).or_insert(pin);
        }
    }
    let store = Store::new(cache);
    let jobs: Vec<(&String, &PypiPin)> = wanted.iter().map(|(k, v)| (k, *v)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    let agent = agent();
    let workers = jobs.len().clamp(1, WORKERS);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((sha, pin)) = jobs.get(i) else { break };
                    let got = store.get_or_fetch(&agent, sha, pin, offline);
                    results
                        .lock()
                        .expect("no worker panics")
                        .push(((*sha).clone(), got));
                }
            });
        }
    });
    let mut out = BTreeMap::new();
    for (sha, got) in results.into_inner().expect("no worker panics") {
        if let Some(m) = got? {
            out.insert(sha, m);
        }
    }
    Ok(out)
}

/// Files read at once: each costs a few round trips, and a handful at a time hides their
/// latency.
const WORKERS: usize = 8;

/// `<download cache>/pypi-metadata/<sha256>`: the METADATA (or PKG-INFO) text of the file with
/// that hash, as read; whether it vouches for the dependencies is decided when it is parsed.
struct Store {
    dir: PathBuf,
}

impl Store {
    fn new(cache: &Path) -> Store {
        Store {
            dir: cache.join("pypi-metadata"),
        }
    }

    fn get_or_fetch(
        &self,
        agent: &ureq::Agent,
        sha: &str,
        pin: &PypiPin,
        offline: bool,
    ) -> Result<Option<CoreMetadata>> {
        let from_sdist = !pin.url.ends_with(".whl");
        self.get_or(sha, pin, offline, from_sdist, || {
            fetch(agent, &pin.url, from_sdist)
        })
    }

    /// The entry `name` (the metadata of `pin`), made by `make` and kept when missing.
    fn get_or(
        &self,
        name: &str,
        pin: &PypiPin,
        offline: bool,
        from_sdist: bool,
        make: impl FnOnce() -> Result<String>,
    ) -> Result<Option<CoreMetadata>> {
        let path = self.dir.join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(_) if offline => bail!(
                "the metadata of `{} {}` is not in wt's cache and wt is offline\n  = help: build once without --offline",
                pin.name,
                pin.version
            ),
            Err(_) => {
                let text = make().with_context(|| {
                    format!(
                        "could not read the metadata of `{} {}` ({})",
                        pin.name, pin.version, pin.url
                    )
                })?;
                self.put(&path, &text)?;
                text
            }
        };
        let what = || {
            format!(
                "the metadata of `{} {}` ({}, kept as {}) cannot be read",
                pin.name,
                pin.version,
                pin.url,
                path.display()
            )
        };
        let doc = MetadataText::parse(&text).with_context(what)?;
        if let Some(name) = doc.fields("Name").next() {
            let same = |a: &str, b: &str| {
                pep508_rs::PackageName::from_str(a).ok() == pep508_rs::PackageName::from_str(b).ok()
            };
            if !same(name.value.trim(), &pin.name) {
                return Err(anyhow!(
                    "line {}: it names `{}`, not `{}`",
                    name.line,
                    name.value.trim(),
                    pin.name
                ))
                .with_context(what);
            }
        }
        CoreMetadata::from_text(&doc, from_sdist).with_context(what)
    }

    /// Writes through a temporary file, so a reader never sees half of one.
    fn put(&self, path: &Path, text: &str) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("could not create {}", self.dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())?;
        tmp.persist(path)
            .map_err(|e| anyhow!("could not write {}: {}", path.display(), e.error))?;
        Ok(())
    }
}

fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_global(Some(Duration::from_secs(300)))
        // One connection per worker stays open: each new one costs a TLS handshake.
        .max_idle_connections_per_host(WORKERS)
        .http_status_as_error(false)
        .user_agent(concat!("wt/", env!("CARGO_PKG_VERSION")))
        .tls_config(crate::http_tls::config())
        .build();
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::new(),
        RememberingResolver::default(),
    )
}

/// Looks each host up once per agent. The files all come from one or two hosts, and every new
/// connection would otherwise ask the system resolver again; on some machines one lookup in
/// twenty stalls for seconds (see [`HEAD_PATIENCE`]).
#[derive(Debug, Default)]
struct RememberingResolver {
    system: ureq::unversioned::resolver::DefaultResolver,
    known: std::sync::Mutex<HashMap<String, ureq::unversioned::resolver::ResolvedSocketAddrs>>,
}

impl ureq::unversioned::resolver::Resolver for RememberingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{:?}{:?}",
            uri.scheme_str(),
            uri.authority().map(|a| a.as_str())
        );
        // Held while looking up, so the workers starting together ask once, not each.
        let mut known = self.known.lock().expect("no lookup panics");
        if let Some(found) = known.get(&key) {
            return Ok(found.clone());
        }
        let found = self.system.resolve(uri, config, timeout)?;
        known.insert(key, found.clone());
        Ok(found)
    }
}

/// The METADATA of a wheel or the PKG-INFO of an sdist at `url`.
fn fetch(agent: &ureq::Agent, url: &str, from_sdist: bool) -> Result<String> {
    if let Some(path) = url::Url::parse(url)
        .ok()
        .filter(|u| u.scheme() == "file")
        .and_then(|u| u.to_file_path().ok())
    {
        let bytes =
            std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
        return member_text(std::io::Cursor::new(bytes), url, from_sdist);
    }
    if from_sdist {
        let bytes = get(agent, url, None)?.body;
        return member_text(std::io::Cursor::new(bytes), url, true);
    }
    let file = RangeFile::open(agent, url)?;
    member_text(file, url, false)
}

/// Reads the metadata member out of a wheel (zip) or an sdist (`.tar.gz` or `.zip`).
fn member_text<R: Read + Seek>(mut file: R, url: &str, from_sdist: bool) -> Result<String> {
    let name = url.rsplit('/').next().unwrap_or(url);
    if from_sdist && (name.ends_with(".tar.gz") || name.ends_with(".tgz")) {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = entry.path()?.to_string_lossy().into_owned();
            if is_metadata_member(&path, true) {
                let mut text = String::new();
                entry.read_to_string(&mut text)?;
                return Ok(text);
            }
        }
        bail!("the sdist has no PKG-INFO");
    }
    file.seek(SeekFrom::Start(0))?;
    let mut zip = zip::ZipArchive::new(file).context("not a readable zip archive")?;
    let member = (0..zip.len())
        .filter_map(|i| Some((i, zip.name_for_index(i)?.ok()?.into_owned())))
        .find(|(_, n)| is_metadata_member(n, from_sdist))
        .map(|(i, _)| i)
        .with_context(|| {
            if from_sdist {
                "the sdist has no PKG-INFO"
            } else {
                "the wheel has no .dist-info/METADATA"
            }
        })?;
    let mut text = String::new();
    zip.by_index(member)?.read_to_string(&mut text)?;
    Ok(text)
}

/// `<name>.dist-info/METADATA` at a wheel's top, `<folder>/PKG-INFO` of an sdist.
fn is_metadata_member(path: &str, from_sdist: bool) -> bool {
    let parts: Vec<&str> = path.trim_start_matches("./").split('/').collect();
    match parts.as_slice() {
        [dir, "METADATA"] if !from_sdist => dir.ends_with(".dist-info"),
        [_, "PKG-INFO"] if from_sdist => true,
        _ => false,
    }
}

/// An answer to a GET.
struct Got {
    status: u16,
    /// `Content-Range` of a 206.
    content_range: Option<String>,
    body: Vec<u8>,
}

/// How long each attempt may wait for its host's address and its answer's head. On some
/// machines a small share of DNS lookups stall for seconds (a lost UDP answer waits out the
/// system resolver's 5 s timeout) while the same lookup repeated is answered at once, so a slow
/// attempt is retried, with more patience each time, instead of awaited.
const HEAD_PATIENCE: [Duration; 3] = [
    Duration::from_secs(2),
    Duration::from_secs(10),
    Duration::from_secs(60),
];

/// A GET of `url` with an optional `Range` header value.
fn get(agent: &ureq::Agent, url: &str, range: Option<&str>) -> Result<Got> {
    let mut last = None;
    for patience in HEAD_PATIENCE {
        let mut request = agent.get(url);
        if let Some(range) = range {
            request = request.header("Range", range);
        }
        let request = request
            .config()
            .timeout_resolve(Some(patience))
            .timeout_connect(Some(patience))
            .timeout_recv_response(Some(patience))
            .build();
        let response = match request.call() {
            Ok(response) => response,
            Err(e @ (ureq::Error::Timeout(_) | ureq::Error::Io(_))) => {
                last = Some(e);
                continue;
            }
            Err(e) => return Err(anyhow!("GET {url} failed: {e}")),
        };
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            bail!("GET {url} answered {status}");
        }
        let content_range = response
            .headers()
            .get("content-range")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .into_body()
            .into_with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .with_context(|| format!("GET {url} failed"))?;
        return Ok(Got {
            status,
            content_range,
            body,
        });
    }
    Err(anyhow!(
        "GET {url} failed: {}",
        last.map_or_else(String::new, |e| e.to_string())
    ))
}

/// A remote file read with HTTP range requests, as a zip reader asks for it. A miss fetches
/// from the missing byte up to the next part already held (at most [`MAX_SPAN`]): reading a
/// zip's end (the first request), then its central directory (the second, whole), then the
/// METADATA member near the end (usually already held) takes two or three requests. A server
/// that ignores ranges (200 for a range request) gives the whole file at once.
struct RangeFile<'a> {
    agent: &'a ureq::Agent,
    url: &'a str,
    len: u64,
    pos: u64,
    /// Parts held: start offset -> bytes, never overlapping.
    parts: BTreeMap<u64, Vec<u8>>,
}

/// The first request: the end of the file, which holds the end of central directory record
/// and, for most wheels, the central directory and the dist-info members too.
const TAIL: u64 = 64 * 1024;

/// The most one miss fetches, so a member far from the parts held does not pull the file.
const MAX_SPAN: u64 = 8 * 1024 * 1024;

impl<'a> RangeFile<'a> {
    fn open(agent: &'a ureq::Agent, url: &'a str) -> Result<RangeFile<'a>> {
        let got = get(agent, url, Some(&format!("bytes=-{TAIL}")))?;
        // `Content-Range: bytes <start>-<end>/<length>` on a 206.
        let total = got
            .content_range
            .as_deref()
            .and_then(|v| v.rsplit_once('/'))
            .and_then(|(_, len)| len.trim().parse::<u64>().ok());
        let body = got.body;
        let (len, start) = match (got.status, total) {
            (206, Some(len)) => (len, len - body.len() as u64),
            _ => (body.len() as u64, 0),
        };
        let mut parts = BTreeMap::new();
        parts.insert(start, body);
        Ok(RangeFile {
            agent,
            url,
            len,
            pos: 0,
            parts,
        })
    }

    /// The part holding `pos`, fetched if missing: (its start, its bytes).
    fn part_at(&mut self, pos: u64) -> std::io::Result<(u64, &[u8])> {
        let held = self
            .parts
            .range(..=pos)
            .next_back()
            .filter(|(start, bytes)| pos < **start + bytes.len() as u64)
            .map(|(start, _)| *start);
        let start = match held {
            Some(start) => start,
            None => {
                let next = self.parts.range(pos..).next().map_or(self.len, |(s, _)| *s);
                let end = next.min(pos + MAX_SPAN) - 1;
                let range = format!("bytes={pos}-{end}");
                let got = get(self.agent, self.url, Some(&range)).map_err(std::io::Error::other)?;
                let (status, body) = (got.status, got.body);
                if status != 206 {
                    // The whole file: it replaces the parts.
                    self.parts = BTreeMap::from([(0, body)]);
                    return Ok((0, &self.parts[&0]));
                }
                self.parts.insert(pos, body);
                pos
            }
        };
        Ok((start, &self.parts[&start]))
    }
}

impl Read for RangeFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let pos = self.pos;
        let (start, part) = self.part_at(pos)?;
        let offset = (pos - start) as usize;
        if offset >= part.len() {
            return Ok(0);
        }
        let n = buf.len().min(part.len() - offset);
        buf[..n].copy_from_slice(&part[offset..offset + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeFile<'_> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start")
        })?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_requirements_past_a_licence_of_many_lines() {
        let text = "Metadata-Version: 2.1\nName: x\nVersion: 1\nLicense: MIT\n   \n  more\nRequires-Dist: a>=1\nRequires-Dist: b; extra == \"t\"\nRequires-Python: >=3.9\n\nRequires-Dist: not-a-header\n";
        let m = CoreMetadata::parse(text, false).unwrap().unwrap();
        assert_eq!(m.requires_dist, ["a>=1", "b; extra == \"t\""]);
        assert_eq!(m.requires_python.as_deref(), Some(">=3.9"));
        // An sdist's PKG-INFO vouches for its dependencies from metadata 2.2 on, when static.
        assert_eq!(CoreMetadata::parse(text, true).unwrap(), None);
        let v22 = text.replace("2.1", "2.2");
        assert!(CoreMetadata::parse(&v22, true).unwrap().is_some());
        let dynamic = v22.replace("Name: x", "Name: x\nDynamic: Requires-Dist");
        assert_eq!(CoreMetadata::parse(&dynamic, true).unwrap(), None);
    }

    #[test]
    fn a_text_that_does_not_read_as_metadata_is_an_error_naming_the_line() {
        let error = |text: &str| format!("{:#}", CoreMetadata::parse(text, false).unwrap_err());
        assert_eq!(
            error("Name: x\nVersion: 1\n"),
            "line 1: no `Metadata-Version` header (core metadata starts with `Metadata-Version: 2.x`)"
        );
        assert_eq!(
            error("Name: x\nMetadata-Version: 3.0\nVersion: 1\n"),
            "line 2: `Metadata-Version: 3.0` is not a metadata version wt reads (1.0 to 2.x)"
        );
        assert_eq!(
            error("Metadata-Version: 2.1\nName: x\n\nVersion: 1\n"),
            "line 3: no `Version` header before the headers end"
        );
        assert!(error("Metadata-Version: 2.1\nName x\n").starts_with("line 2: `Name x` is not"));
    }

    #[test]
    fn optional_dependencies_are_gated_by_their_extra() {
        assert_eq!(gated_by_extra("a>=1", "x"), "a>=1 ; extra == \"x\"");
        assert_eq!(
            gated_by_extra("a ; python_version < '3.11'", "x"),
            "a ; (python_version < '3.11') and extra == \"x\""
        );
    }

    #[test]
    fn reads_a_local_wheel_by_its_file_url() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("with space");
        std::fs::create_dir(&folder).unwrap();
        let wheel = folder.join("x-1.0-py3-none-any.whl");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&wheel).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("x/__init__.py", options).unwrap();
        zip.start_file("x-1.0.dist-info/METADATA", options).unwrap();
        std::io::Write::write_all(
            &mut zip,
            b"Metadata-Version: 2.1\nName: x\nVersion: 1.0\nRequires-Dist: a>=1\n",
        )
        .unwrap();
        zip.finish().unwrap();
        let url = url::Url::from_file_path(&wheel).unwrap().to_string();
        assert!(url.contains("with%20space"), "{url}");
        let text = fetch(&agent(), &url, false).unwrap();
        let m = CoreMetadata::parse(&text, false).unwrap().unwrap();
        assert_eq!(m.requires_dist, ["a>=1"]);
    }

    #[test]
    fn finds_the_metadata_member() {
        assert!(is_metadata_member("x-1.0.dist-info/METADATA", false));
        assert!(!is_metadata_member("x/y-1.0.dist-info/METADATA", false));
        assert!(is_metadata_member("x-1.0/PKG-INFO", true));
        assert!(!is_metadata_member("x-1.0/sub/PKG-INFO", true));
    }
}
