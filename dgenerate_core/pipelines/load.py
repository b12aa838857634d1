"""load_pipelines: the main model (folder, repo id or single file), its components and refiner."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import os
from dataclasses import dataclass, fields
from typing import Any, Callable

from dgenerate_core.errors import ModelError, NotSupportedYet, UsageError
from dgenerate_core.pipelines import adapters, components
from dgenerate_core.pipelines.cache import get_cache
from dgenerate_core.pipelines.device import dtype_kwargs, is_accelerator, resolve_device, resolve_dtype
from dgenerate_core.pipelines.modeltypes import ModelTypeInfo, canonical_model_type, model_type_info
from dgenerate_core.pipelines.pipelineset import PipelineSet
from dgenerate_core.pipelines.schedulers import remember_original
from dgenerate_core.pipelines.second import load_second
from dgenerate_core.pipelines.source import (
    Source, classify, hf_cache_dir, load_errors, localize, single_file_config,
)
from dgenerate_core.pipelines.controlnets import load_controls
from dgenerate_core.pipelines.ipadapters import apply_ip_adapters, load_ip_adapters
from dgenerate_core.quantizers import (QuantPlan, import_bitsandbytes_offline, make_plan,
                                       pipeline_quantization)

_LOG = logging.getLogger("dgenerate")
_OFFLOAD_FLAGS = ("model_cpu_offload", "model_sequential_offload", "second_model_cpu_offload",
                  "second_model_sequential_offload")
_WARNED: set[str] = set()  # offload flags already warned about (once per process)


@dataclass(frozen=True)
class LoadSpec:
    """Every option that changes what is loaded: the object cache key of a PipelineSet."""

    model_path: str
    model_type: str = "sd"
    revision: str | None = None
    variant: str | None = None
    subfolder: str | None = None
    auth_token: str | None = None
    offline_mode: bool = False
    device: str | None = None
    dtype: str | None = None
    original_config: str | None = None
    vae: str | None = None
    unet: str | None = None
    transformer: str | None = None
    text_encoders: tuple[str, ...] = ()
    loras: tuple[str, ...] = ()
    lora_fuse_scale: float | None = None
    textual_inversions: tuple[str, ...] = ()
    sdxl_refiner: str | None = None
    s_cascade_decoder: str | None = None
    second_model_unet: str | None = None
    second_model_original_config: str | None = None
    second_model_text_encoders: tuple[str, ...] = ()
    quantizer: str | None = None
    quantizer_map: tuple[str, ...] = ()
    second_model_quantizer: str | None = None
    second_model_quantizer_map: tuple[str, ...] = ()
    safety_checker: bool = False
    model_cpu_offload: bool = False
    model_sequential_offload: bool = False
    second_model_cpu_offload: bool = False
    second_model_sequential_offload: bool = False
    cwd: str = ""  # relative paths in URIs mean something else after \cd
    modules: tuple[tuple[str, Any], ...] = ()  # \use_modules: (name, SharedModule)


    @classmethod
    def from_options(cls, opts: Any) -> "LoadSpec":
        """Read the attributes of a RenderOptions-like object (missing ones are unset)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in ("cwd", "modules"):
                continue
            value = getattr(opts, f.name, None)
            if value is None:
                continue
            if f.name == "revision" and value == "main":
                value = None
            values[f.name] = tuple(value) if isinstance(value, (list, tuple)) else value
        if not values.get("model_path"):
            raise UsageError("no model_path given: the first argument must be a model")
        values["model_type"] = canonical_model_type(values.get("model_type"))
        values["device"] = resolve_device(values.get("device"))
        values["dtype"] = str(values.get("dtype") or "auto").lower()
        values["cwd"] = os.getcwd()
        shared = getattr(opts, "use_modules", None) or {}
        values["modules"] = tuple((n, SharedModule(m)) for n, m in sorted(shared.items()))
        return cls(**values)


