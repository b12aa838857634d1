"""--loras (fused at --lora-fuse-scale) and --textual-inversions, applied to a loaded pipeline."""

from __future__ import annotations

import logging
import os
from typing import Any

from dgenerate_core.errors import ModelError, UsageError
from dgenerate_core.pipelines.source import classify, hf_cache_dir, is_single_file, load_errors, localize
from dgenerate_core.pipelines.uris import Uri, parse_uri

_LOG = logging.getLogger("dgenerate")


_NOT_LORA = ("scheduler", "optimizer", "checkpoint")  # files beside a LoRA that are none


def _location(uri: Uri, offline: bool, token: str | None = None) -> dict[str, Any]:
    """Resolve a URL concept to a local file (web cache); loading keyword arguments."""
    if uri.concept.lower().startswith(("http://", "https://")):
        uri.concept = localize(uri.concept, uri.option, offline, token)
    kind = classify(uri.concept, uri.option, uri.raw)
    if kind == "file":
        uri.reject(("revision", "subfolder", "weight-name"), "cannot be used with a single file")
    out: dict[str, Any] = {}
    for arg, kw in (("revision", "revision"), ("subfolder", "subfolder"), ("weight-name", "weight_name")):
        if arg in uri.args:
            out[kw] = uri.args[arg]
    if kind == "repo" and "weight_name" not in out and _hub_offline(offline):
        name = cached_weight_name(uri, out.get("revision"), out.get("subfolder"), token)
        if name is not None:
            out["weight_name"] = name
    return out


def _hub_offline(offline: bool) -> bool:
    from huggingface_hub import constants

    return offline or bool(constants.HF_HUB_OFFLINE)


def cached_weight_name(uri: Uri, revision: str | None, subfolder: str | None,
                       token: str | None) -> str | None:
    """Offline, diffusers wants a ``weight_name``: pick the one weights file of the repository's
    cached snapshot as the online path would (``.safetensors`` first, no scheduler / optimizer
    / checkpoint files); None when nothing is cached, ModelError when several files fit."""
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(uri.concept, revision=revision, token=token,
                                   local_files_only=True, cache_dir=hf_cache_dir())
    except Exception:  # noqa: BLE001 - not cached: diffusers gives its own offline error
        return None
    folder = os.path.join(folder, subfolder or "")
    files = sorted(f for f in os.listdir(folder) if os.path.isfile(os.path.join(folder, f))) \
        if os.path.isdir(folder) else []
    files = [f for f in files if not any(bad in f for bad in _NOT_LORA)]
    for ext in (".safetensors", ".bin"):
        found = [f for f in files if f.endswith(ext)]
        if found:
            break
    else:
        return None
    if "pytorch_lora_weights" + ext in found:
        return "pytorch_lora_weights" + ext
    if len(found) > 1:
        raise ModelError(f'{uri.option} "{uri.raw}": the cached repository holds several weight '
                         f"files ({', '.join(found)}), choose one with weight-name=")
    return found[0]


def apply_loras(pipe: Any, values: list[str], fuse_scale: float | None, model_type: str,
                offline: bool = False, token: str | None = None) -> None:
    """Load every LoRA as an adapter at its scale, fuse them at ``fuse_scale``, drop the adapters."""
    if not hasattr(pipe, "load_lora_weights"):
        raise UsageError(f"--loras: --model-type {model_type} does not support LoRAs")
    names, scales = [], []
    for i, text in enumerate(values):
        uri = parse_uri(text, "--loras", ("scale", "revision", "subfolder", "weight-name"))
        scale = uri.get_float("scale", 1.0)
        where = _location(uri, offline, token)
        name = f"dgenerate_lora_{i}"
        _LOG.debug("loading LoRA %s (scale %s)", uri.concept, scale)
        with load_errors("--loras", text, offline):
            pipe.load_lora_weights(os.path.expanduser(uri.concept), adapter_name=name,
                                   local_files_only=offline, token=token,
                                   cache_dir=hf_cache_dir(), **where)
        names.append(name)
        scales.append(scale)
    fuse = 1.0 if fuse_scale is None else fuse_scale
    with load_errors("--loras", " ".join(values), offline):
        unmergeable = integer_quantized(pipe)
        if unmergeable:  # the same sum of weights, added at run time instead of merged
            _LOG.debug("LoRAs stay unfused: %s quantized to integer weights", ", ".join(unmergeable))
            pipe.set_adapters(names, adapter_weights=[s * fuse for s in scales])
            return
        pipe.set_adapters(names, adapter_weights=scales)
        pipe.fuse_lora(lora_scale=fuse, adapter_names=names)
        pipe.unload_lora_weights()


def integer_quantized(pipe: Any) -> list[str]:
    """The pipeline's components quantized by a method peft cannot merge LoRA weights into
    (sdnq and the like keep integer weights; bitsandbytes layers dequantize and merge)."""
    found = []
    for name, module in getattr(pipe, "components", {}).items():
        if not getattr(module, "is_quantized", False):
            continue
        config = getattr(getattr(module, "hf_quantizer", None), "quantization_config", None)
        method = str(getattr(config, "quant_method", "")).lower()
        if "bitsandbytes" not in method:
            found.append(name)
    return found


def _default_token(path: str) -> str:
    """SDXL / Flux default trigger: the file name without extension, spaces as underscores."""
    return os.path.splitext(os.path.basename(path))[0].replace(" ", "_")


def _dual_embedding(path: str) -> dict | None:
    """The state dict of an SDXL-style embedding file (clip_l / clip_g keys), else None."""
    if not path.lower().endswith(".safetensors") or not os.path.isfile(path):
        return None
    from safetensors.torch import load_file

    state = load_file(path)
    return state if "clip_l" in state or "clip_g" in state else None


def _load_dual(pipe: Any, state: dict, token: str, text: str) -> None:
    pairs = [("clip_l", "text_encoder", "tokenizer"), ("clip_g", "text_encoder_2", "tokenizer_2")]
    done = 0
    for key, enc, tok in pairs:
        encoder, tokenizer = getattr(pipe, enc, None), getattr(pipe, tok, None)
        is_clip = type(encoder).__name__.startswith("CLIPTextModel")  # Flux: text_encoder_2 is T5
        if key in state and is_clip and tokenizer is not None:
            pipe.load_textual_inversion(state[key], token=token, text_encoder=encoder,
                                        tokenizer=tokenizer)
            done += 1
    if not done:
        raise ModelError(f'--textual-inversions "{text}": no embedding in the file fits this model')


def apply_textual_inversions(pipe: Any, values: list[str], model_type: str,
                             offline: bool = False, token: str | None = None) -> None:
    """Load each embedding into the pipeline's tokenizer(s) and text encoder(s)."""
    if not hasattr(pipe, "load_textual_inversion"):
        raise UsageError(f"--textual-inversions: --model-type {model_type} does not support "
                         "textual inversions")
    for text in values:
        uri = parse_uri(text, "--textual-inversions", ("token", "revision", "subfolder", "weight-name"))
        where = _location(uri, offline, token)
        path = os.path.expanduser(uri.concept)
        trigger = uri.get("token")
        if trigger is None and model_type != "sd" and is_single_file(path):
            trigger = _default_token(path)
        _LOG.debug("loading textual inversion %s (token %s)", uri.concept, trigger)
        with load_errors("--textual-inversions", text, offline):
            dual = _dual_embedding(path)
            if dual is not None:
                _load_dual(pipe, dual, trigger or _default_token(path), text)
                continue
            pipe.load_textual_inversion(path, token=trigger, local_files_only=offline,
                                        hf_token=token, cache_dir=hf_cache_dir(), **where)
