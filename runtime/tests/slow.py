"""A graph DAG of sleeping map elements, each saying which process ran it."""

import os
import time

from wt_runtime.scheduler import Map, Node, Ref


def tags(n: int) -> list[str]:
    return [f"t{i}" for i in range(n)]


def nap(tag: str, seconds: float) -> tuple[str, int]:
    time.sleep(seconds)
    return tag, os.getpid()


def pair(a: tuple[str, int], b: tuple[str, int]) -> list[tuple[str, int]]:
    return [a, b]


NODES = [
    Node(id="tags", task=tags),
    Node(
        id="napped",
        task=nap,
        depends_on=["tags"],
        call=Map(argnames=["tag"], argvalues=Ref("tags")),
    ),
]
# Two independent naps, then both results.
BRANCHES = [
    Node(id="left", task=nap),
    Node(id="right", task=nap),
    Node(
        id="both",
        task=pair,
        depends_on=["left", "right"],
        partial={"a": Ref("left"), "b": Ref("right")},
    ),
]
NODES_BY_ID = {node.id: node for node in NODES + BRANCHES}
