"""Latents interchange: tensor --image-format output, --denoising-start/--denoising-end, and
latents tensors as img2img --image-seeds."""

import os

import numpy as np
import pytest
import torch
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.media.tensors import load_latents


def _invoke(model, out, *args):
    return invoke_dgenerate([model, "--seeds", "1", "-o", str(out), *args])


def test_sdxl_cooperative_denoising_through_files(tiny_models, tmp_path, capsys):
    sdxl = [tiny_models.sdxl, "--model-type", "sdxl"]
    first = invoke_dgenerate([*sdxl, "--seeds", "1", "-o", str(tmp_path), "--output-size", "64",
                              "-ifs", "10", "--denoising-end", "0.8", "--image-format", "pt",
                              "-bs", "2", "-oc"])
    names = [os.path.basename(p) for p in first.images]
    assert names == ["s_1_g_5-0_i_10_step_1_latent_1.pt", "s_1_g_5-0_i_10_step_1_latent_2.pt"]
    assert (tmp_path / "s_1_g_5-0_i_10_step_1_latent_2.dgen").exists()
    latents = load_latents(first.images[0])
    assert latents.dim() == 4 and latents.shape[:2] == (1, 4)
    second = invoke_dgenerate([*sdxl, "--seeds", "1", "-o", str(tmp_path / "b"), "-ifs", "10",
                               "--denoising-start", "0.8", "--image-seeds", first.images[0], "-v"])
    out = capsys.readouterr().out
    assert "denoising_start: 0.8" in out
    assert f"image: <Tensor {tuple(latents.shape)}>" in out and "Input: latents tensor" in out
    with Image.open(second.images[0]) as im:
        assert im.mode == "RGB"


@pytest.mark.parametrize("attr, model_type, fmt, channels", [
    ("sd", "sd", "safetensors", 4), ("sd3", "sd3", "pth", 16)])
def test_latents_round_trip_into_img2img(tiny_models, tmp_path, attr, model_type, fmt, channels):
    model = getattr(tiny_models, attr)
    first = _invoke(model, tmp_path, "--model-type", model_type, "--output-size", "64", "-ifs",
                    "4", "--image-format", fmt)
    assert [os.path.basename(p) for p in first.images] == [f"s_1_g_5-0_i_4_step_1.{fmt}"]
    assert load_latents(first.images[0]).shape[1] == channels
    second = _invoke(model, tmp_path, "--model-type", model_type, "-ifs", "4", "-iss", "0.5",
                     "--image-seeds", first.images[0], "-bs", "2")
    assert [os.path.basename(p) for p in second.images] == [
        f"s_1_st_0-5_g_5-0_i_4_step_1_image_{i}.png" for i in (1, 2)]


def test_flux_packed_latents_round_trip(tiny_models, tmp_path, capsys):
    """Flux writes packed (tokens, channels) latents; they come back as an img2img input
    (unpacked for the pipeline) and as the raw starting latents of a txt2img call."""
    flux = [tiny_models.flux, "--model-type", "flux", "-ifs", "2"]
    first = _invoke(flux[0], tmp_path, *flux[1:], "--output-size", "64", "--image-format", "pt")
    packed = torch.load(first.images[0])
    assert packed.dim() == 2  # packed (tokens, channels)
    second = _invoke(flux[0], tmp_path / "b", *flux[1:], "--image-seeds", first.images[0], "-v")
    out = capsys.readouterr().out
    assert f"image: <Tensor (1, {packed.shape[1] // 4}, 8, 8)>" in out and "width: 64" in out
    assert Image.open(second.images[0]).size == (64, 64)
    third = _invoke(flux[0], tmp_path / "c", *flux[1:], "--image-seeds",
                    f"latents: {first.images[0]}", "-v")
    out = capsys.readouterr().out
    assert f"latents: <Tensor (1, {packed.shape[0]}, {packed.shape[1]})>" in out
    assert "Mode: txt2img" in out and Image.open(third.images[0]).size == (64, 64)
    image, mask = tmp_path / "i.png", tmp_path / "m.png"
    Image.effect_noise((64, 64), 40).convert("RGB").save(image)
    Image.new("L", (64, 64), 255).save(mask)
    for seed in (f"{image};latents={first.images[0]}",
                 f"{image};mask={mask};latents={first.images[0]}"):
        result = _invoke(flux[0], tmp_path / "d", *flux[1:], "--image-seeds", seed, "-ox")
        assert Image.open(result.images[0]).size == (64, 64)


