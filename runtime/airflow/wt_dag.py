"""An Apache Airflow 3 DAG of a wt workflow, generated with it (`airflow/<release>.py`).

It imports only Airflow and the standard library: Airflow's environment is not the workflow's.
Every step runs the workflow package's own entry point, `python -m <package>.entry`, which
reads the values it needs from the results store and writes its result there; XCom carries
only references (`{"digest": ...}`), so two DAG runs never see each other's values and no
value crosses Airflow's database.

Steps: `check_params` (params.json and the settings the workflow reads, before any task
starts); one task per task instance, a `map` / `mapvalues` being a mapped task (one mapped
instance per element, after a `<id>__elements` task that stores the elements); `finish`, which
writes result.json to `results_url` as `wt run` does, even when a task failed (its error, with
the worker's traceback, is also in that task's log).

Where steps run is chosen when the DAG is parsed, by `WT_AIRFLOW_MODE` (an environment variable
or an Airflow Variable of that name):
- `kubernetes` (default): each step is a pod of the workflow's image (`WT_AIRFLOW_IMAGE`,
  built from the workspace's Dockerfile; default: the release name),
  in `WT_AIRFLOW_NAMESPACE`, with `WT_AIRFLOW_CPU` / `WT_AIRFLOW_MEMORY` requests and
  `WT_AIRFLOW_IMAGE_PULL_POLICY`; the store must be one every pod reaches (`gs://`, `s3://`).
- `local`: each step is a subprocess of `WT_AIRFLOW_PYTHON`, an interpreter of the workflow's
  environment, in the compiled workspace (the folder above this file).

The run's conf holds the runner's body fields: `params`, `mock_io`, `results_url`, and
`reuse` (look results up in the store before running). The store is `WT_AIRFLOW_RESULTS_STORE`,
else (local mode) the folder `results-store` beside result.json.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, TriggerRule, Variable, get_current_context, task

MODES = ("kubernetes", "local")

# How the workspace's image (its Dockerfile) runs a program in the workflow's environment.
PIXI_RUN = ["pixi", "run", "--frozen", "-e", "default"]


def _setting(name: str, default: str | None = None) -> str | None:
    """An environment variable, else the Airflow Variable of that name, else `default`."""
    value = os.environ.get(name)
    if value:
        return value
    try:
        return Variable.get(name, default=default)
    except Exception:  # noqa: BLE001 - no metadata database while parsing in some setups
        return default


def _run_conf() -> tuple[dict[str, Any], str]:
    """The DAG run's conf and its id (one path segment of the store's records)."""
    context = get_current_context()
    conf = dict(context["dag_run"].conf or {})
    return conf, context["run_id"]


def _store(conf: dict[str, Any]) -> str:
    configured = _setting("WT_AIRFLOW_RESULTS_STORE")
    if configured:
        return configured
    results = conf.get("results_url")
    if not results or "://" in results.replace("file://", "", 1):
        raise ValueError(
            "No results store: set WT_AIRFLOW_RESULTS_STORE (a gs:// or s3:// URL every "
            "worker reaches), or give a local results_url in the run's conf"
        )
    return str(Path(results.replace("file://", "", 1)) / "results-store")


def _plain(ref: Any) -> Any:
    """An XCom value as JSON: a mapped task's values arrive as a lazy sequence."""
    return ref if isinstance(ref, dict) or ref is None else [_plain(r) for r in ref]


def _arguments(
    command: str, node: str | None, inputs: dict[str, Any], **more: Any
) -> list[str]:
    conf, run_id = _run_conf()
    args = {
        "node": node,
        "params": conf.get("params") or {},
        "inputs": {k: _plain(v) for k, v in inputs.items()},
        "store": _store(conf),
        "mock_io": bool(conf.get("mock_io", False)),
        "reuse": bool(conf.get("reuse", False)),
        "run": run_id,
        **more,
    }
    return [command, json.dumps(args)]


def _finish_arguments(terminal: str | None) -> list[str]:
    """`finish`'s arguments: the terminal instance's reference (none when it did not run)."""
    conf, _ = _run_conf()
    inputs = {}
    if terminal is not None:
        inputs[terminal] = get_current_context()["ti"].xcom_pull(task_ids=terminal)
    return _arguments(
        "finish", None, inputs, terminal=terminal, results_url=conf.get("results_url")
    )


