"""The spans of a scheduled run: one per task instance, a child per mapped element.

An instance's span runs from when its inputs were ready to when its last part came back, and
says its state (`wt.state`): `reused` when every part came from the results store, `skipped`
when its task skipped (a fan-out: every element), `failed`, else `succeeded`. A fan-out's
counts are attributes too (`wt.elements`, `wt.elements.reused`, `wt.elements.skipped`). An
element's span has the times the worker measured, its index and, for `mapvalues`, its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import spans
from .spans import Span, Tracer

LONGEST_KEY = 200


@dataclass
class _Open:
    span: Span
    elements: int | None
    ran: int = 0
    reused: int = 0
    skipped: int = 0


def _state(item: _Open) -> str:
    parts = item.elements if item.elements is not None else 1
    if parts and item.reused == parts:
        return "reused"
    if parts and item.skipped == parts:
        return "skipped"
    return "succeeded"


class RunSpans:
    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self.open: dict[str, _Open] = {}

    @classmethod
    def current(cls) -> RunSpans | None:
        """The run's, when it exports spans."""
        tracer = spans.current()
        return cls(tracer) if tracer is not None else None

    def started(self, node: Any, elements: int | None) -> None:
        """`node`'s inputs are ready; `elements`: a fan-out's count (None: one call)."""
        attributes: dict[str, Any] = {
            "wt.task_instance_id": node.id,
            "wt.task": getattr(node.task, "__name__", str(node.task)),
        }
        if elements is not None:
            attributes["wt.elements"] = elements
        span = self.tracer.start(
            node.id, attributes, parent=self.tracer.root, announce=True
        )
        self.open[node.id] = _Open(span, elements)

    def part(
        self,
        node: Any,
        index: int | None,
        timed: Any = None,
        key: Any = None,
    ) -> None:
        """One part of `node` ended: an element (`index`) or the whole call (None); `timed`:
        how it ran (None: its stored result was reused)."""
        item = self.open[node.id]
        if timed is None:
            item.reused += 1
            state = "reused"
        elif timed.skipped:
            item.skipped += 1
            state = "skipped"
        else:
            item.ran += 1
            state = "succeeded"
        if index is None:
            return
        attributes: dict[str, Any] = {
            "wt.task_instance_id": node.id,
            "wt.element.index": index,
            "wt.state": state,
        }
        if key is not None:
            attributes["wt.element.key"] = str(key)[:LONGEST_KEY]
        span = self.tracer.start(
            f"{node.id}[{index}]",
            attributes,
            parent=item.span,
            start_ns=timed.start_ns if timed is not None else None,
        )
        self.tracer.end(span, end_ns=timed.end_ns if timed is not None else None)

    def finished(self, node: Any) -> None:
        item = self.open.pop(node.id)
        item.span.attributes["wt.state"] = _state(item)
        if item.elements is not None:
            item.span.attributes["wt.elements.reused"] = item.reused
            item.span.attributes["wt.elements.skipped"] = item.skipped
        self.tracer.end(item.span)

    def failed(self, node: Any, error: str, index: int | None, timed: Any) -> None:
        """`node` failed (at element `index`, when a fan-out's element did)."""
        item = self.open.pop(node.id, None)
        if item is None:
            return
        if index is not None:
            span = self.tracer.start(
                f"{node.id}[{index}]",
                {
                    "wt.task_instance_id": node.id,
                    "wt.element.index": index,
                    "wt.state": "failed",
                },
                parent=item.span,
                start_ns=timed.start_ns,
            )
            self.tracer.end(span, error=error, end_ns=timed.end_ns)
        item.span.attributes["wt.state"] = "failed"
        self.tracer.end(item.span, error=error)

    def abandoned(self) -> None:
        """The run stopped: instances still open end, marked cancelled."""
        for item in self.open.values():
            item.span.attributes["wt.state"] = "cancelled"
            self.tracer.end(item.span)
        self.open.clear()
