"""The console's image viewer: one :class:`ImageViewer` interface, a Tk canvas and an OpenGL backend.

``create_viewer`` picks OpenGL when ``DGENERATE_CONSOLE_UI_OPENGL`` is not ``0`` and PyOpenGL +
pyopengltk import and can make a context on the display; otherwise the canvas (the reason is logged once).
"""

from __future__ import annotations

import logging
import os
import tkinter as tk
from typing import TYPE_CHECKING, Callable

from dgenerate_console.viewer.base import ImageViewer
from dgenerate_console.viewer.canvas import CanvasViewer
from dgenerate_console.viewer.gl import NOT_INSTALLED
from dgenerate_console.viewer.window import ViewerWindow

if TYPE_CHECKING:
    from dgenerate_console.themes import Theme

__all__ = ["CanvasViewer", "ImageViewer", "ViewerWindow", "create_viewer", "opengl_wanted"]

_log = logging.getLogger(__name__)
_logged: set[str] = set()


def opengl_wanted() -> bool:
    """False when ``DGENERATE_CONSOLE_UI_OPENGL`` is ``0`` (or false/no/off)."""
    value = os.environ.get("DGENERATE_CONSOLE_UI_OPENGL", "1").strip().lower()
    return value not in ("0", "false", "no", "off")


def create_viewer(master: tk.Misc, *, theme: Theme, on_info: Callable[[str], None]) -> ImageViewer:
    """A new image viewer in ``master``: OpenGL where it works, else the Tk canvas."""
    if opengl_wanted():
        from dgenerate_console.viewer.gl import GLViewer, opengl_unavailable_reason
        reason = opengl_unavailable_reason(master)
        if reason is None:
            return GLViewer(master, theme=theme, on_info=on_info)
        if reason not in _logged:
            _logged.add(reason)
            # not installing the extra is normal (info); an installed extra that fails is worth a warning
            level = logging.INFO if reason.startswith(NOT_INSTALLED) else logging.WARNING
            _log.log(level, "image viewer: using the Tk canvas, OpenGL is not usable: %s", reason)
    return CanvasViewer(master, theme=theme, on_info=on_info)
