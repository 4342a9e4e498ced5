"""Registered functions used by the example workflows under workflows/."""

from typing import Annotated, Any

from pydantic import BaseModel, Field
from wt_registry import register
from wt_task.skip import SkippedDependencyFallback, SkipSentinel

# Re-exported, so this is their public module (the import path generated code uses).
from ._tracks import (
    Fix,
    create_map_layer,
    get_fixes,
    merge_widget_views,
    split_by_animal,
    track_length,
)

__all__ = [
    "Fix",
    "create_map_layer",
    "get_fixes",
    "merge_widget_views",
    "split_by_animal",
    "track_length",
]


@register(description="Add two integers.")
def add(a: int, b: int) -> int:
    return a + b


@register(description="Double an integer.")
def double(n: int) -> int:
    return n * 2


@register(description="Pair each base with an exponent.")
def make_pairs(
    bases: Annotated[list[int], Field(description="Bases to raise.")],
    exponent: Annotated[int, Field(description="Exponent for every base.")] = 2,
) -> list[tuple[int, int]]:
    return [(b, exponent) for b in bases]


@register(description="Raise a base to an exponent.")
def power(base: int, exponent: int) -> int:
    return base**exponent


@register(description="Sum a list of integers.")
def sum_values(values: list[int]) -> int:
    return sum(values)


@register(description="Key scores by name.")
def keyed_scores(names: list[str], base: int = 10) -> list[tuple[str, int]]:
    return [(name, base + len(name)) for name in names]


@register(description="Scale a score.")
def scale(score: int, factor: int = 3) -> int:
    return score * factor


@register(description="Collect (key, value) pairs into a mapping.")
def to_mapping(pairs: list[tuple[str, int]]) -> dict[str, int]:
    return dict(pairs)


@register(description="Report a summary of inputs.")
def summarize(
    count: int,
    scaled: dict[str, int] | None = None,
    powers: int | None = None,
) -> dict[str, Any]:
    return {"count": count, "scaled": scaled, "powers": powers}


@register(description="True when any argument is negative.")
def any_negative(*args: Any) -> bool:
    return any(isinstance(a, (int, float)) and a < 0 for a in args)


@register(description="Never skip.")
def never(*args: Any) -> bool:
    return False


@register(description="Clamp a value at zero.")
def clamp(value: int) -> int:
    return max(value, 0)


@register(description="Square root of a non-negative number.")
def square_root(value: int) -> float:
    if value < 0:
        raise ValueError(f"cannot take the square root of {value}")
    return value**0.5


def _none_if_skipped(value: Any) -> Any:
    return None if isinstance(value, SkipSentinel) else value


@register(description="Describe the result of a skippable step.")
def describe(
    value: Annotated[float | None, SkippedDependencyFallback(_none_if_skipped)] = None,
    skipped_label: str = "skipped",
) -> str:
    return skipped_label if value is None else f"sqrt={value:g}"


class Station(BaseModel):
    """A measurement station."""

    name: str
    elevation_m: float = 0.0


@register(description="Build a report configuration.")
def configure(
    station: Station,
    thresholds: dict[str, float],
    tags: list[str] = [],  # noqa: B006 - pydantic copies defaults
) -> dict[str, Any]:
    return {
        "station": station.model_dump(),
        "thresholds": thresholds,
        "tags": tags,
    }


@register(description="Combine a configuration with readings into a report.")
def report(
    config: dict[str, Any],
    readings: list[float],
    unit: Annotated[str, Field(description="Unit of the readings.")] = "C",
    owner: str = "nobody",
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    limits = config["thresholds"]
    above = [r for r in readings if r > limits.get("high", float("inf"))]
    return {
        "station": config["station"]["name"],
        "unit": unit,
        "owner": owner,
        "mean": sum(readings) / len(readings) if readings else None,
        "above_high": above,
        "tags": config["tags"],
        "context": context,
    }


@register(description="Produce readings for a station.", tags=["io"])
def fetch_readings(count: int, start: float = 20.0) -> list[float]:
    return [start + i for i in range(count)]
