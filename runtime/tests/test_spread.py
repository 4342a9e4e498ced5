"""A fan-out's elements are spread by what they cost: trivial ones stay on the driver's lane
(no worker starts), slow ones go to every worker; results, order and errors are unchanged."""

import os
import threading

import flow
import pytest
import slow

from wt_runtime import spread
from wt_runtime.executors import (
    LITHOPS_CALL_SECONDS,
    InProcessExecutor,
    ProcessExecutor,
)
from wt_runtime.scheduler import TaskFailed, run
from wt_runtime.spread import Costs, Fanout, chunk_sizes

PROCESSES = Costs(start=0.5, job=0.005)
LITHOPS = Costs(start=LITHOPS_CALL_SECONDS, job=LITHOPS_CALL_SECONDS, started=True)


def test_a_round_trip_is_the_least_measured():
    costs = Costs(start=0.5, job=0.005)
    costs.observed(round_trip=2.6, work=0.1)  # waited for its worker to start
    assert costs.started and costs.job == pytest.approx(2.5)
    costs.observed(round_trip=0.12, work=0.1)
    costs.observed(round_trip=0.9, work=0.1)  # queued behind another job
    assert costs.spread() == pytest.approx(0.02)


@pytest.fixture(autouse=True)
def fresh_flow():
    flow.CALLS.clear()
    flow.STATE.update(fail=False, reading=3, bad=None, wipe=None)


def test_trivial_elements_stay_on_the_lane_until_spreading_pays():
    # 1,800 elements of 0.1 ms: 0.18 s of work, less than starting a worker.
    assert chunk_sizes(1800, 1e-4, PROCESSES, free_workers=1, lane=True) == []
    # The same elements at 5 ms each: 9 s, worth a worker; half a fair share goes.
    assert chunk_sizes(1800, 5e-3, PROCESSES, free_workers=1, lane=True) == [450]


def test_an_element_still_running_counts_as_at_least_that_long():
    # 3 left, the lane's first element has run 0.1 s: not yet worth two worker starts ...
    assert chunk_sizes(3, 0.1, PROCESSES, free_workers=2, lane=True) == []
    # ... at 0.3 s it is: one element for each idle worker.
    assert chunk_sizes(3, 0.3, PROCESSES, free_workers=2, lane=True) == [1, 1]


def test_without_a_lane_a_few_elements_measure_then_chunks_cover_the_round_trip():
    assert chunk_sizes(2000, None, LITHOPS, free_workers=8, lane=False) == [8] * 8
    assert chunk_sizes(20, None, LITHOPS, free_workers=8, lane=False) == [2] * 8
    assert chunk_sizes(3, None, LITHOPS, free_workers=8, lane=False) == [1] * 3
    # Trivial: one call for all of them (each call costs more than all their work).
    assert chunk_sizes(1992, 1e-4, LITHOPS, free_workers=8, lane=False) == [1992]
    # Slow: every worker busy, chunks half a fair share.
    assert chunk_sizes(92, 3.0, LITHOPS, free_workers=8, lane=False) == [6] * 8


def test_chunks_never_exceed_what_is_left():
    for remaining in (1, 2, 7, 100, 5000):
        for element in (None, 1e-6, 1e-3, 0.1, 10.0):
            for free in (0, 1, 3, 16):
                for lane in (False, True):
                    for costs in (PROCESSES, LITHOPS):
                        sizes = chunk_sizes(remaining, element, costs, free, lane)
                        assert all(s >= 1 for s in sizes)
                        assert sum(sizes) <= remaining and len(sizes) <= free


def test_the_lane_and_the_workers_never_take_the_same_element():
    fanout = Fanout(list(range(100_000)))
    taken: list[int] = []

    def lane():
        while (i := fanout.take_front()) is not None:
            taken.append(i)

    thread = threading.Thread(target=lane)
    thread.start()
    carved = []
    while chunk := fanout.carve(7):
        carved.extend(chunk)
    thread.join()
    assert sorted(taken + carved) == list(range(100_000))


def test_a_wide_trivial_map_runs_on_the_lane_and_starts_no_worker(monkeypatch):
    # What an element takes is measured on the lane, and a busy machine (the rest of the test
    # suite) can stretch a trivial element past what makes spreading pay, which the scheduler
    # then rightly does. Here elements are taken to cost what they do on a quiet machine, 10
    # microseconds; test_trivial_elements_stay_on_the_lane_until_spreading_pays checks the
    # rule itself and test_slow_elements_spread_over_the_lane_and_the_workers the measuring.
    monkeypatch.setattr(spread.Fanout, "element_cost", lambda self, stuck_after: 1e-5)
    with ProcessExecutor(workers=2) as executor:
        params = {"tags": {"n": 2000}, "napped": {"seconds": 0}}
        napped = run("slow", slow.NODES, params, "napped", executor)
        assert napped == [(f"t{i}", os.getpid()) for i in range(2000)]
        assert executor._pool is None


def test_work_waiting_for_the_lane_takes_it_when_it_is_free_first():
    with ProcessExecutor(workers=2) as executor:
        params = {"numbers": {"n": 2000}}
        assert run("flow", flow.NODES, params, "squares", executor) == [
            i * i for i in range(2000)
        ]
    # Counted in this process: `numbers` waited for `read` (a worker was being started
    # meanwhile), then every element ran on the driver's lane.
    assert flow.CALLS["square"] == 2000 and flow.CALLS["numbers"] == 1


def test_slow_elements_spread_over_the_lane_and_the_workers():
    with ProcessExecutor(workers=3) as executor:
        params = {"tags": {"n": 4}, "napped": {"seconds": 0.8}}
        napped = run("slow", slow.NODES, params, "napped", executor)
    assert [tag for tag, _ in napped] == ["t0", "t1", "t2", "t3"]
    pids = {pid for _, pid in napped}
    assert os.getpid() in pids and len(pids) >= 2, napped


def test_a_long_task_waiting_for_the_lane_goes_to_a_worker_once_one_is_up():
    with ProcessExecutor(workers=2) as executor:
        params = {
            "left": {"tag": "l", "seconds": 3},
            "right": {"tag": "r", "seconds": 3},
        }
        (_, left), (_, right) = run("slow", slow.BRANCHES, params, "both", executor)
    assert left == os.getpid() and right != os.getpid()


@pytest.mark.parametrize("executor", [InProcessExecutor, lambda: ProcessExecutor(2)])
def test_a_failing_element_fails_the_run_with_its_own_error(executor):
    flow.STATE["bad"] = 57
    with (
        executor() as ex,
        pytest.raises(TaskFailed, match="Task instance 'squares' raised ValueError"),
    ):
        run("flow", flow.NODES, {"numbers": {"n": 100}}, "squares", ex)
    # The lane stopped at the failing element.
    assert flow.CALLS["square"] == 58
