"""Tk canvas backend: Pillow renders only the visible part of the image at the current zoom."""

from __future__ import annotations

import tkinter as tk

from PIL import Image, ImageTk

from dgenerate_console.viewer.base import BACKDROP, ImageViewer


class CanvasViewer(ImageViewer):
    """The image viewer drawn on a ``tk.Canvas`` (no OpenGL needed)."""

    backend = "canvas"

    def _make_surface(self) -> tk.Widget:
        self._photo: ImageTk.PhotoImage | None = None
        self._reduced: dict[int, Image.Image] = {}
        return tk.Canvas(self, bg=BACKDROP, bd=0, highlightthickness=0, takefocus=1,
                         width=400, height=400)

    @property
    def rendered_size(self) -> tuple[int, int] | None:
        """Pixel size of the bitmap last drawn on the canvas (at most the visible area)."""
        if self._photo is None:
            return None
        return self._photo.width(), self._photo.height()

    def _image_changed(self) -> None:
        self._reduced = {}

    def _render(self) -> None:
        canvas: tk.Canvas = self.surface  # type: ignore[assignment]
        canvas.delete("image")
        rect = self._view.visible_rect() if self._image is not None else None
        if rect is None:
            self._photo = None
        else:
            self._photo = ImageTk.PhotoImage(self._region(rect), master=canvas)
            canvas.create_image(rect[0], rect[1], anchor=tk.NW, image=self._photo, tags="image")
        self._draw_box(canvas)

    def _region(self, rect: tuple[int, int, int, int]) -> Image.Image:
        """The part of the image that covers widget rectangle ``rect``, scaled to its size."""
        size = (rect[2] - rect[0], rect[3] - rect[1])
        box = self._view.source_box(rect)
        zoom = self._view.zoom
        if zoom >= 1:
            return self._image.resize(size, Image.Resampling.NEAREST, box=box)
        factor = 1
        while factor * 2 <= 1 / zoom and factor < 64:
            factor *= 2
        source = self._reduced_image(factor)
        scaled = tuple(v / factor for v in box)
        return source.resize(size, Image.Resampling.BILINEAR, box=scaled)

    def _reduced_image(self, factor: int) -> Image.Image:
        """The image shrunk by an integer factor (cached), so zoomed-out redraws stay cheap."""
        if factor == 1:
            return self._image
        if factor not in self._reduced:
            self._reduced[factor] = self._image.reduce(factor)
        return self._reduced[factor]

    def _draw_box(self, canvas: tk.Canvas) -> None:
        canvas.delete("bbox")
        rect = self.selection_rect()
        if rect is None:
            return
        canvas.create_rectangle(*rect, outline="#ffffff", width=1, tags="bbox")
        canvas.create_rectangle(*rect, outline="#000000", width=1, dash=(4, 4), tags="bbox")
