"""The adetailer algorithm: for every kept detection, in reading order, draw its inpaint mask
(padded box as rectangle or ellipse, or the model's own mask), dilate and blur it, crop the image
around it with mask padding, scale the crop (``size``: larger side to that size; else the native
size) to a multiple of 8, inpaint it with the caller's pipeline, scale it back and paste it
through the mask, so only pixels under the (dilated, blurred) mask change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from dgenerate_core.processors.detect import detections as det

ALIGN = 8


@dataclass
class Settings:
    """What shapes the masks and crops of one detector."""

    mask_shape: str = "rectangle"
    detector_padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    mask_padding: tuple[int, int, int, int] = (32, 32, 32, 32)
    mask_blur: int = 4
    mask_dilation: int = 4
    model_masks: bool = False
    size: int | None = None
    class_filter: Any = None
    index_filter: Any = None
    confidence: float = 0.3


@dataclass
class Region:
    """One detection to inpaint: the crop box in the image, the crop's mask and target size."""

    box: tuple[int, int, int, int]
    mask: Any        # L, crop-sized
    target: tuple[int, int]


#: inpaint(crop_image, crop_mask, target_size, region) -> an image of any size
Inpaint = Callable[[Any, Any, tuple[int, int], Region], Any]


def inpaint_mask(detection: det.Detection, size: tuple[int, int], settings: Settings) -> Any:
    """The full-size L inpaint mask of one detection, dilated and blurred."""
    from PIL import ImageFilter

    mask = det.detection_mask(detection, size, settings.mask_shape, settings.detector_padding,
                              settings.model_masks)
    if settings.mask_dilation > 0:
        mask = dilate(mask, settings.mask_dilation)
    if settings.mask_blur > 0:
        mask = mask.filter(ImageFilter.GaussianBlur(settings.mask_blur))
    return mask


def dilate(mask: Any, amount: int) -> Any:
    """cv2.dilate with an ``amount`` x ``amount`` square kernel."""
    import cv2
    import numpy
    from PIL import Image

    kernel = numpy.ones((amount, amount), numpy.uint8)
    return Image.fromarray(cv2.dilate(numpy.asarray(mask), kernel, iterations=1), "L")


def _aligned(value: float) -> int:
    return max(ALIGN, int(round(value / ALIGN)) * ALIGN)


def target_size(crop: tuple[int, int], size: int | None) -> tuple[int, int]:
    """The processing size of a crop: its larger side scaled to ``size`` (aspect kept), else
    the crop's own size; both rounded to a multiple of 8."""
    width, height = crop
    if size:
        scale = size / max(width, height)
        width, height = width * scale, height * scale
    return _aligned(width), _aligned(height)


def region_of(mask: Any, settings: Settings) -> Region | None:
    """The crop around a full-size mask (None when the mask is empty)."""
    bbox = mask.getbbox()
    if bbox is None:
        return None
    box = det.padded_box(bbox, settings.mask_padding, mask.size)
    if box[2] <= box[0] or box[3] <= box[1]:
        return None
    crop = (box[2] - box[0], box[3] - box[1])
    return Region(box, mask.crop(box), target_size(crop, settings.size))


def _resample(source: tuple[int, int], dest: tuple[int, int]) -> Any:
    from PIL import Image

    upscale = dest[0] * dest[1] > source[0] * source[1]
    return Image.Resampling.LANCZOS if upscale else Image.Resampling.BOX


def detail_region(image: Any, region: Region, inpaint: Inpaint) -> Any:
    """``image`` with one region inpainted and pasted back through its mask."""
    from PIL import Image

    crop = image.crop(region.box)
    size = crop.size
    scaled = crop.resize(region.target, _resample(size, region.target))
    mask = region.mask.resize(region.target, _resample(size, region.target))
    result = inpaint(scaled, mask, region.target, region).convert("RGB")
    result = result.resize(size, _resample(result.size, size))
    out = image.copy()
    out.paste(Image.composite(result, crop, region.mask), region.box[:2])
    return out


def detail(image: Any, found: list[det.Detection], settings: Settings,
           inpaint: Inpaint) -> Any:
    """Every detection of ``found`` (already filtered) inpainted in turn."""
    out = image.convert("RGB")
    for detection in found:
        region = region_of(inpaint_mask(detection, out.size, settings), settings)
        if region is not None:
            out = detail_region(out, region, inpaint)
    return out


def run(model: Any, image: Any, settings: Settings, inpaint: Inpaint,
        device: str | None = None) -> Any:
    """Detect with a YOLO ``model``, filter, and inpaint every detection."""
    found = det.detect(model, image, settings.confidence, device)
    found = det.select(found, settings.class_filter, settings.index_filter)
    return detail(image, found, settings, inpaint)
