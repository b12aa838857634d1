"""Image seeds end to end on tiny pipelines: control guidance seeds with --control-nets and
--t2i-adapters (plain, control=, inpaint + control, animated control), per-seed resizing with
--no-aspect / aspect= / align=, --seeds-to-images, size mismatches, processors on seed
components and outputs, and adapter / floyd seeds that stop with one clear line."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.cli import main
from dgenerate_core.errors import UsageError
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.media.animations import read_frames, write_animation

try:
    from tests.tiny_control import build_controls
except ImportError:  # pragma: no cover - run from inside tests/
    from tiny_control import build_controls


@pytest.fixture(scope="module")
def controls(tiny_models, tmp_path_factory):
    return build_controls(tiny_models, str(tmp_path_factory.mktemp("seed_controls")))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("seed_files")
    Image.effect_noise((96, 72), 40).convert("RGB").save(root / "img.png")
    Image.effect_noise((96, 72), 60).convert("RGB").save(root / "img2.png")
    ctl = Image.new("RGB", (96, 72), "black")
    ctl.paste((255, 255, 255), (20, 10, 60, 50))
    ctl.save(root / "ctl.png")
    ctl.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(root / "ctl_flip.png")
    Image.new("RGB", (64, 64), "white").save(root / "square.png")
    mask = Image.new("L", (96, 72), 0)
    mask.paste(255, (16, 16, 64, 56))
    mask.save(root / "mask.png")
    write_animation([ctl.rotate(10 * i) for i in range(3)], str(root / "ctl.gif"), 5.0)
    return root


def _run(model, out, *args):
    return invoke_dgenerate([model, "--inference-steps", "2", "--seeds", "7", "-o", str(out),
                             *args])


def _pixels(path):
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.int16)


def test_plain_seed_is_control_guidance_with_control_nets(tiny_models, controls, files,
                                                          tmp_path):
    a = _run(tiny_models.sd, tmp_path / "a", "--control-nets", controls.sd,
             "--image-seeds", str(files / "ctl.png"), "--output-size", "64")
    b = _run(tiny_models.sd, tmp_path / "b", "--control-nets", controls.sd,
             "--image-seeds", str(files / "ctl_flip.png"), "--output-size", "64")
    (path_a,), (path_b,) = a.images, b.images
    assert os.path.basename(path_a) == "s_7_g_5-0_i_2_step_1.png"  # txt2img: no strength
    assert Image.open(path_a).size == (64, 48)
    assert np.abs(_pixels(path_a) - _pixels(path_b)).max() > 0  # the control image matters


def test_img2img_and_inpaint_with_control_keyword(tiny_models, controls, files, tmp_path):
    result = _run(tiny_models.sd, tmp_path, "--control-nets", controls.sd, "--image-seeds",
                  f"{files / 'img.png'};control={files / 'ctl.png'}",
                  f"{files / 'img.png'};mask={files / 'mask.png'};control={files / 'ctl.png'}")
    names = [os.path.basename(p) for p in result.images]
    assert names == ["s_7_st_0-8_g_5-0_i_2_step_1.png", "s_7_st_0-8_g_5-0_i_2_step_2.png"]
    assert all(Image.open(p).size == (96, 72) for p in result.images)


def test_control_count_and_t2i_errors_through_the_cli(tiny_models, controls, files, tmp_path,
                                                       capsys):
    ctl = str(files / "ctl.png")
    assert main([tiny_models.sd, "-o", str(tmp_path), "--control-nets", controls.sd,
                 "--image-seeds", f"{ctl}, {ctl}"]) != 0
    assert "2 control images for 1 --control-nets models" in capsys.readouterr().err
    assert main([tiny_models.sd, "-o", str(tmp_path), "--t2i-adapters", controls.t2i_sd,
                 "--image-seeds", f"{files / 'img.png'};control={ctl}"]) != 0
    assert "T2I adapters are txt2img only" in capsys.readouterr().err
    assert main([tiny_models.sd, "-o", str(tmp_path), "--image-seeds",
                 f"{files / 'img.png'};control={ctl}"]) != 0
    assert '"control=" images need --control-nets' in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


def test_t2i_adapter_with_a_plain_seed(tiny_models, controls, files, tmp_path):
    result = _run(controls.sd_t2i_base, tmp_path, "--t2i-adapters", controls.t2i_sd,
                  "--image-seeds", str(files / "square.png"))
    assert [Image.open(p).size for p in result.images] == [(64, 64)]


def test_control_image_size_mismatch(tiny_models, controls, files, tmp_path):
    seed = f"{files / 'img.png'};control={files / 'square.png'}"
    with pytest.raises(UsageError, match=r'Dimension of ".*square.png" \(64x64\) does not '
                                         r'match ".*img.png" \(96x72\)'):
        _run(tiny_models.sd, tmp_path, "--control-nets", controls.sd, "--image-seeds", seed)
    result = _run(tiny_models.sd, tmp_path, "--control-nets", controls.sd, "--image-seeds",
                  seed + ";resize=64;aspect=false")
    assert Image.open(result.images[0]).size == (64, 64)


def test_animated_control_with_a_still_image(tiny_models, controls, files, tmp_path):
    result = _run(tiny_models.sd, tmp_path, "--control-nets", controls.sd, "--image-seeds",
                  f"{files / 'img.png'};control={files / 'ctl.gif'}", "-af", "gif")
    assert len(result.images) == 3 and len(result.animations) == 1
    frames, fps = read_frames(result.animations[0])
    assert len(frames) == 3 and frames[0].size == (96, 72) and fps == pytest.approx(5.0)


def test_resizing_no_aspect_aspect_and_align(tiny_models, files, tmp_path):
    img = str(files / "img.png")
    sizes = lambda r: [Image.open(p).size for p in r.images]  # noqa: E731
    assert sizes(_run(tiny_models.sd, tmp_path / "a", "--image-seeds", img,
                      "--output-size", "64")) == [(64, 48)]
    assert sizes(_run(tiny_models.sd, tmp_path / "b", "--image-seeds", img,
                      "--output-size", "64", "--no-aspect")) == [(64, 64)]
    assert sizes(_run(tiny_models.sd, tmp_path / "c", "--image-seeds",
                      f"{img};resize=64;aspect=true", "--no-aspect")) == [(64, 48)]
    assert sizes(_run(tiny_models.sd, tmp_path / "d", "--image-seeds",
                      f"{img};align=32")) == [(96, 64)]
    assert sizes(_run(tiny_models.sd, tmp_path / "e", "--image-seeds", f"{img};32",
                      f"{img};{files / 'mask.png'};48x48")) == [(32, 24), (48, 32)]


def test_seeds_to_images(tiny_models, files, tmp_path):
    result = invoke_dgenerate([tiny_models.sd, "--inference-steps", "2", "-o", str(tmp_path),
                               "--seeds", "3", "4", "--seeds-to-images", "--output-size", "32",
                               "--image-seeds", str(files / "img.png"),
                               str(files / "img2.png")])
    assert [os.path.basename(p) for p in result.images] == [
        "s_3_st_0-8_g_5-0_i_2_step_1.png", "s_4_st_0-8_g_5-0_i_2_step_2.png"]


def test_processors_run_on_seed_mask_and_output(tiny_models, files, tmp_path):
    """``--seed-image-processors`` before the pipeline and ``--post-processors`` on the output:
    a post ``flip`` of the same generation gives the flipped image."""
    base = _run(tiny_models.sd, tmp_path / "a", "--image-seeds", str(files / "img.png"))
    flipped = _run(tiny_models.sd, tmp_path / "b", "--image-seeds", str(files / "img.png"),
                   "--post-processors", "flip")
    assert np.array_equal(_pixels(flipped.images[0]), _pixels(base.images[0])[::-1])
    pre = _run(tiny_models.sd, tmp_path / "c", "--image-seeds", str(files / "img.png"),
               "--seed-image-processors", "resize;size=48;pre-resize=true",
               "--output-size", "64")
    assert Image.open(pre.images[0]).size == (64, 48)


def test_adapter_images_with_ip_adapters(tiny_models, files, tmp_path):
    from tests.tiny_control import build_ip_adapter

    adapter = build_ip_adapter(tiny_models.sd, str(tmp_path / "ip"))
    square, ctl = files / "square.png", files / "ctl.png"
    result = _run(tiny_models.sd, tmp_path / "a", "--ip-adapters", adapter, "--output-size",
                  "64", "--image-seeds", f"adapter: {square}|resize=32 + {ctl}",
                  f"{files / 'img.png'};adapter={ctl}|resize=48|aspect=false")
    assert [Image.open(p).size for p in result.images] == [(64, 64), (64, 48)]
    with pytest.raises(UsageError, match="2 IP adapter image groups for 1 --ip-adapters"):
        _run(tiny_models.sd, tmp_path, "--ip-adapters", adapter, "--image-seeds",
             f"adapter: {square}, {ctl}")
    with pytest.raises(UsageError, match="IP adapter images need --ip-adapters"):
        _run(tiny_models.sd, tmp_path, "--image-seeds", f"{files / 'img.png'};adapter={ctl}")
    with pytest.raises(UsageError, match='Adapter image file "none.png" does not exist'):
        _run(tiny_models.sd, tmp_path, "--image-seeds", f"{files / 'img.png'};adapter=none.png")
