// This server's recent runs, newest first, each linking to its result.

import { useEffect, useState } from "react";
import { listRuns } from "./api.js";

export function RecentRuns({ changed }) {
  const [runs, setRuns] = useState([]);
  useEffect(() => {
    listRuns()
      .then(setRuns)
      .catch(() => setRuns([]));
  }, [changed]);
  if (runs.length === 0) return null;
  return (
    <section aria-labelledby="wt-recent-title" className="recent">
      <h2 id="wt-recent-title">Recent runs</h2>
      <table id="wt-recent">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Workflow</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.run_id}>
              <td>
                <a href={`/ui?${new URLSearchParams({ workflow: r.workflow, run: r.run_id })}`}>
                  {r.run_id.slice(0, 8)}
                </a>
              </td>
              <td>{r.workflow}</td>
              <td className={`status ${r.status}`}>{r.status.replace("_", " ")}</td>
              <td>{new Date(r.submitted_at * 1000).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
