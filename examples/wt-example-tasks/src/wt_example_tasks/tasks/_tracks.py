"""Tasks written the way real task libraries write them: every input a workflow always binds
(fixes, layers, upstream results) is annotated `Field(exclude=True)`, so it stays out of the
workflow's form; the registry schema then hides it, and only the spec can bind it."""

import itertools
import math
from typing import Annotated, Any

from pydantic import BaseModel, Field
from wt_registry import register


class Fix(BaseModel):
    """One GPS position of an animal."""

    animal: str
    x: float
    y: float


@register(description="GPS fixes of the named animals, walking east one step per fix.")
def get_fixes(
    animals: Annotated[list[str], Field(description="Animals to track.")],
    fixes_per_animal: Annotated[int, Field(description="Fixes per animal.", ge=1)] = 3,
) -> list[Fix]:
    return [
        Fix(animal=name, x=float(step * (i + 1)), y=float(i))
        for i, name in enumerate(animals)
        for step in range(fixes_per_animal)
    ]


@register(description="One (animal, fixes) pair per animal, in first-seen order.")
def split_by_animal(
    fixes: Annotated[list[Fix], Field(exclude=True)],
) -> list[tuple[str, list[Fix]]]:
    groups: dict[str, list[Fix]] = {}
    for fix in fixes:
        groups.setdefault(fix.animal, []).append(fix)
    return list(groups.items())


@register(description="Length of the path through a track's fixes.")
def track_length(
    fixes: Annotated[list[Fix], Field(exclude=True)],
    unit_scale: Annotated[float, Field(description="Multiply lengths by this.")] = 1.0,
    smoothing: Annotated[int | None, Field(exclude=True)] = None,
) -> float:
    steps = itertools.pairwise(fixes)
    length = sum(math.hypot(b.x - a.x, b.y - a.y) for a, b in steps)
    return length * unit_scale / (smoothing or 1)


@register(description="A map layer drawing a set of fixes.")
def create_map_layer(
    geodataframe: Annotated[list[Fix], Field(exclude=True)],
    layer_style: Annotated[dict[str, str] | None, Field(exclude=True)] = None,
    legend: Annotated[str, Field(description="Legend of the layer.")] = "Fixes",
) -> dict[str, Any]:
    return {"legend": legend, "points": len(geodataframe), "style": layer_style or {}}


@register(description="Combine track lengths and map layers into one view.")
def merge_widget_views(
    lengths: Annotated[list[tuple[str, float]], Field(exclude=True)],
    widgets: Annotated[list[dict[str, Any]], Field(exclude=True)],
    title: Annotated[str, Field(description="Title of the view.")] = "Tracks",
) -> dict[str, Any]:
    return {
        "title": title,
        "lengths": dict(lengths),
        "layers": [w["legend"] for w in widgets],
    }
