//! The local cache on a real filesystem: round trips, corruption found and healed, concurrent
//! writers (threads and processes, one of them killed mid-write), LRU gc, stats, clean and
//! sizes. Files on disk are damaged by hand, the way a crash or a bad disk would.

use crate::support::cache_data;

use cache_data::{content, key, store};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};
use wt::cache::{BlobRef, Cache, CacheError, HitSource, Lookup, Manifest, Stats, parse_size};

fn blob_path(root: &Path, digest: &str) -> PathBuf {
    root.join("v1/cas").join(&digest[..2]).join(digest)
}

fn entry_path(root: &Path, key: &str) -> PathBuf {
    root.join("v1/ac").join(&key[..2]).join(key)
}

fn set_mtime(path: &Path, ago: Duration) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now() - ago)
        .unwrap();
}

fn hit(lookup: Lookup) -> (Manifest, HitSource) {
    match lookup {
        Lookup::Hit { manifest, source } => (manifest, source),
        other => panic!("expected a hit, got {other:?}"),
    }
}

/// The bytes of every output of a hit.
fn outputs(cache: &Cache, manifest: &Manifest) -> BTreeMap<String, Vec<u8>> {
    manifest
        .outputs
        .iter()
        .map(|(name, blob)| (name.clone(), cache.read_blob(blob).unwrap()))
        .collect()
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    assert_eq!(cache.root(), dir.path());
    let k = key("solve");
    assert_eq!(cache.get_action(&k).unwrap(), Lookup::Miss);

    let lock = b"version: 6\n".as_slice();
    let readme = content("readme", 10_000);
    let manifest = store(&cache, &k, &[("pixi.lock", lock), ("README.md", &readme)]);
    let (got, source) = hit(cache.get_action(&k).unwrap());
    assert_eq!(source, HitSource::Local);
    assert_eq!(got, manifest);
    let files = outputs(&cache, &got);
    assert_eq!(files["pixi.lock"], lock);
    assert_eq!(files["README.md"], readme);

    // Blobs are named by sha256 and stored once.
    assert_eq!(
        manifest.outputs["pixi.lock"],
        BlobRef {
            digest: wt::cache::sha256_hex(lock),
            size: lock.len() as u64
        }
    );
    assert_eq!(cache.put_blob(lock).unwrap(), manifest.outputs["pixi.lock"]);

    // The entry is canonical JSON and says nothing about where the cache is.
    let entry = fs::read_to_string(entry_path(dir.path(), &k)).unwrap();
    assert!(
        entry.starts_with(r#"{"outputs":{"README.md":{"digest":""#),
        "{entry}"
    );
    assert!(!entry.contains(&*dir.path().to_string_lossy()));
    assert!(!entry.contains(' ') && !entry.contains('\n'));
}

#[test]
fn keys_and_digests_must_be_64_lowercase_hex() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    for bad in [
        "",
        "abc",
        &key("x").to_uppercase(),
        "../../../../etc/passwd",
    ] {
        let err = cache.get_action(bad).unwrap_err();
        assert!(matches!(err, CacheError::InvalidDigest { .. }), "{err}");
        assert!(err.to_string().contains("64 lowercase hex"), "{err}");
    }
    let evil = Manifest {
        outputs: [(
            "x".to_string(),
            BlobRef {
                digest: "../ac/00".to_string(),
                size: 1,
            },
        )]
        .into(),
    };
    assert!(cache.put_action(&key("k"), &evil).is_err());
    assert!(cache.read_blob(&evil.outputs["x"]).is_err());
}

