"""The detachable image viewer window."""

from __future__ import annotations

import tkinter as tk
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from dgenerate_console.themes import Theme


class ViewerWindow(tk.Toplevel):
    """A top-level window holding one image viewer (``.viewer``); closing it calls ``on_close``."""

    def __init__(self, parent: tk.Misc, *, theme: Theme, on_info: Callable[[str], None],
                 on_close: Callable[[], None]) -> None:
        super().__init__(parent)
        from dgenerate_console.viewer import create_viewer
        self.title("Dgenerate Console: Image Viewer")
        self.geometry("720x720")
        self.on_close = on_close
        self.viewer = create_viewer(self, theme=theme, on_info=on_info)
        self.viewer.hide_label = "Hide Image Window"
        self.viewer.pack(fill=tk.BOTH, expand=True)
        self.protocol("WM_DELETE_WINDOW", self.close)

    def close(self) -> None:
        """What the window manager's close button does: tell the app (which destroys or hides us)."""
        self.on_close()
