"""Diffusers pipelines for dgenerate: model types, loading, component URIs, schedulers, object cache.

Never imported at start-up: importing this package is cheap (torch and diffusers are imported
inside the functions that need them), but only generation code should import it.

Public API (what the render engine uses)::

    load_pipelines(opts) -> PipelineSet
        Load the main model (and ``--sdxl-refiner``) described by a ``RenderOptions``-like object
        (attributes are argparse dests: model_path, model_type, revision, variant, subfolder,
        auth_token, offline_mode, device, dtype, original_config, vae, vae_tiling, vae_slicing,
        loras, lora_fuse_scale, textual_inversions, unet, transformer, text_encoders,
        sdxl_refiner, second_model_text_encoders, safety_checker, model_cpu_offload,
        model_sequential_offload, second_model_cpu_offload, second_model_sequential_offload;
        missing attributes count as unset).  model_path may be a folder, a Hugging Face repo id,
        a single .safetensors/.ckpt file, an http(s) URL (web cache) or a Hugging Face blob link.
        Cached process wide: the same options give the same PipelineSet.  Raises ModelError /
        UsageError / NotSupportedYet (one clear line naming the option and the value).

    PipelineSet
        .model_type: str                      canonical model type ('sd', 'sdxl', ...)
        .model_path: str
        .device: str                          resolved device, e.g. 'cpu', 'cuda:1'
        .dtype: torch.dtype
        .base                                 the pipeline loaded from disk (txt2img class)
        .has_refiner: bool
        .get(mode) -> DiffusionPipeline       mode: 'txt2img' | 'img2img' | 'inpaint'; built
                                              with from_pipe (shares the weights), cached.
                                              NotSupportedYet where diffusers has no pipeline.
        .refiner(mode) -> DiffusionPipeline | None   the SDXL refiner for 'txt2img'/'img2img'
                                              (img2img class) or 'inpaint' (inpaint class).
        .set_scheduler(pipe, uri, option='--scheduler') -> None
                                              uri None = the model's own scheduler (call it for
                                              every generation); UsageError for an unknown or
                                              incompatible name or a bad argument.
        .accepts(pipe, kwarg) -> bool         pipe.__call__ takes this keyword.

    scheduler_help(pipe, with_args=False, model_name=None) -> str
        Text for ``--scheduler help`` / ``helpargs``.
    text_encoder_help(pipe) -> str
        Text for ``--text-encoders help``.
    default_output_size(model_type) -> (width, height)
    resolve_device(device: str | None) -> str
    resolve_dtype(dtype: str | None, device: str) -> torch.dtype
    cache_stats() -> dict[str, dict[str, int]]   per cache: hits, misses, size
    list_object_caches() -> dict[str, int]      cache name -> number of objects
    clear_object_cache(name: str | None = None) -> None   one cache, or all
    MODEL_TYPES                                 model type -> ModelTypeInfo

Logging: the ``dgenerate`` logger gets DEBUG lines (``cache hit: ...``, ``loading ...``);
the engine shows them with ``-v``.
"""

from __future__ import annotations

from dgenerate_core.pipelines.cache import cache_stats, clear_object_cache, list_object_caches
from dgenerate_core.pipelines.components import text_encoder_help
from dgenerate_core.pipelines.device import resolve_device, resolve_dtype
from dgenerate_core.pipelines.load import load_pipelines
from dgenerate_core.pipelines.modeltypes import MODEL_TYPES, default_output_size
from dgenerate_core.pipelines.pipelineset import PipelineSet
from dgenerate_core.pipelines.schedulers import scheduler_help

__all__ = [
    "MODEL_TYPES", "PipelineSet", "cache_stats", "clear_object_cache", "default_output_size",
    "list_object_caches", "load_pipelines", "resolve_device", "resolve_dtype", "scheduler_help",
    "text_encoder_help",
]