#[test]
fn corrupt_blob_is_detected_removed_reported_and_healed() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    let k = key("codegen");
    let data = content("dag.py", 4096);
    let manifest = store(&cache, &k, &[("dag.py", &data)]);
    let blob = &manifest.outputs["dag.py"];
    let path = blob_path(dir.path(), &blob.digest);

    // A flipped byte, same length: read_blob finds it, deletes it and says so.
    let mut bad = data.clone();
    bad[100] ^= 0xff;
    fs::write(&path, &bad).unwrap();
    let err = cache.read_blob(blob).unwrap_err();
    assert!(matches!(err, CacheError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&blob.digest), "{err}");
    assert!(!path.exists());
    assert!(matches!(
        cache.read_blob(blob).unwrap_err(),
        CacheError::MissingBlob { .. }
    ));

    // A later put heals it.
    assert_eq!(&cache.put_blob(&data).unwrap(), blob);
    assert_eq!(cache.read_blob(blob).unwrap(), data);
    hit(cache.get_action(&k).unwrap());

    // Through a lookup: the entry is Corrupt (with the reason), removed, then a miss.
    fs::write(&path, &bad).unwrap();
    match cache.get_action(&k).unwrap() {
        Lookup::Corrupt { reason } => {
            assert!(
                reason.contains(&blob.digest) && reason.contains("corrupt"),
                "{reason}"
            )
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(!path.exists());
    assert!(!entry_path(dir.path(), &k).exists());
    assert_eq!(cache.get_action(&k).unwrap(), Lookup::Miss);

    // The rebuild stores it again.
    store(&cache, &k, &[("dag.py", &data)]);
    let (got, _) = hit(cache.get_action(&k).unwrap());
    assert_eq!(outputs(&cache, &got)["dag.py"], data);
}

#[test]
fn truncated_or_garbled_entry_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    let k = key("discover");
    store(&cache, &k, &[("registry.json", b"{}")]);
    let path = entry_path(dir.path(), &k);
    let whole = fs::read(&path).unwrap();

    let garbles: [&[u8]; 4] = [
        &whole[..whole.len() / 2],
        b"",
        b"\x00\xff garbage",
        br#"{"outputs":{"x":{"digest":"nothex","size":2}}}"#,
    ];
    for garbled in garbles {
        fs::write(&path, garbled).unwrap();
        match cache.get_action(&k).unwrap() {
            Lookup::Corrupt { reason } => assert!(reason.contains(&k), "{reason}"),
            other => panic!("expected Corrupt, got {other:?}"),
        }
        assert!(!path.exists(), "a corrupt entry is removed");
        assert_eq!(cache.get_action(&k).unwrap(), Lookup::Miss);
    }
}

#[test]
fn entry_whose_blob_is_missing_is_not_a_hit() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    let k = key("package");
    let manifest = store(&cache, &k, &[("a", b"aaa"), ("b", b"bbb")]);
    fs::remove_file(blob_path(dir.path(), &manifest.outputs["b"].digest)).unwrap();
    assert_eq!(cache.get_action(&k).unwrap(), Lookup::Miss);
    assert!(!entry_path(dir.path(), &k).exists());

    // Recording an action whose blobs were never stored is a caller bug, said plainly.
    let err = cache.put_action(&k, &manifest).unwrap_err();
    assert!(matches!(err, CacheError::MissingBlob { .. }), "{err}");
    assert!(err.to_string().contains("put_blob"), "{err}");
}

/// What the concurrent writers store: shared keys every writer writes with the same content,
/// and keys of its own.
fn writer_outputs(name: &str) -> Vec<(String, Vec<u8>)> {
    vec![
        ("out.txt".to_string(), content(name, 20_000)),
        ("shared.bin".to_string(), content("shared", 50_000)),
    ]
}

fn write_rounds(cache: &Cache, writer: &str, rounds: usize) {
    for round in 0..rounds {
        let names = [
            format!("shared-{}", round % 4),
            format!("{writer}-{}", round % 5),
        ];
        for name in names {
            let outs = writer_outputs(&name);
            let refs: Vec<(&str, &[u8])> = outs
                .iter()
                .map(|(n, d)| (n.as_str(), d.as_slice()))
                .collect();
            store(cache, &key(&name), &refs);
            // Whatever a concurrent reader sees is whole.
            if let Lookup::Hit { manifest, .. } = cache.get_action(&key(&name)).unwrap() {
                let got = outputs(cache, &manifest);
                assert_eq!(got["out.txt"], outs[0].1);
            }
        }
    }
}

fn assert_consistent(root: &Path, writers: &[String]) {
    let cache = Cache::open(root, None).unwrap();
    let report = cache.verify().unwrap();
    assert!(report.is_clean(), "{report:?}");
    let mut names: Vec<String> = (0..4).map(|i| format!("shared-{i}")).collect();
    for w in writers {
        names.extend((0..5).map(|i| format!("{w}-{i}")));
    }
    for name in &names {
        let (manifest, _) = hit(cache.get_action(&key(name)).unwrap());
        let expected: BTreeMap<String, Vec<u8>> = writer_outputs(name).into_iter().collect();
        assert_eq!(outputs(&cache, &manifest), expected, "{name}");
    }
    let stats = cache.stats().unwrap();
    assert_eq!(stats.entries, names.len());
    // One out.txt per name plus the one shared blob.
    assert_eq!(stats.blobs, names.len() + 1);
}

