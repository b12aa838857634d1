"""Processor classes by name (built-ins and plugin classes) and building them from URIs.

Plugin processors are the :class:`ImageProcessor` / :class:`LatentsProcessor` subclasses found in
the modules loaded with ``--plugin-modules`` / ``\\import_plugins``; a plugin cannot take the name of a
built-in or another plugin. Importing this module imports no torch, numpy or cv2.
"""

from __future__ import annotations

import inspect
from typing import Any

from dgenerate_core import plugins
from dgenerate_core.errors import DgenerateError, NotSupportedYet, UsageError
from dgenerate_core.processors.args import ArgSpec, parse_uri_args, signature_args
from dgenerate_core.processors.base import (
    ImageProcessor, LatentsProcessor, ProcessorArgumentError, _Processor,
)
from dgenerate_core.registries.processors import builtin_classes
from dgenerate_core.registries.plugin_kinds import register_taken

BASES = {"image": ImageProcessor, "latents": LatentsProcessor}


def _plugin_classes(kind: str) -> list[type]:
    base = BASES[kind]
    found: list[type] = []
    for module in plugins.loaded_modules():
        for value in list(vars(module).values()):
            if (isinstance(value, type) and issubclass(value, base) and value not in BASES.values()
                    and value.names()
                    and value not in found):
                found.append(value)
    return found


def processor_classes(kind: str, include_hidden: bool = False) -> dict[str, type]:
    """Name -> class for ``kind`` ("image" or "latents"), sorted by name."""
    if kind not in BASES:
        raise ValueError(f"unknown processor kind {kind!r}")
    table: dict[str, type] = {}
    for cls in builtin_classes(kind) + _plugin_classes(kind):
        if cls.HIDDEN and not include_hidden:
            continue
        for name in cls.names():
            table[name] = cls
    return dict(sorted(table.items()))


def is_built(cls: type) -> bool:
    """False for a registered class marked ``NOT_BUILT`` (using it is ``NotSupportedYet``)."""
    return not getattr(cls, "NOT_BUILT", False)


def accepted_args(cls: type) -> list[ArgSpec]:
    """The URI arguments ``cls`` accepts (its own, then the common ones it takes)."""
    refused = cls.refused_args()
    return [a for a in signature_args(cls, _Processor) if a.name not in refused]


def shown_args(cls: type, name: str | None = None) -> list[ArgSpec]:
    """The URI arguments listed in help (hidden ones left out); ``static_args(name)`` of a
    multi-name class (the documented arguments of processors not built yet) wins."""
    static = getattr(cls, "static_args", None)
    if static is not None and name is not None:
        return list(static(name))
    hidden = cls.hidden_args()
    return [a for a in accepted_args(cls) if a.name not in hidden]


def _label(kind: str, name: str, option: str) -> str:
    label = f'{kind} processor "{name}"'
    return f"{option}: {label}" if option else label


def _unknown(kind: str, name: str, option: str) -> UsageError:
    classes = processor_classes(kind)
    return UsageError(f'{option + ": " if option else ""}unknown {kind} processor "{name}", '
                      f"see --{kind}-processor-help; known: " + ", ".join(classes))


def build_processor(uri: str, kind: str, option: str = "",
                    defaults: dict[str, Any] | None = None) -> Any:
    """Build the processor an URI names; ``defaults`` (``device``) fill arguments not given."""
    name = uri.split(";", 1)[0].strip()
    classes = processor_classes(kind, include_hidden=True)
    cls = classes.get(name)
    if cls is None:
        raise _unknown(kind, name, option)
    if not is_built(cls):
        raise NotSupportedYet(f"{kind} processor {name}")
    specs = {a.name: a for a in accepted_args(cls)}
    label = _label(kind, name, option)
    kwargs = parse_uri_args(uri, specs, label)
    for key, value in (defaults or {}).items():
        spec = specs.get(key)
        if spec is not None and spec.dest not in kwargs and value is not None:
            kwargs[spec.dest] = value
    missing = [a.name for a in specs.values() if a.required and a.dest not in kwargs]
    if missing:
        raise UsageError(f'{label}: missing required argument "{missing[0]}"')
    return _construct(cls, name, kwargs, label)


def _construct(cls: type, name: str, kwargs: dict[str, Any], label: str) -> Any:
    try:
        params = inspect.signature(cls).parameters
        if "loaded_by_name" in params or any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return cls(loaded_by_name=name, **kwargs)
        return cls(**kwargs)
    except ProcessorArgumentError as ex:
        raise UsageError(f"{label}: {ex}") from None
    except DgenerateError:
        raise
    except (TypeError, ValueError) as ex:
        raise UsageError(f"{label}: {ex}") from None


register_taken("image processor", lambda: processor_classes("image", True))
register_taken("latents processor", lambda: processor_classes("latents", True))
