//! The PyPI half of the lock, with real uv and PyPI: one exact file per package and platform,
//! an earlier lock's versions kept as preferences, an environment resolved within its solve
//! group's versions, and each file's METADATA read for the lock.

use wt::env::core_metadata;
use wt::env::pypi_lock::{PypiPin, PypiRequest, resolve};
use wt::env::tools::Tools;

fn request(lines: &[String]) -> PypiRequest<'_> {
    PypiRequest {
        lines,
        local: &[],
        // The host's interpreter, as wt uses when a lock does not cover this machine.
        interpreter: std::path::Path::new("python3"),
        python_version: "3.11",
        refresh_local: false,
        constraints: &[],
    }
}

fn tools_and_cache() -> (Tools, std::path::PathBuf) {
    let tools = Tools::locate().expect("uv (run scripts/bootstrap.sh)");
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    (tools, root.join("target/pypi-lock-cache"))
}

fn parse(p: &str) -> rattler_conda_types::Subdir {
    wt::conda::platforms::parse(p).unwrap()
}

#[test]
fn each_platform_gets_its_own_wheel_with_a_hash() {
    let (tools, cache) = tools_and_cache();
    let lines = vec!["pydantic>=2,<3".to_string()];
    let core = |platform: &str| -> PypiPin {
        resolve(&tools, &cache, &request(&lines), parse(platform), &[])
            .unwrap()
            .into_iter()
            .find(|p| p.name == "pydantic-core")
            .expect("pydantic-core is pinned")
    };
    let (linux, mac, win) = (core("linux-64"), core("osx-arm64"), core("win-64"));
    assert!(
        linux.url.contains("manylinux") && linux.url.contains("x86_64"),
        "{}",
        linux.url
    );
    assert!(
        mac.url.contains("macosx") && mac.url.contains("arm64"),
        "{}",
        mac.url
    );
    assert!(win.url.contains("win_amd64"), "{}", win.url);
    for pin in [&linux, &mac, &win] {
        assert_eq!(pin.sha256.as_ref().map(String::len), Some(64), "{pin:?}");
    }
    assert_eq!(linux.version, mac.version);
}

#[test]
fn an_earlier_lock_keeps_its_versions_while_they_fit() {
    let (tools, cache) = tools_and_cache();
    let lines = vec!["click>=8,<9".to_string()];
    let linux = parse("linux-64");
    let click = |prefs: &[PypiPin]| -> String {
        resolve(&tools, &cache, &request(&lines), linux, prefs)
            .unwrap()
            .into_iter()
            .find(|p| p.name == "click")
            .unwrap()
            .version
    };
    let old = PypiPin {
        name: "click".into(),
        version: "8.1.3".into(),
        url: "https://files.pythonhosted.org/packages/x/click-8.1.3-py3-none-any.whl".into(),
        sha256: Some("0".repeat(64)),
    };
    assert_eq!(click(std::slice::from_ref(&old)), "8.1.3");
    assert_ne!(
        click(&[]),
        "8.1.3",
        "without preferences the newest click is chosen"
    );
    // A preference that no longer fits gives way.
    let lines = vec!["click>=8.1.7,<9".to_string()];
    let pins = resolve(&tools, &cache, &request(&lines), linux, &[old]).unwrap();
    assert_ne!(
        pins.iter().find(|p| p.name == "click").unwrap().version,
        "8.1.3"
    );
}

#[test]
fn an_environment_keeps_its_solve_groups_versions() {
    let (tools, cache) = tools_and_cache();
    let linux = parse("linux-64");
    // The group asks an old click through another package's range; the environment alone
    // would take the newest, but resolved within the group's pins it takes the group's.
    let group_lines = vec!["click>=8,<8.1.4".to_string()];
    let group = resolve(&tools, &cache, &request(&group_lines), linux, &[]).unwrap();
    let lines = vec!["click>=8,<9".to_string()];
    let alone = resolve(&tools, &cache, &request(&lines), linux, &[]).unwrap();
    let within = PypiRequest {
        constraints: &group,
        ..request(&lines)
    };
    let within = resolve(&tools, &cache, &within, linux, &[]).unwrap();
    let click = |pins: &[PypiPin]| pins.iter().find(|p| p.name == "click").unwrap().clone();
    assert_eq!(click(&within), click(&group));
    assert_ne!(click(&alone).version, click(&group).version);
}

#[test]
fn each_file_s_metadata_is_read_once_and_kept() {
    let (tools, cache) = tools_and_cache();
    let lines = vec!["pydantic==2.11.7".to_string()];
    let pins = resolve(&tools, &cache, &request(&lines), parse("linux-64"), &[]).unwrap();
    let store = tempfile::tempdir().unwrap();
    let read = |offline| core_metadata::for_pins(&pins, store.path(), offline);
    // Offline with nothing kept: a clear error, nothing guessed.
    let err = format!("{:#}", read(true).unwrap_err());
    assert!(err.contains("not in wt's cache and wt is offline"), "{err}");
    let online = read(false).unwrap();
    let pydantic = pins.iter().find(|p| p.name == "pydantic").unwrap();
    let meta = &online[pydantic.sha256.as_ref().unwrap()];
    let core = pins.iter().find(|p| p.name == "pydantic-core").unwrap();
    // The wheel's own METADATA: the exact pydantic-core it needs, and its extras' markers.
    assert!(
        meta.requires_dist
            .contains(&format!("pydantic-core=={}", core.version)),
        "{meta:?}"
    );
    assert!(
        meta.requires_dist
            .iter()
            .any(|r| r.starts_with("email-validator") && r.contains("extra == 'email'")),
        "{meta:?}"
    );
    assert_eq!(meta.requires_python.as_deref(), Some(">=3.9"));
    assert_eq!(
        online.len(),
        pins.len(),
        "every pinned file has its metadata"
    );
    // Kept: the same answer offline.
    assert_eq!(read(true).unwrap(), online);
}
