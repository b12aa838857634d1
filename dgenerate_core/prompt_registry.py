"""The prompt weighter and prompt upscaler registries (ground floor: plain data).

Each registry maps a name to a class. Built-ins and plugins fill it through the same call,
:func:`register`, from above: importing ``dgenerate_core.prompts`` registers the built-ins, and
every reader of these tables (the prompts package itself, a plugin subclassing its bases) has
imported it first. This module imports nothing.
"""

from __future__ import annotations

KINDS = ("prompt-weighter", "prompt-upscaler")

_TABLES: dict[str, dict[str, type]] = {kind: {} for kind in KINDS}


def _check(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown registry kind {kind!r}")


def register(kind: str, cls: type, names: tuple[str, ...] | None = None) -> type:
    """Register ``cls`` under ``names`` (default: ``cls.NAMES``); a later name wins."""
    _check(kind)
    for name in names or tuple(getattr(cls, "NAMES", ())):
        _TABLES[kind][name] = cls
    return cls


def unregister(kind: str, name: str) -> None:
    """Forget ``name`` (a plugin unloaded, a test cleaning up)."""
    _check(kind)
    _TABLES[kind].pop(name, None)


def classes(kind: str, include_hidden: bool = False) -> dict[str, type]:
    """Name -> class of ``kind``, sorted by name."""
    _check(kind)
    table = {n: c for n, c in _TABLES[kind].items()
             if include_hidden or not getattr(c, "HIDDEN", False)}
    return dict(sorted(table.items()))


def names(kind: str) -> list[str]:
    """The listed names of ``kind``."""
    return list(classes(kind))


def lookup(kind: str, name: str) -> type | None:
    """The class registered as ``name``, or None."""
    return classes(kind, include_hidden=True).get(name)