#[test]
fn concurrent_threads_leave_a_consistent_cache() {
    let dir = tempfile::tempdir().unwrap();
    let writers: Vec<String> = (0..8).map(|i| format!("thread{i}")).collect();
    // Half the threads share one Cache (it is Sync), half open their own, like processes.
    let shared = Cache::open(dir.path(), None).unwrap();
    std::thread::scope(|s| {
        for (i, w) in writers.iter().enumerate() {
            let shared = &shared;
            let root = dir.path();
            s.spawn(move || {
                if i % 2 == 0 {
                    write_rounds(shared, w, 20);
                } else {
                    write_rounds(&Cache::open(root, None).unwrap(), w, 20);
                }
            });
        }
    });
    assert_consistent(dir.path(), &writers);
}

/// The child side of the process tests; a no-op unless the parent test started this binary.
#[test]
fn child_writer() {
    let Ok(root) = std::env::var("WT_CACHE_TEST_ROOT") else {
        return;
    };
    let id = std::env::var("WT_CACHE_TEST_ID").unwrap();
    if std::env::var("WT_CACHE_TEST_FOREVER").is_ok() {
        // Writes until killed.
        let cache = Cache::open(Path::new(&root), None).unwrap();
        for i in 0.. {
            let name = format!("{id}-forever-{i}");
            let big = content(&name, 2_000_000);
            store(
                &cache,
                &key(&name),
                &[("big", &big), ("small", name.as_bytes())],
            );
        }
    }
    write_rounds(&Cache::open(Path::new(&root), None).unwrap(), &id, 15);
}

fn spawn_child(root: &Path, id: &str, forever: bool) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "cache::child_writer",
        "--test-threads",
        "1",
        "--nocapture",
    ])
    .env("WT_CACHE_TEST_ROOT", root)
    .env("WT_CACHE_TEST_ID", id)
    .stdout(Stdio::null());
    if forever {
        cmd.env("WT_CACHE_TEST_FOREVER", "1");
    }
    cmd.spawn().unwrap()
}

fn wait_with_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("child writer did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn concurrent_processes_leave_a_consistent_cache() {
    let dir = tempfile::tempdir().unwrap();
    let writers: Vec<String> = vec!["proc0".into(), "proc1".into(), "parent".into()];
    let mut children: Vec<Child> = writers[..2]
        .iter()
        .map(|w| spawn_child(dir.path(), w, false))
        .collect();
    write_rounds(&Cache::open(dir.path(), None).unwrap(), "parent", 15);
    for child in &mut children {
        assert!(wait_with_timeout(child, Duration::from_secs(60)).success());
    }
    assert_consistent(dir.path(), &writers);
}

#[test]
fn a_killed_writer_leaves_no_partial_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_child(dir.path(), "killed", true);
    let cache = Cache::open(dir.path(), None).unwrap();
    let start = Instant::now();
    while cache.stats().unwrap().entries < 3 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the writer wrote nothing"
        );
        assert!(child.try_wait().unwrap().is_none(), "the writer died");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Mid-write, most likely: each round writes 2 MB.
    child.kill().unwrap();
    child.wait().unwrap();

    let report = cache.verify().unwrap();
    assert!(report.is_clean(), "{report:?}");
    let stats = cache.stats().unwrap();
    for i in 0..stats.entries {
        let name = format!("killed-forever-{i}");
        let (manifest, _) = hit(cache.get_action(&key(&name)).unwrap());
        assert_eq!(outputs(&cache, &manifest)["small"], name.as_bytes());
    }

    // Leftover temp files of the killed process are collected once old.
    let tmp = dir.path().join("v1/tmp");
    fs::write(tmp.join(".wt-leftover"), b"partial").unwrap();
    for f in fs::read_dir(&tmp).unwrap() {
        set_mtime(&f.unwrap().path(), Duration::from_secs(2 * 3600));
    }
    let gc = cache.gc(u64::MAX).unwrap();
    assert!(gc.temp_files_removed >= 1, "{gc:?}");
    assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0);
}

