"""The ``yolo`` processor: YOLO detections drawn on the image, or a black and white mask of them."""

from __future__ import annotations

from typing import Any

from dgenerate_core import webcache
from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.detect import detections as det
from dgenerate_core.processors.detect import draw, load
from dgenerate_core.processors.image.dims import parse_padding


def offline(processor: ImageProcessor) -> bool:
    return bool(processor.local_files_only) or webcache.offline_from_env()


class DetectorMixin:
    """Shared argument checks of the processors that draw detections."""

    def _drawing_args(self, font_size: int | None, line_width: int | None,
                      line_color: str | None) -> None:
        if font_size is not None and font_size < 1:
            raise self.argument_error('argument "font-size": must be at least 1')
        if line_width is not None and line_width < 1:
            raise self.argument_error('argument "line-width": must be at least 1')
        try:
            self.line_color = draw.parse_color(line_color, 'argument "line-color"')
        except ValueError as ex:
            raise self.argument_error(str(ex)) from None
        self.font_size, self.line_width = font_size, line_width

    def _confidence(self, confidence: float) -> float:
        if not 0.0 <= confidence <= 1.0:
            raise self.argument_error('argument "confidence": must be between 0.0 and 1.0')
        return confidence

    def _detector_device(self) -> str:
        return self.device or "cpu"

    def _offload(self, model: Any) -> None:
        if self.model_offload and self._detector_device() != "cpu":
            model.to("cpu")


def label(index: int, detection: det.Detection) -> str:
    return f"{index}: {detection.class_id} ({detection.class_name})"


class YoloProcessor(DetectorMixin, ImageProcessor):
    """Process the input image with Ultralytics YOLO object detection.

    Detection mode (default): the image with a box (or, with "model-masks" and a segmentation
    model, a mask outline) around every kept detection, labelled with its index, class ID and
    class name. Mask mode ("masks=True"): one black and white image of all detections (white:
    detected), inverted with "outpaint=True".

    "model" is a local weights file, a URL, or a Hugging Face repository with "weight-name"
    (and "subfolder", "revision", "token"). "class-filter" keeps class IDs and / or names (before
    "index-filter"); "index-filter" keeps detection indices in reading order (left to right, top
    to bottom). "confidence" is the detection threshold (0.0 to 1.0). "detector-padding" grows
    (or shrinks) each box: N, HxV or LxTxRxB. "mask-shape" is rectangle (r, rect) or ellipse
    (c, circle). "font-size", "line-width" and "line-color" (#RGB / #RRGGBB) style the preview.
    """

    NAMES = ("yolo",)
    USES_DEVICE = True

    def __init__(self, model: str, weight_name: str | None = None, subfolder: str | None = None,
                 revision: str | None = None, token: str | None = None,
                 font_size: int | None = None, line_width: int | None = None,
                 line_color: str | None = None,
                 class_filter: int | str | list | tuple | set | None = None,
                 index_filter: int | list | tuple | set | None = None,
                 confidence: float = 0.3, model_masks: bool = False, masks: bool = False,
                 outpaint: bool = False, detector_padding: int | str = 0,
                 mask_shape: str = "rectangle", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._drawing_args(font_size, line_width, line_color)
        self.confidence = self._confidence(confidence)
        self.class_filter, self.index_filter = class_filter, index_filter
        self.model_masks, self.masks, self.outpaint = model_masks, masks, outpaint
        self.padding = parse_padding(detector_padding, "detector-padding")
        try:
            self.mask_shape = det.mask_shape(mask_shape, 'argument "mask-shape"')
        except ValueError as ex:
            raise self.argument_error(str(ex)) from None
        self._weights = load.LazyYolo(model, weight_name, subfolder, revision, token,
                                      offline(self), 'image processor "yolo" model')

    @property
    def model(self) -> Any:
        return self._weights.get()

    def detections(self, image: Any) -> list:
        found = det.detect(self.model, image, self.confidence, self._detector_device())
        self._offload(self.model)
        return det.select(found, self.class_filter, self.index_filter)

    def impl_process(self, image: Any) -> Any:
        found = self.detections(image)
        if self.masks:
            return det.combined_mask(found, image.size, self.mask_shape, self.padding,
                                     self.model_masks, self.outpaint)
        items = []
        for index, detection in enumerate(found):
            polygons = detection.polygons if self.model_masks and detection.has_mask else None
            box = None if polygons else det.padded_box(detection.box, self.padding, image.size)
            items.append((box, label(index, detection), polygons))
        return draw.annotate(image, items, self.font_size, self.line_width, self.line_color)


CLASSES = (YoloProcessor,)
