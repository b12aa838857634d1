"""Output file names as the reference writes them, and ``_duplicate_N`` reservation.

Name = ``[prefix_]`` + components joined by ``_`` (every ``.`` in a component becomes ``-``)
+ ``.ext``. Components: scheduler names, ``s`` seed, ``st`` strength, ``g`` guidance, ``g2``,
``gr``, ``igs``, ``ps``, ``pas``, ``i`` steps, ``i2``, ``cs`` clip skip, ``rcs``, ``hnf``,
``rps``, ``rpas``, ``rgr``, then ``step`` N and, for batch images, ``image`` N. Animation
frames put ``frame`` F before ``step``; animation files start with ``ANIM`` and end in
``animation`` N for each batch index when the batch is not a grid.

Decision on the manual/reference ambiguity (usage.md §2 ⚠): scheduler names are put first
**only when the invocation gives more than one scheduler combination** (``len(--schedulers) x
len(--second-model-schedulers) > 1``), as the manual says ("when you specify multiple
schedulers"); then both the scheduler and the second-model scheduler name (those given) are
added. A single ``--schedulers X`` leaves the name as ``s_...``.

Duplicates: the first free ``<base>_duplicate_N`` (N from 1) is taken, where "free" means the
image name and, with ``--output-configs``, its ``.dgen`` name both do not exist. The image file
is created exclusively (``O_EXCL``) so two processes never take the same name; no lock file is
left in the output folder.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Sequence

# (component tag, step value dest) after the seed/strength/guidance, in the reference's order
_AFTER_GUIDANCE: tuple[tuple[str, str], ...] = (
    ("g2", "second_model_guidance_scales"),
    ("gr", "guidance_rescales"),
    ("igs", "image_guidance_scales"),
    ("ps", "pag_scales"),
    ("pas", "pag_adaptive_scales"),
)
_NOT_NONE = ("gr", "igs")  # added when set; the others only when non-zero
_AFTER_STEPS: tuple[tuple[str, str], ...] = (
    ("i2", "second_model_inference_steps"),
)
_REFINER: tuple[tuple[str, str], ...] = (
    ("rcs", "sdxl_refiner_clip_skips"),
    ("hnf", "sdxl_high_noise_fractions"),
    ("rps", "sdxl_refiner_pag_scales"),
    ("rpas", "sdxl_refiner_pag_adaptive_scales"),
    ("rgr", "sdxl_refiner_guidance_rescales"),
)


def scheduler_name(uri: str | None) -> str | None:
    """The name part of a scheduler URI (``"DDIMScheduler;x=1"`` -> ``DDIMScheduler``)."""
    if not uri:
        return None
    return uri.split(";")[0].strip() or None


def name_components(values: Any, include_schedulers: bool = False) -> list[Any]:
    """The name components of one step (``values[dest]`` gives the step value of an axis)."""
    get = values.get if hasattr(values, "get") else values.__getitem__
    parts: list[Any] = []
    if include_schedulers:
        for dest in ("schedulers", "second_model_schedulers"):
            name = scheduler_name(get(dest))
            if name:
                parts.append(name)
    parts += ["s", get("seeds")]
    if get("upscaler_noise_levels") is not None:
        parts += ["unl", get("upscaler_noise_levels")]
    elif get("image_seed_strengths") is not None:
        parts += ["st", get("image_seed_strengths")]
    parts += ["g", get("guidance_scales")]
    for tag, dest in _AFTER_GUIDANCE:
        value = get(dest)
        if (value is not None) if tag in _NOT_NONE else bool(value):
            parts += [tag, value]
    parts += ["i", get("inference_steps")]
    for tag, dest in _AFTER_STEPS:
        if get(dest):
            parts += [tag, get(dest)]
    if get("clip_skips") is not None:
        parts += ["cs", get("clip_skips")]
    for tag, dest in _REFINER:
        if get(dest):
            parts += [tag, get(dest)]
    return parts


def join_name(components: Iterable[Any], prefix: str | None = None) -> str:
    """``prefix_`` + components joined by ``_`` with ``.`` turned into ``-`` (no extension)."""
    text = "_".join(str(c).replace(".", "-") for c in components)
    return f"{prefix}_{text}" if prefix else text


def step_base_name(values: Any, step_number: int, prefix: str | None = None,
                   include_schedulers: bool = False, batch_index: int | None = None,
                   frame_index: int | None = None, batch_tag: str = "image") -> str:
    """The file name (without extension) of an image (or animation frame) of one step;
    batch outputs end in ``image`` N (``latent`` N for tensor output)."""
    parts = name_components(values, include_schedulers)
    if frame_index is not None:
        parts += ["frame", frame_index + 1]
    parts += ["step", step_number]
    if batch_index is not None:
        parts += [batch_tag, batch_index + 1]
    return join_name(parts, prefix)


def animation_base_name(values: Any, step_number: int, prefix: str | None = None,
                        include_schedulers: bool = False,
                        animation_index: int | None = None) -> str:
    """``ANIM_...`` name (without extension) of an animation file of one step."""
    parts = ["ANIM"] + name_components(values, include_schedulers) + ["step", step_number]
    if animation_index is not None:
        parts += ["animation", animation_index + 1]
    return join_name(parts, prefix)


def _free(folder: str, base: str, exts: Sequence[str]) -> bool:
    return not any(os.path.exists(os.path.join(folder, base + ext)) for ext in exts)


def _create_exclusive(path: str) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def reserve(folder: str, base: str, ext: str, overwrite: bool = False,
            companions: Sequence[str] = ()) -> str:
    """The path ``folder/base.ext`` or the first free ``base_duplicate_N.ext``; the file is created.

    ``companions`` are extra extensions (``.dgen``) that must be free under the same base name.
    With ``overwrite`` the plain name is returned as is.
    """
    ext = ext if ext.startswith(".") else "." + ext
    exts = [ext, *companions]
    if overwrite:
        return os.path.join(folder, base + ext)
    candidate, number = base, 0
    while True:
        if _free(folder, candidate, exts) and _create_exclusive(
                os.path.join(folder, candidate + ext)):
            if _free(folder, candidate, companions):
                return os.path.join(folder, candidate + ext)
            os.remove(os.path.join(folder, candidate + ext))
        number += 1
        candidate = f"{base}_duplicate_{number}"