#[test]
fn gc_evicts_least_recently_used_first_and_keeps_referenced_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    let shared = content("shared", 500);
    let keys: Vec<String> = (0..4).map(|i| key(&format!("step{i}"))).collect();
    let mut manifests = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let own = content(&format!("own{i}"), 1000);
        manifests.push(store(&cache, k, &[("own", &own), ("shared", &shared)]));
        // step0 oldest ... step3 newest.
        set_mtime(
            &entry_path(dir.path(), k),
            Duration::from_secs(3600 * (10 - i as u64)),
        );
    }
    // Blobs old enough to be past gc's grace period.
    let age_blobs = || {
        for m in &manifests {
            for b in m.outputs.values() {
                set_mtime(&blob_path(dir.path(), &b.digest), Duration::from_secs(3600));
            }
        }
    };
    age_blobs();
    // Using step0 makes it the most recent: the LRU order is now 1, 2, 3, 0.
    hit(cache.get_action(&keys[0]).unwrap());

    let before = cache.stats().unwrap();
    assert_eq!((before.entries, before.blobs), (4, 5));
    let report = cache.gc(before.total_bytes - 1).unwrap();
    assert_eq!(report.entries_removed, 1);
    assert_eq!(report.blobs_removed, 1, "only step1's own blob");
    assert!(report.after.total_bytes < before.total_bytes);
    assert_eq!(cache.get_action(&keys[1]).unwrap(), Lookup::Miss);
    assert!(!blob_path(dir.path(), &manifests[1].outputs["own"].digest).exists());
    assert!(blob_path(dir.path(), &manifests[1].outputs["shared"].digest).exists());
    for i in [0, 2, 3] {
        hit(cache.get_action(&keys[i]).unwrap());
    }

    // Room for about one entry: 2 and 3 go (used longer ago than 0), 0 stays whole.
    for (i, k) in keys.iter().enumerate() {
        let ago = [1, 100, 90, 80][i];
        if i != 1 {
            set_mtime(&entry_path(dir.path(), k), Duration::from_secs(ago));
        }
    }
    let report = cache.gc(1800).unwrap();
    assert_eq!(report.entries_removed, 2);
    assert_eq!(report.blobs_removed, 2);
    assert!(report.after.total_bytes <= 1800, "{report:?}");
    assert_eq!(cache.get_action(&keys[2]).unwrap(), Lookup::Miss);
    assert_eq!(cache.get_action(&keys[3]).unwrap(), Lookup::Miss);
    let (m0, _) = hit(cache.get_action(&keys[0]).unwrap());
    assert_eq!(outputs(&cache, &m0)["shared"], shared);

    // Blobs no entry references go even under the cap, unless just stored (a build in
    // progress may be about to reference them).
    let orphan = cache.put_blob(b"orphan").unwrap();
    let report = cache.gc(u64::MAX).unwrap();
    assert_eq!((report.blobs_removed, report.blobs_kept_recent), (0, 1));
    set_mtime(
        &blob_path(dir.path(), &orphan.digest),
        Duration::from_secs(3600),
    );
    let report = cache.gc(u64::MAX).unwrap();
    assert_eq!((report.entries_removed, report.blobs_removed), (0, 1));
    assert_eq!(report.after.entries, 1);
    hit(cache.get_action(&keys[0]).unwrap());

    // Size 0 empties it.
    let report = cache.gc_with_grace(0, Duration::ZERO).unwrap();
    assert_eq!(report.after, Stats::default());
}

#[test]
fn stats_count_entries_blobs_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    assert_eq!(cache.stats().unwrap(), Stats::default());
    store(&cache, &key("a"), &[("x", &[1u8; 100]), ("y", &[2u8; 200])]);
    store(&cache, &key("b"), &[("x", &[1u8; 100]), ("z", &[3u8; 300])]);
    // A temp file is not counted.
    fs::write(dir.path().join("v1/tmp/.wt-partial"), [0u8; 999]).unwrap();
    let stats = cache.stats().unwrap();
    let entry_bytes = fs::metadata(entry_path(dir.path(), &key("a")))
        .unwrap()
        .len()
        + fs::metadata(entry_path(dir.path(), &key("b")))
            .unwrap()
            .len();
    assert_eq!(stats.entries, 2);
    assert_eq!(stats.blobs, 3);
    assert_eq!(stats.blob_bytes, 600);
    assert_eq!(stats.total_bytes, 600 + entry_bytes);
}

