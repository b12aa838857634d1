"""Streamed animations: lazy frame sources, incremental writers for every --animation-format,
animated / static seed components zipped and clipped frame by frame, and flat peak memory for
a long video rendered through a tiny pipeline (measured in separate processes)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from dgenerate_core.media.animations import AnimationWriter, FrameSource, read_frames
from dgenerate_core.seeds.load import load_seed_frames
from dgenerate_core.seeds.parse import parse_image_seed


@pytest.fixture(autouse=True, scope="module")
def _cold_cache_afterwards():
    """Leave the pipeline cache empty: later test modules expect to load their own."""
    yield
    from dgenerate_core.pipelines import clear_object_cache

    clear_object_cache()


def _frames(count, size=(64, 48), shift=0):
    """Smooth, distinct frames (cheap to encode, easy to tell apart)."""
    xs = np.linspace(0, 255, size[0], dtype=np.float32)
    out = []
    for i in range(count):
        row = (xs + 9 * (i + shift)) % 256
        arr = np.repeat(row[None, :], size[1], axis=0).astype(np.uint8)
        out.append(Image.fromarray(np.stack([arr, arr[::-1], np.full_like(arr, i * 20 % 256)],
                                            axis=2)))
    return out


def _write(path, frames, fps):
    with AnimationWriter(str(path), fps) as writer:
        for frame in frames:
            writer.add(frame)
    return str(path)


@pytest.mark.parametrize("ext", ["mp4", "gif", "webp", "apng", "png"])
def test_writer_formats_round_trip(tmp_path, ext):
    frames = _frames(6)
    path = _write(tmp_path / f"a.{ext}", frames, 8.0)
    back, fps = read_frames(path)
    assert len(back) == 6 and back[0].size == (64, 48)
    assert fps == pytest.approx(8.0, rel=0.1)
    if ext != "mp4":  # lossless / per-frame palette formats keep the pixels
        diff = np.abs(np.asarray(back[3], dtype=int) - np.asarray(frames[3], dtype=int)).mean()
        assert diff < 8


@pytest.mark.parametrize("ext", ["mp4", "gif", "apng"])
def test_writer_encodes_while_frames_arrive(tmp_path, ext):
    path = tmp_path / f"grow.{ext}"
    writer = AnimationWriter(str(path), 10.0)
    sizes = []
    per_chunk = 60 if ext == "mp4" else 30  # mp4: x264 looks ahead, the muxer buffers 256 KiB
    for chunk in range(3):
        for i in range(per_chunk):  # noise: big packets that get past the muxers' write buffers
            writer.add(Image.effect_noise((128, 96), 30 + i + chunk).convert("RGB"))
        sizes.append(os.path.getsize(path) if path.exists() else 0)
    writer.close()
    assert sizes[1] > 0 and sizes[2] > sizes[1]  # bytes reach the disk before close()
    assert FrameSource(str(path)).count == 3 * per_chunk


def test_frame_source_is_lazy_and_sliced(tmp_path):
    path = _write(tmp_path / "v.mp4", _frames(12), 12.0)
    source = FrameSource(path)
    assert (source.count, source.animated, round(source.fps)) == (12, True, 12)
    frames = source.frames(3, 5)
    assert not isinstance(frames, list)
    assert len(list(frames)) == 3
    assert len(list(source.frames(10))) == 2
    still = tmp_path / "s.png"
    _frames(1)[0].save(still)
    assert (FrameSource(str(still)).count, FrameSource(str(still)).fps) == (1, None)


@pytest.fixture
def media(tmp_path):
    _write(tmp_path / "seed.gif", _frames(5), 8.0)
    _write(tmp_path / "seed.mp4", _frames(7), 12.0)
    masks = [f.convert("L") for f in _frames(3)]
    _write(tmp_path / "mask.webp", masks, 4.0)
    _write(tmp_path / "ctl.apng", _frames(4, shift=5), 6.0)
    _frames(1)[0].save(tmp_path / "still.png")
    Image.new("L", (64, 48), 255).save(tmp_path / "mask.png")
    return tmp_path


def _load(text, *args, controls=0, **kwargs):
    return load_seed_frames(parse_image_seed(text, control_models=controls), None, False,
                            *args, **kwargs)


def test_animated_seed_and_mask_clip_to_the_shorter(media):
    seed = _load(f"{media}/seed.gif;{media}/mask.webp")
    assert (seed.frame_count, seed.fps) == (3, pytest.approx(8.0, rel=0.05))
    frames = list(seed.frames())
    assert len(frames) == 3 and all(f.mode == "inpaint" for f in frames)
    assert frames[0].images[0].tobytes() != frames[2].images[0].tobytes()
    assert frames[0].masks[0].mode == "L"


def test_static_seed_with_animated_mask_follows_the_mask(media):
    seed = _load(f"{media}/still.png;{media}/mask.webp")
    assert (seed.frame_count, seed.fps) == (3, 4.0)
    frames = list(seed.frames())
    assert frames[0].images[0] is frames[2].images[0]  # the still image repeats
    assert frames[0].masks[0].tobytes() != frames[2].masks[0].tobytes()


def test_static_mask_repeats_and_control_frames_zip(media):
    seed = _load(f"{media}/seed.mp4;mask={media}/mask.png;control={media}/ctl.apng")
    assert (seed.frame_count, seed.fps) == (4, 12.0)
    frames = list(seed.frames())
    assert [len(f.control_images) for f in frames] == [1] * 4
    assert frames[1].control_images[0].size == (64, 48)


def test_control_only_animation_with_control_models(media):
    seed = _load(f"{media}/ctl.apng", controls=1)
    assert seed.spec.mode == "txt2img" and seed.frame_count == 4 and seed.fps == 6.0
    first = seed.frame(0)
    assert first.images == [] and first.size == (64, 48)


def test_fps_comes_from_the_first_animated_file_of_the_seed_text(media):
    seed = _load(f"adapter: {media}/ctl.apng;control={media}/seed.mp4", controls=1)
    assert (seed.fps, seed.frame_count) == (6.0, 4)
    frame = seed.frame(3)
    assert len(frame.adapter_images[0]) == 1 and frame.control_images[0].size == (64, 48)


def test_global_and_per_seed_slices(media):
    assert _load(f"{media}/seed.mp4", 8, 2, 5).frame_count == 4
    assert _load(f"{media}/seed.mp4;frame-start=5", 8, 2, None).frame_count == 2
    assert _load(f"{media}/seed.mp4;frame-end=0", 8, 0, None).frame_count == 1
    seed = _load(f"{media}/seed.gif;mask={media}/mask.webp;frame-start=1", 8)
    assert seed.frame_count == 2  # mask: 3 - 1, seed: 5 - 1


BASE = "s_1_st_0-8_g_5-0_i_2"


def _run(tiny_models, out, seed, *args):
    from dgenerate_core.invoke import invoke_dgenerate

    return invoke_dgenerate([tiny_models.sd, "--inference-steps", "2", "--seeds", "1",
                             "-o", str(out), "--output-size", "32", "--image-seeds", seed,
                             *args])


@pytest.mark.parametrize("fmt", ["apng", "png"])
def test_apng_outputs_with_frames(tiny_models, media, tmp_path, fmt):
    result = _run(tiny_models, tmp_path, f"{media}/seed.gif;{media}/mask.webp", "-af", fmt)
    assert [os.path.basename(p) for p in result.animations] == [f"ANIM_{BASE}_step_1.{fmt}"]
    assert [os.path.basename(p) for p in result.images] == [
        f"{BASE}_frame_{i}_step_1.png" for i in (1, 2, 3)]
    frames, fps = read_frames(result.animations[0])
    assert len(frames) == 3 and frames[0].size == (32, 24) and fps == pytest.approx(8.0, rel=0.05)


def test_one_animation_per_batch_image(tiny_models, media, tmp_path):
    result = _run(tiny_models, tmp_path, f"{media}/seed.mp4", "-bs", "2", "-nf",
                  "--frame-end", "2")
    assert [os.path.basename(p) for p in result.animations] == [
        f"ANIM_{BASE}_step_1_animation_{i}.mp4" for i in (1, 2)]
    assert result.images == []
    frames, fps = read_frames(result.animations[1])
    assert len(frames) == 3 and round(fps) == 12


MEMORY_SCRIPT = textwrap.dedent("""
    import resource, sys
    import torch
    torch.set_num_threads(1)
    from dgenerate_core.invoke import invoke_dgenerate
    model, video, out = sys.argv[1:4]
    args = [model, "--inference-steps", "1", "--seeds", "1", "-o", out, "--image-seeds", video,
            "--output-size", "32", "-nf", "--image-seed-strengths", "1", "-ox"]
    invoke_dgenerate(args + ["--frame-end", "1"])  # load the pipeline, warm the allocators
    try:  # reset the peak (VmHWM) so that only the render of the whole video counts
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        reset = True
    except OSError:
        reset = False
    result = invoke_dgenerate(args)
    assert len(result.animations) == 1, result.animations
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if reset:
        with open("/proc/self/status") as f:
            peak = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
    print("PEAK_KB", peak)
