"""Spans of a run: one for the run, one per task instance, one per mapped element.

They continue the caller's W3C trace context (`TRACEPARENT`, `TRACESTATE`), so a run served
by `wt serve` shares one trace with the request that started it. Nothing here needs
OpenTelemetry installed; spans leave in the two formats the OpenTelemetry world reads:

- `console`: one JSON object per line, as opentelemetry-sdk's
  `ReadableSpan.to_json(indent=None)` writes it (what `wt_task.tracing.otel_span_formatter`
  writes), on stdout or appended to `otel_traces.jsonl` in a folder, each span as it ends;
- `gcp`: OTLP over HTTP with the JSON encoding, posted when the run ends to the endpoint of
  the standard variables `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) or
  `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`; default `http://localhost:4318`), with the
  headers of `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS`
  (`k=v,k2=v2`). An OpenTelemetry Collector forwards them to Cloud Trace or anywhere else.

A task instance's span is named after its id and says its state (`wt.state`: succeeded,
skipped, reused or failed) and, for a fan-out, its element counts.

A run's progress file (`WT_RUN_PROGRESS`, set by `wt serve` for the runs its page watches)
gets the same lines, plus a `{"started": ...}` line when a task instance starts, so a page
can show what is running while it runs.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TextIO

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
OTLP_TIMEOUT = 10.0

_current: Tracer | None = None


def current() -> Tracer | None:
    """The run's tracer, when spans are exported."""
    return _current


@dataclass
class Span:
    name: str
    span_id: str
    parent_id: str | None
    start_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)
    end_ns: int | None = None
    # UNSET, OK or ERROR.
    status: str = "UNSET"
    description: str | None = None
    kind: str = "INTERNAL"


def new_span_id() -> str:
    return secrets.token_hex(8)


class Tracer:
    """Makes spans in the caller's trace (or a new one) and hands each, when it ends, to
    every exporter."""

    def __init__(self, service: str, version: str, exporters: list[Any]) -> None:
        self.resource = {
            "telemetry.sdk.language": "python",
            "telemetry.sdk.name": "wt",
            "service.name": service,
            "service.version": version,
        }
        self.exporters = exporters
        self.trace_id = secrets.token_hex(16)
        self.parent_id: str | None = None
        self.trace_state = ""
        # The run's own span: the parent of its task instances' spans.
        self.root: Span | None = None
        found = TRACEPARENT.match(os.environ.get("TRACEPARENT", "").strip().lower())
        if found and found.group(1) != "0" * 32 and found.group(2) != "0" * 16:
            self.trace_id, self.parent_id = found.group(1), found.group(2)
            self.trace_state = os.environ.get("TRACESTATE", "").strip()

    def start(
        self,
        name: str,
        attributes: dict[str, Any] | None = None,
        parent: Span | None = None,
        start_ns: int | None = None,
        announce: bool = False,
    ) -> Span:
        """A new span; `announce`: say that it started (to the progress file)."""
        span = Span(
            name=name,
            span_id=new_span_id(),
            parent_id=parent.span_id if parent is not None else self.parent_id,
            start_ns=start_ns if start_ns is not None else time.time_ns(),
            attributes=dict(attributes or {}),
        )
        if announce:
            for exporter in self.exporters:
                exporter.started(self, span)
        return span

    def end(
        self,
        span: Span,
        error: str | None = None,
        end_ns: int | None = None,
    ) -> None:
        span.end_ns = end_ns if end_ns is not None else time.time_ns()
        if error is not None:
            span.status, span.description = "ERROR", error
        for exporter in self.exporters:
            exporter.export(self, span)

    def close(self) -> None:
        for exporter in self.exporters:
            exporter.close(self)


def _iso(ns: int) -> str:
    """As opentelemetry-sdk writes a time: through a float of seconds, to the nearest
    microsecond."""
    at = datetime.fromtimestamp(ns / 1e9, tz=timezone.utc)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _trace_state(text: str) -> str:
    """opentelemetry-sdk's rendering of a TraceState: `['{key=a, value=b}']`."""
    pairs = [p.strip().split("=", 1) for p in text.split(",") if "=" in p]
    return str([f"{{key={k.strip()}, value={v.strip()}}}" for k, v in pairs])


