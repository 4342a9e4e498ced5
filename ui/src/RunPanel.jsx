// A run being watched: its status, elapsed time and DAG (each task instance's state, live,
// polling GET /runs/{id}), then its result or its failure (the failing task, the error and
// the author's own frames first), a link to share it, and "run again".

import { useEffect, useState } from "react";
import { getRun } from "./api.js";
import { TaskGraph } from "./TaskGraph.jsx";
import { ownFrames } from "./trace.js";

const POLL_MS = 500;

function Failure({ record, workflow }) {
  const failed = (workflow?.tasks || []).find((t) => record.tasks?.[t.id]?.state === "failed");
  const { own, folded } = ownFrames(record.trace, workflow?.package);
  return (
    <div id="wt-error" className="error" role="alert">
      {failed && (
        <p id="wt-failed-task">
          Failed in task <strong>{failed.name}</strong> (<code>{failed.id}</code>)
        </p>
      )}
      <p>{record.error}</p>
      {own.length > 0 && (
        <ol id="wt-own-frames" className="frames" aria-label="Your code, innermost last">
          {own.map((f, i) => (
            <li key={i}>
              <code>{f.file}</code>, line {f.line}, in <code>{f.func}</code>
              {f.code.length > 0 && <pre>{f.code.join("\n")}</pre>}
            </li>
          ))}
        </ol>
      )}
      {record.trace && (
        <details id="wt-trace">
          <summary>Full traceback ({folded} framework frames)</summary>
          <pre className="trace">{record.trace}</pre>
        </details>
      )}
    </div>
  );
}

export function RunPanel({ runId, release, workflow, onFinished, onRunAgain, knownParams }) {
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
      {record && (
        <TaskGraph
          tasks={workflow?.tasks}
          progress={record.tasks}
          finished={record.status !== "running"}
          now={now}
        />
      )}
      {record && record.status === "succeeded" && (
        <pre id="wt-result" className="result">{JSON.stringify(record.result, null, 2)}</pre>
      )}
      {record && record.error && <Failure record={record} workflow={workflow} />}
      {record && record.status !== "running" && params && (
        <button type="button" id="wt-run-again" onClick={() => onRunAgain(params)}>
          Run again with these parameters
        </button>
      )}
    </section>
  );
}
