"""Edge and line art annotators on controlnet-aux networks: hed, pidi, teed, anyline, lineart,
lineart-anime, lineart-standard and mlsd. Weights are the hub files the reference uses."""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core.processors.image.annotate import Annotator
from dgenerate_core.processors.image.weights import ANNOTATORS


def _full(array: Any) -> int:
    """The resolution argument that makes controlnet-aux keep an aligned array's size."""
    return min(array.shape[0], array.shape[1])


class HedProcessor(Annotator):
    """HED detection (holistically-nested edge detection): soft edges akin to thick line art.

    The "scribble" argument produces thicker, scribble-like lines. The "safe" argument enables
    numerically safe / more precise stepping. Weights: lllyasviel/Annotators ControlNetHED.pth."""

    NAMES = ("hed",)
    FILES = ((ANNOTATORS, "ControlNetHED.pth", None),)
    ALIGN = 64

    def __init__(self, scribble: bool = False, safe: bool = False,
                 detect_resolution: str | None = None, detect_aspect: bool = True,
                 detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, detect_align, **kwargs)
        self.scribble, self.safe = scribble, safe

    def load(self, paths: list[str]) -> Any:
        from controlnet_aux.hed import HEDdetector

        path = paths[0]
        return HEDdetector.from_pretrained(os.path.dirname(path), os.path.basename(path)).netNetwork

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.hed import HEDdetector

        n = _full(array)
        return HEDdetector(model)(array, n, n, safe=self.safe, scribble=self.scribble,
                                  output_type="np")


class PidiProcessor(Annotator):
    """PidiNet (pixel difference networks for efficient edge detection) edge detector.

    The "apply-filter" argument gives possibly crisper edges with less noise. The "safe" argument
    enables numerically safe / more precise stepping. Weights: lllyasviel/Annotators
    table5_pidinet.pth."""

    NAMES = ("pidi",)
    FILES = ((ANNOTATORS, "table5_pidinet.pth", None),)
    ALIGN = 64

    def __init__(self, apply_filter: bool = False, safe: bool = False,
                 detect_resolution: str | None = None, detect_aspect: bool = True,
                 detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, detect_align, **kwargs)
        self.apply_filter, self.safe = apply_filter, safe

    def load(self, paths: list[str]) -> Any:
        from controlnet_aux.pidi import PidiNetDetector

        path = paths[0]
        return PidiNetDetector.from_pretrained(os.path.dirname(path),
                                               os.path.basename(path)).netNetwork

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.pidi import PidiNetDetector

        n = _full(array)
        return PidiNetDetector(model)(array, n, n, safe=self.safe, apply_filter=self.apply_filter,
                                      output_type="np")


class TeedProcessor(Annotator):
    """TEED (tiny and efficient edge detector).

    The "safe" argument enables numerically safe / more precise stepping (default true).
    Weights: fal-ai/teed 5_model.pth."""

    NAMES = ("teed",)
    HIDE_ARGS = ("detect-align",)  # accepted, but the reference lists none for it
    ALIGN = 64
    FILES = (("fal-ai/teed", "5_model.pth", None),)

    def __init__(self, safe: bool = True, detect_resolution: str | None = None,
                 detect_aspect: bool = True, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, **kwargs)
        self.safe = safe

    def load(self, paths: list[str]) -> Any:
        from controlnet_aux.teed import TEEDdetector

        path = paths[0]
        return TEEDdetector.from_pretrained(os.path.dirname(path), os.path.basename(path)).model

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.teed import TEEDdetector

        return TEEDdetector(model)(array, _full(array), safe_steps=2 if self.safe else 0,
                                   output_type="np")


class AnylineProcessor(Annotator):
    """Anyline, the MistoLine "control every line" preprocessor: TEED edges merged with
    standard line art (see https://huggingface.co/TheMistoAI/MistoLine).

    The "gaussian-sigma" argument is the gaussian filter sigma of the line art layer; the
    "intensity-threshold" argument is its pixel intensity threshold. Weights: TheMistoAI/MistoLine
    Anyline/MTEED.pth."""

    NAMES = ("anyline",)
    FILES = (("TheMistoAI/MistoLine", "MTEED.pth", "Anyline"),)
    ALIGN = 64

    def __init__(self, gaussian_sigma: float = 2.0, intensity_threshold: int = 2,
                 detect_resolution: str | None = None, detect_aspect: bool = True,
                 detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, detect_align, **kwargs)
        self.sigma, self.threshold = gaussian_sigma, intensity_threshold

    def load(self, paths: list[str]) -> Any:
        from controlnet_aux.anyline import AnylineDetector

        path = paths[0]
        return AnylineDetector.from_pretrained(os.path.dirname(path),
                                               os.path.basename(path)).model

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.anyline import AnylineDetector

        return AnylineDetector(model)(array, _full(array), guassian_sigma=self.sigma,
                                      intensity_threshold=self.threshold, output_type="np")


