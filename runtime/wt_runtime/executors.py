"""Where the jobs of the graph DAG run: in this process, one after another (`sequential`
with a results store), on the driver's lane and local worker processes (`parallel`) or on
Lithops (`async`). Each gives `lane` (the driver's own lane, `lane.py`, or None),
`submit_all`, `wait_any`, `result`, `cancel`, `parallelism` (how many workers besides the
lane run jobs at once) and `costs` (what bringing workers up and a job's round trip are
expected to cost, before any is measured) to `scheduler.run`, and stops every worker it
started when the run ends, fails or is interrupted."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from .lane import InlineLane, Lane
from .spread import Costs

LITHOPS_CONFIG_ENV_VAR = "LITHOPS_CONFIG_FILE"

# A spawned worker process starts an interpreter and imports the workflow's package, its
# task libraries and their dependencies: about half a second on a 2-core machine.
PROCESS_START_SECONDS = 0.5
# A job's round trip to a running worker process (pickling both ways).
PROCESS_JOB_SECONDS = 0.005
# A Lithops call: about half a second on the localhost backend, more on a cloud one.
LITHOPS_CALL_SECONDS = 0.5


class InProcessExecutor:
    """Every job runs when it is submitted, in this process: all of them on the lane."""

    lane = InlineLane()

    def __enter__(self):  # returns self; `Self` needs Python 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def submit_all(self, fn: Any, jobs: list[Any]) -> list[Future]:
        return [self.lane.submit(fn, job) for job in jobs]

    def wait_any(
        self, futures: list[Future], timeout: float | None = None
    ) -> list[Future]:
        return list(futures)

    def result(self, future: Future) -> Any:
        return future.result()

    def cancel(self, futures: list[Future]) -> None:
        pass

    def parallelism(self) -> int:
        return 0

    def costs(self) -> Costs:
        return Costs(start=0.0, job=0.0, started=True)


class ProcessExecutor:
    """The driver's lane and `workers - 1` local processes (`workers` defaults to one per
    CPU), started only when work is sent to them."""

    def __init__(self, workers: int | None = None) -> None:
        self._workers = max(1, workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        self.lane = Lane()

    def __enter__(self):  # returns self; `Self` needs Python 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        self.lane.close()
        if exc[0] is None:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
        else:
            self.cancel([])

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: workers start clean on every platform (no state forked from the
            # driver, whose lane may be running a task).
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers - 1,
                mp_context=multiprocessing.get_context("spawn"),
            )
        return self._pool

    def submit_all(self, fn: Any, jobs: list[Any]) -> list[Future]:
        pool = self._started()
        return [pool.submit(fn, job) for job in jobs]

    def warm_up(self, module: str) -> Future:
        """Starts a worker (the pool starts one per job while none is idle) that imports
        `module`; the future is done once it has."""
        return self._started().submit(_import, module)

    def wait_any(
        self, futures: list[Future], timeout: float | None = None
    ) -> set[Future]:
        done, _ = wait(futures, timeout=timeout, return_when=FIRST_COMPLETED)
        return done

    def result(self, future: Future) -> Any:
        return future.result()

    def parallelism(self) -> int:
        return self._workers - 1

    def costs(self) -> Costs:
        return Costs(start=PROCESS_START_SECONDS, job=PROCESS_JOB_SECONDS)

    def cancel(self, futures: list[Future]) -> None:
        """Drops queued jobs and stops the workers, running jobs included (the lane's job in
        progress is left to end with the process)."""
        for f in futures:
            f.cancel()
        if self._pool is None:
            return
        # The pool has no public way to stop a running job: terminate its processes.
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.terminate()
        for p in processes:
            p.join(timeout=5)


def _import(module: str) -> None:
    """Imports `module` (in a worker being warmed up)."""
    importlib.import_module(module)


def lithops_config(workers: int | None) -> dict[str, Any]:
    """The Lithops configuration: the YAML file named by LITHOPS_CONFIG_FILE (what the runner
    writes from `lithops_config`), else the localhost backend and storage. Localhost workers
    run this interpreter, so they import this workflow's environment."""
    path = os.environ.get(LITHOPS_CONFIG_ENV_VAR)
    if path:
        from ruamel.yaml import YAML

        with open(path, encoding="utf-8") as f:
            config = YAML(typ="safe").load(f) or {}
        if not isinstance(config, dict):
            raise TypeError(f"{LITHOPS_CONFIG_ENV_VAR}={path} is not a YAML mapping")
    else:
        config = {"lithops": {"backend": "localhost", "storage": "localhost"}}
    check_lithops_config(config)
    lithops = config.setdefault("lithops", {})
    lithops.setdefault("log_level", "WARNING")
    if lithops.get("backend", "localhost") == "localhost":
        # Localhost v2 runs calls side by side (v1 runs one call at a time); its data
        # cleaner was seen to leave a job hanging, so it is off.
        lithops.setdefault("data_cleaner", False)
        localhost = config.setdefault("localhost", {})
        localhost.setdefault("runtime", sys.executable)
        localhost.setdefault("version", 2)
        if workers:
            localhost.setdefault("worker_processes", workers)
    return config


