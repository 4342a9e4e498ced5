"""The registered tasks: importing this module (the `wt_registry` entry point) registers them.

Each parameter's annotation is its contract: it becomes the workflow's form and is checked
when the workflow is built. Parameters the workflow always binds (`partial`, `map`) are
`Field(exclude=True)`, so they stay out of the form.
"""

from typing import Annotated

from pydantic import Field
from wt_registry import register


@register(description="Read some numbers.", tags=["io"])
def read_numbers(
    count: Annotated[int, Field(description="How many numbers to read.", ge=1)] = 3,
) -> list[int]:
    """An `io` task (it would read the world): `--mock-io` replaces it by its example data,
    `read-numbers.example-return.json` next to this file."""
    return list(range(1, count + 1))


@register(description="Scale one number.")
def scale(
    value: Annotated[int, Field(exclude=True)],
    factor: Annotated[
        int, Field(description="What each number is multiplied by.")
    ] = 10,
) -> int:
    return value * factor


@register(description="Add numbers up.")
def total(values: Annotated[list[int], Field(exclude=True)]) -> int:
    return sum(values)
