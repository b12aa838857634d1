"""``--pag`` / ``--sdxl-refiner-pag``: perturbed-attention guidance through the diffusers PAG
pipelines, built from the mode's pipeline with ``from_pipe`` (weights shared) and cached on it."""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines.controlnets import CONTROLNET_PAG_CLASSES
from dgenerate_core.pipelines.schedulers import original_scheduler, remember_original

PAG_CLASSES: dict[tuple[str, str], str] = {
    ("sd", "txt2img"): "StableDiffusionPAGPipeline",
    ("sd", "img2img"): "StableDiffusionPAGImg2ImgPipeline",
    ("sd", "inpaint"): "StableDiffusionPAGInpaintPipeline",
    ("sdxl", "txt2img"): "StableDiffusionXLPAGPipeline",
    ("sdxl", "img2img"): "StableDiffusionXLPAGImg2ImgPipeline",
    ("sdxl", "inpaint"): "StableDiffusionXLPAGInpaintPipeline",
    ("sd3", "txt2img"): "StableDiffusion3PAGPipeline",
    ("sd3", "img2img"): "StableDiffusion3PAGImg2ImgPipeline",
    ("kolors", "txt2img"): "KolorsPAGPipeline",
}
_REFINER_CLASSES = {"StableDiffusionXLImg2ImgPipeline": "StableDiffusionXLPAGImg2ImgPipeline",
                    "StableDiffusionXLInpaintPipeline": "StableDiffusionXLPAGInpaintPipeline"}
_CACHE_ATTR = "_dgenerate_pag_pipeline"


def _derive(pipe: Any, cls_name: str) -> Any:
    cached = getattr(pipe, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    import diffusers

    original = original_scheduler(pipe)
    pag = getattr(diffusers, cls_name).from_pipe(pipe, scheduler=original)
    remember_original(pag, original)
    object.__setattr__(pipe, _CACHE_ATTR, pag)
    return pag


def pag_pipeline(pipe: Any, model_type: str, mode: str, option: str = "--pag") -> Any:
    """The PAG sibling of ``pipe`` (model type ``model_type`` in ``mode``); a ControlNet pipeline
    maps to its ControlNet PAG class, which keeps the ControlNet."""
    if type(pipe).__name__ in CONTROLNET_PAG_CLASSES:
        return _derive(pipe, CONTROLNET_PAG_CLASSES[type(pipe).__name__])
    if "ControlNet" in type(pipe).__name__:
        raise UsageError(f'{option} cannot be used with --control-nets and --model-type "{model_type}" '
                         f"in {mode} mode.")
    cls_name = PAG_CLASSES.get((model_type, mode))
    if cls_name is None:
        raise UsageError(f'{option} cannot be used with --model-type "{model_type}" in {mode} '
                         f'mode with the current combination of arguments and model.')
    return _derive(pipe, cls_name)


def pag_refiner(refiner: Any, mode: str) -> Any:
    """The PAG sibling of an SDXL refiner pipeline."""
    cls_name = _REFINER_CLASSES.get(type(refiner).__name__)
    if cls_name is None:
        raise UsageError(f"--sdxl-refiner-pag cannot be used in {mode} mode")
    return _derive(refiner, cls_name)
