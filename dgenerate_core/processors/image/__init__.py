"""The built-in image processors (importing this imports no torch, numpy or cv2)."""

from __future__ import annotations

from dgenerate_core.registries.processors import register_builtin
from dgenerate_core.processors.image import (
    adetailer, depth, edges, geometry, inpainters, leres, masks, ncnn_upscaler, opencv, pose,
    samcn, simple, upscaler, usam, yolo, zoe,
)

CLASSES = (simple.CLASSES + geometry.CLASSES + opencv.CLASSES + masks.CLASSES + edges.CLASSES
           + pose.CLASSES + upscaler.CLASSES + inpainters.CLASSES + ncnn_upscaler.CLASSES
           + depth.CLASSES + zoe.CLASSES + leres.CLASSES + yolo.CLASSES + adetailer.CLASSES
           + usam.CLASSES + samcn.CLASSES)
register_builtin("image", CLASSES)
