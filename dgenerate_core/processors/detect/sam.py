"""Prompted Segment Anything through ultralytics: boxes (one mask each) and points (all points
together are one prompt: foreground and background labels shape one mask)."""

from __future__ import annotations

from typing import Any

#: the SAM input size (the assets are trained at 1024)
IMAGE_SIZE = 1024


def _polygons(result: Any) -> list[list]:
    """One list of outline polygons per mask of an ultralytics result."""
    if result.masks is None:
        return []
    return [[p.tolist()] for p in result.masks.xy]


def segment(model: Any, image: Any, boxes: list | None = None, points: list | None = None,
            device: str | None = None) -> list[tuple[str, list]]:
    """(prompt label, outline polygons) per mask: boxes first ("box N"), then the points."""
    import torch

    rgb = image.convert("RGB")
    found: list[tuple[str, list]] = []
    common = {"device": device or "cpu", "verbose": False, "imgsz": IMAGE_SIZE}
    with torch.inference_mode():
        if boxes:
            result = model.predict(rgb, bboxes=[list(b) for b in boxes], **common)[0]
            for index, polygons in enumerate(_polygons(result)):
                found.append((f"box {index}", polygons))
        if points:
            result = model.predict(rgb, points=[[[p[0], p[1]] for p in points]],
                                   labels=[[p[2] for p in points]], **common)[0]
            for polygons in _polygons(result):
                found.append(("points", polygons))
    return found


def polygons_mask(size: tuple[int, int], outlines: list[list], invert: bool = False) -> Any:
    """The RGB black and white union of the filled outlines."""
    from PIL import Image, ImageDraw, ImageOps

    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for polygons in outlines:
        for polygon in polygons:
            points = [tuple(p) for p in polygon]
            if len(points) >= 3:
                draw.polygon(points, fill=255)
    if invert:
        mask = ImageOps.invert(mask)
    return mask.convert("RGB")
