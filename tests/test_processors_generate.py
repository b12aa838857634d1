"""Processor options end to end through invoke_dgenerate on the tiny sd pipeline."""

import os

import numpy
import pytest
import torch
from PIL import Image, ImageOps

from dgenerate_core.errors import ModelError, UsageError
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.media.tensors import load_latents, save_latents


def gen(tiny_models, out, *args):
    return invoke_dgenerate([tiny_models.sd, "--seeds", "3", "-ifs", "2", "--output-size", "64",
                             "-o", str(out), *args])


def pixels(path):
    with Image.open(path) as im:
        return numpy.asarray(im.convert("RGB")).astype(int)


@pytest.fixture
def seed_image(tmp_path):
    x = numpy.linspace(0, 255, 80, dtype=numpy.uint8)[None, :].repeat(48, 0)
    path = tmp_path / "seed.png"
    Image.fromarray(numpy.stack([x, x[::-1, ::-1], x // 3], -1), "RGB").save(path)
    return str(path)


def test_post_processor_flip_equals_flipped_output(tiny_models, tmp_path):
    plain = gen(tiny_models, tmp_path / "a")
    flipped = gen(tiny_models, tmp_path / "b", "-pp", "flip", "grayscale")
    with Image.open(plain.images[0]) as im:
        expected = numpy.asarray(ImageOps.flip(im).convert("L").convert("RGB")).astype(int)
    assert abs(pixels(flipped.images[0]) - expected).max() <= 1
    assert os.path.basename(flipped.images[0]) == os.path.basename(plain.images[0])


def test_seed_processors_run_after_or_before_the_resize(tiny_models, tmp_path, seed_image):
    after = tmp_path / "after.png"
    before = tmp_path / "before.png"
    gen(tiny_models, tmp_path / "o", "--image-seeds", seed_image, "-sip",
        f"mirror;output-file={after}", f"invert;pre-resize=true;output-file={before}")
    with Image.open(after) as a, Image.open(before) as b:
        assert a.size == (64, 32)       # resized to the --output-size width, aligned to 8
        assert b.size == (80, 48)                               # the original, before resizing
    with pytest.raises(UsageError, match="Too many seed image processors specified, there are "
                                         "2 processors and 1 seed image sources"):
        gen(tiny_models, tmp_path / "x", "--image-seeds", seed_image, "-sip", "flip", "+",
            "mirror")


def test_mask_processors_on_an_inpaint_seed(tiny_models, tmp_path, seed_image):
    mask = tmp_path / "mask.png"
    Image.new("RGB", (80, 48), (255, 255, 255)).save(mask)
    debug = tmp_path / "mask_dbg.png"
    invoke_dgenerate([tiny_models.sd_inpaint, "--seeds", "3", "-ifs", "2", "-o",
                      str(tmp_path / "o"), "--image-seeds", f"{seed_image};mask={mask}",
                      "-mip", f"invert;output-file={debug}"])
    assert pixels(debug).max() == 0        # the white mask was inverted before inpainting


def test_bad_processor_uris_fail_the_invocation(tiny_models, tmp_path, seed_image):
    with pytest.raises(UsageError, match='--post-processors: image processor "resize": argument '
                                         '"algo": unknown algorithm'):
        gen(tiny_models, tmp_path, "-pp", "resize;size=32;algo=x")
    with pytest.raises(ModelError, match='image processor "upscaler": model "x.pth": no such file'):
        gen(tiny_models, tmp_path, "-pp", "upscaler;model=x.pth")


def test_latents_post_processors_scale_the_output_tensor(tiny_models, tmp_path):
    plain = gen(tiny_models, tmp_path / "a", "--image-format", "pt")
    scaled = gen(tiny_models, tmp_path / "b", "--image-format", "pt", "-lpp", "scale;factor=2")
    assert torch.allclose(load_latents(scaled.images[0]), load_latents(plain.images[0]) * 2,
                          atol=1e-5)


def test_raw_latents_processors_change_the_start_noise(tiny_models, tmp_path):
    noise = tmp_path / "n.pt"
    save_latents(torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(1)), str(noise))
    plain = gen(tiny_models, tmp_path / "a", "--image-seeds", f"latents: {noise}")
    same = gen(tiny_models, tmp_path / "b", "--image-seeds", f"latents: {noise}", "-lp",
               "scale;factor=1")
    scaled = gen(tiny_models, tmp_path / "c", "--image-seeds", f"latents: {noise}", "-lp",
                 "scale;factor=0.1")
    assert abs(pixels(same.images[0]) - pixels(plain.images[0])).max() <= 1
    assert abs(pixels(scaled.images[0]) - pixels(plain.images[0])).max() > 8


def test_img2img_latents_processors(tiny_models, tmp_path):
    first = gen(tiny_models, tmp_path / "a", "--image-format", "pt")
    plain = gen(tiny_models, tmp_path / "b", "--image-seeds", first.images[0], "-iss", "0.5")
    noised = gen(tiny_models, tmp_path / "c", "--image-seeds", first.images[0], "-iss", "0.5",
                 "-ilp", "scale;factor=4")
    assert abs(pixels(noised.images[0]) - pixels(plain.images[0])).max() > 8


@pytest.fixture(scope="module")
def tiny_controlnet(tiny_models, tmp_path_factory):
    try:
        from tests.tiny_control import build_sd_controlnet
    except ImportError:
        from tiny_control import build_sd_controlnet
    path = str(tmp_path_factory.mktemp("cn") / "sd_cn")
    build_sd_controlnet(tiny_models.sd).save_pretrained(path)
    return path


def test_control_image_processors_equal_a_preprocessed_control_image(tiny_models, tmp_path,
                                                                     tiny_controlnet):
    from dgenerate_core.processors.registry import build_processor

    control = Image.new("RGB", (64, 64))
    control.paste(Image.new("RGB", (24, 24), (255, 255, 255)), (20, 20))
    control.save(tmp_path / "control.png")
    build_processor("canny", "image").process(control).save(tmp_path / "edges.png")
    args = ["--control-nets", tiny_controlnet, "--image-seeds"]
    processed = gen(tiny_models, tmp_path / "a", *args, str(tmp_path / "control.png"), "-cip",
                    "canny")
    given = gen(tiny_models, tmp_path / "b", *args, str(tmp_path / "edges.png"))
    raw = gen(tiny_models, tmp_path / "c", *args, str(tmp_path / "control.png"))
    assert (pixels(processed.images[0]) == pixels(given.images[0])).all()
    assert (pixels(processed.images[0]) != pixels(raw.images[0])).any()
    with pytest.raises(UsageError, match="Too many control guidance image processors"):
        gen(tiny_models, tmp_path / "d", *args, str(tmp_path / "control.png"), "-cip", "canny",
            "+", "flip")


def test_latents_processor_options_need_latents_inputs(tiny_models, tmp_path, seed_image):
    noise = tmp_path / "n.pt"
    save_latents(torch.zeros(1, 4, 8, 8), str(noise))
    with pytest.raises(UsageError, match="--latents-processors given but --image-seeds has no "
                                         "raw latents"):
        gen(tiny_models, tmp_path, "--image-seeds", seed_image, "-lp", "scale")
    with pytest.raises(UsageError, match="--img2img-latents-processors given but --image-seeds "
                                         "has no img2img latents tensors"):
        gen(tiny_models, tmp_path, "--image-seeds", f"latents: {noise}", "-ilp", "scale")
    with pytest.raises(UsageError, match="Too many latents processors specified with "
                                         "--latents-processors, there are 2 processors and 1"):
        gen(tiny_models, tmp_path, "--image-seeds", f"latents: {noise}", "-lp", "scale", "+",
            "scale")
    with pytest.raises(UsageError, match="--latents-post-processors requires --image-format"):
        gen(tiny_models, tmp_path, "-lpp", "scale")


def test_bad_uris_fail_before_any_model_loads(tmp_path):
    from dgenerate_core.options import parse_args, validate
    from dgenerate_core.processors import hooks

    missing = str(tmp_path / "no_model_here")
    with pytest.raises(UsageError, match='--post-processors: image processor "flip": unknown'):
        invoke_dgenerate([missing, "-pp", "flip;x=1"])
    with pytest.raises(UsageError, match='"dilate": argument "size"'):
        invoke_dgenerate([missing, "-pp", "dilate;size=2", "leres"])
    opts = parse_args(["m", "-pp", "mirror"])
    validate(opts)
    assert hooks.image_chains("post", opts)[0][0].loaded_by_name == "mirror"
