"""What a run reuses from the results store, what it stores, and what it says about it.

With a store, every task instance's result (every element of a `map` / `mapvalues` on its own)
is stored under its key (`keys.py`). With reuse on, an instance whose key is already there is
not run: its stored result stands in. Tasks tagged `io` read the world, so they run every time
unless the run reuses them too (`reuse_io`, optionally only results younger than `max_age`
seconds); their result is still stored, and when it has the same bytes as before, every key
downstream stays the same.

`--explain` prints one line per task instance: `reused`, or `ran` with the reason, found by
comparing the parts of its key with the note the last run of that instance left.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from .bindings import Env, Ref
from .keys import (
    Unkeyable,
    code_digest,
    environment_digest,
    key_of,
    runtime_digest,
    value_digest,
)
from .store import ResultStore, Stored, store_at


@dataclass(frozen=True)
class ReuseOptions:
    """How a run uses the results store at `store_url`."""

    store_url: str
    # Look results up before running (otherwise only store them).
    lookup: bool = True
    # Reuse the results of io tasks too.
    reuse_io: bool = False
    # With reuse_io: only results stored at most this many seconds ago.
    max_age: float | None = None
    # Print what ran and why on stderr.
    explain: bool = False


@dataclass
class Keyed:
    """A node's key parts, and its key (one per element of a fan-out)."""

    parts: dict[str, Any]
    keys: list[str]
    element_digests: list[str] | None = None


@dataclass
class Reuse:
    """One run's use of the store (`options`), for the nodes of `workflow`."""

    options: ReuseOptions
    workflow: str
    mock_io: bool
    memo: bool = False
    store: ResultStore = field(init=False)
    _unstorable: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.store = store_at(self.options.store_url, memo=self.memo, fresh=True)

    def restart(self) -> None:
        """For a run that starts again: look everything up anew (a previous attempt may have
        stored results since), with nothing kept from it in memory."""
        self.store = store_at(self.options.store_url, memo=self.memo, fresh=True)
        self.options = dataclasses.replace(self.options, lookup=True)

    def keyed(
        self,
        node: Any,
        params: dict[str, Any],
        digests: dict[str, str | None],
        elements: list[Any] | None,
        resolve_env: Any,
    ) -> Keyed | None:
        """The key parts and keys of `node`, or None when a bound value cannot be digested."""
        try:
            args: dict[str, str] = {}
            refs: dict[str, list[str]] = {}
            for name, value in node.partial.items():
                found: list[str] = []
                args[name] = value_digest(
                    _digestable(value, digests, resolve_env, found)
                )
                if found:
                    refs[name] = found
            for name, value in params.items():
                args[name] = value_digest(value)
                refs.pop(name, None)
            skipif = node.skipif
            parts = {
                "code": code_digest(node.task),
                "conditions": [code_digest(c) for c in skipif.conditions]
                if skipif
                else None,
                "unpack_depth": skipif.unpack_depth if skipif else None,
                "environment": environment_digest(),
                "runtime": runtime_digest(),
                "call": _call_of(node),
                "validate": node.validate,
                "mock_io": self.mock_io,
                "args": args,
                "refs": refs,
            }
            if elements is None:
                return Keyed(parts, [key_of(parts)])
            element_digests = [
                e.digest if isinstance(e, Stored) else value_digest(e) for e in elements
            ]
        except Unkeyable:
            return None
        keys = [key_of(dict(parts, element=d)) for d in element_digests]
        return Keyed(parts, keys, element_digests)

    def lookup(self, node: Any, key: str) -> str | None:
        """The digest stored under `key`, when this run may reuse it."""
        if not self.options.lookup or (node.io and not self.options.reuse_io):
            return None
        record = self.store.get_key(key)
        if record is None:
            return None
        age = time.time() - float(record.get("stored_at", 0))
        if node.io and self.options.max_age is not None and age > self.options.max_age:
            return None
        return record["digest"]

    def stored(self, node: Any, key: str | None, outcome: Any) -> str | None:
        """Records what a job of `node` returned; its digest, None when it is not stored."""
        if isinstance(outcome, Stored):
            if key is not None:
                self.store.put_key(key, outcome.digest)
            return outcome.digest
        if node.id not in self._unstorable:
            self._unstorable.add(node.id)
            warnings.warn(
                f"The result of task instance '{node.id}' cannot be serialized, so it is not "
                "stored: it runs every time, and so does everything that uses it.",
                stacklevel=2,
            )
        return None

    def noted(
        self, node: Any, keyed: Keyed | None, reused: list[bool], unkeyed: str
    ) -> None:
        """Leaves the note of this run of `node`, says what happened in the run's trace and,
        with `explain`, on stderr (`unkeyed`: why it has no key, when it has none)."""
        span = _current_span()
        if self.options.explain or span is not None:
            # The last note is read only when someone is told (one read per instance).
            previous = self.store.get_note(self.workflow, node.id) if keyed else None
            said = (
                _explanation(node, keyed, reused, previous, self)
                if keyed
                else f"ran: {unkeyed}"
            )
            if self.options.explain:
                print(f"explain: {node.id}  {said}", file=sys.stderr)
            if span is not None:
                span.add_event(
                    "wt.reuse", {"task_instance_id": node.id, "decision": said}
                )
        if keyed is not None:
            note = dict(keyed.parts, elements=keyed.element_digests)
            self.store.put_note(self.workflow, node.id, note)


