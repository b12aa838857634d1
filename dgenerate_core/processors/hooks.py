"""The calls the render code makes: image processors on seed / mask / control / output images,
latents processors on tensors. Processor objects are built once per options object and reused.
"""

from __future__ import annotations

from typing import Any, Sequence

from dgenerate_core.errors import UsageError
from dgenerate_core.processors.chains import Chain, build_chains, run_chain, run_stage

# kind -> (options dest, option name, words of the "Too many" error)
IMAGE_KINDS = {
    "seed": ("seed_image_processors", "--seed-image-processors", "seed"),
    "mask": ("mask_image_processors", "--mask-image-processors", "inpaint mask"),
    "control": ("control_image_processors", "--control-image-processors", "control guidance"),
    "post": ("post_processors", "--post-processors", "output"),
}
LATENTS_KINDS = {
    "latents": ("latents_processors", "--latents-processors"),
    "img2img": ("img2img_latents_processors", "--img2img-latents-processors"),
    "post": ("latents_post_processors", "--latents-post-processors"),
}
_CACHE_SIZE = 8
_cache: list[tuple[Any, str, list[Chain]]] = []


def _chains(opts: Any, kind: str, dest: str, option: str, family: str) -> list[Chain]:
    """The built chains of ``opts.<dest>``, cached per options object (identity) and kind."""
    key = f"{family}:{kind}"
    for cached_opts, cached_key, chains in _cache:
        if cached_opts is opts and cached_key == key:
            return chains
    defaults = {"device": getattr(opts, "device", None),
                "local-files-only": bool(getattr(opts, "offline_mode", False)) or None}
    chains = build_chains(getattr(opts, dest, None), family, option, defaults)
    _cache.append((opts, key, chains))
    del _cache[:-_CACHE_SIZE]
    return chains


def image_chains(kind: str, opts: Any) -> list[Chain]:
    """The built ``+`` chains for an image kind ("seed", "mask", "control", "post")."""
    if kind not in IMAGE_KINDS:
        raise ValueError(f"unknown image processor kind {kind!r}")
    dest, option, _ = IMAGE_KINDS[kind]
    chains = _chains(opts, kind, dest, option, "image")
    if kind == "post" and len(chains) > 1:
        raise UsageError("--post-processors: '+' chain grouping is not allowed, the chain runs "
                         "on every generated image")
    return chains


def process_images(kind: str, opts: Any, images: list, *, pre_resize: bool | None = None,
                   seed_index: int = 0, frame: int | None = None) -> list:
    """Run the processors of ``kind`` on ``images`` (one seed component) for one resize stage.

    Chain i runs on image i (``+`` separates chains); for "post" the one chain runs on every
    image. Only processors whose ``pre-resize`` equals ``pre_resize`` run (None: the whole
    chain, ``pre-resize=True`` ones first); "post" runs its whole chain when ``pre_resize`` is
    False or None and nothing when True. Identity when the option is unset.
    """
    chains = image_chains(kind, opts)
    if not chains:
        return list(images)
    if kind == "post":  # output images are never resized: the whole chain runs once
        return list(images) if pre_resize else [run_chain(chains[0], im) for im in images]
    if len(chains) > len(images):
        what = IMAGE_KINDS[kind][2]
        raise UsageError(f"Too many {what} image processors specified, there are {len(chains)} "
                         f"processors and {len(images)} {what} image sources.")
    out = list(images)
    for i, chain in enumerate(chains):
        out[i] = _run(chain, out[i], pre_resize)
    return out


def _run(chain: Chain, image: Any, pre_resize: bool | None) -> Any:
    return run_chain(chain, image) if pre_resize is None else run_stage(chain, image, pre_resize)


def latents_chains(kind: str, opts: Any) -> list[Chain]:
    """The built ``+`` chains for a latents kind ("latents", "img2img", "post")."""
    if kind not in LATENTS_KINDS:
        raise ValueError(f"unknown latents processor kind {kind!r}")
    dest, option = LATENTS_KINDS[kind]
    return _chains(opts, kind, dest, option, "latents")


def check_latents_inputs(kind: str, opts: Any, inputs: int) -> None:
    """Errors for ``-lp`` / ``-ilp`` without matching inputs, or with more chains than inputs."""
    chains = latents_chains(kind, opts)
    if not chains:
        return
    option = LATENTS_KINDS[kind][1]
    if inputs == 0 and kind != "post":
        what = "raw latents (latents: or latents=)" if kind == "latents" else \
            "img2img latents tensors"
        raise UsageError(f"{option} given but --image-seeds has no {what}")
    if len(chains) > inputs:
        raise UsageError(f"Too many latents processors specified with {option}, there are "
                         f"{len(chains)} processors and {inputs} latents inputs.")


def _run_latents(chain: Chain, tensor: Any, pipe: Any) -> Any:
    for processor in chain:
        tensor = processor.process(pipe, tensor)
    return tensor


def process_latents(kind: str, opts: Any, tensor: Any, *, pipe: Any = None,
                    index: int | None = None) -> Any:
    """Run the latents processors of ``kind`` on ``tensor`` (identity when unset).

    With ``index`` the tensor is input number ``index`` and gets chain ``index`` (if any).
    Without it, one chain runs on the whole tensor; several ``+`` chains map to the entries of
    the batch dimension in order (more chains than entries is an error).
    """
    chains = latents_chains(kind, opts)
    if not chains:
        return tensor
    if index is not None:
        return _run_latents(chains[index], tensor, pipe) if index < len(chains) else tensor
    if len(chains) == 1:
        return _run_latents(chains[0], tensor, pipe)
    check_latents_inputs(kind, opts, int(tensor.shape[0]))
    import torch

    parts = [_run_latents(chains[i], tensor[i:i + 1], pipe) if i < len(chains) else tensor[i:i + 1]
             for i in range(int(tensor.shape[0]))]
    return torch.cat(parts, dim=0)


def clear_cache() -> None:
    """Forget the built processors (tests, and when plugins change)."""
    _cache.clear()


__all__: Sequence[str] = ("process_images", "process_latents", "check_latents_inputs",
                          "image_chains", "latents_chains", "clear_cache")
