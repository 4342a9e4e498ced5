//! Warm workers: per served workflow, one process that has imported the workflow (its CLI, its
//! DAGs, and with them `wt_task`, pydantic and the task libraries); each run is a fork of it
//! instead of a new interpreter that imports everything again.
//!
//! The worker is the package's `warm` module (`runtime/wt_runtime/warm.py`, which documents
//! the protocol): `python -m <package>.warm SOCKET`, started with the server, in its own process
//! group, with the server's environment and settings. It says `ready` once imported; runs that
//! arrive before wait for it. A run sends its stdout and stderr pipes and its arguments,
//! working folder and environment changes over the socket; the worker answers the child's pid
//! (which leads its own process group, so timeouts and disconnects kill it as they kill a cold
//! run) and, when it ends, its wait status.
//!
//! A worker that dies is started again at the next run. One that cannot start (a task library
//! fails to import, importing starts threads) is not retried: its workflow's runs start cold,
//! and one log line says why. When the server exits, the worker's standard input closes and it
//! kills its runs and exits.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::unix::pipe;

use crate::server::workflows::ServedWorkflow;

/// How long a worker may take to import its workflow (heavy task libraries take seconds).
const READY_TIMEOUT: Duration = Duration::from_secs(300);
/// Bytes of a worker's stderr kept to say why it did not start.
const STDERR_KEPT: usize = 8192;

/// How a workflow's processes are started: its interpreter, or `pixi run` in its workspace.
#[derive(Debug, Clone)]
pub struct Launcher {
    pub pixi: Option<PathBuf>,
}

impl Launcher {
    /// A command running `python -m <package>.<module>` in the workflow's environment, from its
    /// workspace folder.
    pub fn python_module(&self, wf: &ServedWorkflow, module: &str) -> tokio::process::Command {
        let module = format!("{}.{module}", wf.package);
        let mut cmd = match &self.pixi {
            Some(pixi) if wf.workspace.join(".pixi").is_dir() => {
                let mut c = tokio::process::Command::new(pixi);
                c.arg("run")
                    .arg("--manifest-path")
                    .arg(wf.workspace.join("pixi.toml"))
                    .arg("python");
                c
            }
            _ => {
                let mut c = tokio::process::Command::new(&wf.python);
                c.env_remove(crate::env_vars::PYTHONPATH);
                c
            }
        };
        cmd.arg("-m").arg(module).current_dir(&wf.workspace);
        cmd
    }
}

/// What a run changes in its process: arguments of the CLI, and its environment.
#[derive(Debug, Clone, Default)]
pub struct RunLaunch {
    /// The CLI's arguments (`run --config-file … --execution-mode …`).
    pub args: Vec<OsString>,
    pub set: Vec<(String, String)>,
    pub unset: Vec<&'static str>,
}

/// A run started by a warm worker.
pub struct WarmRun {
    pub pid: u32,
    pub stdout: pipe::Receiver,
    pub stderr: pipe::Receiver,
    pub answers: BufReader<tokio::net::UnixStream>,
}

/// The end of a run started by a warm worker: the worker's answer on the run's connection.
/// Dropping it closes the connection, which makes the worker kill the run's process group.
pub struct WarmExit {
    pub pid: u32,
    pub answers: BufReader<tokio::net::UnixStream>,
}

impl WarmExit {
    /// The child's exit status; an error when the worker went away before it ended.
    pub async fn wait(&mut self) -> std::io::Result<ExitStatus> {
        use std::os::unix::process::ExitStatusExt;
        let mut line = String::new();
        self.answers.read_line(&mut line).await?;
        match line.trim().strip_prefix("status ").map(str::parse::<i32>) {
            Some(Ok(raw)) => Ok(ExitStatus::from_raw(raw)),
            _ => Err(std::io::Error::other(
                "the warm worker stopped before the run ended",
            )),
        }
    }
}

enum State {
    NotStarted,
    Ready(tokio::process::Child),
    /// Not started and not retried: why.
    Off(String),
}

