"""How a fan-out's elements are spread, sized by what they are measured to cost.

A `map` of 2,000 elements that take a tenth of a millisecond each is over before one worker
process has started; one of four elements that take a minute each should have all of them
running at once. Neither is known before elements have run, so the split adapts:

- The driver's own lane (a thread of the process that runs the scheduler, when the executor
  has one) takes elements one at a time from the front of the list. It costs nothing to
  start and nothing to ship values to.
- Workers get chunks carved from the back, only once the work left is measured large enough
  that spreading it saves more than it costs: a worker start before any worker runs, a job's
  round trip after. An element the lane has been running for longer than that cost counts
  as at least that long. This is the rent-or-buy rule: the lane keeps working until what it
  has shown of the work is worth a worker's start, so spreading is never worse than running
  alone by much more than one worker start.
- A chunk holds at least enough elements that its work outweighs its round trip (a
  trivial fan-out goes out as one or a few chunks) and at most half of a worker's fair
  share of what is left, so chunks shrink as the work runs out and slow elements spread
  over every worker.
- Without a lane (Lithops), the first elements go out a few per worker (one each when there
  are no more than workers); once a chunk is back, the rest are sized by what its elements
  took after the first.

`Fanout` is shared by the driver and the lane thread; every move of the boundary between
them is under one lock, so each element runs exactly once.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from dataclasses import dataclass

# A chunk's round trip is at most this share of its work, when there is enough work: a
# smaller share means fewer, longer chunks (less overhead, less spread).
OVERHEAD_SHARE = 1.0
# What a worker gets of a fan-out none of whose elements has been measured yet, at most.
PROBE_ELEMENTS = 8
# Below this, the lane's element in progress is never taken as a sign of slow elements.
STUCK_SECONDS = 0.05


@dataclass
class Costs:
    """What spreading costs, in seconds: bringing workers up (before any has), and a job's
    round trip to a worker that is up (the least measured: the time from submitting a job
    to handling its outcome, minus the work the worker measured; a job that waited for a
    worker to start, or behind another job, says more about that than about the trip)."""

    start: float
    job: float
    # A worker is up; a job's round trip has been measured.
    started: bool = False
    measured: bool = False

    def spread(self) -> float:
        """The price of sending more work to workers now."""
        return self.job if self.started else self.start

    def observed(self, round_trip: float, work: float) -> None:
        """One job came back from a worker."""
        overhead = max(0.0, round_trip - work)
        self.job = min(self.job, overhead) if self.measured else overhead
        self.started = self.measured = True


class Fanout:
    """The elements of one fan-out still to run: the lane takes from the front, workers'
    chunks are carved from the back."""

    def __init__(self, positions: list[int]) -> None:
        self._todo = positions
        self._front = 0
        self._back = len(positions)
        self._lock = threading.Lock()
        # Measured element durations (seconds), from the lane and from workers.
        self._durations: list[float] = []
        # When the lane's element in progress started (monotonic), if one is.
        self._lane_current: float | None = None
        self.lane = False

    def take_front(self) -> int | None:
        """The next element for the lane, or None when the lane is done (called from the
        lane's thread)."""
        with self._lock:
            if self._front >= self._back:
                self._lane_current = None
                return None
            self._front += 1
            self._lane_current = time.monotonic()
            return self._todo[self._front - 1]

    def carve(self, size: int) -> list[int]:
        """Up to `size` elements from the back, for a worker."""
        with self._lock:
            take = min(size, self._back - self._front)
            chunk = self._todo[self._back - take : self._back]
            self._back -= take
            return chunk

    def close(self) -> None:
        """No more elements for anyone (the run stops)."""
        with self._lock:
            self._back = self._front

    def remaining(self) -> int:
        """Elements neither taken by the lane nor carved."""
        with self._lock:
            return self._back - self._front

    def measured(self, seconds: float) -> None:
        """A worker ran an element in `seconds`."""
        with self._lock:
            self._durations.append(seconds)

    def lane_finished(self, seconds: float) -> None:
        """The lane's element in progress took `seconds`."""
        with self._lock:
            self._durations.append(seconds)
            self._lane_current = None

    def element_cost(self, stuck_after: float) -> float | None:
        """What an element is estimated to take: the median of those measured (the first
        call of a task is often slower: models built, modules imported). The lane's element
        in progress counts only once it has run longer than `stuck_after` and four times
        that median: the lane also waits for the interpreter lock, the garbage collector
        and the machine, and a trivial fan-out must not be spread for a hiccup. None before
        anything is known."""
        with self._lock:
            running = self._lane_current
            known = statistics.median(self._durations) if self._durations else None
        if running is not None:
            elapsed = time.monotonic() - running
            if elapsed > max(stuck_after, STUCK_SECONDS, 4 * (known or 0.0)):
                return elapsed
        return known


def chunk_sizes(
    remaining: int,
    element: float | None,
    costs: Costs,
    free_workers: int,
    lane: bool,
) -> list[int]:
    """The chunks to carve now for `free_workers` idle workers, from `remaining` elements
    estimated to take `element` seconds each (None: not known yet); `lane`: the driver's
    lane is working through the same elements."""
    if remaining <= 0 or free_workers <= 0:
        return []
    if element is None:
        if lane:
            # The lane is about to measure: nothing to decide yet.
            return []
        # Nothing measured: a few elements per worker (up to an even share), to learn what
        # an element costs once warm (a worker's first element also pays for imports and
        # models built on first use).
        takers = min(remaining, free_workers)
        return [max(1, min(PROBE_ELEMENTS, remaining // takers))] * takers
    work = remaining * element
    takers = free_workers + (1 if lane else 0)
    if lane and work * (1 - 1 / takers) <= costs.spread():
        # Spreading would save less than it costs: the lane keeps it all.
        return []
    # At least enough elements that a chunk's round trip is a small share of its work ...
    smallest = (
        math.ceil(costs.job / OVERHEAD_SHARE / element) if element > 0 else remaining
    )
    # ... at most half a fair share, so that chunks shrink as the work runs out (the lane
    # goes on taking from the front whatever is not carved).
    half_share = math.ceil(remaining / takers / 2)
    size = max(1, min(remaining, max(smallest, half_share)))
    sizes: list[int] = []
    left = remaining
    while left > 0 and len(sizes) < free_workers:
        sizes.append(min(size, left))
        left -= sizes[-1]
    return sizes
