"""Geometry processors: crop, resize, letterbox, outpaint-mask."""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.image.dims import (
    parse_box, parse_color, parse_padding, parse_size,
)
from dgenerate_core.seeds.resize import resize_image_calc

ALGOS = ("auto", "nearest", "box", "bilinear", "hamming", "bicubic", "lanczos")


def resample(algo: str, old: tuple[int, int], new: tuple[int, int]) -> Any:
    """The Pillow filter for ``algo``; "auto" is LANCZOS to shrink and BICUBIC to enlarge."""
    from PIL import Image

    if algo == "auto":
        return Image.Resampling.LANCZOS if new[0] * new[1] < old[0] * old[1] \
            else Image.Resampling.BICUBIC
    return getattr(Image.Resampling, algo.upper())


def fit_inside(old: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest size with the aspect ratio of ``old`` that fits in ``box``."""
    scale = min(box[0] / old[0], box[1] / old[1])
    return max(1, round(old[0] * scale)), max(1, round(old[1] * scale))


class CropProcessor(ImageProcessor):
    """Crop the input image to a box.

    The "box" argument is the crop region "LEFTxTOPxRIGHTxBOTTOM" in pixel coordinates, for
    example "100x50x300x400" keeps the region from (x=100, y=50) to (x=300, y=400). Parts of the
    box outside the image are filled with black.
    """

    NAMES = ("crop",)

    def __init__(self, box: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.box = parse_box(box, "box")

    def impl_process(self, image: Any) -> Any:
        return image.crop(self.box)


class ResizeProcessor(ImageProcessor):
    """Resize an image with basic resampling.

    "size" is the new size (WIDTHxHEIGHT, or one number for both; with "aspect-correct" only the
    width counts and the height follows the image). "scale" multiplies the size instead: one
    number, or "X,Y" to scale the axes separately; it cannot be used with "size". "align" aligns
    the result down to a multiple of that many pixels. "algo" is one of: auto, nearest, box,
    bilinear, hamming, bicubic, lanczos ("auto": lanczos to shrink, bicubic to enlarge).
    """

    NAMES = ("resize",)

    def __init__(self, size: str | None = None, scale: float | tuple[float, float] | None = None,
                 align: int | None = None, aspect_correct: bool = True, algo: str = "auto",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if size is not None and scale is not None:
            raise self.argument_error('arguments "size" and "scale" cannot be used together')
        self.size = parse_size(size, "size") if size is not None else None
        self.scale = self._scale(scale)
        if align is not None and align < 1:
            raise self.argument_error(f'argument "align": must be at least 1, got {align}')
        if algo.lower() not in ALGOS:
            raise self.argument_error(f'argument "algo": unknown algorithm "{algo}", expected one '
                                      "of: " + ", ".join(ALGOS))
        self.align, self.aspect_correct, self.algo = align, aspect_correct, algo.lower()

    def _scale(self, scale: Any) -> tuple[float, float] | None:
        if scale is None:
            return None
        pair = tuple(scale) if isinstance(scale, tuple) else (float(scale), float(scale))
        if len(pair) != 2 or min(pair) <= 0:
            raise self.argument_error(f'argument "scale": expected one or two positive numbers, '
                                      f'got {scale}')
        return float(pair[0]), float(pair[1])

    def target(self, old: tuple[int, int]) -> tuple[int, int]:
        """The size an image of size ``old`` is resized to."""
        if self.scale is not None:
            new = (max(1, round(old[0] * self.scale[0])), max(1, round(old[1] * self.scale[1])))
            return resize_image_calc(old, new, False, self.align)
        return resize_image_calc(old, self.size, self.aspect_correct, self.align)

    def impl_process(self, image: Any) -> Any:
        new = self.target(image.size)
        if tuple(new) == tuple(image.size):
            return image
        return image.resize(new, resample(self.algo, image.size, new))


class LetterboxProcessor(ImageProcessor):
    """Letterbox an image: place it on a background box.

    "box-size" is the size of the final image (WIDTHxHEIGHT or one number); with "box-is-padding"
    it is padding around the image instead: one number, WIDTHxHEIGHT, or LEFTxTOPxRIGHTxBOTTOM.
    "box-color" is the background as a hex colour (#FFFFFF or #FFF), black by default.
    "inner-size" (WIDTHxHEIGHT) resizes the image first; without it, outside padding mode, the
    image is fitted into the box. "aspect-correct" keeps the aspect ratio of the inner image.
    """

    NAMES = ("letterbox",)

    def __init__(self, box_size: str, box_is_padding: bool = False, box_color: str | None = None,
                 inner_size: str | None = None, aspect_correct: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = parse_padding(box_size, "box-size") if box_is_padding else None
        self.box = None if box_is_padding else parse_size(box_size, "box-size")
        if self.padding is not None and min(self.padding) < 0:
            raise self.argument_error('argument "box-size": padding cannot be negative')
        self.color = parse_color(box_color, "box-color")
        self.inner = parse_size(inner_size, "inner-size") if inner_size is not None else None
        self.aspect_correct = aspect_correct

    def _inner(self, image: Any) -> Any:
        target = self.inner
        if target is None and self.box is not None:
            target = self.box
        if target is None:
            return image
        size = fit_inside(image.size, target) if self.aspect_correct else target
        return image if size == image.size else image.resize(
            size, resample("auto", image.size, size))

    def impl_process(self, image: Any) -> Any:
        from PIL import Image

        inner = self._inner(image.convert("RGB"))
        if self.padding is not None:
            left, top, right, bottom = self.padding
            size = (inner.width + left + right, inner.height + top + bottom)
            where = (left, top)
        else:
            size = self.box
            where = ((size[0] - inner.width) // 2, (size[1] - inner.height) // 2)
        canvas = Image.new("RGB", size, self.color)
        canvas.paste(inner, where)
        return canvas


class OutpaintMaskProcessor(ImageProcessor):
    """Make the inpaint mask that extends (outpaints) the incoming image.

    "box" is the border added around the image: one number (all sides), WIDTHxHEIGHT, or
    LEFTxTOPxRIGHTxBOTTOM. The result has the size of the image plus the border: white (to be
    painted) in the border, black where the image is. Pair it with "letterbox;box-is-padding=true"
    on the seed image.
    """

    NAMES = ("outpaint-mask",)

    def __init__(self, box: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.box = parse_padding(box, "box")
        if min(self.box) < 0:
            raise self.argument_error('argument "box": padding cannot be negative')

    def impl_process(self, image: Any) -> Any:
        from PIL import Image, ImageDraw

        left, top, right, bottom = self.box
        size = (image.width + left + right, image.height + top + bottom)
        mask = Image.new("RGB", size, (255, 255, 255))
        ImageDraw.Draw(mask).rectangle(
            (left, top, left + image.width - 1, top + image.height - 1), fill=(0, 0, 0))
        return mask


CLASSES = (CropProcessor, ResizeProcessor, LetterboxProcessor, OutpaintMaskProcessor)
