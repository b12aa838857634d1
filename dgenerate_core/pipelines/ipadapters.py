"""``--ip-adapters`` and ``--image-encoder``: URI parsing, the CLIP vision image encoder (object
cache ``image_encoder``), and loading the adapters into a PipelineSet's UNet.

IP adapters change the UNet's attention processors in place, so ``apply_ip_adapters`` unloads the
previous invocation's adapters first and drops the derived pipelines, which are then built again
with ``from_pipe`` from the base (they share its weights and now its image encoder).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

from dgenerate_core.errors import ModelError, NotSupportedYet, UsageError
from dgenerate_core.pipelines.cache import get_cache
from dgenerate_core.pipelines.device import hf_dtype_kwargs, resolve_dtype
from dgenerate_core.pipelines.pipelineset import same_dtype_cast_allowed
from dgenerate_core.pipelines.source import (Source, cache_key_path, classify, hf_cache_dir,
                                             is_single_file, load_errors, localize)
from dgenerate_core.pipelines.uris import parse_uri

IP_ADAPTER_ARGS = ("scale", "revision", "subfolder", "weight-name")
IMAGE_ENCODER_ARGS = ("revision", "variant", "subfolder", "dtype")
SUPPORTED = ("sd", "sdxl", "kolors", "sd3", "flux")
SINGLE_ADAPTER_TYPES = ("sd3", "flux")  # diffusers loads one IP adapter into these
#: the image encoder class of each model type (SD3 IP adapters use SigLIP)
ENCODER_CLASSES = {"sd3": "SiglipVisionModel"}
_WEIGHT_EXTS = (".safetensors", ".bin", ".pt", ".pth")


@dataclass(frozen=True)
class IPAdapterUri:
    """One parsed ``--ip-adapters`` URI, as ``load_ip_adapter`` takes it."""

    raw: str
    path: str           # folder or repo id (the folder of a single file)
    subfolder: str
    weight_name: str
    scale: float
    revision: str | None
    kind: str           # 'dir', 'repo' or 'file'


@dataclass(frozen=True)
class IPAdapters:
    """The IP adapters of an invocation and the key that says whether they are loaded."""

    uris: tuple[IPAdapterUri, ...]
    image_encoder: str | None
    dtype: str

    @property
    def key(self) -> tuple:
        return (tuple((cache_key_path(u.path), u.subfolder, u.weight_name, u.revision)
                      for u in self.uris), self.image_encoder, self.dtype, os.getcwd())

    @property
    def scales(self) -> list[float]:
        return [u.scale for u in self.uris]


def _weight_name(folder: str, raw: str) -> str:
    """The one weights file of a local folder (``weight-name`` picks one among several)."""
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(_WEIGHT_EXTS))
    if len(names) != 1:
        found = ", ".join(names) if names else "none"
        raise UsageError(f'--ip-adapters "{raw}": give the weights file with weight-name= '
                         f"(weights files found: {found})")
    return names[0]


def parse_ip_adapter_uri(text: str, offline: bool = False, token: str | None = None) -> IPAdapterUri:
    """Parse one ``--ip-adapters`` URI (single files take only ``scale``)."""
    uri = parse_uri(text, "--ip-adapters", IP_ADAPTER_ARGS)
    scale = uri.get_float("scale", 1.0)
    location = localize(uri.concept, "--ip-adapters", offline, token)
    kind = classify(location, "--ip-adapters", uri.raw)
    if kind == "file":
        uri.reject(("revision", "subfolder", "weight-name"), "cannot be used with a single file")
        path = os.path.abspath(os.path.expanduser(location))
        return IPAdapterUri(text, os.path.dirname(path), "", os.path.basename(path),
                            float(scale), None, kind)
    subfolder = uri.get("subfolder") or ""
    weight = uri.get("weight-name")
    if weight is None and kind == "dir":
        folder = os.path.join(os.path.expanduser(location), subfolder)
        if not os.path.isdir(folder):
            raise uri.fail(f'there is no subfolder "{subfolder}"')
        weight = _weight_name(folder, uri.raw)
    if weight is None:
        raise uri.fail("give the weights file of the repository with weight-name=")
    path = os.path.expanduser(location) if kind == "dir" else location
    return IPAdapterUri(text, path, subfolder, weight, float(scale), uri.get("revision"), kind)


#: the text half of a full CLIP / SigLIP checkpoint (``openai/clip-vit-large-patch14``,
#: ``google/siglip-so400m-patch14-384``), which an image encoder leaves out on purpose
OTHER_TOWER = (r"^text_model\.", r"^text_projection\.", r"^logit_scale$", r"^logit_bias$")


@functools.lru_cache(maxsize=None)
def vision_class(cls_name: str) -> Any:
    """``transformers.<cls_name>`` quiet about a full checkpoint's text tower: without this,
    every load from a full CLIP model prints transformers' table of unexpected keys."""
    import transformers

    cls = getattr(transformers, cls_name)
    return type(cls.__name__, (cls,), {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                       "_keys_to_ignore_on_load_unexpected": list(OTHER_TOWER)})


