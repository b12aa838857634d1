"""Preview drawing of detections and masks with Pillow (ultralytics' plotting is never used, so
no font is downloaded): boxes or mask outlines with a label each, in colours that contrast with
the image under them."""

from __future__ import annotations

from typing import Any, Sequence


def parse_color(text: str | None, what: str = "line-color") -> tuple[int, int, int] | None:
    """``#RGB`` or ``#RRGGBB`` (None stays None)."""
    if text is None:
        return None
    value = text.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    try:
        if len(value) != 6:
            raise ValueError
        return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        raise ValueError(f'{what}: expected a hex colour such as "#FFF" or "#FF0000", '
                         f'got "{text}"') from None


def auto_line_width(size: tuple[int, int]) -> int:
    return max(2, round((size[0] + size[1]) / 2 * 0.004))


def auto_font_size(size: tuple[int, int]) -> int:
    return max(10, round((size[0] + size[1]) / 2 * 0.025))


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def _contrast(image: Any, box: Sequence[int]) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(line colour, text colour) against the mean brightness of the area under ``box``."""
    from PIL import ImageStat

    left, top, right, bottom = (int(v) for v in box)
    if right <= left or bottom <= top:
        region = image
    else:
        region = image.crop((left, top, right, bottom))
    mean = ImageStat.Stat(region.convert("L")).mean[0]
    return ((0, 0, 0), (255, 255, 255)) if mean > 127 else ((255, 255, 255), (0, 0, 0))


def _text_color(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    luma = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2]
    return (0, 0, 0) if luma > 127 else (255, 255, 255)


def annotate(image: Any, items: list[tuple[Any, str, Any]], font_size: int | None = None,
             line_width: int | None = None, line_color: tuple[int, int, int] | None = None) -> Any:
    """A copy of ``image`` with each item drawn: (box or None, label, polygons or None)."""
    from PIL import ImageDraw

    out = image.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    width = line_width or auto_line_width(out.size)
    font = _font(font_size or auto_font_size(out.size))
    for box, label, polygons in items:
        if box is None and polygons:
            xs = [p[0] for poly in polygons for p in poly]
            ys = [p[1] for poly in polygons for p in poly]
            box = (min(xs), min(ys), max(xs), max(ys))
        if box is None:
            continue
        fill, text_fill = _contrast(image, box)
        if line_color is not None:
            fill, text_fill = line_color, _text_color(line_color)
        if polygons:
            for poly in polygons:
                points = [tuple(p) for p in poly]
                if len(points) >= 2:
                    draw.line(points + [points[0]], fill=fill, width=width)
        else:
            draw.rectangle([int(v) for v in box], outline=fill, width=width)
        _label(draw, font, (int(box[0]), int(box[1])), label, fill, text_fill)
    return out


def _label(draw: Any, font: Any, corner: tuple[int, int], text: str,
           fill: tuple[int, int, int], text_fill: tuple[int, int, int]) -> None:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    height = bottom - top + 4
    y = corner[1] - height if corner[1] - height >= 0 else corner[1]
    draw.rectangle((corner[0], y, corner[0] + right - left + 4, y + height), fill=fill)
    draw.text((corner[0] + 2 - left, y + 2 - top), text, fill=text_fill, font=font)