def _current_span() -> Any:
    """The run's current span when it records (OpenTelemetry installed and a tracer set up):
    the decisions become its events."""
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    span = trace.get_current_span()
    return span if span.is_recording() else None


def _digestable(
    value: Any, digests: dict[str, str | None], resolve_env: Any, found: list[str]
):
    """`value` with each `Ref` replaced by its upstream's content digest and each `Env` by its
    value's digest: what a key covers of a bound value."""
    if isinstance(value, Ref):
        digest = digests.get(value.id)
        if digest is None:
            raise Unkeyable(f"the result of '{value.id}' is not stored")
        found.append(value.id)
        return ("ref", digest)
    if isinstance(value, Env):
        return ("env", value_digest(resolve_env(value)))
    if isinstance(value, dict):
        return {
            k: _digestable(v, digests, resolve_env, found) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_digestable(v, digests, resolve_env, found) for v in value]
    return value


def _call_of(node: Any) -> list[Any]:
    kind = type(node.call).__name__
    return [kind, list(getattr(node.call, "argnames", []))]


def _explanation(
    node: Any,
    keyed: Keyed,
    reused: list[bool],
    previous: dict[str, Any] | None,
    reuse: Reuse,
) -> str:
    """`reused`, or `ran: <why>`; for a fan-out, how many elements each."""
    if keyed.element_digests is None:
        return "reused" if all(reused) else f"ran: {_why(node, keyed, previous, reuse)}"
    if not reused:
        return "ran: no elements"
    ran = [i for i, r in enumerate(reused) if not r]
    if not ran:
        return f"reused ({len(reused)} elements)"
    why = _why(node, keyed, previous, reuse)
    if len(ran) == len(reused):
        return f"ran: {why} ({len(ran)} element{'s' if len(ran) > 1 else ''})"
    old = (previous or {}).get("elements") or []
    if why == "not stored before" and previous is not None:
        new = keyed.element_digests
        changed = [i for i in ran if i >= len(old) or old[i] != new[i]]
        if changed:
            shown = ", ".join(str(i) for i in changed[:5]) + (
                ", ..." if len(changed) > 5 else ""
            )
            why = f"element{'s' if len(changed) > 1 else ''} {shown} changed"
    return f"{len(reused) - len(ran)} reused, {len(ran)} ran: {why}"


def _why(node: Any, keyed: Keyed, previous: dict[str, Any] | None, reuse: Reuse) -> str:
    if node.io and not reuse.options.reuse_io:
        return "io task (it reads the world; --reuse-io reuses it)"
    if not reuse.options.lookup:
        return "reuse is off"
    if previous is None:
        return "not stored before"
    parts = keyed.parts
    if (
        previous.get("code") != parts["code"]
        or previous.get("conditions") != parts["conditions"]
    ):
        return "code changed"
    if previous.get("environment") != parts["environment"]:
        return "environment changed (a package version)"
    if previous.get("runtime") != parts["runtime"]:
        return "wt's runtime changed"
    old_args = previous.get("args") or {}
    for name, digest in parts["args"].items():
        if old_args.get(name) != digest:
            upstream = parts["refs"].get(name)
            if upstream:
                return f"upstream {', '.join(f'`{u}`' for u in upstream)} changed"
            return f"parameter `{name}` changed"
    if set(old_args) != set(parts["args"]):
        return "parameters changed"
    for part in ("call", "validate", "mock_io", "unpack_depth"):
        if previous.get(part) != parts[part]:
            return f"{part.replace('_', ' ')} changed"
    if node.io:
        return "io task result too old (--reuse-max-age)"
    return "not stored before"
