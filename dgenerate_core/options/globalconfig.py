"""``--global-config FILE``: generation defaults and in-memory cache limits from json, yaml or toml.

The file holds a mapping with two optional sections (docs/decisions.md, "Global config")::

    defaults:          # option -> value(s), used when the invocation does not give the option
      inference-steps: 20
      guidance-scales: [5, 7.5]
      scheduler: EulerDiscreteScheduler
      vae-tiling: true
    caches:            # object cache -> most objects it keeps (0 keeps none)
      pipeline: 1
      unet: 2

A default is left out where the option would be an error: when the invocation gives the option
itself, when its model type does not take it, or when it needs an option that is not given (the
refiner options without ``--sdxl-refiner``). Option names are written as on the command line, with
or without the leading ``--``, and ``_`` for ``-`` is accepted. Values are what the command line
takes (a number, a string, a list for list options, true/false for flags) and go through the
option's own parser, so a bad value reads like one on the command line. Every unknown key is an
error naming the file and the key.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.options.spec import FLAG
from dgenerate_core.options.table import BY_DEST, BY_NAME

SECTIONS = ("defaults", "caches")
#: options a defaults section may not set (what the invocation is, not how it generates)
NOT_DEFAULTS = frozenset({"model_path", "global_config", "file", "shell", "console",
                          "sub_command", "sub_command_help", "help", "version",
                          "plugin_modules", "templates_help", "directives_help",
                          "functions_help"})


@dataclass
class GlobalConfig:
    """What a global config file says: default options and cache limits."""

    path: str
    defaults: dict[str, Any] = field(default_factory=dict)   # option dest -> value
    caches: dict[str, int] = field(default_factory=dict)


def _error(path: str, message: str) -> UsageError:
    return UsageError(f'--global-config "{path}": {message}')


def _read(path: str) -> Any:
    ext = os.path.splitext(path)[1].lower()
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as ex:
        raise _error(path, ex.strerror or str(ex)) from None
    try:
        if ext == ".json":
            return json.loads(data.decode("utf-8"))
        if ext in (".yaml", ".yml"):
            import yaml

            return yaml.safe_load(data.decode("utf-8"))
        if ext == ".toml":
            import tomllib

            return tomllib.loads(data.decode("utf-8"))
    except Exception as ex:  # the parsers' own error types differ
        first = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
        raise _error(path, f"not valid {ext[1:]}: {first}") from None
    raise _error(path, f'unknown file type "{ext}", use .json, .yaml, .yml or .toml')


def _option(path: str, key: str) -> Any:
    text = str(key).strip()
    name = text if text.startswith("-") else "--" + text.replace("_", "-")
    spec = BY_NAME.get(name)
    if spec is None or spec.positional or spec.dest in NOT_DEFAULTS or spec.meta:
        raise _error(path, f'defaults: unknown option "{key}"')
    return spec


def _defaults(path: str, section: Any) -> dict[str, Any]:
    if not isinstance(section, dict):
        raise _error(path, '"defaults" must be a mapping of option names to values')
    out: dict[str, Any] = {}
    for key, value in section.items():
        spec = _option(path, key)
        if spec.shape == FLAG and not isinstance(value, bool):
            raise _error(path, f'defaults: {spec.long} is a flag, give true or false')
        out[spec.dest] = value
    return out


def _caches(path: str, section: Any, known: tuple[str, ...]) -> dict[str, int]:
    if not isinstance(section, dict):
        raise _error(path, '"caches" must be a mapping of cache names to object counts')
    out: dict[str, int] = {}
    for key, value in section.items():
        if key not in known:
            raise _error(path, f'caches: unknown object cache "{key}", known caches: '
                         + ", ".join(known))
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _error(path, f'caches: "{key}" must be a whole number of objects (0 or more)')
        out[key] = value
    return out


def load_global_config(path: str, known_caches: tuple[str, ...]) -> GlobalConfig:
    """Read and check ``path``; raises one UsageError per bad key."""
    data = _read(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _error(path, "the file must hold a mapping with the keys " + ", ".join(SECTIONS))
    for key in data:
        if key not in SECTIONS:
            raise _error(path, f'unknown key "{key}", valid keys: ' + ", ".join(SECTIONS))
    return GlobalConfig(path, _defaults(path, data.get("defaults", {})),
                        _caches(path, data.get("caches", {}), known_caches))


def applies(dest: str, given: set[str], model_type: str) -> bool:
    """A default applies when the invocation did not give the option, its model type takes it
    and the options it needs (a refiner, ...) are given."""
    spec = BY_DEST[dest]
    if dest in given:
        return False
    if spec.model_types is not None and model_type not in spec.model_types:
        return False
    return not spec.requires_any or any(d in given for d in spec.requires_any)


def default_arguments(config: GlobalConfig, given: set[str], model_type: str = "sd") -> list[str]:
    """Command-line arguments for the defaults that apply to this invocation (``applies``)."""
    argv: list[str] = []
    for dest, value in config.defaults.items():
        if not applies(dest, given, model_type):
            continue
        spec = BY_DEST[dest]
        if spec.shape == FLAG:
            if value:
                argv.append(spec.long)
            continue
        values = value if isinstance(value, list) else [value]
        if not values:
            continue
        argv.append(spec.long)
        argv.extend(_text(v) for v in values)
    return argv


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
