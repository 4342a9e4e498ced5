"""A fan-out's elements run in batches: 4 per worker, results and failures as one job each."""

import flow
import pytest

from wt_runtime.executors import InProcessExecutor
from wt_runtime.scheduler import TaskFailed, _batches, run


class CountingExecutor(InProcessExecutor):
    """Runs jobs in this process, as `workers` workers would be sized, and counts them."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.jobs = 0

    def submit(self, fn, job):
        self.jobs += 1
        return super().submit(fn, job)

    def parallelism(self) -> int:
        return self.workers


@pytest.fixture(autouse=True)
def fresh_flow():
    flow.CALLS.clear()
    flow.STATE.update(fail=False, reading=3, bad=None, wipe=None)


def test_batches_are_four_per_worker_and_cover_every_element_once():
    assert _batches(list(range(10)), 8) == [[i] for i in range(10)]
    batches = _batches(list(range(2000)), 2)
    assert len(batches) == 8
    assert [i for b in batches for i in b] == list(range(2000))
    assert _batches([], 4) == []


def test_a_wide_map_is_eight_jobs_on_two_workers_with_every_result_in_order():
    executor = CountingExecutor(workers=2)
    params = {"numbers": {"n": 100}}
    assert run("flow", flow.NODES, params, "squares", executor) == [
        i * i for i in range(100)
    ]
    # read, parity, numbers and total, and the 100 squares in 8 batches.
    assert executor.jobs == 4 + 8
    assert flow.CALLS["square"] == 100


def test_a_failing_element_fails_the_run_with_its_own_error():
    flow.STATE["bad"] = 57
    with pytest.raises(TaskFailed, match="Task instance 'squares' raised ValueError"):
        run("flow", flow.NODES, {"numbers": {"n": 100}}, "squares", CountingExecutor(2))
    # The batch stopped at the failing element: 57 of its batch ran up to it.
    assert flow.CALLS["square"] < 100