def load_pipelines(opts: Any) -> PipelineSet:
    """The (cached) PipelineSet for these options; VAE tiling/slicing are applied on every call."""
    import_bitsandbytes_offline()  # before diffusers imports it and it calls the hub
    spec = LoadSpec.from_options(opts)
    pset = get_cache("pipeline").get_or_create(spec, lambda: _build(spec), spec.model_path)
    pset.set_vae_options(bool(getattr(opts, "vae_tiling", False)),
                         bool(getattr(opts, "vae_slicing", False)))

    pset.set_controls(load_controls(opts, pset.model_type, pset.device))
    apply_ip_adapters(pset, load_ip_adapters(opts, pset.model_type),
                      spec.offline_mode, spec.auth_token)
    return pset


def build_uncached(opts: Any) -> PipelineSet:
    """The PipelineSet for these options built outside the object cache (to-diffusers: the
    models are dropped as soon as they are saved)."""
    import_bitsandbytes_offline()
    return _build(LoadSpec.from_options(opts))


def _check_offload(spec: LoadSpec, device: str) -> LoadSpec:
    """The spec without offload flags on the CPU (each warned about once: they have no effect
    there, and the example scripts choose them when no GPU is present)."""
    for prefix in ("", "second_"):
        if getattr(spec, f"{prefix}model_sequential_offload") and getattr(spec, f"{prefix}model_cpu_offload"):
            dash = prefix.replace("_", "-")
            raise UsageError(f"--{dash}model-sequential-offload and --{dash}model-cpu-offload "
                             "cannot be used together")
    wanted = [n for n in _OFFLOAD_FLAGS if getattr(spec, n)]
    if not wanted or is_accelerator(device):
        return spec
    for name in wanted:
        if name not in _WARNED:
            _WARNED.add(name)
            _LOG.warning("WARNING: --%s has no effect on the CPU (--device %s), ignoring it",
                         name.replace("_", "-"), device)
    return dataclasses.replace(spec, **{n: False for n in _OFFLOAD_FLAGS})


def _check_components(spec: LoadSpec, info: ModelTypeInfo) -> None:
    if spec.sdxl_refiner and not info.refiner:
        raise UsageError(f"--sdxl-refiner cannot be used with --model-type {info.name}, "
                         "only sdxl, sdxl-pix2pix and kolors models take a refiner")
    if spec.s_cascade_decoder and info.name != "s-cascade":
        raise UsageError("--s-cascade-decoder can only be used with --model-type s-cascade")
    if info.name == "s-cascade" and not spec.s_cascade_decoder:
        raise UsageError("--model-type s-cascade requires --s-cascade-decoder")
    if spec.unet and info.denoiser != "unet":
        raise UsageError(f"--unet cannot be used with --model-type {info.name}, use --transformer")
    if spec.transformer and info.denoiser != "transformer":
        raise UsageError("--transformer is only supported for --model-type sd3 and flux")
    for name in ("second_model_text_encoders", "second_model_unet", "second_model_original_config"):
        if getattr(spec, name) and not (spec.sdxl_refiner or spec.s_cascade_decoder):
            raise UsageError(f"--{name.replace('_', '-')} needs --sdxl-refiner or "
                             "--s-cascade-decoder")


def _offloader(device: str, sequential: bool, cpu: bool) -> Callable[[Any], None] | None:
    """The offload hook installer for a pipeline (None: no offloading)."""
    if sequential:
        return lambda pipe: pipe.enable_sequential_cpu_offload(device=device)
    if cpu:
        return lambda pipe: pipe.enable_model_cpu_offload(device=device)
    return None


def _place(pipe: Any, device: str, offload: Callable[[Any], None] | None) -> None:
    if offload is not None:
        offload(pipe)
    elif device != "cpu":  # loading puts every module on the cpu already
        pipe.to(device)