def test_latents_errors(tiny_models, tmp_path, capsys):
    latents = tmp_path / "l.pt"
    torch.save(torch.zeros(4, 8, 8), latents)
    image = tmp_path / "i.png"
    Image.new("RGB", (64, 64)).save(image)
    assert main([tiny_models.sd, "-o", str(tmp_path), "--image-seeds", f"{image};{latents}"]) == 1
    assert "only allowed as the img2img image" in capsys.readouterr().err
    assert main([tiny_models.sd, "-o", str(tmp_path), "--image-seeds", str(latents),
                 "--denoising-start", "0.5", "-ifs", "4"]) == 1
    assert 'give them with --image-seeds "latents: stage1.pt" (a tensor as the img2img image ' \
           'is continued only by sdxl and kolors)' in capsys.readouterr().err
    bad = tmp_path / "bad.pt"
    bad.write_text("nope")
    assert main([tiny_models.sd, "-o", str(tmp_path), "--image-seeds", str(bad)]) == 1
    assert f'cannot read latents "{bad}"' in capsys.readouterr().err


@pytest.fixture
def noise(tmp_path):
    gen = torch.Generator().manual_seed(0)
    paths = []
    for i, shape in enumerate([(4, 16, 16), (4, 16, 16), (16, 16, 16)]):
        path = tmp_path / f"noise{i}.pt"
        torch.save(torch.randn(*shape, generator=gen), path)
        paths.append(str(path))
    image = tmp_path / "img.png"
    Image.effect_noise((128, 128), 40).convert("RGB").save(image)
    mask = tmp_path / "mask.png"
    Image.new("L", (128, 128), 255).save(mask)
    return paths, str(image), str(mask)


def _pixels(path):
    import numpy as np

    with Image.open(path) as im:
        return np.asarray(im)


def test_raw_latents_start_txt2img(tiny_models, tmp_path, noise, capsys):
    (n1, n2, _), _, _ = noise
    a = invoke_dgenerate([tiny_models.sd, "-ifs", "2", "--seeds", "1", "2", "-o",
                          str(tmp_path / "a"), "--image-seeds", f"latents: {n1}", "-v"])
    out = capsys.readouterr().out
    assert "latents: <Tensor (1, 4, 16, 16)>" in out and "Mode: txt2img" in out
    assert _pixels(a.images[0]).shape[:2] == (16 * 8, 16 * 8)
    # the noise is given, so the seed changes nothing
    assert (_pixels(a.images[0]) == _pixels(a.images[1])).all()
    b = invoke_dgenerate([tiny_models.sd, "-ifs", "2", "--seeds", "1", "-o", str(tmp_path / "b"),
                          "--image-seeds", f"latents: {n1}, {n2}"])
    assert [os.path.basename(p)[-11:] for p in b.images] == ["image_1.png", "image_2.png"]
    diff = _pixels(b.images[0]).astype(int) - _pixels(a.images[0]).astype(int)
    assert abs(diff).max() <= 3  # same noise; batched convolutions differ in the last bits


def test_raw_latents_with_an_inpaint_seed_and_sd3(tiny_models, tmp_path, noise, capsys):
    (n1, _, s3), image, mask = noise
    assert main([tiny_models.sd, "-ifs", "2", "-o", str(tmp_path), "-v", "--image-seeds",
                 f"{image};mask={mask};latents={n1}"]) == 0
    assert "latents: <Tensor (1, 4, 16, 16)>" in capsys.readouterr().out
    assert main([tiny_models.sd3, "--model-type", "sd3", "-ifs", "2", "-o", str(tmp_path),
                 "--image-seeds", f"latents: {s3}"]) == 0


def test_raw_latents_errors(tiny_models, tmp_path, noise, capsys):
    (n1, n2, _), image, mask = noise

    def error(*args):
        assert main([*args, "-ifs", "2", "-o", str(tmp_path / "x")]) == 1
        return capsys.readouterr().err
    assert "latents are for a 128x128 image, the image is 64x64" in error(
        tiny_models.sd, "--image-seeds", f"{image};mask={mask};latents={n1};resize=64")
    assert 'cannot be used with --model-type "sd" in img2img mode' in error(
        tiny_models.sd, "--image-seeds", f"{image};latents={n1}")
    assert "not used with --model-type sdxl" in error(
        tiny_models.sdxl, "--model-type", "sdxl", "--image-seeds", f"latents: {n1}")
    # unpacked (B, C, h, w) noise is packed for Flux
    assert main([tiny_models.flux, "--model-type", "flux", "--image-seeds", f"latents: {n1}",
                 "-ifs", "2", "-o", str(tmp_path / "flux")]) == 0
    (name,) = os.listdir(tmp_path / "flux")
    assert Image.open(tmp_path / "flux" / name).size == (128, 128)
    assert "must be a tensor file" in error(tiny_models.sd, "--image-seeds", f"latents: {image}")
    assert "Cannot use resize resolution or inpaint mask syntax" in error(
        tiny_models.sd, "--image-seeds", f"latents: {n1};64")
    assert "Number of images (1) must equal number of latents (2)" in error(
        tiny_models.sd, "--image-seeds", f"{image};latents={n1}, {n2}")
    assert not os.path.exists(tmp_path / "x")


