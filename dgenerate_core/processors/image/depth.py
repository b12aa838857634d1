"""Depth and normal annotators on controlnet-aux networks: midas (DPT-Hybrid, depth or normals)
and normal-bae (surface normals)."""

from __future__ import annotations

import math
import os
from typing import Any

from dgenerate_core.processors.image.annotate import Annotator
from dgenerate_core.processors.image.weights import ANNOTATORS


class MidasProcessor(Annotator):
    """MiDaS depth detector and normal map generation (DPT-Hybrid).

    The "normals" argument produces a normal map instead of a depth image. The "alpha" argument
    is the z component given to the normals (their flatness), and "background-threshold" the
    relative depth below which the normals are flat (the background). Weights:
    lllyasviel/Annotators dpt_hybrid-midas-501f0c75.pt.
    """

    NAMES = ("midas",)
    HIDE_ARGS = ("detect-align",)  # accepted, but the reference lists none for it
    ALIGN = 64
    FILES = ((ANNOTATORS, "dpt_hybrid-midas-501f0c75.pt", None),)

    def __init__(self, normals: bool = False, alpha: float = math.pi * 2.0,
                 background_threshold: float = 0.1, detect_resolution: str | None = None,
                 detect_aspect: bool = True, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, **kwargs)
        self.normals, self.alpha, self.background = normals, alpha, background_threshold

    def load(self, paths: list[str]) -> Any:
        from controlnet_aux.midas.api import MiDaSInference

        return MiDaSInference(model_type="dpt_hybrid", model_path=paths[0]).eval()

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.midas import MidasDetector

        n = min(array.shape[0], array.shape[1])
        out = MidasDetector(model)(array, a=self.alpha, bg_th=self.background,
                                   depth_and_normal=self.normals, detect_resolution=n,
                                   image_resolution=n, output_type="np")
        return out[1] if self.normals else out


class NormalBaeProcessor(Annotator):
    """Normal BAE detector: a surface normal map from an image (the ScanNet model).

    Weights: lllyasviel/Annotators scannet.pt.
    """

    NAMES = ("normal-bae",)
    HIDE_ARGS = ("detect-align",)  # accepted, but the reference lists none for it
    ALIGN = 64
    FILES = ((ANNOTATORS, "scannet.pt", None),)

    def __init__(self, detect_resolution: str | None = None, detect_aspect: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, **kwargs)

    def load(self, paths: list[str]) -> Any:
        from controlnet_aux.normalbae import NormalBaeDetector

        return NormalBaeDetector.from_pretrained(os.path.dirname(paths[0]),
                                                 os.path.basename(paths[0])).model

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.normalbae import NormalBaeDetector

        n = min(array.shape[0], array.shape[1])
        return NormalBaeDetector(model)(array, n, n, output_type="np")


CLASSES = (MidasProcessor, NormalBaeProcessor)
