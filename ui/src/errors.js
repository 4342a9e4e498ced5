// Server validation errors onto the form's fields.
//
// A 422 from `wt serve` is `{"detail": [{message, path: [key, ...], ...}]}` (or one message).
// RJSF shows `extraErrors` shaped like the form data: `{a: {b: {__errors: [...]}}}`.

/** RJSF `extraErrors` for the items of a 422 body; items without a path go on the root. */
export function extraErrorsOf(body) {
  const errors = {};
  const items = Array.isArray(body?.detail)
    ? body.detail
    : [{ message: body?.detail || "the server refused these parameters", path: [] }];
  for (const item of items) {
    let node = errors;
    for (const key of item.path || []) {
      node[key] = node[key] || {};
      node = node[key];
    }
    node.__errors = [...(node.__errors || []), item.message];
  }
  return errors;
}
