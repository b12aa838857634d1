"""Each rule function on its own (also rules about options not built yet), and implied defaults."""

import importlib
import random

import pytest

from dgenerate_core.errors import UsageError
from dgenerate_core.options import parse_args, resolve_implied, resolve_seeds
from dgenerate_core.options import rules_model as rm
from dgenerate_core.options.validate import Context

v = importlib.import_module("dgenerate_core.options.validate")  # the package exports validate()

CTX = Context()


def _raises(rule, argv, match):
    with pytest.raises(UsageError, match=match) as info:
        rule(parse_args(["m"] + argv), CTX)
    assert "\n" not in str(info.value)


def _passes(rule, argv):
    rule(parse_args(["m"] + argv), CTX)


@pytest.mark.parametrize("rule, bad, good, match", [
    (v.rule_no_frames, ["-nf", "-af", "frames"], ["-nf", "-af", "gif"],
     "--no-frames cannot be used with --animation-format frames"),
    (v.rule_frame_range, ["-fs", "5", "-fe", "2"], ["-fs", "2", "-fe", "2"],
     r"--frame-start \(5\) must not be greater than --frame-end \(2\)"),
    (v.rule_metadata_format, ["-oam", "-if", "webp"], ["-oam", "-if", "jpeg"],
     "--output-auto1111-metadata requires --image-format png"),
    (v.rule_tensor_output, ["-bgs", "2x1", "-if", "pt"], ["-bgs", "2x1", "-if", "png"],
     "--batch-grid-size cannot be used with --image-format pt"),
    (v.rule_tensor_output, ["-ad", "d", "-if", "safetensors"], ["-ad", "d"],
     "--adetailer-detectors cannot be used with --image-format safetensors"),
    (v.rule_latents_post_processors, ["-lpp", "noise"], ["-lpp", "noise", "-if", "pth"],
     "--latents-post-processors requires --image-format pt, pth or safetensors"),
    (v.rule_output_size_alignment, ["-mt", "s-cascade", "-s", "1000"],
     ["-mt", "s-cascade", "-s", "1024"], "divisible by 128"),
    (v.rule_requires, ["-qm", "unet"], ["-qm", "unet", "-q", "bnb"],
     "--quantizer-map requires --quantizer"),
    (v.rule_requires, ["-qm2", "unet"], ["-qm2", "unet", "-q2", "bnb", "--sdxl-refiner", "r"],
     "--second-model-quantizer-map requires --second-model-quantizer"),
    (v.rule_requires, ["-te2", "x"], ["-te2", "x", "--s-cascade-decoder", "d"],
     "--second-model-text-encoders requires --sdxl-refiner or --s-cascade-decoder"),
    (v.rule_requires, ["-adm"], ["-adm", "-ad", "d"],
     "--adetailer-model-masks requires --adetailer-detectors"),
    (v.rule_requires, ["--sdxl-t2i-adapter-factors", "0.5"],
     ["--sdxl-t2i-adapter-factors", "0.5", "-t2i", "a"],
     "--sdxl-t2i-adapter-factors requires --t2i-adapters"),
    (v.rule_requires, ["--hi-diffusion-no-raunet"], ["--hi-diffusion-no-raunet", "-hd"],
     "--hi-diffusion-no-raunet requires --hi-diffusion"),
    (v.rule_requires, ["-sip", "flip"], ["-sip", "flip", "-is", "i.png"],
     "--seed-image-processors requires --image-seeds"),
    (v.rule_requires, ["-rdc"], ["-rdc", "--sdxl-refiner", "r"],
     "--sdxl-refiner-deep-cache requires --sdxl-refiner"),
    (v.rule_requires, ["-sir", "1.0"], ["-sir", "1.0", "--sdxl-refiner", "r"],
     "--sdxl-refiner-sigmas requires --sdxl-refiner"),
    (v.rule_model_types, ["-mt", "sdxl", "--s-cascade-decoder", "d"],
     ["-mt", "s-cascade", "--s-cascade-decoder", "d"], "--s-cascade-decoder is not supported"),
    (v.rule_model_types, ["-uns", "20"], ["-mt", "upscaler-x4", "-uns", "20"],
     "--upscaler-noise-levels is not supported for --model-type sd"),
    (v.rule_model_types, ["-mt", "upscaler-x2", "-uns", "20"], ["-mt", "ifs", "-uns", "20"],
     "--upscaler-noise-levels is not supported for --model-type upscaler-x2"),
    (v.rule_model_types, ["-igs", "1.5"], ["-mt", "pix2pix", "-igs", "1.5"],
     "--image-guidance-scales is not supported"),
    (v.rule_model_types, ["-mt", "sd3", "-hd"], ["-mt", "sdxl", "-hd"],
     "--hi-diffusion is not supported"),
    (v.rule_model_types, ["-mt", "flux", "-dc"], ["-mt", "upscaler-x4", "-dc"],
     "--deep-cache is not supported"),
    (v.rule_model_types, ["-tc"], ["-mt", "flux-fill", "-tc"], "--tea-cache is not supported"),
    (v.rule_model_types, ["-mt", "flux", "-ra"], ["-mt", "sd3", "-ra"], "--ras is not supported"),
    (v.rule_model_types, ["-mt", "sd3", "--sada"], ["-mt", "flux", "--sada"],
     "--sada is not supported"),
    (v.rule_model_types, ["-mt", "flux", "-t2i", "a"], ["-mt", "sdxl", "-t2i", "a"],
     "--t2i-adapters is not supported"),
    (v.rule_model_types, ["-mt", "if", "-vae", "x"], ["-mt", "sd3", "-vae", "x"],
     "--vae is not supported for --model-type if"),
    (v.rule_model_types, ["-mt", "upscaler-x2", "-cn", "c"], ["-mt", "kolors", "-cn", "c"],
     "--control-nets is not supported"),
    (v.rule_model_types, ["-mt", "sd3", "-ad", "d"], ["-mt", "flux-fill", "-ad", "d"], None),
    (rm.rule_s_cascade_decoder, ["-mt", "s-cascade"], ["-mt", "s-cascade", "--s-cascade-decoder",
                                                        "d"], "requires --s-cascade-decoder"),
    (rm.rule_needs_image_seeds, ["-cn", "c"], ["-cn", "c", "-is", "i.png"],
     "--control-nets requires --image-seeds"),
    (rm.rule_needs_image_seeds, ["-ad", "d"], ["-ad", "d", "-is", "i.png"],
     "--adetailer-detectors requires --image-seeds"),
    (rm.rule_needs_image_seeds, ["-mt", "pix2pix"], ["-mt", "pix2pix", "-sch", "help"],
     "--model-type pix2pix requires --image-seeds"),
    (rm.rule_needs_image_seeds, ["-mt", "flux-kontext"], ["-mt", "flux"],
     "--model-type flux-kontext requires --image-seeds"),
    (rm.rule_image_encoder, ["-ie", "enc"], ["-ie", "enc", "-ipa", "a"],
     "--image-encoder requires --ip-adapters"),
    (rm.rule_image_encoder, ["-mt", "flux", "-ipa", "a"], ["-mt", "flux", "-ipa", "a", "-ie", "e"],
     "--ip-adapters with Flux requires --image-encoder"),
    (rm.rule_image_encoder, ["-mt", "flux", "-ipa", "a", "b", "-ie", "e"],
     ["-mt", "s-cascade", "-ie", "e"], "only one --ip-adapters"),
    (rm.rule_image_encoder, ["-mt", "sdxl-pix2pix", "-ie", "e", "-ipa", "a"],
     ["-mt", "pix2pix", "-ie", "e", "-ipa", "a"], "--image-encoder is not supported"),
    (rm.rule_strength_model_types, ["-mt", "flux-fill", "-iss", "0.5"], ["-mt", "flux", "-iss",
                                                                         "0.5"],
     "--image-seed-strengths is not supported for --model-type flux-fill"),
    (rm.rule_sada_exclusive, ["--sada", "-hd"], ["--sada"],
     "--sada cannot be used together with --hi-diffusion"),
    (rm.rule_sada_exclusive, ["--sada-sxs", "3", "-dci", "4"], ["-dci", "4"],
     "--sada-sxs cannot be used together with --deep-cache-intervals"),
    (rm.rule_sada_exclusive, ["--sada-max-fixes", "3", "-tcr"], ["-tcr"], "cannot be used"),
    (rm.rule_inpaint_crop, ["-icm", "-icf", "3", "-is", "a;b"], ["-icm", "-is", "a;b"],
     "--inpaint-crop-masked and --inpaint-crop-feathers cannot be used together"),
    (rm.rule_inpaint_crop, ["-ic", "-na", "-is", "a;b"], ["-ic", "-is", "a;b"],
     "--inpaint-crop cannot be used with --no-aspect"),
    (rm.rule_inpaint_crop, ["-icp", "8"], ["-icp", "8", "-is", "a;b"],
     "--inpaint-crop-paddings requires --image-seeds"),
    (rm.rule_offload_accel, ["-tc", "-mco"], ["-tc", "-mqo"],
     "--tea-cache cannot be used with --model-cpu-offload"),
    (rm.rule_offload_accel, ["-rsr", "0.5", "-mco"], ["-rsr", "0.5"],
     "--ras-sample-ratios cannot be used with --model-cpu-offload"),
    (rm.rule_offload_accel, ["-rif", "-mqo"], ["-rif", "-mco2"],
     "--ras-index-fusion cannot be used with --model-sequential-offload"),
    (rm.rule_offload_accel, ["-rif", "-q", "bnb"], ["-rif"], "quantize the text encoders"),
    (rm.rule_original_config, ["-olc", "c.yaml"], [],
     "--original-config requires model_path to be a single file"),
    (rm.rule_t2i_combinations, ["-t2i", "a", "-pag"], ["-pag"],
     "--pag cannot be used with --t2i-adapters"),
    (rm.rule_t2i_combinations, ["-t2i", "a", "-hd"], ["-t2i", "a"],
     "--hi-diffusion cannot be used with --t2i-adapters"),
    (rm.rule_sequence_length_controlnet, ["-mt", "sd3", "-cn", "c", "--max-sequence-length", "9"],
     ["-mt", "flux", "-cn", "c", "--max-sequence-length", "9"], "--max-sequence-length"),
    (rm.rule_ras_steps, ["-rst", "5", "-res", "4"], ["-rst", "4", "-res", "4"],
     r"--ras-start-steps \(5\) must not exceed --ras-end-steps \(4\)"),
    (rm.rule_sada_lagrange, ["--sada-lagrange-ints", "5"], ["--sada-lagrange-ints", "6",
                                                            "--sada-lagrange-steps", "12"],
     "--sada-lagrange-steps 24 must be a multiple of --sada-lagrange-ints 5"),
    (rm.rule_denoising_refiner, ["-ds", "0.5", "--sdxl-refiner", "r"], ["-ds", "0.5"],
     "--denoising-start cannot be used with --sdxl-refiner"),
    (rm.rule_clip_skip, ["-mt", "kolors", "-cs", "2"], ["-mt", "kolors", "-cs", "2", "-pw",
                                                        "compel"], "--clip-skips"),
])
def test_rule(rule, bad, good, match):
    if match is not None:
        _raises(rule, bad, match)
    else:
        _passes(rule, bad)
    _passes(rule, good)


