"""Runs the graph form of the DAG (`dags/run_graph.py`) on worker processes, on Lithops or in
this process.

A node is submitted as soon as its own dependencies are done (a ready queue driven by
completions: no waves, no barrier after an unrelated map). A job is a small picklable
description: the DAG module and node id, the resolved keyword arguments and, for a fan-out,
its elements. The worker looks the node up in the same module and rebuilds the same `wt_task`
chain as the sequential DAG (validate, instance id, errors, tracing, skipif, partial, then
call / map / mapvalues over each element on its own), so coercion, skips, defaults and keys
behave exactly alike.

Where a job runs: a task instance goes to the driver's lane (`lane.py`) when the lane is
idle, else to a worker; a fan-out's elements are spread between the lane and workers by what
they are measured to cost (`spread.py`), so a fan-out of trivial elements never pays for
starting workers and one of slow elements has every worker busy.

Without a results store the driver keeps every result and ships values to the workers. With
one (`reuse.py`), results are passed by reference: a worker reads its inputs from the store and
writes its output there, and the driver handles only digests (it loads a value only to split a
list a `map` iterates over, and the final result). Each instance is looked up by its key
before it is submitted, and what is found is not run.

A failing job comes back as text (the error as the sequential run words it, and the worker's
traceback): the run then stops submitting, cancels what it can and stops its workers. What
finished before stays stored, so a run with reuse resumes there.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import time
import traceback
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wt_task import task
from wt_task.skip import SkipSentinel

from .bindings import Env, Ref
from .keys import list_digest
from .reuse import Keyed, Reuse
from .run_spans import RunSpans
from .spread import Fanout, chunk_sizes
from .store import Stored, StoreError, load, store_at

__all__ = ["Call", "Env", "Map", "MapValues", "Node", "Ref", "Skipif", "run"]


@dataclass(frozen=True)
class Skipif:
    """Skip conditions (registered functions) and how deep to flatten the arguments."""

    conditions: list[Any]
    unpack_depth: int = 1


@dataclass(frozen=True)
class Call:
    """Call the task once."""


@dataclass(frozen=True)
class Map:
    """Call the task once per element of `argvalues`."""

    argnames: list[str]
    argvalues: Any


@dataclass(frozen=True)
class MapValues:
    """Call the task once per (key, value) pair of `argvalues`, keeping the keys."""

    argnames: list[str]
    argvalues: Any


@dataclass(frozen=True)
class Node:
    """One task instance: its task, its chain as data and the instances it depends on.

    Every chain validates its arguments (unless `validate` is false: a mocked io task),
    carries its instance id, wraps errors and traces, as the sequential DAG does. `io`: the
    task reads the world (registry tag `io`), so its result is not reused by default.
    """

    id: str
    task: Any
    depends_on: list[str] = field(default_factory=list)
    partial: dict[str, Any] = field(default_factory=dict)
    call: Call | Map | MapValues = Call()
    skipif: Skipif | None = None
    validate: bool = True
    io: bool = False


@dataclass(frozen=True)
class Job:
    """What a worker needs to run one node (or one element of it)."""

    module: str
    node: str
    kwargs: dict[str, Any]
    # For `map` / `mapvalues`: a one-element list, or a skip sentinel.
    argvalues: Any = None
    # The results store: inputs may be `Stored` there, and the output is stored there.
    store: str | None = None
    memo: bool = False
    # Several elements of a fan-out: `argvalues` is a list of one-element lists, each run as
    # its own job would be, and the outcome is the list of their outcomes (up to the first
    # failure).
    batch: bool = False


@dataclass(frozen=True)
class Failure:
    """A job that raised: the error as the sequential run words it, and where.
    `vanished`: an input was no longer in the results store (deleted or corrupted since it
    was stored), which running again repairs."""

    error: str
    trace: str
    vanished: bool = False


class TaskFailed(Exception):
    """A task failed on a worker; `trace` is the worker's traceback."""

    def __init__(self, error: str, trace: str) -> None:
        super().__init__(error)
        self.trace = trace


