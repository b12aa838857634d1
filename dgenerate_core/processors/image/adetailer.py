"""The ``adetailer`` processor: detect with YOLO, then re-draw every detection by inpainting with
the modules of the last diffusion pipeline run."""

from __future__ import annotations

import random
from typing import Any

from dgenerate_core.pipelines import last as last_run
from dgenerate_core.processors.base import ImageProcessor
from dgenerate_core.processors.detect import adetailer as algo
from dgenerate_core.processors.detect import detections as det
from dgenerate_core.processors.detect import inpaint as inp
from dgenerate_core.processors.detect import load
from dgenerate_core.processors.image.dims import parse_padding
from dgenerate_core.processors.image.yolo import DetectorMixin, offline

SUPPORTED = ("sd", "sdxl", "kolors", "sd3", "flux", "flux-fill")
PAG_TYPES = ("sd", "sdxl")


class AdetailerProcessor(DetectorMixin, ImageProcessor):
    """adetailer, diffusion based post processor for SD1.5, SDXL, Kolors, SD3, and Flux.

    Detects features such as faces or hands with a YOLO model and re-draws each detection by
    inpainting it with the last diffusion pipeline dgenerate ran (use it in --post-processors,
    or anywhere in a script after a generation). "model" is a local weights file, a URL, or a
    Hugging Face repository with "weight-name" (and "subfolder", "revision", "token").

    "prompt" / "negative-prompt" are the inpainting prompts; "seed", "inference-steps",
    "guidance-scale" and "strength" (as --image-seed-strengths) drive the inpainting;
    "pag-scale" / "pag-adaptive-scale" use the PAG inpaint pipeline (sd and sdxl; on by
    default when the last pipeline was a PAG one). "class-filter" keeps class IDs or names,
    then "index-filter" keeps detection indices in reading order (left to right, top to
    bottom). "detector-padding" grows each box (N, HxV, LxTxRxB; negative shrinks),
    "mask-shape" is rectangle or ellipse (circle), "mask-dilation" and "mask-blur" soften the
    mask, "mask-padding" is the context cropped around it, "model-masks" prefers a segmentation
    model's own masks, "confidence" is the detection threshold, "size" scales each crop so its
    larger side is that size. "detector-device" runs the detector elsewhere than "device".
    """

    NAMES = ("adetailer",)
    USES_DEVICE = True
    HIDE_ARGS = ("model-offload",)

    def __init__(self, model: str, prompt: str, negative_prompt: str | None = None,
                 prompt_weighter: str | None = None, weight_name: str | None = None,
                 subfolder: str | None = None, revision: str | None = None,
                 token: str | None = None, seed: int | None = None, inference_steps: int = 30,
                 guidance_scale: float = 5, pag_scale: float | None = None,
                 pag_adaptive_scale: float | None = None, strength: float = 0.4,
                 detector_padding: int | str = 0, mask_shape: str = "rectangle",
                 class_filter: int | str | list | tuple | set | None = None,
                 index_filter: int | list | tuple | set | None = None,
                 mask_padding: int | str = 32, mask_blur: int = 4, mask_dilation: int = 4,
                 model_masks: bool = False, confidence: float = 0.3,
                 detector_device: str | None = None, size: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._check(inference_steps, strength, mask_blur, mask_dilation, size)
        try:
            shape = det.mask_shape(mask_shape, 'argument "mask-shape"')
        except ValueError as ex:
            raise self.argument_error(str(ex)) from None
        self.settings = algo.Settings(
            shape, parse_padding(detector_padding, "detector-padding"),
            parse_padding(mask_padding, "mask-padding"), mask_blur, mask_dilation, model_masks,
            size, class_filter, index_filter, self._confidence(confidence))
        self.prompt, self.negative_prompt = prompt, negative_prompt
        self.prompt_weighter = prompt_weighter
        self.seed, self.steps, self.guidance = seed, inference_steps, guidance_scale
        self.pag_scale, self.pag_adaptive_scale = pag_scale, pag_adaptive_scale
        self.strength, self.detector_device = strength, detector_device
        what = 'image processor "adetailer" model'
        self._weights = load.LazyYolo(model, weight_name, subfolder, revision, token,
                                      offline(self), what)

    @property
    def model(self) -> Any:
        return self._weights.get()

    def _check(self, steps: int, strength: float, blur: int, dilation: int,
               size: int | None) -> None:
        if steps < 1:
            raise self.argument_error('argument "inference-steps": must be at least 1')
        if not 0.0 < strength <= 1.0:
            raise self.argument_error('argument "strength": must be greater than 0 and at '
                                      'most 1')
        if blur < 0 or dilation < 0:
            raise self.argument_error('arguments "mask-blur" and "mask-dilation" must be >= 0')
        if size is not None and size < 2:
            raise self.argument_error('argument "size": must be an integer greater than 1')

    def _detector_device(self) -> str:
        return self.detector_device or self.device or "cpu"

    def _pipeline(self) -> tuple[Any, Any]:
        run = last_run.last()
        if run is None:
            raise self.error("no diffusion pipeline has run yet; adetailer inpaints with the "
                             "last pipeline used (use it in --post-processors, or after a "
                             "generation in a script)")
        pset = run.pset
        if pset.model_type not in SUPPORTED:
            raise self.error(f'--model-type "{pset.model_type}" is not supported, only: '
                             + ", ".join(SUPPORTED))
        controls, pset.controls = pset.controls, None
        try:
            pipe = pset.get("inpaint")
        finally:
            pset.controls = controls
        pag = self.pag_scale is not None or self.pag_adaptive_scale is not None \
            or "PAG" in type(run.pipe).__name__
        if pag and pset.model_type in PAG_TYPES and run.pag is not None:
            pipe = run.pag(pipe, pset.model_type, "inpaint")
        return pset, pipe

    def _kwargs(self, pset: Any, pipe: Any) -> dict[str, Any]:
        import torch

        device = str(pset.device)  # the pipeline's device: its noise is drawn there
        generator = torch.Generator("cpu" if device.startswith("mps") else device)
        generator.manual_seed(int(self.seed) if self.seed is not None
                              else random.randint(0, 2 ** 63 - 1))
        kwargs: dict[str, Any] = {"prompt": self.prompt, "num_inference_steps": self.steps,
                                  "guidance_scale": self.guidance, "generator": generator}
        if self.negative_prompt is not None and inp.takes(pipe, "negative_prompt"):
            kwargs["negative_prompt"] = self.negative_prompt
        if inp.takes(pipe, "strength"):
            kwargs["strength"] = self.strength
        if inp.takes(pipe, "pag_scale"):
            kwargs["pag_scale"] = 3.0 if self.pag_scale is None else self.pag_scale
            kwargs["pag_adaptive_scale"] = self.pag_adaptive_scale or 0.0
        return kwargs

    def impl_process(self, image: Any) -> Any:
        pset, pipe = self._pipeline()
        kwargs = self._kwargs(pset, pipe)
        if self.prompt_weighter:
            weigh = last_run.last().weigh
            if weigh is None:
                raise self.error('argument "prompt-weighter": the last pipeline run has no '
                                 "prompt weighting")
            weigh(pipe, kwargs, self.prompt_weighter)
        inpaint = inp.inpainter(pipe, kwargs, label='image processor "adetailer"')
        out = algo.run(self.model, image, self.settings, inpaint, self._detector_device())
        self._offload(self.model)
        return out


CLASSES = (AdetailerProcessor,)