def test_original_config_accepts_single_files():
    """No UsageError for single-file model paths, whatever the case of the extension."""
    assert rm.rule_original_config(parse_args(["model.safetensors", "-olc", "c.yaml"]), CTX) is None
    assert rm.rule_original_config(parse_args(["dir/model.CKPT", "-olc", "c.yaml"]), CTX) is None


def test_implied_flags_and_defaults():
    opts = resolve_implied(parse_args(["m", "-pags", "2", "-dci", "3", "-tcr", "-rsr", "0.3"]))
    assert opts.pag and opts.pag_scales == [2.0] and opts.pag_adaptive_scales is None
    assert opts.deep_cache and opts.deep_cache_intervals == [3]
    assert opts.deep_cache_branch_ids == [1]
    assert opts.tea_cache and opts.tea_cache_rel_l1_thresholds == [0.6]
    assert opts.ras and opts.ras_sample_ratios == [0.3] and opts.ras_start_steps == [4]
    assert opts.ras_error_reset_steps == [(12, 22)]
    assert "pag" not in opts.explicit and "deep_cache" not in opts.explicit


def test_implied_pag_defaults_only_without_any_scale():
    opts = resolve_implied(parse_args(["m", "-pag"]))
    assert opts.pag_scales == [3.0] and opts.pag_adaptive_scales == [0.0]
    refiner = resolve_implied(parse_args(["m", "-mt", "sdxl", "--sdxl-refiner", "r", "-rpag"]))
    assert refiner.sdxl_refiner_pag_scales == [3.0]
    assert refiner.sdxl_high_noise_fractions == [0.8]


