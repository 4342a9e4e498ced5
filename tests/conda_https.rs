//! A conda channel over https signed by a private CA: nginx on 127.0.0.1 with a certificate
//! made here, trusted through `SSL_CERT_FILE` and refused, with one clear error, without it.
//!
//! Only the channel is local: like tests/conda.rs, the build resolves wt's runtime and the
//! task library's PyPI dependencies with uv, which reaches its index as usual.

use crate::support::{conda_channel, nginx, output, tls, tools};

use conda_channel::{Pkg, publish};
use output::ok;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tls::TestCa;

const GREET: &str = "def greeting(name):\n    return f\"Hello, {name}!\"\n";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A private CA, an https server it signed serving a channel with `greet`, and a workspace
/// whose workflow requires `greet` from that channel.
struct Fixture {
    ca: TestCa,
    server: nginx::Nginx,
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let ca = TestCa::new("wt test private CA");
        let server = nginx::Nginx::start_tls(nginx::Tls {
            certificate: &ca.server_certificate,
            key: &ca.server_key,
            ..Default::default()
        });
        publish(
            &server.data().join("channel"),
            &[Pkg::new("greet", "1.0", &["python >=3.8"], GREET)],
        );
        let dir = tempfile::tempdir().unwrap();
        let f = Fixture { ca, server, dir };
        f.write_workspace();
        f
    }

    fn channel(&self) -> String {
        format!("{}/channel", self.server.url())
    }

    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    fn write_workspace(&self) {
        let ws = self.ws();
        let lib = ws.join("libs/greet-tasks");
        write(&ws.join("wt.toml"), "[conda]\nplatforms = [\"linux-64\"]\n");
        write(
            &lib.join("pyproject.toml"),
            "[project]\nname = \"greet-tasks\"\nversion = \"0.1.0\"\nrequires-python = \">=3.10\"\ndependencies = [\"wt-registry\"]\n\n[project.entry-points.\"wt_registry\"]\ntasks = \"greet_tasks\"\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
        );
        write(
            &lib.join("greet_tasks/__init__.py"),
            "from wt_registry import register\n\n\n@register()\ndef hello(name: str) -> str:\n    import greet\n\n    return greet.greeting(name)\n",
        );
        write(
            &ws.join("workflows/hello/spec.yaml"),
            &format!(
                "id: hello\nrequirements:\n  - {{name: greet, version: \">=1\", channel: \"{}\"}}\n  - name: greet-tasks\n    path: ../../libs/greet-tasks\nworkflow:\n  - id: hi\n    task: hello\n",
                self.channel()
            ),
        );
    }

    /// A file in the fixture's temporary folder.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        write(&path, text);
        path
    }

    /// Runs wt with `SSL_CERT_FILE` set to `cert_file` (or unset) and `SSL_CERT_DIR` unset.
    fn wt(&self, cert_file: Option<&Path>, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wt"));
        cmd.args(args)
            .current_dir(self.ws())
            .env("PATH", tools::path_with_tools(&root()))
            .env("WT_CACHE_DIR", self.dir.path().join("cache"))
            .env("UV_CACHE_DIR", root().join("target/uv-cache"))
            .env_remove("WT_REMOTE_CACHE")
            .env_remove("WT_OFFLINE")
            .env_remove("SSL_CERT_DIR");
        match cert_file {
            Some(path) => cmd.env("SSL_CERT_FILE", path),
            None => cmd.env_remove("SSL_CERT_FILE"),
        };
        cmd.output().unwrap()
    }

    /// stderr with the server's address and the temporary folder replaced, and the subdir
    /// (`linux-64` and `noarch` are fetched at once; either can fail first) too.
    fn stderr(&self, out: &Output) -> String {
        String::from_utf8_lossy(&out.stderr)
            .replace(&self.server.url(), "https://127.0.0.1:[PORT]")
            .replace(&self.dir.path().display().to_string(), "[TMP]")
            .replace("/channel/linux-64/", "/channel/[SUBDIR]/")
            .replace("/channel/noarch/", "/channel/[SUBDIR]/")
    }

    fn lock(&self) -> String {
        std::fs::read_to_string(
            self.ws()
                .join("workflows/hello/wt-hello-workflow/pixi.lock"),
        )
        .unwrap()
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// With the private CA appended to the bundle `SSL_CERT_FILE` names, the https channel is
/// solved, locked under its https URLs, installed and run; installing again without the CA is
/// refused with the same advice as the solve.
#[test]
fn a_private_ca_in_ssl_cert_file_is_trusted() {
    let f = Fixture::new();
    let bundle = f.file(
        "bundle.pem",
        &format!("{}\n{}", tls::system_bundle(), f.ca.ca),
    );
    ok(&f.wt(Some(&bundle), &["build", "//workflows/hello"]));
    let lock = f.lock();
    let channel = f.channel();
    assert!(lock.contains(&format!("- url: {channel}/")), "{lock}");
    assert!(
        lock.contains(&format!("- conda: {channel}/noarch/greet-1.0-py_0.conda")),
        "{lock}"
    );
    let out = ok(&f.wt(
        Some(&bundle),
        &[
            "run",
            "workflows/hello/spec.yaml",
            "--config-json",
            r#"{"hi": {"name": "https"}}"#,
        ],
    ));
    assert!(out.contains("Hello, https!"), "{out}");

    // Installing from the lock fetches from the channel too: with the system's bundle but not
    // the CA, that is the one error, and it says what to do.
    let cache = f.dir.path().join("cache");
    std::fs::remove_dir_all(cache.join("envs")).unwrap();
    std::fs::remove_dir_all(cache.join("conda/pkgs")).unwrap();
    let without_ca = f.file("system.pem", &tls::system_bundle());
    let out = f.wt(
        Some(&without_ca),
        &[
            "--quiet",
            "run",
            "workflows/hello/spec.yaml",
            "--config-json",
            r#"{"hi": {"name": "https"}}"#,
        ],
    );
    assert!(!out.status.success());
    let err = f.stderr(&out);
    assert!(
        err.contains("could not fetch conda package `greet`"),
        "{err}"
    );
    assert!(err.contains("set SSL_CERT_FILE to a PEM bundle"), "{err}");
}

/// Without the CA (the system's roots alone, or a bundle of another CA), the solve stops at
/// the channel with one error on the requirement that says what to do.
#[test]
fn an_untrusted_certificate_is_one_clear_error() {
    let f = Fixture::new();
    let out = f.wt(None, &["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    let unset = f.stderr(&out);
    insta::assert_snapshot!(unset);
    assert_eq!(unset.matches("error:").count(), 1, "{unset}");

    let other = f.file("other-ca.pem", &TestCa::new("some other CA").ca);
    let out = f.wt(Some(&other), &["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    assert_eq!(f.stderr(&out), unset);
    assert!(!f.ws().join("workflows/hello/wt-hello-workflow").exists());
}

/// An `SSL_CERT_FILE` that names no readable PEM bundle is an error that names the file,
/// before any request is made.
#[test]
fn an_unusable_ssl_cert_file_is_reported() {
    let f = Fixture::new();
    let missing = f.dir.path().join("no-such-ca.pem");
    let out = f.wt(Some(&missing), &["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    insta::assert_snapshot!("missing_ssl_cert_file", f.stderr(&out));

    let not_pem = f.file("ca.der", "this is not a PEM file\n");
    let out = f.wt(Some(&not_pem), &["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    let err = f.stderr(&out);
    assert!(
        err.contains("SSL_CERT_FILE names [TMP]/ca.der, which holds no PEM certificate"),
        "{err}"
    );

    // PEM, but not a certificate inside: found when the client is set up.
    let not_x509 = f.file(
        "garbage.pem",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );
    let out = f.wt(Some(&not_x509), &["--quiet", "build", "//workflows/hello"]);
    assert!(!out.status.success());
    let err = f.stderr(&out);
    assert!(
        err.contains("could not set up the HTTPS client for conda channels")
            && err.contains("check the certificates of SSL_CERT_FILE=[TMP]/garbage.pem"),
        "{err}"
    );
}
