"""Every model type x txt2img / img2img / inpaint through the real command line, tiny models."""

import os

import pytest
from PIL import Image

from dgenerate_core.cli import main

FAST = ["--inference-steps", "2", "--seeds", "7"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    img = root / "img.png"
    Image.effect_noise((96, 72), 64).convert("RGB").save(img)
    mask = Image.new("L", (96, 72), 0)
    mask.paste(255, (16, 16, 64, 48))
    mask.save(root / "mask.png")
    return str(img), str(root / "mask.png")


def _run(args, out):
    rc = main([*args, *FAST, "-o", str(out)])
    files = sorted(os.listdir(out)) if os.path.isdir(out) else []
    return rc, files


# (model attribute, model type, extra args, mode, expected size for the 96x72 input)
CASES = [
    ("sd", "sd", [], "txt2img", (64, 64)),
    ("sd", "sd", [], "img2img", (96, 72)),
    ("sd", "sd", [], "inpaint", (96, 72)),
    ("sd_inpaint", "sd", [], "inpaint", (96, 72)),
    ("sdxl", "sdxl", [], "txt2img", (64, 64)),
    ("sdxl", "sdxl", [], "img2img", (96, 72)),
    ("sdxl", "sdxl", [], "inpaint", (96, 72)),
    ("sd3", "sd3", [], "txt2img", (64, 64)),
    ("sd3", "sd3", [], "img2img", (96, 64)),
    ("sd3", "sd3", [], "inpaint", (96, 64)),
    ("flux", "flux", [], "txt2img", (64, 64)),
    ("flux", "flux", [], "img2img", (96, 64)),
    ("flux", "flux", [], "inpaint", (96, 64)),
    ("kolors", "kolors", [], "txt2img", (64, 64)),
    ("kolors", "kolors", [], "img2img", (96, 72)),
    ("kolors", "kolors", [], "inpaint", (96, 72)),  # our KolorsInpaintPipeline
]


@pytest.mark.parametrize("attr, model_type, extra, mode, size", CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_model_type_and_mode(tiny_models, inputs, tmp_path, attr, model_type, extra, mode, size):
    img, mask = inputs
    args = [getattr(tiny_models, attr), "--model-type", model_type, *extra]
    if mode == "txt2img":
        args += ["--output-size", "64"]
    elif mode == "img2img":
        args += ["--image-seeds", img]
    else:
        args += ["--image-seeds", f"{img};{mask}"]
    rc, files = _run(args, tmp_path)
    assert rc == 0
    expected = "s_7_g_5-0_i_2_step_1.png" if mode == "txt2img" else \
        "s_7_st_0-8_g_5-0_i_2_step_1.png"
    assert files == [expected]
    with Image.open(tmp_path / expected) as im:
        assert im.size == size


@pytest.mark.parametrize("extra, name", [
    ([], "s_7_g_5-0_i_2_hnf_0-5_step_1.png"),
    (["--sdxl-refiner-edit"], "s_7_g_5-0_i_2_hnf_0-5_step_1.png"),
])
def test_sdxl_refiner_cooperative_and_edit(tiny_models, tmp_path, capsys, extra, name):
    rc, files = _run([tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner",
                      tiny_models.sdxl_refiner, "--output-size", "64", "-hnf", "0.5", "-v",
                      *extra], tmp_path)
    assert rc == 0 and files == [name]
    out = capsys.readouterr().out
    assert "Calling StableDiffusionXLImg2ImgPipeline" in out
    if extra:
        assert "strength: 0.5" in out and "denoising_start" not in out
    else:
        assert "denoising_end: 0.5" in out and "denoising_start: 0.5" in out
        assert "output_type: 'latent'" in out


def test_sdxl_refiner_inpaint_uses_edit_mode(tiny_models, inputs, tmp_path, capsys):
    img, mask = inputs
    rc, files = _run([tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner",
                      tiny_models.sdxl_refiner, "--image-seeds", f"{img};{mask}", "-hnf", "0.5",
                      "-v", "-ifs2", "4", "-gs2", "3"], tmp_path)
    assert rc == 0
    assert files == ["s_7_st_0-8_g_5-0_g2_3-0_i_2_i2_4_hnf_0-5_step_1.png"]
    out = capsys.readouterr().out
    assert "Calling StableDiffusionXLInpaintPipeline" in out
    refiner_call = out.split("Calling StableDiffusionXLInpaintPipeline")[-1]
    assert "num_inference_steps: 4" in refiner_call and "guidance_scale: 3.0" in refiner_call


def test_refiner_edit_mode_without_steps_is_a_user_error(tiny_models, tmp_path, capsys):
    rc, _ = _run([tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner",
                  tiny_models.sdxl_refiner, "--output-size", "64", "--sdxl-refiner-edit"],
                 tmp_path)
    assert rc == 1
    assert "--sdxl-high-noise-fractions 0.8" in capsys.readouterr().err


def test_prompt_options_reach_the_pipelines(tiny_models, tmp_path, capsys):
    rc, _ = _run([tiny_models.sd3, "--model-type", "sd3", "--output-size", "64", "-v",
                  "--prompts", "a cat; a dog", "--second-prompts", "two; neg2",
                  "--third-prompts", "three", "--max-sequence-length", "32", "--clip-skips", "1"],
                 tmp_path)
    assert rc == 0
    out = capsys.readouterr().out
    for line in ("prompt: 'a cat'", "negative_prompt: 'a dog'", "prompt_2: 'two'",
                 "negative_prompt_2: 'neg2'", "prompt_3: 'three'", "max_sequence_length: 32",
                 "clip_skip: 1"):
        assert line in out
    assert os.listdir(tmp_path) == ["s_7_g_5-0_i_2_cs_1_step_1.png"]


def test_flux_uses_default_sequence_length(tiny_models, tmp_path, capsys):
    rc, _ = _run([tiny_models.flux, "--model-type", "flux", "--output-size", "64", "-v"],
                 tmp_path)
    assert rc == 0 and "max_sequence_length: 512" in capsys.readouterr().out


@pytest.mark.parametrize("attr, model_type, mode_args, mode", [
    ("flux", "flux", ["--output-size", "64"], "txt2img"),
    ("sd", "sd", ["--image-seeds", "IMG"], "img2img"),
])
def test_guidance_rescale_rejected_where_the_pipeline_lacks_it(
        tiny_models, inputs, tmp_path, capsys, attr, model_type, mode_args, mode):
    args = [a.replace("IMG", inputs[0]) for a in mode_args]
    rc, files = _run([getattr(tiny_models, attr), "--model-type", model_type, *args,
                      "--guidance-rescales", "0.5"], tmp_path)
    assert rc == 1 and files == []
    assert (f'--guidance-rescales cannot be used with --model-type "{model_type}" in {mode} '
            f"mode with the current combination of arguments and model.") \
        in capsys.readouterr().err


def test_guidance_rescale_passed_where_accepted(tiny_models, tmp_path, capsys):
    rc, files = _run([tiny_models.sd, "--output-size", "64", "--guidance-rescales", "0.5", "-v"],
                     tmp_path)
    assert rc == 0 and files == ["s_7_g_5-0_gr_0-5_i_2_step_1.png"]
    assert "guidance_rescale: 0.5" in capsys.readouterr().out


def test_pag_pipelines(tiny_models, inputs, tmp_path, capsys):
    rc, files = _run([tiny_models.sd, "--output-size", "64", "--pag", "--pag-scales", "2", "4",
                      "-v"], tmp_path / "a")
    out = capsys.readouterr().out
    assert rc == 0 and files == ["s_7_g_5-0_ps_2-0_i_2_step_1.png",
                                 "s_7_g_5-0_ps_4-0_i_2_step_2.png"]
    assert "Calling StableDiffusionPAGPipeline" in out and "pag_scale: 4.0" in out
    rc, files = _run([tiny_models.sd, "--image-seeds", f"{inputs[0]};{inputs[1]}", "--pag",
                      "--pag-adaptive-scales", "0.1", "-v"], tmp_path / "b")
    assert rc == 0 and files == ["s_7_st_0-8_g_5-0_ps_3-0_pas_0-1_i_2_step_1.png"]
    assert "Calling StableDiffusionPAGInpaintPipeline" in capsys.readouterr().out
    rc, files = _run([tiny_models.sdxl, "--model-type", "sdxl", "--sdxl-refiner",
                      tiny_models.sdxl_refiner, "--output-size", "64", "--sdxl-refiner-pag",
                      "-v"], tmp_path / "c")
    out = capsys.readouterr().out
    assert rc == 0 and files == ["s_7_g_5-0_i_2_hnf_0-8_rps_3-0_step_1.png"]
    assert "Calling StableDiffusionXLPipeline" in out
    assert "Calling StableDiffusionXLPAGImg2ImgPipeline" in out


def test_sdxl_micro_conditioning_passed_swizzled_or_rejected(tiny_models, tmp_path, capsys):
    rc, _ = _run([tiny_models.sdxl, "--model-type", "sdxl", "--output-size", "64", "-v",
                  "--sdxl-original-sizes", "128x64", "--sdxl-crops-coords-top-left", "4,0"],
                 tmp_path / "a")
    out = capsys.readouterr().out
    assert rc == 0 and "original_size: (64, 128)" in out and "crops_coords_top_left: (4, 0)" in out
    assert "SDXL Original Size: 128x64" in out and "SDXL Crops Coords Top Left: 4,0" in out
    rc, _ = _run([tiny_models.sdxl, "--model-type", "sdxl", "--output-size", "64",
                  "--sdxl-aesthetic-scores", "6"], tmp_path / "b")
    assert rc == 1 and '--sdxl-aesthetic-scores cannot be used with --model-type "sdxl" in ' \
        "txt2img mode" in capsys.readouterr().err
    rc, _ = _run([tiny_models.sdxl, "--model-type", "sdxl", "--output-size", "64", "-v",
                  "--sdxl-refiner", tiny_models.sdxl_refiner, "--sdxl-refiner-aesthetic-scores",
                  "6", "--second-model-prompts", "refined; flat"], tmp_path / "c")
    refiner_call = capsys.readouterr().out.split("Calling StableDiffusionXLImg2ImgPipeline")[-1]
    assert rc == 0 and "aesthetic_score: 6.0" in refiner_call
    assert "prompt: 'refined'" in refiner_call and "negative_prompt: 'flat'" in refiner_call


def test_freeu_is_applied_and_removed(tiny_models, tmp_path):
    from dgenerate_core.pipelines import load_pipelines
    from dgenerate_core.options import parse_args

    rc, _ = _run([tiny_models.sd, "--output-size", "64", "--freeu-params", "0.9,0.2,1.2,1.4"],
                 tmp_path / "a")
    pipe = load_pipelines(parse_args([tiny_models.sd])).get("txt2img")
    assert rc == 0 and pipe.unet.up_blocks[0].b1 == 1.2
    rc, _ = _run([tiny_models.sd, "--output-size", "64"], tmp_path / "b")
    assert rc == 0 and getattr(pipe.unet.up_blocks[0], "b1", None) is None


def test_single_file_checkpoint_with_local_config_folder(tiny_models, tmp_path):
    """A .safetensors checkpoint loads offline when --original-config names a diffusers folder."""
    from dgenerate_core.cli import main as cli_main

    rc = cli_main([tiny_models.sd_single_file, "--original-config", tiny_models.sd,
                   "--output-size", "64", "-ifs", "2", "--seeds", "7", "-o", str(tmp_path)])
    assert rc == 0
    assert [p.name for p in tmp_path.iterdir()] == ["s_7_g_5-0_i_2_step_1.png"]
