"""The image viewer's right-click menu and its Help dialog."""

from __future__ import annotations

import os
import tkinter as tk
from typing import Any

from dgenerate_console.viewer import system

COPY_COORDS_X = 'Copy Coordinates "x"'
COPY_COORDS_CSV = "Copy Coordinates CSV"
COPY_BBOX_X = 'Copy Bounding Box "x"'
COPY_BBOX_CSV = "Copy Bounding Box CSV"
ACTUAL_SIZE = "View Actual Size"
ZOOM_TO_FIT = "Zoom to Fit"
LOAD_IMAGE = "Load Image..."
COPY_PATH = "Copy Path"
SHOW_IN_DIRECTORY = "Show In Directory"
MAKE_WINDOW = "Make Window"
MAKE_PANE = "Make Pane"
HELP = "Help"

HELP_TEXT = """\
Image viewer controls

Zoom in / out:      mouse wheel, or {mod}+= / {mod}+-  (0.1x to 80x)
Pan:                middle-button drag, {mod}+drag or Alt+drag
View Actual Size:   show image pixels 1:1
Zoom to Fit:        fit the whole image in the view

Right-click menu:
  Copy Coordinates "x" / CSV   copy the pixel under the click as 123x456 or 123,456
  Copy Bounding Box "x" / CSV  then left-click and drag a box; it is copied as
                               x1xy1xx2xy2 (for crop;box= and u-sam;boxes=) or
                               x1,y1,x2,y2.  Escape cancels.
  Load Image...                show any image file
  Copy Path                    copy the image file path
  Show In Directory            reveal the file in the file manager

The viewer shows each image the interpreter writes, fit to the view.
"""


def help_text(mod: str, show_in_directory: bool) -> str:
    """The controls that exist here: "Show In Directory" only where a file manager can."""
    lines = HELP_TEXT.format(mod=mod).split("\n")
    if not show_in_directory:
        lines = [line for line in lines if not line.strip().startswith(SHOW_IN_DIRECTORY)]
    return "\n".join(lines)


def theme_colors(theme: Any) -> dict[str, str]:
    """Tk colour options for menus and dialogs from a console theme (unset colours are skipped)."""
    pairs = {"background": "background", "foreground": "foreground",
             "activebackground": "selection_background", "activeforeground": "selection_foreground"}
    return {option: value for option, attribute in pairs.items()
            if (value := getattr(theme, attribute, None))}


class ContextMenu:
    """Builds the viewer's right-click menu afresh for each click, enabling what applies."""

    def __init__(self, viewer: Any) -> None:  # an ImageViewer (base.py imports this module)
        self.viewer = viewer
        self.menu = tk.Menu(viewer, tearoff=False)
        self.point: tuple[int, int] | None = None
        self.help_dialog: tk.Toplevel | None = None
        self.set_theme(viewer.theme)

    def set_theme(self, theme: Any) -> None:
        """Colour the menu like the console."""
        try:
            self.menu.configure(**theme_colors(theme))
        except tk.TclError:
            pass

    def labels(self) -> list[str]:
        """Labels of the entries currently in the menu (separators left out)."""
        end = self.menu.index("end")
        if end is None:
            return []
        return [self.menu.entrycget(i, "label") for i in range(end + 1)
                if self.menu.type(i) != "separator"]

    def index_of(self, label: str) -> int:
        """Menu index of the entry with this exact label."""
        end = self.menu.index("end")
        for i in range(0 if end is None else end + 1):
            if self.menu.type(i) != "separator" and self.menu.entrycget(i, "label") == label:
                return i
        raise KeyError(label)

    def state(self, label: str) -> str:
        """``normal`` or ``disabled``."""
        return str(self.menu.entrycget(self.index_of(label), "state"))

    def invoke(self, label: str) -> None:
        """Run the entry with this label (as a click on it would)."""
        self.menu.invoke(self.index_of(label))

    def prepare(self, x: float, y: float) -> tk.Menu:
        """Rebuild the menu for a right-click at widget (x, y) and return it."""
        viewer = self.viewer
        self.point = viewer.image_coords(x, y)
        has_image = viewer.image is not None
        has_path = viewer.path is not None
        menu = self.menu
        menu.delete(0, "end")
        self._add(COPY_COORDS_X, lambda: self._copy_point(False), self.point is not None)
        self._add(COPY_COORDS_CSV, lambda: self._copy_point(True), self.point is not None)
        self._add(COPY_BBOX_X, lambda: viewer.start_bbox_selection(False), has_image)
        self._add(COPY_BBOX_CSV, lambda: viewer.start_bbox_selection(True), has_image)
        menu.add_separator()
        self._add(ACTUAL_SIZE, viewer.actual_size, has_image)
        self._add(ZOOM_TO_FIT, viewer.zoom_to_fit, has_image)
        menu.add_separator()
        self._add(LOAD_IMAGE, viewer.load_image_dialog, True)
        self._add(COPY_PATH, viewer.copy_path, has_path)
        if system.can_show_in_directory():
            exists = has_path and os.path.isfile(str(viewer.path))
            self._add(SHOW_IN_DIRECTORY, lambda: system.show_in_directory(str(viewer.path)), exists)
        self._add_app_entries()
        menu.add_separator()
        self._add(HELP, self.show_help, True)
        return menu

    def _add_app_entries(self) -> None:
        viewer = self.viewer
        entries = [(viewer.hide_label, viewer.on_hide), (MAKE_WINDOW, viewer.on_make_window),
                   (MAKE_PANE, viewer.on_make_pane)]
        present = [(label, callback) for label, callback in entries if callback is not None]
        if present:
            self.menu.add_separator()
        for label, callback in present:
            self._add(label, callback, True)

    def _add(self, label: str, command: Any, enabled: bool) -> None:
        self.menu.add_command(label=label, command=command,
                              state=tk.NORMAL if enabled else tk.DISABLED)

    def _copy_point(self, csv: bool) -> None:
        if self.point is not None:
            self.viewer.copy_coordinates(self.point, csv)

    def show_help(self) -> tk.Toplevel:
        """Open (or raise) the dialog listing the viewer's controls."""
        if self.help_dialog is not None and self.help_dialog.winfo_exists():
            self.help_dialog.lift()
            return self.help_dialog
        dialog = tk.Toplevel(self.viewer)
        dialog.title("Image Viewer Help")
        colors = theme_colors(self.viewer.theme)
        mod = "Cmd" if system.sys.platform == "darwin" else "Ctrl"
        text = tk.Text(dialog, width=84, height=20, wrap="none", bd=0, padx=10, pady=10,
                       **{k: v for k, v in colors.items() if k in ("background", "foreground")})
        text.insert("1.0", help_text(mod, system.can_show_in_directory()))
        text.configure(state=tk.DISABLED)
        text.pack(fill=tk.BOTH, expand=True)
        tk.Button(dialog, text="Close", command=dialog.destroy).pack(pady=6)
        dialog.bind("<Escape>", lambda _e: dialog.destroy())
        self.help_dialog = dialog
        return dialog
