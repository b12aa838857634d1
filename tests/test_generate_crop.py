"""``--inpaint-crop`` through the real command line: crop size, paste modes, paddings, errors."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.render.crop import crop_box

NAME = "s_1_st_0-8_g_5-0_i_2_step_1.png"


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    root = tmp_path_factory.mktemp("crop")
    Image.effect_noise((96, 72), 60).convert("RGB").save(root / "img.png")
    mask = Image.new("L", (96, 72), 0)
    mask.paste(255, (16, 16, 64, 48))
    mask.save(root / "mask.png")
    return str(root / "img.png"), str(root / "mask.png")


def _run(tiny_models, out, seed_text, *args):
    return main([tiny_models.sd, "--inference-steps", "2", "--seeds", "1", "-o", str(out),
                 "--image-seeds", seed_text, *args])


def _pixels(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def test_crop_box_padding_and_clamping():
    mask = Image.new("L", (96, 72), 0)
    mask.paste(255, (16, 16, 64, 48))
    assert crop_box(mask, (8, 8, 8, 8)) == (8, 8, 72, 56)
    assert crop_box(mask, (32, 4, 40, 30)) == (0, 12, 96, 72)


def test_plain_crop_pastes_back_inside_the_box(tiny_models, seed, tmp_path, capsys):
    image, mask = seed
    assert _run(tiny_models, tmp_path, f"{image};{mask}", "-icp", "8", "--output-size", "64",
                "-v") == 0
    out = capsys.readouterr().out
    assert "image: <Image 64x48 RGB>" in out and "Inpaint Crop Padding: 8,8,8,8" in out
    result, original = _pixels(tmp_path / NAME), _pixels(image)
    assert result.shape == (72, 96, 3)
    outside = np.ones((72, 96), bool)
    outside[8:56, 8:72] = False
    assert np.array_equal(result[outside], original[outside])
    assert not np.array_equal(result[8:56, 8:72], original[8:56, 8:72])


def test_masked_paste_changes_only_masked_pixels(tiny_models, seed, tmp_path):
    image, mask = seed
    assert _run(tiny_models, tmp_path, f"{image};{mask}", "-icm") == 0
    result, original = _pixels(tmp_path / NAME), _pixels(image)
    inside = np.zeros((72, 96), bool)
    inside[16:48, 16:64] = True
    assert np.array_equal(result[~inside], original[~inside])
    assert not np.array_equal(result[inside], original[inside])


def test_feathered_paste_keeps_the_box_edge(tiny_models, seed, tmp_path):
    image, mask = seed
    assert _run(tiny_models, tmp_path / "f", f"{image};{mask}", "-icf", "6", "-icp", "8") == 0
    assert _run(tiny_models, tmp_path / "p", f"{image};{mask}", "-icp", "8") == 0
    feathered, plain = _pixels(tmp_path / "f" / NAME), _pixels(tmp_path / "p" / NAME)
    original = _pixels(image)
    edge = (slice(8, 56), 8)  # first column of the box: mostly the original when feathered
    assert np.abs(feathered[edge] - original[edge]).mean() < \
        np.abs(plain[edge] - original[edge]).mean()
    assert np.array_equal(feathered[30, 40], plain[30, 40])


def test_crop_needs_a_mask(tiny_models, seed, tmp_path, capsys):
    assert _run(tiny_models, tmp_path, seed[0], "-ic") == 1
    assert "--inpaint-crop needs an inpaint mask" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / NAME)


def test_crop_refuses_image_seed_batching(tiny_models, seed, tmp_path, capsys):
    img, mask = seed
    assert _run(tiny_models, tmp_path, f"images: {img}, {img};{mask}", "-ic") == 1
    assert "Inpaint batching via --image-seeds batching syntax is not supported with " \
           "--inpaint-crop, but you may use --batch-size" in capsys.readouterr().err


def test_crop_works_frame_by_frame_on_an_animation(tiny_models, seed, tmp_path):
    from dgenerate_core.media.animations import read_frames, write_animation

    img, mask = seed
    frames = [Image.open(img).rotate(5 * i) for i in range(3)]
    write_animation(frames, str(tmp_path / "in.gif"), 5.0)
    assert _run(tiny_models, tmp_path / "out", f"{tmp_path / 'in.gif'};{mask}", "-icm",
                "--output-size", "32", "-af", "gif", "-nf") == 0
    (name,) = os.listdir(tmp_path / "out")
    out, _ = read_frames(str(tmp_path / "out" / name))
    assert len(out) == 3 and out[0].size == (96, 72)  # pasted back at the original size
    unmasked = np.asarray(out[1].convert("RGB")).astype(int)[60:, 70:]
    source = np.asarray(read_frames(str(tmp_path / "in.gif"))[0][1]).astype(int)[60:, 70:]
    assert np.abs(unmasked - source).mean() < 3  # only masked pixels were regenerated