class LineartProcessor(Annotator):
    """Line art generator: line art from an image.

    The "course" argument uses the coarse model instead of the normal one. Weights:
    lllyasviel/Annotators sk_model.pth (coarse: sk_model2.pth)."""

    NAMES = ("lineart",)
    ALIGN = 64

    def __init__(self, course: bool = False, detect_resolution: str | None = None,
                 detect_aspect: bool = True, detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, detect_align, **kwargs)
        self.course = course

    def files(self) -> tuple[tuple[str, str, str | None], ...]:
        return ((ANNOTATORS, "sk_model2.pth" if self.course else "sk_model.pth", None),)

    def load(self, paths: list[str]) -> Any:
        import torch
        from controlnet_aux.lineart import Generator

        net = Generator(3, 1, 3)
        net.load_state_dict(torch.load(paths[0], map_location="cpu"))
        return net.eval()

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.lineart import LineartDetector

        n = _full(array)
        return LineartDetector(model, model)(array, coarse=self.course, detect_resolution=n,
                                             image_resolution=n, output_type="np")


class LineartAnimeProcessor(Annotator):
    """Anime line art generator: anime style line art from an image.

    Weights: lllyasviel/Annotators netG.pth."""

    NAMES = ("lineart-anime",)
    FILES = ((ANNOTATORS, "netG.pth", None),)
    ALIGN = 64  # the detector pads to multiples of 256 itself

    def load(self, paths: list[str]) -> Any:
        from controlnet_aux.lineart_anime import LineartAnimeDetector

        path = paths[0]
        return LineartAnimeDetector.from_pretrained(os.path.dirname(path),
                                                    os.path.basename(path)).model

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.lineart_anime import LineartAnimeDetector

        n = _full(array)
        return LineartAnimeDetector(model)(array, n, n, output_type="np")


class LineartStandardProcessor(Annotator):
    """Standard line art detector (no neural network): line art from an image.

    The "gaussian-sigma" argument is the gaussian filter sigma; "intensity-threshold" is the
    pixel intensity threshold."""

    NAMES = ("lineart-standard",)
    USES_DEVICE = False

    def __init__(self, gaussian_sigma: float = 6.0, intensity_threshold: int = 8,
                 detect_resolution: str | None = None, detect_aspect: bool = True,
                 detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, detect_align, **kwargs)
        self.sigma, self.threshold = gaussian_sigma, intensity_threshold

    def model(self) -> Any:
        return None

    def detect(self, model: Any, array: Any) -> Any:
        import cv2
        import numpy

        x = array.astype(numpy.float32)
        g = cv2.GaussianBlur(x, (0, 0), self.sigma)
        intensity = numpy.min(g - x, axis=2).clip(0, 255)
        above = intensity[intensity > self.threshold]
        intensity /= max(16.0, float(numpy.median(above)) if above.size else 0.0)
        intensity *= 127
        return intensity.clip(0, 255).astype(numpy.uint8)


class MlsdProcessor(Annotator):
    """M-LSD wireframe detector: straight lines along the edges of objects.

    The "threshold-score" argument is the score threshold and "threshold-distance" the distance
    threshold of the detected lines. Weights: lllyasviel/Annotators mlsd_large_512_fp32.pth."""

    NAMES = ("mlsd",)
    FILES = ((ANNOTATORS, "mlsd_large_512_fp32.pth", None),)
    ALIGN = 64

    def __init__(self, threshold_score: float = 0.1, threshold_distance: float = 0.1,
                 detect_resolution: str | None = None, detect_aspect: bool = True,
                 detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(detect_resolution, detect_aspect, detect_align, **kwargs)
        self.score, self.distance = threshold_score, threshold_distance

    def load(self, paths: list[str]) -> Any:
        from controlnet_aux.mlsd import MLSDdetector

        path = paths[0]
        return MLSDdetector.from_pretrained(os.path.dirname(path), os.path.basename(path)).model

    def detect(self, model: Any, array: Any) -> Any:
        from controlnet_aux.mlsd import MLSDdetector

        n = _full(array)
        return MLSDdetector(model)(array, self.score, self.distance, n, n, output_type="np")


CLASSES = (HedProcessor, PidiProcessor, TeedProcessor, AnylineProcessor, LineartProcessor,
           LineartAnimeProcessor, LineartStandardProcessor, MlsdProcessor)
