"""Reads the full signature of every registered task, for wt's binding and edge checks.

wt runs this program with the interpreter of a workflow's isolated environment, next to
`wt-registry --format json`, so task code is imported there and never into wt. The registry's
JSON schema describes only what a form may fill: parameters annotated with
`Field(exclude=True)` are missing from its `properties`. This program records what the
registry leaves out: every parameter (name, kind, whether it has a default, whether the
registry schema hides it, its own JSON schema) and the JSON schema of the return annotation.

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


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(3)


def import_task_modules():
    for ep in importlib.metadata.entry_points(group="wt_registry"):
        try:
            importlib.import_module(ep.value)
        except Exception as e:  # noqa: BLE001 - any import failure is reported the same way
            fail(f"cannot import task module {ep.value} (entry point '{ep.name}'): {e!r}")


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


def has_before_validator(annotation):
    """Whether `Annotated` metadata holds a validator that sees the raw value first (such as
    `SkippedDependencyFallback`), so a skipped upstream's sentinel can be turned into a value."""
    from pydantic.functional_validators import BeforeValidator, PlainValidator, WrapValidator

    if typing.get_origin(annotation) is not typing.Annotated:
        return False
    kinds = (BeforeValidator, PlainValidator, WrapValidator)
    return any(isinstance(m, kinds) for m in typing.get_args(annotation)[1:])


def describe(entry):
    func = entry._func_ref
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError) as e:
        fail(f"registered task {entry.fully_qualified_name} has no readable signature: {e}")
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
                "schema": json_schema(annotation, "validation"),
            }
        )
    returns = hints.get("return", sig.return_annotation)
    return {"parameters": parameters, "return_schema": json_schema(returns, "serialization")}


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
