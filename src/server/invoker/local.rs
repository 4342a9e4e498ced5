//! The local subprocess invoker (`BlockingLocalSubprocessInvoker`, `AsyncLocalSubprocessInvoker`).
//!
//! A run is the generated CLI in the workflow's environment, from the workspace folder:
//! - `pixi run --manifest-path <ws>/pixi.toml <release> run …` when `pixi` is on `PATH` and the
//!   workspace has an installed pixi environment (`.pixi/`);
//! - otherwise `<python> -m <package>.cli run …` with the interpreter of the environment `wt`
//!   built for the workflow.
//!
//! Arguments are an argv (never a shell line); the parameters go through a temporary config
//! file (mode 0600) deleted when the run ends, whatever happens. The environment is the
//! server's, plus the request's data connection secrets, `TRACEPARENT`/`TRACESTATE`,
//! `LITHOPS_CONFIG_FILE` when a Lithops config was sent, and `WT_RESULTS=<results URL>`.
//!
//! The child leads its own process group. Its stdout and stderr are read concurrently as it
//! writes them (so a chatty workflow cannot fill a pipe and hang), logged line by line at
//! `debug` level with secrets redacted, and their last `output_limit` bytes kept for error
//! reports. On timeout the whole group is killed (SIGKILL) — the workflow and anything it
//! started — and the run reports `timed_out`; when the run ends, processes left in the group
//! are killed too, and a run that is dropped (server shutdown) kills its group. Processes that
//! left the group (a new session) are found by the run's marker in their environment and
//! killed with it (`leftovers.rs`).
//!
//! The exit code is used, together with result.json: 0 with no error = succeeded; an error in
//! result.json (the generated CLI exits 1) = failed; 2 = the CLI rejected its parameters or
//! usage; anything else without a result.json = failed with the end of stderr as the trace.
//! Whenever the workflow did not write result.json itself (timeout, rejection, crash), the
//! invoker writes one with the error, so the results folder always says how the run ended.

use super::warm::{Launcher, RunLaunch, WarmWorkers};
use super::{
    BoxFuture, Completion, Finished, InvokeError, Invoker, Outcome, ResultsLocation, RunReport,
    RunRequest, StopReason,
};
use crate::server::secrets::Redactor;
use crate::server::spans::{Kind, Span, Spans};
use crate::server::workflows::ServedWorkflow;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::Semaphore;

/// How long the output pipes may stay open after the workflow process exited (a process it
/// started still holds them) before the group is killed.
const PIPE_GRACE: Duration = Duration::from_secs(2);
/// Longest line logged; the rest of a longer line is dropped from the log (not from the tail).
const MAX_LOG_LINE: usize = 4096;

#[derive(Clone)]
pub struct LocalInvoker {
    output_limit: usize,
    slots: Arc<Semaphore>,
    launcher: Launcher,
    /// Per workflow, a process that imported it: runs are its forks ([`super::warm`]).
    warm: Option<Arc<WarmWorkers>>,
    workers_per_run: Option<usize>,
    /// The store of task results runs that ask for `reuse` use.
    results_store: Option<String>,
    /// Environment variables every run gets (`wt serve --env`).
    settings: Vec<(String, String)>,
    /// Where runs' spans go (a span per run here, the workflow's own through its CLI).
    spans: Option<Arc<Spans>>,
    /// Turns true when the server starts shutting down: runs waiting for a slot then end
    /// without starting.
    shutting_down: Option<tokio::sync::watch::Receiver<bool>>,
}

impl LocalInvoker {
    /// `output_limit`: bytes of each stream kept; `max_concurrent`: processes at once.
    pub fn new(output_limit: usize, max_concurrent: usize) -> LocalInvoker {
        LocalInvoker {
            output_limit,
            slots: Arc::new(Semaphore::new(max_concurrent.max(1))),
            launcher: Launcher {
                pixi: find_on_path("pixi"),
            },
            warm: None,
            workers_per_run: None,
            results_store: None,
            settings: Vec::new(),
            spans: None,
            shutting_down: None,
        }
    }

    /// Each run records a span, and its workflow exports its own spans to the same place.
    pub fn with_spans(mut self, spans: Option<Arc<Spans>>) -> LocalInvoker {
        self.spans = spans;
        self
    }