def _load_encoder(path: str, source: Source, dtype: Any, option: str, raw: str,
                  cls_name: str = "CLIPVisionModelWithProjection") -> Any:
    def build() -> Any:
        with load_errors(option, raw, source.offline):
            quiet = vision_class(cls_name)
            encoder = quiet.from_pretrained(path, **source.kwargs(), **hf_dtype_kwargs(dtype))
        encoder.__class__ = quiet.__bases__[0]  # the plain transformers class once loaded
        return encoder

    key = (cls_name, cache_key_path(path), source, str(dtype))
    return get_cache("image_encoder").get_or_create(key, build, raw)


def siglip_processor(path: str, source: Source, encoder: Any) -> Any:
    """The SigLIP image processor saved beside an encoder, else one sized for it."""
    from transformers import SiglipImageProcessor

    try:
        return SiglipImageProcessor.from_pretrained(path, **source.kwargs())
    except (OSError, ValueError):
        side = int(encoder.config.image_size)
        return SiglipImageProcessor(size={"height": side, "width": side})


def load_image_encoder(text: str, device: str, default_dtype: str, offline: bool = False,
                       token: str | None = None,
                       cls_name: str = "CLIPVisionModelWithProjection") -> Any:
    """``--image-encoder PATH;revision;variant;subfolder;dtype`` (no single files)."""
    uri = parse_uri(text, "--image-encoder", IMAGE_ENCODER_ARGS)
    if is_single_file(uri.concept) or uri.concept.lower().startswith(("http://", "https://")):
        raise uri.fail("image encoders cannot be loaded from a single file or URL, use a "
                       "folder or repository")
    kind = classify(uri.concept, "--image-encoder", uri.raw)
    path = os.path.expanduser(uri.concept) if kind == "dir" else uri.concept
    source = Source(uri.get("revision"), uri.get("variant"), uri.get("subfolder"), token, offline)
    dtype = resolve_dtype(uri.get_dtype(default_dtype), device)
    encoder = _load_encoder(path, source, dtype, "--image-encoder", uri.raw, cls_name)
    object.__setattr__(encoder, "_dgenerate_source", (path, source))
    return encoder


def _not_cached(u: IPAdapterUri, offline: bool) -> bool:
    """Offline, whether the weights file of a repository adapter is missing from the hub cache
    (then its image encoder cannot be looked for either)."""
    from huggingface_hub import constants, try_to_load_from_cache

    if u.kind != "repo" or not (offline or constants.HF_HUB_OFFLINE):
        return False
    name = "/".join(p for p in (u.subfolder, u.weight_name) if p)
    found = try_to_load_from_cache(u.path, name, cache_dir=hf_cache_dir(), revision=u.revision)
    return not isinstance(found, str)


def _bundled_encoder(adapters: IPAdapters, device: str, offline: bool, token: str | None,
                     cls_name: str = "CLIPVisionModelWithProjection") -> Any:
    """The ``image_encoder`` folder shipped beside the first adapter that has one."""
    dtype = resolve_dtype(adapters.dtype, device)
    for u in adapters.uris:
        if _not_cached(u, offline):  # not "includes no image encoder": the adapter is missing
            raise ModelError(f'--ip-adapters "{u.raw}": not found in the Hugging Face cache, '
                             "and --offline-mode forbids downloading it")
        sub = "/".join(p for p in (u.subfolder, "image_encoder") if p)
        if u.kind != "repo" and not os.path.isdir(os.path.join(u.path, sub)):
            continue
        source = Source(u.revision, None, sub, token, offline)
        try:
            encoder = _load_encoder(u.path, source, dtype, "--ip-adapters", u.raw, cls_name)
            object.__setattr__(encoder, "_dgenerate_source", (u.path, source))
            return encoder
        except Exception:  # noqa: BLE001 - a repository without one: try the next adapter
            if u.kind != "repo":
                raise
    raise UsageError("--ip-adapters: none of the IP adapters includes an image encoder, give "
                     "one with --image-encoder")