def _quiet_loading() -> None:
    """No download / loading progress bars: dgenerate reports loading itself with -v."""
    import diffusers
    import transformers

    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()
    for name in ("diffusers.pipelines.pipeline_utils", "diffusers.models.modeling_utils"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NonStandardModuleFilter) for f in logger.filters):
            logger.addFilter(_NonStandardModuleFilter())


class _NonStandardModuleFilter(logging.Filter):
    """Drop diffusers' warning that prints a whole module (e.g. Kolors' ChatGLMModel) repr, and
    the one ``from_pipe`` gives for every module it casts to the pipeline's own dtype."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        return not (msg.startswith("You have passed a non-standard module")
                    or msg.startswith("There are modules in "))


def _build(spec: LoadSpec) -> PipelineSet:
    import diffusers

    _quiet_loading()
    info = model_type_info(spec.model_type)
    device = resolve_device(spec.device)
    dtype = resolve_dtype(spec.dtype, device)
    spec = _check_offload(spec, device)
    _check_components(spec, info)
    kind = classify(localize(spec.model_path, "model_path", spec.offline_mode, spec.auth_token),
                    "model_path")
    cls = getattr(diffusers, info.load_class)
    shared = not (spec.loras or spec.textual_inversions)  # those change weights in place
    plan = make_plan(spec.quantizer, spec.quantizer_map)
    d = components.Defaults(spec.variant, spec.dtype or "auto", device, spec.auth_token,
                            spec.offline_mode, None if kind == "file" else spec.model_path, plan)
    overrides = _with_shared(_shared_modules(spec, info, cls),
                             _component_overrides(spec, info, cls, d, shared))
    if kind == "file":  # diffusers' single-file loader cannot take a PipelineQuantizationConfig
        overrides.update(_single_file_quantized(cls, plan, overrides))
    else:
        overrides.update(pipeline_quantization(cls, plan, overrides))
    _LOG.debug("loading %s model %s (%s, %s)", info.name, spec.model_path, device, dtype)
    base = _load_main(spec, info, cls, kind, overrides, dtype)
    if spec.loras:
        adapters.apply_loras(base, list(spec.loras), spec.lora_fuse_scale, info.name,
                             spec.offline_mode, spec.auth_token)
    if spec.textual_inversions:
        adapters.apply_textual_inversions(base, list(spec.textual_inversions), info.name,
                                          spec.offline_mode, spec.auth_token)
    offload = _offloader(device, spec.model_sequential_offload, spec.model_cpu_offload)
    _place(base, device, offload)
    refiner, offload_refiner = None, None
    if spec.sdxl_refiner or spec.s_cascade_decoder:
        refiner = load_second(spec, d, device)
        offload_refiner = _offloader(device, spec.second_model_sequential_offload,
                                     spec.second_model_cpu_offload)
        _place(refiner, device, offload_refiner)
    return PipelineSet(base, info, spec.model_path, device, dtype, refiner, offload, offload_refiner)


class SharedModule:
    """A module saved by ``\\save_modules``, compared by identity in the cache key."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SharedModule) and other.obj is self.obj


def _shared_modules(spec: LoadSpec, info: ModelTypeInfo, cls: Any) -> dict[str, Any]:
    """The ``\\use_modules`` modules (options that load a component replace them)."""
    params = inspect.signature(cls.__init__).parameters
    out: dict[str, Any] = {}
    for name, ref in spec.modules:
        if name not in params:
            raise UsageError(f'\\use_modules: --model-type {info.name} ({cls.__name__}) does '
                             f'not take the module "{name}"')
        out[name] = ref.obj
    return out


def _with_shared(saved: dict[str, Any], loaded: dict[str, Any]) -> dict[str, Any]:
    """Options that load a component win over saved modules, except the safety checker that is
    left out only because --safety-checker was not given."""
    out = {**saved, **loaded}
    for name in ("safety_checker", "feature_extractor"):
        if name in saved:
            out[name] = saved[name]
    return out


