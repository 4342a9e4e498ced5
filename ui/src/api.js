// The server calls of the launchpad: the same HTTP API any client of `wt serve` uses.

/** A failed request: its status and the JSON body the server answered with. */
export class ApiError extends Error {
  constructor(status, body) {
    super(describe(body) || `the server answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

function describe(body) {
  if (!body) return "";
  if (typeof body.detail === "string") return body.detail;
  if (Array.isArray(body.detail)) return body.detail.map((i) => i.message).join("; ");
  return body.error || "";
}

async function call(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text };
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

const select = (release) => `matchspec=${encodeURIComponent(release)}`;

export const listWorkflows = () => call("GET", "/workflows").then((b) => b.workflows);
export const getRjsf = (release) => call("GET", `/rjsf?${select(release)}`);
export const formdataToParams = (release, formData) =>
  call("POST", `/formdata-to-params?${select(release)}`, formData);
export const paramsToFormdata = (release, params) =>
  call("POST", `/params-to-formdata?${select(release)}`, params);
export const getRun = (runId) => call("GET", `/runs/${encodeURIComponent(runId)}`);
export const listRuns = () => call("GET", "/runs").then((b) => b.runs);

/** Starts a run asynchronously; answers `{run_id, status_url, ...}`. */
export const startRun = (release, body) =>
  call("POST", `/?${select(release)}&invoker_type=AsyncLocalSubprocessInvoker`, body);
