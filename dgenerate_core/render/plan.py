"""The render plan: options -> the ordered list of generation steps (pure, no torch, no files).

Every combinatorial option is one axis of a cartesian product taken in the reference's order
(``AXES``; the first axis varies slowest, the last fastest). Image seeds are the outer loop.
The generation step number starts at 1 and counts across all image seeds.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from dgenerate_core.errors import DgenerateError
from dgenerate_core.seeds.parse import parse_image_seed
from dgenerate_core.seeds.rules import control_option

SEED_MAX = 99999999999999

#: product axes (option dests) in iteration order, slowest first
AXES: tuple[str, ...] = (
    "prompts", "schedulers", "second_model_schedulers", "second_prompts", "third_prompts",
    "second_model_prompts", "second_model_second_prompts", "seeds", "clip_skips",
    "sdxl_t2i_adapter_factors", "image_seed_strengths", "guidance_scales", "freeu_params",
    "sada_max_downsamples", "sada_sxs", "sada_sys", "sada_acc_ranges", "sada_lagrange_terms",
    "sada_lagrange_ints", "sada_lagrange_steps", "sada_max_fixes", "sada_max_intervals",
    "tea_cache_rel_l1_thresholds", "ras_sample_ratios", "ras_high_ratios",
    "ras_starvation_scales", "ras_error_reset_steps", "ras_metrics", "ras_start_steps",
    "ras_end_steps", "ras_skip_num_steps", "ras_skip_num_step_lengths", "deep_cache_intervals",
    "deep_cache_branch_ids", "sdxl_refiner_deep_cache_intervals",
    "sdxl_refiner_deep_cache_branch_ids", "pag_scales", "pag_adaptive_scales",
    "image_guidance_scales", "guidance_rescales", "sigmas", "inference_steps",
    "sdxl_high_noise_fractions", "second_model_inference_steps", "second_model_guidance_scales",
    "sdxl_refiner_sigmas", "sdxl_refiner_freeu_params", "sdxl_refiner_pag_scales",
    "sdxl_refiner_pag_adaptive_scales", "sdxl_refiner_guidance_rescales",
    "upscaler_noise_levels",
    "sdxl_aesthetic_scores", "sdxl_crops_coords_top_left", "sdxl_original_sizes",
    "sdxl_target_sizes", "sdxl_negative_aesthetic_scores", "sdxl_negative_original_sizes",
    "sdxl_negative_target_sizes", "sdxl_negative_crops_coords_top_left",
    "sdxl_refiner_aesthetic_scores", "sdxl_refiner_crops_coords_top_left",
    "sdxl_refiner_original_sizes", "sdxl_refiner_target_sizes",
    "sdxl_refiner_negative_aesthetic_scores", "sdxl_refiner_negative_original_sizes",
    "sdxl_refiner_negative_target_sizes", "sdxl_refiner_negative_crops_coords_top_left",
    "adetailer_mask_shapes", "adetailer_detector_paddings", "adetailer_mask_paddings",
    "adetailer_mask_blurs", "adetailer_mask_dilations", "adetailer_sizes",
    "inpaint_crop_paddings", "inpaint_crop_feathers",
)

#: values used when the option is not given (None = the axis is unset: one ``None`` value)
DEFAULTS: dict[str, list[Any]] = {
    "prompts": [""],
    "guidance_scales": [5.0],
    "inference_steps": [30],
}
DEFAULT_STRENGTH = 0.8
DEFAULT_HIGH_NOISE_FRACTION = 0.8
DEFAULT_PAG_SCALE = 3.0
DEFAULT_PAG_ADAPTIVE_SCALE = 0.0
DEFAULT_CROP_PADDING = (32, 32, 32, 32)
_CROP = ("inpaint_crop", "inpaint_crop_paddings", "inpaint_crop_masked", "inpaint_crop_feathers")


@dataclass(frozen=True)
class Step:
    """One generation step: its 1-based number, its image seed and one value per axis."""

    number: int
    total: int
    image_seed: str | None
    image_seed_index: int | None
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, dest: str) -> Any:
        return self.values.get(dest)


def random_seed(rng: random.Random | None = None) -> int:
    """One random seed in the reference's range."""
    return (rng or random).randint(0, SEED_MAX)


def resolve_seeds(opts: Any, rng: random.Random | None = None) -> list[int]:
    """``--seeds``, else ``--gen-seeds N`` random seeds, else one random seed."""
    if getattr(opts, "seeds", None):
        return list(opts.seeds)
    count = getattr(opts, "gen_seeds", None) or 1
    return [random_seed(rng) for _ in range(count)]


