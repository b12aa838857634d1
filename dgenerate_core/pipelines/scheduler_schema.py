"""Write ``resources/schemas/schedulers.json`` by introspecting the diffusers scheduler classes.

Run in the development environment: ``python -m dgenerate_core.pipelines.scheduler_schema``.
The console only reads the JSON (it never imports diffusers, which is why this lives in the
engine); a test regenerates the schema in memory and compares, so a diffusers upgrade that changes
an argument shows up as a failing test.
"""

from __future__ import annotations

import inspect
import json
import math
import sys
import types
import typing
from typing import Any

# the Karras scheduler classes the console offers (config-console.md §9.7)
SCHEDULER_NAMES: tuple[str, ...] = (
    "DDIMScheduler", "DDPMScheduler", "DDPMWuerstchenScheduler", "DEISMultistepScheduler",
    "DPMSolverMultistepScheduler", "DPMSolverSDEScheduler", "DPMSolverSinglestepScheduler",
    "EDMEulerScheduler", "EulerAncestralDiscreteScheduler", "EulerDiscreteScheduler",
    "FlowMatchEulerDiscreteScheduler", "HeunDiscreteScheduler", "KDPM2AncestralDiscreteScheduler",
    "KDPM2DiscreteScheduler", "LCMScheduler", "LMSDiscreteScheduler", "PNDMScheduler",
    "UniPCMultistepScheduler",
)
# string arguments whose accepted values diffusers checks at run time but does not annotate
KNOWN_CHOICES: dict[str, list[str]] = {
    "beta_schedule": ["linear", "scaled_linear", "squaredcos_cap_v2"],
}
CLONE_CONFIG = {"name": "clone-config", "type": "bool", "default": True, "optional": False,
                "options": None,
                "help": "Start from the model's own scheduler configuration (true) or from the "
                        "class defaults (false)."}
_PLAIN = {int: "int", float: "float", bool: "bool", str: "str"}


def _describe(annotation: Any) -> tuple[str | None, bool, list | None]:
    """(type name or None when the console cannot edit it, accepts None, choices)."""
    if annotation in _PLAIN:
        return _PLAIN[annotation], False, None
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        values = list(typing.get_args(annotation))
        return ("str" if all(isinstance(v, str) for v in values) else "any"), False, values
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(members) < len(typing.get_args(annotation))
        if any(typing.get_origin(m) is list or m is list for m in members):
            return "list", optional, None
        if len(members) == 1:
            kind, _, choices = _describe(members[0])
            return kind, optional, choices
        return None, optional, None
    if origin is list or annotation is list:
        return "list", False, None
    return None, False, None


def _default(value: Any) -> Any:
    if value is inspect.Parameter.empty:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _source_class(cls: type) -> tuple[list[tuple[str, Any, Any]], str]:
    """Parameters and docstring of a scheduler whose real class diffusers replaced with a dummy
    (its optional dependency, e.g. torchsde, is missing): read from the source without importing."""
    import ast
    import importlib.util

    import numpy as np

    module = "diffusers.schedulers.scheduling_" + {
        "DPMSolverSDEScheduler": "dpmsolver_sde"}.get(cls.__name__, cls.__name__.lower())
    spec = importlib.util.find_spec(module)
    tree = ast.parse(open(spec.origin, encoding="utf-8").read())
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls.__name__)
    init = next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    scope = {"np": np, "typing": typing, "float": float, "int": int, "bool": bool, "str": str,
             "list": list, **{n: getattr(typing, n) for n in ("Literal", "Optional", "Union", "List")}}
    positional = init.args.args[1:]
    defaults = [None] * (len(positional) - len(init.args.defaults)) + list(init.args.defaults)
    params = []
    for arg, default in zip(positional, defaults):
        annotation = eval(ast.unparse(arg.annotation), scope) if arg.annotation else None
        value = ast.literal_eval(default) if default is not None else inspect.Parameter.empty
        params.append((arg.arg, annotation, value))
    return params, ast.get_docstring(node) or ""


def _parameters(cls: type) -> tuple[list[tuple[str, Any, Any]], str]:
    if ".dummy_" in cls.__module__:
        return _source_class(cls)
    params = [(p.name, p.annotation, p.default)
              for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
              if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return params, inspect.getdoc(cls) or ""


def _arguments(params: list[tuple[str, Any, Any]]) -> list[dict[str, Any]]:
    args = [dict(CLONE_CONFIG)]
    for name, annotation, raw_default in params:
        kind, optional, choices = _describe(annotation)
        if kind is None and raw_default is not inspect.Parameter.empty:
            kind = _PLAIN.get(type(raw_default))
        if kind is None:
            continue
        default = _default(raw_default)
        if choices is None and kind == "str":
            choices = KNOWN_CHOICES.get(name)
        args.append({"name": name.replace("_", "-"), "type": kind, "default": default,
                     "optional": optional or default is None, "options": choices})
    return args


def _summary(doc: str) -> str:
    return " ".join(doc.split("\n\n", 1)[0].split())


def _entry(cls: type) -> dict[str, Any]:
    params, doc = _parameters(cls)
    return {"help": _summary(doc), "args": _arguments(params)}


def generate() -> dict[str, dict[str, Any]]:
    """The scheduler schema: ``{class name: {"help": str, "args": [...]}}`` (imports diffusers)."""
    import diffusers

    return {name: _entry(getattr(diffusers, name)) for name in SCHEDULER_NAMES}


def to_json(schema: dict[str, Any]) -> str:
    """The file text (stable key order, one trailing newline)."""
    return json.dumps(schema, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema file (or the path given as the only argument)."""
    from pathlib import Path

    argv = sys.argv[1:] if argv is None else argv
    default = Path(__file__).resolve().parents[2] / "resources" / "schemas" / "schedulers.json"
    target = argv[0] if argv else str(default)
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(to_json(generate()))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
