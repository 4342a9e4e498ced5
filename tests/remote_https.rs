//! A remote cache over https with basic auth (nginx WebDAV with TLS on 127.0.0.1, a CA made
//! here): two checkouts share it through `wt build`, credentials never show in messages, and a
//! remote wt cannot use (wrong password, untrusted certificate) costs a warning, never a build.

use crate::support::{fs, nginx, output, tls, tools};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A checkout holding the `add_then_double` example and its task library, with its own cache.
struct Checkout {
    _dir: tempfile::TempDir,
    path: PathBuf,
    cache: PathBuf,
}

impl Checkout {
    fn new() -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        fs::copy_dir(
            &root().join("workflows/add_then_double"),
            &path.join("workflows/add_then_double"),
        );
        fs::copy_dir(
            &root().join("examples/wt-example-tasks"),
            &path.join("examples/wt-example-tasks"),
        );
        std::fs::write(path.join("wt.toml"), "[workspace]\n").unwrap();
        Checkout {
            cache: dir.path().join("cache"),
            _dir: dir,
            path,
        }
    }

    /// `wt build --explain //workflows/add_then_double` against `remote`, trusting `bundle`.
    fn build(&self, remote: &str, bundle: &Path) -> Output {
        self.build_with(remote, bundle, &[])
    }

    fn build_with(&self, remote: &str, bundle: &Path, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_wt"))
            .args(["build", "--explain", "//workflows/add_then_double"])
            .args(["--remote-cache", remote])
            .args(extra)
            .current_dir(&self.path)
            .env("PATH", tools::path_with_tools(&root()))
            .env("WT_CACHE_DIR", &self.cache)
            .env("UV_CACHE_DIR", root().join("target/uv-cache"))
            .env("SSL_CERT_FILE", bundle)
            .env_remove("SSL_CERT_DIR")
            .env_remove("WT_REMOTE_CACHE")
            .env_remove("WT_REMOTE_CACHE_HEADERS")
            .env_remove("WT_OFFLINE")
            .output()
            .unwrap()
    }
}

/// stdout and stderr of a run that must have succeeded.
fn output_of(out: &Output) -> (String, String) {
    let stdout = output::ok(out);
    (stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// nginx serving https with `access` (its credentials check) and a certificate of a CA made
/// here, and a folder holding `trusted.pem`: the system's bundle plus that CA.
fn serve(access: nginx::Tls) -> (nginx::Nginx, tempfile::TempDir, PathBuf) {
    let ca = tls::TestCa::new("wt test cache CA");
    let server = nginx::Nginx::start_tls(nginx::Tls {
        certificate: &ca.server_certificate,
        key: &ca.server_key,
        ..access
    });
    let files = tempfile::tempdir().unwrap();
    let trusted = files.path().join("trusted.pem");
    std::fs::write(&trusted, format!("{}\n{}", tls::system_bundle(), ca.ca)).unwrap();
    (server, files, trusted)
}

#[test]
fn an_https_remote_with_basic_auth_is_shared_and_its_secrets_never_shown() {
    let (server, files, trusted) = serve(nginx::Tls {
        basic_auth: Some(("ci", "p@ss-9f8e")),
        ..Default::default()
    });
    let system = files.path().join("system.pem");
    std::fs::write(&system, tls::system_bundle()).unwrap();
    let host = server.url().trim_start_matches("https://").to_string();
    let remote = format!("https://ci:p%40ss-9f8e@{host}/wt");

    // A laptop builds and uploads.
    let laptop = Checkout::new();
    let (explain, warnings) = output_of(&laptop.build(&remote, &trusted));
    assert!(explain.contains("ran"), "{explain}");
    assert!(!warnings.contains("remote cache"), "{warnings}");
    let uploaded = |store: &str| {
        std::fs::read_dir(server.data().join("wt").join(store))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    assert!(uploaded("ac") >= 4 && uploaded("cas") > 0);

    // A CI runner gets every step from it.
    let runner = Checkout::new();
    let (explain, _) = output_of(&runner.build(&remote, &trusted));
    assert!(!explain.contains("ran"), "{explain}");
    assert!(explain.contains("hit (remote)"), "{explain}");

    // A wrong password and an untrusted certificate: warnings naming the remote without its
    // password, and builds that succeed without it.
    let wrong = Checkout::new();
    let bad_password = format!("https://ci:hunter2@{host}/wt");
    let (_, warnings) = output_of(&wrong.build(&bad_password, &trusted));
    assert!(
        warnings.contains(&format!("remote cache https://{host}/wt refused wt"))
            && warnings.contains("401 Unauthorized")
            && warnings.contains("check the credentials"),
        "{warnings}"
    );
    assert_eq!(
        warnings.matches("refused").count(),
        1,
        "one warning: {warnings}"
    );
    assert!(!warnings.contains("hunter2"), "{warnings}");
    let untrusting = Checkout::new();
    let (_, warnings) = output_of(&untrusting.build(&remote, &system));
    assert!(warnings.contains("UnknownIssuer"), "{warnings}");
    assert!(
        !warnings.contains("p%40ss") && !warnings.contains("p@ss"),
        "{warnings}"
    );
}

/// A remote that wants an API key in a header: `--remote-cache-header` sends it, and its value
/// never shows in a message.
#[test]
fn remote_cache_headers_are_sent_and_never_shown() {
    let (server, _files, trusted) = serve(nginx::Tls {
        required_header: Some(("X-Api-Key", "tok-5e2d")),
        ..Default::default()
    });
    let remote = format!("{}/wt", server.url());

    let with_key = Checkout::new();
    let (_, warnings) = output_of(&with_key.build_with(
        &remote,
        &trusted,
        &["--remote-cache-header", "X-Api-Key=tok-5e2d"],
    ));
    assert!(!warnings.contains("remote cache"), "{warnings}");
    assert!(server.data().join("wt/ac").is_dir(), "nothing was uploaded");

    let without = Checkout::new();
    let (_, warnings) = output_of(&without.build_with(
        &remote,
        &trusted,
        &["--remote-cache-header", "X-Api-Key=wrong-7c1a"],
    ));
    assert!(
        warnings.contains("refused wt") && warnings.contains("401"),
        "{warnings}"
    );
    assert!(!warnings.contains("wrong-7c1a"), "{warnings}");
}
