"""The driver's lane: one thread of the process that runs the scheduler, running jobs as a
worker would.

It is always warm (the DAG module is imported, nothing to start) and values reach it without
being pickled, so the scheduler gives it whatever is cheaper to run here than to ship: task
instances, and the front of a fan-out while it measures what an element costs
(`spread.py`). Work waits for a busy lane until the lane's call in progress has run as long
as a worker would take to start (`busy_for`); then it goes to workers. Jobs run one at a time, in the order they were submitted, as they do in
the sequential run, with the same values shared between them.

The thread is a daemon: a run that fails or is interrupted exits without waiting for the
lane's job in progress (its result is no longer wanted).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class Lane:
    """One thread running submitted calls in order, each with a future."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._busy = 0
        # When the call in progress started (monotonic), if one is.
        self._since: float | None = None

    def idle(self) -> bool:
        """Nothing submitted is still running or waiting."""
        with self._lock:
            return self._busy == 0

    def busy_for(self) -> float:
        """How long the call in progress has run (0 when none is)."""
        with self._lock:
            return 0.0 if self._since is None else time.monotonic() - self._since

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        with self._lock:
            self._busy += 1
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="wt-lane", daemon=True
            )
            self._thread.start()
        self._queue.put((future, fn, args))
        return future

    def close(self) -> None:
        """Lets the thread end once the calls before this are done."""
        if self._thread is not None:
            self._queue.put(None)

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                self._done()
                continue
            with self._lock:
                self._since = time.monotonic()
            try:
                result = fn(*args)
            except BaseException as e:  # noqa: BLE001 - handed to whoever reads the result
                self._done()
                future.set_exception(e)
            else:
                # Idle before the result is seen, so whoever wakes on it may submit again.
                self._done()
                future.set_result(result)

    def _done(self) -> None:
        with self._lock:
            self._busy -= 1
            self._since = None


class InlineLane:
    """A lane that runs each call as it is submitted, in the caller's thread (the
    sequential run with a results store or spans: no thread, nothing side by side)."""

    def idle(self) -> bool:
        return True

    def busy_for(self) -> float:
        return 0.0

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args))
        except BaseException as e:  # noqa: BLE001 - handed to whoever reads the result
            future.set_exception(e)
        return future

    def close(self) -> None:
        pass
