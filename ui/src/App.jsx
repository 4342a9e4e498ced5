// The page: the workflow picker, the chosen workflow's form with the run options, the run
// being watched, and this server's recent runs.

import { useEffect, useState } from "react";
import { listWorkflows } from "./api.js";
import { Launch } from "./Launch.jsx";
import { RecentRuns } from "./RecentRuns.jsx";

export function App({ initialWorkflow, initialRun }) {
  const [workflows, setWorkflows] = useState(null);
  const [release, setRelease] = useState(initialWorkflow || "");
  const [problem, setProblem] = useState("");
  const [runsChanged, setRunsChanged] = useState(0);

  useEffect(() => {
    listWorkflows()
      .then((list) => {
        setWorkflows(list);
        if (!initialWorkflow && list.length > 0) setRelease(list[0].release);
      })
      .catch((e) => setProblem(`Could not list the workflows: ${e.message}`));
  }, [initialWorkflow]);

  const choose = (next) => {
    setRelease(next);
    const url = new URL(window.location.href);
    url.search = new URLSearchParams({ workflow: next }).toString();
    window.history.replaceState(null, "", url);
  };

  const chosen = workflows?.find((w) => w.release === release);
  return (
    <main>
      <header>
        <h1>wt launchpad</h1>
        {workflows && (
          <label className="picker">
            Workflow{" "}
            <select id="wt-workflow" value={release} onChange={(e) => choose(e.target.value)}>
              {workflows.map((w) => (
                <option key={w.release} value={w.release}>
                  {w.title || w.release} ({w.version})
                </option>
              ))}
            </select>
          </label>
        )}
      </header>
      {problem && <p role="alert" className="problem">{problem}</p>}
      {workflows && !chosen && release && (
        <p role="alert" className="problem">No workflow `{release}` is served here.</p>
      )}
      {chosen && (
        <Launch
          key={chosen.release}
          workflow={chosen}
          initialRun={chosen.release === initialWorkflow ? initialRun : null}
          onRunsChanged={() => setRunsChanged((n) => n + 1)}
        />
      )}
      <RecentRuns changed={runsChanged} />
    </main>
  );
}