    /// Starts a warm worker per workflow: runs become forks of a process that imported the
    /// workflow, instead of new interpreters. Without a runtime to start them on, or when
    /// their socket folder cannot be made, runs stay cold (and the log says why).
    pub fn with_warm_workers(mut self, workflows: &[Arc<ServedWorkflow>]) -> LocalInvoker {
        match WarmWorkers::start(workflows, &self.launcher, &self.settings) {
            Ok(workers) => self.warm = Some(Arc::new(workers)),
            Err(e) => tracing::warn!("no warm workers (runs start a new interpreter each): {e}"),
        }
        self
    }

    /// Every run gets these environment variables (before the request's secrets).
    pub fn with_settings(mut self, settings: Vec<(String, String)>) -> LocalInvoker {
        self.settings = settings;
        self
    }

    /// Runs that ask for `reuse` keep and look up their task results in `store`.
    pub fn with_results_store(mut self, store: Option<String>) -> LocalInvoker {
        self.results_store = store;
        self
    }

    /// Runs still waiting for a slot when `shutting_down` turns true end without starting.
    pub fn with_shutdown(
        mut self,
        shutting_down: tokio::sync::watch::Receiver<bool>,
    ) -> LocalInvoker {
        self.shutting_down = Some(shutting_down);
        self
    }

