// A run being watched: its status and elapsed time while it runs (polling GET /runs/{id}),
// then its result or its error and trace, a link to share it, and "run again".

import { useEffect, useState } from "react";
import { getRun } from "./api.js";

const POLL_MS = 500;

export function RunPanel({ runId, release, onFinished, onRunAgain, knownParams }) {
  const [record, setRecord] = useState(null);
  const [problem, setProblem] = useState("");
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    let stopped = false;
    let timer = null;
    const poll = async () => {
      try {
        const r = await getRun(runId);
        if (stopped) return;
        setRecord(r);
        setNow(Date.now());
        if (r.status === "running") {
          timer = setTimeout(poll, POLL_MS);
        } else {
          onFinished();
        }
      } catch (e) {
        if (!stopped) setProblem(e.message);
      }
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId]);

  const share = `/ui?${new URLSearchParams({ workflow: release, run: runId })}`;
  const params = record?.params || knownParams;
  const elapsed = record
    ? record.duration_s ?? Math.max(0, now / 1000 - record.submitted_at)
    : 0;
  return (
    <section className="run" aria-live="polite" aria-labelledby="wt-run-title">
      <h3 id="wt-run-title">
        Run <a id="wt-share" href={share}>{runId}</a>
      </h3>
      {problem && <p role="alert" className="problem">{problem}</p>}
      {record && (
        <p>
          <span id="wt-status" className={`status ${record.status}`}>{record.status.replace("_", " ")}</span>{" "}
          <span id="wt-elapsed">{elapsed.toFixed(1)} s</span>
        </p>
      )}
      {record && record.status === "succeeded" && (
        <pre id="wt-result" className="result">{JSON.stringify(record.result, null, 2)}</pre>
      )}
      {record && record.error && (
        <div id="wt-error" className="error" role="alert">
          <p>{record.error}</p>
          {record.trace && <pre className="trace">{record.trace}</pre>}
        </div>
      )}
      {record && record.status !== "running" && params && (
        <button type="button" id="wt-run-again" onClick={() => onRunAgain(params)}>
          Run again with these parameters
        </button>
      )}
    </section>
  );
}
