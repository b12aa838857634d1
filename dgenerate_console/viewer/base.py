"""The image viewer interface: shared zoom/pan state, bindings, bounding-box selection and clipboard.

Backends (:mod:`.canvas`, :mod:`.gl`) only supply a drawing surface and draw the image and the box.
"""

from __future__ import annotations

import os
import sys
import tkinter as tk
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PIL import Image

from dgenerate_console.viewer.menu import ContextMenu
from dgenerate_console.viewer.geometry import (
    ZOOM_STEP, View, format_box, format_point, normalize_box)

if TYPE_CHECKING:
    from dgenerate_console.themes import Theme

BACKDROP = "#000000"
"""Colour around the image (black, as the reference console shows it, for every theme)."""

BBOX_STARTED = ("Bounding box selection mode started. Left-click and drag to select area. "
                "Press Escape to cancel.")
BBOX_CANCELLED = "Bounding box selection cancelled."
IS_MAC = sys.platform == "darwin"


class _BoxSelection:
    """State of one bounding-box selection: armed, then dragging from ``start`` to ``end``."""

    def __init__(self, csv: bool) -> None:
        self.csv = csv
        self.start: tuple[int, int] | None = None
        self.end: tuple[int, int] | None = None

    def box(self) -> tuple[int, int, int, int] | None:
        """The normalised box dragged so far, in image pixel edges."""
        if self.start is None or self.end is None:
            return None
        return normalize_box(self.start, self.end)