def load_ip_adapters(opts: Any, model_type: str) -> IPAdapters | None:
    """Parse ``--ip-adapters`` / ``--image-encoder`` of ``opts`` (None when not given)."""
    texts = getattr(opts, "ip_adapters", None)
    if not texts:
        return None
    if model_type not in SUPPORTED:
        raise UsageError(f"--ip-adapters cannot be used with --model-type {model_type}")
    offline, token = bool(getattr(opts, "offline_mode", False)), getattr(opts, "auth_token", None)
    if model_type in SINGLE_ADAPTER_TYPES and len(texts) > 1:
        raise UsageError(f"--model-type {model_type} supports only one --ip-adapters model")
    uris = tuple(parse_ip_adapter_uri(t, offline, token) for t in texts)
    revisions = {u.revision for u in uris if u.kind == "repo"}
    if len(revisions) > 1:
        raise NotSupportedYet("--ip-adapters from one repository at different revisions")
    return IPAdapters(uris, getattr(opts, "image_encoder", None),
                      str(getattr(opts, "dtype", None) or "auto").lower())


def apply_ip_adapters(pset: Any, adapters: IPAdapters | None, offline: bool = False,
                      token: str | None = None) -> None:
    """Load ``adapters`` into the base pipeline (unloading other ones); None unloads."""
    current = pset._ip_adapters_key
    wanted = adapters.key if adapters is not None else None
    if current == wanted:
        return
    base = pset.base
    if current is not None:
        base.unload_ip_adapter()
    pset.forget_derived()
    pset._ip_adapters_key, pset.ip_adapters = None, None
    if adapters is None:
        return
    cls_name = ENCODER_CLASSES.get(pset.model_type, "CLIPVisionModelWithProjection")
    if adapters.image_encoder:
        encoder = load_image_encoder(adapters.image_encoder, pset.device, adapters.dtype,
                                     offline, token, cls_name)
    else:
        encoder = _bundled_encoder(adapters, pset.device, offline, token, cls_name)
    base.register_modules(image_encoder=encoder)  # load_ip_adapter adds a feature extractor
    if pset.model_type == "sd3":  # ... except for SD3, whose loader only adds one with its encoder
        base.register_modules(feature_extractor=siglip_processor(*encoder._dgenerate_source,
                                                                 encoder))
    uris = adapters.uris
    # diffusers casts the UNet to its own dtype after adding the adapter layers, which it
    # refuses for a quantized (sdnq) model
    with load_errors("--ip-adapters", " ".join(u.raw for u in uris), offline), \
            same_dtype_cast_allowed(base):
        if pset.model_type in SINGLE_ADAPTER_TYPES:  # the encoder is registered above
            _load_single(base, uris[0], offline, token)
        else:
            base.load_ip_adapter([u.path for u in uris],
                                 subfolder=[u.subfolder for u in uris],
                                 weight_name=[u.weight_name for u in uris],
                                 image_encoder_folder=None, local_files_only=offline,
                                 token=token,
                                 revision=next((u.revision for u in uris if u.revision), None),
                                 cache_dir=hf_cache_dir())
    if pset.device != "cpu":
        base.to(pset.device)
    pset._ip_adapters_key, pset.ip_adapters = wanted, adapters


def _load_single(base: Any, uri: IPAdapterUri, offline: bool, token: str | None) -> None:
    """The one IP adapter of SD3 (InstantX layout) or Flux (XLabs layout); the image encoder
    is already the pipeline's."""
    no_encoder = {"image_encoder_pretrained_model_name_or_path": None} \
        if type(base).__name__.startswith("Flux") else {"image_encoder_folder": None}
    base.load_ip_adapter(uri.path, weight_name=uri.weight_name, subfolder=uri.subfolder,
                         local_files_only=offline, token=token, revision=uri.revision,
                         cache_dir=hf_cache_dir(), **no_encoder)
