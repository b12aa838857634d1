"""The manual's other model types through the real command line on tiny models: pix2pix,
sdxl-pix2pix, upscaler-x2, upscaler-x4, Deep Floyd (if, ifs, ifs-img2img), Stable Cascade,
flux-fill and flux-kontext (usage.md §11, cli-options.md §19)."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.cli import main

FAST = ["--inference-steps", "2", "--seeds", "7", "--device", "cpu"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    Image.effect_noise((64, 48), 64).convert("RGB").save(root / "img.png")
    Image.effect_noise((64, 64), 64).convert("RGB").save(root / "square.png")
    Image.effect_noise((16, 16), 64).convert("RGB").save(root / "small.png")
    mask = Image.new("L", (64, 48), 0)
    mask.paste(255, (16, 16, 48, 40))
    mask.save(root / "mask.png")
    return {name: str(root / f"{name}.png") for name in ("img", "square", "small", "mask")}


def _run(args, out):
    rc = main([*args, *FAST, "-o", str(out)])
    files = sorted(os.listdir(out)) if os.path.isdir(out) else []
    return rc, files


def _sizes(out, files):
    return [Image.open(os.path.join(out, f)).size for f in files]


def _pixels(out, name):
    with Image.open(os.path.join(out, name)) as im:
        return np.asarray(im, dtype=np.float32)


def test_pix2pix_image_guidance_scales(tiny_types, inputs, tmp_path):
    rc, files = _run([tiny_types.path("pix2pix"), "--model-type", "pix2pix",
                      "--image-seeds", inputs["img"], "--image-guidance-scales", "1.5", "4"],
                     tmp_path)
    assert rc == 0
    assert files == ["s_7_g_5-0_igs_1-5_i_2_step_1.png", "s_7_g_5-0_igs_4-0_i_2_step_2.png"]
    assert _sizes(tmp_path, files) == [(64, 48), (64, 48)]
    assert np.abs(_pixels(tmp_path, files[0]) - _pixels(tmp_path, files[1])).max() > 0


def test_pix2pix_default_image_guidance_and_no_txt2img(tiny_types, inputs, tmp_path, capsys):
    rc, files = _run([tiny_types.path("sdxl-pix2pix"), "--model-type", "sdxl-pix2pix",
                      "--image-seeds", inputs["img"]], tmp_path)
    assert rc == 0 and files == ["s_7_g_5-0_igs_1-5_i_2_step_1.png"]
    assert _run([tiny_types.path("pix2pix"), "--model-type", "pix2pix"], tmp_path / "x")[0] != 0
    assert "--model-type pix2pix requires --image-seeds" in capsys.readouterr().err


def test_pix2pix_inpaint_is_not_supported_yet(tiny_types, inputs, tmp_path, capsys):
    rc, _ = _run([tiny_types.path("pix2pix"), "--model-type", "pix2pix",
                  "--image-seeds", f"{inputs['img']};{inputs['mask']}"], tmp_path)
    assert rc != 0
    assert "inpainting with --model-type pix2pix is not supported yet" in capsys.readouterr().err


def test_upscaler_x2_doubles_the_size(tiny_types, inputs, tmp_path):
    rc, files = _run([tiny_types.path("upscaler-x2"), "--model-type", "upscaler-x2",
                      "--image-seeds", inputs["square"]], tmp_path)
    assert rc == 0 and files == ["s_7_g_5-0_i_2_step_1.png"]
    assert _sizes(tmp_path, files) == [(128, 128)]


def test_upscaler_x2_rejects_noise_levels(tiny_types, inputs, tmp_path, capsys):
    rc, _ = _run([tiny_types.path("upscaler-x2"), "--model-type", "upscaler-x2",
                  "--image-seeds", inputs["square"], "--upscaler-noise-levels", "5"], tmp_path)
    assert rc != 0 and "--upscaler-noise-levels" in capsys.readouterr().err


def test_upscaler_x4_noise_levels(tiny_types, inputs, tmp_path):
    rc, files = _run([tiny_types.path("upscaler-x4"), "--model-type", "upscaler-x4",
                      "--image-seeds", inputs["small"]], tmp_path / "default")
    assert rc == 0 and files == ["s_7_unl_20_g_5-0_i_2_step_1.png"]  # default 20
    assert _sizes(tmp_path / "default", files) == [(64, 64)]
    rc, files = _run([tiny_types.path("upscaler-x4"), "--model-type", "upscaler-x4",
                      "--image-seeds", inputs["small"], "-uns", "20", "300"], tmp_path / "two")
    assert rc == 0
    assert files == ["s_7_unl_20_g_5-0_i_2_step_1.png", "s_7_unl_300_g_5-0_i_2_step_2.png"]
    two = tmp_path / "two"
    assert np.array_equal(_pixels(two, files[0]),
                          _pixels(tmp_path / "default", "s_7_unl_20_g_5-0_i_2_step_1.png"))
    assert np.abs(_pixels(two, files[0]) - _pixels(two, files[1])).max() > 0


@pytest.mark.parametrize("seed, name", [
    (None, "s_7_g_5-0_i_2_step_1.png"),
    ("{img}", "s_7_st_0-8_g_5-0_i_2_step_1.png"),
    ("{img};{mask}", "s_7_st_0-8_g_5-0_i_2_step_1.png"),
], ids=["txt2img", "img2img", "inpaint"])
def test_deep_floyd_stage_1(tiny_types, inputs, tmp_path, seed, name):
    args = [tiny_types.path("if"), "--model-type", "if", "--output-size", "32"]
    if seed:
        args += ["--image-seeds", seed.format(**inputs)]
    rc, files = _run(args, tmp_path)
    assert rc == 0 and files == [name]


def test_deep_floyd_super_resolution(tiny_types, inputs, tmp_path):
    ifs = tiny_types.path("ifs")
    rc, files = _run([ifs, "--model-type", "ifs", "--image-seeds", inputs["small"]], tmp_path)
    assert rc == 0 and files == ["s_7_unl_250_g_5-0_i_2_step_1.png"]
    assert _sizes(tmp_path, files) == [(64, 64)]  # stage II upscales four times


def test_deep_floyd_floyd_images(tiny_types, inputs, tmp_path, capsys):
    ifs = tiny_types.path("ifs")
    seed = f"{inputs['img']};mask={inputs['mask']};floyd={inputs['small']}"
    rc, files = _run([ifs, "--model-type", "ifs", "--image-seeds", seed], tmp_path / "inpaint")
    assert rc == 0 and files == ["s_7_unl_0_g_5-0_i_2_step_1.png"]  # 0 when inpainting
    seed = f"{inputs['img']};floyd={inputs['small']}"
    rc, files = _run([ifs, "--model-type", "ifs-img2img", "--image-seeds", seed], tmp_path / "i")
    assert rc == 0 and files == ["s_7_unl_250_g_5-0_i_2_step_1.png"]
    rc, _ = _run([ifs, "--model-type", "ifs-img2img", "--image-seeds", inputs["img"]],
                 tmp_path / "x")
    assert rc != 0
    assert 'needs the previous Deep Floyd stage image, give it with "floyd="' \
        in capsys.readouterr().err


@pytest.fixture(scope="module")
def cascade(tiny_types):
    return [tiny_types.path("s-cascade"), "--model-type", "s-cascade",
            "--s-cascade-decoder", tiny_types.path("s-cascade-decoder"), "--output-size", "128"]


def test_stable_cascade_txt2img_and_decoder_options(cascade, tmp_path):
    rc, files = _run(cascade, tmp_path / "a")
    assert rc == 0 and files == ["s_7_g_5-0_i_2_step_1.png"]
    assert _sizes(tmp_path / "a", files) == [(128, 128)]
    rc, files = _run([*cascade, "-ifs2", "3", "-gs2", "1.5"], tmp_path / "b")
    assert rc == 0 and files == ["s_7_g_5-0_g2_1-5_i_2_i2_3_step_1.png"]
    assert np.abs(_pixels(tmp_path / "a", "s_7_g_5-0_i_2_step_1.png")
                  - _pixels(tmp_path / "b", files[0])).max() > 0


def test_stable_cascade_image_prompt_is_not_resized(cascade, inputs, tmp_path):
    rc, files = _run([*cascade, "--image-seeds", f"images: {inputs['img']}, {inputs['small']}"],
                     tmp_path)
    assert rc == 0 and files == ["s_7_g_5-0_i_2_step_1.png"]
    assert _sizes(tmp_path, files) == [(128, 128)]  # --output-size, not the images' sizes


def test_stable_cascade_second_model_unet(cascade, tiny_types, tmp_path):
    plain, other = tmp_path / "plain", tmp_path / "other"
    assert _run(cascade, plain)[0] == 0
    rc, files = _run([*cascade, "--unet", tiny_types.cascade_unet("prior"),
                      "--second-model-unet", tiny_types.cascade_unet("decoder")], other)
    assert rc == 0
    assert np.abs(_pixels(plain, files[0]) - _pixels(other, files[0])).max() > 0


def test_stable_cascade_needs_its_decoder_and_128_sizes(tiny_types, tmp_path, capsys):
    prior = tiny_types.path("s-cascade")
    assert _run([prior, "--model-type", "s-cascade"], tmp_path)[0] != 0
    assert "--model-type s-cascade requires --s-cascade-decoder" in capsys.readouterr().err
    assert _run([prior, "--model-type", "s-cascade", "--s-cascade-decoder", prior,
                 "--output-size", "96"], tmp_path)[0] != 0
    assert "must be divisible by 128" in capsys.readouterr().err


def test_flux_fill_inpaints_only(tiny_types, inputs, tmp_path, capsys):
    fill = tiny_types.path("flux-fill")
    rc, files = _run([fill, "--model-type", "flux-fill",
                      "--image-seeds", f"{inputs['img']};{inputs['mask']}"], tmp_path)
    assert rc == 0 and files == ["s_7_g_5-0_i_2_step_1.png"]
    assert _sizes(tmp_path, files) == [(64, 48)]
    assert _run([fill, "--model-type", "flux-fill", "--image-seeds", inputs["img"]],
                tmp_path / "x")[0] != 0
    assert "img2img with --model-type flux-fill is not supported" in capsys.readouterr().err


@pytest.mark.parametrize("seed", ["{img}", "{img};{mask}"], ids=["img2img", "inpaint"])
def test_flux_kontext_keeps_the_image_size(tiny_types, inputs, tmp_path, seed):
    rc, files = _run([tiny_types.path("flux-kontext"), "--model-type", "flux-kontext",
                      "--image-seeds", seed.format(**inputs)], tmp_path)
    assert rc == 0 and files == ["s_7_g_5-0_i_2_step_1.png"]
    assert _sizes(tmp_path, files) == [(64, 48)]


def test_sdxl_refiner_as_the_main_img2img_model(tiny_models, inputs, tmp_path):
    """A refiner's UNet takes aesthetic scores: the img2img pipeline derived from the txt2img
    one must keep ``requires_aesthetics_score`` of the model (issue 14)."""
    rc, files = _run([tiny_models.sdxl_refiner, "--model-type", "sdxl",
                      "--image-seeds", inputs["img"]], tmp_path)
    assert rc == 0 and files == ["s_7_st_0-8_g_5-0_i_2_step_1.png"]


def test_stable_cascade_decoder_component_help(cascade, capsys):
    assert main([*cascade, "--second-model-text-encoders", "help"]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        "Text encoder type help:", "", "    0 = CLIPTextModelWithProjection"]