class InputsVanished(TaskFailed):
    """A stored result was gone when a job (or the driver) read it."""


# Runs of a DAG whose stored results vanish while it runs: each run again recomputes what
# is gone (keys check their blobs) and reuses the rest.
ATTEMPTS = 3


@dataclass(frozen=True)
class Timed:
    """A job's outcome, when it ran (nanoseconds since the epoch, on the worker's clock) and
    whether its task skipped."""

    outcome: Any
    start_ns: int
    end_ns: int
    skipped: bool = False

    def seconds(self) -> float:
        """How long it ran."""
        return (self.end_ns - self.start_ns) / 1e9


def run_job(job: Job) -> Any:
    """Runs one job (in a worker): the node's chain over the job's arguments. With a store,
    reads `Stored` inputs from it and returns the output as `Stored` (the value itself when it
    cannot be serialized)."""
    timed = run_timed(job)
    if job.batch:
        return [t.outcome for t in timed]
    return timed.outcome


def run_timed(job: Job) -> Any:
    """`run_job`, each outcome `Timed`: a batch's is the list of its elements' (up to the
    first failure)."""
    prepared = Prepared(job)
    if not job.batch:
        return prepared.timed(job.argvalues)
    outcomes = []
    for element in job.argvalues:
        timed = prepared.timed(element)
        outcomes.append(timed)
        if isinstance(timed.outcome, Failure):
            break
    return outcomes


class Prepared:
    """A node's chain, built once for all the elements of a job (building it, validation
    model included, costs several times what a trivial element does)."""

    def __init__(self, job: Job) -> None:
        self._failure: Failure | None = None
        self._store = None
        try:
            self._node = importlib.import_module(job.module).NODES_BY_ID[job.node]
            node = self._node
            self._store = store_at(job.store, memo=job.memo) if job.store else None
            kwargs = job.kwargs
            if self._store is not None:
                kwargs = self._loaded(kwargs)
            t = task(node.task)
            if node.validate:
                t = t.validate()
            t = t.set_task_instance_id(node.id).handle_errors().with_tracing()
            if node.skipif is not None:
                t = t.skipif(
                    conditions=node.skipif.conditions,
                    unpack_depth=node.skipif.unpack_depth,
                )
            self._chain = t.partial(**kwargs)
        except _Vanished as e:
            self._failure = e.failure
        except Exception as e:  # noqa: BLE001 - every failure travels back as text
            self._failure = Failure(error=str(e), trace=traceback.format_exc())

    def timed(self, argvalues: Any) -> Timed:
        """The chain over `argvalues` (None: called once; else one element, or a skip
        sentinel), timed."""
        start = time.time_ns()
        outcome, skipped = self._run(argvalues)
        return Timed(outcome, start, time.time_ns(), skipped)

    def _loaded(self, value: Any) -> Any:
        try:
            return load(value, self._store)
        except StoreError as e:
            failure = Failure(error=str(e), trace=traceback.format_exc(), vanished=True)
            raise _Vanished(failure) from e

    def _run(self, argvalues: Any) -> tuple[Any, bool]:
        """One outcome, and whether its task skipped."""
        if self._failure is not None:
            return self._failure, False
        one = argvalues is not None
        try:
            store = self._store
            if store is not None:
                argvalues = self._loaded(argvalues)
            call = self._node.call
            if isinstance(call, Map):
                out = self._chain.map(argnames=call.argnames, argvalues=argvalues)
            elif isinstance(call, MapValues):
                out = self._chain.mapvalues(argnames=call.argnames, argvalues=argvalues)
            else:
                out = self._chain.call()
            one = one and not isinstance(argvalues, SkipSentinel)
            skipped = _skipped(out[0] if one else out)
            if store is None:
                return out, skipped
            if one:
                # One element: a one-element list, each element stored on its own.
                return [store.stored(v) for v in out], skipped
            return store.stored(out), skipped
        except _Vanished as e:
            return e.failure, False
        except Exception as e:  # noqa: BLE001 - every failure travels back as text
            return Failure(error=str(e), trace=traceback.format_exc()), False


