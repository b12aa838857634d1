"""The built-in image processors (importing this imports no torch, numpy or cv2)."""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.base import NotBuiltImageProcessor
from dgenerate_core.registries.processors import register_builtin
from dgenerate_core.processors.image import (
    adetailer, depth, edges, geometry, inpainters, masks, ncnn_upscaler, opencv, pose, samcn,
    simple, upscaler, usam, yolo,
)
from dgenerate_core.processors.image import zoe
from dgenerate_core.processors.image.notbuilt import NOT_BUILT
from dgenerate_core.processors.args import spec_from_text


class NotBuiltYet(NotBuiltImageProcessor):
    """Processors that need downloaded detector, segmentation, upscaler or diffusion models."""

    NAMES = tuple(NOT_BUILT)

    @classmethod
    def help_text(cls, loaded_by_name: str) -> str:
        return NOT_BUILT[loaded_by_name][0]

    @classmethod
    def static_args(cls, loaded_by_name: str) -> list[Any]:
        """The documented URI arguments (ArgSpec list) of one of these names."""
        return [spec_from_text(line) for line in NOT_BUILT[loaded_by_name][1]]


CLASSES = (simple.CLASSES + geometry.CLASSES + opencv.CLASSES + masks.CLASSES + edges.CLASSES
           + pose.CLASSES + upscaler.CLASSES + inpainters.CLASSES + ncnn_upscaler.CLASSES
           + depth.CLASSES + yolo.CLASSES + adetailer.CLASSES + usam.CLASSES + samcn.CLASSES
           + zoe.CLASSES
           + (NotBuiltYet,))
register_builtin("image", CLASSES)
