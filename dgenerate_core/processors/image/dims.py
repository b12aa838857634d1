"""Parsing of the size, box, padding and colour values that image processor arguments take."""

from __future__ import annotations

from dgenerate_core.processors.base import ProcessorArgumentError


def _ints(text: str, arg: str) -> list[int]:
    try:
        return [int(p.strip()) for p in str(text).lower().split("x")]
    except ValueError:
        raise ProcessorArgumentError(
            f'argument "{arg}": expected integers separated by "x", got "{text}"') from None


def parse_size(text: str | int, arg: str) -> tuple[int, int]:
    """``WxH`` or ``N`` (= ``NxN``), both positive."""
    parts = _ints(str(text), arg)
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2 or min(parts) < 1:
        raise ProcessorArgumentError(f'argument "{arg}": expected WIDTHxHEIGHT or one positive '
                                     f'integer, got "{text}"')
    return parts[0], parts[1]


def parse_padding(text: str | int, arg: str) -> tuple[int, int, int, int]:
    """``N``, ``WxH`` or ``LEFTxTOPxRIGHTxBOTTOM`` padding as (left, top, right, bottom)."""
    parts = _ints(str(text), arg)
    if len(parts) == 1:
        return parts[0], parts[0], parts[0], parts[0]
    if len(parts) == 2:
        return parts[0], parts[1], parts[0], parts[1]
    if len(parts) == 4:
        return parts[0], parts[1], parts[2], parts[3]
    raise ProcessorArgumentError(f'argument "{arg}": expected N, WIDTHxHEIGHT or '
                                 f'LEFTxTOPxRIGHTxBOTTOM, got "{text}"')


def parse_box(text: str, arg: str) -> tuple[int, int, int, int]:
    """``LEFTxTOPxRIGHTxBOTTOM`` with right > left and bottom > top."""
    parts = _ints(text, arg)
    if len(parts) != 4:
        raise ProcessorArgumentError(f'argument "{arg}": expected LEFTxTOPxRIGHTxBOTTOM, '
                                     f'got "{text}"')
    left, top, right, bottom = parts
    if right <= left or bottom <= top:
        raise ProcessorArgumentError(f'argument "{arg}": the box "{text}" is empty '
                                     "(RIGHT must exceed LEFT and BOTTOM must exceed TOP)")
    return left, top, right, bottom


def parse_odd_kernel(value: int | str, arg: str) -> tuple[int, int]:
    """A kernel size ``N`` or ``WxH`` whose dimensions are odd positive integers."""
    size = parse_size(value, arg) if isinstance(value, str) else (value, value)
    if min(size) < 1 or size[0] % 2 == 0 or size[1] % 2 == 0:
        raise ProcessorArgumentError(f'argument "{arg}": kernel dimensions must be odd positive '
                                     f'integers, got "{value}"')
    return size


def parse_color(text: str | None, arg: str) -> tuple[int, int, int]:
    """``#RGB`` / ``#RRGGBB`` (the ``#`` optional); None is black."""
    if text is None:
        return 0, 0, 0
    code = text.strip().lstrip("#")
    if len(code) == 3:
        code = "".join(c * 2 for c in code)
    try:
        if len(code) != 6:
            raise ValueError
        return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)
    except ValueError:
        raise ProcessorArgumentError(f'argument "{arg}": expected a hex colour like #FFFFFF or '
                                     f'#FFF, got "{text}"') from None


SHAPES = {"r": "rectangle", "rect": "rectangle", "rectangle": "rectangle",
          "c": "ellipse", "circle": "ellipse", "ellipse": "ellipse",
          "+": "cross", "cross": "cross"}


def parse_shape(text: str, arg: str, allowed: tuple[str, ...] = ("rectangle", "ellipse", "cross")
                ) -> str:
    """``r``/``rect``/``rectangle``, ``c``/``circle``/``ellipse``, ``+``/``cross``."""
    shape = SHAPES.get(text.strip().lower())
    if shape is None or shape not in allowed:
        names = [k for k, v in SHAPES.items() if v in allowed]
        raise ProcessorArgumentError(f'argument "{arg}": unknown shape "{text}", expected one '
                                     "of: " + ", ".join(names))
    return shape
