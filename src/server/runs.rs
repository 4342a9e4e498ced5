//! Asynchronous runs (`AsyncLocalSubprocessInvoker`): started by `POST /`, which answers 202
//! with a run id at once, and followed with `GET /runs/{id}`.
//!
//! A run is `running` (which includes waiting for a free process slot) until it ends
//! `succeeded`, `failed` or `timed_out`; then its record carries result.json's `result`,
//! `error` and `trace`. The registry lives in memory: records of finished runs are kept up to
//! `retained` (oldest forgotten first), and result.json stays in the results folder anyway.

use super::invoker::{Finished, Outcome, RunReport};
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

    pub fn start(
        &self,
        run_id: &str,
        workflow: &str,
        label: &str,
        workflow_run_id: &str,
        results_url: &str,
    ) {
        let mut inner = self.inner.lock().expect("runs lock");
        inner.records.insert(
            run_id.to_string(),
            RunRecord {
                run_id: run_id.to_string(),
                status: RunStatus::Running,
                workflow: workflow.into(),
                label: label.into(),
                workflow_run_id: workflow_run_id.into(),
                results_url: results_url.into(),
                submitted_at: now_epoch(),
                started: Instant::now(),
                duration_s: None,
                report: None,
            },
        );
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
            runs.start(id, "wt-x-workflow", "//x", "", "file:///tmp/x");
        }
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
