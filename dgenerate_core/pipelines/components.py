"""Component URIs: --vae, --unet, --transformer and --text-encoders, loaded through the object cache."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from dgenerate_core.errors import NotSupportedYet, UsageError
from dgenerate_core.pipelines.cache import get_cache
from dgenerate_core.pipelines.distill_t5 import distill_t5_class
from dgenerate_core.pipelines.encoder_modes import check_mode, load_mode_checkpoint
from dgenerate_core.pipelines.device import dtype_kwargs, hf_dtype_kwargs, resolve_dtype
from dgenerate_core.pipelines.source import (Source, cache_key_path, classify, hf_cache_dir, is_single_file,
                                             load_errors, localize)
from dgenerate_core.pipelines.uris import Uri, parse_uri
from dgenerate_core.quantizers import QuantPlan, Quantizer, component_quantizer, library_of, to_config

VAE_CLASSES = ("AutoencoderKL", "AsymmetricAutoencoderKL", "AutoencoderTiny", "ConsistencyDecoderVAE")
TEXT_ENCODER_CLASSES = ("CLIPTextModel", "CLIPTextModelWithProjection", "T5EncoderModel",
                        "DistillT5EncoderModel", "ChatGLMModel")
_LOAD_ARGS = ("revision", "variant", "subfolder", "dtype")


@dataclass(frozen=True)
class Defaults:
    """What component URIs inherit from the main model options."""

    variant: str | None
    dtype: str           # --dtype name ('auto', 'float16', ...)
    device: str
    token: str | None
    offline: bool
    config_source: str | None = None  # diffusers folder / repo that holds configs for single files
    quant: QuantPlan = QuantPlan()   # the global --quantizer / --quantizer-map of this model


def _dtype(uri: Uri, d: Defaults) -> Any:
    return resolve_dtype(uri.get_dtype(d.dtype), d.device)


def _source(uri: Uri, d: Defaults, inherit_variant: bool) -> Source:
    variant = uri.get("variant", d.variant if inherit_variant else None)
    if variant is not None and variant.lower() == "null":
        variant = None
    return Source(uri.get("revision"), variant, uri.get("subfolder"), d.token, d.offline)


def _cached(kind: str, key: tuple, factory: Callable[[], Any], shared: bool, label: str) -> Any:
    if not shared:
        return factory()
    return get_cache(kind).get_or_create(key, factory, label)


def _quant_kwargs(cls: Any, q: Quantizer | None, option: str, name: str) -> dict[str, Any]:
    """``quantization_config=`` for loading a component of class ``cls`` (empty: none)."""
    if q is None:
        return {}
    return {"quantization_config": to_config(q, library_of(cls), option, name)}


def _from_pretrained_or_file(cls: Any, uri: Uri, path: str, d: Defaults, src: Source,
                             dtype: Any, sub: str, quant: dict[str, Any] | None = None) -> Any:
    quant = quant or {}
    path = localize(path, uri.option, d.offline, d.token)
    kind = classify(path, uri.option, uri.raw)
    with load_errors(uri.option, uri.raw, d.offline):
        if kind == "file":
            uri.reject(("revision", "variant", "subfolder"), "cannot be used with a single file")
            if not hasattr(cls, "from_single_file"):
                raise UsageError(f'{uri.option} "{uri.raw}": {cls.__name__} cannot be loaded '
                                 "from a single file, use a folder or repository")
            extra = {}
            if d.config_source:
                extra = {"config": d.config_source, "subfolder": sub}
            return cls.from_single_file(os.path.expanduser(path), local_files_only=d.offline,
                                        token=d.token, cache_dir=hf_cache_dir(), **extra,
                                        **quant, **dtype_kwargs(dtype))
        return cls.from_pretrained(os.path.expanduser(path) if kind == "dir" else path,
                                   **src.kwargs(), **quant, **dtype_kwargs(dtype))


def load_vae(text: str, d: Defaults, shared: bool = True) -> Any:
    """``--vae Class;model=...;revision;variant;subfolder;dtype``."""
    import diffusers

    uri = parse_uri(text, "--vae", ("model",) + _LOAD_ARGS)
    if uri.concept not in VAE_CLASSES:
        raise uri.fail(f'unknown VAE class "{uri.concept}", use one of: ' + ", ".join(VAE_CLASSES))
    path = uri.get("model")
    if not path:
        raise uri.fail('the "model" argument is required, e.g. AutoencoderKL;model=PATH')
    if is_single_file(path) and uri.concept != "AutoencoderKL":
        raise uri.fail(f"only AutoencoderKL can be loaded from a single file, not {uri.concept}")
    src, dtype = _source(uri, d, inherit_variant=False), _dtype(uri, d)
    cls = getattr(diffusers, uri.concept)
    key = (uri.concept, cache_key_path(path), src, str(dtype),
           cache_key_path(d.config_source or "") if is_single_file(path) else None)
    return _cached("vae", key, lambda: _from_pretrained_or_file(cls, uri, path, d, src, dtype, "vae"),
                   shared, text)


def load_denoiser(text: str, kind: str, cls_name: str, d: Defaults, shared: bool = True,
                  option: str | None = None) -> Any:
    """``--unet`` / ``--transformer`` / ``--second-model-unet PATH;revision;variant;subfolder;dtype``."""
    import diffusers

    option = option or f"--{kind}"
    uri = parse_uri(text, option, _LOAD_ARGS + ("quantizer",))
    path = uri.concept
    if kind == "unet" and is_single_file(path):
        raise NotSupportedYet("--unet single file checkpoints")
    src, dtype = _source(uri, d, inherit_variant=True), _dtype(uri, d)
    cls = getattr(diffusers, cls_name)
    q, q_option = component_quantizer(uri.get("quantizer"), option, d.quant, kind)
    key = (cls_name, cache_key_path(path), src, str(dtype), q)

    def build() -> Any:
        quant = _quant_kwargs(cls, q, q_option, kind)
        return _from_pretrained_or_file(cls, uri, path, d, src, dtype, kind, quant)

    return _cached(kind, key, build, shared, text)


def text_encoder_names(pipe_cls: Any) -> list[str]:
    """The pipeline's text encoder component names in order (text_encoder, text_encoder_2, ...)."""
    import inspect

    names = [n for n in inspect.signature(pipe_cls.__init__).parameters if n.startswith("text_encoder")]
    return sorted(names, key=lambda n: (len(n), n))


