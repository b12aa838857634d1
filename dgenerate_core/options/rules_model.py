"""Validation rules about model types, image seeds and feature combinations (manual §18)."""

from __future__ import annotations

from dgenerate_core.errors import UsageError
from dgenerate_core.options.rules_common import first_given, given, is_help_mode, model_type, name
from dgenerate_core.options.spec import FLUX_TYPES, PIX2PIX_TYPES, SD3_TYPES

_CLIP_SKIP_TYPES = ("sd", "sdxl") + SD3_TYPES
_NEED_IMAGE_SEEDS_TYPES = PIX2PIX_TYPES + ("upscaler-x2", "upscaler-x4", "ifs", "ifs-img2img",
                                           "flux-fill", "flux-kontext")
_NO_STRENGTH_TYPES = PIX2PIX_TYPES + ("upscaler-x2", "upscaler-x4", "s-cascade", "flux-fill",
                                      "flux-kontext")
_SINGLE_FILE_EXT = (".safetensors", ".ckpt", ".pt", ".pth", ".bin")
_SADA = ("sada", "sada_max_downsamples", "sada_sxs", "sada_sys", "sada_acc_ranges",
         "sada_lagrange_terms", "sada_lagrange_ints", "sada_lagrange_steps", "sada_max_fixes",
         "sada_max_intervals")
_DEEP_CACHE = ("deep_cache", "deep_cache_intervals", "deep_cache_branch_ids")
_TEA_CACHE = ("tea_cache", "tea_cache_rel_l1_thresholds")
_RAS = ("ras", "ras_index_fusion", "ras_sample_ratios", "ras_high_ratios",
        "ras_starvation_scales", "ras_error_reset_steps", "ras_metrics", "ras_start_steps",
        "ras_end_steps", "ras_skip_num_steps", "ras_skip_num_step_lengths")
_CROP = ("inpaint_crop", "inpaint_crop_paddings", "inpaint_crop_masked", "inpaint_crop_feathers")
_PAG = ("pag", "pag_scales", "pag_adaptive_scales")


def rule_clip_skip(opts, ctx) -> None:
    """R43: clip skip for sd, sdxl, sd3, or any model type through a prompt weighter."""
    mt = model_type(opts)
    if given(opts, "clip_skips") and mt not in _CLIP_SKIP_TYPES \
            and not given(opts, "prompt_weighter"):
        raise UsageError(f"--clip-skips is not supported for --model-type {mt} (only sd, sdxl "
                         f"and sd3, or with --prompt-weighter)")


def rule_s_cascade_decoder(opts, ctx) -> None:
    """R27: Stable Cascade always needs its decoder."""
    if model_type(opts) == "s-cascade" and not given(opts, "s_cascade_decoder") \
            and not is_help_mode(opts):
        raise UsageError("--model-type s-cascade requires --s-cascade-decoder")


def rule_needs_image_seeds(opts, ctx) -> None:
    """R20, R21: features and model types that work only on input images."""
    if given(opts, "image_seeds") or is_help_mode(opts):
        return
    dest = first_given(opts, ("control_nets", "t2i_adapters", "ip_adapters",
                              "adetailer_detectors"))
    if dest:
        raise UsageError(f"{name(dest)} requires --image-seeds")
    mt = model_type(opts)
    if mt in _NEED_IMAGE_SEEDS_TYPES:
        raise UsageError(f"--model-type {mt} requires --image-seeds")


def rule_image_encoder(opts, ctx) -> None:
    """R22: an image encoder serves IP adapters (or Stable Cascade); Flux IP adapters need one."""
    mt = model_type(opts)
    if given(opts, "image_encoder") and not given(opts, "ip_adapters") and mt != "s-cascade":
        raise UsageError("--image-encoder requires --ip-adapters (except for --model-type "
                         "s-cascade)")
    if given(opts, "image_encoder") and mt in ("if", "ifs", "ifs-img2img", "upscaler-x2",
                                               "upscaler-x4", "sdxl-pix2pix"):
        raise UsageError(f"--image-encoder is not supported for --model-type {mt}")
    if mt in FLUX_TYPES and given(opts, "ip_adapters"):
        if not given(opts, "image_encoder"):
            raise UsageError("--ip-adapters with Flux requires --image-encoder")
        if len(opts.ip_adapters) > 1:
            raise UsageError("Flux supports only one --ip-adapters model")


def rule_strength_model_types(opts, ctx) -> None:
    """R48: model types that take no --image-seed-strengths."""
    mt = model_type(opts)
    if given(opts, "image_seed_strengths") and mt in _NO_STRENGTH_TYPES:
        raise UsageError(f"--image-seed-strengths is not supported for --model-type {mt}")


