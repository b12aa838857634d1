"""Processors that read other images: crop-to-mask and paste (files or URLs)."""

from __future__ import annotations

import shlex
from typing import Any

from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.image.dims import parse_padding, parse_shape
from dgenerate_core import webcache
from dgenerate_core.errors import DgenerateError
from dgenerate_core.media.images import open_image
from dgenerate_core.processors.chains import build_chain, run_chain


def load_image(path: str, local_files_only: bool = False, mode: str = "RGB") -> Any:
    """Open a file or URL (through the web cache) as a PIL image."""
    if webcache.is_url(path):
        path = webcache.fetch(path, offline=local_files_only)
    return open_image(path, mode)


def split_chain_text(text: str | None) -> list[str]:
    """The processor URIs of a nested chain argument: shell words (quote URIs with spaces)."""
    if not text:
        return []
    try:
        return shlex.split(text)
    except ValueError:
        return [text]


def white_bounds(mask: Any, padding: tuple[int, int, int, int] | None, size: tuple[int, int]
                 ) -> tuple[int, int, int, int] | None:
    """The padded box of the white (> 127) area of ``mask``, clamped to ``size``; None if none."""
    from PIL import Image

    gray = mask.convert("L")
    if gray.size != tuple(size):
        gray = gray.resize(size, Image.Resampling.NEAREST)
    box = gray.point(lambda v: 255 if v > 127 else 0).getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    if padding:
        left, top = left - padding[0], top - padding[1]
        right, bottom = right + padding[2], bottom + padding[3]
    left, top = max(0, left), max(0, top)
    right, bottom = min(size[0], right), min(size[1], bottom)
    return (left, top, right, bottom) if right > left and bottom > top else None


class _ChainUser(ImageProcessor):
    """A processor with nested processor chains (they run on ``device``)."""

    USES_DEVICE = True

    def _chain(self, text: str | None, arg: str) -> list:
        uris = split_chain_text(text)
        defaults = {"device": self.device, "model-offload": self.model_offload or None,
                    "local-files-only": self.local_files_only or None}
        return build_chain(uris, f'{self.loaded_by_name} argument "{arg}"',
                           defaults) if uris else []

    def _load(self, path: str, chain: list, arg: str, mode: str = "RGB") -> Any:
        try:
            image = load_image(path, self.local_files_only, mode)
        except DgenerateError as ex:
            raise self.error(f'argument "{arg}": {ex}') from None
        return run_chain(chain, image)