/// One workflow's warm worker.
pub struct WarmWorker {
    workflow: Arc<ServedWorkflow>,
    socket: PathBuf,
    launcher: Launcher,
    settings: Vec<(String, String)>,
    state: tokio::sync::Mutex<State>,
}

impl WarmWorker {
    /// Makes sure the worker runs (starting it, or starting it again after it died); the reason
    /// when it cannot.
    async fn ensure_ready(&self) -> Result<(), String> {
        let mut state = self.state.lock().await;
        if let State::Ready(child) = &mut *state {
            match child.try_wait() {
                Ok(None) => return Ok(()),
                Ok(Some(status)) => tracing::warn!(
                    workflow = %self.workflow.release,
                    "the warm worker exited ({status}); starting it again"
                ),
                Err(e) => {
                    tracing::warn!(workflow = %self.workflow.release, "the warm worker cannot be waited for ({e}); starting it again")
                }
            }
            *state = State::NotStarted;
        }
        if let State::Off(why) = &*state {
            return Err(why.clone());
        }
        match self.start().await {
            Ok(child) => {
                *state = State::Ready(child);
                Ok(())
            }
            Err(why) => {
                tracing::warn!(
                    workflow = %self.workflow.release,
                    "runs start a new interpreter each (no warm worker): {why}"
                );
                *state = State::Off(why.clone());
                Err(why)
            }
        }
    }

