"""The scheduler with a results store: what runs, what is reused, and why."""

import flow
import pytest

from wt_runtime.executors import InProcessExecutor
from wt_runtime.reuse import Reuse, ReuseOptions
from wt_runtime.scheduler import TaskFailed, run


@pytest.fixture(autouse=True)
def fresh_flow():
    flow.CALLS.clear()
    flow.STATE.update(fail=False, reading=3, bad=None, wipe=None)


def run_flow(
    store_url, params, *, lookup=True, reuse_io=False, explain=False, result_of="total"
):
    options = ReuseOptions(store_url, lookup=lookup, reuse_io=reuse_io, explain=explain)
    reuse = Reuse(options, "flow", mock_io=False, memo=True)
    with InProcessExecutor() as executor:
        return run("flow", flow.NODES, params, result_of, executor, reuse)


PARAMS = {"numbers": {"n": 4}, "total": {"bonus": 1}}


def calls():
    counted = dict(flow.CALLS)
    flow.CALLS.clear()
    return counted


def test_a_second_identical_run_runs_only_the_io_task(tmp_path):
    assert run_flow(str(tmp_path), PARAMS) == 0 + 1 + 4 + 9 + 1
    assert calls() == {"read": 1, "parity": 1, "numbers": 1, "square": 4, "total": 1}
    assert run_flow(str(tmp_path), PARAMS) == 15
    assert calls() == {"read": 1}


def test_a_changed_parameter_reruns_its_instance_and_what_uses_it(tmp_path):
    run_flow(str(tmp_path), PARAMS)
    calls()
    assert run_flow(str(tmp_path), {"numbers": {"n": 4}, "total": {"bonus": 2}}) == 16
    assert calls() == {"read": 1, "total": 1}


def test_a_new_element_of_a_fan_out_runs_alone(tmp_path):
    run_flow(str(tmp_path), PARAMS)
    calls()
    assert run_flow(str(tmp_path), {"numbers": {"n": 5}, "total": {"bonus": 1}}) == 31
    assert calls() == {"read": 1, "numbers": 1, "square": 1, "total": 1}


def test_an_io_task_returning_the_same_bytes_cuts_off_downstream(tmp_path):
    run_flow(str(tmp_path), PARAMS, result_of="parity")
    calls()
    assert run_flow(str(tmp_path), PARAMS, result_of="parity") == "odd"
    assert calls() == {"read": 1}
    flow.STATE["reading"] = 4
    assert run_flow(str(tmp_path), PARAMS, result_of="parity") == "even"
    assert calls() == {"read": 1, "parity": 1}


def test_io_results_are_reused_on_request(tmp_path):
    run_flow(str(tmp_path), PARAMS)
    calls()
    run_flow(str(tmp_path), PARAMS, reuse_io=True)
    assert calls() == {}


def test_a_failed_run_resumes_where_it_failed(tmp_path):
    flow.STATE["fail"] = True
    with pytest.raises(TaskFailed, match="total failed"):
        run_flow(str(tmp_path), PARAMS)
    assert calls() == {"read": 1, "parity": 1, "numbers": 1, "square": 4, "total": 1}
    flow.STATE["fail"] = False
    assert run_flow(str(tmp_path), PARAMS) == 15
    assert calls() == {"read": 1, "total": 1}


def test_without_lookup_everything_runs_and_is_stored(tmp_path):
    run_flow(str(tmp_path), PARAMS, lookup=False)
    calls()
    run_flow(str(tmp_path), PARAMS, lookup=False)
    assert calls()["square"] == 4
    run_flow(str(tmp_path), PARAMS)
    assert calls() == {"read": 1}


def test_a_corrupt_or_deleted_result_is_computed_again(tmp_path):
    run_flow(str(tmp_path), PARAMS)
    calls()
    blobs = sorted((tmp_path / "blobs").rglob("*"))
    files = [b for b in blobs if b.is_file()]
    for b in files[: len(files) // 2]:
        b.write_bytes(b"garbage")
    for b in files[len(files) // 2 :]:
        b.unlink()
    with pytest.warns(UserWarning, match="corrupt"):
        assert run_flow(str(tmp_path), PARAMS) == 15
    assert calls()["total"] == 1


def test_explain_says_what_ran_and_why(tmp_path, capsys):
    run_flow(str(tmp_path), PARAMS, explain=True)
    first = capsys.readouterr().err.splitlines()
    assert "explain: numbers  ran: not stored before" in first
    assert "explain: squares  ran: not stored before (4 elements)" in first
    run_flow(str(tmp_path), {"numbers": {"n": 5}, "total": {"bonus": 2}}, explain=True)
    second = capsys.readouterr().err.splitlines()
    assert (
        "explain: read  ran: io task (it reads the world; --reuse-io reuses it)"
        in second
    )
    assert "explain: parity  reused" in second
    assert "explain: numbers  ran: parameter `n` changed" in second
    assert "explain: squares  4 reused, 1 ran: element 4 changed" in second
    assert "explain: total  ran: upstream `squares` changed" in second
    run_flow(str(tmp_path), {"numbers": {"n": 5}, "total": {"bonus": 2}}, explain=True)
    third = capsys.readouterr().err.splitlines()
    assert "explain: squares  reused (5 elements)" in third
    assert "explain: total  reused" in third


def test_results_deleted_while_the_run_goes_on_are_computed_again(tmp_path):
    flow.STATE["wipe"] = str(tmp_path)
    # Results read back from the store, not from memory, as workers read them.
    reuse = Reuse(ReuseOptions(str(tmp_path), lookup=False), "flow", False, memo=False)
    with pytest.warns(UserWarning, match="running the workflow again"):
        with InProcessExecutor() as executor:
            assert run("flow", flow.NODES, PARAMS, "total", executor, reuse) == 15
    # The second attempt ran what the deletion took: three elements (the fourth, which
    # deleted them, stored its own result after that, and is reused).
    assert flow.CALLS["square"] == 4 + 3