class _Vanished(Exception):
    """A stored input could not be read."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.error)
        self.failure = failure


def _skipped(value: Any) -> bool:
    """A skip result: the sentinel, or a mapvalues element's (key, sentinel)."""
    if isinstance(value, tuple) and len(value) == 2:
        value = value[1]
    return isinstance(value, SkipSentinel)


def resolve(value: Any, results: dict[str, Any]) -> Any:
    """`value` with every `Ref` and `Env` replaced by what it stands for."""
    if isinstance(value, Ref):
        return results[value.id]
    if isinstance(value, Env):
        return os.environ[value.name]
    if isinstance(value, dict):
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    return value


class _Pending:
    """A node being run: the parts of its result still to come."""

    def __init__(
        self,
        node: Node,
        parts: int,
        whole: bool,
        keyed: Keyed | None,
        unkeyed: str = "an input cannot be serialized, so it has no key",
    ) -> None:
        self.node = node
        self.parts: list[Any] = [None] * parts
        self.digests: list[str | None] = [None] * parts
        self.reused: list[bool] = [False] * parts
        self.missing = parts
        # A call, or a fan-out over a skip sentinel: one job gives the whole result.
        self.whole = whole
        self.keyed = keyed
        # Why it has no key, when it has none.
        self.unkeyed = unkeyed
        # A fan-out's elements (as the driver split them).
        self.elements: list[Any] = []

    def key(self, index: int) -> str | None:
        return self.keyed.keys[index] if self.keyed is not None else None


def run(
    module: str,
    nodes: Iterable[Node],
    params: dict[str, Any],
    result_of: str | None,
    executor: Any,
    reuse: Reuse | None = None,
) -> Any:
    """Runs `nodes` (defined in `module`) on `executor`; returns the result of `result_of`.
    With `reuse`, results go through its store (see the module's docstring), and a run
    whose stored inputs vanish while it runs is run again."""
    nodes = list(nodes)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _run_once(module, nodes, params, result_of, executor, reuse)
        except InputsVanished as e:
            if reuse is None or attempt == ATTEMPTS:
                raise
            warnings.warn(
                f"{e}; running the workflow again (attempt {attempt + 1} of {ATTEMPTS})",
                stacklevel=2,
            )
            reuse.restart()
    raise AssertionError("unreachable")


# How often the driver looks again at a fan-out its lane is working through, to decide
# whether what is left is worth spreading (seconds).
LOOK_AGAIN = 0.02


@dataclass
class _Flight:
    """A job in flight: the node it is part of, what it computes, when it was submitted."""

    pending: _Pending
    # The fan-out it takes elements of (None: the node's whole result) ...
    fanout: Fanout | None
    # ... and which: these, on a worker; None, on the lane: the front, as far as it got.
    chunk: list[int] | None
    submitted: float
    on_lane: bool


def _run_front(
    fanout: Fanout, job: Job, elements: list[Any]
) -> list[tuple[int, Timed]]:
    """The lane's share of a fan-out: elements from the front, one at a time, until they
    meet what was carved for workers (or one fails)."""
    prepared = Prepared(job)
    done = []
    while (index := fanout.take_front()) is not None:
        timed = prepared.timed([elements[index]])
        fanout.lane_finished(timed.seconds())
        done.append((index, timed))
        if isinstance(timed.outcome, Failure):
            fanout.close()
            break
    return done


def _work_seconds(timed: Any) -> float:
    """The work a job's outcome says it did (a chunk's: its elements')."""
    parts = timed if isinstance(timed, list) else [timed]
    return sum(t.seconds() for t in parts)


