"""Detections of a YOLO model: run it, filter by class and index, sort in reading order, and
turn detections into masks (padded boxes as rectangles or ellipses, or the model's own masks).

Order: detections are sorted by the top left corner of their box, left to right, then top to
bottom, then by confidence (descending) -- the manual's examples number the left face 0 even
where it sits lower than the right one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

RECTANGLE, ELLIPSE = "rectangle", "ellipse"
_SHAPES = {"r": RECTANGLE, "rect": RECTANGLE, "rectangle": RECTANGLE,
           "c": ELLIPSE, "circle": ELLIPSE, "ellipse": ELLIPSE}


@dataclass
class Detection:
    """One detection in image pixels."""

    box: tuple[float, float, float, float]  # x1, y1, x2, y2
    confidence: float
    class_id: int
    class_name: str
    polygons: list | None = None             # the model's mask outline(s), image pixels

    @property
    def has_mask(self) -> bool:
        return bool(self.polygons)


def mask_shape(text: str, what: str = "mask-shape") -> str:
    """The canonical shape name of r / rect / rectangle / c / circle / ellipse."""
    shape = _SHAPES.get(str(text).strip().lower())
    if shape is None:
        raise ValueError(f'{what}: unknown mask shape "{text}", use rectangle (r, rect) or '
                         "ellipse (c, circle)")
    return shape


def _torch_device(device: str | None) -> str:
    return device or "cpu"


def detect(model: Any, image: Any, confidence: float = 0.3, device: str | None = None) -> list:
    """Run a YOLO model on a PIL image; detections in the model's order."""
    import torch

    rgb = image.convert("RGB")
    with torch.inference_mode():
        results = model.predict(rgb, conf=float(confidence), device=_torch_device(device),
                                verbose=False)
    result = results[0]
    names = result.names or {}
    boxes = result.boxes
    if boxes is None or len(boxes) == 0:
        return []
    xyxy = boxes.xyxy.detach().float().cpu().tolist()
    confs = boxes.conf.detach().float().cpu().tolist()
    classes = [int(c) for c in boxes.cls.detach().cpu().tolist()]
    polygons = None
    if result.masks is not None:
        polygons = [[p.tolist()] for p in result.masks.xy]
    found = []
    for i, box in enumerate(xyxy):
        found.append(Detection(tuple(box), float(confs[i]), classes[i],
                               str(names.get(classes[i], classes[i])),
                               polygons[i] if polygons is not None and i < len(polygons) else None))
    return found


def reading_order(found: Iterable[Detection]) -> list[Detection]:
    """Sorted left to right, top to bottom, then by confidence (descending)."""
    return sorted(found, key=lambda d: (round(d.box[0]), round(d.box[1]), -d.confidence))


def _as_set(value: Any) -> set | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        return set(value)
    return {value}


def filter_classes(found: list[Detection], class_filter: Any) -> list[Detection]:
    """Keep detections whose class id (int entries) or name (str entries) is in the filter;
    a string of digits parsed from CSV counts as an id."""
    wanted = _as_set(class_filter)
    if not wanted:
        return found
    ids = {v for v in wanted if isinstance(v, int) and not isinstance(v, bool)}
    names = {str(v) for v in wanted if isinstance(v, str)}
    return [d for d in found if d.class_id in ids or d.class_name in names]


def filter_indices(found: list[Detection], index_filter: Any) -> list[Detection]:
    """Keep the detections with these positions (in reading order)."""
    wanted = _as_set(index_filter)
    if wanted is None:
        return found
    return [d for i, d in enumerate(found) if i in wanted]


def select(found: list[Detection], class_filter: Any = None, index_filter: Any = None) -> list:
    """Class filter, then reading order, then index filter."""
    return filter_indices(reading_order(filter_classes(found, class_filter)), index_filter)


def padded_box(box: tuple[float, float, float, float], padding: tuple[int, int, int, int] | None,
               size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The integer box grown by padding (left, top, right, bottom; negative shrinks), clamped."""
    left, top, right, bottom = (int(round(v)) for v in box)
    if padding:
        left, top = left - padding[0], top - padding[1]
        right, bottom = right + padding[2], bottom + padding[3]
    left, top = max(0, min(left, size[0])), max(0, min(top, size[1]))
    right, bottom = max(left, min(right, size[0])), max(top, min(bottom, size[1]))
    return left, top, right, bottom


def detection_mask(detection: Detection, size: tuple[int, int], shape: str = RECTANGLE,
                   padding: tuple[int, int, int, int] | None = None,
                   model_masks: bool = False) -> Any:
    """An L mask (255 inside) of one detection: the model's mask when asked for and present,
    else the padded box drawn as a rectangle or an ellipse."""
    from PIL import Image, ImageDraw

    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    if model_masks and detection.has_mask:
        for polygon in detection.polygons:
            points = [tuple(p) for p in polygon]
            if len(points) >= 3:
                draw.polygon(points, fill=255)
        return mask
    box = padded_box(detection.box, padding, size)
    if box[2] <= box[0] or box[3] <= box[1]:
        return mask
    if mask_shape(shape) == ELLIPSE:
        draw.ellipse((box[0], box[1], box[2] - 1, box[3] - 1), fill=255)
    else:
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=255)
    return mask


def combined_mask(found: list[Detection], size: tuple[int, int], shape: str = RECTANGLE,
                  padding: tuple[int, int, int, int] | None = None, model_masks: bool = False,
                  invert: bool = False) -> Any:
    """All detection masks in one RGB black and white image (inverted for outpainting)."""
    from PIL import Image, ImageChops, ImageOps

    mask = Image.new("L", size, 0)
    for detection in found:
        mask = ImageChops.lighter(mask, detection_mask(detection, size, shape, padding,
                                                       model_masks))
    if invert:
        mask = ImageOps.invert(mask)
    return mask.convert("RGB")
