"""The ``sam`` processor: Segment Anything automatic masks painted in flat colours, the input
of SAM ControlNet models (controlnet-aux's SAM network; weights from the Hugging Face hub)."""

from __future__ import annotations

from typing import Any

from dgenerate_core.pipelines.cache import get_cache
from dgenerate_core.pipelines.source import load_errors
from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.detect import load
from dgenerate_core.processors.image.dims import parse_size
from dgenerate_core.processors.image.yolo import offline
from dgenerate_core.seeds.resize import resize_image_calc

REPO, SUBFOLDER, FILENAME = "ybelkada/segment-anything", "checkpoints", "sam_vit_h_4b8939.pth"
#: the automatic generator's grid (points per side)
POINTS_PER_SIDE = 32
_WHAT = 'image processor "sam" model'


def _model_type(state: dict) -> str:
    """vit_t (MobileSAM), vit_b, vit_l or vit_h from the image encoder in a state dict."""
    if any(k.startswith("image_encoder.layers.") for k in state):
        return "vit_t"
    blocks = {k.split(".")[2] for k in state if k.startswith("image_encoder.blocks.")}
    return {12: "vit_b", 24: "vit_l"}.get(len(blocks), "vit_h")


def load_sam_generator(path: str) -> Any:
    """controlnet-aux's SamAutomaticMaskGenerator over the checkpoint (object cache "sam")."""
    def build() -> Any:
        import warnings

        import torch
        with warnings.catch_warnings():  # controlnet-aux's import-time notices (mediapipe, timm)
            warnings.simplefilter("ignore")
            from controlnet_aux.segment_anything import (
                SamAutomaticMaskGenerator, sam_model_registry,
            )

        with load_errors(_WHAT, path):
            state = torch.load(path, map_location="cpu", weights_only=True)
            model = sam_model_registry[_model_type(state)]()
            model.load_state_dict(state)
            model.eval()
        return SamAutomaticMaskGenerator(model, points_per_side=POINTS_PER_SIDE)
    import os

    key = ("sam-auto", path, os.path.getmtime(path), POINTS_PER_SIDE)
    return get_cache("sam").get_or_create(key, build, path)


class SamProcessor(ImageProcessor):
    """Segment Anything Model, this processor attempts to create cutouts for every distinct
    object in an image.

    Note that this processor is just for use with controlnet models that support SAM annotated
    input images. If you want to generate masks or preview segmentation using prompting, use the
    "u-sam" processor instead.

    "detect-resolution" is the size the image is resized to before detection (N or WxH; default:
    the image's own size); "detect-aspect" keeps the aspect ratio of that resize and
    "detect-align" aligns it. The result has the input image's size. Each object gets a flat
    colour (the same colours on every run).
    """

    NAMES = ("sam",)
    USES_DEVICE = True

    def __init__(self, detect_resolution: str | None = None, detect_aspect: bool = True,
                 detect_align: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resolution = parse_size(detect_resolution, "detect-resolution") \
            if detect_resolution is not None else None
        if detect_align < 1:
            raise self.argument_error('argument "detect-align": must be at least 1')
        self.aspect, self.align = detect_aspect, detect_align
        self._generator: Any = None

    @property
    def generator(self) -> Any:
        """The mask generator, loaded on first use (validation builds processors too)."""
        if self._generator is None:
            path = load.resolve_weights(REPO, FILENAME, SUBFOLDER, None, None, offline(self),
                                        _WHAT)
            self._generator = load_sam_generator(path)
        return self._generator

    def _detect_size(self, size: tuple[int, int]) -> tuple[int, int]:
        if self.resolution is None:
            return size
        return tuple(resize_image_calc(size, self.resolution, self.aspect, self.align))

    def impl_process(self, image: Any) -> Any:
        import numpy
        import torch
        from PIL import Image

        device = self.device or "cpu"
        model = self.generator.predictor.model
        model.to(device)
        detect = image.convert("RGB").resize(self._detect_size(image.size),
                                             Image.Resampling.LANCZOS)
        with torch.inference_mode():
            found = self.generator.generate(numpy.asarray(detect))
        if self.model_offload and device != "cpu":
            model.to("cpu")
        return paint(found, detect.size).resize(image.size, Image.Resampling.NEAREST)


def paint(found: list[dict], size: tuple[int, int]) -> Any:
    """Masks painted largest first, one seeded random colour each, on black."""
    import numpy
    from PIL import Image

    canvas = numpy.zeros((size[1], size[0], 3), numpy.uint8)
    rng = numpy.random.default_rng(0)
    for ann in sorted(found, key=lambda a: a["area"], reverse=True):
        canvas[ann["segmentation"]] = rng.integers(0, 256, 3, dtype=numpy.uint8)
    return Image.fromarray(canvas, "RGB")


CLASSES = (SamProcessor,)
