"""A small graph DAG for the scheduler's tests, whose tasks count their executions."""

from pathlib import Path

from wt_runtime.scheduler import Call, Map, Node, Ref

CALLS: dict[str, int] = {}
STATE = {"fail": False, "reading": 3, "bad": None, "wipe": None}


def _count(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1


def read() -> int:
    """An io task: what it returns is set by the test."""
    _count("read")
    return STATE["reading"]


def numbers(n: int) -> list[int]:
    _count("numbers")
    return list(range(n))


def square(x: int) -> int:
    _count("square")
    if STATE["wipe"] and x == 3:
        # Once: every stored result deleted while the run goes on.
        for blob in Path(STATE["wipe"], "blobs").rglob("*"):
            if blob.is_file():
                blob.unlink()
        STATE["wipe"] = None
    if x == STATE["bad"]:
        raise ValueError(f"bad element {x}")
    return x * x


def total(values: list[int], bonus: int = 0) -> int:
    _count("total")
    if STATE["fail"]:
        raise RuntimeError("total failed")
    return sum(values) + bonus


def parity(reading: int) -> str:
    _count("parity")
    return "even" if reading % 2 == 0 else "odd"


NODES = [
    Node(id="read", task=read, io=True),
    Node(
        id="parity", task=parity, depends_on=["read"], partial={"reading": Ref("read")}
    ),
    Node(id="numbers", task=numbers),
    Node(
        id="squares",
        task=square,
        depends_on=["numbers"],
        call=Map(argnames=["x"], argvalues=Ref("numbers")),
    ),
    Node(
        id="total",
        task=total,
        depends_on=["squares"],
        partial={"values": Ref("squares")},
    ),
]
NODES_BY_ID = {node.id: node for node in NODES}
__all__ = ["Call", "NODES", "NODES_BY_ID"]
