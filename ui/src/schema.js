// rjsf.json carries its uiSchema inside the document; RJSF wants the two apart (otherwise
// `ui:order` is ignored).

/** `{schema, uiSchema}` of an rjsf.json document. */
export function splitRjsf(doc) {
  const { uiSchema = {}, ...schema } = doc || {};
  return { schema, uiSchema };
}

/** The title and description to show for a workflow. */
export function describeWorkflow(workflow, schema) {
  return {
    title: workflow.title || schema.title || workflow.release,
    description: workflow.description || schema.description || "",
  };
}
