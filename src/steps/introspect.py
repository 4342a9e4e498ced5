"""Reads the full signature of every registered task, for wt's binding and edge checks.

wt runs this program with the interpreter of a workflow's isolated environment, next to
`wt-registry --format json`, so task code is imported there and never into wt. The registry's
JSON schema describes only what a form may fill: parameters annotated with
`Field(exclude=True)` are missing from its `properties`. This program records what the
registry leaves out: every parameter (name, kind, whether it has a default, whether the
registry schema hides it, its own JSON schema) and the JSON schema of the return annotation.

A parameter or return value annotated with a pandera frame (`DataFrame[Model]` of a
`DataFrameModel`, also inside `Optional[...]`, `Annotated[...]` or `list[...]`) gets the frame's
columns beside its schema, under `x-wt-frame`: the model's name, whether it is strict, and per
column its dtype (as pandera prints it), whether it is required and whether it is coerced.
pandera's own JSON schema (records of JSON types) cannot tell `int32` from `int64`, nor say
which columns a consumer coerces.

A schema that pydantic cannot make (an arbitrary class, a missing annotation) is `null`, never
an error: wt treats `null` as "any type". Only a task module that cannot be imported, or a
registered object without a signature, is an error (exit status 3, message on stderr).

Output (stdout, JSON): {"version": 1, "tasks": {"<module>.<function>": {"parameters": [...],
"return_schema": ...}}}, in registration order.
"""

import importlib
import importlib.metadata
import inspect
import json
import sys
import typing
import warnings

FORMAT_VERSION = 1
FRAME_KEY = "x-wt-frame"


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(3)


def import_task_modules():
    for ep in importlib.metadata.entry_points(group="wt_registry"):
        try:
            importlib.import_module(ep.value)
        except Exception as e:  # noqa: BLE001 - any import failure is reported the same way
            fail(
                f"cannot import task module {ep.value} (entry point '{ep.name}'): {e!r}"
            )


def json_schema(annotation, mode):
    """pydantic's JSON schema of `annotation`, or None when it cannot be made."""
    from pydantic import ConfigDict, TypeAdapter

    if annotation is inspect.Parameter.empty:
        return None
    for config in (None, ConfigDict(arbitrary_types_allowed=True)):
        try:
            with warnings.catch_warnings():
                # `Field(exclude=True)` outside a model warns; it is expected here.
                warnings.simplefilter("ignore")
                return TypeAdapter(annotation, config=config).json_schema(mode=mode)
        except Exception:  # noqa: BLE001, S112 - "cannot be expressed" is an answer, not an error
            continue
    return None


def pandera_frame(annotation):
    """The columns of a pandera `DataFrame[Model]` annotation (through `Annotated` and a union
    holding one frame), or None."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return pandera_frame(args[0])
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        frames = [f for f in map(pandera_frame, args) if f is not None]
        return frames[0] if len(frames) == 1 else None
    if (
        origin is None
        or not args
        or not getattr(origin, "__module__", "").startswith("pandera.")
    ):
        return None
    if origin.__name__ != "DataFrame":
        return None
    try:
        schema = args[0].to_schema()
    except Exception:  # noqa: BLE001 - not a model pandera can turn into a schema: no columns
        return None
    return {
        "model": getattr(args[0], "__name__", str(args[0])),
        "strict": schema.strict is True,
        "columns": {
            str(name): {
                "dtype": str(column.dtype),
                "required": bool(column.required),
                "nullable": bool(column.nullable),
                "coerce": bool(column.coerce or schema.coerce),
            }
            for name, column in schema.columns.items()
        },
    }


def with_frames(schema, annotation):
    """`schema` with the columns of the pandera frames `annotation` holds (itself, or the
    elements of a list of frames)."""
    if not isinstance(schema, dict):
        return schema
    frame = pandera_frame(annotation)
    if frame is not None:
        return {**schema, FRAME_KEY: frame}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return with_frames(schema, args[0])
    if origin is list and len(args) == 1 and isinstance(schema.get("items"), dict):
        return {**schema, "items": with_frames(schema["items"], args[0])}
    return schema


def has_before_validator(annotation):
    """Whether `Annotated` metadata holds a validator that sees the raw value first (such as
    `SkippedDependencyFallback`), so a skipped upstream's sentinel can be turned into a value."""
    from pydantic.functional_validators import (
        BeforeValidator,
        PlainValidator,
        WrapValidator,
    )

    if typing.get_origin(annotation) is not typing.Annotated:
        return False
    kinds = (BeforeValidator, PlainValidator, WrapValidator)
    return any(isinstance(m, kinds) for m in typing.get_args(annotation)[1:])


def describe(entry):
    func = entry._func_ref
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError) as e:
        fail(
            f"registered task {entry.fully_qualified_name} has no readable signature: {e}"
        )
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable string annotations: fall back to raw ones
        hints = {}
    try:
        visible = set(entry.json_schema.get("properties", {}))
    except Exception as e:  # noqa: BLE001
        fail(f"registered task {entry.fully_qualified_name} has no JSON schema: {e}")
    parameters = []
    for name, p in sig.parameters.items():
        annotation = hints.get(name, p.annotation)
        parameters.append(
            {
                "name": name,
                "kind": p.kind.name.lower(),
                "has_default": p.default is not inspect.Parameter.empty,
                "hidden": name not in visible,
                "skip_fallback": has_before_validator(annotation),
                "schema": with_frames(
                    json_schema(annotation, "validation"), annotation
                ),
            }
        )
    returns = hints.get("return", sig.return_annotation)
    return_schema = with_frames(json_schema(returns, "serialization"), returns)
    return {"parameters": parameters, "return_schema": return_schema}


def main():
    try:
        from wt_registry.registry import get_registry
    except ImportError as e:
        fail(f"wt-registry is not installed in this environment: {e}")
    import_task_modules()
    tasks = {fqn: describe(entry) for fqn, entry in get_registry().items()}
    json.dump({"version": FORMAT_VERSION, "tasks": tasks}, sys.stdout)


if __name__ == "__main__":
    main()
