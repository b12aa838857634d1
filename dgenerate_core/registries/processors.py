"""The built-in image and latents processor classes by kind, plain data.

``dgenerate_core.processors.image`` and ``dgenerate_core.processors.latents`` add their classes
when imported (``dgenerate_core.processors.catalog`` imports both); plugin classes are found in
the loaded plugin modules by ``dgenerate_core.processors.registry``.
"""

from __future__ import annotations

from typing import Iterable

KINDS = ("image", "latents")
BUILTIN: dict[str, list[type]] = {kind: [] for kind in KINDS}


def register_builtin(kind: str, classes: Iterable[type]) -> None:
    """Add built-in processor classes of ``kind`` ("image" or "latents"); repeats are ignored."""
    table = BUILTIN[kind]
    for cls in classes:
        if cls not in table:
            table.append(cls)


def builtin_classes(kind: str) -> list[type]:
    """The built-in classes of ``kind`` in registration order."""
    return list(BUILTIN[kind])
