"""The built-in sub-command classes, plain data.

``dgenerate_core.subcommands`` modules add their classes when imported; plugin classes are found
in the loaded plugin modules by ``dgenerate_core.subcommands.registry``.
"""

from __future__ import annotations

BUILTIN: list[type] = []


def register_sub_command(cls: type) -> type:
    """Add a built-in sub-command class (usable as a class decorator); repeats are ignored."""
    if cls not in BUILTIN:
        BUILTIN.append(cls)
    return cls


def builtin_sub_commands() -> list[type]:
    """The built-in classes in registration order."""
    return list(BUILTIN)