def _encoder_class(name: str, uri: Uri) -> Any:
    if name == "DistillT5EncoderModel":
        return distill_t5_class()
    if name == "ChatGLMModel":
        from diffusers.pipelines.kolors import ChatGLMModel

        return ChatGLMModel
    if name not in TEXT_ENCODER_CLASSES:
        raise uri.fail(f'unknown text encoder class "{name}", use one of: '
                       + ", ".join(TEXT_ENCODER_CLASSES))
    import transformers

    return getattr(transformers, name)


def load_text_encoder(text: str, d: Defaults, shared: bool = True,
                      name: str = "text_encoder") -> Any:
    """One ``--text-encoders`` URI: ``Class;model=...;revision;variant;subfolder;dtype;quantizer``
    (``name``: the pipeline position it fills, which the global ``--quantizer-map`` names)."""
    uri = parse_uri(text, "--text-encoders", ("model",) + _LOAD_ARGS + ("quantizer", "mode"))
    cls = _encoder_class(uri.concept, uri)
    path = uri.get("model")
    if not path:
        raise uri.fail('the "model" argument is required, e.g. CLIPTextModel;model=PATH')
    if "mode" in uri.args:
        return _load_mode(uri, cls, path, d, shared)
    if is_single_file(path):
        raise NotSupportedYet("--text-encoders single file checkpoints without mode=")
    src, dtype = _source(uri, d, inherit_variant=True), _dtype(uri, d)
    kind = classify(path, uri.option, uri.raw)
    q, q_option = component_quantizer(uri.get("quantizer"), "--text-encoders", d.quant, name)

    def build() -> Any:
        quant = _quant_kwargs(cls, q, q_option, name)
        with load_errors(uri.option, uri.raw, d.offline):
            return cls.from_pretrained(os.path.expanduser(path) if kind == "dir" else path,
                                       **src.kwargs(), **quant, **hf_dtype_kwargs(dtype))

    key = (uri.concept, cache_key_path(path), src, str(dtype), q)
    return _cached("text_encoder", key, build, shared, text)


def _load_mode(uri: Uri, cls: Any, path: str, d: Defaults, shared: bool) -> Any:
    """``mode=``: a monolithic single file encoder checkpoint (``encoder_modes``)."""
    if "subfolder" in uri.args:
        raise uri.fail("mode and subfolder cannot be used together")
    uri.reject(("revision", "variant"), "cannot be used with mode (a single file)")
    mode = check_mode(uri.args["mode"], uri.concept, uri)
    local = localize(path, uri.option, d.offline, d.token)
    if classify(local, uri.option, uri.raw) != "file":
        raise uri.fail(f"mode {mode} loads a single file checkpoint, not a folder or repository")
    dtype = _dtype(uri, d)

    def build() -> Any:
        with load_errors(uri.option, uri.raw, d.offline):
            return load_mode_checkpoint(os.path.expanduser(local), cls, mode, dtype, uri.raw)

    key = (uri.concept, mode, cache_key_path(local), str(dtype))
    return _cached("text_encoder", key, build, shared, uri.raw)


def text_encoder_overrides(values: list[str] | None, pipe_cls: Any, d: Defaults,
                           shared: bool = True) -> dict[str, Any]:
    """from_pretrained keyword overrides for ``--text-encoders`` (``+`` default, ``null`` none)."""
    if not values:
        return {}
    if any(v.strip().lower() == "help" for v in values):
        raise UsageError('--text-encoders "help" prints help, it cannot be used to load a model')
    names = text_encoder_names(pipe_cls)
    if len(values) > len(names):
        raise UsageError(f"--text-encoders: {len(values)} values given, but this model type has "
                         f"{len(names)} text encoder(s): " + ", ".join(names))
    out: dict[str, Any] = {}
    for name, value in zip(names, values):
        v = value.strip()
        if v == "+":
            continue
        out[name] = None if v.lower() == "null" else load_text_encoder(v, d, shared, name)
    return out


def text_encoder_help(pipe: Any) -> str:
    """``--text-encoders help``: the position and class of each text encoder of the model."""
    lines = ["Text encoder type help:", ""]
    for i, name in enumerate(text_encoder_names(type(pipe))):
        enc = getattr(pipe, name, None)
        lines.append(f"    {i} = {type(enc).__name__ if enc is not None else 'None'}")
    return "\n".join(lines) + "\n"