def rule_sada_exclusive(opts, ctx) -> None:
    """R15: SADA cannot be combined with HiDiffusion, DeepCache or TeaCache."""
    sada = first_given(opts, _SADA)
    other = first_given(opts, ("hi_diffusion",) + _DEEP_CACHE + _TEA_CACHE)
    if sada and other:
        raise UsageError(f"{name(sada)} cannot be used together with {name(other)}")


def rule_inpaint_crop(opts, ctx) -> None:
    """R14, R17, R32: inpaint crop needs image seeds and aspect resizing; -icm excludes -icf."""
    if given(opts, "inpaint_crop_masked") and given(opts, "inpaint_crop_feathers"):
        raise UsageError("--inpaint-crop-masked and --inpaint-crop-feathers cannot be used "
                         "together")
    crop = first_given(opts, _CROP)
    if crop and opts.no_aspect:
        raise UsageError(f"{name(crop)} cannot be used with --no-aspect")
    if crop and not given(opts, "image_seeds"):
        raise UsageError(f"{name(crop)} requires --image-seeds with inpaint masks")


def rule_offload_accel(opts, ctx) -> None:
    """R18: TeaCache / RAS and CPU offload, RAS index fusion and sequential offload/quantizer."""
    if opts.model_cpu_offload:
        feature = first_given(opts, _TEA_CACHE + _RAS)
        if feature:
            raise UsageError(f"{name(feature)} cannot be used with --model-cpu-offload")
    if opts.ras_index_fusion and opts.model_sequential_offload:
        raise UsageError("--ras-index-fusion cannot be used with --model-sequential-offload")
    unet_quant = opts.unet is not None and "quantizer=" in opts.unet
    if opts.ras_index_fusion and (given(opts, "quantizer") or unet_quant):
        raise UsageError("--ras-index-fusion cannot be used with a quantized transformer; "
                         "quantize the text encoders individually instead")


def rule_original_config(opts, ctx) -> None:
    """R28: --original-config belongs to a single file checkpoint (URLs are taken on trust)."""
    path = opts.model_path
    if given(opts, "original_config") and path is not None and "://" not in path \
            and not path.lower().endswith(_SINGLE_FILE_EXT):
        raise UsageError("--original-config requires model_path to be a single file checkpoint")


def rule_t2i_combinations(opts, ctx) -> None:
    """R40, R42: HiDiffusion and PAG do not work with T2I adapters."""
    if not given(opts, "t2i_adapters"):
        return
    feature = first_given(opts, ("hi_diffusion",) + _PAG)
    if feature:
        raise UsageError(f"{name(feature)} cannot be used with --t2i-adapters")


def rule_sequence_length_controlnet(opts, ctx) -> None:
    """R44: SD3 with ControlNets takes no --max-sequence-length."""
    if given(opts, "max_sequence_length") and given(opts, "control_nets") \
            and model_type(opts) in SD3_TYPES:
        raise UsageError("--max-sequence-length cannot be used with --control-nets for SD3")


def rule_ras_steps(opts, ctx) -> None:
    """R69: every RAS start step must not exceed every RAS end step."""
    starts, ends = opts.ras_start_steps, opts.ras_end_steps
    if starts and ends and max(starts) > min(ends):
        raise UsageError(f"--ras-start-steps ({max(starts)}) must not exceed --ras-end-steps "
                         f"({min(ends)})")


def rule_sada_lagrange(opts, ctx) -> None:
    """SADA: every lagrange step must be a multiple of every lagrange interval."""
    if not first_given(opts, _SADA):
        return
    steps = opts.sada_lagrange_steps or ([20] if model_type(opts) in FLUX_TYPES else [24])
    ints = opts.sada_lagrange_ints or [4]
    for step in steps:
        for interval in ints:
            if step % interval:
                raise UsageError(f"--sada-lagrange-steps {step} must be a multiple of "
                                 f"--sada-lagrange-ints {interval}")


def rule_denoising_refiner(opts, ctx) -> None:
    """R70: a manual denoising range excludes the SDXL refiner."""
    dest = first_given(opts, ("denoising_start", "denoising_end"))
    if dest and given(opts, "sdxl_refiner"):
        raise UsageError(f"{name(dest)} cannot be used with --sdxl-refiner")


MODEL_RULES = (
    rule_clip_skip,
    rule_s_cascade_decoder,
    rule_needs_image_seeds,
    rule_image_encoder,
    rule_strength_model_types,
    rule_sada_exclusive,
    rule_inpaint_crop,
    rule_offload_accel,
    rule_original_config,
    rule_t2i_combinations,
    rule_sequence_length_controlnet,
    rule_ras_steps,
    rule_sada_lagrange,
    rule_denoising_refiner,
)
