//! Asynchronous runs (`AsyncLocalSubprocessInvoker`): started by `POST /`, which answers 202
//! with a run id at once, and followed with `GET /runs/{id}`.
//!
//! A run is `running` (which includes waiting for a free process slot) until it ends
//! `succeeded`, `failed` or `timed_out`; then its record carries result.json's `result`,
//! `error` and `trace`, and, while and after it runs, its task instances' progress read from
//! its spans ([`super::run_progress`]). Records of finished runs are kept up to `retained`
//! (oldest forgotten first), in memory and, with a [`History`], on disk: a restarted server
//! lists them again (a run that was going when it stopped is then failed), and reads a
//! finished run's result back from its result.json when asked.

use super::invoker::{Finished, Outcome, RunReport, RunRequest};
use super::run_history::History;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
}

impl From<Outcome> for RunStatus {
    fn from(o: Outcome) -> RunStatus {
        match o {
            Outcome::Succeeded => RunStatus::Succeeded,
            Outcome::Failed | Outcome::Rejected => RunStatus::Failed,
            Outcome::TimedOut => RunStatus::TimedOut,
        }
    }
}

/// What `GET /runs/{id}` answers: `{"run_id", "status", "workflow", "label",
/// "workflow_run_id", "results_url", "submitted_at", "duration_s"?, "result"?, "error"?,
/// "trace"?}`.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    pub run_id: String,
    pub status: RunStatus,
    pub workflow: String,
    pub label: String,
    pub workflow_run_id: String,
    pub results_url: String,
    pub submitted_at: f64,
    /// The validated parameters (no secrets: those travel apart), for "run again".
    pub params: serde_json::Value,
    #[serde(skip)]
    started: Instant,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Each started task instance's progress, filled in when the record is answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks: Option<std::collections::BTreeMap<String, super::run_progress::TaskProgress>>,
    /// result.json, once the run has ended.
    #[serde(flatten)]
    pub report: Option<RunReport>,
    /// Read from disk at start: its result is read back from result.json when asked.
    #[serde(skip)]
    reloaded: bool,
}

/// Why a run that was going when the server stopped has no end.
const INTERRUPTED: &str = "The server stopped while this run was going (it was restarted or killed); the run's processes went with it. Run it again.";

impl RunRecord {
    /// What is kept on disk: the record without the result and the trace.
    fn persisted(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("result");
            map.remove("trace");
            map.remove("tasks");
        }
        value
    }

    /// A record read back from disk.
    fn restored(value: &serde_json::Value) -> Option<RunRecord> {
        let text = |key: &str| value.get(key)?.as_str().map(str::to_string);
        let status: RunStatus = serde_json::from_value(value.get("status")?.clone()).ok()?;
        let report = match (status, text("error")) {
            (RunStatus::Running, _) => Some(RunReport::error(INTERRUPTED.into(), None)),
            (_, Some(error)) => Some(RunReport::error(error, None)),
            _ => None,
        };
        Some(RunRecord {
            run_id: text("run_id")?,
            status: if status == RunStatus::Running {
                RunStatus::Failed
            } else {
                status
            },
            workflow: text("workflow")?,
            label: text("label").unwrap_or_default(),
            workflow_run_id: text("workflow_run_id").unwrap_or_default(),
            results_url: text("results_url")?,
            submitted_at: value.get("submitted_at")?.as_f64()?,
            params: value.get("params").cloned().unwrap_or_default(),
            started: Instant::now(),
            duration_s: value.get("duration_s").and_then(serde_json::Value::as_f64),
            tasks: None,
            report,
            reloaded: true,
        })
    }

    /// result.json of a reloaded run, when its results are in a local folder.
    fn read_back(&mut self) {
        if !self.reloaded {
            return;
        }
        self.reloaded = false;
        let Some(path) = self.results_url.strip_prefix("file://") else {
            return;
        };
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        let file = std::path::Path::new(decoded.as_ref()).join("result.json");
        if let Ok(Ok(report)) = std::fs::read_to_string(file).map(|t| RunReport::parse(&t)) {
            self.report = Some(report);
        }
    }
}

#[derive(Debug)]
pub struct Runs {
    retained: usize,
    inner: Mutex<Inner>,
    history: Option<History>,
}

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<String, RunRecord>,
    /// Finished run ids, oldest first.
    finished: VecDeque<String>,
}

fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Runs {
    pub fn new(retained: usize) -> Runs {
        Runs {
            retained: retained.max(1),
            inner: Mutex::new(Inner::default()),
            history: None,
        }
    }

    /// Runs kept on disk too: the records `history` holds are read back (the newest
    /// `retained`; older ones are deleted), runs that were going are failed.
    pub fn with_history(retained: usize, history: History) -> Runs {
        let mut records: Vec<RunRecord> = history
            .load()
            .iter()
            .filter_map(RunRecord::restored)
            .collect();
        records.sort_by(|a, b| a.submitted_at.total_cmp(&b.submitted_at));
        let retained = retained.max(1);
        let excess = records.len().saturating_sub(retained);
        for old in records.drain(..excess) {
            history.forget(&old.run_id);
        }
        let mut inner = Inner::default();
        for record in records {
            history.save(&record.run_id, &record.persisted());
            inner.finished.push_back(record.run_id.clone());
            inner.records.insert(record.run_id.clone(), record);
        }
        Runs {
            retained,
            inner: Mutex::new(inner),
            history: Some(history),
        }
    }

    /// Where a run's page reads its progress (None without a history).
    pub fn progress_file(&self, run_id: &str) -> Option<std::path::PathBuf> {
        self.history.as_ref().map(|h| h.progress_file(run_id))
    }

    /// Records a run that has started.
    pub fn start(&self, request: &RunRequest, results_url: &str) {
        self.insert(RunRecord {
            run_id: request.run_id.clone(),
            status: RunStatus::Running,
            workflow: request.workflow.release.clone(),
            label: request.workflow.label.clone(),
            workflow_run_id: request.workflow_run_id.clone(),
            results_url: results_url.into(),
            params: request.params.clone(),
            submitted_at: now_epoch(),
            started: Instant::now(),
            duration_s: None,
            tasks: None,
            report: None,
            reloaded: false,
        });
    }

    fn insert(&self, record: RunRecord) {
        if let Some(history) = &self.history {
            history.save(&record.run_id, &record.persisted());
        }
        let mut inner = self.inner.lock().expect("runs lock");
        inner.records.insert(record.run_id.clone(), record);
    }

    /// Records how a run ended.
    pub fn finish(&self, run_id: &str, finished: &Finished) {
        self.end(run_id, finished.outcome.into(), finished.body.clone());
    }

    /// Records a run that could not be started or crashed.
    pub fn fail(&self, run_id: &str, error: String) {
        self.end(run_id, RunStatus::Failed, RunReport::error(error, None));
    }

    fn end(&self, run_id: &str, status: RunStatus, report: RunReport) {
        let mut inner = self.inner.lock().expect("runs lock");
        let Some(record) = inner.records.get_mut(run_id) else {
            return;
        };
        record.status = status;
        record.duration_s = Some(record.started.elapsed().as_secs_f64());
        record.report = Some(report);
        if let Some(history) = &self.history {
            history.save(run_id, &record.persisted());
        }
        inner.finished.push_back(run_id.to_string());
        while inner.finished.len() > self.retained {
            if let Some(old) = inner.finished.pop_front() {
                inner.records.remove(&old);
                if let Some(history) = &self.history {
                    history.forget(&old);
                }
            }
        }
    }

    /// The record of a run, while it is remembered.
    pub fn get(&self, run_id: &str) -> Option<RunRecord> {
        let mut inner = self.inner.lock().expect("runs lock");
        let record = inner.records.get_mut(run_id)?;
        record.read_back();
        Some(record.clone())
    }

    /// The most recent runs, newest first, at most `limit`: `{"run_id", "workflow", "label",
    /// "status", "submitted_at", "duration_s"}` each (no results or parameters).
    pub fn recent(&self, limit: usize) -> Vec<serde_json::Value> {
        let inner = self.inner.lock().expect("runs lock");
        let mut all: Vec<&RunRecord> = inner.records.values().collect();
        all.sort_by(|a, b| b.submitted_at.total_cmp(&a.submitted_at));
        all.into_iter()
            .take(limit)
            .map(|r| {
                serde_json::json!({
                    "run_id": r.run_id,
                    "workflow": r.workflow,
                    "label": r.label,
                    "status": r.status,
                    "submitted_at": r.submitted_at,
                    "duration_s": r.duration_s,
                })
            })
            .collect()
    }

    /// Runs still going.
    pub fn running(&self) -> usize {
        let inner = self.inner.lock().expect("runs lock");
        inner
            .records
            .values()
            .filter(|r| r.status == RunStatus::Running)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_runs_are_bounded() {
        let runs = Runs::new(2);
        for id in ["a", "b", "c"] {
            runs.insert(RunRecord {
                run_id: id.into(),
                status: RunStatus::Running,
                workflow: "wt-x-workflow".into(),
                label: "//x".into(),
                workflow_run_id: String::new(),
                results_url: "file:///tmp/x".into(),
                params: serde_json::json!({}),
                submitted_at: now_epoch(),
                started: Instant::now(),
                duration_s: None,
                tasks: None,
                report: None,
                reloaded: false,
            });
        }
        let recent = runs.recent(2);
        assert_eq!(recent.len(), 2);
        assert_eq!(runs.get("a").unwrap().status, RunStatus::Running);
        let done = Finished::error(Outcome::TimedOut, "late".into(), None);
        runs.finish("a", &done);
        runs.fail("b", "boom".into());
        runs.finish("c", &done);
        assert!(runs.get("a").is_none());
        let b = serde_json::to_value(runs.get("b").unwrap()).unwrap();
        assert_eq!(
            (b["status"].as_str(), b["error"].as_str()),
            (Some("failed"), Some("boom"))
        );
        assert!(b["result"].is_null() && b["trace"].is_null());
        assert_eq!(runs.get("c").unwrap().status, RunStatus::TimedOut);
        assert_eq!(runs.running(), 0);
    }

    fn request(run_id: &str, results: &std::path::Path) -> RunRequest {
        let workflow = std::sync::Arc::new(crate::server::workflows::ServedWorkflow::sample(
            "wt-x-workflow",
        ));
        let fields = crate::server::request::Fields::from_map(
            serde_json::json!({"params": {"n": 1}})
                .as_object()
                .unwrap()
                .clone(),
        );
        let mut config = crate::server::ServerConfig::new(results.to_path_buf());
        config.allowed_results_roots = vec![results.to_path_buf()];
        let mut r = crate::server::request::run_request(
            &config,
            workflow,
            crate::server::invoker::InvokerKind::AsyncLocal,
            &fields,
            Default::default(),
        )
        .unwrap();
        r.run_id = run_id.into();
        r.results = crate::server::invoker::ResultsLocation::Local(results.join(run_id));
        r
    }

    #[test]
    fn records_outlive_the_server_and_stay_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let runs = Runs::with_history(2, History::new(dir.path()));
        for id in ["a", "b", "c", "d"] {
            let req = request(id, dir.path());
            runs.start(&req, &req.results.url());
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        runs.finish("a", &Finished::error(Outcome::Failed, "boom".into(), None));
        let results = dir.path().join("b");
        std::fs::create_dir_all(&results).unwrap();
        std::fs::write(
            results.join("result.json"),
            r#"{"result": 12, "error": null, "trace": null}"#,
        )
        .unwrap();
        let mut done = Finished::error(Outcome::Succeeded, String::new(), None);
        done.body = RunReport::parse(r#"{"result": 12, "error": null, "trace": null}"#).unwrap();
        runs.finish("b", &done);
        drop(runs);

        // "c" and "d" were going when the server stopped; "a", the oldest, is forgotten.
        let again = Runs::with_history(3, History::new(dir.path()));
        assert!(again.get("a").is_none());
        let b = serde_json::to_value(again.get("b").unwrap()).unwrap();
        assert_eq!(
            (b["status"].as_str(), &b["result"]),
            (Some("succeeded"), &serde_json::json!(12))
        );
        assert_eq!(b["params"], serde_json::json!({"n": 1}));
        let d = serde_json::to_value(again.get("d").unwrap()).unwrap();
        assert_eq!(d["status"], "failed");
        assert!(d["error"].as_str().unwrap().contains("server stopped"));
        assert_eq!(again.recent(10).len(), 3);
        let kept = std::fs::read_dir(dir.path().join(super::super::run_history::FOLDER))
            .unwrap()
            .count();
        assert_eq!(kept, 3);
    }
}
