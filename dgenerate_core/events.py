"""A tiny process-wide event bus: the engine announces what it does, the shell frames it.

The engine calls :func:`emit` (``image``, ``animation``, ``progress`` ...). Nobody listens by
default; the ``--shell`` protocol installs a sink that writes framed events for the console.
"""

from __future__ import annotations

from typing import Any, Callable

Sink = Callable[[str, dict[str, Any]], None]

_sinks: list[Sink] = []


def emit(event: str, **fields: Any) -> None:
    """Send ``event`` with ``fields`` to every installed sink."""
    for sink in list(_sinks):
        sink(event, fields)


def add_sink(sink: Sink) -> None:
    """Install ``sink``; it receives ``(event, fields)`` for every :func:`emit`."""
    _sinks.append(sink)


def remove_sink(sink: Sink) -> None:
    """Uninstall ``sink`` if installed."""
    if sink in _sinks:
        _sinks.remove(sink)
