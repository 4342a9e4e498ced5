"""The per-node entry point: one step of a run, for engines that schedule the DAG themselves
(the Airflow DAG in `airflow/`, as a local subprocess or a Kubernetes pod).

    python -m <package>.entry <command> '<JSON arguments>'

Every value between steps lives in the results store (`store.py`) and travels as a
reference, `{"digest": <sha256>}`: the engine passes references, never data. Commands:

- `check {params}`: the parameters against params.json, and the environment variables the
  workflow reads; exit 2 with the violations.
- `node {node, params, inputs, store, mock_io, reuse, run}`: runs one task instance (a
  `call`), reading the results it uses from the store (`inputs`: upstream id -> its reference,
  or the list of its elements' references for a fan-out) and storing its result; prints its
  reference.
- `elements {node, inputs, store}`: what a `map` / `mapvalues` iterates over, each element
  stored on its own; prints their references (one element standing for a skipped upstream).
- `element {node, params, inputs, element, store, mock_io, reuse, run}`: one element of a
  fan-out, as `node` runs a call.
- `finish {terminal, inputs, store, run, results_url}`: writes result.json as the CLI does:
  the terminal's result, or the first failure recorded for this run (then exits 1, so the
  engine's run fails too).

In a Kubernetes pod, `WT_XCOM_FILE` names the file the answer is also written to (the path
Airflow's XCom sidecar reads).

A failing step prints the error as the sequential run words it and the traceback on stderr,
records them for `finish` under the run's id, and exits 1. The last line of stdout is the
step's JSON answer.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

from wt_task.skip import SkipSentinel

from .bindings import Ref
from .keys import list_digest
from .reuse import Reuse, ReuseOptions
from .scheduler import Failure, Job, resolve, run_job
from .store import Stored, load, store_at

# The workflow package (`python -m <package>.entry` runs this module as `__main__`).
PACKAGE = __package__ or __name__.rpartition(".")[0]


def _dag(mock_io: bool) -> Any:
    name = "run_graph_mock_io" if mock_io else "run_graph"
    return importlib.import_module(f"{PACKAGE}.dags.{name}")


def _reference(digest: str) -> dict[str, str]:
    return {"digest": digest}


def _as_stored(ref: Any) -> Any:
    """An input reference as the scheduler holds results: `Stored`, or a list of them."""
    if isinstance(ref, list):
        return [_as_stored(r) for r in ref]
    return Stored(ref["digest"])


def _digest(ref: Any) -> str:
    if isinstance(ref, list):
        return list_digest([_digest(r) for r in ref])
    return ref["digest"]


def _fail(store: Any, args: dict[str, Any], failure: Failure) -> None:
    print(failure.trace, file=sys.stderr, end="")
    print(failure.error, file=sys.stderr)
    store.put_error(args["run"], args["node"], failure.error, failure.trace)
    sys.exit(1)


def _run(args: dict[str, Any], element: dict[str, str] | None) -> dict[str, str]:
    """One call, or one element of a fan-out, of the node `args["node"]`."""
    module = _dag(args.get("mock_io", False))
    node = module.NODES_BY_ID[args["node"]]
    inputs = args.get("inputs", {})
    results = {k: _as_stored(v) for k, v in inputs.items()}
    own = (args.get("params") or {}).get(node.id) or {}
    kwargs = resolve(node.partial, results) | own
    options = ReuseOptions(args["store"], lookup=bool(args.get("reuse")))
    reuse = Reuse(options, PACKAGE, args.get("mock_io", False))
    store = reuse.store
    digests = {k: _digest(v) for k, v in inputs.items()}
    elements = None if element is None else [Stored(element["digest"])]
    keyed = reuse.keyed(node, own, digests, elements, lambda e: os.environ[e.name])
    key = keyed.keys[0] if keyed is not None else None
    if key is not None:
        found = reuse.lookup(node, key)
        if found is not None:
            return _reference(found)
    if element is None:
        outcome = run_job(Job(module.__name__, node.id, kwargs, store=store.url))
    elif isinstance(skipped := store.get_value(element["digest"]), SkipSentinel):
        # A skipped upstream: the fan-out over it as a whole gives one element, this one.
        whole = run_job(Job(module.__name__, node.id, load(kwargs, store), skipped))
        outcome = whole if isinstance(whole, Failure) else store.stored(whole[0])
    else:
        one = [Stored(element["digest"])]
        outcome = run_job(Job(module.__name__, node.id, kwargs, one, store=store.url))
        outcome = outcome if isinstance(outcome, Failure) else outcome[0]
    if isinstance(outcome, Failure):
        _fail(store, args, outcome)
    if not isinstance(outcome, Stored):
        # A result that cannot be serialized cannot travel by reference.
        _fail(
            store,
            args,
            Failure(
                error=f"The result of task instance '{node.id}' cannot be serialized, so it "
                "cannot be passed to the next task.",
                trace="",
            ),
        )
    if key is not None:
        store.put_key(key, outcome.digest)
    return _reference(outcome.digest)


def _elements(args: dict[str, Any]) -> list[dict[str, str]]:
    node = _dag(args.get("mock_io", False)).NODES_BY_ID[args["node"]]
    store = store_at(args["store"])
    inputs = args.get("inputs", {})
    argvalues = node.call.argvalues
    if isinstance(argvalues, Ref) and isinstance(inputs[argvalues.id], list):
        # A fan-out's result: its elements are stored one by one already.
        return inputs[argvalues.id]
    value = load(
        resolve(argvalues, {k: _as_stored(v) for k, v in inputs.items()}), store
    )
    if isinstance(value, SkipSentinel):
        return [_reference(store.put_value(value))]
    return [_reference(store.put_value(element)) for element in value]


def _check(args: dict[str, Any]) -> dict[str, bool]:
    import click

    from .cli import _check_environment, _check_params

    try:
        _check_params(args.get("params") or {})
        _check_environment()
    except click.UsageError as e:
        message = e.format_message()
        print(message, file=sys.stderr)
        if args.get("store") and args.get("run"):
            store_at(args["store"]).put_error(args["run"], "check_params", message, "")
        sys.exit(2)
    return {"ok": True}


def _finish(args: dict[str, Any]) -> dict[str, str]:
    from .cli import _local_dir, _write_result
    from .response import ResponseModel

    store = store_at(args["store"])
    errors = store.get_errors(args["run"])
    terminal = args.get("terminal")
    ref = args.get("inputs", {}).get(terminal) if terminal is not None else None
    if errors:
        response = ResponseModel(error=errors[0]["error"], trace=errors[0]["trace"])
    elif terminal is None:
        response = ResponseModel()
    elif ref is None:
        response = ResponseModel(
            error=f"Task instance '{terminal}' did not run: see the failed or skipped tasks "
            "of this DAG run"
        )
    else:
        response = ResponseModel(result=load(_as_stored(ref), store))
    url = args["results_url"]
    where = _write_result(url, _local_dir(url), response.model_dump_json())
    if response.error is not None:
        # The engine's run fails too, with result.json written.
        print(
            f"The workflow failed: {response.error} (result.json: {where})",
            file=sys.stderr,
        )
        sys.exit(1)
    return {"result_json": where}


def main(argv: list[str]) -> None:
    command, args = argv[0], json.loads(argv[1])
    if command == "check":
        answer: Any = _check(args)
    elif command == "node":
        answer = _run(args, None)
    elif command == "element":
        answer = _run(args, args["element"])
    elif command == "elements":
        answer = _elements(args)
    elif command == "finish":
        answer = _finish(args)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(answer))
    # In a Kubernetes pod, Airflow's XCom sidecar reads the answer from this file.
    xcom = os.environ.get("WT_XCOM_FILE")
    if xcom:
        os.makedirs(os.path.dirname(xcom), exist_ok=True)
        with open(xcom, "w", encoding="utf-8") as f:
            json.dump(answer, f)


if __name__ == "__main__":
    main(sys.argv[1:])