    async fn start(&self) -> Result<tokio::process::Child, String> {
        let _ = std::fs::remove_file(&self.socket);
        let mut cmd = self.launcher.python_module(&self.workflow, "warm");
        cmd.arg(&self.socket)
            .env(crate::env_vars::PYTHONDONTWRITEBYTECODE, "1")
            .envs(self.settings.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        for name in PER_RUN {
            cmd.env_remove(name);
        }
        let started = std::time::Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", self.workflow.python.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut stderr = child.stderr.take().expect("piped stderr");
        let mut line = String::new();
        let ready = tokio::time::timeout(READY_TIMEOUT, stdout.read_line(&mut line)).await;
        if !matches!(&ready, Ok(Ok(_)) if line.trim() == "ready") {
            let _ = child.start_kill();
            let mut kept = Vec::new();
            let _ = tokio::time::timeout(
                Duration::from_secs(5),
                (&mut stderr).take(1 << 20).read_to_end(&mut kept),
            )
            .await;
            let tail = String::from_utf8_lossy(&kept[kept.len().saturating_sub(STDERR_KEPT)..])
                .trim()
                .to_string();
            let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
            return Err(match (ready, status) {
                (Err(_), _) => format!(
                    "importing the workflow took more than {} s",
                    READY_TIMEOUT.as_secs()
                ),
                (_, Ok(Ok(status))) => format!("the worker exited ({status}): {tail}"),
                _ => format!("the worker did not say it was ready: {tail}"),
            });
        }
        tracing::info!(
            workflow = %self.workflow.release,
            pid = child.id().unwrap_or(0),
            import_ms = started.elapsed().as_millis() as u64,
            "warm worker ready"
        );
        // Whatever the worker says later goes to the log.
        let release = self.workflow.release.clone();
        tokio::spawn(log_lines(stdout, release.clone()));
        tokio::spawn(log_lines(BufReader::new(stderr), release));
        Ok(child)
    }

    /// Starts a run as a fork of the worker; the reason when it cannot (the run then starts
    /// cold).
    pub async fn launch(&self, run: &RunLaunch) -> Result<WarmRun, String> {
        self.ensure_ready().await?;
        let (out_r, out_w) = pipe_pair().map_err(|e| format!("could not create a pipe: {e}"))?;
        let (err_r, err_w) = pipe_pair().map_err(|e| format!("could not create a pipe: {e}"))?;
        let payload = serde_json::json!({
            "args": run.args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>(),
            "cwd": self.workflow.workspace,
            "set": run.set.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect::<serde_json::Map<_, _>>(),
            "unset": run.unset,
        });
        let socket = self.socket.clone();
        let sent = tokio::task::spawn_blocking(move || -> std::io::Result<UnixStream> {
            let stream = UnixStream::connect(&socket)?;
            send_fds(&stream, &[out_w.as_raw_fd(), err_w.as_raw_fd()])?;
            // Our ends of the child's output close now: only the child holds them.
            drop((out_w, err_w));
            let mut line = serde_json::to_vec(&payload).map_err(std::io::Error::other)?;
            line.push(b'\n');
            (&stream).write_all(&line)?;
            Ok(stream)
        })
        .await
        .map_err(|e| format!("the launch failed: {e}"))?
        .map_err(|e| format!("the warm worker did not take the run: {e}"))?;
        sent.set_nonblocking(true)
            .map_err(|e| format!("the warm worker's socket: {e}"))?;
        let stream = tokio::net::UnixStream::from_std(sent)
            .map_err(|e| format!("the warm worker's socket: {e}"))?;
        let mut answers = BufReader::new(stream);
        let mut line = String::new();
        answers
            .read_line(&mut line)
            .await
            .map_err(|e| format!("the warm worker did not answer: {e}"))?;
        let pid = line
            .trim()
            .strip_prefix("pid ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("the warm worker did not start the run ({:?})", line.trim()))?;
        let receiver = |fd: OwnedFd| {
            pipe::Receiver::from_owned_fd(fd).map_err(|e| format!("a pipe of the run: {e}"))
        };
        Ok(WarmRun {
            pid,
            stdout: receiver(out_r)?,
            stderr: receiver(err_r)?,
            answers,
        })
    }
}

/// Variables set per run, never taken from the worker's (the server's) environment.
pub const PER_RUN: [&str; 3] = [
    crate::env_vars::TRACEPARENT,
    crate::env_vars::TRACESTATE,
    crate::env_vars::LITHOPS_CONFIG_FILE,
];

async fn log_lines(reader: impl tokio::io::AsyncBufRead + Unpin, workflow: String) {
    let mut lines = reader.lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::debug!(workflow = %workflow, "warm worker: {line}");
    }
}

/// The warm workers of the served workflows, by release name.
pub struct WarmWorkers {
    by_release: HashMap<String, Arc<WarmWorker>>,
    /// Holds the sockets; removed with the server.
    _dir: tempfile::TempDir,
}

impl WarmWorkers {
    /// Starts one worker per workflow, in the background.
    pub fn start(
        workflows: &[Arc<ServedWorkflow>],
        launcher: &Launcher,
        settings: &[(String, String)],
    ) -> std::io::Result<WarmWorkers> {
        let dir = tempfile::Builder::new().prefix("wt-warm-").tempdir()?;
        let mut by_release = HashMap::new();
        for (i, wf) in workflows.iter().enumerate() {
            let worker = Arc::new(WarmWorker {
                workflow: wf.clone(),
                socket: dir.path().join(format!("{i}.sock")),
                launcher: launcher.clone(),
                settings: settings.to_vec(),
                state: tokio::sync::Mutex::new(State::NotStarted),
            });
            let starting = worker.clone();
            tokio::spawn(async move { starting.ensure_ready().await });
            by_release.insert(wf.release.clone(), worker);
        }
        Ok(WarmWorkers {
            by_release,
            _dir: dir,
        })
    }

    pub fn get(&self, release: &str) -> Option<&Arc<WarmWorker>> {
        self.by_release.get(release)
    }
}

/// A pipe: (read end, write end), both close-on-exec.
fn pipe_pair() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [RawFd; 2] = [-1, -1];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both are open descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Sends one byte carrying `fds` (SCM_RIGHTS).
fn send_fds(stream: &UnixStream, fds: &[RawFd]) -> std::io::Result<()> {
    let payload = std::mem::size_of_val(fds);
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(payload as u32) } as usize;
    let mut control = vec![0u8; space];
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: msghdr is plain data; every pointer set below outlives the sendmsg call, and the
    // control buffer is CMSG_SPACE bytes, room for one header and `fds`.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let header = libc::CMSG_FIRSTHDR(&msg);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(payload as u32) as _;
        std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(header), payload);
        if libc::sendmsg(stream.as_raw_fd(), &msg, 0) != 1 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
