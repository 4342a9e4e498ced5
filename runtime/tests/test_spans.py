"""Spans: the console form is opentelemetry-sdk's own, and a scheduled run records one span
per task instance and per element, with states."""

import io
import json

import flow
import pytest
from opentelemetry import propagate
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from wt_runtime import spans
from wt_runtime.executors import InProcessExecutor
from wt_runtime.reuse import Reuse, ReuseOptions
from wt_runtime.scheduler import TaskFailed, run

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class Collect:
    """An exporter keeping what it gets."""

    def __init__(self) -> None:
        self.ended: list[spans.Span] = []
        self.starts: list[str] = []

    def started(self, tracer, span):
        self.starts.append(span.name)

    def export(self, tracer, span):
        self.ended.append(span)

    def close(self, tracer):
        pass


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    flow.CALLS.clear()
    flow.STATE.update(fail=False, reading=3, bad=None, wipe=None)
    monkeypatch.setenv("TRACEPARENT", TRACEPARENT)
    monkeypatch.setenv("TRACESTATE", "vendor=x,other=y")
    yield
    spans.shutdown()


def test_the_console_form_is_opentelemetry_sdks():
    provider = TracerProvider(
        resource=Resource({"service.name": "svc", "service.version": "1"})
    )
    context = propagate.extract(
        {"traceparent": TRACEPARENT, "tracestate": "vendor=x,other=y"}
    )
    sdk = provider.get_tracer("t").start_span(
        "squares", context=context, attributes={"wt.elements": 3, "wt.state": "ok"}
    )
    sdk.set_status(Status(StatusCode.ERROR, "ValueError: bad"))
    sdk.end()
    theirs = json.loads(sdk.to_json(indent=None))

    tracer = spans.Tracer("svc", "1", [])
    tracer.resource = dict(theirs["resource"]["attributes"])
    ours = spans.Span(
        name="squares",
        span_id=f"{sdk.context.span_id:016x}",
        parent_id=tracer.parent_id,
        start_ns=sdk.start_time,
        attributes={"wt.elements": 3, "wt.state": "ok"},
        end_ns=sdk.end_time,
        status="ERROR",
        description="ValueError: bad",
    )
    assert tracer.trace_id == f"{sdk.context.trace_id:032x}"
    assert json.loads(spans.console_json(tracer, ours)) == theirs


def traced_run(params, reuse=None):
    collect = Collect()
    tracer = spans.configure("flow", "0", [collect])
    tracer.root = tracer.start("flow")
    with InProcessExecutor() as executor:
        try:
            return run("flow", flow.NODES, params, "total", executor, reuse), collect
        except TaskFailed:
            return None, collect


def by_name(collect):
    return {s.name: s for s in collect.ended}


def test_every_instance_and_element_has_a_span_in_the_callers_trace():
    result, collect = traced_run({"numbers": {"n": 3}})
    assert result == 0 + 1 + 4
    named = by_name(collect)
    assert set(named) == {
        "read",
        "parity",
        "numbers",
        "squares",
        "squares[0]",
        "squares[1]",
        "squares[2]",
        "total",
    }
    root = spans.current().root
    for name in ("read", "numbers", "squares", "total"):
        assert named[name].parent_id == root.span_id
        assert named[name].attributes["wt.state"] == "succeeded"
    for i in range(3):
        element = named[f"squares[{i}]"]
        assert element.parent_id == named["squares"].span_id
        assert element.attributes["wt.element.index"] == i
        assert element.start_ns <= element.end_ns
    assert named["squares"].attributes["wt.elements"] == 3
    # Each instance says when it starts, for a page to show it running.
    assert sorted(collect.starts) == ["numbers", "parity", "read", "squares", "total"]


def test_a_failing_element_fails_its_instance_and_its_span():
    flow.STATE["bad"] = 1
    _, collect = traced_run({"numbers": {"n": 3}})
    named = by_name(collect)
    assert named["squares[1]"].status == "ERROR"
    assert "bad element 1" in named["squares[1]"].description
    assert named["squares"].attributes["wt.state"] == "failed"
    assert "total" not in named


def test_reused_results_are_reused_spans(tmp_path):
    options = ReuseOptions(str(tmp_path))
    traced_run({"numbers": {"n": 2}}, Reuse(options, "flow", False, memo=True))
    spans.shutdown()
    _, collect = traced_run(
        {"numbers": {"n": 2}}, Reuse(options, "flow", False, memo=True)
    )
    named = by_name(collect)
    assert named["squares"].attributes["wt.state"] == "reused"
    assert named["squares"].attributes["wt.elements.reused"] == 2
    assert named["squares[0]"].attributes["wt.state"] == "reused"
    # The io task runs again.
    assert named["read"].attributes["wt.state"] == "succeeded"


def test_the_progress_file_says_what_started_and_what_ended():
    out = io.StringIO()
    progress = spans.ProgressExporter(out)
    tracer = spans.configure("flow", "0", [progress])
    tracer.root = tracer.start("flow")
    with InProcessExecutor() as executor:
        run("flow", flow.NODES, {"numbers": {"n": 2}}, "total", executor)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    started = [line["started"] for line in lines if "started" in line]
    ended = [line["name"] for line in lines if "name" in line]
    assert "squares" in started and "squares" in ended
    assert all(
        line["context"]["trace_id"] == "0x0af7651916cd43dd8448eb211c80319c"
        for line in lines
        if "name" in line
    )


def test_otlp_json_names_ids_in_hex_and_times_in_nanoseconds():
    tracer = spans.Tracer("svc", "1", [])
    span = tracer.start("x", {"n": 2, "ok": True, "f": 0.5, "s": "t", "l": [1]})
    span.end_ns = span.start_ns + 5
    out = spans.otlp_span(tracer, span)
    assert out["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    assert out["parentSpanId"] == "b7ad6b7169203331"
    assert int(out["endTimeUnixNano"]) - int(out["startTimeUnixNano"]) == 5
    assert out["attributes"] == [
        {"key": "n", "value": {"intValue": "2"}},
        {"key": "ok", "value": {"boolValue": True}},
        {"key": "f", "value": {"doubleValue": 0.5}},
        {"key": "s", "value": {"stringValue": "t"}},
        {"key": "l", "value": {"arrayValue": {"values": [{"intValue": "1"}]}}},
    ]