class LocalSteps:
    """Steps as subprocesses of `WT_AIRFLOW_PYTHON` in the compiled workspace."""

    def __init__(self, workflow: dict[str, Any]) -> None:
        self.package = workflow["package"]
        self.workspace = Path(__file__).resolve().parent.parent
        self.python = _setting("WT_AIRFLOW_PYTHON")

    def call(self, arguments: list[str]) -> Any:
        if not self.python:
            raise RuntimeError(
                "WT_AIRFLOW_PYTHON is not set: name an interpreter of the workflow's "
                "environment (see the workspace's README)"
            )
        env = dict(
            os.environ, PYTHONPATH=str(self.workspace), PYTHONDONTWRITEBYTECODE="1"
        )
        done = subprocess.run(
            [self.python, "-m", f"{self.package}.entry", *arguments],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        # The step's own output, its traceback included, goes to this task's log.
        print(done.stderr, end="")
        if done.returncode != 0:
            last = done.stderr.strip().splitlines()[-1:] or [
                f"exit status {done.returncode}"
            ]
            raise RuntimeError(last[0])
        return json.loads(done.stdout.strip().splitlines()[-1])


def build_dag(workflow: dict[str, Any]) -> DAG:
    """The DAG of `workflow`: {release, package, terminal, nodes: [{id, inputs, fan_out}]}
    with the nodes in an order where each comes after its inputs."""
    mode = _setting("WT_AIRFLOW_MODE", "kubernetes")
    if mode not in MODES:
        raise ValueError(f"WT_AIRFLOW_MODE={mode!r}: use one of {', '.join(MODES)}")
    with DAG(
        dag_id=workflow["release"],
        schedule=_setting("WT_AIRFLOW_SCHEDULE"),
        catchup=False,
        tags=["wt"],
        doc_md=__doc__,
    ) as dag:
        if mode == "local":
            _local_tasks(workflow, LocalSteps(workflow))
        else:
            _pod_tasks(workflow)
    return dag


def _local_tasks(workflow: dict[str, Any], steps: LocalSteps) -> None:
    @task(task_id="check_params")
    def check_params() -> Any:
        return steps.call(_arguments("check", None, {}))

    @task
    def node(node_id: str, inputs: dict[str, Any]) -> Any:
        return steps.call(_arguments("node", node_id, inputs))

    @task
    def elements(node_id: str, inputs: dict[str, Any]) -> Any:
        return steps.call(_arguments("elements", node_id, inputs))

    @task
    def element(node_id: str, inputs: dict[str, Any], item: dict[str, str]) -> Any:
        return steps.call(_arguments("element", node_id, inputs, element=item))

    @task(task_id="finish", trigger_rule=TriggerRule.ALL_DONE)
    def finish() -> Any:
        return steps.call(_finish_arguments(workflow["terminal"]))

    checked = check_params()
    outputs: dict[str, Any] = {}
    for spec in workflow["nodes"]:
        inputs = {i: outputs[i] for i in spec["inputs"]}
        if spec["fan_out"]:
            items = elements.override(task_id=f"{spec['id']}__elements")(
                spec["id"], inputs
            )
            out = (
                element.override(task_id=spec["id"])
                .partial(node_id=spec["id"], inputs=inputs)
                .expand(item=items)
            )
        else:
            out = node.override(task_id=spec["id"])(spec["id"], inputs)
        checked >> out
        outputs[spec["id"]] = out
    done = finish()
    for out in outputs.values():
        out >> done
    checked >> done


def _pod_tasks(workflow: dict[str, Any]) -> None:
    """Each step a pod of the workflow's image; a small task on the Airflow worker prepares
    its arguments (references from XCom, the conf), and the pod answers through XCom's
    sidecar (`/airflow/xcom/return.json`, which the entry point writes when
    WT_XCOM_FILE names it)."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from kubernetes.client import models as k8s

    image = _setting("WT_AIRFLOW_IMAGE", workflow["release"])
    resources = k8s.V1ResourceRequirements(
        requests={
            "cpu": _setting("WT_AIRFLOW_CPU", "1"),
            "memory": _setting("WT_AIRFLOW_MEMORY", "2Gi"),
        }
    )

    def pod(task_id: str, mapped: bool, **kwargs: Any) -> Any:
        make = KubernetesPodOperator.partial if mapped else KubernetesPodOperator
        return make(
            task_id=task_id,
            image=image,
            namespace=_setting("WT_AIRFLOW_NAMESPACE", "default"),
            image_pull_policy=_setting("WT_AIRFLOW_IMAGE_PULL_POLICY", "IfNotPresent"),
            container_resources=resources,
            # The image's entry point is the CLI; a step is the package's entry point, run in
            # the image's pixi environment from the workspace (its working directory).
            cmds=[*PIXI_RUN, "python", "-m", f"{workflow['package']}.entry"],
            env_vars={"WT_XCOM_FILE": "/airflow/xcom/return.json"},
            do_xcom_push=True,
            get_logs=True,
            **kwargs,
        )

    @task
    def arguments(
        command: str, node_id: str | None, inputs: dict[str, Any]
    ) -> list[str]:
        return _arguments(command, node_id, inputs)

    @task
    def element_arguments(
        node_id: str, inputs: dict[str, Any], items: Any
    ) -> list[list[str]]:
        return [_arguments("element", node_id, inputs, element=i) for i in items]

    @task(task_id="finish__arguments", trigger_rule=TriggerRule.ALL_DONE)
    def finish_arguments() -> list[str]:
        return _finish_arguments(workflow["terminal"])

    check_args = arguments.override(task_id="check_params__arguments")(
        "check", None, {}
    )
    checked = pod("check_params", False, arguments=check_args)
    outputs: dict[str, Any] = {}
    for spec in workflow["nodes"]:
        name = spec["id"]
        inputs = {i: outputs[i].output for i in spec["inputs"]}
        if spec["fan_out"]:
            items_args = arguments.override(task_id=f"{name}__elements__arguments")(
                "elements", name, inputs
            )
            items = pod(f"{name}__elements", False, arguments=items_args)
            each = element_arguments.override(task_id=f"{name}__arguments")(
                name, inputs, items.output
            )
            out = pod(name, True).expand(arguments=each)
        else:
            args = arguments.override(task_id=f"{name}__arguments")(
                "node", name, inputs
            )
            out = pod(name, False, arguments=args)
        checked >> out
        outputs[name] = out
    finish_args = finish_arguments()
    for out in outputs.values():
        out >> finish_args
    checked >> finish_args
    pod("finish", False, arguments=finish_args, trigger_rule=TriggerRule.ALL_DONE)
