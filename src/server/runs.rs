//! Asynchronous runs (`AsyncLocalSubprocessInvoker`): started by `POST /`, which answers 202
//! with a run id at once, and followed with `GET /runs/{id}`.
//!
//! A run is `running` (which includes waiting for a free process slot) until it ends
//! `succeeded`, `failed` or `timed_out`; then its record carries result.json's `result`,
//! `error` and `trace`. The registry lives in memory: records of finished runs are kept up to
//! `retained` (oldest forgotten first), and result.json stays in the results folder anyway.

use super::invoker::{Finished, Outcome};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
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

#[derive(Debug, Clone)]
struct Record {
    status: RunStatus,
    workflow: String,
    label: String,
    workflow_run_id: String,
    results_url: String,
    submitted_at: f64,
    started: Instant,
    duration_s: Option<f64>,
    body: Option<Json>,
}

#[derive(Debug)]
pub struct Runs {
    retained: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    records: HashMap<String, Record>,
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
            Record {
                status: RunStatus::Running,
                workflow: workflow.into(),
                label: label.into(),
                workflow_run_id: workflow_run_id.into(),
                results_url: results_url.into(),
                submitted_at: now_epoch(),
                started: Instant::now(),
                duration_s: None,
                body: None,
            },
        );
    }

    /// Records how a run ended.
    pub fn finish(&self, run_id: &str, finished: &Finished) {
        self.end(run_id, finished.outcome.into(), finished.body.clone());
    }

    /// Records a run that could not be started or crashed.
    pub fn fail(&self, run_id: &str, error: String) {
        self.end(
            run_id,
            RunStatus::Failed,
            json!({"result": null, "error": error, "trace": null}),
        );
    }

    fn end(&self, run_id: &str, status: RunStatus, body: Json) {
        let mut inner = self.inner.lock().expect("runs lock");
        let Some(record) = inner.records.get_mut(run_id) else {
            return;
        };
        record.status = status;
        record.duration_s = Some(record.started.elapsed().as_secs_f64());
        record.body = Some(body);
        inner.finished.push_back(run_id.to_string());
        while inner.finished.len() > self.retained {
            if let Some(old) = inner.finished.pop_front() {
                inner.records.remove(&old);
            }
        }
    }

    /// `{"run_id", "status", "workflow", "label", "workflow_run_id", "results_url",
    /// "submitted_at", "duration_s"?, "result"?, "error"?, "trace"?}`
    pub fn get(&self, run_id: &str) -> Option<Json> {
        let inner = self.inner.lock().expect("runs lock");
        let r = inner.records.get(run_id)?;
        let mut out = Map::new();
        out.insert("run_id".into(), json!(run_id));
        out.insert("status".into(), json!(r.status));
        out.insert("workflow".into(), json!(r.workflow));
        out.insert("label".into(), json!(r.label));
        out.insert("workflow_run_id".into(), json!(r.workflow_run_id));
        out.insert("results_url".into(), json!(r.results_url));
        out.insert("submitted_at".into(), json!(r.submitted_at));
        if let Some(d) = r.duration_s {
            out.insert("duration_s".into(), json!(d));
        }
        if let Some(Json::Object(body)) = &r.body {
            for (k, v) in body {
                out.insert(k.clone(), v.clone());
            }
        }
        Some(Json::Object(out))
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
        assert_eq!(runs.get("a").unwrap()["status"], "running");
        let done = Finished::error(Outcome::TimedOut, "late".into(), None);
        runs.finish("a", &done);
        runs.fail("b", "boom".into());
        runs.finish("c", &done);
        assert!(runs.get("a").is_none());
        assert_eq!(runs.get("b").unwrap()["error"], "boom");
        assert_eq!(runs.get("c").unwrap()["status"], "timed_out");
        assert_eq!(runs.running(), 0);
    }
}