def console_json(tracer: Tracer, span: Span) -> str:
    """`span` as opentelemetry-sdk's `ReadableSpan.to_json(indent=None)` writes it."""
    status: dict[str, Any] = {"status_code": span.status}
    if span.description is not None:
        status["description"] = span.description
    return json.dumps(
        {
            "name": span.name,
            "context": {
                "trace_id": f"0x{tracer.trace_id}",
                "span_id": f"0x{span.span_id}",
                "trace_state": _trace_state(tracer.trace_state),
            },
            "kind": f"SpanKind.{span.kind}",
            "parent_id": f"0x{span.parent_id}" if span.parent_id else None,
            "start_time": _iso(span.start_ns),
            "end_time": _iso(span.end_ns or span.start_ns),
            "status": status,
            "attributes": span.attributes,
            "events": [],
            "links": [],
            "resource": {"attributes": tracer.resource, "schema_url": ""},
        }
    )


class ConsoleExporter:
    """JSON lines on a stream, each span as it ends."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def started(self, tracer: Tracer, span: Span) -> None:
        pass

    def export(self, tracer: Tracer, span: Span) -> None:
        self.out.write(console_json(tracer, span) + "\n")
        self.out.flush()

    def close(self, tracer: Tracer) -> None:
        if self.out not in (sys.stdout, sys.stderr):
            self.out.close()


class ProgressExporter(ConsoleExporter):
    """The run's progress file: every span as it ends, and every announced start."""

    def started(self, tracer: Tracer, span: Span) -> None:
        line = {
            "started": span.name,
            "span_id": f"0x{span.span_id}",
            "start_time": _iso(span.start_ns),
            "attributes": span.attributes,
        }
        self.out.write(json.dumps(line) + "\n")
        self.out.flush()


def _otlp_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [_otlp_value(v) for v in value]}}
    return {"stringValue": str(value)}


def _otlp_attributes(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _otlp_value(v)} for k, v in attributes.items()]


OTLP_KINDS = {"INTERNAL": 1, "SERVER": 2, "CLIENT": 3}
OTLP_STATUS = {"UNSET": 0, "OK": 1, "ERROR": 2}


def otlp_span(tracer: Tracer, span: Span) -> dict[str, Any]:
    out: dict[str, Any] = {
        "traceId": tracer.trace_id,
        "spanId": span.span_id,
        "name": span.name,
        "kind": OTLP_KINDS[span.kind],
        "startTimeUnixNano": str(span.start_ns),
        "endTimeUnixNano": str(span.end_ns or span.start_ns),
        "attributes": _otlp_attributes(span.attributes),
        "status": {"code": OTLP_STATUS[span.status]},
    }
    if span.parent_id:
        out["parentSpanId"] = span.parent_id
    if tracer.trace_state:
        out["traceState"] = tracer.trace_state
    if span.description is not None:
        out["status"]["message"] = span.description
    return out


def otlp_endpoint() -> str:
    traces = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if traces:
        return traces
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    return (base or "http://localhost:4318").rstrip("/") + "/v1/traces"


def otlp_headers() -> dict[str, str]:
    headers = {}
    for var in ("OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"):
        for pair in os.environ.get(var, "").split(","):
            if "=" in pair:
                k, v = pair.split("=", 1)
                headers[urllib.parse.unquote(k.strip())] = urllib.parse.unquote(
                    v.strip()
                )
    return headers


class OtlpExporter:
    """OTLP/HTTP (JSON): every span of the run in one request when it ends."""

    def __init__(self) -> None:
        self.spans: list[Span] = []

    def started(self, tracer: Tracer, span: Span) -> None:
        pass

    def export(self, tracer: Tracer, span: Span) -> None:
        self.spans.append(span)

    def close(self, tracer: Tracer) -> None:
        if not self.spans:
            return
        body = {
            "resourceSpans": [
                {
                    "resource": {"attributes": _otlp_attributes(tracer.resource)},
                    "scopeSpans": [
                        {
                            "scope": {"name": "wt"},
                            "spans": [otlp_span(tracer, s) for s in self.spans],
                        }
                    ],
                }
            ]
        }
        request = urllib.request.Request(
            otlp_endpoint(),
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **otlp_headers()},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=OTLP_TIMEOUT) as answer:
                answer.read()
        except OSError as e:
            print(f"could not export spans to {otlp_endpoint()}: {e}", file=sys.stderr)
        self.spans = []


def exporter(name: str, out: TextIO) -> Any:
    """`console` (JSON lines on `out`) or `gcp` (OTLP/HTTP JSON)."""
    if name == "console":
        return ConsoleExporter(out)
    if name == "gcp":
        return OtlpExporter()
    raise ValueError(f"Unknown exporter: {name}")


def configure(service: str, version: str, exporters: list[Any]) -> Tracer:
    """Sets up the run's tracer."""
    global _current
    _current = Tracer(service, version, exporters)
    return _current


def shutdown() -> None:
    """Exports what is left and forgets the tracer."""
    global _current
    if _current is not None:
        _current.close()
        _current = None
