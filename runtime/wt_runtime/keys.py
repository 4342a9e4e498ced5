"""Keys of task results: a digest of everything that can change what a task instance returns.

A key covers, and nothing else:
- the runtime that runs tasks (these modules: how arguments are passed, coerced, skipped);
- the task's code: every `.py` file of the top-level package its function is defined in (a
  task's helpers usually live beside it), and the same for each skip condition;
- the environment: the name and version of every distribution installed in it;
- how it is called: `call`, `map` or `mapvalues` with its argnames, whether its arguments are
  validated, its skip conditions' unpack depth, and mock-io or not;
- every bound value: parameters, `partial` literals, resolved `${{ env.X }}` values (their
  digests, never the values), and for a reference to another instance's result the *content
  digest* of that result, so an upstream that re-runs and returns the same bytes keeps every
  key downstream (early cutoff);
- for one element of a `map` / `mapvalues`, that element's digest;
- the salt of the run (`WT_RESULTS_SALT`: a server mixes a digest of a run's secrets in, so one
  caller's results never serve another's).

Values are digested as their pickle: equal values built alike give equal bytes. A value whose
bytes differ from run to run (a set of strings, whose order depends on hashing) only misses
reuse, never gives a wrong result.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import inspect
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from .store import serialize, sha256

SALT_ENV_VAR = "WT_RESULTS_SALT"

# The modules of the runtime, the same in every package (runtime/tests checks the list).
RUNTIME_MODULES = (
    "bindings.py",
    "dispatch.py",
    "entry.py",
    "executors.py",
    "keys.py",
    "lane.py",
    "response.py",
    "reuse.py",
    "run_spans.py",
    "scheduler.py",
    "spans.py",
    "spread.py",
    "store.py",
    "warm.py",
)


class Unkeyable(Exception):
    """A bound value cannot be digested (it cannot be serialized, or its upstream could not)."""


@cache
def environment_digest() -> str:
    """Every installed distribution, by name and version."""
    seen = sorted(
        {
            f"{d.metadata['Name']}=={d.version}"
            for d in importlib.metadata.distributions()
        }
    )
    return hashlib.sha256("\n".join(seen).encode()).hexdigest()


@cache
def runtime_digest() -> str:
    """The sources of the runtime modules beside this one."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in RUNTIME_MODULES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return h.hexdigest()


@cache
def _package_digest(package: str) -> str:
    """Every `.py` file of the top-level package (or module) `package`, by relative path."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return f"unknown:{package}"
    h = hashlib.sha256()
    roots = list(spec.submodule_search_locations or [])
    if roots:
        for root in sorted(roots):
            for path in sorted(Path(root).rglob("*.py")):
                h.update(str(path.relative_to(root)).encode() + b"\0")
                h.update(path.read_bytes() + b"\0")
    elif spec.origin and os.path.isfile(spec.origin):
        h.update(Path(spec.origin).read_bytes())
    else:
        return f"unknown:{package}"
    return h.hexdigest()


def code_digest(fn: Any) -> str:
    """The code of the task (or condition) `fn`: its name and its top-level package's sources."""
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        # A mock of an io task: what it returns comes from its example data, keyed by the
        # function it stands for.
        real = getattr(fn, "_wt_real_function", None) or getattr(
            fn, "_spec_class", None
        )
        return f"mock:{type(fn).__name__}:{getattr(real, '__name__', '')}"
    if inspect.isbuiltin(fn):
        return f"{module}.{name}"
    return f"{module}.{name}:{_package_digest(module.split('.')[0])}"


def value_digest(value: Any) -> str:
    """The digest of a bound value with no references left in it."""
    data = serialize(value)
    if data is None:
        raise Unkeyable(f"a value of type {type(value).__name__} cannot be serialized")
    return sha256(data)


def key_of(parts: dict[str, Any]) -> str:
    """The key of one task instance (or element) from its parts (all JSON)."""
    parts = dict(parts, salt=os.environ.get(SALT_ENV_VAR, ""), version=1)
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def list_digest(digests: list[str]) -> str:
    """The content digest of a fan-out's result from its elements' digests."""
    return hashlib.sha256(("list\n" + "\n".join(digests)).encode()).hexdigest()
