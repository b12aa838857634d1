"""The plugin class kinds, plain data (ground floor).

The module that defines a kind's base class registers it (``register_base``), and the module that
lists a kind's classes registers how to list the names already taken (``register_taken``).
``dgenerate_core.plugins`` reads both, so it never imports the floors that fill them: a plugin
that subclasses a base has imported it, which registered it.
"""

from __future__ import annotations

from typing import Any, Callable

#: kind label ("image processor", ...) -> base class
BASES: dict[str, type] = {}
#: kind label -> function returning name -> class of every class of the kind known now
TAKEN: dict[str, Callable[[], dict[str, Any]]] = {}


def register_base(kind: str, cls: type) -> type:
    """Declare ``cls`` the base class of plugin kind ``kind``."""
    BASES[kind] = cls
    return cls


def register_taken(kind: str, names: Callable[[], dict[str, Any]]) -> None:
    """Declare how to list the names of ``kind`` already taken (built-ins and loaded plugins)."""
    TAKEN[kind] = names
