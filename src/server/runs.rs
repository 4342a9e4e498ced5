//! Asynchronous runs (`AsyncLocalSubprocessInvoker`): started by `POST /`, which answers 202
//! with a run id at once, and followed with `GET /runs/{id}`.
//!
//! A run is `running` (which includes waiting for a free process slot) until it ends
//! `succeeded`, `failed` or `timed_out`; then its record carries result.json's `result`,
//! `error` and `trace`. The registry lives in memory: records of finished runs are kept up to
//! `retained` (oldest forgotten first), and result.json stays in the results folder anyway.

use super::invoker::{Finished, Outcome, RunReport, RunRequest};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    /// result.json, once the run has ended.
    #[serde(flatten)]
    pub report: Option<RunReport>,
}

#[derive(Debug)]
pub struct Runs {
    retained: usize,
    inner: Mutex<Inner>,
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
        }
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
            report: None,
        });
    }

    fn insert(&self, record: RunRecord) {
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
        inner.finished.push_back(run_id.to_string());
        while inner.finished.len() > self.retained {
            if let Some(old) = inner.finished.pop_front() {
                inner.records.remove(&old);
            }
        }
    }

    /// The record of a run, while it is remembered.
    pub fn get(&self, run_id: &str) -> Option<RunRecord> {
        let inner = self.inner.lock().expect("runs lock");
        inner.records.get(run_id).cloned()
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
                report: None,
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
}