def check_lithops_config(config: dict[str, Any]) -> None:
    """Refuses, before anything starts, a configuration Lithops would fail on later."""
    problems = []
    lithops = config.get("lithops", {})
    if not isinstance(lithops, dict):
        raise TypeError("Lithops config: `lithops` must be a mapping")
    limit = lithops.get("data_limit", 4)
    if not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 0:
        problems.append("`lithops.data_limit` must be a number of MiB, 0 for no limit")
    gcp = config.get("gcp") or {}
    backend, storage = lithops.get("backend"), lithops.get("storage")
    uses_gcp = backend == "gcp_cloudrun" or storage == "gcp_storage"
    if uses_gcp and not (isinstance(gcp, dict) and gcp.get("region")):
        problems.append("the gcp_cloudrun backend and gcp_storage need `gcp.region`")
    if backend == "gcp_cloudrun":
        cloudrun = config.get("gcp_cloudrun") or {}
        if not (isinstance(cloudrun, dict) and cloudrun.get("runtime")):
            problems.append(
                "the gcp_cloudrun backend needs `gcp_cloudrun.runtime`: an image of this "
                "workflow (its Dockerfile) with lithops installed"
            )
    if problems:
        raise ValueError("Invalid Lithops config: " + "; ".join(problems))


class LithopsExecutor:
    """Jobs as Lithops calls: localhost, or a cloud backend from LITHOPS_CONFIG_FILE. No lane:
    the work of an `async` run happens where Lithops runs it (on localhost too, which
    rehearses a cloud run: its data limit and serialization apply)."""

    lane = None

    def __init__(self, workers: int | None = None) -> None:
        try:
            import lithops
        except ImportError as e:
            raise RuntimeError(
                "The async execution mode needs the lithops package in this environment "
                "(it is one of the packages every wt workflow environment has; reinstall the environment)."
            ) from e
        from lithops.wait import ANY_COMPLETED

        self._lithops = lithops
        self._any_completed = ANY_COMPLETED
        self._config = lithops_config(workers)
        # Where this workflow's package lives, so localhost workers can import it.
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        paths = [here, *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        self._fexec = lithops.FunctionExecutor(config=self._config)

    def __enter__(self):  # returns self; `Self` needs Python 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        self._fexec.__exit__(*exc)

    def _explained(self, e: Exception, job: Any) -> Exception:
        """Lithops' refusal of data over `data_limit`, said with what to change."""
        if "Total data exceeded" not in str(e):
            return e
        limit = self._config["lithops"].get("data_limit", 4)
        return RuntimeError(
            f"The arguments of task instance '{job.node}' exceed Lithops' data_limit "
            f"({limit} MiB): raise `lithops.data_limit` in the Lithops config "
            f"({LITHOPS_CONFIG_ENV_VAR}; 0 = no limit), or pass smaller values "
            "between tasks."
        )

    def submit_all(self, fn: Any, jobs: list[Any]) -> list[Any]:
        """One Lithops map for all of them: one invocation, not one per element."""
        try:
            return self._fexec.map(fn, [(job,) for job in jobs])
        except Exception as e:
            raise self._explained(e, jobs[0]) from e

    def wait_any(self, futures: list[Any], timeout: float | None = None) -> list[Any]:
        # No lane, so nothing to wake up for but a call's end. ANY_COMPLETED in a loop: ALL_COMPLETED waits were seen to hang on localhost.
        done, _ = self._lithops.wait(
            futures,
            return_when=self._any_completed,
            show_progressbar=False,
            wait_dur_sec=0.05,
        )
        return done

    def result(self, future: Any) -> Any:
        # run_job returns failures as values; this raises only when Lithops itself failed.
        return future.result()

    def cancel(self, futures: list[Any]) -> None:
        self._fexec.__exit__(None, None, None)

    def costs(self) -> Costs:
        return Costs(start=LITHOPS_CALL_SECONDS, job=LITHOPS_CALL_SECONDS)

    def parallelism(self) -> int:
        """Localhost: its worker processes; a cloud backend: its maximum of workers."""
        lithops = self._config.get("lithops", {})
        backend = lithops.get("backend", "localhost")
        section = self._config.get(backend) or {}
        if backend == "localhost":
            found = section.get("worker_processes") or os.cpu_count()
        else:
            found = lithops.get("workers") or section.get("max_workers") or 100
        return int(found or 1)


def executor_for(
    mode: str, workers: int | None
) -> InProcessExecutor | ProcessExecutor | LithopsExecutor:
    if mode == "sequential":
        return InProcessExecutor()
    if mode == "parallel":
        return ProcessExecutor(workers)
    if mode == "async":
        return LithopsExecutor(workers)
    raise ValueError(f"No executor for execution mode {mode!r}")