def _single_file_quantized(cls: Any, plan: QuantPlan, overrides: dict[str, Any]) -> dict:
    """Single-file checkpoints: diffusers cannot quantize the models inside the file while it
    loads (its single-file loader passes the pipeline config to each model unresolved), so only
    components given by URI (--unet, --transformer, --text-encoders) can be quantized."""
    params = inspect.signature(cls.__init__).parameters
    inside = [name for name, _ in plan.entries if name in params and name not in overrides]
    if inside:
        raise NotSupportedYet(f"{plan.option} for the {inside[0]} inside a single file checkpoint "
                              "(give it with its own URI option, e.g. --text-encoders / "
                              "--transformer, or leave it out of --quantizer-map)")
    return {}


def _component_overrides(spec: LoadSpec, info: ModelTypeInfo, cls: Any, d: components.Defaults,
                         shared: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if spec.vae:
        out["vae"] = components.load_vae(spec.vae, d)
    if spec.unet:
        out[info.unet_component] = components.load_denoiser(spec.unet, "unet",
                                                            info.denoiser_class, d, shared)
    if spec.transformer:
        out["transformer"] = components.load_denoiser(spec.transformer, "transformer",
                                                      info.denoiser_class, d, shared)
    out.update(components.text_encoder_overrides(list(spec.text_encoders), cls, d, shared))
    params = inspect.signature(cls.__init__).parameters
    if "safety_checker" in params and not spec.safety_checker:
        out["safety_checker"] = None
        out["feature_extractor"] = None
        if "requires_safety_checker" in params:
            out["requires_safety_checker"] = False
    if "watermarker" in params and "watermarker" not in cls._optional_components:
        # diffusers' IFImg2ImgSuperResolutionPipeline requires one; stage II models ship none
        out.setdefault("watermarker", None)
    return out


def _load_main(spec: LoadSpec, info: ModelTypeInfo, cls: Any, kind: str, overrides: dict,
               dtype: Any) -> Any:
    path = localize(spec.model_path, "model_path", spec.offline_mode, spec.auth_token)
    path = os.path.expanduser(path) if kind != "repo" else path
    src = Source(spec.revision, spec.variant, spec.subfolder, spec.auth_token, spec.offline_mode)
    with load_errors("model_path", spec.model_path, spec.offline_mode):
        if kind == "file":
            if not info.single_file:
                raise UsageError(f"--model-type {info.name} cannot be loaded from a single file "
                                 "checkpoint, use a folder or repository")
            extra = single_file_config(spec.original_config)
            pipe = cls.from_single_file(path, local_files_only=spec.offline_mode,
                                        token=spec.auth_token, cache_dir=hf_cache_dir(),
                                        **extra, **overrides,
                                        **dtype_kwargs(dtype))
        else:
            if spec.original_config:
                raise UsageError("--original-config can only be used with a single file checkpoint")
            if spec.subfolder:  # pipelines have no subfolder argument: load the folder itself
                path = _subfolder(path, kind, src)
            pipe = cls.from_pretrained(path, **src.kwargs(subfolder=False), **overrides,
                                       **dtype_kwargs(dtype))
    remember_original(pipe)
    object.__setattr__(pipe, "_dgenerate_model_path", spec.model_path)
    return pipe


def _subfolder(path: str, kind: str, src: Source) -> str:
    """The local folder of ``--subfolder`` inside a folder or (downloaded) repository."""
    if kind == "repo":
        from huggingface_hub import snapshot_download

        path = snapshot_download(path, revision=src.revision, token=src.token,
                                 local_files_only=src.offline, cache_dir=hf_cache_dir(),
                                 allow_patterns=[f"{src.subfolder}/*"])
    folder = os.path.join(path, src.subfolder or "")
    if not os.path.isdir(folder):
        raise ModelError(f'--subfolder "{src.subfolder}": there is no such folder in the model')
    return folder
