//! `GET /openapi.json`: an OpenAPI 3.1 description of the server, written by hand.

use super::invoker::InvokerKind;
use super::workflows::Workflows;
use serde_json::{Value, json};

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn selection() -> Vec<Value> {
    vec![
        query(
            "matchspec",
            "Release name of a served workflow, optionally with a version constraint (`wt-x-workflow`, `wt-x-workflow >=0.1`). Optional when one workflow is served.",
            json!({"type": "string"}),
        ),
        query(
            "label",
            "Build label of a served workflow (`//workflows/x`), instead of matchspec.",
            json!({"type": "string"}),
        ),
    ]
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn answer(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": json_content(schema)})
}

fn detail() -> Value {
    json!({"$ref": "#/components/schemas/Detail"})
}

fn validation() -> Value {
    json!({"$ref": "#/components/schemas/ValidationErrorResponse"})
}

fn result() -> Value {
    json!({"$ref": "#/components/schemas/ResponseModel"})
}

fn conversion(summary: &str) -> Value {
    json!({"post": {
        "summary": summary,
        "parameters": selection(),
        "requestBody": {"required": true, "content": json_content(json!({"type": "object"}))},
        "responses": {
            "200": answer("The converted document.", json!({"type": "object"})),
            "400": answer("The body is not JSON.", detail()),
            "404": answer("No such workflow.", detail()),
            "422": answer("The document does not match its schema.", validation()),
        }
    }})
}

fn schema_get(summary: &str) -> Value {
    json!({"get": {
        "summary": summary,
        "parameters": selection(),
        "responses": {
            "200": answer("The document.", json!({"type": "object"})),
            "404": answer("No such workflow.", detail()),
        }
    }})
}

pub fn document(workflows: &Workflows) -> Value {
    let mut run_parameters = selection();
    run_parameters.extend([
        query(
            "invoker_type",
            "How to run.",
            json!({"type": "string", "enum": InvokerKind::NAMES, "default": "BlockingLocalSubprocessInvoker"}),
        ),
        query("execution_mode", "Also accepted in the body (the body wins).", json!({"type": "string", "enum": ["sequential", "parallel", "async"], "default": "sequential"})),
        query("mock_io", "Also accepted in the body.", json!({"type": "boolean", "default": false})),
        query("results_url", "file:// URL or absolute path of the results folder (created if missing); gs:// etc. for Cloud Batch. Default: a new folder under the server's results root. Also accepted in the body.", json!({"type": "string"})),
        query("workflow_run_id", "Also accepted in the body; required (non-blank) for Cloud Batch.", json!({"type": "string", "default": ""})),
        query("timeout", "Seconds; the run's process group is killed when it is exceeded. Also accepted in the body.", json!({"type": "number", "exclusiveMinimum": 0})),
        query("on_disconnect", "Blocking runs: `cancel` stops the run (and writes its result.json) when the client disconnects before the answer; `continue` lets it finish. Also accepted in the body.", json!({"type": "string", "enum": ["cancel", "continue"], "default": "cancel"})),
        query("docker_image_uri", "Cloud Batch container image. Also accepted in the body.", json!({"type": "string"})),
        json!({"name": "traceparent", "in": "header", "required": false, "schema": {"type": "string"}, "description": "W3C trace context, passed to the workflow as TRACEPARENT."}),
        json!({"name": "tracestate", "in": "header", "required": false, "schema": {"type": "string"}, "description": "Passed to the workflow as TRACESTATE."}),
    ]);
    let served: Vec<Value> = workflows
        .iter()
        .map(|w| json!({"release": w.release, "label": w.label, "version": w.version}))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "wt-runner",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Runs workflows compiled by wt (`wt serve`). Compatible with the wt-runner HTTP API.",
        },
        "x-wt-workflows": served,
        "paths": {
            "/": {
                "get": {
                    "summary": "Health check.",
                    "responses": {"200": answer("Alive.", json!({"type": "object", "properties": {"status": {"const": "ok"}}}))}
                },
                "post": {
                    "summary": "Run a workflow.",
                    "parameters": run_parameters,
                    "requestBody": {"required": true, "content": json_content(json!({"$ref": "#/components/schemas/RunBody"}))},
                    "responses": {
                        "200": answer("The run succeeded: result.json.", result()),
                        "202": answer("Asynchronous run started (`run_id`), or Cloud Batch job created (`job_id`).", json!({"type": "object"})),
                        "400": answer("The body is not JSON or the query string is malformed.", detail()),
                        "404": answer("No served workflow matches.", detail()),
                        "413": answer("The body is too large.", detail()),
                        "422": answer("Invalid parameters (items) or options (message), or the workflow rejected its parameters.", json!({"oneOf": [validation(), detail(), result()]})),
                        "500": answer("The workflow failed: result.json with error and trace.", result()),
                        "502": answer("Cloud Batch refused the job.", result()),
                        "503": answer("Cloud Batch is not configured or unreachable.", result()),
                        "504": answer("The run timed out and was killed.", result()),
                    }
                }
            },
            "/runs/{run_id}": {
                "get": {
                    "summary": "Status of an asynchronous run: result, error and trace once it ended; `tasks`, each started task instance's state, times and element counts.",
                    "parameters": [{"name": "run_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {
                        "200": answer("The run.", json!({"$ref": "#/components/schemas/RunStatus"})),
                        "404": answer("Unknown run.", detail()),
                    }
                }
            },
            "/runs": {
                "get": {
                    "summary": "This server's most recent asynchronous runs, newest first (at most 50; no results or parameters).",
                    "responses": {"200": answer("The runs.", json!({"type": "object", "properties": {"runs": {"type": "array", "items": {"type": "object"}}}}))}
                }
            },
            "/ui": {
                "get": {
                    "summary": "The launchpad page: fill a workflow's form, run it, read the result (`?workflow=<release>&run=<id>`).",
                    "responses": {"200": {"description": "The page.", "content": {"text/html": {}}}}
                }
            },
            "/workflows": {
                "get": {
                    "summary": "The served workflows.",
                    "responses": {"200": answer("Release, label, version and DAG (`tasks`) of each.", json!({"type": "object"}))}
                }
            },
            "/rjsf": schema_get("The workflow's form schema (rjsf.json)."),
            "/params": schema_get("The workflow's parameter schema (params.json)."),
            "/data-connection-property-names": schema_get("Data connection kinds and the task instances that take them."),
            "/formdata-to-params": conversion("Convert grouped form data to flat parameters."),
            "/params-to-formdata": conversion("Convert flat parameters to grouped form data."),
            "/run-from-pubsub": {
                "post": {
                    "summary": "Run from a Pub/Sub push message (RunWorkflow payload, base64 JSON in message.data). Always 200.",
                    "requestBody": {"required": true, "content": json_content(json!({
                        "type": "object",
                        "properties": {"message": {"type": "object", "properties": {"data": {"type": "string", "contentEncoding": "base64"}}, "required": ["data"]}},
                        "required": ["message"]
                    }))},
                    "responses": {"200": answer("processed, or error with the reason.", json!({
                        "type": "object",
                        "properties": {"status": {"enum": ["processed", "error"]}, "error": {"type": ["string", "null"]}, "trace": {"type": ["string", "null"]}},
                        "required": ["status"]
                    }))}
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "responses": {"200": answer("OpenAPI 3.1.", json!({"type": "object"}))}
                }
            }
        },
        "components": {"schemas": {
            "Detail": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
            "ValidationErrorItem": {
                "type": "object",
                "properties": {
                    "message": {"type": "string"},
                    "path": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "schema_path": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "validator": {"type": ["string", "null"]},
                    "input": {}
                },
                "required": ["message", "path", "schema_path", "validator", "input"]
            },
            "ValidationErrorResponse": {
                "type": "object",
                "properties": {"detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationErrorItem"}}},
                "required": ["detail"]
            },
            "ResponseModel": {
                "type": "object",
                "properties": {"result": {}, "error": {"type": ["string", "null"]}, "trace": {"type": ["string", "null"]}},
                "required": ["result", "error", "trace"]
            },
            "RunStatus": {
                "type": "object",
                "properties": {
                    "run_id": {"type": "string"},
                    "status": {"enum": ["running", "succeeded", "failed", "timed_out"]},
                    "workflow": {"type": "string"},
                    "label": {"type": "string"},
                    "workflow_run_id": {"type": "string"},
                    "results_url": {"type": "string"},
                    "submitted_at": {"type": "number"},
                    "params": {"type": "object", "description": "The validated parameters of the run."},
                    "duration_s": {"type": "number"},
                    "result": {}, "error": {"type": ["string", "null"]}, "trace": {"type": ["string", "null"]},
                    "tasks": task_progress(),
                },
                "required": ["run_id", "status"]
            },
            "RunBody": {
                "type": "object",
                "properties": {
                    "params": {"type": "object", "description": "Parameters keyed by task instance id (see GET /params)."},
                    "data_connections_env_vars": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Secrets, set as environment variables of the run; never logged or echoed."},
                    "settings": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Values of the environment variables the workflow reads (${{ env.X }}) that the server leaves unset; shown as they are."},
                    "lithops_config": {"type": "object", "description": "Lithops settings of an async run, laid over the operator's (wt serve --lithops-config): only lithops.backend, lithops.storage, lithops.data_limit, lithops.workers, localhost.worker_processes, gcp/aws/azure.region and a cloud backend's runtime, runtime_memory, runtime_timeout, max_workers and region, checked by type and range (worker counts at most the server's --workers-per-run, else one per CPU); any other setting is refused with 422."},
                    "execution_mode": {"enum": ["sequential", "parallel", "async"]},
                    "mock_io": {"type": "boolean"},
                    "reuse": {"type": "boolean", "description": "Reuse stored task results whose inputs are unchanged (io tasks always run); only on a server started with --allow-reuse (else 422)."},
                    "results_url": {"type": "string"},
                    "workflow_run_id": {"type": "string"},
                    "timeout": {"type": "number"},
                    "on_disconnect": {"enum": ["cancel", "continue"]},
                    "docker_image_uri": {"type": "string"},
                    "cpu_milli": {"type": "integer"},
                    "memory_mib": {"type": "integer"},
                    "machine_type": {"type": "string"},
                    "gpu_type": {"type": "string"},
                    "gpu_count": {"type": "integer"},
                    "network": {"type": "string"},
                    "subnetwork": {"type": "string"},
                    "no_external_ip": {"type": "boolean"},
                    "project_id": {"type": "string"},
                    "region": {"type": "string"}
                },
                "required": ["params"]
            }
        }}
    })
}

/// `tasks` of `GET /runs/{run_id}`.
fn task_progress() -> Value {
    json!({
        "type": "object",
        "description": "Each task instance that has started, by id, from the spans its workflow writes as it runs.",
        "additionalProperties": {
            "type": "object",
            "properties": {
                "state": {"enum": ["running", "succeeded", "skipped", "reused", "failed", "cancelled"]},
                "started_at": {"type": "number"},
                "duration_s": {"type": "number"},
                "elements": {"type": "integer"},
                "elements_done": {"type": "integer"},
                "elements_reused": {"type": "integer"},
                "elements_skipped": {"type": "integer"},
                "error": {"type": "string"}
            }
        }
    })
}
