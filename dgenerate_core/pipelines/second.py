"""The second model: the SDXL refiner (``--sdxl-refiner``) or the Stable Cascade decoder
(``--s-cascade-decoder``), with ``--second-model-unet``, ``--second-model-text-encoders`` and
``--second-model-original-config``."""

from __future__ import annotations

import os
from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.pipelines import components
from dgenerate_core.pipelines.device import dtype_kwargs, resolve_dtype
from dgenerate_core.pipelines.modeltypes import CASCADE_DECODER
from dgenerate_core.pipelines.schedulers import remember_original
from dgenerate_core.pipelines.source import (
    Source, classify, hf_cache_dir, load_errors, localize, single_file_config,
)
from dgenerate_core.pipelines.uris import parse_uri
from dgenerate_core.quantizers import make_plan, pipeline_quantization

_ARGS = ("revision", "variant", "subfolder", "dtype")


def second_model_option(spec: Any) -> tuple[str, str] | None:
    """(option name, URI) of the second model the spec asks for, or None."""
    if getattr(spec, "s_cascade_decoder", None):
        return "--s-cascade-decoder", spec.s_cascade_decoder
    if getattr(spec, "sdxl_refiner", None):
        return "--sdxl-refiner", spec.sdxl_refiner
    return None


def load_second(spec: Any, d: components.Defaults, device: str) -> Any:
    """The refiner (an SDXL img2img pipeline) or the Cascade decoder pipeline, loaded from the
    second model URI ``PATH;revision;variant;subfolder;dtype``."""
    import diffusers

    option, text = second_model_option(spec)  # type: ignore[misc]
    decoder = option == "--s-cascade-decoder"
    if decoder:
        _export_paella()
    cls = getattr(diffusers, CASCADE_DECODER if decoder else "StableDiffusionXLImg2ImgPipeline")
    uri = parse_uri(text, option, _ARGS)
    location = localize(uri.concept, option, d.offline, d.token)
    kind = classify(location, option, uri.raw)
    dtype_name = uri.get_dtype(spec.dtype)
    rdtype = resolve_dtype(dtype_name, device)
    plan = make_plan(spec.second_model_quantizer, spec.second_model_quantizer_map,
                     "--second-model-quantizer", "--second-model-quantizer-map")
    rd = components.Defaults(d.variant, dtype_name or "auto", device, d.token, d.offline,
                             None if kind == "file" else uri.concept, plan)
    overrides = components.text_encoder_overrides(list(spec.second_model_text_encoders), cls, rd)
    if spec.second_model_unet:
        name, unet_cls = ("decoder", "StableCascadeUNet") if decoder else \
            ("unet", "UNet2DConditionModel")
        overrides[name] = components.load_denoiser(spec.second_model_unet, "unet", unet_cls, rd,
                                                   option="--second-model-unet")
    overrides.update(pipeline_quantization(cls, plan, overrides))
    path = os.path.expanduser(location) if kind != "repo" else location
    src = Source(uri.get("revision"), uri.get("variant", spec.variant), uri.get("subfolder"),
                 d.token, d.offline)
    with load_errors(option, uri.raw, d.offline):
        if kind == "file":
            uri.reject(("revision", "variant", "subfolder"), "cannot be used with a single file")
            if decoder:
                raise UsageError(f'{option} "{uri.raw}": the Stable Cascade decoder cannot be '
                                 "loaded from a single file, use a folder or repository")
            pipe = cls.from_single_file(path, local_files_only=d.offline, token=d.token,
                                        cache_dir=hf_cache_dir(),
                                        **single_file_config(spec.second_model_original_config,
                                                           "--second-model-original-config"),
                                        **overrides, **dtype_kwargs(rdtype))
        else:
            if spec.second_model_original_config:
                raise UsageError("--second-model-original-config can only be used with a single "
                                 f"file {option} checkpoint")
            pipe = cls.from_pretrained(path, **src.kwargs(), **overrides, **dtype_kwargs(rdtype))
    remember_original(pipe)
    object.__setattr__(pipe, "_dgenerate_model_path", uri.concept)
    return pipe


def _export_paella() -> None:
    """Stable Cascade decoder repositories name their VQ model ``["diffusers", "PaellaVQModel"]``,
    which diffusers no longer exports at the top level: put it back so loading resolves it."""
    import diffusers

    if not hasattr(diffusers, "PaellaVQModel"):
        from diffusers.pipelines.deprecated.wuerstchen import PaellaVQModel

        setattr(diffusers, "PaellaVQModel", PaellaVQModel)
