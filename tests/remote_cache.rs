//! The remote cache against a real HTTP server: nginx with WebDAV PUT on 127.0.0.1 (started by
//! tests/support/nginx.rs; install it with scripts/install-nginx.sh). Objects are checked with
//! plain HTTP requests and on the server's disk.

use crate::support::{cache_data, nginx};

use cache_data::{content, key, store};
use nginx::Nginx;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};
use wt::cache::{Cache, CacheError, HitSource, Lookup, Manifest, RemoteConfig};

/// The cache lives under a prefix of the server, as on a shared server.
const PREFIX: &str = "wt-cache";

fn remote(server: &Nginx, read_only: bool) -> Option<RemoteConfig> {
    Some(RemoteConfig {
        url: format!("{}/{PREFIX}/", server.url()),
        read_only,
        headers: Vec::new(),
    })
}

/// A plain HTTP GET: status and body.
fn http_get(url: &str) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let response = agent.get(url).call().unwrap();
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .into_with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .unwrap();
    (status, body)
}

fn object_url(server: &Nginx, store: &str, name: &str) -> String {
    format!("{}/{PREFIX}/{store}/{name}", server.url())
}

fn object_path(server: &Nginx, store: &str, name: &str) -> std::path::PathBuf {
    server.data().join(PREFIX).join(store).join(name)
}

fn files_under(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().display().to_string())
        .collect()
}

fn outputs(cache: &Cache, manifest: &Manifest) -> BTreeMap<String, Vec<u8>> {
    manifest
        .outputs
        .iter()
        .map(|(name, blob)| (name.clone(), cache.read_blob(blob).unwrap()))
        .collect()
}

#[test]
fn a_fresh_cache_hits_what_another_uploaded() {
    let server = Nginx::start();
    let a_dir = tempfile::tempdir().unwrap();
    let a = Cache::open(a_dir.path(), remote(&server, false)).unwrap();
    let k = key("package");
    let big = content("workspace.tar", 3_000_000);
    let manifest = store(
        &a,
        &k,
        &[
            ("workspace.tar", &big),
            ("pixi.lock", b"version: 6\n"),
            ("copy-of-lock", b"version: 6\n"),
        ],
    );
    assert_eq!(a.warnings(), Vec::<String>::new());

    // The remote holds the entry (canonical JSON) and every blob, at the protocol's paths.
    let (status, body) = http_get(&object_url(&server, "ac", &k));
    assert_eq!(status, 200);
    assert_eq!(body, manifest.to_canonical_json());
    for (name, blob) in &manifest.outputs {
        let (status, body) = http_get(&object_url(&server, "cas", &blob.digest));
        assert_eq!(status, 200, "{name}");
        assert_eq!(wt::cache::sha256_hex(&body), blob.digest);
    }
    assert_eq!(
        files_under(&server.data().join(PREFIX).join("cas")).len(),
        2
    );

    // A fresh cache with the same remote: a remote hit with identical bytes, then local.
    let b_dir = tempfile::tempdir().unwrap();
    let b = Cache::open(b_dir.path(), remote(&server, false)).unwrap();
    match b.get_action(&k).unwrap() {
        Lookup::Hit {
            manifest: got,
            source,
        } => {
            assert_eq!(source, HitSource::Remote);
            assert_eq!(got, manifest);
            assert_eq!(outputs(&b, &got), outputs(&a, &manifest));
        }
        other => panic!("expected a remote hit, got {other:?}"),
    }
    match b.get_action(&k).unwrap() {
        Lookup::Hit { source, .. } => assert_eq!(source, HitSource::Local),
        other => panic!("expected a local hit, got {other:?}"),
    }
    assert!(b.verify().unwrap().is_clean());
    assert_eq!(b.warnings(), Vec::<String>::new());
    assert_eq!(b.get_action(&key("never built")).unwrap(), Lookup::Miss);
}

#[test]
fn a_read_only_cache_reads_but_never_uploads() {
    let server = Nginx::start();
    let ro_dir = tempfile::tempdir().unwrap();
    let ro = Cache::open(ro_dir.path(), remote(&server, true)).unwrap();
    let k = key("solve");
    store(&ro, &k, &[("pixi.lock", b"from a laptop")]);
    assert_eq!(http_get(&object_url(&server, "ac", &k)).0, 404);
    assert_eq!(files_under(&server.data()), Vec::<String>::new());

    // It still reads what a writer (CI) uploaded.
    let ci_dir = tempfile::tempdir().unwrap();
    let ci = Cache::open(ci_dir.path(), remote(&server, false)).unwrap();
    let k2 = key("discover");
    let manifest = store(&ci, &k2, &[("registry.json", b"{\"tasks\":[]}")]);
    match ro.get_action(&k2).unwrap() {
        Lookup::Hit {
            manifest: got,
            source,
        } => {
            assert_eq!((got, source), (manifest, HitSource::Remote))
        }
        other => panic!("expected a remote hit, got {other:?}"),
    }
    assert_eq!(ro.warnings(), Vec::<String>::new());
}

