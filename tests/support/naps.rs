//! A task library of sleeping tasks that record when they ran, and workflows over it: the
//! execution tests check overlap with it, the execution bench times the modes on it.
#![allow(dead_code)]

pub const LIBRARY: &str = r#"import os
import time
from typing import Any

from wt_registry import register


def _interval(tag: str, seconds: float) -> list[Any]:
    start = time.time()
    time.sleep(seconds)
    return [tag, start, time.time(), os.getpid()]


@register()
def nap(tag: str, seconds: float = 0.6) -> list[list[Any]]:
    return [_interval(tag, seconds)]


@register()
def nap_after(before: list[list[Any]], tag: str, seconds: float = 0.6) -> list[list[Any]]:
    return before + [_interval(tag, seconds)]


@register()
def names(n: int, prefix: str) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


@register()
def keyed(n: int) -> list[tuple[str, str]]:
    return [(f"k{i}", f"v{i}") for i in range(n)]


@register()
def count(values: list[str]) -> int:
    return len(values)


@register()
def gather(a: Any, b: Any, c: Any, d: Any, e: Any) -> list[Any]:
    return [a, b, c, d, e]
"#;

pub const SPEC: &str = r#"id: naps
requirements:
  - name: naps
    path: naps
workflow:
  - id: left
    task: nap
    partial: {tag: left}
  - id: right
    task: nap
    partial: {tag: right}
  - id: elements
    task: names
    partial: {n: 4, prefix: m}
  - id: mapped
    task: nap
    map:
      argnames: tag
      argvalues: ${{ workflow.elements.return }}
  - id: after_left
    task: nap_after
    partial:
      before: ${{ workflow.left.return }}
      tag: after_left
  - id: pairs
    task: keyed
    partial: {n: 2}
  - id: valued
    task: nap
    mapvalues:
      argnames: tag
      argvalues: ${{ workflow.pairs.return }}
  - id: gathered
    task: gather
    partial:
      a: ${{ workflow.left.return }}
      b: ${{ workflow.right.return }}
      c: ${{ workflow.mapped.return }}
      d: ${{ workflow.after_left.return }}
      e: ${{ workflow.valued.return }}
"#;

/// 100 (by default) trivial `map` elements: the per-job overhead of an executor.
pub const TRIVIAL_MAP_SPEC: &str = r#"id: trivial_map
requirements:
  - name: naps
    path: naps
workflow:
  - id: elements
    task: names
    partial: {prefix: t}
  - id: mapped
    task: nap
    partial: {seconds: 0}
    map:
      argnames: tag
      argvalues: ${{ workflow.elements.return }}
"#;

/// A list of `n` names counted by the next task: with a large `n`, that task's arguments
/// exceed a small Lithops `data_limit`.
pub const LARGE_ARGUMENT_SPEC: &str = r#"id: large_argument
requirements:
  - name: naps
    path: naps
workflow:
  - id: elements
    task: names
    partial: {prefix: a-fairly-long-element-name-}
  - id: counted
    task: count
    partial:
      values: ${{ workflow.elements.return }}
"#;
