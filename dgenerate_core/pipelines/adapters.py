"""--loras (fused at --lora-fuse-scale) and --textual-inversions, applied to a loaded pipeline."""

from __future__ import annotations

import logging
import os
from typing import Any

from dgenerate_core.errors import ModelError, UsageError
from dgenerate_core.pipelines.source import classify, hf_cache_dir, is_single_file, load_errors, localize
from dgenerate_core.pipelines.uris import Uri, parse_uri

_LOG = logging.getLogger("dgenerate")


def _location(uri: Uri, offline: bool) -> dict[str, Any]:
    """Resolve a URL concept to a local file (web cache); loading keyword arguments."""
    if uri.concept.lower().startswith(("http://", "https://")):
        uri.concept = localize(uri.concept, uri.option, offline)
    kind = classify(uri.concept, uri.option, uri.raw)
    if kind == "file":
        uri.reject(("revision", "subfolder", "weight-name"), "cannot be used with a single file")
    out: dict[str, Any] = {}
    for arg, kw in (("revision", "revision"), ("subfolder", "subfolder"), ("weight-name", "weight_name")):
        if arg in uri.args:
            out[kw] = uri.args[arg]
    return out


def apply_loras(pipe: Any, values: list[str], fuse_scale: float | None, model_type: str,
                offline: bool = False, token: str | None = None) -> None:
    """Load every LoRA as an adapter at its scale, fuse them at ``fuse_scale``, drop the adapters."""
    if not hasattr(pipe, "load_lora_weights"):
        raise UsageError(f"--loras: --model-type {model_type} does not support LoRAs")
    names, scales = [], []
    for i, text in enumerate(values):
        uri = parse_uri(text, "--loras", ("scale", "revision", "subfolder", "weight-name"))
        scale = uri.get_float("scale", 1.0)
        where = _location(uri, offline)
        name = f"dgenerate_lora_{i}"
        _LOG.debug("loading LoRA %s (scale %s)", uri.concept, scale)
        with load_errors("--loras", text, offline):
            pipe.load_lora_weights(os.path.expanduser(uri.concept), adapter_name=name,
                                   local_files_only=offline, token=token,
                                   cache_dir=hf_cache_dir(), **where)
        names.append(name)
        scales.append(scale)
    with load_errors("--loras", " ".join(values), offline):
        pipe.set_adapters(names, adapter_weights=scales)
        pipe.fuse_lora(lora_scale=1.0 if fuse_scale is None else fuse_scale, adapter_names=names)
        pipe.unload_lora_weights()


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
        where = _location(uri, offline)
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