class CropToMaskProcessor(_ChainUser):
    """Crop the image to the bounds of the white area of a mask.

    "mask" is a mask file or URL (white: keep); without it the processed image itself is the
    mask. "mask-processors" is a processor chain run on the mask first (quote the value; URIs
    with arguments are quoted inside it, e.g. mask-processors="invert 'dilate;size=5'").
    "padding" grows (or with negative values shrinks) the box: N, WIDTHxHEIGHT or
    LEFTxTOPxRIGHTxBOTTOM. An all-black mask leaves the image as it is.
    """

    NAMES = ("crop-to-mask",)

    def __init__(self, mask: str | None = None, mask_processors: str | None = None,
                 padding: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask = mask
        self.mask_chain = self._chain(mask_processors, "mask-processors")
        self.padding = parse_padding(padding, "padding") if padding is not None else None

    def impl_process(self, image: Any) -> Any:
        mask = self._load(self.mask, self.mask_chain, "mask") if self.mask else run_chain(
            self.mask_chain, image)
        box = white_bounds(mask, self.padding, image.size)
        return image if box is None or box == (0, 0) + image.size else image.crop(box)


def feather_mask(size: tuple[int, int], radius: int, shape: str) -> Any:
    """An L mask: opaque inside, fading to transparent over ``radius`` pixels at the edges."""
    import numpy
    from PIL import Image

    width, height = size
    xs = numpy.arange(width, dtype=numpy.float32)[None, :]
    ys = numpy.arange(height, dtype=numpy.float32)[:, None]
    if shape == "ellipse":
        rx, ry = max(width / 2.0, 1.0), max(height / 2.0, 1.0)
        dist = numpy.sqrt(((xs + 0.5 - rx) / rx) ** 2 + ((ys + 0.5 - ry) / ry) ** 2)
        edge = (1.0 - dist) * min(rx, ry)
    else:
        edge = numpy.minimum(numpy.minimum(xs, width - 1 - xs), numpy.minimum(ys, height - 1 - ys))
    alpha = numpy.clip(edge / max(radius, 1), 0.0, 1.0)
    return Image.fromarray((alpha * 255).astype(numpy.uint8), "L")


class PasteProcessor(_ChainUser):
    """Paste an image (file or URL) on top of the incoming image.

    "image" is the picture to paste; "image-processors" a chain run on it first. "position" is
    LEFTxTOP (pasted at its own size) or LEFTxTOPxRIGHTxBOTTOM (resized into that box); the
    default is 0x0. "position-mask" finds the box from the white area of a mask instead
    ("position-mask-padding": N, WxH or LxTxRxB; "position-mask-processors": its chain).
    "feather" softens the edges over that many pixels ("feather-shape": rectangle or ellipse);
    "mask" (with "mask-processors") gives the opacity of the pasted image instead (white:
    opaque); feather and mask cannot be combined. "reverse" pastes the incoming image onto
    "image" instead. Nested chains take quoted URIs like "mask-processors='invert blur'".
    """

    NAMES = ("paste",)

    def __init__(self, image: str, image_processors: str | None = None,
                 position: str | None = None, feather: int | None = None,
                 feather_shape: str = "rectangle", mask: str | None = None,
                 mask_processors: str | None = None, position_mask: str | None = None,
                 position_mask_padding: str | int | None = None,
                 position_mask_processors: str | None = None, reverse: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if feather is not None and mask is not None:
            raise self.argument_error('arguments "feather" and "mask" cannot be used together')
        if feather is not None and feather < 0:
            raise self.argument_error(f'argument "feather": cannot be negative, got {feather}')
        self.image, self.mask, self.reverse = image, mask, reverse
        self.position_mask = position_mask
        self.position = self._position(position)
        self.feather = feather
        self.feather_shape = parse_shape(feather_shape, "feather-shape", ("rectangle", "ellipse"))
        self.image_chain = self._chain(image_processors, "image-processors")
        self.mask_chain = self._chain(mask_processors, "mask-processors")
        self.position_chain = self._chain(position_mask_processors, "position-mask-processors")
        self.position_padding = parse_padding(position_mask_padding, "position-mask-padding") \
            if position_mask_padding is not None else None

    def _position(self, text: str | None) -> tuple[int, ...]:
        if text is None:
            return (0, 0)
        try:
            parts = tuple(int(p) for p in text.lower().split("x"))
        except ValueError:
            parts = ()
        if len(parts) not in (2, 4) or (len(parts) == 4 and (
                parts[2] <= parts[0] or parts[3] <= parts[1])):
            raise self.argument_error(f'argument "position": expected LEFTxTOP or '
                                      f'LEFTxTOPxRIGHTxBOTTOM, got "{text}"')
        return parts

    def _box(self, background: Any) -> tuple[int, ...]:
        if self.position_mask is None:
            return self.position
        mask = self._load(self.position_mask, self.position_chain, "position-mask")
        box = white_bounds(mask, self.position_padding, background.size)
        if box is None:
            raise self.error(f'the position mask "{self.position_mask}" has no white area')
        return box

    def impl_process(self, image: Any) -> Any:
        from PIL import Image

        other = self._load(self.image, self.image_chain, "image")
        background, foreground = (other, image.convert("RGB")) if self.reverse else (
            image.convert("RGB"), other)
        box = self._box(background)
        if len(box) == 4:
            size = (box[2] - box[0], box[3] - box[1])
            if foreground.size != size:
                foreground = foreground.resize(size, Image.Resampling.LANCZOS)
        alpha = None
        if self.feather is not None:
            alpha = feather_mask(foreground.size, self.feather, self.feather_shape)
        elif self.mask is not None:
            alpha = self._load(self.mask, self.mask_chain, "mask", "L")
            if alpha.size != foreground.size:
                alpha = alpha.resize(foreground.size, Image.Resampling.LANCZOS)
        result = background.copy()
        result.paste(foreground, box[:2], alpha)
        return result


CLASSES = (CropToMaskProcessor, PasteProcessor)
