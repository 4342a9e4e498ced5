// The launchpad of `wt serve`: pick a workflow, fill its form, run it, watch it, read the
// result. Served at /ui; `/ui?workflow=<release>` opens a workflow, `&run=<id>` a run.

import { createRoot } from "react-dom/client";
import "./style.css";
import { App } from "./App.jsx";

const params = new URLSearchParams(window.location.search);
createRoot(document.getElementById("wt-app")).render(
  <App initialWorkflow={params.get("workflow")} initialRun={params.get("run")} />,
);
