"""Runs the DAG variant selected by execution mode and mock-io flag.

`sequential` runs `dags/run_sequential.py` in this process; `parallel` (local worker
processes) and `async` (Lithops) run the same workflow from `dags/run_graph.py`. With a
results store (`reuse`), or when the run exports spans, every mode runs `dags/run_graph.py`,
whose scheduler stores and looks up each task instance's result and records its spans
(`sequential` then runs its jobs in this process).
"""

import traceback
from typing import Any

from . import spans
from .response import ResponseModel
from .reuse import Reuse, ReuseOptions

EXECUTION_MODES = ("sequential", "parallel", "async")


def _run(
    execution_mode: str,
    mock_io: bool,
    params: dict[str, Any],
    validate_params_schema: bool,
    workers: int | None,
    reuse: ReuseOptions | None,
) -> Any:
    if execution_mode == "sequential" and reuse is None and spans.current() is None:
        if mock_io:
            from .dags.run_sequential_mock_io import main
        else:
            from .dags.run_sequential import main
        return main(params, validate_params_schema=validate_params_schema)
    if mock_io:
        from .dags.run_graph_mock_io import main
    else:
        from .dags.run_graph import main
    from .executors import executor_for

    if reuse is None:
        with executor_for(execution_mode, workers) as executor:
            return main(params, validate_params_schema, executor=executor)
    workflow = __name__.rpartition(".")[0]
    # In this process, results read back are the ones just written: keep them.
    store = Reuse(reuse, workflow, mock_io, memo=execution_mode == "sequential")
    with executor_for(execution_mode, workers) as executor:
        return main(params, validate_params_schema, executor=executor, reuse=store)


def dispatch(
    execution_mode: str,
    mock_io: bool,
    params: dict[str, Any],
    validate_params_schema: bool = True,
    workers: int | None = None,
    reuse: ReuseOptions | None = None,
) -> ResponseModel:
    """Run the workflow and capture its result, or the error that stopped it.

    Any exception raised while importing or running the DAG, or while serializing its
    result to JSON, is returned as a response with `error` and `trace` set; a task that
    failed on a worker reports the worker's traceback.
    """
    if execution_mode not in EXECUTION_MODES:
        raise ValueError(f"Invalid execution mode: {execution_mode}")
    try:
        result = _run(
            execution_mode, mock_io, params, validate_params_schema, workers, reuse
        )
        response = ResponseModel(result=result)
        # Fail here, not later, when the result cannot be written as JSON.
        response.model_dump_json()
    except Exception as e:  # noqa: BLE001 - every failure is reported in result.json
        trace = getattr(e, "trace", None) or traceback.format_exc()
        return ResponseModel(error=str(e), trace=trace)
    return response
