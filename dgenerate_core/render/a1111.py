"""``--output-auto1111-metadata``: Automatic1111 style ``parameters`` text for an output image.

Format (one text block): the prompt, ``Negative prompt: ...``, then ``Steps: N, Sampler: S,
CFG scale: G, Seed: S, Size: WxH, Model hash: H, Model: NAME, Denoising strength: D,
Clip skip: C, Version: dgenerate 5.0.0``. The model hash is Automatic1111's "AutoV2" hash (the
first 10 hex digits of the file's SHA-256), only for single-file checkpoints. Hashes are kept
in memory and on disk (``model_hashes.json`` in the cache folder, keyed by path, modification
time and size) so a large checkpoint is read once.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Sequence

from dgenerate_core import __version__
from dgenerate_core.errors import DgenerateError
from dgenerate_core.media.atomic import temp_path
from dgenerate_core.webcache import WebCacheError, cache_root, cached_path, fetch, is_url
from dgenerate_core.render.plan import split_prompt
from dgenerate_core.render.prompted import clean

#: diffusers scheduler class -> the Automatic1111 sampler name
SAMPLERS = {
    "EulerDiscreteScheduler": "Euler", "EulerAncestralDiscreteScheduler": "Euler a",
    "DPMSolverMultistepScheduler": "DPM++ 2M", "DPMSolverSinglestepScheduler": "DPM++ SDE",
    "DPMSolverSDEScheduler": "DPM++ SDE", "KDPM2DiscreteScheduler": "DPM2",
    "KDPM2AncestralDiscreteScheduler": "DPM2 a", "HeunDiscreteScheduler": "Heun",
    "LMSDiscreteScheduler": "LMS", "DDIMScheduler": "DDIM", "PNDMScheduler": "PLMS",
    "UniPCMultistepScheduler": "UniPC", "LCMScheduler": "LCM", "DEISMultistepScheduler": "DEIS",
    "FlowMatchEulerDiscreteScheduler": "Euler",
}
_HASHES: dict[tuple[str, float, int], str] = {}


def _disk_file() -> str:
    return str(cache_root() / "model_hashes.json")


def _disk_hashes() -> dict[str, str]:
    try:
        with open(_disk_file(), encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_disk_hash(key: str, digest: str) -> None:
    data = _disk_hashes()
    data[key] = digest
    path = _disk_file()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = temp_path(os.path.dirname(path), "model_hashes.json")
        with open(temp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
        os.replace(temp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def model_hash(path: str) -> str | None:
    """AutoV2 hash of a single-file checkpoint (None for folders and repo ids); cached in memory
    and on disk."""
    if not os.path.isfile(path):
        return None
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_mtime, stat.st_size)
    if key not in _HASHES:
        disk_key = f"{key[0]}|{key[1]}|{key[2]}"
        digest = _disk_hashes().get(disk_key)
        if not digest:
            sha = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    sha.update(block)
            digest = sha.hexdigest()[:10]
            _save_disk_hash(disk_key, digest)
        _HASHES[key] = digest
    return _HASHES[key]


def uri_model_path(uri: str | None) -> str | None:
    """The model path of a URI (``path;arg=...`` or ``Class;model=path``)."""
    if not uri:
        return None
    head, *args = uri.split(";")
    for arg in args:
        key, _, value = arg.partition("=")
        if key.strip() == "model":
            return value.strip()
    return head.strip()


def model_name(path: str) -> str:
    """A model's name: the file name without extension (query strings dropped)."""
    base = path.split("?")[0].rstrip("/\\")
    return os.path.splitext(os.path.basename(base))[0] or base


def file_hash(path: str, offline: bool, download: bool = True) -> str | None:
    """AutoV2 hash of a local or web-cached single file; None for repos and folders. A URL not
    in the web cache is downloaded into it (not offline, and only with ``download``)."""
    if is_url(path):
        local = cached_path(path)
        if local is None and not download:
            return None
        if local is None:
            try:
                local = fetch(path, offline=offline)
            except WebCacheError as ex:
                raise DgenerateError(f"cannot hash {path}: {ex}") from None
        return model_hash(local)
    return model_hash(os.path.expanduser(path))


def hash_list(uris: Sequence[str] | None, offline: bool, download: bool = True) -> str | None:
    """A1111's quoted ``"name: hash, ..."`` list of the single files among ``uris``."""
    pairs = []
    for uri in uris or []:
        path = uri_model_path(uri)
        digest = file_hash(path, offline, download) if path else None
        if path and digest:
            pairs.append(f"{model_name(path)}: {digest}")
    return '"' + ", ".join(pairs) + '"' if pairs else None


def vae_fields(opts: Any, offline: bool = False, download: bool = True) -> list[tuple[str, Any]]:
    """``VAE hash`` and ``VAE`` of ``--vae`` (none without one)."""
    vae = uri_model_path(getattr(opts, "vae", None))
    if not vae:
        return []
    digest = file_hash(vae, offline, download)
    return ([("VAE hash", digest)] if digest else []) + [("VAE", model_name(vae))]


def sub_model_fields(opts: Any, offline: bool = False,
                     download: bool = True) -> list[tuple[str, Any]]:
    """A1111's ``Lora hashes``, ``TI hashes`` and ``ControlNet hashes`` lists."""
    fields = []
    for key, dest in (("Lora hashes", "loras"), ("TI hashes", "textual_inversions"),
                      ("ControlNet hashes", "control_nets")):
        text = hash_list(getattr(opts, dest, None), offline, download)
        if text:
            fields.append((key, text))
    return fields


def sampler_name(scheduler: Any) -> str:
    """The Automatic1111 name of a scheduler object (its class name when unknown)."""
    name = type(scheduler).__name__
    return SAMPLERS.get(name, name)


def parameters_text(step: Any, model_path: str, size: tuple[int, int], scheduler: Any,
                    opts: Any = None) -> str:
    """The ``parameters`` text of one output image of ``step`` (with ``opts``: also the hashes
    of the VAE, LoRAs, textual inversions and ControlNets)."""
    positive, negative = split_prompt(clean(step["prompts"]))
    fields = [("Steps", step["inference_steps"]), ("Sampler", sampler_name(scheduler)),
              ("CFG scale", step["guidance_scales"]), ("Seed", step["seeds"]),
              ("Size", f"{size[0]}x{size[1]}")]
    offline = bool(getattr(opts, "offline_mode", False))
    local = (cached_path(model_path) or "") if is_url(model_path) else model_path
    digest = model_hash(os.path.expanduser(local))
    if digest:
        fields.append(("Model hash", digest))
    fields.append(("Model", model_name(model_path)))
    if opts is not None:
        fields += vae_fields(opts, offline, download=False)  # loading cached what it used
    if step["image_seed_strengths"] is not None:
        fields.append(("Denoising strength", step["image_seed_strengths"]))
    if step["clip_skips"] is not None:
        fields.append(("Clip skip", int(step["clip_skips"]) + 1))
    if opts is not None:
        fields += sub_model_fields(opts, offline, download=False)
    fields.append(("Version", f"dgenerate {__version__}"))
    lines = [positive]
    if negative is not None:
        lines.append(f"Negative prompt: {negative}")
    lines.append(", ".join(f"{key}: {value}" for key, value in fields))
    return "\n".join(lines)
