// A run's DAG: the workflow's task instances in layers (each after the ones it reads), each
// with its state, its duration and, for a fan-out, its elements, from the run's progress.

import { layersOf } from "./dag.js";

const LABELS = {
  waiting: "waiting",
  running: "running",
  succeeded: "succeeded",
  skipped: "skipped",
  reused: "reused",
  failed: "failed",
  cancelled: "cancelled",
  not_run: "not run",
};

function seconds(s) {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

function Task({ task, progress, finished, now }) {
  const state = progress?.state || (finished ? "not_run" : "waiting");
  let time = "";
  if (progress?.duration_s != null) time = seconds(progress.duration_s);
  else if (state === "running" && progress?.started_at) time = seconds(Math.max(0, now / 1000 - progress.started_at));
  const total = progress?.elements;
  return (
    <li className={`task ${state}`} id={`wt-task-${task.id}`} data-state={state}>
      <span className="task-name">{task.name}</span>
      <span className="task-state">{LABELS[state] || state}</span>
      {time && <span className="task-time">{time}</span>}
      {task.mapped && total != null && (
        <span className="task-elements">
          {progress.elements_done}/{total} elements
          {progress.elements_reused > 0 && `, ${progress.elements_reused} reused`}
          {progress.elements_skipped > 0 && `, ${progress.elements_skipped} skipped`}
        </span>
      )}
    </li>
  );
}

export function TaskGraph({ tasks, progress, finished, now }) {
  if (!tasks || tasks.length === 0) return null;
  return (
    <ol className="dag" id="wt-dag" aria-label="Task instances, in the order they can run">
      {layersOf(tasks).map((layer, i) => (
        <li key={i} className="layer">
          <ol>
            {layer.map((t) => (
              <Task key={t.id} task={t} progress={progress?.[t.id]} finished={finished} now={now} />
            ))}
          </ol>
        </li>
      ))}
    </ol>
  );
}