def test_implied_inpaint_crop():
    opts = resolve_implied(parse_args(["m", "-icm", "-is", "a;b"]))
    assert opts.inpaint_crop and opts.inpaint_crop_paddings == [(32, 32, 32, 32)]
    feathers = resolve_implied(parse_args(["m", "-icf", "4", "-is", "a;b"]))
    assert feathers.inpaint_crop and feathers.inpaint_crop_paddings is None


def test_resolve_implied_leaves_input_untouched():
    opts = parse_args(["m", "-pag"])
    resolve_implied(opts)
    assert opts.pag_scales is None


def test_resolve_seeds():
    assert resolve_seeds(parse_args(["m", "-se", "3", "4"])) == [3, 4]
    generated = resolve_seeds(parse_args(["m", "-gse", "3"]), random.Random(1))
    assert len(generated) == 3 and all(0 <= s <= 99999999999999 for s in generated)
    assert len(resolve_seeds(parse_args(["m"]))) == 1


def test_exclusive_groups_rule_on_built_options():
    from dgenerate_core.options import RenderOptions
    opts = RenderOptions(model_path="m", control_nets=["a"], t2i_adapters=["b"])
    with pytest.raises(UsageError, match="--control-nets and --t2i-adapters cannot be used"):
        v.rule_exclusive_groups(opts, CTX)
    v.rule_exclusive_groups(RenderOptions(model_path="m", seeds=[1]), CTX)
