"""``--control-nets`` and ``--t2i-adapters``: URI parsing, loading (object caches ``controlnet`` and
``adapter``), Multi / Union models, and the diffusers pipeline class for each model type and mode.

``load_controls(opts, pset)`` returns a :class:`Controls` (or None when neither option is given);
``PipelineSet.set_controls`` makes ``PipelineSet.get(mode)`` return the control pipelines.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from dgenerate_core.errors import NotSupportedYet, UsageError
from dgenerate_core.pipelines.cache import get_cache
from dgenerate_core.pipelines.device import dtype_kwargs, resolve_dtype
from dgenerate_core.pipelines.source import (Source, cache_key_path, classify, hf_cache_dir,
                                             load_errors, localize)
from dgenerate_core.pipelines.uris import Uri, parse_uri
from dgenerate_core.quantizers import QuantPlan, component_quantizer, library_of, make_plan, to_config

CONTROLNET_ARGS = ("scale", "start", "end", "mode", "revision", "variant", "subfolder", "dtype",
                   "quantizer")
T2I_ARGS = ("scale", "revision", "variant", "subfolder", "dtype")
SINGLE_FILE_CONTROLNET_ARGS = ("scale", "start", "end", "dtype")
SINGLE_FILE_T2I_ARGS = ("scale", "dtype")

SDXL_UNION_MODES = {"openpose": 0, "depth": 1, "hed": 2, "pidi": 2, "scribble": 2, "ted": 2,
                    "canny": 3, "lineart": 3, "anime_lineart": 3, "mlsd": 3, "normal": 4,
                    "segment": 5}
FLUX_UNION_MODES = {"canny": 0, "tile": 1, "depth": 2, "blur": 3, "pose": 4, "gray": 5, "lq": 6}

#: (model type, mode) -> diffusers pipeline class with ControlNets (None: an error)
CONTROLNET_CLASSES: dict[str, dict[str, str | None]] = {
    "sd": {"txt2img": "StableDiffusionControlNetPipeline",
           "img2img": "StableDiffusionControlNetImg2ImgPipeline",
           "inpaint": "StableDiffusionControlNetInpaintPipeline"},
    "sdxl": {"txt2img": "StableDiffusionXLControlNetPipeline",
             "img2img": "StableDiffusionXLControlNetImg2ImgPipeline",
             "inpaint": "StableDiffusionXLControlNetInpaintPipeline"},
    "sdxl-union": {"txt2img": "StableDiffusionXLControlNetUnionPipeline",
                   "img2img": "StableDiffusionXLControlNetUnionImg2ImgPipeline",
                   "inpaint": "StableDiffusionXLControlNetUnionInpaintPipeline"},
    "kolors": {"txt2img": "KolorsControlNetPipeline",  # ours: pipelines.kolors_pipelines
               "img2img": "KolorsControlNetImg2ImgPipeline",
               "inpaint": "KolorsControlNetInpaintPipeline"},
    "sd3": {"txt2img": "StableDiffusion3ControlNetPipeline", "img2img": None, "inpaint": None},
    "flux": {"txt2img": "FluxControlNetPipeline", "img2img": "FluxControlNetImg2ImgPipeline",
             "inpaint": "FluxControlNetInpaintPipeline"},
}
T2I_CLASSES = {"sd": "StableDiffusionAdapterPipeline", "sdxl": "StableDiffusionXLAdapterPipeline"}
#: ControlNet pipeline class -> its PAG sibling (manual R42); other ControlNet classes take no PAG
CONTROLNET_PAG_CLASSES = {
    "StableDiffusionControlNetPipeline": "StableDiffusionControlNetPAGPipeline",
    "StableDiffusionControlNetInpaintPipeline": "StableDiffusionControlNetPAGInpaintPipeline",
    "StableDiffusionXLControlNetPipeline": "StableDiffusionXLControlNetPAGPipeline",
    "StableDiffusionXLControlNetImg2ImgPipeline": "StableDiffusionXLControlNetPAGImg2ImgPipeline",
}
_MODEL_CLASSES = {"sd": "ControlNetModel", "sdxl": "ControlNetModel", "kolors": "ControlNetModel",
                  "sd3": "SD3ControlNetModel",
                  "flux": "FluxControlNetModel"}
_MULTI_CLASSES = {"sd": "MultiControlNetModel", "sdxl": "MultiControlNetModel",
                  "kolors": "MultiControlNetModel",
                  "sd3": "SD3MultiControlNetModel", "flux": "FluxMultiControlNetModel"}
_MODE_NAMES = {"txt2img": "txt2img", "img2img": "img2img", "inpaint": "inpainting"}


@dataclass(frozen=True)
class ControlUri:
    """One parsed ``--control-nets`` / ``--t2i-adapters`` URI."""

    raw: str
    path: str
    scale: float = 1.0
    start: float = 0.0
    end: float = 1.0
    mode: int | None = None
    source: Source = Source()
    dtype: str | None = None
    quantizer: str | None = None  # the URI's own quantizer= argument

    def model_key(self) -> tuple:
        """What identifies the loaded weights (not scale, start, end or mode)."""
        return (cache_key_path(self.path), self.source, self.dtype, self.quantizer)


@dataclass
class Controls:
    """The control models of an invocation: what ``controlnet=`` / ``adapter=`` receives."""

    kind: str                    # "controlnet" or "t2i"
    option: str                  # "--control-nets" or "--t2i-adapters"
    model_type: str
    uris: tuple[ControlUri, ...]
    model: Any
    union: bool = False

    @property
    def key(self) -> tuple:
        return (self.kind, id(self.model))

    @property
    def count(self) -> int:
        """How many control images one image seed must give."""
        return len(self.uris)

    def class_name(self, mode: str) -> str:
        """The diffusers pipeline class for ``mode``; UsageError where there is none."""
        if self.kind == "t2i":
            if mode != "txt2img":
                raise UsageError(f"--t2i-adapters can only be used for txt2img, not "
                                 f"{_MODE_NAMES[mode]}: give control images only, without an "
                                 f"img2img image or a mask")
            return T2I_CLASSES[self.model_type]
        table = CONTROLNET_CLASSES["sdxl-union" if self.union else self.model_type]
        name = table[mode]
        if name is None:
            raise UsageError(f"--control-nets cannot be used for {_MODE_NAMES[mode]} with "
                             f"--model-type {self.model_type}, only for txt2img")
        return name


def _float(uri: Uri, name: str, default: float) -> float:
    value = uri.get_float(name, default)
    return float(default if value is None else value)


def _mode(uri: Uri, model_type: str) -> int | None:
    """The union ``mode`` argument as an int (a name or a number)."""
    text = uri.get("mode")
    if text is None:
        return None
    table = {"sdxl": SDXL_UNION_MODES, "flux": FLUX_UNION_MODES}.get(model_type)
    if table is None:
        raise uri.fail(f'argument "mode" is only for ControlNet union models with --model-type '
                       f"sdxl or flux, not {model_type}")
    low = text.strip().lower()
    if low in table:
        return table[low]
    try:
        value = int(low)
    except ValueError:
        raise uri.fail(f'unknown mode "{text}", use one of: ' + ", ".join(
            f"{k}={v}" for k, v in table.items())) from None
    if not 0 <= value <= max(table.values()):
        raise uri.fail(f"mode {value} is out of range 0..{max(table.values())}")
    return value


def parse_control_uri(text: str, option: str, model_type: str, offline: bool = False,
                      token: str | None = None) -> ControlUri:
    """Parse one URI and check its arguments (single files take fewer)."""
    t2i = option == "--t2i-adapters"
    uri = parse_uri(text, option, T2I_ARGS if t2i else CONTROLNET_ARGS)
    location = localize(uri.concept, option, offline, token)
    if classify(location, option, uri.raw) == "file":
        allowed = SINGLE_FILE_T2I_ARGS if t2i else SINGLE_FILE_CONTROLNET_ARGS
        uri.reject([n for n in uri.args if n not in allowed],
                   "cannot be used with a single file, only: " + ", ".join(allowed))
    start, end = _float(uri, "start", 0.0), _float(uri, "end", 1.0)
    for name, value in (("start", start), ("end", end)):
        if not 0.0 <= value <= 1.0:
            raise uri.fail(f'argument "{name}" must be between 0.0 and 1.0, not {value}')
    if start > end:
        raise uri.fail(f'argument "start" ({start}) must not be greater than "end" ({end})')
    variant = uri.get("variant")
    if variant is not None and variant.lower() == "null":
        variant = None
    return ControlUri(text, location, _float(uri, "scale", 1.0), start, end,
                      None if t2i else _mode(uri, model_type),
                      Source(uri.get("revision"), variant, uri.get("subfolder"), token, offline),
                      uri.get_dtype(None), uri.get("quantizer"))


def _config_class(path: str, source: Source, option: str, raw: str) -> str | None:
    """The ``_class_name`` of a folder's or repository's config.json (None for a file)."""
    from diffusers import ControlNetModel

    if os.path.isfile(os.path.expanduser(path)):
        return None
    with load_errors(option, raw, source.offline):
        config = ControlNetModel.load_config(os.path.expanduser(path), **source.kwargs())
    return config.get("_class_name")


def _load_one(cu: ControlUri, cls_name: str, option: str, dtype: Any,
              plan: QuantPlan = QuantPlan()) -> Any:
    """Load one ControlNet / T2I adapter through the object cache (quantized by its own
    ``quantizer=`` argument, else by ``--quantizer`` when ``--quantizer-map`` names controlnet)."""
    import diffusers

    cls = getattr(diffusers, cls_name)
    path = os.path.expanduser(cu.path)
    q, q_option = component_quantizer(cu.quantizer, option, plan, "controlnet")

    def build() -> Any:
        quant = {} if q is None else {
            "quantization_config": to_config(q, library_of(cls), q_option, "controlnet")}
        with load_errors(option, cu.raw, cu.source.offline):
            if os.path.isfile(path):
                if not hasattr(cls, "from_single_file"):
                    raise UsageError(f'{option} "{cu.raw}": {cls_name} cannot be loaded from a '
                                     "single file, use a folder or repository")
                return cls.from_single_file(path, local_files_only=cu.source.offline,
                                            token=cu.source.token, cache_dir=hf_cache_dir(),
                                            **dtype_kwargs(dtype))
            return cls.from_pretrained(path, **cu.source.kwargs(), **quant, **dtype_kwargs(dtype))

    cache = "adapter" if cls_name == "T2IAdapter" else "controlnet"
    key = (cls_name,) + cu.model_key() + (str(dtype), q)
    return get_cache(cache).get_or_create(key, build, cu.raw)


def _check_model_type(option: str, model_type: str) -> None:
    supported = T2I_CLASSES if option == "--t2i-adapters" else CONTROLNET_CLASSES
    if model_type not in supported:
        raise UsageError(f"{option} cannot be used with --model-type {model_type}")


def load_controls(opts: Any, model_type: str, device: str) -> Controls | None:
    """Load ``--control-nets`` or ``--t2i-adapters`` of ``opts`` (None when neither is given)."""
    nets, adapters = getattr(opts, "control_nets", None), getattr(opts, "t2i_adapters", None)
    if not nets and not adapters:
        return None
    if nets and adapters:
        raise UsageError("--control-nets and --t2i-adapters cannot be used together")
    option = "--control-nets" if nets else "--t2i-adapters"
    _check_model_type(option, model_type)
    offline, token = bool(getattr(opts, "offline_mode", False)), getattr(opts, "auth_token", None)
    uris = tuple(parse_control_uri(t, option, model_type, offline, token) for t in nets or adapters)
    default_dtype = str(getattr(opts, "dtype", None) or "auto").lower()
    if adapters:
        models = [_load_one(u, "T2IAdapter", option, resolve_dtype(u.dtype or default_dtype, device))
                  for u in uris]
        return Controls("t2i", option, model_type, uris, _multi("MultiAdapter", models))
    plan = make_plan(getattr(opts, "quantizer", None), getattr(opts, "quantizer_map", None))
    return _controlnets(uris, model_type, device, default_dtype, plan)


def _multi(cls_name: str, models: list[Any]) -> Any:
    """One model, or the Multi wrapper of several (cached, so its pipelines are reused)."""
    if len(models) == 1:
        return models[0]
    import diffusers

    cache = "adapter" if cls_name == "MultiAdapter" else "controlnet"
    key = (cls_name,) + tuple(id(m) for m in models)  # unique: the wrapper keeps them alive
    return get_cache(cache).get_or_create(key, lambda: getattr(diffusers, cls_name)(models),
                                          cls_name)


def _controlnets(uris: tuple[ControlUri, ...], model_type: str, device: str,
                 default_dtype: str, plan: QuantPlan) -> Controls:
    option = "--control-nets"
    classes = []
    for u in uris:
        name = _MODEL_CLASSES[model_type]
        if model_type == "sdxl" and _config_class(u.path, u.source, option, u.raw) == \
                "ControlNetUnionModel":
            name = "ControlNetUnionModel"
        classes.append(name)
    models = [_load_one(u, c, option, resolve_dtype(u.dtype or default_dtype, device), plan)
              for u, c in zip(uris, classes)]
    unions = [_is_union(c, m) for c, m in zip(classes, models)]
    for u, union in zip(uris, unions):
        if union and u.mode is None:
            raise UsageError(f'{option} "{u.raw}": this is a ControlNet union model, the "mode" '
                             "argument is required")
        if not union and u.mode is not None:
            raise UsageError(f'{option} "{u.raw}": argument "mode" is only for ControlNet union '
                             "models")
    if "ControlNetUnionModel" in classes:
        _check_sdxl_union(uris, classes)
        return Controls("controlnet", option, model_type, uris, models[0], union=True)
    model = _multi(_MULTI_CLASSES[model_type], models)
    return Controls("controlnet", option, model_type, uris, model)


def _is_union(cls_name: str, model: Any) -> bool:
    if cls_name == "ControlNetUnionModel":
        return True
    return cls_name == "FluxControlNetModel" and \
        getattr(model.config, "num_mode", None) is not None


def _check_sdxl_union(uris: tuple[ControlUri, ...], classes: list[str]) -> None:
    """Several SDXL union URIs are one model: identical except scale, mode, start and end."""
    first = uris[0]
    for u, c in zip(uris, classes):
        if c != "ControlNetUnionModel" or u.model_key() != first.model_key():
            raise UsageError(f'--control-nets "{u.raw}": an SDXL ControlNet union model can only '
                             f'be combined with the same union model (only scale, mode, start '
                             f'and end may differ from "{first.raw}")')
