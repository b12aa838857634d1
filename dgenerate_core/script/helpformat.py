"""``--directives-help``, ``--functions-help`` and ``--templates-help`` texts (and the directives)."""

from __future__ import annotations

import inspect
from typing import Any, Iterable

from dgenerate_core.errors import UsageError
from dgenerate_core.helpwrap import block as _block
from dgenerate_core.registries import script as registry
from dgenerate_core.script.variables import initial_variables, type_text



def _or_list(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + ", or " + names[-1]


def format_directives_help(names: Iterable[str] | None = None) -> str:
    """The directive list, or the documentation of the named directives."""
    if not names:
        listed = "\n".join(f'    "\\{n}"' for n in sorted(registry.DIRECTIVES))
        return "Available config directives:\n\n" + listed
    wanted = [n.lstrip("\\") for n in names]
    unknown = [n for n in wanted if n not in registry.DIRECTIVES]
    if unknown:
        raise UsageError("No directives named: " + _or_list(unknown))
    return "\n\n".join(_block(n, registry.DIRECTIVES[n].help or "No documentation.")
                       for n in wanted)


def _annotation(value: Any) -> str:
    if isinstance(value, str):
        return value
    return getattr(value, "__name__", None) or str(value).replace("typing.", "")


def function_signature(name: str) -> str:
    """``name(params) -> return`` of a template function (builtins: ``name(args, kwargs)``)."""
    func = registry.FUNCTIONS[name]
    try:
        sig = inspect.signature(func.fn)
    except (TypeError, ValueError):
        return f"{name}(args, kwargs)"
    if func.python:
        return f"{name}(args, kwargs)"
    params = []
    for param in sig.parameters.values():
        text = param.name
        if param.kind is param.VAR_POSITIONAL:
            text = "*" + text
        elif param.kind is param.VAR_KEYWORD:
            text = "**" + text
        if param.annotation is not param.empty:
            text += ": " + _annotation(param.annotation)
        if param.default is not param.empty:
            text += (" = " if param.annotation is not param.empty else "=") + repr(param.default)
        params.append(text)
    result = ""
    if sig.return_annotation is not sig.empty:
        result = " -> " + _annotation(sig.return_annotation)
    return f"{name}({', '.join(params)}){result}"


def format_functions_help(names: Iterable[str] | None = None) -> str:
    """The function signatures, or the documentation of the named functions."""
    if not names:
        listed = "\n".join("    " + function_signature(n) for n in sorted(registry.FUNCTIONS))
        return "Available config template functions:\n\n" + listed
    wanted = list(names)
    unknown = [n for n in wanted if n not in registry.FUNCTIONS]
    if unknown:
        raise UsageError("No template functions named: " + _or_list(unknown))
    return "\n\n".join(_block(function_signature(n), registry.FUNCTIONS[n].help
                              or "No documentation.") for n in wanted)


def _value_text(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 2000 else text[:2000] + " ..."


def format_templates_help(names: Iterable[str] | None = None, runner: Any = None) -> str:
    """Template variables with their types (and values, given a runner)."""
    variables = runner.variables if runner is not None else initial_variables([])
    wanted = sorted(variables) if not names else list(names)
    unknown = [n for n in wanted if n not in variables]
    if unknown:
        raise UsageError("No template variables named: " + _or_list(unknown))
    head = "Config template variable is:" if len(wanted) == 1 else "Config template variables are:"
    lines = [head, ""]
    for name in wanted:
        lines.append(f'    Name: "{name}"')
        lines.append(f"        Type: {type_text(name, variables[name])}")
        if runner is not None:
            lines.append(f"        Value: {_value_text(variables[name])}")
    return "\n".join(lines)
