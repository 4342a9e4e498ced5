// One workflow: its form (rjsf.json, validated in the page against draft 2020-12), the run
// options and secrets, and the run started from them.

import { useEffect, useRef, useState } from "react";
import Form from "@rjsf/core";
import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020.js";
import { ApiError, formdataToParams, getRjsf, paramsToFormdata, startRun } from "./api.js";
import { extraErrorsOf } from "./errors.js";
import { describeWorkflow, splitRjsf } from "./schema.js";
import { RunPanel } from "./RunPanel.jsx";
import { Options, Secrets, Settings } from "./Options.jsx";
import { ButtonTemplates } from "./buttons.jsx";

const validator = customizeValidator({ AjvClass: Ajv2020 });

export function Launch({ workflow, initialRun, onRunsChanged }) {
  const [form, setForm] = useState(null);
  const [formData, setFormData] = useState(undefined);
  const [extraErrors, setExtraErrors] = useState(undefined);
  const [options, setOptions] = useState({ executionMode: "sequential", mockIo: false, timeout: "" });
  const [secrets, setSecrets] = useState([]);
  const [settings, setSettings] = useState({});
  const [runId, setRunId] = useState(initialRun);
  const [problem, setProblem] = useState("");
  const [busy, setBusy] = useState(false);
  const lastParams = useRef(null);

  useEffect(() => {
    getRjsf(workflow.release)
      .then((doc) => setForm(splitRjsf(doc)))
      .catch((e) => setProblem(`Could not load the form: ${e.message}`));
  }, [workflow.release]);

  const submit = async ({ formData: data }) => {
    setProblem("");
    setExtraErrors(undefined);
    setBusy(true);
    try {
      const params = await formdataToParams(workflow.release, data);
      const body = { params, execution_mode: options.executionMode, mock_io: options.mockIo };
      if (options.timeout !== "") body.timeout = Number(options.timeout);
      const asked = (workflow.settings || []).filter((s) => s.value === null);
      if (asked.length > 0) {
        body.settings = Object.fromEntries(asked.map((s) => [s.name, settings[s.name] || ""]));
      }
      const named = secrets.filter((s) => s.name.trim() !== "");
      if (named.length > 0) {
        body.data_connections_env_vars = Object.fromEntries(named.map((s) => [s.name.trim(), s.value]));
      }
      const started = await startRun(workflow.release, body);
      lastParams.current = params;
      // Secrets are sent once and never kept in the page.
      setSecrets((rows) => rows.map((s) => ({ ...s, value: "" })));
      setRunId(started.run_id);
      const url = new URL(window.location.href);
      url.search = new URLSearchParams({ workflow: workflow.release, run: started.run_id }).toString();
      window.history.replaceState(null, "", url);
      onRunsChanged();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setExtraErrors(extraErrorsOf(e.body));
        setProblem("The server refused these parameters; see the marked fields.");
      } else {
        setProblem(e.message);
      }
    } finally {
      setBusy(false);
    }
  };

  const runAgain = async (params) => {
    try {
      setFormData(await paramsToFormdata(workflow.release, params));
      setExtraErrors(undefined);
      document.getElementById("root")?.scrollIntoView?.();
    } catch (e) {
      setProblem(`Could not restore the parameters: ${e.message}`);
    }
  };

  const { title, description } = describeWorkflow(workflow, form?.schema || {});
  return (
    <section aria-labelledby="wt-title">
      <h2 id="wt-title">{title}</h2>
      {description && <p className="description">{description}</p>}
      <p className="meta">
        {workflow.release} {workflow.version} · {workflow.label}
      </p>
      {problem && <p role="alert" id="wt-problem" className="problem">{problem}</p>}
      {form && (
        <Form
          schema={form.schema}
          uiSchema={form.uiSchema}
          validator={validator}
          templates={{ ButtonTemplates }}
          formData={formData}
          onChange={(e) => setFormData(e.formData)}
          onSubmit={submit}
          extraErrors={extraErrors}
          showErrorList="top"
          noHtml5Validate
        >
          <Options options={options} onChange={setOptions} />
          <Settings settings={workflow.settings} values={settings} onChange={setSettings} />
          <Secrets rows={secrets} onChange={setSecrets} />
          <button type="submit" id="wt-run" disabled={busy}>
            {busy ? "Starting…" : "Run"}
          </button>
        </Form>
      )}
      {runId && (
        <RunPanel
          key={runId}
          runId={runId}
          release={workflow.release}
          workflow={workflow}
          onFinished={onRunsChanged}
          onRunAgain={runAgain}
          knownParams={lastParams.current}
        />
      )}
    </section>
  );
}
