"""Processor argument schemas for the console's URI builders (torch-free, from the signatures)."""

from __future__ import annotations

import typing
from typing import Any

from dgenerate_core.processors.args import ArgSpec
from dgenerate_core.processors.registry import is_built, processor_classes, shown_args

# argument values that are a closed set of choices
_OPTIONS: dict[str, list[str]] = {
    "algo": ["auto", "nearest", "box", "bilinear", "hamming", "bicubic", "lanczos"],
    "threshold-algo": ["otsu", "triangle", "median"],
    "shape": ["rectangle", "ellipse", "cross"],
    "feather-shape": ["rectangle", "ellipse"],
}


def _options(arg: ArgSpec) -> list[Any] | None:
    choices = [c for m in _members(arg.annotation) if typing.get_origin(m) is typing.Literal
               for c in typing.get_args(m)]
    return choices or _OPTIONS.get(arg.name)


def _members(ann: Any) -> list[Any]:
    import types

    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(ann) for m in _members(a)]
    return [ann]


def _default(arg: ArgSpec) -> Any:
    if arg.required:
        return None
    value = arg.default
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def arg_schema(arg: ArgSpec) -> dict[str, Any]:
    """``{"name", "type", "type_text", "default", "optional", "options"}`` of one URI argument;
    ``type`` is the main type (``int`` for ``int | None``), ``type_text`` the whole hint."""
    full = arg.type_name
    primary = next((t for t in full.split(" | ") if t != "None"), "str")
    return {"name": arg.name, "type": primary, "type_text": full, "default": _default(arg),
            "optional": not arg.required, "options": _options(arg)}


def processor_schemas(kind: str) -> dict[str, dict[str, Any]]:
    """``{name: {"help": str, "args": [...], "supported": bool}}`` for "image" or "latents"."""
    result: dict[str, dict[str, Any]] = {}
    for name, cls in processor_classes(kind).items():
        built = is_built(cls)
        result[name] = {"help": cls.help_text(name), "supported": built,
                        "args": [arg_schema(a) for a in shown_args(cls, name)]}
    return result
