"""OpenCV processors: canny, dilate, gaussian-blur (CPU only; cv2 is imported when they run)."""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.image.dims import parse_odd_kernel, parse_shape, parse_size
from dgenerate_core.processors.image.geometry import resample
from dgenerate_core.seeds.resize import resize_image_calc

THRESHOLD_ALGOS = ("otsu", "triangle", "median")


def to_array(image: Any) -> Any:
    """A PIL image as an RGB uint8 numpy array."""
    import numpy

    return numpy.asarray(image.convert("RGB"))


def to_image(array: Any) -> Any:
    """A uint8 array (gray or RGB) as an RGB PIL image."""
    from PIL import Image

    return Image.fromarray(array).convert("RGB")


class CannyProcessor(ImageProcessor):
    """Process the image with the Canny edge detector (OpenCV).

    "lower" and "upper" are the hysteresis thresholds. "aperture-size" is the Sobel kernel size
    (3, 5 or 7). "L2-gradient" uses the more accurate gradient magnitude. "blur" applies a 3x3
    gaussian blur first; "gray" converts to grayscale first (implied by "threshold-algo").
    "threshold-algo" (otsu, triangle or median) computes the thresholds from the image; "sigma"
    scales the range around that value. "detect-resolution" (N or WIDTHxHEIGHT) resizes the image
    for detection ("detect-aspect" keeps the aspect ratio, "detect-align" aligns that size); the
    edges are resized back to the size of the input.
    """

    NAMES = ("canny",)

    def __init__(self, lower: int = 50, upper: int = 100, aperture_size: int = 3,
                 L2_gradient: bool = False, blur: bool = False, gray: bool = False,
                 threshold_algo: str | None = None, sigma: float = 0.33,
                 detect_resolution: str | None = None, detect_aspect: bool = True,
                 detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if aperture_size not in (3, 5, 7):
            raise self.argument_error(
                f'argument "aperture-size": must be 3, 5 or 7, got {aperture_size}')
        if threshold_algo is not None and threshold_algo.lower() not in THRESHOLD_ALGOS:
            raise self.argument_error(f'argument "threshold-algo": unknown algorithm '
                                      f'"{threshold_algo}", expected one of: otsu, triangle, '
                                      'median')
        if detect_align < 1:
            raise self.argument_error(
                f'argument "detect-align": must be at least 1, got {detect_align}')
        self.lower, self.upper, self.aperture_size = lower, upper, aperture_size
        self.l2, self.blur, self.gray, self.sigma = L2_gradient, blur, gray, sigma
        self.threshold_algo = threshold_algo.lower() if threshold_algo else None
        self.detect_resolution = parse_size(detect_resolution, "detect-resolution") \
            if detect_resolution is not None else None
        self.detect_aspect, self.detect_align = detect_aspect, detect_align

    def _thresholds(self, gray: Any) -> tuple[float, float]:
        import cv2
        import numpy

        if self.threshold_algo is None:
            return self.lower, self.upper
        if self.threshold_algo == "median":
            value = float(numpy.median(gray))
        else:
            flag = cv2.THRESH_OTSU if self.threshold_algo == "otsu" else cv2.THRESH_TRIANGLE
            value, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + flag)
        return max(0.0, (1.0 - self.sigma) * value), min(255.0, (1.0 + self.sigma) * value)

    def _detect_input(self, image: Any) -> Any:
        if self.detect_resolution is None:
            return image

        size = resize_image_calc(image.size, self.detect_resolution, self.detect_aspect,
                                 self.detect_align)
        return image.resize(size, resample("auto", image.size, size))

    def impl_process(self, image: Any) -> Any:
        import cv2

        array = to_array(self._detect_input(image))
        if self.blur:
            array = cv2.GaussianBlur(array, (3, 3), 0)
        if self.gray or self.threshold_algo:
            array = cv2.cvtColor(array, cv2.COLOR_RGB2GRAY)
        gray = array if array.ndim == 2 else cv2.cvtColor(array, cv2.COLOR_RGB2GRAY)
        lower, upper = self._thresholds(gray)
        edges = cv2.Canny(array, lower, upper, apertureSize=self.aperture_size,
                          L2gradient=self.l2)
        result = to_image(edges)
        if result.size != image.size:
            from PIL import Image

            result = result.resize(image.size, Image.Resampling.NEAREST)
        return result


def _kernel(shape: str, size: tuple[int, int]) -> Any:
    import cv2

    kind = {"rectangle": cv2.MORPH_RECT, "ellipse": cv2.MORPH_ELLIPSE, "cross": cv2.MORPH_CROSS}
    return cv2.getStructuringElement(kind[shape], size)


class DilateProcessor(ImageProcessor):
    """Morphological dilation (OpenCV): grow the white areas of the image, e.g. of a mask.

    "size" is the structuring element: an odd integer, or "WxH" with odd dimensions. "steps" is
    how many times dilation is applied. "shape" is the element: r/rect/rectangle (default),
    c/circle/ellipse, or +/cross.
    """

    NAMES = ("dilate",)

    def __init__(self, size: int | str = 3, steps: int = 1, shape: str = "rectangle",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = parse_odd_kernel(size, "size")
        if steps < 1:
            raise self.argument_error(f'argument "steps": must be at least 1, got {steps}')
        self.steps = steps
        self.shape = parse_shape(shape, "shape")

    def impl_process(self, image: Any) -> Any:
        import cv2

        array = to_array(image)
        return to_image(cv2.dilate(array, _kernel(self.shape, self.size), iterations=self.steps))


class GaussianBlurProcessor(ImageProcessor):
    """Gaussian blur (OpenCV).

    "size" is the kernel: an odd integer, or "WxH" with odd dimensions; larger blurs more.
    "sigma-x" is the standard deviation along X (0: computed from the size), "sigma-y" along Y
    (0: the same as sigma-x).
    """

    NAMES = ("gaussian-blur",)

    def __init__(self, size: int | str = 5, sigma_x: float = 0.0, sigma_y: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = parse_odd_kernel(size, "size")
        if sigma_x < 0 or sigma_y < 0:
            raise self.argument_error('arguments "sigma-x" and "sigma-y" cannot be negative')
        self.sigma_x, self.sigma_y = sigma_x, sigma_y

    def impl_process(self, image: Any) -> Any:
        import cv2

        array = to_array(image)
        return to_image(cv2.GaussianBlur(array, self.size, sigmaX=self.sigma_x,
                                         sigmaY=self.sigma_y))


CLASSES = (CannyProcessor, DilateProcessor, GaussianBlurProcessor)
