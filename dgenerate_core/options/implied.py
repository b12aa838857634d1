"""Implied enablement and feature defaults (manual R35/R36), applied to a copy of the options.

``resolve_implied(opts)`` turns e.g. ``--pag-scales 2`` into ``pag=True`` and fills the lists of
an enabled feature that the user left empty (``--pag`` alone gets ``pag_scales=[3.0]`` and
``pag_adaptive_scales=[0.0]``). ``explicit`` is left unchanged, so a reconstructed command line
still shows only what the user typed. Model-type dependent defaults (SADA, strengths, upscaler
noise, output size) stay None for the engine to decide.
"""

from __future__ import annotations

import random

from dgenerate_core.options.rules_common import given

# flag dest -> the option dests that imply it
IMPLIES: dict[str, tuple[str, ...]] = {
    "sada": ("sada_max_downsamples", "sada_sxs", "sada_sys", "sada_acc_ranges",
             "sada_lagrange_terms", "sada_lagrange_ints", "sada_lagrange_steps",
             "sada_max_fixes", "sada_max_intervals"),
    "deep_cache": ("deep_cache_intervals", "deep_cache_branch_ids"),
    "sdxl_refiner_deep_cache": ("sdxl_refiner_deep_cache_intervals",
                                "sdxl_refiner_deep_cache_branch_ids"),
    "tea_cache": ("tea_cache_rel_l1_thresholds",),
    "ras": ("ras_index_fusion", "ras_sample_ratios", "ras_high_ratios", "ras_starvation_scales",
            "ras_error_reset_steps", "ras_metrics", "ras_start_steps", "ras_end_steps",
            "ras_skip_num_steps", "ras_skip_num_step_lengths"),
    "pag": ("pag_scales", "pag_adaptive_scales"),
    "sdxl_refiner_pag": ("sdxl_refiner_pag_scales", "sdxl_refiner_pag_adaptive_scales"),
    "inpaint_crop": ("inpaint_crop_paddings", "inpaint_crop_masked", "inpaint_crop_feathers"),
}

# flag dest -> {list dest: default} filled when the feature is on and the list is empty
FEATURE_DEFAULTS: dict[str, dict[str, list]] = {
    "deep_cache": {"deep_cache_intervals": [5], "deep_cache_branch_ids": [1]},
    "sdxl_refiner_deep_cache": {"sdxl_refiner_deep_cache_intervals": [5],
                                "sdxl_refiner_deep_cache_branch_ids": [1]},
    "tea_cache": {"tea_cache_rel_l1_thresholds": [0.6]},
    "ras": {"ras_sample_ratios": [0.5], "ras_high_ratios": [1.0], "ras_starvation_scales": [0.1],
            "ras_error_reset_steps": [(12, 22)], "ras_metrics": ["std"], "ras_start_steps": [4],
            "ras_skip_num_steps": [0], "ras_skip_num_step_lengths": [0]},
}

MAX_SEED = 99999999999999


def _fill_pair(opts, first: str, second: str, defaults: tuple[float, float]) -> None:
    """PAG: the defaults apply only when neither scale list was given."""
    if not getattr(opts, first) and not getattr(opts, second):
        setattr(opts, first, [defaults[0]])
        setattr(opts, second, [defaults[1]])


def resolve_implied(opts):
    """A copy of ``opts`` with implied feature flags on and feature list defaults filled."""
    out = opts.copy()
    for flag, sources in IMPLIES.items():
        if any(given(opts, d) for d in sources):
            setattr(out, flag, True)
    for flag, defaults in FEATURE_DEFAULTS.items():
        if getattr(out, flag):
            for dest, value in defaults.items():
                if not getattr(out, dest):
                    setattr(out, dest, list(value))
    if out.pag:
        _fill_pair(out, "pag_scales", "pag_adaptive_scales", (3.0, 0.0))
    if out.sdxl_refiner_pag and out.sdxl_refiner:
        _fill_pair(out, "sdxl_refiner_pag_scales", "sdxl_refiner_pag_adaptive_scales", (3.0, 0.0))
    if out.sdxl_refiner and not out.sdxl_high_noise_fractions:
        out.sdxl_high_noise_fractions = [0.8]
    if out.inpaint_crop and not out.inpaint_crop_paddings and not out.inpaint_crop_feathers:
        out.inpaint_crop_paddings = [(32, 32, 32, 32)]
    return out


def resolve_seeds(opts, rng: random.Random | None = None) -> list[int]:
    """The seeds of an invocation: ``--seeds``, else ``--gen-seeds`` N random, else one random."""
    if opts.seeds:
        return list(opts.seeds)
    rng = rng or random.Random()
    count = opts.gen_seeds or 1
    return [rng.randint(0, MAX_SEED) for _ in range(count)]
