"""Template variables: ``last_*`` (generated from the option table), ``injected_*`` and friends."""

from __future__ import annotations

import glob
import keyword
import os
from typing import Any, Iterable

from dgenerate_core.errors import DgenerateError, ScriptError
from dgenerate_core.options import OPTIONS, RenderOptions, parse_args
from dgenerate_core.options.reconstruct import NO_TEMPLATE, TEMPLATE_NAMES, template_variables

PROMPT_SUFFIX = "prompts"


class Prompt:
    """A prompt of the last invocation: ``.positive`` and ``.negative`` (un-quoted)."""

    def __init__(self, text: str) -> None:
        self.text = str(text)
        positive, sep, negative = self.text.partition(";")
        self.positive = positive.strip()
        self.negative = negative.strip() if sep else None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return repr(self.text)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Prompt):
            return self.text == other.text
        return isinstance(other, str) and self.text == other


def _wrap_prompts(name: str, value: Any) -> Any:
    if name.endswith(PROMPT_SUFFIX) and isinstance(value, (list, tuple)):
        return [v if isinstance(v, Prompt) else Prompt(v) for v in value]
    return value


def last_variables(opts: Any = None) -> dict[str, Any]:
    """The ``last_*`` variables for parsed options (``None``: the values before any invocation)."""
    values = template_variables(opts if opts is not None else RenderOptions())
    return {name: _wrap_prompts(name, value) for name, value in values.items()}


def _option_type_texts() -> dict[str, str]:
    kinds = {"INT": "int", "FLOAT": "float", "SIZE": "tuple[int, int]", "BOOL": "bool"}
    texts: dict[str, str] = {}
    for spec in OPTIONS:
        if spec.dest in NO_TEMPLATE:
            continue
        name = "last_" + TEMPLATE_NAMES.get(spec.dest, spec.dest)
        item = "Prompt" if name.endswith(PROMPT_SUFFIX) else kinds.get(spec.kind, "str")
        if spec.shape == "flag":
            texts[name] = "bool"
        elif spec.is_list:
            texts[name] = f"Optional[Sequence[{item}]]"
        else:
            texts[name] = f"Optional[{item}]"
    return texts


_FIXED_TYPES = {
    "glob": "module", "os": "module", "injected_args": "list[str]",
    "injected_device": "Optional[str]", "injected_plugin_modules": "Optional[list[str]]",
    "injected_verbose": "Optional[bool]", "saved_modules": "dict[str, dict[str, Any]]",
    "last_images": "Iterable[str]", "last_animations": "Iterable[str]",
    "last_sdxl_refiner_clip_skips": "Optional[Sequence[int]]",
}


def type_text(name: str, value: Any) -> str:
    """The type shown by ``\\templates_help`` for a variable."""
    if name in _FIXED_TYPES:
        return _FIXED_TYPES[name]
    texts = _type_cache()
    if name in texts:
        return texts[name]
    return type(value).__name__


_TYPES: dict[str, str] = {}


def _type_cache() -> dict[str, str]:
    if not _TYPES:
        _TYPES.update(_option_type_texts())
    return _TYPES


def parse_injected(injected: list[str]) -> dict[str, Any]:
    """``injected_device``, ``injected_verbose`` and ``injected_plugin_modules`` from the args."""
    try:
        opts = parse_args(list(injected)) if injected else None
    except DgenerateError as ex:
        raise ScriptError(f"Error parsing injected arguments: {ex}") from None
    if opts is None:
        return {"injected_device": None, "injected_verbose": False, "injected_plugin_modules": []}
    return {"injected_device": opts.device, "injected_verbose": bool(opts.verbose),
            "injected_plugin_modules": list(opts.plugin_modules or [])}


def initial_variables(injected: list[str]) -> dict[str, Any]:
    """Every variable present before the first statement (these names are reserved)."""
    values: dict[str, Any] = {"glob": glob, "os": os, "injected_args": injected,
                              "saved_modules": {}, "last_images": [], "last_animations": []}
    values.update(parse_injected(injected))
    values.update(last_variables())
    return values


def check_define(name: str, reserved: Iterable[str], functions: Iterable[str]) -> None:
    """Raise ScriptError when ``name`` may not be defined as a template variable."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ScriptError(f'Cannot define template variable "{name}", it is not a valid '
                          f"Python identifier.")
    if name == "env":
        raise ScriptError('Cannot define template variable "env", it is the environment '
                          "variable namespace.")
    if name in functions:
        raise ScriptError(f'Cannot define template variable "{name}", it is the name of a '
                          f"template function.")
    if name in reserved:
        raise ScriptError(f'Cannot define template variable "{name}", it is a reserved '
                          f"template variable.")