def _run_once(
    module: str,
    nodes: list[Node],
    params: dict[str, Any],
    result_of: str | None,
    executor: Any,
    reuse: Reuse | None,
) -> Any:
    results: dict[str, Any] = {}
    digests: dict[str, str | None] = {}
    waiting = {n.id: set(n.depends_on) for n in nodes}
    dependents: dict[str, list[Node]] = {n.id: [] for n in nodes}
    for n in nodes:
        for d in n.depends_on:
            dependents[d].append(n)
    in_flight: dict[Any, _Flight] = {}
    # Fan-outs with elements not handed out yet: node, elements, arguments.
    spreading: list[tuple[_Pending, Fanout, dict[str, Any]]] = []
    # Task instances waiting for the lane.
    backlog: list[tuple[_Pending, Job]] = []
    # A worker being started while work waits for the lane (see `warm_up`).
    warming: Any = None
    store = reuse.store if reuse is not None else None
    spans = RunSpans.current()
    lane = executor.lane
    workers = executor.parallelism()
    costs = executor.costs()

    def finish(pending: _Pending, value: Any) -> list[Node]:
        node = pending.node
        results[node.id] = value
        if spans is not None:
            spans.finished(node)
        if reuse is not None:
            digests[node.id] = _content_digest(pending)
            reuse.noted(node, pending.keyed, pending.reused, pending.unkeyed)
        ready = []
        for d in dependents[node.id]:
            waiting[d.id].discard(node.id)
            if not waiting[d.id]:
                ready.append(d)
        return ready

    def job(node: Node, kwargs: dict[str, Any], argvalues: Any = None) -> Job:
        if reuse is None:
            return Job(module, node.id, kwargs, argvalues)
        return Job(module, node.id, kwargs, argvalues, store=store.url, memo=reuse.memo)

    def lane_free() -> bool:
        return lane is not None and (workers == 0 or lane.idle())

    def patience_over() -> bool:
        """Work waiting for the lane may go to workers: there is no lane, or a worker is up
        and the lane's call in progress has run longer than a job's round trip."""
        return lane is None or (costs.started and lane.busy_for() >= costs.job)

    def warm_up() -> None:
        """Work is waiting for a busy lane and no worker is up: start one (it imports the
        DAG module), so that the work goes to it once it is ready, unless the lane is free
        first. A task's length is not known before it ends; this way a short one costs no
        worker start in its wall time, and a long one waits no longer than the start."""
        nonlocal warming
        waiting_work = backlog or any(not f.lane for _, f, _ in spreading)
        if waiting_work and warming is None and not costs.started and workers > 0:
            warming = executor.warm_up(module)

    def submit_whole(pending: _Pending, whole: Job) -> None:
        """A job giving the node's whole result: on the lane when it is free, else it
        waits for the lane (`spread` sends it to a worker when waiting costs more)."""
        if lane_free():
            future = lane.submit(run_timed, whole)
            in_flight[future] = _Flight(pending, None, None, time.monotonic(), True)
        else:
            backlog.append((pending, whole))

    def put_lane_on(pending: _Pending, fanout: Fanout, kwargs: dict[str, Any]) -> None:
        node, elements = pending.node, pending.elements
        fanout.lane = True
        future = lane.submit(_run_front, fanout, job(node, kwargs), elements)
        in_flight[future] = _Flight(pending, fanout, None, time.monotonic(), True)

    def spread() -> None:
        """Hands out work: waiting task instances to the lane when it is free, or to idle
        workers once waiting costs more; the lane joins a fan-out when it is free, idle
        workers get chunks of it when they pay (`spread.chunk_sizes`)."""
        while backlog and lane_free():
            submit_whole(*backlog.pop(0))
        if lane is not None:
            warm_up()
        free = workers - sum(1 for f in in_flight.values() if not f.on_lane)
        if backlog and free > 0 and patience_over():
            sent, backlog[:] = backlog[:free], backlog[free:]
            futures = executor.submit_all(run_timed, [whole for _, whole in sent])
            now = time.monotonic()
            for (pending, _), future in zip(sent, futures, strict=True):
                in_flight[future] = _Flight(pending, None, None, now, False)
            free -= len(sent)
        for entry in list(spreading):
            pending, fanout, kwargs = entry
            if not fanout.lane and fanout.remaining() and lane_free():
                put_lane_on(pending, fanout, kwargs)
            if not fanout.lane and not patience_over():
                continue
            element = fanout.element_cost(stuck_after=costs.spread())
            sizes = chunk_sizes(fanout.remaining(), element, costs, free, fanout.lane)
            chunks = [c for c in (fanout.carve(size) for size in sizes) if c]
            if chunks:
                elements = pending.elements
                jobs = [
                    dataclasses.replace(
                        job(pending.node, kwargs, [[elements[i]] for i in chunk]),
                        batch=True,
                    )
                    for chunk in chunks
                ]
                now = time.monotonic()
                # All at once: an executor may ship them together (one Lithops map).
                futures = executor.submit_all(run_timed, jobs)
                for chunk, future in zip(chunks, futures, strict=True):
                    in_flight[future] = _Flight(pending, fanout, chunk, now, False)
                free -= len(chunks)
            if not fanout.remaining():
                spreading.remove(entry)

    def start(node: Node) -> list[Node]:
        """Submits `node`'s jobs; returns the nodes it made ready by finishing at once."""
        own = params.get(node.id) or {}
        kwargs = resolve(node.partial, results) | own
        if isinstance(node.call, Call):
            keyed = _keyed(reuse, node, own, digests, None)
            pending = _Pending(node, 1, whole=True, keyed=keyed)
            if spans is not None:
                spans.started(node, None)
            found = _lookup(reuse, node, pending.key(0))
            if found is not None:
                pending.reused[0], pending.digests[0] = True, found
                if spans is not None:
                    spans.part(node, None)
                return finish(pending, Stored(found))
            submit_whole(pending, job(node, kwargs))
            return []
        argvalues = resolve(node.call.argvalues, results)
        if isinstance(argvalues, Stored):
            # The driver needs the list itself to split it (or to see a skip).
            argvalues = _driver_load(argvalues, store)
        if isinstance(argvalues, SkipSentinel):
            # A skipped upstream: one job, whose map gives the skip result as a whole.
            pending = _Pending(node, 1, True, None, unkeyed="its input was skipped")
            if spans is not None:
                spans.started(node, None)
            submit_whole(pending, job(node, kwargs, argvalues))
            return []
        elements = list(argvalues)
        keyed = _keyed(reuse, node, own, digests, elements)
        pending = _Pending(node, len(elements), whole=False, keyed=keyed)
        pending.elements = elements
        if spans is not None:
            spans.started(node, len(elements))
        if not elements:
            return finish(pending, [])
        todo = []
        for i in range(len(elements)):
            found = _lookup(reuse, node, pending.key(i))
            if found is None:
                todo.append(i)
                continue
            pending.parts[i], pending.digests[i] = Stored(found), found
            pending.reused[i] = True
            pending.missing -= 1
            if spans is not None:
                spans.part(node, i, key=_element_key(node, elements[i]))
        if not todo:
            return finish(pending, pending.parts)
        fanout = Fanout(todo)
        if lane_free():
            put_lane_on(pending, fanout, kwargs)
        spreading.append((pending, fanout, kwargs))
        return []

    def landed(flight: _Flight, timed: Any) -> list[Node]:
        """A job's outcome: results kept (and stored), spans noted, nodes made ready."""
        pending = flight.pending
        if not flight.on_lane:
            costs.observed(time.monotonic() - flight.submitted, _work_seconds(timed))
        if flight.fanout is None:
            return finish(pending, kept(pending, None, timed))
        if flight.chunk is None:
            pairs = timed
        else:
            pairs = list(zip(flight.chunk, timed, strict=False))
            # A worker's first element also paid for warming up: the others say more.
            for _, one in pairs[1:] if len(pairs) > 1 else pairs:
                flight.fanout.measured(one.seconds())
        for index, one in pairs:
            pending.parts[index] = kept(pending, index, one)
            pending.missing -= 1
        return finish(pending, pending.parts) if pending.missing == 0 else []

    def kept(pending: _Pending, index: int | None, one: Timed) -> Any:
        """One part's value (`index`: an element's; None: the whole result), its span
        noted and its digest kept; a failure stops the run."""
        node = pending.node
        if isinstance(one.outcome, Failure):
            if spans is not None:
                spans.failed(node, one.outcome.error, index, one)
            raise _failed(one.outcome)
        # One element's outcome is a one-element list.
        value = one.outcome if index is None else one.outcome[0]
        if spans is not None:
            key = None if index is None else _element_key(node, pending.elements[index])
            spans.part(node, index, one, key)
        if reuse is not None:
            at = 0 if index is None else index
            pending.digests[at] = reuse.stored(node, pending.key(at), value)
        return value

    def stop_spreading() -> None:
        for _, fanout, _ in spreading:
            fanout.close()

    queue = [n for n in nodes if not waiting[n.id]]
    try:
        while queue or in_flight or backlog or spreading:
            while queue:
                queue.extend(start(queue.pop(0)))
            spread()
            if not in_flight:
                # A free lane (or, without one, a free worker) always takes waiting work.
                assert not backlog and not spreading, "work left with nothing running"
                break
            # While work waits for the lane, or the lane works through a fan-out, look
            # again now and then: waiting may come to cost more than spreading.
            looking = backlog or any(f.remaining() for _, f, _ in spreading)
            timeout = LOOK_AGAIN if looking and lane is not None else None
            watched = list(in_flight)
            if warming is not None and not costs.started:
                watched.append(warming)
            for future in executor.wait_any(watched, timeout):
                if future is warming:
                    executor.result(future)
                    costs.started = True
                    continue
                flight = in_flight.pop(future)
                queue.extend(landed(flight, executor.result(future)))
    except InputsVanished:
        stop_spreading()
        if spans is not None:
            spans.abandoned()
        # The run starts again on the same workers: let what they are doing end.
        while in_flight:
            for future in executor.wait_any(list(in_flight)):
                in_flight.pop(future)
        raise
    except BaseException:
        stop_spreading()
        executor.cancel(list(in_flight))
        if spans is not None:
            spans.abandoned()
        raise
    result = results.get(result_of) if result_of is not None else None
    return _driver_load(result, store) if store is not None else result


