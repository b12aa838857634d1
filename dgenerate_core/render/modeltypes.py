"""Pipeline call arguments that belong to one family of model types: the image guidance of the
pix2pix types, the noise level of the upscalers and Deep Floyd super resolution, and the
``floyd=`` image of the Deep Floyd stages (manual: ``--image-guidance-scales``,
``--upscaler-noise-levels``, ``--image-seeds`` ``floyd=``)."""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.render.calls import CallBuilder, repeat_per_output

FLOYD_SR_TYPES = ("ifs", "ifs-img2img")
#: Deep Floyd stage II upscales its input four times
IF_SUPER_RESOLUTION_SCALE = 4


def add_model_type_args(call: CallBuilder, step: Any, seed: Any, batch: int) -> None:
    """Image guidance, noise level and Deep Floyd stage images of one call."""
    if step["image_guidance_scales"] is not None:
        call.require("image_guidance_scale", step["image_guidance_scales"],
                     "--image-guidance-scales")
    if step["upscaler_noise_levels"] is not None:
        call.require("noise_level", int(step["upscaler_noise_levels"]), "--upscaler-noise-levels")
    if call.model_type in FLOYD_SR_TYPES and seed is not None:
        _add_floyd(call, seed, batch)
    if call.takes("clean_caption"):  # Deep Floyd: needs beautifulsoup4 and ftfy, else warns
        call.kwargs["clean_caption"] = _can_clean_captions()
    if call.model_type == "flux-kontext":  # the output at the image's (--output-size) size
        call.optional("_auto_resize", False)
        if "width" in call.kwargs and "height" in call.kwargs:
            call.optional("max_area", int(call.kwargs["width"]) * int(call.kwargs["height"]))


def _can_clean_captions() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("bs4", "ftfy"))


def _add_floyd(call: CallBuilder, seed: Any, batch: int) -> None:
    """``floyd=``: the previous stage's output is the low resolution ``image``, the seed image
    the ``original_image`` (ifs-img2img, ifs inpainting); plain ifs upscales the seed image."""
    where = f'--image-seeds "{seed.spec.text}"'
    if seed.latents:
        raise UsageError(f"{where}: Deep Floyd model types take no latents input")
    takes_original = call.takes("original_image")
    if takes_original and seed.floyd_image is None:
        raise UsageError(f'{where}: --model-type {call.model_type} needs the previous Deep Floyd '
                         f'stage image, give it with "floyd=", e.g. "seed.png;floyd=stage1.png"')
    if takes_original:
        call.kwargs["original_image"] = call.kwargs["image"]
        call.kwargs["image"] = repeat_per_output(seed.floyd_image, batch)
        return
    low = seed.floyd_image if seed.floyd_image is not None else seed.image
    call.kwargs["image"] = repeat_per_output(low, batch)
    width, height = (low[0] if isinstance(low, list) else low).size
    call.kwargs["width"] = width * IF_SUPER_RESOLUTION_SCALE
    call.kwargs["height"] = height * IF_SUPER_RESOLUTION_SCALE