#[test]
fn verify_removes_bad_blobs_and_the_entries_that_name_them() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    let good = store(&cache, &key("good"), &[("a", b"fine")]);
    let bad = store(&cache, &key("bad"), &[("a", b"fine"), ("b", b"will rot")]);
    let rotten = &bad.outputs["b"].digest;
    fs::write(blob_path(dir.path(), rotten), b"has rot!").unwrap();
    let garbled = entry_path(dir.path(), &key("garbled"));
    fs::create_dir_all(garbled.parent().unwrap()).unwrap();
    fs::write(&garbled, b"{").unwrap();

    let report = cache.verify().unwrap();
    assert_eq!(report.blobs_checked, 2);
    assert_eq!(report.entries_checked, 3);
    assert_eq!(report.corrupt_blobs, vec![rotten.clone()]);
    let mut bad_keys: Vec<&str> = report.bad_entries.iter().map(|b| b.key.as_str()).collect();
    bad_keys.sort();
    let mut expected = vec![key("bad"), key("garbled")];
    expected.sort();
    assert_eq!(bad_keys, expected);
    assert!(!report.is_clean());

    assert!(cache.verify().unwrap().is_clean());
    let (m, _) = hit(cache.get_action(&key("good")).unwrap());
    assert_eq!(m, good);
    assert_eq!(cache.get_action(&key("bad")).unwrap(), Lookup::Miss);
}

#[test]
fn clean_removes_what_wt_stores_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path(), None).unwrap();
    store(&cache, &key("a"), &[("x", b"data")]);
    // Things that share the cache root but are not the store's.
    fs::create_dir_all(dir.path().join("envs/abc")).unwrap();
    fs::write(dir.path().join("envs/abc/python"), b"#!").unwrap();
    fs::write(dir.path().join(".gitkeep"), b"").unwrap();

    cache.clean().unwrap();
    assert_eq!(cache.stats().unwrap(), Stats::default());
    assert_eq!(cache.get_action(&key("a")).unwrap(), Lookup::Miss);
    assert!(dir.path().join("envs/abc/python").exists());
    assert!(dir.path().join(".gitkeep").exists());

    // Still usable.
    store(&cache, &key("a"), &[("x", b"data")]);
    hit(cache.get_action(&key("a")).unwrap());
}

