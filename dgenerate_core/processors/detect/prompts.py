"""Point and box prompts of the SAM processors, in every form the manual lists:
``[x,y]``, ``x,y``, ``XxY``, ``[x,y,label]``, ``XxYxLABEL``, nested lists / tuples, quoted strings
and token lists such as ``25x25,50x50x0`` (boxes likewise with 4 numbers)."""

from __future__ import annotations

import ast
import re
from typing import Any

_SPLIT = re.compile(r"[,x]", re.IGNORECASE)


def _numbers(text: str, what: str) -> list[float]:
    try:
        return [float(p) for p in _SPLIT.split(text.strip().strip("\"'")) if p.strip()]
    except ValueError:
        raise ValueError(f'{what}: cannot read "{text}" as numbers') from None


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None


def _items(value: Any, what: str, width: tuple[int, ...]) -> list[list[float]]:
    """The value as a list of number lists, each of one of the ``width`` lengths."""
    if isinstance(value, (int, float)):
        raise ValueError(f'{what}: expected coordinates, got "{value}"')
    if isinstance(value, str):
        text = value.strip()
        parsed = _literal(text)
        if parsed is not None and not isinstance(parsed, (int, float)):
            return _items(parsed, what, width)
        if "x" in text.lower() and "," in text:  # token list: 25x25,50x50x0
            return [_numbers(token, what) for token in text.split(",") if token.strip()]
        return [_numbers(text, what)]
    items = list(value)
    if all(isinstance(v, (int, float)) for v in items):
        return [[float(v) for v in items]]
    out: list[list[float]] = []
    for item in items:
        out.extend(_items(item, what, width))
    return out


def _check(items: list[list[float]], what: str, width: tuple[int, ...]) -> None:
    for item in items:
        if len(item) not in width:
            expected = " or ".join(str(w) for w in width)
            raise ValueError(f"{what}: each entry needs {expected} numbers, got "
                             f"{len(item)}: {item}")


def parse_points(value: Any, what: str = "points") -> list[tuple[float, float, int]]:
    """Points as (x, y, label); the label defaults to 1 (foreground)."""
    if value is None:
        return []
    items = _items(value, what, (2, 3))
    _check(items, what, (2, 3))
    return [(p[0], p[1], int(p[2]) if len(p) == 3 else 1) for p in items]


def parse_boxes(value: Any, what: str = "boxes") -> list[tuple[float, float, float, float]]:
    """Boxes as (x1, y1, x2, y2)."""
    if value is None:
        return []
    items = _items(value, what, (4,))
    _check(items, what, (4,))
    return [tuple(b) for b in items]  # type: ignore[misc]


def mask_boxes(mask: Any) -> list[tuple[float, float, float, float]]:
    """Bounding boxes of the white (> 127) connected areas of a mask image."""
    import cv2
    import numpy

    gray = numpy.asarray(mask.convert("L"))
    count, _, stats, _ = cv2.connectedComponentsWithStats((gray > 127).astype(numpy.uint8))
    boxes = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i][:4])
        boxes.append((float(x), float(y), float(x + w), float(y + h)))
    return sorted(boxes)