@pytest.mark.parametrize("attr, model_type, scheduler", [
    ("sd", "sd", "EulerDiscreteScheduler"), ("sd", "sd", "DDIMScheduler"),
    ("sd3", "sd3", None), ("flux", "flux", None)])
def test_cooperative_denoising_equals_one_full_run(tiny_models, tmp_path, attr, model_type,
                                                   scheduler):
    """Stage 1 stops at --denoising-end 0.5 and saves the noisy latents; stage 2 continues
    them from --denoising-start 0.5: with a stateless scheduler that is the full run."""
    from dgenerate_core import events

    model = [getattr(tiny_models, attr), "--model-type", model_type, "-ifs", "4",
             "--output-size", "64"] + (["--schedulers", scheduler] if scheduler else [])
    full = _invoke(model[0], tmp_path / "full", *model[1:])
    steps = []
    sink = lambda event, fields: steps.append(fields["total"]) \
        if event == "progress" else None  # noqa: E731
    events.add_sink(sink)
    try:
        first = _invoke(model[0], tmp_path / "a", *model[1:], "--denoising-end", "0.5",
                        "--image-format", "pt")
        second = _invoke(model[0], tmp_path / "b", *model[1:], "--denoising-start", "0.5",
                         "--image-seeds", f"latents: {first.images[0]}")
    finally:
        events.remove_sink(sink)
    assert len(steps) == 4 and steps[-1] == 2  # 2 steps in each stage
    diff = np.abs(_pixels(second.images[0]).astype(int) - _pixels(full.images[0]).astype(int))
    assert diff.max() <= 2


def test_denoising_range_errors(tiny_models, tmp_path, capsys):
    def error(*args):
        assert main([tiny_models.sd, "-ifs", "4", "-o", str(tmp_path), *args]) == 1
        return capsys.readouterr().err
    assert 'give them with --image-seeds "latents: stage1.pt"' in error("--denoising-start",
                                                                         "0.5")
    assert "needs one of these schedulers" in error(
        "--denoising-end", "0.5", "--schedulers", "EulerAncestralDiscreteScheduler")
    image = tmp_path.parent / "dr_img.png"
    Image.effect_noise((64, 64), 40).convert("RGB").save(image)
    assert "--denoising-end with an img2img or inpaint image seed and --model-type sd is not " \
           "supported yet" in error("--denoising-end", "0.5", "--image-seeds", str(image))
    assert os.listdir(tmp_path) == []


def test_animated_seed_with_latents_output_writes_every_frame(tiny_models, tmp_path):
    from dgenerate_core.media.animations import write_animation

    frames = [Image.effect_noise((64, 64), 30 + 10 * i).convert("RGB") for i in range(3)]
    write_animation(frames, str(tmp_path / "in.gif"), 5.0)
    result = _invoke(tiny_models.sd, tmp_path / "out", "-ifs", "2", "--image-format", "pt",
                     "--image-seeds", str(tmp_path / "in.gif"), "--frame-start", "1", "-oc")
    assert [os.path.basename(p) for p in result.images] == [
        f"s_1_st_0-8_g_5-0_i_2_frame_{i}_step_1.pt" for i in (1, 2)]
    assert result.animations == []
    assert load_latents(result.images[1]).shape == (1, 4, 8, 8)
    config = (tmp_path / "out" / "s_1_st_0-8_g_5-0_i_2_frame_2_step_1.dgen").read_text()
    assert "--frame-start 2" in config and "--frame-end 2" in config


def test_seed_processors_run_on_a_decoded_latents_seed(tiny_models, tmp_path, capsys):
    """usage.md §3.8: with a latents img2img seed the seed processors run after the VAE
    decode, on the decoded image."""
    first = _invoke(tiny_models.sd, tmp_path, "-ifs", "2", "--output-size", "64",
                    "--image-format", "pt")
    resized = _invoke(tiny_models.sd, tmp_path / "b", "-ifs", "2", "--image-seeds",
                      first.images[0], "--seed-image-processors", "resize;size=32")
    assert Image.open(resized.images[0]).size == (32, 32)
    assert main([tiny_models.sd, "-ifs", "2", "-o", str(tmp_path / "x"), "--image-seeds",
                 first.images[0], "--seed-image-processors", "flip",
                 "--denoising-start", "0.5"]) == 1
    assert "with a latents tensor image seed and --denoising-start is not supported yet" in \
        capsys.readouterr().err
    assert main([tiny_models.sd, "-ifs", "2", "-o", str(tmp_path / "c"), "--image-seeds",
                 f"{first.images[0]};resize=32"]) == 0
    assert "latents tensors are never resized or aligned" in capsys.readouterr().err
    assert len(os.listdir(tmp_path / "c")) == 1
