// The shape of a workflow's DAG, for drawing it.

/** The tasks in layers: a task is one layer below the deepest task it reads. */
export function layersOf(tasks) {
  const depth = {};
  const layers = [];
  for (const t of tasks) {
    depth[t.id] = Math.max(0, ...t.after.map((a) => (depth[a] ?? -1) + 1));
    (layers[depth[t.id]] ||= []).push(t);
  }
  return layers.filter(Boolean);
}
