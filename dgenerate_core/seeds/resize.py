"""The resize arithmetic of image seeds: target size, aspect correction and alignment."""

from __future__ import annotations

Size = tuple[int, int]


def _align(size: Size, align: int | None) -> Size:
    if not align or align <= 1:
        return size
    return (size[0] - size[0] % align, size[1] - size[1] % align)


def resize_image_calc(old: Size, new: Size | None, aspect_correct: bool = True,
                      align: int | None = 8) -> Size:
    """The size an image of ``old`` size is resized to for a requested ``new`` size.

    ``None`` keeps the size (only aligned). With ``aspect_correct`` the width of ``new`` is kept
    and the height follows the source aspect ratio; then the result is aligned to ``align``.
    """
    if new is None:
        return _align(old, align)
    new = _align(new, align)
    if tuple(old) == tuple(new):
        return tuple(old)  # type: ignore[return-value]
    if not aspect_correct:
        return new
    width = new[0]
    height = int(old[1] * width / old[0])
    if align and align > 1:
        height -= height % align
    return (width, max(height, align or 1))
