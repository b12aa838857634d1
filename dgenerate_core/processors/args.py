"""URI arguments of a processor class, read from its constructor signature, and their parsing.

A constructor keyword ``aperture_size: int = 3`` is the URI argument ``aperture-size``. Type hints
drive parsing: ``str``, ``int``, ``float``, ``bool``, ``X | None``, unions (tried in order), and
``list`` / ``tuple`` / ``dict`` / ``set`` literals. A parameter without a hint is read as a Python
literal, falling back to the raw text. Nothing here imports torch or numpy.
"""

from __future__ import annotations

import ast
import inspect
import types
import typing
from dataclasses import dataclass
from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.uri import as_bool, as_float, as_int, parse_uri

_EMPTY = inspect.Parameter.empty
_SKIP = ("self", "loaded_by_name")


class ArgError(ValueError):
    """A value that does not fit the argument's type (the message names the expectation)."""


@dataclass
class ArgSpec:
    """One URI argument: hyphenated ``name``, python ``dest``, annotation, default."""

    name: str
    dest: str
    annotation: Any = _EMPTY
    default: Any = _EMPTY

    @property
    def required(self) -> bool:
        return self.default is _EMPTY

    @property
    def type_name(self) -> str:
        return type_name(self.annotation, self.default)

    def default_text(self) -> str | None:
        """The default as the help shows it (``"rectangle"`` quoted), None when required."""
        if self.required:
            return None
        return f'"{self.default}"' if isinstance(self.default, str) else str(self.default)


def spec_from_text(line: str) -> ArgSpec:
    """An ArgSpec from a documented ``name: type = default`` line (the type kept as text)."""
    head, sep, default = line.partition(" = ")
    name, _, type_text = head.partition(": ")
    value: Any = _EMPTY
    if sep:
        try:
            value = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            value = default
    return ArgSpec(name.strip(), name.strip().replace("-", "_"), type_text.strip() or _EMPTY,
                   value)


def _hints(fn: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # unresolvable forward references in a plugin: fall back to raw text
        return {}


def signature_args(cls: type, stop: type | None = None) -> list[ArgSpec]:
    """The keyword arguments of ``cls.__init__`` and of its bases up to ``stop`` (MRO order)."""
    found: dict[str, ArgSpec] = {}
    for klass in cls.__mro__:
        if klass is object or (stop is not None and not issubclass(klass, stop)):
            continue
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        hints = _hints(init)
        for pname, param in inspect.signature(init).parameters.items():
            if pname in _SKIP or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            name = pname.replace("_", "-")
            if name not in found:
                annotation = hints.get(pname, param.annotation)
                found[name] = ArgSpec(name, pname, annotation, param.default)
        if klass is stop:
            break
    return list(found.values())


def _members(ann: Any) -> list[Any]:
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(ann) for m in _members(a)]
    return [ann]


def _member_name(ann: Any) -> str:
    if ann is type(None) or ann is None:
        return "None"
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return type(typing.get_args(ann)[0]).__name__
    if origin is not None:
        args = ", ".join(_member_name(a) for a in typing.get_args(ann))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]" if args else origin.__name__
    if isinstance(ann, str):
        return ann
    return getattr(ann, "__name__", str(ann).replace("typing.", ""))


def type_name(ann: Any, default: Any = _EMPTY) -> str:
    """``int``, ``str | None``, ``float | tuple[float, float] | None`` as help text shows."""
    if ann is _EMPTY:
        return "Any" if default in (_EMPTY, None) else type(default).__name__
    names: list[str] = []
    for member in _members(ann):
        name = _member_name(member)
        if name not in names:
            names.append(name)
    if "None" in names:
        names.remove("None")
        names.append("None")
    return " | ".join(names)


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ArgError(f"expected a Python literal, got {text!r}") from None


def _container(origin: type, text: str) -> Any:
    """``[1, 2]`` or CSV ``1,2`` into a list / tuple / set; ``{...}`` into a dict."""
    stripped = text.strip()
    if origin is dict:
        value = _literal(stripped)
        if not isinstance(value, dict):
            raise ArgError(f"expected a dict, got {text!r}")
        return value
    if stripped[:1] in "[(" + "{":
        value = _literal(stripped)
    elif "," in stripped:
        value = _literal(f"[{stripped}]") if _is_literal_csv(stripped) else stripped.split(",")
    else:
        raise ArgError(f"expected a {origin.__name__}, got {text!r}")
    if not isinstance(value, (list, tuple, set)):
        raise ArgError(f"expected a {origin.__name__}, got {text!r}")
    return origin(value)


def _is_literal_csv(text: str) -> bool:
    try:
        ast.literal_eval(f"[{text}]")
        return True
    except (ValueError, SyntaxError):
        return False


def _one(member: Any, text: str) -> Any:
    origin = typing.get_origin(member) or member
    if member is type(None):
        if text.strip().lower() == "none":
            return None
        raise ArgError("expected None")
    if origin is typing.Literal:
        choices = typing.get_args(member)
        if text in [str(c) for c in choices]:
            return next(c for c in choices if str(c) == text)
        raise ArgError("expected one of: " + ", ".join(str(c) for c in choices))
    if origin is bool:
        return as_bool(text)
    if origin is int:
        return as_int(text)
    if origin is float:
        return as_float(text)
    if origin is str:
        return text
    if origin in (list, tuple, set, dict):
        return _container(origin, text)
    if origin is typing.Any:
        return text
    raise ArgError(f"unsupported argument type {_member_name(member)}")


def _describe(ann: Any) -> str:
    return {"int": "an integer", "float": "a number", "bool": "true or false"}.get(
        type_name(ann), type_name(ann))


def parse_value(spec: ArgSpec, text: str) -> Any:
    """Parse ``text`` for ``spec``; ``ArgError`` naming the expected type when it does not fit."""
    if spec.annotation is _EMPTY:
        try:
            return _literal(text)
        except ArgError:
            return text
    members = _members(spec.annotation)
    if type(None) in members and text.strip().lower() == "none":
        return None
    ordered = [m for m in members if m is not type(None) and (typing.get_origin(m) or m) is not str]
    if any((typing.get_origin(m) or m) is str for m in members):
        ordered.append(str)
    for member in ordered:
        try:
            return _one(member, text)
        except Exception:  # UsageError from as_int etc. or ArgError: try the next member
            continue
    raise ArgError(f"expected {_describe(spec.annotation)}, got {text!r}")


def parse_uri_args(uri: str, specs: dict[str, ArgSpec], label: str) -> dict[str, Any]:
    """The constructor keywords of a plugin URI ``NAME;arg=value;...`` whose accepted arguments
    are ``specs`` (by URI name); errors are one line starting with ``label``."""
    try:
        parsed = parse_uri(uri, specs.keys(), option=label)
    except UsageError as ex:
        raise UsageError(str(ex).replace(" URI: ", ": ", 1)) from None
    kwargs: dict[str, Any] = {}
    for key, text in parsed.args.items():
        try:
            kwargs[specs[key].dest] = parse_value(specs[key], text)
        except ArgError as ex:
            raise UsageError(f'{label}: argument "{key}": {ex}') from None
    return kwargs


def help_block(name: str, args: list[ArgSpec]) -> list[str]:
    """The first lines of a ``--*-help NAME`` block: the name and its arguments with defaults."""
    lines = [f"{name}:"]
    if args:
        lines.append("    arguments:")
        for arg in args:
            default = arg.default_text()
            lines.append(f"        {arg.name}: {arg.type_name}"
                         + ("" if default is None else f" = {default}"))
    lines.append("")
    return lines