class ImageViewer(tk.Frame):
    """A zoomable, pannable view of one image (a ``tk.Frame`` holding a backend drawing surface)."""

    backend = "base"

    def __init__(self, master: tk.Misc, *, theme: Theme, on_info: Callable[[str], None]) -> None:
        super().__init__(master, bg=BACKDROP, bd=0, highlightthickness=0)
        self.on_info = on_info
        self.on_make_window: Callable[[], None] | None = None
        self.on_make_pane: Callable[[], None] | None = None
        self.on_hide: Callable[[], None] | None = None
        self.hide_label = "Hide Image Pane"
        self.ask_open_file: Callable[[], str] = self._ask_open_file
        self._theme = theme
        self._path: str | None = None
        self._image: Image.Image | None = None
        self._view = View()
        self._auto_fit = False
        self._fit_upscale = False
        self._pending_center: tuple[float, float] | None = None
        self._selection: _BoxSelection | None = None
        self._pan_anchor: tuple[int, int] | None = None
        self._render_job: str | None = None
        self.surface = self._make_surface()
        self.surface.pack(fill=tk.BOTH, expand=True)
        self._bind_surface(self.surface)
        self.context_menu = ContextMenu(self)

    # ----- backend hooks -------------------------------------------------------------------------

    def _make_surface(self) -> tk.Widget:
        """Create the widget that draws the image and receives the mouse and keys."""
        raise NotImplementedError

    def _image_changed(self) -> None:
        """The image object changed (drop caches, re-upload textures)."""

    def _render(self) -> None:
        """Draw the image and the selection box for the current view."""
        raise NotImplementedError

    # ----- public interface ----------------------------------------------------------------------

    @property
    def path(self) -> str | None:
        """Path of the image shown, or None."""
        return self._path

    @property
    def image(self) -> Image.Image | None:
        """The image shown (RGB or RGBA), or None."""
        return self._image

    @property
    def zoom(self) -> float:
        """Current zoom factor (image pixels to screen pixels)."""
        return self._view.zoom

    @property
    def offset(self) -> tuple[float, float]:
        """Widget position of the image's top-left corner."""
        return self._view.ox, self._view.oy

    @property
    def selecting(self) -> bool:
        """True while bounding-box selection mode is active."""
        return self._selection is not None

    def load(self, path: str) -> None:
        """Show the image file at ``path``, fit to the view (an unreadable file is reported by on_info)."""
        try:
            with Image.open(path) as opened:
                opened.load()
                image = _displayable(opened)
        except (OSError, ValueError) as error:
            self.on_info(f'Could not load image "{path}": {error}')
            return
        self._set_image(str(path), image)
        self._request_fit(upscale=False)

    def zoom_in(self) -> None:
        """Zoom in one step (x1.2) around the centre of the view."""
        self._zoom_around_center(self._view.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        """Zoom out one step (/1.2) around the centre of the view."""
        self._zoom_around_center(self._view.zoom / ZOOM_STEP)

    def set_zoom(self, zoom: float, anchor: tuple[float, float] | None = None) -> None:
        """Set the zoom (clamped to 0.1-80), keeping the image point under ``anchor`` (widget) fixed."""
        if self._image is None:
            return
        if anchor is None:
            self._zoom_around_center(zoom)
            return
        self._auto_fit = False
        self._view.zoom_at(zoom, *anchor)
        self._schedule_render()

    def zoom_to_fit(self) -> None:
        """Zoom so the whole image fills the view."""
        self._request_fit(upscale=True)

    def actual_size(self) -> None:
        """Zoom 1:1, keeping the centre of the view."""
        self._zoom_around_center(1.0)

    def pan(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) screen pixels."""
        if self._image is None:
            return
        self._auto_fit = False
        self._view.pan(dx, dy)
        self._schedule_render()

    def image_coords(self, x: float, y: float) -> tuple[int, int] | None:
        """Widget coordinates to the image pixel under them, or None off the image."""
        if self._image is None:
            return None
        return self._view.pixel_at(x, y)

    def start_bbox_selection(self, csv: bool) -> None:
        """Enter bounding-box selection mode (the box is copied as CSV or ``x1xy1xx2xy2``)."""
        if self._image is None:
            return
        self._selection = _BoxSelection(csv)
        self.surface.configure(cursor="crosshair")
        self.surface.focus_set()
        self.on_info(BBOX_STARTED)

    def cancel_bbox_selection(self) -> None:
        """Leave selection mode without copying, printing the cancel line."""
        if self._selection is None:
            return
        self._end_selection()
        self.on_info(BBOX_CANCELLED)

    def copy_to_clipboard(self, text: str) -> None:
        """Put ``text`` on the clipboard."""
        self.clipboard_clear()
        self.clipboard_append(text)

    def copy_coordinates(self, point: tuple[int, int], csv: bool) -> None:
        """Copy an image pixel as ``XxY`` or ``X,Y``."""
        self.copy_to_clipboard(format_point(point, csv))

    def copy_path(self) -> None:
        """Copy the image path, with forward slashes."""
        if self._path is not None:
            self.copy_to_clipboard(Path(self._path).as_posix())

    def load_image_dialog(self) -> None:
        """Ask for an image file and show it, printing ``Manually loaded image: <path>``."""
        path = self.ask_open_file()
        if not path:
            return
        self.load(path)
        if self._path == str(path):
            self.on_info(f"Manually loaded image: {path}")

    def get_state(self) -> dict[str, Any]:
        """Image, path, zoom and pan, for :meth:`set_state` on another viewer."""
        return {"path": self._path, "image": self._image, "zoom": self._view.zoom,
                "center": self._view.center(), "auto_fit": self._auto_fit,
                "fit_upscale": self._fit_upscale}

    def set_state(self, state: dict[str, Any]) -> None:
        """Show the image of :meth:`get_state` with the same zoom and view centre."""
        image = state.get("image")
        path = state.get("path")
        if image is None:
            if path is None:
                return
            self.load(path)
            if self._path != str(path):
                return
        else:
            self._set_image(path, image)
        if state.get("auto_fit", True):
            self._request_fit(upscale=state.get("fit_upscale", False))
            return
        self._auto_fit = False
        self._view.zoom = float(state.get("zoom", 1.0))
        self._pending_center = tuple(state.get("center", (0.0, 0.0)))
        self._apply_pending()

    def set_theme(self, theme: Theme) -> None:
        """Apply a console theme to the menu and dialogs (the backdrop stays black)."""
        self._theme = theme
        self.context_menu.set_theme(theme)

    @property
    def theme(self) -> Theme:
        """The console theme in use."""
        return self._theme

    def destroy(self) -> None:
        """Cancel a pending redraw, then destroy the widgets."""
        if self._render_job is not None:
            self.after_cancel(self._render_job)
            self._render_job = None
        super().destroy()

    # ----- view plumbing -------------------------------------------------------------------------

    def _set_image(self, path: str | None, image: Image.Image) -> None:
        if self._selection is not None:
            self._end_selection()
        self._path = path
        self._image = image
        self._view.image_size = image.size
        self._image_changed()

    def _has_size(self) -> bool:
        vw, vh = self._view.view_size
        return vw > 1 and vh > 1

    def _request_fit(self, *, upscale: bool) -> None:
        self._auto_fit = True
        self._fit_upscale = upscale
        self._pending_center = None
        self._apply_pending()

    def _apply_pending(self) -> None:
        """Fit or re-centre once the surface has a size, then redraw."""
        if self._image is None or not self._has_size():
            return
        if self._auto_fit:
            self._view.fit(upscale=self._fit_upscale)
        elif self._pending_center is not None:
            self._view.center_on(*self._pending_center)
            self._pending_center = None
        self._schedule_render()

    def _zoom_around_center(self, zoom: float) -> None:
        vw, vh = self._view.view_size
        self.set_zoom(zoom, anchor=(vw / 2, vh / 2))

    def _on_configure(self, event: tk.Event) -> None:
        if (event.width, event.height) == self._view.view_size:
            return
        center = self._view.center() if self._image is not None and self._has_size() else None
        self._view.view_size = (event.width, event.height)
        if center is not None and not self._auto_fit and self._pending_center is None:
            self._pending_center = center
        self._apply_pending()
        self._schedule_render()

    def _schedule_render(self) -> None:
        if self._render_job is None:
            self._render_job = self.after_idle(self._run_render)

    def _run_render(self) -> None:
        self._render_job = None
        self._render()

    def selection_rect(self) -> tuple[float, float, float, float] | None:
        """The selection box in widget coordinates (for drawing), or None."""
        box = self._selection.box() if self._selection is not None else None
        if box is None:
            return None
        x0, y0 = self._view.to_widget(box[0], box[1])
        x1, y1 = self._view.to_widget(box[2], box[3])
        return x0, y0, x1, y1

    # ----- bindings ------------------------------------------------------------------------------

    def _bind_surface(self, widget: tk.Widget) -> None:
        widget.bind("<Configure>", self._on_configure, add="+")
        for sequence in ("<MouseWheel>", "<Button-4>", "<Button-5>"):
            widget.bind(sequence, self._on_wheel)
        modifier = "Command" if IS_MAC else "Control"
        for key in ("equal", "plus", "KP_Add"):
            widget.bind(f"<{modifier}-{key}>", lambda _e: self.zoom_in())
        for key in ("minus", "KP_Subtract"):
            widget.bind(f"<{modifier}-{key}>", lambda _e: self.zoom_out())
        middle, right = ("3", "2") if IS_MAC else ("2", "3")
        for press, motion in ((f"<ButtonPress-{middle}>", f"<B{middle}-Motion>"),
                              (f"<{modifier}-ButtonPress-1>", f"<{modifier}-B1-Motion>"),
                              ("<Alt-ButtonPress-1>", "<Alt-B1-Motion>")):
            widget.bind(press, self._on_pan_press)
            widget.bind(motion, self._on_pan_motion)
        widget.bind(f"<ButtonRelease-{middle}>", self._on_pan_release)
        widget.bind("<ButtonPress-1>", self._on_press)
        widget.bind("<B1-Motion>", self._on_motion)
        widget.bind("<ButtonRelease-1>", self._on_release)
        widget.bind(f"<Button-{right}>", self._on_context)
        if IS_MAC:
            widget.bind("<Control-Button-1>", self._on_context)
        widget.bind("<Escape>", lambda _e: self.cancel_bbox_selection())

    def _on_wheel(self, event: tk.Event) -> None:
        up = event.num == 4 or (event.num not in (4, 5) and event.delta > 0)
        factor = ZOOM_STEP if up else 1 / ZOOM_STEP
        self.set_zoom(self._view.zoom * factor, anchor=(event.x, event.y))

    def _on_pan_press(self, event: tk.Event) -> None:
        self.surface.focus_set()
        self._pan_anchor = (event.x, event.y)

    def _on_pan_motion(self, event: tk.Event) -> None:
        if self._pan_anchor is None:
            self._pan_anchor = (event.x, event.y)
            return
        ax, ay = self._pan_anchor
        self._pan_anchor = (event.x, event.y)
        if self._image is not None:
            self.pan(event.x - ax, event.y - ay)

    def _on_pan_release(self, _event: tk.Event) -> None:
        self._pan_anchor = None

    def _on_press(self, event: tk.Event) -> None:
        self.surface.focus_set()
        self._pan_anchor = None
        if self._selection is not None and self._image is not None:
            corner = self._view.edge_at(event.x, event.y)
            self._selection.start = self._selection.end = corner
            self._render()

    def _on_motion(self, event: tk.Event) -> None:
        if self._selection is not None and self._selection.start is not None:
            self._selection.end = self._view.edge_at(event.x, event.y)
            self._render()

    def _on_release(self, event: tk.Event) -> None:
        self._pan_anchor = None
        selection = self._selection
        if selection is None or selection.start is None:
            return
        selection.end = self._view.edge_at(event.x, event.y)
        box = selection.box()
        if box is None or box[0] == box[2] or box[1] == box[3]:
            selection.start = selection.end = None
            self._render()
            return
        text = format_box(box, selection.csv)
        self._end_selection()
        self.copy_to_clipboard(text)
        self.on_info(f"Bounding box copied to clipboard: {text}")

    def _end_selection(self) -> None:
        self._selection = None
        self.surface.configure(cursor="")
        self._schedule_render()

    def _on_context(self, event: tk.Event) -> None:
        self.surface.focus_set()
        menu = self.context_menu.prepare(event.x, event.y)
        try:
            menu.tk_popup(event.x_root, event.y_root)
        finally:
            menu.grab_release()

    def _ask_open_file(self) -> str:
        from tkinter import filedialog
        start = os.path.dirname(os.path.abspath(self._path)) if self._path else os.getcwd()
        return filedialog.askopenfilename(
            parent=self, title="Load Image", initialdir=start,
            filetypes=[("Images", "*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff"),
                       ("All files", "*")])


def _displayable(image: Image.Image) -> Image.Image:
    """Convert an opened image to RGB, or RGBA when it has transparency."""
    if image.mode in ("RGB", "RGBA"):
        return image.copy()
    if image.mode in ("LA", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")
