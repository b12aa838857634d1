"""Pure view geometry of the image viewer: zoom clamps, fit, pan and widget <-> image mapping.

No Tk here, so every rule is testable without a display.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_ZOOM = 0.1
MAX_ZOOM = 80.0
ZOOM_STEP = 1.2
PAN_MARGIN = 32
"""Pixels of the image that panning always keeps inside the view."""


def clamp_zoom(zoom: float) -> float:
    """Clamp a zoom factor to the viewer's 0.1-80 range."""
    return max(MIN_ZOOM, min(MAX_ZOOM, float(zoom)))


def fit_zoom(image_size: tuple[int, int], view_size: tuple[int, int], *, upscale: bool = True) -> float:
    """The zoom that shows the whole image in the view (never above 1 when ``upscale`` is false)."""
    iw, ih = image_size
    vw, vh = view_size
    if iw <= 0 or ih <= 0 or vw <= 1 or vh <= 1:
        return 1.0
    zoom = min(vw / iw, vh / ih)
    if not upscale:
        zoom = min(zoom, 1.0)
    return clamp_zoom(zoom)


@dataclass
class View:
    """Zoom and pan of one image in one widget: the image's top-left lies at widget (``ox``, ``oy``)."""

    image_size: tuple[int, int] = (0, 0)
    view_size: tuple[int, int] = (1, 1)
    zoom: float = 1.0
    ox: float = 0.0
    oy: float = 0.0

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """Widget coordinates to (fractional) image coordinates."""
        return (x - self.ox) / self.zoom, (y - self.oy) / self.zoom

    def to_widget(self, ix: float, iy: float) -> tuple[float, float]:
        """Image coordinates to widget coordinates."""
        return self.ox + ix * self.zoom, self.oy + iy * self.zoom

    def pixel_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The image pixel under widget point (x, y), or None off the image."""
        iw, ih = self.image_size
        fx, fy = self.to_image(x, y)
        px, py = math.floor(fx), math.floor(fy)
        if 0 <= px < iw and 0 <= py < ih:
            return px, py
        return None

    def edge_at(self, x: float, y: float) -> tuple[int, int]:
        """The nearest pixel edge to widget point (x, y), clamped to the image (for box corners)."""
        iw, ih = self.image_size
        fx, fy = self.to_image(x, y)
        return min(max(round(fx), 0), iw), min(max(round(fy), 0), ih)

    def center(self) -> tuple[float, float]:
        """The image point at the centre of the view."""
        vw, vh = self.view_size
        return self.to_image(vw / 2, vh / 2)

    def center_on(self, ix: float, iy: float) -> None:
        """Pan so that image point (ix, iy) is at the centre of the view."""
        vw, vh = self.view_size
        self.ox = vw / 2 - ix * self.zoom
        self.oy = vh / 2 - iy * self.zoom
        self.clamp_pan()

    def fit(self, *, upscale: bool = True) -> None:
        """Zoom so the whole image is visible, centred."""
        self.zoom = fit_zoom(self.image_size, self.view_size, upscale=upscale)
        iw, ih = self.image_size
        self.center_on(iw / 2, ih / 2)

    def zoom_at(self, zoom: float, x: float, y: float) -> None:
        """Set the zoom keeping the image point under widget point (x, y) fixed."""
        fx, fy = self.to_image(x, y)
        self.zoom = clamp_zoom(zoom)
        self.ox = x - fx * self.zoom
        self.oy = y - fy * self.zoom
        self.clamp_pan()

    def pan(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) widget pixels."""
        self.ox += dx
        self.oy += dy
        self.clamp_pan()

    def clamp_pan(self) -> None:
        """Keep at least a margin of the image inside the view."""
        iw, ih = self.image_size
        vw, vh = self.view_size
        w, h = iw * self.zoom, ih * self.zoom
        mx, my = min(PAN_MARGIN, w), min(PAN_MARGIN, h)
        self.ox = min(max(self.ox, mx - w), vw - mx)
        self.oy = min(max(self.oy, my - h), vh - my)

    def visible_rect(self) -> tuple[int, int, int, int] | None:
        """The widget rectangle (x0, y0, x1, y1) covered by the image, cut to the view; None if empty."""
        iw, ih = self.image_size
        vw, vh = self.view_size
        x0 = max(0, math.floor(self.ox))
        y0 = max(0, math.floor(self.oy))
        x1 = min(vw, math.ceil(self.ox + iw * self.zoom))
        y1 = min(vh, math.ceil(self.oy + ih * self.zoom))
        if x1 <= x0 or y1 <= y0:
            return None
        return x0, y0, x1, y1

    def source_box(self, rect: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        """The image region (fractional, clamped) drawn into widget rectangle ``rect``."""
        iw, ih = self.image_size
        x0, y0 = self.to_image(rect[0], rect[1])
        x1, y1 = self.to_image(rect[2], rect[3])
        return max(0.0, x0), max(0.0, y0), min(float(iw), x1), min(float(ih), y1)


def normalize_box(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int, int, int]:
    """Two corners to (x1, y1, x2, y2) with x1,y1 top-left and x2,y2 bottom-right."""
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def format_point(point: tuple[int, int], csv: bool) -> str:
    """``123x456`` or ``123,456``."""
    return f"{point[0]},{point[1]}" if csv else f"{point[0]}x{point[1]}"


def format_box(box: tuple[int, int, int, int], csv: bool) -> str:
    """``x1xy1xx2xy2`` or ``x1,y1,x2,y2``."""
    return (",".join if csv else "x".join)(str(v) for v in box)
