"""Pillow one-liners: flip, mirror, grayscale, invert, posterize, solarize."""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.base import ImageProcessor


def _rgb(image: Any) -> Any:
    """RGB or L as ImageOps wants it (alpha and palettes dropped)."""
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


class FlipProcessor(ImageProcessor):
    """Flip the image vertically (top to bottom)."""

    NAMES = ("flip",)

    def impl_process(self, image: Any) -> Any:
        from PIL import ImageOps

        return ImageOps.flip(image)


class MirrorProcessor(ImageProcessor):
    """Mirror the image horizontally (left to right)."""

    NAMES = ("mirror",)

    def impl_process(self, image: Any) -> Any:
        from PIL import ImageOps

        return ImageOps.mirror(image)


class GrayscaleProcessor(ImageProcessor):
    """Convert the image to grayscale (kept in the RGB mode of the input, so it feeds any model)."""

    NAMES = ("grayscale",)

    def impl_process(self, image: Any) -> Any:
        from PIL import ImageOps

        gray = ImageOps.grayscale(image)
        return gray if image.mode == "L" else gray.convert("RGB")


class InvertProcessor(ImageProcessor):
    """Invert the colours of the image (a white mask becomes black)."""

    NAMES = ("invert",)

    def impl_process(self, image: Any) -> Any:
        from PIL import ImageOps

        return ImageOps.invert(_rgb(image))


class PosterizeProcessor(ImageProcessor):
    """Posterize the image with PIL.ImageOps.posterize: keep "bits" bits (1 to 8) per channel."""

    NAMES = ("posterize",)

    def __init__(self, bits: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 1 <= bits <= 8:
            raise self.argument_error(f'argument "bits": must be from 1 to 8, got {bits}')
        self.bits = bits

    def impl_process(self, image: Any) -> Any:
        from PIL import ImageOps

        return ImageOps.posterize(_rgb(image), self.bits)


class SolarizeProcessor(ImageProcessor):
    """Solarize the image with PIL.ImageOps.solarize: invert every value above "threshold"
    (0 to 255)."""

    NAMES = ("solarize",)

    def __init__(self, threshold: int = 128, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= threshold <= 255:
            raise self.argument_error(
                f'argument "threshold": must be from 0 to 255, got {threshold}')
        self.threshold = threshold

    def impl_process(self, image: Any) -> Any:
        from PIL import ImageOps

        return ImageOps.solarize(_rgb(image), self.threshold)


CLASSES = (FlipProcessor, MirrorProcessor, GrayscaleProcessor, InvertProcessor, PosterizeProcessor,
           SolarizeProcessor)