#[test]
fn a_remote_entry_is_only_trusted_with_all_its_blobs_intact() {
    let server = Nginx::start();
    let a_dir = tempfile::tempdir().unwrap();
    let a = Cache::open(a_dir.path(), remote(&server, false)).unwrap();
    let fresh = || {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), remote(&server, false)).unwrap();
        (dir, cache)
    };

    // The entry names a blob the remote does not have: a miss, nothing stored locally.
    let k = key("codegen");
    let manifest = store(
        &a,
        &k,
        &[("dag.py", b"def dag(): ..."), ("README.md", b"# hi")],
    );
    std::fs::remove_file(object_path(
        &server,
        "cas",
        &manifest.outputs["dag.py"].digest,
    ))
    .unwrap();
    let (_d, b) = fresh();
    assert_eq!(b.get_action(&k).unwrap(), Lookup::Miss);
    assert_eq!(b.stats().unwrap().entries, 0);

    // A blob whose bytes are not what its name says: a miss and a warning.
    let k2 = key("codegen2");
    let manifest = store(&a, &k2, &[("dag.py", b"def other(): ...")]);
    let blob = object_path(&server, "cas", &manifest.outputs["dag.py"].digest);
    std::fs::write(&blob, b"tampered").unwrap();
    let (_d, c) = fresh();
    assert_eq!(c.get_action(&k2).unwrap(), Lookup::Miss);
    assert_eq!(c.stats().unwrap().entries, 0);
    assert_eq!(c.warnings().len(), 1, "{:?}", c.warnings());
    assert!(c.warnings()[0].contains("not what its name says"));

    // A garbled entry: a miss and a warning.
    let k3 = key("codegen3");
    std::fs::write(object_path(&server, "ac", &k3), b"{\"outputs\":").unwrap();
    let (_d, d) = fresh();
    assert_eq!(d.get_action(&k3).unwrap(), Lookup::Miss);
    assert!(
        d.warnings()[0].contains("not a valid manifest"),
        "{:?}",
        d.warnings()
    );
}

#[test]
fn uploads_skip_blobs_the_remote_already_has() {
    let server = Nginx::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), remote(&server, false)).unwrap();
    let data = b"shared output".as_slice();
    let digest = wt::cache::sha256_hex(data);
    let existing = object_path(&server, "cas", &digest);
    std::fs::create_dir_all(existing.parent().unwrap()).unwrap();
    std::fs::write(&existing, data).unwrap();
    let old = SystemTime::now() - Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(&existing)
        .unwrap()
        .set_modified(old)
        .unwrap();

    let k = key("with shared blob");
    store(&cache, &k, &[("out", data), ("other", b"new output")]);
    let mtime = std::fs::metadata(&existing).unwrap().modified().unwrap();
    assert_eq!(
        mtime, old,
        "HEAD found the blob, so it was not uploaded again"
    );
    assert_eq!(http_get(&object_url(&server, "ac", &k)).0, 200);
    assert_eq!(
        files_under(&server.data().join(PREFIX).join("cas")).len(),
        2
    );
}

#[test]
fn a_remote_that_is_down_is_a_miss_and_a_warning() {
    let port = nginx::free_port();
    let dir = tempfile::tempdir().unwrap();
    let config = RemoteConfig {
        url: format!("http://127.0.0.1:{port}"),
        read_only: false,
        headers: Vec::new(),
    };
    let cache = Cache::open(dir.path(), Some(config)).unwrap();
    let start = Instant::now();
    assert_eq!(cache.get_action(&key("anything")).unwrap(), Lookup::Miss);
    // Storing works locally; the upload is skipped once the remote is known to be down.
    let k = key("built while offline");
    let manifest = store(&cache, &k, &[("out", b"bytes")]);
    match cache.get_action(&k).unwrap() {
        Lookup::Hit {
            manifest: got,
            source,
        } => {
            assert_eq!((got, source), (manifest, HitSource::Local))
        }
        other => panic!("expected a local hit, got {other:?}"),
    }
    assert_eq!(cache.get_action(&key("another")).unwrap(), Lookup::Miss);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    let warnings = cache.warnings();
    assert_eq!(
        warnings.len(),
        1,
        "one warning, then the remote is off: {warnings:?}"
    );
    assert!(warnings[0].contains("unreachable"), "{warnings:?}");
    assert!(warnings[0].contains(&port.to_string()), "{warnings:?}");
}

#[test]
fn remote_urls_wt_cannot_use_are_rejected_up_front() {
    let dir = tempfile::tempdir().unwrap();
    for (url, says) in [
        ("ftp://user:secret@cache.example/", "http:// or https://"),
        ("cache.example:8080", "http:// or https://"),
        ("http://", "empty host"),
        ("http://host/?q=1", "query"),
    ] {
        let config = RemoteConfig {
            url: url.to_string(),
            read_only: false,
            headers: Vec::new(),
        };
        let err = Cache::open(dir.path(), Some(config)).unwrap_err();
        assert!(matches!(err, CacheError::InvalidRemote { .. }), "{err}");
        assert!(err.to_string().contains(says), "{url}: {err}");
        assert!(!err.to_string().contains("secret"), "{url}: {err}");
    }
}