    /// Completes when the server starts shutting down (never, without a signal).
    async fn shutdown_begun(&self) {
        match self.shutting_down.clone() {
            Some(mut rx) => {
                if rx.wait_for(|down| *down).await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            None => std::future::pending().await,
        }
    }

    /// Every run gets `--workers N` (the generated CLI's default otherwise: one per CPU).
    pub fn with_workers_per_run(mut self, workers: Option<usize>) -> LocalInvoker {
        self.workers_per_run = workers;
        self
    }
}

impl LocalInvoker {
    /// The generated CLI's arguments for a run that asked for `reuse`.
    fn reuse_args(&self, req: &RunRequest) -> Vec<String> {
        match (&self.results_store, req.reuse) {
            (Some(store), true) => vec!["--results-store".into(), store.clone(), "--reuse".into()],
            _ => Vec::new(),
        }
    }
}

/// A digest of a run's secrets (names and values), mixed into every key of its results.
fn secrets_digest(secrets: &crate::server::secrets::Secrets) -> String {
    use sha2::Digest;
    let mut pairs: Vec<(&String, &str)> = secrets.iter().map(|(n, v)| (n, v.expose())).collect();
    pairs.sort();
    let mut h = sha2::Sha256::new();
    for (name, value) in pairs {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(value.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

impl Invoker for LocalInvoker {
    fn is_waitable(&self) -> bool {
        true
    }

    fn run(&self, request: RunRequest) -> BoxFuture<Result<Completion, InvokeError>> {
        let this = self.clone();
        Box::pin(async move { this.execute(request).await.map(Completion::Finished) })
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The last bytes written to a stream.
struct Tail {
    bytes: VecDeque<u8>,
    limit: usize,
    total: u64,
}

impl Tail {
    fn text(&self) -> String {
        let (a, b) = self.bytes.as_slices();
        let mut v = Vec::with_capacity(a.len() + b.len());
        v.extend_from_slice(a);
        v.extend_from_slice(b);
        let text = String::from_utf8_lossy(&v).into_owned();
        if self.total > self.bytes.len() as u64 {
            format!(
                "[… {} earlier bytes not kept]\n{text}",
                self.total - self.bytes.len() as u64
            )
        } else {
            text
        }
    }
}

/// Reads a child's stream to its end: keeps the tail, logs each line (redacted).
async fn drain(
    mut reader: impl AsyncRead + Unpin,
    tail: Arc<Mutex<Tail>>,
    run_id: String,
    stream: &'static str,
    redactor: Redactor,
) {
    let mut buf = vec![0u8; 8192];
    let mut line: Vec<u8> = Vec::new();
    let log = |line: &[u8]| {
        let text = redactor.text(&String::from_utf8_lossy(line));
        tracing::debug!(run_id = %run_id, stream, "{}", text.trim_end_matches('\r'));
    };
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        {
            let mut t = tail.lock().expect("tail lock");
            t.total += n as u64;
            t.bytes.extend(&buf[..n]);
            let excess = t.bytes.len().saturating_sub(t.limit);
            t.bytes.drain(..excess);
        }
        for &b in &buf[..n] {
            if b == b'\n' {
                log(&line);
                line.clear();
            } else if line.len() < MAX_LOG_LINE {
                line.push(b);
            }
        }
    }
    if !line.is_empty() {
        log(&line);
    }
}

/// The child's process group, killed when dropped unless the run finished cleanly.
/// A run's processes: its process group, and whatever left the group but still carries the
/// run's marker ([`super::leftovers`]).
struct ProcessGroup {
    pgid: Option<i32>,
    run_id: String,
}

impl ProcessGroup {
    fn kill(&self) {
        if let Some(pgid) = self.pgid.filter(|p| *p > 1) {
            // SAFETY: killpg has no memory-safety preconditions; a group that is gone gives
            // ESRCH, which is what we want to ignore.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
        let escaped = super::leftovers::kill_marked(&self.run_id);
        if escaped > 0 {
            tracing::warn!(run_id = %self.run_id, processes = escaped, "killed processes the run left outside its process group");
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A run that was accepted but has not finished: when dropped so (the server stopped and
/// dropped its task, while it waited for a slot or while it ran), it leaves a result.json
/// saying so, since the workflow never ran or was killed before it could write one.
struct Unfinished {
    result_file: Option<PathBuf>,
    /// Why the run was stopped, when whoever stopped it said (else the server stopped).
    reason: StopReason,
    /// What result.json says when nobody gave a reason.
    stopped: &'static str,
}

/// result.json of a run stopped by the server while it ran.
const STOPPED_RUNNING: &str = "The server stopped before the workflow finished (it was shutting down and the run outlived the grace period); its processes were killed. Run it again.";

/// result.json of a run stopped by the server while it waited for a slot.
const STOPPED_QUEUED: &str = "The server shut down before the run started (it was waiting for a free slot); nothing of it ran. Run it again.";

impl Drop for Unfinished {
    fn drop(&mut self) {
        let Some(file) = self.result_file.take() else {
            return;
        };
        let error = self.reason.get().unwrap_or(self.stopped);
        let body = RunReport::error(error.to_string(), None);
        let partial = file.with_extension("json.partial");
        let written =
            std::fs::write(&partial, body.to_json()).and_then(|_| std::fs::rename(&partial, &file));
        if let Err(e) = written {
            tracing::warn!("could not write {}: {e}", file.display());
        }
    }
}

impl LocalInvoker {
    /// What the run changes in the workflow's process: the CLI's arguments and environment.
    /// The environment is the server's, plus the settings, the request's secrets, its trace
    /// context, its Lithops configuration file and `WT_RESULTS`.
    fn launch(&self, req: &RunRequest, config: &Path, lithops: Option<&Path>) -> RunLaunch {
        let mut args = crate::codegen::cli_args::RunArgs {
            params: crate::codegen::cli_args::Params::File(config),
            execution_mode: &req.execution_mode,
            mock_io: req.mock_io,
            workers: self.workers_per_run,
        }
        .to_args();
        args.extend(self.reuse_args(req).into_iter().map(Into::into));
        let mut set: Vec<(String, String)> = vec![
            (crate::env_vars::RESULTS.into(), req.results.url()),
            (super::leftovers::RUN_MARKER.into(), req.run_id.clone()),
            (crate::env_vars::PYTHONDONTWRITEBYTECODE.into(), "1".into()),
        ];
        set.extend(self.settings.iter().cloned());
        set.extend(req.settings.iter().cloned());
        set.extend(
            req.secrets
                .iter()
                .map(|(name, value)| (name.clone(), value.expose().to_string())),
        );
        if req.reuse {
            // Results computed with one caller's secrets never serve another caller.
            set.push(("WT_RESULTS_SALT".into(), secrets_digest(&req.secrets)));
        }
        set.extend(req.trace.env().into_iter().map(|(k, v)| (k.to_string(), v)));
        if let Some(path) = lithops {
            set.push((
                crate::env_vars::LITHOPS_CONFIG_FILE.into(),
                path.display().to_string(),
            ));
        }
        if let Some(path) = &req.progress {
            set.push(("WT_RUN_PROGRESS".into(), path.display().to_string()));
        }
        RunLaunch {
            args,
            set,
            unset: super::warm::PER_RUN.to_vec(),
        }
    }

    /// A new interpreter for the run.
    fn cold_command(&self, req: &RunRequest, launch: &RunLaunch) -> tokio::process::Command {
        let mut cmd = self.launcher.python_module(&req.workflow, "cli");
        cmd.args(&launch.args);
        for name in &launch.unset {
            cmd.env_remove(name);
        }
        cmd.envs(launch.set.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        cmd
    }

    /// Starts the run: a fork of the workflow's warm worker when it has one, else a new
    /// interpreter.
    async fn spawn(&self, req: &RunRequest, launch: &RunLaunch) -> Result<Spawned, InvokeError> {
        if let Some(worker) = self
            .warm
            .as_ref()
            .and_then(|w| w.get(&req.workflow.release))
        {
            match worker.launch(launch).await {
                Ok(run) => return Ok(Spawned::Warm(Box::new(run))),
                Err(why) => {
                    tracing::debug!(run_id = %req.run_id, "starting the run cold: {why}")
                }
            }
        }
        let child = self.cold_command(req, launch).spawn().map_err(|e| {
            InvokeError::Internal(format!(
                "could not start the workflow {}: {e}",
                req.workflow.release
            ))
        })?;
        Ok(Spawned::Cold(child))
    }
}

/// A started run: a child of the server, or a fork of a warm worker.
enum Spawned {
    Cold(tokio::process::Child),
    Warm(Box<super::warm::WarmRun>),
}

type Output = Box<dyn AsyncRead + Unpin + Send>;

impl Spawned {
    fn pid(&self) -> Option<u32> {
        match self {
            Spawned::Cold(child) => child.id(),
            Spawned::Warm(run) => Some(run.pid),
        }
    }

    /// The run's stdout and stderr (taken once).
    fn take_output(self) -> (Exit, Option<Output>, Option<Output>) {
        match self {
            Spawned::Cold(mut child) => {
                let out = child.stdout.take().map(|o| Box::new(o) as Output);
                let err = child.stderr.take().map(|e| Box::new(e) as Output);
                (Exit::Cold(child), out, err)
            }
            Spawned::Warm(run) => {
                let super::warm::WarmRun {
                    pid,
                    stdout,
                    stderr,
                    answers,
                } = *run;
                let exit = Exit::Warm(super::warm::WarmExit { pid, answers });
                (exit, Some(Box::new(stdout)), Some(Box::new(stderr)))
            }
        }
    }
}

/// What a run's end is read from.
enum Exit {
    Cold(tokio::process::Child),
    Warm(super::warm::WarmExit),
}

impl Exit {
    async fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        match self {
            Exit::Cold(child) => child.wait().await,
            Exit::Warm(run) => run.wait().await,
        }
    }
}

impl LocalInvoker {
    async fn execute(self, mut req: RunRequest) -> Result<Finished, InvokeError> {
        let mut run_span = self.spans.as_ref().map(|spans| {
            let mut span = spans.start(
                &format!("run {}", req.workflow.release),
                Kind::Internal,
                &req.trace,
            );
            span.set("wt.run_id", req.run_id.clone());
            span.set("wt.workflow_run_id", req.workflow_run_id.clone());
            span.set("wt.workflow", req.workflow.release.clone());
            span.set(
                "wt.release",
                format!("{} {}", req.workflow.release, req.workflow.version),
            );
            span.set("wt.label", req.workflow.label.clone());
            span.set("wt.execution_mode", req.execution_mode.clone());
            span.set("wt.mock_io", req.mock_io);
            span.set("wt.reuse", req.reuse);
            span
        });
        // The run span counts what its tasks did from the run's progress file (a temporary
        // one when no page watches the run).
        let mut own_progress = None;
        if let Some(span) = &run_span {
            // The workflow's spans are the run span's children.
            req.trace = span.context();
            if req.progress.is_none() {
                own_progress = tempfile::Builder::new()
                    .prefix("wt-run-progress-")
                    .tempdir()
                    .ok();
                req.progress = own_progress
                    .as_ref()
                    .map(|d| d.path().join("progress.jsonl"));
            }
        }
        let result = self.execute_traced(&req).await;
        if let (Some(spans), Some(mut span)) = (self.spans.as_ref(), run_span.take()) {
            end_run_span(&mut span, &result, &req.secrets.redactor());
            if let Some(file) = &req.progress {
                count_tasks(&mut span, &crate::server::run_progress::read(file));
            }
            spans.end(span);
        }
        drop(own_progress);
        result
    }

    async fn execute_traced(&self, req: &RunRequest) -> Result<Finished, InvokeError> {
        let req = req.clone();
        let ResultsLocation::Local(dir) = req.results.clone() else {
            return Err(InvokeError::Invalid(
                "the local invokers write result.json to a local folder: give `results_url` as a file:// URL or an absolute path".into(),
            ));
        };
        tokio::fs::create_dir_all(&dir).await.map_err(|e| {
            InvokeError::Invalid(format!(
                "could not create the results folder {}: {e}",
                dir.display()
            ))
        })?;
        let result_file = dir.join("result.json");
        match tokio::fs::remove_file(&result_file).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(InvokeError::Invalid(format!(
                    "could not remove the previous {}: {e}",
                    result_file.display()
                )));
            }
        }
        // A run dropped while it waits (the server shut down) still ends with a result.json.
        let mut queued = Unfinished {
            result_file: Some(result_file.clone()),
            reason: req.stop_reason.clone(),
            stopped: STOPPED_QUEUED,
        };
        let shutting_down = || InvokeError::Unavailable("the server is shutting down".into());
        let _slot = tokio::select! {
            biased;
            () = self.shutdown_begun() => return Err(shutting_down()),
            slot = self.slots.clone().acquire_owned() => slot.map_err(|_| shutting_down())?,
        };
        queued.result_file = None;

        // Deleted when dropped: at the end of this function, or when the run is cancelled.
        let config = temp_file(
            "wt-config-",
            ".json",
            &serde_json::to_vec(&req.params).unwrap_or_default(),
        )?;
        let lithops = match &req.lithops_config {
            Some(cfg) => Some(temp_file(
                "wt-lithops-",
                ".yaml",
                &serde_json::to_vec(cfg).unwrap_or_default(),
            )?),
            None => None,
        };
        let redactor = req.secrets.redactor();
        let mut launch = self.launch(&req, config.path(), lithops.as_ref().map(|f| f.path()));
        // With spans on stdout, the workflow writes its own to a folder of the run, copied to
        // the server's stdout when it ends.
        let spans_folder = match self.spans.as_deref() {
            Some(spans) => {
                let folder = match spans.destination {
                    crate::server::spans::Destination::Stdout => Some(
                        tempfile::Builder::new()
                            .prefix("wt-run-spans-")
                            .tempdir()
                            .map_err(|e| {
                                InvokeError::Internal(format!(
                                    "could not create a temporary folder: {e}"
                                ))
                            })?,
                    ),
                    _ => None,
                };
                launch
                    .args
                    .extend(spans.workflow_args().iter().map(Into::into));
                launch
                    .set
                    .extend(spans.workflow_env(folder.as_ref().map(|f| f.path())));
                folder
            }
            None => None,
        };
        // Lithops' localhost backend keeps its state (job files, its runner) under TMPDIR;
        // async runs side by side sharing one were seen to hang, so each has its own, removed
        // when the run ends.
        let lithops_state = match req.execution_mode.as_str() {
            "async" => {
                let dir = tempfile::Builder::new()
                    .prefix("wt-run-tmp-")
                    .tempdir()
                    .map_err(|e| {
                        InvokeError::Internal(format!("could not create a temporary folder: {e}"))
                    })?;
                launch
                    .set
                    .push(("TMPDIR".into(), dir.path().display().to_string()));
                Some(dir)
            }
            _ => None,
        };
        let started = Instant::now();
        // Writes result.json if this run is dropped before it finishes (server shutdown), also
        // while it waits for its warm worker; declared before the group, so it is dropped after
        // the group's processes are killed.
        let mut unfinished = Unfinished {
            result_file: Some(result_file.clone()),
            reason: req.stop_reason.clone(),
            stopped: STOPPED_RUNNING,
        };
        let spawned = match self.spawn(&req, &launch).await {
            Ok(spawned) => spawned,
            Err(e) => {
                unfinished.result_file = None;
                return Err(e);
            }
        };
        let pid = spawned.pid();
        let warm = matches!(spawned, Spawned::Warm(_));
        let group = ProcessGroup {
            pgid: pid.map(|p| p as i32),
            run_id: req.run_id.clone(),
        };
        tracing::info!(
            run_id = %req.run_id,
            workflow = %req.workflow.release,
            pid = pid.unwrap_or(0),
            warm,
            "workflow started"
        );
        let (mut child, stdout, stderr) = spawned.take_output();
        let new_tail = || {
            Arc::new(Mutex::new(Tail {
                bytes: VecDeque::new(),
                limit: self.output_limit,
                total: 0,
            }))
        };
        let (out_tail, err_tail) = (new_tail(), new_tail());
        let mut readers = Vec::new();
        if let Some(out) = stdout {
            readers.push(tokio::spawn(drain(
                out,
                out_tail.clone(),
                req.run_id.clone(),
                "stdout",
                redactor.clone(),
            )));
        }
        if let Some(err) = stderr {
            readers.push(tokio::spawn(drain(
                err,
                err_tail.clone(),
                req.run_id.clone(),
                "stderr",
                redactor.clone(),
            )));
        }

        let waited = match req.timeout {
            Some(limit) => tokio::time::timeout(limit, child.wait()).await.ok(),
            None => Some(child.wait().await),
        };
        let (status, timed_out) = match waited {
            Some(Ok(status)) => (Some(status), false),
            Some(Err(e)) if warm => {
                // The warm worker went away: the run's processes go with it.
                tracing::warn!(run_id = %req.run_id, "{e}");
                group.kill();
                (None, false)
            }
            Some(Err(e)) => {
                return Err(InvokeError::Internal(format!(
                    "could not wait for the workflow: {e}"
                )));
            }
            None => {
                group.kill();
                (child.wait().await.ok(), true)
            }
        };
        let aborts: Vec<_> = readers.iter().map(|r| r.abort_handle()).collect();
        let drained = tokio::time::timeout(PIPE_GRACE, async {
            for r in readers {
                let _ = r.await;
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(run_id = %req.run_id, "the workflow left processes holding its output open; killing its process group");
            aborts.iter().for_each(|a| a.abort());
        }
        // Nothing the workflow started outlives its run.
        group.kill();
        drop(group);
        let stderr_tail = redactor.text(&err_tail.lock().expect("tail lock").text());
        let exit_code = status.and_then(|s| s.code());
        let secs = req.timeout.map_or(0.0, |t| t.as_secs_f64());

        let written = match tokio::fs::read_to_string(&result_file).await {
            Ok(text) => Some(RunReport::parse(&text)),
            Err(_) => None,
        };
        // `ours`: the invoker, not the workflow, wrote this report; it goes to result.json.
        let (mut finished, ours) = match (timed_out, exit_code, written) {
            (true, _, _) => (
                Finished::error(
                    Outcome::TimedOut,
                    format!(
                        "The workflow timed out after {secs} s and was stopped (its processes were killed). Consider reducing the amount of data being processed or raising `timeout`."
                    ),
                    None,
                ),
                true,
            ),
            (false, Some(2), _) => (
                Finished::error(
                    Outcome::Rejected,
                    format!(
                        "the workflow rejected its parameters or arguments (exit code 2): {}",
                        last_lines(&stderr_tail, 20)
                    ),
                    None,
                ),
                true,
            ),
            (false, code, Some(Ok(mut body))) => {
                let has_error = body.error.is_some();
                let clean_exit = code == Some(0);
                if !has_error && !clean_exit {
                    body.error = Some(format!(
                        "the workflow wrote result.json but exited with {}",
                        describe_exit(status)
                    ));
                    body.trace = Some(last_lines(&stderr_tail, 50));
                }
                let outcome = if has_error || !clean_exit {
                    Outcome::Failed
                } else {
                    Outcome::Succeeded
                };
                let finished = Finished {
                    outcome,
                    body,
                    exit_code: code,
                };
                (finished, !has_error && !clean_exit)
            }
            (false, _, Some(Err(problem))) => (
                Finished::error(
                    Outcome::Failed,
                    format!(
                        "the workflow exited with {} and {problem}",
                        describe_exit(status)
                    ),
                    Some(last_lines(&stderr_tail, 50)),
                ),
                true,
            ),
            (false, _, None) => (
                Finished::error(
                    Outcome::Failed,
                    format!(
                        "the workflow exited with {} without writing result.json",
                        describe_exit(status)
                    ),
                    Some(last_lines(&stderr_tail, 50)),
                ),
                true,
            ),
        };
        finished.exit_code = exit_code;
        unfinished.result_file = None;
        if ours {
            write_result(&result_file, &finished.body).await;
        }
        finished.body.redact(&redactor);
        tracing::info!(
            run_id = %req.run_id,
            workflow = %req.workflow.release,
            outcome = ?finished.outcome,
            exit_code = exit_code.unwrap_or(-1),
            duration_ms = started.elapsed().as_millis() as u64,
            "workflow finished"
        );
        if let (Some(spans), Some(folder)) = (self.spans.as_deref(), &spans_folder)
            && let Ok(lines) = std::fs::read_to_string(folder.path().join("otel_traces.jsonl"))
        {
            spans.forward_lines(&lines);
        }
        drop(config);
        drop(lithops);
        drop(lithops_state);
        Ok(finished)
    }
}

/// How many task instances ended in each state, and how many elements were reused.
fn count_tasks(
    span: &mut Span,
    tasks: &std::collections::BTreeMap<String, crate::server::run_progress::TaskProgress>,
) {
    for state in ["succeeded", "reused", "skipped", "failed"] {
        let n = tasks.values().filter(|t| t.state == state).count();
        span.set(&format!("wt.tasks.{state}"), n as u64);
    }
    let reused: u64 = tasks.values().map(|t| t.elements_reused).sum();
    span.set("wt.elements.reused", reused);
}

/// The run span's outcome attributes.
fn end_run_span(span: &mut Span, result: &Result<Finished, InvokeError>, redactor: &Redactor) {
    let elapsed = span.start.elapsed().unwrap_or_default();
    span.set("wt.duration_ms", elapsed.as_millis() as u64);
    match result {
        Ok(finished) => {
            let status = match finished.outcome {
                Outcome::Succeeded => "succeeded",
                Outcome::Failed => "failed",
                Outcome::TimedOut => "timed_out",
                Outcome::Rejected => "rejected",
            };
            span.set("wt.status", status);
            if let Some(code) = finished.exit_code {
                span.set("wt.exit_code", code);
            }
            if finished.outcome != Outcome::Succeeded {
                span.error = Some(finished.error_message().unwrap_or(status).to_string());
            }
        }
        Err(e) => {
            span.set("wt.status", "refused");
            span.error = Some(redactor.text(e.message()));
        }
    }
}

fn temp_file(
    prefix: &str,
    suffix: &str,
    contents: &[u8],
) -> Result<tempfile::NamedTempFile, InvokeError> {
    let mut file = tempfile::Builder::new()
        .prefix(prefix)
        .suffix(suffix)
        .tempfile()
        .map_err(|e| InvokeError::Internal(format!("could not create a temporary file: {e}")))?;
    std::io::Write::write_all(&mut file, contents)
        .and_then(|_| std::io::Write::flush(&mut file))
        .map_err(|e| InvokeError::Internal(format!("could not write a temporary file: {e}")))?;
    Ok(file)
}

/// Writes result.json for a run the workflow could not report itself (atomically).
pub async fn write_result(result_file: &Path, body: &RunReport) {
    let partial = result_file.with_file_name(".result.json.partial");
    let text = body.to_json();
    let written = async {
        tokio::fs::write(&partial, text).await?;
        tokio::fs::rename(&partial, result_file).await
    }
    .await;
    if let Err(e) = written {
        tracing::warn!("could not write {}: {e}", result_file.display());
    }
}

fn describe_exit(status: Option<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("code {c}"),
            (None, Some(sig)) => format!("signal {sig}"),
            _ => "an unknown status".into(),
        },
        None => "an unknown status".into(),
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    //! Exit codes and result.json handling, with a fake interpreter (a shell script) standing
    //! in for the workflow's Python. The real thing is tested in tests/serve.rs.

    use super::*;
    use crate::server::invoker::{BatchOptions, TraceContext};
    use crate::server::secrets::Secrets;
    use crate::server::workflows::ServedWorkflow;
    use serde_json::Value;
    use serde_json::json;

    const FAKE: &str = r#"#!/bin/sh
dir="${WT_RESULTS#file://}"
case "$FAKE_MODE" in
  mode-reject) echo "Error: Invalid configuration: 1 validation error(s)" >&2; exit 2 ;;
  mode-crash) echo "Traceback (most recent call last): boom" >&2; exit 3 ;;
  mode-ok) printf '{"result":[1,2],"error":null,"trace":null}' > "$dir/result.json"; exit 0 ;;
  mode-fail) printf '{"result":null,"error":"ValueError: x","trace":"tb"}' > "$dir/result.json"; exit 1 ;;
  mode-garbage) printf 'not json' > "$dir/result.json"; exit 1 ;;
esac
exit 9
"#;

    async fn run(mode: &str) -> (Finished, Value) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python");
        std::fs::write(&python, FAKE).unwrap();
        std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
        let results = dir.path().join("results");
        let request = RunRequest {
            run_id: "r".into(),
            workflow_run_id: String::new(),
            workflow: Arc::new(ServedWorkflow {
                workspace: dir.path().to_path_buf(),
                python,
                ..ServedWorkflow::sample("wt-x-workflow")
            }),
            params: json!({}),
            execution_mode: "sequential".into(),
            mock_io: false,
            reuse: false,
            results: ResultsLocation::Local(results.clone()),
            timeout: Some(Duration::from_secs(30)),
            secrets: Secrets::parse(Some(&json!({"FAKE_MODE": mode}))).unwrap(),
            settings: Vec::new(),
            trace: TraceContext::default(),
            lithops_config: None,
            batch: BatchOptions::default(),
            stop_reason: StopReason::default(),
            progress: None,
        };
        let invoker = LocalInvoker {
            output_limit: 1024,
            slots: Arc::new(Semaphore::new(1)),
            launcher: Launcher { pixi: None },
            warm: None,
            workers_per_run: None,
            results_store: None,
            settings: Vec::new(),
            spans: None,
            shutting_down: None,
        };
        let finished = invoker.execute(request).await.unwrap();
        let on_disk = std::fs::read_to_string(results.join("result.json"))
            .map(|t| serde_json::from_str(&t).unwrap())
            .unwrap_or(Value::Null);
        (finished, on_disk)
    }

    #[tokio::test]
    async fn exit_codes_and_result_json() {
        let (f, disk) = run("mode-ok").await;
        assert_eq!(f.outcome, Outcome::Succeeded);
        assert!(f.body.result == json!([1, 2]));
        assert_eq!(disk, value(&f.body));

        let (f, disk) = run("mode-fail").await;
        assert_eq!((f.outcome, f.exit_code), (Outcome::Failed, Some(1)));
        assert_eq!(f.error_message(), Some("ValueError: x"));
        assert_eq!(
            disk["trace"], "tb",
            "the workflow's own result.json is kept"
        );

        let (f, disk) = run("mode-reject").await;
        assert_eq!((f.outcome, f.exit_code), (Outcome::Rejected, Some(2)));
        let error = f.error_message().unwrap();
        assert!(error.contains("exit code 2") && error.contains("Invalid configuration"));
        assert_eq!(disk, value(&f.body), "the server wrote result.json");

        for mode in ["mode-crash", "mode-garbage"] {
            let (f, disk) = run(mode).await;
            assert_eq!(f.outcome, Outcome::Failed, "{mode}");
            assert!(
                f.error_message().unwrap().contains("exited with code"),
                "{mode}"
            );
            assert_eq!(disk, value(&f.body), "{mode}");
        }
        let (f, _) = run("mode-crash").await;
        assert!(f.body.trace.unwrap().contains("boom"));
    }

    fn value(report: &RunReport) -> Value {
        serde_json::from_str(&report.to_json()).unwrap()
    }
}