def _element_key(node: Node, element: Any) -> Any:
    """A `mapvalues` element's key (None for `map`)."""
    if isinstance(node.call, MapValues) and isinstance(element, (tuple, list)):
        return element[0] if element else None
    return None


def _failed(failure: Failure) -> TaskFailed:
    kind = InputsVanished if failure.vanished else TaskFailed
    return kind(failure.error, failure.trace)


def _driver_load(value: Any, store: Any) -> Any:
    """`load` in the driver: a stored value that vanished makes the run start again."""
    try:
        return load(value, store)
    except StoreError as e:
        raise InputsVanished(str(e), traceback.format_exc()) from e


def _keyed(
    reuse: Reuse | None,
    node: Node,
    own: dict[str, Any],
    digests: dict[str, str | None],
    elements: list[Any] | None,
) -> Keyed | None:
    if reuse is None:
        return None
    return reuse.keyed(node, own, digests, elements, lambda env: os.environ[env.name])


def _lookup(reuse: Reuse | None, node: Node, key: str | None) -> str | None:
    if reuse is None or key is None:
        return None
    return reuse.lookup(node, key)


def _content_digest(pending: _Pending) -> str | None:
    """The digest of a node's whole result: its blob's, or a fan-out's from its elements'."""
    if any(d is None for d in pending.digests):
        return None
    if pending.whole:
        return pending.digests[0]
    return list_digest([d for d in pending.digests if d is not None])
