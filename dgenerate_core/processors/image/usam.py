"""``u-sam`` (Segment Anything prompted by points and boxes) and ``yolo-sam`` (YOLO detections
refined into masks by Segment Anything), both through ultralytics."""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.detect import detections as det
from dgenerate_core.processors.detect import draw, load, prompts, sam
from dgenerate_core.processors.image.dims import parse_padding
from dgenerate_core.processors.image.masks import _ChainUser
from dgenerate_core.processors.image.yolo import DetectorMixin, offline

_ASSET_HELP = ("sam_l.pt, sam_b.pt, mobile_sam.pt, sam2_t.pt, sam2_s.pt, sam2_b.pt, sam2_l.pt, "
               "sam2.1_t.pt, sam2.1_s.pt, sam2.1_b.pt, sam2.1_l.pt (the .pt may be left out)")


def _render(image: Any, outlines: list[tuple[str, list]], masks: bool, outpaint: bool,
            processor: Any) -> Any:
    if masks:
        return sam.polygons_mask(image.size, [o[1] for o in outlines], outpaint)
    items = [(None, label, polygons) for label, polygons in outlines if polygons]
    return draw.annotate(image, items, processor.font_size, processor.line_width,
                         processor.line_color)


class USamProcessor(DetectorMixin, _ChainUser):
    """Process the input image with Ultralytics SAM (Segment Anything Model) using point or
    bounding box prompts.

    Preview mode (default): the image with every generated mask outlined and labelled with its
    prompt. Mask mode ("masks=True"): one black and white image of all masks ("outpaint=True"
    inverts it).

    "asset" is an ultralytics SAM asset: ASSETS. "points" are [x,y] or [x,y,label] points (label
    1 foreground, 0 background) in any of the forms x,y / XxY / XxYxLABEL / nested lists /
    "x,y","x,y,0" / 25x25,50x50x0; all points together prompt one mask. "boxes" are
    [x1,y1,x2,y2] boxes in the same forms (x1,y1,x2,y2 / X1xY1xX2xY2 / lists / token lists), one
    mask each. "boxes-mask" is a black and white mask file or URL whose white areas become box
    prompts, after the "boxes-mask-processors" chain runs on it (quote the chain). "font-size",
    "line-width" and "line-color" (#RGB / #RRGGBB) style the preview.
    """

    NAMES = ("u-sam",)
    USES_DEVICE = True

    def __init__(self, asset: str, points: str | list | tuple | None = None,
                 boxes: str | list | tuple | None = None, boxes_mask: str | None = None,
                 boxes_mask_processors: str | None = None, font_size: int | None = None,
                 line_width: int | None = None, line_color: str | None = None,
                 masks: bool = False, outpaint: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._drawing_args(font_size, line_width, line_color)
        try:
            self.points = prompts.parse_points(points, 'argument "points"')
            self.boxes = prompts.parse_boxes(boxes, 'argument "boxes"')
        except ValueError as ex:
            raise self.argument_error(str(ex)) from None
        self.boxes_mask = boxes_mask
        self.boxes_mask_chain = self._chain(boxes_mask_processors, "boxes-mask-processors")
        if not (self.points or self.boxes or boxes_mask):
            raise self.argument_error('give "points", "boxes" or "boxes-mask" prompts')
        self.masks, self.outpaint = masks, outpaint
        self._sam = load.LazySam(asset, offline(self), 'image processor "u-sam" argument '
                                 '"asset"')

    @property
    def model(self) -> Any:
        return self._sam.get()

    def _mask_boxes(self, size: tuple[int, int]) -> list:
        from PIL import Image

        if not self.boxes_mask:
            return []
        mask = self._load(self.boxes_mask, self.boxes_mask_chain, "boxes-mask")
        if mask.size != size:
            mask = mask.resize(size, Image.Resampling.NEAREST)
        return prompts.mask_boxes(mask)

    def impl_process(self, image: Any) -> Any:
        boxes = list(self.boxes) + self._mask_boxes(image.size)
        outlines = sam.segment(self.model, image, boxes, self.points, self._detector_device())
        self._offload(self.model)
        return _render(image, outlines, self.masks, self.outpaint, self)


USamProcessor.__doc__ = USamProcessor.__doc__.replace("ASSETS", _ASSET_HELP)


class YoloSamProcessor(DetectorMixin, ImageProcessor):
    """Process the input image with YOLO object detection followed by SAM (Segment Anything
    Model) segmentation: the kept YOLO boxes (padded by "detector-padding") prompt SAM.

    Preview mode (default): the image with every mask outlined, labelled with the detection
    index, class and confidence. Mask mode ("masks=True"): one black and white image of all
    masks ("outpaint=True" inverts it).

    "yolo-model" is a local weights file, a URL, or a Hugging Face repository with
    "yolo-weight-name" (and "yolo-subfolder", "yolo-revision", "yolo-token"). "sam-asset" is an
    ultralytics SAM asset: ASSETS. "confidence", "class-filter" and "index-filter" select
    detections as in the yolo processor.
    """

    NAMES = ("yolo-sam",)
    USES_DEVICE = True

    def __init__(self, yolo_model: str, yolo_weight_name: str | None = None,
                 yolo_subfolder: str | None = None, yolo_revision: str | None = None,
                 yolo_token: str | None = None, sam_asset: str = "sam_b.pt",
                 font_size: int | None = None, line_width: int | None = None,
                 line_color: str | None = None,
                 class_filter: int | str | list | tuple | set | None = None,
                 index_filter: int | list | tuple | set | None = None,
                 confidence: float = 0.3, masks: bool = False, outpaint: bool = False,
                 detector_padding: int | str = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._drawing_args(font_size, line_width, line_color)
        self.confidence = self._confidence(confidence)
        self.class_filter, self.index_filter = class_filter, index_filter
        self.masks, self.outpaint = masks, outpaint
        self.padding = parse_padding(detector_padding, "detector-padding")
        what = 'image processor "yolo-sam" argument "yolo-model"'
        self._yolo = load.LazyYolo(yolo_model, yolo_weight_name, yolo_subfolder, yolo_revision,
                                   yolo_token, offline(self), what)
        self._sam = load.LazySam(sam_asset, offline(self),
                                 'image processor "yolo-sam" argument "sam-asset"')

    @property
    def yolo(self) -> Any:
        return self._yolo.get()

    @property
    def sam(self) -> Any:
        return self._sam.get()

    def impl_process(self, image: Any) -> Any:
        device = self._detector_device()
        found = det.select(det.detect(self.yolo, image, self.confidence, device),
                           self.class_filter, self.index_filter)
        self._offload(self.yolo)
        boxes = [det.padded_box(d.box, self.padding, image.size) for d in found]
        masks = sam.segment(self.sam, image, boxes, None, device) if boxes else []
        outlines = [(f"{index}: {d.class_id} ({d.class_name}) {d.confidence:.2f}", polygons)
                    for index, (d, (_, polygons)) in enumerate(zip(found, masks))]
        self._offload(self.sam)
        return _render(image, outlines, self.masks, self.outpaint, self)


YoloSamProcessor.__doc__ = YoloSamProcessor.__doc__.replace("ASSETS", _ASSET_HELP)

CLASSES = (USamProcessor, YoloSamProcessor)