""")



def test_peak_memory_is_flat_in_video_length(tiny_models, tmp_path, capsys):
    """A 400-frame 256x256 video costs no more peak memory than a 60-frame one: frames are
    decoded, rendered (at 32x32) and encoded one by one. The peak is taken after a warm-up
    render (the model load would hide smaller growth)."""
    size, lengths = (256, 256), (60, 400)
    videos = [_write(tmp_path / f"v{n}.mp4", _frames(n, size), 24.0) for n in lengths]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": root}
    procs = [subprocess.Popen([sys.executable, "-c", MEMORY_SCRIPT, tiny_models.sd, video,
                               str(tmp_path / f"out{n}")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
             for n, video in zip(lengths, videos)]
    peaks = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        peaks.append(int(out.split("PEAK_KB")[1].split()[0]) * 1024)
    frame_bytes = lengths[1] * size[0] * size[1] * 3  # what holding the input frames takes
    growth = peaks[1] - peaks[0]
    with capsys.disabled():
        print(f"\npeak RSS: {lengths[0]} frames {peaks[0] / 2**20:.1f} MiB, {lengths[1]} frames "
              f"{peaks[1] / 2**20:.1f} MiB, growth {growth / 2**20:.1f} MiB; holding the "
              f"{lengths[1]} input frames would take {frame_bytes / 2**20:.1f} MiB")
    assert growth < 0.25 * frame_bytes + 8 * 2**20
    (name,) = os.listdir(tmp_path / "out400")
    assert FrameSource(str(tmp_path / "out400" / name)).count == 400
