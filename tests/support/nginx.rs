//! A real nginx WebDAV server for the remote-cache tests: generated config in a temp dir,
//! listening on a free 127.0.0.1 port, run in the foreground as a child process and killed on
//! drop. nginx must be installed (`scripts/install-nginx.sh`); a missing nginx fails the test
//! with that instruction rather than skipping it. [`Nginx::start_tls`] serves the same folder
//! over https instead, with a certificate the test made.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nginx {
    child: Child,
    port: u16,
    tls: bool,
    dir: tempfile::TempDir,
}

/// The server's side of https: its certificate (chain) and private key, PEM; when
/// `basic_auth` names a user and password, HTTP basic auth on every request; when
/// `required_header` names a header and value, a 401 for every request without them.
#[allow(dead_code)] // Not every test binary that serves files serves https.
#[derive(Default)]
pub struct Tls<'a> {
    pub certificate: &'a str,
    pub key: &'a str,
    pub basic_auth: Option<(&'a str, &'a str)>,
    pub required_header: Option<(&'a str, &'a str)>,
}

impl Nginx {
    /// Starts nginx and waits until it answers HTTP.
    pub fn start() -> Nginx {
        Nginx::launch(None)
    }

    /// Starts nginx with an https listener (and no plain one) and waits until it answers.
    #[allow(dead_code)] // Not every test binary that serves files serves https.
    pub fn start_tls(tls: Tls) -> Nginx {
        Nginx::launch(Some(tls))
    }

    fn launch(tls: Option<Tls>) -> Nginx {
        let binary = find_nginx().unwrap_or_else(|| {
            panic!(
                "nginx is not installed, and the remote-cache tests need a real WebDAV server: \
                 run scripts/install-nginx.sh (as root), then rerun the tests"
            )
        });
        let dir = tempfile::tempdir().expect("temp dir for nginx");
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        if let Some(tls) = &tls {
            std::fs::write(dir.path().join("server.pem"), tls.certificate).unwrap();
            std::fs::write(dir.path().join("server.key"), tls.key).unwrap();
            if let Some((user, password)) = tls.basic_auth {
                std::fs::write(
                    dir.path().join("htpasswd"),
                    format!("{user}:{{PLAIN}}{password}\n"),
                )
                .unwrap();
            }
        }
        let mut auth = String::new();
        if tls.as_ref().is_some_and(|t| t.basic_auth.is_some()) {
            auth.push_str(&format!(
                "auth_basic \"wt tests\";\n        auth_basic_user_file {}/htpasswd;\n",
                dir.path().display()
            ));
        }
        if let Some((name, value)) = tls.as_ref().and_then(|t| t.required_header) {
            let variable = name.to_ascii_lowercase().replace('-', "_");
            auth.push_str(&format!(
                "if ($http_{variable} != \"{value}\") {{ return 401; }}\n"
            ));
        }
        // A port picked by the OS can be taken by someone else before nginx binds it: retry.
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            std::fs::write(
                dir.path().join("nginx.conf"),
                config(dir.path(), port, tls.is_some(), &auth),
            )
            .unwrap();
            let mut child = Command::new(&binary)
                .arg("-p")
                .arg(dir.path())
                .arg("-c")
                .arg(dir.path().join("nginx.conf"))
                .arg("-e")
                .arg(dir.path().join("error.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("could not start {}: {e}", binary.display()));
            match wait_ready(&mut child, port, dir.path(), Duration::from_secs(10)) {
                Ok(()) => {
                    return Nginx {
                        child,
                        port,
                        tls: tls.is_some(),
                        dir,
                    };
                }
                Err(e) => {
                    last_error = e;
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        panic!("nginx did not start: {last_error}");
    }

    /// `http://127.0.0.1:<port>`, or `https://…` for [`Nginx::start_tls`].
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The folder nginx serves: `<url>/a/b` is `<data>/a/b`.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until nginx answers HTTP on `port`, or says why not. An https listener answers plain
/// HTTP too (with nginx's "400 The plain HTTP request was sent to HTTPS port").
fn wait_ready(child: &mut Child, port: u16, dir: &Path, limit: Duration) -> Result<(), String> {
    let log = || std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("nginx exited ({status}): {}", log()));
        }
        if http_answers(port) {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(format!("no answer within {limit:?}: {}", log()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The nginx config: one server on 127.0.0.1 only, WebDAV PUT/DELETE into `<dir>/data`, every
/// path nginx writes (pid, logs, temp files) inside `dir`, one process in the foreground. With
/// `tls`, the listener speaks https with `<dir>/server.pem` and `<dir>/server.key`; `auth`
/// holds the directives that check each request's credentials.
fn config(dir: &Path, port: u16, tls: bool, auth: &str) -> String {
    let d = dir.display();
    let listen = if tls {
        format!(
            "listen 127.0.0.1:{port} ssl;\n        ssl_certificate {d}/server.pem;\n        ssl_certificate_key {d}/server.key;"
        )
    } else {
        format!("listen 127.0.0.1:{port};")
    };
    // nginx switches its workers to `nobody` when started as root; they must be able to
    // write the data folder, and root can.
    let user = if running_as_root() {
        "user root;\n"
    } else {
        ""
    };
    format!(
        r#"{user}daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    default_type application/octet-stream;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        {listen}
        {auth}
        root {d}/data;
        client_max_body_size 0;
        location / {{
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }}
    }}
}}
"#
    )
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn find_nginx() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_answers(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream
        .write_all(b"HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    stream.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.")
}