def axis_values(opts: Any, has_refiner: bool, has_image_seeds: bool) -> dict[str, list[Any]]:
    """The value list of every axis; unset axes get ``[None]`` (model-type defaults resolved)."""
    axes: dict[str, list[Any]] = {}
    for dest in AXES:
        value = getattr(opts, dest, None)
        if value:
            axes[dest] = list(value)
        else:
            axes[dest] = list(DEFAULTS.get(dest, [None]))
    if has_image_seeds and not getattr(opts, "image_seed_strengths", None):
        axes["image_seed_strengths"] = [DEFAULT_STRENGTH]
    if not has_image_seeds:
        axes["image_seed_strengths"] = [None]
    if has_refiner and not getattr(opts, "sdxl_high_noise_fractions", None):
        axes["sdxl_high_noise_fractions"] = [DEFAULT_HIGH_NOISE_FRACTION]
    if any(getattr(opts, d, None) for d in _CROP) and not getattr(opts, "inpaint_crop_paddings",
                                                                   None):
        axes["inpaint_crop_paddings"] = [DEFAULT_CROP_PADDING]
    for prefix in ("", "sdxl_refiner_"):
        flag, scales, adaptive = prefix + "pag", prefix + "pag_scales", prefix + "pag_adaptive_scales"
        if any(getattr(opts, d, None) for d in (flag, scales, adaptive)):
            axes[scales] = list(getattr(opts, scales, None) or [DEFAULT_PAG_SCALE])
            axes[adaptive] = list(getattr(opts, adaptive, None) or [DEFAULT_PAG_ADAPTIVE_SCALE])
    return axes


def _combinations(axes: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    names = list(AXES)
    return [dict(zip(names, combo)) for combo in itertools.product(*(axes[n] for n in names))]


def _seed_spec(opts: Any, image_seed: str | None) -> Any:
    """The parsed image seed (None when there is none or it does not parse here)."""
    if image_seed is None:
        return None

    try:
        return parse_image_seed(image_seed, control_models=control_option(opts)[1])
    except DgenerateError:
        return None


def _has_img2img(opts: Any, image_seed: str | None) -> bool:
    """False for a seed with no img2img image (control guidance, adapter or latents only),
    which takes no strength."""
    if image_seed is None:
        return False
    spec = _seed_spec(opts, image_seed)
    return True if spec is None else bool(spec.images)


#: model types whose pipelines take no strength (ifs only takes one when inpainting)
NO_STRENGTH_TYPES = ("pix2pix", "sdxl-pix2pix", "sd3-pix2pix", "upscaler-x2", "upscaler-x4",
                     "s-cascade", "flux-fill", "flux-kontext")
PIX2PIX_TYPES = ("pix2pix", "sdxl-pix2pix", "sd3-pix2pix")
DEFAULT_IMAGE_GUIDANCE_SCALE = 1.5
DEFAULT_NOISE_LEVELS = {"upscaler-x4": 20, "ifs": 250, "ifs-img2img": 250}


def _model_type_axes(opts: Any, axes: dict[str, list[Any]], image_seed: str | None) -> None:
    """Model type defaults of one image seed's axes (manual: -igs, -uns, -iss)."""
    mt = str(getattr(opts, "model_type", None) or "sd").lower()
    spec = _seed_spec(opts, image_seed)
    masked = bool(spec is not None and spec.masks)
    if mt in NO_STRENGTH_TYPES or (mt == "ifs" and not masked):
        axes["image_seed_strengths"] = [None]
    if mt in PIX2PIX_TYPES and not getattr(opts, "image_guidance_scales", None):
        axes["image_guidance_scales"] = [DEFAULT_IMAGE_GUIDANCE_SCALE]
    if mt in DEFAULT_NOISE_LEVELS and not getattr(opts, "upscaler_noise_levels", None):
        axes["upscaler_noise_levels"] = [0 if mt == "ifs" and masked else DEFAULT_NOISE_LEVELS[mt]]


def build_plan(opts: Any, seeds: Sequence[int], has_refiner: bool = False) -> list[Step]:
    """Every generation step of an invocation, in order (image seeds outermost)."""
    image_seeds: list[str | None] = list(getattr(opts, "image_seeds", None) or []) or [None]
    has_image_seeds = image_seeds != [None]
    axes = axis_values(opts, has_refiner, has_image_seeds)
    per_seed: list[tuple[int | None, str | None, list[dict[str, Any]]]] = []
    strengths = axes["image_seed_strengths"]
    for index, image_seed in enumerate(image_seeds):
        if getattr(opts, "seeds_to_images", False) and has_image_seeds:
            axes["seeds"] = [seeds[index % len(seeds)]]
        else:
            axes["seeds"] = list(seeds)
        axes["image_seed_strengths"] = strengths if _has_img2img(opts, image_seed) else [None]
        _model_type_axes(opts, axes, image_seed)
        per_seed.append((index if has_image_seeds else None, image_seed, _combinations(axes)))
    total = sum(len(combos) for _, _, combos in per_seed)
    steps: list[Step] = []
    for index, image_seed, combos in per_seed:
        for values in combos:
            steps.append(Step(len(steps) + 1, total, image_seed, index, values))
    return steps


def count_steps(opts: Any, seeds: Sequence[int], has_refiner: bool = False) -> int:
    """The number of generation steps :func:`build_plan` would return."""
    return len(build_plan(opts, seeds, has_refiner))


def scheduler_combinations(opts: Any) -> int:
    """How many scheduler x second-model scheduler combinations the options give."""
    return (len(getattr(opts, "schedulers", None) or [None])
            * len(getattr(opts, "second_model_schedulers", None) or [None]))


def split_prompt(text: str | None) -> tuple[str, str | None]:
    """``"positive; negative"`` -> (positive, negative or None), split on the first ``;``."""
    if text is None:
        return "", None
    positive, sep, negative = text.partition(";")
    negative = negative.strip()
    return positive.strip(), (negative if sep and negative else None)
