"""Animated image seeds (GIF, MP4) through the real command line: frames, slicing, animation
files, batches, grids, configs per frame, events."""

import os

import numpy as np
import pytest
from PIL import Image

from dgenerate_core import events
from dgenerate_core.cli import main
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.media.animations import read_frames, write_animation

BASE = "s_1_st_0-8_g_5-0_i_2"


@pytest.fixture(scope="module")
def anims(tmp_path_factory):
    root = tmp_path_factory.mktemp("anims")
    frames = [Image.effect_noise((64, 48), 20 + 10 * i).convert("RGB") for i in range(5)]
    for ext in ("gif", "mp4"):
        write_animation(frames, str(root / f"in.{ext}"), 8.0)
    mask = Image.new("L", (64, 48), 0)
    mask.paste(255, (8, 8, 40, 40))
    mask.save(root / "mask.png")
    return root


def _run(tiny_models, out, seed, *args):
    return main([tiny_models.sd, "--inference-steps", "2", "--seeds", "1", "-o", str(out),
                 "--image-seeds", seed, *args])


def test_gif_slice_writes_frames_and_mp4(tiny_models, anims, tmp_path):
    seen = []
    sink = lambda event, fields: seen.append((event, fields["path"])) \
        if event in ("image", "animation") else None  # noqa: E731
    events.add_sink(sink)
    try:
        result = invoke_dgenerate([tiny_models.sd, "--inference-steps", "2", "--seeds", "1",
                                   "-o", str(tmp_path), "--image-seeds",
                                   f"{anims / 'in.gif'};{anims / 'mask.png'}",
                                   "--frame-start", "1", "--frame-end", "3"])
    finally:
        events.remove_sink(sink)
    names = [os.path.basename(p) for p in result.images]
    assert names == [f"{BASE}_frame_{i}_step_1.png" for i in (1, 2, 3)]
    assert [os.path.basename(p) for p in result.animations] == [f"ANIM_{BASE}_step_1.mp4"]
    frames, fps = read_frames(result.animations[0])
    assert len(frames) == 3 and frames[0].size == (64, 48) and round(fps) == 8
    assert ("animation", result.animations[0]) in seen
    assert [p for e, p in seen if e == "image"] == result.images


def test_video_batch_animations_without_frames(tiny_models, anims, tmp_path):
    assert _run(tiny_models, tmp_path, str(anims / "in.mp4"), "-bs", "2", "-af", "gif", "-nf",
                "--frame-end", "2") == 0
    assert sorted(os.listdir(tmp_path)) == [
        f"ANIM_{BASE}_step_1_animation_{i}.gif" for i in (1, 2)]
    frames, _ = read_frames(str(tmp_path / f"ANIM_{BASE}_step_1_animation_2.gif"))
    assert len(frames) == 3


def test_frames_format_and_grid(tiny_models, anims, tmp_path):
    assert _run(tiny_models, tmp_path / "f", str(anims / "in.gif"), "-af", "frames",
                "--frame-end", "1") == 0
    assert sorted(os.listdir(tmp_path / "f")) == [
        f"{BASE}_frame_{i}_step_1.png" for i in (1, 2)]
    assert _run(tiny_models, tmp_path / "g", str(anims / "in.gif"), "-af", "webp", "-nf",
                "-bs", "2", "-bgs", "2x1", "--frame-end", "1") == 0
    (name,) = os.listdir(tmp_path / "g")
    frames, _ = read_frames(str(tmp_path / "g" / name))
    assert name == f"ANIM_{BASE}_step_1.webp" and len(frames) == 2
    assert frames[0].size == (128, 48)


def test_one_frame_slice_is_a_still_image(tiny_models, anims, tmp_path):
    seed = f"{anims / 'in.gif'};frame-start=2;frame-end=2"
    assert _run(tiny_models, tmp_path, seed) == 0
    assert os.listdir(tmp_path) == [f"{BASE}_step_1.png"]


def test_per_seed_slice_overrides_global(tiny_models, anims, tmp_path):
    seed = f"{anims / 'in.gif'};frame-start=3"
    assert _run(tiny_models, tmp_path / "a", seed, "--frame-start", "1", "-af", "frames") == 0
    assert sorted(os.listdir(tmp_path / "a")) == [f"{BASE}_frame_{i}_step_1.png" for i in (1, 2)]
    assert _run(tiny_models, tmp_path / "b", seed, "--frame-end", "1") == 1


def test_frame_config_reproduces_that_frame(tiny_models, anims, tmp_path):
    assert _run(tiny_models, tmp_path / "a", str(anims / "in.gif"), "-af", "frames", "-oc",
                "--frame-start", "2", "--frame-end", "3") == 0
    config = (tmp_path / "a" / f"{BASE}_frame_2_step_1.dgen").read_text()
    assert "--frame-start 3 \\\n--frame-end 3" in config
    assert main(["--file", str(tmp_path / "a" / f"{BASE}_frame_2_step_1.dgen"),
                 "-o", str(tmp_path / "b")]) == 0
    with Image.open(tmp_path / "b" / f"{BASE}_step_1.png") as again, \
            Image.open(tmp_path / "a" / f"{BASE}_frame_2_step_1.png") as first:
        assert np.array_equal(np.asarray(again), np.asarray(first))


def test_frame_start_out_of_bounds(tiny_models, anims, tmp_path, capsys):
    assert _run(tiny_models, tmp_path, str(anims / "in.gif"), "--frame-start", "9") == 1
    err = capsys.readouterr().err
    assert "Frame slice start value 9 is out of bounds" in err and "in.gif" in err
