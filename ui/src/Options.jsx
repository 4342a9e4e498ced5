// The run options (execution mode, mock io, timeout), the settings the workflow reads
// (`${{ env.X }}`, shown as they are) and the secrets of a run, which reach the workflow as
// environment variables and are never shown again.

export function Options({ options, onChange }) {
  const set = (key) => (e) =>
    onChange({ ...options, [key]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  return (
    <fieldset className="options">
      <legend>Run options</legend>
      <label htmlFor="wt-execution-mode">Execution mode</label>
      <select id="wt-execution-mode" value={options.executionMode} onChange={set("executionMode")}>
        <option value="sequential">sequential (one task at a time)</option>
        <option value="parallel">parallel (local worker processes)</option>
        <option value="async">async (Lithops)</option>
      </select>
      <label htmlFor="wt-mock-io" className="inline">
        <input id="wt-mock-io" type="checkbox" checked={options.mockIo} onChange={set("mockIo")} /> Mock
        io (tasks that read or write data use their test doubles)
      </label>
      <label htmlFor="wt-timeout">Timeout (seconds, empty for none)</label>
      <input id="wt-timeout" type="number" min="1" step="any" value={options.timeout} onChange={set("timeout")} />
    </fieldset>
  );
}

export function Secrets({ rows, onChange }) {
  const update = (i, key) => (e) => onChange(rows.map((r, j) => (j === i ? { ...r, [key]: e.target.value } : r)));
  return (
    <fieldset className="secrets">
      <legend>Secrets (data connections)</legend>
      <p className="hint">Set as environment variables of the run; masked in every log and answer.</p>
      {rows.map((row, i) => (
        <div className="secret" key={i}>
          <label htmlFor={`wt-secret-name-${i}`}>Name</label>
          <input id={`wt-secret-name-${i}`} value={row.name} onChange={update(i, "name")} autoComplete="off" />
          <label htmlFor={`wt-secret-value-${i}`}>Value</label>
          <input
            id={`wt-secret-value-${i}`}
            type="password"
            value={row.value}
            onChange={update(i, "value")}
            autoComplete="new-password"
          />
          <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" id="wt-add-secret" onClick={() => onChange([...rows, { name: "", value: "" }])}>
        Add a secret
      </button>
    </fieldset>
  );
}

/** The settings the workflow reads: the server's values shown, the others asked for. */
export function Settings({ settings, values, onChange }) {
  if (!settings || settings.length === 0) return null;
  return (
    <fieldset className="settings">
      <legend>Settings</legend>
      <p className="hint">Environment variables the workflow reads; shown as they are, not secret.</p>
      {settings.map((s) => {
        const id = `wt-setting-${s.name}`;
        const fixed = s.value !== null && s.value !== undefined;
        return (
          <div key={s.name}>
            <label htmlFor={id}>
              {s.name}
              {fixed ? " (set by the server)" : "*"}
            </label>
            <input
              id={id}
              value={fixed ? s.value : values[s.name] || ""}
              readOnly={fixed}
              required={!fixed}
              aria-describedby={`${id}-where`}
              onChange={(e) => onChange({ ...values, [s.name]: e.target.value })}
              autoComplete="off"
            />
            <p className="hint" id={`${id}-where`}>
              Read at {s.where}
            </p>
          </div>
        );
      })}
    </fieldset>
  );
}
