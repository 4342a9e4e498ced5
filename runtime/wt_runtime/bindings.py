"""The bound values of the graph DAG that stand for something known only at run time."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ref:
    """The result of another task instance (`${{ workflow.<id>.return }}`)."""

    id: str


@dataclass(frozen=True)
class Env:
    """An environment variable, read when the node starts (`${{ env.<NAME> }}`)."""

    name: str
