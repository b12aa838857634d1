"""The registry of config directives and template functions (built-ins and plugins), plain data.

Plugins call :func:`register_directive` with ``fn(args: list[str]) -> int | None``; built-in
directives use :func:`builtin` and receive the running interpreter as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from dgenerate_core.errors import DgenerateError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RegistryError(DgenerateError):
    """A directive or function name that cannot be registered."""


@dataclass
class Directive:
    """One directive: ``fn(args)`` for plugins, ``fn(ctx, args)`` for built-ins."""

    name: str
    fn: Callable[..., Any]
    help: str
    builtin: bool = False
    raw: bool = False          # gets the raw rest of the line instead of tokens
    once: bool = False         # has side effects: runs once, on rank 0 of a distributed run


@dataclass
class Function:
    """One template function, usable from templates, filters and ``\\setp``."""

    name: str
    fn: Callable[..., Any]
    help: str
    builtin: bool = False      # shipped with dgenerate (not a plugin)
    python: bool = False       # one of the Python builtins exposed as functions


DIRECTIVES: dict[str, Directive] = {}
FUNCTIONS: dict[str, Function] = {}
_generation = [0]


def generation() -> int:
    """A counter bumped by every registration (the interpreter refreshes its Jinja globals)."""
    return _generation[0]


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise RegistryError(f'invalid {what} name "{name}"')
    return name


def register_directive(name: str, fn: Callable[..., Any], help: str | None = None,
                       once: bool = False) -> None:
    """Register the plugin directive ``\\name`` calling ``fn(args: list[str]) -> int | None``;
    ``once``: it has side effects, a distributed run calls it on rank 0 only (the other ranks
    wait and receive the template variables it sets)."""
    name = _check_name(name.lstrip("\\"), "directive")
    if name in DIRECTIVES and DIRECTIVES[name].builtin:
        raise RegistryError(f'directive "\\{name}" is built in and cannot be replaced')
    DIRECTIVES[name] = Directive(name, fn, (help or fn.__doc__ or "").strip(), once=once)
    _generation[0] += 1


def register_function(name: str, fn: Callable[..., Any], help: str | None = None) -> None:
    """Register the template function ``name`` (also usable as a filter and from ``\\setp``)."""
    name = _check_name(name, "template function")
    if name in FUNCTIONS and FUNCTIONS[name].builtin:
        raise RegistryError(f'template function "{name}" is built in and cannot be replaced')
    FUNCTIONS[name] = Function(name, fn, (help or fn.__doc__ or "").strip())
    _generation[0] += 1


def builtin(name: str, help: str, raw: bool = False,
            once: bool = False) -> Callable[[Callable], Callable]:
    """Decorator for built-in directives ``fn(ctx, args) -> int | None`` (``once``: see
    :func:`register_directive`)."""

    def mark(fn: Callable) -> Callable:
        DIRECTIVES[name] = Directive(name, fn, help.strip(), builtin=True, raw=raw, once=once)
        return fn

    return mark


def builtin_function(name: str, fn: Callable[..., Any], help: str, python: bool = False) -> None:
    """Register a built-in template function (``python``: one of the exposed Python builtins)."""
    FUNCTIONS[name] = Function(name, fn, help.strip(), builtin=True, python=python)