#[test]
fn an_unwritable_root_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    fs::write(&file, b"").unwrap();
    let err = Cache::open(&file, None).unwrap_err();
    assert!(matches!(err, CacheError::NotWritable { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("not writable") && msg.contains("WT_CACHE_DIR"),
        "{msg}"
    );
}

#[test]
fn parse_size_reads_human_sizes() {
    let cases = [
        ("123", 123),
        ("0", 0),
        ("500M", 500 << 20),
        ("2G", 2 << 30),
        ("10KiB", 10 << 10),
        ("10k", 10 << 10),
        ("1T", 1 << 40),
        ("1.5G", 3 << 29),
        ("2 MiB", 2 << 20),
        ("10KB", 10_000),
        ("3mb", 3_000_000),
        ("42B", 42),
    ];
    for (text, bytes) in cases {
        assert_eq!(parse_size(text), Ok(bytes), "{text}");
    }
    for bad in [
        "",
        "G",
        "-5M",
        "5X",
        "1.2.3G",
        "5 M B",
        "1e9",
        "99999999999999999999",
    ] {
        let err = parse_size(bad).unwrap_err();
        assert!(err.contains(bad), "{err}");
    }
    assert!(parse_size("5X").unwrap_err().contains("e.g. 500M"));
}

/// An environment as `wt` publishes one: `envs/<key>` links to the build folder, whose
/// `.complete` marker's mtime is its last use.
fn published_env(root: &Path, key: &str, bytes: usize, used: Duration) -> PathBuf {
    let envs = root.join("envs");
    let build = envs.join(format!("{key}.100.1"));
    fs::create_dir_all(build.join("lib")).unwrap();
    fs::write(build.join("lib/module.py"), vec![b'#'; bytes]).unwrap();
    fs::write(build.join(".complete"), b"").unwrap();
    set_mtime(&build.join(".complete"), used);
    std::os::unix::fs::symlink(format!("{key}.100.1"), envs.join(key)).unwrap();
    fs::write(envs.join(format!("{key}.lock")), b"").unwrap();
    envs.join(key)
}

/// An extracted conda package as rattler's package cache lays it out, with its metadata file.
fn extracted_package(root: &Path, name: &str, bytes: usize, used: Duration) -> PathBuf {
    let pkgs = root.join("conda/pkgs");
    fs::create_dir_all(pkgs.join(name).join("info")).unwrap();
    fs::write(pkgs.join(name).join("info/index.json"), vec![b' '; bytes]).unwrap();
    fs::write(pkgs.join(format!("{name}.lock")), [0u8; 8]).unwrap();
    set_mtime(&pkgs.join(format!("{name}.lock")), used);
    pkgs.join(name)
}

/// Environments and conda packages share the size budget and the LRU order with the steps'
/// entries: what was used least recently goes first, what a process holds or used within the
/// grace period stays, and leftovers of interrupted environment builds are swept.
#[test]
fn gc_bounds_environments_and_conda_packages_in_the_same_lru() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cache = Cache::open(root, None).unwrap();
    let hour = Duration::from_secs(3600);
    let step = key("step");
    let manifest = store(&cache, &step, &[("own", &content("own", 1000))]);
    set_mtime(&entry_path(root, &step), 5 * hour);
    set_mtime(&blob_path(root, &manifest.outputs["own"].digest), 5 * hour);
    let (a, b, c) = ("a".repeat(32), "b".repeat(32), "c".repeat(32));
    let env_a = published_env(root, &a, 2000, 4 * hour);
    let package = extracted_package(root, "greet-1.0-py_0", 500, 3 * hour);
    let env_b = published_env(root, &b, 2000, 2 * hour);
    let env_c = published_env(root, &c, 2000, Duration::from_secs(60));
    // A build killed before it published, and a half-made link.
    let killed = root.join(format!("envs/{}.200.2", "d".repeat(32)));
    fs::create_dir_all(killed.join("bin")).unwrap();
    std::os::unix::fs::symlink(
        "x",
        root.join(format!("envs/.{}.300.3.link", "d".repeat(32))),
    )
    .unwrap();

    assert_eq!(wt::env::gc::remove_leftovers(root).unwrap(), 2);
    assert!(!killed.exists());
    assert!(env_a.join(".complete").is_file() && env_c.join(".complete").is_file());

    let derived = || {
        let mut all = wt::env::gc::environments(root).unwrap();
        all.extend(wt::conda::gc::conda_caches(root).unwrap());
        all
    };
    // Environment a is in use by a running process.
    let user = wt::cache::FileLock::shared(&root.join(format!("envs/{a}.lock"))).unwrap();
    // Order: step (5h), a (4h, held), package (3h), b (2h), c (1 min, within grace).
    let report = cache
        .gc_with(2500, wt::cache::GC_GRACE, &derived())
        .unwrap();
    assert_eq!(report.entries_removed, 1, "{report:?}");
    assert_eq!(
        report.derived_removed,
        BTreeMap::from([
            (wt::cache::DerivedKind::Environment, 1),
            (wt::cache::DerivedKind::CondaPackage, 1)
        ]),
        "{report:?}"
    );
    assert_eq!(
        (report.derived_kept_in_use, report.derived_kept_recent),
        (1, 1)
    );
    assert!(env_a.join("lib/module.py").is_file(), "held: kept");
    assert!(!package.exists() && !root.join("conda/pkgs/greet-1.0-py_0.lock").exists());
    assert!(!env_b.exists() && !root.join(format!("envs/{b}.100.1")).exists());
    assert!(!root.join(format!("envs/{b}.lock")).exists());
    assert!(env_c.join("lib/module.py").is_file(), "recent: kept");
    assert_eq!(report.derived_bytes_after, 4000);
    assert_eq!(cache.get_action(&step).unwrap(), Lookup::Miss);

    // Released, it goes; the fresh one still stays inside the grace period.
    drop(user);
    let report = cache.gc_with(0, wt::cache::GC_GRACE, &derived()).unwrap();
    assert_eq!(report.derived_removed.values().sum::<usize>(), 1);
    assert!(!env_a.exists());
    assert!(env_c.exists());
    let report = cache.gc_with(0, Duration::ZERO, &derived()).unwrap();
    assert_eq!(report.derived_bytes_after, 0);
    assert!(!env_c.exists());
}
